"""The compiled kernels (numerics._jit) against the NumPy reference forms they
replace and against mpmath; a wrong variant is caught by the same accuracy check; results do not
depend on batching, chunking, threads or memory layout, to the last bit.

Tolerances: the kernels evaluate the reference forms operation by operation with NumPy's own
vectorised transcendental functions, so element-wise results equal the references bit for bit;
row sums are compensated (the references sum pairwise), so row results agree within a few ulp
(≤ log₂K·ε of the pairwise sums). Against mpmath: 2 ulp, the bound of
``test_divergence_regimes.py``."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from numerics import _jit as J
from numerics import _kernels as K
from numerics import _parallel as P
from numerics import accuracy as A
from numerics import divergences as D

F64_ULP = 2.0
#: the far form d·L/2 + s·(L/2 − y) just outside the series radius (|y| a little above ¼) is the
#: reference's weakest point: measured 6.1 ulp on these cases, the NumPy form identically
TERM_ULP = 8.0
#: the regime sweep's bound (test_divergence_regimes.test_regime_sweep); a row of subnormal
#: entries is 2.2 ulp off in the reference as well
ROW_ULP = 4.0


def _kl_terms(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The compiled term kernel as divergences._categorical_pass drives it (ℓ from np.log)."""
    a, b = np.ascontiguousarray(a, dtype=float), np.ascontiguousarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        ell = np.log(a / b)
    out = np.empty_like(a)
    if J.kl_terms(a, b, ell, out):
        J.kl_terms_fix(a, b, ell, out)
    return out


def _term_cases() -> tuple[np.ndarray, np.ndarray]:
    """a, b ≥ 0 across the regimes of kl_term: near-equal (both series lengths), |y| just inside
    and outside ¼ and −⅔, a ≪ b, a ≫ b, ratios that over-/underflow, zeros, subnormals."""
    rng = np.random.default_rng(5)
    b = np.exp(rng.uniform(-30, 5, 400))
    y = np.concatenate([
        rng.uniform(-1e-4, 1e-4, 50), rng.uniform(-2.0**-10, 2.0**-10, 50), rng.uniform(-0.3, 0.3, 100),
        rng.uniform(-0.9, 0.9, 100), rng.uniform(-1, 1, 100),
    ])
    a = b * (1 + y) / (1 - y)  # y = (a − b)/(a + b)
    extra_a = np.array(
        [0.0, 0.0, 1.0, 1e-300, 1e300, 5e-324, 2.6219361886261046e-273, 2.0033027218119444e-08, 1.0]
    )
    extra_b = np.array(
        [1.0, 0.0, 0.0, 1e300, 1e-300, 1e-320, 9.642160751233645e-32, 0.10343092551392612, 1.0]
    )
    return np.concatenate([a, extra_a]), np.concatenate([b, extra_b])


def _ref_term(a: float, b: float) -> mp.mpf:
    if a == 0:
        return mp.mpf(b)
    if b == 0:
        return mp.inf
    with mp.workdps(60):
        x, y = mp.mpf(a), mp.mpf(b)
        return x * mp.log(x / y) - x + y


def _worst_ulp(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    worst = 0.0
    for got, x, y in zip(values, a, b, strict=True):
        ref = _ref_term(float(x), float(y))
        if ref == mp.inf:
            assert got == np.inf
            continue
        worst = max(worst, A.ulp_error(float(got), ref))
    return worst


def test_kl_terms_equal_the_numpy_form_and_are_exact():
    a, b = _term_cases()
    got = _kl_terms(a, b)
    assert np.array_equal(got, K.kl_term(a, b, a - b))  # bit for bit, infinities included
    assert _worst_ulp(got, a, b) <= TERM_ULP


def _short_series_everywhere(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """WRONG: the 3-term series of V (right only for |y| ≤ 2⁻¹⁰) for every |y| ≤ ¼."""
    d, s = a - b, a + b
    with np.errstate(invalid="ignore"):
        y = d / s
    w = y * y
    poly = (K._V_SMALL[2] * w + K._V_SMALL[1]) * w + K._V_SMALL[0]
    near = (((poly * (y + 1.0)) * y + 1.0) * y) * d
    return np.where(np.abs(y) <= 0.25, near, _kl_terms(a, b))


def _textbook(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """WRONG: a·log(a/b) − a + b, which cancels for a ≈ b."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(a == 0, b, a * np.log(a / b) - a + b)


@pytest.mark.parametrize("wrong", [_short_series_everywhere, _textbook])
def test_a_wrong_term_kernel_is_caught(wrong):
    a, b = _term_cases()
    assert _worst_ulp(wrong(a, b), a, b) > 100 * TERM_ULP


def test_scalar_xmlog1p_matches_numpy():
    x = np.concatenate([np.linspace(-0.5, 0.5, 201), [1e-300, -1e-9, 3.0, 0.25, -0.25]])
    # the series part bit for bit; beyond it x − log1p(x) with libm's log1p against NumPy's: they
    # may differ by an ulp of log1p(x), which the subtraction carries over unchanged
    series = np.abs(x) <= 0.25
    scalar = np.array([J.xmlog1p(v) for v in x])
    assert np.array_equal(scalar[series], K.xmlog1p(x[series]))
    eps = np.finfo(np.float64).eps
    assert np.all(np.abs(scalar - K.xmlog1p(x)) <= 2 * eps * np.abs(np.log1p(x)))


# ---------------------------------------------------------------------------- Normal


def _normal_cases(n: int = 3000) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    m1, m2 = rng.normal(size=n) * 3, rng.normal(size=n) * 3
    s1 = np.exp(rng.normal(size=n) * 3)
    s2 = s1 * np.exp(rng.choice([1e-9, 1e-3, 0.3, 1.0, 3.0], size=n) * rng.normal(size=n))
    m2[::7] = m1[::7]
    # the extreme-scale reproducers
    m1[:4], s1[:4] = [0, 0, 1e308, 0], [1, 1e-200, 1e300, 1.5e154]
    m2[:4], s2[:4] = [0, 0, -1e308, 0], [1e-310, 1e200, 1e300, 1]
    return [m1, s1, m2, s2]


def test_normal_kernels_equal_the_numpy_form_and_are_exact():
    args = _normal_cases()
    ref = np.empty(args[0].size)
    with np.errstate(all="ignore"):
        D._kl_normal_into_numpy(*args, out=ref)
    got = np.empty_like(ref)
    assert not D._kl_normal_flat(*args, got)  # the first case overflows: reported as not clean
    assert D._kl_normal_flat(*(v[1:] for v in args), got[1:])
    assert np.array_equal(got, ref) and got[0] == np.inf
    for i in list(range(4)) + list(range(4, 3000, 97)):
        x = [float(v[i]) for v in args]
        assert A.ulp_error(float(got[i]), A.ref_kl_normal(*x)) <= F64_ULP, x


def _threshold_cases() -> list[np.ndarray]:
    """σ₁/σ₂ on both sides of the forms' switches (⅓ and 3, a few ulp apart), σ₁ = σ₂, ratios
    that underflow to subnormal or zero and that overflow, means a hair apart and far apart."""
    s2 = np.array([1.0, 3.0, 0.7, 1e-300, 1e300, 2.0])
    ratios = []
    for edge in (1.0 / 3.0, 3.0, 0.5, 2.0):
        ratios += [edge * (1 + k * 2.0**-52) for k in range(-4, 5)]
    ratios += [1.0, 1 + 2.0**-52, 1 - 2.0**-53, 1e-310, 1e-320, 5e-324, 1e-200, 1e200]
    with np.errstate(over="ignore"):  # 1e200 · 1e300 leaves the range: dropped below
        s1 = np.concatenate([np.array(ratios) * v for v in s2])
    s2 = np.repeat(s2, len(ratios))
    keep = (s1 > 0) & np.isfinite(s1)
    s1, s2 = s1[keep], s2[keep]
    m1 = np.resize(np.array([0.0, 1.0, -3.0, 1e-300, 5.0]), s1.size)
    m2 = m1 + np.resize(np.array([0.0, 1e-12, 2.0, -7.0]), s1.size) * s2
    return [m1, s1, m2, s2]


def test_normal_forms_agree_and_are_exact_at_their_switches():
    args = _threshold_cases()
    ref = np.empty(args[0].size)
    D._kl_normal_into_numpy(*args, out=ref)
    got = np.empty_like(ref)
    D._kl_normal_flat(*args, got)
    assert np.array_equal(got, ref)
    for i in range(got.size):
        x = [float(v[i]) for v in args]
        want = A.ref_kl_normal(*x)
        if math.isfinite(float(got[i])) or mp.isfinite(want):
            assert A.ulp_error(float(got[i]), want) <= 2 * F64_ULP, x


def _wide_exponents(rng: np.random.Generator, n: int) -> np.ndarray:
    """Floats of random sign-free magnitude 2^e, e uniform over the whole float range
    (subnormals included), plus the edges where Veltkamp's splitting overflows (2⁹⁹⁶ … 2⁹⁹⁷)."""
    v = np.ldexp(rng.uniform(1.0, 2.0, size=n), rng.integers(-1074, 1024, size=n))
    v[: n // 8] = np.ldexp(rng.uniform(1.0, 2.0, size=n // 8), rng.integers(994, 999, size=n // 8))
    return v


def test_the_fused_residual_is_dekkers_low_part():
    """_product_residual (one fused multiply-add) against ``_kernels.two_product``'s low part
    (Dekker, which the NumPy forms use): the same bits wherever Dekker's partial products stay
    above the underflow range, and non-finite exactly where his are."""
    rng = np.random.default_rng(11)
    n = 200_000
    a = _wide_exponents(rng, n) * rng.choice([-1.0, 1.0], size=n)
    b = _wide_exponents(rng, n)
    b[::3] = np.exp(rng.normal(size=b[::3].size))  # ordinary scales too
    with np.errstate(all="ignore"):
        hi, dekker = K.two_product(a, b)
    triples = zip(a.tolist(), b.tolist(), hi.tolist(), strict=True)
    fused = np.array([J._product_residual(x, y, h) for x, y, h in triples])
    exact = np.abs(hi) >= K.DEKKER_PRODUCT_MIN  # the callers' guard
    assert np.array_equal(np.isfinite(fused), np.isfinite(dekker))
    both = exact & np.isfinite(dekker)
    assert both.sum() > n // 4 and (~np.isfinite(dekker)).sum() > n // 20
    assert np.array_equal(fused[both].view(np.int64), dekker[both].view(np.int64))
    # a wrong residual — a·b − hi in plain arithmetic, 0 — is caught by the same comparison
    assert not np.array_equal(np.zeros(both.sum()), dekker[both])


def test_normal_kernels_equal_the_numpy_form_across_the_float_range():
    """The compiled Normal passes against the NumPy form, bit for bit, on parameters spread over
    the whole float range (σ's and means subnormal to near overflow, σ's at Veltkamp's splitting
    limit, σ₁/σ₂ a few ulp apart, means equal and a few ulp apart)."""
    rng = np.random.default_rng(12)
    n = 100_000
    s1, s2 = _wide_exponents(rng, n), _wide_exponents(rng, n)
    close = rng.random(n) < 0.3
    s2[close] = s1[close] * (1.0 + rng.integers(-8, 9, size=close.sum()) * 2.0**-52)
    s2 = np.where(s2 > 0, s2, 5e-324)
    m1 = _wide_exponents(rng, n) * rng.choice([-1.0, 1.0], size=n)
    m2 = np.where(rng.random(n) < 0.3, m1 * (1.0 + 2.0**-50), -_wide_exponents(rng, n))
    m2[::5] = m1[::5]
    s2 = np.where(np.isfinite(s2), s2, 1.0)
    ref = np.empty(n)
    with np.errstate(all="ignore"):
        D._kl_normal_into_numpy(m1, s1, m2, s2, out=ref)
    got = np.empty(n)
    D._kl_normal_flat(m1, s1, m2, s2, got)
    assert np.array_equal(got.view(np.int64), ref.view(np.int64))
    assert np.isfinite(ref).sum() > n // 2


def test_a_wrong_normal_kernel_is_caught():
    """torch's textbook form ½(r − 1 − log r) + ½z² fails the same check near σ₁ = σ₂."""
    m1, s1, m2, s2 = (v[4:200] for v in _normal_cases())
    r = (s1 / s2) ** 2
    wrong = 0.5 * (r - 1 - np.log(r)) + 0.5 * ((m1 - m2) / s2) ** 2
    cases = zip(wrong, m1, s1, m2, s2, strict=True)
    worst = max(A.ulp_error(float(w), A.ref_kl_normal(*map(float, x))) for w, *x in cases)
    assert worst > 100 * F64_ULP


def _standard_prior_inputs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(μ₁, σ₁) the way a VAE's encoder gives them, plus every switch and range edge of the Normal
    kernels: σ₁ at 1 ± ulp, ⅓, 3 (the near/far switch), subnormal, near overflow and where
    Veltkamp's splitting overflows (2⁹⁹⁶ … 2⁹⁹⁷); μ₁ at ±0, subnormal, 1e300, 2⁹⁹⁶ … 2⁹⁹⁷."""
    rng = np.random.default_rng(7)
    sigma = np.exp(rng.normal(size=n) * rng.choice([1e-3, 0.3, 1.0, 3.0, 30.0], size=n))
    edges = [1.0, math.nextafter(1.0, 2.0), math.nextafter(1.0, 0.0), 1 / 3, math.nextafter(1 / 3, 1.0),
             3.0, math.nextafter(3.0, 4.0), 5e-324, 2.2250738585072014e-308, 1e-300, 1e300, 1.7e308,
             2.0**996, 2.0**997, 1e-5, 1e5]
    sigma[: len(edges)] = edges
    mu = rng.normal(size=n) * rng.choice([0.0, 1e-10, 1.0, 1e5, 1e150, 1e300], size=n)
    mu[:8] = [0.0, -0.0, 1e300, -1.7e308, 2.0**996, 2.0**997, 5e-324, -5e-324]
    return mu, sigma


def test_the_standard_prior_kernel_gives_the_general_kernels_bits():
    """normal_terms_standard (μ₂ = 0, σ₂ = 1 as scalars) against normal_ratios + log +
    normal_terms with the same scalars: every element's bits and the count it reports."""
    mu, sigma = _standard_prior_inputs(50_000)
    n = mu.size
    general, standard = np.empty(n), np.empty(n)
    x, r, ell = np.empty(n), np.empty(n), np.empty(n)
    with np.errstate(all="ignore"):
        J.normal_ratios(sigma, 1.0, x, r)
        np.log(r, out=ell)
        reported = J.normal_terms(mu, sigma, 0.0, 1.0, x, r, ell, general)
        assert J.normal_terms_standard(mu, sigma, np.log(sigma), standard) == reported
        plain = 0.5 * (sigma * sigma - 1.0) - np.log(sigma) + 0.5 * mu * mu
    assert reported > 0  # the edges reach the fix-up route
    assert np.array_equal(standard.view(np.int64), general.view(np.int64))
    # the comparison has power: the textbook formula differs on many of these elements
    assert (plain != general).sum() > n // 10


def test_a_standard_prior_as_scalars_gives_the_full_arrays_bits():
    mu, sigma = _standard_prior_inputs(4096 * 3)
    mu, sigma = mu[32:].reshape(-1, 32), sigma[32:].reshape(-1, 32)  # past the edge values
    full = D.kl_normal_diag(mu, sigma, np.zeros_like(mu), np.ones_like(sigma))
    for prior in ((0.0, 1.0), (np.float64(0.0), np.float64(1.0)), (np.zeros(1), np.ones(1))):
        got = D.kl_normal_diag(mu, sigma, *prior)
        assert np.array_equal(got, full), prior
    assert np.array_equal(D.kl_normal(mu, sigma, 0.0, 1.0), D.kl_normal(mu, sigma, -0.0, 1.0))


def test_normal_bad_sigma_and_nan_still_name_the_argument():
    with pytest.raises(ValueError, match="sigma2: must be positive"):
        D.kl_normal(np.zeros(4096), np.ones(4096), 0.0, np.r_[np.ones(4095), 0.0])
    with pytest.raises(ValueError, match="mu2: contains NaN"):
        D.kl_normal(np.zeros(4096), 1.0, np.r_[np.zeros(4095), np.nan], 1.0)
    with pytest.raises(ValueError, match="sigma1: contains inf"):
        D.kl_normal(0.0, np.r_[1.0, np.inf], 0.0, 1.0)
    assert D.kl_normal(0.0, 1e300, 0.0, 1e-300) == np.inf  # overflow: inf, no error


# ---------------------------------------------------------------------------- categorical


def _categorical_cases() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(9)
    p = rng.dirichlet(np.ones(10), size=300)
    q = rng.dirichlet(np.ones(10), size=300)
    q[100:200] = p[100:200] * np.exp(1e-6 * rng.uniform(-1, 1, (100, 10)))
    q[100:200] /= q[100:200].sum(-1, keepdims=True)
    q[200:210] = p[200:210]
    q[210, 3] = 0.0  # support mismatch
    q[210] /= q[210].sum()
    return p, q


def test_categorical_agrees_with_the_numpy_form_and_mpmath():
    p, q = _categorical_cases()
    got = D.kl_categorical(p, q)
    ref = D._kl_categorical64_numpy(p, q)
    finite = np.isfinite(ref)
    assert np.array_equal(np.isfinite(got), finite) and got[210] == np.inf
    np.testing.assert_array_max_ulp(got[finite], ref[finite], maxulp=8)
    assert np.all(got[200:210] == 0.0)
    for i in range(0, 300, 11):
        if i != 210:
            assert A.ulp_error(float(got[i]), A.ref_kl_categorical(p[i], q[i])) <= F64_ULP, i


def test_categorical_rescaled_and_exact_routes_and_the_prechecked_validation():
    p = np.array([[3e16, 1e16], [0.5, 1.5], [1e308, 1e308], [1e-310, 3e-310]])
    q = np.array([[0.75, 0.25], [0.25, 0.75], [1.0, 1.0], [0.5, 0.5]])
    got = D.kl_categorical(p, q, normalize=True)
    for i in range(4):
        assert A.ulp_error(float(got[i]), A.ref_kl_categorical(p[i], q[i])) <= ROW_ULP, i
    ok = np.full((3, 4), 0.25)
    for bad, match in ((np.nan, "p: contains NaN"), (-0.25, "p: negative"), (0.3, "p: probabilities sum")):
        p = ok.copy()
        p[1, 2] = bad
        with pytest.raises(ValueError, match=match):
            D.kl_categorical(p, ok)
    q = ok.copy()
    q[2, 0] = np.inf
    with pytest.raises(ValueError, match="q: contains inf"):
        D.kl_categorical(ok, q)
    # at the tolerance's edge the validator decides, exactly as without the pre-check
    for excess, accepted in ((1e-6 * (1 - 1e-9), True), (1e-6 * (1 + 1e-6), False)):
        p = np.array([[0.5, 0.5 + excess]])
        if accepted:
            assert np.isfinite(D.kl_categorical(p, np.array([[0.5, 0.5]]))[0])
        else:
            with pytest.raises(ValueError, match="p: probabilities sum"):
                D.kl_categorical(p, np.array([[0.5, 0.5]]))


# ---------------------------------------------------------------------------- MVN


def test_mvn_kernel_agrees_with_the_numpy_form_and_mpmath():
    rng = np.random.default_rng(11)
    b, d = 40, 5
    a = rng.normal(size=(b, d, d))
    c1 = a @ np.swapaxes(a, -1, -2) + d * np.eye(d)
    c2 = c1 + 1e-7 * np.eye(d)
    c2[20:] = (lambda z: z @ np.swapaxes(z, -1, -2) + d * np.eye(d))(rng.normal(size=(20, d, d)))
    m1, m2 = rng.normal(size=(b, d)), rng.normal(size=(b, d))
    m2[:10] = m1[:10]
    got = D._kl_mvn_compiled(m1, c1, m2, c2, (b,))
    ref = D._kl_mvn_numpy(m1, c1, m2, c2, (b,))
    assert got is not None
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)
    for i in (0, 5, 15, 25, 35):
        cond = float(np.linalg.cond(c1[i]))
        err = A.ulp_error(float(got[i]), A.ref_kl_mvn(m1[i], c1[i], m2[i], c2[i]))
        assert err <= F64_ULP * 16 * cond, (i, err, cond)
    not_pd = c2.copy()
    not_pd[3] = -np.eye(d)
    with pytest.raises(ValueError, match="cov2: not positive definite"):
        D.kl_mvn(m1, c1, m2, not_pd)


# ---------------------------------------------------------------------------- reproducibility


@pytest.fixture
def many_small_blocks(monkeypatch):
    """Chunks of 7 elements, thread blocks from 16 elements on, 2 threads."""
    monkeypatch.setattr(D, "_CHUNK", 7)
    monkeypatch.setattr(D, "_NORMAL_CHUNK", 7)
    monkeypatch.setattr(P, "MIN_ELEMENTS", 16)
    monkeypatch.setattr(P, "MIN_ELEMENTS_FEW_CALLS", 16)
    monkeypatch.setenv("NUMERICS_THREADS", "2")


def _all_kernels() -> list[np.ndarray]:
    p, q = _categorical_cases()
    m1, s1, m2, s2 = _normal_cases(500)
    rng = np.random.default_rng(13)
    a = rng.normal(size=(30, 4, 4))
    c = a @ np.swapaxes(a, -1, -2) + 4 * np.eye(4)
    return [
        D.kl_categorical(p, q),
        D.kl_categorical(p, q, normalize=True),
        D.kl_normal(m1, s1, m2, s2),
        D.kl_normal(m1.reshape(20, 25), 2.0, m2.reshape(20, 25), s2.reshape(20, 25)),
        D.kl_mvn(rng.normal(size=(30, 4)), c, np.zeros(4), c[::-1]),
    ]


def test_results_do_not_depend_on_chunks_threads_or_layout(many_small_blocks):
    split = _all_kernels()
    many_small_blocks_off = pytest.MonkeyPatch()
    many_small_blocks_off.setattr(D, "_CHUNK", 1 << 16)
    many_small_blocks_off.setattr(D, "_NORMAL_CHUNK", 1 << 16)
    many_small_blocks_off.setattr(P, "MIN_ELEMENTS", 1 << 30)
    many_small_blocks_off.setattr(P, "MIN_ELEMENTS_FEW_CALLS", 1 << 30)
    try:
        whole = _all_kernels()
    finally:
        many_small_blocks_off.undo()
    for x, y in zip(split, whole, strict=True):
        assert np.array_equal(x, y)
    p, q = _categorical_cases()
    single = np.array([D.kl_categorical(p[i], q[i]) for i in range(len(p))])
    assert np.array_equal(single, whole[0])
    assert np.array_equal(D.kl_categorical(np.asfortranarray(p), np.asfortranarray(q)), whole[0])
    m1, s1, m2, s2 = _normal_cases(500)
    assert np.array_equal(D.kl_normal(m1[::-1], s1[::-1], m2[::-1], s2[::-1])[::-1], whole[2])
    assert np.array_equal([D.kl_normal(m1[i], s1[i], m2[i], s2[i]) for i in range(500)], whole[2])


def test_threads_give_the_same_bits(monkeypatch):
    """Row blocks in 1, 2 and 3 threads on an input large enough to be split."""
    rng = np.random.default_rng(17)
    p = rng.dirichlet(np.ones(10), size=30_000)
    q = rng.dirichlet(np.ones(10), size=30_000)
    n = 300_000
    args = [rng.normal(size=n), np.exp(rng.normal(size=n)), rng.normal(size=n), np.exp(rng.normal(size=n))]
    results = []
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("NUMERICS_THREADS", threads)
        results.append((D.kl_categorical(p, q), D.kl_normal(*args)))
    for cat, normal in results[1:]:
        assert np.array_equal(cat, results[0][0]) and np.array_equal(normal, results[0][1])
    assert len(P.row_blocks(30_000, p.size)) == 2  # the inputs are split (blocks ≥ MIN_ELEMENTS/2)
    assert math.isfinite(float(results[0][0].sum()))


def _terms_with_differences(a: np.ndarray, b: np.ndarray, d: np.ndarray) -> np.ndarray:
    """kl_terms_d (+ kl_terms_d_fix where it reports) after NumPy's log of a/b, as the
    Bernoulli-logits path calls it."""
    out = np.empty(a.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        ell = np.log(a / b)
    if J.kl_terms_d(a, b, d, ell, out):
        J.kl_terms_d_fix(a, b, d, ell, out)
    return out


def test_term_kernel_with_given_differences_is_the_numpy_form():
    """The compiled term kernel with given differences (for 1 − p, 1 − q: −(p − q), not the
    rounded difference of the complements) is bit for bit the NumPy kl_term."""
    a, b = _term_cases()
    keep = a + b > 0
    p, q = a[keep] / (a[keep] + b[keep]), b[keep] / (a[keep] + b[keep])
    d = p - q
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        assert np.array_equal(_terms_with_differences(1 - p, 1 - q, -d), K.kl_term(1 - p, 1 - q, -d))
        assert np.array_equal(_terms_with_differences(p, q, d), K.kl_term(p, q, d))
