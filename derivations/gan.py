"""GAN optimum (ECE 544 PS5, Problem 4 (d)–(f), seed 004; Goodfellow et al. 2014, Prop. 1, Thm. 1).

Derived: the pointwise maximiser of a·log D + b·log(1 − D) (stationarity plus a negative
second derivative), and the virtual training criterion C(G) = E_pdata[log D*] + E_pG[log(1 − D*)]
for discrete distributions of general size K, compared with −log 4 + 2·JSD(p_data ‖ p_G).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.elbo import combine
from derivations.identities import Decision, Domain, decide_equal, decide_nonnegative
from derivations.latent import DiscreteModel
from derivations.lemmas import LOG_RATIO, NonNegativeSum, Term
from derivations.verdicts import Verdict

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
