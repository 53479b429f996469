"""The generic Lambda handler string, channel_router.lambda_handler, in a fresh process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent

# What the Lambda runtime does: import the module, look the handler up (init), then invoke.
RUNTIME = """
import importlib, json, sys, time
module = importlib.import_module("channel_router")
print("imported", "lambda_handler" in vars(module), flush=True)
handler = getattr(module, "lambda_handler")
print("init done", flush=True)
event = json.loads(sys.stdin.read())
print(json.dumps(handler(event, None)))
"""


def lambda_run(
    task_root: Path, event: dict[str, object], **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("CHANNELS_CONFIG", "LAMBDA_TASK_ROOT")
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", RUNTIME],
        cwd="/",
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


def _task_root(tmp_path: Path) -> Path:
    root = tmp_path / "task"
    shutil.copytree(ROOT / "handlers", root / "handlers")
    shutil.copy(ROOT / "channels.yaml", root / "channels.yaml")
    return root


def test_lambda_handler_loads_config_from_the_task_root_at_init(tmp_path: Path) -> None:
    from tests.conftest import publish_request

    root = _task_root(tmp_path)
    result = lambda_run(
        root, publish_request("/chat/room-1", [{"text": "hi"}]), LAMBDA_TASK_ROOT=str(root)
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "imported False"  # importing loads nothing; the lookup does
    assert lines[1] == "init done"
    assert json.loads(lines[2]) == {
        "events": [{"id": "1", "payload": {"text": "hi", "room": "room-1", "seq": 1}}]
    }


def test_channels_config_names_another_file_relative_to_the_task_root(tmp_path: Path) -> None:
    from tests.conftest import subscribe_request

    root = _task_root(tmp_path)
    (root / "conf").mkdir()
    (root / "conf" / "routes.yaml").write_text(
        "version: 1\nchannels:\n  /*: {subscribe: handlers.auth:allow}\n"
    )
    shutil.copytree(root / "handlers", root / "conf" / "handlers")
    result = lambda_run(
        root,
        subscribe_request("/any/x"),
        LAMBDA_TASK_ROOT=str(root),
        CHANNELS_CONFIG="conf/routes.yaml",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "null"


def test_an_invalid_config_fails_the_init_with_lint_messages(tmp_path: Path) -> None:
    root = _task_root(tmp_path)
    (root / "channels.yaml").write_text(
        "version: 1\nchannels:\n  /a/*/b: {publish: handlers.chat:moderate}\n"
    )
    result = lambda_run(root, {}, LAMBDA_TASK_ROOT=str(root))
    assert result.returncode != 0
    assert "init done" not in result.stdout
    assert f"{root}/channels.yaml:3:3: error: pattern '/a/*/b'" in result.stderr


def test_a_missing_config_fails_the_init_saying_how_to_fix_it(tmp_path: Path) -> None:
    result = lambda_run(tmp_path, {}, LAMBDA_TASK_ROOT=str(tmp_path))
    assert result.returncode != 0
    assert "config file not found; set CHANNELS_CONFIG" in result.stderr
