"""``vae.labels_from_latents`` (seed 001 §4.3): the claim's torch evidence passes, a wrong variant
(latents that carry no label information) is refuted, the evidence is *skipped* without
scikit-learn, and bad arguments are rejected by name."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np
import pytest
import torch

from derivations.checker.verdicts import Verdict
from derivations.runner.registry import get_claim, run_evidence
from torch_impl.claims import TORCH_EVIDENCE_IDS, torch_only_claim
from torch_impl.evidence import few_labels as efl
from torch_impl.few_labels import FewLabelResult, few_label_accuracies, train_vae


def _shuffled_across_images(mu: np.ndarray) -> np.ndarray:
    """Wrong variant: each image gets another image's latent means (no label information left)."""
    return mu[np.random.default_rng(0).permutation(len(mu))]


def test_claim_registered_with_torch_evidence() -> None:
    claim = torch_only_claim("vae.labels_from_latents")
    assert "4.3" in claim.source and "not proved" in claim.statement
    assert "vae.labels_from_latents" in TORCH_EVIDENCE_IDS
    assert "torch" in get_claim("vae.labels_from_latents").evidence_fns


def test_real_claim_is_numerically_consistent() -> None:
    ev = efl.labels_from_latents_evidence()
    assert ev.verdict is Verdict.NUMERIC, ev.detail
    assert ev.error is not None and ev.error <= 0.6  # measured 0.43: above chance by 11.8 SE at 1 %
    for text in ("1 % labels", "5 % labels", "10 % labels", "VAE latents", "PCA", "raw pixels",
                 "Highest mean:", " win at ", "3 seeds", "25 epochs", "latent dim 8", "2 subsets"):
        assert text in ev.detail


def test_latents_without_label_information_are_refuted() -> None:
    ev = efl.labels_from_latents_evidence(_shuffled_across_images)
    assert ev.verdict is Verdict.REFUTED, ev.detail
    assert ev.counterexample and "VAE latents predict the missing labels" in ev.counterexample
    assert "latent_transform hook" in ev.detail


def test_skipped_without_scikit_learn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # `import sklearn` now raises ModuleNotFoundError
    ev = efl.labels_from_latents_evidence()
    assert ev.verdict is Verdict.SKIPPED
    assert ev.detail == "scikit-learn not installed: the `train` extra"
    via_registry = run_evidence(get_claim("vae.labels_from_latents"), "torch")
    assert via_registry.verdict is Verdict.SKIPPED and via_registry.detail == ev.detail


def test_margin_ratio_rule() -> None:
    spread = [0.3, 0.4, 0.5]  # seed SE 0.058 > binomial SE √(0.4·0.6/359) = 0.026
    se = np.std(spread, ddof=1) / math.sqrt(3)
    assert efl.margin_ratio(spread) == pytest.approx(5 * se / 0.3)
    binomial = math.sqrt(0.5 * 0.5 / 359)  # identical runs: the test set's SE, never 0
    assert efl.standard_error([0.5, 0.5, 0.5]) == pytest.approx(binomial)
    assert efl.margin_ratio([0.5, 0.5, 0.5]) == pytest.approx(5 * binomial / 0.4)
    assert efl.margin_ratio([0.103, 0.103, 0.103]) > 1  # 37/359 of one class: not far above chance
    assert efl.margin_ratio([0.05, 0.08]) == math.inf  # below chance
    assert efl.margin_ratio([0.12, 0.30]) > 1  # above chance, but not by 5 SE


def test_winners_sentence_groups_fractions() -> None:
    r = FewLabelResult((0.01, 0.05, 0.1), 2, 8, 1, {
        "vae": {0.01: [0.3, 0.3], 0.05: [0.6, 0.6], 0.1: [0.7, 0.7]},
        "pca": {0.01: [0.5, 0.5], 0.05: [0.5, 0.5], 0.1: [0.5, 0.5]},
        "pixels": {0.01: [0.4, 0.4], 0.05: [0.8, 0.8], 0.1: [0.9, 0.9]},
    })
    assert efl.winners_sentence(r) == "raw pixels win at 5 %, 10 %; PCA at 1 %"


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: few_label_accuracies(lr=0.0), "lr"),
        (lambda: few_label_accuracies(lr=float("nan")), "lr"),
        (lambda: few_label_accuracies(lr=True), "lr"),
        (lambda: few_label_accuracies(fused=1), "fused"),  # type: ignore[arg-type]
        (lambda: few_label_accuracies(draws=0), "draws"),
        (lambda: few_label_accuracies(first_seed=-1), "first_seed"),
        (lambda: few_label_accuracies(batch=0), "batch"),
        (lambda: few_label_accuracies(batch=1.5), "batch"),  # type: ignore[arg-type]
        (lambda: few_label_accuracies(epochs=0), "epochs"),
        (lambda: few_label_accuracies(hidden=0), "hidden"),
        (lambda: few_label_accuracies(latent_dim=65), "latent_dim"),
        (lambda: few_label_accuracies(seeds=2.5), "seeds"),  # type: ignore[arg-type]
        (lambda: few_label_accuracies(latent_transform="shuffle"), "latent_transform"),  # type: ignore[arg-type]
        (lambda: train_vae(torch.zeros(4, 64), latent_dim=2, epochs=1, seed=0, lr=-1.0), "lr"),
        (lambda: train_vae(torch.zeros(4, 64), latent_dim=2, epochs=1, seed=0, batch=0), "batch"),
        (lambda: train_vae(torch.zeros(4, 64), latent_dim=2, epochs=1, seed=0, fused="yes"), "fused"),  # type: ignore[arg-type]
        (lambda: efl.margin_ratio([0.5]), "accuracies"),
        (lambda: efl.margin_ratio([0.5, float("nan")]), "accuracies"),
        (lambda: efl.margin_ratio([0.5, 1.5]), "accuracies"),
        (lambda: efl.margin_ratio([0.5, 0.6], chance=1.0), "chance"),
        (lambda: efl.standard_error([0.5, 0.6], n_test=0), "n_test"),
    ],
)
def test_bad_arguments_rejected(call: Callable[[], object], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize(
    "transform",
    [lambda mu: mu[:, 0], lambda mu: mu[:-1], lambda mu: np.full_like(mu, np.nan)],
    ids=["one-dimensional", "rows dropped", "nan"],
)
def test_bad_latent_transform_output_rejected(transform: Callable[[np.ndarray], np.ndarray]) -> None:
    torch.set_num_threads(1)
    with pytest.raises(ValueError, match="latent_transform"):
        few_label_accuracies(fractions=(0.1,), seeds=2, epochs=1, hidden=8, latent_transform=transform)
