"""End to end over real sockets: HTTP publish with aiohttp's client, WebSocket with `websockets`."""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import aiohttp
import pytest
import websockets

from tests.serve.conftest import API_KEY, Server, start_server, stop_server, write_app

AUTH = {"x-api-key": API_KEY}


async def post(server: Server, body: Any, key: str = API_KEY) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.http, json=body, headers={"x-api-key": key}) as response,
    ):
        return response.status, await response.json()


async def connect(server: Server, key: str = API_KEY) -> Any:
    socket = await websockets.connect(
        server.realtime,
        subprotocols=["aws-appsync-event-ws", server.auth_protocol(key)],  # type: ignore[list-item]
    )
    await socket.send(json.dumps({"type": "connection_init"}))
    ack = json.loads(await socket.recv())
    assert ack == {"type": "connection_ack", "connectionTimeoutMs": 300000}
    return socket


async def receive(socket: Any, kind: str, timeout: float = 5) -> dict[str, Any]:
    """The next frame of ``kind``, skipping keep-alives."""
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if frame["type"] != "ka":
            assert frame["type"] == kind, frame
            return frame


async def subscribe(socket: Any, sub_id: str, channel: str) -> dict[str, Any]:
    await socket.send(
        json.dumps({"type": "subscribe", "id": sub_id, "channel": channel, "authorization": AUTH})
    )
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), 5))
        if frame["type"] != "ka":
            return frame


def test_subprotocol_and_keepalives(server: Server) -> None:
    async def scenario() -> None:
        async with await connect(server) as socket:
            assert socket.subprotocol == "aws-appsync-event-ws"
            frame = json.loads(await asyncio.wait_for(socket.recv(), 5))
            assert frame == {"type": "ka"}

    asyncio.run(scenario())


def test_http_publish_is_routed_transformed_and_broadcast_to_wildcard_subscribers(
    server: Server,
) -> None:
    async def scenario() -> None:
        async with await connect(server) as socket:
            assert await subscribe(socket, "s1", "/room/*") == {
                "type": "subscribe_success",
                "id": "s1",
            }
            status, body = await post(
                server,
                {
                    "channel": "room/a",
                    "events": [
                        json.dumps({"text": "hi"}),
                        json.dumps({"text": "drop"}),
                        json.dumps({"text": "bad"}),
                    ],
                },
            )
            assert status == 200
            assert [s["index"] for s in body["successful"]] == [0, 1]  # the dropped one succeeded
            assert [(f["index"], f["errorMessage"]) for f in body["failed"]] == [
                (2, "ValueError - no bad words")
            ]
            assert all(len(s["identifier"]) == 36 for s in body["successful"])
            data = await receive(socket, "data")
            assert data["id"] == "s1"
            assert json.loads(data["event"]) == {"text": "HI"}
            with pytest.raises(asyncio.TimeoutError):
                await receive(
                    socket, "data", timeout=0.5
                )  # neither dropped nor failed events arrive

    asyncio.run(scenario())


def test_websocket_publish_answers_publish_success_and_broadcasts(server: Server) -> None:
    async def scenario() -> None:
        async with await connect(server) as listener, await connect(server) as publisher:
            await subscribe(listener, "deep", "/room/*")
            await subscribe(listener, "exact", "/room/b/c")
            await publisher.send(
                json.dumps(
                    {
                        "type": "publish",
                        "id": "p-1",
                        "channel": "/room/b/c",
                        "events": [json.dumps({"text": "one"}), json.dumps("plain")],
                        "authorization": AUTH,
                    }
                )
            )
            answer = await receive(publisher, "publish_success")
            assert (
                answer["id"] == "p-1" and len(answer["successful"]) == 2 and answer["failed"] == []
            )
            got = [await receive(listener, "data") for _ in range(4)]
            assert sorted((g["id"], g["event"]) for g in got) == sorted(
                [(sid, json.dumps({"text": "ONE"})) for sid in ("deep", "exact")]
                + [(sid, '"plain"') for sid in ("deep", "exact")]
            )

    asyncio.run(scenario())


def test_subscription_refused_by_unauthorized_exception(server: Server) -> None:
    async def scenario() -> None:
        async with await connect(server) as socket:
            frame = await subscribe(socket, "s", "/room/secret")
            assert frame == {
                "type": "subscribe_error",
                "id": "s",
                "errors": [
                    {"errorType": "UnauthorizedException", "message": "the secret room is closed"}
                ],
            }

    asyncio.run(scenario())


def test_publish_refused_by_unmatched_deny_answers_403(server: Server) -> None:
    status, body = asyncio.run(post(server, {"channel": "/nowhere/x", "events": ["1"]}))
    assert status == 403
    assert body["errors"][0]["errorType"] == "UnauthorizedException"


def test_a_wrong_api_key_is_refused(server: Server) -> None:
    status, body = asyncio.run(post(server, {"channel": "/room/a", "events": ["1"]}, key="wrong"))
    assert status == 401
    assert body == {
        "errors": [
            {
                "errorType": "UnauthorizedException",
                "message": "You are not authorized to make this call.",
            }
        ]
    }

    async def scenario() -> None:
        socket = await websockets.connect(
            server.realtime, subprotocols=["aws-appsync-event-ws", server.auth_protocol("wrong")]
        )  # type: ignore[list-item]
        frame = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert frame["type"] == "connection_error"
        assert frame["errors"][0]["errorType"] == "UnauthorizedException"
        await socket.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"channel": "/room/a", "events": []}, "1 to 5"),
        ({"channel": "/room/a", "events": ["1"] * 6}, "1 to 5"),
        ({"channel": "/room/a", "events": ["{nope"]}, "not valid JSON"),
        ({"channel": "/room/a", "events": [1]}, "must be a JSON string"),
        ({"channel": "/room/*", "events": ["1"]}, "cannot contain '*'"),
        ({"events": ["1"]}, "'channel' must be a string"),
        ([], "JSON object"),
    ],
)
def test_malformed_http_publishes_answer_400(server: Server, body: Any, fragment: str) -> None:
    status, answer = asyncio.run(post(server, body))
    assert status == 400
    assert answer["errors"][0]["errorType"] == "BadRequestException"
    assert fragment in answer["errors"][0]["message"]


def test_unsubscribe_stops_delivery_and_unknown_ids_are_errors(server: Server) -> None:
    async def scenario() -> None:
        async with await connect(server) as socket:
            await subscribe(socket, "u1", "/room/*")
            await socket.send(json.dumps({"type": "unsubscribe", "id": "u1"}))
            assert await receive(socket, "unsubscribe_success") == {
                "type": "unsubscribe_success",
                "id": "u1",
            }
            await socket.send(json.dumps({"type": "unsubscribe", "id": "u1"}))
            error = await receive(socket, "unsubscribe_error")
            assert error["errors"] == [
                {"errorType": "UnknownOperationError", "message": "Unknown operation id u1"}
            ]
            await post(server, {"channel": "/room/a", "events": [json.dumps({"text": "x"})]})
            with pytest.raises(asyncio.TimeoutError):
                await receive(socket, "data", timeout=0.5)

    asyncio.run(scenario())


def test_malformed_frames_get_error_frames_and_other_subscriptions_keep_working(
    server: Server,
) -> None:
    async def scenario() -> None:
        async with await connect(server) as socket:
            await subscribe(socket, "keep", "/room/*")
            await socket.send("not json")
            assert (await receive(socket, "error"))["errors"][0][
                "errorType"
            ] == "BadRequestException"
            await socket.send(json.dumps({"type": "teleport"}))
            assert (await receive(socket, "error"))["errors"][0][
                "errorType"
            ] == "UnsupportedOperation"
            await socket.send(
                json.dumps({"type": "subscribe", "id": "bad id!", "channel": "/room/*"})
            )
            assert (await receive(socket, "subscribe_error"))["id"] == "bad id!"
            await socket.send(
                json.dumps(
                    {"type": "subscribe", "id": "keep", "channel": "/room/*", "authorization": AUTH}
                )
            )
            assert (
                "already in use"
                in (await receive(socket, "subscribe_error"))["errors"][0]["message"]
            )
            await socket.send(
                json.dumps(
                    {"type": "subscribe", "id": "w", "channel": "/*/*", "authorization": AUTH}
                )
            )
            assert (await receive(socket, "subscribe_error"))["id"] == "w"
            await socket.send(
                json.dumps(
                    {
                        "type": "publish",
                        "id": "p",
                        "channel": "/room/a",
                        "events": "x",
                        "authorization": AUTH,
                    }
                )
            )
            assert (await receive(socket, "publish_error"))["errors"][0][
                "errorType"
            ] == "BadRequestException"
            await post(server, {"channel": "/room/a", "events": [json.dumps({"text": "still"})]})
            assert json.loads((await receive(socket, "data"))["event"]) == {"text": "STILL"}

    asyncio.run(scenario())


def test_load_200_subscribers_1000_publishes_each_event_delivered_exactly_once(
    server: Server,
) -> None:
    subscribers, publishes = (
        int(os.environ.get("LOAD_SUBSCRIBERS", "200")),
        int(os.environ.get("LOAD_PUBLISHES", "1000")),
    )

    async def scenario() -> None:
        sockets = await asyncio.gather(*(connect(server) for _ in range(subscribers)))
        try:
            # Half listen to the wildcard, half to one exact channel that gets a fifth of the traffic.
            for index, socket in enumerate(sockets):
                channel = "/load/*" if index % 2 == 0 else "/load/c0"
                assert (await subscribe(socket, f"s{index}", channel))[
                    "type"
                ] == "subscribe_success"
            counts: list[dict[int, int]] = [dict() for _ in sockets]

            async def drain(index: int, socket: Any, expected: int) -> None:
                while sum(counts[index].values()) < expected:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), 60))
                    if frame["type"] == "data":
                        number = json.loads(frame["event"])["n"]
                        counts[index][number] = counts[index].get(number, 0) + 1

            expected_exact = len([n for n in range(publishes) if n % 5 == 0])
            drains = [
                asyncio.create_task(drain(i, s, publishes if i % 2 == 0 else expected_exact))
                for i, s in enumerate(sockets)
            ]
            started = time.monotonic()
            async with aiohttp.ClientSession(headers={"x-api-key": API_KEY}) as session:
                semaphore = asyncio.Semaphore(16)

                async def publish(n: int) -> None:
                    async with (
                        semaphore,
                        session.post(
                            server.http,
                            json={"channel": f"/load/c{n % 5}", "events": [json.dumps({"n": n})]},
                        ) as response,
                    ):
                        assert response.status == 200
                        assert len((await response.json())["successful"]) == 1

                await asyncio.gather(*(publish(n) for n in range(publishes)))
            await asyncio.wait_for(asyncio.gather(*drains), 120)
            assert time.monotonic() - started < 180
            for index, seen in enumerate(counts):
                wanted = range(publishes) if index % 2 == 0 else range(0, publishes, 5)
                assert seen == dict.fromkeys(wanted, 1), f"subscriber {index}"
        finally:
            await asyncio.gather(*(s.close() for s in sockets))

    asyncio.run(scenario())


def test_reload_picks_up_changes_and_keeps_old_routes_when_the_new_config_is_broken(
    tmp_path: Any,
) -> None:
    directory = write_app(tmp_path / "app")
    server = start_server(directory, "--no-auth")
    try:
        assert (
            asyncio.run(
                post(server, {"channel": "/room/a", "events": [json.dumps({"text": "a"})]})
            )[0]
            == 200
        )
        config = directory / "channels.yaml"
        config.write_text(
            config.read_text() + "  /extra/*:\n    publish: serve_handlers:passthrough\n"
        )
        deadline = time.monotonic() + 15
        status = 0
        while time.monotonic() < deadline and status != 200:
            time.sleep(0.3)
            status = asyncio.run(post(server, {"channel": "/extra/x", "events": ["1"]}))[0]
        assert status == 200
        config.write_text(config.read_text().replace("/extra/*", "/extra/*/x"))
        time.sleep(3)
        assert asyncio.run(post(server, {"channel": "/extra/x", "events": ["1"]}))[0] == 200
    finally:
        err = stop_server(server)
    assert "reloaded" in err
    assert "error: pattern '/extra/*/x'" in err and "still serving the previous routes" in err


def test_sighup_reloads_the_config(tmp_path: Any) -> None:
    import signal

    directory = write_app(tmp_path / "app")
    server = start_server(directory, "--no-auth", "--no-reload")
    try:
        config = directory / "channels.yaml"
        config.write_text(
            config.read_text() + "  /extra/*:\n    publish: serve_handlers:passthrough\n"
        )
        time.sleep(1.5)
        assert (
            asyncio.run(post(server, {"channel": "/extra/x", "events": ["1"]}))[0] == 403
        )  # --no-reload
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        status = 403
        while time.monotonic() < deadline and status != 200:
            time.sleep(0.2)
            status = asyncio.run(post(server, {"channel": "/extra/x", "events": ["1"]}))[0]
        assert status == 200
    finally:
        stop_server(server)


def test_a_changed_handler_module_is_reloaded(tmp_path: Any) -> None:
    directory = write_app(tmp_path / "app")
    server = start_server(directory, "--no-auth")

    async def shouted() -> Any:
        async with await connect(server) as socket:
            await subscribe(socket, "s", "/room/*")
            await post(server, {"channel": "/room/a", "events": [json.dumps({"text": "Hi"})]})
            return json.loads((await receive(socket, "data"))["event"])["text"]

    try:
        assert asyncio.run(shouted()) == "HI"
        handlers = directory / "serve_handlers.py"
        handlers.write_text(handlers.read_text().replace("str(text).upper()", "str(text).lower()"))
        deadline = time.monotonic() + 15
        seen = "HI"
        while time.monotonic() < deadline and seen != "hi":
            time.sleep(0.5)
            seen = asyncio.run(shouted())
        assert seen == "hi"
    finally:
        stop_server(server)


def test_a_publish_frame_whose_authorization_is_not_an_object_is_still_answered(
    tmp_path: Any,
) -> None:
    server = start_server(write_app(tmp_path / "app"), "--no-auth")

    async def scenario() -> dict[str, Any]:
        async with await connect(server) as socket:
            await socket.send(
                json.dumps(
                    {
                        "type": "publish",
                        "id": "p",
                        "channel": "/room/a",
                        "events": [json.dumps({"text": "x"})],
                        "authorization": "not an object",
                    }
                )
            )
            return await receive(socket, "publish_success")

    try:
        assert len(asyncio.run(scenario())["successful"]) == 1
    finally:
        stop_server(server)
