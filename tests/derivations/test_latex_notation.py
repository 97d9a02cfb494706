"""Notation people write (docs/latex-notation.md, "Notation families"): each family is read with its
meaning, a
wrong variant is refuted, and what is not understood stays a refusal that quotes the notation."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.latex import LatexParseError, check_text, parse_chain, to_latex
from derivations.latex.multivariate_gaussian import decide_kl_step, named_gaussians
from derivations.latex.parser import Node, preprocess
from derivations.latex.semantics import SemanticError, Semantics

FAST = {"time_limit": 5.0, "points": 12}


def _verdicts(doc: str) -> list[tuple[str, str]]:
    return [(s.label, s.verdict) for s in check_text(doc, **FAST).steps]


def _echo(latex: str) -> str:
    chain = parse_chain(latex)
    return to_latex(chain.first if chain.first is not None else chain.steps[0][1])


# ---------------------------------------------------------------- parsing: spellings and their reading
@pytest.mark.parametrize(
    "latex",
    [
        r"D_\text{KL}(q \| p)",
        r"\operatorname{D}_\text{KL}(q \Vert p)",
        r"\mathrm{K L}(q \vert\vert p)",
        r"D_{\mathrm{KL}}(q \parallel p)",
        r"\mathcal{D}_{KL}(q \mid\mid p)",
        r"KL(q, p)",
    ],
)
def test_kl_spellings_read_as_kl(latex):
    assert _echo(latex) == r"\mathrm{KL}\left(q \,\|\, p\right)"


def test_jsd_cross_entropy_and_angle_brackets():
    assert _echo(r"D_{JS}(P \| Q)").startswith(r"\mathrm{JSD}")
    assert _echo(r"\text{JSD}(P, Q)").startswith(r"\mathrm{JSD}")
    assert _echo(r"H(p, q)") == r"H\left(p, q\right)"
    assert _echo(r"H(q; p)") == r"H\left(q, p\right)"
    assert _echo(r"\langle \log p(x) \rangle_q") == r"\mathbb{E}_{q}\left[\log\left(p(x)\right)\right]"


def test_expectations_without_brackets_take_the_rest_of_the_product():
    assert _echo(r"\mathbb E_q \log p(x|z) - 1").startswith(
        r"\mathbb{E}_{q}\left[\log\left(p(x | z)\right)\right] - 1"
    )
    assert _echo(r"\mathop{\mathbb{E}}_{z\sim q}[f]") == r"\mathbb{E}_{z \sim q}\left[f\right]"


def test_log_stops_before_another_operator():
    echo = _echo(r"\log p(x|z) \nabla_\phi \log q")
    assert echo == r"\left(\log\left(p(x | z)\right)\right) \cdot \nabla_\phi \left(\log\left(q\right)\right)"


def test_differentials_and_limits():
    assert _echo(r"\int q(\mathbf{z}) \log q(\mathbf{z}) d\mathbf{z}").startswith(r"\int_{\mathbf{z}}")
    assert _echo(r"\int \mathrm dz\, q(z)").startswith(r"\int_{z}")
    assert _echo(r"\int_{-\infty}^{\infty} q(x) \, \mathrm{d}x").startswith(r"\int_{-\infty}^{\infty}")


def test_annotations_are_blanked_and_columns_kept():
    latex = r"a = b && \text{(Jensen)}"
    assert len(preprocess(latex)) == len(latex)
    assert _echo(latex) == "a"
    assert _echo(r"\text{E step: } q = p") == "q"
    assert _echo(r"\underbrace{a}_{\text{recon}} - \underbrace{b}_{\text{reg}}") == "a - b"


def test_conditions_make_a_statement_and_with_clauses_define():
    c = parse_chain(r"\pi_k = \frac{1}{K} \text{ for } 1 \le k \le K")
    assert c.condition is not None and "for" in c.condition
    c = parse_chain(r"\xi_x = w^\top x \quad \forall x \in \mathcal{D}")
    assert c.condition is not None and c.condition.startswith(r"\forall")
    c = parse_chain(
        r"\text{JSD}(P, Q) = \frac12 KL(P\|M) + \frac12 KL(Q\|M) \quad \text{with} \quad M = \frac12(P + Q)"
    )
    assert c.condition is None and len(c.where) == 1 and to_latex(c.where[0].first) == "M"


def test_sim_statements_and_conditional_models():
    c = parse_chain(r"x | z \sim \mathcal{N}(\mu(z), \sigma^2)")
    assert c.model is not None and to_latex(c.model[0]) == "x" and to_latex(c.model[1]) == "z"
    c = parse_chain(r"w | z \sim \prod_k \mathcal{N}(\mu_k, I)^{\mathbb{I}(z=k)}, \; k \le K")
    assert c.model is not None and c.model[2].kind == "prod" and c.condition == r"\; k \le K"
    c = parse_chain(r"z \sim \mathrm{Dir}(\alpha)")
    assert c.model is not None and c.model[2].kind == "unread"  # quoted, never guessed


def test_transposes_and_limits_are_told_apart():
    assert _echo(r"\sum_{t=1}^T a_t") == r"\sum_{t=1}^{T} \left[a_t\right]"
    assert _echo(r"w^\top x") == r"{w}^\top \cdot x"
    assert _echo(r"w^{T} x") == r"{w}^\top \cdot x"


def test_superscript_first_subscripts_over_unicode_and_plain_log():
    assert _echo(r"\sigma^2_1") == r"{\sigma_1}^{2}"
    assert _echo(r"{1 \over 2} log(x) − 1") == r"\frac{1}{2} \cdot \log\left(x\right) - 1"


def test_an_index_after_its_sum_belongs_to_the_sum_only_when_free():
    assert _echo(r"-\sum_{d=1}^D x_d \log y_d + (1 - x_d) \log(1 - y_d)").startswith(
        r"-\sum_{d=1}^{D} \left[x_d"
    )
    two = _echo(r"-\sum_{d=1}^D x_d - \sum_{d=1}^D y_d")
    assert two == r"-\sum_{d=1}^{D} \left[x_d\right] - \sum_{d=1}^{D} \left[y_d\right]"


@pytest.mark.parametrize(
    "latex, notation",
    [
        (r"a_1 + \cdots + a_n = 1", r"\cdots"),
        (r"L = \mathbb{E}_q[f] - \dots", r"\dots"),
        (r"\hat\theta = \underset{\theta}{\arg\max} f", r"\underset"),
        (r"\mathrm{BCE}(x, y) = 1", r"\mathrm{BCE}"),
    ],
)
def test_what_is_not_read_is_refused_with_the_notation_quoted(latex, notation):
    with pytest.raises(LatexParseError) as info:
        parse_chain(latex)
    assert notation in str(info.value) and "column" in str(info.value)


def test_cdots_is_not_cdot_and_dots_is_not_a_decorated_s():
    with pytest.raises(LatexParseError):
        parse_chain(r"x_1 \cdots x_n")
    assert _echo(r"a \cdot \dot{D}") == r"a \cdot \dot{D}"


# ---------------------------------------------------------------- semantics
def test_sigma_is_the_logistic_function_only_when_the_document_says_so():
    with pytest.raises(SemanticError, match="logistic"):
        Semantics().evaluate(parse_chain(r"\sigma(a)").first)  # type: ignore[arg-type]
    a = sp.Symbol("a", real=True)
    assert Semantics(sigmoid=True).evaluate(parse_chain(r"\sigma(a)").first) == 1 / (1 + sp.exp(-a))  # type: ignore[arg-type]


def test_bernoulli_mean_is_bounded_and_products_are_products():
    s = Semantics()
    v = s.evaluate(parse_chain(r"\prod_{d=1}^D \text{Bernoulli}(x_d; \hat{x}_d)").first)  # type: ignore[arg-type]
    assert isinstance(v, sp.Product)
    assert list(s.bounds.values()) == [(0.0, 1.0)]


def test_multivariate_gaussian_kl_proved_for_symbolic_d_and_a_wrong_trace_refuted():
    named = named_gaussians(
        [r"\mathcal{N}_0(\mu_0, \Sigma_0)", r"\mathcal{N}_1(\mu_1, \Sigma_1)"], parse_chain
    )
    lhs = parse_chain(r"\text{KL}(\mathcal{N}_0 \parallel \mathcal{N}_1)").first
    good = parse_chain(
        r"\frac12(\operatorname{tr}(\Sigma_1^{-1}\Sigma_0) + (\mu_1-\mu_0)^\top\Sigma_1^{-1}(\mu_1-\mu_0) - d"
        r" + \log\det\Sigma_1 - \log\det\Sigma_0)"
    ).first
    bad = parse_chain(
        r"\frac12(\operatorname{tr}(\Sigma_0^{-1}\Sigma_1) + (\mu_1-\mu_0)^\top\Sigma_1^{-1}(\mu_1-\mu_0) - d"
        r" + \log\det\Sigma_1 - \log\det\Sigma_0)"
    ).first
    assert lhs is not None and good is not None and bad is not None
    assert decide_kl_step(lhs, good, named, time_limit=5)[0] == "proved"
    verdict, _detail, point = decide_kl_step(lhs, bad, named, time_limit=5)
    assert verdict == "refuted" and point is not None and point["d"] == "2"


# ---------------------------------------------------------------- documents: relations and statements
def test_approximation_is_never_refuted():
    doc = "$$\\log p(x) \\approx \\frac{1}{S}\\sum_{s=1}^S \\log p(x|z_s) + 7$$\n"
    assert _verdicts(doc) == [("line 1", "approximation, not checked")]


def test_proportional_and_up_to_a_constant():
    ok = "$$p(z|x) \\propto p(x|z) p(z)$$\n"
    bad = "$$p(z|x) \\propto p(x|z)$$\n"
    assert _verdicts(ok) == [("line 1", "proved")]
    assert _verdicts(bad) == [("line 1", "refuted")]
    gauss = (
        "Let $q(z) = "
        "\\frac{1}{\\sqrt{2\\pi\\sigma^2}}\\exp\\left(-\\frac{(z-\\mu)^2}{2\\sigma^2}\\right)$. In $z$,\n\n"
        "$$\\log q(z) = -\\frac{(z-\\mu)^2}{2\\sigma^2} + \\text{const}$$\n\n"
        "$$\\log q(z) = -\\frac{(z-\\mu)^2}{\\sigma^2} + \\text{const}$$\n"
    )
    assert [v for _, v in _verdicts(gauss)][-2:] == ["proved", "refuted"]


def test_optimisation_statements():
    doc = (
        "$$\\arg\\max_\\mu \\left(-\\frac{(x-\\mu)^2}{2\\sigma^2}\\right) = x$$\n\n"
        "$$\\arg\\max_\\mu \\left(-\\frac{(x-\\mu)^2}{2\\sigma^2}\\right) = 2x$$\n\n"
        "$$\\min_w \\left(\\frac{C}{2} w^2 - w b\\right) = -\\frac{b^2}{C}$$\n"
    )
    assert [v for _, v in _verdicts(doc)] == ["proved", "refuted", "refuted"]


def test_a_name_defined_as_an_optimum_is_a_definition_and_its_chain_is_checked():
    doc = (
        "$$\\hat\\theta = \\arg\\max_\\theta \\log p_\\theta(x) = \\arg\\max_\\theta \\log \\sum_z "
        "p_\\theta(x, z)$$\n"
    )
    assert [v for _, v in _verdicts(doc)] == ["definition", "proved"]


def test_unstated_gradient_is_a_statement_with_each_reading():
    doc = (
        "$$\\nabla \\mathbb{E}_{q_\\phi(z|x)}[\\log p_\\theta(x|z)] = "
        "\\mathbb{E}_{q_\\phi(z|x)}[\\log p_\\theta(x|z) \\nabla \\log q_\\phi(z|x)]$$\n"
    )
    (step,) = check_text(doc, **FAST).steps
    assert step.verdict == "statement, not a chain"
    assert "for ∇_\\phi: proved" in step.detail and "for ∇_\\theta: refuted" in step.detail


def test_generative_model_and_condition_rows_are_statements():
    doc = (
        "$$\\begin{aligned} z &\\sim \\mathcal{N}(0, I) \\\\ x | z &\\sim \\text{Bernoulli}(f(z)) "
        "\\end{aligned}$$\n"
    )
    assert [v for _, v in _verdicts(doc)] == ["statement, not a chain"] * 2


def test_a_definition_with_a_condition_is_unread_and_its_dependants_unsupported():
    doc = (
        "The ELBO is defined as\n\n$$L = \\mathbb{E}_{q}[\\log p(x,z) - \\log q(z)] \\text{ for all } q$$\n\n"
        "and the bound reads\n\n$$\\log p(x) \\geq L$$\n"
    )
    r = check_text(doc, **FAST)
    assert [s.verdict for s in r.steps] == ["statement, not a chain", "unsupported"]
    assert "unread definition at line 3" in r.steps[1].detail


def test_seed001_step20_refuted_under_the_likelihood_the_chain_writes():
    doc = (
        "$$p_\\theta(x|\\tilde{z}) = -\\log(\\Pi_{d=1}^D \\text{Bernoulli}(x_d; \\hat{x}_d)) = "
        "-\\log(\\Pi_{d=1}^D \\hat{x}_d^{x_d}(1 - \\hat{x}_d)^{1-x_d}) \\quad (20)$$\n"
    )
    r = check_text(doc, **FAST)
    assert [(s.label, s.verdict) for s in r.steps][:1] == [("(20)·1", "refuted")]
    fixed = doc.replace("p_\\theta(x|\\tilde{z}) =", "-\\log p_\\theta(x|\\tilde{z}) =")
    assert all(s.verdict != "refuted" for s in check_text(fixed, **FAST).steps)


def test_mixture_weight_is_kept_in_the_unit_interval():
    doc = "$$H(\\lambda P + (1-\\lambda) Q, R) = \\lambda H(P, R) + (1 - \\lambda) H(Q, R)$$\n"
    assert _verdicts(doc) == [("line 1", "proved")]


def test_factorised_gaussian_kl_against_the_standard_normal_summed_over_j():
    """Kingma & Welling 2014, App. B: the per-dimension KLs by exact integration, summed over j = 1..J."""
    head = (
        "Let $q(\\mathbf{z}|\\mathbf{x}) = \\mathcal{N}(\\mathbf{z}; \\boldsymbol{\\mu}, "
        "\\boldsymbol{\\sigma}^2"
        "\\mathbf{I})$ and $p(\\mathbf{z}) = \\mathcal{N}(\\mathbf{z}; \\mathbf{0}, \\mathbf{I})$.\n\n"
    )
    good = (
        "$$-D_{KL}(q(\\mathbf{z}|\\mathbf{x}) \\| p(\\mathbf{z})) = "
        "\\frac12\\sum_{j=1}^J (1 + \\log \\sigma_j^2 - \\mu_j^2 - \\sigma_j^2)$$\n"
    )
    bad = good.replace("\\mu_j^2", "\\mu_j")
    assert [s.verdict for s in check_text(head + good, **FAST).steps][-1] == "proved"
    assert [s.verdict for s in check_text(head + bad, **FAST).steps][-1] == "refuted"


def test_an_integrand_runs_to_the_differential_that_closes_it():
    echo = _echo(r"\int q(z) \log p(x,z) - q(z)\log q(z) \, dz")
    assert echo.startswith(r"\int_{z} \left[q(z) \cdot \log\left(p(x, z)\right) - q(z)")
    assert _echo(r"\int q(z) dz - 1") == r"\int_{z} \left[q(z)\right] - 1"
    doc = "$$\\int q(z) \\log p(x,z) - q(z)\\log q(z) \\, dz = \\log p(x) - \\mathrm{KL}(q(z) \\| p(z|x))$$\n"
    assert _verdicts(doc) == [("line 1", "proved")]
    assert _verdicts(doc.replace("- \\mathrm{KL}", "+ \\mathrm{KL}")) == [("line 1", "refuted")]


@pytest.mark.parametrize(
    ("latex", "value"),
    [
        ("a = 12", "12"),
        ("a = 10", "10"),
        ("a = 0.5", "0.5"),
        ("a = 1024", "1024"),
    ],
)
def test_a_number_is_its_whole_run_of_digits(latex, value):
    chain = parse_chain(latex)
    assert chain.steps[0][1] == Node("number", (value,))


def test_single_digits_where_latex_takes_one():
    # \frac12 is 1/2 and \frac123 is (1/2)·3; x^23 is x²·3
    assert parse_chain(r"\frac12 = 1").first == Node("div", (Node("number", ("1",)), Node("number", ("2",))))
    assert parse_chain(r"\frac123 = 1").first.kind == "mul"
    assert parse_chain(r"x^23 = 1").first.kind == "mul"


def test_decimals_and_multi_digit_numbers_are_decided_exactly():
    doc = (
        "$$0.5 = \\frac{1}{2}$$\n\n$$\\frac{1}{2} + \\frac{1}{2} = 10 - 9$$\n\n"
        "$$0.25 = \\frac{1}{2}$$\n\n$$12 = 2$$\n"
    )
    r = check_text(doc, "numbers.md", time_limit=10)
    verdicts = [s.verdict for s in r.steps]
    assert verdicts == ["proved", "proved", "refuted", "refuted"], [(s.verdict, s.detail) for s in r.steps]
