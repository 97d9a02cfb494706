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
import sys
import time
from pathlib import Path
from typing import cast

from benchmarks.checker_corpus import classify
from benchmarks.checker_practice import KEYS, MACHINE, bad_input_rows, case_row, case_seconds, summary
from derivations.runner.report_io import atomic_write_json

OUT = Path(__file__).parent / "results" / "checker_heldout_style.json"


def run() -> dict[str, object]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.derivations.heldout_style_corpus import CASES, CHAINS, RAISES

    rows = [case_row(case) for case in CASES]
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
    raises = bad_input_rows(RAISES)
    counted = summary(rows, raises)
    chains = {k: sum(1 for r in chain_rows if r["outcome"] == k) for k in (*KEYS, "wrong step named")}
    return {
        "what": "step checker on the held-out-style corpus (tests/derivations/heldout_style_corpus.py)",
        **counted,
        "counts": {**cast(dict[str, object], counted["counts"]), "chains": chains},
        "chains": len(chain_rows),
        "total wall time (s)": round(
            case_seconds(rows) + sum(float(str(r["seconds"])) for r in chain_rows), 2
        ),
        "machine": MACHINE,
        "rows": rows,
        "chain rows": chain_rows,
        "bad input rows": raises,
    }


def main() -> None:
    data = run()
    atomic_write_json(OUT, data)
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
