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

from numerics._validate import as_float_array

Array = NDArray[np.float64]


def _is_int(value: object) -> bool:
    """A Python int that is not a bool (``True`` is not a size)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _finite_real(value: object, name: str) -> float:
    """A finite real number (int or float, not bool); ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: expected a real number, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    return float(value)


def _check_flag(value: object, name: str) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name}: expected True or False, got {value!r}")


def _check_size(size: int | None, min_size: int, max_size: int) -> None:
    if size is not None and (not _is_int(size) or size < 1):
        raise ValueError(f"size: expected a positive int or None, got {size!r}")
    if not (_is_int(min_size) and _is_int(max_size) and 1 <= min_size <= max_size):
        raise ValueError(f"min_size, max_size: need 1 ≤ min_size ≤ max_size, got {min_size!r}, {max_size!r}")


def _check_min_mass(min_mass: float, size: int | None, max_size: int) -> None:
    _finite_real(min_mass, "min_mass")
    if not 0 <= min_mass < 1 / (size or max_size):
        raise ValueError(f"min_mass: need 0 ≤ min_mass < 1/size, got {min_mass}")


def _sizes(size: int | None, min_size: int, max_size: int) -> st.SearchStrategy[int]:
    return st.just(size) if size is not None else st.integers(min_size, max_size)


_GRID = 2.0**52


def exactly_normalised(w: Array) -> Array:
    """w/Σw rounded to multiples of 2⁻⁵² whose sum is exactly 1 in real arithmetic (every partial
    sum is representable, so the floating-point sum is exactly 1.0 too). Positive entries stay
    positive. Properties such as Pinsker's are statements about distributions; vectors that sum
    to 1 only up to rounding would make them fail by rounding alone."""
    w = as_float_array(w, "w").astype(np.float64, copy=False)
    if w.ndim != 1 or w.size == 0 or (w < 0).any() or not 0 < w.sum() < np.inf:
        raise ValueError(f"w: expected a non-empty vector of non-negative weights with a positive finite "
                         f"sum, got {w!r}")
    p = w / w.sum()
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
    _check_flag(allow_zeros, "allow_zeros")
    _check_min_mass(min_mass, size, max_size)
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
    _check_flag(allow_zeros, "allow_zeros")
    _check_min_mass(min_mass, size, max_size)

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
    _finite_real(min_delta, "min_delta")
    _finite_real(max_delta, "max_delta")
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


_SCALE_RANGE = (1e-300, 1e300)


def gaussian_parameters(
    *, dim: int | None = None, mean_bound: float = 10.0, min_scale: float = 1e-3, max_scale: float = 1e3
) -> st.SearchStrategy[tuple[Array, Array]]:
    """(μ, σ): a scalar pair if ``dim`` is None, else vectors of length ``dim`` (diagonal Normal).
    σ is log-uniform in [min_scale, max_scale]; both must lie in [1e-300, 1e300] so that
    exp(log σ) stays a finite normal float (``max_scale=inf`` used to produce σ = inf)."""
    if dim is not None and (not _is_int(dim) or dim < 1):
        raise ValueError(f"dim: expected a positive int or None, got {dim!r}")
    # Python floats from here on: a NumPy float32 compared with 1e300 would overflow in the cast
    mean_bound, min_scale = _finite_real(mean_bound, "mean_bound"), _finite_real(min_scale, "min_scale")
    max_scale = _finite_real(max_scale, "max_scale")
    if not _SCALE_RANGE[0] <= min_scale <= max_scale <= _SCALE_RANGE[1]:
        raise ValueError(
            f"min_scale, max_scale: need 1e-300 ≤ min_scale ≤ max_scale ≤ 1e300, got {min_scale}, {max_scale}"
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


def max_spd_condition(dim: int) -> float:
    """The largest ``max_condition`` :func:`spd_matrices` accepts at ``dim``: 1/(1000·dim·ε)."""
    if not _is_int(dim) or dim < 1:
        raise ValueError(f"dim: expected a positive int, got {dim!r}")
    return 1.0 / (1000 * dim * float(np.finfo(np.float64).eps))


def spd_matrices(*, dim: int, max_condition: float = 1e3, scale: float = 1.0) -> st.SearchStrategy[Array]:
    """Symmetric positive-definite d×d matrices Q diag(λ) Qᵀ with cond ≤ ``max_condition``
    (λ log-uniform in [scale, scale·max_condition], Q a random orthogonal matrix).

    ``max_condition`` ≤ :func:`max_spd_condition` (dim) = 1/(1000·dim·ε): forming Q diag(λ) Qᵀ in
    float64 moves each eigenvalue by about dim·ε·λ_max, so beyond that bound the smallest eigenvalue
    is no longer kept (and the matrix may not even be positive definite); within it the error is
    ≤ 0.1 % of λ_min. ``scale`` ≥ 1e-300 and ``scale·max_condition`` ≤ 1e300 (finite, normal)."""
    if not _is_int(dim) or dim < 1:
        raise ValueError(f"dim: expected a positive int, got {dim!r}")
    # Python floats from here on: a NumPy float32 compared with 1e300 would overflow in the cast
    max_condition, scale = _finite_real(max_condition, "max_condition"), _finite_real(scale, "scale")
    if not 1 <= max_condition <= max_spd_condition(dim):
        raise ValueError(
            f"max_condition: need 1 ≤ max_condition ≤ {max_spd_condition(dim):.3g} (what float64 keeps "
            f"positive definite at dim = {dim}), got {max_condition}"
        )
    if not _SCALE_RANGE[0] <= scale <= _SCALE_RANGE[1] / max_condition:
        raise ValueError(f"scale: need 1e-300 ≤ scale and scale·max_condition ≤ 1e300, got {scale}")

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
    if not (_is_int(n_in) and _is_int(n_out) and n_in >= 1 and n_out >= 1):
        raise ValueError(f"n_in, n_out: expected positive ints, got {n_in!r}, {n_out!r}")
    rows = st.lists(_probability_vector(n_out, False, 0.0), min_size=n_in, max_size=n_in)
    return rows.map(np.array)


def latent_models(
    *, n_latent: int | None = None, n_observed: int | None = None, max_states: int = 6
) -> st.SearchStrategy[Array]:
    """A joint table p(x, z) of shape (n_observed, n_latent), positive and summing to 1."""
    for name, val in (("n_latent", n_latent), ("n_observed", n_observed)):
        if val is not None and (not _is_int(val) or val < 1):
            raise ValueError(f"{name}: expected a positive int or None, got {val!r}")
    if not _is_int(max_states) or max_states < 2:
        raise ValueError(f"max_states: expected an int ≥ 2, got {max_states!r}")
    nz = st.just(n_latent) if n_latent else st.integers(2, max_states)
    nx = st.just(n_observed) if n_observed else st.integers(1, max_states)
    return st.tuples(nx, nz).flatmap(
        lambda s: _probability_vector(s[0] * s[1], False, 0.0).map(lambda p: p.reshape(s))
    )
