"""AWS Amplify JS's Events client (the published `aws-amplify` package) against `serve --tls`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.serve.conftest import start_server, stop_server, write_app

HERE = Path(__file__).parent
NODE = shutil.which("node")

if (NODE is None or not (HERE / "node_modules" / "aws-amplify").is_dir()) and not os.environ.get(
    "CI"
):
    pytest.skip("run 'npm ci' in tests/amplify to install aws-amplify", allow_module_level=True)

API_KEY = "da2-amplify000000000000000000"


def test_amplify_events_client_subscribes_posts_publishes_and_sees_refusals(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    server = start_server(
        write_app(tmp_path / "app"),
        "--tls",
        "--api-key",
        API_KEY,
        env={"XDG_CACHE_HOME": str(cache)},
    )
    try:
        # Amplify derives wss://HOST/event/realtime from a custom-domain HTTPS endpoint.
        assert (
            server.http.startswith("https://")
            and server.realtime == server.http.replace("https://", "wss://") + "/realtime"
        )
        cert = cache / "channel-router" / "tls" / "localhost.pem"
        result = subprocess.run(
            [str(NODE), "client.mjs", server.http, API_KEY],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "NODE_EXTRA_CA_CERTS": str(cert)},
        )
    finally:
        log = stop_server(server)
    assert result.returncode == 0, result.stdout + result.stderr + log
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["subscribed"] is True
    # events.post (HTTP) and channel.publish (WebSocket), transformed by the route's handler
    assert sorted(e["text"] for e in outcome["received"]) == ["FROM POST", "FROM PUBLISH"]
    assert outcome["errors"] == []
    # a subscription refused by UnauthorizedException surfaces as the client's error
    assert "UnauthorizedException: the secret room is closed" in outcome["refused"]
    assert "connection from 127.0.0.1 closed" in log
