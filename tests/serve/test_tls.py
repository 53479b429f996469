"""serve over TLS: a cached self-signed certificate, or the user's own; HTTPS and WSS on one port."""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path

import aiohttp
import websockets

from channel_router.tls import self_signed
from tests.serve.conftest import start_server, stop_server, write_app
from tests.test_cli import run


async def publish_and_receive(
    http: str, realtime: str, context: ssl.SSLContext
) -> tuple[dict[str, object], dict[str, object]]:
    async with websockets.connect(
        realtime, subprotocols=["aws-appsync-event-ws"], ssl=context
    ) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"type": "subscribe", "id": "s", "channel": "/room/*"}))
        assert json.loads(await socket.recv())["type"] == "subscribe_success"
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                http,
                json={"channel": "room/a", "events": [json.dumps({"text": "tls"})]},
                ssl=context,
            ) as response,
        ):
            answer = await response.json()
        data = json.loads(await asyncio.wait_for(socket.recv(), 5))
    return answer, data


def test_tls_shortcut_makes_a_certificate_once_and_serves_https_and_wss(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    directory = write_app(tmp_path / "app")
    server = start_server(directory, "--tls", "--no-auth", env={"XDG_CACHE_HOME": str(cache)})
    cert = cache / "channel-router" / "tls" / "localhost.pem"
    try:
        assert server.http.startswith("https://127.0.0.1:") and server.realtime.startswith("wss://")
        context = ssl.create_default_context(cafile=str(cert))
        answer, data = asyncio.run(publish_and_receive(server.http, server.realtime, context))
        assert len(answer["successful"]) == 1  # type: ignore[arg-type]
        assert json.loads(data["event"]) == {"text": "TLS"}  # type: ignore[arg-type]
    finally:
        log = stop_server(server)
    assert "Traceback" not in log
    first = cert.read_bytes()
    again = start_server(directory, "--tls", "--no-auth", env={"XDG_CACHE_HOME": str(cache)})
    stop_server(again)
    assert cert.read_bytes() == first  # reused across runs


def test_the_certificate_names_localhost_and_loopback_addresses(tmp_path: Path) -> None:
    from cryptography import x509

    cert, key = self_signed(tmp_path)
    names = (
        x509.load_pem_x509_certificate(cert.read_bytes())
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value
    )
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_a_users_own_certificate_is_served(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path / "mine")
    directory = write_app(tmp_path / "app")
    server = start_server(directory, "--tls-cert", str(cert), "--tls-key", str(key), "--no-auth")
    try:
        context = ssl.create_default_context(cafile=str(cert))
        answer, _ = asyncio.run(publish_and_receive(server.http, server.realtime, context))
        assert len(answer["successful"]) == 1  # type: ignore[arg-type]
    finally:
        stop_server(server)


def test_tls_usage_errors(tmp_path: Path) -> None:
    directory = write_app(tmp_path / "app")
    config = str(directory / "channels.yaml")
    assert run("serve", "--config", config, "--tls-cert", config).returncode == 2
    missing = run("serve", "--config", config, "--tls-cert", "nope.pem", "--tls-key", "nope.key")
    assert missing.returncode == 2 and "cannot read 'nope.pem'" in missing.stderr
