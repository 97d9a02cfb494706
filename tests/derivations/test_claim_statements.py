"""Every registered claim's shown LaTeX is decided equal to the relation its
verifier checks (derivations/claims/statements.py), or carries the reason it cannot be."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from derivations.checker.steps import Derivation
from derivations.claims.statements import (
    CHECKED_STATEMENTS,
    NO_CHECKED_STATEMENT,
    StatementSkipped,
    chain_relation,
    check_claim_statements,
)
from derivations.elbo import log_evidence_relation
from derivations.latent import DiscreteModel
from derivations.latex.claim_statements import ClaimLatexResult, check_claim_latex
from derivations.runner.registry import Claim, all_claims, get_claim


def _covered() -> list[Claim]:
    return [c for c in all_claims() if c.id in CHECKED_STATEMENTS]


def test_every_claim_is_in_exactly_one_of_the_two_tables():
    ids = {c.id for c in all_claims()}
    checked, skipped = set(CHECKED_STATEMENTS), set(NO_CHECKED_STATEMENT)
    assert not checked & skipped, checked & skipped
    assert ids - checked - skipped == set(), "claims with neither a checked statement nor a reason"
    assert (checked | skipped) - ids == set(), "entries for claims that are not registered"
    assert all(isinstance(r, str) and len(r) > 30 for r in NO_CHECKED_STATEMENT.values())


def test_every_covered_claim_states_what_its_verifier_checks():
    results = check_claim_statements(_covered(), time_limit=10)
    assert len(results) == len(CHECKED_STATEMENTS) >= 18
    bad = {r.claim_id: (r.status, r.detail) for r in results if not r.ok}
    assert bad == {}


def test_report_call_covers_all_claims_with_reasons_for_the_rest():
    results = check_claim_statements(
        [c for c in all_claims() if c.id not in CHECKED_STATEMENTS][:5] + _covered()[:2]
    )
    skipped = [r for r in results if isinstance(r, StatementSkipped)]
    assert len(skipped) == 5 and all(r.reason == NO_CHECKED_STATEMENT[r.claim_id] for r in skipped)
    assert all(isinstance(r, ClaimLatexResult) and r.status == "matches" for r in results[5:])


@pytest.mark.parametrize(
    ("claim_id", "wrong_latex", "what"),
    [
        (
            "gaussian_kl.equal_variance",
            r"\mathrm{KL}(\mathcal{N}(\mu_q,\sigma^2)\,\|\,\mathcal{N}(\mu_p,\sigma^2)) = "
            r"\frac{(\mu_q-\mu_p)^2}{\sigma^2}",
            "dropped ½",
        ),
        (
            "elbo.jensen_bound",
            r"\log p_\theta(x) \le \mathbb{E}_{q}\left[\log \frac{p_\theta(x,z)}{q(z\mid x)}\right]",
            "flipped relation",
        ),
        (
            "elbo.energy_plus_entropy",
            r"\mathrm{ELBO} = \mathbb{E}_q[\log p_\theta(x,z)] - \mathbb{H}[q(z\mid x)]",
            "sign of the entropy",
        ),
        ("seed004.problem_4f", r"D^\star = \tfrac13", "wrong constant"),
        ("em.free_energy_bound", r"\mathrm{ELBO}(\theta,q) \le \log p(z)", "wrong density"),
    ],
)
def test_a_drifted_latex_is_a_mismatch(claim_id, wrong_latex, what):
    claim = dataclasses.replace(get_claim(claim_id), latex=wrong_latex)
    (r,) = check_claim_statements([claim], time_limit=10)
    assert r.status == "mismatch", (what, r.status, r.detail)


def test_a_drifted_verifier_statement_is_a_mismatch():
    claim = get_claim("elbo.evidence_decomposition")
    m = DiscreteModel()
    drifted = log_evidence_relation(m, lambda mm: mm.elbo())  # the KL term lost
    r = check_claim_latex(claim, drifted, time_limit=10)
    assert r.status == "mismatch" and r.counterexample


def test_unparsable_latex_and_a_broken_builder_are_reported_per_claim(monkeypatch):
    # \arg\min is read now; \underset is notation the front end still refuses
    claim = dataclasses.replace(get_claim("kl.nonnegative"), latex=r"\underset{q}{\min} \mathrm{KL}(q\|p)")
    (r,) = check_claim_statements([claim])
    assert r.status == "parse error" and r"\underset" in r.detail

    def broken():
        raise RuntimeError("builder broke")

    monkeypatch.setitem(CHECKED_STATEMENTS, "kl.self_zero", broken)
    (r,) = check_claim_statements([get_claim("kl.self_zero")])
    assert r.status == "error" and "builder broke" in r.detail and not r.ok


def test_bad_arguments_raise_value_error():
    stray = Claim("nowhere.claim", "s", r"\mathrm{KL}(q\,\|\,q) = 0", "test")
    with pytest.raises(ValueError, match=r"nowhere\.claim"):
        check_claim_statements([stray])
    with pytest.raises(ValueError, match="claims"):
        check_claim_statements(["kl.self_zero"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="time_limit"):
        check_claim_statements([], time_limit=0)
    with pytest.raises(ValueError, match="expr"):
        check_claim_latex(get_claim("kl.self_zero"), ("KL(q, q)", "=", "0"))


def test_chain_relation_composes_the_steps():
    x = sp.Symbol("x", positive=True)
    d = Derivation(x + 1).eq(1 + x, "comm").ge(x, "drop 1")
    assert chain_relation(d) == (x + 1, ">=", x)
    assert chain_relation(Derivation(x).eq(x * 1, "unit").le(x + 1, "add 1"))[1] == "<="
    assert chain_relation(Derivation(x).eq(x * 1, "unit"))[1] == "="
    with pytest.raises(ValueError, match="Derivation"):
        chain_relation(Derivation(x))
