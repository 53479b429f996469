"""The installed console script, driven in a subprocess: output, formats and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SCRIPT = shutil.which("channel-router") or str(Path(sys.executable).parent / "channel-router")
BAD = ROOT / "tests" / "configs" / "bad"


def run(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    environment.update(env or {})
    return subprocess.run(
        [SCRIPT, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment,
        input=stdin,
        timeout=60,
    )


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    shutil.copytree(BAD / "badhandlers", tmp_path / "badhandlers")
    path = tmp_path / "channels.yaml"
    path.write_text(
        "version: 1\n"
        "channels:\n"
        "  /a/b*:\n"
        "    publish: badhandlers.funcs:on_publish\n"
        "  /ok:\n"
        "    publish: badhandlers.funcs:missing\n"
    )
    return path


def test_lint_of_the_example_is_clean() -> None:
    result = run("lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr == "0 errors, 0 warnings in 1 file\n"


def test_lint_prints_each_problem_at_its_line_and_column(broken: Path) -> None:
    result = run("lint", "channels.yaml", cwd=broken.parent)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "channels.yaml:3:3: error: pattern '/a/b*': '*' must be a whole last segment ('/ns/*'); "
        "segment 2 is 'b*' [CR020]",
    ]
    assert result.stderr == "1 error, 0 warnings in 1 file\n"


def test_lint_reports_handler_problems_once_the_schema_passes(tmp_path: Path) -> None:
    shutil.copytree(BAD / "badhandlers", tmp_path / "badhandlers")
    (tmp_path / "channels.yaml").write_text(
        "version: 1\nsettings: {unmatched: deny}\nchannels:\n  /ok:\n    publish: badhandlers.funcs:missing\n"
    )
    result = run("lint", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "channels.yaml:5:14: error: Handler 'missing' missing on module 'badhandlers.funcs' [CR031]\n"
    )


def test_lint_checks_every_file_in_one_run(broken: Path) -> None:
    result = run("lint", str(broken), str(ROOT / "channels.yaml"), str(BAD / "version_two.yaml"))
    assert result.returncode == 1
    files = {line.split(":")[0] for line in result.stdout.splitlines()}
    assert files == {str(broken), str(BAD / "version_two.yaml")}
    assert result.stderr.endswith("in 3 files\n")


def test_lint_json_lists_problems_with_code_and_level(broken: Path) -> None:
    result = run("lint", "--format", "json", str(broken))
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["errors"] == 1 and document["warnings"] == 0
    assert document["problems"] == [
        {
            "file": str(broken),
            "line": 3,
            "column": 3,
            "level": "error",
            "code": "CR020",
            "message": "pattern '/a/b*': '*' must be a whole last segment ('/ns/*'); segment 2 is 'b*'",
        }
    ]


def test_lint_github_format_escapes_workflow_command_data(tmp_path: Path) -> None:
    (tmp_path / "a,b:c.yaml").write_text("version: 1\nchannels:\n  /a:\n    publish: 'x%y'\n")
    result = run("lint", "--format", "github", "a,b:c.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "::error file=a%2Cb%3Ac.yaml,line=4,col=14::handler reference 'x%25y' is not valid; write "
        "'package.module:function' or Lambda-style 'package.module.function' [CR014]\n"
    )


def test_github_escaping_covers_newlines_in_messages() -> None:
    from channel_router.errors import Diagnostic
    from channel_router.lint import format_github

    line = format_github([Diagnostic("f.yaml", 1, 2, "100% sure: a, b\nnext", "CR999")])
    assert line == "::error file=f.yaml,line=1,col=2::100%25 sure: a, b%0Anext [CR999]\n"


def test_github_format_is_chosen_on_github_actions(broken: Path) -> None:
    result = run("lint", str(broken), env={"GITHUB_ACTIONS": "true"})
    assert result.stdout.startswith("::error file=")


def test_lint_warnings_alone_exit_zero(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("def f(payload):\n    return payload\n")
    (tmp_path / "channels.yaml").write_text("version: 1\nchannels:\n  /a/*:\n    publish: mod:f\n")
    result = run("lint", cwd=tmp_path)
    assert result.returncode == 0
    assert "warning: no route handles subscribe" in result.stdout
    assert "[CR101]" in result.stdout


def test_lint_warns_about_patterns_that_differ_only_in_case(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("def f(payload):\n    return payload\ndef s():\n    pass\n")
    (tmp_path / "channels.yaml").write_text(
        "version: 1\nchannels:\n  /Chat/*: {publish: mod:f}\n  /chat/*: {subscribe: mod:s}\n"
    )
    result = run("lint", cwd=tmp_path)
    assert (
        "channels.yaml:4:3: warning: pattern '/chat/*' differs from '/Chat/*' only in case"
        in result.stdout
    )


def test_lint_no_import_checks_handlers_by_their_source(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(
        "import not_installed_anywhere\n"
        "def f(payload):\n    return payload\n"
        "async def g(payload):\n    return payload\n"
        "def s(payload):\n    pass\n"
    )
    (tmp_path / "channels.yaml").write_text(
        "version: 1\nchannels:\n"
        "  /a: {publish: pkg.mod:f, subscribe: pkg.mod:s}\n"
        "  /b: {publish: pkg.mod:g}\n"
        "  /c: {publish: pkg.mod:nope}\n"
        "  /d: {publish: pkg.other:f}\n"
    )
    result = run("lint", "--no-import", cwd=tmp_path)
    assert result.returncode == 1
    codes = [(line.split(":")[1], line.rsplit("[", 1)[1]) for line in result.stdout.splitlines()]
    assert codes == [("3", "CR034]"), ("4", "CR033]"), ("5", "CR031]"), ("6", "CR030]")]
    imported = run("lint", cwd=tmp_path)
    assert "No module named 'not_installed_anywhere'" in imported.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["lint", "--bogus"],
        ["lint", "missing.yaml"],
        ["lint", "--format", "xml"],
        ["nope"],
        [],
        ["which"],
        ["which", "/a/*"],
        ["invoke", "/chat/lobby", "{not json"],
        ["invoke", "/chat/lobby"],
        ["invoke", "/chat/lobby", "1", "2", "3", "4", "5", "6"],
        ["routes", "--config", "missing.yaml"],
    ],
)
def test_usage_errors_exit_two(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "error" in result.stderr or "usage" in result.stderr


def test_unreadable_file_is_a_usage_error_naming_the_file() -> None:
    result = run("lint", "missing.yaml")
    assert (
        result.stderr
        == "channel-router: error: cannot read 'missing.yaml': No such file or directory\n"
    )


def test_version_comes_from_the_installed_metadata() -> None:
    from importlib.metadata import version

    result = run("--version")
    assert result.returncode == 0
    assert result.stdout == f"channel-router {version('channel-router')}\n"


def test_every_command_has_help_with_an_example() -> None:
    for command in ["lint", "routes", "which", "invoke", "build", "schema", "serve", "template"]:
        result = run(command, "--help")
        assert result.returncode == 0
        assert "example:" in result.stdout and f"channel-router {command}" in result.stdout


def test_schema_prints_the_shipped_schema() -> None:
    result = run("schema")
    assert result.returncode == 0
    assert result.stdout == (ROOT / "schema" / "channels.schema.json").read_text()


def test_routes_prints_the_table_most_specific_first() -> None:
    result = run("routes")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["PATTERN", "OPERATION", "HANDLER", "FLAGS", "DECLARED", "AT"]
    assert [line.split()[0] for line in lines[1:-1]] == [
        "/chat/lobby",
        "/chat/lobby",
        "/analytics/*",
        "/chat/*",
        "/chat/*",
        "/*",
    ]
    assert lines[-1] == "unmatched channels: deny"


def test_routes_json() -> None:
    document = json.loads(run("routes", "--format", "json").stdout)
    assert document[2] == {
        "pattern": "/analytics/*",
        "operation": "publish",
        "handler": "handlers.analytics:enrich",
        "aggregate": False,
        "async": True,
        "source": "channels.yaml:25:16",
    }


def test_which_explains_the_lookup() -> None:
    result = run("which", "/chat/room-1", "--operation", "publish")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "publish /chat/room-1",
        "  1. /chat/room-1                             exact     no route",
        "  2. /chat/*                                  wildcard  match",
        "  3. /*                                       wildcard  no route",
        "  -> /chat/* runs handlers.chat:stamp_batch [aggregate], declared at channels.yaml:17:16",
    ]


def test_which_exits_one_when_nothing_matches() -> None:
    result = run("which", "/other/x", "--operation", "publish")
    assert result.returncode == 1
    assert "-> no route: UnauthorizedException (settings.unmatched: deny)" in result.stdout


def test_invoke_publishes_through_the_example_app() -> None:
    result = run(
        "invoke",
        "/chat/lobby",
        '{"text": "hi"}',
        '{"text": "buy spam"}',
        '{"x": 1}',
        "--header",
        "x-user: alice",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "events": [
            {"id": "1", "payload": {"text": "hi", "from": "alice"}},
            {"id": "3", "error": "ValueError - a chat message needs a 'text'"},
        ]
    }


def test_invoke_subscribe_refused_exits_one() -> None:
    result = run("invoke", "/chat/lobby", "--operation", "subscribe")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "invocation failed: UnauthorizedException: anonymous is not a member"
    )


def test_invoke_subscribe_with_identity_is_accepted() -> None:
    result = run(
        "invoke",
        "/chat/lobby",
        "--operation",
        "subscribe",
        "--identity",
        '{"username": "bob", "sub": "1"}',
    )
    assert (result.returncode, result.stdout) == (0, "null\n")


def test_invoke_runs_a_request_file(tmp_path: Path) -> None:
    from tests.conftest import publish_request

    (tmp_path / "req.json").write_text(json.dumps(publish_request("/analytics/page", [{"p": 1}])))
    result = run("invoke", "--request", str(tmp_path / "req.json"))
    assert json.loads(result.stdout)["events"][0]["payload"] == {
        "p": 1,
        "channel": "/analytics/page",
        "country": "US",
    }


def test_invoke_of_a_broken_config_prints_its_problems(broken: Path) -> None:
    result = run("invoke", "/ok", "1", "--config", str(broken))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{broken}:3:3: error: pattern")


def test_which_explains_a_wildcard_subscription() -> None:
    result = run("which", "/chat/*", "--operation", "subscribe")
    assert result.returncode == 0
    assert result.stdout.splitlines()[:3] == [
        "subscribe /chat/*",
        "  1. /chat/*                                  wildcard  match",
        "  2. /*                                       wildcard  not reached",
    ]
    assert run("which", "/chat/*").returncode == 2  # publishing to a wildcard is not a thing


def test_lint_warns_past_the_namespace_quota(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("def f(payload):\n    return payload\ndef s():\n    pass\n")
    channels = "".join(f"  /ns{i}/*: {{publish: mod:f}}\n" for i in range(51))
    (tmp_path / "channels.yaml").write_text(
        f"version: 1\nchannels:\n  /*: {{subscribe: mod:s}}\n{channels}"
    )
    result = run("lint", "--format", "json", cwd=tmp_path)
    codes = [p["code"] for p in json.loads(result.stdout)["problems"]]
    assert "CR104" in codes
    assert "routes name 51 namespaces" in result.stdout
