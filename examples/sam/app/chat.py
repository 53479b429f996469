"""Chat: messages are trimmed, empty ones refused, each stamped with the channel."""

from __future__ import annotations

import time
from typing import Any

from channel_router import AppSyncEvent


def on_message(payload: Any, event: AppSyncEvent) -> dict[str, Any]:
    text = str(payload.get("text", "")).strip() if isinstance(payload, dict) else ""
    if not text:
        raise ValueError("send {'text': '...'}")
    return {"text": text[:500], "channel": event.channel_path, "at": int(time.time())}


def on_join() -> None:
    """Every subscriber with a valid API key may listen."""
