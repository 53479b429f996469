"""One structured JSON line per problem, under the 'channel_router' logger."""

from __future__ import annotations

import json
import logging
import traceback
from typing import Any

from .errors import exception_message

logger = logging.getLogger("channel_router")


def log_problem(level: int, what: str, exc: BaseException | None = None, **fields: Any) -> None:
    """Log ``what`` with its fields as one JSON object (and the traceback, if any, inside it)."""
    if not logger.isEnabledFor(level):
        return
    record: dict[str, Any] = {"event": what, **fields}
    if exc is not None:
        record["exception"] = f"{type(exc).__name__}: {exception_message(exc)}"
        record["traceback"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    logger.log(level, json.dumps(record, default=repr), extra={"channel_router": record})
