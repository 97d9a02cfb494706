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

Each step is decided under one hard wall-clock bound, ``time_limit``, that covers all its stages;
a step that hits it is *undecided* ("time bound of X s hit") and stops consuming CPU.

Inequality steps may carry a :class:`~derivations.checker.lemmas.NonNegativeSum` certificate for
``lhs − rhs`` (for ``≥``) or ``rhs − lhs`` (for ``≤``); without one, a certificate is sought for
the standard inequalities (:mod:`derivations.checker.inequalities`: Jensen, log-sum, Gibbs,
t − 1 − log t ≥ 0, squares). A certificate is verified, never trusted.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from typing import Literal

import sympy as sp

from derivations.checker.balls import NoEnclosure, ball_text, compile_balls, enclose
from derivations.checker.identities import (
    Decision,
    Domain,
    _as_expr,
    check_time_limit,
    decide_equal,
    exact_floats,
)
from derivations.checker.inequalities import decide_inequality
from derivations.checker.lemmas import NonNegativeSum
from derivations.checker.normal_form import substitute_definitions
from derivations.checker.refutation import RefutationCertificate, _NamedPoint, exact_value
from derivations.checker.timebound import TimeBoundExceeded, time_bound
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
    """One decided step. ``sides`` holds the step's two expressions (the previous one and the
    new one); :meth:`side_text` shows them, shortened, when the step fails."""

    label: str
    relation: Relation
    justification: str
    verdict: Verdict
    detail: str
    seconds: float
    error: float | None = None
    tolerance: float | None = None
    counterexample: dict[str, str] | None = None
    sides: tuple[sp.Expr, sp.Expr] | None = field(default=None, repr=False, compare=False)
    #: For a refuted step: the ball-arithmetic certificate (see
    #: :func:`derivations.checker.refutation.recheck`).
    certificate: RefutationCertificate | None = field(default=None, compare=False)

    def side_text(self, max_chars: int = 300) -> tuple[str, str]:
        """The two sides as text, each cut to ``max_chars`` characters (a step may hold an
        expression with thousands of terms; printing is never the slow part of a check)."""
        if self.sides is None:
            return "", ""
        out = []
        for e in self.sides:
            if _node_count_exceeds(e, 2 * max_chars):
                out.append(f"<expression with {len(sp.Add.make_args(e))} terms>")
                continue
            text = sp.sstr(e)
            out.append(text if len(text) <= max_chars else text[: max_chars - 1] + "…")
        return out[0], out[1]


def _node_count_exceeds(expr: sp.Expr, limit: int) -> bool:
    """True when ``expr`` has more than ``limit`` nodes (stops counting there)."""
    for n, _ in enumerate(sp.preorder_traversal(expr)):
        if n >= limit:
            return True
    return False


_SIGN = {"=": "=", "<=": "≤", ">=": "≥"}
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
}


def _latex_text(text: str) -> str:
    r"""``text`` made safe inside ``\text{…}``."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


#: Keys of a counterexample that are values of the sides, not coordinates of the point.
_SIDE_KEYS = ("lhs", "rhs", "value")


def _point_and_sides(cx: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    point = {k: v for k, v in cx.items() if k not in _SIDE_KEYS and k != "step"}
    sides = {k: cx[k] for k in _SIDE_KEYS if k in cx}
    return point, sides


def _side_lines(relation: Relation, sides: dict[str, str]) -> list[str]:
    out = []
    if "lhs" in sides:
        out.append(f"left side  = {sides['lhs']}")
    if "rhs" in sides:
        out.append(f"right side = {sides['rhs']}")
    if "value" in sides:
        diff = "left − right" if relation == ">=" else "right − left"
        out.append(f"{diff} = {sides['value']} (must be ≥ 0)")
    return out


@dataclass
class ChainResult:
    """Per-step verdicts; ``verdict`` is the chain's: refuted if any step is, else the weakest.

    ``print(result)`` shows every step with its verdict and, for a refuted step, the step, the
    point and both sides; in a notebook the result renders as a table (``_repr_html_``) or as
    LaTeX (``_repr_latex_``)."""

    title: str
    steps: list[StepResult] = field(default_factory=list)

    @property
    def first_failure(self) -> StepResult | None:
        """The first refuted step (the one to report), or None when no step is refuted."""
        for s in self.steps:
            if s.verdict is Verdict.REFUTED:
                return s
        return None

    @property
    def premises(self) -> list[StepResult]:
        """The steps taken as premises (stated, not checked)."""
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
        """One line: the first failing step with its justification and detail (or how many steps were
        checked), followed by every step's label and verdict."""
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
        """This chain's result as registry :class:`Evidence` under ``method``: the chain verdict, the
        summary, the largest numeric error and tolerance among numerically checked steps, the first
        failure's counterexample, and every step in ``extra``."""
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
                **(
                    {"certificate": fail.certificate.to_json()}
                    if fail is not None and fail.certificate is not None
                    else {}
                ),
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

    # ------------------------------------------------------------------ display

    def render(self) -> str:
        """A plain-text report: one line per step, the failing step in full."""
        fail = self.first_failure
        head = f"{self.title}: {self.verdict.value}"
        if fail is not None:
            head += f" (first failing step {fail.label})"
        if self.premises:
            head += " from the premises " + ", ".join(p.label for p in self.premises)
        lines = [head]
        width = max(len(s.label) for s in self.steps) if self.steps else 0
        vwidth = max(len(s.verdict.value) for s in self.steps) if self.steps else 0
        for s in self.steps:
            lines.append(
                f"  {s.label:<{width}} {_SIGN[s.relation]} {s.verdict.value:<{vwidth}}  "
                f"{s.justification}  [{s.seconds:.2f} s]"
            )
            if s.verdict in (Verdict.REFUTED, Verdict.UNDECIDED, Verdict.NUMERIC):
                pad = " " * (width + 5)
                if s.verdict is Verdict.REFUTED:
                    if s.sides is not None:
                        lhs, rhs = s.side_text()
                        lines.append(f"{pad}claimed: {lhs}  {_SIGN[s.relation]}  {rhs}")
                    if s.counterexample:
                        point, sides = _point_and_sides(s.counterexample)
                        coords = ", ".join(f"{k} = {v}" for k, v in point.items())
                        lines.append(f"{pad}at:      {coords or '(no free symbols)'}")
                        lines.extend(f"{pad}         {t}" for t in _side_lines(s.relation, sides))
                lines.append(f"{pad}why:     {s.detail}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()

    def _repr_html_(self) -> str:
        esc = html.escape
        colour = {
            Verdict.PROVED: "#1a7f37", Verdict.NUMERIC: "#9a6700", Verdict.UNDECIDED: "#6e7781",
            Verdict.REFUTED: "#cf222e", Verdict.PREMISE: "#0550ae", Verdict.NOT_RUN: "#6e7781",
        }
        rows = []
        for s in self.steps:
            detail = esc(s.detail)
            if s.verdict is Verdict.REFUTED:
                extra = []
                if s.sides is not None:
                    lhs, rhs = s.side_text()
                    extra.append(f"claimed: <code>{esc(lhs)} {_SIGN[s.relation]} {esc(rhs)}</code>")
                if s.counterexample:
                    point, sides = _point_and_sides(s.counterexample)
                    coords = ", ".join(f"{esc(k)} = {esc(v)}" for k, v in point.items())
                    extra.append(f"at: <code>{coords or '(no free symbols)'}</code>")
                    extra.extend(esc(t) for t in _side_lines(s.relation, sides))
                detail = "<br>".join([*extra, detail])
            rows.append(
                f"<tr><td>{esc(s.label)}</td><td>{_SIGN[s.relation]}</td>"
                f'<td style="color:{colour[s.verdict]}"><b>{esc(s.verdict.value)}</b></td>'
                f"<td>{esc(s.justification)}</td><td>{detail}</td>"
                f"<td>{s.seconds:.2f} s</td></tr>"
            )
        return (
            f"<div><b>{esc(self.title)}</b>: "
            f'<span style="color:{colour[self.verdict]}">{esc(self.verdict.value)}</span>'
            "<table><thead><tr><th>step</th><th></th><th>verdict</th><th>justification</th>"
            "<th>detail</th><th>time</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table></div>"
        )

    def _repr_latex_(self) -> str:
        rel = {"=": "=", "<=": r"\le", ">=": r"\ge"}
        rows = [
            rf"{_latex_text(s.label)} & {rel[s.relation]} & \text{{{_latex_text(s.verdict.value)}}} & "
            rf"\text{{{_latex_text(s.justification)}}} \\"
            for s in self.steps
        ]
        fail = self.first_failure
        tail = ""
        if fail is not None and fail.counterexample:
            point, sides = _point_and_sides(fail.counterexample)
            coords = ", ".join(f"{k} = {v}" for k, v in point.items())
            tail = (
                rf"\text{{step {_latex_text(fail.label)} fails at }} "
                rf"\text{{{_latex_text(coords)}; "
                rf"{_latex_text('; '.join(_side_lines(fail.relation, sides)))}}}"
            )
        body = "\n".join(rows)
        return (
            rf"$\begin{{array}}{{llll}}\multicolumn{{4}}{{l}}{{\text{{{_latex_text(self.title)}: "
            rf"{_latex_text(self.verdict.value)}}}}} \\ " + "\n" + body
            + (rf" \multicolumn{{4}}{{l}}{{{tail}}}" if tail else "")
            + r"\end{array}$"
        )


def _side_values(
    lhs: sp.Expr, rhs: sp.Expr, certificate: RefutationCertificate, domain: Domain
) -> dict[str, str]:
    """Both sides' ball enclosures at a refuted inequality's certified point (the decision
    encloses only the difference); empty when they cannot be enclosed within 0.5 s."""

    def evaluate() -> dict[str, str]:
        point = _NamedPoint({k: exact_value(v) for k, v in certificate.point.items()})
        out = {}
        for key, side in (("lhs", lhs), ("rhs", rhs)):
            fn = compile_balls(substitute_definitions(exact_floats(side), domain))
            out[key] = ball_text(enclose(fn, point, certificate.bits))
        return out

    try:
        return time_bound(evaluate, 0.5)  # display only: keeps a step within time_limit + 1 s
    except (TimeBoundExceeded, NoEnclosure, ValueError):
        return {}


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
        check_time_limit(time_limit)
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
        """Append a step ``… = expr`` justified by ``justification``; keywords as for :meth:`step`. Returns
        ``self`` for chaining."""
        return self.step("=", expr, justification, **kw)  # type: ignore[arg-type]

    def le(self, expr: sp.Expr, justification: str, **kw: object) -> Derivation:
        """Append a step ``… ≤ expr`` (keywords as for :meth:`step`, e.g. ``certificate``); returns
        ``self``."""
        return self.step("<=", expr, justification, **kw)  # type: ignore[arg-type]

    def ge(self, expr: sp.Expr, justification: str, **kw: object) -> Derivation:
        """Append a step ``… ≥ expr`` (keywords as for :meth:`step`, e.g. ``certificate``); returns
        ``self``."""
        return self.step(">=", expr, justification, **kw)  # type: ignore[arg-type]

    @property
    def end(self) -> sp.Expr:
        """The expression the chain has reached: the last step's, or ``start`` when there is none."""
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
        return decide_inequality(
            diff, self.domain, certificate=step.certificate, time_limit=self.time_limit
        )

    def _decide_bounded(self, prev: sp.Expr, step: Step) -> Decision:
        """:meth:`_decide` under ONE hard bound of ``time_limit`` covering every stage
        (normalisation, the counterexample search, simplification, certificates)."""
        try:
            return time_bound(lambda: self._decide(prev, step), self.time_limit)
        except TimeBoundExceeded:
            return Decision(
                Verdict.UNDECIDED,
                f"time bound of {self.time_limit:g} s hit (all stages of the step together); "
                "neither a proof nor a counterexample was found in time",
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
                else self._decide_bounded(prev, step)
            )
            if (d.verdict is Verdict.REFUTED and d.counterexample and "lhs" not in d.counterexample
                    and d.certificate is not None and d.certificate.relation == "< 0"):
                d.counterexample = {
                    **d.counterexample, **_side_values(prev, step.expr, d.certificate, self.domain)
                }
            result.steps.append(
                StepResult(step.label, step.relation, step.justification, d.verdict, d.detail,
                           time.perf_counter() - t0, d.error, d.tolerance, d.counterexample,
                           sides=(prev, step.expr), certificate=d.certificate)
            )
            prev = step.expr
        return result
