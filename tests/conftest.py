"""Shared fixtures: AppSync-shaped requests and throwaway configs with their own handler modules."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import channel_router
from channel_router.handlers import isolated_imports

_counter = itertools.count()

HEADERS = {
    "x-forwarded-for": "1.1.1.1, 2.2.2.2",
    "user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_6) AppleWebKit/537.36",
    "cloudfront-viewer-country": "US",
    "host": "abc123.appsync-api.us-east-1.amazonaws.com",
}


def publish_request(
    channel: str = "/default/channel",
    payloads: list[Any] | None = None,
    *,
    identity: Any = "None",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A PUBLISH request shaped like AppSync's samples (with their 'None' strings)."""
    payloads = [{"data": "data_1"}, {"data": "data_2"}] if payloads is None else payloads
    segments = channel[1:].split("/")
    return {
        "identity": identity,
        "result": "None",
        "request": {"headers": dict(HEADERS if headers is None else headers), "domainName": "None"},
        "info": {
            "channel": {"path": channel, "segments": segments},
            "channelNamespace": {"name": segments[0]},
            "operation": "PUBLISH",
        },
        "error": "None",
        "prev": "None",
        "stash": {},
        "outErrors": [],
        "events": [{"id": str(i), "payload": p} for i, p in enumerate(payloads, start=1)],
    }


def subscribe_request(
    channel: str = "/default/channel",
    *,
    identity: Any = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    request = publish_request(channel, [], identity=identity, headers=headers)
    request["info"]["operation"] = "SUBSCRIBE"
    request["events"] = None
    return request


class Context:
    """A Lambda context with a fixed remaining time."""

    function_name = "test-func"
    aws_request_id = "52fdfc07-2182-154f-163f-5f0f9a621d72"

    def __init__(self, remaining_ms: int = 30_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture(autouse=True)
def _isolated_imports() -> Iterator[None]:
    """Each test's handler modules disappear with it."""
    with isolated_imports():
        yield


MakeRouter = Callable[..., channel_router.Router]


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a channels.yaml and handler modules; ``{mod}`` in the YAML names the module."""

    def make(config: str, handlers: str = "", name: str = "channels.yaml") -> Path:
        module = f"h{next(_counter)}"
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(handlers))
        path = tmp_path / name
        path.write_text(textwrap.dedent(config).replace("{mod}", module))
        return path

    return make


@pytest.fixture
def make_router(make_config: Callable[..., Path]) -> MakeRouter:
    def make(config: str, handlers: str = "") -> channel_router.Router:
        return channel_router.load(make_config(config, handlers))

    return make
