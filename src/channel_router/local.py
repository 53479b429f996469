"""Requests and Lambda contexts made locally, shaped like what AppSync and Lambda send."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .table import PUBLISH


@dataclass(slots=True)
class LocalContext:
    """A stand-in Lambda context whose deadline is ``timeout_ms`` after it was made."""

    timeout_ms: int = 30_000
    function_name: str = "channel-router-local"
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:000000000000:function:channel-router-local"
    )
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.timeout_ms - (time.monotonic() - self._started) * 1000))


def build_request(
    channel: str,
    operation: str,
    payloads: list[Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    identity: Any = None,
    domain_name: str | None = None,
    ids: list[str] | None = None,
) -> dict[str, Any]:
    """An AppSync Events Lambda request for ``channel``, as the service would send it."""
    path = channel if channel.startswith("/") else "/" + channel
    segments = path[1:].split("/")
    events = None
    if operation == PUBLISH:
        # AppSync sends UUIDs; short sequential ids keep local output readable.
        payloads = payloads or []
        ids = ids or [str(n) for n in range(1, len(payloads) + 1)]
        events = [{"id": i, "payload": p} for i, p in zip(ids, payloads, strict=True)]
    return {
        "identity": identity,
        "result": None,
        "request": {"headers": dict(headers or {}), "domainName": domain_name},
        "info": {
            "channel": {"path": path, "segments": segments},
            "channelNamespace": {"name": segments[0]},
            "operation": operation.upper(),
        },
        "error": None,
        "prev": None,
        "stash": {},
        "outErrors": [],
        "events": events,
    }
