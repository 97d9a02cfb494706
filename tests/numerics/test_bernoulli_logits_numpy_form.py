"""The NumPy form of the compiled Bernoulli-logits KL (numerics._bernoulli_logits_numpy) and of the
compiled term kernel kl_terms_d + kl_terms_d_fix (numerics._kl_terms_numpy) give the compiled
path's bits exactly (np.array_equal, NaN and ±inf included; same count of elements beyond ±700),
on logits as people pass them and on every route of the compiled code: |a − b| ≤ 1 (expm1 form)
and just above (direct differences), the log a − log b fix-up where p/q or (1 − p)/(1 − q)
underflows (asserted to be reached), ±699.9 / ±700.1 / ±1e4 / ±inf; wrong variants of the form are
caught by the same comparison; a fresh process runs the forms without importing numba."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from numerics import _bernoulli_logits_numpy as BL
from numerics import _jit as J
from numerics import _kernels as K
from numerics import _kl_terms_numpy as KT
from numerics import divergences as D
from tests.numerics.fresh_process import run_json

# ---------------------------------------------------------------------------- inputs


#: p = σ(a) below half an ulp of q = σ(b) (or 1 − p below 1 − q's): p − q rounds to −q, the ratio
#: log1p((p − q)/q) is −inf, and the compiled path takes log p − log q (its fix-up route)
_SATURATED = (
    np.array([-40.0, -38.5, -700.0, 40.0, 39.0, -40.0, 40.0, -699.9, 699.9, -60.0, 60.0, -699.9]),
    np.array([0.0, 0.0, 0.0, 0.0, 0.0, 40.0, -40.0, 699.9, -699.9, -3.0, 2.5, -3.0]),
)


def _logit_cases() -> tuple[np.ndarray, np.ndarray]:
    """Logit pairs the way they come: N(0, s²) draws (s = 1 … 30), a network's logits against a
    prior's, equal logits, nearby logits (|a − b| ≤ 1 and just above), tiny logits, the edges of
    σ's normal range, mixed signs, and saturated logits whose ratio p/q underflows."""
    rng = np.random.default_rng(2024)
    a_parts, b_parts = [], []
    for s in (1.0, 3.0, 10.0, 30.0):
        a_parts.append(rng.normal(0.0, s, 300))
        b_parts.append(rng.normal(0.0, s, 300))
    x = rng.normal(0.0, 4.0, 200)  # same logits, and a small step away (a training step)
    a_parts += [x, x, x, x]
    b_parts += [x.copy(), x + rng.normal(0.0, 1e-6, 200), x * (1 + 1e-12), x + rng.uniform(-1.0, 1.0, 200)]
    x = rng.normal(0.0, 10.0, 120)  # |a − b| at 1 and just beyond
    up = np.nextafter(1.0, 2.0)
    steps = np.array([1.0, -1.0, up, -up, 1.0000001, 1.01, 1.5, 0.999999])
    a_parts += [x, np.array([2.5, -0.25, 3.5, 7.0, -3.0, 2.5])]  # |b − a| = 1 exactly, and one ulp above
    b_parts += [x + np.resize(steps, x.size), np.array([3.5, 0.75, 2.5, 6.0, -2.0, np.nextafter(3.5, 4.0)])]
    a_parts.append(np.array([0.0, -0.0, 1e-300, -1e-300, 1e-300, 0.0, 5e-324, 1.0, 1e-8, 0.5]))
    b_parts.append(np.array([0.0, 0.0, -1e-300, 1e-300, 1e-300, 1e-300, 0.0, 1.0 + 2**-52, -1e-8, 0.5]))
    edge = np.array([699.9, -699.9, 700.0, -700.0, 699.9, -699.9, 0.0, 3.0, -2.0, 699.0])
    a_parts.append(edge)
    b_parts.append(np.array([-699.9, 699.9, -700.0, 700.0, 699.9, 0.0, 699.9, -699.9, -700.0, 700.0]))
    a_parts.append(_SATURATED[0])
    b_parts.append(_SATURATED[1])
    a_parts.append(rng.uniform(-80.0, -30.0, 300))
    b_parts.append(rng.uniform(-5.0, 5.0, 300))
    a_parts.append(rng.uniform(30.0, 80.0, 300))
    b_parts.append(rng.uniform(-5.0, 5.0, 300))
    a_parts.append(rng.choice([-1.0, 1.0], 200) * rng.uniform(20.0, 700.0, 200))  # mixed signs, far apart
    b_parts.append(rng.choice([-1.0, 1.0], 200) * rng.uniform(20.0, 700.0, 200))
    return np.concatenate(a_parts), np.concatenate(b_parts)


def _beyond_cases() -> tuple[np.ndarray, np.ndarray]:
    """Pairs with a logit outside ±700 (or ±inf), among ordinary ones."""
    a = np.array([700.1, -700.1, 1e4, -1e4, np.inf, -np.inf, 0.3, 2.0, -1.0, 701.0, 800.0])
    b = np.array([0.0, 1.0, 1e4, 5.0, 0.0, 3.0, -700.1, 1e4, -np.inf, -701.0, 0.5])
    return a, b


def _compiled(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list[int]]:
    out, beyond = np.empty(a.size), []
    D._kl_bernoulli_logits_into(np.ascontiguousarray(a), np.ascontiguousarray(b), out=out, beyond=beyond)
    return out, beyond


def _numpy_form(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list[int]]:
    out, beyond = np.empty(a.size), []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the form must not warn
        BL.kl_bernoulli_logits_into_numpy(np.ascontiguousarray(a), np.ascontiguousarray(b), out=out,
                                          beyond=beyond)
    return out, beyond


def _fix_route_count(a: np.ndarray, b: np.ndarray) -> int:
    """What the compiled ``bernoulli_logit_terms`` returns for these pairs (the steps of
    ``divergences._kl_bernoulli_logits_into`` before it): > 0 means the fix-up route is taken."""
    n = a.size
    ta, tb, h, em, lo, r1, r0, out = (np.empty(n) for _ in range(8))
    with np.errstate(all="ignore"):
        J.bernoulli_logit_split(a, b, 700.0, ta, tb, h, lo)
        np.exp(ta, out=ta)
        np.exp(tb, out=tb)
        np.expm1(h, out=em)
        J.bernoulli_logit_ratios(a, b, ta, tb, h, em, lo, r1, r0)
        np.log1p(r1, out=r1)
        np.log1p(r0, out=r0)
        return int(J.bernoulli_logit_terms(a, b, ta, tb, h, em, lo, r1, r0, out))


def _finite_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (np.abs(a) <= 700.0) & (np.abs(b) <= 700.0)


# ---------------------------------------------------------------------------- the logits form


def test_the_cases_reach_every_route():
    a, b = _logit_cases()
    h = np.abs(b - a)
    assert np.any(h == 1.0) and np.any((h > 1.0) & (h < 1.0 + 1e-15)) and np.any(h < 1.0)
    assert all(_fix_route_count(x[None], y[None]) == 1 for x, y in zip(*_SATURATED, strict=True))
    assert _fix_route_count(np.array([-37.0, 36.0]), np.array([0.0, 0.0])) == 0  # just short of it
    assert _fix_route_count(a, b) > 300  # hundreds of elements take log a − log b
    assert _fix_route_count(a[:600], b[:600]) == 0  # N(0, 1), N(0, 9): the one-pass route
    assert _fix_route_count(a[900:1200], b[900:1200]) > 0  # N(0, 30²): a few saturated pairs


@pytest.mark.parametrize("block", [BL.BLOCK, 7])
def test_the_numpy_form_gives_the_compiled_bits(monkeypatch, block):
    monkeypatch.setattr(BL, "BLOCK", block)  # the blocks the form runs over, and short ones
    a, b = _logit_cases()
    want, want_beyond = _compiled(a, b)
    got, got_beyond = _numpy_form(a, b)
    assert got_beyond == want_beyond == [0]
    assert np.array_equal(got, want, equal_nan=True)
    # chunks of every size the caller passes (scalars, SIMD tails), with and without the fix route
    for size in (1, 2, 3, 7, 8, 9, 64, 1000):
        for start in (0, 900, 1200, a.size - size):
            ca, cb = a[start:start + size], b[start:start + size]
            assert np.array_equal(_numpy_form(ca, cb)[0], _compiled(ca, cb)[0], equal_nan=True)


def test_elements_beyond_700_are_counted_alike():
    a, b = _beyond_cases()
    want, want_beyond = _compiled(a, b)
    got, got_beyond = _numpy_form(a, b)
    assert got_beyond == want_beyond == [int(np.count_nonzero(~_finite_pairs(a, b)))]
    inside = _finite_pairs(a, b)  # the caller overwrites the others
    assert np.array_equal(got[inside], want[inside])
    nan_a = np.array([np.nan, 0.0, 1.0])  # NaN (rejected by the public function) counts as beyond
    nan_b = np.array([0.0, np.nan, 2.0])
    assert _numpy_form(nan_a, nan_b)[1] == _compiled(nan_a, nan_b)[1] == [2]


def test_the_public_function_agrees_with_the_form_end_to_end():
    a, b = _logit_cases()
    ea, eb = _beyond_cases()
    a, b = np.concatenate([a, ea]), np.concatenate([b, eb])
    got, beyond = _numpy_form(a, b)
    far = ~_finite_pairs(a, b)
    got[far] = D._kl_logits_rows_any(D._bernoulli_logit_pair(a[far]), D._bernoulli_logit_pair(b[far]))
    assert sum(beyond) == far.sum()
    assert np.array_equal(got, D.kl_bernoulli_logits(a, b), equal_nan=True)


# WRONG variants: each changes one step of the transcription


def _parts_reassociated(a, b, ta, tb, h, em, lo):
    """WRONG: expm1(h + lo) ≈ em + (em + 1)·lo written as (em + em·lo) + lo."""
    pa, pa0, qb, qb0, _ = _RIGHT_PARTS(a, b, ta, tb, h, em, lo)
    e = (em + em * lo) + lo
    di = np.where(np.abs(h) <= 1.0, -(pa * qb0) * e, np.where(pa + qb <= 1.0, pa - qb, qb0 - pa0))
    return pa, pa0, qb, qb0, di


def _parts_other_pair(a, b, ta, tb, h, em, lo):
    """WRONG: beyond |a − b| > 1 always p − q (never the complements' difference)."""
    pa, pa0, qb, qb0, di = _RIGHT_PARTS(a, b, ta, tb, h, em, lo)
    return pa, pa0, qb, qb0, np.where(np.abs(h) <= 1.0, di, pa - qb)


_RIGHT_PARTS = BL._parts


def _no_fix(*args):
    """WRONG: the log a − log b fix-up skipped (−inf·p reaches the result)."""


def _fix_with_numpy_log(a, b, d, ell, terms):
    """WRONG: the fix-up's logarithms from NumPy's vectorised log instead of libm's. Caught on the
    term kernel's route (ratio overflow, ℓ = log a − log b the result's leading factor:
    test_a_wrong_term_kernel_form_is_caught); on the logits route the fixed term is q + p·ℓ with
    p below an ulp of q, where ℓ's last bit reaches the result only at a rounding tie."""
    idx = np.flatnonzero(KT.needs_fix(a, b, ell))
    with np.errstate(all="ignore"):
        terms[idx] = KT.select_terms(a[idx], b[idx], d[idx], np.log(a[idx]) - np.log(b[idx]), KT.FAR_BELOW)


def _fix_with_the_log1p_threshold(a, b, d, ell, terms):
    """WRONG: the fix-up switches to d·ℓ/2 + s·(ℓ/2 − y) (the far form) for every y."""
    idx = np.flatnonzero(KT.needs_fix(a, b, ell))
    logs = np.array([math.log(x) - math.log(z) for x, z in zip(a[idx], b[idx], strict=True)])
    with np.errstate(all="ignore"):
        terms[idx] = KT.select_terms(a[idx], b[idx], d[idx], logs, -2.0)


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("_parts", _parts_reassociated),
        ("_parts", _parts_other_pair),
        ("fix_terms", _no_fix),
        ("fix_terms", _fix_with_the_log1p_threshold),
        ("LOG1P_FAR_BELOW", KT.FAR_BELOW),  # kl_terms' −⅔ where kl_terms_log1p takes −½
        ("SIGMOID_RANGE", 699.0),
    ],
)
def test_a_wrong_form_is_caught(monkeypatch, name, wrong):
    a, b = _logit_cases()
    ea, eb = _beyond_cases()
    a, b = np.concatenate([a, ea]), np.concatenate([b, eb])
    want, want_beyond = _compiled(a, b)
    monkeypatch.setattr(BL, name, wrong)
    got, got_beyond = _numpy_form(a, b)
    assert got_beyond != want_beyond or not np.array_equal(got, want, equal_nan=True)


# ---------------------------------------------------------------------------- the term kernel

#: (a, b) with a/b overflowing (b subnormal) where NumPy's log(a) is an ulp off libm's and
#: log a − log b rounds differently (found by a search over a ∈ (0.2, 1); machine-dependent:
#: NumPy's AVX-512 log)
_LOG_SENSITIVE = [
    ("0x1.5c9571f87edeep-1", "0x0.0000000000001p-1022"),
    ("0x1.0db0dbc52cbd0p-2", "0x0.0000000000001p-1022"),
    ("0x1.2e5c3e157727cp-1", "0x0.012688b70e62bp-1022"),
    ("0x1.7c3b0c59ed6dcp-1", "0x0.012688b70e62bp-1022"),
    ("0x1.341184255b84cp-1", "0x0.1cc359e067a35p-1022"),
    ("0x1.93e27a0f6cebep-1", "0x0.00000000007e8p-1022"),
]


def _term_cases() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """a, b ≥ 0 and the exact difference d as Bernoulli KL / JSD pass them: probabilities and
    their complements (d = −(p − q) for 1 − p, 1 − q), near-equal, far apart, zeros, subnormals,
    ratios that over- or underflow."""
    rng = np.random.default_rng(31)
    p = rng.uniform(0.0, 1.0, 600)
    q = np.concatenate([rng.uniform(0.0, 1.0, 200), p[200:400] * (1 + rng.normal(0, 1e-3, 200)),
                        np.exp(rng.uniform(-745.0, -712.0, 200))])
    q = np.clip(q, 0.0, 1.0)
    extra_p = np.array([0.0, 0.0, 1.0, 1e-300, 0.7, 5e-324, 1.0, 0.5, 1e-320, 0.25])
    extra_q = np.array([1.0, 0.0, 0.0, 1.0, 1e-310, 1e-320, 1.0, 0.5, 0.9, 0.2500000001])
    la = np.array([float.fromhex(x) for x, _ in _LOG_SENSITIVE])
    lb = np.array([float.fromhex(y) for _, y in _LOG_SENSITIVE])
    p = np.concatenate([p, extra_p, la, lb])
    q = np.concatenate([q, extra_q, lb, la])
    d = p - q
    a = np.concatenate([p, 1.0 - p])
    b = np.concatenate([q, 1.0 - q])
    return a, b, np.concatenate([d, -d])


def _compiled_terms(a: np.ndarray, b: np.ndarray, d: np.ndarray, ell: np.ndarray) -> np.ndarray:
    out = np.empty(a.size)
    if J.kl_terms_d(a, b, d, ell, out):
        J.kl_terms_d_fix(a, b, d, ell, out)
    return out


def _log_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.log(np.divide(a, b))


def _terms_given(a: np.ndarray, b: np.ndarray, d: np.ndarray, ell: np.ndarray) -> np.ndarray:
    """The NumPy term kernel with ℓ given and kl_terms' threshold −⅔ (select_terms, fix_terms)."""
    with np.errstate(all="ignore"):
        terms = KT.select_terms(a, b, d, ell, KT.FAR_BELOW)
    KT.fix_terms(a, b, d, ell, terms)
    return terms


def test_the_term_kernel_forms_give_the_compiled_bits():
    a, b, d = _term_cases()
    ell = _log_ratio(a, b)
    assert np.count_nonzero(KT.needs_fix(a, b, ell)) > 150  # the fix-up route is taken
    want = _compiled_terms(a, b, d, ell)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _terms_given(a, b, d, ell)
    assert np.array_equal(got, want, equal_nan=True)
    # the reference form, which takes ℓ = log(a/b) itself (first calls of kl_bernoulli, jsd_bernoulli)
    with np.errstate(all="ignore"):
        assert np.array_equal(K.kl_term(a, b, d), want, equal_nan=True)
    # ℓ given from elsewhere: log1p of a ratio, as the logits route forms it
    with np.errstate(all="ignore"):
        ell1 = np.log1p(d / b)
    assert np.array_equal(_terms_given(a, b, d, ell1), _compiled_terms(a, b, d, ell1), equal_nan=True)


def test_a_wrong_term_kernel_form_is_caught():
    a, b, d = _term_cases()
    ell = _log_ratio(a, b)
    want = _compiled_terms(a, b, d, ell)
    with np.errstate(all="ignore"):  # WRONG: −½ (kl_terms_log1p's threshold) in place of −⅔
        wrong = KT.select_terms(a, b, d, ell, KT.LOG1P_FAR_BELOW)
    KT.fix_terms(a, b, d, ell, wrong)
    assert not np.array_equal(wrong, want, equal_nan=True)
    la = np.array([float.fromhex(x) for x, _ in _LOG_SENSITIVE])
    if np.array_equal(np.log(la), [math.log(x) for x in la]):
        pytest.skip("NumPy's log gives libm's bits for these inputs on this machine")
    with np.errstate(all="ignore"):  # WRONG: NumPy's log in the fix-up
        wrong = KT.select_terms(a, b, d, ell, KT.FAR_BELOW)
    _fix_with_numpy_log(a, b, d, ell, wrong)
    assert not np.array_equal(wrong, want, equal_nan=True)


# ---------------------------------------------------------------------------- without numba


def test_a_fresh_process_runs_the_forms_without_numba():
    a = [-40.0, 0.3, 2.0, 1e-300, 700.1, -5.0]
    b = [0.0, 0.3000001, -1.5, -1e-300, 1.0, 40.0]
    code = (
        "import json, sys\nimport numpy as np\n"
        "from numerics._bernoulli_logits_numpy import kl_bernoulli_logits_into_numpy\n"
        "from numerics._kernels import kl_term\n"
        f"a, b = np.array({a!r}), np.array({b!r})\n"
        "out, beyond = np.empty(a.size), []\n"
        "kl_bernoulli_logits_into_numpy(a, b, out=out, beyond=beyond)\n"
        "p, q = np.array([0.7, 0.2, 0.5]), np.array([1e-310, 0.25, 0.5])\n"
        "with np.errstate(all='ignore'):\n    t = kl_term(p, q, p - q)\n"
        "print(json.dumps({'numba': 'numba' in sys.modules, 'jit': 'numerics._jit' in sys.modules,\n"
        "    'beyond': beyond, 'out': [float(x).hex() for x in out], 't': [float(x).hex() for x in t]}))\n"
    )
    got = run_json(code, timeout=120)
    assert got["numba"] is False and got["jit"] is False
    want, want_beyond = _compiled(np.array(a), np.array(b))
    assert got["beyond"] == want_beyond == [1]
    assert got["out"][:4] + got["out"][5:] == [float(x).hex() for x in np.delete(want, 4)]
    p, q = np.array([0.7, 0.2, 0.5]), np.array([1e-310, 0.25, 0.5])
    assert got["t"] == [float(x).hex() for x in _compiled_terms(p, q, p - q, _log_ratio(p, q))]
