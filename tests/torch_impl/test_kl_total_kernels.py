"""The compiled CPU total of the VAE's KL (:mod:`torch_impl._kl_total_kernels`, behind
``torch_impl.kl.kl_standard_normal_total``): per-term error against mpmath in float64 and float32,
the summation against ``math.fsum``, the claim that a NaN/inf argument always makes the total
non-finite (so that the argument search can wait for a non-finite total), and agreement with the
tensor path on every layout."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import torch

from torch_impl import _kl_total_kernels as KK
from torch_impl import kl as K

EPS64 = 2.0**-52


def _exact_half_f(u: float) -> mp.mpf:
    """½(e^u − 1 − u) to 40 digits: e^u − 1 and u agree to about −log₁₀|u| digits, so that many
    more are carried."""
    with mp.workdps(40 + max(0, -math.frexp(u)[1]) // 3):
        x = mp.mpf(u)
        return (mp.expm1(x) - x) / 2


def _terms64(u: np.ndarray) -> np.ndarray:
    """The float64 kernel's terms at μ = 0: ½(e^u − 1 − u)."""
    e = np.exp(u)  # as torch_impl.kl does (NumPy's exp into the kernel's buffer)
    KK._terms_float64(np.zeros_like(u), u, e)
    return e


def _ulp_errors(got: np.ndarray, u: np.ndarray) -> np.ndarray:
    out = []
    for g, x in zip(got.tolist(), u.tolist(), strict=True):
        exact = _exact_half_f(x)
        out.append(float(abs(mp.mpf(g) - exact) / math.ulp(float(exact))))
    return np.array(out)


def _float64_sample() -> np.ndarray:
    """Random log-variances where the forms meet and where each is weakest: both series edges
    (−1, 1.7), 1.35–1.55 (e/f between 2 and 4, the worst measured), ±½, tiny, and far out."""
    rng = np.random.default_rng(7)
    parts = [
        rng.uniform(-3.0, 3.0, 600),
        rng.uniform(-1.05, -0.95, 300),
        rng.uniform(1.65, 1.75, 300),
        rng.uniform(1.35, 1.55, 500),
        rng.uniform(0.45, 0.55, 200),
        rng.uniform(-0.55, -0.45, 200),
        np.exp(rng.uniform(-300.0, -1.0, 200)) * rng.choice([-1.0, 1.0], 200),
        rng.uniform(-700.0, 700.0, 100),
        np.array([-1.0, np.nextafter(-1.0, -2.0), 1.7, np.nextafter(1.7, 2.0), 709.0, -745.0, 5e-324]),
    ]
    return np.concatenate(parts)


def test_float64_terms_are_within_two_and_a_half_ulp_of_mpmath():
    """Every float64 term ½(e^ℓ − 1 − ℓ) within 2.5 ulp of mpmath on 2,407 points. Measured worst:
    2.10 ulp on 20,000 random points (ℓ ≈ 1.46, the series' region where f is just below 2 and
    its last roundings weigh most); the kernels' docstring gives the error budget (exp ≤ 1 ulp,
    at most a few roundings). 2.5 leaves room for a machine whose exp rounds differently within
    its 1-ulp bound, not for a wrong form (the two tests below are refuted by far)."""
    u = _float64_sample()
    err = _ulp_errors(_terms64(u), u)
    assert err.max() <= 2.5, (err.max(), u[int(np.argmax(err))])


def test_the_ulp_check_refutes_the_exp_form_inside_the_series_region():
    """(e − 1) − ℓ on −1 ≤ ℓ ≤ 1.7 (the form the series replaces there) fails the same check by
    far — near ℓ = 0 it loses every digit — so the check above can fail."""
    u = np.concatenate([np.linspace(-1.0, 1.7, 301), [1e-3, -1e-5, 1e-9]])
    e = np.exp(u)
    naive = ((e - 1.0) - u) / 2
    assert _ulp_errors(naive, u).max() > 100.0


def test_the_ulp_check_refutes_a_series_cut_short():
    """The same series with 15 instead of 21 terms (enough on |ℓ| ≤ ½, not to 1.7) is refuted
    (truncation 1.7¹⁵/17! ≈ 8e-12 relative at the edge)."""
    u = np.linspace(1.0, 1.7, 71)
    coeffs = [1 / math.factorial(k + 2) for k in range(15)]
    short = np.array([x * x * sum(c * x**k for k, c in enumerate(coeffs)) / 2 for x in u.tolist()])
    assert _ulp_errors(short, u).max() > 100.0


def test_float32_terms_are_within_1e_11_of_mpmath():
    """float32 inputs in float64 (five series terms for |v| ≤ 2⁻⁶, (e − 1) − v beyond): every
    term within 1e-11 relative — 1e-4 of float32's ε, so rounding the total once to float32 is
    exact rounding except within 1e-11 of a rounding boundary."""
    rng = np.random.default_rng(8)
    v = np.concatenate([
        rng.uniform(-4.0, 4.0, 400),
        rng.uniform(-2.0**-6 * 1.1, 2.0**-6 * 1.1, 300),
        np.exp(rng.uniform(-80.0, -4.0, 200)) * rng.choice([-1.0, 1.0], 200),
        [2.0**-6, -(2.0**-6), 80.0, -80.0],
    ]).astype(np.float32)
    e = v.astype(np.float64)
    torch.from_numpy(e).exp_()
    KK._terms_float32(np.zeros_like(v), v, e)
    worst = 0.0
    for g, x in zip(e.tolist(), v.tolist(), strict=True):
        exact = _exact_half_f(x)
        worst = max(worst, float(abs(mp.mpf(g) - exact) / exact))
    assert worst <= 1e-11, worst


@pytest.mark.parametrize("n", [0, 1, 7, 8, 127, 128, 129, 1000, 4096, 5003])
def test_the_sum_is_within_its_bound_of_fsum(n):
    """Blocks of 128 in 8 lanes, block sums with two-sum: error ≤ (16 + 3 + 2)·ε·Σa (lane, lane
    combination, compensated accumulation) — and on these random terms within 1 ε."""
    a = np.random.default_rng(n).exponential(size=n)
    got, exact = KK._sum_nonnegative(a), math.fsum(a)
    assert abs(got - exact) <= 21 * EPS64 * exact
    assert abs(got - exact) <= EPS64 * exact


def test_the_sum_overflows_to_inf_and_keeps_nan():
    assert KK._sum_nonnegative(np.array([1e308, 1e308, 1.0])) == math.inf  # not inf − inf = NaN
    assert KK._sum_nonnegative(np.full(300, 1e306)) == math.inf
    assert math.isnan(KK._sum_nonnegative(np.array([1.0, math.nan, math.inf])))
    assert math.isnan(KK._sum_nonnegative(np.array([math.inf] * 200 + [math.nan])))


_BAD = (math.nan, math.inf, -math.inf)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_non_finite_argument_always_gives_a_non_finite_total(dtype):
    """The claim behind looking for NaN/inf only after a non-finite total: each of NaN, +inf, −inf
    in μ or in ℓ — at the start, in a full block, in the tail block, alone or with ℓ = +inf
    elsewhere ((inf − 1) − inf = NaN) or beside finite values that overflow — makes the kernel's
    total NaN or inf, and the public function names the argument."""
    K.kl_standard_normal_total(torch.zeros(2, dtype=dtype), torch.zeros(2, dtype=dtype))  # kernels loaded
    kernel = KK.total_float64 if dtype is torch.float64 else KK.total_float32
    g = torch.Generator().manual_seed(3)
    n = 4100  # 32 full blocks and a tail of 4
    for position in (0, 2000, 4098):
        for bad in _BAD:
            for which in ("mu", "logvar"):
                for company in ("plain", "logvar +inf", "overflow"):
                    mu = torch.randn(n, generator=g, dtype=dtype)
                    lv = torch.randn(n, generator=g, dtype=dtype)
                    if company == "logvar +inf":
                        lv[1] = math.inf
                    elif company == "overflow":
                        mu[5] = torch.finfo(dtype).max
                        lv[6] = 88.0 if dtype is torch.float32 else 709.9
                    (mu if which == "mu" else lv)[position] = bad
                    e = lv.numpy().astype(np.float64)
                    torch.from_numpy(e).exp_()
                    total = kernel(mu.numpy(), lv.numpy(), e)
                    assert not math.isfinite(total), (position, bad, which, company)
                    with pytest.raises(ValueError, match=f"^{which}: contains"):  # μ is checked first
                        K.kl_standard_normal_total(mu, lv)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_finite_arguments_that_overflow_give_inf_not_an_error(dtype):
    big = torch.finfo(dtype).max
    for mu, lv in (([big, 0.0], [0.0, 0.0]), ([0.0, 0.0], [0.0, 800.0 if dtype is torch.float64 else 1e30])):
        total = K.kl_standard_normal_total(torch.tensor(mu, dtype=dtype), torch.tensor(lv, dtype=dtype))
        assert total.dtype == dtype and total.item() == math.inf


def test_half_mu_squared_is_finite_where_mu_squared_overflows():
    """μ = 1.5e154: μ² > DBL_MAX but KL = ½μ² = 1.125e308 is representable; formed as (½μ)·μ."""
    total = K.kl_standard_normal_total(torch.tensor([1.5e154], dtype=torch.float64),
                                       torch.tensor([0.0], dtype=torch.float64))
    assert total.item() == 0.5 * 1.5e154 * 1.5e154 < math.inf


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_every_layout_gives_the_tensor_paths_total(dtype):
    """Contiguous, transposed, strided, expanded (stride 0), 0-d, 1-element and empty tensors, and
    tensors that require a gradient under ``torch.no_grad()``: the total of the tensor
    path (float64 terms, ``kl_standard_normal``) within the kernels' error (float64: 4 ε of the
    total; float32: the float32 rounding of the same)."""
    g = torch.Generator().manual_seed(4)
    base_mu = torch.randn(64, 48, generator=g, dtype=dtype)
    base_lv = 2 * torch.randn(64, 48, generator=g, dtype=dtype)
    cases = [
        (base_mu, base_lv),
        (base_mu.t(), base_lv.t()),
        (base_mu[:, ::3], base_lv[:, ::3]),
        (base_mu[0, ::2], base_lv[0, ::2]),
        (base_mu[0, 0], base_lv[0, 0]),
        (base_mu[:1, :1], base_lv[:1, :1]),
        (base_mu[:0], base_lv[:0]),
        (base_mu[0, :1].expand(50), base_lv[1, :1].expand(50)),
        (base_mu[:1].expand(5, 48), base_lv[:1].expand(5, 48)),
    ]
    eps = torch.finfo(dtype).eps
    for mu, lv in cases:
        got = K.kl_standard_normal_total(mu, lv)
        ref = float(K.kl_standard_normal(mu.double(), lv.double()).sum())
        assert got.dtype == dtype and got.shape == ()
        assert abs(float(got) - ref) <= 4 * EPS64 * ref + (eps / 2 * ref if dtype is torch.float32 else 0.0)
        with torch.no_grad():
            grad_free = K.kl_standard_normal_total(mu.clone().requires_grad_(True), lv.clone())
        assert float(grad_free) == float(got)


def test_the_autograd_node_gives_the_same_total_and_the_analytic_gradient():
    g = torch.Generator().manual_seed(6)
    mu = torch.randn(40, 7, generator=g, dtype=torch.float64)
    lv = 3 * torch.randn(40, 7, generator=g, dtype=torch.float64)  # every form of the kernel
    plain = K.kl_standard_normal_total(mu, lv)
    mu_g, lv_g = mu.clone().requires_grad_(True), lv.clone().requires_grad_(True)
    total = K.kl_standard_normal_total(mu_g, lv_g)
    assert float(total.detach()) == float(plain)
    total.backward()
    assert torch.equal(mu_g.grad, mu)
    assert torch.allclose(lv_g.grad, 0.5 * torch.expm1(lv), rtol=1e-15, atol=0)
    small = (mu[:3, :3].clone().requires_grad_(True), lv[:3, :3].clone().requires_grad_(True))
    assert torch.autograd.gradcheck(K.kl_standard_normal_total, small)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shapes_of_one_size_that_differ_are_refused(dtype):
    """(4, 3) against (3, 4): the kernels would read both as 12 numbers and sum them; the shape
    check before them refuses it, naming both arguments."""
    K.kl_standard_normal_total(torch.zeros(2, dtype=dtype), torch.zeros(2, dtype=dtype))  # kernels loaded
    with pytest.raises(ValueError, match=r"^mu, logvar: shape mismatch \(4, 3\) vs \(3, 4\)"):
        K.kl_standard_normal_total(torch.zeros(4, 3, dtype=dtype), torch.zeros(3, 4, dtype=dtype))
