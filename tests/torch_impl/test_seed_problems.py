"""Torch evidence for forward-KL VI and REINFORCE, with wrong variants refuted."""

import torch

from torch_impl.evidence.estimators import reinforce_unbiased
from torch_impl.evidence.forward_kl import forward_fit_covers_modes, forward_fit_reaches_posterior
from torch_impl.evidence.gm_vae import gm_vae_gap_is_posterior_kl, gm_vae_training_shrinks_posterior_kl


def test_forward_fit_reaches_posterior() -> None:
    c = forward_fit_reaches_posterior()
    assert c.ok, c.detail


def test_forward_fit_with_inverted_weights_refuted() -> None:
    c = forward_fit_reaches_posterior(log_weight=lambda lj, lr: lr - lj)
    assert not c.ok


def test_mass_covering_vs_mode_seeking() -> None:
    c = forward_fit_covers_modes()
    assert c.ok, c.detail
    assert "locks onto one mode" in c.detail


def test_reinforce_unbiased_with_and_without_baseline() -> None:
    assert reinforce_unbiased(baseline=False).ok
    c = reinforce_unbiased(baseline=True)
    assert c.ok, c.detail


def test_reinforce_with_grad_q_instead_of_grad_log_q_refuted() -> None:
    wrong = reinforce_unbiased(
        baseline=False, score=lambda logits, onehot: onehot * torch.softmax(logits, -1)
    )
    assert not wrong.ok


def test_gm_vae_gap_identity_and_wrong_variant() -> None:
    assert gm_vae_gap_is_posterior_kl().ok
    assert not gm_vae_gap_is_posterior_kl(categorical_entropy=False).ok


def test_gm_vae_training_shrinks_posterior_kl() -> None:
    c = gm_vae_training_shrinks_posterior_kl()
    assert c.ok, c.detail


def test_bad_arguments_are_value_errors() -> None:
    import pytest

    from torch_impl import forward_kl as fk
    from torch_impl import reinforce as rf
    from torch_impl.gm_vae_learned import train_learned_posterior

    with pytest.raises(ValueError, match="steps"):
        fk.reverse_kl_fit(fk.bimodal_log_density, steps=0)
    with pytest.raises(ValueError, match="lr"):
        fk.reverse_kl_fit(fk.bimodal_log_density, lr=float("nan"))
    with pytest.raises(ValueError, match="samples"):
        fk.forward_kl_fit(fk.LinearGaussian().log_joint, samples=10)
    with pytest.raises(ValueError, match="n:"):
        rf.binary_digits(0)
    with pytest.raises(ValueError, match="samples"):
        rf.train_reinforce(torch.zeros(4, 8), 3, baseline=True, samples=1)
    with pytest.raises(ValueError, match="epochs"):
        train_learned_posterior(torch.zeros(4, 8), torch.zeros(2, 8), epochs=0)
    with pytest.raises(ValueError, match="x_train, x_test"):
        train_learned_posterior(torch.zeros(4, 8), torch.zeros(2, 9))
