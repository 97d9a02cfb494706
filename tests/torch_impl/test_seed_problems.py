"""Torch evidence for forward-KL VI and REINFORCE, with wrong variants refuted."""

import torch

from torch_impl import evidence_seed_problems as E


def test_forward_fit_reaches_posterior() -> None:
    c = E.forward_fit_reaches_posterior()
    assert c.ok, c.detail


def test_forward_fit_with_inverted_weights_refuted() -> None:
    c = E.forward_fit_reaches_posterior(log_weight=lambda lj, lr: lr - lj)
    assert not c.ok


def test_mass_covering_vs_mode_seeking() -> None:
    c = E.forward_fit_covers_modes()
    assert c.ok, c.detail
    assert "locks onto one mode" in c.detail


def test_reinforce_unbiased_with_and_without_baseline() -> None:
    assert E.reinforce_unbiased(baseline=False).ok
    c = E.reinforce_unbiased(baseline=True)
    assert c.ok, c.detail


def test_reinforce_with_grad_q_instead_of_grad_log_q_refuted() -> None:
    wrong = E.reinforce_unbiased(
        baseline=False, score=lambda logits, onehot: onehot * torch.softmax(logits, -1)
    )
    assert not wrong.ok


def test_gm_vae_gap_identity_and_wrong_variant() -> None:
    assert E.gm_vae_gap_is_posterior_kl().ok
    assert not E.gm_vae_gap_is_posterior_kl(categorical_entropy=False).ok


def test_gm_vae_training_shrinks_posterior_kl() -> None:
    c = E.gm_vae_training_shrinks_posterior_kl()
    assert c.ok, c.detail
