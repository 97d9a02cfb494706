"""Deciding symbolic identities and inequalities, with a counterexample search.

:func:`decide_equal` and :func:`decide_nonnegative` are the decision procedures behind every
symbolic verifier and the step checker (DESIGN.md, "The step checker"):

1. symbolic: the difference is normalised (sums over a latent index linearised, probability
   vectors' normalisation Σ q_i = 1 applied, logarithms of positive quantities expanded,
   then ``simplify``) under a time bound; an exact 0 (or a manifestly non-negative form,
   or a verified :class:`~derivations.checker.lemmas.NonNegativeSum` certificate) is *proved*;
2. numeric: otherwise admissible random points are searched, evaluated with 40 significant
   digits; a point where the identity fails by more than the evaluation's own error is a
   counterexample (*refuted*); if none is found the verdict is *numerically consistent*,
   with the largest discrepancy seen and the tolerance used.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sympy as sp

from derivations.checker.lemmas import NonNegativeSum
from derivations.checker.positivity import positive_sums
from derivations.checker.timebound import TimeBoundExceeded, time_bound
from derivations.checker.verdicts import Evidence, Verdict

#: Significant digits used when evaluating at random points.
EVAL_DIGITS = 40
#: Relative discrepancy above which a point is a counterexample. With 40-digit evaluation a
#: true identity shows discrepancies near 1e-38; 1e-20 leaves 18 orders of margin for
#: cancellation inside the expression while any genuine failure (≥ 1e-15 relative in
#: double-precision terms) is far above it.
COUNTEREXAMPLE_REL_TOL = 1e-20


@dataclass
class Domain:
    """Where the free symbols of a claim live.

    * Symbols are sampled from their SymPy assumptions: ``positive`` → log-normal,
      ``real`` → normal, a positive ``integer`` (a size such as K) → one of ``sizes``.
    * ``simplex``: probability vectors. An ``IndexedBase`` is indexed 1..``size`` (``size``
      a symbol or an int); a tuple of symbols is a vector of that length. Entries are
      positive and sum to one; symbolically, Σ q_i is replaced by 1.
    * ``bounds``: an open interval (lo, hi) for a symbol, sampled uniformly.
    * ``definitions``: symbols that stand for expressions (substituted before evaluation).
    """

    simplex: Sequence[sp.IndexedBase | tuple[sp.Symbol, ...]] = ()
    size: sp.Symbol | int | None = None
    bounds: dict[sp.Symbol, tuple[float, float]] = field(default_factory=dict)
    definitions: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    sizes: tuple[int, ...] = (2, 3, 5)
    points: int = 24
    seed: int = 20261121

    def __post_init__(self) -> None:
        for s in self.simplex:
            if not isinstance(s, (sp.IndexedBase, tuple)):
                raise ValueError(f"simplex: expected IndexedBase or tuple of symbols, got {s!r}")
            if isinstance(s, sp.IndexedBase) and self.size is None:
                raise ValueError("size: an IndexedBase simplex needs the vector size")
        for sym, (lo, hi) in self.bounds.items():
            if not lo < hi:
                raise ValueError(f"bounds: empty interval ({lo}, {hi}) for {sym}")
        if self.points < 1:
            raise ValueError(f"points: need at least one point, got {self.points}")


# --------------------------------------------------------------------------- normalisation


def _split_dependent(term: sp.Expr, index: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    indep, dep = [], []
    for f in sp.Mul.make_args(term):
        (dep if f.has(index) else indep).append(f)
    return sp.Mul(*indep), sp.Mul(*dep)


def linearize_sums(expr: sp.Expr) -> sp.Expr:
    """Distribute every ``Sum`` over the additive terms of its (log-expanded) summand and pull
    out the factors free of the summation index: Σ (a·f_i + g_i) → a·Σ f_i + Σ g_i."""
    if not isinstance(expr, sp.Basic) or expr.is_Atom:
        return expr
    args = [linearize_sums(a) for a in expr.args]
    if isinstance(expr, sp.Sum) and len(expr.limits) == 1:
        body = args[0]
        (index, lo, hi) = expr.limits[0]
        if lo.is_Integer and hi.is_Integer:  # an explicit small sum: write it out
            return linearize_sums(sp.Add(*(body.xreplace({index: k}) for k in range(lo, hi + 1))))
        body = sp.expand(_expand_log_positive(body))
        out = []
        for term in sp.Add.make_args(body):
            indep, dep = _split_dependent(term, index)
            out.append(indep * (_canonical_sum(dep, index, lo, hi) if dep != 1 else hi - lo + 1))
        return sp.Add(*out)
    return expr.func(*args) if args else expr


def _canonical_sum(body: sp.Expr, index: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> sp.Sum:
    """Σ_{index=lo}^{hi} body with the bound index renamed by nesting level, so that sums that
    differ only in the name of their bound variable compare equal."""
    level = 1 + max((_sum_level(s) for s in body.atoms(sp.Sum)), default=0)
    canon = sp.Symbol(f"_k{level}", integer=True, positive=True)
    return sp.Sum(body.xreplace({index: canon}), (canon, lo, hi))


def _sum_level(s: sp.Sum) -> int:
    return 1 + max((_sum_level(t) for t in s.function.atoms(sp.Sum)), default=0)


def _expand_log_positive(expr: sp.Expr) -> sp.Expr:
    """``expand_log`` that also knows that a sum of positive terms is positive."""
    reps = positive_sums(expr)
    combined = expr.xreplace(reps).replace(
        lambda e: isinstance(e, sp.log) and e.args[0].is_Add,
        lambda e: sp.log(sp.factor_terms(sp.together(e.args[0]))),
    )
    expanded = sp.expand_log(combined, force=False)
    expanded = expanded.replace(
        lambda e: isinstance(e, sp.log) and e.args[0].is_Rational and e.args[0].is_positive,
        _log_of_rational,
    )
    return expanded.xreplace({v: k for k, v in reps.items()})


def _log_of_rational(e: sp.log) -> sp.Expr:
    """log(p/q) as Σ k·log(prime) (log 4 → 2 log 2), so that equal constants compare equal."""
    r = sp.Rational(e.args[0])
    out = sp.Integer(0)
    for n, sign in ((r.p, 1), (r.q, -1)):
        for prime, k in sp.factorint(n).items():
            out += sign * k * sp.log(prime)
    return out


def apply_simplex(expr: sp.Expr, domain: Domain) -> sp.Expr:
    """Replace Σ_{i=1}^{K} q_i by 1 for each probability vector q of ``domain``."""
    reps: dict[sp.Expr, sp.Expr] = {}
    for base in domain.simplex:
        if isinstance(base, tuple):
            *head, last = base
            reps[last] = 1 - sp.Add(*head)
    if reps:
        expr = expr.xreplace(reps)

    def is_normalisation(e: sp.Basic) -> bool:
        if not isinstance(e, sp.Sum) or len(e.limits) != 1:
            return False
        index, lo, hi = e.limits[0]
        f = e.function
        return (
            isinstance(f, sp.Indexed)
            and f.indices == (index,)
            and f.base in domain.simplex
            and lo == 1
            and hi == domain.size
        )

    return expr.replace(is_normalisation, lambda e: sp.Integer(1))


def normalize(expr: sp.Expr, domain: Domain, *, full: bool = True) -> sp.Expr:
    """The canonical form used for symbolic decisions (see module docstring). ``full=False``
    stops before ``simplify`` (cheap: sums linearised, simplex applied, logs expanded)."""
    e = sp.sympify(expr)
    for name, value in domain.definitions.items():
        e = e.xreplace({name: value})
    e = _expand_log_positive(e)
    e = linearize_sums(e)
    e = apply_simplex(e, domain)
    e = sp.expand(_expand_log_positive(e))
    e = linearize_sums(e)
    e = apply_simplex(e, domain)
    if e == 0 or not full:
        return sp.Integer(0) if e == 0 else e
    reps = positive_sums(e)
    simplified = sp.simplify(e.xreplace(reps))
    if simplified != 0:
        simplified = sp.simplify(sp.expand(sp.expand_log(simplified)))
    return simplified.xreplace({v: k for k, v in reps.items()})


# --------------------------------------------------------------------------- random points


def _sample_symbol(sym: sp.Symbol, rng: random.Random, domain: Domain) -> sp.Expr:
    if sym in domain.bounds:
        lo, hi = domain.bounds[sym]
        return sp.Float(rng.uniform(lo, hi), EVAL_DIGITS)
    if sym.is_positive or sym.is_nonnegative:
        return sp.Float(math.exp(rng.gauss(0.0, 0.8)), EVAL_DIGITS)
    if sym.is_real is False:
        raise ValueError(f"domain: symbol {sym} is not real; cannot sample it")
    return sp.Float(rng.gauss(0.0, 1.5), EVAL_DIGITS)


def _dirichlet(n: int, rng: random.Random) -> list[sp.Float]:
    draws = [rng.expovariate(1.0) + 1e-3 for _ in range(n)]
    total = sum(draws)
    vals = [sp.Rational(d / total) for d in draws[:-1]]
    vals.append(1 - sp.Add(*vals))  # exactly normalised
    return vals


def expand_finite_sums(expr: sp.Expr) -> sp.Expr:
    """Write out every ``Sum`` whose limits are integers (inner sums first), without SymPy's
    symbolic summation algorithms (``doit`` can take tens of seconds on nested sums)."""
    if not isinstance(expr, sp.Basic) or expr.is_Atom:
        return expr
    args = [expand_finite_sums(a) for a in expr.args]
    if isinstance(expr, sp.Sum) and len(expr.limits) == 1:
        index, lo, hi = expr.limits[0]
        if lo.is_Integer and hi.is_Integer:
            return sp.Add(*(args[0].xreplace({index: k}) for k in range(int(lo), int(hi) + 1)))
    return expr.func(*args) if args else expr


def sample_points(expr: sp.Expr, domain: Domain) -> Iterable[tuple[sp.Expr, dict[str, str]]]:
    """Yield (instantiated expression, description of the point) for admissible points."""
    rng = random.Random(domain.seed)
    base_expr = sp.sympify(expr)
    for name, value in domain.definitions.items():
        base_expr = base_expr.xreplace({name: value})
    size = domain.size
    size_values: Sequence[int | None] = (
        domain.sizes if isinstance(size, sp.Symbol) and base_expr.has(size) else (None,)
    )
    for n in range(domain.points):
        k = size_values[n % len(size_values)]
        e = expand_finite_sums(base_expr.xreplace({size: k}) if k is not None else base_expr)
        k_eff = k if k is not None else (size if isinstance(size, int) else None)
        values: dict[sp.Basic, sp.Expr] = {}
        for s in domain.simplex:
            if isinstance(s, tuple):
                values.update(zip(s, _dirichlet(len(s), rng), strict=True))
            elif k_eff is not None:
                values.update({s[j]: v for j, v in enumerate(_dirichlet(k_eff, rng), start=1)})
        for atom in sorted(e.atoms(sp.Indexed), key=sp.default_sort_key):
            if atom not in values:
                pos = atom.base.label.is_positive or atom.is_positive
                values[atom] = (
                    sp.Float(math.exp(rng.gauss(0.0, 0.8)), EVAL_DIGITS)
                    if pos
                    else sp.Float(rng.gauss(0.0, 1.5), EVAL_DIGITS)
                )
        for sym in sorted(e.free_symbols - set(values), key=sp.default_sort_key):
            if isinstance(sym, sp.Symbol):
                values[sym] = _sample_symbol(sym, rng, domain)
        point = {str(a): sp.sstr(sp.N(v, 12)) for a, v in values.items() if e.has(a)}
        if k is not None:
            point[str(size)] = str(k)
        yield e.xreplace(values), point


def _num(e: sp.Expr) -> sp.Expr:
    return sp.N(e, EVAL_DIGITS)


# --------------------------------------------------------------------------- decisions


@dataclass
class Decision:
    """Outcome of a decision procedure, convertible to :class:`Evidence`."""

    verdict: Verdict
    detail: str
    error: float | None = None
    tolerance: float | None = None
    counterexample: dict[str, str] | None = None

    def evidence(self, method: str = "symbolic", seconds: float = 0.0) -> Evidence:
        return Evidence(
            method,
            self.verdict,
            self.detail,
            seconds=seconds,
            error=self.error,
            tolerance=self.tolerance,
            counterexample=self.counterexample,
        )


def _symbolic(fn, time_limit: float) -> tuple[sp.Expr | None, bool]:  # type: ignore[no-untyped-def]
    try:
        return time_bound(fn, time_limit), False
    except TimeBoundExceeded:
        return None, True


def _numeric_equal(lhs: sp.Expr, rhs: sp.Expr, domain: Domain, why: str) -> Decision:
    worst = 0.0
    n = 0
    pair = sp.Tuple(lhs, rhs)
    for inst, point in sample_points(pair, domain):
        a, b = (_num(x) for x in inst.args)
        if not (a.is_number and b.is_number):
            raise ValueError(f"domain: could not evaluate at {point}: {a}, {b}")
        if a.has(sp.zoo, sp.nan, sp.I) or b.has(sp.zoo, sp.nan, sp.I):
            continue
        diff = abs(a - b)
        scale = max(1.0, float(abs(a)), float(abs(b)))
        rel = float(diff) / scale
        n += 1
        if rel > COUNTEREXAMPLE_REL_TOL:
            point.update({"lhs": sp.sstr(sp.N(a, 15)), "rhs": sp.sstr(sp.N(b, 15))})
            return Decision(
                Verdict.REFUTED,
                f"{why}; counterexample: the two sides differ by {float(diff):.6g}",
                counterexample=point,
            )
        worst = max(worst, rel)
    if n == 0:
        return Decision(Verdict.UNDECIDED, f"{why}; no admissible point could be evaluated")
    return Decision(
        Verdict.NUMERIC,
        f"{why}; agreement at {n} random admissible points ({EVAL_DIGITS}-digit evaluation)",
        error=worst,
        tolerance=COUNTEREXAMPLE_REL_TOL,
    )


def decide_equal(
    lhs: sp.Expr, rhs: sp.Expr, domain: Domain | None = None, *, time_limit: float = 20.0
) -> Decision:
    """Decide ``lhs == rhs`` on ``domain``: proved, refuted (with counterexample), numerically
    consistent or undecided.

    Order: cheap normalisation (0 → proved); the counterexample search (a failure → refuted,
    without spending time on ``simplify``); full simplification under ``time_limit``
    (0 → proved); otherwise the agreement found by the search (numerically consistent)."""
    domain = domain or Domain()
    lhs, rhs = _as_expr(lhs, "lhs"), _as_expr(rhs, "rhs")
    quick, timed_out = _symbolic(lambda: normalize(lhs - rhs, domain, full=False), time_limit)
    if quick is not None and quick == 0:
        return Decision(Verdict.PROVED, "exact symbolic identity: the normalised difference is 0")
    numeric = _numeric_equal(lhs, rhs, domain, "symbolic simplification left a non-zero difference")
    if numeric.verdict is Verdict.REFUTED:
        return numeric
    if not timed_out:
        diff, timed_out = _symbolic(lambda: normalize(lhs - rhs, domain), time_limit)
        if diff is not None and diff == 0:
            return Decision(Verdict.PROVED, "exact symbolic identity: the normalised difference is 0")
    if timed_out:
        numeric.detail = numeric.detail.replace(
            "symbolic simplification left a non-zero difference",
            f"symbolic simplification hit its {time_limit:g} s bound",
        )
    return numeric


def decide_nonnegative(
    expr: sp.Expr,
    domain: Domain | None = None,
    *,
    certificate: object | None = None,
    time_limit: float = 20.0,
) -> Decision:
    """Decide ``expr ≥ 0`` on ``domain``. A certificate (``NonNegativeSum``) is verified, never
    trusted: its side conditions are checked and its identity with ``expr`` must be proved."""
    domain = domain or Domain()
    expr = _as_expr(expr, "expr")
    notes = []
    if certificate is not None:  # checked first: cheaper than simplifying the expression
        if not isinstance(certificate, NonNegativeSum):
            raise ValueError(f"certificate: expected a NonNegativeSum, got {type(certificate)}")
        problems = certificate.side_condition_problems(domain)
        if problems:
            notes.append("certificate rejected: " + "; ".join(problems))
        else:
            match = decide_equal(expr, certificate.expression(), domain, time_limit=time_limit)
            if match.verdict is Verdict.PROVED:
                return Decision(
                    Verdict.PROVED,
                    f"equals the certificate {certificate.describe()} (exact identity); "
                    "each term is non-negative",
                )
            notes.append(f"certificate does not match ({match.verdict.value})")
    reduced, timed_out = _symbolic(lambda: normalize(expr, domain), time_limit)
    if reduced is not None and (reduced == 0 or reduced.is_nonnegative):
        return Decision(Verdict.PROVED, "manifestly non-negative after normalisation")
    why = "; ".join(
        [f"symbolic bound of {time_limit:g} s hit" if timed_out else "not manifestly non-negative", *notes]
    )
    worst_slack = math.inf
    n = 0
    for inst, point in sample_points(expr, domain):
        v = _num(inst)
        if not v.is_number or v.has(sp.zoo, sp.nan, sp.I):
            continue
        n += 1
        val = float(v)
        scale = 1.0
        if val < -COUNTEREXAMPLE_REL_TOL * scale:
            point["value"] = sp.sstr(sp.N(v, 15))
            return Decision(
                Verdict.REFUTED, f"{why}; counterexample: value {val:.6g} < 0", counterexample=point
            )
        worst_slack = min(worst_slack, val)
    if n == 0:
        return Decision(Verdict.UNDECIDED, f"{why}; no admissible point could be evaluated")
    return Decision(
        Verdict.NUMERIC,
        f"{why}; non-negative at {n} random admissible points (smallest value {worst_slack:.3g})",
        error=0.0,
        tolerance=COUNTEREXAMPLE_REL_TOL,
    )


def _as_expr(value: object, name: str) -> sp.Expr:
    if isinstance(value, (sp.Expr, int, float, sp.Rational)):
        return sp.sympify(value)
    if isinstance(value, sp.Basic):
        raise ValueError(f"{name}: expected a scalar SymPy expression, got {type(value).__name__}")
    raise ValueError(f"{name}: expected a SymPy expression, got {type(value).__name__} {value!r}")
