"""Async handlers: run on one event loop per router, concurrently, within the Lambda deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from .resolution import Call
from .response import DROP, HANDLER_ERRORS, is_unauthorized

CANCEL_GRACE_SECONDS = 0.05


class Runner:
    """Owns the event loop that sync entry points use to run async routes."""

    __slots__ = ("_loop",)

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self, coroutine: Any) -> Any:
        loop = self._loop
        if loop is None or loop.is_closed():
            loop = self._loop = asyncio.new_event_loop()
        return loop.run_until_complete(coroutine)


def deadline_seconds(context: Any, margin_ms: int) -> float | None:
    """Seconds left before the margin ahead of the Lambda deadline; None without a context."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    try:
        return max(0.0, (float(remaining()) - margin_ms) / 1000)
    except Exception:  # a context that cannot say its deadline imposes none
        return None


async def _outcome(awaitable: Any) -> tuple[bool, Any]:
    """(True, result) or (False, exception); only a 403 escapes, to stop the whole batch."""
    try:
        return True, await awaitable
    except HANDLER_ERRORS as exc:
        if is_unauthorized(exc):
            raise
        return False, exc


async def _settle(tasks: Sequence[asyncio.Future[Any]], timeout: float | None) -> set[Any]:
    """Wait for ``tasks`` until the deadline; cancel and return the unfinished ones."""
    done, pending = await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_EXCEPTION)
    for task in pending:
        task.cancel()
    if pending:
        # Give cancelled handlers a moment to unwind so none runs on into the next invocation.
        await asyncio.wait(pending, timeout=CANCEL_GRACE_SECONDS)
    for task in done:
        exc = task.exception()
        if exc is not None:
            raise exc
    return set(pending)


async def publish_each(call: Call, timeout: float | None) -> dict[str, Any]:
    """Every event's handler runs at once; results keep request order."""
    function = call.route.handler.function
    extra = call.extra
    tasks = [
        asyncio.ensure_future(_outcome(function(payload=payload, **extra)))
        for _, payload in call.request.events
    ]
    pending = await _settle(tasks, timeout)
    items: list[dict[str, Any]] = []
    for (event_id, _), task in zip(call.request.events, tasks, strict=True):
        if task in pending:
            items.append({"id": event_id, "error": call.timed_out(timeout or 0.0, event_id)})
            continue
        finished, value = task.result()
        if not finished:
            items.append({"id": event_id, "error": call.failure(value, event_id)})
        elif value is not DROP:
            items.append({"id": event_id, "payload": value})
    return call.checked(items)


async def _one(call: Call, timeout: float | None, **arguments: Any) -> tuple[str | None, Any]:
    """Run the route's handler once: (error text, None) or (None, result)."""
    task = asyncio.ensure_future(_outcome(call.route.handler.function(**arguments, **call.extra)))
    if await _settle([task], timeout):
        return call.timed_out(timeout or 0.0), None
    finished, value = task.result()
    if not finished:
        return call.failure(value), None
    return None, value


async def publish_aggregate(call: Call, timeout: float | None) -> dict[str, Any]:
    error, result = await _one(call, timeout, payload=call.aggregate_input())
    if error is not None:
        return {"error": error}
    return call.aggregate_result(result)


async def subscribe(call: Call, timeout: float | None) -> dict[str, Any] | None:
    error, _ = await _one(call, timeout)
    return None if error is None else {"error": error}
