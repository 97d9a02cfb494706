"""Every toolkit claim has two kinds of evidence or a recorded reason."""

import pytest

from derivations.runner.registry import Claim, all_claims, get_claim

# Load the registry before importing anything under derivations.claims: importing that package
# first registers claims while numerics.evidence is already attaching to them (registry.py's
# loader).
all_claims()

from derivations.claims.evidence_coverage import (  # noqa: E402
    SINGLE_EVIDENCE_REASONS,
    kinds_histogram,
    single_evidence_reason,
    uncovered_toolkit_claims,
)


def test_every_toolkit_claim_has_two_kinds_or_a_reason():
    assert uncovered_toolkit_claims() == []


def test_reasons_name_registered_single_evidence_toolkit_claims():
    for claim_id, reason in SINGLE_EVIDENCE_REASONS.items():
        claim = get_claim(claim_id)
        assert claim.kind == "toolkit"
        assert len(claim.evidence_fns) == 1, f"{claim_id} has two kinds now: drop its reason"
        assert len(reason) > 40


def test_an_uncovered_claim_is_reported():
    lonely = Claim("test.lonely", "s", "s", "test")
    lonely.evidence_fns["symbolic"] = lambda: None  # type: ignore[assignment,return-value]
    assert uncovered_toolkit_claims([lonely]) == ["test.lonely"]
    assert kinds_histogram([lonely]) == {1: 1}


def test_histogram_counts_every_toolkit_claim():
    toolkit = [c for c in all_claims() if c.kind == "toolkit"]
    assert sum(kinds_histogram().values()) == len(toolkit)


def test_reason_lookup_validates_its_argument():
    assert single_evidence_reason("vae.gradients_reach_encoder")
    with pytest.raises(ValueError, match="claim_id"):
        single_evidence_reason("")
