"""``torch`` evidence for registered claims (issue 5), discovered by the report runner when torch
imports. Each item is a :class:`torch_impl.validations.Check` with its measured error and tolerance.

The claims themselves (and the list of ids that get torch evidence) live in the torch-free
:mod:`torch_impl.claims`, so that the runner lists them as *skipped* where torch is missing."""

from __future__ import annotations

from collections.abc import Callable

import torch

from derivations.checker.verdicts import Evidence, Verdict
from derivations.runner.registry import all_claims, evidence, warm_up
from torch_impl import claims as _claims  # noqa: F401  (registers the torch-only claims)
from torch_impl import validations as V

# Imported on its own (not through the registry), this module first has the registry load every
# built-in claim, which imports this module again (a no-op) and then returns: the claims this
# module attaches evidence to are registered by then.
all_claims()


@warm_up("torch")
def _import_dynamo() -> None:
    """Every torch optimiser's first ``add_param_group`` imports ``torch._dynamo`` (~1.4 s): done
    once before the report's workers fork, not once per worker."""
    import torch._dynamo  # noqa: F401


def _from_checks(*checks: V.Check) -> Evidence:
    bad = [c for c in checks if not c.ok]
    detail = "; ".join(f"{c.name}: {c.detail}" for c in checks)
    ratio = max(c.error / c.tolerance if c.tolerance else 0.0 for c in checks)
    if bad:
        return Evidence(
            "torch",
            Verdict.REFUTED,
            detail,
            error=ratio,
            tolerance=1.0,
            counterexample={c.name: f"error {c.error:.3g} > tolerance {c.tolerance:.3g}" for c in bad},
        )
    return Evidence(
        "torch",
        Verdict.NUMERIC,
        detail + " (error reported as the worst error/tolerance ratio)",
        error=ratio,
        tolerance=1.0,
    )


def _attach(claim_id: str, *fns: Callable[[], V.Check]) -> None:
    @evidence(claim_id, "torch")
    def _run() -> Evidence:
        return _from_checks(*(f() for f in fns))


ULP = 16.0


def _kl_accuracy() -> V.Check:
    worst = {str(dt): V.kl_term_accuracy(dt) for dt in (torch.float32, torch.float64)}
    ours = max(w["this project"] for w in worst.values())
    others = ", ".join(
        f"{dt} {k}: {v:.2g}" for dt, w in worst.items() for k, v in w.items() if k != "this project"
    )
    return V.Check(
        "KL term accuracy near collapse (|ℓ|, |μ| down to 1e-7)",
        ours,
        ULP,
        f"this project ≤ {ours:.2f} ulp in float32 and float64 vs mpmath; for comparison {others} ulp",
    )


_attach(
    "gaussian_kl.diagonal_vs_standard",
    V.kl_term_matches_where_accurate,
    _kl_accuracy,
    V.kl_term_monte_carlo,
    V.training_loss_matches_elbo_terms,
)
_attach("likelihood.bernoulli_bce", V.bernoulli_reconstruction)
_attach("likelihood.gaussian_mse", V.gaussian_reconstruction)
_attach("estimator.mc_reconstruction_unbiased", V.mc_reconstruction_unbiased)
_attach("estimator.reparameterisation", V.reparameterisation_law, lambda: V.pathwise_vs_score()[0])
_attach("estimator.score_function", lambda: V.pathwise_vs_score()[0])
_attach("elbo.evidence_decomposition", V.linear_gap_is_kl)
_attach("gm_vae.elbo_three_terms", V.gm_vae_three_terms)

_attach("vae.gradients_reach_encoder", V.gradients_reach_encoder)
_attach("vae.linear_reaches_ppca", lambda: V.linear_vae_reaches_ppca()[0])
_attach("vae.iwae_bounds", V.iwae_bounds_linear, V.iwae_monotone_mlp)

import torch_impl.evidence_audit  # noqa: E402  (issue 11: the VAE through the public auditor)
import torch_impl.evidence_second  # noqa: E402,F401  (issue 12: second kind of evidence)
from torch_impl import evidence_few_labels as _evidence_few_labels  # noqa: E402,F401  (seed 001 §4.3)
from torch_impl import evidence_seed_problems as _evidence_seed_problems  # noqa: E402,F401  (issue 12 §2)
