"""``numerics._mvn_numpy.kl_mvn_numpy_bits`` gives the bits of the compiled ``kl_mvn_batch``
(``divergences._kl_mvn_compiled``): on covariances built the way lecture notes and code build
them (A Aᵀ + d·I, diagonal, AR(1) correlations, nearly singular, Σ₁ = Σ₂, Σ₁ ≈ Σ₂, Σ₁ = s·Σ₂),
at scales 1e-150 … 1e150 through ``kl_mvn``'s rescaling and directly, broadcast batches of
1 … 2000, overflow to inf, and matrices that are not positive definite (None from both). Wrong
variants — NumPy's log/log1p for libm's, a plain sum for the compensated one, division by a
pivot as multiplication by its reciprocal, x − log1p(x) without the series — are caught by the
same comparison; a fresh process runs the form without numba."""

from __future__ import annotations

import functools
import importlib
import math
import warnings
from collections.abc import Iterator

import numpy as np
import pytest

from numerics import _mvn_numpy as M
from numerics import divergences as D
from tests.numerics.fresh_process import run_json

Case = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]


def _spd(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """A Aᵀ + d·I with Gaussian A: the textbook random covariance."""
    a = rng.standard_normal((n, d, d))
    return a @ np.swapaxes(a, -1, -2) + d * np.eye(d)


def _ar1(d: int, rho: float) -> np.ndarray:
    """The AR(1) correlation matrix ρ^|i−j| (ρ → 1: nearly singular)."""
    idx = np.arange(d)
    return rho ** np.abs(idx[:, None] - idx[None, :])


def _nearly_singular(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """Rank d − 1 plus 1e-9·I: positive definite, condition number ≈ 1e10."""
    a = rng.standard_normal((n, d, max(d - 1, 1)))
    return a @ np.swapaxes(a, -1, -2) + 1e-9 * np.eye(d)


def _perturbed(rng: np.random.Generator, c: np.ndarray, size: float) -> np.ndarray:
    """c with a symmetric relative perturbation of the given size (Σ₁ ≈ Σ₂)."""
    e = rng.standard_normal(c.shape)
    return c * (1 + size * (e + np.swapaxes(e, -1, -2)) / 2)


def _user_cases(seed: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """(μ₁, Σ₁, μ₂, Σ₂) the way users write them, d = 1, 2, 5, 8, 20, batches 1 … 2000."""
    rng = np.random.default_rng(seed)
    for d in (1, 2, 5, 8, 20):
        for n in (1, 3, 2000 if d <= 5 else 300):
            m1, m2 = rng.standard_normal((n, d)), rng.standard_normal((n, d))
            c2 = _spd(rng, n, d)
            yield m1, _spd(rng, n, d), m2, c2
            yield m1, c2, m1, c2  # identical distributions: 0
            yield m1, c2.copy(), m2, c2  # Σ₁ = Σ₂, different means
            yield m1, _perturbed(rng, c2, 1e-7), m2, c2
            yield m1, _perturbed(rng, c2, 1e-7), m1, c2
            for s in (0.2, 0.7, 0.9, 1.1, 1.3, 3.0, 1e-3, 1e3):  # every branch of x − log(1 + x)
                yield m1, s * c2, m2, c2
            diag = np.zeros((n, d, d))
            idx = np.arange(d)
            diag[:, idx, idx] = rng.uniform(0.1, 10.0, (n, d))
            yield m1, diag, 3.0 * m2, np.broadcast_to(np.eye(d), (n, d, d))
            yield m1, _nearly_singular(rng, n, d), m2, c2
            yield m1, c2, m2, _nearly_singular(rng, n, d)
            yield np.zeros(d), _ar1(d, 0.9), np.ones(d), _ar1(d, 0.99)
            yield m1 * 1e3, _ar1(d, 0.5), m2, np.eye(d)


def _rescaled(m1: np.ndarray, c1: np.ndarray, m2: np.ndarray, c2: np.ndarray) -> Case:
    """The arguments ``kl_mvn`` passes to ``_kl_mvn_compiled`` (caught by a stand-in)."""
    seen: list[Case] = []

    def record(*args: object) -> np.ndarray:
        seen.append(args)  # type: ignore[arg-type]
        return np.zeros(args[4])  # type: ignore[call-overload]

    importlib.import_module("numerics._jit")  # kl_mvn takes the compiled path (the stand-in)
    original = D._kl_mvn_compiled
    D._kl_mvn_compiled = record  # type: ignore[assignment]
    try:
        D.kl_mvn(m1, c1, m2, c2)
    finally:
        D._kl_mvn_compiled = original
    return seen[0]


@functools.cache
def _cases() -> list[Case]:
    """The user cases at scales 1e-150 … 1e150 through kl_mvn's rescaling, some directly, and
    inputs for the compiled kernel's overflow and NaN routes."""
    cases: list[Case] = []
    for k, (m1, c1, m2, c2) in enumerate(_user_cases(20)):
        batch = np.broadcast_shapes(m1.shape[:-1], m2.shape[:-1], c1.shape[:-2], c2.shape[:-2])
        cases.append((m1, c1, m2, c2, batch))  # directly, at unit scale
        scale = 10.0 ** (-150 + 50 * (k % 7))  # 1e-150, 1e-100, …, 1e150
        cases.append(_rescaled(m1 * math.sqrt(scale), c1 * scale, m2 * math.sqrt(scale), c2 * scale))
        if k % 5 == 0:  # Σ₁ and Σ₂ orders of magnitude apart
            cases.append(_rescaled(m1, c1 * 1e-120, m2 * 1e60, c2 * 1e120))
            cases.append(_rescaled(m1 * 1e-70, c1 * 1e140, m2, c2 * 1e-140))
        if k % 10 == 0:  # Σ₁'s variances overflow beside Σ₂'s: kl_mvn passes I in their place
            cases.append(_rescaled(m1, c1 * 1e160, m2, c2 * 1e-160))
    rng = np.random.default_rng(21)
    d = 5
    big = _spd(rng, 4, d) * 1e300  # inf − inf in B and in R: NaN, returned as inf
    cases.append((rng.standard_normal((4, d)), big, np.zeros((4, d)), 1e-10 * np.eye(d), (4,)))
    cases.append((np.zeros(d), np.diag(np.full(d, 1e300)), np.full(d, 1e200), np.eye(d) * 1e-12, ()))
    nan_upper = _spd(rng, 1, d)[0]
    nan_upper[0, 3] = np.nan  # not read by the Cholesky, read by Σ₁ − Σ₂
    cases.append((np.zeros(d), nan_upper, np.zeros(d), np.eye(d), ()))
    cases.append((np.array([np.nan, *[0.0] * (d - 1)]), np.eye(d), np.zeros(d), np.eye(d), ()))
    cases.append((np.zeros(d), np.eye(d) * 1e-300, np.full(d, 1e-200), np.eye(d), ()))  # underflow
    for top in ([1.5e308], [1.5e308, 1.0]):  # B_jj + B_jj overflows, B_jj itself does not
        cases.append((np.zeros(len(top)), np.diag(top), np.ones(len(top)), np.eye(len(top)), ()))
    # broadcast batches: one Σ₁ for all, Σ₂ per row, means along another axis
    c2 = _spd(rng, 4, d)[:, None]
    cases.append((rng.standard_normal((3, d)), _spd(rng, 1, d)[0], np.zeros(d), c2, (4, 3)))
    cases.append((np.zeros((2, 1, 1, d)), c2 * 1.3, rng.standard_normal((3, d)), c2, (2, 4, 3)))
    return cases



def _form(*case: object) -> np.ndarray | None:
    """The NumPy form, with warnings made errors (it must not emit any)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return M.kl_mvn_numpy_bits(*case)  # type: ignore[arg-type]


def _bits(x: np.ndarray | None) -> object:
    return None if x is None else (x.shape, np.asarray(x, dtype=np.float64).view(np.int64).tolist())


def _compare(cases: list[Case], *, first: bool = False) -> int:
    """How many cases the NumPy form answers with other bits (or shape, or None) than the
    compiled path (stopping at the first if ``first``)."""
    wrong = 0
    for case in cases:
        if first and wrong:
            break
        wrong += _bits(_form(*case)) != _bits(D._kl_mvn_compiled(*case))
    return wrong


def test_the_numpy_mvn_form_gives_the_compiled_bits(monkeypatch):
    calls = {math.log: 0, math.log1p: 0}
    libm = M._libm

    def counting(fn, x, where):
        calls[fn] += int(np.count_nonzero(where))
        return libm(fn, x, where)

    monkeypatch.setattr(M, "_libm", counting)
    assert _compare(_cases()) == 0
    assert all(D._kl_mvn_compiled(*c) is not None for c in _cases())  # every case was computed
    assert calls[math.log] > 0 and calls[math.log1p] > 0  # all three forms of x − log(1 + x) ran
    inf_cases = [c for c in _cases() if np.isinf(D._kl_mvn_compiled(*c)).any()]
    assert len(inf_cases) >= 3  # the overflow and NaN routes were taken


def test_the_numpy_mvn_form_keeps_the_batch_shape_and_the_zero_of_equal_distributions():
    mu, cov = np.array([1.0, -2.0]), np.array([[2.0, 0.3], [0.3, 1.0]])
    got = _form(mu, cov, mu, cov, ())
    assert got is not None and got.shape == () and got == 0.0
    for empty in ((0,), (2, 0)):
        case = (np.zeros((*empty, 2)), cov, mu, cov, empty)
        assert _bits(_form(*case)) == _bits(D._kl_mvn_compiled(*case))
    shaped = _form(np.zeros((2, 1, 2)), np.eye(2), mu, np.broadcast_to(cov, (3, 2, 2)), (2, 3))
    assert shaped is not None and shaped.shape == (2, 3)
    # the textbook value: ½[tr(Σ₂⁻¹Σ₁) − d + log det Σ₂/det Σ₁ + ‖μ₂ − μ₁‖²_{Σ₂⁻¹}], Σ₁ = I
    inv = np.linalg.inv(cov)
    text = 0.5 * (np.trace(inv) - 2 + np.log(np.linalg.det(cov)) + mu @ inv @ mu)
    assert np.allclose(shaped, text, rtol=1e-13)


def _not_positive_definite(d: int) -> list[np.ndarray]:
    rng = np.random.default_rng(d)
    a = rng.standard_normal((d, max(d - 2, 1)))
    indefinite = np.eye(d)
    if d > 1:
        indefinite[0, 1] = indefinite[1, 0] = 2.0
    else:
        indefinite[0, 0] = -1.0
    rounding = np.ones((d, d)) + 1e-17 * np.eye(d)  # 1 + 1e-17 is 1: singular within rounding
    negative = np.eye(d)
    negative[-1, -1] = -0.5
    nan_lower = np.eye(d)
    nan_lower[-1, 0] = np.nan
    singular = [a @ a.T, rounding] if d > 1 else []  # at d = 1 both are positive
    return [*singular, indefinite, negative, np.zeros((d, d)), nan_lower]


@pytest.mark.parametrize("d", [1, 2, 5, 8, 20])
def test_a_matrix_that_is_not_positive_definite_gives_none_from_both(d):
    rng = np.random.default_rng(30 + d)
    for bad in _not_positive_definite(d):
        c = _spd(rng, 2000 if d <= 5 else 100, d)
        n = c.shape[0]
        m = rng.standard_normal((n, d))
        for args in ((m, bad, m, c), (m, c, m, bad)):
            assert D._kl_mvn_compiled(*args, (n,)) is None
            assert _form(*args, (n,)) is None
        one_bad = c.copy()
        one_bad[n // 2] = bad  # one bad matrix among many good ones
        assert D._kl_mvn_compiled(m, c, m, one_bad, (n,)) is None
        assert _form(m, c, m, one_bad, (n,)) is None
        if np.isfinite(bad).all():  # as kl_mvn passes it, at a user's scale
            case = _rescaled(m[:3] * 1e50, c[:3] * 1e100, m[:3], np.broadcast_to(bad * 1e100, (3, d, d)))
            assert D._kl_mvn_compiled(*case) is None
            assert _form(*case) is None
            with pytest.raises(ValueError, match="cov2"):
                D.kl_mvn(m[:3] * 1e50, c[:3] * 1e100, m[:3], bad * 1e100)
    good = _spd(rng, 1, d)[0]
    assert _form(np.zeros(d), good, np.zeros(d), good, ()) is not None


def _numpy_logs(fn, x, where):
    """Wrong: NumPy's vectorised log/log1p (SIMD) where the compiled code calls libm's."""
    return np.where(where, {math.log: np.log, math.log1p: np.log1p}[fn](np.where(where, x, 1.0)), 0.0)


def _plain_sum(hi, lo, x):
    """Wrong: the sums without compensation."""
    return hi + x


def _reciprocal_solve(ll, x):
    """Wrong: forward substitution multiplying by 1/L_ii instead of dividing by L_ii."""
    for i in range(ll.shape[0]):
        acc = x[i]
        for k in range(i):
            acc -= ll[i, k] * x[k]
        acc *= 1.0 / ll[i, i]


def _textbook_near(xj, near):
    """Wrong: x − log1p(x) (libm) for all |x| ≤ ½, without the series near 0."""
    return xj - M._libm(math.log1p, xj, near)


@pytest.mark.parametrize(
    ("name", "variant"),
    [("_libm", _numpy_logs), ("_two_sum_add", _plain_sum), ("_solve_lower", _reciprocal_solve),
     ("_xmlog1p_near", _textbook_near)],
)
def test_a_wrong_variant_of_the_form_is_caught(monkeypatch, name, variant):
    monkeypatch.setattr(M, name, variant)
    assert _compare(_cases(), first=True) > 0


def test_a_fresh_process_runs_the_form_without_numba():
    code = (
        "import json, sys\nimport numpy as np\nfrom numerics._mvn_numpy import kl_mvn_numpy_bits\n"
        "rng = np.random.default_rng(5)\n"
        "a = rng.standard_normal((6, 4, 4)); c1 = a @ a.transpose(0, 2, 1) + 4 * np.eye(4)\n"
        "c2 = np.stack([np.eye(4) * s for s in (0.2, 0.8, 1.0, 1.3, 3.0, 1e-3)])\n"
        "m1, m2 = rng.standard_normal((6, 4)), np.zeros(4)\n"
        "got = kl_mvn_numpy_bits(m1, c1, m2, c2, (6,))\n"
        "print(json.dumps({'loaded': [m for m in ('numba', 'numerics._jit', 'scipy') if m in sys.modules],\n"
        "    'values': [float(x).hex() for x in got]}))\n"
    )
    got = run_json(code, timeout=300)
    assert got["loaded"] == []
    rng = np.random.default_rng(5)
    a = rng.standard_normal((6, 4, 4))
    c1 = a @ a.transpose(0, 2, 1) + 4 * np.eye(4)
    c2 = np.stack([np.eye(4) * s for s in (0.2, 0.8, 1.0, 1.3, 3.0, 1e-3)])
    m1, m2 = rng.standard_normal((6, 4)), np.zeros(4)
    want = D._kl_mvn_compiled(m1, c1, m2, c2, (6,))
    assert want is not None
    assert got["values"] == [float(x).hex() for x in want]
