"""Counts what the reliability suite tried, and prints it once at the end of the run."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from hypothesis import settings

TRIED: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TRIED:
        parts = ", ".join(f"{count} {what}" for what, count in sorted(TRIED.items()))
        terminalreporter.write_line(f"reliability: tried {parts}")


def pytest_configure(config: Any) -> None:
    # CI explores the same examples every run, so a push never fails on a new random draw;
    # locally each run draws afresh (RELIABILITY_EXAMPLES raises the count).
    settings.register_profile("ci", derandomize=True, database=None)
    if os.environ.get("CI"):
        settings.load_profile("ci")
