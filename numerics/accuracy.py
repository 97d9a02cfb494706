"""Accuracy against mpmath (issue 4, §1): references evaluated at 60 digits on the exact
floating-point inputs (normalised exactly where the function normalises), and sweeps over the
distance δ between the two distributions. Errors are reported in ulp of the working precision:
|computed − reference| / (|reference| · ε), ε = 2⁻⁵² (float64) or 2⁻²³ (float32).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath as mp
import numpy as np
from numpy.typing import NDArray

from numerics import divergences as dv

DIGITS = 60
DELTAS = tuple(10.0**-k for k in range(0, 13))  # 1 … 1e-12
Array = NDArray[np.float64]


def _m(x: float) -> mp.mpf:
    return mp.mpf(float(x))


def ref_kl_categorical(p: Array, q: Array) -> mp.mpf:
    with mp.workdps(DIGITS):
        pp, qq = [_m(x) for x in p], [_m(x) for x in q]
        big_p, big_q = mp.fsum(pp), mp.fsum(qq)
        return mp.fsum(
            (a / big_p) * mp.log((a / big_p) / (b / big_q)) for a, b in zip(pp, qq, strict=True) if a > 0
        )


def ref_kl_bernoulli(p: float, q: float) -> mp.mpf:
    with mp.workdps(DIGITS):
        a, b = _m(p), _m(q)
        return (a * mp.log(a / b) if a > 0 else 0) + ((1 - a) * mp.log((1 - a) / (1 - b)) if a < 1 else 0)


def ref_kl_normal(m1: float, s1: float, m2: float, s2: float) -> mp.mpf:
    with mp.workdps(DIGITS):
        r = (_m(s1) / _m(s2)) ** 2
        return (r - 1 - mp.log(r)) / 2 + (_m(m1) - _m(m2)) ** 2 / (2 * _m(s2) ** 2)


def ref_kl_mvn(m1: Array, c1: Array, m2: Array, c2: Array) -> mp.mpf:
    with mp.workdps(DIGITS):
        a, b = mp.matrix(c1.tolist()), mp.matrix(c2.tolist())
        binv = b**-1
        d = len(m1)
        dm = mp.matrix([_m(y) - _m(x) for x, y in zip(m1, m2, strict=True)])
        quad = (dm.T * binv * dm)[0]
        tr = sum((binv * a)[i, i] for i in range(d))
        return (tr - d - mp.log(mp.det(binv * a)) + quad) / 2


def ulp_error(computed: float, reference: mp.mpf, dtype: type = np.float64) -> float:
    eps = float(np.finfo(dtype).eps)
    if reference == 0:
        return 0.0 if computed == 0 else float("inf")
    with mp.workdps(DIGITS):
        return float(abs((mp.mpf(float(computed)) - reference) / reference)) / eps


@dataclass(frozen=True)
class SweepResult:
    distribution: str
    dtype: str
    worst_ulp: dict[float, float]  # δ → worst error over the samples at that δ

    @property
    def worst(self) -> float:
        return max(self.worst_ulp.values())


def _cast(x: Array | float, dtype: type) -> Array:
    return np.asarray(x, dtype=dtype)


def _case_normal(rng: np.random.Generator, delta: float, dtype: type) -> tuple[float, mp.mpf]:
    m1, s1 = rng.normal(), np.exp(rng.normal())
    m2, s2 = m1 + delta * rng.normal(), s1 * np.exp(delta * rng.normal())
    args = [_cast(v, dtype) for v in (m1, s1, m2, s2)]
    return float(dv.kl_normal(*args)), ref_kl_normal(*(float(a) for a in args))


def _case_diag(rng: np.random.Generator, delta: float, dtype: type, d: int = 8) -> tuple[float, mp.mpf]:
    m1, s1 = rng.normal(size=d), np.exp(rng.normal(size=d))
    m2, s2 = m1 + delta * rng.normal(size=d), s1 * np.exp(delta * rng.normal(size=d))
    args = [_cast(v, dtype) for v in (m1, s1, m2, s2)]
    with mp.workdps(DIGITS):
        ref = mp.fsum(ref_kl_normal(*(float(a[i]) for a in args)) for i in range(d))
    return float(dv.kl_normal_diag(*args)), ref


def _case_categorical(rng: np.random.Generator, delta: float, dtype: type) -> tuple[float, mp.mpf]:
    k = int(rng.integers(2, 16))
    p = rng.dirichlet(np.ones(k))
    q = p * np.exp(delta * rng.uniform(-1, 1, k))
    q = q / q.sum()
    pc, qc = _cast(p, dtype), _cast(q, dtype)
    return float(dv.kl_categorical(pc, qc, normalize=True)), ref_kl_categorical(pc, qc)


def _case_bernoulli(rng: np.random.Generator, delta: float, dtype: type) -> tuple[float, mp.mpf]:
    p = float(rng.uniform(0.01, 0.99))
    q = p * np.exp(delta * rng.uniform(-1, 1))
    pc, qc = _cast(p, dtype), _cast(min(q, 0.999), dtype)
    return float(dv.kl_bernoulli(pc, qc)), ref_kl_bernoulli(float(pc), float(qc))


CASES: dict[str, Callable[[np.random.Generator, float, type], tuple[float, mp.mpf]]] = {
    "normal": _case_normal,
    "diagonal normal (d=8)": _case_diag,
    "categorical": _case_categorical,
    "bernoulli": _case_bernoulli,
}


def sweep(
    distribution: str,
    *,
    dtype: type = np.float64,
    samples: int = 20,
    seed: int = 0,
    deltas: tuple[float, ...] = DELTAS,
) -> SweepResult:
    """Worst ulp error of this project's KL per δ, over ``samples`` random pairs at each δ."""
    case = CASES[distribution]
    rng = np.random.default_rng(seed)
    worst: dict[float, float] = {}
    for delta in deltas:
        errs = []
        for _ in range(samples):
            got, ref = case(rng, delta, dtype)
            errs.append(ulp_error(got, ref, dtype))
        worst[delta] = max(errs)
    return SweepResult(distribution, np.dtype(dtype).name, worst)


def mvn_case(
    rng: np.random.Generator, d: int, delta: float, max_condition: float = 100.0
) -> tuple[Array, Array, Array, Array, float]:
    """(μ₁, Σ₁, μ₂, Σ₂, cond Σ₁) with Σ₂ = Σ₁ + δ·(symmetric perturbation), μ₂ = μ₁ + δ·noise."""
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    lam = max_condition ** rng.uniform(0, 1, d)
    c1 = (q * lam) @ q.T
    c1 = (c1 + c1.T) / 2
    e = rng.normal(size=(d, d))
    sym = (e + e.T) / 2
    c2 = c1 + delta * lam.min() * sym / (2 * np.linalg.norm(sym, 2))  # ‖perturbation‖ ≤ λ_min/2: SPD
    m1 = rng.normal(size=d)
    m2 = m1 + delta * rng.normal(size=d)
    return m1, c1, m2, c2, float(np.linalg.cond(c1))


MvnCase = tuple[Array, Array, Array, Array, float]


def _mvn_worst(
    dims: tuple[int, ...], keys: tuple[float, ...], samples: int, seed: int,
    case: Callable[[np.random.Generator, int, float], MvnCase],
) -> dict[int, dict[float, float]]:
    """Worst ulp × cond(Σ₁) of kl_mvn against mpmath, per dimension and key (δ or scale)."""
    rng = np.random.default_rng(seed)
    out: dict[int, dict[float, float]] = {}
    for d in dims:
        out[d] = {}
        for key in keys:
            errs = []
            for _ in range(samples):
                m1, c1, m2, c2, cond = case(rng, d, key)
                errs.append(ulp_error(float(dv.kl_mvn(m1, c1, m2, c2)), ref_kl_mvn(m1, c1, m2, c2)) / cond)
            out[d][key] = max(errs)
    return out


def sweep_mvn(
    dims: tuple[int, ...] = (3, 8, 16), *, samples: int = 4, seed: int = 0, deltas: tuple[float, ...] = DELTAS
) -> dict[int, dict[float, float]]:
    """Worst error in units of ulp × cond(Σ₁), per dimension and δ."""
    return _mvn_worst(dims, deltas, samples, seed, mvn_case)



# ---------------------------------------------------------------------------- far apart
#: ratios between the two distributions' scales for the far-apart sweep (σ₂/σ₁, q/p, Σ₂/Σ₁)
FAR_SCALES = (1e-12, 1e-6, 1e-3, 1e3, 1e6, 1e12)


def _far_normal(rng: np.random.Generator, scale: float, dtype: type) -> tuple[float, mp.mpf]:
    m1, s1 = rng.normal(), np.exp(rng.normal())
    s2 = s1 * scale * np.exp(0.5 * rng.normal())
    m2 = m1 + 3 * max(s1, s2) * rng.normal()
    args = [_cast(v, dtype) for v in (m1, s1, m2, s2)]
    return float(dv.kl_normal(*args)), ref_kl_normal(*(float(a) for a in args))


def _far_categorical(rng: np.random.Generator, scale: float, dtype: type) -> tuple[float, mp.mpf]:
    k = int(rng.integers(2, 16))
    p = rng.dirichlet(np.ones(k))
    q = p * scale ** rng.uniform(-1, 1, k)
    q = q / q.sum()
    pc, qc = _cast(p, dtype), _cast(q, dtype)
    return float(dv.kl_categorical(pc, qc, normalize=True)), ref_kl_categorical(pc, qc)


def _far_bernoulli(rng: np.random.Generator, scale: float, dtype: type) -> tuple[float, mp.mpf]:
    p = float(rng.uniform(0.01, 0.99))
    logit_q = np.log(p / (1 - p)) + np.log(scale) * rng.uniform(0.5, 1)
    pc, qc = _cast(p, dtype), _cast(1 / (1 + np.exp(-logit_q)), dtype)
    if not 0 < float(qc) < 1:  # rounded to 0 or 1 in this dtype: the KL is +inf, not a test
        top = np.nextafter(dtype(1), dtype(0))
        qc = _cast(top if float(qc) >= 1 else np.finfo(dtype).tiny, dtype)
    return float(dv.kl_bernoulli(pc, qc)), ref_kl_bernoulli(float(pc), float(qc))


FAR_CASES: dict[str, Callable[[np.random.Generator, float, type], tuple[float, mp.mpf]]] = {
    "normal": _far_normal,
    "categorical": _far_categorical,
    "bernoulli": _far_bernoulli,
}


def sweep_far(
    distribution: str, *, dtype: type = np.float64, samples: int = 10, seed: int = 0,
    scales: tuple[float, ...] = FAR_SCALES,
) -> SweepResult:
    """Worst ulp error per scale ratio for distributions far apart (no cancellation to avoid,
    but ratios that overflow or round to ±1 in naive forms); keyed by the scale."""
    case = FAR_CASES[distribution]
    rng = np.random.default_rng(seed)
    worst: dict[float, float] = {}
    for scale in scales:
        worst[scale] = max(ulp_error(*case(rng, scale, dtype), dtype) for _ in range(samples))
    return SweepResult(distribution, np.dtype(dtype).name, worst)


def _mvn_far_case(rng: np.random.Generator, d: int, scale: float) -> MvnCase:
    m1, c1, m2, c2, cond = mvn_case(rng, d, 0.5)
    return m1, c1, m1 + np.sqrt(scale) * (m2 - m1), c2 * scale, cond


def sweep_mvn_far(
    dims: tuple[int, ...] = (3, 8), *, samples: int = 3, seed: int = 0, scales: tuple[float, ...] = FAR_SCALES
) -> dict[int, dict[float, float]]:
    """Worst error in ulp × cond(Σ₁) with Σ₂ = scale·(Σ₁ + perturbation), per dimension and scale."""
    return _mvn_worst(dims, scales, samples, seed, _mvn_far_case)
