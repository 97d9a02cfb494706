"""The counterexample search behind :func:`decide_equal` and :func:`decide_nonnegative`.

DESIGN.md, "The step checker". The search evaluates the claim's sides in mpmath
(:mod:`derivations.checker.evaluation`) at admissible points (:mod:`derivations.checker.sampling`):

1. random points across scales and size configurations;
2. points at and near every Piecewise/Max/Min/Abs/sign/Heaviside breakpoint (the breakpoint
   condition solved for each symbol where it is a polynomial of degree ≤ 2);
3. a local search (coordinate search in unconstrained coordinates) that maximises the relative
   discrepancy (or minimises the value, for ``≥ 0``) from the worst points seen.

Every point is screened at ``digits`` significant digits. A point is a *candidate* when the
relative discrepancy exceeds the rounding level (10^(8 − digits)), a value is negative, or a
side is non-real, infinite or undefined; a candidate is re-evaluated at 2× and 4× the digits,
and it is proposed as a counterexample when what it shows is **stable under that doubling** (the
difference changes by < 0.1 % between 2× and 4×) and exceeds 10× the quadratures' error
estimates. A proposed point — and a point that lost every digit to cancellation, where an exactly
zero sub-expression hides — becomes a counterexample only when ball arithmetic certifies it
(:mod:`derivations.checker.refutation`); after the search the worst points are re-evaluated in
balls, which finds discrepancies far below the screening precision (10⁻⁴⁵ relative).
A point where both sides leave the reals (or are undefined) is never skipped: it is reported
as such and the verdict cannot be *numerically consistent*.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

from derivations.checker.balls import BallFn, NoEnclosure, compile_balls
from derivations.checker.domain import Domain
from derivations.checker.evaluation import (
    CannotCompile,
    Fn,
    Outcome,
    TooManyTerms,
    compile_expr,
    evaluate,
    new_context,
)
from derivations.checker.refutation import RefutationCertificate, certify_differ, certify_negative
from derivations.checker.sampling import Point, Sampler, breakpoint_conditions

#: Screening precision (significant digits) without and with integrals.
SCREEN_DIGITS = 40
SCREEN_DIGITS_QUADRATURE = 15
#: Digits of cancellation tolerated before a discrepancy is worth confirming.
NOISE_MARGIN_DIGITS = 8
#: Relative change allowed between the 2× and 4× precision evaluations for a "stable" value.
STABILITY = 1e-3
#: A difference must exceed this multiple of the quadrature error estimates.
QUADRATURE_SAFETY = 10
#: Highest working precision (digits) used to resolve cancellation before giving up on a point.
MAX_DIGITS = 1_000


#: With integrals the coordinate search stays within this distance (in the free coordinate: a
#: factor e for a positive symbol) of its random start: the sampler keeps integrals at moderate
#: scales because mpmath's quadrature misses a narrow far peak with a tiny error estimate, and a
#: walk to μ = 54 with σ = 0.86 "refuted" ∫ exp(−(x−μ)²/2σ²) dx = √(2π)σ (checker corpus).
QUADRATURE_WALK = 1.0
#: Candidates whose ball certification failed before the search stops trying to certify.
MAX_CERTIFY_FAILURES = 4
#: After a search without counterexample: this many of the worst points are re-evaluated in
#: ball arithmetic (a discrepancy below the screening precision, e.g. 10⁻⁴⁵ relative, shows
#: there), within this many seconds.
SWEEP_POINTS = 3
SWEEP_SECONDS = 0.5

#: Parabolic refinement after the coordinate search: at most this many symbols, this many rounds.
PARABOLIC_MAX_SYMBOLS = 8
PARABOLIC_ROUNDS = 3
#: Most points :meth:`_Search.coincidences` visits (pairs of like quantities made equal).
COINCIDENCE_POINTS = 24


@dataclass
class SearchResult:
    """What the search found. ``counterexample`` is set when a point refutes the claim."""

    points: int = 0
    digits: int = SCREEN_DIGITS
    worst: float = 0.0
    worst_text: str = ""
    counterexample: dict[str, str] | None = None
    certificate: RefutationCertificate | None = None
    detail: str = ""
    leaves_reals: str | None = None
    unevaluable: str | None = None
    uncertain: str | None = None
    tolerance: float = 0.0
    unresolved: int = 0
    stopped_early: bool = False
    notes: list[str] = field(default_factory=list)


class _Stop(Exception):
    """The search found what it needs, or ran out of time."""


@dataclass
class _Screen:
    score: float  # larger = worse for the claim
    candidate: bool


class _Search:
    """Shared machinery: compile, evaluate, screen, confirm, explore."""

    def __init__(self, exprs: list[sp.Expr], domain: Domain, deadline: float, labels: list[str]) -> None:
        self.domain = domain
        self.deadline = deadline
        self.labels = labels
        self.exprs = exprs
        self.fns: list[Fn] = [compile_expr(e) for e in exprs]
        self.sampler = Sampler.for_exprs(list(exprs), domain)
        self.has_quad = any(e.has(sp.Integral) for e in exprs)
        self.digits = SCREEN_DIGITS_QUADRATURE if self.has_quad else SCREEN_DIGITS
        self.ctx = new_context()
        self.result = SearchResult(digits=self.digits)
        for index, ranges in self.sampler.index_range.items():
            spans = ", ".join(f"{lo}..{hi}" for lo, hi in ranges)
            self.result.notes.append(
                f"the free index {index} was drawn from the indices its entries take ({spans})"
            )
        self.tolerance = 10.0 ** (NOISE_MARGIN_DIGITS - self.digits)
        self.scored: list[tuple[float, Point]] = []
        self.smallest: Any = None
        self.ball_fns: list[BallFn] | None = None
        self.ball_problem = ""
        try:
            self.ball_fns = [compile_balls(e) for e in exprs]
        except NoEnclosure as exc:
            self.ball_problem = str(exc)
        self.certify_failures = 0

    # -- evaluation -------------------------------------------------------------------------
    def _eval(self, point: Point, digits: int, *, split: bool = False) -> list[Outcome]:
        if time.monotonic() > self.deadline:
            self.result.stopped_early = True
            raise _Stop
        return [evaluate(f, point, self.ctx, digits, split=split) for f in self.fns]

    def visit(self, point: Point) -> float:
        """Screen ``point``; confirm it if it is a candidate. Returns its score. A point whose
        sums have more terms than can be written out is skipped (not counted)."""
        outs = self._eval(point, self.digits)
        if any(o.problem and o.problem.startswith(TooManyTerms.__name__) for o in outs):
            return -math.inf
        self.result.points += 1
        screen = self.screen(outs)
        self.scored.append((screen.score, point))
        if screen.candidate:
            self.confirm(point, outs)
        return screen.score

    def levels(
        self, point: Point, outs: list[Outcome]
    ) -> tuple[int, int, list[Outcome], list[Outcome], bool]:
        """The two precisions a candidate is judged at, the outcomes there, and whether they can
        be trusted. Normally 2× and 4× the screening digits; when the evaluation lost digits to
        cancellation or absorption (:func:`~derivations.checker.evaluation.evaluate` reports how
        many), the precision is raised to cover the loss plus the screening digits (up to
        :data:`MAX_DIGITS`). With quadrature (slow at high precision): the screening digits and 2×,
        with the quadrature error estimates as a second guard."""
        if self.has_quad:
            hi = 2 * self.digits
            hi_outs = self._eval(point, hi, split=True)  # a second quadrature, split (QUAD_SPLITS)
            return self.digits, hi, outs, hi_outs, True
        lo, hi = 2 * self.digits, 4 * self.digits
        lo_outs, hi_outs = self._eval(point, lo), self._eval(point, hi)
        for _ in range(2):
            lost = max(o.lost_digits for o in hi_outs)
            if lost + self.digits <= lo:
                return lo, hi, lo_outs, hi_outs, True
            if lost + 2 * self.digits > MAX_DIGITS:
                break
            lo = lost + 2 * self.digits
            hi = 2 * lo
            lo_outs, hi_outs = self._eval(point, lo), self._eval(point, hi)
        lost = max(o.lost_digits for o in hi_outs)
        return lo, hi, lo_outs, hi_outs, lost + self.digits <= lo

    def screen(self, outs: list[Outcome]) -> _Screen:
        raise NotImplementedError

    def confirm(self, point: Point, outs: list[Outcome]) -> None:
        raise NotImplementedError

    def noise(self, digits: int) -> Any:
        return self.ctx.mpf(10) ** (NOISE_MARGIN_DIGITS - digits)

    def stable(self, a: Any, b: Any) -> bool:
        """a (at 2× digits) and b (at 4× digits) agree to :data:`STABILITY` and are non-zero."""
        return bool(b != 0 and abs(a - b) <= STABILITY * abs(b))

    def nstr(self, v: Any, n: int) -> str:
        """``v`` with ``n`` significant digits (formatted at a modest working precision)."""
        self.ctx.dps = 30
        return str(self.ctx.nstr(+v, n))

    def fmt(self, v: Any) -> str:
        return self.nstr(v, 15) if v is not None else "undefined"

    def certify(self, point: Point, why: str, deadline: float | None = None) -> bool:
        """Refute at ``point`` (raising :class:`_Stop`) when ball arithmetic certifies it (see
        :mod:`derivations.checker.refutation`); else note why not and return False: an
        uncertified candidate makes the verdict *undecided*, never *refuted*."""
        if self.ball_fns is None:
            self.result.uncertain = (
                f"{why} at {point.describe()}, but the claim has no ball evaluation "
                f"({self.ball_problem}), so this is not a certified counterexample"
            )
            return False
        if self.certify_failures >= MAX_CERTIFY_FAILURES:
            return False
        names = point.describe()
        found: RefutationCertificate | str
        if len(self.ball_fns) == 2:
            found = certify_differ(self.ball_fns, point, names, deadline, tuple(self.labels))  # type: ignore[arg-type]
        else:
            found = certify_negative(self.ball_fns[0], point, names, deadline)
        if isinstance(found, str):
            self.certify_failures += 1
            if why:
                self.result.uncertain = (
                    f"{why} at {point.describe()}, but ball arithmetic could not confirm it ({found})"
                )
            return False
        self.result.counterexample = {**point.describe(), **found.enclosures}
        self.result.certificate = found
        self.result.detail = (
            f"{why + '; ' if why else ''}certified: {found.describe()}"
        )
        raise _Stop

    # -- the search -------------------------------------------------------------------------
    def run(self) -> SearchResult:
        try:
            quad = self.has_quad
            for p in self.sampler.random_points(min(self.domain.points, 8) if quad else self.domain.points):
                self.visit(p)
            self.edges()
            self.coincidences()
            self.breakpoints(limit=4 if quad else 60)
            self.local_search(starts=1 if quad else 3, budget=6 if quad else 30)
            self.sweep()
        except _Stop:
            pass
        return self.result

    def sweep(self) -> None:
        """Re-evaluate the worst points in ball arithmetic (see :data:`SWEEP_POINTS`)."""
        if self.ball_fns is None or any(
            i.has(sp.oo, -sp.oo) for e in self.exprs for i in e.atoms(sp.Integral)
        ):
            return
        stop = min(self.deadline, time.monotonic() + SWEEP_SECONDS)
        ranked = sorted(self.scored, key=lambda sp_: -sp_[0])
        failures = self.certify_failures
        for _, point in ranked[:SWEEP_POINTS]:
            if time.monotonic() > stop:
                break
            self.certify(point, "", stop)
        self.certify_failures = failures

    def edges(self) -> None:
        """The worst point so far with one symbol moved to an edge of its domain: a quarter of
        an ulp inside each end of a bounded interval (an exact fraction, so x < 0.1 + 0.2 is
        tried beyond 3/10), and 0 for a symbol that admits it."""
        if not self.scored:
            return
        base = max(self.scored, key=lambda sp_: sp_[0])[1]
        for v in self.sampler.continuous:
            kind = self.sampler.kinds[v]
            values: list[float | Fraction] = []
            if kind.name == "bounded":
                for edge, toward in ((kind.lo, kind.hi), (kind.hi, kind.lo)):
                    step = Fraction(math.nextafter(edge, toward)) - Fraction(edge)
                    values.append(Fraction(edge) + step / 4)
            elif kind.admits(0.0):
                values.append(0.0)
            for value in values:
                if kind.admits(value):
                    q = base.copy()
                    q.values[v] = value
                    self.visit(q)

    def coincidences(self) -> None:
        """The worst point so far with two quantities of the same kind made equal: two symbols
        sampled alike (a := b), two probability vectors of the same size (P := Q, entry by
        entry, or two tuple simplices of the same shape). Inequalities of this field are tight
        exactly there — Gibbs at P = Q, AM–GM at a = b, the JSD form at p = q — so
        Σ_k P_k log(P_k/Q_k) ≥ 10⁻⁹ fails only in a valley that random draws never reach."""
        if not self.scored:
            return
        base = max(self.scored, key=lambda sp_: sp_[0])[1]
        kinds = self.sampler.kinds
        syms = self.sampler.continuous
        moves: list[Point] = []
        for i, s in enumerate(syms):
            for t in syms[i + 1 :]:
                if kinds[s] == kinds[t] and base.values[s] != base.values[t]:
                    q = base.copy()
                    q.values[s] = base.values[t]
                    moves.append(q)
        vectors = [v for v in self.domain.simplex if isinstance(v, sp.IndexedBase)]
        for i, u in enumerate(vectors):
            for w in vectors[i + 1 :]:
                source = {idx: v for (lab, idx), v in base.entries.items() if lab == w.label}
                target = {idx for (lab, idx) in base.entries if lab == u.label}
                if source and set(source) == target:
                    q = base.copy()
                    q.entries.update({(u.label, idx): v for idx, v in source.items()})
                    moves.append(q)
        tuples = [v for v in self.domain.simplex if isinstance(v, tuple)]
        for i, u in enumerate(tuples):
            for w in tuples[i + 1 :]:
                pairs = [(a, b) for a, b in zip(u, w, strict=False) if isinstance(a, sp.Symbol)]
                if len(u) == len(w) and all(isinstance(b, sp.Symbol) for _, b in pairs) and all(
                    b in base.values for _, b in pairs
                ):
                    q = base.copy()
                    q.values.update({a: base.values[b] for a, b in pairs})
                    moves.append(q)
        for q in moves[:COINCIDENCE_POINTS]:
            # a coincidence may sit on a pole or a log of 0 (log|p − q| at p = q) where the claim
            # is undefined, not false: such a point is skipped, not held against a true claim
            if all(o.status == "real" for o in self._eval(q, self.digits)):
                self.visit(q)

    def critical_conditions(self) -> list[sp.Expr]:
        """Extra zero sets worth visiting (none here; see :class:`_NonNegativeSearch`)."""
        return []

    def breakpoints(self, limit: int) -> None:
        """Visit points at and near the breakpoints (:func:`breakpoint_conditions`) and the
        :meth:`critical_conditions`, solved for each symbol where they are polynomials of
        degree ≤ 2, from the worst point so far and from a random one."""
        conditions = []
        for e in self.exprs:
            conditions.extend(breakpoint_conditions(e))
        conditions.extend(self.critical_conditions())
        if not conditions or not self.sampler.continuous:
            return
        solutions: list[tuple[sp.Symbol, Fn]] = []
        for g in conditions:
            for v in sorted(g.free_symbols & set(self.sampler.continuous), key=sp.default_sort_key):
                if time.monotonic() > self.deadline:
                    raise _Stop
                try:
                    if not g.is_polynomial(v) or sp.degree(g, v) > 2:
                        continue
                    for sol in sp.solve(g, v):
                        solutions.append((v, compile_expr(sol)))
                except (CannotCompile, NotImplementedError, sp.PolynomialError, ValueError):
                    continue
        made = 0
        bases = [p for _, p in sorted(self.scored, key=lambda sp_: -sp_[0])[:1]]
        bases += list(self.sampler.random_points(1))
        for base in bases:
            for v, fn in solutions:
                out = evaluate(fn, base, self.ctx, 30)
                if out.status != "real":
                    continue
                t = float(out.value)
                for delta in (0.0, 1e-9, 1e-5, 1e-2, 0.1, 1.0):
                    for sign in (1.0, -1.0) if delta else (1.0,):
                        x = t + sign * delta * max(abs(t), 1.0)
                        if not self.sampler.kinds[v].admits(x):
                            continue
                        q = base.copy()
                        q.values[v] = x
                        self.visit(q)
                        made += 1
                        if made >= limit:
                            return

    def local_search(self, starts: int, budget: int) -> None:
        """Coordinate search from the ``starts`` worst points whose score is above the rounding
        level (:meth:`worth_exploring`)."""
        syms = self.sampler.continuous
        if not syms:
            return
        ranked = sorted(self.scored, key=lambda sp_: -sp_[0])
        seen: list[Point] = []
        for score, start in ranked:
            if len(seen) >= starts:
                break
            if not math.isfinite(score) or not self.worth_exploring(score):
                continue
            if any(start is s for s in seen):
                continue
            seen.append(start)
            self._coordinate_search(start, score, syms, budget)

    def worth_exploring(self, score: float) -> bool:
        return True

    def _coordinate_search(self, start: Point, score: float, syms: list[sp.Symbol], budget: int) -> None:
        kinds = self.sampler.kinds
        u = {s: kinds[s].to_free(float(start.values[s])) for s in syms}
        origin = dict(u)
        best, best_score, step, used = start, score, 1.0, 0
        while used < budget and step > 1e-3:
            improved = False
            for s in syms:
                if used >= budget:
                    break  # out of steps: the parabolic refinement below still runs
                for direction in (1.0, -1.0):
                    trial = dict(u)
                    trial[s] = u[s] + direction * step
                    x = kinds[s].from_free(trial[s])
                    if not kinds[s].admits(x):
                        continue
                    if self.has_quad and abs(trial[s] - origin[s]) > QUADRATURE_WALK:
                        continue  # see QUADRATURE_WALK
                    q = best.copy()
                    q.values[s] = x
                    sc = self.visit(q)
                    used += 1
                    if sc > best_score:
                        best, best_score, u, improved = q, sc, trial, True
                        break
                    if used >= budget:
                        break
            if not improved:
                step /= 4
        if len(syms) <= PARABOLIC_MAX_SYMBOLS and not self.has_quad:
            # not with integrals: a vertex step can land far out (μ = 54 for a Gaussian of
            # width 0.9), where mpmath's quadrature misses the mass with a tiny error estimate
            # and a true normaliser integral is "refuted" (checker corpus, seen in testing)
            self._parabolic_refine(best, best_score, u, syms)

    def _parabolic_refine(self, best: Point, best_score: float, u: dict[sp.Symbol, float],
                          syms: list[sp.Symbol]) -> None:
        """Jump to the vertex of the parabola through three points along each coordinate (a few
        rounds). The coordinate search stops at steps of 1e-3, so a minimum as narrow as
        (x − y)² − 10⁻⁹ (negative only where |x − y| < 3·10⁻⁵) was never reached (redteam
        corpus); on a smooth score the vertex step converges like Newton's method."""
        kinds = self.sampler.kinds
        for _ in range(PARABOLIC_ROUNDS):
            for s in syms:
                h = 1e-3 * max(1.0, abs(u[s]))
                trial = {d: u[s] + d for d in (-h, h)}
                xs = {d: kinds[s].from_free(v) for d, v in trial.items()}
                if not all(kinds[s].admits(x) for x in xs.values()):
                    continue
                scores = {}
                for d, x in xs.items():
                    q = best.copy()
                    q.values[s] = x
                    scores[d] = self.visit(q)
                a, b, c = scores[-h], best_score, scores[h]
                curvature = a - 2 * b + c
                if not all(math.isfinite(v) for v in (a, b, c)) or curvature >= 0:
                    continue
                offset = -h * (c - a) / (2 * curvature)
                x = kinds[s].from_free(u[s] + offset)
                if not kinds[s].admits(x):
                    continue
                q = best.copy()
                q.values[s] = x
                sc = self.visit(q)
                if sc > best_score:
                    best, best_score = q, sc
                    u = {**u, s: u[s] + offset}


class _EqualSearch(_Search):
    def worth_exploring(self, score: float) -> bool:
        """A discrepancy at the rounding level carries no direction worth following."""
        return score > NOISE_MARGIN_DIGITS - self.digits

    def screen(self, outs: list[Outcome]) -> _Screen:
        a, b = outs
        if a.status != "real" or b.status != "real":
            return _Screen(math.inf, True)
        d = abs(a.value - b.value)
        scale = max(a.scale, b.scale)
        rel = d / scale if scale else self.ctx.mpf(0)
        score = float(self.ctx.log10(rel)) if rel else -math.inf
        candidate = bool(rel > self.noise(self.digits))
        if not candidate:
            self.result.worst = max(self.result.worst, float(rel))
        return _Screen(score, candidate)

    def confirm(self, point: Point, outs: list[Outcome]) -> None:
        d2, d4, (a2, b2), (a4, b4), trusted = self.levels(point, outs)
        sides = self.labels
        statuses = (a4.status, b4.status)
        if statuses != (a2.status, b2.status):
            self.result.uncertain = f"the sides' kind changes with precision at {point.describe()}"
            return
        if statuses == ("real", "real"):
            diff2, diff4 = a2.value - b2.value, a4.value - b4.value
            err4 = a4.quad_error + b4.quad_error
            err2 = a2.quad_error + b2.quad_error
            scale = max(a4.scale, b4.scale)
            rel4 = abs(diff4) / scale if scale else 0
            lost4 = max(a4.lost_digits, b4.lost_digits)
            tol4 = max(
                self.ctx.mpf(10) ** (NOISE_MARGIN_DIGITS + min(lost4, d4) - d4),
                QUADRATURE_SAFETY * err4 / scale if scale else 0,
            )
            if not trusted:
                if rel4 <= 10.0 ** (NOISE_MARGIN_DIGITS - self.digits):
                    self.result.worst = max(self.result.worst, float(rel4))
                elif not self.certify(point, ""):
                    # digits lost to cancellation even at the highest precision (an exactly
                    # zero sub-sum, say) and no ball certificate either: not evidence
                    self.result.unresolved += 1
                return
            within_quad = abs(diff4) <= QUADRATURE_SAFETY * err4 or abs(diff2) <= QUADRATURE_SAFETY * err2
            # with quadrature, the two values need only agree within their error estimates
            consistent = self.stable(diff2, diff4) or (
                self.has_quad and abs(diff2 - diff4) <= QUADRATURE_SAFETY * (err2 + err4)
            )
            if not consistent or within_quad:
                if rel4 > tol4 and not self.certify(point, ""):
                    self.result.uncertain = (
                        f"at {point.describe()} the sides differ by {self.fmt(diff4)} (relative "
                        f"{self.nstr(rel4, 3)}), more than the evaluation's accuracy "
                        f"({self.nstr(tol4, 3)}: rounding at {d4} digits, {QUADRATURE_SAFETY}× the "
                        "quadrature error estimate), but the difference is not stable when the precision "
                        "doubles; it cannot be decided there"
                    )
                else:
                    self.result.worst = max(self.result.worst, float(rel4))
                    self.tolerance = max(self.tolerance, float(tol4))
                return
            self.certify(
                point,
                f"the two sides differ by {self.fmt(diff4)} "
                f"(relative {self.nstr(abs(diff4) / scale, 3)}), "
                f"stable at {d2} and {d4} digits",
            )
            return
        real = [s for s, st in zip(sides, statuses, strict=True) if st == "real"]
        if len(real) == 1:
            other = sides[1] if real[0] == sides[0] else sides[0]
            out2, out4 = (a2, a4) if other == sides[0] else (b2, b4)
            what = {"nonreal": "is not real", "infinite": "is infinite", "undefined": "is undefined"}[
                out4.status
            ]
            if out4.status == "nonreal" and not self.stable(out2.value.imag, out4.value.imag):
                return
            reason = f" ({out4.problem})" if out4.problem else ""
            if out4.status == "nonreal":
                self.certify(point, f"{real[0]} is real there but {other} {what}{reason}")
            else:  # an undefined or infinite side has no enclosure: never a certified refutation
                self.result.uncertain = (
                    f"at {point.describe()} {real[0]} is real but {other} {what}{reason}; "
                    "an undefined side is not a certified counterexample"
                )
            return
        if "infinite" in statuses or "undefined" in statuses:
            self.result.uncertain = (
                f"at {point.describe()} the sides are {' / '.join(statuses)}; "
                "not a certified counterexample"
            )
            return
        # both sides leave the reals: complex values on SymPy's principal branches are not what a
        # derivation means (log((1 − λ)/λ) and log(1 − λ) − log λ differ by 2πi at λ = 3):
        # undecided, naming the declaration to tighten
        self._leaves_reals(point, statuses)

    def _leaves_reals(self, point: Point, statuses: tuple[str, ...]) -> None:
        if self.result.leaves_reals is None:
            loose = [s.name for s, k in self.sampler.kinds.items() if k.name == "real" and s in point.values]
            hint = (
                f"; tighten the declaration of {', '.join(loose)} (positive=True or Domain bounds)"
                if loose
                else "; restrict the domain (Domain bounds) to where the expression is real"
            )
            self.result.leaves_reals = (
                f"the expression leaves the reals at {point.describe()} ({' / '.join(statuses)}){hint}"
            )


class _NonNegativeSearch(_Search):
    def critical_conditions(self) -> list[sp.Expr]:
        """∂f/∂v for each symbol v in which the value f is a polynomial of degree ≤ 3: its zeros
        are f's minima along v. (x − 1/3)² ≥ 10⁻²⁰ fails only where |x − 1/3| < 10⁻¹⁰, far
        below the local search's steps."""
        (e,) = self.exprs
        out = []
        for v in self.sampler.continuous:
            try:
                if e.is_polynomial(v) and 2 <= sp.degree(e, v) <= 3:
                    out.append(sp.diff(e, v))
            except (sp.PolynomialError, ValueError, NotImplementedError):
                continue
        return out[:8]

    def screen(self, outs: list[Outcome]) -> _Screen:
        (v,) = outs
        if v.status != "real":
            return _Screen(math.inf, True)
        score = -float(self.ctx.asinh(v.value))
        if self.smallest is None or v.value < self.smallest:
            self.smallest = v.value
        return _Screen(score, bool(v.value < 0))

    def confirm(self, point: Point, outs: list[Outcome]) -> None:
        d2, d4, (v2,), (v4,), trusted = self.levels(point, outs)
        if v2.status != v4.status:
            self.result.uncertain = f"the value's kind changes with precision at {point.describe()}"
            return
        if v4.status == "real":
            if v4.value < 0 and self.stable(v2.value, v4.value):
                if not trusted:
                    if not self.certify(point, ""):
                        self.result.unresolved += 1  # digits lost to cancellation: not evidence
                    return
                if abs(v4.value) <= QUADRATURE_SAFETY * v4.quad_error or abs(v2.value) <= (
                    QUADRATURE_SAFETY * v2.quad_error
                ):
                    if not self.certify(point, ""):
                        self.result.uncertain = (
                            f"value {self.fmt(v4.value)} at {point.describe()} is within the "
                            "quadrature error"
                        )
                    return
                self.certify(point, f"value {self.fmt(v4.value)} < 0, stable at {d2} and {d4} digits")
            elif v4.value < 0 or (v4.value == 0 and not trusted):
                self.certify(point, "")
            return
        if v4.status == "infinite" and v4.value < 0:
            self.result.uncertain = (
                f"the value is −∞ at {point.describe()}; an infinite value is not a certified "
                "counterexample"
            )
            return
        if self.result.leaves_reals is None:
            loose = [s.name for s, k in self.sampler.kinds.items() if k.name == "real" and s in point.values]
            hint = f"; tighten the declaration of {', '.join(loose)}" if loose else ""
            self.result.leaves_reals = (
                f"the expression leaves the reals at {point.describe()} ({v4.status}"
                f"{': ' + v4.problem if v4.problem else ''}){hint}"
            )


def _prepare(e: sp.Expr, domain: Domain) -> sp.Expr:
    from derivations.checker.normal_form import substitute_definitions

    return substitute_definitions(e, domain)


def search_equal(
    lhs: sp.Expr, rhs: sp.Expr, domain: Domain, deadline: float, *, labels: tuple[str, str] = ("lhs", "rhs")
) -> SearchResult:
    """Search for a point where ``lhs ≠ rhs`` (see the module docstring)."""
    return _run(
        lambda: _EqualSearch([_prepare(lhs, domain), _prepare(rhs, domain)], domain, deadline, list(labels))
    )


def search_nonnegative(expr: sp.Expr, domain: Domain, deadline: float) -> SearchResult:
    """Search for a point where ``expr < 0`` (see the module docstring)."""
    return _run(lambda: _NonNegativeSearch([_prepare(expr, domain)], domain, deadline, ["value"]))


def _run(make: Callable[[], _Search]) -> SearchResult:
    try:
        search = make()
    except CannotCompile as exc:
        return SearchResult(unevaluable=str(exc))
    result = search.run()
    result.tolerance = search.tolerance
    if search.smallest is not None:
        result.worst = float(search.smallest)
        result.worst_text = search.ctx.nstr(search.smallest, 6)
    else:
        result.worst_text = f"{result.worst:.3g}"
    return result
