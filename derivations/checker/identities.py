"""Deciding symbolic identities and inequalities, with a counterexample search.

:func:`decide_equal` and :func:`decide_nonnegative` are the decision procedures behind every
symbolic verifier and the step checker (DESIGN.md, "The step checker"). Every stage
runs under **one** deadline covering the whole call (``time_limit`` seconds):

1. cheap normalisation (:func:`~derivations.checker.normal_form.normalize` with
   ``full=False``): an exact 0 is *proved*;
2. the counterexample search (:mod:`derivations.checker.search`): random points across scales,
   domain edges and breakpoints, then a local maximisation of the discrepancy, evaluated in
   mpmath; a point it proposes is *refuted* only with a ball certificate
   (:mod:`derivations.checker.refutation`: disjoint Arb enclosures at the exact point), whatever
   the discrepancy's size; a constant residual is decided in balls too;
3. full simplification: an exact 0 (or a manifestly non-negative form, or a verified
   :class:`~derivations.checker.lemmas.NonNegativeSum` certificate) is *proved*;
4. otherwise the search's agreement: *numerically consistent*, stating the number of points
   and the largest discrepancy, unless a point left the reals or could not be evaluated
   (*undecided*, saying where and which declaration to tighten).

A hit deadline is *undecided*; an expression that cannot be evaluated, or a suspected
counterexample that cannot be certified, is *undecided* with the reason, never an exception out
of these functions. Floats count by their exact binary value (:func:`exact_floats`); a Sum or
Product over an empty range is 0 / 1
(:data:`~derivations.checker.balls.EMPTY_RANGE_CONVENTION`) in every entry point.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import sympy as sp

from derivations.checker.balls import NoEnclosure, compile_balls, enclose
from derivations.checker.domain import Domain, check_symbols
from derivations.checker.lemmas import NonNegativeSum
from derivations.checker.normal_form import (
    apply_simplex,
    as_sympy,
    linearize_sums,
    normalize,
    ranges_agree,
    substitute_definitions,
)
from derivations.checker.refutation import RefutationCertificate, certify_differ, certify_negative
from derivations.checker.sampling import Sampler, complex_quantities
from derivations.checker.search import SearchResult, search_equal, search_nonnegative
from derivations.checker.summands import sums_agree_termwise
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

#: Longest time bound accepted (seconds): one day.
MAX_TIME_LIMIT = 86_400.0

#: Share of ``time_limit`` the stages (normalisation, search, simplification) use; the rest is
#: margin before the hard bound around the whole call, so that a stage cut by its own bound still
#: ends in a verdict that says what was found (a certificate that did not match, say).
STAGES_SHARE = 0.9

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
    #: For the step checker's *refuted*: the ball-arithmetic certificate (re-checkable with
    #: :func:`derivations.checker.refutation.recheck`); every refutation of
    #: :func:`decide_equal`/:func:`decide_nonnegative` carries one.
    certificate: RefutationCertificate | None = None

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
            extra={"certificate": self.certificate.to_json()} if self.certificate else {},
        )


def exact_floats(expr: sp.Expr) -> sp.Expr:
    """Every ``Float`` replaced by its exact binary value (0.1 + 0.2 stays
    5404319552844596/18014398509481984·…, never 3/10): a proof is about the number written."""
    floats = expr.atoms(sp.Float)
    if not floats:
        return expr
    return expr.xreplace({f: sp.Rational(f) for f in floats})


def _as_expr(value: object, name: str) -> sp.Expr:
    """A scalar SymPy expression from a SymPy object or a number (never from text); floats
    become their exact binary value (:func:`exact_floats`)."""
    if isinstance(value, (sp.MatrixBase, sp.MatrixExpr)) or (
        isinstance(value, sp.Basic) and value.atoms(sp.MatrixSymbol, sp.MatrixBase)
    ):
        raise ValueError(f"{name}: expected a scalar expression, got a matrix ({type(value).__name__})")
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
    if out.has(sp.nan, sp.zoo):
        raise ValueError(f"{name}: the expression is undefined ({sp.sstr(out)[:80]})")
    return exact_floats(out)


def check_time_limit(time_limit: float) -> float:
    """``time_limit`` as seconds: a finite number > 0 and at most :data:`MAX_TIME_LIMIT`."""
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)):
        raise ValueError(f"time_limit: expected a number of seconds, got {time_limit!r}")
    if not (math.isfinite(time_limit) and 0 < time_limit <= MAX_TIME_LIMIT):
        raise ValueError(
            f"time_limit: must be finite, positive and at most {MAX_TIME_LIMIT:g} s (a day), "
            f"got {time_limit!r}"
        )
    return float(time_limit)


def _check_domain(domain: object) -> Domain:
    domain = Domain() if domain is None else domain
    if not isinstance(domain, Domain):
        raise ValueError(f"domain: expected a Domain, got {type(domain).__name__}")
    return domain


def _bounded(seconds: float, fn: Callable[[], Decision]) -> Decision:
    """``fn()`` under one hard bound of ``seconds``: set-up (symbol checks, the sampler) included."""
    try:
        return time_bound(fn, seconds)
    except TimeBoundExceeded:
        return Decision(
            Verdict.UNDECIDED,
            f"time bound of {seconds:g} s hit; neither a proof nor a certified "
            "counterexample was found in time",
        )


class _Clock:
    """One deadline for the whole call (``share`` of ``seconds``: the rest is the margin before
    the hard bound around the call); each stage runs under the time that is left."""

    def __init__(self, seconds: float, share: float = 1.0) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds * share
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
    # raises ValueError for a symbol that cannot be sampled
    Sampler.for_exprs([substitute_definitions(e, domain) for e in exprs], domain)


def decide_equal(
    lhs: sp.Expr, rhs: sp.Expr, domain: Domain | None = None, *, time_limit: float = 20.0
) -> Decision:
    """Decide ``lhs == rhs`` on ``domain``: proved, refuted (with a ball-certified
    counterexample), numerically consistent or undecided — all within ``time_limit`` seconds
    in total, set-up included (module docstring).

    Raises ``ValueError`` for bad arguments: a non-expression or a matrix, a non-finite,
    non-positive or over-a-day ``time_limit``, two symbols with the same name, a bound index
    whose declared sign its range does not have, circular definitions."""
    seconds = check_time_limit(time_limit)
    domain = _check_domain(domain)
    lhs, rhs = _as_expr(lhs, "lhs"), _as_expr(rhs, "rhs")
    clock = _Clock(seconds, STAGES_SHARE)
    return _bounded(seconds, lambda: _decide_equal(lhs, rhs, domain, clock))


def closed_forms_used(exprs: list[sp.Expr], domain: Domain) -> bool:
    """Whether normalising ``exprs`` may rest on SymPy's evaluation of a definite integral or an
    infinite series (after the domain's definitions are substituted). SymPy's ``integrate`` and
    ``summation`` have known wrong answers (branch choices, Piecewise conditions dropped), so a
    zero reached through them is cross-checked against the sides' own ball enclosures before it
    is called *proved* (:func:`_proved_or_cross_checked`)."""
    for e in exprs:
        e = substitute_definitions(e, domain)
        if e.has(sp.Integral):
            return True
        for node in e.atoms(sp.Sum, sp.Product):
            if any(bound.has(sp.oo, -sp.oo) for _, *ends in node.limits for bound in ends):
                return True
    return False


_PROVED = "exact symbolic identity: the normalised difference is 0"
#: A search cut short by the time bound supports a claim (*numerically consistent*) only after at
#: least this many admissible points; fewer is a timeout (*undecided*): one agreeing point proves
#: nothing (∫N(x; μ, σ) dx = 1/σ agrees at σ = 1).
MIN_POINTS_WHEN_CUT_SHORT = 8
#: Random admissible points at which a zero reached through SymPy's closed forms is cross-checked.
CROSS_CHECK_POINTS = 6
#: Precision (bits) of that cross-check; a disjoint pair is then certified by the usual ladder.
CROSS_CHECK_BITS = 128


def _cross_check(sides: list[sp.Expr], domain: Domain, clock: _Clock) -> tuple[Decision | None, str]:
    """Enclose ``sides`` (two sides, or one value that must be ≥ 0) at a few random admissible
    points in ball arithmetic, integrals and series included (their enclosures never use SymPy's
    closed forms). A *refuted* decision with its certificate when a point separates them, else
    ``None`` and what the check saw."""
    deadline = time.monotonic() + max(0.0, clock.left() * 0.8)
    exprs = [substitute_definitions(e, domain) for e in sides]
    try:
        fns = [compile_balls(e) for e in exprs]
        sampler = Sampler.for_exprs(exprs, domain)
    except (NoEnclosure, ValueError) as exc:
        return None, f"not cross-checked in ball arithmetic ({exc})"
    agreed, unenclosed = 0, ""
    for point in sampler.random_points(CROSS_CHECK_POINTS):
        if time.monotonic() > deadline:
            break
        try:
            values = [enclose(f, point, CROSS_CHECK_BITS) for f in fns]
        except NoEnclosure as exc:
            unenclosed = str(exc)
            continue
        separated = (
            not values[0].overlaps(values[1]) if len(values) == 2
            else bool(values[0].imag.is_zero() and values[0].real < 0)
        )
        if not separated:
            agreed += 1
            continue
        cert = (certify_differ(fns, point, point.describe(), deadline) if len(fns) == 2
                else certify_negative(fns[0], point, point.describe(), deadline))
        if isinstance(cert, RefutationCertificate):
            return Decision(
                Verdict.REFUTED,
                "counterexample: SymPy's closed form of an integral or series reduces the claim to "
                f"an identity, but the sides as written differ; certified: {cert.describe()}",
                counterexample={**cert.point, **cert.enclosures}, certificate=cert,
            ), ""
    if agreed:
        return None, f"cross-checked in ball arithmetic at {agreed} random admissible points"
    return None, f"not cross-checked in ball arithmetic ({unenclosed or 'no point in time'})"


def _proved_or_cross_checked(sides: list[sp.Expr], domain: Domain, clock: _Clock, proved: str) -> Decision:
    """*proved* for a zero that SymPy reached through a closed form of a definite integral or an
    infinite series (:func:`closed_forms_used`) only after the sides as written agree at random
    points in ball arithmetic; *refuted*, with the certificate, when one separates them."""
    refuted, seen = _cross_check(sides, domain, clock)
    if refuted is not None:
        return refuted
    return Decision(Verdict.PROVED,
                    f"{proved} (through SymPy's closed form of an integral or series; {seen})")


def _decide_equal(lhs: sp.Expr, rhs: sp.Expr, domain: Domain, clock: _Clock) -> Decision:
    _prepare([lhs, rhs], domain)
    closed = closed_forms_used([lhs, rhs], domain)
    quick = clock.run(lambda: normalize(lhs - rhs, domain, full=False), share=0.5)
    if quick is not None and quick == 0 and not closed:
        return Decision(Verdict.PROVED, _PROVED)
    if quick is not None and quick == 0:
        return _proved_or_cross_checked([lhs, rhs], domain, clock, _PROVED)
    found = _search(clock, lambda deadline: search_equal(lhs, rhs, domain, deadline))
    if found.counterexample is not None and found.certificate is not None:
        return Decision(
            Verdict.REFUTED,
            f"counterexample: {found.detail}",
            error=found.worst,
            counterexample=found.counterexample,
            certificate=found.certificate,
        )
    constant = _constant_residual(quick, lhs, rhs, domain, clock)
    if constant is not None:
        return constant
    diff = clock.run(lambda: normalize(lhs - rhs, domain))
    if diff is not None and diff == 0:
        return (_proved_or_cross_checked([lhs, rhs], domain, clock, _PROVED) if closed
                else Decision(Verdict.PROVED, _PROVED))
    constant = _constant_residual(diff, lhs, rhs, domain, clock)
    if constant is not None:
        return constant
    why = (
        f"time bound of {clock.seconds:g} s hit"
        if clock.hit
        else "symbolic simplification left a non-zero difference"
    )
    decision = _numeric_decision(found, why, "agreement", f"largest relative discrepancy {found.worst:.3g}",
                                 clock.hit)
    complex_ones = complex_quantities(
        [substitute_definitions(lhs, domain), substitute_definitions(rhs, domain)], domain
    )
    if decision.verdict is Verdict.NUMERIC:
        decision = _series_not_evidence(decision, [lhs, rhs], domain)
    if decision.verdict is Verdict.NUMERIC and complex_ones:
        # agreement on the real line says nothing off it: z² = |z|² agrees at every real z
        return Decision(
            Verdict.UNDECIDED,
            f"{decision.detail}; but {', '.join(complex_ones)} carry no real assumption (SymPy's "
            "symbols are complex by default) and were sampled on the real line only, which is not "
            "their whole declared domain: declare them real=True (or positive=True, …) or bound "
            "them in the Domain",
        )
    return decision


#: Points at which :func:`_constant_residual` tries to certify the sides themselves.
CONSTANT_RESIDUAL_POINTS = 6


def _constant_residual(
    residual: sp.Expr | None, lhs: sp.Expr, rhs: sp.Expr, domain: Domain, clock: _Clock
) -> Decision | None:
    """Decide a normalised difference that is a constant. Its ball enclosure excluding 0 says
    the sides differ at every admissible point, so they are certified to differ at one: the
    empty point when the sides have no free symbols, else one of a few sampled points (a
    difference of 10⁻³⁰⁰ between sides of size 10³⁰⁰, or π typed to 35 digits, is invisible
    to the screening precision but not here). The certificate is always one of the **sides**
    (re-checkable with :func:`~derivations.checker.refutation.recheck` on the claim as stated);
    a constant that only SymPy's normal form shows (the sides have no enclosure: ∫₀¹ log x dx
    with its endpoint singularity) is *undecided*, never a refutation resting on SymPy's
    simplification."""
    if residual is None or not isinstance(residual, sp.Expr) or residual == 0 or not residual.is_number:
        return None
    if residual.has(sp.Limit, sp.Derivative):
        return None
    deadline = time.monotonic() + max(0.0, clock.left() * 0.5)
    try:
        zero_fn = compile_balls(sp.Integer(0))
        const_fn = compile_balls(residual)
    except NoEnclosure:
        return None
    from derivations.checker.refutation import _NamedPoint

    found = certify_differ([const_fn, zero_fn], _NamedPoint({}), {}, deadline,
                           ("lhs − rhs (normalised)", "0"))
    if isinstance(found, str):
        return None
    constant = found.enclosures["lhs − rhs (normalised)"]
    where: RefutationCertificate | str = "no ball enclosure of the sides"
    lhs, rhs = substitute_definitions(lhs, domain), substitute_definitions(rhs, domain)
    try:
        fns = [compile_balls(lhs), compile_balls(rhs)]
    except NoEnclosure as exc:
        fns, where = [], f"no ball enclosure of the sides: {exc}"
    if fns and not (lhs.free_symbols | rhs.free_symbols):
        where = certify_differ(fns, _NamedPoint({}), {}, deadline)
    elif fns:
        try:
            sampler = Sampler.for_exprs([lhs, rhs], domain)
            for point in sampler.random_points(CONSTANT_RESIDUAL_POINTS):
                where = certify_differ(fns, point, point.describe(), deadline)
                if isinstance(where, RefutationCertificate) or time.monotonic() > deadline:
                    break
        except (NoEnclosure, StopIteration) as exc:
            where = f"no ball enclosure of the sides: {exc}"
    if isinstance(where, RefutationCertificate):
        return Decision(
            Verdict.REFUTED,
            f"counterexample: the normalised difference is the constant {constant} "
            f"≠ 0, so the sides differ everywhere; certified: {where.describe()}",
            counterexample={**where.point, **where.enclosures},
            certificate=where,
        )
    return Decision(
        Verdict.UNDECIDED,
        f"SymPy's normal form of lhs − rhs is the constant {constant} ≠ 0 (Arb ball at "
        f"{found.bits} bits), but the sides as stated could not be certified to differ ({where}), "
        "so this is not a certified counterexample",
    )


def _numeric_decision(found: SearchResult, why: str, what: str, worst: str, hit: bool = False) -> Decision:
    """Numerically consistent from the search's agreement, or undecided: when the time bound was
    hit (``hit``), a point could not be evaluated, left the reals or could not be decided."""
    if hit:
        so_far = f"{_evidence_text(found, what)}; {worst}"
        return Decision(Verdict.UNDECIDED, f"{why}; the search so far: {so_far}")
    if found.unevaluable:
        return Decision(Verdict.UNDECIDED, f"{why}; could not evaluate numerically: {found.unevaluable}")
    if found.leaves_reals:
        return Decision(Verdict.UNDECIDED, f"{why}; {found.leaves_reals}")
    if found.points - found.unresolved <= 0:
        return Decision(Verdict.UNDECIDED, f"{why}; no admissible point could be evaluated in time")
    if found.uncertain:
        return Decision(Verdict.UNDECIDED, f"{why}; {found.uncertain}")
    if found.stopped_early and found.points - found.unresolved < MIN_POINTS_WHEN_CUT_SHORT:
        return Decision(
            Verdict.UNDECIDED,
            f"{why}; the time bound stopped the search after {found.points - found.unresolved} "
            f"admissible point(s) (fewer than {MIN_POINTS_WHEN_CUT_SHORT}: a timeout, not evidence)",
        )
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
    """Decide ``expr ≥ 0`` on ``domain`` within ``time_limit`` seconds in total, set-up
    included. A certificate (``NonNegativeSum``) is verified, never trusted: its side conditions
    are checked and its identity with ``expr`` must be proved; a refutation carries a ball
    certificate (the value's enclosure strictly below 0)."""
    seconds = check_time_limit(time_limit)
    domain = _check_domain(domain)
    expr = _as_expr(expr, "expr")
    if certificate is not None and not isinstance(certificate, NonNegativeSum):
        raise ValueError(f"certificate: expected a NonNegativeSum, got {type(certificate)}")
    clock = _Clock(seconds, STAGES_SHARE)
    return _bounded(seconds, lambda: _decide_nonnegative(expr, domain, certificate, clock))


def _decide_nonnegative(
    expr: sp.Expr, domain: Domain, certificate: NonNegativeSum | None, clock: _Clock
) -> Decision:
    _prepare([expr], domain)
    notes: list[str] = []
    if certificate is not None:  # checked first: cheaper than simplifying the expression
        problems = certificate.side_condition_problems(domain)
        if problems:
            notes.append("certificate rejected: " + "; ".join(problems))
        elif (index := certificate.index) is not None and clock.run(
            lambda: sums_agree_termwise(expr, certificate.expression(), index, domain), share=0.5
        ):
            return Decision(
                Verdict.PROVED,
                f"equals the certificate {certificate.describe()} summand by summand (exact "
                "identity of the summands); each term is non-negative",
            )
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
    closed = closed_forms_used([expr], domain)
    manifest = "manifestly non-negative after normalisation"
    quick = clock.run(lambda: normalize(expr, domain, full=False), share=0.5)
    if quick is not None and _manifestly_nonnegative(quick) and not closed:
        return Decision(Verdict.PROVED, manifest)
    if quick is not None and _manifestly_nonnegative(quick):
        return _proved_or_cross_checked([expr], domain, clock, manifest)
    found = _search(clock, lambda deadline: search_nonnegative(expr, domain, deadline))
    if found.counterexample is not None and found.certificate is not None:
        return Decision(
            Verdict.REFUTED, f"counterexample: {found.detail}", counterexample=found.counterexample,
            certificate=found.certificate,
        )
    reduced = clock.run(lambda: normalize(expr, domain))
    if reduced is not None and _manifestly_nonnegative(reduced):
        return (_proved_or_cross_checked([expr], domain, clock, manifest) if closed
                else Decision(Verdict.PROVED, manifest))
    why = "; ".join(
        [
            f"time bound of {clock.seconds:g} s hit" if clock.hit else "not manifestly non-negative",
            *notes,
        ]
    )
    decision = _numeric_decision(found, why, "non-negative", f"smallest value {found.worst_text}",
                                 clock.hit)
    if decision.verdict is Verdict.NUMERIC:
        decision = _series_not_evidence(decision, [expr], domain)
    return decision


#: Random admissible points at which each infinite series must have a ball enclosure before an
#: agreement of the search (mpmath's ``nsum``) counts as numerical evidence.
SERIES_EVIDENCE_POINTS = 3


def _series_not_evidence(decision: Decision, sides: list[sp.Expr], domain: Domain) -> Decision:
    """*numerically consistent* → *undecided* when an infinite series of the claim has no ball
    enclosure (:mod:`derivations.checker.infinite_series`) at a few admissible points: the
    search's values come from mpmath's ``nsum``, whose extrapolation returns finite numbers for
    divergent series too (Σ 1/k), so its agreement is no evidence there."""
    exprs = [substitute_definitions(e, domain) for e in sides]
    series = sorted({node for e in exprs for node in e.atoms(sp.Sum, sp.Product)
                     if any(b.has(sp.oo, -sp.oo) for _, *ends in node.limits for b in ends)},
                    key=sp.default_sort_key)
    if not series:
        return decision
    try:
        fns = [compile_balls(node) for node in series]
        points = Sampler.for_exprs(exprs, domain).random_points(SERIES_EVIDENCE_POINTS)
        for point in points:
            for fn in fns:
                enclose(fn, point, 64)
    except (NoEnclosure, ValueError) as exc:
        return Decision(
            Verdict.UNDECIDED,
            f"{decision.detail}; but an infinite series of the claim has no certified enclosure "
            f"({exc}), and mpmath's extrapolated nsum, which returns finite values for divergent "
            "series too, is no evidence for it",
        )
    return decision


def _manifestly_nonnegative(e: sp.Expr) -> bool:
    """0, or non-negative by SymPy's assumptions with every Sum/Product range provably of
    length ≥ 0 (where the empty-range convention and SymPy's (Karr's) agree)."""
    if e == 0:
        return True
    if not ranges_agree(e):
        return False
    return bool(e.is_nonnegative)


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
