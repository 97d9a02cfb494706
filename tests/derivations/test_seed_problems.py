"""Forward-KL VI (seed 003 P6.4) and REINFORCE (seed 001 §4.4): proofs and refuted wrong variants."""

import sympy as sp

from derivations.checker.verdicts import Verdict
from derivations.forward_kl import verify_forward_kl_objective, verify_self_normalised_form
from derivations.reinforce import (
    baseline_term,
    score_function_expectation,
    verify_baseline_unbiased,
    verify_score_function_unbiased,
)


def test_forward_kl_objective_proved_and_reverse_objective_refuted() -> None:
    assert verify_forward_kl_objective().verdict is Verdict.PROVED
    # Wrong: the reverse-KL style objective E_q[log p(z|x)] is not the forward-KL objective.
    wrong = verify_forward_kl_objective(lambda m, r: m.expect(r, lambda z: sp.log(m.posterior(z))))
    assert wrong.verdict is Verdict.REFUTED
    # Wrong: a dropped sign.
    minus = verify_forward_kl_objective(lambda m, r: -m.expect(m.posterior, lambda z: sp.log(r[z])))
    assert minus.verdict is Verdict.REFUTED


def test_self_normalised_form_proved_and_wrong_weights_refuted() -> None:
    assert verify_self_normalised_form().verdict is Verdict.PROVED
    assert verify_self_normalised_form(lambda m, z: m.q[z] / m.joint_value(z)).verdict is Verdict.REFUTED
    assert verify_self_normalised_form(lambda m, z: m.lik[z]).verdict is Verdict.REFUTED


def test_score_function_unbiased_proved_and_grad_q_refuted() -> None:
    assert verify_score_function_unbiased().verdict is Verdict.PROVED
    assert score_function_expectation  # the default estimator is the REINFORCE expectation
    wrong = verify_score_function_unbiased(
        lambda fam: fam.at_phi(fam.expect(lambda z: fam.f[z] * fam.d(fam.q(z))))
    )
    assert wrong.verdict is Verdict.REFUTED


def test_baseline_unbiased_proved_and_z_dependent_baseline_refuted() -> None:
    assert verify_baseline_unbiased().verdict is Verdict.PROVED
    assert baseline_term
    wrong = verify_baseline_unbiased(
        lambda fam: fam.at_phi(fam.expect(lambda z: fam.f[z] * fam.d(sp.log(fam.q(z)))))
    )
    assert wrong.verdict is Verdict.REFUTED


def test_gm_vae_gap_is_posterior_kl_and_wrong_objective_refuted() -> None:
    from derivations.gm_vae_training import verify_gap_is_posterior_kl

    assert verify_gap_is_posterior_kl().verdict is Verdict.PROVED
    no_entropy = verify_gap_is_posterior_kl(lambda m, r: m.expect(r, lambda z: m.log_joint(z)))
    assert no_entropy.verdict is Verdict.REFUTED
