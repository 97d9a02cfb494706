"""Deciding symbolic identities and inequalities, with a counterexample search.

:func:`decide_equal` and :func:`decide_nonnegative` are the decision procedures behind every
symbolic verifier and the step checker (DESIGN.md, "The step checker"; issue 13). Every stage
runs under **one** deadline covering the whole call (``time_limit`` seconds):

1. cheap normalisation (:func:`~derivations.checker.normal_form.normalize` with
   ``full=False``): an exact 0 is *proved*;
2. the counterexample search (:mod:`derivations.checker.search`): random points across scales,
   domain edges and breakpoints, then a local maximisation of the discrepancy, evaluated in
   mpmath; a discrepancy that is stable when the precision doubles is a counterexample
   (*refuted*), whatever its size;
3. full simplification: an exact 0 (or a manifestly non-negative form, or a verified
   :class:`~derivations.checker.lemmas.NonNegativeSum` certificate) is *proved*;
4. otherwise the search's agreement: *numerically consistent*, stating the number of points
   and the largest discrepancy, unless a point left the reals or could not be evaluated
   (*undecided*, saying where and which declaration to tighten).

A hit deadline is *undecided*; an expression that cannot be evaluated is *undecided* with
the reason, never an exception out of these functions.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import sympy as sp

from derivations.checker.domain import Domain, check_symbols
from derivations.checker.lemmas import NonNegativeSum
from derivations.checker.normal_form import (
    apply_simplex,
    as_sympy,
    linearize_sums,
    normalize,
)
from derivations.checker.sampling import Sampler
from derivations.checker.search import SearchResult, search_equal, search_nonnegative
from derivations.checker.timebound import TimeBoundExceeded, time_bound
from derivations.checker.verdicts import Evidence, Verdict

__all__ = [
    "Decision",
    "Domain",
    "apply_simplex",
    "decide_equal",
    "decide_nonnegative",
    "expand_finite_sums",
    "linearize_sums",
    "normalize",
    "sample_points",
]

T = TypeVar("T")

#: Share of the remaining time the counterexample search may use before simplification.
SEARCH_SHARE = 0.35
#: ... and at most this many seconds plus 10 % of the remaining time (simplification, which
#: proves, keeps the larger part of a long bound).
SEARCH_BASE_SECONDS = 3.0


@dataclass
class Decision:
    """Outcome of a decision procedure, convertible to :class:`Evidence`."""

    verdict: Verdict
    detail: str
    error: float | None = None
    tolerance: float | None = None
    counterexample: dict[str, str] | None = None

    def evidence(self, method: str = "symbolic", seconds: float = 0.0) -> Evidence:
        """This decision as an :class:`Evidence` record (the verdicts of DESIGN.md): the verdict,
        detail, measured error, tolerance and counterexample carried over unchanged, labelled with
        ``method`` and the wall time ``seconds`` it took."""
        return Evidence(
            method,
            self.verdict,
            self.detail,
            seconds=seconds,
            error=self.error,
            tolerance=self.tolerance,
            counterexample=self.counterexample,
        )


def _as_expr(value: object, name: str) -> sp.Expr:
    """A scalar SymPy expression from a SymPy object or a number (never from text)."""
    if isinstance(value, sp.Basic) and not isinstance(value, sp.Expr):
        raise ValueError(f"{name}: expected a scalar SymPy expression, got {type(value).__name__}")
    if isinstance(value, str):
        raise ValueError(f"{name}: expected a SymPy expression, got str {value!r} (text is not parsed)")
    try:
        out = as_sympy(value, name)
    except ValueError:
        raise ValueError(
            f"{name}: expected a SymPy expression, got {type(value).__name__} {value!r}"
        ) from None
    if isinstance(out, sp.Float) and not math.isfinite(float(out)):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return out


def _check_time_limit(time_limit: float) -> float:
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)):
        raise ValueError(f"time_limit: expected a number of seconds, got {time_limit!r}")
    if not (math.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit: must be finite and positive, got {time_limit!r}")
    return float(time_limit)


class _Clock:
    """One deadline for the whole call; each stage runs under the time that is left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.hit = False

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def run(self, fn: Callable[[], T], share: float = 1.0) -> T | None:
        """``fn()`` under ``share`` of the remaining time, or None when the bound is hit."""
        left = self.left()
        if left <= 0.01:
            self.hit = True
            return None
        try:
            return time_bound(fn, left * share if share < 1 else left)
        except TimeBoundExceeded:
            self.hit = True
            return None


def _search(clock: _Clock, fn: Callable[[float], SearchResult]) -> SearchResult:
    """Run a search under its share of the clock (cooperative deadline plus the hard bound)."""
    left = clock.left()
    soft = time.monotonic() + min(left * SEARCH_SHARE, SEARCH_BASE_SECONDS + 0.1 * left)
    result = clock.run(lambda: fn(soft), share=min(1.0, SEARCH_SHARE + 0.25))
    if result is None:
        return SearchResult(stopped_early=True)
    return result


def _evidence_text(result: SearchResult, what: str) -> str:
    counted = result.points - result.unresolved
    skipped = (
        f"; {result.unresolved} further points lost every digit to cancellation even at "
        f"{4 * result.digits} digits and are not counted"
        if result.unresolved
        else ""
    )
    return (
        f"{what} at {counted} admissible points (random across scales, domain edges, "
        f"breakpoints, local search; {result.digits}-digit evaluation, discrepancies re-checked "
        f"with the precision doubled){skipped}"
        + "".join(f"; {note}" for note in result.notes)
    )


def _prepare(exprs: list[sp.Expr], domain: Domain) -> None:
    check_symbols(exprs, domain)
    Sampler.for_exprs(exprs, domain)  # raises ValueError for a symbol that cannot be sampled


def decide_equal(
    lhs: sp.Expr, rhs: sp.Expr, domain: Domain | None = None, *, time_limit: float = 20.0
) -> Decision:
    """Decide ``lhs == rhs`` on ``domain``: proved, refuted (with counterexample), numerically
    consistent or undecided — all within ``time_limit`` seconds in total (module docstring).

    Raises ``ValueError`` for bad arguments: a non-expression, a non-finite or non-positive
    ``time_limit``, two symbols with the same name and different assumptions, a bound index
    whose declared sign its range does not have."""
    domain = domain or Domain()
    if not isinstance(domain, Domain):
        raise ValueError(f"domain: expected a Domain, got {type(domain).__name__}")
    clock = _Clock(_check_time_limit(time_limit))
    lhs, rhs = _as_expr(lhs, "lhs"), _as_expr(rhs, "rhs")
    _prepare([lhs, rhs], domain)
    quick = clock.run(lambda: normalize(lhs - rhs, domain, full=False), share=0.5)
    if quick is not None and quick == 0:
        return Decision(Verdict.PROVED, "exact symbolic identity: the normalised difference is 0")
    found = _search(clock, lambda deadline: search_equal(lhs, rhs, domain, deadline))
    if found.counterexample is not None:
        return Decision(
            Verdict.REFUTED,
            f"counterexample: {found.detail}",
            error=found.worst,
            counterexample=found.counterexample,
        )
    diff = clock.run(lambda: normalize(lhs - rhs, domain))
    if diff is not None and diff == 0:
        return Decision(Verdict.PROVED, "exact symbolic identity: the normalised difference is 0")
    for candidate in (quick, diff):
        constant = clock.run(lambda c=candidate: _nonzero_constant(c))  # type: ignore[misc]
        if constant is not None:
            point = sample_points(lhs - rhs, domain, 1)[0] if lhs.free_symbols | rhs.free_symbols else {}
            return Decision(
                Verdict.REFUTED,
                f"counterexample: the normalised difference is the constant {constant} ≠ 0 "
                "(exact), so the sides differ by it at every admissible point, e.g. this one",
                counterexample={**point, "lhs - rhs": constant},
            )
    why = (
        f"the {clock.seconds:g} s time bound was hit"
        if clock.hit
        else "symbolic simplification left a non-zero difference"
    )
    return _numeric_decision(found, why, "agreement", f"largest relative discrepancy {found.worst:.3g}")


def _nonzero_constant(e: sp.Expr | None) -> str | None:
    """``e`` as text when it is an exact non-zero constant (no Float, no symbol, no unevaluated
    sum or integral), confirmed at 30 and 60 digits; else None. A difference of 10⁻³⁰⁰ between
    sides of size 10³⁰⁰ is invisible to any sampled evaluation at 40–160 digits but is a
    constant the normal form exposes (redteam corpus: 10³⁰⁰t + 10⁻³⁰⁰ = 10³⁰⁰t was *numerically
    consistent*)."""
    if e is None or not isinstance(e, sp.Expr) or e == 0 or not e.is_number:
        return None
    if e.atoms(sp.Float) or e.has(sp.Integral, sp.Sum, sp.Product, sp.Limit, sp.Derivative):
        return None
    v30, v60 = e.evalf(30), e.evalf(60)
    if not (v30.is_real and v60.is_real and v30.is_Number and v60.is_Number) or v60 == 0:
        return None
    if abs(v30 - v60) > abs(v60) * sp.Float("1e-25", 60):
        return None
    return sp.sstr(v60.evalf(15))


def _numeric_decision(found: SearchResult, why: str, what: str, worst: str) -> Decision:
    if found.unevaluable:
        return Decision(Verdict.UNDECIDED, f"{why}; could not evaluate numerically: {found.unevaluable}")
    if found.leaves_reals:
        return Decision(Verdict.UNDECIDED, f"{why}; {found.leaves_reals}")
    if found.points - found.unresolved <= 0:
        return Decision(Verdict.UNDECIDED, f"{why}; no admissible point could be evaluated in time")
    if found.uncertain:
        return Decision(Verdict.UNDECIDED, f"{why}; {found.uncertain}")
    return Decision(
        Verdict.NUMERIC,
        f"{why}; {_evidence_text(found, what)}; {worst}"
        + ("; the search was cut short by the time bound" if found.stopped_early else ""),
        error=max(found.worst, 0.0) if what == "agreement" else 0.0,
        tolerance=found.tolerance,
    )


def decide_nonnegative(
    expr: sp.Expr,
    domain: Domain | None = None,
    *,
    certificate: object | None = None,
    time_limit: float = 20.0,
) -> Decision:
    """Decide ``expr ≥ 0`` on ``domain`` within ``time_limit`` seconds in total. A certificate
    (``NonNegativeSum``) is verified, never trusted: its side conditions are checked and its
    identity with ``expr`` must be proved."""
    domain = domain or Domain()
    if not isinstance(domain, Domain):
        raise ValueError(f"domain: expected a Domain, got {type(domain).__name__}")
    clock = _Clock(_check_time_limit(time_limit))
    expr = _as_expr(expr, "expr")
    _prepare([expr], domain)
    notes: list[str] = []
    if certificate is not None:  # checked first: cheaper than simplifying the expression
        if not isinstance(certificate, NonNegativeSum):
            raise ValueError(f"certificate: expected a NonNegativeSum, got {type(certificate)}")
        problems = certificate.side_condition_problems(domain)
        if problems:
            notes.append("certificate rejected: " + "; ".join(problems))
        else:
            left = clock.left()
            match = (
                decide_equal(expr, certificate.expression(), domain, time_limit=left * 0.8)
                if left > 0.05
                else None
            )
            if match is not None and match.verdict is Verdict.PROVED:
                return Decision(
                    Verdict.PROVED,
                    f"equals the certificate {certificate.describe()} (exact identity); "
                    "each term is non-negative",
                )
            notes.append(f"certificate does not match ({match.verdict.value if match else 'no time left'})")
    quick = clock.run(lambda: normalize(expr, domain, full=False), share=0.5)
    if quick is not None and (quick == 0 or quick.is_nonnegative):
        return Decision(Verdict.PROVED, "manifestly non-negative after normalisation")
    found = _search(clock, lambda deadline: search_nonnegative(expr, domain, deadline))
    if found.counterexample is not None:
        return Decision(
            Verdict.REFUTED, f"counterexample: {found.detail}", counterexample=found.counterexample
        )
    reduced = clock.run(lambda: normalize(expr, domain))
    if reduced is not None and (reduced == 0 or reduced.is_nonnegative):
        return Decision(Verdict.PROVED, "manifestly non-negative after normalisation")
    why = "; ".join(
        [
            f"the {clock.seconds:g} s time bound was hit" if clock.hit else "not manifestly non-negative",
            *notes,
        ]
    )
    return _numeric_decision(found, why, "non-negative", f"smallest value {found.worst_text}")


# ------------------------------------------------------------------ helpers kept for callers


def expand_finite_sums(expr: sp.Expr) -> sp.Expr:
    """Write out every ``Sum``/``Product`` whose limits are integers (inner ones first),
    without SymPy's symbolic summation algorithms (``doit`` can take tens of seconds)."""
    if not isinstance(expr, sp.Basic) or expr.is_Atom:
        return expr
    args = [expand_finite_sums(a) for a in expr.args]
    if isinstance(expr, (sp.Sum, sp.Product)) and len(expr.limits) == 1:
        index, lo, hi = expr.limits[0]
        if lo.is_Integer and hi.is_Integer and hi >= lo - 1:
            terms = [args[0].xreplace({index: k}) for k in range(int(lo), int(hi) + 1)]
            return sp.Add(*terms) if isinstance(expr, sp.Sum) else sp.Mul(*terms)
    return expr.func(*args) if args else expr


def sample_points(expr: sp.Expr, domain: Domain, count: int | None = None) -> list[dict[str, str]]:
    """Descriptions of ``count`` admissible random points for ``expr`` (default
    ``domain.points``): the names and values of its real free quantities."""
    e = _as_expr(expr, "expr")
    sampler = Sampler.for_exprs([e], domain)
    return [p.describe() for p in sampler.random_points(count or domain.points)]
