"""A Lagrangian and its stated stationary point (CS 446 HW8 / ECE 544 PS5 1(e)).

The document states a Lagrangian, e.g.
``\\sum_z q(z|x)\\log p_\\theta(x|z) - \\sum_z q(z|x)\\log\\frac{q(z|x)}{p(z)}
+ \\lambda(\\sum_z q(z|x) - 1)``,
and then a point ``q(z|x) = …``. With the discrete reading (q = (q_1, …, q_K)) the point is
checked as the solution key claims it:

1. ∂L/∂q_s is computed from the Lagrangian itself: each Σ_i f(q_i) contributes
   ∂f(q_s)/∂q_s (its summand at i = s; a summand that involves other entries of q is refused);
2. the stated point is substituted and the multiplier is eliminated: λ* solves ∂L/∂q_1 = 0;
3. stationarity in every coordinate: ∂L/∂q_2 = 0 at the same λ* (the states are exchangeable,
   so coordinates 1 and 2 stand for any pair), decided by the step checker;
4. the constraint: Σ_i q*_i = 1, decided by the step checker.

Each decision is exact (*proved*) or comes with a counterexample (*refuted*).
"""

from __future__ import annotations

import time

import sympy as sp

from derivations.checker import decide_equal
from derivations.checker.verdicts import Verdict
from derivations.latex.parser import Chain, Node, to_latex
from derivations.latex.report import UNSUPPORTED, StepReport
from derivations.latex.semantics import Definition, Env, SemanticError, Semantics, canonical


def _gradient(L: sp.Expr, q: sp.IndexedBase, s: sp.Expr) -> sp.Expr:
    """∂L/∂q_s where L is built from sums Σ_i f(q_i, i) and q-free terms."""
    sums = sorted(L.atoms(sp.Sum), key=sp.default_sort_key)
    dummies = {S: sp.Dummy(f"S{k}") for k, S in enumerate(sums)}
    flat = L.xreplace(dummies)
    if any(isinstance(a, sp.Indexed) and a.base == q for a in flat.atoms(sp.Indexed)):
        raise SemanticError("the Lagrangian uses q outside a sum over the latent variable")
    out = sp.Integer(0)
    for S, dS in dummies.items():
        i = S.limits[0][0]
        body = S.function
        others = [a for a in body.atoms(sp.Indexed) if a.base == q and a.indices != (i,)]
        if others or any(t.has(q) for t in body.atoms(sp.Sum)):
            raise SemanticError("a summand of the Lagrangian involves entries of q other than q(z)")
        out += sp.diff(flat, dS) * sp.diff(body.xreplace({i: s}), q[s])
    return out


def check_stationary_point(
    lagrangian: Node, point: Chain, *, definitions: dict[str, Definition], time_limit: float, points: int = 24
) -> StepReport:
    """Decide that ``point`` (``q(z|x) = …``) is a stationary point of ``lagrangian`` under the
    constraint Σ_z q(z|x) = 1, with the multiplier eliminated. See the module docstring."""
    t0 = time.perf_counter()
    parsed = (
        f"{to_latex(lagrangian)} ;\\; stationary at {to_latex(point.first)} = {to_latex(point.steps[0][1])}"
    )
    rep = StepReport("", 0, "", parsed, "stationary", UNSUPPORTED, "", kind="stationary")
    defs = {
        k: v for k, v in definitions.items() if k not in ("KL", "H", "ELBO") and not k.startswith("density:")
    }
    sem = Semantics(defs, use_document=False)
    try:
        assert point.first is not None
        var_node = point.first.args[1].args[0]
        var = str(var_node.args[0])
        L = sem.evaluate(lagrangian)
        lam = sp.Symbol(canonical(r"\lambda"), real=True)
        if not L.has(lam):
            raise SemanticError("the Lagrangian has no multiplier λ")

        def qstar(idx: sp.Expr) -> sp.Expr:
            return sem.evaluate(point.steps[0][1], Env().bind_latent(var, idx))

        def at_point(e: sp.Expr) -> sp.Expr:
            return e.replace(
                lambda a: isinstance(a, sp.Indexed) and a.base == sem.q, lambda a: qstar(a.indices[0])
            )

        g1 = at_point(_gradient(L, sem.q, sp.Integer(1)))
        g2 = at_point(_gradient(L, sem.q, sp.Integer(2)))
        sol = sp.solve(sp.Eq(g1, 0), lam)
        if len(sol) != 1:
            raise SemanticError(f"∂L/∂q(z) = 0 does not determine λ uniquely ({len(sol)} solutions)")
        lam_star = sol[0]
        dom = sem.domain(points)
        stat = decide_equal(g2.xreplace({lam: lam_star}), sp.Integer(0), dom, time_limit=time_limit)
        i = sem.fresh_index()
        cons = decide_equal(sp.Sum(qstar(i), (i, 1, sem.K)), sp.Integer(1), dom, time_limit=time_limit)
    except (SemanticError, ValueError, NotImplementedError) as exc:
        rep.detail = f"stationary point not checked: {exc}"
        rep.seconds = time.perf_counter() - t0
        return rep
    verdicts = [stat.verdict, cons.verdict]
    if Verdict.REFUTED in verdicts:
        bad = stat if stat.verdict is Verdict.REFUTED else cons
        which = (
            "not stationary: with λ eliminated from ∂L/∂q(1) = 0, ∂L/∂q(2) ≠ 0"
            if bad is stat
            else "the stated point violates the constraint Σ_z q(z|x) = 1"
        )
        rep.verdict, rep.detail, rep.counterexample = "refuted", f"{which}; {bad.detail}", bad.counterexample
    else:
        order = [Verdict.UNDECIDED, Verdict.NUMERIC, Verdict.PROVED]
        worst = min(verdicts, key=order.index)
        rep.verdict = worst.value
        rep.detail = (
            f"∂L/∂q(z) = 0 for every state z with the multiplier eliminated, λ = "
            f"{sp.sstr(lam_star)} ({stat.verdict.value}); Σ_z q*(z) = 1 ({cons.verdict.value})"
        )
        if worst is Verdict.NUMERIC:
            rep.error = max(stat.error or 0.0, cons.error or 0.0)
            rep.tolerance = max(stat.tolerance or 0.0, cons.tolerance or 0.0)
    rep.seconds = time.perf_counter() - t0
    return rep
