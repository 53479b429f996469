"""Precedence: exact, then the longest wildcard prefix, then '/*'; operations apart."""

from __future__ import annotations

import pytest

from channel_router.handlers import Handler, HandlerRef
from channel_router.patterns import parse_pattern
from channel_router.table import Route, RoutingTable, Source


def _route(pattern: str, operation: str = "publish") -> Route:
    handler = Handler(HandlerRef.parse("m:f"), print, False, False, False)
    return Route(parse_pattern(pattern), operation, handler, False, Source("c.yaml", 1, 1))


def _table(*patterns: str, operation: str = "publish") -> RoutingTable:
    return RoutingTable.build([_route(p, operation) for p in patterns])


def _chosen(table: RoutingTable, channel: str, operation: str = "publish") -> str | None:
    route = table.for_operation(operation).lookup(channel)
    return None if route is None else route.pattern.text


ALL = ("/*", "/a/*", "/a/b/*", "/a/b/c/*", "/a/b", "/a", "/a/b/c/d/e")


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("/a/b", "/a/b"),
        ("/a", "/a"),
        ("/a/x", "/a/*"),
        ("/a/b/x", "/a/b/*"),
        ("/a/b/c", "/a/b/*"),
        ("/a/b/c/d", "/a/b/c/*"),
        ("/a/b/c/d/e", "/a/b/c/d/e"),
        ("/a/b/c/d/x", "/a/b/c/*"),
        ("/ab/x", "/*"),
        ("/b", "/*"),
    ],
)
def test_the_most_specific_route_wins(channel: str, expected: str) -> None:
    assert _chosen(_table(*ALL), channel) == expected


def test_exact_route_beats_a_wildcard_over_the_same_path() -> None:
    assert _chosen(_table("/foo/*", "/foo"), "/foo") == "/foo"


def test_wildcard_does_not_match_its_own_prefix_without_an_exact_route() -> None:
    assert _chosen(_table("/foo/*"), "/foo") is None


def test_deeper_wildcard_beats_shallower_one() -> None:
    assert _chosen(_table("/a/*", "/a/b/*"), "/a/b/c/d") == "/a/b/*"


def test_catch_all_comes_last() -> None:
    assert _chosen(_table("/*", "/a/*"), "/a/x") == "/a/*"
    assert _chosen(_table("/*", "/a/*"), "/b/x") == "/*"


def test_no_route_gives_none() -> None:
    assert _chosen(_table("/a/*"), "/b/c") is None


def test_publish_and_subscribe_are_routed_separately() -> None:
    table = RoutingTable.build([_route("/a/b", "subscribe"), _route("/a/*", "publish")])
    assert _chosen(table, "/a/b", "publish") == "/a/*"
    assert _chosen(table, "/a/b", "subscribe") == "/a/b"
    assert _chosen(table, "/a/c", "subscribe") is None


def test_routes_are_listed_most_specific_first() -> None:
    listed = [r.pattern.text for r in _table(*ALL).routes()]
    assert listed == ["/a/b/c/d/e", "/a/b", "/a", "/a/b/c/*", "/a/b/*", "/a/*", "/*"]


def test_candidates_show_each_lookup_step_in_order() -> None:
    steps = [p for p, _ in _table("/a/*").publish.candidates("/a/b/c")]
    assert steps == ["/a/b/c", "/a/b/*", "/a/*", "/*"]
