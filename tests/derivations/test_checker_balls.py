"""The SymPy → Arb translator (:mod:`derivations.checker.balls`) behind certified refutations.

Every whitelisted construct is enclosed correctly (the ball contains mpmath's 100-digit value at
the same exact point), and everything else gives no enclosure — so an unknown function can make
a verdict *undecided*, never *refuted*.
"""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar

import pytest
import sympy as sp
from flint import arb, ctx

from derivations.checker.balls import NoEnclosure, ball_text, compile_balls, enclose
from derivations.checker.identities import decide_equal
from derivations.checker.verdicts import Verdict

x = sp.Symbol("x", positive=True)
y = sp.Symbol("y", real=True)
t = sp.Symbol("t", real=True)
k = sp.Symbol("k", integer=True)
K = sp.Symbol("K", integer=True, positive=True)


class _Point:
    """x = 5/7, y = −1.25 (exact), K = 6; entries of any label are 1/3 + index/10."""

    values: ClassVar[dict[sp.Symbol, float | Fraction | int]] = {x: Fraction(5, 7), y: -1.25, K: 6}

    def value(self, sym: sp.Symbol) -> float | Fraction | int:
        return self.values[sym]

    def indexed(self, label: sp.Symbol, indices: tuple[int, ...]) -> Fraction:
        return Fraction(1, 3) + Fraction(indices[0], 10)


def _exact(expr: sp.Expr) -> sp.Expr:
    return expr.xreplace({x: sp.Rational(5, 7), y: sp.Rational(-5, 4), K: 6})


def _contains(ball: str, expr: sp.Expr) -> bool:
    exact = _exact(expr)
    if exact.has(sp.Integral):  # SymPy's exact value (100-digit quadrature of a kink is slow)
        exact = exact.doit()
    value = sp.N(exact, 100, maxn=500)
    saved = ctx.prec
    ctx.prec = 400
    try:
        re, im = value.as_real_imag()
        if "j" in ball:
            real_text, imag_text = ball.rstrip("j").split(" + ")
            return bool(arb(real_text).contains(arb(str(re))) and arb(imag_text).contains(arb(str(im))))
        return bool(im == 0 and arb(ball).contains(arb(str(re))))
    finally:
        ctx.prec = saved


WHITELISTED = [
    sp.exp(x) + sp.log(x) * sp.sqrt(x),
    sp.sin(y) * sp.cos(x) - sp.tan(x) + sp.cot(x) + sp.sec(y) - sp.csc(x),
    sp.sinh(y) + sp.cosh(x) * sp.tanh(y) + sp.coth(x) + sp.sech(y) + sp.csch(x),
    sp.atan(y) + sp.asin(x) + sp.acos(x) + sp.asinh(y) + sp.atanh(x) + sp.acosh(1 + x),
    sp.erf(y) + sp.erfc(x) + sp.erfi(x),
    sp.gamma(x) + sp.loggamma(x) + sp.digamma(x) + sp.polygamma(1, x) + sp.zeta(1 + x),
    sp.factorial(K) + sp.binomial(K, 3) + sp.beta(x, 2) + sp.binomial(-3, 2),
    sp.lowergamma(x, 2) + sp.uppergamma(x, 2),
    sp.Abs(y) + sp.sign(y) + sp.floor(y) + sp.ceiling(y) + sp.frac(y),
    sp.Max(x, y, sp.Rational(1, 2)) - sp.Min(x, y),
    sp.Heaviside(y) + sp.Heaviside(x - sp.Rational(5, 7)) + sp.Heaviside(x - sp.Rational(5, 7), 1),
    sp.KroneckerDelta(K, 6) + sp.KroneckerDelta(K, 5),
    sp.Piecewise((x**2, y < 0), (x, True)),
    sp.pi + sp.E + sp.EulerGamma + sp.Catalan,
    sp.log(-x),  # the principal branch: log(5/7) + iπ, as SymPy
    y ** sp.Rational(1, 3),  # principal (complex) value for a negative base, as SymPy
    x**y + 2**x,
    sp.Float(0.1) * x,  # the binary value of 0.1, not 1/10
    sp.hyper((sp.Rational(1, 2), 1), (sp.Rational(3, 2),), -x),
    sp.Sum(1 / k**2, (k, 1, K)) + sp.Product(1 + 1 / k, (k, 1, K)),
    sp.Sum(sp.IndexedBase("q")[k] * k, (k, 1, K)),
    sp.Integral(sp.exp(-(t**2)), (t, y, x)),
    sp.Integral(sp.Abs(t - sp.Rational(1, 3)) * sp.Max(t, 1 - t), (t, 0, 1)),
    sp.Integral(t * sp.exp(-x * t), (t, 0, sp.oo)),
]


@pytest.mark.parametrize("expr", WHITELISTED, ids=[sp.sstr(e)[:40] for e in WHITELISTED])
@pytest.mark.parametrize("bits", [64, 256])
def test_enclosure_contains_the_hundred_digit_value(expr: sp.Expr, bits: int) -> None:
    ball = enclose(compile_balls(expr), _Point(), bits)
    text = ball_text(ball, 30)
    if expr.has(sp.IndexedBase("q")[k]):  # entries from the point: Σ k (1/3 + k/10)
        expr = sp.Sum((sp.Rational(1, 3) + k / sp.Integer(10)) * k, (k, 1, K))
    if isinstance(expr, sp.Add) and any(isinstance(a, sp.Float) for a in expr.atoms()):
        expr = expr.xreplace({f: sp.Rational(f) for f in expr.atoms(sp.Float)})
    assert _contains(text, expr.xreplace({f: sp.Rational(f) for f in expr.atoms(sp.Float)})), text


def test_a_float_is_its_binary_value() -> None:
    ball = enclose(compile_balls(sp.Add(sp.Float(0.1), -sp.Rational(1, 10), evaluate=False)), _Point(), 256)
    assert not ball.contains(0)  # 0.1 is 3602879701896397/2⁵⁵, not 1/10


def test_empty_ranges_are_zero_and_one() -> None:
    point = _Point()
    assert enclose(compile_balls(sp.Sum(k, (k, 3, K - 5))), point, 64).is_zero()  # Σ₃¹ k = 0
    prod = enclose(compile_balls(sp.Product(k + 1, (k, 9, K))), point, 64)
    assert (prod - 1).is_zero()


@pytest.mark.parametrize(
    "expr",
    [
        sp.Function("f")(x),
        sp.LambertW(x),
        sp.besselj(0, x),
        sp.Sum(sp.sin(k) / k, (k, 1, sp.oo)),  # outside the enclosed series classes
        1 / (x - sp.Rational(5, 7)),
        sp.asin(1 + x),  # a branch cut: conventions are not assumed to agree
        sp.Integral(sp.Integral(t * y, (y, 0, 1)), (t, 0, 1)),
        sp.zoo * x,
    ],
    ids=["unknown", "lambertw", "bessel", "series", "pole", "branch-cut",
         "nested-integral", "zoo"],
)
def test_anything_else_has_no_enclosure(expr: sp.Expr) -> None:
    with pytest.raises(NoEnclosure):
        enclose(compile_balls(expr), _Point(), 128)


def test_an_undecidable_piecewise_condition_encloses_every_branch_that_may_apply() -> None:
    # sin² + cos² − 1 is exactly 0 but its ball is not: the branch cannot be decided, so the
    # enclosure is the union of both branches (it contains the true value x = 5/7, never a guess)
    cond = sp.Piecewise((1, sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1 > 0), (x, True))
    ball = enclose(compile_balls(cond), _Point(), 128)
    assert (ball - arb(5) / 7).contains(0) and ball.contains(1)
    # no branch certainly applies: no enclosure (the value might be undefined)
    one = sp.sin(x) ** 2 + sp.cos(x) ** 2
    partial = sp.Piecewise((1, one - 1 > 0), (x, one < 1))
    with pytest.raises(NoEnclosure):
        enclose(compile_balls(partial), _Point(), 128)


def test_an_indicator_integral_is_enclosed_across_its_jump() -> None:
    """∫₀¹ [t < x] dt = x (x = 5/7): the segments straddling t = x take the union of both branches."""
    ball = enclose(compile_balls(sp.Integral(sp.Piecewise((1, t < x), (0, True)), (t, 0, 1))), _Point(), 128)
    assert (ball.real - arb(5) / 7).contains(0) and ball.real.rad() < 1e-10


def test_an_unknown_function_is_never_a_certified_refutation() -> None:
    """mpmath can evaluate LambertW and sees the claim fail, but the translator does not know it:
    the verdict is undecided, not refuted (no certificate → undecided)."""
    d = decide_equal(sp.LambertW(x), x / 2, time_limit=5)
    assert d.verdict is Verdict.UNDECIDED, d.detail
    assert "ball" in d.detail
