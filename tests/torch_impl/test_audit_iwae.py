"""audit_iwae_loss: value, gradient and implied weights on correct and defective IWAE losses."""

import json
import math

import pytest
import torch
from torch.nn import functional as F

from tests.torch_impl import audit_losses as L
from torch_impl.audit import IwaeVerdict, ModelSpec, assert_iwae, audit_iwae_loss
from torch_impl.evidence.audit import vae_iwae_audit

SPEC = ModelSpec("bernoulli_logits", arguments=("recon", "x", "mu", "logvar", "z"))
FAST = {"batch_sizes": (3, 6), "data_shapes": ((5,),), "draws": 4}


def audit(fn, k=4):
    return audit_iwae_loss(fn, SPEC, k, **FAST)


def test_correct_iwae():
    r = audit(L.iwae_correct)
    assert r.verdict is IwaeVerdict.EQUALS and (r.a.text, r.c.text) == ("1/B", "0"), r.to_text()
    assert r.gradient_residual < 1e-12 and r.weights.startswith("softmax(log w)")


def test_missing_log_k():
    r = audit(L.iwae_missing_log_k, k=4)  # log 4 is reported as log K, not 2·log 2
    assert r.verdict is IwaeVerdict.MISSING_LOG_K and r.exit_code == 0 and not r.refuted, r.to_text()
    assert r.c.text == "-log K" and "gradient is right" in r.diagnosis[0]


def test_detached_surrogate_passes_as_a_surrogate():
    r = audit(L.iwae_detached_surrogate)
    assert r.verdict is IwaeVerdict.SURROGATE and not r.refuted, r.to_text()
    assert r.gradient_residual < 1e-12
    assert "a = 1/B" in r.diagnosis[0]


def test_loss_as_log_weight_gives_the_better_sample_a_negative_weight():
    r = audit(L.iwae_loss_as_log_weight)
    assert r.verdict is IwaeVerdict.WRONG_WEIGHTS, r.to_text()
    assert "per-sample loss" in r.weights and "undetached" in r.weights
    better, worse = r.counterexample["implied weights (better, worse)"]
    assert better < 0 < worse  # the softmax favours the worst sample


def test_loss_as_log_weight_detached():
    r = audit(L.iwae_loss_as_log_weight_detached)
    assert r.verdict is IwaeVerdict.WRONG_WEIGHTS and r.tempering == -1.0, r.to_text()
    assert "favours the worst sample" in r.weights


def test_undetached_weights():
    r = audit(L.iwae_undetached)
    assert r.verdict is IwaeVerdict.WRONG_WEIGHTS and r.weights.startswith("undetached"), r.to_text()


def test_tempered_renyi_variant():
    r = audit(L.iwae_tempered)
    assert r.verdict is IwaeVerdict.WRONG_WEIGHTS and r.tempering == pytest.approx(0.5), r.to_text()
    assert "Rényi bound with α = 0.5" in r.weights


def test_k_sample_average_elbo_is_not_iwae():
    r = audit(L.iwae_average_elbo)
    assert r.verdict is IwaeVerdict.WRONG_WEIGHTS and r.weights.startswith("uniform"), r.to_text()


def test_crash():
    r = audit(L.iwae_crashes)
    assert r.verdict is IwaeVerdict.CRASH and "RuntimeError" in r.exception


def test_our_vae_iwae_through_the_front_door():
    r = vae_iwae_audit()
    assert r.verdict is IwaeVerdict.EQUALS and (r.a.text, r.c.text) == ("1", "0"), r.to_text()
    assert not r.gradient_checked  # Vae.iwae runs under no_grad: value only, said so
    json.loads(r.to_json())


def test_assert_iwae():
    assert_iwae(L.iwae_correct, SPEC, 4, **FAST)
    assert_iwae(L.iwae_missing_log_k, SPEC, 4, **FAST)  # a surrogate with the right gradient
    with pytest.raises(AssertionError, match="missing −log K"):
        assert_iwae(L.iwae_missing_log_k, SPEC, 4, surrogate_ok=False, **FAST)


@pytest.mark.parametrize(("k", "draws", "name"), [(1, 4, "K"), (2.5, 4, "K"), (4, 1, "draws")])
def test_bad_arguments(k, draws, name):
    with pytest.raises(ValueError, match=name):
        audit_iwae_loss(L.iwae_correct, SPEC, k, draws=draws)


def test_iwae_that_samples_itself_is_replayed_with_the_auditors_noise():
    spec = ModelSpec("bernoulli_logits", arguments=("x", "mu", "logvar", "decoder", "k"))
    r = audit_iwae_loss(L.iwae_sampling_itself, spec, 4, **FAST)
    assert r.verdict is IwaeVerdict.EQUALS and r.gradient_checked, r.to_text()


def test_every_iwae_verdict_has_its_documented_exit_status():
    def value_right_gradient_not(recon, x, mu, logvar, z):
        return L.iwae_correct(recon, x, mu, logvar, z) + 0.1 * (mu.pow(2).sum() - mu.pow(2).sum().detach())

    def nan_iwae(recon, x, mu, logvar, z):
        return L.iwae_correct(recon, x, mu, logvar, z) * float("nan")

    def dict_without_loss(recon, x, mu, logvar, z):
        return {"iwae": L.iwae_correct(recon, x, mu, logvar, z)}

    expected = [(L.iwae_correct, IwaeVerdict.EQUALS, 0),
                (L.iwae_detached_surrogate, IwaeVerdict.SURROGATE, 0),
                (L.iwae_missing_log_k, IwaeVerdict.MISSING_LOG_K, 0),
                (L.iwae_tempered, IwaeVerdict.WRONG_WEIGHTS, 1),
                (value_right_gradient_not, IwaeVerdict.NOT_AFFINE, 1),
                (nan_iwae, IwaeVerdict.NOT_FINITE, 1), (dict_without_loss, IwaeVerdict.BAD_RETURN, 3),
                (L.iwae_crashes, IwaeVerdict.CRASH, 3)]
    for fn, verdict, code in expected:
        r = audit(fn)
        assert (r.verdict, r.exit_code) == (verdict, code), r.to_text()
        assert "None" not in r.to_text()


def test_iwae_against_a_declared_prior_variance():
    def prior_half(recon, x, mu, logvar, z):
        log_px = -F.binary_cross_entropy_with_logits(recon, x.expand_as(recon), reduction="none").sum(-1)
        log_pz = (-0.5 * z.pow(2) / 0.5 - 0.5 * math.log(2 * math.pi * 0.5)).sum(-1)
        log_qz = (-0.5 * (z - mu).pow(2) / logvar.exp() - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
        return -(torch.logsumexp(log_px + log_pz - log_qz, 0) - math.log(z.shape[0])).mean()

    half = ModelSpec("bernoulli_logits", arguments=("recon", "x", "mu", "logvar", "z"), prior_var=0.5)
    assert audit_iwae_loss(prior_half, half, 4, **FAST).verdict is IwaeVerdict.EQUALS
    assert audit(prior_half).refuted  # against the standard normal prior it is not −IWAE_K


def test_a_dreg_lookalike_without_the_stop_gradient_is_not_named():
    def dreg_q_not_stopped(recon, x, mu, logvar, z):
        lw = L.log_weights(recon, x, mu, logvar, z)
        log_px = -F.binary_cross_entropy_with_logits(recon, x.expand_as(recon), reduction="none").sum(-1)
        w = torch.softmax(lw.detach(), 0)
        return (-(w.pow(2) * (lw - log_px + log_px.detach())).sum(0) - (w * log_px).sum(0)).mean()

    r = audit(dreg_q_not_stopped)
    assert r.refuted and r.estimator is None, r.to_text()
