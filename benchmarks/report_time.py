"""Wall time of the whole verification report, one worker process vs several.

Runs ``python -m derivations verify`` as a fresh process (imports included, as ``make report``
runs it) with ``--jobs 1`` and ``--jobs N`` (N = the CPUs available), and records the wall times,
the load average before each run (the machine may be shared), the per-task seconds and the
slowest claims. The serial run's per-task seconds are also written to
``derivations/runner/claim_seconds.json``, which the runner uses to start the slowest claims first.

Results: ``benchmarks/results/report_time.json`` (relative to this repository).
Run from the repository root: ``python -m benchmarks.report_time [--jobs N ...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from derivations.runner.executor import available_cpus
from derivations.runner.report_io import atomic_write_text

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "results" / "report_time.json"
TIMINGS = REPO / "derivations" / "runner" / "claim_seconds.json"


#: iterations of the calibration loop (about 3.5 s on this machine's idle 2-core VM)
CALIBRATION_LOOPS = 30_000_000


def cpu_calibration() -> float:
    """Seconds of a fixed pure-Python loop, timed just before a run: the machine's speed at the
    time (a VM whose host is busy runs the same loop 1.5× slower with nothing else started here),
    so that runs on a slowed machine are recognised as such rather than compared as idle."""
    start = time.perf_counter()
    x = 0
    for i in range(CALIBRATION_LOOPS):
        x += i
    return round(time.perf_counter() - start, 2)


def run_report(jobs: int) -> dict[str, object]:
    """One report run with ``jobs`` worker processes: wall seconds, outcome, per-task seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "claims.json"
        load_before = os.getloadavg()[0]
        calibration = cpu_calibration()
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "derivations", "verify", "--jobs", str(jobs), "--no-progress", "-q",
             "--json", str(out)],
            cwd=REPO, capture_output=True, text=True, check=False,
        )
        wall = time.perf_counter() - start
        data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"claims": []}
    tasks = {f"{c['id']}:{e['method']}": e["seconds"] for c in data["claims"] for e in c["evidence"]}
    slowest = sorted(tasks.items(), key=lambda kv: -kv[1])[:8]
    not_ok = {c["id"]: c["status"] for c in data["claims"] if not c.get("ok", False)}
    return {
        "jobs": jobs,
        "wall_seconds": round(wall, 2),
        "exit_status": proc.returncode,
        "claims": len(data["claims"]),
        "summary": data.get("summary", proc.stderr[-500:]),
        "not_ok": not_ok,  # on a loaded machine, wall-clock time bounds are hit (undecided)
        "sum_of_task_seconds": round(sum(tasks.values()), 2),
        "load_average_1min_before": round(load_before, 2),
        "cpu_calibration_seconds_before": calibration,
        "slowest_tasks": [{"task": k, "seconds": round(v, 2)} for k, v in slowest],
        "task_seconds": {k: round(v, 3) for k, v in tasks.items()},
    }


def main(argv: list[str] | None = None) -> int:
    """Run the report at each ``--jobs`` value; write the results JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report_time", description=__doc__)
    parser.add_argument("--jobs", type=int, action="append",
                        help="worker processes to time (repeatable; default: 1 and the CPUs available)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per --jobs value (default 1); every run is recorded")
    args = parser.parse_args(argv)
    jobs = args.jobs or sorted({1, available_cpus()})
    if any(j < 1 for j in jobs):
        parser.error("--jobs: expected positive integers")
    if args.repeat < 1:
        parser.error("--repeat: expected a positive integer")
    runs = []
    for j in [j for j in jobs for _ in range(args.repeat)]:
        run = run_report(j)
        runs.append(run)
        print(f"jobs={j}: {run['wall_seconds']} s wall (load before {run['load_average_1min_before']}, "
              f"calibration {run['cpu_calibration_seconds_before']} s), "
              f"exit {run['exit_status']}, {run['summary']}", file=sys.stderr)
        if j == 1 and run["task_seconds"]:
            atomic_write_text(TIMINGS, json.dumps(run["task_seconds"], indent=1, sort_keys=True) + "\n")
    result = {
        "what": "wall time of `python -m derivations verify` (the whole report, imports included)",
        "machine": {"cpus_available": available_cpus(), "cpu_count": os.cpu_count(),
                    "python": platform.python_version(), "platform": platform.platform()},
        "runs": [{k: v for k, v in r.items() if k != "task_seconds"} for r in runs],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
