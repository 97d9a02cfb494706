"""SymPy expressions evaluated in ball arithmetic (Arb, through python-flint) at an exact point.

A refutation must not rest on floating point (DESIGN.md, "The step checker": a *refuted*
verdict carries a rigorous enclosure). :func:`compile_balls` translates a SymPy expression
into closures over Arb's complex balls (``acb``); :func:`enclose` evaluates it at a point whose
coordinates are exact rationals (binary floats are exact rationals too) and returns a ball
that is **guaranteed** to contain the exact value.

The translation has an explicit whitelist (:data:`HOLOMORPHIC`, plus the arithmetic, the
constants, the piecewise functions and the bound operators handled below); anything else
raises :class:`NoEnclosure`, so an unknown function can never produce a refutation.

* Numbers: integers and rationals exactly; a ``Float`` by its exact binary value (0.1 is
  3602879701896397/2⁵⁵, never 1/10).
* ``Abs``, ``sign``, ``Heaviside``, ``floor``, ``ceiling``, ``frac``, ``Max``, ``Min``,
  ``Piecewise``, ``KroneckerDelta``: real balls; a ball that straddles a breakpoint gives the
  union of the values (Arb's rigorous ``floor``/``sgn``), a ``Piecewise`` condition that the ball
  cannot decide gives no enclosure.
* ``hyper`` (Arb's rigorous pFq, for SymPy's closed forms of integrals); a ``Derivative``
  that SymPy can carry out.
* ``Sum``/``Product`` with limits that are exact integers at the point: summed term by term in
  balls. **Summation convention**: a range with upper limit below the lower one is empty — the
  sum is 0 and the product is 1 (:data:`EMPTY_RANGE_CONVENTION`).
* An infinite ``Sum`` (one index, a limit ±∞), with the parameters replaced by the point's exact
  values: its first terms summed in balls plus a certified tail
  (:mod:`derivations.checker.infinite_series`) — the **ratio class** (products of constants,
  ``c^(αk+β)``, ``exp(αk+β)``, integer powers of polynomials and of ``k!``/Γ/binomial factors:
  ``|f(k+1)/f(k)| ≤ ρ < 1`` for all ``k ≥ N`` certified by a polynomial's coefficients, tail in the
  disk ``|f(M)|/(1−ρ)``) and the **power-law class** (``C·Π p_j(k)^(α_j)`` times sines, cosines,
  ``(−1)^k``, total degree < −1; tail through Arb's Hurwitz ζ), and sums of such terms. Anything
  else (``Σ 1/k``, ``Σ sin k/k``, an infinite product, a multiple series): no enclosure.
* ``Integral`` over a finite real interval: Arb's certified integration (Petras' algorithm,
  error bounded on complex ellipses; branch cuts checked through the ``analytic`` flag). An end
  where the integrand has no finite enclosure (``∫₀¹ log x dx``, ``x^(a−1)`` with ``a < 1``, the
  Beta density at either end) is handled, when the factors vanishing there are powers and logs
  of polynomials with an integrable total power, by the singular-end cut of
  :func:`derivations.checker.improper_integrals.singular_end_integral` (parameters replaced by
  the point's exact values); otherwise Arb's integration as usual (no enclosure: ``∫₀¹ dx/x``). Over
  an infinite range, with the parameters replaced by the point's exact values: Arb's certified
  integration on ``[−R, R]`` (or ``[a, R]``), split at the integrand's peaks, plus explicit
  bounds of the tails — for Gaussian/exponential-type integrands (``exp`` of a polynomial whose
  leading coefficient has negative real part, times powers/logs of polynomials and sines or
  cosines) and power-law integrands (products of powers of polynomials of total degree below
  −1), an integrable singularity at the finite end being cut off and bounded — or else a
  verified antiderivative (SymPy's indefinite integral, accepted when its
  derivative simplifies to the integrand and it is analytic on the open range; the value from
  Gruntz limits at the ends). SymPy's *definite* integration is never trusted; anything else has
  no enclosure (:mod:`derivations.checker.improper_integrals`).

Arb's working precision is a process-wide setting, so evaluations take a lock.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

import sympy as sp
from flint import acb, arb, ctx, fmpq, fmpz

__all__ = [
    "EMPTY_RANGE_CONVENTION",
    "HOLOMORPHIC",
    "BallEnv",
    "BallFn",
    "NoEnclosure",
    "compile_balls",
    "compile_balls_bound",
    "enclose",
    "exact_number",
    "working_precision",
]

#: The one summation convention of the checker (evaluation, balls and normal forms).
EMPTY_RANGE_CONVENTION = (
    "a Sum or Product whose upper limit is below its lower limit has an empty range: the sum "
    "is 0 and the product is 1"
)

#: Largest number of terms the finite Sums/Products of one ball evaluation may have in all.
MAX_BALL_TERMS = 20_000

_LOCK = threading.RLock()


class NoEnclosure(ValueError):
    """The expression cannot be enclosed at this point (unknown function, undecidable branch,
    pole, series or integral without a certified value)."""


class BallPoint(Protocol):
    """What the ball evaluator needs from a point (:class:`derivations.checker.sampling.Point`)."""

    def value(self, sym: sp.Symbol) -> float | Fraction | int:
        """The exact value of the free symbol ``sym``."""
        ...

    def indexed(self, label: sp.Symbol, indices: tuple[int, ...]) -> float | Fraction:
        """The exact value of the entry ``label[indices]``."""
        ...


@dataclass
class BallEnv:
    """One evaluation: the point, the values of bound variables, the ``analytic`` flag of an
    integrand (non-holomorphic functions then return a non-finite ball, as Arb requires)."""

    point: BallPoint
    local: dict[sp.Symbol, acb] = field(default_factory=dict)
    analytic: bool = False
    terms: list[int] = field(default_factory=lambda: [0])  # shared: terms written out so far

    def bind(self, sym: sp.Symbol, value: acb, analytic: bool | None = None) -> BallEnv:
        """A child evaluation with the bound variable ``sym`` set to ``value``."""
        return BallEnv(self.point, {**self.local, sym: value},
                       self.analytic if analytic is None else analytic, self.terms)


BallFn = Callable[[BallEnv], acb]

_NAN = acb("nan")


def exact_number(v: float | Fraction | int) -> acb:
    """An exact rational (a binary float is one) as a ball: exact for ints and floats, a ball
    of radius one ulp at the current precision for other fractions."""
    if isinstance(v, bool):
        raise NoEnclosure("a bool is not a number")
    if isinstance(v, int):
        return acb(fmpz(v))
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise NoEnclosure(f"the coordinate {v} is not finite")
        return acb(arb(v))  # a double is exactly representable
    if isinstance(v, Fraction):
        if v.denominator == 1:
            return acb(fmpz(v.numerator))
        return acb(arb(fmpq(v.numerator, v.denominator)))
    raise NoEnclosure(f"not an exact number: {v!r}")


def _float_ball(f: sp.Float) -> acb:
    sign, man, exp, _ = f._mpf_
    if not man and exp:  # inf or nan
        raise NoEnclosure(f"the number {f} is not finite")
    m = fmpz(-man if sign else man)
    if exp >= 0:
        return acb(m * fmpz(2) ** exp)
    return acb(arb(fmpq(m, fmpz(2) ** (-exp))))


def _real(z: acb, what: str) -> arb:
    """The real part of ``z``, which must be real (imaginary part exactly 0)."""
    if not z.is_finite():
        raise NoEnclosure(f"{what}: the value is not finite")
    if not z.imag.is_zero():
        raise NoEnclosure(f"{what}: a value that is not known to be real")
    return z.real


def _exact_int(z: acb, what: str) -> int:
    r = _real(z, what)
    n = r.unique_fmpz() if r.is_exact() else None
    if n is None:
        raise NoEnclosure(f"{what}: {r} is not known to be one integer")
    return int(n)


#: SymPy functions that are holomorphic away from poles and branch cuts, and their acb method.
HOLOMORPHIC: dict[type, str] = {
    sp.exp: "exp",
    sp.sin: "sin",
    sp.cos: "cos",
    sp.tan: "tan",
    sp.cot: "cot",
    sp.sec: "sec",
    sp.csc: "csc",
    sp.sinh: "sinh",
    sp.cosh: "cosh",
    sp.tanh: "tanh",
    sp.coth: "coth",
    sp.sech: "sech",
    sp.csch: "csch",
    sp.atan: "atan",
    sp.asin: "asin",
    sp.acos: "acos",
    sp.asinh: "asinh",
    sp.acosh: "acosh",
    sp.atanh: "atanh",
    sp.erf: "erf",
    sp.erfc: "erfc",
    sp.erfi: "erfi",
    sp.gamma: "gamma",
    sp.loggamma: "lgamma",
    sp.digamma: "digamma",
    sp.zeta: "zeta",
}
#: Functions with branch cuts; inside an integrand they are evaluated only on balls whose real
#: part is certainly > 0 (away from every cut of lgamma, atan, asinh), else non-finite.
_BRANCHED = {"lgamma", "atan", "asinh"}

#: Inverse functions whose branch-cut conventions SymPy and Arb might not share: enclosed only
#: where the argument is real and certainly inside the open interval where the value is real
#: and no cut is near.
_REAL_INTERIOR: dict[str, tuple[float, float]] = {
    "asin": (-1.0, 1.0), "acos": (-1.0, 1.0), "atanh": (-1.0, 1.0), "acosh": (1.0, float("inf")),
}


def _holomorphic(name: str, f: BallFn) -> BallFn:
    def call(env: BallEnv) -> acb:
        z = f(env)
        if name in _REAL_INTERIOR:
            lo, hi = _REAL_INTERIOR[name]
            if env.analytic:
                return _NAN  # branch cuts: not verified, so not analytic for the integrator
            r = _real(z, name)
            if not (r > lo and (hi == float("inf") or r < hi)):
                raise NoEnclosure(f"{name} outside the interval where it is real and cut-free")
            return getattr(z, name)()
        if env.analytic and name in _BRANCHED and not z.real > 0:
            return _NAN  # possibly on a branch cut: not analytic there, for the integrator
        return getattr(z, name)()

    return call


def compile_balls(expr: sp.Basic) -> BallFn:
    """``expr`` as a function of a :class:`BallEnv`; :class:`NoEnclosure` for anything outside
    the whitelist (module docstring)."""
    return _compile(expr, frozenset())


def compile_balls_bound(expr: sp.Basic, bound: frozenset[sp.Symbol]) -> BallFn:
    """Like :func:`compile_balls`, with the symbols in ``bound`` read from the evaluation's
    bound variables (:meth:`BallEnv.bind`) instead of the point."""
    return _compile(expr, bound)


def _args(node: sp.Basic, bound: frozenset[sp.Symbol]) -> list[BallFn]:
    return [_compile(a, bound) for a in node.args]


def _non_analytic(fn: Callable[[BallEnv], acb]) -> BallFn:
    """A non-holomorphic function: non-finite inside an integrand (Arb's contract)."""

    def call(env: BallEnv) -> acb:
        if env.analytic:
            return _NAN
        return fn(env)

    return call


#: The real functions with a piecewise-analytic extension in Arb (used inside integrands).
_PIECEWISE_ANALYTIC: dict[type, str] = {
    sp.Abs: "real_abs", sp.sign: "real_sgn", sp.floor: "real_floor", sp.ceiling: "real_ceil",
}


def _compile(node: sp.Basic, bound: frozenset[sp.Symbol]) -> BallFn:
    if isinstance(node, (sp.MatrixBase, sp.MatrixExpr)):
        raise NoEnclosure("a matrix is not a scalar")
    if node.is_Integer:
        n = fmpz(int(node))
        return lambda env: acb(n)
    if node.is_Rational:
        q = fmpq(int(node.p), int(node.q))
        return lambda env: acb(arb(q))
    if node.is_Float:
        f = node
        return lambda env: _float_ball(f)
    constants = {sp.pi: arb.pi, sp.E: arb.const_e, sp.EulerGamma: arb.const_euler,
                 sp.Catalan: arb.const_catalan}
    for c, make in constants.items():
        if node is c:
            return lambda env, make=make: acb(make())  # type: ignore[misc]
    if node is sp.I:
        return lambda env: acb(0, 1)
    if node in (sp.oo, -sp.oo, sp.zoo, sp.nan):
        raise NoEnclosure(f"the expression contains {node}")
    if isinstance(node, sp.Symbol):
        if node in bound:
            return lambda env: env.local[node]
        sym = node
        return lambda env: exact_number(env.point.value(sym))
    if isinstance(node, sp.Indexed):
        label = node.base.label
        idx = _args_of(node.indices, bound)

        def entry(env: BallEnv) -> acb:
            return exact_number(env.point.indexed(label, tuple(_exact_int(f(env), "an index") for f in idx)))

        return entry
    if isinstance(node, sp.Add):
        fs = _args(node, bound)

        def add(env: BallEnv) -> acb:
            acc = fs[0](env)
            for f in fs[1:]:
                acc = acc + f(env)
            return acc

        return add
    if isinstance(node, sp.Mul):
        fs = _args(node, bound)

        def mul(env: BallEnv) -> acb:
            acc = fs[0](env)
            for f in fs[1:]:
                acc = acc * f(env)
            return acc

        return mul
    if isinstance(node, sp.Pow):
        return _compile_pow(node, bound)
    if isinstance(node, sp.log):
        if len(node.args) != 1:
            a, b = _args(node, bound)
            return lambda env: a(env).log(analytic=env.analytic) / b(env).log(analytic=env.analytic)
        f = _compile(node.args[0], bound)
        return lambda env: f(env).log(analytic=env.analytic)
    if type(node) in HOLOMORPHIC:
        if len(node.args) != 1:
            raise NoEnclosure(f"{type(node).__name__} with {len(node.args)} arguments")
        return _holomorphic(HOLOMORPHIC[type(node)], _compile(node.args[0], bound))
    if isinstance(node, sp.polygamma):
        order, arg = _args(node, bound)
        return lambda env: arg(env).polygamma(order(env))  # z.polygamma(s) = ψ^(s)(z)
    if isinstance(node, sp.factorial):
        f = _compile(node.args[0], bound)
        return lambda env: (f(env) + 1).gamma()
    if isinstance(node, sp.binomial):
        top, choose = _args(node, bound)
        return _non_analytic(lambda env: _binomial(top(env), choose(env)))
    if isinstance(node, sp.beta):
        if len(node.args) != 2:
            raise NoEnclosure("beta with one argument")
        a, b = _args(node, bound)
        return lambda env: a(env).gamma() * b(env).gamma() / (a(env) + b(env)).gamma()
    if isinstance(node, (sp.lowergamma, sp.uppergamma)):
        a, x = _args(node, bound)
        # z.gamma_lower(s) = γ(s, z): the argument z is the ball, the order s the parameter
        if isinstance(node, sp.lowergamma):
            return _non_analytic(lambda env: x(env).gamma_lower(a(env)))
        return _non_analytic(lambda env: x(env).gamma_upper(a(env)))
    real_fns: dict[type, Callable[[arb], arb]] = {
        sp.Abs: lambda r: abs(r),
        sp.sign: lambda r: r.sgn(),
        sp.floor: lambda r: r.floor(),
        sp.ceiling: lambda r: r.ceil(),
        sp.frac: lambda r: r - r.floor(),
    }
    if type(node) in real_fns:
        g = real_fns[type(node)]
        f = _compile(node.args[0], bound)
        # the extension is only for an argument that is real on the real line
        method = _PIECEWISE_ANALYTIC.get(type(node)) if node.args[0].is_extended_real else None
        if isinstance(node, sp.Abs) and node.args[0].is_extended_real is not True:
            return _non_analytic(lambda env: acb(abs(f(env))))
        name = type(node).__name__

        def real_fn(env: BallEnv) -> acb:
            if env.analytic:  # inside an integrand: Arb's piecewise-analytic extension
                return getattr(f(env), method)(analytic=True) if method else _NAN
            return acb(g(_real(f(env), name)))

        return real_fn
    if isinstance(node, sp.Heaviside):
        f = _compile(node.args[0], bound)
        h0 = _compile(node.args[1], bound) if len(node.args) > 1 else (lambda env: acb(arb(fmpq(1, 2))))
        return _non_analytic(lambda env: _heaviside(_real(f(env), "Heaviside"), h0, env))
    if isinstance(node, (sp.Max, sp.Min)):
        fs = _args(node, bound)
        is_max = isinstance(node, sp.Max)

        def extreme(env: BallEnv) -> acb:
            if env.analytic:  # inside an integrand: Arb's piecewise-analytic extension
                out = fs[0](env)
                for f in fs[1:]:
                    out = out.real_max(f(env), analytic=True) if is_max else out.real_min(
                        f(env), analytic=True
                    )
                return out
            vals = [_real(f(env), "Max/Min") for f in fs]
            acc = vals[0]
            for v in vals[1:]:
                acc = acc.max(v) if is_max else acc.min(v)
            return acb(acc)

        return extreme
    if isinstance(node, sp.KroneckerDelta):
        a, b = _args(node, bound)[:2]
        return _non_analytic(lambda env: _delta(a(env), b(env)))
    if isinstance(node, sp.Piecewise):
        return _compile_piecewise(node, bound)
    if isinstance(node, (sp.re, sp.im)):
        f = _compile(node.args[0], bound)
        part = "real" if isinstance(node, sp.re) else "imag"
        return _non_analytic(lambda env: acb(getattr(f(env), part)))
    if isinstance(node, sp.hyper):
        ap = _args_of(tuple(node.ap), bound)
        bq = _args_of(tuple(node.bq), bound)
        z = _compile(node.argument, bound)
        return _non_analytic(
            lambda env: z(env).hypgeom([f(env) for f in ap], [f(env) for f in bq])
        )
    if isinstance(node, sp.Derivative):
        done = node.doit()
        if done.has(sp.Derivative):
            raise NoEnclosure(f"an unevaluated derivative {sp.sstr(node)[:120]}")
        return _compile(done, bound)
    if isinstance(node, (sp.Sum, sp.Product)):
        return _compile_sum(node, bound)
    if isinstance(node, sp.Integral):
        return _compile_integral(node, bound)
    raise NoEnclosure(f"no ball evaluation for {type(node).__name__}: {sp.sstr(node)[:120]}")


def _args_of(items: tuple[sp.Basic, ...], bound: frozenset[sp.Symbol]) -> list[BallFn]:
    return [_compile(a, bound) for a in items]


def _compile_pow(node: sp.Pow, bound: frozenset[sp.Symbol]) -> BallFn:
    base, exponent = node.args
    b = _compile(base, bound)
    if exponent.is_Integer:
        n = int(exponent)

        def ipow(env: BallEnv) -> acb:
            v = b(env)
            if n < 0 and v.is_zero():
                raise NoEnclosure("division by an exact zero")
            return v**n

        return ipow
    if exponent == sp.S.Half:
        return lambda env: b(env).sqrt(analytic=env.analytic)
    e = _compile(exponent, bound)
    if base is sp.E:
        return lambda env: e(env).exp()

    def power(env: BallEnv) -> acb:
        v, w = b(env), e(env)
        if not env.analytic and not v.real > 0:
            at_zero = _power_near_zero(v, w)
            if at_zero is not None:
                return at_zero
        return v.pow(w, analytic=env.analytic)

    return power


def _power_near_zero(v: acb, w: acb) -> acb | None:
    """``v ** w`` for a base ball ``v`` that contains 0 and a real exponent ``w`` > 0: every
    value (principal branch, 0 at 0) has modulus |x|^w ≤ M = max|x|^w over the ball, so the
    disk of radius M encloses them all. Arb's ``pow`` has no finite enclosure there; this one
    is what the integrator's direct bound needs on a segment ending at a zero of the base
    (∫₀¹ x^a (1 − x)^(b−1) dx, the Beta moments, for non-integer a, b)."""
    if not (w.imag.is_zero() and w.real > 0 and v.contains(0)):
        return None
    radius = abs(v).upper()
    top = (radius ** w.real.lower()).union(radius ** w.real.upper()).upper()
    if not top.is_finite():
        return None
    disk = top.union(-top)
    return acb(disk, disk)


def _binomial(n: acb, k: acb) -> acb:
    """binomial(n, k): exact for integers (SymPy's values, negative n included), else by Γ."""
    try:
        ni, ki = _exact_int(n, "binomial"), _exact_int(k, "binomial")
    except NoEnclosure:
        return (n + 1).gamma() / ((k + 1).gamma() * (n - k + 1).gamma())
    if ki < 0 or (ni >= 0 and ki > ni):
        return acb(0)
    if ni >= 0:
        return acb(fmpz(math.comb(ni, ki)))
    return acb(fmpz((-1) ** ki * math.comb(ki - ni - 1, ki)))


def _heaviside(r: arb, h0: BallFn, env: BallEnv) -> acb:
    if r > 0:
        return acb(1)
    if r < 0:
        return acb(0)
    at_zero = h0(env)
    if r.is_zero():
        return at_zero
    return acb(arb(0).union(arb(1)).union(_real(at_zero, "Heaviside at 0")))


def _delta(a: acb, b: acb) -> acb:
    d = a - b
    if d.is_zero():
        return acb(1)
    if not d.contains(0):
        return acb(0)
    raise NoEnclosure("KroneckerDelta: cannot decide whether the arguments are equal")


_RELATIONS: dict[type, Callable[[arb, arb], tuple[bool, bool]]] = {
    # (certainly true, certainly false)
    sp.StrictLessThan: lambda a, b: (bool(a < b), bool(a >= b)),
    sp.LessThan: lambda a, b: (bool(a <= b), bool(a > b)),
    sp.StrictGreaterThan: lambda a, b: (bool(a > b), bool(a <= b)),
    sp.GreaterThan: lambda a, b: (bool(a >= b), bool(a < b)),
    sp.Equality: lambda a, b: (bool((a - b).is_zero()), not (a - b).contains(0)),
    sp.Unequality: lambda a, b: (not (a - b).contains(0), bool((a - b).is_zero())),
}


def _compile_condition(cond: sp.Basic, bound: frozenset[sp.Symbol]) -> Callable[[BallEnv], bool | None]:
    """A condition in three-valued (Kleene) logic: True or False when the balls decide it,
    None when they do not (a ball straddling the breakpoint); :class:`NoEnclosure` for a
    condition that has no ball evaluation."""
    if cond is sp.true:
        return lambda env: True
    if cond is sp.false:
        return lambda env: False
    if type(cond) in _RELATIONS:
        op = _RELATIONS[type(cond)]
        a, b = _args(cond, bound)

        def rel(env: BallEnv) -> bool | None:
            yes, no = op(_real(a(env), "a condition"), _real(b(env), "a condition"))
            return None if yes == no else yes

        return rel
    if isinstance(cond, (sp.And, sp.Or)):
        parts = [_compile_condition(c, bound) for c in cond.args]
        decisive = isinstance(cond, sp.Or)  # the value that settles an Or (an And: False)

        def junction(env: BallEnv) -> bool | None:
            values = [p(env) for p in parts]
            if decisive in values:
                return decisive
            return None if None in values else not decisive

        return junction
    if isinstance(cond, sp.Not):
        inner = _compile_condition(cond.args[0], bound)

        def negation(env: BallEnv) -> bool | None:
            v = inner(env)
            return None if v is None else not v

        return negation
    raise NoEnclosure(f"no ball evaluation for the condition {sp.sstr(cond)[:120]}")


def _compile_piecewise(node: sp.Piecewise, bound: frozenset[sp.Symbol]) -> BallFn:
    """The first branch whose condition holds. Where the balls cannot decide a condition (a
    ball straddling a breakpoint: the integration variable's segment across x = p in
    ∫₀¹ [x < p] dx), the union of every branch that may be the first to hold encloses the
    value; a certainly true condition ends the union, and without one there is no enclosure
    (no branch might apply)."""
    pieces = [(_compile(e, bound), _compile_condition(c, bound)) for e, c in node.args]

    def piecewise(env: BallEnv) -> acb:
        union: acb | None = None
        for value, cond in pieces:
            holds = cond(env)
            if holds is False:
                continue
            v = value(env)
            if holds is True and union is None:
                return v
            union = v if union is None else _union(union, v)
            if holds is True:
                return union
        if union is None:
            raise NoEnclosure("no branch of a Piecewise applies")
        raise NoEnclosure(f"cannot decide the conditions of {sp.sstr(node)[:120]} at this point")

    return _non_analytic(piecewise)


def _union(a: acb, b: acb) -> acb:
    """A ball containing both ``a`` and ``b``."""
    return acb(a.real.union(b.real), a.imag.union(b.imag))


def _compile_sum(node: sp.Sum | sp.Product, bound: frozenset[sp.Symbol]) -> BallFn:
    levels = list(node.limits)
    for lim in levels:
        if len(lim) != 3:
            raise NoEnclosure(f"an indefinite {type(node).__name__}")
    product = isinstance(node, sp.Product)
    all_vars = frozenset(v for v, _, _ in levels)
    fn: BallFn = _compile(node.function, bound | all_vars)
    for depth, (var, lo, hi) in enumerate(levels):
        outer = bound | frozenset(v for v, _, _ in levels[depth + 1 :])
        if lo.has(sp.oo, -sp.oo) or hi.has(sp.oo, -sp.oo):
            if product or len(levels) != 1:
                raise NoEnclosure("an infinite product, or a multiple series, has no ball enclosure")
            return _non_analytic(_infinite_series(node, bound))
        fn = _sum_level(var, _compile(lo, outer), _compile(hi, outer), fn, product)
    return _non_analytic(fn)


def _sum_level(var: sp.Symbol, f_lo: BallFn, f_hi: BallFn, inner: BallFn, product: bool) -> BallFn:
    def level(env: BallEnv) -> acb:
        a = _exact_int(f_lo(env), "a summation limit")
        b = _exact_int(f_hi(env), "a summation limit")
        env.terms[0] += max(b - a + 1, 0)
        if env.terms[0] > MAX_BALL_TERMS:
            raise NoEnclosure(f"sums of more than {MAX_BALL_TERMS} terms in all")
        acc = acb(1) if product else acb(0)
        for k in range(a, b + 1):  # an empty range (b < a) is 0 / 1: EMPTY_RANGE_CONVENTION
            v = inner(env.bind(var, acb(k)))
            acc = acc * v if product else acc + v
        return acc

    return level


def _compile_integral(node: sp.Integral, bound: frozenset[sp.Symbol]) -> BallFn:
    if len(node.limits) != 1 or len(node.limits[0]) != 3:
        raise NoEnclosure("only one-dimensional definite integrals are enclosed")
    var, lo, hi = node.limits[0]
    if node.function.has(sp.Integral):
        raise NoEnclosure("nested integrals are not enclosed")
    if lo.has(sp.oo, -sp.oo) or hi.has(sp.oo, -sp.oo):
        return _non_analytic(_infinite_integral(node, bound))
    body = _compile(node.function, bound | {var})
    f_lo, f_hi = _compile(lo, bound), _compile(hi, bound)
    probe = sp.Dummy("t", real=True)
    real_valued = node.function.xreplace({var: probe}).is_extended_real is True and all(
        s.is_extended_real for s in node.function.free_symbols - {var}
    )

    singular = _singular_integral(node, bound)

    def integral(env: BallEnv) -> acb:
        a, b = _real(f_lo(env), "an integration limit"), _real(f_hi(env), "an integration limit")

        def integrand(x: acb, analytic: bool) -> acb:
            return body(env.bind(var, x, analytic=bool(analytic)))

        if not all(_finite_at(integrand, end) for end in (a, b)):
            # an end where the integrand has no finite enclosure: cut it off and bound it
            # (improper_integrals.singular_end_integral); else Arb's integration as usual
            try:
                return singular(env)
            except NoEnclosure:
                pass

        # integrate between the (exact) midpoints of the limits; an inexact limit adds
        # |∫ over its ball| ≤ radius · sup |f| on the ball
        a_mid, b_mid = arb(a.mid()), arb(b.mid())
        value = acb.integral(integrand, a_mid, b_mid, eval_limit=200_000)
        slack = arb(0)
        for limit in (a, b):
            if not limit.is_exact():
                bound = abs(integrand(acb(limit), False))
                slack += limit.rad() * bound
        if not value.is_finite() or not slack.is_finite():
            raise NoEnclosure("certified integration gave no finite enclosure")
        if slack != 0:
            value += acb(arb(0, slack), arb(0, slack))
        # a real integrand over a real interval has a real integral: its real part encloses it
        return acb(value.real) if real_valued else value

    return _non_analytic(integral)


def _finite_at(integrand: Callable[[acb, bool], acb], end: arb) -> bool:
    """Whether the integrand has a finite enclosure at the limit ``end``."""
    try:
        return bool(integrand(acb(end), False).is_finite())
    except (NoEnclosure, ArithmeticError, ValueError):
        return False


def _infinite_integral(node: sp.Integral, bound: frozenset[sp.Symbol]) -> BallFn:
    """An integral over an infinite range: its parameters replaced by the point's exact values,
    then a certificate of :mod:`derivations.checker.improper_integrals` (Arb integration with
    bounded tails, or a verified antiderivative); SymPy's definite integration is never used."""
    from derivations.checker.improper_integrals import improper_integral

    var, lo, hi = node.limits[0]
    return _at_exact_parameters(
        node, bound, lambda reps: improper_integral(
            node.function.xreplace(reps), var, lo.xreplace(reps), hi.xreplace(reps)),
        "an infinite-range integral")


def _infinite_series(node: sp.Sum, bound: frozenset[sp.Symbol]) -> BallFn:
    """A series with an infinite limit: its parameters replaced by the point's exact values, then
    a certificate of :mod:`derivations.checker.infinite_series` (terms summed in balls, a tail
    bound for the ratio and power-law classes); SymPy's summation is never used."""
    from derivations.checker.infinite_series import series_enclosure

    var, lo, hi = node.limits[0]
    return _at_exact_parameters(
        node, bound, lambda reps: series_enclosure(
            node.function.xreplace(reps), var, lo.xreplace(reps), hi.xreplace(reps)),
        "an infinite series")


def _singular_integral(node: sp.Integral, bound: frozenset[sp.Symbol]) -> BallFn:
    """A finite-range integral with an integrable singularity at an end: its parameters replaced
    by the point's exact values, then the cut-off end of
    :func:`derivations.checker.improper_integrals.singular_end_integral`."""
    from derivations.checker.improper_integrals import singular_end_integral

    var, lo, hi = node.limits[0]
    return _at_exact_parameters(
        node, bound, lambda reps: singular_end_integral(
            node.function.xreplace(reps), var, lo.xreplace(reps), hi.xreplace(reps)),
        "an integral with a singular end")


def _at_exact_parameters(node: sp.Expr, bound: frozenset[sp.Symbol],
                         certify: Callable[[dict[sp.Basic, sp.Expr]], Callable[[], acb]],
                         what: str) -> BallFn:
    """``node`` enclosed by ``certify(reps)``, a certificate built once per point for the node
    with every parameter replaced (``reps``) by its exact value at the point."""
    free = sorted(node.free_symbols, key=sp.default_sort_key)
    entries = sorted(node.atoms(sp.Indexed), key=sp.default_sort_key)
    cache: dict[tuple[Any, ...], Callable[[], acb] | str] = {}

    def certified(env: BallEnv) -> acb:
        reps: dict[sp.Basic, sp.Expr] = {}
        for s in free:
            if isinstance(s, sp.Symbol):
                if s in env.local:
                    reps[s] = sp.Integer(_exact_int(env.local[s], f"{what}'s parameter"))
                else:
                    reps[s] = _rational(env.point.value(s))
        for e in entries:
            idx = tuple(_exact_int(_compile(i, bound)(env), "an index") for i in e.indices)
            reps[e] = _rational(env.point.indexed(e.base.label, idx))
        key = tuple(sorted((str(k), v) for k, v in reps.items()))
        if key not in cache:
            try:
                cache[key] = certify(reps)
            except NoEnclosure as exc:
                cache[key] = str(exc)
            except Exception as exc:  # SymPy's integrators and polynomial tools: no certificate
                cache[key] = f"no certificate for {what} ({type(exc).__name__})"
        found = cache[key]
        if isinstance(found, str):
            raise NoEnclosure(found)
        return found()

    return certified


def _rational(v: float | Fraction | int) -> sp.Rational:
    """An exact coordinate as a SymPy Rational (a float by its exact binary value)."""
    f = Fraction(v)
    return sp.Rational(f.numerator, f.denominator)


@contextmanager
def working_precision(prec: int) -> Iterator[None]:
    """Arb's process-wide working precision set to ``prec`` bits inside the block (and the
    evaluations of other threads kept out of it), restored afterwards."""
    if isinstance(prec, bool) or not isinstance(prec, int) or not 2 <= prec <= 1_000_000:
        raise ValueError(f"prec: expected a number of bits from 2 to 10⁶, got {prec!r}")
    with _LOCK:
        saved = ctx.prec
        ctx.prec = prec
        try:
            yield
        finally:
            ctx.prec = saved


def enclose(fn: BallFn, point: BallPoint, prec: int) -> acb:
    """``fn`` at ``point`` with ``prec`` bits of working precision: a ball that contains the
    exact value. :class:`NoEnclosure` when there is none (not finite, or not evaluable)."""
    with _LOCK:
        saved = ctx.prec
        ctx.prec = prec
        try:
            value = fn(BallEnv(point))
        except NoEnclosure:
            raise
        except (ArithmeticError, ValueError, TypeError, AttributeError, KeyError) as exc:
            raise NoEnclosure(f"{type(exc).__name__}: {exc}") from None
        finally:
            ctx.prec = saved
    if not isinstance(value, acb):
        value = acb(value)
    if not value.is_finite():
        raise NoEnclosure("the enclosure is not finite (a pole, or too little precision)")
    return value


def ball_text(z: acb, digits: int = 20) -> str:
    """A ball as text, real when its imaginary part is exactly 0: ``[m +/- r]``."""
    with _LOCK:
        if z.imag.is_zero():
            return str(z.real.str(digits, radius=True))
        return f"{z.real.str(digits, radius=True)} + {z.imag.str(digits, radius=True)}j"
