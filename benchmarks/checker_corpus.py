"""The step checker on its held-out corpus: soundness counts and wall times.

Runs every case of ``tests/derivations/checker_corpus.py`` (half true statements from variational
learning, half with planted errors) through ``decide_equal`` / ``decide_nonnegative`` and writes
``benchmarks/results/checker_corpus.json``: per case the verdict, whether it is sound, the wall
time; in total the counts of false *proved*, false *numerically consistent* ("false supported"),
false *refuted*, *undecided*, and the worst wall time per case.
Run: ``python -m benchmarks.checker_corpus``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

from derivations.runner.report_io import atomic_write_json

OUT = Path(__file__).parent / "results" / "checker_corpus.json"


def classify(true: bool, verdict: str) -> str:
    """'correct', 'false proved', 'false supported', 'false refuted' or 'undecided'."""
    if verdict == "undecided":
        return "undecided"
    if true:
        return "false refuted" if verdict == "refuted" else "correct"
    if verdict == "proved":
        return "false proved"
    if verdict == "numerically consistent":
        return "false supported"
    return "correct"


def run() -> dict[str, object]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.derivations.checker_corpus import CASES

    rows: list[dict[str, object]] = []
    times: list[float] = []  # the rounded wall times in ``rows``, typed for the totals
    for case in CASES:
        start = time.perf_counter()
        try:
            verdict = case.decide().verdict.value
        except Exception as exc:  # an exception is a finding, recorded as such
            verdict = f"error: {type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - start
        outcome = classify(case.true, verdict) if not verdict.startswith("error") else "error"
        times.append(round(seconds, 3))
        rows.append(
            {
                "case": case.name,
                "true": case.true,
                "category": case.category,
                "relation": case.relation,
                "verdict": verdict,
                "outcome": outcome,
                "seconds": round(seconds, 3),
            }
        )
        print(f"{case.name:45s} {verdict:25s} {outcome:15s} {seconds:6.2f}s", flush=True)
    counts = {
        key: sum(1 for r in rows if r["outcome"] == key)
        for key in ("correct", "false proved", "false supported", "false refuted", "undecided", "error")
    }
    verdicts: dict[str, int] = {}
    for r in rows:
        verdicts[str(r["verdict"])] = verdicts.get(str(r["verdict"]), 0) + 1
    return {
        "what": "step checker on the held-out corpus (tests/derivations/checker_corpus.py)",
        "cases": len(rows),
        "true cases": sum(1 for r in rows if r["true"]),
        "planted errors": sum(1 for r in rows if not r["true"]),
        "counts": counts,
        "verdicts": verdicts,
        "worst wall time per case (s)": max(times),
        "total wall time (s)": round(sum(times), 2),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "rows": rows,
    }


def main() -> None:
    data = run()
    atomic_write_json(OUT, data)
    print(json.dumps({k: data[k] for k in ("cases", "counts", "worst wall time per case (s)")}, indent=2))


if __name__ == "__main__":
    main()
