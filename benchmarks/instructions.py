"""Instructions per invocation, counted by valgrind's callgrind: stable where timings are noisy.

Each figure is (instructions of a process making N calls - those of one making none) / N, so
start-up, imports and loading cancel out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.routes import CASES, build_lock, write_app

CHILD = """
import sys, warnings
from functools import partial
sys.path.insert(0, {root!r})
from benchmarks.__main__ import floor_resolver, powertools_app, publish_request
import channel_router
warnings.simplefilter("ignore")
mode, config, channel = sys.argv[1:4]
count, calls = int(sys.argv[4]), int(sys.argv[5])
router = channel_router.load(config)
handler = router.match("/target/exact", "publish").handler.function
event = publish_request(channel)
modes = {{
    "ours": partial(router.resolve, event, None),
    "floor": partial(floor_resolver(handler, channel), event),
    "floor_json": partial(floor_resolver(handler, channel, check_json=True), event),
    "powertools": partial(powertools_app(count, handler).resolve, event, None),
}}
for warm in modes.values():  # every process does the same set-up; only the loop differs
    warm()
call = modes[mode]
for _ in range(calls):
    call()
"""

MODES = ("floor", "floor_json", "ours", "powertools")


def available() -> bool:
    return shutil.which("valgrind") is not None


def _instructions(mode: str, config: Path, channel: str, count: int, calls: int) -> int:
    code = CHILD.format(root=str(Path(__file__).parent.parent))
    environment = {**os.environ, "PYTHONHASHSEED": "0"}  # same dict layouts in every process
    result = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-c",
            code,
            mode,
            str(config),
            channel,
            str(count),
            str(calls),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))  # type: ignore[union-attr]


def per_invocation(counts: list[int], workdir: Path, calls: int) -> list[dict[str, Any]]:
    rows = []
    for count in counts:
        config = write_app(workdir / f"instructions{count}", count)
        build_lock(config)
        for case in ("exact", "wildcard"):
            channel = CASES[case]
            row: dict[str, Any] = {"routes": count, "case": case}
            base = _instructions("ours", config, channel, count, 0)
            for mode in MODES:
                # Powertools scans every route per call: fewer calls keep the run short.
                n = max(5, calls // 20) if mode == "powertools" and count >= 1000 else calls
                row[mode] = (_instructions(mode, config, channel, count, n) - base) / n
            rows.append(row)
            print(f"  instructions: {count:>6} routes {case:<10} done", file=sys.stderr)
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    print("\nInstructions per 5-event publish (callgrind; thousands)")
    header = (
        "routes",
        "case",
        "floor",
        "floor+json",
        "ours",
        "powertools",
        "ours/floor",
        "ours/floor+json",
        "pt/ours",
    )
    print("{:>7} {:<10} {:>8} {:>11} {:>8} {:>11} {:>11} {:>16} {:>8}".format(*header))
    for r in rows:
        cells = (r["floor"] / 1e3, r["floor_json"] / 1e3, r["ours"] / 1e3, r["powertools"] / 1e3)
        print(
            f"{r['routes']:>7} {r['case']:<10} {cells[0]:>8.1f} {cells[1]:>11.1f} {cells[2]:>8.1f} "
            f"{cells[3]:>11.1f} {r['ours'] / r['floor']:>10.2f}x "
            f"{r['ours'] / r['floor_json']:>15.2f}x {r['powertools'] / r['ours']:>7.0f}x"
        )
