"""Displays whose meaning is a statement, and chains with relations beyond ``=``/``≤``/``≥``.

:func:`statement_reason` says why a parsed display is a statement or a definition rather than a step:
a generative model (``z \\sim \\mathcal{N}(0, I)``, seed 003 7), a display that states a condition
(``\\text{for } 1 \\le k \\le K``, ``\\forall x``, ``\\text{s.t.}``, seed 004 3(f)), a name defined as an
optimum
(``\\hat\\theta = \\arg\\max_\\theta …``, seed 003 5), the probability of an event defined by a formula
(``p_w(y = 1|x) = …``, seed 004 3(b)), a density defined as a mixture of Gaussians (seed 003 6.3), and an
equation for an unknown function (the Euler–Lagrange equation, seed 004 4(d)).

:func:`check_special_chain` checks a chain step by step when a step is an approximation, a proportionality,
an equality up to a constant, an optimisation statement or a gradient without its variable
(:mod:`derivations.latex.relations`); the other steps of the same chain are decided as usual.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import sympy as sp

from derivations.checker import Derivation
from derivations.latex.multivariate_gaussian import decide_kl_step, uses_matrices
from derivations.latex.parser import Chain, Node, to_latex
from derivations.latex.relations import (
    APPROXIMATION,
    Outcome,
    approximation,
    check_independent,
    check_optimum,
    has_unstated_gradient,
    is_optimisation_definition,
    parameters_named,
    stated_variable,
    strip_const,
    with_gradient_variable,
)
from derivations.latex.report import DEFINITION, STATEMENT, UNSUPPORTED, StepReport
from derivations.latex.semantics import SemanticError, Semantics, base_of

_REL = {"=": "=", r"\ge": ">=", r"\geq": ">=", ">": ">=", r"\le": "<=", r"\leq": "<=", "<": "<="}
_REL_TEX = {"=": "=", ">=": r"\geq", "<=": r"\leq"}
_SPECIAL_RELS = {r"\approx", r"\propto", ":="}


class _Fragment(Protocol):
    @property
    def line(self) -> int: ...
    @property
    def latex(self) -> str: ...
    @property
    def label(self) -> str | None: ...
    @property
    def prose_before(self) -> str: ...


def _unknown_function_equation(chain: Chain) -> str | None:
    nodes = [chain.first, *(e for _, e in chain.steps)]
    for node in nodes:
        if node is None:
            continue
        for n in node.walk():
            if n.kind == "deriv":
                calls = [
                    c
                    for c in n.args[1].walk()
                    if c.kind == "call" and base_of(str(c.args[0])) not in ("p", "q")
                ]
                if calls:
                    return str(calls[0].args[0])
    return None


def _is_gaussian_mixture(node: Node) -> bool:
    return any(n.kind == "normal" and len(n.args) == 2 for n in node.walk()) and node.kind in ("add", "sub")


def statement_reason(chain: Chain) -> tuple[str, str] | None:
    """(verdict, reason) when the display is a statement or a definition rather than a chain of steps."""
    if chain.model is not None:
        var, given, dist = chain.model
        head = to_latex(var) + (f" \\mid {to_latex(given)}" if given is not None else "")
        if dist.kind == "unread":
            what = (
                f"the distribution `{dist.args[0]}` is not read (steps using it are not checked through it)"
            )
        else:
            what = f"{head} \\sim {to_latex(dist)}"
        extra = f"; it also states `{chain.condition[:100]}`" if chain.condition else ""
        return STATEMENT, f"a generative model ({what}): a statement of the model, not a step{extra}"
    if chain.condition is not None:
        what = (
            "an optimisation program"
            if chain.first is not None and chain.first.kind == "opt"
            else "a statement"
        )
        return STATEMENT, (
            f"{what} with the condition `{chain.condition[:100]}`: a condition or constraint, not a step"
        )
    first = chain.first
    if first is None or not chain.steps:
        return None
    steps = list(chain.steps)
    if is_optimisation_definition(first, steps):
        opt = steps[0][1]
        return DEFINITION, (
            f"defines {to_latex(first)} as the {opt.args[0]} over {', '.join(opt.args[1])} "
            "(an optimisation statement; the chain that continues it is checked)"
        )
    if (
        first.kind == "call"
        and base_of(str(first.args[0])) in ("p", "q")
        and any(isinstance(a, Node) and a.kind == "event" for a in first.args[1].args)
        and steps[0][0] == "="
    ):
        return DEFINITION, f"defines the probability of the event {to_latex(first)} by a formula"
    if (
        first.kind in ("call", "name")
        and base_of(str(first.args[0])) in ("p", "q")
        and _is_gaussian_mixture(steps[0][1])
    ):
        return DEFINITION, (
            f"defines {to_latex(first)} as a mixture of Gaussian distributions (a distribution, not "
            f"read as a "
            "value in steps)"
        )
    fn = _unknown_function_equation(chain)
    if fn is not None:
        return STATEMENT, (
            f"an equation for the unknown function {fn} (e.g. the Euler–Lagrange equation): a condition to "
            "solve, not an identity"
        )
    return None


def likelihood_of_chain(nodes: list[Node]) -> Node | None:
    """The decoder likelihood a chain writes for p(x|z): ``-\\log p_\\theta(x|\\tilde z) = -\\log
    \\prod_{d=1}^D
    \\mathcal{N}(x_d; \\hat x_d, \\sigma^2)`` (seed 001 (20), (25)) reads p(x|z̃) as that product over the
    components x_d, for every expression of the chain; None when the chain writes no such product."""
    if not any(
        n.kind == "call" and base_of(str(n.args[0])) == "p" and n.args[2].args
        for node in nodes
        for n in node.walk()
    ):
        return None
    for node in nodes:
        for n in node.walk():
            if n.kind == "prod" and len(n.args[0].args) == 2:
                body = n.args[2]
                if body.kind == "func" and str(body.args[0]) in ("Bernoulli", "Bern", "Ber"):
                    return n
                if body.kind == "normal" and len(body.args) == 3:
                    return n
    return None


def relates_likelihood(lhs: Node, rhs: Node) -> bool:
    """``p(x|z̃) = −\\log \\prod_d \\text{Bernoulli}(x_d; \\hat x_d)``: the left side is the likelihood and
    the right
    side does something to the product of components it writes (rather than being that product): a step read
    under :func:`likelihood_of_chain`, not a definition of p(x|z̃)."""
    prod = likelihood_of_chain([lhs, rhs])
    return prod is not None and lhs.kind == "call" and bool(lhs.args[2].args) and rhs != prod


def needs_special_check(
    nodes: list[Node], rels: list[str], gaussians: dict[str, tuple[Node, Node]] | None = None
) -> bool:
    """Whether the chain has a step that :func:`check_special_chain` must read."""
    if uses_matrices(nodes, gaussians or {}):
        return True
    return (
        any(r in _SPECIAL_RELS for r in rels)
        or any(n.kind in ("const", "opt") for node in nodes for n in node.walk())
        or any(has_unstated_gradient(node) for node in nodes)
    )


def _decide_plain(
    lhs: Node, rhs: Node, rel: str, make_semantics: Callable[[], Semantics], time_limit: float, points: int
) -> tuple[str, str, dict[str, str] | None]:
    sem = make_semantics()
    a, b = sem.evaluate(lhs), sem.evaluate(rhs)
    d = Derivation(a, domain=sem.domain(points), time_limit=time_limit)
    d.step(rel, b, "as written")
    sr = d.check().steps[0]
    return sr.verdict.value, sr.detail, sr.counterexample


def _unstated_gradient(
    lhs: Node, rhs: Node, rel: str, make_semantics: Callable[[], Semantics], time_limit: float, points: int
) -> Outcome:
    params = parameters_named([lhs, rhs])
    if not params:
        return Outcome(UNSUPPORTED, "∇ without its variable, and no parameter is named: not checked")
    results = []
    for p in params:
        try:
            v, detail, _ = _decide_plain(
                with_gradient_variable(lhs, p),
                with_gradient_variable(rhs, p),
                rel,
                make_semantics,
                time_limit,
                points,
            )
        except SemanticError as exc:
            v, detail = UNSUPPORTED, str(exc)
        results.append(f"for ∇_{p}: {v} ({detail[:120]})")
    return Outcome(
        STATEMENT,
        "∇ without its variable (never guessed); checked for each parameter the step names — "
        + "; ".join(results),
    )


def check_special_chain(
    nodes: list[Node],
    steps: list[tuple[str, _Fragment]],
    *,
    make_semantics: Callable[[], Semantics],
    justification: Callable[[_Fragment, str | None], str],
    time_limit: float,
    points: int,
    gaussians: dict[str, tuple[Node, Node]] | None = None,
) -> list[StepReport]:
    """One report per step of the chain ``nodes[0] rel₁ nodes[1] …`` (``steps``: each relation with the
    display it is written in)."""
    out = []
    for k, (r, frag) in enumerate(steps):
        same = [j for j in range(len(steps)) if steps[j][1] is frag]
        label = (
            frag.label
            if k == same[-1] and frag.label
            else f"{frag.label or 'line ' + str(frag.line)}·{same.index(k) + 1}"
        )
        lhs, rhs = nodes[k], nodes[k + 1]
        t0 = time.perf_counter()
        ce = None
        parsed = f"{to_latex(lhs)} {_REL_TEX.get(_REL.get(r, ''), r)} {to_latex(rhs)}"
        try:
            if r == r"\approx":
                o = approximation(lhs, rhs)
            elif uses_matrices([lhs, rhs], gaussians or {}):
                if r != "=":
                    raise SemanticError(f"`{r}` between vectors and matrices")
                o = Outcome(*decide_kl_step(lhs, rhs, gaussians or {}, time_limit=time_limit))
            elif r == ":=":
                o = Outcome(DEFINITION, f"defines {to_latex(lhs)} (:=)")
            elif has_unstated_gradient(lhs) or has_unstated_gradient(rhs):
                o = _unstated_gradient(lhs, rhs, _REL.get(r, "="), make_semantics, time_limit, points)
            elif r == r"\propto" or any(n.kind == "const" for side in (lhs, rhs) for n in side.walk()):
                a, _ = strip_const(lhs)
                b, _ = strip_const(rhs)
                if r != r"\propto" and r != "=":
                    raise SemanticError(f"`{r}` with `\\text{{const}}`")
                var = stated_variable(a, b, frag.prose_before)
                if var is None:
                    raise SemanticError("∝ / + const: the variable is not stated and no density names it")
                logs = a.kind == "log" or (
                    b.kind in ("log", "add", "sub") and any(n.kind == "log" for n in b.walk())
                )
                o = check_independent(
                    a,
                    b,
                    make_semantics=make_semantics,
                    variable=var,
                    multiplicative=(r == r"\propto" and not logs),
                    time_limit=time_limit,
                    points=points,
                )
                if r == r"\propto" and logs:
                    o.detail = "∝ between logarithms read as equality up to an additive constant: " + o.detail
            elif any(n.kind == "opt" for side in (lhs, rhs) for n in side.walk()):
                if r != "=" or (lhs.kind != "opt" and rhs.kind != "opt"):
                    raise SemanticError("an optimum inside a larger expression is not read")
                o = check_optimum(
                    lhs, rhs, make_semantics=make_semantics, time_limit=time_limit, points=points
                )
            else:
                rel = _REL.get(r)
                if rel is None:
                    raise SemanticError(f"relation `{r}` is not checked")
                v, detail, ce = _decide_plain(lhs, rhs, rel, make_semantics, time_limit, points)
                o = Outcome(v, detail, ce)
            verdict, detail, ce = o.verdict, o.detail, o.counterexample
        except SemanticError as exc:
            verdict, detail = UNSUPPORTED, f"not checked: {exc}"
        except (ValueError, NotImplementedError, sp.PolynomialError) as exc:
            verdict, detail = "error", f"{type(exc).__name__}: {exc}"
        out.append(
            StepReport(
                label,
                frag.line,
                frag.latex.strip(),
                parsed,
                r,
                verdict,
                detail,
                time.perf_counter() - t0,
                justification(frag, frag.label),
                ce,
                kind={APPROXIMATION: "approximation", DEFINITION: "definition", STATEMENT: "statement"}.get(
                    verdict, "step"
                ),
            )
        )
    return out


__all__ = ["check_special_chain", "needs_special_check", "statement_reason"]
