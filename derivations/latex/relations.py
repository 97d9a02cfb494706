"""What a step means when it is not a plain ``=``/``≤``/``≥`` between two values.

* ``\\approx``: an approximation (a Monte Carlo estimate ``\\frac1S\\sum_s``, a Taylor expansion …);
reported as
  such and never refuted ("approximation, not checked").
* ``\\propto`` in a variable v: the ratio of the two sides does not depend on v; between logarithms
  (``\\log p(z|x) \\propto \\log p(x|z) + \\log p(z)``, as lecture notes write it) the *difference* does not.
* ``A = B + \\text{const}``: A − B does not depend on the variable.
  The variable is the one the prose states ("in z", "w.r.t. θ"), else the first argument of the first density
  on the left (``p(z|x)`` → z). Dependence is decided by the step checker: in the Gaussian reading the
  difference at v and at v + t, in the discrete reading at two different latent states.
* Optimisation statements (seed 003 MLE/EM, seed 004 3(g)–(h)): ``\\arg\\max_v f = \\arg\\max_v g`` holds when
  f − g does not depend on v; ``\\arg\\max_v f = v^*`` is a stationary point (∂f/∂v = 0 there, refuted
  otherwise) and a maximum when f is concave (∂²f/∂v² ≤ 0 proved everywhere); ``\\max_v f = c`` is the value
  at the unique stationary point of a concave f (convex for min).
* ``\\nabla`` without its variable (seed 001 §4.4): checked for every parameter the step names, and reported
  as a statement with each result — the variable is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from derivations.checker import Domain, decide_equal, decide_nonnegative
from derivations.checker.verdicts import Verdict
from derivations.latex.parser import Node, to_latex
from derivations.latex.report import APPROXIMATION
from derivations.latex.semantics import Env, SemanticError, Semantics, base_of, canonical, subscript_of

_SIZES_TWO_STATES = (2, 3, 4, 5, 7, 11, 13, 17)


@dataclass
class Outcome:
    """The verdict of one special step, with what was shown."""

    verdict: str
    detail: str
    counterexample: dict[str, str] | None = None


def approximation(lhs: Node, rhs: Node) -> Outcome:
    """``lhs ≈ rhs``: named, never refuted."""
    kinds = {n.kind for side in (lhs, rhs) for n in side.walk()}
    mc = (
        any(
            n.kind == "div"
            and n.args[0] == Node("number", ("1",))
            and isinstance(n.args[1], Node)
            and n.args[1].kind == "name"
            for side in (lhs, rhs)
            for n in side.walk()
        )
        and "sum" in kinds
    )
    what = "a Monte Carlo estimate (1/S Σ_s …)" if mc else "an approximation"
    return Outcome(APPROXIMATION, f"{what}, not checked: `\\approx` states no identity and is never refuted")


def strip_const(node: Node) -> tuple[Node, bool]:
    """``X + \\text{const}`` → (X, True); (node, False) without a constant; raises where the constant is
    elsewhere."""
    if node.kind == "const":
        return Node("number", ("0",)), True
    if node.kind in ("add", "sub") and isinstance(node.args[1], Node) and node.args[1].kind == "const":
        return node.args[0], True
    if any(n.kind == "const" for n in node.walk()):
        raise SemanticError("`\\text{const}` is read only as the last term of a side (… + const)")
    return node, False


def _first_density_arg(node: Node) -> str | None:
    for n in node.walk():
        if n.kind == "call" and base_of(str(n.args[0])) in ("p", "q") and n.args[1].args:
            first = n.args[1].args[0]
            if isinstance(first, Node) and first.kind == "name":
                return canonical(str(first.args[0]))
        if n.kind == "normal" and n.args and isinstance(n.args[0], Node) and n.args[0].kind == "name":
            return canonical(str(n.args[0].args[0]))
    return None


_STATED = re.compile(
    r"(?:\bin|w\.?\s*r\.?\s*t\.?|with respect to|as a function of|up to (?:a )?(?:constant|terms?) "
    r"(?:independent of|not depending on|free of))\s*\$([^$]{1,30})\$",
    re.I,
)


def stated_variable(lhs: Node, rhs: Node, prose: str) -> str | None:
    """The variable of ``∝``/``+ const``: stated in the prose just before, else the first density argument on
    the left (then the right)."""
    found = list(_STATED.finditer(prose[-300:]))
    if found:
        return canonical(found[-1].group(1).strip())
    return _first_density_arg(lhs) or _first_density_arg(rhs)


def _symbol_named(exprs: list[sp.Expr], name: str) -> sp.Symbol | None:
    for e in exprs:
        for s in e.free_symbols:
            if isinstance(s, sp.Symbol) and s.name == name:
                return s
    return None


def check_independent(
    lhs: Node,
    rhs: Node,
    *,
    make_semantics: Callable[[], Semantics],
    variable: str,
    multiplicative: bool,
    time_limit: float,
    points: int,
) -> Outcome:
    """Decide that lhs − rhs (lhs / rhs when ``multiplicative``) does not depend on ``variable``."""
    how = "ratio" if multiplicative else "difference"

    def combine(a: sp.Expr, b: sp.Expr) -> sp.Expr:
        return a / b if multiplicative else a - b

    sem = make_semantics()
    try:
        values = [sem.evaluate(lhs), sem.evaluate(rhs)]
        real = _symbol_named(values, variable)
    except SemanticError:
        values, real = [], None
    if real is not None:  # Gaussian / scalar reading: the variable is a real symbol
        t = sp.Symbol("t__shift", real=True)
        d = combine(*values)
        dom = sem.domain(points)
        dec = decide_equal(d, d.xreplace({real: real + t}), dom, time_limit=time_limit)
        where = f"at {variable} and at {variable} + t"
    else:  # discrete reading: two latent states
        sem = make_semantics()
        try:
            one = [sem.evaluate(x, Env().bind_latent(variable, sp.Integer(1))) for x in (lhs, rhs)]
            two = [sem.evaluate(x, Env().bind_latent(variable, sp.Integer(2))) for x in (lhs, rhs)]
        except SemanticError as exc:
            return Outcome("unsupported", f"not checked: {exc}")
        base = sem.domain(points)
        dom = Domain(
            simplex=base.simplex, size=base.size, bounds=base.bounds, points=points, sizes=_SIZES_TWO_STATES
        )
        if multiplicative:
            dec = decide_equal(one[0] * two[1], two[0] * one[1], dom, time_limit=time_limit)
        else:
            dec = decide_equal(one[0] - one[1], two[0] - two[1], dom, time_limit=time_limit)
        where = f"at two latent states of {variable}"
    if dec.verdict is Verdict.PROVED:
        return Outcome(
            "proved", f"the {how} of the two sides does not depend on {variable} (equal {where}, proved)"
        )
    if dec.verdict is Verdict.REFUTED:
        return Outcome(
            "refuted",
            f"the {how} of the two sides depends on {variable} ({where}: {dec.detail})",
            dec.counterexample,
        )
    return Outcome(dec.verdict.value, f"the {how} of the two sides {where}: {dec.detail}")


# ---------------------------------------------------------------------------------------------- optimisation
def _opt_parts(node: Node) -> tuple[str, tuple[str, ...], Node] | None:
    if node.kind == "opt":
        return str(node.args[0]), tuple(node.args[1]), node.args[2]
    return None


def _common_indices(e: sp.Expr) -> sp.Expr:
    """Innermost sums over the same range written with one index name, so that Σ_{i1} f − Σ_{i2} f cancels."""

    def rename(s: sp.Sum) -> sp.Expr:
        if len(s.limits) != 1 or s.function.has(sp.Sum):
            return s
        i, lo, hi = s.limits[0]
        j = sp.Symbol("i__common", integer=True, positive=True)
        return sp.Sum(s.function.xreplace({i: j}), (j, lo, hi))

    return e.replace(lambda x: isinstance(x, sp.Sum), rename)


def is_optimisation_definition(first: Node, steps: list[tuple[str, Node]]) -> bool:
    """``θ̂ = \\arg\\max_θ …`` or ``θ^{(t+1)} = \\arg\\max_θ Q(θ|θ^{(t)})``: a name defined as an optimum."""
    return first.kind == "name" and bool(steps) and steps[0][1].kind == "opt"


def check_optimum(
    lhs: Node, rhs: Node, *, make_semantics: Callable[[], Semantics], time_limit: float, points: int
) -> Outcome:
    """An optimisation statement between ``lhs`` and ``rhs`` (see the module docstring)."""
    a, b = _opt_parts(lhs), _opt_parts(rhs)
    if a is None and b is not None:
        lhs, rhs, a, b = rhs, lhs, b, a
    assert a is not None
    op, variables, f_node = a
    if len(variables) != 1:
        raise SemanticError("optimisation over several variables at once is not read")
    (var,) = variables
    sem = make_semantics()
    f = sem.evaluate(f_node)
    if b is not None:
        op2, vars2, g_node = b
        if op2 != op or vars2 != variables:
            raise SemanticError("two optimisation statements of different kinds or variables")
        g = sem.evaluate(g_node)
        dom = sem.domain(points)
        same = decide_equal(f, g, dom, time_limit=time_limit)
        if same.verdict is Verdict.PROVED:
            return Outcome("proved", f"the two objectives are equal (proved), so their {op} over {var} agree")
        gap = sp.simplify(_common_indices(f - g))
        if not gap.free_symbols and gap.is_finite:
            return Outcome(
                "proved", f"the objectives differ by the constant {sp.sstr(gap)}, so their {op} agree"
            )
        v = _symbol_named([f, g], canonical(var))
        if v is not None:
            t = sp.Symbol("t__shift", real=True)
            dec = decide_equal(f - g, (f - g).xreplace({v: v + t}), dom, time_limit=time_limit)
            if dec.verdict is Verdict.PROVED:
                return Outcome("proved", f"the objectives differ by a term free of {var} (proved)")
        return Outcome(
            "undecided",
            f"the objectives are not shown to differ by a term free of {var} ({same.verdict.value}); a "
            f"monotone "
            "transform can still have the same maximiser, so this is never refuted",
        )
    v = _symbol_named([f], canonical(var))
    if v is None:
        raise SemanticError(
            f"the objective does not depend on {var} in this reading (a function or a density)"
        )
    maximise = op in ("max", "argmax", "sup")
    dom = sem.domain(points)
    second = sp.diff(f, v, 2)
    concave = decide_nonnegative(-second if maximise else second, dom, time_limit=time_limit)
    shape = "concave" if maximise else "convex"
    if op in ("argmax", "argmin"):
        point = sem.evaluate(rhs)
        stat = decide_equal(sp.diff(f, v).xreplace({v: point}), sp.Integer(0), dom, time_limit=time_limit)
        if stat.verdict is Verdict.REFUTED:
            return Outcome(
                "refuted",
                f"{to_latex(rhs)} is not a stationary point: ∂f/∂{var} ≠ 0 there ({stat.detail})",
                stat.counterexample,
            )
        if stat.verdict is Verdict.PROVED and concave.verdict is Verdict.PROVED:
            return Outcome(
                "proved", f"∂f/∂{var} = 0 at the point (proved) and f is {shape} in {var} (proved)"
            )
        return Outcome(
            "undecided",
            f"stationarity {stat.verdict.value}; f {shape} in {var}: {concave.verdict.value}",
        )
    value = sem.evaluate(rhs)
    sols = sp.solve(sp.Eq(sp.diff(f, v), 0), v)
    if len(sols) != 1:
        raise SemanticError(
            f"∂f/∂{var} = 0 has {len(sols)} solutions in closed form; the optimum is not read"
        )
    at = f.xreplace({v: sols[0]})
    dec = decide_equal(at, value, dom, time_limit=time_limit)
    if concave.verdict is not Verdict.PROVED:
        return Outcome(
            "undecided",
            f"f is not shown {shape} in {var}; the value at the stationary point "
            f"{var} = {sp.sstr(sols[0])}: {dec.verdict.value}",
        )
    if dec.verdict is Verdict.REFUTED:
        return Outcome(
            "refuted",
            f"the {op} is attained at {var} = {sp.sstr(sols[0])} (f {shape}, proved) and "
            f"differs from the stated value ({dec.detail})",
            dec.counterexample,
        )
    return Outcome(
        dec.verdict.value,
        f"f is {shape} in {var} (proved); its {op} is at {var} = {sp.sstr(sols[0])}: {dec.detail}",
    )


# ---------------------------------------------------------------------------------------------- gradients
def parameters_named(nodes: list[Node]) -> list[str]:
    """The parameters written as subscripts of the densities (``q_\\phi`` → φ, ``p_\\theta`` → θ), in
    order."""
    out: list[str] = []
    for node in nodes:
        for n in node.walk():
            if n.kind in ("call", "name") and base_of(str(n.args[0])) in ("p", "q"):
                sub = subscript_of(str(n.args[0]))
                if sub and sub not in out:
                    out.append(sub)
    return out


def with_gradient_variable(node: Node, var: str) -> Node:
    """``node`` with every ``\\nabla`` that has no variable given ``var``."""
    if node.kind == "nabla" and node.args[0] is None:
        return Node("nabla", (var, with_gradient_variable(node.args[1], var)))
    return Node(
        node.kind, tuple(with_gradient_variable(x, var) if isinstance(x, Node) else x for x in node.args)
    )


def has_unstated_gradient(node: Node) -> bool:
    """Whether ``node`` has a ``\\nabla`` without its variable."""
    return any(n.kind == "nabla" and n.args[0] is None for n in node.walk())
