"""Gradient and Monte-Carlo estimators, checked by exact integration (ECE 544 PS5 2(c), seed 004;
Williams 1992 (REINFORCE); Kingma & Welling 2014, §2.4 (reparameterisation)).

* Unbiasedness of the M-sample reconstruction estimate R_M = (1/M) Σ_m log p(x|z_m), z_m iid
  q(z|x) = N(m, s²), for a Gaussian decoder p(x|z) = N(x; a·z + c, τ²): E[R_M] is integrated
  against the product density of z_1…z_M (M = 1, 2, 3, iterated integrals) and compared with
  E_q[log p(x|z)], itself integrated.
* Score function: ∂_φ E_q[f] (integrate, then differentiate) against E_q[f · ∂_φ log q]
  (integrate the claimed integrand), φ ∈ {μ, s}, q = N(μ, s²).
* Reparameterisation: ∂_φ E_{N(μ, s²)}[f] against E_ε[claimed pathwise integrand], ε ∼ N(0, 1).
The test functions: a cubic with a symbolic coefficient, e^{βz}, and a Gaussian bump.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import sympy as sp

from derivations.checker.identities import Decision, decide_equal
from derivations.elbo import combine
from derivations.gaussian import (
    expect_polynomial,
    gaussian_exponential_expectation,
    normal_density,
    normal_log_density,
)

Z, EPS = sp.Symbol("z", real=True), sp.Symbol("epsilon", real=True)
MU, S = sp.Symbol("mu", real=True), sp.Symbol("s", positive=True)
X, A, C, TAU2 = sp.Symbol("x", real=True), sp.Symbol("a", real=True), sp.Symbol("c", real=True), \
    sp.Symbol("tau2", positive=True)
_ALPHA, _BETA, _B = sp.Symbol("alpha", real=True), sp.Symbol("beta", real=True), sp.Symbol("b", real=True)


def test_functions() -> dict[str, sp.Expr]:
    """f(z) for which E_{N(μ,s²)}[f] has a closed form."""
    return {
        "z³ + αz²": Z**3 + _ALPHA * Z**2,
        "exp(βz)": sp.exp(_BETA * Z),
        "exp(−(z − b)²/2)": sp.exp(-((Z - _B) ** 2) / 2),
    }


_U = sp.Symbol("u", real=True)


@cache
def integrate_normal(g: sp.Expr, var: sp.Symbol, mean: sp.Expr, variance: sp.Expr) -> sp.Expr:
    """E[g(var)] for var ∼ N(mean, variance), exactly.

    A polynomial in ``var`` goes through its moments (each integrated from the density once and
    cached, :func:`derivations.gaussian.expect_polynomial`); polynomials times exponentials of
    quadratics by completing the square
    (:func:`derivations.gaussian.gaussian_exponential_expectation`); anything else is integrated by SymPy
    after the change of variables var = mean + √variance·u, u ∼ N(0, 1) (faster for SymPy)."""
    g = sp.expand(g)
    if g.is_polynomial(var):
        return expect_polynomial(g, {var: (mean, variance)})
    exact = gaussian_exponential_expectation(g, var, mean, variance)
    if exact is not None:
        return exact
    h = sp.expand(sp.powsimp(sp.expand(g.xreplace({var: mean + sp.sqrt(variance) * _U}))))
    value = sp.integrate(h * normal_density(_U, 0, 1), (_U, -sp.oo, sp.oo), conds="none")
    return sp.simplify(value.rewrite(sp.erf))  # erf(t) + erfc(t) pieces cancel


def decoder_log_likelihood(z: sp.Expr) -> sp.Expr:
    """log N(x; a·z + c, τ²)."""
    return normal_log_density(X, A * z + C, TAU2)


Estimator = Callable[[list[sp.Symbol]], sp.Expr]


def mc_reconstruction(zs: list[sp.Symbol]) -> sp.Expr:
    """(1/M) Σ_m log p(x|z_m) (PS5 2(c))."""
    return sp.Add(*(decoder_log_likelihood(z) for z in zs)) / len(zs)


def verify_mc_unbiased(estimator: Estimator, sizes: tuple[int, ...] = (1, 2, 3)) -> Decision:
    """E_{z_1…z_M iid N(μ, s²)}[estimator(z_1…z_M)] = E_q[log p(x|z)] for each M in ``sizes``."""
    target = integrate_normal(decoder_log_likelihood(Z), Z, MU, S**2)
    parts: dict[str, Decision] = {}
    for m in sizes:
        zs = [sp.Symbol(f"z{k}", real=True) for k in range(1, m + 1)]
        value = estimator(zs)
        for z in zs:  # Fubini: iterated integrals against the product density
            value = integrate_normal(value, z, MU, S**2)
        parts[f"M={m}"] = decide_equal(value, target)
    return combine(parts)


ScoreIntegrand = Callable[[sp.Expr, sp.Expr, sp.Symbol], sp.Expr]


def score_function_integrand(f: sp.Expr, log_q: sp.Expr, param: sp.Symbol) -> sp.Expr:
    """f · ∂_φ log q (Williams 1992)."""
    return f * sp.diff(log_q, param)


def verify_score_function(integrand: ScoreIntegrand, functions: dict[str, sp.Expr] | None = None) -> Decision:
    """∂_φ E_q[f] = E_q[integrand(f, log q, φ)] for q = N(μ, s²), φ ∈ {μ, s}, each f in
    ``functions`` (default :func:`test_functions`)."""
    log_q = normal_log_density(Z, MU, S**2)
    parts: dict[str, Decision] = {}
    for name, f in (functions or test_functions()).items():
        mean = integrate_normal(f, Z, MU, S**2)
        for param in (MU, S):
            lhs = sp.diff(mean, param)
            rhs = integrate_normal(integrand(f, log_q, param), Z, MU, S**2)
            parts[f"f = {name}, φ = {param}"] = decide_equal(lhs, rhs)
    return combine(parts)


PathwiseIntegrand = Callable[[sp.Expr, sp.Symbol], sp.Expr]


def pathwise_integrand(f: sp.Expr, param: sp.Symbol) -> sp.Expr:
    """∂_φ f(μ + sε) = f'(μ + sε) · ∂_φ(μ + sε): f'(μ + sε) for μ, f'(μ + sε)·ε for s."""
    return sp.diff(f, Z).xreplace({Z: MU + S * EPS}) * sp.diff(MU + S * EPS, param)


def verify_reparameterisation(integrand: PathwiseIntegrand,
                              functions: dict[str, sp.Expr] | None = None) -> Decision:
    """∂_φ E_{N(μ, s²)}[f] = E_{ε∼N(0,1)}[integrand(f, φ)], φ ∈ {μ, s}, each f in ``functions``
    (default :func:`test_functions`)."""
    parts: dict[str, Decision] = {}
    for name, f in (functions or test_functions()).items():
        mean = integrate_normal(f, Z, MU, S**2)
        for param in (MU, S):
            rhs = integrate_normal(integrand(f, param), EPS, 0, 1)
            parts[f"f = {name}, φ = {param}"] = decide_equal(sp.diff(mean, param), rhs)
    return combine(parts)
