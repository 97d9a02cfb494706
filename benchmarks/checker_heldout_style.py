"""The step checker on the held-out-style corpus: counts per verdict class, both entry points, times.

Runs every case of ``tests/derivations/heldout_style_corpus.py`` (KL of Bernoullis, categoricals,
Gaussians, Poissons, exponentials and Betas; digamma/lgamma/erf; log-likelihoods over N data
points; nested and triangular sums; EM stationarity; the GAN's discriminator and JSD; Jensen,
log-sum-exp and softplus bounds; integrals with kinks, jumps and endpoint singularities; symbols
with assorted assumptions; floats typed as decimals; near misses; true/false twins) through the
decision procedure and as a one-step ``Derivation``, every multi-step chain (a wrong middle step)
as a ``Derivation``, and the bad inputs. Writes ``benchmarks/results/checker_heldout_style.json``:
per case both verdicts, whether each is sound, whether a refutation's ball certificate
re-checks, the wall times; the counts of correct, false *proved*, false *numerically
consistent* ("false supported"), false *refuted*, *undecided* and crashes per entry point.
Run: ``python -m benchmarks.checker_heldout_style``.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

from benchmarks.checker_corpus import classify, write_atomically

OUT = Path(__file__).parent / "results" / "checker_heldout_style.json"
KEYS = ("correct", "false proved", "false supported", "false refuted", "undecided", "crash")


def run() -> dict[str, object]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from derivations.checker.refutation import recheck
    from tests.derivations.heldout_style_corpus import CASES, CHAINS, RAISES

    rows: list[dict[str, object]] = []
    for case in CASES:
        row: dict[str, object] = {
            "case": case.name,
            "category": case.category,
            "true": case.true,
            "time limit (s)": case.limit,
        }
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
        rows.append(row)
        print(f"{case.name:42s} {row['decision']!s:24.24s} {row['derivation']!s:24.24s}", flush=True)
    chain_rows: list[dict[str, object]] = []
    for chain in CHAINS:
        crow: dict[str, object] = {"chain": chain.name, "true": chain.true, "wrong step": chain.wrong_step}
        start = time.perf_counter()
        try:
            result = chain.check()
            crow["verdict"] = result.verdict.value
            crow["outcome"] = classify(chain.true, result.verdict.value)
            failure = result.first_failure
            crow["first failure"] = failure.label if failure is not None else None
            if result.verdict.value == "refuted" and crow["first failure"] != chain.wrong_step:
                crow["outcome"] = "wrong step named"
        except Exception as exc:
            crow["verdict"], crow["outcome"] = f"{type(exc).__name__}: {exc}"[:200], "crash"
        crow["seconds"] = round(time.perf_counter() - start, 3)
        chain_rows.append(crow)
        print(f"chain {chain.name:36s} {crow['verdict']!s:24.24s} {crow.get('first failure')}", flush=True)
    raises = []
    for name, build in RAISES:
        try:
            build()
            raises.append({"case": name, "outcome": "bad input accepted"})
        except ValueError:
            raises.append({"case": name, "outcome": "ValueError"})
        except Exception as exc:
            raises.append({"case": name, "outcome": f"crash: {type(exc).__name__}"})
    counts = {
        entry: {k: sum(1 for r in rows if r[f"{entry} outcome"] == k) for k in KEYS}
        for entry in ("decision", "derivation")
    }
    counts["chains"] = {
        k: sum(1 for r in chain_rows if r["outcome"] == k) for k in (*KEYS, "wrong step named")
    }
    return {
        "what": "step checker on the held-out-style corpus (tests/derivations/heldout_style_corpus.py)",
        "cases": len(rows),
        "true cases": sum(1 for r in rows if r["true"]),
        "false cases": sum(1 for r in rows if not r["true"]),
        "chains": len(chain_rows),
        "counts": counts,
        "refutations whose certificate re-checks": (
            f"{sum(1 for r in rows if r.get('certificate re-checks') is True)} of "
            f"{sum(1 for r in rows if r['decision'] == 'refuted')}"
        ),
        "bad inputs": {
            "cases": len(raises),
            "ValueError": sum(1 for r in raises if r["outcome"] == "ValueError"),
        },
        "worst wall time per case (s)": max(
            max(float(str(r["decision seconds"])), float(str(r["derivation seconds"]))) for r in rows
        ),
        "total wall time (s)": round(
            sum(float(str(r["decision seconds"])) + float(str(r["derivation seconds"])) for r in rows)
            + sum(float(str(r["seconds"])) for r in chain_rows),
            2,
        ),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "note": "2 cores shared with other jobs",
        },
        "rows": rows,
        "chain rows": chain_rows,
        "bad input rows": raises,
    }


def main() -> None:
    data = run()
    write_atomically(OUT, data)
    print(
        json.dumps(
            {
                k: data[k]
                for k in (
                    "cases",
                    "chains",
                    "counts",
                    "refutations whose certificate re-checks",
                    "bad inputs",
                    "worst wall time per case (s)",
                )
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
