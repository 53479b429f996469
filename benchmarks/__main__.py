"""Benchmarks: channel-router against Powertools and the floor, in one run, as ratios.

python -m benchmarks            # full run (a few minutes), writes benchmarks/results.json
python -m benchmarks --quick    # a smoke run with small counts
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import instructions
from benchmarks.routes import CASES, build_lock, patterns, write_app

ROOT = Path(__file__).parent


def publish_request(channel: str, events: int = 5) -> dict[str, Any]:
    segments = channel[1:].split("/")
    return {
        "identity": None,
        "result": None,
        "request": {"headers": {"x-forwarded-for": "1.1.1.1"}, "domainName": None},
        "info": {
            "channel": {"path": channel, "segments": segments},
            "channelNamespace": {"name": segments[0]},
            "operation": "PUBLISH",
        },
        "error": None,
        "prev": None,
        "stash": {},
        "outErrors": [],
        "events": [{"id": str(i), "payload": {"data": f"data_{i}"}} for i in range(events)],
    }


def per_call(function: Callable[[], Any], budget: float) -> float:
    """Best-of-five seconds per call, each round sized to about budget/5 seconds."""
    timer = timeit.Timer(function)
    number, elapsed = 1, 0.0
    while elapsed < budget / 25:
        number *= 2
        elapsed = timer.timeit(number)
    return min(timer.repeat(repeat=5, number=number)) / number


def floor_resolver(
    handler: Callable[..., Any], channel: str, *, check_json: bool = False
) -> Callable[[dict[str, Any]], Any]:
    """The least any router can do: one dict lookup, then the handler per event.

    With ``check_json`` it also encodes the items once: the least a router can do to know
    that AppSync can take the response, which design.md asks of ours.
    """
    table = {channel: handler}
    encode = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode

    def resolve(event: dict[str, Any]) -> dict[str, Any]:
        function = table[event["info"]["channel"]["path"]]
        items = [
            {"id": e["id"], "payload": function(payload=e["payload"])} for e in event["events"]
        ]
        if check_json:
            encode(items)
        return {"events": items}

    return resolve


def powertools_app(count: int, handler: Callable[..., Any]) -> Any:
    from aws_lambda_powertools.event_handler import AppSyncEventsResolver

    app = AppSyncEventsResolver()
    for pattern in patterns(count):
        app.on_publish(pattern)(handler)
    return app


def bench_routing(counts: list[int], budget: float, workdir: Path) -> list[dict[str, Any]]:
    import warnings

    import channel_router
    from channel_router.handlers import isolated_imports

    warnings.simplefilter("ignore")  # Powertools warns on every unmatched path
    rows = []
    for count in counts:
        with isolated_imports():
            router = channel_router.load(write_app(workdir / f"routes{count}", count))
            handler = router.match("/target/exact", "publish").handler.function  # type: ignore[union-attr]
            app = powertools_app(count, handler)
            for case, channel in CASES.items():
                event = publish_request(channel)
                floor = floor_resolver(handler, channel)
                assert router.resolve(event) == floor(event) == app.resolve(event, None)
                checked = floor_resolver(handler, channel, check_json=True)
                ours = per_call(partial(router.resolve, event, None), budget)
                base = per_call(partial(floor, event), budget)
                base_json = per_call(partial(checked, event), budget)
                theirs = per_call(partial(app.resolve, event, None), budget)
                rows.append(
                    {
                        "routes": count,
                        "case": case,
                        "ours_us": ours * 1e6,
                        "floor_us": base * 1e6,
                        "floor_json_us": base_json * 1e6,
                        "powertools_us": theirs * 1e6,
                        "ours_vs_floor": ours / base,
                        "powertools_vs_ours": theirs / ours,
                    }
                )
                print(f"  {count:>6} routes {case:<10} done", file=sys.stderr)
    return rows


PEAK = (
    "(lambda: int(next(line for line in open('/proc/self/status') "
    "if line.startswith('VmHWM')).split()[1]))"
)

COLD_OURS = """
import json, sys
import channel_router
router = channel_router.load(sys.argv[1])
router.resolve(json.loads(sys.argv[2]), None)
print(PEAK())
"""

COLD_POWERTOOLS = """
import json, sys
sys.path.insert(0, sys.argv[3])
from aws_lambda_powertools.event_handler import AppSyncEventsResolver
import benchhandlers
app = AppSyncEventsResolver()
for pattern in json.loads(sys.argv[1]):
    app.on_publish(pattern)(benchhandlers.handle)
app.resolve(json.loads(sys.argv[2]), None)
print(PEAK())
"""


def _run(args: list[str]) -> tuple[float, int]:
    """Wall seconds and the child's peak RSS in KiB (VmHWM: ru_maxrss would include the fork)."""
    start = time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, int(out.stdout.split()[-1])


def bench_cold_start(runs: int, workdir: Path) -> dict[str, Any]:
    """Whole processes, interleaved: interpreter, imports, load 50 routes, first resolve."""
    validated = write_app(workdir / "cold-validated", 50)
    compiled = write_app(workdir / "cold-compiled", 50)
    build_lock(compiled)
    event = json.dumps(publish_request("/target/deep/x"))
    commands = {
        "ours_validated": [
            sys.executable,
            "-c",
            COLD_OURS.replace("PEAK", PEAK),
            str(validated),
            event,
        ],
        "ours_compiled": [
            sys.executable,
            "-c",
            COLD_OURS.replace("PEAK", PEAK),
            str(compiled),
            event,
        ],
        "powertools": [
            sys.executable,
            "-c",
            COLD_POWERTOOLS.replace("PEAK", PEAK),
            json.dumps(patterns(50)),
            event,
            str(validated.parent),
        ],
        "bare_interpreter": [sys.executable, "-c", f"print({PEAK}())"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    rss: dict[str, list[int]] = {name: [] for name in commands}
    for command in commands.values():
        _run(command)  # warm the file cache and write .pyc files
    for _ in range(runs):
        for name, command in commands.items():
            elapsed, peak = _run(command)
            times[name].append(elapsed)
            rss[name].append(peak)
    result: dict[str, Any] = {}
    for name in commands:
        ordered = sorted(times[name])
        result[name] = {
            "median_ms": statistics.median(ordered) * 1000,
            "p10_ms": ordered[len(ordered) // 10] * 1000,
            "p90_ms": ordered[(len(ordered) * 9) // 10] * 1000,
            "max_rss_kib": statistics.median(rss[name]),
        }
    pt = result["powertools"]["median_ms"]
    result["validated_vs_powertools"] = result["ours_validated"]["median_ms"] / pt
    result["compiled_vs_powertools"] = result["ours_compiled"]["median_ms"] / pt
    result["rss_vs_powertools"] = (
        result["ours_validated"]["max_rss_kib"] / result["powertools"]["max_rss_kib"]
    )
    return result


def bench_async_fanout(workdir: Path) -> dict[str, Any]:
    import channel_router
    from channel_router.handlers import isolated_imports

    with isolated_imports():
        router = channel_router.load(write_app(workdir / "async", 10, async_route=True))
        event = publish_request("/slow/x")
        router.resolve(event)  # first call creates the event loop
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            response = router.resolve(event)
            samples.append(time.perf_counter() - start)
        assert len(response["events"]) == 5  # type: ignore[index]
    return {"events": 5, "handler_sleep_ms": 100, "median_ms": statistics.median(samples) * 1000}


def print_table(results: dict[str, Any]) -> None:
    print("Routing: one 5-event publish, microseconds per invocation (best of 5)")
    header = (
        "routes",
        "case",
        "floor",
        "floor+json",
        "ours",
        "powertools",
        "ours/floor",
        "pt/ours",
    )
    print("{:>7} {:<10} {:>7} {:>10} {:>7} {:>11} {:>10} {:>8}".format(*header))
    for r in results["routing"]:
        print(
            f"{r['routes']:>7} {r['case']:<10} {r['floor_us']:>7.2f} {r['floor_json_us']:>10.2f} "
            f"{r['ours_us']:>7.2f} {r['powertools_us']:>11.1f} {r['ours_vs_floor']:>9.2f}x "
            f"{r['powertools_vs_ours']:>7.0f}x"
        )
    by = {(r["routes"], r["case"]): r["ours_us"] for r in results["routing"]}
    counts = sorted({r["routes"] for r in results["routing"]})
    if len(counts) > 1:
        ratios = ", ".join(
            f"{case} {by[(counts[-1], case)] / by[(counts[0], case)]:.2f}x" for case in CASES
        )
        print(f"\nours at {counts[-1]} routes vs {counts[0]} routes: {ratios}")
    cold = results["cold_start"]
    print("\nCold start: new process, import, load 50 routes, first resolve (milliseconds)")
    print(f"{'':<18} {'median':>8} {'p10':>8} {'p90':>8} {'peak RSS MiB':>13}")
    for name in ("bare_interpreter", "powertools", "ours_validated", "ours_compiled"):
        c = cold[name]
        print(
            f"{name:<18} {c['median_ms']:>8.1f} {c['p10_ms']:>8.1f} {c['p90_ms']:>8.1f} "
            f"{c['max_rss_kib'] / 1024:>13.1f}"
        )
    print(
        f"validated/powertools {cold['validated_vs_powertools']:.2f}x, "
        f"compiled/powertools {cold['compiled_vs_powertools']:.2f}x, "
        f"peak RSS ours/powertools {cold['rss_vs_powertools']:.2f}x"
    )
    fan = results["async_fanout"]
    print(f"\nAsync fan-out: 5 events x 100 ms handler -> {fan['median_ms']:.1f} ms per invocation")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--json", default=str(ROOT / "results.json"), help="where to write results")
    parser.add_argument(
        "--no-instructions",
        action="store_true",
        help="skip the callgrind instruction counts (--quick skips them too)",
    )
    args = parser.parse_args()
    counts = [10, 100] if args.quick else [10, 100, 1_000, 10_000]
    budget = 0.05 if args.quick else 0.5
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        results = {
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
            "routing": bench_routing(counts, budget, workdir),
            "cold_start": bench_cold_start(3 if args.quick else 21, workdir),
            "async_fanout": bench_async_fanout(workdir),
        }
        if instructions.available() and not (args.quick or args.no_instructions):
            # Compiled config: the processes valgrind runs skip YAML and jsonschema.
            results["instructions"] = instructions.per_invocation([10, 1_000], workdir, 500)
    print_table(results)
    if "instructions" in results:
        instructions.print_table(results["instructions"])
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
