"""The step checker: decide every step of a derivation chain (DESIGN.md, "The step checker").

A derivation is a chain ``e0 R1 e1 R2 e2 …`` with each relation ``R`` one of ``=``, ``≤``,
``≥`` and each step carrying its justification. :meth:`Derivation.check` decides every step
(symbolically first, then by searching admissible random points for a counterexample) and
returns per-step verdicts, naming the first step that fails.

Example::

    >>> import sympy as sp
    >>> from derivations.checker.steps import Derivation
    >>> x = sp.Symbol("x", positive=True)
    >>> d = Derivation(sp.log(x**2), title="log of a square")
    >>> _ = d.eq(2 * sp.log(x), "log of a power").eq(sp.log(x) + sp.log(x), "collect")
    >>> d.check().verdict.value
    'proved'

Inequality steps may carry a :class:`~derivations.checker.lemmas.NonNegativeSum` certificate for
``lhs − rhs`` (for ``≥``) or ``rhs − lhs`` (for ``≤``); it is verified, never trusted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import sympy as sp

from derivations.checker.identities import Decision, Domain, _as_expr, decide_equal, decide_nonnegative
from derivations.checker.lemmas import NonNegativeSum
from derivations.checker.verdicts import Evidence, Verdict

Relation = Literal["=", "<=", ">="]
_RELATIONS: dict[str, Relation] = {"=": "=", "==": "=", "<=": "<=", "≤": "<=", ">=": ">=", "≥": ">="}


@dataclass(frozen=True)
class Step:
    """``previous  relation  expr``, with its justification and optional label, e.g. "(8)"."""

    relation: Relation
    expr: sp.Expr
    justification: str
    label: str
    certificate: NonNegativeSum | None = None
    premise: bool = False


@dataclass
class StepResult:
    label: str
    relation: Relation
    justification: str
    verdict: Verdict
    detail: str
    seconds: float
    error: float | None = None
    tolerance: float | None = None
    counterexample: dict[str, str] | None = None


@dataclass
class ChainResult:
    """Per-step verdicts; ``verdict`` is the chain's: refuted if any step is, else the weakest."""

    title: str
    steps: list[StepResult] = field(default_factory=list)

    @property
    def first_failure(self) -> StepResult | None:
        for s in self.steps:
            if s.verdict is Verdict.REFUTED:
                return s
        return None

    @property
    def premises(self) -> list[StepResult]:
        return [s for s in self.steps if s.verdict is Verdict.PREMISE]

    @property
    def verdict(self) -> Verdict:
        """Premise steps are not counted: a chain is *proved* from its premises, which
        :meth:`summary` names."""
        verdicts = [s.verdict for s in self.steps if s.verdict is not Verdict.PREMISE]
        for v in (Verdict.REFUTED, Verdict.UNDECIDED, Verdict.NUMERIC):
            if v in verdicts:
                return v
        return Verdict.PROVED

    def summary(self) -> str:
        parts = [f"{s.label} {s.verdict.value}" for s in self.steps]
        fail = self.first_failure
        checked = len(self.steps) - len(self.premises)
        head = (
            f"first failing step {fail.label} ({fail.justification}): {fail.detail}"
            if fail
            else f"all {checked} checked steps: {self.verdict.value}"
        )
        if self.premises:
            head += " from the premises " + ", ".join(
                f"{p.label} [{p.justification}]" for p in self.premises
            )
        return f"{self.title}: {head} [{'; '.join(parts)}]"

    def to_evidence(self, method: str = "symbolic") -> Evidence:
        fail = self.first_failure
        numeric = [s for s in self.steps if s.verdict is Verdict.NUMERIC]
        return Evidence(
            method,
            self.verdict,
            self.summary(),
            seconds=sum(s.seconds for s in self.steps),
            error=max((s.error or 0.0) for s in numeric) if numeric else None,
            tolerance=max((s.tolerance or 0.0) for s in numeric) if numeric else None,
            counterexample=(
                {"step": fail.label, **(fail.counterexample or {})} if fail is not None else None
            ),
            extra={
                "steps": [
                    {
                        "label": s.label,
                        "relation": s.relation,
                        "justification": s.justification,
                        "verdict": s.verdict.value,
                        "detail": s.detail,
                    }
                    for s in self.steps
                ]
            },
        )


class Derivation:
    """A chain of expressions joined by =, ≤ or ≥ (see the module docstring)."""

    def __init__(
        self,
        start: sp.Expr,
        *,
        domain: Domain | None = None,
        title: str = "derivation",
        time_limit: float = 20.0,
    ) -> None:
        self.start = _as_expr(start, "start")
        if domain is not None and not isinstance(domain, Domain):
            raise ValueError(f"domain: expected a Domain, got {type(domain).__name__}")
        if time_limit <= 0:
            raise ValueError(f"time_limit: must be positive, got {time_limit!r}")
        self.domain = domain or Domain()
        self.title = title
        self.time_limit = time_limit
        self.steps: list[Step] = []

    def step(
        self,
        relation: str,
        expr: sp.Expr,
        justification: str,
        *,
        label: str | None = None,
        certificate: NonNegativeSum | None = None,
        premise: bool = False,
    ) -> Derivation:
        """Append ``relation expr``; returns ``self`` so that steps chain.

        ``premise=True`` marks a step that is assumed rather than checked (e.g. "θᵗ⁺¹ maximises
        F(·, qᵗ)"); it is reported with the verdict *premise* and named in the summary."""
        if relation not in _RELATIONS:
            raise ValueError(
                f"relation: expected one of '=', '<=', '>=' (or ≤, ≥), got {relation!r}"
            )
        rel = _RELATIONS[relation]
        if certificate is not None and rel == "=":
            raise ValueError("certificate: only inequality steps take a certificate")
        if certificate is not None and not isinstance(certificate, NonNegativeSum):
            raise ValueError(f"certificate: expected NonNegativeSum, got {type(certificate)}")
        if not isinstance(justification, str) or not justification.strip():
            raise ValueError("justification: every step needs a non-empty justification")
        directions = {s.relation for s in self.steps} | {rel}
        if {"<=", ">="} <= directions:
            raise ValueError(
                "relation: a chain mixing ≤ and ≥ proves nothing about its ends; "
                f"step {label or len(self.steps) + 1} is inconsistent with the earlier steps"
            )
        self.steps.append(
            Step(rel, _as_expr(expr, "expr"), justification, label or f"({len(self.steps) + 1})",
                 certificate, premise)
        )
        return self

    def eq(self, expr: sp.Expr, justification: str, **kw: object) -> Derivation:
        return self.step("=", expr, justification, **kw)  # type: ignore[arg-type]

    def le(self, expr: sp.Expr, justification: str, **kw: object) -> Derivation:
        return self.step("<=", expr, justification, **kw)  # type: ignore[arg-type]

    def ge(self, expr: sp.Expr, justification: str, **kw: object) -> Derivation:
        return self.step(">=", expr, justification, **kw)  # type: ignore[arg-type]

    @property
    def end(self) -> sp.Expr:
        return self.steps[-1].expr if self.steps else self.start

    @property
    def relation(self) -> Relation:
        """The relation between ``start`` and ``end`` that the chain asserts."""
        rels = {s.relation for s in self.steps} - {"="}
        return rels.pop() if rels else "="

    def _decide(self, prev: sp.Expr, step: Step) -> Decision:
        if step.relation == "=":
            return decide_equal(prev, step.expr, self.domain, time_limit=self.time_limit)
        diff = prev - step.expr if step.relation == ">=" else step.expr - prev
        return decide_nonnegative(
            diff, self.domain, certificate=step.certificate, time_limit=self.time_limit
        )

    def check(self) -> ChainResult:
        """Decide every step; see :class:`ChainResult`."""
        if not self.steps:
            raise ValueError("steps: the derivation has no steps to check")
        result = ChainResult(self.title)
        prev = self.start
        for step in self.steps:
            t0 = time.perf_counter()
            d = (
                Decision(Verdict.PREMISE, "assumed (premise), not checked")
                if step.premise
                else self._decide(prev, step)
            )
            result.steps.append(
                StepResult(step.label, step.relation, step.justification, d.verdict, d.detail,
                           time.perf_counter() - t0, d.error, d.tolerance, d.counterexample)
            )
            prev = step.expr
        return result
