"""Chat handlers: per-event moderation and batch stamping."""

from __future__ import annotations

from typing import Any

import channel_router
from channel_router import AppSyncEvent

BANNED_WORDS = frozenset({"spam", "scam"})


def moderate(payload: Any, event: AppSyncEvent) -> Any:
    """Drop messages with banned words, reject empty ones, tag the rest with the sender."""
    if not isinstance(payload, dict) or not payload.get("text"):
        raise ValueError("a chat message needs a 'text'")
    if BANNED_WORDS & set(str(payload["text"]).lower().split()):
        return channel_router.DROP
    sender = event.identity.username or event.request_headers.get("x-user", "anonymous")
    return {**payload, "from": sender}


def stamp_batch(payload: list[dict[str, Any]], event: AppSyncEvent) -> list[dict[str, Any]]:
    """Number the messages of one publish; an event whose payload is not an object fails alone."""
    out: list[dict[str, Any]] = []
    for position, item in enumerate(payload, start=1):
        if isinstance(item["payload"], dict):
            stamped = {**item["payload"], "room": event.segments[-1], "seq": position}
            out.append({"id": item["id"], "payload": stamped})
        else:
            out.append({"id": item["id"], "error": "a chat message must be a JSON object"})
    return out
