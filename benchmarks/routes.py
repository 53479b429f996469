"""Generated route sets: the same routes as a channels.yaml and as a Powertools app."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HANDLER_MODULE = """
def handle(payload):
    return payload

async def handle_async(payload):
    import asyncio
    await asyncio.sleep(0.1)
    return payload
"""

EXACT_HIT = "/target/exact"
WILDCARD_HIT = "/target/deep/x"
FALLBACK = "/elsewhere/x"
CASES = {"exact": EXACT_HIT, "wildcard": WILDCARD_HIT, "catch-all": FALLBACK}


def patterns(count: int) -> list[str]:
    """``count`` patterns: filler exact routes, plus the three the cases hit."""
    filler = [f"/ns{i % 40}/room{i}" for i in range(count - 3)]
    return [*filler, EXACT_HIT, "/target/*", "/*"]


def write_app(directory: Path, count: int, *, async_route: bool = False) -> Path:
    """A channels.yaml with ``count`` publish routes, and its handler module ``benchhandlers``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "benchhandlers.py").write_text(HANDLER_MODULE)
    lines = ["version: 1", "channels:"]
    for pattern in patterns(count):
        lines.append(f"  {pattern}:")
        lines.append("    publish: benchhandlers:handle")
    if async_route:
        lines += [
            "  /slow/*:",
            "    publish:",
            "      handler: benchhandlers:handle_async",
            "      async: true",
        ]
    path = directory / "channels.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def build_lock(config: Path) -> None:
    """Compile ``config`` with the installed CLI, as a user would before deploying."""
    cli = shutil.which("channel-router") or str(Path(sys.executable).parent / "channel-router")
    subprocess.run([cli, "build", str(config)], check=True, capture_output=True)
