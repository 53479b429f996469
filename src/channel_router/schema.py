"""The JSON Schema of channels.yaml, and its errors turned into positioned diagnostics."""

from __future__ import annotations

import difflib
import json
import os
from functools import cache
from typing import Any

from .errors import Diagnostic
from .patterns import PatternError, parse_pattern
from .yaml_nodes import JsonPath, Mark, Positions

SCHEMA_FILE = os.path.join(os.path.dirname(__file__), "channels.schema.json")


def schema_text() -> str:
    with open(SCHEMA_FILE, encoding="utf-8") as stream:
        return stream.read()


@cache
def _validator() -> Any:
    from jsonschema import Draft7Validator  # costly to import; the compiled path never needs it

    return Draft7Validator(json.loads(schema_text()))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


_EXPECTED = {
    "object": "a mapping",
    "string": "a string",
    "integer": "an integer",
    "boolean": "true or false",
}


def _where(path: JsonPath) -> str:
    if not path:
        return "the top level"
    if path[0] == "channels" and len(path) >= 2:
        if len(path) == 2:
            return f"channel '{path[1]}'"
        return f"'{path[2]}' of channel '{path[1]}'"
    return f"'{'.'.join(str(p) for p in path)}'"


def _name(path: JsonPath) -> str:
    if len(path) == 2 and path[0] == "channels":
        return f"channel '{path[1]}'"
    return f"'{path[-1]}'" if path else "the file"


def _diagnostics_for(error: Any, positions: Positions, file: str) -> list[Diagnostic]:
    path: JsonPath = tuple(error.absolute_path)
    validator = error.validator
    instance = error.instance

    def at(mark: Mark, message: str, code: str) -> Diagnostic:
        return Diagnostic(file, mark.line, mark.column, message, code)

    if "propertyNames" in error.relative_schema_path:
        key = str(instance)
        try:
            parse_pattern(key)
            message = f"pattern {key!r} is not valid"
        except PatternError as exc:
            message = str(exc)
        return [at(positions.key((*path, key)), message, "CR020")]
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        found = []
        for extra in sorted(set(instance) - set(allowed)):
            close = difflib.get_close_matches(extra, allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            message = (
                f"unknown key '{extra}' in {_where(path)}; {hint}allowed keys: {', '.join(allowed)}"
            )
            found.append(at(positions.key((*path, extra)), message, "CR010"))
        return found
    if validator == "required":
        missing = [k for k in error.validator_value if k not in instance]
        return [
            at(positions.value(path), f"{_where(path)} is missing the required key '{k}'", "CR011")
            for k in missing
        ]
    mark = positions.value(path)
    if validator == "type":
        expected = error.validator_value
        wanted = " or ".join(
            _EXPECTED.get(str(t), str(t))
            for t in (expected if isinstance(expected, list) else [expected])
        )
        if path and path[-1] in ("publish", "subscribe"):
            wanted = (
                "a handler reference such as 'package.module:function' or a mapping with 'handler'"
            )
        message = f"{_name(path)} must be {wanted}, not {_kind(instance)}"
        if path == ("version",):
            message += "; write 'version: 1'"
        return [at(mark, message, "CR012")]
    if validator == "const":
        return [
            at(mark, f"{_name(path)} must be {error.validator_value!r}, not {instance!r}", "CR013")
        ]
    if validator == "enum":
        options = ", ".join(repr(v) for v in error.validator_value)
        return [at(mark, f"{_name(path)} must be one of {options}, not {instance!r}", "CR013")]
    if validator in ("minimum", "maximum"):
        bound = "at least" if validator == "minimum" else "at most"
        return [
            at(
                mark,
                f"{_name(path)} must be {bound} {error.validator_value}, not {instance}",
                "CR013",
            )
        ]
    if validator == "minProperties":
        if path == ("channels",):
            message = "'channels' is empty; add at least one channel pattern with its operations"
        else:
            message = f"{_name(path)} routes no operation; add 'publish' or 'subscribe'"
        return [at(mark, message, "CR011")]
    if path[:2] == ("settings", "namespaces"):
        if validator == "pattern":
            message = (
                f"namespace {instance!r} is not a valid AppSync namespace name: 1-50 letters, "
                "digits and dashes, not starting or ending with a dash"
            )
        elif validator == "uniqueItems":
            message = "'namespaces' lists a name twice; list each namespace once"
        else:
            message = "'namespaces' must list at least one namespace, or be left out"
        return [at(mark, message, "CR013")]
    if validator == "pattern" and isinstance(instance, str):
        return [
            at(
                mark,
                f"handler reference {instance!r} is not valid; write 'package.module:function' "
                "or Lambda-style 'package.module.function'",
                "CR014",
            )
        ]
    return [at(mark, f"{_where(path)}: {error.message}", "CR013")]


def validate(data: Any, positions: Positions, file: str) -> list[Diagnostic]:
    """Every schema violation in ``data``, each at the YAML node it concerns."""
    errors = list(_validator().iter_errors(data))
    typed = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    misspelled = {
        (tuple(e.absolute_path), close)
        for e in errors
        if e.validator == "additionalProperties"
        for extra in set(e.instance) - set(e.schema.get("properties", {}))
        for close in difflib.get_close_matches(
            str(extra), list(e.schema.get("properties", {})), 1, 0.6
        )
    }
    diagnostics: list[Diagnostic] = []
    for error in errors:
        path = tuple(error.absolute_path)
        if error.validator != "type" and path in typed:
            continue  # a value of the wrong type needs one message, not one per rule
        if error.validator == "required" and all(
            (path, key) in misspelled for key in error.validator_value if key not in error.instance
        ):
            continue  # "did you mean" on the misspelled key already says it
        diagnostics.extend(_diagnostics_for(error, positions, file))
    return sorted(set(diagnostics))
