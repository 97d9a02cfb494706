"""KL(N(μ₁, Σ₁) ‖ N(μ₂, Σ₂)) = ½[tr(Σ₂⁻¹Σ₁) − d − log det(Σ₂⁻¹Σ₁) + (μ₂ − μ₁)ᵀΣ₂⁻¹(μ₂ − μ₁)]
(seed 003, problem 1; Bishop, *Pattern Recognition and Machine Learning*, ex. 2.13) by NumPy,
with the bits of the compiled kernel.

:func:`kl_mvn_numpy_bits` transcribes :func:`numerics._jit.kl_mvn_batch`, as
:func:`numerics.divergences._kl_mvn_compiled` runs it, operation for operation: the
Cholesky–Banachiewicz factors L₁, L₂ with their pivot test, the forward substitutions
[X | y] = L₂⁻¹[Σ₁ − Σ₂ | μ₂ − μ₁] and B = L₂⁻¹Xᵀ, the symmetrised B, the Cholesky factor of
I + B as its offset from I (R_jj from 1 + x_j where |x_j| ≤ ½, else L₁,jj/L₂,jj), the terms
x_j − log(1 + x_j) (the Horner chain of ``xmlog1p`` for |x_j| ≤ ¼, libm's log1p up to ½,
x_j − 2(log L₁,jj − log L₂,jj) beyond) and the three compensated sums, each in the compiled
order. It is vectorised over the batch; Python loops run only over the d indices of the d×d
matrices.

Why it exists: a first call of ``kl_mvn`` can then be answered without importing numba and
loading the cached machine code (0.3–0.45 s), with the same float64 bits (NaN made inf, and
None where a factorisation fails). Elementwise ``+ − × ÷`` and ``sqrt`` round as the compiled
code does (no fastmath, no FMA); ``log`` and ``log1p`` are libm's, called per element through
:mod:`math` exactly where the compiled code calls them: NumPy's SIMD logarithms differ from
libm's in the last bit on this kind of machine (``tests/numerics/test_mvn_numpy_form.py``
catches that variant).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from numerics._kernels import _XMLOG1P

F64 = NDArray[np.float64]

#: a Cholesky pivot must exceed this many d·ε of its diagonal entry (``divergences.PIVOT_TOLERANCE``)
_PIVOT_TOLERANCE = 4.0
_EPS = 2.0**-52


def _libm(fn: Callable[[float], float], x: F64, where: NDArray[np.bool_]) -> F64:
    """``fn`` (math.log or math.log1p: libm, as the compiled code calls it) on x[where]; 0 elsewhere."""
    out = np.zeros(x.shape)
    picked = x[where]
    if picked.size:
        out[where] = np.fromiter(map(fn, picked.tolist()), dtype=np.float64, count=picked.size)
    return out


def _cholesky(c: F64) -> tuple[F64, NDArray[np.bool_]]:
    """Lower Cholesky factors of the lower triangles of c (d, d, n), column by column with the
    sums in index order (``_jit._cholesky_into``), and where a pivot is not above 4·d·ε of its
    diagonal entry (the compiled kernel's failure)."""
    d = c.shape[0]
    floor = _PIVOT_TOLERANCE * d * _EPS
    out = np.zeros(c.shape)
    failed = np.zeros(c.shape[2], dtype=bool)
    for j in range(d):
        acc = c[j:, j].copy()  # rows i = j … d − 1 of column j
        for k in range(j):
            acc -= out[j:, k] * out[j, k]
        failed |= ~(acc[0] > floor * c[j, j])
        out[j, j] = np.sqrt(acc[0])
        out[j + 1:, j] = acc[1:] / out[j, j]
    return out, failed


def _solve_lower(ll: F64, x: F64) -> None:
    """x ← L⁻¹x in place for x (d, cols, n), forward substitution row by row, every column with
    the sums in index order (``_jit._solve_lower_into``)."""
    d = ll.shape[0]
    for i in range(d):
        acc = x[i]
        for k in range(i):
            acc -= ll[i, k] * x[k]
        acc /= ll[i, i]


def _two_sum_add(hi: F64, lo: F64, x: F64) -> F64:
    """One step of a compensated sum (``_jit._two_sum``, Knuth): returns hi + x and adds the
    rounding error of that sum to lo in place."""
    total = hi + x
    back = total - hi
    lo += (hi - (total - back)) + (x - back)
    return total


def _xmlog1p_near(xj: F64, near: NDArray[np.bool_]) -> F64:
    """x − log(1 + x) where ``near`` (|x| ≤ ½) as ``_jit.xmlog1p``: the 32-term Horner chain
    times x times x for |x| ≤ ¼, x − log1p(x) (libm) beyond."""
    acc = np.full(xj.shape, _XMLOG1P[-1])
    for coeff in reversed(_XMLOG1P[:-1]):
        acc *= xj
        acc += coeff
    series = (acc * xj) * xj
    inner = np.abs(xj) <= 0.25
    return np.where(inner, series, xj - _libm(math.log1p, xj, near & ~inner))


def kl_mvn_numpy_bits(m1: F64, c1: F64, m2: F64, c2: F64, batch: tuple[int, ...]) -> F64 | None:
    """:func:`numerics.divergences._kl_mvn_compiled` in NumPy, bit for bit: the same arguments
    (means (…, d), covariances (…, d, d), rescaled by the caller, broadcasting to ``batch``),
    the same values (NaN made inf), None where a Cholesky factorisation fails."""
    d = c1.shape[-1]
    n = math.prod(batch)

    def lay(a: F64, shape: tuple[int, ...]) -> F64:  # (*batch, *shape) → (*shape, n)
        flat = np.broadcast_to(np.asarray(a, dtype=np.float64), (*batch, *shape)).reshape(n, *shape)
        return np.ascontiguousarray(np.moveaxis(flat, 0, -1))

    s = np.concatenate([lay(c1, (d, d)), lay(c2, (d, d))], axis=2)  # both factorised at once
    s1, s2 = s[..., :n], s[..., n:]
    with np.errstate(all="ignore"):
        ll, failed = _cholesky(s)
        if failed.any():
            return None
        l2 = ll[..., n:]
        x = np.empty((d, d + 1, n))  # [Σ₁ − Σ₂ | μ₂ − μ₁], then L₂⁻¹ of it
        np.subtract(s1, s2, out=x[:, :d])
        np.subtract(lay(m2, (d,)), lay(m1, (d,)), out=x[:, d])
        _solve_lower(l2, x)
        b = np.ascontiguousarray(np.swapaxes(x[:, :d], 0, 1))  # (L₂⁻¹D)ᵀ, then L₂⁻¹ of it
        _solve_lower(l2, b)
        diagonal = np.arange(d)
        sym = (b + np.swapaxes(b, 0, 1)) / 2  # (b_ij + b_ji)/2 off the diagonal, b_jj kept
        sym[diagonal, diagonal] = b[diagonal, diagonal]
        pivots = ll[diagonal, diagonal]  # L₁,jj | L₂,jj: (d, 2n)
        p1, p2 = pivots[:, :n], pivots[:, n:]
        rows = np.zeros((d, n))
        r = np.zeros((d, d, n))
        xs = np.empty((d, n))  # x_j = B_jj − Σ_{k<j} R_jk², R = chol(I + B) − I
        for j in range(d):
            xj = xs[j]
            np.subtract(sym[j, j], rows[j], out=xj)
            if j + 1 < d:
                rjj = np.where(np.abs(xj) <= 0.5, np.sqrt(1 + xj), p1[j] / p2[j])
                acc = sym[j + 1:, j].copy()  # rows i = j + 1 … d − 1
                for k in range(j):
                    acc -= r[j + 1:, k] * r[j, k]
                col = acc / rjj
                r[j + 1:, j] = col
                rows[j + 1:] += col * col
        # x_j − log(1 + x_j) for all j at once (elementwise: the compiled loop's bits)
        near = np.abs(xs) <= 0.5
        far = ~near  # NaN included, as the compiled branch
        logs = _libm(math.log, p1, far) - _libm(math.log, p2, far)
        terms = np.where(near, _xmlog1p_near(xs, near), xs - 2 * logs)
        t_hi = np.zeros(n)
        t_lo = np.zeros(n)
        for j in range(d):
            t_hi = _two_sum_add(t_hi, t_lo, terms[j])
        q_hi = np.zeros(n)
        q_lo = np.zeros(n)
        y_hi = np.zeros(n)
        y_lo = np.zeros(n)
        for i in range(d):
            q_hi = _two_sum_add(q_hi, q_lo, rows[i])
            y_hi = _two_sum_add(y_hi, y_lo, x[i, d] * x[i, d])
        value = ((t_hi + t_lo) + (q_hi + q_lo) + (y_hi + y_lo)) / 2
        value = np.where(np.isnan(value), math.inf, value)
    return value.reshape(batch)
