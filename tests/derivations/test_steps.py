"""The step checker: per-step verdicts, the first failing step named, bad input rejected."""

import time

import pytest
import sympy as sp

from derivations.checker.identities import Domain, decide_equal
from derivations.checker.lemmas import LOG_RATIO, SQUARE, single
from derivations.checker.steps import Derivation
from derivations.checker.timebound import TimeBoundExceeded, time_bound
from derivations.checker.verdicts import Verdict
from derivations.latent import DiscreteModel

x, y = sp.symbols("x y", positive=True)
a = sp.Symbol("a", real=True)


def _long_chain(plant_at: int | None) -> Derivation:
    """(x + y)² expanded through 8 steps; optionally with a wrong step planted."""
    d = Derivation((x + y) ** 2, title="expansion")
    exprs = [
        (x + y) * (x + y),
        x * (x + y) + y * (x + y),
        x**2 + x * y + y * x + y**2,
        x**2 + 2 * x * y + y**2,
        x**2 + y**2 + 2 * x * y,
        sp.log(sp.exp(x**2 + y**2 + 2 * x * y)),
        (x + y) ** 2 - 0,
        sp.expand((x + y) ** 2),
    ]
    for k, e in enumerate(exprs, start=1):
        if plant_at == k:
            e = x**2 + x * y + y**2  # dropped a factor 2
        d.eq(e, f"algebra {k}", label=f"({k})")
    return d


def test_long_chain_proved():
    r = _long_chain(None).check()
    assert r.verdict is Verdict.PROVED
    assert [s.verdict for s in r.steps] == [Verdict.PROVED] * 8


def test_planted_wrong_step_is_named():
    r = _long_chain(4).check()
    assert r.verdict is Verdict.REFUTED
    assert r.first_failure.label == "(4)"
    assert r.first_failure.counterexample  # the point and both sides
    ev = r.to_evidence()
    assert ev.counterexample["step"] == "(4)"
    assert "first failing step (4)" in ev.detail


def test_inequality_with_certificate_proved():
    # log x ≤ x − 1, certified by x − 1 − log x ≥ 0
    cert = single(1, LOG_RATIO, x)
    d = Derivation(sp.log(x), title="log bound").le(x - 1, "tangent line", certificate=cert)
    assert d.check().verdict is Verdict.PROVED


def test_inequality_wrong_direction_refuted():
    d = Derivation(sp.log(x), title="wrong").ge(x - 1, "wrong direction")
    r = d.check()
    assert r.verdict is Verdict.REFUTED


def test_certificate_is_not_trusted():
    # certificate for a different quantity: the step must not be proved by it
    d = Derivation(sp.log(x) + 1, title="bogus").le(x - 1, "bogus", certificate=single(1, LOG_RATIO, x))
    r = d.check()
    assert r.verdict is Verdict.REFUTED


def test_certificate_side_conditions_checked():
    # u² lemma needs a real argument; LOG_RATIO needs a positive one: a real `a` is rejected
    cert = single(1, LOG_RATIO, a)
    problems = cert.side_condition_problems()
    assert problems and "t > 0" in problems[0]
    assert single(1, SQUARE, a).side_condition_problems() == []


def test_am_gm_square_certificate():
    cert = single(1, SQUARE, x - y)
    d = Derivation(x**2 + y**2, title="AM-GM").ge(2 * x * y, "(x−y)² ≥ 0", certificate=cert)
    assert d.check().verdict is Verdict.PROVED


def test_general_k_chain_with_simplex():
    m = DiscreteModel()
    d = Derivation(m.log_evidence(), domain=m.domain(), title="total probability")
    d.eq(m.expect(m.q, lambda i: m.log_evidence()), "Σ q = 1")
    assert d.check().verdict is Verdict.PROVED


def test_bad_inputs():
    with pytest.raises(ValueError, match="start"):
        Derivation("not an expression")  # type: ignore[arg-type]
    d = Derivation(x)
    with pytest.raises(ValueError, match="relation"):
        d.step("<>", x, "nonsense")
    with pytest.raises(ValueError, match="expr"):
        d.eq([x], "a list")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="justification"):
        d.eq(x, "")
    d.le(x + 1, "ok")
    with pytest.raises(ValueError, match="mixing"):
        d.ge(x, "inconsistent relation")
    with pytest.raises(ValueError, match="steps"):
        Derivation(x).check()
    with pytest.raises(ValueError, match="certificate"):
        Derivation(x).eq(x, "eq", certificate=single(1, SQUARE, a))
    with pytest.raises(ValueError, match="lhs"):
        decide_equal(sp.Matrix([1]), 1)


def test_time_bound_interrupts():
    def slow():  # pure Python, as SymPy is: interrupted within a few bytecodes
        end = time.monotonic() + 5
        while time.monotonic() < end:
            pass

    t0 = time.perf_counter()
    with pytest.raises(TimeBoundExceeded):
        time_bound(slow, 0.2)
    assert time.perf_counter() - t0 < 2


def test_timeout_reports_undecided_or_numeric_never_proved():
    # a time bound too small for any symbolic work: the verdict must not be "proved"
    d = decide_equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1), Domain(), time_limit=1e-6)
    assert d.verdict in (Verdict.NUMERIC, Verdict.UNDECIDED)
    assert "bound" in d.detail


def test_render_shows_the_failing_step_point_and_both_sides():
    r = _long_chain(4).check()
    text = str(r)
    assert text.startswith("expansion: refuted (first failing step (4))")
    assert "(3) = proved" in text and "(4) = refuted" in text
    assert "claimed: x**2 + 2*x*y + y**2  =  x**2 + x*y + y**2" in text
    lines = text.splitlines()
    at = next(line for line in lines if "at:" in line)
    assert "x = " in at and "y = " in at
    assert any("left side  = " in line for line in lines)
    assert any("right side = " in line for line in lines)
    # the shown sides really differ at the shown point
    point = r.first_failure.counterexample
    vals = {x: sp.Rational(point["x"]), y: sp.Rational(point["y"])}
    left = float((x**2 + 2 * x * y + y**2).subs(vals))
    right = float((x**2 + x * y + y**2).subs(vals))
    assert abs(left - right) > 1e-3


def test_render_of_a_refuted_inequality_gives_both_sides():
    text = Derivation(sp.log(x), title="wrong way").ge(x - 1, "tangent line upside down").check().render()
    assert "left side  = " in text and "right side = " in text and "left − right = [-" in text


def test_notebook_reprs_escape_their_text():
    d = Derivation(x + y, title="<script>alert(1)</script> & co").eq(x + 2 * y, "a_b & 100% <i>")
    r = d.check()
    html = r._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "a_b &amp; 100% &lt;i&gt;" in html
    assert "refuted" in html and "left side" in html
    latex = r._repr_latex_()
    assert latex.startswith("$\\begin{array}") and latex.endswith("\\end{array}$")
    assert "a\\_b \\& 100\\%" in latex
    assert "refuted" in latex
