"""A `channel-router serve` process per test module, on a free port on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCRIPT = shutil.which("channel-router") or str(Path(sys.executable).parent / "channel-router")
API_KEY = "da2-testkey0000000000000000"

HANDLERS = """
from channel_router import DROP, UnauthorizedException

def shout(payload):
    text = payload.get("text") if isinstance(payload, dict) else None
    if text == "drop":
        return DROP
    if text == "bad":
        raise ValueError("no bad words")
    return {**payload, "text": str(text).upper()} if isinstance(payload, dict) else payload

def members(event):
    if event.segments[-1] == "secret":
        raise UnauthorizedException("the secret room is closed")

def passthrough(payload):
    return payload
"""

CONFIG = """\
version: 1
settings:
  unmatched: deny
channels:
  /room/*:
    publish: serve_handlers:shout
    subscribe: serve_handlers:members
  /load/*:
    publish: serve_handlers:passthrough
    subscribe: serve_handlers:members
"""


class Server:
    def __init__(
        self, process: subprocess.Popen[str], http: str, realtime: str, directory: Path
    ) -> None:
        self.process = process
        self.http = http
        self.realtime = realtime
        self.directory = directory

    def auth_protocol(self, key: str = API_KEY) -> str:
        header = json.dumps({"host": self.http.split("/")[2], "x-api-key": key}).encode()
        return "header-" + base64.urlsafe_b64encode(header).decode().rstrip("=")


def start_server(directory: Path, *extra: str, env: dict[str, str] | None = None) -> Server:
    # The log goes to a file: a pipe nobody reads would fill up and stall the server.
    log = (directory / "serve.log").open("w")
    process = subprocess.Popen(
        [SCRIPT, "serve", "--config", str(directory / "channels.yaml"), "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 30
    while len(lines) < 3 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
    if len(lines) < 3:
        process.kill()
        raise RuntimeError(f"server did not start: {lines} {(directory / 'serve.log').read_text()}")
    http = re.search(r"(https?://\S+)", lines[0]).group(1)  # type: ignore[union-attr]
    realtime = re.search(r"(wss?://\S+)", lines[1]).group(1)  # type: ignore[union-attr]
    return Server(process, http, realtime, directory)


def stop_server(server: Server) -> str:
    """Stop the server; return its log."""
    server.process.terminate()
    try:
        server.process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.communicate()
    return (server.directory / "serve.log").read_text()


def write_app(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "serve_handlers.py").write_text(HANDLERS)
    (directory / "channels.yaml").write_text(CONFIG)
    return directory


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(
        write_app(tmp_path_factory.mktemp("serve")),
        "--api-key",
        API_KEY,
        "--keepalive-seconds",
        "1",
    )
    yield running
    stop_server(running)


def frames(*items: dict[str, Any]) -> list[str]:
    return [json.dumps(item) for item in items]
