"""Evaluating SymPy expressions at a point in mpmath, at a chosen working precision.

The counterexample search (:mod:`derivations.checker.search`) needs values it can trust
(DESIGN.md, "The step checker"): an expression is compiled once into Python closures over a private
mpmath context, then evaluated at many points and several precisions. Nothing is converted
to a float, so values beyond 1e308 compare without overflow; a side that is non-real, infinite
or undefined comes back as such (never skipped, never ``inf/inf = NaN``).

* ``Integral`` → ``quad`` (tanh-sinh) with its error estimate, accumulated in
  :attr:`Env.quad_error` so that a decision can refuse to rely on an inaccurate quadrature;
  integrals over several variables are nested one-dimensional quadratures.
* ``Sum``/``Product`` with integer limits are written out at evaluation time (the limits may
  hold sizes such as K, N), an empty range (upper limit below the lower one) giving 0 and 1
  (:data:`~derivations.checker.balls.EMPTY_RANGE_CONVENTION`); infinite ones use
  ``nsum``/``nprod`` (checked by precision doubling
  only, as mpmath gives no error estimate for them).
* Indexed entries ``x[k]`` (``k`` bound by a sum) are looked up in the point, which samples an
  entry the first time it is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

import mpmath
import sympy as sp

from derivations.checker.sampling import breakpoint_conditions

#: Largest number of terms the finite Sums/Products of one evaluation may have in all.
MAX_TERMS = 20_000


class CannotCompile(ValueError):
    """The expression contains something that cannot be evaluated numerically."""


class Undefined(ArithmeticError):
    """The expression is undefined at this point (division by zero, pole, complex comparison)."""


class TooManyTerms(ArithmeticError):
    """A finite Sum/Product has more terms than :data:`MAX_TERMS` at this point (the point is
    skipped by the search, not counted as a failure to evaluate)."""


class PointLike(Protocol):
    """What the evaluator needs from a point (:class:`derivations.checker.sampling.Point`)."""

    def value(self, sym: sp.Symbol) -> float | Fraction | int:
        """The value of the scalar symbol ``sym`` at this point."""
        ...

    def indexed(self, label: sp.Symbol, indices: tuple[int, ...]) -> float | Fraction:
        """The value of the entry ``label[indices]`` at this point."""
        ...


@dataclass
class Env:
    """The evaluation state: mpmath context, point, values of bound variables, quadrature error."""

    ctx: Any
    point: PointLike
    local: dict[sp.Symbol, Any] = field(default_factory=dict)
    quad_error: Any = 0
    quad_depth: int = 0
    inner_error: Any = 0
    lost_bits: int = 0
    scale: Any = 0
    cache: dict[int, Any] = field(default_factory=dict)
    #: Split infinite integration ranges at :data:`QUAD_SPLITS` (the confirming evaluation).
    split: bool = False

    def bind(self, sym: sp.Symbol, value: Any) -> Env:
        """A child state with the bound variable ``sym`` (a summation or integration variable) set
        to ``value``; context, point, cache, splitting and quadrature depth are shared."""
        env = Env(self.ctx, self.point, {**self.local, sym: value}, cache=self.cache, split=self.split)
        env.quad_depth = self.quad_depth
        return env

    def number(self, v: float | Fraction | int) -> Any:
        """``v`` as an mpf of this state's context (a Fraction divided at the context's precision)."""
        if isinstance(v, Fraction):
            return self.ctx.mpf(v.numerator) / v.denominator
        if isinstance(v, int):
            return self.ctx.mpf(v)
        return self.ctx.mpf(v)


Fn = Callable[[Env], Any]


#: Where a confirming evaluation splits an infinite integration range. mpmath's tanh-sinh rule
#: on (−∞, ∞) misses a narrow peak far out (a Gaussian at μ = 54, σ = 0.86: 3e-53 for 2.16,
#: with a tiny error estimate); a counterexample must survive a second, split evaluation.
QUAD_SPLITS: tuple[int, ...] = (-1000, -100, -30, -10, -3, -1, 0, 1, 3, 10, 30, 100, 1000)


def new_context() -> Any:
    """A private mpmath context (the global one is shared between threads)."""
    return mpmath.MPContext()


def _real(ctx: Any, v: Any) -> Any:
    if isinstance(v, ctx.mpc):
        if v.imag != 0:
            raise Undefined("a comparison or max/min of a non-real value")
        return v.real
    return v


def _int_value(ctx: Any, v: Any) -> int:
    v = _real(ctx, v)
    if isinstance(v, int):
        return v
    if ctx.isinf(v):
        raise Undefined("an infinite size")
    n = int(ctx.nint(v))
    if abs(v - n) > ctx.mpf(10) ** (-ctx.dps // 2):
        raise Undefined(f"a non-integer index value {v}")
    return n


def _const(value: Callable[[Any], Any]) -> Fn:
    return lambda env: value(env.ctx)


def _compile_args(node: sp.Basic, bound: frozenset[sp.Symbol]) -> list[Fn]:
    return [_compile(a, bound) for a in node.args]


# SymPy function class → (name of the mpmath function, how many leading args it takes)
_FUNCTIONS: dict[type, str] = {
    sp.exp: "exp",
    sp.sin: "sin",
    sp.cos: "cos",
    sp.tan: "tan",
    sp.cot: "cot",
    sp.sec: "sec",
    sp.csc: "csc",
    sp.asin: "asin",
    sp.acos: "acos",
    sp.atan: "atan",
    sp.sinh: "sinh",
    sp.cosh: "cosh",
    sp.tanh: "tanh",
    sp.asinh: "asinh",
    sp.acosh: "acosh",
    sp.atanh: "atanh",
    sp.atan2: "atan2",
    sp.gamma: "gamma",
    sp.loggamma: "loggamma",
    sp.erf: "erf",
    sp.erfc: "erfc",
    sp.erfinv: "erfinv",
    sp.factorial: "factorial",
    sp.binomial: "binomial",
    sp.beta: "beta",
    sp.zeta: "zeta",
    sp.LambertW: "lambertw",
    sp.besseli: "besseli",
    sp.besselj: "besselj",
    sp.besselk: "besselk",
    sp.re: "re",
    sp.im: "im",
    sp.conjugate: "conj",
    sp.floor: "floor",
    sp.ceiling: "ceil",
}


def compile_expr(expr: sp.Basic) -> Fn:
    """Compile ``expr`` into a function of an :class:`Env`; raise :class:`CannotCompile`.

    When ``expr`` is a sum (an ``Add``, a ``Sum``, or a constant factor times one), the largest
    magnitude among its terms is left in :attr:`Env.scale`: the scale against which a
    discrepancy is relative (a side that is an exact zero computed as a sum of large terms is
    only known to eps × that scale). Only the outermost sum counts: an inner one (say a
    denominator 1 + e⁴⁰) says nothing about the scale of the result."""
    if isinstance(expr, sp.Add):
        fs = _compile_args(expr, frozenset())

        def top_add(env: Env) -> Any:
            acc = fs[0](env)
            biggest = abs(acc)
            for f in fs[1:]:
                term = f(env)
                acc = acc + term
                biggest = max(biggest, abs(term))
            env.scale = biggest
            return acc

        return top_add
    if isinstance(expr, sp.Sum) and len(expr.limits) == 1 and len(expr.limits[0]) == 3:
        var, lo, hi = expr.limits[0]
        body = _compile(expr.function, frozenset({var}))
        f_lo, f_hi = _compile(lo, frozenset()), _compile(hi, frozenset())
        return lambda env: _sum(env, var, f_lo(env), f_hi(env), body, product=False, top=True)
    if isinstance(expr, sp.Mul):
        sums = [a for a in expr.args if isinstance(a, (sp.Add, sp.Sum))]
        if len(sums) == 1:
            inner = compile_expr(sums[0])
            rest = _compile(sp.Mul(*(a for a in expr.args if a is not sums[0])), frozenset())

            def top_mul(env: Env) -> Any:
                v = inner(env)
                c = rest(env)
                env.scale = abs(c) * env.scale
                return c * v

            return top_mul
    return _compile(expr, frozenset())


def _compile(node: sp.Basic, bound: frozenset[sp.Symbol]) -> Fn:
    if node.is_Integer:
        n = int(node)
        return lambda env: n
    if node.is_Rational:
        p, q = int(node.p), int(node.q)
        return lambda env: env.ctx.mpf(p) / q
    if node.is_Float:
        m = node._mpf_
        return lambda env: env.ctx.make_mpf(m)
    if node is sp.pi:
        return _const(lambda c: +c.pi)
    if node is sp.E:
        return _const(lambda c: +c.e)
    if node is sp.EulerGamma:
        return _const(lambda c: +c.euler)
    if node is sp.Catalan:
        return _const(lambda c: +c.catalan)
    if node is sp.I:
        return _const(lambda c: c.mpc(0, 1))
    if node is sp.oo:
        return _const(lambda c: c.inf)
    if node is sp.S.NegativeInfinity:
        return _const(lambda c: -c.inf)
    if node is sp.zoo or node is sp.nan:

        def undefined(env: Env) -> Any:
            raise Undefined(f"the expression contains {node}")

        return undefined
    if isinstance(node, sp.Symbol):
        return _compile_symbol(node, bound)
    if isinstance(node, sp.Indexed):
        label = node.base.label
        idx = [_compile(i, bound) for i in node.indices]
        return lambda env: env.number(
            env.point.indexed(label, tuple(_int_value(env.ctx, f(env)) for f in idx))
        )
    if isinstance(node, sp.Add):
        fs = _compile_args(node, bound)

        def add(env: Env) -> Any:
            acc = fs[0](env)
            biggest = smallest = abs(acc)
            for f in fs[1:]:
                term = f(env)
                acc = acc + term
                size = abs(term)
                biggest = max(biggest, size)
                if size and (not smallest or size < smallest):
                    smallest = size
            _note_cancellation(env, acc, biggest, smallest)
            return acc

        return add
    if isinstance(node, sp.Mul):
        fs = _compile_args(node, bound)

        def mul(env: Env) -> Any:
            acc = fs[0](env)
            for f in fs[1:]:
                acc = acc * f(env)
            return acc

        return mul
    if isinstance(node, sp.Pow):
        return _compile_pow(node, bound)
    if isinstance(node, sp.log):
        fs = _compile_args(node, bound)
        if len(fs) == 1:
            return lambda env: env.ctx.log(fs[0](env))
        return lambda env: env.ctx.log(fs[0](env), fs[1](env))
    if isinstance(node, sp.Abs):
        f = _compile(node.args[0], bound)
        return lambda env: abs(f(env))
    if isinstance(node, sp.sign):
        f = _compile(node.args[0], bound)
        return lambda env: env.ctx.sign(f(env))
    if isinstance(node, (sp.Max, sp.Min)):
        fs = _compile_args(node, bound)
        pick = max if isinstance(node, sp.Max) else min
        return lambda env: pick(_real(env.ctx, f(env)) for f in fs)
    if isinstance(node, sp.Heaviside):
        f = _compile(node.args[0], bound)
        h0 = _compile(node.args[1], bound) if len(node.args) > 1 else _const(lambda c: c.mpf(1) / 2)

        def heaviside(env: Env) -> Any:
            v = _real(env.ctx, f(env))
            return 1 if v > 0 else 0 if v < 0 else h0(env)

        return heaviside
    if isinstance(node, sp.KroneckerDelta):
        a, b = _compile_args(node, bound)[:2]
        return lambda env: 1 if a(env) == b(env) else 0
    if isinstance(node, sp.polygamma):
        order, arg = _compile_args(node, bound)
        return lambda env: env.ctx.psi(_int_value(env.ctx, order(env)), arg(env))
    if isinstance(node, (sp.lowergamma, sp.uppergamma)):
        a, x = _compile_args(node, bound)
        if isinstance(node, sp.lowergamma):
            return lambda env: env.ctx.gammainc(a(env), 0, x(env))
        return lambda env: env.ctx.gammainc(a(env), x(env))
    if isinstance(node, sp.Piecewise):
        return _compile_piecewise(node, bound)
    if isinstance(node, (sp.Integral, sp.Sum, sp.Product)):
        fn = _compile_bound_operator(node, bound)
        if node.free_symbols & bound:
            return fn
        return _cached(fn)  # constant for this evaluation: computed once, not per outer index
    if isinstance(node, sp.Derivative):
        done = node.doit()
        if done.has(sp.Derivative):
            raise CannotCompile(f"cannot evaluate the unevaluated derivative {sp.sstr(node)}")
        return _compile(done, bound)
    if isinstance(node, sp.Function) and type(node) in _FUNCTIONS:
        name = _FUNCTIONS[type(node)]
        fs = _compile_args(node, bound)
        return lambda env: getattr(env.ctx, name)(*(f(env) for f in fs))
    if isinstance(node, sp.Function):
        name = type(node).__name__.lower()
        if hasattr(mpmath, name) and callable(getattr(mpmath, name)):
            fs = _compile_args(node, bound)
            return lambda env: getattr(env.ctx, name)(*(f(env) for f in fs))
    raise CannotCompile(f"cannot evaluate {type(node).__name__} numerically: {sp.sstr(node)[:200]}")


def _note_cancellation(env: Env, total: Any, biggest: Any, smallest: Any) -> None:
    """Record how many bits a sum loses: to cancellation (|total| ≪ largest term) and to
    absorption (a term ≪ the largest, whose digits fall off, as in log(1 + e⁻³²⁰⁰⁰)). The redteam corpus:
    e/(1+e) − e²/(1+e)² at e = exp(32000) is 0 at 160 digits while the exact value is about
    e⁻¹; the search re-evaluates with enough digits to cover the loss before it trusts a value."""
    ctx = env.ctx
    if not biggest:
        return
    top = ctx.mag(biggest)
    low = ctx.mag(total) if total else -(10**9)
    if smallest:
        low = min(low, ctx.mag(smallest))
    lost = int(top - low)
    if lost > env.lost_bits:
        env.lost_bits = lost


def _cached(fn: Fn) -> Fn:
    key = id(fn)

    def cached(env: Env) -> Any:
        if key not in env.cache:
            env.cache[key] = fn(env)
        return env.cache[key]

    return cached


def _compile_symbol(node: sp.Symbol, bound: frozenset[sp.Symbol]) -> Fn:
    if node in bound:
        return lambda env: env.local[node]
    return lambda env: env.number(env.point.value(node))


def _compile_pow(node: sp.Pow, bound: frozenset[sp.Symbol]) -> Fn:
    base, exponent = node.args
    b = _compile(base, bound)
    if exponent.is_Integer:
        n = int(exponent)

        def ipow(env: Env) -> Any:
            v = b(env)
            if n < 0 and v == 0:
                raise Undefined("division by zero")
            if n < 0 and isinstance(v, int):
                # int ** negative int is a Python *float* (53 bits): 1/(i(i+1)) summed over i
                # would carry float rounding into an exact sum (a false refutation, relative 4e-17)
                v = env.ctx.mpf(v)
            return v**n

        return ipow
    if exponent == sp.S.Half:
        return lambda env: env.ctx.sqrt(b(env))
    e = _compile(exponent, bound)
    return lambda env: env.ctx.power(b(env), e(env))


_RELATIONS: dict[type, Callable[[Any, Any], bool]] = {
    sp.StrictLessThan: lambda a, b: a < b,
    sp.LessThan: lambda a, b: a <= b,
    sp.StrictGreaterThan: lambda a, b: a > b,
    sp.GreaterThan: lambda a, b: a >= b,
    sp.Equality: lambda a, b: a == b,
    sp.Unequality: lambda a, b: a != b,
}


def _compile_condition(cond: sp.Basic, bound: frozenset[sp.Symbol]) -> Callable[[Env], bool]:
    if cond is sp.true:
        return lambda env: True
    if cond is sp.false:
        return lambda env: False
    if type(cond) in _RELATIONS:
        op = _RELATIONS[type(cond)]
        a, b = _compile_args(cond, bound)
        return lambda env: op(_real(env.ctx, a(env)), _real(env.ctx, b(env)))
    if isinstance(cond, (sp.And, sp.Or)):
        parts = [_compile_condition(c, bound) for c in cond.args]
        if isinstance(cond, sp.And):
            return lambda env: all(p(env) for p in parts)
        return lambda env: any(p(env) for p in parts)
    if isinstance(cond, sp.Not):
        inner = _compile_condition(cond.args[0], bound)
        return lambda env: not inner(env)
    raise CannotCompile(f"cannot evaluate the condition {sp.sstr(cond)}")


def _compile_piecewise(node: sp.Piecewise, bound: frozenset[sp.Symbol]) -> Fn:
    pieces = [(_compile(e, bound), _compile_condition(c, bound)) for e, c in node.args]

    def piecewise(env: Env) -> Any:
        for value, cond in pieces:
            if cond(env):
                return value(env)
        raise Undefined("no branch of a Piecewise applies")

    return piecewise


def _compile_bound_operator(node: sp.Basic, bound: frozenset[sp.Symbol]) -> Fn:
    """Integral, Sum or Product over its limits (innermost limit first)."""
    limits = list(node.limits)
    body = node.function
    for lim in limits:
        if len(lim) != 3:
            raise CannotCompile(f"cannot evaluate an indefinite {type(node).__name__}: {sp.sstr(node)}")
    # compile from the innermost limit outwards; each level binds one variable
    levels = [(var, lo, hi) for var, lo, hi in limits]
    all_vars = frozenset(v for v, _, _ in levels)
    fn_body: Fn = _compile(body, bound | all_vars)
    for depth, (var, lo, hi) in enumerate(levels):
        outer_bound = bound | frozenset(v for v, _, _ in levels[depth + 1 :])
        f_lo, f_hi = _compile(lo, outer_bound), _compile(hi, outer_bound)
        jumps = _jumps(body, var, outer_bound) if isinstance(node, sp.Integral) else []
        fn_body = _one_level(type(node), var, f_lo, f_hi, fn_body, jumps)
    return fn_body


def _jumps(body: sp.Expr, var: sp.Symbol, bound: frozenset[sp.Symbol]) -> list[Fn]:
    """Where the integrand has a kink or a jump in ``var`` (a breakpoint of an Abs, Max,
    Piecewise, Heaviside… whose argument is linear in ``var``), as functions of the outer
    variables: the quadrature splits there. Across a kink, tanh-sinh loses half its digits
    (∫₀¹ |t − a| dt = a² − a + ½ came out 1.3·10⁻⁶ off with a smaller error estimate); across
    the jump of ∫₀¹ [t < p] dt it misses a step narrower than its first node."""
    out: list[Fn] = []
    for g in breakpoint_conditions(body):
        if var not in g.free_symbols:
            continue
        try:
            poly = sp.Poly(g, var)
        except sp.PolynomialError:
            continue
        if poly.degree() != 1:
            continue
        c1, c0 = poly.all_coeffs()
        root = -c0 / c1
        if root.has(var):
            continue
        try:
            out.append(_compile(root, bound))
        except CannotCompile:
            continue
    return out[:8]


def _one_level(kind: type, var: sp.Symbol, f_lo: Fn, f_hi: Fn, inner: Fn, jumps: list[Fn]) -> Fn:
    if kind is sp.Integral:
        return lambda env: _quad(env, var, f_lo(env), f_hi(env), inner, jumps)
    if kind is sp.Sum:
        return lambda env: _sum(env, var, f_lo(env), f_hi(env), inner, product=False)
    return lambda env: _sum(env, var, f_lo(env), f_hi(env), inner, product=True)


def _quad(env: Env, var: sp.Symbol, lo: Any, hi: Any, inner: Fn, jumps: list[Fn] | None = None) -> Any:
    ctx = env.ctx
    depth = env.quad_depth

    def integrand(t: Any) -> Any:
        sub = env.bind(var, t)
        sub.quad_depth = depth + 1
        v = inner(sub)
        if sub.inner_error or sub.quad_error:
            env.inner_error = max(env.inner_error, sub.inner_error + sub.quad_error)
        return v

    nodes = [lo, hi]
    if env.split:
        lo_r0, hi_r0 = _real(ctx, lo), _real(ctx, hi)
        if ctx.isinf(lo_r0) or ctx.isinf(hi_r0):
            nodes = [lo, *(c for c in QUAD_SPLITS if lo_r0 < c < hi_r0), hi]
    if jumps:
        nodes = _split_at(ctx, env, nodes, jumps)
    value, err = ctx.quad(integrand, nodes, error=True)
    lo_r, hi_r = _real(ctx, lo), _real(ctx, hi)
    width = ctx.inf if (ctx.isinf(lo_r) or ctx.isinf(hi_r)) else abs(hi_r - lo_r)
    carried = env.inner_error * width if env.inner_error else 0
    env.quad_error = env.quad_error + err + carried
    env.inner_error = 0
    return value


def _split_at(ctx: Any, env: Env, nodes: list[Any], jumps: list[Fn]) -> list[Any]:
    """``nodes`` (the range, in order) with the real breakpoints strictly inside added."""
    lo_r, hi_r = _real(ctx, nodes[0]), _real(ctx, nodes[-1])
    reverse = lo_r > hi_r
    inside = []
    for jump in jumps:
        try:
            c = jump(env)
        except (Undefined, ArithmeticError, ValueError, TypeError):
            continue
        if isinstance(c, ctx.mpc) or not ctx.isfinite(c):
            continue
        if min(lo_r, hi_r) < c < max(lo_r, hi_r):
            inside.append(c)
    if not inside:
        return nodes
    merged = sorted({*(_real(ctx, n) for n in nodes[1:-1]), *inside}, reverse=reverse)
    return [nodes[0], *merged, nodes[-1]]


def _sum(env: Env, var: sp.Symbol, lo: Any, hi: Any, inner: Fn, *, product: bool, top: bool = False) -> Any:
    ctx = env.ctx
    a = _int_value(ctx, lo)
    hi_r = _real(ctx, hi)
    if not isinstance(hi_r, int) and ctx.isinf(hi_r):
        if hi_r < 0:
            raise Undefined("a sum running to −∞")

        def term(k: Any) -> Any:
            sub = env.bind(var, int(k))
            v = inner(sub)
            env.quad_error = env.quad_error + sub.quad_error
            return v

        return ctx.nprod(term, [a, ctx.inf]) if product else ctx.nsum(term, [a, ctx.inf])
    b = _int_value(ctx, hi_r)
    # b < a: an empty range, 0 for a sum and 1 for a product (balls.EMPTY_RANGE_CONVENTION)
    written = env.cache.get(-1, 0) + max(b - a + 1, 0)  # terms written out in this evaluation
    env.cache[-1] = written
    if written > MAX_TERMS:
        raise TooManyTerms(f"sums of more than {MAX_TERMS} terms in all")
    acc: Any = 1 if product else 0
    biggest: Any = 0
    smallest: Any = 0
    for k in range(a, b + 1):
        sub = env.bind(var, k)
        v = inner(sub)
        env.quad_error = env.quad_error + sub.quad_error
        env.lost_bits = max(env.lost_bits, sub.lost_bits)
        acc = acc * v if product else acc + v
        if not product:
            size = abs(v)
            biggest = max(biggest, size)
            if size and (not smallest or size < smallest):
                smallest = size
    if not product:
        _note_cancellation(env, acc, biggest, smallest)
        if top:
            env.scale = biggest
    return acc


@dataclass(frozen=True)
class Outcome:
    """One side at one point and one precision.

    ``status`` is 'real' (finite real ``value``), 'nonreal' (finite, imaginary part ≠ 0),
    'infinite' or 'undefined' (``value`` None; ``problem`` says why).
    """

    value: Any
    quad_error: Any
    status: str
    problem: str | None = None
    lost_digits: int = 0
    scale: Any = 0


def evaluate(fn: Fn, point: PointLike, ctx: Any, dps: int, *, split: bool = False) -> Outcome:
    """``fn`` at ``point`` with ``dps`` significant digits (exceptions become *undefined*);
    ``split``: infinite integration ranges split at :data:`QUAD_SPLITS`."""
    ctx.dps = dps
    env = Env(ctx, point, split=split)
    try:
        v = fn(env)
    except (ArithmeticError, ValueError, TypeError, AttributeError, mpmath.libmp.NoConvergence) as exc:
        return Outcome(None, 0, "undefined", f"{type(exc).__name__}: {exc}")
    if isinstance(v, (bool, int)):
        v = ctx.mpf(int(v))
    if isinstance(v, ctx.mpc) and v.imag == 0:
        v = v.real
    lost = int(env.lost_bits * 0.30103) + 1
    if ctx.isnan(v):
        return Outcome(None, env.quad_error, "undefined", "NaN", lost)
    if ctx.isinf(v):
        return Outcome(v, env.quad_error, "infinite", None, lost)
    scale = max(abs(v), env.scale)
    return Outcome(v, env.quad_error, "nonreal" if isinstance(v, ctx.mpc) else "real", None, lost, scale)
