"""Turning handler outcomes into AppSync responses, the same way for sync and async routes."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from .errors import UnauthorizedException
from .log import log_problem
from .request import Request, brief
from .response import (
    DROP,
    HANDLER_ERRORS,
    all_sendable,
    error_text,
    is_unauthorized,
    unsendable,
)
from .table import Route

Response = dict[str, Any] | None


class Call:
    """One invocation's route, request and the keyword arguments its handler declared."""

    __slots__ = ("error_detail", "extra", "request", "route")

    def __init__(
        self, route: Route, request: Request, extra: dict[str, Any], error_detail: str
    ) -> None:
        self.route = route
        self.request = request
        self.extra = extra
        self.error_detail = error_detail

    @classmethod
    def prepare(cls, route: Route, request: Request, context: Any, error_detail: str) -> Call:
        handler = route.handler
        extra: dict[str, Any] = {}
        if handler.wants_event:
            from .event import AppSyncEvent  # loaded only by configs whose handlers take `event`

            extra["event"] = AppSyncEvent(request.raw, request.channel, request.operation)
        if handler.wants_context:
            extra["context"] = context
        return cls(route, request, extra, error_detail)

    def where(self, event_id: str | None = None) -> dict[str, Any]:
        """The fields every log line about this call carries."""
        fields = {
            "channel": self.request.channel,
            "operation": self.request.operation,
            "route": self.route.pattern.text,
            "handler": self.route.handler.ref.text,
        }
        if event_id is not None:
            fields["id"] = event_id
        return fields

    def failure(self, exc: BaseException, event_id: str | None = None) -> str:
        """Log a handler exception in full; return what the publisher may see of it."""
        if is_unauthorized(exc):
            raise exc
        log_problem(logging.ERROR, "handler_error", exc, **self.where(event_id))
        return error_text(exc, self.error_detail)

    def timed_out(self, seconds: float, event_id: str | None = None) -> str:
        log_problem(logging.ERROR, "deadline_cancelled", seconds=seconds, **self.where(event_id))
        return f"TimeoutError - handler cancelled after {seconds:.3f}s, before the Lambda deadline"

    def checked(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        """``{"events": items}`` with every item that AppSync could not take made an error."""
        if all_sendable(items):
            return {"events": items}
        out = []
        for item in items:
            problem = unsendable(item) if "payload" in item else None
            if problem is not None:
                log_problem(
                    logging.ERROR, "unsendable_result", reason=problem, **self.where(item["id"])
                )
                item = {"id": item["id"], "error": problem}
            out.append(item)
        return {"events": out}

    def aggregate_input(self) -> list[dict[str, Any]]:
        return [{"id": event_id, "payload": payload} for event_id, payload in self.request.events]

    def aggregate_result(self, result: Any) -> dict[str, Any]:
        """Check an aggregate handler's list; a malformed one fails the whole publish."""
        problem, items = _aggregate_items(result, {event_id for event_id, _ in self.request.events})
        if problem is not None:
            log_problem(logging.ERROR, "invalid_aggregate_result", reason=problem, **self.where())
            return {"error": f"aggregate handler '{self.route.handler.ref.text}' {problem}"}
        return self.checked(items)


def _aggregate_items(result: Any, ids: set[str]) -> tuple[str | None, list[dict[str, Any]]]:
    if not isinstance(result, list):
        return f"returned {type(result).__name__}, not a list of event items", []
    seen: set[str] = set()
    items = []
    for index, item in enumerate(result):
        if item is None:
            continue
        keys = set(item) if isinstance(item, dict) else None
        if keys not in ({"id", "payload"}, {"id", "error"}):
            return (
                f"returned item {index} as {brief(item, 80)}; each item must be "
                "{'id', 'payload'} or {'id', 'error'}",
                [],
            )
        event_id = item["id"]
        if not isinstance(event_id, str) or event_id not in ids:
            return f"returned id {brief(event_id)} (item {index}), which is not in the request", []
        if event_id in seen:
            return f"returned id {event_id!r} twice", []
        if "error" in item and not isinstance(item["error"], str):
            return f"returned a non-string error for id {event_id!r}", []
        seen.add(event_id)
        items.append(dict(item))
    return None, items


def publish_each(call: Call) -> dict[str, Any]:
    """Run a sync per-event handler over the batch; one event's failure touches only its item."""
    function = call.route.handler.function
    if call.extra:
        function = partial(function, **call.extra)
    items: list[dict[str, Any]] = []
    for event_id, payload in call.request.events:
        try:
            result = function(payload=payload)
        except UnauthorizedException:
            raise
        except HANDLER_ERRORS as exc:
            items.append({"id": event_id, "error": call.failure(exc, event_id)})
            continue
        if result is not DROP:
            items.append({"id": event_id, "payload": result})
    return call.checked(items)


def publish_aggregate(call: Call) -> dict[str, Any]:
    try:
        result = call.route.handler.function(payload=call.aggregate_input(), **call.extra)
    except UnauthorizedException:
        raise
    except HANDLER_ERRORS as exc:
        return {"error": call.failure(exc)}
    return call.aggregate_result(result)


def subscribe(call: Call) -> dict[str, Any] | None:
    try:
        call.route.handler.function(**call.extra)
    except UnauthorizedException:
        raise
    except HANDLER_ERRORS as exc:
        return {"error": call.failure(exc)}
    return None


def unmatched(request: Request, unmatched_setting: str) -> Response:
    """No route: pass through (and log once) or refuse, as ``settings.unmatched`` says."""
    if unmatched_setting == "deny":
        raise UnauthorizedException(
            f"no route handles {request.operation} on channel {request.channel}"
        )
    log_problem(
        logging.WARNING, "unmatched_channel", channel=request.channel, operation=request.operation
    )
    if request.operation == "subscribe":
        return None
    return {
        "events": [{"id": event_id, "payload": payload} for event_id, payload in request.events]
    }
