"""The step checker on the practice corpus: counts per verdict class, both entry points, times.

Runs every case of ``tests/derivations/practice_corpus.py`` (Gaussian integrals, exponential
family normalisers, KL and cross-entropy sums, Jensen and AM–GM, ELBO/EM bounds, softmax, finite
sums over possibly empty ranges, jumps, floats typed as decimals, bounded domains; true/false
twins) through the decision procedure and as a one-step ``Derivation``, and the bad inputs.
Writes ``benchmarks/results/checker_practice.json``: per case both verdicts, whether each is
sound, whether a refutation's ball certificate re-checks, the wall times; the counts of correct,
false *proved*, false *numerically consistent* ("false supported"), false *refuted*,
*undecided* and crashes, per entry point.
Run: ``python -m benchmarks.checker_practice``.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.checker_corpus import classify
from derivations.runner.report_io import atomic_write_json

OUT = Path(__file__).parent / "results" / "checker_practice.json"
KEYS = ("correct", "false proved", "false supported", "false refuted", "undecided", "crash")


def case_row(case: Any) -> dict[str, object]:
    """One case through the decision procedure (its certificate re-checked) and as a one-step
    ``Derivation``: verdicts, outcomes, wall times; a crash is a finding, recorded."""
    from derivations.checker.refutation import recheck

    row: dict[str, object] = {"case": case.name, "category": case.category, "true": case.true,
                              "time limit (s)": case.limit}
    start = time.perf_counter()
    try:
        d = case.decide()
        row["decision"] = d.verdict.value
        row["decision outcome"] = classify(case.true, d.verdict.value)
        if d.certificate is not None:
            lhs, rhs, domain = case.build()
            if d.certificate.relation == "≠":
                row["certificate re-checks"] = recheck(d.certificate, lhs, rhs, domain.definitions)
            else:
                diff = lhs - rhs if case.relation == ">=" else rhs - lhs
                row["certificate re-checks"] = recheck(d.certificate, diff, None, domain.definitions)
    except Exception as exc:  # a crash is a finding, recorded
        row["decision"], row["decision outcome"] = f"{type(exc).__name__}: {exc}"[:200], "crash"
    row["decision seconds"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    try:
        verdict = case.step().value
        row["derivation"], row["derivation outcome"] = verdict, classify(case.true, verdict)
    except Exception as exc:
        row["derivation"], row["derivation outcome"] = f"{type(exc).__name__}: {exc}"[:200], "crash"
    row["derivation seconds"] = round(time.perf_counter() - start, 3)
    print(f"{case.name:42s} {row['decision']!s:24.24s} {row['derivation']!s:24.24s}", flush=True)
    return row


def bad_input_rows(raises: list[tuple[str, Callable[[], object]]]) -> list[dict[str, str]]:
    """Each bad input's outcome: ValueError (as it must), accepted, or another exception."""
    out = []
    for name, build in raises:
        try:
            build()
            out.append({"case": name, "outcome": "bad input accepted"})
        except ValueError:
            out.append({"case": name, "outcome": "ValueError"})
        except Exception as exc:
            out.append({"case": name, "outcome": f"crash: {type(exc).__name__}"})
    return out


def summary(rows: list[dict[str, object]], raises: list[dict[str, str]]) -> dict[str, object]:
    """Counts per entry point, the re-checked refutations, the bad inputs, the worst case time."""
    return {
        "cases": len(rows),
        "true cases": sum(1 for r in rows if r["true"]),
        "false cases": sum(1 for r in rows if not r["true"]),
        "counts": {
            entry: {k: sum(1 for r in rows if r[f"{entry} outcome"] == k) for k in KEYS}
            for entry in ("decision", "derivation")
        },
        "refutations whose certificate re-checks": (
            f"{sum(1 for r in rows if r.get('certificate re-checks') is True)} of "
            f"{sum(1 for r in rows if r['decision'] == 'refuted')}"
        ),
        "bad inputs": {
            "cases": len(raises), "ValueError": sum(1 for r in raises if r["outcome"] == "ValueError")
        },
        "worst wall time per case (s)": max(
            max(float(str(r["decision seconds"])), float(str(r["derivation seconds"]))) for r in rows
        ),
    }


def case_seconds(rows: list[dict[str, object]]) -> float:
    """Wall time of every case, both entry points."""
    return sum(float(str(r["decision seconds"])) + float(str(r["derivation seconds"])) for r in rows)


MACHINE = {"python": platform.python_version(), "platform": platform.platform(),
           "note": "2 cores shared with other jobs"}


def run() -> dict[str, object]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.derivations.practice_corpus import CASES, RAISES

    rows = [case_row(case) for case in CASES]
    raises = bad_input_rows(RAISES)
    return {
        "what": "step checker on the practice corpus (tests/derivations/practice_corpus.py)",
        **summary(rows, raises),
        "total wall time (s)": round(case_seconds(rows), 2),
        "machine": MACHINE,
        "rows": rows,
        "bad input rows": raises,
    }


def main() -> None:
    data = run()
    atomic_write_json(OUT, data)
    print(json.dumps({k: data[k] for k in ("cases", "counts", "refutations whose certificate re-checks",
                                           "bad inputs", "worst wall time per case (s)")}, indent=2))


if __name__ == "__main__":
    main()
