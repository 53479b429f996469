"""The bad-config corpus: each file's first line names the position and message it must get."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import channel_router
from channel_router import ConfigError

CORPUS = Path(__file__).parent / "configs" / "bad"
CASES = sorted(CORPUS.glob("*.yaml"))
EXPECT = re.compile(r"# expect: (\d+):(\d+) (CR\d{3}) (.+)")


def test_the_corpus_is_large() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bad_config_is_reported_at_its_position(path: Path) -> None:
    expected = EXPECT.match(path.read_text().splitlines()[0] if path.read_text() else "")
    assert expected, f"{path.name} needs a '# expect: LINE:COL CODE message' first line"
    line, column, code, fragment = expected.groups()
    with pytest.raises(ConfigError) as info:
        channel_router.load(path)
    error = info.value
    first = error.diagnostics[0]
    assert (first.line, first.column, first.code) == (int(line), int(column), code), str(error)
    assert fragment in first.message, str(error)
    assert error.problems[0] == (str(path), int(line), int(column), first.message)
    assert str(error).startswith(f"{path}:{line}:{column}: error: ")


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text(
        "version: 2\n"
        "setings: {}\n"
        "channels:\n"
        "  /a/b*: {publish: x.y:z}\n"
        "  /ok:\n"
        "    publish: {handler: x.y:z, agregate: true}\n"
    )
    with pytest.raises(ConfigError) as info:
        channel_router.load(path)
    assert [(line, col) for _, line, col, _ in info.value.problems] == [
        (1, 10),
        (2, 1),
        (4, 3),
        (6, 31),
    ]


def test_handler_problems_of_every_route_are_reported_together(tmp_path: Path) -> None:
    shutil.copytree(CORPUS / "badhandlers", tmp_path / "badhandlers")
    path = tmp_path / "channels.yaml"
    path.write_text(
        "version: 1\n"
        "channels:\n"
        "  /a: {publish: badhandlers.funcs:missing}\n"
        "  /b: {publish: badhandlers.nothere:f}\n"
        "  /c: {publish: badhandlers.funcs:on_publish}\n"
    )
    with pytest.raises(ConfigError) as info:
        channel_router.load(path)
    assert [(line, code) for line, code in ((d.line, d.code) for d in info.value.diagnostics)] == [
        (3, "CR031"),
        (4, "CR030"),
    ]


def test_a_file_over_the_size_cap_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_bytes(b"version: 1\n" + b"#" * (1024 * 1024))
    with pytest.raises(ConfigError, match="over the 1048576 byte limit") as info:
        channel_router.load(path)
    assert info.value.diagnostics[0].code == "CR003"


def test_an_alias_bomb_is_refused_at_its_first_anchor(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    path = tmp_path / "channels.yaml"
    path.write_text("\n".join(lines) + "\nversion: 1\n")
    assert path.stat().st_size < 1000  # would expand to 9**9 (387 million) scalars
    with pytest.raises(ConfigError) as info:
        channel_router.load(path)
    assert info.value.problems[0][1:3] == (1, 5)
    assert "anchor '&a0' is not allowed" in info.value.problems[0][3]


def test_invalid_utf8_is_refused_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_bytes(b"version: 1\nchannels: \xff\n")
    with pytest.raises(ConfigError, match="not valid UTF-8") as info:
        channel_router.load(path)
    assert info.value.problems[0][1:3] == (2, 11)


def test_the_example_config_loads() -> None:
    router = channel_router.load(Path(__file__).parent.parent / "channels.yaml")
    assert router.match("/chat/lobby", "publish") is not None


def test_lambda_style_and_class_method_references_both_resolve(tmp_path: Path) -> None:
    shutil.copytree(CORPUS / "badhandlers", tmp_path / "badhandlers")
    path = tmp_path / "channels.yaml"
    path.write_text(
        "version: 1\n"
        "channels:\n"
        "  /a: {publish: badhandlers.funcs.on_publish, subscribe: badhandlers.funcs.on_subscribe}\n"
        "  /b: {publish: 'badhandlers.funcs:Chat.publish'}\n"
    )
    router = channel_router.load(path)
    from tests.conftest import publish_request

    assert router.resolve(publish_request("/b", [7])) == {"events": [{"id": "1", "payload": 7}]}


@pytest.mark.parametrize("text", ["=", "<<", "version: =", "channels: 2001-12-14"])
def test_yaml_scalars_without_a_safe_constructor_stay_strings(tmp_path: Path, text: str) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text(text + "\n")
    with pytest.raises(ConfigError):  # a schema error, never a ConstructorError
        channel_router.load(path)
