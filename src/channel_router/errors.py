"""The exceptions users raise and catch, and the diagnostics a config check produces."""

from __future__ import annotations

from typing import NamedTuple


class UnauthorizedException(Exception):
    """Raise in a handler to fail the whole invocation: AppSync answers 403."""


class InvalidRequestError(ValueError):
    """The Lambda request is not an AppSync Events request."""


def exception_message(exc: BaseException) -> str:
    """``str(exc)``, even for an exception whose ``__str__`` raises."""
    try:
        return str(exc)
    except Exception:
        return "<unprintable message>"


class Diagnostic(NamedTuple):
    """One problem found in a config file, pointing at a 1-based line and column."""

    file: str
    line: int
    column: int
    message: str
    code: str
    level: str = "error"

    def format(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.level}: {self.message} [{self.code}]"


class ConfigError(Exception):
    """The configuration is invalid; ``problems`` lists (file, line, column, message)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(d for d in diagnostics if d.level == "error")
        self.problems: list[tuple[str, int, int, str]] = [
            (d.file, d.line, d.column, d.message) for d in self.diagnostics
        ]
        super().__init__("\n".join(d.format() for d in self.diagnostics))
