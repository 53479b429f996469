"""Declarative channel routing for AWS AppSync Events Lambda handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import ConfigError, InvalidRequestError, UnauthorizedException
from .response import DROP
from .router import Router, load
from .table import Route

if TYPE_CHECKING:
    from .event import AppSyncEvent, Identity

__all__ = [
    "DROP",
    "AppSyncEvent",
    "ConfigError",
    "Identity",
    "InvalidRequestError",
    "Route",
    "Router",
    "UnauthorizedException",
    "__version__",
    "load",
]


def __getattr__(name: str) -> Any:
    if name in ("AppSyncEvent", "Identity"):
        from . import event  # the view's classes cost import time that most routes never need

        return getattr(event, name)
    # The Lambda runtime looks the handler up at init: load the config then, once.
    if name == "lambda_handler":
        from .lambda_entry import build_handler

        handler = build_handler()
        globals()["lambda_handler"] = handler
        return handler
    raise AttributeError(f"module 'channel_router' has no attribute {name!r}")
