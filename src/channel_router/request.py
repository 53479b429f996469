"""AppSync Events Lambda requests: checked once, reduced to what routing needs."""

from __future__ import annotations

from typing import Any, NamedTuple, NoReturn

from .errors import InvalidRequestError
from .patterns import is_channel, is_subscription
from .table import PUBLISH, SUBSCRIBE

MAX_EVENTS = 5
_OPERATIONS = {"PUBLISH": PUBLISH, "SUBSCRIBE": SUBSCRIBE}


class Request(NamedTuple):
    """The parts of a request the router reads; ``events`` holds (id, payload) pairs."""

    raw: dict[str, Any]
    operation: str
    channel: str
    events: tuple[tuple[str, Any], ...]


def brief(value: Any, limit: int = 60) -> str:
    """A short repr for messages, even of a value whose repr raises."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fail(message: str) -> InvalidRequestError:
    return InvalidRequestError(f"not an AppSync Events request: {message}")


def parse_request(event: Any) -> Request:
    """Check the request's shape; raise InvalidRequestError naming the first thing wrong."""
    # The fast path takes well-formed requests; anything odd goes to the path that explains.
    try:
        info = event["info"]
        channel = info["channel"]["path"]
        operation = _OPERATIONS[info["operation"]]
        if type(channel) is str and is_channel(channel):
            if operation is SUBSCRIBE:
                return Request(event, operation, channel, ())
            events = event["events"]
            if type(events) is list and len(events) <= MAX_EVENTS:
                pairs = _pairs(events)
                if pairs is not None:
                    return Request(event, operation, channel, pairs)
    except (KeyError, TypeError):
        pass
    return _explained(event)


def _explained(event: Any) -> Request:
    """The slow path: the same checks one by one, each failure with its own message."""
    if not isinstance(event, dict):
        raise _fail(f"expected a JSON object, got {type(event).__name__}")
    info = event.get("info")
    if not isinstance(info, dict):
        raise _fail("'info' is missing or not an object")
    channel_info = info.get("channel")
    if not isinstance(channel_info, dict):
        raise _fail("'info.channel' is missing or not an object")
    name = info.get("operation")
    operation = _OPERATIONS.get(name) if isinstance(name, str) else None
    if operation is None:
        raise _fail(f"'info.operation' is {brief(name)}; expected 'PUBLISH' or 'SUBSCRIBE'")
    channel = channel_info.get("path")
    if not isinstance(channel, str) or not is_channel(channel):
        if operation is SUBSCRIBE and isinstance(channel, str) and is_subscription(channel):
            return Request(event, operation, channel, ())
        raise _fail(f"'info.channel.path' is {brief(channel)}, not a channel path like '/ns/a'")
    if operation is SUBSCRIBE:
        return Request(event, operation, channel, ())
    events = event.get("events")
    if type(events) is not list:
        raise _fail(f"'events' of a PUBLISH is {brief(events)}, not a list")
    if len(events) > MAX_EVENTS:
        raise _fail(f"'events' holds {len(events)} events; AppSync sends at most {MAX_EVENTS}")
    pairs = _pairs(events)
    if pairs is None:
        _explain_events(events)
    return Request(event, operation, channel, pairs)


def _pairs(events: list[Any]) -> tuple[tuple[str, Any], ...] | None:
    """(id, payload) of every event, or None if one is not an object with a string id.

    Taken once, up front, so a handler that mutates the request cannot change the answer.
    """
    try:
        pairs = tuple([(item["id"], item["payload"]) for item in events if type(item["id"]) is str])
    except (TypeError, KeyError):
        return None
    return pairs if len(pairs) == len(events) else None


def _explain_events(events: list[Any]) -> NoReturn:
    """Raise for the first event that is not an object with a string 'id' and a 'payload'."""
    for index, item in enumerate(events):
        if not isinstance(item, dict) or "payload" not in item:
            raise _fail(f"events[{index}] is {brief(item)}, not an object with 'id' and 'payload'")
        if not isinstance(item.get("id"), str):
            raise _fail(f"events[{index}].id is {brief(item.get('id'))}, not a string")
    raise _fail("'events' holds an event that is not an object with 'id' and 'payload'")
