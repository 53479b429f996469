"""What goes back to AppSync: event items, error text, and the checks that make them sendable."""

from __future__ import annotations

import json
from typing import Any, Final

from .errors import UnauthorizedException, exception_message

MAX_EVENT_BYTES: Final = 245_760  # AppSync's 240 KiB event limit, on the item's compact JSON


class _Drop:
    __slots__ = ()

    def __repr__(self) -> str:
        return "channel_router.DROP"

    def __reduce__(self) -> str:
        return "DROP"


DROP: Final = _Drop()
"""Return this from a per-event publish handler to leave the event out (not broadcast)."""


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_encoder() -> Any:
    """Compact, NaN-refusing JSON text; the C encoder called directly halves the per-call cost."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_refuse
        ).encode
    encoder = make(
        None, _refuse, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
    return lambda value: "".join(encoder(value, 0))


_encode = _make_encoder()


# What a handler may raise without failing the invocation: a stray sys.exit() is a bug in one
# event, not a reason to stop the batch. KeyboardInterrupt and the like still propagate.
HANDLER_ERRORS = (Exception, SystemExit)

MAX_ERROR_CHARS = 1000


def error_text(exc: BaseException, detail: str) -> str:
    """The publisher's view of a handler exception, as ``settings.error_detail`` allows."""
    if detail == "type":
        return type(exc).__name__
    if detail != "full":
        return "error"
    text = f"{type(exc).__name__} - {exception_message(exc)}"
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."


def is_unauthorized(exc: BaseException) -> bool:
    """AppSync reads 403 from the exception's name, so Powertools' class counts too."""
    return isinstance(exc, UnauthorizedException) or type(exc).__name__ == "UnauthorizedException"


def _fits(text: str, reserve: int = 0) -> bool:
    """Whether ``text`` (plus ``reserve`` bytes) is within the event limit, in UTF-8 bytes."""
    limit = MAX_EVENT_BYTES - reserve
    return len(text) <= limit and (text.isascii() or len(text.encode()) <= limit)


def unsendable(item: dict[str, Any]) -> str | None:
    """Why an event item cannot go back to AppSync, or None if it can."""
    try:
        text = _encode(item)
    except (TypeError, ValueError, RecursionError) as exc:
        return f"result is not JSON-serializable: {exc}"
    if not _fits(text):
        size = len(text.encode())
        return (
            f"result is {size} bytes as JSON, over AppSync's {MAX_EVENT_BYTES}-byte (240 KiB) "
            "event limit"
        )
    return None


def all_sendable(items: list[dict[str, Any]]) -> bool:
    """Whether every item can go back to AppSync, from one encode of the payloads alone.

    An item's JSON is its payload's, its id's and 18 bytes of braces and keys; so if all the
    payloads encode and together fit beside the longest id, every item does.
    """
    try:
        text = _encode([item.get("payload") for item in items])
    except (TypeError, ValueError, RecursionError):
        return False
    longest_id = max([len(item["id"]) for item in items], default=0)
    return _fits(text, reserve=18 + 6 * longest_id + 2)
