"""Which arguments a handler gets is decided by its signature, once, at load."""

from __future__ import annotations

import json

import pytest

from channel_router import InvalidRequestError
from tests.conftest import Context, MakeRouter, publish_request, subscribe_request

HANDLERS = """
SEEN = []

def payload_only(payload):
    return payload

def with_event(payload, event):
    return {"path": event.channel_path, "ua": event.request_headers["User-Agent"][:7]}

def with_context(payload, context):
    return context.function_name

def keyword_only(*, payload, event, context):
    return [event.operation, context.aws_request_id[:4]]

def subscribe_event(event):
    SEEN.append(event.identity.username)

def powertools_style(payload: dict) -> dict:
    return {"processed": True, **payload}
"""


def _router(make_router: MakeRouter, publish: str, subscribe: str = "subscribe_event") -> object:
    config = {
        "version": 1,
        "channels": {
            "/default/*": {"publish": "{mod}:" + publish, "subscribe": "{mod}:" + subscribe}
        },
    }
    return make_router(json.dumps(config), HANDLERS)


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("payload_only", {"data": "data_1"}),
        ("with_event", {"path": "/default/x", "ua": "Mozilla"}),
        ("with_context", "test-func"),
        ("keyword_only", ["PUBLISH", "52fd"]),
        ("powertools_style", {"processed": True, "data": "data_1"}),
    ],
)
def test_handler_receives_what_its_signature_declares(
    make_router: MakeRouter, handler: str, expected: object
) -> None:
    router = _router(make_router, handler)
    response = router.resolve(publish_request("/default/x"), Context())  # type: ignore[attr-defined]
    assert response["events"][0] == {"id": "1", "payload": expected}


def test_subscribe_handler_reads_identity_through_event(make_router: MakeRouter) -> None:
    router = _router(make_router, "payload_only")
    router.resolve(subscribe_request("/default/x", identity={"username": "bob", "sub": "1"}))  # type: ignore[attr-defined]
    module = router.match("/default/x", "subscribe").handler.function.__module__  # type: ignore[attr-defined]
    assert __import__(module).SEEN == ["bob"]


def test_context_is_none_when_the_caller_passes_none(make_router: MakeRouter) -> None:
    router = _router(make_router, "keyword_only")
    response = router.resolve(publish_request("/default/x", [1]), None)  # type: ignore[attr-defined]
    assert "AttributeError" in response["events"][0]["error"]


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda r: r.pop("info"), "'info' is missing"),
        (lambda r: r.__setitem__("info", "x"), "'info' is missing or not an object"),
        (lambda r: r["info"].pop("channel"), "'info.channel' is missing"),
        (lambda r: r["info"]["channel"].__setitem__("path", None), "'info.channel.path' is None"),
        (lambda r: r["info"]["channel"].__setitem__("path", "/a/*"), "not a channel path"),
        (lambda r: r["info"]["channel"].__setitem__("path", "default"), "not a channel path"),
        (lambda r: r.__setitem__("events", None), "'events' of a PUBLISH is None"),
        (lambda r: r.__setitem__("events", {"id": "1"}), "not a list"),
        (lambda r: r.__setitem__("events", ["x"]), "events[0] is 'x'"),
        (lambda r: r["events"][1].pop("payload"), "events[1] is"),
        (lambda r: r["events"][0].__setitem__("id", 7), "events[0].id is 7, not a string"),
        (
            lambda r: r.__setitem__("events", [{"id": str(i), "payload": i} for i in range(6)]),
            "at most 5",
        ),
    ],
)
def test_malformed_requests_raise_invalid_request_error_naming_the_problem(
    make_router: MakeRouter, mutate: object, fragment: str
) -> None:
    router = _router(make_router, "payload_only")
    request = publish_request("/default/x")
    mutate(request)  # type: ignore[operator]
    with pytest.raises(InvalidRequestError) as info:
        router.resolve(request)  # type: ignore[attr-defined]
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("request_value", [None, [], "PUBLISH", 3])
def test_a_request_that_is_not_an_object_is_invalid(
    make_router: MakeRouter, request_value: object
) -> None:
    router = _router(make_router, "payload_only")
    with pytest.raises(InvalidRequestError, match="expected a JSON object"):
        router.resolve(request_value)  # type: ignore[attr-defined]
