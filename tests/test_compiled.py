"""channel-router build: a compiled table that lets cold start skip YAML and the schema."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import channel_router
from channel_router import compiled
from tests.conftest import publish_request
from tests.test_cli import run

ROOT = Path(__file__).parent.parent


@pytest.fixture
def app(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "handlers", tmp_path / "handlers")
    shutil.copy(ROOT / "channels.yaml", tmp_path / "channels.yaml")
    return tmp_path / "channels.yaml"


def test_build_writes_a_lock_file_with_hash_and_version(app: Path) -> None:
    result = run("build", str(app))
    assert result.returncode == 0, result.stderr
    lock = app.with_name("channels.lock.json")
    assert result.stdout == f"wrote {lock} (6 routes)\n"
    document = json.loads(lock.read_text())
    assert document["channel_router"] == channel_router.__version__
    assert document["source_sha256"] == compiled.digest(app.read_bytes())
    assert {r["pattern"] for r in document["routes"]} == {
        "/chat/lobby",
        "/chat/*",
        "/analytics/*",
        "/*",
    }


def test_a_fresh_lock_file_is_used_without_yaml_or_jsonschema(app: Path) -> None:
    assert run("build", str(app)).returncode == 0
    code = (
        "import sys, json, channel_router\n"
        f"r = channel_router.load({str(app)!r})\n"
        "print(json.dumps([m for m in ('yaml', 'jsonschema') if m in sys.modules]))\n"
        "print(r.match('/chat/x', 'publish').handler.ref.text)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[]", "handlers.chat:stamp_batch"]


def test_compiled_and_validated_routers_answer_alike(app: Path) -> None:
    validated = channel_router.load(app)
    assert run("build", str(app)).returncode == 0
    fast = channel_router.load(app)
    request = publish_request("/chat/room", [{"text": "a"}, 3])
    assert fast.resolve(request) == validated.resolve(request)
    assert [(r.pattern, r.operation, r.source) for r in fast.table.routes()] == [
        (r.pattern, r.operation, r.source) for r in validated.table.routes()
    ]


def test_a_stale_lock_file_is_ignored_with_a_warning(
    app: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert run("build", str(app)).returncode == 0
    app.write_text(app.read_text().replace("unmatched: deny", "unmatched: allow"))
    with caplog.at_level(logging.WARNING, logger="channel_router"):
        router = channel_router.load(app)
    assert router.settings.unmatched == "allow"
    assert "is stale" in caplog.text


def test_a_lock_file_from_another_version_is_ignored(
    app: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert run("build", str(app)).returncode == 0
    lock = app.with_name("channels.lock.json")
    lock.write_text(lock.read_text().replace(f'"{channel_router.__version__}"', '"0.0.1"'))
    with caplog.at_level(logging.WARNING, logger="channel_router"):
        channel_router.load(app)
    assert "was built by channel-router 0.0.1" in caplog.text


def test_a_corrupt_lock_file_is_ignored(app: Path, caplog: pytest.LogCaptureFixture) -> None:
    app.with_name("channels.lock.json").write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="channel_router"):
        channel_router.load(app)
    assert "not a valid compiled routing table" in caplog.text


def test_lint_reports_a_stale_lock_file_as_an_error(app: Path) -> None:
    assert run("build", str(app)).returncode == 0
    assert run("lint", str(app)).returncode == 0
    app.write_text(app.read_text() + "\n# edited\n")
    result = run("lint", str(app))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{app.with_name('channels.lock.json')}:1:1: error: ")
    assert "[CR040]" in result.stdout


def test_build_refuses_a_broken_config_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "channels.yaml").write_text("version: 1\nchannels:\n  /a/*/b: {publish: x:y}\n")
    result = run("build", str(tmp_path / "channels.yaml"))
    assert result.returncode == 1
    assert "nothing written" in result.stderr
    assert not (tmp_path / "channels.lock.json").exists()


def test_handlers_are_still_checked_when_the_lock_file_is_fresh(app: Path) -> None:
    assert run("build", str(app)).returncode == 0
    chat = app.parent / "handlers" / "chat.py"
    chat.write_text(chat.read_text().replace("def moderate(", "def moderated("))
    with pytest.raises(channel_router.ConfigError, match="Handler 'moderate' missing"):
        channel_router.load(app)
