"""The compiled logits paths agree with their NumPy reference forms and with mpmath, and the
other fast paths added for speed (small categorical inputs, scalar Normal parameters) give the
same bits as the general path. Wrong variants (a perturbed term, a swapped argument) are caught."""

from __future__ import annotations

import re

import numpy as np
import pytest

from numerics import accuracy as A
from numerics import divergences as D
from numerics.accuracy_sweep import ulp_spacing_error


def _logit_rows(seed: int, scale: float, k: int = 6, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(n, k)) * scale, rng.normal(size=(n, k)) * scale
    masked = rng.uniform(size=a.shape) < 0.2
    a[masked] = -np.inf
    b[masked & (rng.uniform(size=a.shape) < 0.5)] = -np.inf
    a[:, 0], b[:, 0] = np.where(np.isinf(a[:, 0]), 0.0, a[:, 0]), np.where(np.isinf(b[:, 0]), 0.0, b[:, 0])
    return a, b


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e3, 1e4])
def test_compiled_categorical_logits_agree_with_the_numpy_form(scale):
    a, b = _logit_rows(int(scale), scale)
    with np.errstate(all="ignore"):  # the reference form warns on masked rows (its own business)
        ref = D._kl_logits_rows(a, b)
    got = D._kl_logits_rows_compiled(a, b)
    finite = np.isfinite(ref)
    assert np.array_equal(np.isfinite(got), finite)
    assert np.array_equal(got[~finite], ref[~finite])
    # the two differ only in the order and compensation of the row sums
    assert np.all(np.abs(got[finite] - ref[finite]) <= 4 * np.spacing(np.abs(ref[finite])) + 1e-300)


def test_compiled_categorical_logits_against_mpmath_near_equal():
    rng = np.random.default_rng(3)
    for _ in range(40):
        a = rng.normal(size=5) * 20
        b = a + 10.0 ** rng.uniform(-12, -2) * rng.normal(size=5) + rng.normal()
        assert ulp_spacing_error(float(D.kl_categorical_logits(a, b)), A.ref_kl_categorical_logits(a, b)) <= 6


def test_a_perturbed_term_would_be_caught():
    a, b = _logit_rows(5, 3.0)
    got = D._kl_logits_rows_compiled(a, b)
    wrong = got * (1 + 64 * np.finfo(float).eps)
    with np.errstate(all="ignore"):
        ref = D._kl_logits_rows(a, b)
    finite = np.isfinite(ref) & (ref > 0)
    assert not np.all(np.abs(wrong[finite] - ref[finite]) <= 4 * np.spacing(ref[finite]))


@pytest.mark.parametrize("scale", [0.1, 3.0, 60.0, 600.0])
def test_bernoulli_logits_fast_path_agrees_with_the_categorical_route(scale):
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=2000) * scale, rng.normal(size=2000) * scale
    got = D.kl_bernoulli_logits(a, b)
    ref = D._kl_logits_rows_compiled(D._bernoulli_logit_pair(a), D._bernoulli_logit_pair(b))
    assert np.all(np.abs(got - ref) <= 12 * np.spacing(np.abs(ref)) + 1e-300)
    swapped = D.kl_bernoulli_logits(b, a)  # KL is not symmetric: a swapped argument is caught
    assert not np.all(np.abs(swapped - ref) <= 12 * np.spacing(np.abs(ref)) + 1e-300)


def test_bernoulli_logits_against_mpmath():
    rng = np.random.default_rng(11)
    for _ in range(60):
        a = float(rng.normal() * 10.0 ** rng.uniform(-1, 2.5))
        b = a + float(10.0 ** rng.uniform(-12, 1) * rng.normal())
        assert ulp_spacing_error(float(D.kl_bernoulli_logits(a, b)), A.ref_kl_bernoulli_logits(a, b)) <= 9


def test_infinite_bernoulli_logits_take_the_general_route():
    got = D.kl_bernoulli_logits(np.array([np.inf, -np.inf, 2.0, 800.0]), np.array([0.0, 3.0, np.inf, -800.0]))
    assert got[0] == pytest.approx(np.log(2), rel=1e-15)
    assert got[2] == np.inf  # σ(b) = 1 where σ(a) < 1: support mismatch
    assert got[3] == pytest.approx(800.0, rel=1e-15)  # log(1/σ(−800)) = 800 + log1p(e^{−800})


def test_small_categorical_inputs_give_the_large_path_bits():
    rng = np.random.default_rng(2)
    p, q = rng.dirichlet(np.ones(10), 20_000), rng.dirichlet(np.ones(10), 20_000)
    whole = D.kl_categorical(p, q)  # 2·10⁵ elements: the threaded, chunked path
    small = np.concatenate([D.kl_categorical(p[i : i + 100], q[i : i + 100]) for i in range(0, 20_000, 100)])
    assert np.array_equal(whole, small)


def test_scalar_normal_parameters_give_the_full_array_bits():
    rng = np.random.default_rng(4)
    for n in (1, 7, 4096, 70_000):
        m, s = rng.normal(size=n), np.exp(rng.normal(size=n))
        assert np.array_equal(D.kl_normal(m, s, 0.0, 1.0), D.kl_normal(m, s, np.zeros(n), np.ones(n)))
        full = D.kl_normal(np.full(n, 0.5), np.full(n, 2.0), m, s)
        assert np.array_equal(D.kl_normal(0.5, 2.0, m, s), full)


def test_log1p_terms_take_the_direct_form_from_y_below_minus_a_half():
    """:func:`numerics._jit.kl_terms_log1p` is :func:`numerics._jit.kl_terms_d` bit for bit except
    on −⅔ ≤ y < −½, where it is a·ℓ − d exactly (the form Bernoulli logits use there)."""
    from numerics import _jit as J

    rng = np.random.default_rng(3)
    p, q = rng.uniform(1e-3, 1, 5000), rng.uniform(1e-3, 1, 5000)
    d = p - q
    ell = np.log1p(d / q)
    old, new = np.empty_like(p), np.empty_like(p)
    J.kl_terms_d(p, q, d, ell, old)
    J.kl_terms_log1p(p, q, d, ell, new)
    y = d / (p + q)
    band = (y >= -2 / 3) & (y < -0.5)
    assert band.sum() > 100
    assert np.array_equal(new[~band], old[~band])
    assert np.array_equal(new[band], p[band] * ell[band] - d[band])
    assert not np.array_equal(new[band], old[band])  # the two forms round differently there


def test_bernoulli_logits_in_the_direct_form_band_against_mpmath():
    """Pairs with a term in −⅔ ≤ y < −½ (|logit| ~ 2), 300 of them, against mpmath: ≤ 6 ulp (the
    band's worst over 1,500 such pairs was 5.3 ulp with a·ℓ − d, 6.4 with the other form)."""
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=8000) * 2, rng.normal(size=8000) * 2
    p, q = 1 / (1 + np.exp(-a)), 1 / (1 + np.exp(-b))
    y1, y0 = (p - q) / (p + q), (q - p) / ((1 - p) + (1 - q))
    band = ((y1 >= -2 / 3) & (y1 < -0.5)) | ((y0 >= -2 / 3) & (y0 < -0.5))
    a, b = a[band][:300], b[band][:300]
    got = D.kl_bernoulli_logits(a, b)
    worst = max(ulp_spacing_error(float(g), A.ref_kl_bernoulli_logits(float(x), float(z)))
                for g, x, z in zip(got, a, b, strict=True))
    assert worst <= 6.0, worst


def test_the_near_equal_threshold_is_the_same_in_both_forms():
    from numerics import _jit as J

    assert J._FAR_KL == D._FAR_KL


@pytest.mark.parametrize("shift", [0.0, 7.5])
def test_rows_on_both_sides_of_the_near_equal_threshold_against_mpmath(shift):
    # KL ≈ Σ p·δ²/2 swept through 2⁻⁴⁴ ≈ 5.7e-14: rows below redo R as log1p(X), rows above take
    # log(S_a/S_b); both must stay within a few ulp of the exact value
    rng = np.random.default_rng(19)
    a = rng.normal(size=(60, 5)) * 4
    scale = 10.0 ** np.linspace(-9, -5, 60)[:, None]
    b = a + scale * rng.normal(size=a.shape) + shift
    got = D.kl_categorical_logits(a, b)
    assert np.any(got < D._FAR_KL) and np.any(got > D._FAR_KL)
    for i in range(60):
        assert ulp_spacing_error(float(got[i]), A.ref_kl_categorical_logits(a[i], b[i])) <= 6


def test_the_prechecked_path_gives_the_general_paths_bits():
    rng = np.random.default_rng(23)
    a, b = rng.normal(size=(300, 7)) * 5, rng.normal(size=(300, 7)) * 5
    fast = D.kl_categorical_logits(a, b)
    general = D.kl_categorical_logits(np.asfortranarray(a), b.tolist())  # not the pre-checked case
    assert np.array_equal(fast, general)
    assert np.array_equal(fast, D._kl_logits_rows_compiled(a, b))


@pytest.mark.parametrize(
    ("entry", "message"),
    [(np.nan, "contains NaN"), (np.inf, "contains +inf")],
)
def test_a_bad_entry_deep_in_a_large_batch_is_still_named(entry, message):
    rng = np.random.default_rng(29)
    a, b = rng.normal(size=(5000, 10)), rng.normal(size=(5000, 10))
    b[4321, 3] = entry
    with pytest.raises(ValueError, match="^b: " + re.escape(message)):
        D.kl_categorical_logits(a, b)
    b[4321, 3] = 0.0
    b[4000] = -np.inf
    with pytest.raises(ValueError, match=r"^b: every logit of an event is −inf"):
        D.kl_categorical_logits(a, b)


def test_series_of_the_terms_against_mpmath():
    # e^v − 1 − v on [−1, 2] (the series) and below −1 (from e^v), v = u + ul
    import mpmath as mp

    from numerics._kernels import expm1mx_wide

    rng = np.random.default_rng(31)
    u = np.concatenate([rng.uniform(-1, 2, 3000), -(10.0 ** rng.uniform(-12, 0, 1000)),
                        rng.uniform(-30, -1, 1000)])
    ul = u * 2.0**-53 * rng.uniform(-1, 1, u.size)
    got = expm1mx_wide(u, ul, np.exp(u))
    worst = 0.0
    with mp.workdps(60):
        for x, lo, g in zip(u, ul, got, strict=True):
            v = mp.mpf(float(x)) + mp.mpf(float(lo))
            exact = mp.expm1(v) - v
            worst = max(worst, float(abs(mp.mpf(float(g)) - exact) / np.spacing(float(exact))))
    # measured worst 3.36 ulp, near u = −0.54 where the two series' parts (cosh u − 1 and
    # sinh u − u < 0) cancel by a factor ~1.5; the sweep of kl_categorical_logits bounds the whole
    assert worst <= 3.5
    # a wrong variant (the series without the correction ul) is caught near 0
    small = np.abs(u) < 1e-6
    wrong = expm1mx_wide(u[small], 0.0 * ul[small], np.exp(u[small]))
    assert not np.array_equal(wrong, got[small])


def test_logits_kls_give_the_same_bits_in_one_and_in_two_threads(monkeypatch):
    # 10⁵ elements: above the logits' threading threshold (2¹⁵), below the others' (2¹⁸)
    from numerics import _parallel as P

    rng = np.random.default_rng(37)
    a, b = rng.normal(size=(10_000, 10)) * 3, rng.normal(size=(10_000, 10)) * 3
    a[::97, 3] = -np.inf
    b[::97, 3] = -np.inf
    results = {}
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("NUMERICS_THREADS", threads)
        if threads != "1":
            assert len(P.row_blocks(a.shape[0], a.size, P.MIN_ELEMENTS_FEW_CALLS)) == int(threads)
        results[threads] = (D.kl_categorical_logits(a, b), D.kl_bernoulli_logits(a[:, 0], b[:, 1]),
                            D.kl_bernoulli_logits(a[:, :9].ravel(), b[:, 1:].ravel()))
    for threads in ("2", "3"):
        for one, many in zip(results["1"], results[threads], strict=True):
            assert np.array_equal(one, many)
