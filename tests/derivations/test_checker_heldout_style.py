"""The step checker on the held-out-style corpus (:mod:`tests.derivations.heldout_style_corpus`).

Every case through the decision procedure and as a one-step ``Derivation``, every chain as a
multi-step ``Derivation``: a true statement is never *refuted*, its false twin never *proved*
nor *numerically consistent*; a false chain fails at its wrong step; every refutation carries
a ball certificate that re-checks with the public
:func:`~derivations.checker.refutation.recheck` and whose printed balls contain the sides'
values computed independently (SymPy, exact rationals, 100 digits); bad inputs raise
``ValueError``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sympy as sp
from flint import arb, ctx

from derivations.checker.refutation import RefutationCertificate, exact_value, recheck
from derivations.checker.verdicts import Verdict
from tests.derivations.heldout_style_corpus import (
    CASES,
    CHAINS,
    FALSE_CASES,
    RAISES,
    TRUE_CASES,
    Case,
    Chain,
    is_sound,
)


def test_the_corpus_has_sixty_cases_in_twins() -> None:
    assert len(CASES) >= 60 and len(TRUE_CASES) == len(FALSE_CASES)
    assert len({c.name for c in CASES}) == len(CASES)
    assert {c.name + "__slip" for c in TRUE_CASES} == {c.name for c in FALSE_CASES}
    assert sum(c.true for c in CHAINS) == sum(not c.true for c in CHAINS) >= 5


def _written_out(e: sp.Basic) -> sp.Basic:
    """Finite Sums/Products written term by term (an empty range is 0 / 1, the checker's
    convention, not SymPy's reversed-range one)."""
    if isinstance(e, (sp.Sum, sp.Product)) and not any(
        b.has(sp.oo, -sp.oo) for _, *ends in e.limits for b in ends
    ):
        var, lo, hi = e.limits[-1]
        body = type(e)(e.function, *e.limits[:-1]) if len(e.limits) > 1 else e.function
        lo, hi = _written_out(lo), _written_out(hi)
        terms = [_written_out(body.subs(var, i)) for i in range(int(lo), int(hi) + 1)]
        return sp.Add(*terms) if isinstance(e, sp.Sum) else sp.Mul(*terms)
    if e.is_Atom or isinstance(e, (sp.Integral, sp.Sum, sp.Product)):  # infinite ones: doit
        return e
    if isinstance(e, sp.Indexed):
        return e.func(e.base, *[_written_out(i) for i in e.indices])
    return e.func(*[_written_out(a) for a in e.args])


def _substituted(e: sp.Basic, values: dict[str, sp.Rational]) -> sp.Basic:
    """``e`` with its free symbols replaced by ``values`` (by name), a bound variable of a Sum,
    Product or Integral left alone inside its binder, and nothing evaluated on the way (``subs``
    may evaluate a Product at substituted limits by SymPy's own convention; ``xreplace`` would
    replace a bound index that shares a free symbol's name)."""
    if isinstance(e, sp.Symbol):
        return values.get(e.name, e)
    if isinstance(e, (sp.Sum, sp.Product, sp.Integral)):
        limits, inner = [], dict(values)
        for var, *ends in e.limits:
            limits.append((var, *(_substituted(x, inner) for x in ends)))
            inner.pop(var.name, None)
        return type(e)(_substituted(e.function, inner), *limits)
    if e.is_Atom or not e.args:
        return e
    if isinstance(e, sp.Indexed):
        return e.func(e.base, *[_substituted(i, values) for i in e.indices])
    args = [_substituted(a, values) for a in e.args]
    try:
        return e.func(*args, evaluate=False)
    except TypeError:  # a node without the keyword (ExprCondPair, Piecewise's pairs)
        return e.func(*args)


def _independent_value(
    expr: sp.Expr, point: dict[str, str], definitions: dict[sp.Symbol, sp.Expr]
) -> sp.Expr:
    """``expr`` at the certificate's exact point, by SymPy alone, to 100 digits."""
    expr = sp.Float(expr) if isinstance(expr, float) else expr  # a value typed as a float
    for name, value in definitions.items():
        expr = expr.xreplace({name: value})
    expr = expr.xreplace({f: sp.Rational(f) for f in expr.atoms(sp.Float)})
    values = {k: sp.Rational(exact_value(v)) for k, v in point.items()}
    expr = _written_out(_substituted(expr, values))
    expr = expr.xreplace(
        {e: values[f"{e.base.label.name}[{', '.join(map(str, e.indices))}]"] for e in expr.atoms(sp.Indexed)}
    )
    if expr.has(sp.Integral, sp.Sum, sp.Product):  # SymPy's closed forms, at an exact point
        expr = expr.doit()
    return sp.N(expr, 100)


def _inside(ball_text: str, value: sp.Expr) -> bool:
    """Whether the printed ball (``[m +/- r]``, or ``… + […]j``) contains the 100-digit value."""
    re_part, im_part = (sp.Float(v, 100) for v in value.as_real_imag())
    saved = ctx.prec
    ctx.prec = 400
    try:
        if ball_text.endswith("j"):
            re_text, im_text = ball_text[:-1].split(" + ")
            return bool(arb(re_text).contains(arb(str(re_part)))) and bool(
                arb(im_text).contains(arb(str(im_part)))
            )
        return bool(arb(ball_text).contains(arb(str(re_part)))) and bool(im_part.is_zero)
    finally:
        ctx.prec = saved


def _check_certificate(
    cert: RefutationCertificate | None,
    lhs: sp.Expr,
    rhs: sp.Expr,
    relation: str,
    definitions: dict[sp.Symbol, sp.Expr],
) -> None:
    assert cert is not None
    if cert.relation == "≠":
        assert recheck(cert, lhs, rhs, definitions)
        for label, side in (("lhs", lhs), ("rhs", rhs)):
            assert _inside(cert.enclosures[label], _independent_value(side, cert.point, definitions)), label
    else:
        diff = lhs - rhs if relation == ">=" else rhs - lhs
        assert recheck(cert, diff, None, definitions)
        assert _inside(cert.enclosures["value"], _independent_value(diff, cert.point, definitions))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_decision_is_sound(case: Case) -> None:
    d = case.decide()
    assert is_sound(case.true, d.verdict), f"{d.verdict.value}: {d.detail}"
    if d.verdict is Verdict.REFUTED:
        lhs, rhs, domain = case.build()
        _check_certificate(d.certificate, lhs, rhs, case.relation, domain.definitions)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_one_step_derivation_is_sound(case: Case) -> None:
    verdict = case.step()
    assert is_sound(case.true, verdict), verdict.value


@pytest.mark.parametrize("chain", CHAINS, ids=[c.name for c in CHAINS])
def test_chain_fails_at_its_wrong_step(chain: Chain) -> None:
    result = chain.check()
    assert is_sound(chain.true, result.verdict), str(result)
    if result.verdict is Verdict.REFUTED:
        failure = result.first_failure
        assert failure is not None and failure.label == chain.wrong_step, str(result)
        _, _, domain = chain.build()
        assert failure.sides is not None
        _check_certificate(failure.certificate, *failure.sides, failure.relation, domain.definitions)


@pytest.mark.parametrize(("name", "build"), RAISES, ids=[name for name, _ in RAISES])
def test_bad_input_is_a_value_error(name: str, build: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        build()
