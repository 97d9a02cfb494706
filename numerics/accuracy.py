"""Accuracy against mpmath: references evaluated at 60 digits on the exact
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

from numerics import _validate as v
from numerics import divergences as dv

DIGITS = 60
DELTAS = tuple(10.0**-k for k in range(0, 13))  # 1 … 1e-12
Array = NDArray[np.float64]


def _m(x: float) -> mp.mpf:
    return mp.mpf(float(x))


def _categorical_pair(p: object, q: object) -> tuple[Array, Array]:
    """Two probability vectors of one length, each normalised by the reference (any positive total)."""
    pa = v.probability_vectors(p, "p", normalize=True)
    qa = v.probability_vectors(q, "q", normalize=True)
    if pa.ndim != 1 or pa.shape != qa.shape:
        raise ValueError(f"p, q: expected two vectors of one length, got shapes {pa.shape} and {qa.shape}")
    return pa, qa


def _logits(a: object, name: str) -> Array:
    """Real logits: −inf masks a class; NaN and +inf are refused."""
    arr = v.points(a, name)
    if (arr == np.inf).any():
        raise ValueError(f"{name}: a logit of +inf is not a distribution")
    return arr


def _logit_number(x: object, name: str) -> float:
    arr = v.points(x, name)
    if arr.ndim != 0:
        raise ValueError(f"{name}: expected one logit, got shape {arr.shape}")
    return float(arr)


def _reference(x: object, name: str) -> mp.mpf:
    """An exact value: an mpmath number or a real number, not NaN (±inf allowed)."""
    if isinstance(x, mp.mpf):
        if mp.isnan(x):
            raise ValueError(f"{name}: is NaN")
        return x
    if isinstance(x, bool) or not isinstance(x, int | float | np.integer | np.floating):
        raise ValueError(f"{name}: expected an mpmath mpf or a real number, got {type(x).__name__}")
    if np.isnan(x):
        raise ValueError(f"{name}: is NaN")
    return mp.mpf(float(x))


def _computed(x: object, name: str) -> float:
    """A computed float result (NaN and ±inf allowed: they are maximally wrong or overflow)."""
    if isinstance(x, bool | np.bool_) or not isinstance(x, int | float | np.integer | np.floating):
        raise ValueError(f"{name}: expected a real number, got {type(x).__name__}")
    return float(x)


def _sweep_args(samples: object, seed: object) -> tuple[int, int]:
    return v.integer(samples, "samples", minimum=1), v.integer(seed, "seed", minimum=0)


def _float_dtype(dtype: object) -> type:
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected numpy.float32 or numpy.float64, got {dtype!r}")
    return dtype


def _range_digits(*vectors: Array) -> int:
    """Digits that hold Σ of entries spanning the vectors' dynamic range exactly enough."""
    extra = 0
    for vec in vectors:
        pos = [abs(float(x)) for x in np.ravel(vec) if x > 0]
        if pos:
            extra = max(extra, int(np.log10(max(pos)) - np.log10(min(pos))) + 1)
    return DIGITS + 20 + extra


def ref_kl_categorical(p: Array, q: Array) -> mp.mpf:
    """KL(p/Σp ‖ q/Σq) at enough digits for the vectors' dynamic range."""
    p, q = _categorical_pair(p, q)
    with mp.workdps(_range_digits(p, q)):
        pp, qq = [_m(x) for x in p], [_m(x) for x in q]
        big_p, big_q = mp.fsum(pp), mp.fsum(qq)
        return +mp.fsum(
            (a / big_p) * mp.log((a / big_p) / (b / big_q)) for a, b in zip(pp, qq, strict=True) if a > 0
        )


def ref_kl_bernoulli(p: float, q: float) -> mp.mpf:
    """p log(p/q) + (1 − p)(log1p(−p) − log1p(−q)): log1p keeps tiny p, q that 1 − p would
    round away at any fixed precision."""
    p, q = v.real_number(p, "p"), v.real_number(q, "q")
    for name, x in (("p", p), ("q", q)):
        if not 0 <= x <= 1:
            raise ValueError(f"{name}: expected a probability in [0, 1], got {x!r}")
    with mp.workdps(DIGITS):
        a, b = _m(p), _m(q)
        if (a > 0 and b == 0) or (a < 1 and b == 1):  # support mismatch
            return mp.inf
        first = a * mp.log(a / b) if a > 0 else 0
        second = (1 - a) * (mp.log1p(-a) - mp.log1p(-b)) if a < 1 else 0
        return first + second


def ref_kl_normal(m1: float, s1: float, m2: float, s2: float) -> mp.mpf:
    """Reference KL(N(m1, s1²) ‖ N(m2, s2²)) = ½(r − 1 − log r) + (m1 − m2)²/(2 s2²), r = (s1/s2)²,
    in mpmath at :data:`DIGITS` digits on the exact float inputs."""
    m1, m2 = v.real_number(m1, "m1"), v.real_number(m2, "m2")
    s1, s2 = v.positive_number(s1, "s1"), v.positive_number(s2, "s2")
    with mp.workdps(DIGITS):
        r = (_m(s1) / _m(s2)) ** 2
        return (r - 1 - mp.log(r)) / 2 + (_m(m1) - _m(m2)) ** 2 / (2 * _m(s2) ** 2)


def ref_kl_mvn(m1: Array, c1: Array, m2: Array, c2: Array) -> mp.mpf:
    """Reference KL(N(m1, c1) ‖ N(m2, c2)) = ½[tr(c2⁻¹c1) + (m2 − m1)ᵀc2⁻¹(m2 − m1) − d
    + log det c2 − log det c1], in mpmath at :data:`DIGITS` digits on the exact float inputs."""
    m1 = v.as_float_array(m1, "m1").astype(np.float64, copy=False)
    m2 = v.as_float_array(m2, "m2").astype(np.float64, copy=False)
    c1, c2 = v.covariance(c1, "c1"), v.covariance(c2, "c2")
    if not (m1.ndim == m2.ndim == 1 and c1.shape == c2.shape == (m1.size, m1.size) and m2.shape == m1.shape):
        raise ValueError(f"m1, c1, m2, c2: expected shapes (d,), (d, d), (d,), (d, d), got "
                         f"{m1.shape}, {c1.shape}, {m2.shape}, {c2.shape}")
    for name, c in (("c1", c1), ("c2", c2)):
        try:
            np.linalg.cholesky(c)
        except np.linalg.LinAlgError:
            raise ValueError(f"{name}: not positive definite") from None
    with mp.workdps(DIGITS):
        a, b = mp.matrix(c1.tolist()), mp.matrix(c2.tolist())
        binv = b**-1
        d = len(m1)
        dm = mp.matrix([_m(y) - _m(x) for x, y in zip(m1, m2, strict=True)])
        quad = (dm.T * binv * dm)[0]
        tr = sum((binv * a)[i, i] for i in range(d))
        return (tr - d - mp.log(mp.det(binv * a)) + quad) / 2


def ulp_error(computed: float, reference: mp.mpf, dtype: type = np.float64) -> float:
    """|computed − reference| in units of the result dtype's spacing at the reference: ε·|ref|
    for normal results, the subnormal spacing below the normal range (so an exact value that
    underflows to 0 is 0 ulp away when 0 is returned); a reference beyond the largest finite
    value expects +inf."""
    computed, reference = _computed(computed, "computed"), _reference(reference, "reference")
    dtype = _float_dtype(dtype)
    info = np.finfo(dtype)
    eps, tiny_step = float(info.eps), float(info.smallest_subnormal)
    with mp.workdps(DIGITS):
        ref = +reference
        if mp.isinf(ref) or abs(ref) > mp.mpf(float(info.max)) * (1 + mp.mpf(eps) / 2):
            return 0.0 if computed == float("inf") else float("inf")
        if not np.isfinite(computed):
            return float("inf")
        unit = max(abs(ref) * eps, mp.mpf(tiny_step))
        return float(abs(mp.mpf(float(computed)) - ref) / unit)


@dataclass(frozen=True)
class SweepResult:
    """Outcome of a sweep for one distribution and dtype: the worst error in ulp of that dtype
    against the mpmath reference, per δ (or per scale ratio for the far-apart sweeps)."""

    distribution: str
    dtype: str
    worst_ulp: dict[float, float]  # δ → worst error over the samples at that δ

    @property
    def worst(self) -> float:
        """The worst error in ulp over all δ of the sweep."""
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
    if not isinstance(distribution, str) or distribution not in CASES:
        raise ValueError(f"distribution: expected one of {sorted(CASES)}, got {distribution!r}")
    samples, seed = _sweep_args(samples, seed)
    dtype = _float_dtype(dtype)
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
    samples, seed = _sweep_args(samples, seed)
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
        qc = _cast(float(top) if float(qc) >= 1 else float(np.finfo(dtype).tiny), dtype)
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
    if not isinstance(distribution, str) or distribution not in FAR_CASES:
        raise ValueError(f"distribution: expected one of {sorted(FAR_CASES)}, got {distribution!r}")
    samples, seed = _sweep_args(samples, seed)
    dtype = _float_dtype(dtype)
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
    samples, seed = _sweep_args(samples, seed)
    return _mvn_worst(dims, scales, samples, seed, _mvn_far_case)


# ---------------------------------------------------------------------------- every regime ---------
# References at enough digits for the exact float inputs: the logit references carry
# 60 + max|logit|/ln 10 digits, so that e^{logit} differences of any size survive.


def _digits_for(*arrays: Array) -> int:
    """Digits for a logits reference: 80, plus twice the logits' integer digits (x − log Σe^x
    must keep 80 digits after the point, and near-equal logits cancel that many more), plus
    their spread in decades up to 800 nats: a share e^{−s} of a log-sum-exp with s > 800 moves
    the KL by < e^{−800} ≈ 1e−348 in absolute terms, below half the smallest float64 spacing."""
    finite = [float(x) for a in arrays for x in np.ravel(a) if np.isfinite(x)]
    if not finite:
        return DIGITS + 20
    spread = max(finite) / 2 - min(finite) / 2  # halves: no overflow
    top = max(1.0, max(abs(x) for x in finite))
    return DIGITS + 20 + 2 * int(np.log10(top)) + int(min(2 * spread, 800.0) / 2.302585092994046)


def ref_kl_categorical_logits(a: Array, b: Array) -> mp.mpf:
    """KL(softmax a ‖ softmax b), −inf entries masked (inf on support mismatch)."""
    a, b = _logits(a, "a"), _logits(b, "b")
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError(f"a, b: expected two non-empty vectors of one length, got shapes {a.shape} and "
                         f"{b.shape}")
    if not np.isfinite(a).any() or not np.isfinite(b).any():
        raise ValueError("a, b: every class is masked (−inf) in one of them")
    with mp.workdps(_digits_for(a, b)):
        fa = [_m(x) if np.isfinite(x) else None for x in np.ravel(a)]
        fb = [_m(x) if np.isfinite(x) else None for x in np.ravel(b)]
        if any(x is not None and y is None for x, y in zip(fa, fb, strict=True)):
            return mp.inf
        la = mp.log(mp.fsum(mp.exp(x) for x in fa if x is not None))
        lb = mp.log(mp.fsum(mp.exp(y) for y in fb if y is not None))
        return +mp.fsum(
            mp.exp(x - la) * ((x - la) - (y - lb)) for x, y in zip(fa, fb, strict=True) if x is not None
        )


def ref_kl_bernoulli_logits(a: float, b: float) -> mp.mpf:
    """Reference KL(Bernoulli(σ(a)) ‖ Bernoulli(σ(b))) from the logits, as the two-class
    categorical KL with logits (a, 0) and (b, 0); a logit of +inf is the class with probability 1."""
    a, b = _logit_number(a, "a"), _logit_number(b, "b")

    def pair(x: float) -> list[float]:
        return [0.0, -np.inf] if x == np.inf else [x, 0.0]

    return ref_kl_categorical_logits(np.array(pair(a)), np.array(pair(b)))


def ref_entropy_categorical(p: Array) -> mp.mpf:
    """Reference entropy −Σ p̂ᵢ log p̂ᵢ of the normalised p̂ = p/Σp (0 · log 0 = 0), in mpmath with
    enough digits for the dynamic range of the entries."""
    p = v.probability_vectors(p, "p", normalize=True)
    with mp.workdps(_range_digits(p)):
        pp = [_m(x) for x in np.ravel(p)]
        big_p = mp.fsum(pp)
        return +mp.fsum(-(x / big_p) * mp.log(x / big_p) for x in pp if x > 0)


def ref_cross_entropy_categorical(p: Array, q: Array) -> mp.mpf:
    """Reference cross-entropy −Σ p̂ᵢ log q̂ᵢ = H(p̂) + KL(p̂ ‖ q̂) of the normalised vectors, in
    mpmath with enough digits for their dynamic range."""
    p, q = _categorical_pair(p, q)
    with mp.workdps(_range_digits(p, q)):
        return ref_entropy_categorical(p) + ref_kl_categorical(p, q)


def ref_jsd_categorical(p: Array, q: Array) -> mp.mpf:
    """Reference Jensen–Shannon divergence ½KL(p̂ ‖ m) + ½KL(q̂ ‖ m), m = (p̂ + q̂)/2, of the
    normalised vectors (natural log), in mpmath with enough digits for their dynamic range."""
    p, q = _categorical_pair(p, q)
    with mp.workdps(_range_digits(p, q)):
        pp, qq = [_m(x) for x in np.ravel(p)], [_m(x) for x in np.ravel(q)]
        big_p, big_q = mp.fsum(pp), mp.fsum(qq)
        ph, qh = [x / big_p for x in pp], [x / big_q for x in qq]
        m = [(x + y) / 2 for x, y in zip(ph, qh, strict=True)]

        def kl(u: list[mp.mpf]) -> mp.mpf:
            return mp.fsum(x * mp.log(x / y) for x, y in zip(u, m, strict=True) if x > 0)

        return (kl(ph) + kl(qh)) / 2


def ref_kl_diag(m1: Array, s1: Array, m2: Array, s2: Array) -> mp.mpf:
    """Reference KL between diagonal Gaussians: the sum over coordinates of :func:`ref_kl_normal`
    (means m, standard deviations s), summed exactly in mpmath."""
    m1 = v.as_float_array(m1, "m1").astype(np.float64, copy=False)
    m2 = v.as_float_array(m2, "m2").astype(np.float64, copy=False)
    s1 = v.positive(s1, "s1").astype(np.float64, copy=False)
    s2 = v.positive(s2, "s2").astype(np.float64, copy=False)
    if not (m1.ndim == 1 and m1.shape == s1.shape == m2.shape == s2.shape):
        raise ValueError(f"m1, s1, m2, s2: expected four vectors of one length, got "
                         f"{m1.shape}, {s1.shape}, {m2.shape}, {s2.shape}")
    with mp.workdps(DIGITS):
        return mp.fsum(ref_kl_normal(*(float(x) for x in args)) for args in zip(m1, s1, m2, s2, strict=True))


Case = Callable[[np.random.Generator, type], tuple[float, mp.mpf]]


def _f(x: object) -> float:
    return float(np.asarray(x))


def _logits_far(scale: float) -> Case:
    def case(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
        k = int(rng.integers(2, 9))
        a: Array = (rng.normal(size=k) * scale).astype(dtype)
        b: Array = (rng.normal(size=k) * scale).astype(dtype)
        return _f(dv.kl_categorical_logits(a, b)), ref_kl_categorical_logits(a, b)

    return case


def _logits_near(scale: float, delta: float) -> Case:
    def case(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
        k = int(rng.integers(2, 9))
        a: Array = (rng.normal(size=k) * scale).astype(dtype)
        b: Array = (a + rng.normal(size=k) * delta * max(1.0, scale) + scale * rng.normal()).astype(dtype)
        return _f(dv.kl_categorical_logits(a, b)), ref_kl_categorical_logits(a, b)

    return case


def _logits_masked(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
    k = int(rng.integers(3, 9))
    a: Array = (rng.normal(size=k) * 30).astype(dtype)
    b: Array = (rng.normal(size=k) * 30).astype(dtype)
    mask = rng.uniform(size=k) < 0.4
    mask[int(rng.integers(k))] = False
    a[mask] = -np.inf
    b[mask & (rng.uniform(size=k) < 0.5)] = -np.inf  # masked in a: also in b or not
    return _f(dv.kl_categorical_logits(a, b)), ref_kl_categorical_logits(a, b)


def _bernoulli_logits(scale: float) -> Case:
    def case(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
        a, b = (dtype(rng.normal() * scale), dtype(rng.normal() * scale))
        return _f(dv.kl_bernoulli_logits(a, b)), ref_kl_bernoulli_logits(float(a), float(b))

    return case


def _bernoulli_logits_near(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
    a = dtype(rng.normal() * 30)
    b = dtype(float(a) * (1 + 10.0 ** rng.uniform(-12, -1) * rng.choice([-1, 1])))
    return _f(dv.kl_bernoulli_logits(a, b)), ref_kl_bernoulli_logits(float(a), float(b))


def _bernoulli_tiny(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
    lo = -300 if dtype == np.float64 else -37
    p = dtype(10.0 ** rng.uniform(lo, -1))
    q = dtype(10.0 ** rng.uniform(lo, -0.05))
    if rng.uniform() < 0.5:
        p, q = q, p
    return _f(dv.kl_bernoulli(p, q)), ref_kl_bernoulli(float(p), float(q))


def _categorical_tiny(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
    lo = -300 if dtype == np.float64 else -37
    k = int(rng.integers(2, 6))
    p: Array = (10.0 ** rng.uniform(lo, 0, k)).astype(dtype)
    q: Array = (10.0 ** rng.uniform(lo, 0, k)).astype(dtype)
    return _f(dv.kl_categorical(p, q, normalize=True)), ref_kl_categorical(p, q)


def _totals(which: str) -> Case:
    def case(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
        k = int(rng.integers(2, 9))
        top = 300 if dtype == np.float64 else 30
        p = rng.dirichlet(np.ones(k)) * 10.0 ** rng.uniform(-top, top)
        near = rng.uniform() < 0.5
        q = (p * np.exp(1e-6 * rng.uniform(-1, 1, k)) if near else rng.dirichlet(np.ones(k)))
        q = q / q.sum() * 10.0 ** rng.uniform(-top, top)
        p, q = p.astype(dtype), q.astype(dtype)
        if which == "kl":
            return _f(dv.kl_categorical(p, q, normalize=True)), ref_kl_categorical(p, q)
        if which == "jsd":
            return _f(dv.jsd_categorical(p, q, normalize=True)), ref_jsd_categorical(p, q)
        if which == "cross":
            return _f(dv.cross_entropy_categorical(p, q, normalize=True)), ref_cross_entropy_categorical(p, q)
        return _f(dv.entropy_categorical(p, normalize=True)), ref_entropy_categorical(p)

    return case


def _near_different_totals(which: str) -> Case:
    def case(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
        k = int(rng.integers(2, 9))
        top = 300 if dtype == np.float64 else 30
        p = rng.dirichlet(np.ones(k))
        q = p * np.exp(10.0 ** rng.uniform(-12, 0) * rng.uniform(-1, 1, k))  # totals differ too
        p = (p * 10.0 ** rng.uniform(-top, top)).astype(dtype)
        q = (q * 10.0 ** rng.uniform(-top, top)).astype(dtype)
        if which == "jsd":
            return _f(dv.jsd_categorical(p, q, normalize=True)), ref_jsd_categorical(p, q)
        return _f(dv.kl_categorical(p, q, normalize=True)), ref_kl_categorical(p, q)

    return case


def _proportional(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
    k = int(rng.integers(2, 9))
    q: Array = rng.dirichlet(np.ones(k)).astype(dtype)
    p: Array = q * dtype(2.0 ** int(rng.integers(-60, 60)))  # exactly proportional: KL = 0
    return _f(dv.kl_categorical(p, q, normalize=True)), mp.mpf(0)


def _one_hot_entropy(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
    k = int(rng.integers(2, 9))
    lo = -300 if dtype == np.float64 else -37
    p: Array = (10.0 ** rng.uniform(lo, -6, k)).astype(dtype)
    p[int(rng.integers(k))] = 1
    return _f(dv.entropy_categorical(p, normalize=True)), ref_entropy_categorical(p)


def _normal_scales(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
    top = 150 if dtype == np.float64 else 18
    s1, s2 = 10.0 ** rng.uniform(-top, top, 2)
    m1, m2 = rng.normal(size=2) * 10.0 ** rng.uniform(-top, top)
    args = [dtype(x) for x in (m1, s1, m2, s2)]
    return _f(dv.kl_normal(*args)), ref_kl_normal(*(float(a) for a in args))


def _normal_huge_means(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
    top = 307 if dtype == np.float64 else 37
    m1, m2 = 10.0**top * rng.uniform(-1.7, 1.7, 2)
    s = 10.0 ** rng.uniform(top - 10, top)
    args = [dtype(x) for x in (m1, s, m2, s * rng.uniform(0.5, 2))]
    return _f(dv.kl_normal(*args)), ref_kl_normal(*(float(a) for a in args))


def _diag(delta: float) -> Case:
    def case(rng: np.random.Generator, dtype: type) -> tuple[float, mp.mpf]:
        d = int(rng.integers(2, 17))
        m1, s1 = rng.normal(size=d), np.exp(rng.normal(size=d))
        m2, s2 = m1 + delta * rng.normal(size=d), s1 * np.exp(delta * rng.normal(size=d))
        args: list[Array] = [np.asarray(x, dtype=dtype) for x in (m1, s1, m2, s2)]
        return _f(dv.kl_normal_diag(*args)), ref_kl_diag(*args)

    return case


#: (function, regime) → case generator
REGIMES: dict[tuple[str, str], Case] = {
    **{("kl_categorical_logits", f"far, |logit| ~ {s:g}"): _logits_far(s) for s in (1.0, 1e2, 1e4)},
    **{
        ("kl_categorical_logits", f"near (δ = {d:g}), |logit| ~ {s:g}"): _logits_near(s, d)
        for s in (1.0, 1e3)
        for d in (1e-3, 1e-9)
    },
    ("kl_categorical_logits", "masked (−inf logits)"): _logits_masked,
    **{("kl_bernoulli_logits", f"|logit| ~ {s:g}"): _bernoulli_logits(s) for s in (1.0, 30.0, 1e3, 1e4)},
    ("kl_bernoulli_logits", "near-equal, |logit| ~ 30"): _bernoulli_logits_near,
    ("kl_bernoulli", "a ≪ b or a ≫ b (to 1e-300)"): _bernoulli_tiny,
    ("kl_categorical", "entries down to 1e-300 (normalised)"): _categorical_tiny,
    ("kl_categorical", "totals 1e±300"): _totals("kl"),
    ("kl_categorical", "near-equal (δ = 1e-12 … 1), totals 1e±300 apart"): _near_different_totals("kl"),
    ("kl_categorical", "exactly proportional (KL = 0)"): _proportional,
    ("jsd_categorical", "totals 1e±300"): _totals("jsd"),
    ("jsd_categorical", "near-equal (δ = 1e-12 … 1), totals 1e±300 apart"): _near_different_totals("jsd"),
    ("entropy_categorical", "totals 1e±300"): _totals("entropy"),
    ("entropy_categorical", "near one-hot (others to 1e-300)"): _one_hot_entropy,
    ("cross_entropy_categorical", "totals 1e±300"): _totals("cross"),
    ("kl_normal", "scales 1e±150"): _normal_scales,
    ("kl_normal", "means and scales near the float maximum"): _normal_huge_means,
    ("kl_normal_diag", "near (δ = 1e-6)"): _diag(1e-6),
    ("kl_normal_diag", "far (δ = 1)"): _diag(1.0),
}


def sweep_regimes(
    *, samples: int = 20, seed: int = 0, dtypes: tuple[type, ...] = (np.float64, np.float32),
    regimes: dict[tuple[str, str], Case] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Worst error in ulp of the result dtype per function, regime and dtype (float32 inputs are
    the float64 cases rounded, and the reference is taken on the rounded inputs)."""
    samples, seed = _sweep_args(samples, seed)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for (fn, regime), case in (regimes or REGIMES).items():
        for dtype in dtypes:
            rng = np.random.default_rng(seed)
            worst = 0.0
            for _ in range(samples):
                got, ref = case(rng, dtype)
                if mp.isinf(ref):
                    err = 0.0 if got == np.inf else float("inf")
                else:
                    err = ulp_error(got, ref, dtype)
                worst = max(worst, err)
            out.setdefault(fn, {}).setdefault(regime, {})[np.dtype(dtype).name] = worst
    return out


def mvn_condition_case(rng: np.random.Generator, d: int, condition: float) -> MvnCase:
    """(μ₁, Σ₁, μ₂, Σ₂, cond Σ₁) with cond Σ₁ = ``condition`` exactly in the eigenvalues and Σ₂ a
    perturbation of Σ₁ by 10 % of its smallest eigenvalue."""
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    lam = condition ** np.linspace(0, 1, d)
    c1 = (q * lam) @ q.T
    c1 = (c1 + c1.T) / 2
    e = rng.normal(size=(d, d))
    sym = (e + e.T) / 2
    c2 = c1 + 0.1 * lam.min() * sym / np.linalg.norm(sym, 2)
    m1 = rng.normal(size=d)
    return m1, c1, m1 + 0.1 * rng.normal(size=d), c2, float(np.linalg.cond(c1))


def sweep_mvn_condition(
    dims: tuple[int, ...] = (3, 8), conditions: tuple[float, ...] = (1e2, 1e4, 1e6, 1e8), *,
    samples: int = 3, seed: int = 0,
) -> dict[int, dict[float, float]]:
    """Worst error in ulp × cond(Σ₁) of kl_mvn, per dimension and condition number."""
    samples, seed = _sweep_args(samples, seed)
    return _mvn_worst(dims, conditions, samples, seed, mvn_condition_case)
