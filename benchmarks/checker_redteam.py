"""The step checker against the adversarial corpus: counts and wall times.

Runs every case of ``tests/derivations/redteam_corpus.py`` (free index symbols, IndexedBase entries,
certificates offered for wrong inequalities, narrow breakpoints, 1e±300 magnitudes, integrals, two
size symbols, assumption tricks, chains, strings) and a pathological step decided from a worker
thread and from ``asyncio.to_thread``. Writes ``benchmarks/results/checker_redteam.json``: per
case the verdict, whether it is sound, the wall time; the counts of false *proved*, false
*numerically consistent* ("false supported"), false *refuted*, *undecided*, errors, bad inputs
not rejected; the worst wall time of a step against its time limit.
Run: ``python -m benchmarks.checker_redteam`` (``--label before`` to file the row under another
name; rows of other labels already in the file are kept).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import threading
import time
from pathlib import Path

from benchmarks.checker_corpus import classify
from derivations.runner.report_io import atomic_write_json

OUT = Path(__file__).parent / "results" / "checker_redteam.json"


def _cases() -> list[dict[str, object]]:
    from tests.derivations.redteam_corpus import CASES, RAISES

    rows: list[dict[str, object]] = []
    for case in RAISES:
        try:
            case.build()
            outcome = "bad input accepted"
        except ValueError:
            outcome = "correct"
        except Exception as exc:  # a crash instead of ValueError is a finding
            outcome = f"error: {type(exc).__name__}"
        rows.append(
            {
                "case": case.name,
                "category": case.category,
                "true": None,
                "verdict": "raises",
                "outcome": outcome,
                "seconds": 0.0,
                "time limit (s)": 0.0,
            }
        )
    for case in CASES:
        start = time.perf_counter()
        try:
            verdict = case.decide().verdict.value
            outcome = classify(case.true, verdict)
        except Exception as exc:  # recorded, never hidden
            verdict, outcome = f"error: {type(exc).__name__}: {exc}"[:200], "error"
        seconds = time.perf_counter() - start
        rows.append(
            {
                "case": case.name,
                "category": case.category,
                "true": case.true,
                "verdict": verdict,
                "outcome": outcome,
                "seconds": round(seconds, 3),
                "time limit (s)": case.limit,
            }
        )
        print(f"{case.name:42s} {verdict[:24]:24s} {outcome:15s} {seconds:6.2f}s", flush=True)
    return rows


def _threaded_walls() -> dict[str, float | str]:
    """Wall time of a pathological step (time limit 1 s) from a thread and from asyncio."""
    from tests.derivations.test_checker_redteam import _slow_step

    walls: dict[str, float | str] = {}
    first, second = _slow_step(0), _slow_step(1)

    def in_thread() -> None:
        t0 = time.perf_counter()
        verdict = first.check().verdict.value
        walls["worker thread"] = round(time.perf_counter() - t0, 3)
        walls["worker thread verdict"] = verdict

    th = threading.Thread(target=in_thread)
    th.start()
    th.join()

    async def in_asyncio() -> None:
        t0 = time.perf_counter()
        verdict = (await asyncio.to_thread(second.check)).verdict.value
        walls["asyncio.to_thread"] = round(time.perf_counter() - t0, 3)
        walls["asyncio.to_thread verdict"] = verdict

    asyncio.run(in_asyncio())
    return walls


def run(label: str) -> dict[str, object]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    rows = _cases()
    walls = _threaded_walls()
    keys = (
        "correct",
        "false proved",
        "false supported",
        "false refuted",
        "undecided",
        "error",
        "bad input accepted",
    )
    counts = {k: sum(1 for r in rows if r["outcome"] == k) for k in keys}
    over = [
        r
        for r in rows
        if float(r["seconds"]) > float(r["time limit (s)"]) + 1.0  # type: ignore[arg-type]
        and r["verdict"] != "raises"
    ]
    return {
        "label": label,
        "cases": len(rows),
        "decided cases": sum(1 for r in rows if r["verdict"] != "raises"),
        "bad-input cases": sum(1 for r in rows if r["verdict"] == "raises"),
        "counts": counts,
        "worst wall time per case (s)": max(float(str(r["seconds"])) for r in rows),
        "cases over time_limit + 1 s": [r["case"] for r in over],
        "pathological step, time_limit 1 s, wall (s)": walls,
        "total wall time (s)": round(sum(float(str(r["seconds"])) for r in rows), 2),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "note": "2 cores shared with other jobs",
        },
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--label", default="after", help="name of this run in the results file")
    args = parser.parse_args()
    data = run(args.label)
    existing: dict[str, object] = {}
    if OUT.exists():
        try:
            existing = json.loads(OUT.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            existing = {}
    runs = existing.get("runs", {}) if isinstance(existing.get("runs"), dict) else {}
    runs[args.label] = data  # type: ignore[index]
    out = {
        "what": "step checker on the adversarial corpus (tests/derivations/redteam_corpus.py)",
        "runs": runs,
    }
    atomic_write_json(OUT, out)
    print(
        json.dumps(
            {
                k: data[k]
                for k in (
                    "cases",
                    "counts",
                    "worst wall time per case (s)",
                    "pathological step, time_limit 1 s, wall (s)",
                )
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
