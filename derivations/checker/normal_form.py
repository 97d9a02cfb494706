"""The canonical form used for symbolic decisions (DESIGN.md, "The step checker").

:func:`normalize` linearises sums over a latent index, applies the normalisation Σ q_i = 1 of
probability vectors, expands logarithms of positive quantities and (``full=True``) simplifies.
Bound indices are renamed canonically and take their assumptions **from their range only**
(integer; positive only when the lower limit is ≥ 1): the checker corpus found that declaring every
index positive let SymPy rewrite |k| → k, δ(k, 0) → 0, max(k, 0) → k and so "prove" false
statements about Σ_{k=−K}^{K}.

Nothing here parses text: :func:`normalize` accepts SymPy objects and numbers only.
"""

from __future__ import annotations

import numbers

import sympy as sp

from derivations.checker.domain import Domain
from derivations.checker.positivity import positive_sums


def as_sympy(value: object, name: str = "expr") -> sp.Basic:
    """``value`` as a SymPy object without parsing text (no ``sympify`` of strings)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{name}: expected a SymPy expression or a number, got a bool")
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if isinstance(value, numbers.Rational):
        return sp.Rational(int(value.numerator), int(value.denominator))
    if isinstance(value, numbers.Real):
        return sp.Float(float(value))
    if isinstance(value, str):
        raise ValueError(
            f"{name}: text is not accepted (no sympify of user strings); build the expression "
            "with SymPy objects, or use the LaTeX front end"
        )
    raise ValueError(f"{name}: expected a SymPy expression or a number, got {type(value).__name__}")


def substitute_definitions(expr: sp.Expr, domain: Domain) -> sp.Expr:
    """Replace each defined symbol by its definition until none is left (a definition may use
    another, in any order; :class:`~derivations.checker.domain.Domain` refuses circular ones)."""
    reps = {name: as_sympy(value, "definitions") for name, value in domain.definitions.items()}
    for _ in range(len(reps) + 1):
        if not (expr.free_symbols & set(reps)):
            break
        expr = expr.xreplace(reps)
    return expr


def guard_ranges(expr: sp.Expr) -> sp.Expr:
    """Every Sum/Product whose range is not provably of length ≥ 0 gets the upper limit
    ``Max(hi, lo − 1)``. Under the checker's convention (an empty range gives 0 / 1,
    :data:`~derivations.checker.balls.EMPTY_RANGE_CONVENTION`) the value is unchanged, and the
    guarded range never runs backwards, where SymPy's (Karr's) convention Σ₃¹ f = −f(2) differs:
    the identities SymPy uses are then valid for the checker's meaning."""
    if not expr.has(sp.Sum, sp.Product):
        return expr
    counts = count_stand_ins(expr)

    def guard(node: sp.Basic) -> sp.Basic:
        limits = []
        changed = False
        for lim in node.limits:
            if len(lim) == 3 and not _length_nonnegative(lim[1], lim[2], counts):
                var, lo, hi = lim
                limits.append((var, lo, sp.Max(hi, lo - 1)))
                changed = True
            else:
                limits.append(lim)
        if not changed:
            return node
        return type(node)(node.function, *limits)

    return expr.replace(lambda e: isinstance(e, (sp.Sum, sp.Product)), guard)


def count_stand_ins(expr: sp.Expr) -> dict[sp.Symbol, sp.Dummy]:
    """Positive integer stand-ins for the free symbols of unknown sign in Sum/Product limits:
    such a symbol is a count, ≥ 1 (the sampler's convention,
    :func:`~derivations.checker.sampling.size_values`)."""
    out: dict[sp.Symbol, sp.Dummy] = {}
    for node in expr.atoms(sp.Sum, sp.Product):
        bound = {lim[0] for lim in node.limits}
        for lim in node.limits:
            for part in lim[1:]:
                for s in part.free_symbols - bound:
                    if (isinstance(s, sp.Symbol) and s.is_extended_nonnegative is None
                            and s.is_extended_nonpositive is None):
                        out.setdefault(s, sp.Dummy(f"{s}_count", integer=True, positive=True))
    return out


def _length_nonnegative(lo: sp.Expr, hi: sp.Expr, counts: dict[sp.Symbol, sp.Dummy] | None = None) -> bool:
    length = hi - lo + 1
    if length.is_nonnegative or (counts and length.xreplace(counts).is_nonnegative):
        return True
    # Max(hi, lo - 1) - lo + 1 = Max(hi - lo + 1, 0): SymPy does not always see it
    return isinstance(hi, sp.Max) and any(sp.expand(a - (lo - 1)) == 0 for a in hi.args)


def ranges_agree(expr: sp.Expr) -> bool:
    """Whether every Sum/Product of ``expr`` has a range provably of length ≥ 0 (where the
    empty-range convention and SymPy's coincide)."""
    counts = count_stand_ins(expr)
    for node in expr.atoms(sp.Sum, sp.Product):
        for lim in node.limits:
            if len(lim) == 3 and lim[1].is_finite is not False and not _length_nonnegative(
                lim[1], lim[2], counts
            ):
                return False
    return True


def _split_dependent(term: sp.Expr, index: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    indep: list[sp.Expr] = []
    dep: list[sp.Expr] = []
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
            if hi - lo > 64:
                return _canonical_sum(body, index, lo, hi)
            return linearize_sums(sp.Add(*(body.xreplace({index: k}) for k in range(lo, hi + 1))))
        body = sp.expand(_expand_log_positive(body))
        count = hi - lo + 1 if _length_nonnegative(lo, hi, count_stand_ins(expr)) else None  # guard_ranges
        out = []
        for term in sp.Add.make_args(body):
            indep, dep = _split_dependent(term, index)
            if dep == 1 and count is not None:
                out.append(indep * count)
            else:
                out.append(indep * _canonical_sum(dep, index, lo, hi))
        return sp.Add(*out)
    if not any(a is not b for a, b in zip(args, expr.args, strict=True)):
        return expr
    return expr.func(*args)


def index_assumptions(lo: sp.Expr, hi: sp.Expr) -> dict[str, bool]:
    """The assumptions an index running over lo..hi really has: integer, and a sign only when
    the range implies it (lo ≥ 1 → positive, lo ≥ 0 → non-negative, and likewise for hi)."""
    facts: dict[str, bool] = {"integer": True}
    if (lo - 1).is_nonnegative:
        facts["positive"] = True
    elif lo.is_nonnegative:
        facts["nonnegative"] = True
    elif (hi + 1).is_nonpositive:
        facts["negative"] = True
    elif hi.is_nonpositive:
        facts["nonpositive"] = True
    return facts


#: ``dummy_index`` base of the canonical summation indices: a Dummy with this name, index and
#: assumptions is the same object whenever it is made, and no user symbol can be it (a
#: ``Symbol('_k1')`` was captured by the ordinary symbols used before).
CANONICAL_INDEX_BASE = 7_919_000_000


def canonical_index(level: int, lo: sp.Expr, hi: sp.Expr) -> sp.Dummy:
    """The canonical bound index of nesting ``level`` over lo..hi (see :func:`_canonical_sum`)."""
    return sp.Dummy(f"k{level}", dummy_index=CANONICAL_INDEX_BASE + level, **index_assumptions(lo, hi))


def _canonical_sum(body: sp.Expr, index: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> sp.Sum:
    """Σ_{index=lo}^{hi} body with the bound index renamed by nesting level, so that sums that
    differ only in the name of their bound variable compare equal. The new index is a Dummy
    (:func:`canonical_index`) whose assumptions come from the range
    (:func:`index_assumptions`), never more."""
    level = 1 + max((_sum_level(s) for s in body.atoms(sp.Sum)), default=0)
    canon = canonical_index(level, lo, hi)
    return sp.Sum(body.xreplace({index: canon}), (canon, lo, hi))


def _sum_level(s: sp.Sum) -> int:
    return 1 + max((_sum_level(t) for t in s.function.atoms(sp.Sum)), default=0)


def _expand_log_positive(expr: sp.Expr) -> sp.Expr:
    """``expand_log`` that also knows that a sum of positive terms is positive."""
    if not expr.has(sp.log):
        return expr
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
    if not expr.has(sp.Sum) or not any(isinstance(b, sp.IndexedBase) for b in domain.simplex):
        return expr

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
    stops before ``simplify`` (cheap: sums linearised, simplex applied, logs expanded).

    Raises ``ValueError`` for anything but a SymPy object or a number (text is never parsed).
    """
    if not isinstance(domain, Domain):
        raise ValueError(f"domain: expected a Domain, got {type(domain).__name__}")
    e = _cheap_form(guard_ranges(substitute_definitions(as_sympy(expr, "expr"), domain)), domain)
    if e == 0 or not full:
        return sp.Integer(0) if e == 0 else e
    reps = positive_sums(e)
    simplified = sp.simplify(e.xreplace(reps))
    if simplified != 0:
        simplified = sp.simplify(sp.expand(sp.expand_log(simplified)))
    return simplified.xreplace({v: k for k, v in reps.items()})


#: Sums with more terms than this are normalised term by term (the cheap stage is linear).
TERMWISE_ABOVE = 32


def _cheap_form(e: sp.Expr, domain: Domain) -> sp.Expr:
    """Sums linearised, simplex applied, logs expanded, products expanded. Every step is linear
    over the terms of a sum, so a long sum is done term by term and the terms are combined
    once: an explicit sum of n sigmoids costs O(n), not the O(n²) of expanding it whole."""
    if isinstance(e, sp.Add) and len(e.args) > TERMWISE_ABOVE:
        return sp.Add(*(_cheap_form(term, domain) for term in e.args))
    e = _expand_log_positive(e)
    e = linearize_sums(e)
    e = apply_simplex(e, domain)
    e = sp.expand(_expand_log_positive(e))
    e = linearize_sums(e)
    return apply_simplex(e, domain)
