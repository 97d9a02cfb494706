"""Infinite-range integrals in ball arithmetic (:mod:`derivations.checker.improper_integrals`).

Each enclosure must contain the exact value (a closed form known from the literature, evaluated
by mpmath at 100 digits); an integrand outside the certified classes gets no enclosure — never
a guess. The integrals are the normalisations and moments of PRML §2.3 (Gaussian), the Lomax
and Student-t/Cauchy densities (heavy tails), the Gamma function (PRML (2.146)), and the classic
traps of symbolic integration (an antiderivative with a jump, a logarithmic tail).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from flint import arb, ctx

from derivations.checker.balls import NoEnclosure, compile_balls, enclose
from derivations.checker.improper_integrals import _analytic_on, improper_integral

t = sp.Symbol("t", real=True)
tp = sp.Symbol("t", positive=True)
R = sp.Rational


def _normal(v: sp.Expr, mean: sp.Expr, sd: sp.Expr) -> sp.Expr:
    return sp.exp(-((v - mean) ** 2) / (2 * sd**2)) / sp.sqrt(2 * sp.pi * sd**2)


def _value(expr: sp.Expr, var: sp.Symbol, lo: sp.Expr, hi: sp.Expr, bits: int = 128) -> arb:
    fn = improper_integral(expr, var, lo, hi)
    saved = ctx.prec
    ctx.prec = bits
    try:
        z = fn()
        assert z.imag.is_zero(), z
        return z.real
    finally:
        ctx.prec = saved


def _holds(ball: arb, exact: sp.Expr) -> bool:
    """``ball`` meets the exact value's 100-digit approximation ± 10⁻⁹⁸ (a ball narrower than
    100 digits need not contain the rounded decimal itself)."""
    text = str(sp.N(exact, 100))
    saved = ctx.prec
    ctx.prec = 400
    try:
        return bool(ball.overlaps(arb(text) + arb(0, abs(arb(text)) * arb(10) ** -98)))
    finally:
        ctx.prec = saved


CERTIFIED = [
    # (integrand, variable, lower, upper, exact value)
    (_normal(t, 4, R(1, 1000)), t, -sp.oo, sp.oo, sp.Integer(1)),  # a narrow peak far from 0
    (_normal(t, R(-7, 3), R(1, 100)), t, -sp.oo, sp.oo, sp.Integer(1)),
    (t**2 * _normal(t, R(1, 2), 3), t, -sp.oo, sp.oo, R(1, 4) + 9),  # second moment μ² + σ²
    (_normal(t, 3, 1) * _normal(t, -4, R(1, 2)), t, -sp.oo, sp.oo, _normal(3, -4, sp.sqrt(R(5, 4)))),
    (-_normal(t, 0, 2) * sp.log(_normal(t, 0, 2)), t, -sp.oo, sp.oo, sp.log(8 * sp.pi * sp.E) / 2),
    (tp * R(5, 7) * sp.exp(-R(5, 7) * tp), tp, 0, sp.oo, R(7, 5)),  # exponential mean 1/λ
    (2 ** (-tp), tp, 1, sp.oo, 1 / (2 * sp.log(2))),
    (sp.exp(-(tp**3)), tp, 0, sp.oo, sp.gamma(R(4, 3))),
    (sp.exp(t), t, -sp.oo, 0, sp.Integer(1)),
    (sp.exp(-2 * sp.Abs(t - R(7, 3))), t, -sp.oo, sp.oo, sp.Integer(1)),  # Laplace(7/3, 1/2) · 1
    (t**2 * sp.exp(-2 * sp.Abs(t - R(7, 3))), t, -sp.oo, sp.oo, R(49, 9) + R(1, 2)),  # μ² + 2b²
    (sp.exp(-sp.Abs(t - 3)), t, 5, sp.oo, sp.exp(-2)),
    (sp.exp(-(t**2)) * sp.cos(t), t, -sp.oo, sp.oo, sp.sqrt(sp.pi) * sp.exp(-R(1, 4))),
    (R(1, 20) * (1 + tp) ** R(-21, 20), tp, 0, sp.oo, sp.Integer(1)),  # Lomax, a = 1/20
    (3 * (1 + tp) ** -4, tp, 0, sp.oo, sp.Integer(1)),  # Lomax, a = 3
    (1 / (sp.pi * (1 + t**2)), t, -sp.oo, sp.oo, sp.Integer(1)),  # Cauchy
    # a heavy tail just inside the power-law class: ∫(1+t²)^(−1/2−ε) = √π Γ(ε)/Γ(1/2+ε)
    ((1 + t**2) ** R(-51, 100), t, -sp.oo, sp.oo,
     sp.sqrt(sp.pi) * sp.gamma(R(1, 100)) / sp.gamma(R(51, 100))),
    (tp ** R(5, 2) * sp.exp(-tp), tp, 0, sp.oo, sp.gamma(R(7, 2))),  # PRML (2.146), Γ(7/2)
    # endpoint singularity: no Arb enclosure near 0, a verified antiderivative 2·atan(√t)
    (1 / (sp.sqrt(tp) * (1 + tp)), tp, 0, sp.oo, sp.pi),
    (_normal(t, 4, R(1, 1000)), t, sp.oo, -sp.oo, sp.Integer(-1)),  # reversed limits
    # integrable singularities at the finite end: (0, δ] cut off and bounded
    (tp ** R(3, 10) * sp.exp(-tp), tp, 0, sp.oo, sp.gamma(R(13, 10))),  # Γ(13/10)
    (sp.exp(-tp) / sp.sqrt(tp), tp, 0, sp.oo, sp.sqrt(sp.pi)),
    (sp.log(tp) * sp.exp(-tp), tp, 0, sp.oo, -sp.EulerGamma),
]


@pytest.mark.parametrize("case", CERTIFIED, ids=[sp.sstr(c[0])[:40] for c in CERTIFIED])
@pytest.mark.parametrize("bits", [128, 512])
def test_enclosure_holds_the_exact_value(case: tuple[sp.Expr, sp.Symbol, sp.Expr, sp.Expr, sp.Expr],
                                         bits: int) -> None:
    f, var, lo, hi, exact = case
    ball = _value(f, var, lo, hi, bits)
    assert _holds(ball, exact), (ball, sp.N(exact, 30))
    assert ball.rad() < arb(2) ** -40 * (1 + abs(ball.mid())), ball  # tight enough to separate


def test_gamma_log_moment_with_a_strong_singularity_at_zero() -> None:
    # E log t under Gamma(7/40, 3) is ψ(7/40) − log 3; the density is t^(−33/40)-singular at 0
    density = 3 ** R(7, 40) * tp ** R(-33, 40) * sp.exp(-3 * tp) / sp.gamma(R(7, 40))
    ball = _value(density * sp.log(tp), tp, 0, sp.oo)
    assert _holds(ball, sp.digamma(R(7, 40)) - sp.log(3)) and ball.rad() < 1e-12


@pytest.mark.parametrize(
    ("f", "var", "lo", "hi"),
    [
        ((1 + t**2) ** R(-1, 2), t, -sp.oo, sp.oo),  # diverges (power −1): never a number
        (1 / ((2 + tp) * sp.log(2 + tp) ** 2), tp, 0, sp.oo),  # a logarithmic tail (= 1/log 2)
        (sp.sin(tp) / tp, tp, 0, sp.oo),  # not absolutely integrable; SymPy's Si is not accepted
        (sp.exp(t**2), t, 0, sp.oo),  # grows
        (sp.exp(-(t**3)), t, -sp.oo, sp.oo),  # fine on the right, grows on the left
        (sp.besselj(0, tp) * sp.exp(-tp), tp, 0, sp.oo),  # a function outside the whitelist
        (sp.exp(-tp) / tp, tp, 0, sp.oo),  # not integrable at 0
    ],
    ids=["divergent-power", "log-tail", "sinc", "growing", "cubic-both-sides", "bessel",
         "divergent-end"],
)
def test_outside_the_certified_classes_there_is_no_enclosure(
    f: sp.Expr, var: sp.Symbol, lo: sp.Expr, hi: sp.Expr
) -> None:
    with pytest.raises(NoEnclosure):
        _value(f, var, lo, hi)


def test_an_antiderivative_with_a_jump_inside_the_range_is_rejected() -> None:
    # d/dt atan(1/t) = −1/(1+t²) for t ≠ 0, but atan(1/t) jumps by π at 0: limits at ±∞ would
    # give 0 instead of −π. Analytic on (1, ∞), not on the real line.
    assert not _analytic_on(sp.atan(1 / t), t, None)
    assert _analytic_on(sp.atan(1 / tp), tp, sp.Integer(1))
    assert not _analytic_on(sp.log(t), t, sp.Integer(-1))  # log's branch point inside (−1, ∞)
    assert not _analytic_on(sp.Piecewise((t, t > 0), (0, True)), t, None)


def test_the_tail_bound_is_an_upper_bound_of_the_true_tail() -> None:
    # the enclosure of ∫_0^∞ e^{−t²} is built from [0, R] and a tail bound: it holds √π/2 at every
    # precision, and the Gaussian mass beyond a few widths is below the ball's radius
    for bits in (64, 128, 256, 1024):
        ball = _value(sp.exp(-(tp**2)), tp, 0, sp.oo, bits)
        assert _holds(ball, sp.sqrt(sp.pi) / 2)
        assert ball.rad() < arb(2) ** (10 - bits)


def test_infinite_integral_with_parameters_from_the_point() -> None:
    class Point:
        def value(self, sym: sp.Symbol) -> float | Fraction | int:
            return {"mu": 4, "s": 0.001}[sym.name]

        def indexed(self, label: sp.Symbol, indices: tuple[int, ...]) -> float | Fraction:
            raise AssertionError

    mu, s = sp.Symbol("mu", real=True), sp.Symbol("s", positive=True)
    ball = enclose(compile_balls(sp.Integral(_normal(t, mu, s), (t, -sp.oo, sp.oo))), Point(), 128)
    assert ball.contains(1) and ball.rad() < 1e-20
    mp = mpmath.mpf(1)  # the density integrates to 1 at the exact binary value of 0.001 too
    assert ball.real.contains(arb(str(mp)))
