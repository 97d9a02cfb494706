"""The audit's pieces: conventions, formulas, reference terms and normalisation."""

import math

import pytest
import torch
from torch.nn import functional as F

from torch_impl.audit.conventions import Convention, identify_sampler, parse_convention
from torch_impl.audit.fit import additive, constant_text, monomial
from torch_impl.audit.reference import (
    LikelihoodVariant,
    cb_log_normaliser,
    cb_log_normaliser_logits,
    nll_per_pixel,
    normalisation,
)

G = torch.Generator().manual_seed(5)
MU = torch.randn(6, 4, dtype=torch.float64, generator=G)
S = torch.randn(6, 4, dtype=torch.float64, generator=G)
EPS = torch.randn(6, 4, dtype=torch.float64, generator=G)


@pytest.mark.parametrize(
    ("sigma", "name"),
    [
        (torch.exp(S / 2), "logvar"),
        (torch.exp(S), "logstd"),
        (F.softplus(S), "softplus"),
        (0.01 * torch.exp(S), "0.01*logstd"),
        (0.1 * torch.exp(S / 2), "0.1*logvar"),
    ],
)
def test_identify_sampler(sigma, name):
    conv = identify_sampler(MU, S, EPS, MU + sigma * EPS)
    assert conv == parse_convention(name)


def test_identify_sampler_refuses_a_non_standard_sampler():
    assert identify_sampler(MU, S, EPS, MU + (1 + S.abs()) * EPS) is None
    assert identify_sampler(MU, S, EPS, MU + torch.exp(S / 2) * EPS + 1e-3) is None


def test_convention_log_var_and_text():
    c = parse_convention("0.01·logstd")
    assert c.text() == "σ = 0.01·e^{s}" and c.name() == "0.01*logstd"
    torch.testing.assert_close(c.log_var(S), 2 * S + 2 * math.log(0.01), rtol=0, atol=1e-14)
    assert Convention("softplus").log_var(torch.tensor([-50.0], dtype=torch.float64)).item() == -100.0


def test_monomial_formulas():
    vs = [{"B": b, "D": d, "d": k, "w": w} for b in (3, 96) for d in (4, 9) for k in (2, 3) for w in (1.0,)]
    vs.append({"B": 3, "D": 4, "d": 2, "w": 2.5e-4})
    assert monomial([v["B"] / 128 for v in vs], vs).text == "B/128"
    assert monomial([v["w"] * v["D"] / 2 for v in vs], vs).text == "D·w/2"
    assert monomial([2 / (v["B"] * v["D"]) for v in vs], vs).text == "2/(B·D)"
    assert monomial([-1.0] * len(vs), vs).text == "-1"
    bad = monomial([v["B"] + 1 for v in vs], vs)
    assert not bad.exact and "no monomial" in bad.text
    c = additive([-v["B"] * v["D"] * math.log(2 * math.pi) / 2 for v in vs], vs, abs_tol=1e-9)
    assert c is not None and c.text == "-B·D·log(2π)/2"


def test_constant_text_does_not_invent_fractions():
    assert constant_text(1 / 128) == "1/128"
    assert constant_text(-math.log(5), {"log K": math.log(5)}) == "-log K"
    assert constant_text(0.123456789) == "0.123457"


def test_continuous_bernoulli_normaliser_matches_its_definition():
    lam = torch.tensor([1e-6, 0.1, 0.3, 0.49, 0.499999, 0.5, 0.51, 0.9, 1 - 1e-6], dtype=torch.float64)
    direct = torch.where(lam == 0.5, torch.tensor(2.0, dtype=torch.float64),
                         2 * torch.atanh(1 - 2 * lam) / (1 - 2 * lam))
    torch.testing.assert_close(cb_log_normaliser(lam), torch.log(direct), rtol=1e-9, atol=1e-12)
    logits = torch.logit(lam)
    torch.testing.assert_close(cb_log_normaliser_logits(logits), torch.log(direct), rtol=1e-6, atol=1e-9)


def test_bce_from_the_verified_form_and_logits_agree():
    x = torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64)
    # (x = 0 with logit 25 would test the rounding of 1 − sigmoid(25), not the reference)
    logit = torch.tensor([-3.0, 2.0, -25.0, 12.0], dtype=torch.float64)
    from_p = nll_per_pixel(LikelihoodVariant("bernoulli"), x, torch.sigmoid(logit))
    from_l = nll_per_pixel(LikelihoodVariant("bernoulli_logits"), x, logit)
    torch.testing.assert_close(from_p, from_l, rtol=1e-9, atol=0)


def test_normalisation_of_bernoulli_on_unit_data_is_the_closed_form():
    n = normalisation("bernoulli", "unit")
    assert not n.ok
    masses = dict(n.masses)
    for p in (0.1, 0.97):  # ∫₀¹ p^x (1 − p)^{1−x} dx = (2p − 1)/log(p/(1 − p))
        assert masses[f"p {p}"] == pytest.approx((2 * p - 1) / math.log(p / (1 - p)), rel=1e-10)
    assert normalisation("continuous_bernoulli", "unit").ok
    assert normalisation("gaussian", "real", 0.05).ok
    assert not normalisation("bernoulli", "real").ok


def test_numpy_value_paths_match_the_differentiable_torch_forms():
    """The fit's columns go through NumPy (faster); the gradient check through torch: same values."""
    from torch_impl.audit.reference import bce

    lam = torch.tensor([1e-13, 1e-6, 0.1, 0.3, 0.49, 0.499999, 0.5, 0.51, 0.9, 1 - 1e-6, 1 - 1e-13],
                       dtype=torch.float64)
    x = (torch.arange(len(lam)) % 2).double()
    grad_lam = lam.clone().requires_grad_(True)
    torch.testing.assert_close(cb_log_normaliser(lam), cb_log_normaliser(grad_lam).detach(), rtol=0, atol=0)
    torch.testing.assert_close(bce(x, lam), bce(x, grad_lam).detach(), rtol=1e-15, atol=0)
