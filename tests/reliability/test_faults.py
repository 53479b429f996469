"""Fault injection: misbehaving handlers never sink the other events or the next invocation."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest

import channel_router
from channel_router.response import MAX_EVENT_BYTES
from tests.conftest import Context, MakeRouter, publish_request, subscribe_request
from tests.reliability.conftest import TRIED

HANDLERS = """
import asyncio, datetime, math

class WeirdError(Exception):
    def __str__(self):
        raise RuntimeError("str() of this exception fails")

class Thing:
    pass

BIG = "x" * 250_000

def faulty(payload):
    kind = payload.get("kind") if isinstance(payload, dict) else None
    if kind == "value":
        raise ValueError("bad value")
    if kind == "key":
        return {}["missing"]
    if kind == "zero":
        return 1 / 0
    if kind == "recursion":
        def again(n):
            return again(n + 1)
        return again(0)
    if kind == "weird":
        raise WeirdError()
    if kind == "exit":
        raise SystemExit(3)
    if kind == "huge-message":
        raise ValueError("m" * 100_000)
    if kind == "set":
        return {1, 2}
    if kind == "datetime":
        return {"at": datetime.datetime(2026, 1, 1)}
    if kind == "object":
        return Thing()
    if kind == "nan":
        return {"x": math.nan}
    if kind == "circular":
        a = []
        a.append(a)
        return a
    if kind == "oversized":
        return {"blob": BIG}
    if kind == "mutate-payload":
        payload.clear()
        payload["mutated"] = True
        return payload
    return payload

def mutate_request(payload, event):
    event.raw_event["events"].clear()
    event.raw_event["info"]["channel"]["path"] = "/elsewhere/x"
    event.stash["leak"] = payload
    return payload

async def slow(payload):
    if payload == "hang":
        await asyncio.sleep(30)
    if payload == "ignore-cancel":
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            return "never seen"
    return payload

async def slow_batch(payload):
    await asyncio.sleep(30)

async def slow_subscribe():
    await asyncio.sleep(30)

def aggregate_unsendable(payload):
    return [{"id": e["id"], "payload": {1, 2} if i == 0 else ("y" * 250_000 if i == 1 else e["payload"])}
            for i, e in enumerate(payload)]
"""

CONFIG = {
    "version": 1,
    "channels": {
        "/faulty/*": {"publish": "{mod}:faulty"},
        "/mutate/*": {"publish": "{mod}:mutate_request"},
        "/slow/*": {"publish": {"handler": "{mod}:slow", "async": True}},
        "/slowbatch/*": {
            "publish": {"handler": "{mod}:slow_batch", "async": True, "aggregate": True},
            "subscribe": {"handler": "{mod}:slow_subscribe", "async": True},
        },
        "/agg/*": {"publish": {"handler": "{mod}:aggregate_unsendable", "aggregate": True}},
    },
}


@pytest.fixture
def router(make_router: MakeRouter) -> channel_router.Router:
    return make_router(json.dumps(CONFIG), HANDLERS)


EXCEPTIONS = {
    "value": "ValueError - bad value",
    "key": "KeyError - 'missing'",
    "zero": "ZeroDivisionError - division by zero",
    "recursion": "RecursionError - maximum recursion depth exceeded",
    "weird": "WeirdError - <unprintable message>",
    "exit": "SystemExit - 3",
}


@pytest.mark.parametrize("kind", sorted(EXCEPTIONS))
def test_every_kind_of_exception_fails_only_its_event(
    router: channel_router.Router, kind: str
) -> None:
    TRIED["faults"] += 1
    response = router.resolve(publish_request("/faulty/x", [{"n": 1}, {"kind": kind}, {"n": 3}]))
    assert response is not None
    assert response["events"][0] == {"id": "1", "payload": {"n": 1}}
    assert response["events"][1]["id"] == "2"
    assert response["events"][1]["error"].startswith(EXCEPTIONS[kind])
    assert response["events"][2] == {"id": "3", "payload": {"n": 3}}
    assert router.resolve(publish_request("/faulty/x", [{"n": 4}])) == {
        "events": [{"id": "1", "payload": {"n": 4}}]
    }


def test_a_huge_exception_message_is_cut_for_the_publisher(router: channel_router.Router) -> None:
    TRIED["faults"] += 1
    error = router.resolve(publish_request("/faulty/x", [{"kind": "huge-message"}]))["events"][0][
        "error"
    ]  # type: ignore[index]
    assert len(error) == 1000 and error.endswith("...")


@pytest.mark.parametrize(
    ("kind", "fragment"),
    [
        ("set", "result is not JSON-serializable: Object of type set is not JSON serializable"),
        ("datetime", "Object of type datetime is not JSON serializable"),
        ("object", "Object of type Thing is not JSON serializable"),
        ("nan", "Out of range float values are not JSON compliant"),
        ("circular", "result is not JSON-serializable"),
        ("oversized", f"over AppSync's {MAX_EVENT_BYTES}-byte (240 KiB) event limit"),
    ],
)
def test_results_that_cannot_be_sent_become_error_items(
    router: channel_router.Router, kind: str, fragment: str, caplog: pytest.LogCaptureFixture
) -> None:
    TRIED["faults"] += 1
    with caplog.at_level(logging.ERROR, logger="channel_router"):
        response = router.resolve(publish_request("/faulty/x", [{"n": 1}, {"kind": kind}]))
    assert response is not None
    assert response["events"][0] == {"id": "1", "payload": {"n": 1}}
    assert set(response["events"][1]) == {"id", "error"}
    assert fragment in response["events"][1]["error"]
    json.dumps(response, allow_nan=False)  # what the Lambda runtime will do
    logged = [json.loads(r.getMessage()) for r in caplog.records]
    assert [(entry["event"], entry["id"]) for entry in logged] == [("unsendable_result", "2")]


def test_aggregate_items_get_the_same_checks(router: channel_router.Router) -> None:
    TRIED["faults"] += 1
    response = router.resolve(publish_request("/agg/x", ["a", "b", "c"]))
    assert response is not None
    assert "not JSON-serializable" in response["events"][0]["error"]
    assert "event limit" in response["events"][1]["error"]
    assert response["events"][2] == {"id": "3", "payload": "c"}


def test_a_result_exactly_at_the_limit_is_sent(make_router: MakeRouter) -> None:
    overhead = len(json.dumps({"id": "1", "payload": ""}, separators=(",", ":")))
    router = make_router(
        "version: 1\nchannels:\n  /*: {publish: '{mod}:f'}\n",
        f"def f(payload):\n    return 'x' * ({MAX_EVENT_BYTES} - {overhead} + payload)\n",
    )
    assert "payload" in router.resolve(publish_request("/a", [0]))["events"][0]  # type: ignore[index]
    assert "error" in router.resolve(publish_request("/a", [1]))["events"][0]  # type: ignore[index]


def test_multibyte_text_is_measured_in_utf8_bytes(make_router: MakeRouter) -> None:
    router = make_router(
        "version: 1\nchannels:\n  /*: {publish: '{mod}:f'}\n",
        "def f(payload):\n    return '\u20ac' * 90_000\n",  # 90,000 chars, 270,000 bytes
    )
    assert "event limit" in router.resolve(publish_request("/a", [0]))["events"][0]["error"]  # type: ignore[index]


def test_handler_mutating_its_payload_affects_only_its_own_event(
    router: channel_router.Router,
) -> None:
    TRIED["faults"] += 1
    request = publish_request("/faulty/x", [{"kind": "mutate-payload"}, {"n": 2}])
    response = router.resolve(request)
    assert response == {
        "events": [{"id": "1", "payload": {"mutated": True}}, {"id": "2", "payload": {"n": 2}}]
    }


def test_handler_mutating_the_request_does_not_change_the_answer(
    router: channel_router.Router,
) -> None:
    TRIED["faults"] += 1
    request = publish_request("/mutate/x", [1, 2, 3])
    response = router.resolve(request)
    assert response == {"events": [{"id": str(i), "payload": i} for i in (1, 2, 3)]}
    fresh = router.resolve(publish_request("/mutate/y", [4]))
    assert fresh == {"events": [{"id": "1", "payload": 4}]}


def test_async_handlers_past_the_deadline_are_cancelled_with_timeout_items(
    router: channel_router.Router, caplog: pytest.LogCaptureFixture
) -> None:
    TRIED["faults"] += 1
    start = time.perf_counter()
    with caplog.at_level(logging.ERROR, logger="channel_router"):
        response = router.resolve(
            publish_request("/slow/x", ["ok", "hang", "fine"]), Context(remaining_ms=700)
        )
    elapsed = time.perf_counter() - start
    assert response is not None
    assert response["events"][0] == {"id": "1", "payload": "ok"}
    assert response["events"][1]["id"] == "2"
    assert response["events"][1]["error"].startswith(
        "TimeoutError - handler cancelled after 0.200s"
    )
    assert response["events"][2] == {"id": "3", "payload": "fine"}
    assert elapsed < 5  # cancelled, not waited for the 30 s
    assert [json.loads(r.getMessage())["event"] for r in caplog.records] == ["deadline_cancelled"]


def test_a_handler_that_swallows_cancellation_still_times_out(
    router: channel_router.Router,
) -> None:
    TRIED["faults"] += 1
    response = router.resolve(
        publish_request("/slow/x", ["ignore-cancel"]), Context(remaining_ms=600)
    )
    assert response["events"][0]["error"].startswith("TimeoutError")  # type: ignore[index]


def test_async_aggregate_and_subscribe_are_cancelled_at_the_deadline(
    router: channel_router.Router,
) -> None:
    TRIED["faults"] += 2
    publish = router.resolve(publish_request("/slowbatch/x", [1]), Context(remaining_ms=600))
    assert publish is not None and publish["error"].startswith("TimeoutError - ")
    subscribe = router.resolve(subscribe_request("/slowbatch/x"), Context(remaining_ms=600))
    assert subscribe is not None and subscribe["error"].startswith("TimeoutError - ")


def test_the_next_invocation_after_a_timeout_runs_normally(router: channel_router.Router) -> None:
    router.resolve(publish_request("/slow/x", ["hang"]), Context(remaining_ms=550))
    assert router.resolve(publish_request("/slow/x", ["again"]), Context()) == {
        "events": [{"id": "1", "payload": "again"}]
    }
    loop = router._runner._loop
    assert not [t for t in asyncio.all_tasks(loop) if not t.done()]


def test_a_deadline_already_past_cancels_at_once(router: channel_router.Router) -> None:
    response = router.resolve(publish_request("/slow/x", ["hang"]), Context(remaining_ms=100))
    assert response["events"][0]["error"].startswith("TimeoutError")  # type: ignore[index]


@pytest.mark.parametrize(
    ("detail", "expected"),
    [("full", "ValueError - bad value"), ("type", "ValueError"), ("none", "error")],
)
def test_error_detail_shapes_what_publishers_see_and_the_log_keeps_everything(
    make_router: MakeRouter, detail: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = {
        "version": 1,
        "settings": {"error_detail": detail},
        "channels": {"/*": {"publish": "{mod}:faulty"}},
    }
    router = make_router(json.dumps(config), HANDLERS)
    with caplog.at_level(logging.ERROR, logger="channel_router"):
        response = router.resolve(publish_request("/a", [{"kind": "value"}]))
    assert response == {"events": [{"id": "1", "error": expected}]}
    entry = json.loads(caplog.records[0].getMessage())
    assert entry["event"] == "handler_error"
    assert entry["exception"] == "ValueError: bad value"
    assert "Traceback (most recent call last)" in entry["traceback"]
    assert (entry["channel"], entry["operation"], entry["id"], entry["route"]) == (
        "/a",
        "publish",
        "1",
        "/*",
    )


def test_error_detail_never_hides_the_routers_own_messages(make_router: MakeRouter) -> None:
    config = {
        "version": 1,
        "settings": {"error_detail": "none"},
        "channels": {"/*": {"publish": "{mod}:faulty"}},
    }
    router = make_router(json.dumps(config), HANDLERS)
    response = router.resolve(publish_request("/a", [{"kind": "set"}]))
    assert "not JSON-serializable" in response["events"][0]["error"]  # type: ignore[index]


def test_nothing_is_logged_for_successful_events(
    router: channel_router.Router, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="channel_router"):
        router.resolve(publish_request("/faulty/x", [{"n": 1}, {"n": 2}]))
    assert caplog.records == []


def test_a_malformed_request_logs_one_line(
    router: channel_router.Router, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.ERROR, logger="channel_router"),
        pytest.raises(channel_router.InvalidRequestError),
    ):
        router.resolve({"info": "nope"})
    assert len(caplog.records) == 1
    assert json.loads(caplog.records[0].getMessage())["event"] == "invalid_request"


def test_no_state_leaks_between_invocations_even_after_an_exception(
    make_router: MakeRouter,
) -> None:
    router = make_router(
        "version: 1\nchannels:\n  /*: {publish: '{mod}:f'}\n",
        "def f(payload, event):\n"
        "    if payload == 'boom':\n"
        "        raise RuntimeError('boom')\n"
        "    return [event.channel_path, sorted(event.stash), event.request_headers.get('x-n')]\n",
    )
    with pytest.raises(AssertionError):
        assert router.resolve(publish_request("/a", ["boom"])) is None
    first = router.resolve(publish_request("/one", [1], headers={"x-n": "1"}))
    second = router.resolve(publish_request("/two", [1], headers={}))
    assert first == {"events": [{"id": "1", "payload": ["/one", [], "1"]}]}
    assert second == {"events": [{"id": "1", "payload": ["/two", [], None]}]}


def test_concurrent_async_handlers_each_see_their_own_event(make_router: MakeRouter) -> None:
    router = make_router(
        "version: 1\nchannels:\n  /*: {publish: {handler: '{mod}:f', async: true}}\n",
        "import asyncio\n"
        "async def f(payload, event):\n"
        "    await asyncio.sleep(0.01 * (3 - payload))\n"
        "    return [payload, event.channel_path]\n",
    )
    response = router.resolve(publish_request("/x/y", [0, 1, 2]), Context())
    assert response == {"events": [{"id": str(i + 1), "payload": [i, "/x/y"]} for i in range(3)]}


def test_an_aggregate_item_whose_repr_raises_still_gets_a_clear_error(
    make_router: MakeRouter,
) -> None:
    TRIED["faults"] += 1
    router = make_router(
        "version: 1\nchannels:\n  /*: {publish: {handler: '{mod}:f', aggregate: true}}\n",
        "class Odd:\n"
        "    def __repr__(self):\n"
        "        raise RuntimeError('no repr')\n"
        "def f(payload):\n"
        "    return [Odd()]\n",
    )
    response = router.resolve(publish_request("/a", [1]))
    assert response == {
        "error": "aggregate handler '"
        + router.match("/a", "publish").handler.ref.text  # type: ignore[union-attr]
        + "' returned item 0 as <Odd>; each item must be {'id', 'payload'} or {'id', 'error'}"
    }


def test_a_context_whose_deadline_call_fails_imposes_no_deadline(
    router: channel_router.Router,
) -> None:
    class Broken:
        def get_remaining_time_in_millis(self) -> int:
            raise RuntimeError("no clock")

    assert router.resolve(publish_request("/slow/x", ["ok"]), Broken()) == {
        "events": [{"id": "1", "payload": "ok"}]
    }


def test_async_per_event_handlers_run_concurrently(make_router: MakeRouter) -> None:
    # Event 1 waits for event 2 to arrive: run one after the other, it could only time out.
    router = make_router(
        "version: 1\nchannels:\n  /*: {publish: {handler: '{mod}:f', async: true}}\n",
        "import asyncio\n"
        "ARRIVED = {}\n"
        "async def f(payload):\n"
        "    ARRIVED[payload] = True\n"
        "    if payload == 1:\n"
        "        while 2 not in ARRIVED:\n"
        "            await asyncio.sleep(0.01)\n"
        "    return payload\n",
    )
    response = router.resolve(publish_request("/a", [1, 2]), Context(remaining_ms=3_000))
    assert response == {"events": [{"id": "1", "payload": 1}, {"id": "2", "payload": 2}]}
