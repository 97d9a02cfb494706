"""Joint convexity of KL through the log-sum certificate (seed 003 Problem 6.2; Cover & Thomas,
*Elements of Information Theory*, Thm 2.7.2), and wrong twins of it that must not be proved."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.checker.domain import Domain
from derivations.checker.summands import as_one_summand, sums_agree_termwise
from derivations.latex import check_text
from derivations.latex.log_sum import log_sum_certificates

PREAMBLE = (
    "Let $\\lambda \\in [0, 1]$. p_1, p_2, q_1 and q_2 are discrete distributions over "
    "$\\{1, \\dots, n\\}$ with nonzero probabilities. Then\n\n"
)
TRUE = (
    "$$\\text{KL}(\\lambda p_1 + (1 - \\lambda) p_2 \\parallel \\lambda q_1 + (1 - \\lambda) q_2) "
    "\\leq \\lambda \\text{KL}(p_1 \\parallel q_1) + (1 - \\lambda) \\text{KL}(p_2 \\parallel q_2).$$\n"
)


def _only_step(latex: str):
    r = check_text(PREAMBLE + latex, "convexity.md", time_limit=10.0, points=12)
    (step,) = [s for s in r.steps if s.kind == "step"]
    return step


def test_joint_convexity_of_kl_is_proved_with_the_log_sum_certificate():
    step = _only_step(TRUE)
    assert step.verdict == "proved", step.detail
    assert "log-sum certificate proposed by the LaTeX front end" in step.detail


def test_the_reversed_inequality_is_refuted():
    step = _only_step(TRUE.replace("\\leq", "\\geq"))
    assert step.verdict == "refuted", step.detail
    assert step.counterexample


def test_swapped_weights_on_the_right_are_not_proved():
    wrong = TRUE.replace(
        "\\lambda \\text{KL}(p_1 \\parallel q_1) + (1 - \\lambda) \\text{KL}(p_2 \\parallel q_2)",
        "(1 - \\lambda) \\text{KL}(p_1 \\parallel q_1) + \\lambda \\text{KL}(p_2 \\parallel q_2)",
    )
    assert wrong != TRUE
    step = _only_step(wrong)
    assert step.verdict != "proved", step.detail
    assert step.verdict == "refuted", step.detail


def test_a_certificate_for_another_pairing_is_not_accepted_as_the_identity():
    i = sp.Symbol("i", integer=True, positive=True)
    k = sp.Symbol("K", integer=True, positive=True)
    a, b = sp.IndexedBase("a", positive=True), sp.IndexedBase("b", positive=True)
    lam = sp.Symbol("lambda", positive=True)
    big_a, big_b = lam * a[i] + b[i], lam * b[i] + a[i]
    kl_a = sp.Sum(a[i] * sp.log(a[i] / b[i]), (i, 1, k))
    diff = lam * kl_a - sp.Sum(big_a * sp.log(big_a / big_b), (i, 1, k))
    (cert,) = log_sum_certificates(diff)
    # the terms pair λ·a with λ·b and b with a: the certificate's identity needs b log(b/a) too
    assert cert.index is not None
    assert not sums_agree_termwise(diff, cert.expression(), cert.index, Domain())


def test_sums_over_other_ranges_are_not_merged():
    i, j = sp.symbols("i j", integer=True, positive=True)
    k = sp.Symbol("K", integer=True, positive=True)
    a = sp.IndexedBase("a", positive=True)
    assert as_one_summand(sp.Sum(a[i], (i, 1, k)) - sp.Sum(a[j], (j, 2, k)), (i, 1, k)) is None
    assert as_one_summand(sp.Sum(a[i], (i, 1, k)) + 1, (i, 1, k)) is None
    assert as_one_summand(2 * sp.Sum(a[j], (j, 1, k)), (i, 1, k)) == 2 * a[i]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="diff"):
        log_sum_certificates("KL")
    with pytest.raises(ValueError, match="index"):
        as_one_summand(sp.Integer(0), ("i", 1, 2))
    with pytest.raises(ValueError, match="domain"):
        sums_agree_termwise(sp.Integer(0), sp.Integer(0), (sp.Symbol("i"), 1, 2), None)


def test_summands_are_compared_at_an_index_with_only_the_range_s_assumptions():
    """Σ_{j=-1}^{K} |j| ≠ Σ_{i=-1}^{K} i: an index declared positive must not hide j = −1."""
    i = sp.Symbol("i", integer=True, positive=True)
    j = sp.Symbol("j", integer=True)
    k = sp.Symbol("K", integer=True, positive=True)
    lhs, rhs = sp.Sum(sp.Abs(j), (j, -1, k)), sp.Sum(i, (i, -1, k))
    assert not sums_agree_termwise(lhs, rhs, (i, -1, k), Domain())
    assert sums_agree_termwise(lhs, sp.Sum(sp.Abs(j), (j, -1, k)), (i, -1, k), Domain())


def test_swapped_weights_inside_the_left_mixture_are_refuted():
    wrong = TRUE.replace("\\lambda q_1 + (1 - \\lambda) q_2", "(1 - \\lambda) q_1 + \\lambda q_2")
    assert wrong != TRUE
    step = _only_step(wrong)
    assert step.verdict == "refuted", step.detail
