"""The machinery behind the divergences' speed: scratch buffers never leak into results, threaded
row blocks give the one-thread result, the batched triangular solves and the shifted Cholesky
agree with LAPACK, and the kernels' edge paths (overflowing ratios, zeros) are exact."""

import math
import os
import time

import numpy as np
import pytest

from numerics import _kernels as K
from numerics import _parallel as P
from numerics import _triangular as T
from numerics import divergences as D


def test_results_do_not_share_memory_with_scratch():
    rng = np.random.default_rng(0)
    p, q = rng.dirichlet(np.ones(5), 1000), rng.dirichlet(np.ones(5), 1000)
    first = D.kl_categorical(p, q)
    kept = first.copy()
    D.kl_categorical(q, p)  # reuses every scratch buffer
    D.kl_bernoulli(p[:, 0], q[:, 0])
    assert np.array_equal(first, kept)
    m = rng.normal(size=1000)
    a = D.kl_normal(m, 1.5, 0.0, 1.0)
    kept = a.copy()
    D.kl_normal(-m, 0.5, 1.0, 2.0)
    assert np.array_equal(a, kept)


@pytest.mark.parametrize("fn", ["normal", "bernoulli"])
def test_threaded_blocks_give_the_one_thread_result(fn, monkeypatch):
    rng = np.random.default_rng(1)
    n = 2 * P.MIN_ELEMENTS + 7
    if fn == "normal":
        args = (
            rng.normal(size=n),
            np.exp(rng.normal(size=n)),
            rng.normal(size=n),
            np.exp(rng.normal(size=n)),
        )
        f = D.kl_normal
    else:
        args = (rng.uniform(size=n), rng.uniform(size=n))
        f = D.kl_bernoulli
    monkeypatch.setenv("NUMERICS_THREADS", "1")
    one = f(*args)
    monkeypatch.setenv("NUMERICS_THREADS", "3")
    assert len(P.row_blocks(n, n)) == 3
    many = f(*args)
    # same code per element; only a data-dependent series length may differ by block
    assert np.all(np.abs(many - one) <= 2 * np.spacing(np.abs(one)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_its_own_thread_pool(monkeypatch):
    # the parent's pool exists; a child forked now must not submit work to its dead threads
    monkeypatch.setenv("NUMERICS_THREADS", "2")
    rng = np.random.default_rng(2)
    n = 2 * P.MIN_ELEMENTS
    args = (rng.normal(size=n), np.exp(rng.normal(size=n)), 0.0, 1.0)
    expected = D.kl_normal(*args)
    pid = os.fork()
    if pid == 0:  # child: exit 0 iff the threaded call finishes with the parent's result
        ok = False
        try:
            ok = bool(np.array_equal(D.kl_normal(*args), expected))
        finally:
            os._exit(0 if ok else 1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("the forked child hung on the inherited thread pool")


def test_thread_count_setting_is_validated(monkeypatch):
    monkeypatch.setenv("NUMERICS_THREADS", "zero")
    with pytest.raises(ValueError, match="NUMERICS_THREADS"):
        P.thread_count()
    monkeypatch.setenv("NUMERICS_THREADS", "2")
    assert P.thread_count() == 2
    assert P.row_blocks(10, 100) == [slice(None)]  # small inputs stay in one block


@pytest.mark.parametrize("batch, d", [((), 5), ((7,), 4), ((3, 2), 6), ((50,), 64)])
def test_solve_lower_and_shifted_cholesky_agree_with_lapack(batch, d):
    rng = np.random.default_rng(d)
    a = rng.normal(size=(*batch, d, d))
    spd = a @ np.swapaxes(a, -1, -2) + d * np.eye(d)
    lower = np.linalg.cholesky(spd)
    rhs = rng.normal(size=(*batch, d, 3))
    assert np.allclose(T.solve_lower(lower, rhs), np.linalg.solve(lower, rhs), rtol=1e-12, atol=1e-13)
    for scale in (1 / (4 * d), 1e-6, 30.0):  # pivots near 1, near 0 and large
        b = spd * scale - np.eye(d) / 2 if scale > 1e-3 else spd * scale - np.eye(d) * (1 - 1e-5)
        r = np.linalg.cholesky(np.eye(d) + b)
        diag = np.diagonal(r, axis1=-2, axis2=-1)
        x, off = T.shifted_cholesky(b, diag)
        assert np.allclose(1 + x, diag**2, rtol=1e-9, atol=1e-12)
        assert np.allclose(off, (np.tril(r, -1) ** 2).sum((-2, -1)), rtol=1e-9)


def test_kl_term_edge_paths():
    # a/b overflows (and underflows): the far form falls back to log a − log b
    a, b = np.array([1.0, 5e-324]), np.array([1e-320, 10.0])
    got = K.kl_term(a, b, a - b)
    expect = [
        1.0 * (0 - math.log(1e-320)) - 1.0 + 1e-320,
        5e-324 * (math.log(5e-324) - math.log(10.0)) + 10.0,
    ]
    assert np.allclose(got, expect, rtol=1e-15)
    # 0·log 0 = 0 (term = b), both zero → 0, support mismatch → inf, mixed with near entries
    a = np.array([0.0, 0.0, 1.0, 0.5, 0.3])
    b = np.array([0.2, 0.0, 0.0, 0.5 + 1e-9, 0.9])
    got = K.kl_term(a, b, a - b)
    assert got[0] == 0.2 and got[1] == 0.0 and got[2] == np.inf
    assert got[3] == pytest.approx((1e-9) ** 2 / (2 * 0.5), rel=1e-6)
    assert got[4] == pytest.approx(0.3 * math.log(0.3 / 0.9) - 0.3 + 0.9, rel=1e-14)
    assert K.kl_term(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3))).shape == (0, 3)
