"""The Router: a loaded config's routing table, answering AppSync Events requests."""

from __future__ import annotations

import logging
import os
from typing import Any

from . import resolution
from .config import LoadedConfig, Settings, load_config
from .errors import InvalidRequestError
from .log import log_problem
from .request import parse_request
from .resolution import Call, Response
from .table import PUBLISH, Route, RoutingTable


class Router:
    """Resolves requests against one routing table; holds no per-invocation state."""

    __slots__ = ("_runner", "file", "settings", "table")

    def __init__(
        self, table: RoutingTable, settings: Settings | None = None, file: str = ""
    ) -> None:
        self.table = table
        self.settings = settings or Settings()
        self.file = file
        self._runner: Any = None
        if any(route.is_async for route in table.routes()):
            from .aio import Runner  # asyncio costs cold start; only async routes need it

            self._runner = Runner()

    @classmethod
    def from_config(cls, config: LoadedConfig) -> Router:
        return cls(config.table, config.settings, config.file)

    def match(self, channel: str, operation: str) -> Route | None:
        """The route that would handle ``operation`` ('publish'/'subscribe') on ``channel``."""
        return self.table.for_operation(operation.lower()).lookup(channel)

    def __call__(self, event: Any, context: Any = None) -> Response:
        return self.resolve(event, context)

    def resolve(self, event: Any, context: Any = None) -> Response:
        """Answer one AppSync Events Lambda request."""
        call = self._prepare(event, context)
        if not isinstance(call, Call):
            return call  # answered without a handler: unmatched, or no events
        if call.route.handler.is_async:
            response: Response = self._runner.run(self._run_async(call, context))
            return response
        return _run_sync(call)

    async def resolve_async(self, event: Any, context: Any = None) -> Response:
        """Like ``resolve``, for callers already on an event loop (sync handlers run inline)."""
        call = self._prepare(event, context)
        if not isinstance(call, Call):
            return call
        if call.route.handler.is_async:
            return await self._run_async(call, context)
        return _run_sync(call)

    def _prepare(self, event: Any, context: Any) -> Call | Response:
        """Parse and route the request: the Call to run, or the answer when no handler runs."""
        try:
            request = parse_request(event)
        except InvalidRequestError as exc:
            log_problem(logging.ERROR, "invalid_request", reason=str(exc))
            raise
        if request.operation is PUBLISH:
            route = self.table.publish.lookup(request.channel)
            if route is None:
                return resolution.unmatched(request, self.settings.unmatched)
            if not request.events:
                return {"events": []}
        else:
            route = self.table.subscribe.lookup(request.channel)
            if route is None:
                return resolution.unmatched(request, self.settings.unmatched)
        return Call.prepare(route, request, context, self.settings.error_detail)

    async def _run_async(self, call: Call, context: Any) -> Response:
        from . import aio  # asyncio is imported only for configs with an async route

        timeout = aio.deadline_seconds(context, self.settings.deadline_margin_ms)
        if call.request.operation is PUBLISH:
            if call.route.aggregate:
                return await aio.publish_aggregate(call, timeout)
            return await aio.publish_each(call, timeout)
        return await aio.subscribe(call, timeout)


def _run_sync(call: Call) -> Response:
    if call.request.operation is PUBLISH:
        if call.route.aggregate:
            return resolution.publish_aggregate(call)
        return resolution.publish_each(call)
    return resolution.subscribe(call)


def load(path: str | os.PathLike[str] = "channels.yaml") -> Router:
    """Validate ``path``, import every handler it names and build the router."""
    return Router.from_config(load_config(path))
