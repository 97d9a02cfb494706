"""Accuracy sweep: this project vs scipy vs torch.distributions (float64 and float32), relative
error in ulp of the working precision against mpmath at 60 digits on the exact inputs, for
δ = 1 … 1e-12; this project alone on distributions far apart (scale ratios
1e-12 … 1e12); and every function in every regime of ``numerics.accuracy.REGIMES``
(logits to ±1e4 and −inf, a ≪ b to 1e-300, normalised totals to 1e±300, scales to the float
range, near one-hot), against references carried at enough digits for each input's dynamic
range, and kl_mvn by condition number (1e2 … 1e8, error in ulp × cond).
And the worst case: every (function, regime) of ``numerics.accuracy_sweep.SWEEPS``
with 10⁴ samples, the error in ulp = float64's spacing at the exact value.
Run: ``python -m benchmarks.divergence_accuracy`` (``--quick``: fewer samples; ``--regimes-only``
or ``--worst-case-only``: recompute only that section in the existing JSON)."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any, cast

import mpmath as mp
import numpy as np
from scipy import stats

from derivations.runner.report_io import atomic_write_json
from numerics import accuracy as A
from numerics import accuracy_sweep as S
from numerics import divergences as D
from numerics.accuracy_search import SPACES, search

OUT = Path(__file__).parent / "results" / "divergence_accuracy.json"

Table = dict[str, dict[str, dict[str, float]]]  # case → method or regime → δ or dtype → worst ulp


def _torch():
    try:
        import torch
        from torch.distributions import Bernoulli, Categorical, MultivariateNormal, Normal, kl_divergence
    except ImportError:
        return None
    return torch, Bernoulli, Categorical, MultivariateNormal, Normal, kl_divergence


def _ulp(got: float, ref: mp.mpf, dtype: type) -> float:
    e = A.ulp_error(got, ref, dtype)
    return float(min(e, 1e30)) if np.isfinite(got) else float("inf")


def sweep_1d(samples: int = 20, deltas: tuple[float, ...] = A.DELTAS) -> Table:
    t = _torch()
    rows: Table = {}
    for dtype in (np.float64, np.float32):
        tdt = None if t is None else (t[0].float64 if dtype == np.float64 else t[0].float32)
        for name in ("normal", "categorical", "bernoulli"):
            per: dict[str, dict[str, float]] = {"this project": {}, "scipy": {}, "torch.distributions": {}}
            rng = np.random.default_rng(0)
            for delta in deltas:
                worst = {k: 0.0 for k in per}
                for _ in range(samples):
                    if name == "normal":
                        m1, s1 = rng.normal(), np.exp(rng.normal())
                        m2, s2 = m1 + delta * rng.normal(), s1 * np.exp(delta * rng.normal())
                        a = [dtype(v) for v in (m1, s1, m2, s2)]
                        ref = A.ref_kl_normal(*(float(v) for v in a))
                        ours = float(D.kl_normal(*a))
                        r = (float(a[1]) / float(a[3])) ** 2  # scipy has no Normal KL: textbook in NumPy
                        sc = dtype(0.5) * (dtype(r) - 1 - np.log(dtype(r))) + (a[0] - a[2]) ** 2 / (
                            2 * a[3] ** 2
                        )
                        tv = None
                        if t:
                            T = lambda v, tdt=tdt: t[0].tensor(float(v), dtype=tdt)
                            tv = float(t[5](t[4](T(a[0]), T(a[1])), t[4](T(a[2]), T(a[3]))))
                    elif name == "categorical":
                        size = int(rng.integers(2, 16))
                        p = rng.dirichlet(np.ones(size))
                        q = p * np.exp(delta * rng.uniform(-1, 1, size))
                        pc, qc = p.astype(dtype), (q / q.sum()).astype(dtype)
                        ref = A.ref_kl_categorical(pc, qc)
                        ours = float(D.kl_categorical(pc, qc, normalize=True))
                        sc = float(stats.entropy(pc, qc))
                        tv = None
                        if t:
                            tp, tq = t[0].tensor(pc, dtype=tdt), t[0].tensor(qc, dtype=tdt)
                            tv = float(t[5](t[2](probs=tp), t[2](probs=tq)))
                    else:
                        pb = float(rng.uniform(0.01, 0.99))
                        qb = min(float(pb * np.exp(delta * rng.uniform(-1, 1))), 0.999)
                        pc, qc = dtype(pb), dtype(qb)
                        ref = A.ref_kl_bernoulli(float(pc), float(qc))
                        ours = float(D.kl_bernoulli(pc, qc))
                        sc = float(stats.entropy(np.array([pc, 1 - pc]), np.array([qc, 1 - qc])))
                        tv = None
                        if t:
                            tv = float(
                                t[5](
                                    t[1](probs=t[0].tensor(float(pc), dtype=tdt)),
                                    t[1](probs=t[0].tensor(float(qc), dtype=tdt)),
                                )
                            )
                    worst["this project"] = max(worst["this project"], _ulp(ours, ref, dtype))
                    worst["scipy"] = max(worst["scipy"], _ulp(float(sc), ref, dtype))
                    if tv is not None:
                        worst["torch.distributions"] = max(worst["torch.distributions"], _ulp(tv, ref, dtype))
                for k in per:
                    per[k][f"{delta:.0e}"] = worst[k]
            if not t:
                per.pop("torch.distributions")
            rows[f"{name} {np.dtype(dtype).name}"] = per
    return rows


def sweep_mvn(dims: tuple[int, ...], deltas: tuple[float, ...], samples: int = 1) -> Table:
    """Error in ulp × cond(Σ₁), this project vs torch.distributions.MultivariateNormal (float64)."""
    t = _torch()
    out: Table = {}
    rng = np.random.default_rng(0)
    for d in dims:
        per: dict[str, dict[str, float]] = {"this project": {}, "torch.distributions": {}}
        for delta in deltas:
            w = {"this project": 0.0, "torch.distributions": 0.0}
            for _ in range(samples):
                m1, c1, m2, c2, cond = A.mvn_case(rng, d, delta)
                ref = A.ref_kl_mvn(m1, c1, m2, c2)
                w["this project"] = max(
                    w["this project"], _ulp(float(D.kl_mvn(m1, c1, m2, c2)), ref, np.float64) / cond
                )
                if t:
                    tt = lambda x: t[0].tensor(x, dtype=t[0].float64)
                    tv = float(t[5](t[3](tt(m1), tt(c1)), t[3](tt(m2), tt(c2))))
                    w["torch.distributions"] = max(w["torch.distributions"], _ulp(tv, ref, np.float64) / cond)
            for k in per:
                per[k][f"{delta:.0e}"] = w[k]
        out[f"d={d}"] = per
    return out


def _strict(obj: object) -> object:
    """Strict JSON: a non-finite error (a wrong inf, or a NaN) is written as the string "inf"/"nan"."""
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_strict(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return str(obj)
    return obj


def _regimes_only(quick: bool) -> int:
    """Recompute only the issue-15 regime sweep in the existing JSON (the other sections are
    left as they were measured)."""
    start = time.perf_counter()
    result = json.loads(OUT.read_text())
    result["regimes"] = A.sweep_regimes(samples=5 if quick else 20, seed=0)
    result["regimes_samples"] = 5 if quick else 20
    result["regimes_seconds"] = round(time.perf_counter() - start, 1)
    _write(result)
    for fn, per in result["regimes"].items():
        for regime, by_dtype in per.items():
            print(fn, "|", regime, "|", {k: f"{v:.3g}" for k, v in by_dtype.items()})
    return 0


def _write(result: dict[str, object]) -> None:
    atomic_write_json(OUT, _strict(result), indent=1)


def _worst_one(job: tuple[tuple[str, str], int]) -> dict[str, object]:
    key, samples = job
    start = time.perf_counter()
    w = S.sweep(key, samples)
    return {"function": key[0], "regime": key[1], "worst ulp": rounded_up(w.ulp, 3),
            "99.9th percentile ulp": round(w.p999, 3), "samples": w.samples, "worst at": w.inputs,
            "seconds": round(time.perf_counter() - start, 1)}


def _search_one(job: tuple[str, int]) -> dict[str, object]:
    fn, evaluations = job
    start = time.perf_counter()
    found = search(fn, evaluations)
    return {"function": fn, "worst ulp": rounded_up(found.ulp, 3), "worst at": found.inputs,
            "evaluations": found.evaluations, "restarts": found.restarts, "seed": found.seed,
            "seconds": round(time.perf_counter() - start, 1)}


def rounded_up(x: float, places: int) -> float:
    """x rounded up to ``places`` decimals: a published worst case is never below the measured one."""
    return math.ceil(x * 10**places) / 10**places


def worst_case(
    samples: int, processes: int = 6, done: dict[str, object] | None = None, evaluations: int = 100_000
) -> dict[str, object]:
    """Every sweep of :data:`numerics.accuracy_sweep.SWEEPS` with ``samples`` draws, and for every
    function a directed search (:func:`numerics.accuracy_search.search`) of ``evaluations``
    evaluations, in ``processes`` worker processes (each sweep's draws and each search's steps
    come from their own seed, so the split does not change the result). ``done``: a section
    written earlier; its rows with as many samples (evaluations) are kept, and every finished
    sweep or search is written at once, so that an interrupted run resumes."""
    start = time.perf_counter()
    earlier = cast(list[dict[str, Any]], (done or {}).get("rows", []))
    kept = {(r["function"], r["regime"]): r for r in earlier
            if r["samples"] == samples and (r["function"], r["regime"]) in S.SWEEPS}
    jobs = [(key, samples) for key in S.SWEEPS if key not in kept]
    jobs.sort(key=lambda job: "64" not in job[0][1] and "1e3" not in job[0][1])  # the slowest first
    spent = float(cast(float, (done or {}).get("seconds", 0.0))) if kept else 0.0
    pinned = [{"function": fn, "worst ulp": rounded_up(w.ulp, 3), "worst at": w.inputs, "samples": w.samples}
              for fn, w in ((fn, S.pinned(fn)) for fn in S.PINNED)]
    earlier_searched = cast(list[dict[str, Any]], (done or {}).get("searched", []))
    searched = {r["function"]: r for r in earlier_searched
                if r["evaluations"] == evaluations and r["function"] in SPACES}
    search_jobs = [(fn, evaluations) for fn in SPACES if fn not in searched]

    def section() -> dict[str, object]:
        return {
            "description": "worst error over the samples of each (function, regime), in ulp = the "
            "spacing of float64 at the exact value (0.5: correctly rounded; < 1: faithfully rounded), "
            "rounded up; "
            "reference mpmath on the exact float64 inputs with enough digits for each input "
            "(numerics.accuracy, numerics.accuracy_sweep)",
            "samples per sweep": samples,
            "seconds": round(spent + time.perf_counter() - start, 1),
            "rows": [kept[key] for key in S.SWEEPS if key in kept],
            "pinned": pinned,
            "searched description": "per function, the worst error found by stochastic hill "
            "climbing with restarts from inputs drawn the way users' look (numerics.accuracy_search: "
            "steps of 1 … 2²⁰ ulp or 10⁻¹⁵ … 10⁻¹ relative, kept when the error does not fall)",
            "searched": [searched[fn] for fn in SPACES if fn in searched],
        }

    import multiprocessing

    with multiprocessing.get_context("fork").Pool(max(1, processes)) as pool:
        for row in pool.imap_unordered(_worst_one, jobs):
            kept[(str(row["function"]), str(row["regime"]))] = row
            _save_section(section())
        for row in pool.imap_unordered(_search_one, search_jobs):
            searched[str(row["function"])] = row
            _save_section(section())
    return section()


def _save_section(section: dict[str, object]) -> None:
    result = json.loads(OUT.read_text()) if OUT.exists() else {}
    result["worst_case"] = section
    _write(result)


def _worst_case_only(quick: bool) -> int:
    """Recompute only the worst-case section of the existing JSON."""
    result = json.loads(OUT.read_text()) if OUT.exists() else {}
    result["worst_case"] = worst_case(500 if quick else 10_000, done=result.get("worst_case"),
                                      evaluations=2_000 if quick else 100_000)
    _write(result)
    for row in result["worst_case"]["rows"]:
        print(f"{row['worst ulp']:8.2f}  {row['function']} | {row['regime']}")
    return 0


def main() -> int:
    quick = "--quick" in sys.argv
    if "--regimes-only" in sys.argv:
        return _regimes_only(quick)
    if "--worst-case-only" in sys.argv:
        return _worst_case_only(quick)
    start = time.perf_counter()
    one_dimensional = sweep_1d(samples=5 if quick else 20)
    mvn_float64 = sweep_mvn(
        (3, 16) if quick else (3, 16, 64),
        (1.0, 1e-4, 1e-8, 1e-12) if quick else (1.0, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12),
    )
    far_apart: dict[str, dict[str, float]] = {
        f"{name} {np.dtype(dtype).name}": {
            f"{k:.0e}": v
            for k, v in A.sweep_far(name, dtype=dtype, samples=5 if quick else 20).worst_ulp.items()
        }
        for name in A.FAR_CASES
        for dtype in (np.float64, np.float32)
    }
    mvn_far_float64: dict[str, dict[str, float]] = {
        f"d={d}": {f"{k:.0e}": v for k, v in per.items()}
        for d, per in A.sweep_mvn_far((3, 8) if quick else (3, 8, 16), samples=1 if quick else 3).items()
    }
    regimes: Table = A.sweep_regimes(samples=5 if quick else 20, seed=0)
    mvn_condition_float64: dict[str, dict[str, float]] = {
        f"d={d}": {f"cond {k:.0e}": v for k, v in per.items()}
        for d, per in A.sweep_mvn_condition(
            (3, 8) if quick else (3, 8, 16), samples=1 if quick else 3
        ).items()
    }
    seconds = round(time.perf_counter() - start, 1)
    result: dict[str, object] = {
        "description": "worst relative error over random pairs at each δ (far_apart: at each scale "
        "ratio), in ulp of the working precision (MVN: ulp × cond(Σ₁)); reference mpmath at 60 digits "
        "on the exact inputs",
        "one_dimensional": one_dimensional,
        "mvn_float64": mvn_float64,
        "far_apart": far_apart,
        "mvn_far_float64": mvn_far_float64,
        "regimes_description": "worst error in ulp of the result dtype (float32: the float64 "
        "case rounded to float32, reference on the rounded inputs) over the samples of each regime; "
        "subnormal results in units of the subnormal spacing; an exact value beyond the dtype's "
        "range expects inf",
        "regimes": regimes,
        "regimes_samples": 5 if quick else 20,
        "mvn_condition_float64": mvn_condition_float64,
        "worst_case": worst_case(500 if quick else 10_000, evaluations=2_000 if quick else 100_000),
        "seconds": seconds,
    }
    _write(result)
    for name, per in {**one_dimensional, **mvn_float64}.items():
        print(name, {k: f"{max(v.values()):.3g}" for k, v in per.items()})
    for name, worst in {**far_apart, **mvn_far_float64}.items():
        print(name, "far apart:", f"{max(worst.values()):.3g}")
    for fn, by_regime in regimes.items():
        for regime, by_dtype in by_regime.items():
            print(fn, "|", regime, "|", {k: f"{v:.3g}" for k, v in by_dtype.items()})
    for name, cond_per in mvn_condition_float64.items():
        print("kl_mvn", name, {k: f"{v:.3g}" for k, v in cond_per.items()})
    print(f"wrote {OUT} in {seconds} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
