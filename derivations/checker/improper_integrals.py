"""Integrals over an infinite range, or over a finite one with an integrable singular end,
enclosed in ball arithmetic without trusting SymPy's definite integration.

A refutation certificate (DESIGN.md, "The step checker") needs a rigorous enclosure of every
side. SymPy's definite ``integrate`` has known wrong answers (a ``Piecewise`` condition dropped,
a branch chosen wrongly), so its value is never used. An integral ``∫ f(t) dt`` over ``[a, ∞)``,
``(−∞, b]`` or ``(−∞, ∞)``, whose parameters are already exact numbers (the point's coordinates),
gets one of two certificates:

1. **Arb integration with bounded tails.** The range is cut at ``R`` (and ``−R``); the finite
   part is integrated by Arb's certified integration (Petras' algorithm), split at the peaks of
   the integrand (the real critical points ``x*`` of the exponent, with points
   ``x* ± 2^k w`` at the peak's width ``w = |P''(x*)|^(−1/2)``), at 0 and at the finite limit;
   each tail ``∫_R^∞`` is enclosed by an explicit bound, for the **tail class**: sums of
   terms ``C · Π p_j(x)^(α_j) · Π log q_i(x) · Π sin/cos(s(x)) · exp(P(x))`` with polynomials
   ``p_j, q_i, s, P`` and real constant exponents ``α_j`` (``|A(x)|`` of a real polynomial
   counts as ``±A(x)``, its sign at infinity, beyond ``1 + Σ|a_i|/|a_d|``: Laplace densities):

   * *exponential type*: ``P`` of degree ``m ≥ 1`` whose leading coefficient has real part
     ``−c < 0`` (Gaussians ``e^{−(x−μ)²/2σ²}``, products of Gaussians, ``e^{−λx}``, ``2^{−x}``).
     For ``x ≥ R ≥ 1`` with ``R ≥ 2S/c`` (``S`` the sum of the other coefficients' absolute
     values), ``Re P(x) ≤ −(c − S/R) x^m ≤ −λx`` with ``λ = (c − S/R)R^(m−1)``; each
     ``p_j^(α_j)`` is at most ``|ℓ_j|^(α_j) max((1 ± ρ_j)^(α_j)) x^(d_j α_j)`` (``ℓ_j`` the leading
     coefficient, ``ρ_j ≤ 1/2`` the relative size of the others at ``R``), each ``|log q_i(x)|`` at
     most ``(|log ℓ_i| + log 2 + deg q_i)·x``, each sine/cosine (of a real polynomial) at most 1;
     so the tail is at most ``K ∫_R^∞ x^n e^{−λx} dx = K e^{−λR} Σ_k n!/(n−k)! R^(n−k) λ^(−k−1)``.
   * *power law*: ``P`` constant and ``β = Σ d_j α_j < −1`` (the Lomax density ``a(1+t)^(−1−a)``,
     Student-t and Cauchy shapes), no log factor. For ``x ≥ R`` each ``p_j^(α_j)`` lies between
     ``ℓ_j^(α_j) x^(d_j α_j) (1 ± ρ_j)^(α_j)``, so the tail lies in
     ``C Π ℓ_j^(α_j) · [Π min, Π max] · R^(β+1)/(−β−1)`` (times ``[−1, 1]`` with a sine/cosine):
     an enclosure of the tail itself, whose relative width ``O(1/R)`` is made small by a large
     ``R`` (Arb integrates ``[0, 2^k]`` in ``O(k)`` subintervals).

   *Endpoint*: at a finite lower end ``a`` where the integrand is singular but integrable
   (factors ``p(x)^α`` or ``log p(x)`` with ``p(a) = 0``: the Gamma density ``t^(α−1)e^(−βt)``,
   ``log t``), ``(a, a + δ]`` is cut off: writing ``p(a+u) = u^k q(u)``, each term is at most
   ``M u^γ Π(k|log u| + L)`` there (``M``, ``L`` from ball evaluations on ``[0, δ]``,
   ``γ = Σ kα > −1``), and ``∫_0^δ u^γ |log u|^j du = Γ(j+1, −(γ+1) log δ)/(γ+1)^(j+1)`` is a
   finite sum; ``δ`` is halved until the bound is below ``2^−64`` of the integrand's scale, and
   ``[a + δ, a + δ·2^bits]`` is integrated by Arb in the distance ``u`` to the end on the exact
   dyadic mesh ``δ·2^j`` (nodes like ``1 + 2^−500`` are no binary numbers at the working
   precision). The same cut serves a **finite** range with a singular end, at either end
   (:func:`singular_end_integral`: ``∫₀¹ log x dx``, the Beta density's ``E[log θ]``; the upper
   end through ``u = b − x``).

   Everything else (a logarithmic tail like ``1/((2+t) log²(2+t))``, ``β ≥ −1``, an exponent
   whose leading coefficient is not certainly negative, a function outside the list, a
   singularity of the integrand inside the finite part, ``γ ≤ −1``) gives no enclosure this way.
2. **A verified antiderivative.** SymPy's *indefinite* integral ``F`` is accepted only when
   ``simplify(F' − f)`` is exactly 0 (and ``F' − f`` encloses 0 in balls at three points of the
   range), and ``F`` is built only from functions analytic on the open range — polynomials,
   ``exp``/``sin``/``cos``/``sinh``/``cosh``/``erf``/``erfc``/``erfi`` of anything, ``atan``/
   ``asinh``/``tanh`` of real arguments, powers and ``log``/incomplete gammas of polynomials
   whose real roots are certified to lie outside the open range (exact root isolation, rational
   coefficients up to a common factor) — so that no branch cut, pole or ``Piecewise`` can hide
   inside the range. The value is ``lim F`` at the upper end minus ``lim F`` at the lower end
   (SymPy's Gruntz ``limit``, one-sided at a finite end), evaluated in balls.

No certificate → :class:`~derivations.checker.balls.NoEnclosure` (the checker says undecided,
never refuted).

References: F. Johansson, "Numerical integration in arbitrary-precision ball arithmetic" (ICMS
2018) for Arb's integration; the integrals are those of the seeds' Gaussian, exponential-family
and heavy-tailed densities (Bishop, PRML §2.3 and (2.146); the Lomax normalisation).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import sympy as sp
from flint import acb, arb, ctx

from derivations.checker.balls import BallEnv, NoEnclosure, compile_balls_bound

__all__ = ["SYMBOLIC_SECONDS", "improper_integral", "singular_end_integral"]

#: Seconds SymPy may spend on each symbolic step of the antiderivative certificate.
SYMBOLIC_SECONDS = 2.0

#: The largest ``R`` tried for an exponential-type tail is ``2^MAX_DOUBLINGS`` times the smallest.
MAX_DOUBLINGS = 24

#: The power-law cut ``R`` is ``2^min(prec, POWER_LAW_BITS)`` times the smallest valid one.
POWER_LAW_BITS = 128

#: A singular finite end is cut off where its bound is below 2^−min(prec, ENDPOINT_BITS) times
#: the integrand's scale, at a distance of at least 2^−MAX_ENDPOINT_BITS.
ENDPOINT_BITS = 64
MAX_ENDPOINT_BITS = 1024

#: Integrand evaluations Arb may spend on one piece of the finite part.
EVAL_LIMIT = 50_000

_BOUNDED = (sp.sin, sp.cos)


@dataclass
class _Term:
    """One term of the tail class (module docstring) as SymPy numbers."""

    const: sp.Expr = sp.S.One
    exponent: sp.Expr = sp.S.Zero  # P(x)
    powers: list[tuple[list[sp.Expr], sp.Expr]] = field(default_factory=list)  # (p, α)
    logs: list[list[sp.Expr]] = field(default_factory=list)
    bounded: int = 0  # sine/cosine factors
    #: polynomials whose |·| was replaced by ±· (valid beyond their real roots)
    signed: list[list[sp.Expr]] = field(default_factory=list)


def _coeffs(expr: sp.Expr, x: sp.Symbol) -> list[sp.Expr] | None:
    """The coefficients (highest degree first) of ``expr`` as a polynomial in ``x`` with
    numeric coefficients, or None."""
    try:
        poly = sp.Poly(expr, x)
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return None
    coeffs = [sp.sympify(c) for c in poly.all_coeffs()]
    if any(c.free_symbols for c in coeffs):
        return None
    return coeffs


def _term(expr: sp.Expr, x: sp.Symbol) -> _Term:
    """``expr`` (one term of the integrand) in the tail class, or :class:`NoEnclosure`."""
    out = _Term()
    for f in sp.Mul.make_args(expr):
        if x not in f.free_symbols:
            out.const = out.const * f
            continue
        if isinstance(f, sp.exp):
            if _coeffs(f.args[0], x) is None:
                raise NoEnclosure("an exponent that is not a polynomial")
            out.exponent += f.args[0]
            continue
        if isinstance(f, sp.Pow):
            base, e = f.args
            if x not in e.free_symbols:
                if e.is_extended_real is not True:
                    raise NoEnclosure("a power with an exponent not known to be real")
                if isinstance(base, sp.exp):
                    inner = _coeffs(base.args[0], x)
                    if inner is None or any(c.is_extended_real is not True for c in inner):
                        raise NoEnclosure("a power of exp of something that is not a real polynomial")
                    out.exponent += e * base.args[0]
                    continue
                p = _coeffs(base, x)
                if p is None or any(c.is_extended_real is not True for c in p):
                    raise NoEnclosure("a power of something that is not a real polynomial")
                out.powers.append((p, e))
                continue
            if x not in base.free_symbols and base.is_positive is True and _coeffs(e, x) is not None:
                out.exponent += e * sp.log(base)
                continue
            raise NoEnclosure("a power outside the tail class")
        if isinstance(f, sp.log):
            q = _coeffs(f.args[0], x)
            if q is None or any(c.is_extended_real is not True for c in q):
                raise NoEnclosure("a log of something that is not a real polynomial")
            out.logs.append(q)
            continue
        if isinstance(f, _BOUNDED):
            s = _coeffs(f.args[0], x)
            if s is None or any(c.is_extended_real is not True for c in s):
                raise NoEnclosure("a sine/cosine of something that is not a real polynomial")
            out.bounded += 1
            continue
        p = _coeffs(f, x)
        if p is None or any(c.is_extended_real is not True for c in p):
            raise NoEnclosure(f"the factor {sp.sstr(f)[:80]} is outside the tail class")
        out.powers.append((p, sp.S.One))
    return out


def _tail_terms(g: sp.Expr, x: sp.Symbol) -> list[_Term]:
    """The terms of ``g`` for ``x → +∞``. ``|A(x)|`` of a real polynomial ``A`` is ``±A(x)``
    (the sign of its leading coefficient) beyond ``1 + Σ|a_i|/|a_d|``, which bounds its real
    roots: the Laplace density ``e^{−|x−μ|/b}``."""
    signed: list[list[sp.Expr]] = []
    reps: dict[sp.Basic, sp.Expr] = {}
    for a in g.atoms(sp.Abs):
        coeffs = _coeffs(a.args[0], x)
        if coeffs is None or x not in a.args[0].free_symbols:
            continue
        if any(c.is_extended_real is not True for c in coeffs):
            raise NoEnclosure("|·| of a polynomial not known to be real")
        lead = _real_ball(coeffs[0])
        if not (lead > 0 or lead < 0):
            raise NoEnclosure("|·| of a polynomial whose leading sign is not decided")
        reps[a] = a.args[0] if lead > 0 else -a.args[0]
        signed.append(coeffs)
    terms = [_term(t, x) for t in sp.Add.make_args(g.xreplace(reps) if reps else g)]
    for t in terms:
        t.signed = signed
    return terms


def _ball(expr: sp.Expr) -> acb:
    value = compile_balls_bound(expr, frozenset())(_env())
    if not value.is_finite():
        raise NoEnclosure("a coefficient without a finite enclosure")
    return value


def _real_ball(expr: sp.Expr) -> arb:
    z = _ball(expr)
    if not z.imag.is_zero():
        raise NoEnclosure("a coefficient not known to be real")
    return z.real


class _NoPoint:
    """The parameters are already substituted: the point has no coordinates."""

    def value(self, sym: sp.Symbol) -> float | Fraction | int:
        raise NoEnclosure(f"no value for {sym}")

    def indexed(self, label: sp.Symbol, indices: tuple[int, ...]) -> float | Fraction:
        raise NoEnclosure(f"no value for {label}{list(indices)}")


def _env() -> BallEnv:
    return BallEnv(_NoPoint())


@dataclass
class _PolyBound:
    """A real polynomial at ``x ≥ R``: leading coefficient ``lead``, degree ``deg``, and
    ``others`` = Σ of the other coefficients' absolute values (so ``ρ(R) ≤ others/(|lead| R)``)."""

    lead: arb
    deg: int
    others: arb

    @classmethod
    def of(cls, coeffs: list[sp.Expr]) -> _PolyBound:
        balls = [_real_ball(c) for c in coeffs]
        if not balls or balls[0] == 0 or not (balls[0] > 0 or balls[0] < 0):
            raise NoEnclosure("a polynomial whose leading coefficient is not certainly nonzero")
        others = arb(0)
        for b in balls[1:]:
            others += abs(b)
        return cls(balls[0], len(balls) - 1, others)

    def r_min(self) -> arb:
        """The smallest R with ρ ≤ 1/2."""
        return 2 * self.others / abs(self.lead)

    def rho(self, r: arb) -> arb:
        return self.others / (abs(self.lead) * r)


@dataclass
class _TailBound:
    """The numeric tail bound of one term at the current precision."""

    const: acb
    exp_lead: arb | None  # −c (real part of the leading coefficient of P), None for P constant
    exp_deg: int
    exp_others: arb
    powers: list[tuple[_PolyBound, arb, int | None]]  # (p, α, α when an integer)
    logs: list[_PolyBound]
    bounded: int
    signed: list[_PolyBound]

    @classmethod
    def of(cls, term: _Term, x: sp.Symbol) -> _TailBound:
        coeffs = _coeffs(term.exponent, x) if term.exponent != 0 else [sp.S.Zero]
        assert coeffs is not None
        const = _ball(term.const)
        exp_lead: arb | None = None
        others = arb(0)
        deg = len(coeffs) - 1
        if deg >= 1:
            lead = _ball(coeffs[0]).real
            if not lead < 0:
                raise NoEnclosure("an exponent whose leading coefficient is not certainly negative")
            exp_lead = lead
            for c in coeffs[1:-1]:
                others += abs(_ball(c))
        const = const * _ball(coeffs[-1]).exp()
        powers = []
        for p, alpha in term.powers:
            integer = int(alpha) if alpha.is_Integer else None
            pb = _PolyBound.of(p)
            if integer is None and not pb.lead > 0:
                raise NoEnclosure("a non-integer power of a polynomial negative at infinity")
            powers.append((pb, _real_ball(alpha), integer))
        logs = [_PolyBound.of(q) for q in term.logs]
        for q in logs:
            if not q.lead > 0:
                raise NoEnclosure("a log of a polynomial negative at infinity")
        if exp_lead is None:
            if logs:
                raise NoEnclosure("a logarithmic factor in a power-law tail")
            beta = cls._beta(powers)
            if not beta < -1:
                raise NoEnclosure("a tail that is not certainly integrable (power ≥ −1)")
        signed = [_PolyBound.of(a) for a in term.signed]
        return cls(const, exp_lead, deg, others, powers, logs, term.bounded, signed)

    @staticmethod
    def _beta(powers: list[tuple[_PolyBound, arb, int | None]]) -> arb:
        beta = arb(0)
        for pb, alpha, _ in powers:
            beta += pb.deg * alpha
        return beta

    def r_min(self) -> arb:
        r = arb(1)
        for pb, _, _ in self.powers:
            r = r.max(pb.r_min())
        for q in self.logs:
            r = r.max(q.r_min())
        for a in self.signed:  # beyond every real root of a polynomial under |·|
            r = r.max(1 + a.others / abs(a.lead))
        if self.exp_lead is not None:
            r = r.max(2 * self.exp_others / (-self.exp_lead))
        return r

    def _factors(self, r: arb) -> arb:
        """A ball holding Π ℓ^α (1 + ρ)^α-range of the power factors at x ≥ r (positive part)."""
        w = arb(1)
        for pb, alpha, integer in self.powers:
            rho = pb.rho(r)
            spread = ((1 - rho) ** alpha).union((1 + rho) ** alpha)
            lead = pb.lead ** integer if integer is not None else pb.lead ** alpha
            w *= lead * spread
        return w

    def enclose(self, r: arb) -> acb:
        """A ball holding ``∫_r^∞`` of the term (``r ≥ r_min()``)."""
        beta = self._beta(self.powers)
        w = self._factors(r)
        if self.exp_lead is None:  # power law: an enclosure of the tail itself
            core = w * r ** (beta + 1) / (-beta - 1)
            if self.bounded:
                core = arb(0, abs(core).upper())
            return self.const * acb(core)
        log_factor = arb(1)
        n_extra = 0
        for q in self.logs:
            log_factor *= abs(q.lead.log()) + arb(2).log() + q.deg
            n_extra += 1
        c_prime = -self.exp_lead - self.exp_others / r
        lam = c_prime * r ** (self.exp_deg - 1)
        n = max(0, math.ceil(float(beta.upper()))) + n_extra
        integral = arb(0)
        falling = arb(1)
        for k in range(n + 1):  # ∫_r^∞ x^n e^{−λx} dx
            integral += falling * r ** (n - k) / lam ** (k + 1)
            falling *= n - k
        bound = abs(self.const) * abs(w) * log_factor * (-(lam * r)).exp() * integral
        radius = bound.upper()
        return acb(arb(0, radius), arb(0, radius))


def _derivative(c: list[float]) -> list[float]:
    """Coefficients (highest degree first) of the derivative of the polynomial ``c``."""
    n = len(c) - 1
    return [a * (n - i) for i, a in enumerate(c[:-1])]


def _value(c: list[float], x: float) -> float:
    total = 0.0
    for a in c:
        total = total * x + a
    return total


def _real_roots(c: list[float]) -> list[float]:
    """Approximate real roots of the polynomial ``c`` (highest degree first; mpmath's
    Durand–Kerner), [] where there are none or the iteration does not converge."""
    while c and c[0] == 0:
        c = c[1:]
    if len(c) < 2 or not all(math.isfinite(a) for a in c):
        return []
    try:
        roots = mpmath.polyroots(c, maxsteps=100, extraprec=60)
    except (mpmath.libmp.NoConvergence, ZeroDivisionError, ValueError):
        return []
    found = []
    for r in roots:
        z = complex(r)
        if abs(z.imag) <= 1e-9 * max(1.0, abs(z.real)) and math.isfinite(z.real):
            found.append(z.real)
    return found


def _critical_points(term: _Term, x: sp.Symbol) -> list[float]:
    """Heuristic split points: the peaks of ``exp(P)`` and a geometric mesh at their widths,
    and the real roots of the power factors (never needed for rigour, only for speed)."""
    points: list[float] = []
    coeffs = _coeffs(term.exponent, x) if term.exponent != 0 else None
    if coeffs is not None and len(coeffs) >= 3:
        c = [float(_ball(k).real.mid()) for k in coeffs]
        deriv = _derivative(c)
        second = _derivative(deriv)
        for xs in _real_roots(deriv):
            points.append(xs)
            curv = abs(_value(second, xs))
            if curv > 0:
                width = curv ** -0.5
                for k in range(0, 40):
                    points += [xs - width * 2.0**k, xs + width * 2.0**k]
    for p in [q for q, _ in term.powers] + term.signed:
        if len(p) >= 2:
            points += _real_roots([float(_ball(k).real.mid()) for k in p])
    return [p for p in points if math.isfinite(p)]


def _degree(expr: sp.Expr, x: sp.Symbol) -> int:
    coeffs = _coeffs(expr, x)
    return -1 if coeffs is None else len(coeffs) - 1


def _tail_analysis(g: sp.Expr, x: sp.Symbol) -> tuple[list[_Term], list[float]]:
    terms = _tail_terms(g, x)
    points: list[float] = []
    for t in terms:
        try:
            points += _critical_points(t, x)
        except Exception:  # split points are a heuristic (speed only): a float may overflow
            continue
    return terms, points


@dataclass
class _Side:
    """``∫_R^∞`` of one side's terms (the right side, or the left one reflected)."""

    terms: list[_Term]
    x: sp.Symbol

    def bounds(self) -> list[_TailBound]:
        return [_TailBound.of(t, self.x) for t in self.terms]


def _arb_certificate(g: sp.Expr, x: sp.Symbol, lower: sp.Expr | None) -> Callable[[], acb]:
    """``∫_lower^∞ g`` (``lower`` None: the whole line) by Arb integration plus tail bounds."""
    g = sp.expand_log(g)  # log(c·e^P) = log c + P for real P (no force: only valid rewrites)
    right_terms, right_points = _tail_analysis(g, x)
    sides = [_Side(right_terms, x)]
    points = list(right_points)
    if lower is None:
        left_terms, _ = _tail_analysis(g.xreplace({x: -x}), x)
        sides.append(_Side(left_terms, x))
    body = compile_balls_bound(g, frozenset({x}))
    lower_ball = None if lower is None else _real_ball(lower)
    u = sp.Dummy("u", positive=True)
    ends = None if lower is None else _end_terms(g.xreplace({x: lower + u}), u)
    singular_end = ends is not None and any(
        t.logs or any(not (alpha.is_Integer and alpha >= 0) for _, _, alpha in t.powers) for t in ends
    )
    is_real = _is_real(g, x, lower)
    power_law = any(_degree(t.exponent, x) == 0 for s in sides for t in s.terms)

    def integrand(env: BallEnv) -> Callable[[acb, bool], acb]:
        def f(z: acb, analytic: bool) -> acb:
            return body(env.bind(x, z, analytic=bool(analytic)))
        return f

    def value() -> acb:
        # the tail (power law) or the cut-off end bounds the accuracy: more working precision
        # than that only costs time (the ball stays rigorous at any precision)
        saved = ctx.prec
        cap = saved
        if power_law:
            cap = min(cap, POWER_LAW_BITS + 64)
        if singular_end:
            cap = min(cap, ENDPOINT_BITS + 64)
        ctx.prec = cap
        try:
            return at_precision()
        finally:
            ctx.prec = saved

    def at_precision() -> acb:
        prec = ctx.prec
        bounds = [s.bounds() for s in sides]
        r0 = arb(1)
        for side in bounds:
            for b in side:
                r0 = r0.max(b.r_min())
        start = float(lower_ball.mid()) if lower_ball is not None else None
        interesting = [0.0] + ([start] if start is not None else []) + points
        if start is not None:
            interesting = [p for p in interesting if p >= start]
        reach = max(abs(p) for p in interesting)
        r = arb(math.ceil(max(float(r0.upper()), 2 * reach + 1)))
        env = _env()
        f = integrand(env)
        scale = arb(0)
        for p in interesting:
            try:
                at = abs(f(acb(arb(p)), False))
            except (NoEnclosure, ArithmeticError, ValueError):
                continue
            if at.is_finite():
                scale = scale.max(at.upper())
        target = scale * arb(2) ** (-prec) if scale > 0 else arb(2) ** (-prec)
        if power_law:
            r = r * arb(2) ** min(prec, POWER_LAW_BITS)
            tails = _tails(bounds, r)
        else:
            tails = _tails(bounds, r)
            for _ in range(MAX_DOUBLINGS):
                if _radius(tails) <= target:
                    break
                r = r * 2
                tails = _tails(bounds, r)
        lo = arb(lower_ball.mid()) if lower_ball is not None else -r
        cuts = sorted({p for p in interesting if float(lo) < p < float(r)})
        nodes = [lo] + [arb(p) for p in cuts] + [r]
        if power_law:  # dyadic pieces out to R: each is easy for Arb
            dyadic = [arb(2) ** k for k in range(int(math.log2(float(r))))]
            nodes = sorted({*nodes, *[d for d in dyadic if d > lo and d < r],
                            *[-d for d in dyadic if -d > lo and -d < r]}, key=float)
        total = acb(0)
        if singular_end:  # cut (a, a + δ] off and bound it (_end_bound)
            assert ends is not None and lower_ball is not None and lower is not None
            if not lower_ball.is_exact():
                raise NoEnclosure("a singular end of the range that is not an exact binary number")
            room = (nodes[1] - lo).min(arb(1) / 2)
            goal = target.max(scale * arb(2) ** -min(prec, ENDPOINT_BITS))
            delta, end, bits = _cut_end(ends, u, room, goal, prec)
            total += acb(arb(0, end.upper()), arb(0, end.upper()))
            total += _near_end(g, x, lower, 1, delta, bits)
            nodes = [lo + room, *[n for n in nodes[1:] if n > lo + room]]
        elif lower_ball is not None and not lower_ball.is_exact():
            # the integral from the exact midpoint, plus |∫ over the limit's ball| ≤ rad · sup |f|
            slack = lower_ball.rad() * abs(f(acb(lower_ball), False)).upper()
            total += acb(arb(0, slack), arb(0, slack))
        for start_node, end_node in itertools.pairwise(nodes):
            piece = acb.integral(f, start_node, end_node, eval_limit=EVAL_LIMIT)
            if not piece.is_finite():
                raise NoEnclosure("certified integration gave no finite enclosure")
            total += piece
        total += tails
        if not total.is_finite():
            raise NoEnclosure("certified integration gave no finite enclosure")
        return acb(total.real) if is_real else total

    return value


def _tails(bounds: list[list[_TailBound]], r: arb) -> acb:
    out = acb(0)
    for side in bounds:
        for b in side:
            out += b.enclose(r)
    return out


def _radius(z: acb) -> arb:
    return arb(z.real.rad()).max(arb(z.imag.rad()))


def _is_real(g: sp.Expr, x: sp.Symbol, lower: sp.Expr | None) -> bool:
    """``g`` is real on the range (``x`` positive there when the range lies in (0, ∞))."""
    probe = sp.Dummy("t", positive=True) if _inside_positive(lower) else sp.Dummy("t", real=True)
    return g.xreplace({x: probe}).is_extended_real is True


def _inside_positive(lower: sp.Expr | None) -> bool:
    return lower is not None and bool(lower >= 0)


# ------------------------------------------------------------------ a singular finite end


@dataclass
class _EndTerm:
    """One term of ``g(a + u)`` near ``u = 0``: ``const · Π regular · Π u^(k α) q(u)^α ·
    Π (k log u + log q(u))`` (module docstring, "endpoint")."""

    const: sp.Expr = sp.S.One
    regular: list[sp.Expr] = field(default_factory=list)
    powers: list[tuple[int, sp.Expr, sp.Expr]] = field(default_factory=list)  # (k, q, α)
    logs: list[tuple[int, sp.Expr]] = field(default_factory=list)  # (k, q)


def _split_root(p: sp.Expr, u: sp.Symbol) -> tuple[int, sp.Expr] | None:
    """``p = u^k q(u)`` with ``q(0)`` not exactly 0, for a polynomial ``p``; else None."""
    coeffs = _coeffs(p, u)
    if coeffs is None:
        return None
    k = 0
    while len(coeffs) > 1 and coeffs[-1] == 0:
        coeffs = coeffs[:-1]
        k += 1
    return k, sp.Poly(coeffs, u).as_expr()


def _end_terms(g: sp.Expr, u: sp.Symbol) -> list[_EndTerm] | None:
    """The terms of ``g`` (a function of ``u > 0``) near 0, or None when some factor has a
    root at 0 outside the forms above."""
    out = []
    for term in sp.Add.make_args(g):
        end = _EndTerm()
        for f in sp.Mul.make_args(term):
            if u not in f.free_symbols:
                end.const *= f
                continue
            base, alpha, is_log = None, None, False
            if isinstance(f, sp.Pow) and isinstance(f.args[0], sp.log) and len(f.args[0].args) == 1 \
                    and f.args[1].is_Integer and f.args[1] > 0:  # log(p)^n: n log factors
                split = _split_root(f.args[0].args[0], u)
                if split is None or split[0] == 0:
                    end.regular.append(f)
                else:
                    end.logs.extend([split] * int(f.args[1]))
                continue
            if isinstance(f, sp.Pow) and u not in f.args[1].free_symbols:
                base, alpha = f.args
            elif isinstance(f, sp.log) and len(f.args) == 1:
                base, is_log = f.args[0], True
            elif _coeffs(f, u) is not None:
                base, alpha = f, sp.S.One
            split = _split_root(base, u) if base is not None else None
            if split is None or split[0] == 0:
                end.regular.append(f)
                continue
            k, q = split
            if is_log:
                end.logs.append((k, q))
            elif alpha is not None and alpha.is_extended_real is True:
                end.powers.append((k, q, alpha))
            else:
                return None
        out.append(end)
    return out


def _poly_in_log(factors: list[tuple[arb, arb]]) -> list[arb]:
    """The coefficients (by degree) of ``Π (k ℓ + L)`` as a polynomial in ``ℓ``."""
    out = [arb(1)]
    for k, low in factors:
        nxt = [arb(0)] * (len(out) + 1)
        for j, c in enumerate(out):
            nxt[j] += c * low
            nxt[j + 1] += c * k
        out = nxt
    return out


def _end_bound(terms: list[_EndTerm], u: sp.Symbol, delta: arb) -> arb:
    """An upper bound of ``∫_0^δ |g(a + u)| du`` (``δ < 1``): each term is at most
    ``M u^γ Π(k|log u| + L)`` on ``(0, δ]`` with ``M`` and ``L`` from ball evaluations on
    ``[0, δ]`` and ``γ = Σ k α > −1``, and ``∫_0^δ u^γ |log u|^j du = Γ(j+1, sλ)/s^(j+1)``
    with ``s = γ + 1``, ``λ = −log δ`` (an exact finite sum for integer ``j``)."""
    env = _env()
    ball = acb(arb(delta / 2, delta / 2))  # [0, δ]
    total = arb(0)
    for term in terms:
        m = abs(_ball(term.const))
        gamma = arb(0)
        for f in term.regular:
            m *= abs(compile_balls_bound(f, frozenset({u}))(env.bind(u, ball))).upper()
        for k, q, alpha in term.powers:
            qv = abs(compile_balls_bound(q, frozenset({u}))(env.bind(u, ball)))
            if not qv > 0:
                raise NoEnclosure("a factor vanishing near the end of the range")
            a = _real_ball(alpha)
            m *= arb((qv**a).upper())
            gamma += k * a
        logs = []
        for k, q in term.logs:
            qc = compile_balls_bound(q, frozenset({u}))(env.bind(u, ball))
            if not (qc.imag.is_zero() and qc.real > 0):
                raise NoEnclosure("a log of a factor not positive near the end of the range")
            logs.append((arb(k), abs(qc.real.log()).upper()))
        s = arb(gamma.lower()) + 1
        if not (m.is_finite() and s > 0):
            raise NoEnclosure("a singularity at the end of the range that is not integrable here")
        lam = -delta.log()
        z = s * lam
        for j, c in enumerate(_poly_in_log([(k, arb(low)) for k, low in logs])):
            partial, power, fact = arb(0), arb(1), arb(1)
            for i in range(j + 1):
                if i:
                    power *= z
                    fact *= i
                partial += power / fact
            total += m * c * math.factorial(j) * delta**s * partial / s ** (j + 1)
    return total


def _singular(ends: list[_EndTerm] | None) -> bool:
    """Whether some term has a log or a power that is not a nonnegative integer at the end."""
    return ends is not None and any(
        t.logs or any(not (alpha.is_Integer and alpha >= 0) for _, _, alpha in t.powers) for t in ends
    )


def _cut_end(ends: list[_EndTerm], u: sp.Symbol, room: arb, goal: arb, prec: int) -> tuple[arb, arb, int]:
    """``(δ, bound, bits)``: the end cut at ``δ = room · 2^−bits`` where ``∫_0^δ |g| ≤ bound`` is
    below ``goal`` (or ``bits`` reached :data:`MAX_ENDPOINT_BITS`)."""
    bits = 8
    while True:
        delta = room * arb(2) ** -bits
        end = _end_bound(ends, u, delta)
        if end <= goal or bits >= MAX_ENDPOINT_BITS:
            return delta, end, bits
        bits *= 2


def _near_end(g: sp.Expr, x: sp.Symbol, start: sp.Expr, direction: int, delta: arb, bits: int) -> acb:
    """``∫ g`` between ``start ± δ`` and ``start ± δ·2^bits`` (the side ``direction``), integrated
    by Arb in the distance ``u`` to the end over the exact dyadic mesh ``δ·2^j``: the nodes stay
    exact however close to the end (``1 − 2^−500`` is no binary number at the working precision)
    and SymPy cancels ``x − start`` exactly in ``g(start ± u)``."""
    u = sp.Dummy("u", positive=True)
    near = compile_balls_bound(g.xreplace({x: start + direction * u}), frozenset({u}))
    env = _env()

    def f(z: acb, analytic: bool) -> acb:
        return near(env.bind(u, z, analytic=bool(analytic)))

    mesh = [delta * arb(2) ** j for j in range(bits + 1)]
    if not all(m.is_exact() for m in mesh):
        raise NoEnclosure("a cut-off end that is not an exact binary number")
    total = acb(0)
    for left, right in itertools.pairwise(mesh):
        piece = acb.integral(f, left, right, eval_limit=EVAL_LIMIT)
        if not piece.is_finite():
            raise NoEnclosure("certified integration gave no finite enclosure near a singular end")
        total += piece
    return total


def singular_end_integral(integrand: sp.Expr, var: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> Callable[[], acb]:
    """A certificate for ``∫_lo^hi integrand d var`` over a finite range with an integrable
    singularity at one end or both (``∫₀¹ log x dx``, the Beta density's ``θ^(α−1)(1−θ)^(β−1)``
    with ``α, β < 1``; every other symbol already replaced by an exact number): each singular
    end ``(a, a + δ]`` is cut off and bounded by ``∫_0^δ M u^γ Π(k|log u| + L) du`` exactly as
    for an infinite range (module docstring, "endpoint"; the upper end through ``u = b − x``),
    the rest integrated by Arb on a geometric mesh towards the ends. An end counts as singular
    only when the integrand's factors vanish there in those forms (detected, never guessed);
    :class:`NoEnclosure` when no end is, or a bound is not finite (``∫₀¹ dx/x``: ``γ = −1``)."""
    lo, hi = sp.sympify(lo), sp.sympify(hi)
    if (integrand.free_symbols - {var}) or lo.free_symbols or hi.free_symbols:
        raise NoEnclosure("an integral with unsubstituted parameters")
    if lo.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or hi.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        raise NoEnclosure("the range is not finite")
    x = sp.Dummy("x", real=True)
    g = integrand.xreplace({var: x})
    g = g.xreplace({f: sp.Rational(f) for f in g.atoms(sp.Float)})  # exact binary values
    lo, hi = (e.xreplace({f: sp.Rational(f) for f in e.atoms(sp.Float)}) for e in (lo, hi))
    sign = 1
    if bool(lo > hi):
        lo, hi, sign = hi, lo, -1
    u = sp.Dummy("u", positive=True)
    lower = _end_terms(g.xreplace({x: lo + u}), u)
    upper = _end_terms(g.xreplace({x: hi - u}), u)
    at_lo, at_hi = _singular(lower), _singular(upper)
    if not (at_lo or at_hi):
        raise NoEnclosure("no end of the range is singular in the forms handled")
    body = compile_balls_bound(g, frozenset({x}))
    is_real = _is_real(g, x, lo)

    def value() -> acb:
        saved = ctx.prec
        ctx.prec = min(saved, ENDPOINT_BITS + 64)  # the cut-off ends bound the accuracy
        try:
            out = at_precision()
        finally:
            ctx.prec = saved
        return out if sign > 0 else -out

    def at_precision() -> acb:
        prec = ctx.prec
        a, b = _real_ball(lo), _real_ball(hi)
        if not (a.is_exact() and b.is_exact() and b > a):
            raise NoEnclosure("a singular end that is not an exact binary number")
        env = _env()

        def f(z: acb, analytic: bool) -> acb:
            return body(env.bind(x, z, analytic=bool(analytic)))

        length = b - a
        scale = arb(0)
        for j in range(1, 8):
            try:
                at = abs(f(acb(a + length * j / 8), False))
            except (NoEnclosure, ArithmeticError, ValueError):
                continue
            if at.is_finite():
                scale = scale.max(at.upper())
        goal = (scale if scale > 0 else arb(1)) * arb(2) ** -min(prec, ENDPOINT_BITS)
        room = (length / 4).min(arb(1) / 2)
        total = acb(0)
        left, right = a, b
        for ends, cut, start, direction in ((lower, at_lo, lo, 1), (upper, at_hi, hi, -1)):
            if not cut:
                continue
            assert ends is not None
            delta, bound, bits = _cut_end(ends, u, room, goal, prec)
            if not bound.is_finite():
                raise NoEnclosure("a singular end without a finite bound")
            total += acb(arb(0, bound.upper()), arb(0, bound.upper()))
            total += _near_end(g, x, start, direction, delta, bits)
            if direction > 0:
                left = a + room
            else:
                right = b - room
        # the middle, split at the quarter points (Arb's endpoints may be balls: still rigorous)
        nodes = [left + (right - left) * j / 4 for j in range(5)]
        for lo_node, hi_node in itertools.pairwise(nodes):
            piece = acb.integral(f, lo_node, hi_node, eval_limit=EVAL_LIMIT)
            if not piece.is_finite():
                raise NoEnclosure("certified integration gave no finite enclosure")
            total += piece
        return acb(total.real) if is_real else total

    return value


# ------------------------------------------------------------------ verified antiderivatives

_ENTIRE = (sp.exp, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.erf, sp.erfc, sp.erfi)
_REAL_ANALYTIC = (sp.atan, sp.asinh, sp.tanh)


def _roots_outside(base: sp.Expr, x: sp.Symbol, lower: sp.Expr | None, positive: bool) -> bool:
    """``base`` is a polynomial in ``x`` with no real root in the open range (and positive there
    when ``positive``), certified by exact real-root isolation."""
    coeffs = _coeffs(base, x)
    if coeffs is None:
        return False
    lead = coeffs[0]
    if lead == 0 or any(not (c / lead).is_Rational for c in coeffs):
        return False
    monic = sp.Poly([c / lead for c in coeffs], x)
    for root in monic.real_roots():
        if lower is None or bool(root > lower):
            return False
    if not positive:
        return True
    inside = sp.Integer(0) if lower is None else lower + 1
    sign = _real_ball(base.xreplace({x: inside}))
    return bool(sign > 0)


def _analytic_on(expr: sp.Expr, x: sp.Symbol, lower: sp.Expr | None) -> bool:
    """``expr`` is built only from functions analytic on the open range (module docstring)."""
    if x not in expr.free_symbols:
        return not expr.has(sp.oo, -sp.oo, sp.zoo, sp.nan, sp.Integral, sp.Piecewise)
    if expr == x:
        return True
    if isinstance(expr, (sp.Add, sp.Mul)):
        return all(_analytic_on(a, x, lower) for a in expr.args)
    if isinstance(expr, sp.Pow):
        base, e = expr.args
        if x in e.free_symbols:
            return (base is sp.E or (x not in base.free_symbols and base.is_positive is True)) \
                and _analytic_on(e, x, lower)
        if not _analytic_on(base, x, lower):
            return False
        if e.is_Integer and e >= 0:
            return True
        if e.is_Integer:
            return _roots_outside(base, x, lower, positive=False)
        return e.is_extended_real is True and _roots_outside(base, x, lower, positive=True)
    if isinstance(expr, _ENTIRE):
        return _analytic_on(expr.args[0], x, lower)
    if isinstance(expr, _REAL_ANALYTIC):
        arg = expr.args[0]  # real on the range: x is a positive symbol on a range inside (0, ∞)
        return arg.is_extended_real is True and _analytic_on(arg, x, lower)
    if isinstance(expr, sp.log):
        return len(expr.args) == 1 and _roots_outside(expr.args[0], x, lower, positive=True)
    if isinstance(expr, (sp.lowergamma, sp.uppergamma)):
        s, arg = expr.args
        return x not in s.free_symbols and s.is_positive is True \
            and _roots_outside(arg, x, lower, positive=True)
    return False


def _symbolic(fn: Callable[[], sp.Expr], what: str) -> sp.Expr:
    from derivations.checker.timebound import TimeBoundExceeded, time_bound

    try:
        return time_bound(fn, SYMBOLIC_SECONDS)
    except TimeBoundExceeded:
        raise NoEnclosure(f"{what}: not found in time") from None
    except NoEnclosure:
        raise
    except Exception as exc:  # SymPy raises many kinds of errors
        raise NoEnclosure(f"{what}: {type(exc).__name__}") from None


def _finite_limit(value: sp.Expr) -> sp.Expr:
    if not isinstance(value, sp.Expr) or value.free_symbols or value.has(
        sp.oo, -sp.oo, sp.zoo, sp.nan, sp.Limit, sp.AccumBounds, sp.Integral
    ):
        raise NoEnclosure("an antiderivative without a finite limit at an end of the range")
    return value


def _antiderivative_certificate(g: sp.Expr, x: sp.Symbol, lower: sp.Expr | None) -> Callable[[], acb]:
    """``∫_lower^∞ g`` (``lower`` None: the whole line) from a verified antiderivative."""
    # on a range inside (0, ∞) the variable is positive: sqrt(y), log(y) are real there
    y = sp.Dummy("y", positive=True) if _inside_positive(lower) else sp.Dummy("y", real=True)
    g = g.xreplace({x: y})
    big = _symbolic(lambda: sp.integrate(g, y), "an antiderivative")
    if big.has(sp.Integral) or not _analytic_on(big, y, lower):
        raise NoEnclosure("no antiderivative analytic on the whole range")
    residual = sp.diff(big, y) - g
    if _symbolic(lambda: sp.simplify(residual), "the antiderivative's check") != 0:
        raise NoEnclosure("the antiderivative's derivative is not the integrand")
    base = sp.Integer(0) if lower is None else lower
    checks = [base + sp.Rational(1, 3), base + sp.Rational(7, 2), base + 11]
    top = _finite_limit(_symbolic(lambda: sp.limit(big, y, sp.oo), "the limit at +∞"))
    if lower is None:
        bottom = _finite_limit(_symbolic(lambda: sp.limit(big, y, -sp.oo), "the limit at −∞"))
        checks.append(-base - 5)
    else:
        bottom = _finite_limit(_symbolic(lambda: sp.limit(big, y, lower, "+"), "the limit at the lower end"))
    residual_fn = compile_balls_bound(residual, frozenset({y}))
    value_fn = compile_balls_bound(top - bottom, frozenset())
    is_real = _is_real(g, y, lower)

    def value() -> acb:
        env = _env()
        for c in checks:  # a guard against a wrong simplification
            if not residual_fn(env.bind(y, _ball(c))).contains(0):
                raise NoEnclosure("the antiderivative's derivative differs from the integrand")
        out = value_fn(env)
        return acb(out.real) if is_real else out

    return value


# ------------------------------------------------------------------ entry point


def _canonical(lo: sp.Expr, hi: sp.Expr, g: sp.Expr, x: sp.Symbol) -> tuple[int, sp.Expr, sp.Expr | None]:
    """``∫_lo^hi g = sign · ∫_lower^∞ h`` (``lower`` None: the whole line)."""
    inf = (sp.oo, -sp.oo)
    if lo in inf and hi in inf:
        if lo == hi:
            raise NoEnclosure("an empty infinite range")
        return (1 if lo == -sp.oo else -1), g, None
    if hi == sp.oo:
        return 1, g, lo
    if lo == sp.oo:
        return -1, g, hi
    reflected = g.xreplace({x: -x})
    if lo == -sp.oo:  # ∫_{−∞}^{b} g(x) dx = ∫_{−b}^{∞} g(−u) du
        return 1, reflected, -hi
    if hi == -sp.oo:
        return -1, reflected, -lo
    raise NoEnclosure("the range is not infinite")


def improper_integral(integrand: sp.Expr, var: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> Callable[[], acb]:
    """A certificate for ``∫_lo^hi integrand d var`` (one end infinite; every other symbol
    already replaced by an exact number): a function returning a ball that holds the value at
    the current Arb precision. :class:`NoEnclosure` when neither certificate (module docstring)
    applies."""
    lo, hi = sp.sympify(lo), sp.sympify(hi)
    if (integrand.free_symbols - {var}) or any(e.free_symbols for e in (lo, hi)):
        raise NoEnclosure("an infinite-range integral with unsubstituted parameters")
    if lo.has(sp.zoo, sp.nan) or hi.has(sp.zoo, sp.nan):
        raise NoEnclosure("a limit that is not a number")
    x = sp.Dummy("x", real=True)
    g = integrand.xreplace({var: x})
    g = g.xreplace({f: sp.Rational(f) for f in g.atoms(sp.Float)})  # exact binary values
    lo, hi = (e.xreplace({f: sp.Rational(f) for f in e.atoms(sp.Float)}) for e in (lo, hi))
    sign, h, lower = _canonical(lo, hi, g, x)
    try:
        certificate = _arb_certificate(h, x, lower)
        return _signed(sign, certificate, lambda: _antiderivative_certificate(h, x, lower))
    except Exception:  # outside the tail class (NoEnclosure, or SymPy's polynomial errors)
        pass
    return _signed(sign, _antiderivative_certificate(h, x, lower), None)


def _signed(sign: int, first: Callable[[], acb], fallback: Callable[[], Callable[[], acb]] | None
            ) -> Callable[[], acb]:
    state: dict[str, Callable[[], acb]] = {}

    def value() -> acb:
        try:
            out = first()
        except Exception as exc:  # no Arb certificate: the antiderivative's, if any
            if fallback is None:
                raise NoEnclosure(f"{type(exc).__name__}: {exc}") from None
            if "fallback" not in state:
                state["fallback"] = fallback()
            try:
                out = state["fallback"]()
            except NoEnclosure:
                raise
            except Exception as inner:
                raise NoEnclosure(f"{type(inner).__name__}: {inner}") from None
        if not out.is_finite():
            raise NoEnclosure("the integral has no finite enclosure")
        return out if sign > 0 else -out

    return value

