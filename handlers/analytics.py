"""Async analytics enrichment: each event awaits its own lookup, all of them at once."""

from __future__ import annotations

import asyncio
from typing import Any

from channel_router import AppSyncEvent


async def enrich(payload: Any, event: AppSyncEvent) -> Any:
    await asyncio.sleep(0.01)  # stands in for a network call
    if not isinstance(payload, dict):
        return {"value": payload, "channel": event.channel_path}
    return {**payload, "channel": event.channel_path, "country": _country(event)}


def _country(event: AppSyncEvent) -> str:
    return event.request_headers.get("cloudfront-viewer-country", "unknown")
