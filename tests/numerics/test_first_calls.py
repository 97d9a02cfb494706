"""The paths added for speed give the compiled kernels' bits: the NumPy forms that serve the first
calls on small inputs (no numba import), the column layout of the categorical row sums, scalar
Normal parameters passed to the compiled loops as floats, and the fused Bernoulli-logits terms.
A pairwise row sum in place of the compensated one is caught by the same comparison."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

from numerics import _jit as J
from numerics import _validate as v
from numerics import divergences as D
from tests.numerics.fresh_process import run_json

_TOLERANCE = v.SUM_TOLERANCE - 2.0**-30


def _small_pairs(seed: int, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Small probability batches the way users write them: Dirichlet draws (sparse and flat), equal
    rows, near-equal rows (perturbed by 1e-15 … 1e-3 and renormalised), zeros in p or in q, and
    totals a hair off 1 (within the tolerance)."""
    rng = np.random.default_rng(seed)
    pairs = []
    for trial in range(count):
        k = int(rng.integers(1, 17))
        m = int(rng.integers(1, 64 // k + 1))
        p = rng.dirichlet(np.ones(k) * rng.choice([0.05, 1.0, 5.0]), m)
        q = rng.dirichlet(np.ones(k) * rng.choice([0.05, 1.0, 5.0]), m)
        mode = trial % 6
        if mode == 1:
            q = p.copy()
        elif mode == 2:
            q = p * (1 + rng.normal(size=p.shape) * 10.0 ** rng.uniform(-15, -3))
            q /= q.sum(-1, keepdims=True)
        elif mode == 3 and k > 1:
            p[:, 0] = 0.0
            p[:, 1] += 1e-3
            p /= p.sum(-1, keepdims=True)
        elif mode == 4 and k > 1:
            q[:, -1] = 0.0
            q[:, 0] += 1e-3
            q /= q.sum(-1, keepdims=True)
        elif mode == 5:
            p = p * (1 + 5e-7)
        pairs.append((p, q))
    return pairs


def _compiled_small(p: np.ndarray, q: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    value, status = np.empty(p.shape[0]), np.empty(p.shape[0], dtype=np.int8)
    with np.errstate(all="ignore"):
        ell = np.log(p / q)
    flags = J.kl_categorical_small(p, q, ell, value, status, _TOLERANCE)
    return flags, value, status


def test_the_numpy_categorical_form_gives_the_compiled_bits():
    for p, q in _small_pairs(5, 1500):
        value, status = np.empty(p.shape[0]), np.empty(p.shape[0], dtype=np.int8)
        flags = D._categorical_cols_numpy(p, q, value, status, _TOLERANCE)
        want_flags, want_value, want_status = _compiled_small(p, q)
        assert flags == want_flags & 3
        assert np.array_equal(status, want_status)
        assert np.array_equal(value + 0.0, want_value, equal_nan=True)  # the kernel makes −0.0 +0.0


def _two_call_small(p: np.ndarray, q: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """kl_categorical's small-input path: the ratio and transposes compiled, NumPy's log outside
    its error state (warnings are errors here), then the fused pass."""
    m, k = p.shape
    value, status = np.empty(m), np.empty(m, dtype=np.int8)
    work = np.empty((4, k, m))
    J.categorical_ratio_cols(p, q, work)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.log(work[2], out=work[3])
    flags = J.kl_categorical_small_cols(work, value, status, _TOLERANCE)
    return flags, value, status


def _underflowing_pairs(seed: int, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rows whose ratio p/q underflows to 0 or overflows (entries near 1e-320 against 1e-5),
    with zeros, and plain Dirichlet rows, 65 … 8192 elements."""
    rng = np.random.default_rng(seed)
    pairs = []
    for trial in range(count):
        k = int(rng.integers(2, 40))
        m = int(rng.integers(64 // k + 1, 8192 // k + 1))
        p = rng.dirichlet(np.ones(k), m)
        q = rng.dirichlet(np.ones(k), m)
        if trial % 3 == 1:
            p[:, 0], q[:, 0] = 1e-320, 1e-5
        elif trial % 3 == 2:
            p[:, 1], q[:, 1] = 0.0, 1e-320
            q[:, 0] = 0.0
        pairs.append((p, q))
    return pairs


def test_the_two_call_small_path_gives_the_one_call_bits_without_warnings():
    pairs = _small_pairs(7, 300) + _underflowing_pairs(8, 60)
    for p, q in pairs:
        want = _compiled_small(p, q)
        got = _two_call_small(p, q)
        assert got[0] == want[0]
        assert np.array_equal(got[2], want[2])
        assert np.array_equal(got[1], want[1], equal_nan=True)


def test_the_raw_ratio_would_warn():
    """Without the NaN in place of a zero ratio, NumPy's log warns (divide by zero) on rows with
    a zero in p: the check above, which makes warnings errors, can fail."""
    for p, q in _underflowing_pairs(8, 3)[2:]:
        with pytest.warns(RuntimeWarning):
            np.log(p / q)


def test_a_pairwise_row_sum_would_be_caught():
    """The NumPy reference with pairwise sums rounds differently from the compensated sums in
    some rows: the bit comparison above is not blind to the summation."""
    differ = 0
    for p, q in _small_pairs(6, 300):
        _, want, status = _compiled_small(p, q)
        pairwise = D._kl_categorical64_numpy(p, q)
        ok = status == 0
        differ += int(np.sum(pairwise[ok] != want[ok]))
    assert differ > 0


def test_the_column_layout_gives_the_row_by_row_bits():
    """kl_categorical_cols sums every row in index order as a loop over that row alone would:
    the compensated sums recomputed per row in Python give the same totals."""
    rng = np.random.default_rng(8)
    p, q = rng.dirichlet(np.ones(7), 40), rng.dirichlet(np.ones(7), 40)
    _, got, status = _compiled_small(p, q)
    for r in range(40):
        hi = {name: 0.0 for name in "pqtd"}
        lo = dict.fromkeys("pqtd", 0.0)
        terms = D.kl_term(p[r], q[r], p[r] - q[r])
        for i in range(7):
            for name, x in (("p", p[r, i]), ("q", q[r, i]), ("t", terms[i]), ("d", p[r, i] - q[r, i])):
                s = hi[name] + x
                bb = s - hi[name]
                lo[name] += (hi[name] - (s - bb)) + (x - bb)
                hi[name] = s
        big_p = hi["p"] + lo["p"]
        x = -(hi["d"] + lo["d"]) / big_p
        base = (hi["t"] + lo["t"]) / big_p
        corr = float(D._horner(list(D._XMLOG1P_COEFFS), np.array([x]))[0]) * x * x
        if status[r] == 0:
            assert got[r] == max(base - corr, 0.0) + 0.0, r


def test_the_numpy_normal_form_gives_the_compiled_bits():
    rng = np.random.default_rng(9)
    for n in (1, 3, 64):
        m1, m2 = rng.normal(size=n) * 3, rng.normal(size=n) * 3
        s1, s2 = np.exp(rng.normal(size=n) * 3), np.exp(rng.normal(size=n) * 3)
        scalar_prior = (m1, s1, np.zeros(1), np.ones(1))
        scalar_first = (np.full(1, 0.5), np.full(1, 2.0), m2, s2)
        for args in ((m1, s1, m2, s2), scalar_prior, scalar_first):
            shape = (n,)
            flat = [D._flat(np.asarray(x), shape) for x in args]
            got, want = np.empty(n), np.empty(n)
            assert D._kl_normal_flat_numpy(*flat, got) == D._kl_normal_flat(*flat, want)
            assert np.array_equal(got, want)


def test_a_fresh_process_answers_small_first_calls_without_numba():
    code = (
        "import json, sys\nimport numpy as np\nfrom numerics import divergences as D\n"
        "a = D.kl_categorical(np.array([0.3, 0.7]), np.array([0.5, 0.5]))\n"
        "b = D.kl_normal(0.0, 1.0, 1.0, 2.0)\n"
        "c = D.kl_categorical(np.array([[0.2, 0.8], [0.5, 0.5]]), np.array([[0.5, 0.5], [0.5, 0.5]]))\n"
        "print(json.dumps({'numba': 'numba' in sys.modules, 'scipy': 'scipy' in sys.modules,\n"
        "    'values': [float(a).hex(), float(b).hex()] + [float(x).hex() for x in c],\n"
        "    'types': [type(a).__name__, type(b).__name__, type(c).__name__]}))\n"
    )
    got = run_json(code, timeout=300)
    assert got["numba"] is False and got["scipy"] is False
    assert got["types"] == ["float64", "float64", "ndarray"]
    # this process has the compiled kernels loaded: the same calls give the same bits
    want = [D.kl_categorical(np.array([0.3, 0.7]), np.array([0.5, 0.5])), D.kl_normal(0.0, 1.0, 1.0, 2.0)]
    want_rows = D.kl_categorical(np.array([[0.2, 0.8], [0.5, 0.5]]), np.array([[0.5, 0.5], [0.5, 0.5]]))
    assert got["values"] == [float(x).hex() for x in [*want, *want_rows]]


@pytest.mark.parametrize(("bad", "match"), [(np.nan, "p: contains NaN"), (-0.25, "p: negative"),
                                            (0.3, "p: probabilities sum"), (np.inf, "p: contains inf")])
def test_first_calls_still_name_the_argument(monkeypatch, bad, match):
    monkeypatch.delitem(sys.modules, "numerics._jit")
    monkeypatch.setenv("NUMERICS_KERNELS", "numpy")
    p = np.full((2, 4), 0.25)
    p[1, 2] = bad
    with pytest.raises(ValueError, match=match):
        D.kl_categorical(p, np.full((2, 4), 0.25))


def test_fused_bernoulli_logit_terms_give_the_separate_passes_bits():
    rng = np.random.default_rng(10)
    a, b = rng.normal(size=5000) * 4, rng.normal(size=5000) * 4
    a[:50] = b[:50] + rng.normal(size=50) * 1e-9  # near-equal: the expm1 form of p − q
    fused = np.empty(a.size)
    D._kl_bernoulli_logits_into(a, b, out=fused, beyond=[])
    shape = a.shape
    names = ("ta", "tb", "h", "lo", "em", "p", "p0", "q", "q0", "d", "nd", "r1", "r0")
    bufs = {k: np.empty(shape) for k in names}
    with np.errstate(all="ignore"):
        J.bernoulli_logit_split(a, b, D._SIGMOID_RANGE, bufs["ta"], bufs["tb"], bufs["h"], bufs["lo"])
        np.exp(bufs["ta"], out=bufs["ta"])
        np.exp(bufs["tb"], out=bufs["tb"])
        np.expm1(bufs["h"], out=bufs["em"])
        J.bernoulli_logit_parts(a, b, *(bufs[k] for k in ("ta", "tb", "h", "em", "lo", "p", "p0", "q", "q0",
                                                           "d", "nd", "r1", "r0")))
        np.log1p(bufs["r1"], out=bufs["r1"])
        np.log1p(bufs["r0"], out=bufs["r0"])
    one, zero = np.empty(shape), np.empty(shape)
    assert not J.kl_terms_log1p(bufs["p"], bufs["q"], bufs["d"], bufs["r1"], one)
    assert not J.kl_terms_log1p(bufs["p0"], bufs["q0"], bufs["nd"], bufs["r0"], zero)
    assert np.array_equal(fused, one + zero)
