"""How many independent kinds of evidence each claim has.

Every toolkit claim should rest on at least two kinds of evidence (symbolic, numeric, property,
torch): a proof can be of the wrong statement, a numeric check can miss a region. Where a second
kind cannot exist, the reason is recorded here, in :data:`SINGLE_EVIDENCE_REASONS`, for the
report to print next to the claim.
"""

from __future__ import annotations

from collections import Counter

from derivations.runner.registry import Claim, all_claims

#: claim id → why no second, independent kind of evidence can exist for it.
SINGLE_EVIDENCE_REASONS: dict[str, str] = {
    "vae.gradients_reach_encoder": (
        "the claim is about PyTorch's autograd graph (rsample() keeps the path from z to μ, σ; "
        "sample() detaches it), so only torch can witness it; its mathematical content, "
        "∂_μ E[f(μ + sε)] = E[f'(μ + sε)], is the claim estimator.reparameterisation (symbolic and torch)"
    ),
    "vae.loss_is_neg_elbo": (
        "the claim is about the torch code Vae.loss (its reductions, β and sampler), so only running "
        "it can witness it; the terms it is compared with are proved: likelihood.bernoulli_bce, "
        "likelihood.gaussian_mse and gaussian_kl.diagonal_vs_standard (symbolic and torch)"
    ),
    "vae.iwae_estimator": (
        "the claim is about the torch code Vae.iwae; the mathematics it implements, "
        "ELBO ≤ IWAE_k ≤ IWAE_{k+1} ≤ log p(x), is the claim vae.iwae_bounds (numeric and torch)"
    ),
    "vae.labels_from_latents": (
        "the claim is a measured accuracy of a trained network on one data set (seed 001 §4.3): it has "
        "no closed form to prove or to compute another way, only the measurement itself, repeated "
        "over seeds"
    ),
}


def evidence_kinds(claim: Claim) -> list[str]:
    """The methods with evidence attached to ``claim`` (symbolic, numeric, property, torch)."""
    return sorted(claim.evidence_fns)


def single_evidence_reason(claim_id: str) -> str | None:
    """The recorded reason why ``claim_id`` has a single kind of evidence, or None."""
    if not isinstance(claim_id, str) or not claim_id:
        raise ValueError(f"claim_id: expected a non-empty claim id, got {claim_id!r}")
    return SINGLE_EVIDENCE_REASONS.get(claim_id)


def uncovered_toolkit_claims(claims: list[Claim] | None = None) -> list[str]:
    """Toolkit claims with fewer than two kinds of evidence and no recorded reason."""
    claims = all_claims() if claims is None else claims
    return [
        c.id
        for c in claims
        if c.kind == "toolkit" and len(c.evidence_fns) < 2 and c.id not in SINGLE_EVIDENCE_REASONS
    ]


def kinds_histogram(claims: list[Claim] | None = None) -> dict[int, int]:
    """Number of toolkit claims by number of evidence kinds, for the report's summary line."""
    claims = all_claims() if claims is None else claims
    return dict(sorted(Counter(len(c.evidence_fns) for c in claims if c.kind == "toolkit").items()))
