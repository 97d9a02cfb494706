"""Self-normalised importance sampling for forward-KL VI (seed 003 P6.4)."""

import math

import numpy as np
import pytest

from derivations.checker.verdicts import Verdict
from numerics import forward_kl as fk
from numerics.evidence.forward_kl import snis_consistent_and_biased


def test_snis_evidence_consistent_and_biased() -> None:
    ev = snis_consistent_and_biased()
    assert ev.verdict is Verdict.NUMERIC, ev.detail


def test_snis_evidence_refutes_inverted_weights() -> None:
    ev = snis_consistent_and_biased(weight=lambda p, lik, q: q / (p * lik))
    assert ev.verdict is Verdict.REFUTED


def test_one_sample_estimator_has_the_proposal_mean() -> None:
    t = fk.example_target()
    assert math.isclose(fk.expected_snis(t, 1), math.fsum(t.proposal * t.g), rel_tol=1e-14)


def test_bias_shrinks_with_n() -> None:
    t = fk.example_target()
    biases = [abs(fk.expected_snis(t, n) - t.exact()) for n in (1, 2, 3, 4)]
    assert biases == sorted(biases, reverse=True)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"prior": [0.5, 0.6]}, "prior"),
        ({"lik": [0.5, -1.0]}, "lik"),
        ({"proposal": [0.5]}, "prior/lik/proposal/g"),
        ({"g": [0.0, float("nan")]}, "g"),
    ],
)
def test_bad_targets_rejected(kwargs: dict, name: str) -> None:
    base = {"prior": [0.5, 0.5], "lik": [0.5, 0.5], "proposal": [0.5, 0.5], "g": [0.0, 1.0]}
    base.update(kwargs)
    with pytest.raises(ValueError, match=name.split("/")[0]):
        fk.DiscreteTarget(*(np.asarray(base[k], dtype=float) for k in ("prior", "lik", "proposal", "g")))


def test_bad_sample_counts_rejected() -> None:
    t = fk.example_target()
    with pytest.raises(ValueError, match="n:"):
        fk.expected_snis(t, 0)
    with pytest.raises(ValueError, match="n:"):
        fk.snis_estimate(t, True)  # type: ignore[arg-type]
