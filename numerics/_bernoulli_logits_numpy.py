"""KL(Bern(σ(a)) ‖ Bern(σ(b))) from logits in NumPy, giving the compiled path's bits exactly.

Transcribes ``divergences._kl_bernoulli_logits_into`` for one chunk — the compiled passes
``_jit.bernoulli_logit_split``, ``bernoulli_logit_ratios`` and ``bernoulli_logit_terms`` around
NumPy's exp, expm1 and log1p, and its fix-up route (``bernoulli_logit_parts``,
``kl_terms_log1p``, ``kl_terms_d_fix``) where a ratio p/q over- or underflowed — operation for
operation, vectorised over the elements (every branch form computed, one selected per element).
It exists so that a first call of ``kl_bernoulli_logits`` needs neither numba's import nor its
machine code. The divergence is the seed problems' Bernoulli KL
p·log(p/q) + (1 − p)·log((1 − p)/(1 − q)) with p = σ(a), q = σ(b), as two non-negative terms
(:func:`numerics._kernels.kl_term`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from numerics._kernels import BERNOULLI_LOGIT_EXPM1_BELOW
from numerics._kl_terms_numpy import LOG1P_FAR_BELOW, fix_terms, select_terms

Array = NDArray[np.float64]

#: |logit| up to which σ(x) and σ(−x) are normal floats (``divergences._SIGMOID_RANGE``)
SIGMOID_RANGE = 700.0


def _split(a: Array, b: Array, top: float) -> tuple[int, Array, Array, Array, Array]:
    """``_jit.bernoulli_logit_split``: (beyond, −min(|a|, top), −min(|b|, top), h, lo) with
    b − a = h + lo exactly (Knuth's two-sum of b and −a)."""
    ax = np.abs(a)
    ay = np.abs(b)
    beyond = int(np.count_nonzero(~((ax <= top) & (ay <= top))))  # NaN counts as beyond
    na = np.negative(np.minimum(ax, top))  # NaN stays NaN, as numba's min(NaN, top)
    nb = np.negative(np.minimum(ay, top))
    minus_a = -a
    h = b + minus_a
    bb = h - b
    lo = (b - (h - bb)) + (minus_a - bb)
    return beyond, na, nb, h, lo


def _parts(
    a: Array, b: Array, ta: Array, tb: Array, h: Array, em: Array, lo: Array
) -> tuple[Array, Array, Array, Array, Array]:
    """``_jit._bernoulli_logit_at``: (p, p0, q, q0, d), p = σ(a), p0 = σ(−a), q = σ(b), q0 = σ(−b)
    from t = e^{−|x|}; d = p − q = −σ(a)σ(−b)·expm1(b − a) where |h| ≤ BERNOULLI_LOGIT_EXPM1_BELOW,
    else p − q or q0 − p0."""
    big_a = 1.0 / (1.0 + ta)
    small_a = ta * big_a
    big_b = 1.0 / (1.0 + tb)
    small_b = tb * big_b
    neg_a = a < 0.0
    neg_b = b < 0.0
    pa = np.where(neg_a, small_a, big_a)
    pa0 = np.where(neg_a, big_a, small_a)
    qb = np.where(neg_b, small_b, big_b)
    qb0 = np.where(neg_b, big_b, small_b)
    e = em + (em + 1.0) * lo
    near = -(pa * qb0) * e
    direct = np.where(pa + qb <= 1.0, pa - qb, qb0 - pa0)
    di = np.where(np.abs(h) <= BERNOULLI_LOGIT_EXPM1_BELOW, near, direct)
    return pa, pa0, qb, qb0, di


def kl_bernoulli_logits_into_numpy(a: Array, b: Array, *, out: Array, beyond: list[int]) -> None:
    """``divergences._kl_bernoulli_logits_into`` (a, b, out, beyond) without compiled code: fills
    ``out`` (1-d float64, like a and b) with the same bits and appends to ``beyond`` how many
    elements have |a| or |b| beyond 700 (their values are the caller's to overwrite). Runs over
    blocks of :data:`BLOCK` elements (each element's value depends on that element alone)."""
    count = 0
    for start in range(0, a.size, BLOCK):
        part = slice(start, start + BLOCK)
        count += _block_into(a[part], b[part], out[part])
    beyond.append(count)


#: elements per block: the form's two dozen temporaries then stay in cache (at 10⁶ elements
#: blocks of 4096 take ~0.55× the time of one pass over whole arrays)
BLOCK = 4096


def _block_into(a: Array, b: Array, out: Array) -> int:
    with np.errstate(all="ignore"):
        count, ta, tb, h, lo = _split(a, b, SIGMOID_RANGE)
        np.exp(ta, out=ta)  # NumPy's vectorised exp, expm1 and log1p, as the compiled path calls them
        np.exp(tb, out=tb)
        em = np.expm1(h)
        p, p0, q, q0, d = _parts(a, b, ta, tb, h, em, lo)
        # both terms in one pass: (p, q, d) then (1 − p, 1 − q, −d), log1p((p − q)/q) then its twin
        first = np.concatenate([p, p0])
        second = np.concatenate([q, q0])
        diff = np.concatenate([d, -d])
        ell = diff / second
        np.log1p(ell, out=ell)
        terms = select_terms(first, second, diff, ell, LOG1P_FAR_BELOW)
    fix_terms(first, second, diff, ell, terms)  # log a − log b (libm) where a ratio over- or underflowed
    n = a.size
    np.add(terms[:n], terms[n:], out=out)
    return count
