"""Torch evidence beside the symbolic proofs: supports its claim and refutes the wrong variants."""

import math

import torch

from derivations.checker.verdicts import Verdict
from torch_impl.evidence._common import DT
from torch_impl.evidence.em import check_f_ascent_equals_em
from torch_impl.evidence.gan_dual import check_strong_duality
from torch_impl.evidence.gaussian_kl import (
    check_equal_variance,
    check_full_covariance,
    check_univariate,
    full_covariance_formula,
    univariate_formula,
)
from torch_impl.evidence.kl_fit import check_reverse_optima, reverse_kl_torch


def _ok(ev):
    assert ev.verdict is Verdict.NUMERIC, ev.detail
    assert ev.error <= ev.tolerance


def _refuted(ev):
    assert ev.verdict is Verdict.REFUTED, ev.detail
    assert ev.counterexample


def test_univariate_and_swapped_arguments_and_dropped_half():
    _ok(check_univariate())
    _refuted(check_univariate(lambda mq, sq, mp, sp_: univariate_formula(mp, sp_, mq, sq)))
    _refuted(check_univariate(lambda *a: univariate_formula(*a) + 0.5))


def test_equal_variance_and_dropped_half_and_sign():
    _ok(check_equal_variance())
    _refuted(check_equal_variance(lambda mq, mp, s: (mq - mp) ** 2 / s**2))
    _refuted(check_equal_variance(lambda mq, mp, s: -((mq - mp) ** 2) / (2 * s**2)))


def test_full_covariance_and_swapped_trace_and_dropped_d():
    _ok(check_full_covariance())

    def swapped_trace(mu0, c0, mu1, c1):
        return full_covariance_formula(mu0, c0, mu1, c1) + 0.5 * float(
            torch.trace(torch.linalg.inv(c0) @ c1) - torch.trace(torch.linalg.inv(c1) @ c0)
        )

    _refuted(check_full_covariance(swapped_trace))
    _refuted(
        check_full_covariance(
            lambda mu0, c0, mu1, c1: full_covariance_formula(mu0, c0, mu1, c1) + mu0.shape[0] / 2
        )
    )


def test_reverse_optima_single_and_two_refuted():
    _ok(check_reverse_optima())
    _refuted(check_reverse_optima(2))


def test_gauss_hermite_reverse_kl_matches_scipy_quadrature():
    from numerics import kl_fit

    mu, sigma = 0.4, 1.2
    ours = float(reverse_kl_torch(torch.tensor(mu, dtype=DT), torch.tensor(math.log(sigma), dtype=DT)))
    assert abs(ours - kl_fit.reverse_kl(mu, sigma)) < 1e-8


def test_strong_duality_and_flipped_quadratic_refuted():
    _ok(check_strong_duality())

    def flipped(points, shift, c, lam):
        b = points.T @ (lam + shift)
        return (b @ b) / (2 * c) - ((-lam) * torch.log(-lam) + (1 + lam) * torch.log1p(lam)).sum()

    _refuted(check_strong_duality(flipped))


def test_f_ascent_equals_em_and_prior_e_step_refuted():
    _ok(check_f_ascent_equals_em())
    _refuted(check_f_ascent_equals_em(lambda x, th: torch.softmax(th[:2], 0).expand(len(x), 2).clone()))


def test_numeric_linear_vae_and_iwae_registered_here():
    from derivations.runner.registry import get_claim

    assert "numeric" in get_claim("vae.linear_reaches_ppca").evidence_fns
    assert "numeric" in get_claim("vae.iwae_bounds").evidence_fns
