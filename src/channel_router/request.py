"""AppSync Events Lambda requests: checked once, reduced to what routing needs."""

from __future__ import annotations

from typing import Any, NamedTuple

from .errors import InvalidRequestError
from .patterns import is_channel
from .table import PUBLISH, SUBSCRIBE

MAX_EVENTS = 5
_OPERATIONS = {"PUBLISH": PUBLISH, "SUBSCRIBE": SUBSCRIBE}


class Request(NamedTuple):
    """The parts of a request the router reads; ``events`` holds (id, payload) pairs."""

    raw: dict[str, Any]
    operation: str
    channel: str
    events: tuple[tuple[str, Any], ...]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fail(message: str) -> InvalidRequestError:
    return InvalidRequestError(f"not an AppSync Events request: {message}")


def parse_request(event: Any) -> Request:
    """Check the request's shape; raise InvalidRequestError naming the first thing wrong."""
    if not isinstance(event, dict):
        raise _fail(f"expected a JSON object, got {type(event).__name__}")
    info = event.get("info")
    if not isinstance(info, dict):
        raise _fail("'info' is missing or not an object")
    channel_info = info.get("channel")
    if not isinstance(channel_info, dict):
        raise _fail("'info.channel' is missing or not an object")
    channel = channel_info.get("path")
    if not isinstance(channel, str) or not is_channel(channel):
        raise _fail(f"'info.channel.path' is {_show(channel)}, not a channel path like '/ns/a'")
    name = info.get("operation")
    operation = _OPERATIONS.get(name) if isinstance(name, str) else None
    if operation is None:
        raise _fail(f"'info.operation' is {_show(name)}; expected 'PUBLISH' or 'SUBSCRIBE'")
    if operation is SUBSCRIBE:
        return Request(event, operation, channel, ())
    events = event.get("events")
    if not isinstance(events, list):
        raise _fail(f"'events' of a PUBLISH is {_show(events)}, not a list")
    if len(events) > MAX_EVENTS:
        raise _fail(f"'events' holds {len(events)} events; AppSync sends at most {MAX_EVENTS}")
    pairs = []
    for index, item in enumerate(events):
        if not isinstance(item, dict) or "payload" not in item:
            raise _fail(f"events[{index}] is {_show(item)}, not an object with 'id' and 'payload'")
        event_id = item.get("id")
        if not isinstance(event_id, str):
            raise _fail(f"events[{index}].id is {_show(event_id)}, not a string")
        pairs.append((event_id, item["payload"]))
    if len({event_id for event_id, _ in pairs}) != len(pairs):
        raise _fail("two events share an id; AppSync ids are unique within a request")
    return Request(event, operation, channel, tuple(pairs))
