"""Exact Gaussian integrals by completing the square (derivations.gaussian), the exponential
stand-ins of the GAN Hessian, and the claims that use them (they keep the report fast).

Each closed form is compared with an independent 30-digit mpmath quadrature at a point, and with
SymPy's own integrator where that one finishes; shapes the procedure does not cover give None.
"""

from __future__ import annotations

import mpmath as mp
import sympy as sp

from derivations.checker.identities import decide_equal
from derivations.checker.verdicts import Verdict
from derivations.estimators import (
    MU,
    S,
    Z,
    integrate_normal,
    pathwise_integrand,
    score_function_integrand,
    verify_reparameterisation,
    verify_score_function,
)
from derivations.gaussian import (
    gaussian_exponential_expectation,
    integrate_exponential_quadratic,
    normal_density,
    normal_moment,
)

x = sp.Symbol("x", real=True)
a, s = sp.Symbol("a", positive=True), sp.Symbol("s", positive=True)
b, c = sp.Symbol("b", real=True), sp.Symbol("c", real=True)


def _exact(point: dict[sp.Symbol, float]) -> dict[sp.Symbol, sp.Rational]:
    return {k: sp.Rational(str(v)) for k, v in point.items()}


def _quadrature(expr: sp.Expr, var: sp.Symbol, point: dict[sp.Symbol, float]) -> mp.mpf:
    with mp.workdps(30):
        f = sp.lambdify(var, expr.subs(_exact(point)), "mpmath")
        return mp.quad(f, [-mp.inf, 0, mp.inf])


def _value(expr: sp.Expr, point: dict[sp.Symbol, float]) -> mp.mpf:
    with mp.workdps(30):
        return mp.mpf(str(sp.N(expr.subs(_exact(point)), 30)))


def test_polynomial_times_gaussian_matches_quadrature() -> None:
    h = (x**3 - 2 * b * x + c) * sp.exp(-a * x**2 + b * x + c)
    exact = integrate_exponential_quadratic(h, x)
    assert exact is not None
    point = {a: 0.7, b: -1.3, c: 0.4}
    assert abs(_value(exact, point) - _quadrature(h, x, point)) < mp.mpf(10) ** -25


def test_several_exponential_factors_are_added() -> None:
    h = x**2 * sp.exp(-(x**2) / 2) * sp.exp(b * x) * sp.exp(-(x - c) ** 2 / (2 * s**2))
    exact = integrate_exponential_quadratic(h, x)
    assert exact is not None
    point = {b: 0.3, c: -0.8, s: 1.7}
    assert abs(_value(exact, point) - _quadrature(h, x, point)) < mp.mpf(10) ** -25


def test_agrees_with_sympys_integrator_exactly() -> None:
    h = sp.exp(-a * x**2 + b * x)
    exact = integrate_exponential_quadratic(h, x)
    assert exact is not None
    reference = sp.integrate(h, (x, -sp.oo, sp.oo), conds="none")
    assert decide_equal(exact, reference).verdict is Verdict.PROVED


def test_shapes_outside_the_procedure_give_none() -> None:
    assert integrate_exponential_quadratic(sp.exp(a * x**2), x) is None  # diverges: a > 0
    assert integrate_exponential_quadratic(sp.exp(c * x**2), x) is None  # sign of c unknown
    assert integrate_exponential_quadratic(sp.exp(-(x**4)), x) is None  # quartic exponent
    assert integrate_exponential_quadratic(sp.exp(-(x**2)) / (1 + sp.exp(x)), x) is None
    assert integrate_exponential_quadratic(sp.sin(x) * sp.exp(-(x**2)), x) is None
    assert integrate_exponential_quadratic(x**2, x) is None  # no Gaussian factor: diverges


def test_expectation_of_an_exponential_is_the_moment_generating_function() -> None:
    beta = sp.Symbol("beta", real=True)
    value = gaussian_exponential_expectation(sp.exp(beta * Z), Z, MU, S**2)
    assert value is not None
    assert decide_equal(value, sp.exp(beta * MU + beta**2 * S**2 / 2)).verdict is Verdict.PROVED
    wrong = sp.exp(beta * MU + beta**2 * S**2)  # the variance doubled
    assert decide_equal(value, wrong).verdict is Verdict.REFUTED


def test_gaussian_bump_expectation_matches_quadrature() -> None:
    value = integrate_normal(sp.exp(-((Z - b) ** 2) / 2), Z, MU, S**2)
    point = {MU: 0.4, S: 1.3, b: -0.9}
    integrand = sp.exp(-((Z - b) ** 2) / 2) * normal_density(Z, MU, S**2)
    assert abs(_value(value, point) - _quadrature(integrand, Z, point)) < mp.mpf(10) ** -25


def test_moments_from_the_standard_density() -> None:
    m, v = sp.Symbol("m", real=True), sp.Symbol("v", positive=True)
    assert sp.expand(normal_moment(4, m, v) - (m**4 + 6 * m**2 * v + 3 * v**2)) == 0
    assert sp.expand(normal_moment(3, m, v) - (m**3 + 3 * m * v)) == 0
    assert normal_moment(0, m, v) == 1


def test_estimator_identities_still_refute_wrong_integrands() -> None:
    assert verify_score_function(score_function_integrand).verdict is Verdict.PROVED
    assert verify_reparameterisation(pathwise_integrand).verdict is Verdict.PROVED
    # the score without the function, and the pathwise gradient without the chain-rule factor
    wrong_score = verify_score_function(lambda f, log_q, p: sp.diff(log_q, p) * f**2)
    assert wrong_score.verdict is Verdict.REFUTED
    wrong_path = verify_reparameterisation(
        lambda f, p: sp.diff(f, Z).xreplace({Z: MU + S * sp.Symbol("epsilon", real=True)}))
    assert wrong_path.verdict is Verdict.REFUTED


def test_sigmoid_hessian_terms_cancel_over_one_exponential() -> None:
    """σ(t) − σ(t)² = eᵗ/(1 + eᵗ)²: eᵗ and e²ᵗ share one stand-in (7.7 s → 0.3 s for the GAN Hessian)."""
    from derivations.gan_dual import _over_common_denominators

    t = sp.Symbol("w1", real=True) * sp.Symbol("x1", real=True) + sp.Symbol("w2", real=True)
    hessian = sp.diff(sp.log(1 + sp.exp(t)), sp.Symbol("w2", real=True), 2)
    grouped = _over_common_denominators(hessian)
    assert sp.simplify(grouped - sp.exp(t) / (1 + sp.exp(t)) ** 2) == 0
    assert len(grouped.atoms(sp.exp)) == 1


def test_cost_convexity_certificate_must_match() -> None:
    from derivations import gan_dual as g
    from derivations.checker.lemmas import SQUARE, NonNegativeSum, Term

    ds, w = g.DataSet.symbolic(), g.vector("w")
    c = sp.Symbol("C", nonnegative=True)

    def half_weights(v: sp.Matrix) -> NonNegativeSum:  # every σ(1−σ) weight halved
        good = g.cost_certificate(w, ds, c)(v)
        return NonNegativeSum(tuple(Term(t.weight / 2 if i >= 2 else t.weight, SQUARE, t.argument)
                                    for i, t in enumerate(good.terms)))

    d = g.verify_convex(g.seed_cost_3e(w, ds, c), w, half_weights, time_limit=10)
    assert d.verdict is not Verdict.REFUTED  # the cost is convex: only the certificate is wrong
    assert "certificate does not match" in d.detail


def test_bad_arguments_are_named() -> None:
    import pytest

    from derivations.gaussian import integrate_over_reals
    from derivations.mode_seeking import symmetric_cover_search

    with pytest.raises(ValueError, match="h:"):
        integrate_exponential_quadratic("exp(-x**2)", x)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="var:"):
        integrate_over_reals(sp.exp(-(x**2)), x**2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="g:"):
        gaussian_exponential_expectation(None, Z, MU, S**2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tol"):
        symmetric_cover_search(tol=0.0)  # would never stop
    with pytest.raises(ValueError, match="lo, hi"):
        symmetric_cover_search(lo=3.0, hi=1.0)
    with pytest.raises(ValueError, match="hi"):
        symmetric_cover_search(hi=float("inf"))
