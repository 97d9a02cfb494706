"""Speed: this project vs scipy.stats.entropy (categorical, 10⁶ elements) and vs
torch.distributions (Normal KL on 10⁶ elements and on a VAE-sized batch; batched MVN), in the
same run; rounds alternate between this project and the reference, and the ratio reported is
the median of the per-round ratios. Every case runs with one and with two threads on both sides
(torch's intra-op threads; this project's NUMERICS_THREADS), and the whole set twice (issue 15):
"idle" (nothing started by the benchmark; the machine's load average is recorded, since a shared
machine is not idle) and "loaded", with one CPU-bound competitor process that the benchmark
starts and stops (bounded in time). Each setting is measured in several independent runs; the
JSON gives every run's median ratio, their median and their range, never the best run alone.
Run: ``python -m benchmarks.divergence_speed`` (``--quick``: fewer rounds and runs)."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from scipy import stats

from numerics import divergences as D

OUT = Path(__file__).parent / "results" / "divergence_speed.json"


Timed = Callable[[], object]


def paired(
    ours: Timed, ref: Timed, rounds: int = 31
) -> tuple[float, float, float, tuple[float, float]]:
    """Median seconds of ``ours`` and ``ref``, and the median and quartiles of the per-round
    ratios ref/ours, alternating which runs first, so that a shared machine's slow drifts hit
    both alike; each timed call directly follows an untimed call of the same side."""
    ours()
    ref()
    t_ours: list[float] = []
    t_ref: list[float] = []
    for r in range(rounds):
        for fn, acc in ((ours, t_ours), (ref, t_ref)) if r % 2 == 0 else ((ref, t_ref), (ours, t_ours)):
            fn()  # untimed: the timed call then follows its own side's call, never the other's
            # (torch's OpenMP workers spin on after a parallel region and would slow ours)
            s = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - s)
    ratios = [b / a for a, b in zip(t_ours, t_ref, strict=True)]
    q1, q3 = np.percentile(ratios, [25, 75])
    return float(np.median(t_ours)), float(np.median(t_ref)), float(np.median(ratios)), (float(q1), float(q3))


def cases(threads: int) -> list[tuple[str, Timed, str, Timed]]:
    """(case, ours, reference name, reference) with ``threads`` threads for both sides (torch's
    intra-op threads and ``NUMERICS_THREADS``); the inputs are the same at every setting."""
    import torch
    from torch.distributions import MultivariateNormal, Normal, kl_divergence

    torch.set_num_threads(threads)
    os.environ["NUMERICS_THREADS"] = str(threads)
    rng = np.random.default_rng(0)
    out: list[tuple[str, Timed, str, Timed]] = []
    p = rng.dirichlet(np.ones(10), size=100_000)
    q = rng.dirichlet(np.ones(10), size=100_000)
    out.append(("categorical KL, 10⁵ × 10 random pairs", lambda: D.kl_categorical(p, q),
                "scipy.stats.entropy(p, q, axis=-1)", lambda: stats.entropy(p, q, axis=-1)))
    qn = p * np.exp(1e-6 * rng.uniform(-1, 1, p.shape))
    qn /= qn.sum(-1, keepdims=True)
    out.append(("categorical KL, 10⁵ × 10 near-equal pairs (δ = 1e-6)", lambda: D.kl_categorical(p, qn),
                "scipy.stats.entropy(p, q, axis=-1)", lambda: stats.entropy(p, qn, axis=-1)))
    for n, label in ((10**6, "10⁶"), (128 * 32, "128 × 32 (a VAE batch)")):
        m1, m2 = rng.normal(size=n), rng.normal(size=n)
        s1, s2 = np.exp(rng.normal(size=n)), np.exp(rng.normal(size=n))
        tm = [torch.from_numpy(x) for x in (m1, s1, m2, s2)]
        out.append((
            f"Normal KL float64, {label}",
            functools.partial(D.kl_normal, m1, s1, m2, s2),
            "torch.distributions kl_divergence(Normal, Normal)",
            functools.partial(lambda t: kl_divergence(Normal(t[0], t[1]), Normal(t[2], t[3])), tm),
        ))
    b, d = 2000, 8
    a = rng.normal(size=(b, d, d))
    c1 = a @ np.swapaxes(a, -1, -2) + d * np.eye(d)
    a2 = rng.normal(size=(b, d, d))
    c2 = a2 @ np.swapaxes(a2, -1, -2) + d * np.eye(d)
    mu1, mu2 = rng.normal(size=(b, d)), rng.normal(size=(b, d))
    t1, t2 = torch.from_numpy(c1), torch.from_numpy(c2)
    tm1, tm2 = torch.from_numpy(mu1), torch.from_numpy(mu2)
    out.append((
        f"MVN KL float64, batch {b}, d = {d}",
        lambda: D.kl_mvn(mu1, c1, mu2, c2),
        "torch.distributions kl_divergence(MultivariateNormal, …)",
        lambda: kl_divergence(MultivariateNormal(tm1, t1), MultivariateNormal(tm2, t2)),
    ))
    return out


def rows_at(threads: int, *, rounds: int, runs: int) -> list[dict[str, object]]:
    """Every case at ``threads`` threads, measured in ``runs`` independent paired runs of
    ``rounds`` rounds each: per-run median ratios, their median and range."""
    rows: list[dict[str, object]] = []
    for case, ours, ref_name, ref in cases(threads):
        per_run = [paired(ours, ref, rounds=rounds) for _ in range(runs)]
        ratios = sorted(r[2] for r in per_run)
        rows.append({
            "case": case,
            "this project (ms)": round(float(np.median([r[0] for r in per_run])) * 1e3, 3),
            "reference": ref_name,
            "reference (ms)": round(float(np.median([r[1] for r in per_run])) * 1e3, 3),
            "speed ratio (ref / ours), median of runs": round(float(np.median(ratios)), 2),
            "range across runs": [round(ratios[0], 2), round(ratios[-1], 2)],
            "per-run median ratios": [round(x, 2) for x in ratios],
        })
    return rows


@contextlib.contextmanager
def competitor(limit_s: float) -> Iterator[None]:
    """One CPU-bound process (a pure-Python loop) for the duration of the block, at most
    ``limit_s`` seconds (it stops itself; the block's end terminates it sooner)."""
    code = (
        f"import time\nend = time.monotonic() + {limit_s}\nx = 0\n"
        "while time.monotonic() < end:\n    x += 1\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        time.sleep(0.5)  # let it reach full speed
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main() -> int:
    import torch

    quick = "--quick" in sys.argv
    rounds, runs = (5, 2) if quick else (11, 3)
    default = torch.get_num_threads()
    phases: list[dict[str, object]] = []
    measured: list[tuple[str, int, list[dict[str, object]]]] = []  # (load, threads, rows), printed below
    for load in ("idle", "loaded"):
        ctx = competitor(1200.0) if load == "loaded" else contextlib.nullcontext()
        with ctx:
            before = os.getloadavg()
            start = time.perf_counter()
            settings: list[dict[str, object]] = []
            for t in (1, 2):
                rows = rows_at(t, rounds=rounds, runs=runs)
                settings.append({"threads": t, "rows": rows})
                measured.append((load, t, rows))
            phases.append({
                "load": load,
                "competitor": "one CPU-bound Python process started by the benchmark"
                if load == "loaded" else None,
                "load average (1 min) before, after": [round(before[0], 2), round(os.getloadavg()[0], 2)],
                "seconds": round(time.perf_counter() - start, 1),
                "settings": settings,
            })
    torch.set_num_threads(default)
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "rounds per run": rounds,
        "runs": runs,
        "phases": phases,
    }
    _write_atomic(OUT, json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    for load, threads, rows in measured:
        for r in rows:
            ratio = r["speed ratio (ref / ours), median of runs"]
            print(load, threads, r["case"], ratio, r["range across runs"])
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
