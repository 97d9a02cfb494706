"""A claim's LaTeX is parsed and decided equal to the expression its verifier checks."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from derivations.latent import DiscreteModel
from derivations.latex.claim_statements import check_claim_latex, latex_parse_report


@dataclass
class _Claim:
    id: str
    latex: str


def _model() -> DiscreteModel:
    return DiscreteModel()


def test_matching_statement_is_proved_the_same():
    m = _model()
    claim = _Claim(
        "elbo.energy_plus_entropy",
        r"\mathrm{ELBO} = \mathbb{E}_q[\log p_\theta(x,z)] + \mathbb{H}[q(z\mid x)]",
    )
    checked = (m.elbo(), "=", m.expect(m.q, m.log_joint) + m.entropy(m.q))
    r = check_claim_latex(claim, checked, time_limit=3)
    assert r.status == "matches", r.detail


def test_drifted_statement_is_a_mismatch_with_counterexample():
    m = _model()
    claim = _Claim(
        "elbo.energy_minus_entropy",
        r"\mathrm{ELBO} = \mathbb{E}_q[\log p_\theta(x,z)] - \mathbb{H}[q(z\mid x)]",
    )
    checked = (m.elbo(), "=", m.expect(m.q, m.log_joint) + m.entropy(m.q))
    r = check_claim_latex(claim, checked, time_limit=3)
    assert r.status == "mismatch" and r.counterexample


def test_relation_and_sides_are_compared():
    m = _model()
    claim = _Claim("elbo.jensen_bound", r"\log p_\theta(x) \ge \sum_z q\log\frac{p_\theta(x,z)}{q}")
    assert check_claim_latex(claim, (m.log_evidence(), ">=", m.elbo()), time_limit=3).ok
    assert check_claim_latex(claim, (m.elbo(), "<=", m.log_evidence()), time_limit=3).ok
    r = check_claim_latex(claim, (m.log_evidence(), "=", m.elbo()), time_limit=3)
    assert r.status == "mismatch" and "the verifier checks `=`" in r.detail


def test_unparsable_latex_is_reported_and_bad_arguments_raise():
    m = _model()
    r = check_claim_latex(_Claim("x", r"\underset{q}{\arg\max} F(q)"), (m.elbo(), "=", m.elbo()))
    assert r.status == "parse error" and r"\underset" in r.detail
    with pytest.raises(ValueError, match="expr"):
        check_claim_latex(_Claim("x", "a = a"), "a = a")
    with pytest.raises(ValueError, match="claim"):
        check_claim_latex(object(), (m.elbo(), "=", m.elbo()))


def test_parse_report_names_each_claim():
    claims = [
        _Claim("a", r"\mathrm{KL}(q\,\|\,q) = 0"),
        _Claim("b", r"\underset{w}{\min} f(w)"),
        _Claim("c", r"\log p_{\theta^{(t+1)}}(x) \ge \log p_{\theta^{(t)}}(x)"),
    ]
    statuses = [r.status for r in latex_parse_report(claims)]
    assert statuses == ["parses", "parse error", "unsupported"]
