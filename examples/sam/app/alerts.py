"""Alerts: a batch is numbered in order, so subscribers can tell when one was missed."""

from __future__ import annotations

from typing import Any


def fan_in(payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"id": item["id"], "payload": {"alert": item["payload"], "position": position}}
        for position, item in enumerate(payload, start=1)
    ]
