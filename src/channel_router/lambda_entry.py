"""The generic Lambda handler: the router for the config named by CHANNELS_CONFIG."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .errors import ConfigError, Diagnostic
from .router import load

DEFAULT_CONFIG = "channels.yaml"


def config_path(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """CHANNELS_CONFIG, relative to LAMBDA_TASK_ROOT (else the working directory)."""
    path = environ.get("CHANNELS_CONFIG") or DEFAULT_CONFIG
    return os.path.join(environ.get("LAMBDA_TASK_ROOT") or os.getcwd(), path)


def build_handler() -> Callable[[Any, Any], Any]:
    """Load the config now, at Lambda init; a bad config fails the init with lint's messages."""
    path = config_path()
    if not os.path.isfile(path):
        raise ConfigError(
            [
                Diagnostic(
                    path,
                    1,
                    1,
                    "config file not found; set CHANNELS_CONFIG to the path of your channels.yaml "
                    "(relative paths are taken from LAMBDA_TASK_ROOT)",
                    "CR000",
                )
            ]
        )
    return load(path).resolve
