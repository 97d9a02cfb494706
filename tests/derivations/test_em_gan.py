"""EM and GAN verifiers: claims proved, wrong variants refuted."""

import sympy as sp

from derivations.checker.steps import Derivation
from derivations.checker.verdicts import Verdict
from derivations.em import (
    N_POINTS,
    DiscreteModel,
    X,
    monotonicity_chain,
    textbook_m_step,
    verify_e_step,
    verify_free_energy_decomposition,
    verify_gmm_m_step,
    verify_m_step_equivalence,
)
from derivations.gan import (
    A,
    B,
    jsd,
    verify_jsd_minimum,
    verify_optimal_discriminator,
    verify_virtual_criterion,
)


def test_free_energy_decomposition_and_flipped_sign():
    good = verify_free_energy_decomposition(lambda m: m.log_evidence() - m.kl(m.q, m.posterior))
    assert good.verdict is Verdict.PROVED
    bad = verify_free_energy_decomposition(lambda m: m.log_evidence() + m.kl(m.q, m.posterior))
    assert bad.verdict is Verdict.REFUTED


def test_e_step_and_wrong_e_step():
    from derivations.variational import seed_optimum

    assert verify_e_step(seed_optimum).verdict is Verdict.PROVED
    assert verify_e_step(lambda m, j: m.prior[j]).verdict is Verdict.REFUTED  # "q = prior"


def test_m_step_gap_is_entropy_not_negative_entropy():
    assert verify_m_step_equivalence(lambda m, q: m.entropy(q)).verdict is Verdict.PROVED
    assert verify_m_step_equivalence(lambda m, q: -m.entropy(q)).verdict is Verdict.REFUTED


def test_monotonicity_proved_from_named_premise():
    r = monotonicity_chain().check()
    assert r.verdict is Verdict.PROVED
    assert [s.label for s in r.premises] == ["(b)"]
    assert "from the premises (b)" in r.summary()


def test_monotonicity_with_inexact_e_step_refuted():
    # with q = prior instead of the posterior, F(θᵗ, q) ≠ log p_θᵗ(x): the last step fails
    old = DiscreteModel()
    from derivations.em import free_energy

    d = Derivation(free_energy(old, old.prior), domain=old.domain(), title="inexact E-step")
    d.eq(old.log_evidence(), "claimed tight")
    r = d.check()
    assert r.verdict is Verdict.REFUTED


def test_gmm_m_step_and_wrong_variance():
    assert verify_gmm_m_step(textbook_m_step).verdict is Verdict.PROVED

    def divided_by_n(g, k):
        mu, _, w = textbook_m_step(g, k)
        return mu, g.resp_sum(k, lambda n: (X[n] - mu) ** 2) / N_POINTS, w

    assert verify_gmm_m_step(divided_by_n).verdict is Verdict.REFUTED


def test_optimal_discriminator_and_swapped():
    assert verify_optimal_discriminator(A / (A + B)).verdict is Verdict.PROVED
    assert verify_optimal_discriminator(B / (A + B)).verdict is Verdict.REFUTED


def test_virtual_criterion_and_wrong_constants():
    assert verify_virtual_criterion(lambda m, p, g: -sp.log(4) + 2 * jsd(m, p, g)).verdict is Verdict.PROVED
    assert verify_virtual_criterion(lambda m, p, g: -sp.log(2) + 2 * jsd(m, p, g)).verdict is Verdict.REFUTED
    assert verify_virtual_criterion(lambda m, p, g: -sp.log(4) + jsd(m, p, g)).verdict is Verdict.REFUTED


def test_global_minimum_and_wrong_value():
    assert verify_jsd_minimum(-sp.log(4)).verdict is Verdict.PROVED
    assert verify_jsd_minimum(-sp.log(2)).verdict is Verdict.REFUTED
