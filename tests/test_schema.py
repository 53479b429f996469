"""The JSON Schema: one source, valid Draft 7, documented, and the same as the loader's rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

from channel_router.schema import SCHEMA_FILE

ROOT = Path(__file__).parent.parent
REPO_SCHEMA = ROOT / "schema" / "channels.schema.json"


def test_packaged_schema_is_identical_to_the_repository_schema() -> None:
    assert Path(SCHEMA_FILE).read_bytes() == REPO_SCHEMA.read_bytes()


def test_schema_is_a_valid_draft7_schema() -> None:
    schema = json.loads(REPO_SCHEMA.read_text())
    Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"


def _properties(node: Any) -> list[tuple[str, Any]]:
    found = []
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            found.append((name, sub))
        for value in node.values():
            found.extend(_properties(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_properties(value))
    return found


def test_every_property_has_a_description_for_editor_hover_help() -> None:
    schema = json.loads(REPO_SCHEMA.read_text())
    missing = [name for name, sub in _properties(schema) if "description" not in sub]
    assert missing == []


def test_every_object_refuses_unknown_keys() -> None:
    schema = json.loads(REPO_SCHEMA.read_text())

    def objects(node: Any) -> list[Any]:
        out = []
        if isinstance(node, dict):
            if "properties" in node:
                out.append(node)
            for value in node.values():
                out.extend(objects(value))
        elif isinstance(node, list):
            for value in node:
                out.extend(objects(value))
        return out

    assert all(o.get("additionalProperties") is False for o in objects(schema))


def test_example_config_validates_and_points_editors_at_the_schema() -> None:
    text = (ROOT / "channels.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=schema/channels.schema.json")
    errors = list(
        Draft7Validator(json.loads(REPO_SCHEMA.read_text())).iter_errors(yaml.safe_load(text))
    )
    assert errors == []


def test_schema_pattern_regex_agrees_with_the_pattern_parser() -> None:
    import re

    from channel_router.patterns import PatternError, parse_pattern

    regex = re.compile(
        json.loads(REPO_SCHEMA.read_text())["properties"]["channels"]["propertyNames"]["pattern"]
    )
    samples = [
        "/*",
        "/a",
        "/a/*",
        "/a/b/c/d/e",
        "/a/b/c/d/*",
        "/a/b/c/d/e/*",
        "/a/b*",
        "/*/*",
        "/a/",
        "a",
        "//a",
        "/-a",
        "/a-",
        "/a_b",
        "/" + "x" * 50,
        "/" + "x" * 51,
        "/a/*/b",
    ]
    for sample in samples:
        try:
            parse_pattern(sample)
            parsed = True
        except PatternError:
            parsed = False
        assert bool(regex.match(sample)) == parsed, sample
