"""The NumPy form of the compiled categorical-logits block (``numerics._logits_numpy``) gives the
compiled route's bits — every value (sign of zero, NaN and inf included) and the count of skipped
rows — on logits written the way people write them (Gaussian draws of several scales, K from 2 to
1000, equal and near-equal rows, −inf masks and the large negative numbers used as masks in
public code, huge spreads) and on every branch of the compiled passes. Wrong variants of the form
(NumPy's SIMD log/expm1/log1p/exp where the compiled code calls the C library, a pairwise row sum,
a reassociated ℓ, Python integers in the subnormal scaling, no near-equal redo) are caught by the
same comparison; a fresh process computes it without numba."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from numerics import _jit as J
from numerics import _logits_numpy as M
from numerics import divergences as D
from tests.numerics.fresh_process import run_json

Pair = tuple[np.ndarray, np.ndarray]


def _compiled(a: np.ndarray, b: np.ndarray) -> tuple[int, np.ndarray]:
    value = np.full(a.shape[0], 12345.0)
    return D._kl_logits_block(a, b, value), value


def _numpy(a: np.ndarray, b: np.ndarray) -> tuple[int, np.ndarray]:
    value = np.full(a.shape[0], 6789.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the form must not warn
        skipped = M.kl_logits_block_numpy(a, b, value)
    return skipped, value


def _same_bits(x: np.ndarray, y: np.ndarray) -> bool:
    """Equal as float64 bit patterns (stricter than array_equal with equal_nan: −0.0 ≠ +0.0)."""
    return x.shape == y.shape and np.array_equal(x.view(np.int64), y.view(np.int64))


def _agree(a: np.ndarray, b: np.ndarray) -> tuple[int, np.ndarray]:
    a, b = np.ascontiguousarray(a, dtype=np.float64), np.ascontiguousarray(b, dtype=np.float64)
    want = _compiled(a, b)
    got = _numpy(a, b)
    assert got[0] == want[0]
    bad = np.flatnonzero(got[1].view(np.int64) != want[1].view(np.int64))
    assert bad.size == 0, (bad[:5], got[1][bad[:5]], want[1][bad[:5]], a[bad[:1]], b[bad[:1]])
    assert np.array_equal(got[1], want[1], equal_nan=True)
    return want


# ---------------------------------------------------------------------------- inputs
def _masked(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, fill: float, share: float = 0.2) -> Pair:
    """Masks the way attention and classifier code writes them: a share of the categories set to
    ``fill`` (−inf or a large negative number) in a, most of them in b too; category 0 is kept."""
    a, b = a.copy(), b.copy()
    masked = rng.uniform(size=a.shape) < share
    masked[:, 0] = False
    a[masked] = fill
    b[masked & (rng.uniform(size=a.shape) < 0.7)] = fill
    return a, b


def _user_rows(seed: int) -> Iterator[Pair]:
    """Logits as people pass them: N(0, s²) draws for s = 1 … 30, K = 2, 3, 10, 100, 1000, each
    against an independent draw, the same rows, the rows plus a constant, rows perturbed by
    1e-15 … 1e-3, and −inf / −1e9 / −1e30 masks."""
    rng = np.random.default_rng(seed)
    for k in (2, 3, 10, 100, 1000):
        m = max(4, 6000 // k)
        for scale in (1.0, 3.0, 10.0, 30.0):
            a = rng.normal(size=(m, k)) * scale
            b = rng.normal(size=(m, k)) * scale
            yield a, b
            yield a, a.copy()
            yield a, a + rng.normal(size=(m, 1)) * 5
            step = 10.0 ** rng.uniform(-15, -3, size=(m, 1))
            yield a, a + step * rng.normal(size=(m, k))
            for fill in (-np.inf, -1e9, -1e30):
                yield _masked(rng, a, b, fill)
                yield _masked(rng, a, a + step * rng.normal(size=(m, k)), fill)


def test_logits_people_pass_give_the_compiled_bits():
    cases = list(_user_rows(1))
    near = far = 0
    for a, b in cases:
        _, value = _agree(a, b)
        near += int(np.count_nonzero(value < M.FAR_KL))
        far += int(np.count_nonzero(value >= M.FAR_KL))
    assert near > 1000 and far > 1000  # both forms of the last pass were compared


@pytest.mark.parametrize("shift", [0.0, 7.5, -300.0])
def test_rows_on_both_sides_of_the_near_equal_switch(shift):
    """KL ≈ Σ p·δ²/2 swept through 2⁻⁴⁴: rows below are redone with R = log1p(X), rows above not."""
    rng = np.random.default_rng(19)
    a = rng.normal(size=(2000, 5)) * 4
    b = a + 10.0 ** np.linspace(-10, -4, 2000)[:, None] * rng.normal(size=a.shape) + shift
    _, value = _agree(a, b)
    below = np.count_nonzero(value < M.FAR_KL)
    assert 300 < below < 1700


def test_near_rows_with_far_categories_and_subnormal_probabilities():
    """Rows whose KL is below 2⁻⁴⁴ only because the categories that differ are improbable: |c| > 1
    (the e^{a − max a}·q_r − q form of X), ℓ > 1 (e^{−ℓ} from the C library) and p below 2⁻¹⁰⁰⁰
    (the scaled term), all inside the near-equal redo."""
    rng = np.random.default_rng(23)
    m = 3000
    a = np.zeros((m, 4))
    a[:, 1] = -rng.uniform(30, 60, m)
    a[:, 2] = -rng.uniform(690, 760, m)
    a[:, 3] = rng.normal(size=m) * 1e-9
    b = a.copy()
    b[:, 1] -= rng.uniform(1.5, 6, m) * rng.choice([-1.0, 1.0], m)
    b[:, 2] -= rng.uniform(-3, 3, m)
    b[:, 3] += rng.normal(size=m) * 1e-9
    _, value = _agree(a, b)
    assert np.count_nonzero(value < M.FAR_KL) > m // 2


@pytest.mark.parametrize("spread", [1e3, 1e4])
def test_huge_spreads(spread):
    rng = np.random.default_rng(int(spread))
    a = rng.normal(size=(3000, 6)) * spread
    _agree(a, rng.normal(size=(3000, 6)) * spread)
    _agree(a, a + rng.normal(size=(3000, 6)))
    _agree(a, a + rng.normal(size=(3000, 6)) * 1e-6)
    _agree(a, a + rng.normal(size=(3000, 1)) * spread)


@pytest.mark.parametrize("fill", [-700.0, -745.5, -800.0, -1e4, -1e9, -4.4655e9, -1e12, -1e15, -6e18, -1e19,
                                  -1e30, -1e300, -(2.0**1000)])
def test_large_negative_masks(fill):
    """Masks by a large negative logit (``logits.masked_fill(mask, -1e9)`` and the like) put p in
    or below the subnormal range: the scaled term, with the compiled int64/int conversions of
    round(−h/ln2) (their wrap-around beyond 2³¹ and 2⁶³ included)."""
    rng = np.random.default_rng(int(math.log2(-fill)))
    a = rng.normal(size=(1500, 5)) * 2
    near = a + rng.normal(size=(1500, 5)) * 10.0 ** rng.uniform(-12, 0, size=(1500, 1))
    _agree(*_masked(rng, a, near, fill, share=0.4))
    # masked entries of several magnitudes, a's and b's a little apart
    spread = fill * rng.uniform(0.5, 1.0, size=a.shape)
    a2, b2 = a.copy(), near.copy()
    pick = rng.uniform(size=a.shape) < 0.4
    pick[:, 0] = False
    a2[pick], b2[pick] = spread[pick], spread[pick] * (1 + 1e-3 * rng.normal(size=pick.sum()))
    _agree(a2, b2)


def test_rows_the_shift_pass_skips_or_marks():
    """NaN or +inf anywhere, every logit −inf in a or in b, a |logit| beyond 2¹⁰⁰⁰ (skipped:
    NaN, counted) and a support mismatch (+inf, not counted), beside ordinary rows."""
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(14, 4)), rng.normal(size=(14, 4))
    a[0, 1] = np.nan
    b[1, 2] = np.nan
    a[2, 0] = np.inf
    b[3, 3] = np.inf
    a[4] = -np.inf
    b[5] = -np.inf
    a[6, 1] = 2.0**1001
    b[7, 0] = -np.finfo(float).max  # torch.finfo(float64).min as a mask: beyond 2¹⁰⁰⁰
    b[8, 1] = -np.inf  # a finite where b is masked
    a[9, 1] = b[9, 1] = 2.0**1000  # at the bound: inside
    a[10, 2] = -(2.0**1000)
    a[11] = b[11] = -np.inf
    a[12, 0], b[12, 0] = np.nan, -np.inf
    skipped, value = _agree(a, b)
    outside = [0, 1, 2, 3, 4, 5, 6, 7, 11, 12]
    assert skipped == len(outside) and np.isnan(value[outside]).all()
    assert value[8] == np.inf and np.isfinite(value[[9, 10, 13]]).all()


def test_signed_zeros_ties_and_empty_blocks():
    a = np.array([[-0.0, 0.0, -1.0], [0.0, -0.0, -1.0], [-0.0, -0.0, -0.0], [0.0, 0.0, 0.0], [2.0, 2.0, 2.0]])
    _agree(a, a[[1, 0, 3, 2, 4]])
    _agree(a, a.copy())
    assert _agree(np.zeros((0, 3)), np.zeros((0, 3)))[0] == 0
    assert _agree(np.zeros((3, 0)), np.zeros((3, 0)))[0] == 3


def test_rows_sprinkled_with_special_values():
    """Random rows (K = 1 … 64, scales 1e-3 … 1e4, independent, near-equal, equal, shifted and
    quantised pairs) with NaN, ±inf, ±0, ±2¹⁰⁰⁰, 2¹⁰⁰¹, subnormals and mask-like values dropped in."""
    rng = np.random.default_rng(2024)
    specials = np.array([0.0, -0.0, -np.inf, np.inf, np.nan, 2.0**1000, -(2.0**1000), 2.0**1001, 1e-310,
                         -1e-310, 700.0, -745.2, -1e9, -1e12, -1e30, 5e-324, 1.0, -1.0])
    for trial in range(150):
        k = int(rng.choice([1, 2, 3, 5, 17, 64]))
        m = int(rng.integers(1, 120))
        scale = 10.0 ** rng.uniform(-3, 4)
        a = rng.normal(size=(m, k)) * scale
        b = [rng.normal(size=(m, k)) * scale,
             a + rng.normal(size=(m, k)) * 10.0 ** rng.uniform(-17, 0, size=(m, 1)),
             a.copy(), a + rng.normal(size=(m, 1)) * scale, np.round(a * 4) / 4][trial % 5]
        for x in (a, b):
            drop = rng.uniform(size=x.shape) < rng.choice([0.0, 0.02, 0.2])
            x[drop] = rng.choice(specials, size=int(drop.sum()))
        _agree(a, b)


def test_the_constants_are_the_compiled_ones():
    assert (M.WIDE_LOGIT, M.FAR_KL, M.LN2_HI, M.LN2_LO) == (J._WIDE_LOGIT, J._FAR_KL, J._LN2_HI, J._LN2_LO)
    assert (M.FAR_KL, M.WIDE_LOGIT, M.LN2_HI) == (D._FAR_KL, D._WIDE_LOGIT, D._LN2_HI)


# ---------------------------------------------------------------------------- wrong variants
def _variant_inputs() -> list[Pair]:
    """Inputs that reach every branch, many rows each, so that a one-ulp difference shows:
    independent rows (the far form of the terms, log(S_a/S_b) per row), near-equal rows (R =
    log1p(X)), near rows whose differing categories are improbable (ℓ > 1: e^{−ℓ} from the C
    library), rows equal but for a category with p just below 2⁻¹⁰⁰⁰ (the scaled term), and a
    −1e12 mask (the integer conversions of that scaling)."""
    rng = np.random.default_rng(31)
    m = 6000
    a = rng.normal(size=(m, 3)) * 3
    pairs = [(a, rng.normal(size=(m, 3)) * 3)]
    pair = rng.normal(size=(4 * m, 2)) * 3
    pairs.append((pair, pair + 10.0 ** rng.uniform(-9, -7, size=(4 * m, 1)) * rng.normal(size=(4 * m, 2))))
    c = np.zeros((m, 4))
    c[:, 1] = -rng.uniform(30, 60, m)
    c[:, 2] = -rng.uniform(700, 745, m)
    c[:, 3] = rng.normal(size=m)
    d = c.copy()
    d[:, 1] -= rng.uniform(1.5, 6, m)
    d[:, 2] -= rng.uniform(-2, 2, m)
    d[:, 3] += rng.normal(size=m) * 1e-9
    pairs.append((c, d))
    t = np.zeros((m, 3))
    t[:, 1] = rng.normal(size=m)
    t[:, 2] = -rng.uniform(694, 708, m)
    u = t.copy()
    u[:, 2] += rng.uniform(-2, 2, m)
    pairs.append((t, u))
    e = a.copy()
    e[:, 2] = -1e12
    pairs.append((e, e + 1e-3 * rng.normal(size=(m, 3))))
    return pairs


def _caught(monkeypatch: pytest.MonkeyPatch, name: str, replacement: object) -> bool:
    """Whether the form with ``name`` replaced differs from the compiled bits on some input."""
    with monkeypatch.context() as patch:
        patch.setattr(M, name, replacement)
        for a, b in _variant_inputs():
            want = _compiled(a, b)
            value = np.empty(a.shape[0])
            with np.errstate(all="ignore"):
                skipped = M.kl_logits_block_numpy(a, b, value)
            if skipped != want[0] or not _same_bits(value, want[1]):
                return True
    return False


def test_the_variant_inputs_pass_with_the_form_itself(monkeypatch):
    assert not _caught(monkeypatch, "FAR_KL", M.FAR_KL)


@pytest.mark.parametrize(("fn", "twin"), [(math.log, np.log), (math.log1p, np.log1p), (math.exp, np.exp),
                                        (M._exp_or_inf, np.exp)])
def test_numpy_simd_in_place_of_the_c_library_is_caught(monkeypatch, fn, twin):
    """NumPy's log (R per row), log1p (R of near rows), exp (e^{−ℓ} of near rows, exp(s) of the
    scaled term) where the compiled code calls the C library. (Its expm1 in X of near rows is the
    C library's too; NumPy's agrees with it to |c| ≈ 1e-4, and where |c| is larger the category is
    improbable enough that X's last bit does not reach the KL: no input was found to show it.)"""
    libm = M._libm

    def numpy_instead(f: Callable[[float], float], x: np.ndarray) -> np.ndarray:
        return twin(x) if f is fn else libm(f, x)

    assert _caught(monkeypatch, "_libm", numpy_instead)


def test_a_pairwise_row_sum_is_caught(monkeypatch):
    def pairwise(x: np.ndarray, take: np.ndarray | None = None) -> np.ndarray:
        return np.sum(x if take is None else np.where(take, x, 0.0), axis=-1)

    assert _caught(monkeypatch, "_comp_sums", pairwise)


def test_a_reassociated_far_term_is_caught(monkeypatch):
    """(q − p) + (p·ℓ + p·ℓ_lo) in place of ((q − p) + p·ℓ) + p·ℓ_lo for ℓ < −2."""
    terms = M._terms

    def reassociated(p, q, ell, ell_lo, ex, fa, h, lo, sa, log_sa):
        out = terms(p, q, ell, ell_lo, ex, fa, h, lo, sa, log_sa)
        return np.where(fa & (ell < -2.0), (q - p) + (p * ell + p * ell_lo), out)

    assert _caught(monkeypatch, "_terms", reassociated)


def test_a_reassociated_ratio_is_caught(monkeypatch):
    """R = hb_r + (log(S_a/S_b) + lb_r) as one rounded sum in place of the double-double."""
    parts = M._ell_parts

    def single(eh, el, eh_r, el_r, r_hi, r_lo):
        return parts(eh, el, eh_r, el_r, r_hi + r_lo, np.zeros_like(r_lo))

    assert _caught(monkeypatch, "_ell_parts", single)


def test_the_zero_guard_of_the_subnormal_scaling_is_caught(monkeypatch):
    """Without the +0 guard below a_i − max a = −1500, a mask of −1e12 sends k = round(−h/ln2)
    past ldexp's C int and the term to NaN, where the compiled code gives 0."""
    assert _caught(monkeypatch, "LOGIT_TERM_ZERO_BELOW", -np.inf)


def test_no_near_equal_redo_is_caught(monkeypatch):
    assert _caught(monkeypatch, "FAR_KL", 0.0)


# ---------------------------------------------------------------------------- without numba
def test_a_fresh_process_computes_the_form_without_numba():
    code = (
        "import json, sys\nimport numpy as np\nfrom numerics._logits_numpy import kl_logits_block_numpy\n"
        "a = np.array([[0.5, -1.0, 2.0], [1.0, -np.inf, 0.0], [3.0, 3.0, -1e9], [np.nan, 0.0, 0.0]])\n"
        "b = np.array([[0.0, 0.0, 0.0], [1.0, -np.inf, 1e-9], [3.0, 3.0 + 1e-12, -1e9], [0.0, 0.0, 0.0]])\n"
        "value = np.empty(4)\nskipped = kl_logits_block_numpy(a, b, value)\n"
        "print(json.dumps({'numba': 'numba' in sys.modules, 'jit': 'numerics._jit' in sys.modules,\n"
        "    'skipped': skipped, 'values': [float(x).hex() for x in value]}))\n"
    )
    got = run_json(code, timeout=120)
    assert got["numba"] is False and got["jit"] is False
    a = np.array([[0.5, -1.0, 2.0], [1.0, -np.inf, 0.0], [3.0, 3.0, -1e9], [np.nan, 0.0, 0.0]])
    b = np.array([[0.0, 0.0, 0.0], [1.0, -np.inf, 1e-9], [3.0, 3.0 + 1e-12, -1e9], [0.0, 0.0, 0.0]])
    skipped, value = _compiled(a, b)
    assert got["skipped"] == skipped == 1
    assert got["values"] == [float(x).hex() for x in value]
