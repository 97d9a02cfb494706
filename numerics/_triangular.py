"""Batched lower-triangular linear algebra for :func:`numerics.divergences.kl_mvn`: forward
substitution (no explicit inverse) and the Cholesky factor of I + B kept as its offset from I.

NumPy has no batched triangular solve (``np.linalg.solve`` runs a full LU per matrix, and
``scipy.linalg.solve_triangular`` loops over the batch in Python), so the substitution loops over
the d rows and vectorises over the batch; a single matrix goes to LAPACK's ``trtrs``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
from numpy.typing import NDArray

Array = NDArray[np.float64]


def solve_lower(l: Array, x: Array) -> Array:  # noqa: E741 (L of the docstring)
    """Y with L·Y = X for lower-triangular L (…, d, d) and X (…, d, k); batch axes broadcast."""
    d = l.shape[-1]
    batch = np.broadcast_shapes(l.shape[:-2], x.shape[:-2])
    if batch == ():
        return sla.solve_triangular(l, x, lower=True, check_finite=False)
    y = np.empty((*batch, d, x.shape[-1]))
    for i in range(d):
        yi = y[..., i, :]
        if i:
            np.subtract(x[..., i, :], (l[..., i : i + 1, :i] @ y[..., :i, :])[..., 0, :], out=yi)
        else:
            yi[...] = x[..., 0, :]
        np.divide(yi, l[..., i, i, None], out=yi)
    return y


def shifted_cholesky(b: Array, pivot_sqrt: Array) -> tuple[Array, Array]:
    """For symmetric B (…, d, d) with I + B positive definite, the Cholesky factor R of I + B
    as its offset from I, without forming I + B (so that small B keeps its digits). Reads the
    lower triangle of B. Returns (x, q) with R_jj² = 1 + x_j and q = Σ_{i>j} R_ij²:

        x_j  = B_jj − Σ_{k<j} R_jk²
        R_ij = (B_ij − Σ_{k<j} R_ik R_jk) / R_jj     (i > j),

    R_jj = √(1 + x_j) where |x_j| ≤ ½, else ``pivot_sqrt`` (…, d): the same number known more
    accurately by the caller (for kl_mvn, L₁,jj/L₂,jj; 1 + x_j loses x_j's digits near 0).
    Then tr(I + B) − d − log det(I + B) = Σ_j (x_j − log(1 + x_j)) + q, a sum of non-negative
    terms (``derivations.stable_forms`` proves the recurrence and the identity for d = 3)."""
    d = b.shape[-1]
    r = np.zeros(b.shape)  # the strictly lower part of R
    row_squares = np.zeros(b.shape[:-1])  # Σ_{k<j} R_ik² for every row i, updated column by column
    x = np.empty(b.shape[:-1])
    for j in range(d):
        xj = b[..., j, j] - row_squares[..., j]
        x[..., j] = xj
        if j + 1 < d:
            near = np.abs(xj) <= 0.5
            rjj = np.where(near, np.sqrt(1 + np.where(near, xj, 0.0)), pivot_sqrt[..., j])
            col = b[..., j + 1 :, j]
            if j:
                col = col - (r[..., j + 1 :, :j] @ r[..., j, :j, None])[..., 0]
            col = col / rjj[..., None]
            r[..., j + 1 :, j] = col
            row_squares[..., j + 1 :] += col * col
    return x, row_squares.sum(-1)
