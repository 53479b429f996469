"""Property tests: any request gets a documented answer; routing equals a brute-force reference."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import channel_router
from channel_router import ConfigError, InvalidRequestError, UnauthorizedException
from channel_router.handlers import Handler, HandlerRef, isolated_imports
from channel_router.patterns import parse_pattern
from channel_router.table import Route, RoutingTable, Source
from tests.conftest import Context
from tests.reliability.conftest import TRIED

EXAMPLES = int(os.environ.get("RELIABILITY_EXAMPLES", "300"))

HANDLERS = """
import asyncio
from channel_router import DROP, UnauthorizedException

def echo(payload):
    if isinstance(payload, dict) and payload.get("raise"):
        raise ValueError(payload["raise"])
    if payload == "drop":
        return DROP
    if payload == "deny":
        raise UnauthorizedException("denied")
    if payload == "set":
        return {1}
    return payload

def batch(payload):
    if len(payload) == 3:
        return "not a list"
    return [{"id": e["id"], "payload": e["payload"]} for e in payload[::2]]

async def aecho(payload):
    await asyncio.sleep(0)
    return echo(payload)

def sub(event):
    if event.request_headers.get("x-deny"):
        raise UnauthorizedException("no")
    if event.segments[-1] == "boom":
        raise RuntimeError("boom")
"""

CONFIG = """
version: 1
channels:
  /echo/*: {publish: handlers_props:echo, subscribe: handlers_props:sub}
  /batch/*: {publish: {handler: handlers_props:batch, aggregate: true}}
  /async/*: {publish: {handler: handlers_props:aecho, async: true}}
  /deny: {publish: handlers_props:echo}
"""

SEGMENT = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,6}[A-Za-z0-9])?", fullmatch=True)
CHANNELS = st.lists(SEGMENT, min_size=1, max_size=5).map(lambda s: "/" + "/".join(s))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
PAYLOADS = JSON_VALUES | st.sampled_from(["drop", "deny", "set", {"raise": "bad"}])


@st.composite
def requests(draw: st.DrawFn) -> Any:
    channel = draw(
        st.one_of(
            st.sampled_from(["/echo", "/batch"]).flatmap(lambda ns: CHANNELS.map(lambda c: ns + c)),
            st.sampled_from(["/async/x", "/deny", "/echo/boom", "/other/x"]),
            CHANNELS,
            st.text(max_size=12),
            JSON_VALUES,
        )
    )
    operation = draw(st.sampled_from(["PUBLISH", "SUBSCRIBE"]) | JSON_VALUES)
    count = draw(st.integers(0, 7))
    ids = draw(
        st.lists(st.text(min_size=1, max_size=6), min_size=count, max_size=count, unique=True)
    )
    events: Any = [{"id": i, "payload": draw(PAYLOADS)} for i in ids]
    events = draw(
        st.sampled_from([events, events, events, None, "x", [1, 2], [{"id": 1, "payload": 1}]])
    )
    headers = draw(st.sampled_from([{}, {"x-deny": "1"}, "None", None]))
    request: Any = {
        "identity": draw(st.sampled_from([None, "None", {"sub": "x"}])),
        "request": {"headers": headers, "domainName": None},
        "info": {
            "channel": {"path": channel, "segments": []},
            "channelNamespace": {"name": "x"},
            "operation": operation,
        },
        "stash": {},
        "events": events,
    }
    return draw(st.sampled_from([request] * 8 + [None, [], "text", {"info": None}]))


@pytest.fixture(scope="module")
def router() -> Any:
    with tempfile.TemporaryDirectory() as tmp, isolated_imports():
        (Path(tmp) / "handlers_props.py").write_text(HANDLERS)
        (Path(tmp) / "channels.yaml").write_text(CONFIG)
        yield channel_router.load(Path(tmp) / "channels.yaml")


def _check_shape(request: dict[str, Any], response: Any) -> None:
    json.dumps(response, allow_nan=False)
    if request["info"]["operation"] == "SUBSCRIBE":
        assert response is None or (
            set(response) == {"error"} and isinstance(response["error"], str)
        )
        return
    assert isinstance(response, dict)
    if set(response) == {"error"}:
        assert isinstance(response["error"], str)
        return
    assert set(response) == {"events"}
    request_ids = [e["id"] for e in request["events"]]
    answered = [item["id"] for item in response["events"]]
    assert answered == [i for i in request_ids if i in answered]  # request order, no invented ids
    for item in response["events"]:
        assert set(item) in ({"id", "payload"}, {"id", "error"})
        if "error" in item:
            assert isinstance(item["error"], str)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(request=requests())
def test_any_request_gets_a_documented_response_or_exception(router: Any, request: Any) -> None:
    TRIED["generated requests"] += 1
    try:
        response = router.resolve(request, Context())
    except (InvalidRequestError, UnauthorizedException):
        return
    _check_shape(request, response)


PATTERNS = st.one_of(
    st.just("/*"),
    st.lists(SEGMENT, min_size=1, max_size=5).map(lambda s: "/" + "/".join(s)),
    st.lists(SEGMENT, min_size=1, max_size=4).map(lambda s: "/" + "/".join(s) + "/*"),
)
SMALL_SEGMENT = st.sampled_from(["a", "b", "ab", "A"])
SMALL_CHANNELS = st.lists(SMALL_SEGMENT, min_size=1, max_size=5).map(lambda s: "/" + "/".join(s))
SMALL_PATTERNS = st.one_of(
    st.just("/*"),
    SMALL_CHANNELS,
    st.lists(SMALL_SEGMENT, min_size=1, max_size=4).map(lambda s: "/" + "/".join(s) + "/*"),
)


def _route(text: str) -> Route:
    return Route(
        parse_pattern(text),
        "publish",
        Handler(HandlerRef.parse("m:f"), print, False, False, False),
        False,
        Source("c", 1, 1),
    )


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    patterns=st.sets(SMALL_PATTERNS | PATTERNS, max_size=12),
    channels=st.lists(SMALL_CHANNELS | CHANNELS, min_size=1, max_size=10),
)
def test_routing_equals_a_brute_force_reference(patterns: set[str], channels: list[str]) -> None:
    TRIED["generated route tables"] += 1
    table = RoutingTable.build([_route(p) for p in patterns]).publish
    for channel in channels:
        matching = [parse_pattern(p) for p in patterns if parse_pattern(p).matches(channel)]
        expected = min(matching, key=lambda p: p.sort_key()).text if matching else None
        found = table.lookup(channel)
        assert (found.pattern.text if found else None) == expected


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_arbitrary_bytes_load_or_raise_config_error(data: bytes) -> None:
    TRIED["generated configs"] += 1
    _load_or_config_error(data)


def _load_or_config_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp, isolated_imports():
        path = Path(tmp) / "channels.yaml"
        path.write_bytes(data)
        try:
            channel_router.load(path)
        except ConfigError as exc:
            assert exc.problems and all(
                line >= 1 and column >= 1 for _, line, column, _ in exc.problems
            )


YAML_PIECES = st.sampled_from(
    [
        "version: 1\n",
        "version: '1'\n",
        "channels:\n",
        "  /a/*:\n",
        "  /a/b*:\n",
        "    publish: m:f\n",
        "    publish: &x m:f\n",
        "    subscribe: *x\n",
        "  ? [a]\n  : 1\n",
        "  !!python/object:os.system x: 1\n",
        "---\n",
        "...\n",
        "settings: {unmatched: deny}\n",
        "\t- x\n",
        "  1: 2\n",
        "a: [1, {b: &c [*c]}]\n",
        "channels: !!binary aGVsbG8=\n",
        "\ufeff",
        'x: "\\ud800"\n',
        "%YAML 1.1\n",
        "%TAG ! tag:x,2000:\n",
    ]
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(pieces=st.lists(YAML_PIECES, max_size=10))
def test_yaml_hazards_in_any_arrangement_are_config_errors_not_crashes(pieces: list[str]) -> None:
    TRIED["generated configs"] += 1
    _load_or_config_error("".join(pieces).encode("utf-8", "surrogatepass"))
