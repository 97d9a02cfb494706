"""Hypothesis strategies for distributions, importable into your own tests.

All options are keyword-only and validated when the strategy is built (``ValueError`` naming the
option). Modelled on ``hypothesis.extra.numpy``: composable functions returning strategies.

>>> from hypothesis import given
>>> from numerics.strategies import distribution_pairs
>>> @given(distribution_pairs(size=4))
... def test_kl_nonnegative(pair): ...
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from numpy.typing import NDArray

Array = NDArray[np.float64]


def _check_size(size: int | None, min_size: int, max_size: int) -> None:
    if size is not None and (not isinstance(size, int) or size < 1):
        raise ValueError(f"size: expected a positive int or None, got {size!r}")
    if not (isinstance(min_size, int) and isinstance(max_size, int) and 1 <= min_size <= max_size):
        raise ValueError(f"min_size, max_size: need 1 ≤ min_size ≤ max_size, got {min_size}, {max_size}")


def _sizes(size: int | None, min_size: int, max_size: int) -> st.SearchStrategy[int]:
    return st.just(size) if size is not None else st.integers(min_size, max_size)


_GRID = 2.0**52


def exactly_normalised(w: Array) -> Array:
    """w/Σw rounded to multiples of 2⁻⁵² whose sum is exactly 1 in real arithmetic (every partial
    sum is representable, so the floating-point sum is exactly 1.0 too). Positive entries stay
    positive. Properties such as Pinsker's are statements about distributions; vectors that sum
    to 1 only up to rounding would make them fail by rounding alone."""
    p = np.asarray(w, dtype=np.float64) / np.sum(w)
    k = np.round(p * _GRID)
    k = np.where((p > 0) & (k < 1), 1.0, k)
    k[np.argmax(k)] += _GRID - k.sum()
    return k / _GRID


def _weights(n: int) -> st.SearchStrategy[Array]:
    # log-uniform weights over 8 decades: covers nearly-uniform and very skewed vectors
    return st.lists(st.floats(-8.0, 0.0), min_size=n, max_size=n).map(lambda e: 10.0 ** np.array(e))


@st.composite
def _probability_vector(draw: st.DrawFn, n: int, allow_zeros: bool, min_mass: float) -> Array:
    w = draw(_weights(n))
    if allow_zeros:
        zeros = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        if zeros.all():
            zeros[draw(st.integers(0, n - 1))] = False
        w = np.where(zeros, 0.0, w)
    p = w / w.sum()
    if min_mass > 0:
        support = p > 0
        p = np.where(support, min_mass + (1 - min_mass * support.sum()) * p, 0.0)
    return exactly_normalised(p)


def probability_vectors(
    *,
    size: int | None = None,
    min_size: int = 2,
    max_size: int = 8,
    allow_zeros: bool = False,
    min_mass: float = 0.0,
) -> st.SearchStrategy[Array]:
    """Probability vectors (float64, summing to exactly 1: see :func:`exactly_normalised`).
    ``allow_zeros`` puts exact zeros in (never all of them); ``min_mass`` is a lower bound on every
    non-zero entry."""
    _check_size(size, min_size, max_size)
    if not 0 <= min_mass < 1 / (size or max_size):
        raise ValueError(f"min_mass: need 0 ≤ min_mass < 1/size, got {min_mass}")
    return _sizes(size, min_size, max_size).flatmap(lambda n: _probability_vector(n, allow_zeros, min_mass))


def distribution_pairs(
    *,
    size: int | None = None,
    min_size: int = 2,
    max_size: int = 8,
    allow_zeros: bool = False,
    min_mass: float = 0.0,
) -> st.SearchStrategy[tuple[Array, Array]]:
    """Pairs (p, q) on a common support: same length, and with ``allow_zeros`` the same zero
    pattern (so KL(p ‖ q) and KL(q ‖ p) are finite)."""
    _check_size(size, min_size, max_size)
    if not 0 <= min_mass < 1 / (size or max_size):
        raise ValueError(f"min_mass: need 0 ≤ min_mass < 1/size, got {min_mass}")

    @st.composite
    def pair(draw: st.DrawFn, n: int) -> tuple[Array, Array]:
        p = draw(_probability_vector(n, allow_zeros, min_mass))
        q = draw(_probability_vector(n, False, min_mass))
        return p, exactly_normalised(np.where(p > 0, q, 0.0))

    return _sizes(size, min_size, max_size).flatmap(pair)


def near_equal_pairs(
    *,
    size: int | None = None,
    min_size: int = 2,
    max_size: int = 8,
    min_delta: float = 1e-12,
    max_delta: float = 1e-2,
) -> st.SearchStrategy[tuple[Array, Array]]:
    """(p, q) with q = p·exp(δ·ε)/Σ, |ε| ≤ 1, δ log-uniform in [min_delta, max_delta]: the regime of
    collapsed latent units where textbook formulas lose their digits. q ≠ p unless ε = 0."""
    _check_size(size, min_size, max_size)
    if not 0 < min_delta <= max_delta <= 1:
        raise ValueError(
            f"min_delta, max_delta: need 0 < min_delta ≤ max_delta ≤ 1, got {min_delta}, {max_delta}"
        )

    @st.composite
    def pair(draw: st.DrawFn, n: int) -> tuple[Array, Array]:
        p = draw(_probability_vector(n, False, 0.0))
        delta = 10.0 ** draw(st.floats(np.log10(min_delta), np.log10(max_delta)))
        eps = np.array(draw(st.lists(st.floats(-1, 1), min_size=n, max_size=n)))
        return p, exactly_normalised(p * np.exp(delta * eps))

    return _sizes(size, min_size, max_size).flatmap(pair)


def gaussian_parameters(
    *, dim: int | None = None, mean_bound: float = 10.0, min_scale: float = 1e-3, max_scale: float = 1e3
) -> st.SearchStrategy[tuple[Array, Array]]:
    """(μ, σ): a scalar pair if ``dim`` is None, else vectors of length ``dim`` (diagonal Normal)."""
    if dim is not None and (not isinstance(dim, int) or dim < 1):
        raise ValueError(f"dim: expected a positive int or None, got {dim!r}")
    if not 0 < min_scale <= max_scale:
        raise ValueError(
            f"min_scale, max_scale: need 0 < min_scale ≤ max_scale, got {min_scale}, {max_scale}"
        )
    if not mean_bound > 0:
        raise ValueError(f"mean_bound: must be positive, got {mean_bound}")
    n = dim or 1
    means = st.lists(st.floats(-mean_bound, mean_bound), min_size=n, max_size=n)
    scales = st.lists(st.floats(np.log(min_scale), np.log(max_scale)), min_size=n, max_size=n)

    def build(m: list[float], s: list[float]) -> tuple[Array, Array]:
        mu, sigma = np.array(m), np.exp(np.array(s))
        return (mu[0], sigma[0]) if dim is None else (mu, sigma)

    return st.builds(build, means, scales)


def spd_matrices(*, dim: int, max_condition: float = 1e3, scale: float = 1.0) -> st.SearchStrategy[Array]:
    """Symmetric positive-definite d×d matrices Q diag(λ) Qᵀ with cond ≤ ``max_condition``
    (λ log-uniform in [scale, scale·max_condition], Q a random orthogonal matrix)."""
    if not isinstance(dim, int) or dim < 1:
        raise ValueError(f"dim: expected a positive int, got {dim!r}")
    if not max_condition >= 1:
        raise ValueError(f"max_condition: must be ≥ 1, got {max_condition}")
    if not scale > 0:
        raise ValueError(f"scale: must be positive, got {scale}")

    @st.composite
    def spd(draw: st.DrawFn) -> Array:
        g = np.array(draw(st.lists(st.floats(-1, 1), min_size=dim * dim, max_size=dim * dim))).reshape(
            dim, dim
        )
        q, r = np.linalg.qr(g + 3 * np.eye(dim))  # +3I keeps the QR well defined
        q = q * np.sign(np.diag(r))
        lam = scale * max_condition ** np.array(draw(st.lists(st.floats(0, 1), min_size=dim, max_size=dim)))
        m = (q * lam) @ q.T
        return (m + m.T) / 2

    return spd()


def markov_kernels(*, n_in: int, n_out: int) -> st.SearchStrategy[Array]:
    """Row-stochastic matrices K (n_in × n_out), K[i, j] = P(y = j | x = i), strictly positive."""
    if not (isinstance(n_in, int) and isinstance(n_out, int) and n_in >= 1 and n_out >= 1):
        raise ValueError(f"n_in, n_out: expected positive ints, got {n_in!r}, {n_out!r}")
    rows = st.lists(_probability_vector(n_out, False, 0.0), min_size=n_in, max_size=n_in)
    return rows.map(np.array)


def latent_models(
    *, n_latent: int | None = None, n_observed: int | None = None, max_states: int = 6
) -> st.SearchStrategy[Array]:
    """A joint table p(x, z) of shape (n_observed, n_latent), positive and summing to 1."""
    for name, val in (("n_latent", n_latent), ("n_observed", n_observed)):
        if val is not None and (not isinstance(val, int) or val < 1):
            raise ValueError(f"{name}: expected a positive int or None, got {val!r}")
    if not isinstance(max_states, int) or max_states < 2:
        raise ValueError(f"max_states: expected an int ≥ 2, got {max_states!r}")
    nz = st.just(n_latent) if n_latent else st.integers(2, max_states)
    nx = st.just(n_observed) if n_observed else st.integers(1, max_states)
    return st.tuples(nx, nz).flatmap(
        lambda s: _probability_vector(s[0] * s[1], False, 0.0).map(lambda p: p.reshape(s))
    )
