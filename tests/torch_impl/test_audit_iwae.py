"""audit_iwae_loss: value, gradient and implied weights on correct and defective IWAE losses."""

import json

import pytest

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
    assert r.verdict is IwaeVerdict.MISSING_LOG_K and r.refuted, r.to_text()
    assert r.c.text == "-log K"


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
    with pytest.raises(AssertionError, match="missing −log K"):
        assert_iwae(L.iwae_missing_log_k, SPEC, 4, **FAST)


@pytest.mark.parametrize(("k", "draws", "name"), [(1, 4, "K"), (2.5, 4, "K"), (4, 1, "draws")])
def test_bad_arguments(k, draws, name):
    with pytest.raises(ValueError, match=name):
        audit_iwae_loss(L.iwae_correct, SPEC, k, draws=draws)


def test_iwae_that_samples_itself_is_replayed_with_the_auditors_noise():
    spec = ModelSpec("bernoulli_logits", arguments=("x", "mu", "logvar", "decoder", "k"))
    r = audit_iwae_loss(L.iwae_sampling_itself, spec, 4, **FAST)
    assert r.verdict is IwaeVerdict.EQUALS and r.gradient_checked, r.to_text()
