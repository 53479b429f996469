"""lint: every check load() makes, plus warnings for what is legal but probably a mistake."""

from __future__ import annotations

import json
import os
from collections import defaultdict

from .config import CheckResult, ConfigSpec, check
from .deploy import namespace_diagnostics
from .errors import Diagnostic
from .handlers import isolated_imports
from .patterns import parse_pattern
from .table import PUBLISH, SUBSCRIBE
from .yaml_nodes import Mark

NAMESPACE_QUOTA = 50


def _warning(file: str, mark: Mark, message: str, code: str) -> Diagnostic:
    return Diagnostic(file, mark.line, mark.column, message, code, "warning")


def warnings(spec: ConfigSpec) -> list[Diagnostic]:
    """Legal configs that probably do not do what their author meant."""
    positions = spec.positions
    if positions is None:
        return []
    file = spec.file
    found = []
    patterns = {r.pattern for r in spec.routes}
    operations_at_catch_all = {r.operation for r in spec.routes if r.pattern == "/*"}
    unmatched_at = positions.value(("settings", "unmatched"))
    if spec.settings.unmatched == "allow" and not any(
        r.operation == SUBSCRIBE for r in spec.routes
    ):
        found.append(
            _warning(
                file,
                positions.key(("channels",)),
                "no route handles subscribe and settings.unmatched is 'allow': anyone may "
                "subscribe to every channel; add a subscribe route or set 'unmatched: deny'",
                "CR101",
            )
        )
    if spec.settings.unmatched == "deny" and operations_at_catch_all == {PUBLISH, SUBSCRIBE}:
        found.append(
            _warning(
                file,
                unmatched_at,
                "settings.unmatched has no effect: '/*' routes both publish and subscribe on "
                "every channel",
                "CR102",
            )
        )
    by_folded: dict[str, list[str]] = defaultdict(list)
    for pattern in sorted(patterns, key=lambda p: positions.key(("channels", p)).line):
        by_folded[pattern.lower()].append(pattern)
    for same in by_folded.values():
        for later in same[1:]:
            found.append(
                _warning(
                    file,
                    positions.key(("channels", later)),
                    f"pattern '{later}' differs from '{same[0]}' only in case; channel paths are "
                    "case-sensitive, so both exist: merge them if one was meant",
                    "CR103",
                )
            )
    namespaces = {parse_pattern(p).namespace for p in patterns} - {None}
    if len(namespaces) > NAMESPACE_QUOTA:
        found.append(
            _warning(
                file,
                positions.key(("channels",)),
                f"routes name {len(namespaces)} namespaces; an Event API has at most "
                f"{NAMESPACE_QUOTA} unless the quota is raised",
                "CR104",
            )
        )
    return found


def lint_file(path: str, *, import_handlers: bool = True) -> list[Diagnostic]:
    """Every error and warning for one file; OSError if it cannot be read."""
    with isolated_imports():
        result: CheckResult = check(path, import_handlers=import_handlers)
    diagnostics = list(result.diagnostics)
    if result.spec is not None:
        diagnostics.extend(warnings(result.spec))
        diagnostics.extend(namespace_diagnostics(result.spec))
    return sorted(diagnostics)


def summary(diagnostics: list[Diagnostic], files: int) -> str:
    errors = sum(d.level == "error" for d in diagnostics)
    warns = len(diagnostics) - errors

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return f"{plural(errors, 'error')}, {plural(warns, 'warning')} in {plural(files, 'file')}"


def format_text(diagnostics: list[Diagnostic]) -> str:
    return "".join(d.format() + "\n" for d in diagnostics)


def format_json(diagnostics: list[Diagnostic], files: list[str]) -> str:
    errors = sum(d.level == "error" for d in diagnostics)
    document = {
        "files": files,
        "errors": errors,
        "warnings": len(diagnostics) - errors,
        "problems": [
            {
                "file": d.file,
                "line": d.line,
                "column": d.column,
                "level": d.level,
                "code": d.code,
                "message": d.message,
            }
            for d in diagnostics
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostics: list[Diagnostic]) -> str:
    """GitHub Actions workflow commands, one per problem."""
    return "".join(
        f"::{d.level} file={_escape_property(d.file)},line={d.line},col={d.column}::"
        f"{_escape_data(f'{d.message} [{d.code}]')}\n"
        for d in diagnostics
    )


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
