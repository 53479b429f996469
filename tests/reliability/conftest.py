"""Counts what the reliability suite tried, and prints it once at the end of the run."""

from __future__ import annotations

from collections import Counter
from typing import Any

TRIED: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TRIED:
        parts = ", ".join(f"{count} {what}" for what, count in sorted(TRIED.items()))
        terminalreporter.write_line(f"reliability: tried {parts}")
