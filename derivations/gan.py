"""GAN optimum (ECE 544 PS5, Problem 4 (d)–(f), seed 004; Goodfellow et al. 2014, Prop. 1, Thm. 1).

Derived: the pointwise maximiser of a·log D + b·log(1 − D) (stationarity plus a negative
second derivative), and the virtual training criterion C(G) = E_pdata[log D*] + E_pG[log(1 − D*)]
for discrete distributions of general size K, compared with −log 4 + 2·JSD(p_data ‖ p_G).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.checker.identities import Decision, Domain, decide_equal, decide_nonnegative
from derivations.checker.lemmas import LOG_RATIO, NonNegativeSum, Term
from derivations.checker.verdicts import Verdict
from derivations.elbo import combine
from derivations.latent import DiscreteModel

A, B = sp.symbols("a b", positive=True)
_D = sp.Symbol("D", positive=True)


def verify_optimal_discriminator(claimed: sp.Expr) -> Decision:
    """argmax_{D ∈ (0,1)} a·log D + b·log(1 − D) = claimed(a, b) (Goodfellow et al., Prop. 1)."""
    f = A * sp.log(_D) + B * sp.log(1 - _D)
    roots = sp.solve(sp.Eq(sp.diff(f, _D), 0), _D)
    if len(roots) != 1:
        return Decision(Verdict.UNDECIDED, f"stationarity gave {roots}")
    d_star = roots[0]
    second = sp.simplify(sp.diff(f, _D, 2).xreplace({_D: d_star}))
    match = decide_equal(d_star, claimed)
    if match.verdict is not Verdict.PROVED:
        return match
    neg = bool(second.is_negative)
    return Decision(
        Verdict.PROVED if neg else Verdict.UNDECIDED,
        f"stationary point D* = {sp.sstr(d_star)} equals the claim; f''(D*) = {sp.sstr(second)}"
        + (" < 0: the maximum (f is concave on (0,1))" if neg else ""),
    )


def _pair() -> tuple[DiscreteModel, sp.IndexedBase, sp.IndexedBase, Domain]:
    m = DiscreteModel()
    p, g = sp.IndexedBase("p_data", positive=True), sp.IndexedBase("p_G", positive=True)
    return m, p, g, Domain(simplex=(p, g), size=m.K)


def jsd(m: DiscreteModel, p: sp.IndexedBase, g: sp.IndexedBase) -> sp.Expr:
    """JSD = ½ KL(p ‖ M) + ½ KL(g ‖ M), M = (p + g)/2 (ECE 544 PS5 4(e))."""
    mix = lambda i: (p[i] + g[i]) / 2
    return m.kl(p, mix) / 2 + m.kl(g, mix) / 2


def virtual_criterion(m: DiscreteModel, p: sp.IndexedBase, g: sp.IndexedBase) -> sp.Expr:
    """C(G) = E_pdata[log D*] + E_pG[log(1 − D*)] with D* = p_data/(p_data + p_G)."""
    d_star = lambda i: p[i] / (p[i] + g[i])
    return m.expect(p, lambda i: sp.log(d_star(i))) + m.expect(g, lambda i: sp.log(1 - d_star(i)))


Closed = Callable[[DiscreteModel, sp.IndexedBase, sp.IndexedBase], sp.Expr]


def verify_virtual_criterion(claimed: Closed) -> Decision:
    """C(G) = claimed (Goodfellow et al., Thm. 1: −log 4 + 2·JSD(p_data ‖ p_G)), general K."""
    m, p, g, dom = _pair()
    return decide_equal(virtual_criterion(m, p, g), claimed(m, p, g), dom)


def verify_jsd_minimum(claimed_min: sp.Expr) -> Decision:
    """JSD ≥ 0 (certificate), JSD(p ‖ p) = 0, hence min_G C(G) = claimed_min at p_G = p_data,
    where D* = ½."""
    m, p, g, dom = _pair()
    i = m.i
    mix = (p[i] + g[i]) / 2
    cert = NonNegativeSum(
        (Term(p[i] / 2, LOG_RATIO, mix / p[i]), Term(g[i] / 2, LOG_RATIO, mix / g[i])), (i, 1, m.K)
    )
    parts = {
        "JSD ≥ 0": decide_nonnegative(jsd(m, p, g), dom, certificate=cert),
        "JSD(p ‖ p) = 0": decide_equal(jsd(m, p, p), sp.Integer(0), Domain(simplex=(p,), size=m.K)),
        "C(G) at p_G = p_data": decide_equal(
            virtual_criterion(m, p, p), claimed_min, Domain(simplex=(p,), size=m.K)
        ),
        "D* at p_G = p_data": decide_equal(p[i] / (p[i] + p[i]), sp.Rational(1, 2)),
    }
    return combine(parts)


# --------------------------------------------------------------------------- PS5 4(c), 4(d), 4(f)

_X = sp.Symbol("x", real=True)
_Zs = sp.Symbol("z", real=True)


def verify_euler_lagrange_discriminator(claimed: sp.Expr) -> Decision:
    """D*(x) from the Euler–Lagrange equation of L(x, D, Ḋ) = p_data log D + p_G log(1 − D)
    (ECE 544 PS5 4(d)): L has no Ḋ, so the equation is ∂L/∂D = 0; solved for D and compared with
    ``claimed`` (an expression in the symbols a = p_data(x), b = p_G(x))."""
    from sympy.calculus.euler import euler_equations

    p, g, d = sp.Function("p_data")(_X), sp.Function("p_G")(_X), sp.Function("D")(_X)
    lagr = p * sp.log(d) + g * sp.log(1 - d)
    (equation,) = euler_equations(lagr, d, _X)
    roots = sp.solve(equation, d)
    if len(roots) != 1:
        return Decision(Verdict.UNDECIDED, f"Euler–Lagrange gave {roots}")
    derived = roots[0].xreplace({p: A, g: B})
    match = decide_equal(derived, claimed)
    match.detail = f"Euler–Lagrange: {sp.sstr(equation)}; D* = {sp.sstr(derived)}; {match.detail}"
    return match


def verify_optimal_discriminator_at_equilibrium(claimed: sp.Expr) -> Decision:
    """D* at p_G = p_data (ECE 544 PS5 4(f)): the Euler–Lagrange solution with b = a."""
    from sympy.calculus.euler import euler_equations

    p, d = sp.Function("p_data")(_X), sp.Function("D")(_X)
    (equation,) = euler_equations(p * sp.log(d) + p * sp.log(1 - d), d, _X)
    roots = sp.solve(equation, d)
    if len(roots) != 1:
        return Decision(Verdict.UNDECIDED, f"Euler–Lagrange gave {roots}")
    return decide_equal(roots[0], claimed)


#: The generator G(z) = ALPHA·z + BETA of the PS5 4(c) check.
ALPHA, BETA = sp.Symbol("alpha", positive=True), sp.Symbol("beta", real=True)
_KAPPA = sp.Symbol("kappa", real=True)


def pushforward_density(x: sp.Expr) -> sp.Expr:
    """p_G(x) = p_z((x − β)/α)/α for G(z) = αz + β, z ∼ N(0, 1) (change of variables)."""
    from derivations.gaussian import normal_density

    return normal_density((x - BETA) / ALPHA, 0, 1) / ALPHA


def verify_generator_pushforward(claimed_density: Callable[[sp.Expr], sp.Expr]) -> Decision:
    """E_{z∼N(0,1)}[f(G(z))] = ∫ f(x) p_G(x) dx with p_G = ``claimed_density`` (in ALPHA, BETA) and
    f(x) = x³ + κx (ECE 544 PS5 4(c): the generator term E_z[log(1 − D(G(z)))] rewritten as
    E_{p_G}[log(1 − D(x))]). Both sides are integrated."""
    from derivations.gaussian import integrate_over_reals, normal_density

    f = lambda t: t**3 + _KAPPA * t
    lhs = integrate_over_reals(f(ALPHA * _Zs + BETA) * normal_density(_Zs, 0, 1), _Zs)
    rhs = integrate_over_reals(f(_X) * claimed_density(_X), _X)
    return decide_equal(sp.simplify(lhs), sp.simplify(rhs))
