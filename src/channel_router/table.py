"""Routes and the routing table: a few dict lookups per channel, whatever the route count.

Records on the import path of ``channel_router`` are NamedTuples rather than dataclasses:
importing ``dataclasses`` and building each class costs tens of milliseconds of cold start.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from .handlers import Handler
from .patterns import Kind, Pattern

PUBLISH = "publish"
SUBSCRIBE = "subscribe"
OPERATIONS = (PUBLISH, SUBSCRIBE)


class Source(NamedTuple):
    """Where a route was declared."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Route(NamedTuple):
    """One operation of one pattern, bound to its handler."""

    pattern: Pattern
    operation: str
    handler: Handler
    aggregate: bool
    source: Source

    @property
    def is_async(self) -> bool:
        return self.handler.is_async

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(
            name for name, on in (("aggregate", self.aggregate), ("async", self.is_async)) if on
        )


class OperationTable(NamedTuple):
    """The routes of one operation, keyed the way lookup walks them."""

    exact: dict[str, Route]
    prefix: dict[str, Route]
    catch_all: Route | None

    @classmethod
    def build(cls, routes: list[Route]) -> OperationTable:
        exact = {r.pattern.prefix: r for r in routes if r.pattern.kind is Kind.EXACT}
        prefix = {r.pattern.prefix: r for r in routes if r.pattern.kind is Kind.PREFIX}
        catch_all = next((r for r in routes if r.pattern.kind is Kind.CATCH_ALL), None)
        return cls(exact, prefix, catch_all)

    def lookup(self, channel: str) -> Route | None:
        """The most specific route for a valid channel path."""
        route = self.exact.get(channel)
        if route is not None:
            return route
        prefix = self.prefix
        if prefix:
            end = channel.rfind("/")
            while end > 0:
                route = prefix.get(channel[:end])
                if route is not None:
                    return route
                end = channel.rfind("/", 0, end)
        return self.catch_all

    def candidates(self, channel: str) -> Iterator[tuple[str, Route | None]]:
        """Each pattern lookup tries for ``channel``, in order, with the route found there."""
        if not channel.endswith("/*"):  # a wildcard subscription has no exact route
            yield channel, self.exact.get(channel)
        end = channel.rfind("/")
        while end > 0:
            yield channel[:end] + "/*", self.prefix.get(channel[:end])
            end = channel.rfind("/", 0, end)
        yield "/*", self.catch_all

    def routes(self) -> Iterator[Route]:
        yield from self.exact.values()
        yield from self.prefix.values()
        if self.catch_all is not None:
            yield self.catch_all


class RoutingTable(NamedTuple):
    publish: OperationTable
    subscribe: OperationTable

    @classmethod
    def build(cls, routes: list[Route]) -> RoutingTable:
        return cls(
            OperationTable.build([r for r in routes if r.operation == PUBLISH]),
            OperationTable.build([r for r in routes if r.operation == SUBSCRIBE]),
        )

    def for_operation(self, operation: str) -> OperationTable:
        if operation == PUBLISH:
            return self.publish
        if operation == SUBSCRIBE:
            return self.subscribe
        raise ValueError(f"operation must be 'publish' or 'subscribe', not {operation!r}")

    def routes(self) -> list[Route]:
        """Every route, most specific first, publish before subscribe for the same pattern."""
        every = [*self.publish.routes(), *self.subscribe.routes()]
        return sorted(every, key=lambda r: (r.pattern.sort_key(), OPERATIONS.index(r.operation)))
