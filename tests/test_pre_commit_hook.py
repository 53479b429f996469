"""The repository's .pre-commit-hooks.yaml works as users will wire it in (pre-commit try-repo)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_channel_router_lint_hook_passes_a_good_config_and_annotates_a_bad_one(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "channels.yaml", project / "channels.yaml")
    shutil.copytree(ROOT / "handlers", project / "handlers")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "routes")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GITHUB_ACTIONS": ""}

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PRE_COMMIT, "try-repo", str(ROOT), "channel-router-lint", "--all-files"],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )

    good = hook()
    assert good.returncode == 0, good.stdout + good.stderr
    config = project / "channels.yaml"
    config.write_text(config.read_text().replace("/chat/lobby:", "/chat/lob*by:"))
    _git(project, "commit", "-qam", "broken")
    bad = hook()
    assert bad.returncode == 1
    assert "channels.yaml:11:3: error: pattern '/chat/lob*by'" in bad.stdout
