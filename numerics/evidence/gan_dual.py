"""Numeric evidence for the GAN dual (ECE 544 PS5, Problem 3, seed 004)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import optimize

# Imported on its own (not through the registry): the claims this module attaches evidence to
# must be registered first (torch-free, idempotent imports; through the registry they have run).
import derivations.claims  # noqa: F401
import torch_impl.claims  # noqa: F401
from derivations.checker.verdicts import Evidence
from derivations.runner.registry import Claim, evidence, register
from numerics import gan_dual
from numerics.evidence._common import (
    REL_TOL,
    SEED,
    Array,
    _rel,
    _result,
    _within,
    _worst,
)

register(
    Claim(
        "gan_dual.strong_duality",
        "Primal (3(e)) and dual (3(i)) optimal values agree (gap < 1e-8) and satisfy KKT: "
        "w* = b(λ*)/C, λ*_i = −σ(w*ᵀp_i)",
        r"p^\star = d^\star",
        "ECE 544 PS5, Problem 3 (seed 004)",
    )
)


@evidence("gan_dual.strong_duality", "numeric")
def _strong_duality() -> Evidence:
    reports = {
        f"C = {c}, seed {s}": gan_dual.strong_duality(gan_dual.example_problem(c=c, seed=s))
        for c, s in ((1.0, 0), (0.1, 1), (10.0, 2))
    }
    err = max(max(abs(r.gap), r.kkt_w, r.kkt_lambda) for r in reports.values())
    tol = 1e-8
    detail = "; ".join(
        f"{k}: primal {r.primal:.12f}, gap {r.gap:.1e}, KKT {max(r.kkt_w, r.kkt_lambda):.1e}"
        for k, r in reports.items()
    )
    return _within(detail, err, tol, {"worst": f"{err:.3g}"})


# =========================================================================== GAN dual (seed 004, Problem 3)


def _problem(seed: int = 0, c: float = 0.7) -> gan_dual.Problem:
    return gan_dual.example_problem(2, 2, c=c, seed=seed)


def program_cost_by_definition(prob: gan_dual.Problem, w: Array) -> float:
    """−Σ_x log p_w(1|x) − Σ_z log(1 − p_w(1|G(z))) + C/2‖w‖², p_w(1|x) = 1/(1 + e^{wᵀx})."""
    d = lambda x: 1 / (1 + np.exp(x @ w))
    return float(-np.log(d(prob.data)).sum() - np.log(1 - d(prob.generated)).sum() + prob.c / 2 * w @ w)


def cost_3e(prob: gan_dual.Problem, w: Array) -> float:
    """The function of seed 004, Problem 3(e): Σ_i log(1 + e^{wᵀp_i}) − Σ_{generated} wᵀp + C/2‖w‖², the
    claimed rewriting of the discriminator's cost."""
    t = prob.points @ w
    return float(np.logaddexp(0, t).sum() - (prob.generated @ w).sum() + prob.c / 2 * w @ w)


def check_cost(candidate: Callable[[gan_dual.Problem, Array], float] = cost_3e) -> Evidence:
    """Seed 004, Problem 3: the cost of program (1) from p_w(1|x) = 1/(1 + e^{wᵀx}) vs ``candidate(problem,
    w)`` (default :func:`cost_3e`) at 4 random data sets and weights; relative error against ``REL_TOL``."""
    rng = np.random.default_rng(SEED)
    rows = []
    for s in range(4):
        prob, w = _problem(s), rng.normal(size=2)
        ref, got = program_cost_by_definition(prob, w), candidate(prob, w)
        rows.append((_rel(ref, got), {"w": str(w.tolist()), "definition": f"{ref!r}", "claimed": f"{got!r}"}))
    err, where = _worst(rows)
    return _result(
        f"cost of program (1) from p_w(1|x) = 1/(1+e^(wᵀx)) vs the 3(e) function at 4 random (data, w); "
        f"worst relative error {err:.2e} (float64 sums of 5 terms)",
        err,
        REL_TOL,
        where,
    )


def _min_hessian_eig(f: Callable[[Array], float], a: Array, h: float = 1e-4) -> float:
    """Smallest eigenvalue of the central-difference Hessian of f at a (error O(h²) ≈ 1e-8·|f'''|,
    plus rounding ~1e-16/h² ≈ 1e-8)."""
    d = len(a)
    hess = np.empty((d, d))
    e = np.eye(d) * h
    for i in range(d):
        for j in range(d):
            hess[i, j] = (
                f(a + e[i] + e[j]) - f(a + e[i] - e[j]) - f(a - e[i] + e[j]) + f(a - e[i] - e[j])
            ) / (4 * h * h)
    return float(np.linalg.eigvalsh((hess + hess.T) / 2).min())


HESS_TOL = 1e-6  # finite-difference Hessian error (see _min_hessian_eig) with a factor 100 of margin


def _convexity_evidence(
    name: str, fns: Sequence[tuple[str, Callable[..., float], int]], expect_convex: Sequence[bool]
) -> Evidence:
    """Each f is convex iff its finite-difference Hessian is PSD at 6 random points; compare with
    what the claim says (``expect_convex``)."""
    rng = np.random.default_rng(SEED)
    rows = []
    for (label, f, d), claimed in zip(fns, expect_convex, strict=True):
        eig = min(_min_hessian_eig(f, rng.normal(size=d)) for _ in range(6))
        found = eig >= -HESS_TOL
        rows.append(
            (
                0.0 if found == claimed else np.inf,
                {
                    "function": label,
                    "smallest Hessian eigenvalue": f"{eig:.3g}",
                    "claimed convex": str(claimed),
                },
            )
        )
    err, where = _worst(rows)
    listing = "; ".join(f"{r[1]['function']}: λ_min = {r[1]['smallest Hessian eigenvalue']}" for r in rows)
    return _result(
        f"{name}: smallest eigenvalue of the finite-difference Hessian over 6 random points: {listing}",
        err,
        HESS_TOL,
        where,
    )


def check_quadratic_convex_iff(claimed: Callable[[float], bool] = lambda c: c >= 0) -> Evidence:
    """C/2‖a‖² − aᵀb is convex iff ``claimed(C)``: the finite-difference Hessian at random points decides
    convexity for C ∈ {−1, −0.1, 0, 0.1, 1}, and every verdict must agree with the claim."""
    b = np.array([0.3, -1.2, 0.8])
    cs = (-1.0, -0.1, 0.0, 0.1, 1.0)
    fns = [(f"C = {c}", (lambda a, c=c: c / 2 * a @ a - a @ b), 3) for c in cs]
    return _convexity_evidence("C/2‖a‖² − aᵀb", fns, [claimed(c) for c in cs])


def check_softplus_convex(sign: float = 1.0) -> Evidence:
    """log(1 + exp(aᵀb)) is convex in a for random b (Hessian PSD at random points); ``sign`` = −1 tests the
    negated (concave) function instead, a wrong variant that must be refuted."""
    rng = np.random.default_rng(SEED + 1)
    fns = [
        (f"b = {np.round(b, 3).tolist()}", (lambda a, b=b: sign * float(np.logaddexp(0, a @ b))), 3)
        for b in rng.normal(size=(3, 3)) * 2
    ]
    return _convexity_evidence("log(1 + exp(aᵀb))", fns, [True] * 3)


def check_cost_convex(c: float = 0.7) -> Evidence:
    """The 3(e) cost with regulariser C = ``c`` is convex in w on three random data sets (finite-difference
    Hessian PSD at random points); a negative ``c`` is a wrong variant that must be refuted."""
    fns = [
        (f"data seed {s}, C = {c}", (lambda w, s=s: cost_3e(_problem(s, 1.0), w) + (c - 1.0) / 2 * w @ w), 2)
        for s in range(3)
    ]
    return _convexity_evidence("3(e) cost", fns, [True] * 3)


def lagrangian_by_definition(prob: gan_dual.Problem, w: Array, xi: Array, lam: Array) -> float:
    """Objective of program (2) plus Σ λ_i (ξ_i − wᵀp_i) (the sign convention of derivations.gan_dual)."""
    objective = np.logaddexp(0, xi).sum() - (prob.generated @ w).sum() + prob.c / 2 * w @ w
    return float(objective + lam @ (xi - prob.points @ w))


def lagrangian_formula(prob: gan_dual.Problem, w: Array, xi: Array, lam: Array) -> float:
    """The claimed regrouped Lagrangian of program (2) (seed 004, Problem 3): Σ_i (λ_i ξ_i + log(1 + e^{ξ_i}))
    + C/2‖w‖² − wᵀ Σ_i (λ_i + shift_i) p_i."""
    b = prob.points.T @ (lam + prob.shift)
    return float((lam * xi + np.logaddexp(0, xi)).sum() + prob.c / 2 * w @ w - w @ b)


def check_lagrangian(candidate: Callable[..., float] = lagrangian_formula) -> Evidence:
    """The Lagrangian of program (2) from its definition (objective + Σ λ_i (ξ_i − wᵀp_i)) vs
    ``candidate(problem, w, ξ, λ)`` at 4 random points with λ < 0; relative error against ``REL_TOL``."""
    rng = np.random.default_rng(SEED)
    rows = []
    for s in range(4):
        prob = _problem(s)
        w, xi, lam = rng.normal(size=2), rng.normal(size=4), -rng.uniform(0, 1, 4)
        ref, got = lagrangian_by_definition(prob, w, xi, lam), candidate(prob, w, xi, lam)
        rows.append((_rel(ref, got), {"definition": f"{ref!r}", "claimed": f"{got!r}"}))
    err, where = _worst(rows)
    return _result(
        f"Lagrangian of program (2) from its definition vs the regrouped form at 4 random points; "
        f"worst relative error {err:.2e}",
        err,
        REL_TOL,
        where,
    )


def check_quadratic_minimum(
    candidate: Callable[[Array, float], float] = lambda b, c: -float(b @ b) / (2 * c),
) -> Evidence:
    """min_w C/2‖w‖² − wᵀb by BFGS (gradient tolerance 1e-12) vs ``candidate(b, C)`` (default −‖b‖²/(2C)) for
    C = 0.3, 1, 4; relative error against ``REL_TOL``."""
    rng = np.random.default_rng(SEED)
    rows = []
    for c in (0.3, 1.0, 4.0):
        b = rng.normal(size=3)
        res = optimize.minimize(
            lambda w, c=c, b=b: c / 2 * w @ w - w @ b,
            np.zeros(3),
            jac=lambda w, c=c, b=b: c * w - b,
            method="BFGS",
            options={"gtol": 1e-12},
        )
        rows.append(
            (
                _rel(res.fun, candidate(b, c)),
                {"C": str(c), "minimum": f"{res.fun!r}", "claimed": f"{candidate(b, c)!r}"},
            )
        )
    err, where = _worst(rows)
    return _result(
        f"min_w C/2‖w‖² − wᵀb by BFGS (gradient 1e-12) vs the claimed value, C = 0.3, 1, 4; worst "
        f"relative error {err:.2e}",
        err,
        REL_TOL,
        where,
    )


def conjugate_formula(lam: float) -> float:
    """The claimed inf_ξ λξ + log(1 + e^ξ) = −(−λ log(−λ) + (1 + λ) log(1 + λ)) for λ ∈ (−1, 0) (negative
    binary entropy of −λ)."""
    return float(-((-lam) * np.log(-lam) + (1 + lam) * np.log1p(lam)))


def check_conjugate(candidate: Callable[[float], float] = conjugate_formula) -> Evidence:
    """inf_ξ λξ + log(1 + e^ξ): numeric minimum on (−1, 0) vs the claimed value; at λ ∈ {−1, 0} the
    values approach 0 from above along ξ → ∓∞; outside [−1, 0] they decrease without bound."""
    rows = []
    for lam in (-0.9, -0.5, -0.2, -0.01):
        res = optimize.minimize_scalar(
            lambda x, lam=lam: lam * x + np.logaddexp(0, x),
            bounds=(-60, 60),
            method="bounded",
            options={"xatol": 1e-10},
        )
        rows.append(
            (
                _rel(res.fun, candidate(lam)),
                {"lambda": str(lam), "minimum": f"{res.fun!r}", "claimed": f"{candidate(lam)!r}"},
            )
        )
    f = lambda lam, x: lam * x + np.logaddexp(0, x)
    outside = max(f(0.2, -1e4), f(-1.2, 1e4))  # λ > 0 along ξ → −∞, λ < −1 along ξ → +∞
    boundary = (f(0.0, -30.0), f(-1.0, 30.0))  # ≈ e^{−30} ≈ 9e−14 > 0, tending to 0
    unbounded_ok = outside < -1e3
    boundary_ok = all(0 < v < 1e-12 for v in boundary)
    err, where = _worst(rows)
    if not (unbounded_ok and boundary_ok):
        err, where = np.inf, {"outside": str(outside), "boundary": str(boundary)}
    return _result(
        f"min_ξ λξ + log(1+e^ξ) by bounded Brent search (xatol 1e-10) at λ = −0.9, −0.5, −0.2, −0.01 "
        f"vs the claimed value: worst relative error {err:.2e}; λ = 0.2, −1.2 give {outside:.3g} at "
        f"|ξ| = 1e4 (unbounded below); "
        f"λ = 0, −1 give {boundary[0]:.2e}, {boundary[1]:.2e} at |ξ| = 30 (infimum 0, not attained)",
        err,
        REL_TOL,
        where,
    )


def _min_lagrangian(prob: gan_dual.Problem, lam: Array) -> float:
    n = len(prob.points)

    def f(v: Array) -> float:
        return lagrangian_by_definition(prob, v[:2], v[2:], lam)

    res = optimize.minimize(f, np.zeros(2 + n), method="BFGS", options={"gtol": 1e-11})
    return float(res.fun)


def check_dual_function(candidate: Callable[[gan_dual.Problem, Array], float] | None = None) -> Evidence:
    """Seed 004, Problem 3: the dual function g(λ) = min_(w,ξ) L(w, ξ, λ) by BFGS at 3 random λ ∈ (−1, 0)⁴ vs
    ``candidate(problem, λ)`` (default: −‖b‖²/(2C) + Σ conjugate(λ_i) with b = Σ (λ_i + shift_i) p_i);
    relative error against ``REL_TOL``."""
    def claimed(prob: gan_dual.Problem, lam: Array) -> float:
        b = prob.points.T @ (lam + prob.shift)
        return float(-b @ b / (2 * prob.c) + sum(conjugate_formula(v) for v in lam))

    candidate = candidate or claimed
    rng = np.random.default_rng(SEED)
    rows = []
    for s in range(3):
        prob, lam = _problem(s), -rng.uniform(0.1, 0.9, 4)
        ref, got = _min_lagrangian(prob, lam), candidate(prob, lam)
        rows.append(
            (_rel(ref, got), {"lambda": str(lam.tolist()), "min_(w,ξ) L": f"{ref!r}", "claimed": f"{got!r}"})
        )
    err, where = _worst(rows)
    # Tolerance: BFGS to gradient 1e-11 on a strongly convex problem: value error ~1e-20.
    return _result(
        f"g(λ) = min_(w,ξ) L(w, ξ, λ) by BFGS at 3 random λ ∈ (−1, 0)⁴ (2 + 2 points in ℝ²) vs the "
        f"claimed dual function; worst relative error {err:.2e}",
        err,
        REL_TOL,
        where,
    )


@np.errstate(all="ignore")  # a λ outside the box makes the inner minimisation diverge (±inf)
def check_dual_program(box: tuple[float, float] = (-1.0, 0.0)) -> Evidence:
    """λ inside the claimed box gives a finite inner minimum; a λ with one coordinate outside gives
    an unbounded one (the Lagrangian along ξ_i → ±∞ decreases without bound); and max over the box
    of g equals the primal optimum of 3(e)."""
    prob = _problem(0)
    lo, hi = box
    probes = {"inside": np.full(4, (lo + hi) / 2)}
    bad = []
    for label, value in (("below −1", -1.3), ("above 0", 0.3)):
        lam = np.full(4, -0.5)
        lam[0] = value
        xi = np.zeros(4)
        xi[0] = -1e4 if value > 0 else 1e4  # the direction in which λξ + log(1+e^ξ) → −∞
        if lagrangian_by_definition(prob, np.zeros(2), xi, lam) > -1e3:
            bad.append(label)
        if lo <= value <= hi:
            bad.append(f"claimed box contains λ = {value} where g = −∞")
    if not (lo <= probes["inside"][0] <= hi) or not np.isfinite(_min_lagrangian(prob, probes["inside"])):
        bad.append("inside")
    if (lo, hi) != (-1.0, 0.0) and not bad:
        # a box missing part of [−1, 0] drops λ where g is finite
        if lo > -1.0 or hi < 0.0:
            bad.append(f"g is finite at λ = {-1.0 if lo > -1.0 else 0.0} − 1e−3, outside the claimed box")
    res = optimize.minimize(
        lambda lam: -gan_dual.dual_objective(prob, lam),
        np.full(4, -0.5),
        method="L-BFGS-B",
        bounds=[(-1 + 1e-12, -1e-12)] * 4,
        options={"ftol": 1e-15, "gtol": 1e-12},
    )
    primal = gan_dual.primal_objective(prob, gan_dual.solve_primal(prob))
    gap = _rel(-res.fun, primal)
    err = gap if not bad else np.inf
    return _result(
        f"dual program over the box {box}: inner minimum finite inside, unbounded below for a coordinate "
        f"at −1.3 or 0.3; max_box g by L-BFGS-B = {-res.fun:.10f} vs primal optimum {primal:.10f} "
        f"(relative gap {gap:.1e})",
        err,
        1e-7,
        {"problems": "; ".join(bad) or "duality gap"},
    )



evidence("gan_dual.cost", "numeric")(check_cost)
evidence("gan_dual.quadratic_convex_iff", "numeric")(check_quadratic_convex_iff)
evidence("gan_dual.softplus_convex", "numeric")(check_softplus_convex)
evidence("gan_dual.cost_convex", "numeric")(check_cost_convex)
evidence("gan_dual.lagrangian", "numeric")(check_lagrangian)
evidence("gan_dual.quadratic_minimum", "numeric")(check_quadratic_minimum)
evidence("gan_dual.conjugate", "numeric")(check_conjugate)
evidence("gan_dual.dual_function", "numeric")(check_dual_function)
evidence("gan_dual.dual_program", "numeric")(check_dual_program)
