"""Divergences that do not lose digits: KL, cross-entropy, entropy and Jensen–Shannon for
categorical, Bernoulli (probabilities or logits), univariate, diagonal and full-covariance Normal.

Conventions (DESIGN.md):
* Batch dimensions broadcast; a categorical / diagonal / MVN event is the last axis (axes).
* float32 inputs give float32 results; the arithmetic is float64 throughout and rounded once.
* KL is computed as a sum of non-negative terms, each free of cancellation
  (:mod:`numerics._kernels`), so KL ≥ 0 always and KL(p ‖ p) = 0 exactly.
* Zero probabilities follow 0·log 0 = 0; p > 0 where q = 0 gives ``inf`` (support mismatch).
* A probability vector must sum to 1 within :data:`numerics._validate.SUM_TOLERANCE` unless
  ``normalize=True``; either way the result is the divergence of the normalised distributions
  p/Σp and q/Σq, computed without forming them (normalising in floating point would cost the
  digits this module exists to keep).
* Bad input raises ``ValueError`` naming the argument.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics import _parallel as P
from numerics import _triangular as T
from numerics import _validate as v
from numerics._kernels import expm1mx_series, kl_term, scratch, scratch_bool, xmlog1p

Array = NDArray[np.floating]


def _out(x: NDArray[np.float64], dtype: np.dtype) -> Array:
    return np.asarray(x, dtype=dtype)[()] if np.ndim(x) == 0 else np.asarray(x, dtype=dtype)


# --------------------------------------------------------------------------- categorical


def kl_categorical(p: ArrayLike, q: ArrayLike, *, normalize: bool = False) -> Array:
    """KL(p ‖ q) = Σ p log(p/q) over the last axis.

    = (1/P) Σ_i [p_i log(p_i/q_i) − p_i + q_i] − φ₁(Q/P) with P = Σp, Q = Σq and
    φ₁(s) = s − 1 − log s: the KL of the normalised vectors (both terms are 0 when P = Q = 1)."""
    pa, dp = v.probability_vectors(p, "p", normalize=normalize)
    qa, dq = v.probability_vectors(q, "q", normalize=normalize)
    pa, qa = v.broadcast("p", pa, "q", qa, core=1)
    # one thread (no row blocks): the row sums go through BLAS, whose own threads would compete
    d = np.subtract(pa, qa, out=scratch("categorical_d", pa.shape))
    terms = kl_term(pa, qa, d, out=scratch("categorical_terms", pa.shape))
    big_p = v.row_sum(pa)
    q_minus_p = -v.row_sum(d)
    with np.errstate(invalid="ignore"):
        value = v.row_sum(terms) / big_p - xmlog1p(q_minus_p / big_p)
    value = np.where(np.isinf(value), np.inf, np.maximum(value, 0.0))
    return _out(value, np.result_type(dp, dq) if dp == dq else np.float64)


def kl_categorical_logits(a: ArrayLike, b: ArrayLike) -> Array:
    """KL(softmax(a) ‖ softmax(b)) over the last axis, from logits.

    log p_i − log q_i = e_i − log Σ_j q_j e^{e_j} with e = a − b, written as
    (e_i − ē) − log1p(Σ_j q_j expm1(e_j − ē)) about the q-mean ē; p − q = q·expm1(log p − log q)."""
    aa, ba = v.as_float_array(a, "a"), v.as_float_array(b, "b")
    dtype = v.result_dtype(aa, ba)
    aa, ba = v.broadcast("a", aa.astype(np.float64), "b", ba.astype(np.float64), core=1)
    log_q = ba - np.logaddexp.reduce(ba, axis=-1, keepdims=True)
    q = np.exp(log_q)
    e = aa - ba
    e_bar = (q * e).sum(axis=-1, keepdims=True)
    c = e - e_bar
    delta = c - np.log1p((q * np.expm1(c)).sum(axis=-1, keepdims=True))
    p = q * np.exp(delta)
    terms = kl_term(p, q, q * np.expm1(delta))
    return _out(np.maximum(terms.sum(axis=-1), 0.0), dtype)


def entropy_categorical(p: ArrayLike, *, normalize: bool = False) -> Array:
    """H(p) = −Σ p log p (0 log 0 = 0), of the normalised p."""
    pa, dp = v.probability_vectors(p, "p", normalize=normalize)
    big_p = pa.sum(axis=-1, keepdims=True)
    pn = pa / big_p
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(pn > 0, pn * np.log(pn), 0.0).sum(axis=-1)
    return _out(np.maximum(h, 0.0), dp)


def cross_entropy_categorical(p: ArrayLike, q: ArrayLike, *, normalize: bool = False) -> Array:
    """H(p, q) = −Σ p log q = H(p) + KL(p ‖ q) (inf on support mismatch)."""
    return _out(
        np.asarray(entropy_categorical(p, normalize=normalize), np.float64)
        + np.asarray(kl_categorical(p, q, normalize=normalize), np.float64),
        np.float32 if np.asarray(p).dtype == np.float32 else np.float64,
    )


def jsd_categorical(p: ArrayLike, q: ArrayLike, *, normalize: bool = False) -> Array:
    """JSD(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2, in nats; ∈ [0, log 2].

    p − m = (p − q)/2 is exact, so each KL is a sum of cancellation-free terms."""
    pa, dp = v.probability_vectors(p, "p", normalize=normalize)
    qa, dq = v.probability_vectors(q, "q", normalize=normalize)
    pa, qa = v.broadcast("p", pa, "q", qa, core=1)
    if normalize or not (np.all(pa.sum(-1) == 1) and np.all(qa.sum(-1) == 1)):
        pa = pa / pa.sum(axis=-1, keepdims=True)
        qa = qa / qa.sum(axis=-1, keepdims=True)
    m = (pa + qa) / 2
    half = (pa - qa) / 2
    value = (kl_term(pa, m, half).sum(-1) + kl_term(qa, m, -half).sum(-1)) / 2
    return _out(np.clip(value, 0.0, np.log(2.0)), np.float32 if dp == dq == np.float32 else np.float64)


# --------------------------------------------------------------------------- Bernoulli


def _bernoulli_probs(p: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = v.as_float_array(p, name)
    if ((arr < 0) | (arr > 1)).any():
        raise ValueError(f"{name}: Bernoulli probabilities must lie in [0, 1]")
    return arr


def kl_bernoulli(p: ArrayLike, q: ArrayLike) -> Array:
    """KL(Bern(p) ‖ Bern(q)) = p log(p/q) + (1−p) log((1−p)/(1−q)), as two non-negative terms."""
    pa, qa = _bernoulli_probs(p, "p"), _bernoulli_probs(q, "q")
    dtype = v.result_dtype(pa, qa)
    pa, qa = v.broadcast("p", pa.astype(np.float64), "q", qa.astype(np.float64))
    value = np.empty(pa.shape)
    _blockwise(_kl_bernoulli_into, [pa, qa], value)
    return _out(value, dtype)


def _kl_bernoulli_into(
    pa: NDArray[np.float64], qa: NDArray[np.float64], *, out: NDArray[np.float64]
) -> None:
    shape = pa.shape
    d = np.subtract(pa, qa, out=scratch("bernoulli_d", shape))
    kl_term(pa, qa, d, out=out)
    p0 = np.subtract(1.0, pa, out=scratch("bernoulli_p0", shape))
    q0 = np.subtract(1.0, qa, out=scratch("bernoulli_q0", shape))
    out += kl_term(p0, q0, np.negative(d, out=d), out=scratch("bernoulli_term", shape))


def _expit(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.exp(-np.logaddexp(0.0, -x))


def kl_bernoulli_logits(a: ArrayLike, b: ArrayLike) -> Array:
    """KL(Bern(σ(a)) ‖ Bern(σ(b))) from logits; σ(a) − σ(b) = σ(a)σ(−b)(1 − e^{−(a−b)}) exactly."""
    aa, ba = v.as_float_array(a, "a"), v.as_float_array(b, "b")
    dtype = v.result_dtype(aa, ba)
    aa, ba = v.broadcast("a", aa.astype(np.float64), "b", ba.astype(np.float64))
    p, q, p0, q0 = _expit(aa), _expit(ba), _expit(-aa), _expit(-ba)
    d = -p * q0 * np.expm1(ba - aa)
    return _out(kl_term(p, q, d) + kl_term(p0, q0, -d), dtype)


def entropy_bernoulli(p: ArrayLike) -> Array:
    pa = _bernoulli_probs(p, "p")
    x = pa.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(x > 0, x * np.log(x), 0.0) - np.where(x < 1, (1 - x) * np.log1p(-x), 0.0)
    return _out(h, pa.dtype if pa.dtype == np.float32 else np.float64)


def jsd_bernoulli(p: ArrayLike, q: ArrayLike) -> Array:
    pa, qa = _bernoulli_probs(p, "p"), _bernoulli_probs(q, "q")
    return jsd_categorical(np.stack([pa, 1 - pa], -1), np.stack([qa, 1 - qa], -1))


# --------------------------------------------------------------------------- Normal


def kl_normal(mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike) -> Array:
    """KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)) = ½(r − 1 − log r) + (μ₁ − μ₂)²/(2σ₂²), r = σ₁²/σ₂².

    r − 1 − log r = e^u − 1 − u with u = 2 log(σ₁/σ₂) = ±2 log1p(|σ₁ − σ₂|/min(σ₁, σ₂)) (sign of
    σ₁ − σ₂): σ₁ − σ₂ is exact when close, and log1p of a non-negative argument keeps its
    relative accuracy at every ratio (log1p((σ₁ − σ₂)/σ₂) would not for σ₁ ≪ σ₂)."""
    # NaN/inf are looked for in the result (one pass instead of four): any in the inputs makes
    # it non-finite, and then the inputs are checked to name the culprit
    m1 = v.as_float_array(mu1, "mu1", check_finite=False)
    m2 = v.as_float_array(mu2, "mu2", check_finite=False)
    s1 = v.positive(sigma1, "sigma1", check_finite=False)
    s2 = v.positive(sigma2, "sigma2", check_finite=False)
    dtype = v.result_dtype(m1, s1, m2, s2)
    args = [np.asarray(x, dtype=np.float64) for x in (m1, s1, m2, s2)]
    shape = args[0].shape
    if any(a.shape != shape for a in args):
        shape = np.broadcast_shapes(*(a.shape for a in args))
    value = np.empty(shape)
    with np.errstate(all="ignore"):
        _blockwise(_kl_normal_into, args, value)
    if value.size and not np.isfinite(np.add.reduce(value, axis=None)):
        for x, name in zip((m1, s1, m2, s2), ("mu1", "sigma1", "mu2", "sigma2"), strict=True):
            v.as_float_array(x, name)  # raises on NaN/inf; if none, the KL overflowed: inf is right
    return _out(value, dtype)


_CHUNK = 1 << 16  # elements per kernel call: its temporaries stay in cache (~15 % faster at 10⁶)


def _blockwise(kernel, args: list[NDArray[np.float64]], out: NDArray[np.float64]) -> None:  # type: ignore[no-untyped-def]
    """kernel(*args, out=out) elementwise (args broadcast to out's shape), over chunks of rows of
    about :data:`_CHUNK` elements, the chunks split between threads for large inputs
    (:mod:`numerics._parallel`). Every element is computed by the same code whatever the split."""
    if out.ndim == 0 or out.size <= _CHUNK:
        kernel(*args, out=out)
        return
    full = [a if a.shape == out.shape else np.broadcast_to(a, out.shape) for a in args]
    rows = out.shape[0]
    step = max(1, _CHUNK // max(1, out.size // rows))

    def run(block: slice) -> None:
        start, stop, _ = block.indices(rows)
        for i in range(start, stop, step):
            c = slice(i, min(stop, i + step))
            kernel(*(a[c] for a in full), out=out[c])

    P.run_blocks(run, P.row_blocks(rows, out.size))


_SMALL = 1 << 14  # below this many elements a NumPy call costs more than its arithmetic


def _kl_normal_into(
    m1: NDArray[np.float64],
    s1: NDArray[np.float64],
    m2: NDArray[np.float64],
    s2: NDArray[np.float64],
    *,
    out: NDArray[np.float64],
) -> None:
    """2·KL = f + z², f = e^u − 1 − u, u = 2 log(σ₁/σ₂) = ±2 log1p(a), a = |σ₁ − σ₂|/min(σ₁, σ₂):
    * |u| ≤ ½: the series of f (the textbook form cancels);
    * otherwise expm1(u) − u, except
    * u > 2 (σ₁/σ₂ > e): f = a(a + 2) − u, as e^u − 1 = (1 + a)² − 1; expm1(u) would carry u's
      absolute error |u|·ε into every digit of e^u."""
    shape = out.shape
    diff = np.subtract(s1, s2, out=scratch("normal_diff", shape))
    a = np.abs(diff, out=scratch("normal_a", shape))
    a /= np.minimum(s1, s2, out=scratch("normal_min", shape))
    u = np.log1p(a, out=scratch("normal_u", shape))  # log1p(a ≥ 0): accurate for every ratio
    u *= 2  # |u|
    near = np.less_equal(u, 0.5, out=scratch_bool("normal_near", shape)).reshape(-1).nonzero()[0]
    top = float(u.max()) if near.size == u.size else 0.5  # all near: as few terms as needed
    np.copysign(u, diff, out=u)  # u = 2 log(σ₁/σ₂)
    far_mask = np.greater(u, 2.0, out=scratch_bool("normal_far", shape))
    np.expm1(u, out=out)
    out -= u
    if near.size:
        un = np.take(u, near, mode="clip")
        np.put(out, near, expm1mx_series(un, top), mode="clip")
    if out.size <= _SMALL:  # few elements: whole-array ops beat gathering
        far_vals = np.add(a, 2.0, out=scratch("normal_far_vals", shape))
        far_vals *= a
        far_vals -= u
        np.copyto(out, far_vals, where=far_mask)
    else:
        far = far_mask.reshape(-1).nonzero()[0]
        if far.size:
            af = np.take(a, far, mode="clip")
            vals = af + 2
            vals *= af
            vals -= np.take(u, far, mode="clip")
            np.put(out, far, vals, mode="clip")
    z = np.subtract(m1, m2, out=diff)
    z /= s2
    z *= z
    out += z
    out *= 0.5


def kl_normal_diag(mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike) -> Array:
    """KL between diagonal Normals (event = last axis): the sum of per-coordinate KLs."""
    value = np.asarray(kl_normal(mu1, sigma1, mu2, sigma2))
    if value.ndim == 0:
        raise ValueError("mu1: diagonal Normals need an event axis (…, d)")
    return _out(value.astype(np.float64).sum(axis=-1), value.dtype)


def entropy_normal(sigma: ArrayLike) -> Array:
    """H(N(μ, σ²)) = ½ log(2πe σ²)."""
    s = v.positive(sigma, "sigma")
    return _out(0.5 * np.log(2 * np.pi * np.e) + np.log(s.astype(np.float64)), s.dtype)


def _cholesky(cov: NDArray[np.float64], name: str) -> NDArray[np.float64]:
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"{name}: not positive definite (Cholesky failed)") from exc


def kl_mvn(mu1: ArrayLike, cov1: ArrayLike, mu2: ArrayLike, cov2: ArrayLike) -> Array:
    """KL(N(μ₁, Σ₁) ‖ N(μ₂, Σ₂)) = ½[tr(Σ₂⁻¹Σ₁) − d − log det(Σ₂⁻¹Σ₁) + ‖L₂⁻¹(μ₂ − μ₁)‖²].

    Σᵢ = LᵢLᵢᵀ (Cholesky) and B = L₂⁻¹(Σ₁ − Σ₂)L₂⁻ᵀ by forward substitution (no inverse formed;
    Σ₁ − Σ₂ is exact when the two are close), so Σ₂⁻¹Σ₁ is similar to I + B = RRᵀ with
    R = L₂⁻¹L₁. R is computed as its offset from I (:func:`numerics._triangular.shifted_cholesky`),
    and the trace/log-det part is Σ_j (x_j − log(1 + x_j)) + Σ_{i>j} R_ij², non-negative terms,
    exactly 0 for Σ₁ = Σ₂. 1 + x_j = R_jj² = (L₁,jj/L₂,jj)²: where |x_j| > ½ its logarithm is
    taken from the two Cholesky diagonals, which keeps it accurate when Σ₁ and Σ₂ differ by
    orders of magnitude."""
    m1, m2 = v.as_float_array(mu1, "mu1"), v.as_float_array(mu2, "mu2")
    c1f, c2f = v.as_float_array(cov1, "cov1"), v.as_float_array(cov2, "cov2")
    dtype = v.result_dtype(m1, m2, c1f, c2f)
    c1, c2 = v.covariance(c1f, "cov1"), v.covariance(c2f, "cov2")
    if m1.ndim == 0 or m2.ndim == 0:
        raise ValueError("mu1: expected mean vectors (…, d)")
    d = c1.shape[-1]
    if c2.shape[-1] != d or m1.shape[-1] != d or m2.shape[-1] != d:
        raise ValueError(
            f"mu1, cov1, mu2, cov2: dimension mismatch ({m1.shape}, {c1.shape}, {m2.shape}, {c2.shape})"
        )
    l1 = _cholesky(c1, "cov1")
    l2 = _cholesky(c2, "cov2")
    batch = np.broadcast_shapes(m1.shape[:-1], m2.shape[:-1], c1.shape[:-2], c2.shape[:-2])
    rhs = np.empty((*batch, d, d + 1))  # [Σ₁ − Σ₂ | μ₂ − μ₁]: one substitution for both
    np.subtract(c1, c2, out=rhs[..., :d])
    np.subtract(m2.astype(np.float64, copy=False), m1.astype(np.float64, copy=False), out=rhs[..., d])
    diag1, diag2 = np.diagonal(l1, axis1=-2, axis2=-1), np.diagonal(l2, axis1=-2, axis2=-1)
    pivot_sqrt = np.broadcast_to(diag1 / diag2, (*batch, d))  # R_jj
    log_pivot = np.broadcast_to(2 * (np.log(diag1) - np.log(diag2)), (*batch, d))  # log R_jj²
    # one thread: the substitutions are many small GIL-bound steps
    x = T.solve_lower(l2, rhs)
    y = x[..., d]
    b = T.solve_lower(l2, np.swapaxes(x[..., :d], -1, -2))  # L₂⁻¹ (L₂⁻¹ D)ᵀ = L₂⁻¹ D L₂⁻ᵀ
    b = (b + np.swapaxes(b, -1, -2)) / 2
    pivots, off_diagonal = T.shifted_cholesky(b, pivot_sqrt)
    near = np.abs(pivots) <= 0.5
    terms = np.where(near, xmlog1p(np.where(near, pivots, 0.0)), pivots - log_pivot)
    return _out((terms.sum(-1) + off_diagonal + (y * y).sum(-1)) / 2, dtype)


def entropy_mvn(cov: ArrayLike) -> Array:
    """H(N(μ, Σ)) = ½ log det(2πe Σ), log det from the Cholesky diagonal."""
    c = v.covariance(cov, "cov")
    chol = _cholesky(c, "cov")
    d = c.shape[-1]
    logdet = 2 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(-1)
    return _out(
        0.5 * (d * np.log(2 * np.pi * np.e) + logdet),
        np.asarray(cov).dtype if np.asarray(cov).dtype == np.float32 else np.float64,
    )
