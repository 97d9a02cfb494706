"""Speed: this project vs scipy.stats.entropy (categorical, 10⁶ elements) and vs
torch.distributions (Normal KL on 10⁶ elements and on a VAE-sized batch; batched MVN), in the
same run; rounds alternate between this project and the reference, and the ratio reported is
the median of the per-round ratios. Every case runs with one thread on both sides and with the
machine's default (torch's intra-op threads; this project's NUMERICS_THREADS).
Run: ``python -m benchmarks.divergence_speed``."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from scipy import stats

from numerics import divergences as D

OUT = Path(__file__).parent / "results" / "divergence_speed.json"


def paired(ours, ref, rounds: int = 31):  # type: ignore[no-untyped-def]
    """Median seconds of ``ours`` and ``ref``, and the median and quartiles of the per-round
    ratios ref/ours, alternating which runs first, so that a shared machine's slow drifts hit
    both alike; each timed call directly follows an untimed call of the same side."""
    ours()
    ref()
    t_ours, t_ref = [], []
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


def rows_at(threads: int) -> list[dict[str, object]]:
    """Every case with ``threads`` threads for both sides (torch's intra-op threads and
    ``NUMERICS_THREADS``); the inputs are the same at every setting (seeded)."""
    import torch
    from torch.distributions import MultivariateNormal, Normal, kl_divergence

    torch.set_num_threads(threads)
    os.environ["NUMERICS_THREADS"] = str(threads)
    rng = np.random.default_rng(0)
    rows: list[dict[str, object]] = []

    def row(case: str, ours, ref_name: str, ref) -> None:  # type: ignore[no-untyped-def]
        t_ours, t_ref, ratio, (q1, q3) = paired(ours, ref)
        rows.append(
            {
                "case": case,
                "this project (ms)": round(t_ours * 1e3, 3),
                "reference": ref_name,
                "reference (ms)": round(t_ref * 1e3, 3),
                "speed ratio (ref / ours)": round(ratio, 2),
                "ratio quartiles": [round(q1, 2), round(q3, 2)],
            }
        )

    p = rng.dirichlet(np.ones(10), size=100_000)
    q = rng.dirichlet(np.ones(10), size=100_000)
    row(
        "categorical KL, 10⁵ × 10 random pairs",
        lambda: D.kl_categorical(p, q),
        "scipy.stats.entropy(p, q, axis=-1)",
        lambda: stats.entropy(p, q, axis=-1),
    )
    qn = p * np.exp(1e-6 * rng.uniform(-1, 1, p.shape))
    qn /= qn.sum(-1, keepdims=True)
    row(
        "categorical KL, 10⁵ × 10 near-equal pairs (δ = 1e-6)",
        lambda: D.kl_categorical(p, qn),
        "scipy.stats.entropy(p, q, axis=-1)",
        lambda: stats.entropy(p, qn, axis=-1),
    )
    for n, label in ((10**6, "10⁶"), (128 * 32, "128 × 32 (a VAE batch)")):
        m1, m2 = rng.normal(size=n), rng.normal(size=n)
        s1, s2 = np.exp(rng.normal(size=n)), np.exp(rng.normal(size=n))
        tm = [torch.from_numpy(x) for x in (m1, s1, m2, s2)]
        row(
            f"Normal KL float64, {label}",
            lambda m1=m1, s1=s1, m2=m2, s2=s2: D.kl_normal(m1, s1, m2, s2),
            "torch.distributions kl_divergence(Normal, Normal)",
            lambda tm=tm: kl_divergence(Normal(tm[0], tm[1]), Normal(tm[2], tm[3])),
        )
    b, d = 2000, 8
    a = rng.normal(size=(b, d, d))
    c1 = a @ np.swapaxes(a, -1, -2) + d * np.eye(d)
    a2 = rng.normal(size=(b, d, d))
    c2 = a2 @ np.swapaxes(a2, -1, -2) + d * np.eye(d)
    mu1, mu2 = rng.normal(size=(b, d)), rng.normal(size=(b, d))
    t1, t2 = torch.from_numpy(c1), torch.from_numpy(c2)
    tm1, tm2 = torch.from_numpy(mu1), torch.from_numpy(mu2)
    row(
        f"MVN KL float64, batch {b}, d = {d}",
        lambda: D.kl_mvn(mu1, c1, mu2, c2),
        "torch.distributions kl_divergence(MultivariateNormal, …)",
        lambda: kl_divergence(MultivariateNormal(tm1, t1), MultivariateNormal(tm2, t2)),
    )
    return rows


def main() -> int:
    import torch

    default = torch.get_num_threads()
    settings = sorted({1, default})
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "settings": [{"threads": t, "rows": rows_at(t)} for t in settings],
    }
    torch.set_num_threads(default)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1))
    for setting in result["settings"]:
        for r in setting["rows"]:
            print(setting["threads"], r)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
