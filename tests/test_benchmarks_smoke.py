"""The benchmark still runs end to end (no timings asserted: machines here are noisy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_quick_benchmark_run_writes_every_section(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    results = json.loads(out.read_text())
    assert {row["case"] for row in results["routing"]} == {"exact", "wildcard", "catch-all"}
    assert set(results["cold_start"]) >= {"powertools", "ours_validated", "ours_compiled"}
    assert results["async_fanout"]["events"] == 5
    assert "Cold start" in result.stdout
