"""The dual of the regularised logistic discriminator program (ECE 544 PS5, Problem 3, seed 004).

Everything is derived from the program's definitions:

* 3(b)/(e): the cost of program (1) with p_w(y=1|x) = 1/(1 + exp(wᵀx)) is computed from the
  definition of the discriminator and compared with the function written in 3(e).
* 3(c)/(d)/(e): convexity from the Hessian. For C/2‖a‖² − aᵀb the Hessian's eigenvalues give the
  exact set of C for which it is positive semi-definite; for log(1 + exp(aᵀb)) and the 3(e)
  cost the Hessian quadratic form vᵀHv is certified non-negative (a sum of weighted squares).
* 3(f): the Lagrangian L = objective + Σ λ (ξ − wᵀ·) from the constraint residuals, regrouped.
* 3(g): min_w C/2‖w‖² − wᵀb from stationarity and a positive-definite Hessian.
* 3(h): h(λ) = inf_ξ λξ + log(1 + e^ξ), region by region: the stationary point (strict convexity
  makes it the global minimum) inside (−1, 0), limits at ξ → ±∞ on the boundary and outside. The
  valid domain is the set of λ where the infimum is finite; it is derived, then compared.
* 3(i): the dual function for two data points and two generated points in ℝ² with symbolic
  coordinates: the Lagrangian is minimised over w and each ξ by solving the stationarity
  equations, and the result is compared with the assembled −‖b(λ)‖²/(2C) + Σ h(λ).

Sign convention for the multipliers: L = f + Σ_x λ_x (ξ_x − wᵀx) + Σ_z λ_z (ξ_z − wᵀG(z)), which
makes the ξ-subproblem exactly 3(h)'s λξ + log(1 + e^ξ).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from derivations.checker.identities import Decision, Domain, decide_equal, decide_nonnegative
from derivations.checker.lemmas import SQUARE, NonNegativeSum, Term
from derivations.checker.verdicts import Verdict
from derivations.elbo import combine

#: The regularisation weight: C ≥ 0 in the seed; C > 0 wherever 1/C appears.
C = sp.Symbol("C", positive=True)
C_REAL = sp.Symbol("C", real=True)
LAM = sp.Symbol("lambda", real=True)
XI = sp.Symbol("xi", real=True)
DIM = 2


def vector(name: str, d: int = DIM) -> sp.Matrix:
    """A column vector (``name``_1, …, ``name``_d) of real symbols."""
    return sp.Matrix([sp.Symbol(f"{name}_{i}", real=True) for i in range(1, d + 1)])


@dataclass(frozen=True)
class DataSet:
    """Data points x ∈ 𝒟 and generated points G_θ(z), z ∈ 𝒵, with symbolic real coordinates."""

    data: tuple[sp.Matrix, ...]
    generated: tuple[sp.Matrix, ...]

    @classmethod
    def symbolic(cls, n_data: int = 2, n_generated: int = 2, d: int = DIM) -> DataSet:
        """``n_data`` data points and ``n_generated`` generated points in ℝ^``d`` with symbolic real
        coordinates."""
        return cls(
            tuple(vector(f"x{j}", d) for j in range(1, n_data + 1)),
            tuple(vector(f"g{j}", d) for j in range(1, n_generated + 1)),
        )

    @property
    def dim(self) -> int:
        """Dimension d of the points."""
        return self.data[0].shape[0]


def dot(a: sp.Matrix, b: sp.Matrix) -> sp.Expr:
    """aᵀb for column vectors, as a scalar expression."""
    return (a.T * b)[0, 0]


def discriminator(w: sp.Matrix, x: sp.Matrix) -> sp.Expr:
    """p_w(y = 1 | x) = 1 / (1 + exp(wᵀx)) (PS5 3(b))."""
    return 1 / (1 + sp.exp(dot(w, x)))


def program_cost(w: sp.Matrix, ds: DataSet, c: sp.Expr = C) -> sp.Expr:
    """The cost of program (1) for fixed θ: −Σ_x log p_w(1|x) − Σ_z log(1 − p_w(1|G(z))) + C/2‖w‖²."""
    return (
        -sp.Add(*(sp.log(discriminator(w, x)) for x in ds.data))
        - sp.Add(*(sp.log(1 - discriminator(w, g)) for g in ds.generated))
        + c / 2 * dot(w, w)
    )


def seed_cost_3e(w: sp.Matrix, ds: DataSet, c: sp.Expr = C) -> sp.Expr:
    """The function written in PS5 3(e)."""
    return (
        sp.Add(*(sp.log(1 + sp.exp(dot(w, x))) for x in ds.data))
        + sp.Add(*(sp.log(1 + sp.exp(dot(w, g))) for g in ds.generated))
        - sp.Add(*(dot(w, g) for g in ds.generated))
        + c / 2 * dot(w, w)
    )


def verify_cost(claimed: Callable[[sp.Matrix, DataSet], sp.Expr]) -> Decision:
    """The cost of program (1) under the logistic discriminator equals ``claimed`` (PS5 3(b), 3(e))."""
    ds, w = DataSet.symbolic(), vector("w")
    return decide_equal(program_cost(w, ds), claimed(w, ds), time_limit=30)


# --------------------------------------------------------------------------- convexity


def hessian_form(f: sp.Expr, a: sp.Matrix, v: sp.Matrix) -> sp.Expr:
    """vᵀ ∇²_a f v, from the Hessian computed by differentiation."""
    h = sp.hessian(f, list(a))
    return sp.expand((v.T * h * v)[0, 0])


def quadratic(a: sp.Matrix, b: sp.Matrix, c: sp.Expr) -> sp.Expr:
    """C/2‖a‖² − aᵀb (PS5 3(c))."""
    return c / 2 * dot(a, a) - dot(a, b)


def verify_quadratic_convex_iff(claimed: sp.Set, d: int = 3) -> Decision:
    """The set of C for which C/2‖a‖² − aᵀb is convex in a ∈ ℝᵈ equals ``claimed`` (PS5 3(c);
    the seed's answer: C ≥ 0). Convex ⟺ Hessian PSD ⟺ every eigenvalue ≥ 0; the eigenvalues are
    computed from the Hessian and the set of admissible C solved from them."""
    a, b = vector("a", d), vector("b", d)
    h = sp.hessian(quadratic(a, b, C_REAL), list(a))
    eigen = list(h.eigenvals())
    derived = sp.Intersection(
        *(sp.solveset(sp.Ge(e, 0), C_REAL, sp.S.Reals) for e in eigen)
    )
    diff = sp.Union(sp.Complement(derived, claimed), sp.Complement(claimed, derived))
    if diff is sp.S.EmptySet:
        return Decision(
            Verdict.PROVED,
            f"Hessian eigenvalues {eigen} (d = {d}): PSD exactly for C in {derived}, which is the claim",
        )
    witness = _point_in(diff)
    return Decision(
        Verdict.REFUTED,
        f"Hessian PSD exactly for C in {derived}; the claim {claimed} differs",
        counterexample={"C": sp.sstr(witness), "derived set": sp.sstr(derived), "claimed": sp.sstr(claimed)},
    )


def _point_in(s: sp.Set) -> sp.Expr:
    """A point of a non-empty union of intervals and finite sets (for counterexamples)."""
    parts = s.args if isinstance(s, sp.Union) else (s,)
    for p in parts:
        if isinstance(p, sp.FiniteSet):
            return next(iter(p))
        if isinstance(p, sp.Interval):
            lo, hi = p.start, p.end
            if lo.is_finite and hi.is_finite:
                return (lo + hi) / 2
            if lo.is_finite:
                return lo if not p.left_open else lo + 1
            if hi.is_finite:
                return hi if not p.right_open else hi - 1
            return sp.Integer(0)
    raise ValueError(f"s: cannot pick a point of {s}")


def softplus_of_dot(a: sp.Matrix, b: sp.Matrix) -> sp.Expr:
    """log(1 + exp(aᵀb)) (PS5 3(d))."""
    return sp.log(1 + sp.exp(dot(a, b)))


def _sigmoid_weight(t: sp.Expr) -> sp.Expr:
    """σ(t)(1 − σ(t)) = eᵗ/(1 + eᵗ)², positive for real t."""
    return sp.exp(t) / (1 + sp.exp(t)) ** 2


def verify_convex(f: sp.Expr, a: sp.Matrix, certificate: Callable[[sp.Matrix], NonNegativeSum],
                  domain: Domain | None = None, time_limit: float = 30.0) -> Decision:
    """f is convex in a: vᵀ∇²f v ≥ 0 for all v, shown by a certificate Σ w·u² checked against the
    Hessian computed by differentiation; a non-convex f is refuted at a random point."""
    v = vector("v", a.shape[0])
    return decide_nonnegative(_over_common_denominators(hessian_form(f, a, v)), domain,
                              certificate=certificate(v), time_limit=time_limit)


def _over_common_denominators(expr: sp.Expr) -> sp.Expr:
    """Put the terms of a sum that share the same exponentials over a common denominator (exact):
    the exponentials are treated as atoms for ``cancel`` and put back. This turns the Hessian's
    eᵗ/(1 + eᵗ) − e²ᵗ/(1 + eᵗ)² into eᵗ/(1 + eᵗ)²; grouping keeps denominators small."""
    groups: dict[frozenset[sp.Basic], list[sp.Expr]] = {}
    for term in sp.Add.make_args(sp.expand(expr, power_exp=False)):
        term = sp.powsimp(term, deep=True, combine="exp")  # eᵃeᵇ ↦ eᵃ⁺ᵇ (exact)
        key = frozenset().union(*(e.args[0].free_symbols for e in term.atoms(sp.exp)))
        groups.setdefault(key, []).append(term)
    out = sp.Integer(0)
    for terms in groups.values():
        group = sp.Add(*terms)
        stand_in, back = _exponential_stand_ins(group.atoms(sp.exp))
        out += sp.factor(sp.cancel(group.xreplace(stand_in))).xreplace(back)
    return out


def _exponential_stand_ins(atoms: set[sp.Basic]) -> tuple[dict[sp.Basic, sp.Expr], dict[sp.Basic, sp.Expr]]:
    """Positive stand-ins for exponentials: when every exponent is a positive integer multiple
    k·t of one of them, eᵏᵗ ↦ yᵏ with one y = eᵗ (so eᵗ and e²ᵗ cancel against each other);
    otherwise one stand-in per exponential."""
    args = [e.args[0] for e in atoms]
    for base in args:
        ratios = [sp.cancel(a / base) for a in args]
        if all(k.is_Integer and k > 0 for k in ratios):
            y = sp.Dummy(positive=True)
            return {e: y ** int(k) for e, k in zip(atoms, ratios, strict=True)}, {y: sp.exp(base)}
    stand_in: dict[sp.Basic, sp.Expr] = {e: sp.Dummy(positive=True) for e in atoms}
    return stand_in, {d: e for e, d in stand_in.items()}


def softplus_certificate(a: sp.Matrix, b: sp.Matrix) -> Callable[[sp.Matrix], NonNegativeSum]:
    """vᵀHv = σ(1 − σ)(bᵀv)² for log(1 + exp(aᵀb))."""
    return lambda v: NonNegativeSum((Term(_sigmoid_weight(dot(a, b)), SQUARE, dot(b, v)),))


def verify_softplus_convex(d: int = 3) -> Decision:
    """log(1 + exp(aᵀb)) is convex in a for every b ∈ ℝᵈ (PS5 3(d)): Hessian σ(1−σ) b bᵀ ⪰ 0."""
    a, b = vector("a", d), vector("b", d)
    return verify_convex(softplus_of_dot(a, b), a, softplus_certificate(a, b))


def cost_certificate(w: sp.Matrix, ds: DataSet, c: sp.Expr) -> Callable[[sp.Matrix], NonNegativeSum]:
    """vᵀHv = C‖v‖² + Σ_{points} σ(1 − σ)(pointᵀv)² for the 3(e) cost."""

    def build(v: sp.Matrix) -> NonNegativeSum:
        terms = [Term(c, SQUARE, v[i]) for i in range(v.shape[0])]
        terms += [Term(_sigmoid_weight(dot(w, p)), SQUARE, dot(p, v)) for p in ds.data + ds.generated]
        return NonNegativeSum(tuple(terms))

    return build


def verify_cost_convex(cost: Callable[[sp.Matrix, DataSet, sp.Expr], sp.Expr] = seed_cost_3e) -> Decision:
    """The 3(e) cost is convex in w when C ≥ 0 (PS5 3(e)): a sum of convex functions (the linear
    term −Σ wᵀG(z) has zero Hessian)."""
    ds, w = DataSet.symbolic(), vector("w")
    c = sp.Symbol("C", nonnegative=True)
    return verify_convex(cost(w, ds, c), w, cost_certificate(w, ds, c))


# --------------------------------------------------------------------------- Lagrangian and dual


def multipliers(ds: DataSet) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    """Real Lagrange multipliers (λ_x for each data point, λ_z for each generated point) of program (2)'s
    equality constraints ξ = wᵀ·."""
    lx = tuple(sp.Symbol(f"lambda_x{j}", real=True) for j in range(1, len(ds.data) + 1))
    lz = tuple(sp.Symbol(f"lambda_z{j}", real=True) for j in range(1, len(ds.generated) + 1))
    return lx, lz


def slack_variables(ds: DataSet) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    """The real variables ξ_x (one per data point) and ξ_z (one per generated point) that program (2) (PS5
    3(f)) introduces for wᵀx and wᵀG(z)."""
    sx = tuple(sp.Symbol(f"xi_x{j}", real=True) for j in range(1, len(ds.data) + 1))
    sz = tuple(sp.Symbol(f"xi_z{j}", real=True) for j in range(1, len(ds.generated) + 1))
    return sx, sz


def lagrangian(w: sp.Matrix, ds: DataSet, c: sp.Expr = C) -> sp.Expr:
    """L(w, ξ, λ) of program (2), from its definition: objective + Σ λ·(ξ − wᵀ·) (PS5 3(f))."""
    (sx, sz), (lx, lz) = slack_variables(ds), multipliers(ds)
    objective = (
        sp.Add(*(sp.log(1 + sp.exp(s)) for s in sx + sz))
        - sp.Add(*(dot(w, g) for g in ds.generated))
        + c / 2 * dot(w, w)
    )
    residuals = [s - dot(w, x) for s, x in zip(sx, ds.data, strict=True)]
    residuals += [s - dot(w, g) for s, g in zip(sz, ds.generated, strict=True)]
    return objective + sp.Add(*(lam * r for lam, r in zip(lx + lz, residuals, strict=True)))


def dual_direction(ds: DataSet) -> sp.Matrix:
    """b(λ) = Σ_x λ_x x + Σ_z (1 + λ_z) G(z): the vector the w-subproblem is linear in."""
    lx, lz = multipliers(ds)
    b = sp.zeros(ds.dim, 1)
    for lam, x in zip(lx, ds.data, strict=True):
        b += lam * x
    for lam, g in zip(lz, ds.generated, strict=True):
        b += (1 + lam) * g
    return b


def separable_lagrangian(w: sp.Matrix, ds: DataSet, c: sp.Expr = C) -> sp.Expr:
    """The regrouped Lagrangian: Σ (λξ + log(1 + e^ξ)) + C/2‖w‖² − wᵀb(λ)."""
    (sx, sz), (lx, lz) = slack_variables(ds), multipliers(ds)
    pieces = sp.Add(*(lam * s + sp.log(1 + sp.exp(s)) for lam, s in zip(lx + lz, sx + sz, strict=True)))
    return pieces + quadratic(w, dual_direction(ds), c)


def verify_lagrangian(claimed: Callable[[sp.Matrix, DataSet], sp.Expr]) -> Decision:
    """L(w, ξ, λ) from the definition equals ``claimed`` (PS5 3(f))."""
    ds, w = DataSet.symbolic(), vector("w")
    return decide_equal(lagrangian(w, ds), claimed(w, ds))


def verify_quadratic_minimum(claimed: Callable[[sp.Matrix], sp.Expr], d: int = 3) -> Decision:
    """min_w C/2‖w‖² − wᵀb = claimed(b) for C > 0 (PS5 3(g); the answer −‖b‖²/(2C)): the
    stationary point from ∇ = 0, a minimum because the Hessian C·I is positive definite."""
    w, b = vector("w", d), vector("b", d)
    f = quadratic(w, b, C)
    sol = sp.solve(list(sp.Matrix([f]).jacobian(list(w))), list(w), dict=True)
    if len(sol) != 1:
        return Decision(Verdict.UNDECIDED, f"stationarity gave {sol}")
    pd = all(e.is_positive for e in sp.hessian(f, list(w)).eigenvals())
    value = f.xreplace(sol[0])
    match = decide_equal(value, claimed(b))
    if match.verdict is not Verdict.PROVED or not pd:
        return match if match.verdict is not Verdict.PROVED else Decision(
            Verdict.UNDECIDED, "could not show the Hessian positive definite")
    return Decision(Verdict.PROVED,
                    f"w* = b/C from ∇f = 0, Hessian C·I ≻ 0; f(w*) equals the claim (d = {d})")


# --------------------------------------------------------------------------- the conjugate h(λ)


def xi_objective(lam: sp.Expr, xi: sp.Expr = XI) -> sp.Expr:
    """λξ + log(1 + e^ξ) (PS5 3(h))."""
    return lam * xi + sp.log(1 + sp.exp(xi))


_S = sp.Symbol("s", positive=True)
_U = sp.Symbol("u", positive=True)

#: The five regions of λ, each with a symbolic parametrisation (s > 0, u > 0).
REGIONS: tuple[tuple[str, sp.Expr, sp.Set], ...] = (
    ("λ < −1", -1 - _S, sp.Interval.open(-sp.oo, -1)),
    ("λ = −1", sp.Integer(-1), sp.FiniteSet(-1)),
    ("−1 < λ < 0", -1 / (1 + _U), sp.Interval.open(-1, 0)),  # u ∈ (0, ∞) ↦ λ ∈ (−1, 0)
    ("λ = 0", sp.Integer(0), sp.FiniteSet(0)),
    ("λ > 0", _S, sp.Interval.open(0, sp.oo)),
)


@dataclass(frozen=True)
class Conjugate:
    """h(λ) = inf_ξ λξ + log(1 + e^ξ) as derived, region by region."""

    domain: sp.Set  # where the infimum is finite
    interior_value: sp.Expr  # as a function of LAM on (−1, 0)
    boundary: dict[int, sp.Expr]  # λ ∈ {−1, 0} → infimum
    notes: tuple[str, ...]


def derive_conjugate() -> Conjugate:
    """Derive h(λ): limits of the objective at ξ → ±∞ in every region; inside (−1, 0) the unique
    stationary point, which is the global minimum since ∂²/∂ξ² = e^ξ/(1 + e^ξ)² > 0."""
    domain: sp.Set = sp.S.EmptySet
    notes: list[str] = []
    boundary: dict[int, sp.Expr] = {}
    interior = sp.nan
    for name, lam, region in REGIONS:
        f = xi_objective(lam)
        lo, hi = sp.limit(f, XI, -sp.oo), sp.limit(f, XI, sp.oo)
        if lo == -sp.oo or hi == -sp.oo:
            notes.append(f"{name}: unbounded below (limits {lo}, {hi} at ξ → ∓∞), h = −∞")
            continue
        domain = sp.Union(domain, region)
        stationary = sp.solve(sp.Eq(sp.diff(f, XI), 0), XI)
        if isinstance(region, sp.FiniteSet):
            if stationary:
                raise AssertionError(f"{name}: unexpected stationary point {stationary}")
            # no stationary point: the infimum is the smaller end limit, approached, not attained
            inf_value = sp.Min(lo, hi)
            boundary[int(lam)] = inf_value
            notes.append(f"{name}: no stationary point, strictly monotone, infimum {inf_value} "
                         f"(limits {lo}, {hi}; not attained)")
            continue
        if len(stationary) != 1:
            raise AssertionError(f"{name}: stationary points {stationary}")
        second = sp.simplify(sp.diff(f, XI, 2))
        if not (second.is_positive or sp.simplify(second.xreplace({XI: stationary[0]})).is_positive):
            raise AssertionError(f"{name}: could not show convexity, f'' = {second}")
        value = sp.simplify(f.xreplace({XI: stationary[0]}))
        # back to λ: u = −(1 + λ)/λ
        interior = sp.simplify(value.xreplace({_U: -(1 + LAM) / LAM}))
        notes.append(f"{name}: ξ* = {sp.sstr(stationary[0])}, f'' = {sp.sstr(second)} > 0, "
                     "global minimum")
    return Conjugate(domain, interior, boundary, tuple(notes))


def seed_conjugate(lam: sp.Expr) -> sp.Expr:
    """The closed form on (−1, 0): −[(−λ) log(−λ) + (1 + λ) log(1 + λ)] (negative binary entropy)."""
    return -((-lam) * sp.log(-lam) + (1 + lam) * sp.log(1 + lam))


def verify_conjugate(value: Callable[[sp.Expr], sp.Expr], domain: sp.Set,
                     boundary: dict[int, sp.Expr] | None = None) -> Decision:
    """h(λ) = value(λ) on the interior of ``domain``, the valid domain is ``domain`` and the
    boundary values are ``boundary`` (PS5 3(h); answer: [−1, 0], value 0 at both ends)."""
    h = derive_conjugate()
    parts: dict[str, Decision] = {}
    diff = sp.Union(sp.Complement(h.domain, domain), sp.Complement(domain, h.domain))
    parts["domain"] = (
        Decision(Verdict.PROVED, f"h(λ) > −∞ exactly on {h.domain}: " + "; ".join(h.notes))
        if diff is sp.S.EmptySet
        else Decision(Verdict.REFUTED, f"h(λ) > −∞ exactly on {h.domain}, not on {domain}",
                      counterexample={"lambda": sp.sstr(_point_in(diff)),
                                      "derived domain": sp.sstr(h.domain)})
    )
    t = sp.Symbol("t", positive=True)  # λ = −t/(1 + t) ∈ (−1, 0)
    lam_t = -t / (1 + t)
    parts["interior value"] = decide_equal(h.interior_value.xreplace({LAM: lam_t}),
                                           sp.sympify(value(lam_t)), time_limit=20)
    for end, inf in sorted((boundary or {}).items()):
        derived = h.boundary.get(end)
        claimed_inf = sp.sympify(inf)
        if derived is None:
            parts[f"h({end})"] = Decision(Verdict.REFUTED, f"λ = {end} is outside the derived domain",
                                          counterexample={"lambda": str(end), "derived": "−∞"})
        elif claimed_inf.is_number and derived.is_number:  # constants, possibly ±∞: compare exactly
            same = (sp.simplify(derived - claimed_inf) == 0 if claimed_inf.is_finite
                    else derived == claimed_inf)
            parts[f"h({end})"] = (
                Decision(Verdict.PROVED, f"h({end}) = {derived}") if same
                else Decision(Verdict.REFUTED, f"h({end}) = {derived}, claimed {claimed_inf}",
                              counterexample={"lambda": str(end), "derived": sp.sstr(derived),
                                              "claimed": sp.sstr(claimed_inf)})
            )
        else:
            parts[f"h({end})"] = decide_equal(derived, claimed_inf)
    return combine(parts)


# --------------------------------------------------------------------------- the dual function


def derived_dual_function(ds: DataSet, c: sp.Expr = C) -> tuple[sp.Expr, dict[str, str]]:
    """g(λ) = min_{w, ξ} L(w, ξ, λ) for λ in the open box, by solving ∇_w L = 0 and ∂L/∂ξ = 0.

    L is convex in (w, ξ) (C > 0, log(1 + e^ξ) convex), so the stationary point is the minimum."""
    w = vector("w", ds.dim)
    sx, sz = slack_variables(ds)
    L = lagrangian(w, ds, c)
    sol_w = sp.solve(list(sp.Matrix([L]).jacobian(list(w))), list(w), dict=True)
    if len(sol_w) != 1:
        raise AssertionError(f"∇_w L = 0 gave {sol_w}")
    values: dict[sp.Symbol, sp.Expr] = dict(sol_w[0])
    for s in sx + sz:
        roots = sp.solve(sp.diff(L, s), s)
        if len(roots) != 1:
            raise AssertionError(f"∂L/∂{s} = 0 gave {roots}")
        values[s] = roots[0]
    g = L.xreplace(values)
    return g, {str(k): sp.sstr(v) for k, v in values.items()}


def assembled_dual_function(ds: DataSet, h: Callable[[sp.Expr], sp.Expr] = seed_conjugate,
                            c: sp.Expr = C) -> sp.Expr:
    """−‖b(λ)‖²/(2C) + Σ_x h(λ_x) + Σ_z h(λ_z): 3(g) and 3(h) combined (PS5 3(i))."""
    lx, lz = multipliers(ds)
    b = dual_direction(ds)
    return -dot(b, b) / (2 * c) + sp.Add(*(h(lam) for lam in lx + lz))


def verify_dual_function(claimed: Callable[[DataSet], sp.Expr]) -> Decision:
    """min_{w,ξ} L(w, ξ, λ) = claimed for λ ∈ (−1, 0)⁴, two data and two generated points in ℝ²
    with symbolic coordinates (PS5 3(i))."""
    ds = DataSet.symbolic()
    g, _ = derived_dual_function(ds)
    lx, lz = multipliers(ds)
    # λ = −t/(1 + t), t > 0, sweeps (−1, 0) and makes −λ and 1 + λ manifestly positive
    ts = {lam: sp.Symbol(f"t_{lam.name}", positive=True) for lam in lx + lz}
    into_box = {lam: -t / (1 + t) for lam, t in ts.items()}
    return decide_equal(g.xreplace(into_box), claimed(ds).xreplace(into_box), time_limit=30)


def dual_program_box(ds: DataSet) -> sp.Set:
    """The dual program's feasible set: the product of the conjugate's domain over the multipliers."""
    lx, lz = multipliers(ds)
    return sp.ProductSet(*([derive_conjugate().domain] * len(lx + lz)))


def verify_dual_program(claimed_box: Sequence[sp.Set]) -> Decision:
    """The dual program is max_λ g(λ) subject to λ ∈ dom h for every multiplier, i.e. the box
    [−1, 0]^{|𝒟|+|𝒵|}; ``claimed_box`` lists the claimed interval per multiplier (PS5 3(i))."""
    ds = DataSet.symbolic()
    derived = dual_program_box(ds)
    claimed = sp.ProductSet(*claimed_box)
    if derived == claimed:
        return Decision(Verdict.PROVED, f"feasible set {derived}: g(λ) = −∞ outside it (3(h))")
    return Decision(Verdict.REFUTED, f"derived feasible set {derived}, claimed {claimed}",
                    counterexample={"derived": sp.sstr(derived), "claimed": sp.sstr(claimed)})
