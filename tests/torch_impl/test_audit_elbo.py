"""audit_elbo_loss on every defect class the auditor names and on correct losses in every reduction
convention: exact verdict, β_eff and (where it applies) the convention named."""

import json
import math

import pytest
import torch

from tests.torch_impl import audit_losses as L
from torch_impl.audit import (
    Hooks,
    LossVerdict,
    ModelSpec,
    assert_neg_elbo,
    audit_elbo_loss,
)
from torch_impl.evidence.audit import _vae, vae_loss_audits

FAST = {"batch_sizes": (3, 96), "data_shapes": ((4,), (9,)), "latent_dims": (2, 3), "draws": 8,
        "extreme_draws": 2}
BERN = ModelSpec("bernoulli", arguments=("recon", "x", "mu", "logvar"))
GAUSS = ModelSpec("gaussian", sigma2=1.0, arguments=("recon", "x", "mu", "logvar"))


def audit(fn, spec=BERN, **kw):
    return audit_elbo_loss(fn, spec, **{**FAST, **kw})


@pytest.mark.parametrize(
    ("fn", "a"),
    [(L.sum_reduction, "1"), (L.batch_mean, "1/B"), (L.pixel_mean_matching_beta, "1/(B·D)")],
)
def test_correct_bernoulli_losses_in_every_reduction(fn, a):
    r = audit(fn)
    assert r.verdict is LossVerdict.EQUALS, r.to_text()
    assert (r.a.text, r.beta_eff.text, r.c.text) == (a, "1", "0")
    assert r.kl_convention == r.sampler_convention == "σ = e^{s/2}"
    assert not r.refuted


def test_beta_vae_with_beta_as_a_hyper_parameter():
    spec = ModelSpec("bernoulli", arguments=("recon", "x", "mu", "logvar"), hyper={"beta": (4.0, 0.5)})
    r = audit(L.beta_vae, spec, beta="beta")
    assert r.verdict is LossVerdict.EQUALS and r.beta_eff.text == "beta", r.to_text()
    wrong = audit(L.beta_vae, spec, beta=1.0)
    assert wrong.verdict is LossVerdict.BETA_MISMATCH and wrong.beta_eff.text == "beta"


def test_fixed_batch_size_division_gives_beta_b_over_128():
    r = audit(L.fixed_batch_division)
    assert r.verdict is LossVerdict.BETA_MISMATCH, r.to_text()
    assert (r.a.text, r.beta_eff.text) == ("1/(B·D)", "B/128")
    assert r.counterexample["configuration"].startswith("B = 96")
    assert r.counterexample["β_eff"] == pytest.approx(96 / 128, rel=1e-9)  # the last batch of 96


def test_missing_half_in_the_kl_is_beta_2():
    r = audit(L.missing_half)
    assert r.verdict is LossVerdict.BETA_MISMATCH and r.beta_eff.text == "2", r.to_text()


def test_kl_sign_flip_is_beta_minus_1():
    r = audit(L.kl_sign_flip)
    assert r.verdict is LossVerdict.BETA_MISMATCH and r.beta_eff.text == "-1", r.to_text()


def test_whole_sign_flip_is_wrong_sign():
    r = audit(L.whole_sign_flip)
    assert r.verdict is LossVerdict.WRONG_SIGN and r.a.text == "-1", r.to_text()


def test_log_sigma_vs_log_variance_confusion_is_named():
    r = audit(L.log_sigma_confusion)
    assert r.verdict is LossVerdict.NOT_AFFINE, r.to_text()
    assert r.kl_convention == "σ = e^{s}" and r.sampler_convention == "σ = e^{s/2}"
    assert "the KL assumes σ = e^{s}; the sampler uses σ = e^{s/2}" in r.diagnosis[0]
    assert {"loss", "a·(−ELBO)+c (fit on the ordinary draws)"} <= set(r.counterexample)


def test_keras_style_sampler_kl_mismatch_is_named():
    spec = ModelSpec("bernoulli", param="0.01*logstd", arguments=("recon", "x", "mu", "s"))
    r = audit(L.kl_for_small_noise_sampler, spec)
    assert r.verdict is LossVerdict.NOT_AFFINE, r.to_text()
    assert "the KL assumes σ = e^{s/2}; the sampler uses σ = 0.01·e^{s}" in r.diagnosis[0]
    assert "β_eff = 1" in r.diagnosis[0]


def test_clipping_at_1e7_is_not_affine_on_saturated_inputs():
    r = audit(L.clipped)
    assert r.verdict is LossVerdict.NOT_AFFINE, r.to_text()
    cx = r.counterexample
    assert cx["extreme"] is True  # only saturated outputs reveal it
    assert cx["loss"] < cx["−ELBO (β = 1, verified terms)"]
    assert "clips probabilities to [1e-07" in r.diagnosis[0] and "16.1 nats" in r.diagnosis[0]


def test_clipping_is_missed_without_saturated_draws():
    """The reason extreme draws exist: at moderate outputs the clipped loss is exact."""
    r = audit(L.clipped, extreme_draws=0)
    assert r.verdict is LossVerdict.EQUALS


def test_stochastic_loss_replayed_through_the_decoder_and_controlled_noise():
    spec = ModelSpec("bernoulli", arguments=("x", "mu", "logvar", "decoder"))
    r = audit(L.stochastic_with_decoder, spec)
    assert r.verdict is LossVerdict.EQUALS and r.a.text == "1/B", r.to_text()
    assert r.sampler_convention == "σ = e^{s/2}"  # identified from the recorded z and ε


def test_sampler_identified_from_the_loss_itself():
    spec = ModelSpec("bernoulli", arguments=("x", "mu", "s", "decoder"))
    r = audit(L.softplus_sampler_with_logvar_kl, spec)
    assert r.verdict is LossVerdict.NOT_AFFINE, r.to_text()
    assert "the KL assumes σ = e^{s/2}; the sampler uses σ = softplus(s)" in r.diagnosis[0]
    assert any("not the declared" in n for n in r.notes)


def test_gaussian_constant_dropped_legitimately():
    r = audit(L.gaussian_sum_constant_dropped, GAUSS)
    assert r.verdict is LossVerdict.EQUALS, r.to_text()
    assert (r.a.text, r.beta_eff.text, r.c.text) == ("1", "1", "-B·D·log(2π)/2")


def test_gaussian_batch_mean_with_declared_variance():
    spec = ModelSpec("gaussian", sigma2=0.5, arguments=("recon", "x", "mu", "logvar"))
    r = audit(L.gaussian_batch_mean_var_half, spec)
    assert r.verdict is LossVerdict.EQUALS and (r.a.text, r.c.text) == ("1/B", "0"), r.to_text()


def test_gaussian_missing_half_is_beta_half():
    r = audit(L.gaussian_missing_half, GAUSS)
    assert r.verdict is LossVerdict.BETA_MISMATCH and r.beta_eff.text == "1/2", r.to_text()
    assert r.implied_sigma2.text == "1/2"


def test_gaussian_mixed_reductions_with_kld_weight():
    spec = ModelSpec("gaussian", sigma2=1.0, arguments=("recon", "x", "mu", "logvar"),
                     hyper={"kld_weight": (2.5e-4, 1.0)})
    r = audit(L.gaussian_mixed_reductions, spec, data_shapes=((4,), (3, 8, 8)))
    assert r.verdict is LossVerdict.BETA_MISMATCH, r.to_text()
    assert (r.a.text, r.beta_eff.text) == ("2/(B·D)", "D·kld_weight/2")
    d = 64 * 64 * 3  # 64×64×3 images: β_eff ≈ 1.5 in training (2.5e-4), D/2 = 6144 in validation (1)
    assert 2.5e-4 * d / 2 == pytest.approx(1.536) and 1.0 * d / 2 == 6144


def test_gaussian_free_variance_accepts_any_fixed_sigma2_but_not_batch_dependent():
    spec = ModelSpec("gaussian", sigma2=None, arguments=("recon", "x", "mu", "logvar"))
    r = audit(L.gaussian_missing_half, spec)
    assert r.verdict is LossVerdict.EQUALS and r.implied_sigma2.text == "1/2", r.to_text()
    r = audit(L.gaussian_kl_not_averaged, spec)
    assert r.verdict is LossVerdict.BETA_MISMATCH and r.implied_sigma2.text == "B/2", r.to_text()


def test_continuous_bernoulli_normaliser():
    spec = ModelSpec("continuous_bernoulli", arguments=("recon", "x", "mu", "logvar"))
    assert audit(L.continuous_bernoulli_correct, spec).verdict is LossVerdict.EQUALS
    r = audit(L.continuous_bernoulli_plain_bce, spec)
    assert r.verdict is LossVerdict.NOT_AFFINE, r.to_text()
    assert "omits the continuous-Bernoulli normaliser" in r.diagnosis[0]


def test_bce_on_unit_interval_data_is_reported_unnormalised():
    spec = ModelSpec("bernoulli", data="unit", arguments=("recon", "x", "mu", "logvar"))
    r = audit(L.sum_reduction, spec)
    assert r.verdict is LossVerdict.UNNORMALISED, r.to_text()
    assert r.a.text == "1" and r.beta_eff.text == "1"  # the fit itself is exact
    assert r.counterexample["p 0.5"] == pytest.approx(0.5, abs=1e-10)  # ∫₀¹ e^{−BCE} dx at p = ½


def test_crash_is_a_verdict_with_the_exception():
    r = audit(L.flat_784)
    assert r.verdict is LossVerdict.CRASH and r.refuted
    assert "RuntimeError" in r.exception


def test_our_vae_loss_through_the_front_door():
    for name, r in vae_loss_audits():
        assert r.verdict is LossVerdict.EQUALS, (name, r.to_text())
        assert r.a.text == "1/B" and r.c.text == "0"
    assert [r.beta_eff.text for _, r in vae_loss_audits()] == ["1", "2"]


def test_our_vae_with_a_wrong_kl_weight_is_refuted():
    model = _vae("bernoulli", 1.0, 21)
    spec = ModelSpec("bernoulli_logits", arguments=("x",), hooks=Hooks(model.encoder, model.decoder))

    def doubled_kl(x):
        _, totals = model.loss(x)
        return (totals.negative_log_likelihood + 2 * totals.kl) / len(x)

    r = audit_elbo_loss(doubled_kl, spec, batch_sizes=(2, 5), draws=6, extreme_draws=0)
    assert r.verdict is LossVerdict.BETA_MISMATCH and r.beta_eff.text == "2", r.to_text()


def test_assert_neg_elbo_passes_and_fails_with_the_diagnosis():
    assert_neg_elbo(L.batch_mean, BERN, **FAST)
    with pytest.raises(AssertionError, match="β_eff = B/128"):
        assert_neg_elbo(L.fixed_batch_division, BERN, **FAST)


def test_report_is_strict_json():
    for fn in (L.batch_mean, L.clipped, L.flat_784):
        d = json.loads(audit(fn).to_json())
        assert d["verdict"] and isinstance(d["refuted"], bool)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"loss_fn": 3}, "loss_fn"),
        ({"model": "bernoulli"}, "model"),
        ({"beta": -1.0}, "beta"),
        ({"beta": "nope"}, "beta"),
        ({"draws": 2}, "draws"),
        ({"batch_sizes": (0,)}, "batch_sizes"),
        ({"data_shapes": ((4, -1),)}, "data_shapes"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, name):
    args = {"loss_fn": L.batch_mean, "model": BERN, **kwargs}
    with pytest.raises(ValueError, match=name):
        audit_elbo_loss(args.pop("loss_fn"), args.pop("model"), **args)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"likelihood": "poisson"}, "likelihood"),
        ({"param": "log_banana"}, "param"),
        ({"param": "0*logstd"}, "scale"),
        ({"data": "complex"}, "data"),
        ({"arguments": ("recon", "x", "what")}, "arguments"),
        ({"arguments": "recon,x"}, "arguments"),
        ({"sigma2": -1.0}, "sigma2"),
        ({"hyper": {"w": ()}}, "hyper"),
    ],
)
def test_bad_model_spec_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ModelSpec(**{"likelihood": "bernoulli", **kwargs})


def test_noise_patch_is_undone_after_a_crash():
    before = (torch.randn, torch.randn_like)
    audit(L.flat_784)
    assert (torch.randn, torch.randn_like) == before
    assert math.isfinite(float(torch.randn(1)))


def test_nan_from_a_loss_is_a_counterexample_not_skipped():
    def log_of_logits(recon, x, mu, logvar):  # treats logits as probabilities: log of negatives
        return -(x * torch.log(recon) + (1 - x) * torch.log(1 - recon)).sum() + L.kl_logvar(mu, logvar)

    spec = ModelSpec("bernoulli_logits", arguments=("recon", "x", "mu", "logvar"))
    r = audit(log_of_logits, spec)
    assert r.verdict is LossVerdict.NOT_FINITE and r.exit_code == 1, r.to_text()
    assert math.isnan(r.counterexample["loss"]) and r.counterexample["configuration"].startswith("B = 3")
    assert "not finite" in r.to_text() and "tolerance 0" not in r.to_text()
    json.loads(r.to_json())


def test_float32_loss_passes_with_the_float32_tolerance():
    r = audit(L.batch_mean, dtype=torch.float32)
    assert r.verdict is LossVerdict.EQUALS and r.tolerance == 1e-4, r.to_text()
    assert r.a.text == "1/B"
    r = audit(L.clipped, dtype=torch.float32)  # the clip still shows on float32 saturated inputs
    assert r.verdict is LossVerdict.NOT_AFFINE and "16.1 nats" in r.diagnosis[0], r.to_text()


def test_single_sample_kl_estimate_is_a_valid_elbo_and_is_said_so():
    spec = ModelSpec("bernoulli", arguments=("x", "mu", "logvar", "decoder"))
    r = audit(L.monte_carlo_kl, spec)
    assert r.verdict is LossVerdict.EQUALS and r.a.text == "1/B", r.to_text()
    assert any("single-sample estimate" in n for n in r.notes)
    wrong = audit(L.monte_carlo_kl_wrong_sign, spec)
    assert wrong.verdict is LossVerdict.NOT_AFFINE, wrong.to_text()


def test_gaussian_with_a_learned_decoder_variance():
    spec = ModelSpec("gaussian_learned", arguments=("recon", "x", "mu", "logvar", "recon_logvar"))
    r = audit(L.gaussian_learned_variance, spec)
    assert r.verdict is LossVerdict.EQUALS and (r.a.text, r.c.text) == ("1/B", "0"), r.to_text()
    assert audit(L.gaussian_learned_variance_without_log_term, spec).verdict is LossVerdict.NOT_AFFINE
