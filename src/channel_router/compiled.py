"""The compiled routing table: a validated config, saved so cold start can skip YAML and schema."""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .table import Source

if TYPE_CHECKING:
    from .config import ConfigSpec

FORMAT = 1


def lock_path(config_file: str) -> str:
    """'channels.yaml' -> 'channels.lock.json', beside it."""
    return os.path.splitext(config_file)[0] + ".lock.json"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _source(value: Any, file: str) -> Source | None:
    return Source(file, value[0], value[1]) if value else None


def dumps(spec: ConfigSpec, data: bytes) -> str:
    """The compiled file's text for a config that passed every check."""
    document = {
        "format": FORMAT,
        "channel_router": __version__,
        "source": os.path.basename(spec.file),
        "source_sha256": digest(data),
        "settings": {
            "unmatched": spec.settings.unmatched,
            "error_detail": spec.settings.error_detail,
            "deadline_margin_ms": spec.settings.deadline_margin_ms,
            "namespaces": list(spec.settings.namespaces),
        },
        "routes": [
            {
                "pattern": r.pattern,
                "operation": r.operation,
                "handler": r.handler,
                "aggregate": r.aggregate,
                "async": r.is_async,
                "at": [r.source.line, r.source.column],
                "async_at": [r.async_source.line, r.async_source.column]
                if r.async_source
                else None,
            }
            for r in spec.routes
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def staleness(config_file: str, data: bytes) -> str | None:
    """Why the compiled file beside ``config_file`` cannot be used; None if fresh or absent."""
    _, problem = read_fresh(config_file, data)
    return problem


def read_fresh(config_file: str, data: bytes) -> tuple[ConfigSpec | None, str | None]:
    """The compiled spec if it matches ``data`` and this version; else why not (or nothing)."""
    from .config import ConfigSpec, RouteSpec, Settings  # config imports this module

    path = lock_path(config_file)
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"{path}: cannot read the compiled routing table ({exc}); using {config_file}"
    rebuild = f"run 'channel-router build {config_file}'"
    try:
        document = json.loads(text)
        if document.get("format") != FORMAT or document.get("channel_router") != __version__:
            return None, (
                f"{path} was built by channel-router {document.get('channel_router')}, "
                f"this is {__version__}; {rebuild}"
            )
        if document.get("source_sha256") != digest(data):
            return None, f"{path} is stale: {config_file} changed since it was built; {rebuild}"
        spec = ConfigSpec(
            config_file,
            Settings.from_data(document["settings"]),
            tuple(
                RouteSpec(
                    pattern=r["pattern"],
                    operation=r["operation"],
                    handler=r["handler"],
                    aggregate=r["aggregate"],
                    is_async=r["async"],
                    source=Source(config_file, r["at"][0], r["at"][1]),
                    async_source=_source(r["async_at"], config_file),
                )
                for r in document["routes"]
            ),
        )
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        return None, f"{path} is not a valid compiled routing table ({exc}); {rebuild}"
    return spec, None
