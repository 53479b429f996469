"""Every row of design.md's "What resolution returns", sync and async."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

import channel_router
from channel_router import DROP, InvalidRequestError, UnauthorizedException
from tests.conftest import Context, MakeRouter, publish_request, subscribe_request

HANDLERS = """
import asyncio
from channel_router import DROP, UnauthorizedException

def echo(payload):
    return {"echo": payload}

async def aecho(payload):
    await asyncio.sleep(0)
    return {"echo": payload}

def picky(payload):
    if payload == "bad":
        raise ValueError("bad payload")
    if payload == "deny":
        raise UnauthorizedException("no publishing here")
    if payload == "drop":
        return DROP
    if payload == "none":
        return None
    return payload

async def apicky(payload):
    await asyncio.sleep(0)
    return picky(payload)

def batch(payload):
    return [{"id": e["id"], "payload": {"n": i}} for i, e in enumerate(payload)]

async def abatch(payload):
    return batch(payload)

def batch_raises(payload):
    raise RuntimeError("batch failed")

async def abatch_raises(payload):
    raise RuntimeError("batch failed")

def batch_denies(payload):
    raise UnauthorizedException("nope")

async def abatch_denies(payload):
    raise UnauthorizedException("nope")

RESULT = None

def batch_returns(payload):
    return RESULT

def sub_ok():
    return "ignored"

async def asub_ok():
    return "ignored"

def sub_raises():
    raise PermissionError("not you")

async def asub_raises():
    raise PermissionError("not you")

def sub_denies():
    raise UnauthorizedException("go away")

async def asub_denies():
    raise UnauthorizedException("go away")
"""


def _router(
    make_router: MakeRouter,
    publish: str,
    *,
    is_async: bool = False,
    aggregate: bool = False,
    subscribe: str | None = None,
    unmatched: str = "allow",
) -> channel_router.Router:
    operations: dict[str, object] = {
        "publish": {"handler": "{mod}:" + publish, "async": is_async, "aggregate": aggregate}
    }
    if subscribe:
        operations["subscribe"] = {"handler": "{mod}:" + subscribe, "async": is_async}
    config = {
        "version": 1,
        "settings": {"unmatched": unmatched},
        "channels": {"/default/*": operations},
    }
    return make_router(json.dumps(config), HANDLERS)  # JSON is YAML


@pytest.fixture(params=[False, True], ids=["sync", "async"])
def is_async(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def _name(base: str, is_async: bool) -> str:
    return ("a" + base) if is_async else base


def test_handler_results_come_back_in_request_order(
    make_router: MakeRouter, is_async: bool
) -> None:
    router = _router(make_router, _name("echo", is_async), is_async=is_async)
    response = router.resolve(publish_request("/default/x", [1, {"a": 2}, "three"]), Context())
    assert response == {
        "events": [
            {"id": "1", "payload": {"echo": 1}},
            {"id": "2", "payload": {"echo": {"a": 2}}},
            {"id": "3", "payload": {"echo": "three"}},
        ]
    }


def test_a_raising_handler_fails_only_its_own_event(
    make_router: MakeRouter, is_async: bool
) -> None:
    router = _router(make_router, _name("picky", is_async), is_async=is_async)
    response = router.resolve(publish_request("/default/x", ["ok", "bad", "fine"]), Context())
    assert response == {
        "events": [
            {"id": "1", "payload": "ok"},
            {"id": "2", "error": "ValueError - bad payload"},
            {"id": "3", "payload": "fine"},
        ]
    }


def test_unauthorized_in_a_per_event_handler_fails_the_invocation(
    make_router: MakeRouter, is_async: bool
) -> None:
    router = _router(make_router, _name("picky", is_async), is_async=is_async)
    with pytest.raises(UnauthorizedException, match="no publishing here"):
        router.resolve(publish_request("/default/x", ["ok", "deny", "fine"]), Context())


def test_drop_leaves_the_event_out_and_none_broadcasts_null(
    make_router: MakeRouter, is_async: bool
) -> None:
    router = _router(make_router, _name("picky", is_async), is_async=is_async)
    response = router.resolve(publish_request("/default/x", ["a", "drop", "none"]), Context())
    assert response == {"events": [{"id": "1", "payload": "a"}, {"id": "3", "payload": None}]}


def test_aggregate_handler_gets_the_batch_and_its_list_is_returned(
    make_router: MakeRouter, is_async: bool
) -> None:
    router = _router(make_router, _name("batch", is_async), is_async=is_async, aggregate=True)
    response = router.resolve(publish_request("/default/x", ["a", "b"]), Context())
    assert response == {
        "events": [{"id": "1", "payload": {"n": 0}}, {"id": "2", "payload": {"n": 1}}]
    }


def test_aggregate_handler_that_raises_fails_the_whole_publish(
    make_router: MakeRouter, is_async: bool
) -> None:
    router = _router(
        make_router, _name("batch_raises", is_async), is_async=is_async, aggregate=True
    )
    response = router.resolve(publish_request("/default/x", ["a"]), Context())
    assert response == {"error": "RuntimeError - batch failed"}


def test_unauthorized_in_an_aggregate_handler_fails_the_invocation(
    make_router: MakeRouter, is_async: bool
) -> None:
    router = _router(
        make_router, _name("batch_denies", is_async), is_async=is_async, aggregate=True
    )
    with pytest.raises(UnauthorizedException):
        router.resolve(publish_request("/default/x", ["a"]), Context())


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ([{"id": "2", "payload": "B"}], {"events": [{"id": "2", "payload": "B"}]}),
        ([None, {"id": "1", "error": "nope"}, None], {"events": [{"id": "1", "error": "nope"}]}),
        ([], {"events": []}),
    ],
)
def test_aggregate_list_drops_left_out_events_and_none_items(
    make_router: MakeRouter, result: object, expected: object
) -> None:
    router = _router(make_router, "batch_returns", aggregate=True)
    __import__(router.table.publish.prefix["/default"].handler.ref.module).RESULT = result
    assert router.resolve(publish_request("/default/x", ["a", "b"])) == expected


@pytest.mark.parametrize(
    ("result", "fragment"),
    [
        ({"id": "1", "payload": 1}, "returned dict, not a list"),
        ("text", "returned str, not a list"),
        ([["1", "x"]], "each item must be {'id', 'payload'} or {'id', 'error'}"),
        ([{"id": "1"}], "each item must be"),
        ([{"id": "1", "payload": 1, "extra": 2}], "each item must be"),
        ([{"id": "9", "payload": 1}], "returned id '9' (item 0), which is not in the request"),
        ([{"id": "1", "payload": 1}, {"id": "1", "payload": 2}], "returned id '1' twice"),
        ([{"id": 1, "payload": 1}], "returned id 1"),
        ([{"id": "1", "error": {"not": "text"}}], "non-string error"),
    ],
)
def test_malformed_aggregate_results_fail_the_publish_naming_the_problem(
    make_router: MakeRouter, result: object, fragment: str
) -> None:
    router = _router(make_router, "batch_returns", aggregate=True)
    __import__(router.table.publish.prefix["/default"].handler.ref.module).RESULT = result
    response = router.resolve(publish_request("/default/x", ["a", "b"]))
    assert set(response or {}) == {"error"}
    assert fragment in response["error"]  # type: ignore[index]


def test_empty_events_list_answers_empty_without_calling_the_handler(
    make_router: MakeRouter, is_async: bool
) -> None:
    router = _router(
        make_router, _name("batch_raises", is_async), is_async=is_async, aggregate=True
    )
    assert router.resolve(publish_request("/default/x", []), Context()) == {"events": []}


def test_subscribe_accepted_returns_none_and_ignores_the_return_value(
    make_router: MakeRouter, is_async: bool
) -> None:
    router = _router(
        make_router, _name("echo", is_async), is_async=is_async, subscribe=_name("sub_ok", is_async)
    )
    assert router.resolve(subscribe_request("/default/x"), Context()) is None


def test_subscribe_handler_that_raises_rejects_with_an_error(
    make_router: MakeRouter, is_async: bool
) -> None:
    router = _router(
        make_router,
        _name("echo", is_async),
        is_async=is_async,
        subscribe=_name("sub_raises", is_async),
    )
    assert router.resolve(subscribe_request("/default/x"), Context()) == {
        "error": "PermissionError - not you"
    }


def test_unauthorized_in_subscribe_fails_the_invocation(
    make_router: MakeRouter, is_async: bool
) -> None:
    router = _router(
        make_router,
        _name("echo", is_async),
        is_async=is_async,
        subscribe=_name("sub_denies", is_async),
    )
    with pytest.raises(UnauthorizedException, match="go away"):
        router.resolve(subscribe_request("/default/x"), Context())


def test_unmatched_publish_with_allow_passes_events_through_and_warns_once(
    make_router: MakeRouter, caplog: pytest.LogCaptureFixture
) -> None:
    router = _router(make_router, "echo")
    request = publish_request("/other/x", [{"a": 1}, 2])
    with caplog.at_level(logging.WARNING, logger="channel_router"):
        response = router.resolve(request)
    assert response == {"events": request["events"]}
    assert len(caplog.records) == 1
    assert json.loads(caplog.records[0].getMessage())["event"] == "unmatched_channel"


def test_unmatched_subscribe_with_allow_is_accepted_and_warns_once(
    make_router: MakeRouter, caplog: pytest.LogCaptureFixture
) -> None:
    router = _router(make_router, "echo")
    with caplog.at_level(logging.WARNING, logger="channel_router"):
        assert router.resolve(subscribe_request("/default/x")) is None
    assert len(caplog.records) == 1


@pytest.mark.parametrize("request_factory", [publish_request, subscribe_request])
def test_unmatched_with_deny_is_unauthorized(
    make_router: MakeRouter, request_factory: object
) -> None:
    router = _router(make_router, "echo", unmatched="deny")
    with pytest.raises(UnauthorizedException, match="no route handles"):
        router.resolve(request_factory("/other/x"))  # type: ignore[operator]


def test_deny_refuses_an_unmatched_publish_even_with_no_events(make_router: MakeRouter) -> None:
    router = _router(make_router, "echo", unmatched="deny")
    with pytest.raises(UnauthorizedException):
        router.resolve(publish_request("/other/x", []))


def test_unmatched_publish_with_no_events_answers_empty(make_router: MakeRouter) -> None:
    router = _router(make_router, "echo")
    assert router.resolve(publish_request("/other/x", [])) == {"events": []}


@pytest.mark.parametrize("operation", ["MUTATION", "publish", "", None, 3, ["PUBLISH"]])
def test_operations_other_than_publish_and_subscribe_are_invalid_requests(
    make_router: MakeRouter, operation: object
) -> None:
    router = _router(make_router, "echo")
    request = publish_request("/default/x")
    request["info"]["operation"] = operation
    with pytest.raises(InvalidRequestError, match=r"info\.operation"):
        router.resolve(request)


def test_invalid_request_error_is_a_value_error() -> None:
    assert issubclass(InvalidRequestError, ValueError)


def test_router_is_callable_like_resolve(make_router: MakeRouter) -> None:
    router = _router(make_router, "echo")
    assert router(publish_request("/default/x", [1]), None) == router.resolve(
        publish_request("/default/x", [1])
    )


def test_match_returns_the_route_or_none(make_router: MakeRouter) -> None:
    router = _router(make_router, "echo")
    route = router.match("/default/x", "publish")
    assert route is not None and route.pattern.text == "/default/*"
    assert router.match("/default/x", "subscribe") is None
    assert router.match("/other", "PUBLISH") is None


def test_drop_is_a_single_named_sentinel() -> None:
    assert repr(DROP) == "channel_router.DROP"
    assert channel_router.DROP is DROP


def test_import_reads_no_config(tmp_path: Path) -> None:
    (tmp_path / "channels.yaml").write_text("not: [valid")
    code = "import channel_router; print(channel_router.Router.__name__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert (out.returncode, out.stdout) == (0, "Router\n")


def test_a_wildcard_subscription_is_routed_by_its_prefix(make_router: MakeRouter) -> None:
    router = _router(make_router, "echo", subscribe="sub_raises")
    assert router.resolve(subscribe_request("/default/*")) == {"error": "PermissionError - not you"}
    with pytest.raises(InvalidRequestError):
        router.resolve(publish_request("/default/*"))
