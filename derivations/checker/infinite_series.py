"""Infinite series enclosed in ball arithmetic: the first terms summed in balls, the tail bounded.

A refutation certificate (DESIGN.md, "The step checker") needs a rigorous enclosure of every
side; SymPy's ``summation`` is never trusted (a closed form of Σ is cross-checked against this
enclosure). A series ``Σ_{k=a}^{∞} f(k)`` (or ``Σ_{−∞}^{b}``, reflected; ``Σ_{−∞}^{∞}``, split at
0) whose parameters are already exact numbers (the point's coordinates) is enclosed by summing
``f(a), …, f(M − 1)`` in Arb balls and adding a certified enclosure of ``Σ_{k ≥ M} f(k)``, for
two classes of terms:

1. **Ratio class** (Poisson, geometric, negative binomial pmfs and their moments): ``f`` a product
   of constants, ``c^(αk+β)`` (``c > 0``, or ``α`` an integer), ``exp(αk+β)``, integer powers of
   polynomials in ``k``, and integer powers of ``k!``-type factors ``Γ(αk+β)``, ``(αk+β)!``,
   ``binomial``/``RisingFactorial`` (rewritten through ``Γ``) with ``α`` a positive integer. Then
   ``f(k+1) = R(k) f(k)`` with ``R = P/Q`` a rational function built factor by factor (no
   cancellation). The bound ``|R(k)| ≤ ρ < 1`` for every real ``k ≥ N`` is **certified** by the
   polynomial ``ρ²Q(N+s)² − P(N+s)²``: all its coefficients in ``s`` are ≥ 0 in balls and its
   constant term is > 0 (so it is positive for ``s ≥ 0``, and then for every larger ``N``; ``Q``
   has no root beyond ``N``). ``ρ`` is chosen between ``L = lim |R|`` and 1; ``N`` is doubled until
   the certificate holds; every ``Γ`` argument must be > 0 at ``N``. The tail from ``M ≥ N`` is
   then in the disk of radius ``|f(M)|/(1 − ρ)`` (real when the terms are); ``M`` grows until
   that radius is below ``2^−96`` of the partial sum or :data:`MAX_SERIES_TERMS` terms are
   summed (a wider ball, still rigorous). ``N`` beyond that many terms (a Poisson mean of 10⁶):
   no enclosure.
2. **Power-law class** (``Σ 1/k² = π²/6``, ``Σ 1/(2k+1)²``, ``Σ (−1)^k/k³``, ``Σ cos k/k²``):
   ``f = C · Π p_j(k)^(α_j) · Π b_i(k)`` with real polynomials ``p_j`` (positive leading
   coefficient, for a non-integer ``α_j``), real constant exponents, bounded factors ``b_i``
   (``sin``/``cos`` of a real polynomial, ``(−1)^(αk+β)`` with integers ``α, β``), and
   ``β = Σ deg p_j · α_j < −1`` certified in balls. For ``k ≥ M`` (``M`` beyond ``2 Σ|others|/|ℓ|``
   for each ``p_j``, so ``ρ_j = Σ|others|/(|ℓ_j| M) ≤ 1/2``), ``p_j(k)^(α_j) ∈ ℓ_j^(α_j) k^(d_j α_j)
   [(1 − ρ_j)^(α_j), (1 + ρ_j)^(α_j)]`` and each ``b_i ∈ [−1, 1]``, so the tail lies in
   ``C · W · ζ(−β, M)`` (Arb's Hurwitz zeta ``Σ_{k≥M} k^β``, ``W`` the product of those
   intervals). One linear factor ``(ℓk + c)^α`` alone is exact: ``ℓ^α ζ(−α, M + c/ℓ)``.

Everything else — ``Σ 1/k`` (β = −1), ``Σ sin k/k``, ``Σ 1/log k``, a ratio tending to 1 with a
term outside the power-law class, a factor of another kind — gives
:class:`~derivations.checker.balls.NoEnclosure` (the checker says *undecided*, never refuted).

References: the ratio test with an explicit geometric tail and the comparison of a power-law tail
with ζ are textbook (Knopp, *Theory and Application of Infinite Series*, §§ 12–13); the series are
the seeds' discrete distributions (Poisson, geometric) and the Basel sum.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp
from flint import acb, arb, ctx

from derivations.checker.balls import NoEnclosure, compile_balls_bound
from derivations.checker.improper_integrals import _ball, _coeffs, _env, _PolyBound, _real_ball

__all__ = ["MAX_SERIES_TERMS", "SERIES_BITS", "series_enclosure"]

#: Terms one series enclosure may sum in balls before it settles for a wider tail.
MAX_SERIES_TERMS = 20_000

#: The ratio-class tail is pushed below 2^−min(prec, SERIES_BITS) of the partial sum.
SERIES_BITS = 96

#: The largest first index ``N`` of the ratio certificate is 2^MAX_RATIO_DOUBLINGS past the start.
MAX_RATIO_DOUBLINGS = 24

#: Terms summed before a power-law tail (a single linear factor: exact tail, few are needed).
POWER_LAW_TERMS = 2048
EXACT_POWER_LAW_TERMS = 16


@dataclass
class _Ratio:
    """``f(k+1)/f(k) = Π num / Π den`` factor by factor, and the Γ arguments that must stay > 0."""

    num: list[sp.Expr] = field(default_factory=list)
    den: list[sp.Expr] = field(default_factory=list)
    gamma_args: list[sp.Expr] = field(default_factory=list)


def _linear(expr: sp.Expr, k: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    c = _coeffs(expr, k)
    if c is None or len(c) > 2:
        return None
    return (c[0], c[1]) if len(c) == 2 else (sp.S.Zero, c[0])


def _gamma_form(f: sp.Expr) -> sp.Expr:
    """Binomials and rising/falling factorials through Γ (factorials stay: (αk+β)! is Γ(αk+β+1))."""
    reps = {b: b.rewrite(sp.gamma) for b in f.atoms(sp.binomial, sp.RisingFactorial, sp.FallingFactorial)}
    return f.xreplace(reps) if reps else f


def _ratio_of(g: sp.Expr, k: sp.Symbol) -> _Ratio:
    """The factor-by-factor ratio of ``g`` (ratio class, module docstring) or NoEnclosure."""
    out = _Ratio()
    for f in sp.Mul.make_args(g):
        if k not in f.free_symbols:
            continue
        m: sp.Expr = sp.S.One
        base = f
        if isinstance(f, sp.Pow) and k not in f.args[1].free_symbols:
            base, m = f.args
        elif isinstance(f, sp.Pow):  # c^(αk+β)
            c, e = f.args
            lin = _linear(e, k)
            if k in c.free_symbols or lin is None or lin[0] == 0:
                raise NoEnclosure("an exponent that is not linear in the index")
            alpha = lin[0]
            if not (alpha.is_Integer or _real_ball(c) > 0):
                raise NoEnclosure("a power c^(αk) with c not certainly > 0 and α not an integer")
            out.num.append(c**alpha)
            continue
        if isinstance(f, sp.exp):
            lin = _linear(f.args[0], k)
            if lin is None:
                raise NoEnclosure("exp of something not linear in the index")
            out.num.append(sp.exp(lin[0]))
            continue
        if not m.is_Integer:
            raise NoEnclosure("a non-integer power in a ratio-class term")
        mi = int(m)
        if isinstance(base, (sp.gamma, sp.factorial)):
            lin = _linear(base.args[0], k)
            if lin is None or not (lin[0].is_Integer and lin[0] > 0):
                raise NoEnclosure("a Γ/factorial whose argument is not αk+β with α a positive integer")
            alpha, beta = int(lin[0]), lin[1] + (1 if isinstance(base, sp.factorial) else 0)
            arg = alpha * k + beta  # Γ(arg)
            out.gamma_args.append(arg)
            rising = sp.Mul(*[arg + j for j in range(alpha)])
            (out.num if mi > 0 else out.den).extend([rising] * abs(mi))
            continue
        if _coeffs(base, k) is not None:
            nxt = base.xreplace({k: k + 1})
            if mi > 0:
                out.num.extend([nxt] * mi)
                out.den.extend([base] * mi)
            else:
                out.num.extend([base] * -mi)
                out.den.extend([nxt] * -mi)
            continue
        raise NoEnclosure(f"the factor {sp.sstr(f)[:80]} is outside the ratio class")
    return out


def _poly_balls(expr: sp.Expr, k: sp.Symbol) -> list[arb]:
    """The coefficients of the polynomial ``expr`` (lowest degree first) as real balls."""
    c = _coeffs(sp.expand(expr), k)
    if c is None:
        raise NoEnclosure("a ratio that is not a rational function of the index")
    return [_real_ball(x) for x in reversed(c)]


def _mul(a: list[arb], b: list[arb]) -> list[arb]:
    out = [arb(0)] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out


def _shift(p: list[arb], n: int) -> list[arb]:
    """The coefficients of ``p(n + s)`` in ``s`` (Taylor shift, lowest degree first)."""
    c = list(p)
    for i in range(len(c) - 1):
        for j in range(len(c) - 2, i - 1, -1):
            c[j] += n * c[j + 1]
    return c


def _trim(p: list[arb]) -> list[arb]:
    while len(p) > 1 and p[-1] == 0:
        p = p[:-1]
    return p


@dataclass
class _RatioCertificate:
    """|f(k+1)/f(k)| ≤ rho for every k ≥ start (certified, module docstring)."""

    start: int
    rho: arb


def _certify_ratio(ratio: _Ratio, k: sp.Symbol, first: int) -> _RatioCertificate:
    num = _trim(_poly_balls(sp.Mul(*ratio.num), k))
    den = _trim(_poly_balls(sp.Mul(*ratio.den), k))
    if len(num) > len(den):
        raise NoEnclosure("terms that grow (the ratio is unbounded)")
    if not (den[-1] > 0 or den[-1] < 0):
        raise NoEnclosure("a ratio whose leading coefficient is not certainly nonzero")
    limit = abs(num[-1] / den[-1]) if len(num) == len(den) else arb(0)
    if not limit < 1:
        raise NoEnclosure("a ratio that does not certainly tend below 1")
    top = arb(limit.upper())
    rho = arb((top + (1 - top) / 4).upper()) if len(num) == len(den) else arb(1) / 2
    num2, den2 = _mul(num, num), _mul(den, den)
    n = first
    for step in range(MAX_RATIO_DOUBLINGS + 1):
        gaps = [sp.sympify(a).xreplace({k: n}) for a in ratio.gamma_args]
        if all(_real_ball(g) > 0 for g in gaps):
            d, p = _shift(den2, n), _shift(num2, n)
            p = p + [arb(0)] * (len(d) - len(p))
            f = [rho * rho * x - y for x, y in zip(d, p, strict=True)]
            if f[0] > 0 and all(c >= 0 for c in f[1:]):
                return _RatioCertificate(n, rho)
        n = first + 2**step
    raise NoEnclosure("the ratio bound could not be certified")


def _ratio_series(g: sp.Expr, k: sp.Symbol, first: int) -> Callable[[], acb]:
    ratio = _ratio_of(_gamma_form(g), k)
    term = compile_balls_bound(g, frozenset({k}))
    cert = _certify_ratio(ratio, k, first)

    def value() -> acb:
        env = _env()
        goal_bits = min(ctx.prec, SERIES_BITS)
        total = acb(0)
        for i in range(first, first + MAX_SERIES_TERMS):
            a = term(env.bind(k, acb(i)))
            if not a.is_finite():
                raise NoEnclosure("a term without a finite enclosure")
            if i >= cert.start:
                tail = (abs(a) / (1 - cert.rho)).upper()
                done = tail <= abs(total).upper() * arb(2) ** -goal_bits or tail <= arb(2) ** -(4 * goal_bits)
                if done or i == first + MAX_SERIES_TERMS - 1:
                    if a.imag.is_zero() and total.imag.is_zero():
                        return total + acb(arb(0, tail))
                    return total + acb(arb(0, tail), arb(0, tail))
            total += a
        raise NoEnclosure("the ratio certificate starts beyond the terms allowed")

    return value


@dataclass
class _PowerLaw:
    const: sp.Expr = sp.S.One
    powers: list[tuple[list[sp.Expr], sp.Expr]] = field(default_factory=list)
    bounded: int = 0


def _power_law_of(g: sp.Expr, k: sp.Symbol) -> _PowerLaw:
    out = _PowerLaw()
    for f in sp.Mul.make_args(g):
        if k not in f.free_symbols:
            out.const *= f
            continue
        if isinstance(f, (sp.sin, sp.cos)):
            s = _coeffs(f.args[0], k)
            if s is None or any(c.is_extended_real is not True for c in s):
                raise NoEnclosure("a sine/cosine of something that is not a real polynomial")
            out.bounded += 1
            continue
        if isinstance(f, sp.Pow) and f.args[0] == -1:
            lin = _linear(f.args[1], k)
            if lin is None or not (lin[0].is_Integer and lin[1].is_Integer):
                raise NoEnclosure("a sign (−1)^e with e not an integer-linear function of the index")
            out.bounded += 1
            continue
        base, alpha = (f.args if isinstance(f, sp.Pow) and k not in f.args[1].free_symbols
                       else (f, sp.S.One))
        p = _coeffs(base, k)
        if p is None or any(c.is_extended_real is not True for c in p) or alpha.is_extended_real is not True:
            raise NoEnclosure(f"the factor {sp.sstr(f)[:80]} is outside the power-law class")
        out.powers.append((p, alpha))
    return out


def _power_law_series(g: sp.Expr, k: sp.Symbol, first: int) -> Callable[[], acb]:
    law = _power_law_of(g, k)
    if not law.powers:
        raise NoEnclosure("no power of the index")
    term = compile_balls_bound(g, frozenset({k}))
    exact = len(law.powers) == 1 and len(law.powers[0][0]) == 2 and not law.bounded

    def value() -> acb:
        env = _env()
        polys = [(_PolyBound.of(p), _real_ball(a), a.is_Integer) for p, a in law.powers]
        beta = arb(0)
        r = arb(1)
        for pb, a, integer in polys:
            if not (integer or pb.lead > 0):
                raise NoEnclosure("a non-integer power of a polynomial negative at infinity")
            beta += pb.deg * a
            r = r.max(pb.r_min())
        if not beta < -1:
            raise NoEnclosure("a tail that is not certainly summable (power ≥ −1)")
        start = max(first, math.ceil(float(r.upper())) + 1)
        m = start + (EXACT_POWER_LAW_TERMS if exact else POWER_LAW_TERMS)
        total = acb(0)
        for i in range(first, m):
            v = term(env.bind(k, acb(i)))
            if not v.is_finite():
                raise NoEnclosure("a term without a finite enclosure")
            total += v
        const = _ball(law.const)
        if exact:
            pb, a, _ = polys[0]
            if not pb.lead > 0:
                raise NoEnclosure("a linear factor negative at infinity")
            shift = _real_ball(law.powers[0][0][1]) / pb.lead
            w = acb(pb.lead ** a) * acb(-a).zeta(acb(m + shift))
        else:
            spread = arb(1)
            for pb, a, _ in polys:
                rho = pb.rho(arb(m))
                lead = abs(pb.lead) ** a
                spread *= lead * ((1 - rho) ** a).union((1 + rho) ** a)
            w = acb(spread) * acb(-beta).zeta(acb(m))
        if law.bounded or not all(pb.lead > 0 for pb, _, _ in polys):
            top = abs(w).upper()
            w = acb(arb(0, top))
        tail = const * w
        if not tail.is_finite():
            raise NoEnclosure("the tail has no finite enclosure")
        return total + tail

    return value


def _one_sided(g: sp.Expr, k: sp.Symbol, first: int) -> Callable[[], acb]:
    """``Σ_{k ≥ first} g``: the ratio class, else the power-law class, else — for a sum of terms
    each in a class (each series then converges absolutely) — the sum of their enclosures."""
    try:
        return _ratio_series(g, k, first)
    except NoEnclosure as ratio_reason:
        try:
            return _power_law_series(g, k, first)
        except NoEnclosure as law_reason:
            why = f"{ratio_reason}; {law_reason}"
    expanded = sp.expand(g)
    if isinstance(expanded, sp.Add) and len(expanded.args) <= 8:
        try:
            parts = [_one_sided(t, k, first) for t in expanded.args]
        except NoEnclosure:
            parts = []
        if parts:
            return lambda: _total(parts)
    raise NoEnclosure(f"an infinite series outside the enclosed classes ({why})")


def _total(parts: list[Callable[[], acb]]) -> acb:
    out = acb(0)
    for part in parts:
        out += part()
    return out


def series_enclosure(term: sp.Expr, var: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> Callable[[], acb]:
    """A certificate for ``Σ_{var=lo}^{hi} term`` with at least one infinite limit (every other
    symbol already replaced by an exact number): a function returning a ball that holds the value
    at the current Arb precision. :class:`NoEnclosure` outside the classes of the module
    docstring."""
    lo, hi = sp.sympify(lo), sp.sympify(hi)
    if (term.free_symbols - {var}) or lo.free_symbols or hi.free_symbols:
        raise NoEnclosure("an infinite series with unsubstituted parameters")
    k = sp.Dummy("k", integer=True)
    g = term.xreplace({var: k})
    g = g.xreplace({f: sp.Rational(f) for f in g.atoms(sp.Float)})
    parts: list[Callable[[], acb]] = []
    if hi == sp.oo and lo.is_Integer:
        parts.append(_one_sided(g, k, int(lo)))
    elif lo == -sp.oo and hi.is_Integer:
        parts.append(_one_sided(g.xreplace({k: -k}), k, -int(hi)))
    elif lo == -sp.oo and hi == sp.oo:
        parts.append(_one_sided(g, k, 0))
        parts.append(_one_sided(g.xreplace({k: -k}), k, 1))
    else:
        raise NoEnclosure("a series whose limits are not an integer and ±∞")

    def value() -> acb:
        saved = ctx.prec
        ctx.prec = min(saved, SERIES_BITS + 64)  # the tail bounds the accuracy (more bits: time)
        try:
            return _total(parts)
        finally:
            ctx.prec = saved

    return value
