"""Inclusive (forward) KL fit of a Gaussian is moment matching (seed 003, Problem 6.3; Bishop 2006,
§10.7; Minka 2005).

min_{μ, v} KL(p ‖ N(μ, v)) = −H(p) − E_p[log N(x; μ, v)], and only the second term depends on
(μ, v). With p = ⅓N(−1, 1) + ⅔N(1, 1), E_p[log N(x; μ, v)] = −½ log(2πv) − E_p[(x − μ)²]/(2v) is
computed from p's moments (each integrated from the component densities), the stationary point
is solved for, and the Hessian at it is checked positive definite.
"""

from __future__ import annotations

import sympy as sp

from derivations.checker.identities import Decision, decide_equal
from derivations.checker.verdicts import Verdict
from derivations.elbo import combine
from derivations.gaussian import normal_moment

MIXTURE = ((sp.Rational(1, 3), -1, 1), (sp.Rational(2, 3), 1, 1))  # (weight, mean, variance)
_mu, _v = sp.Symbol("mu", real=True), sp.Symbol("v", positive=True)


def mixture_moment(k: int) -> sp.Expr:
    """E_p[x^k] = Σ_c w_c E_{N(m_c, s_c)}[x^k], moments by integration."""
    return sp.Add(*(w * normal_moment(k, m, s) for w, m, s in MIXTURE))


def forward_objective() -> sp.Expr:
    """−E_p[log N(x; μ, v)] = ½ log(2πv) + (E x² − 2μ E x + μ²)/(2v)."""
    second = mixture_moment(2) - 2 * _mu * mixture_moment(1) + _mu**2
    return sp.log(2 * sp.pi * _v) / 2 + second / (2 * _v)


def verify_forward_fit(claimed_mean: sp.Expr, claimed_variance: sp.Expr) -> Decision:
    """argmin_{μ, v} KL(p ‖ N(μ, v)) = (claimed_mean, claimed_variance); seed answer (1/3, 17/9)."""
    f = forward_objective()
    sols = sp.solve([sp.diff(f, _mu), sp.diff(f, _v)], [_mu, _v], dict=True)
    if len(sols) != 1:
        return Decision(Verdict.UNDECIDED, f"stationarity gave {sols}")
    sol = sols[0]
    hess = sp.hessian(f, (_mu, _v)).xreplace(sol)
    pd = all(sp.simplify(e).is_positive for e in hess.eigenvals())
    parts = {
        "mean": decide_equal(sol[_mu], sp.sympify(claimed_mean)),
        "variance": decide_equal(sol[_v], sp.sympify(claimed_variance)),
        "minimum": Decision(Verdict.PROVED if pd else Verdict.UNDECIDED,
                            f"Hessian at ({sol[_mu]}, {sol[_v]}) = {hess.tolist()}"
                            + (" is positive definite" if pd else " not shown positive definite")),
    }
    return combine(parts)
