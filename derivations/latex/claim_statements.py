"""The statement shown is the statement checked.

Every registered claim carries its LaTeX (``Claim.latex``) apart from the SymPy expression its
verifier checks; the two can drift apart unseen. :func:`check_claim_latex` parses the claim's
LaTeX with this front end and decides that it states the same relation as the checked
expression: the relations agree and each side is identical to the checked side (or the sides
are swapped with the relation reversed), each decided by the step checker.

The checked statement is given as ``(lhs, relation, rhs)`` with ``relation`` one of ``=``,
``>=``, ``<=``, or as a SymPy ``Eq``/``Ge``/``Le``, in the symbols of
:class:`derivations.latent.DiscreteModel` (``q``, ``pi``, ``ell`` indexed 1..K), which are
the symbols the LaTeX semantics produce. :func:`latex_parse_report` lists which claims'
LaTeX parses and evaluates at all. Wiring into the registry (a claim exposing its checked
expression) is the registry owner's: this module only reads ``claim.id`` and ``claim.latex``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations.checker import decide_equal
from derivations.checker.verdicts import Verdict
from derivations.latex.parser import LatexParseError, parse_chain, to_latex
from derivations.latex.semantics import SemanticError, Semantics

_REL = {"=": "=", r"\ge": ">=", r"\geq": ">=", ">": ">=", r"\le": "<=", r"\leq": "<=", "<": "<="}
_FLIP = {"=": "=", ">=": "<=", "<=": ">="}


@dataclass(frozen=True)
class ClaimLatexResult:
    """``status``: ``matches`` (proved identical), ``mismatch`` (with a counterexample or a
    different relation), ``parse error``, ``unsupported``, ``undecided``."""

    claim_id: str
    latex: str
    parsed: str
    status: str
    detail: str
    counterexample: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        """Whether the LaTeX statement was proved identical to the registered claim (status ``matches``)."""
        return self.status == "matches"


def _checked(expr: Any) -> tuple[sp.Expr, str, sp.Expr]:
    if isinstance(expr, tuple) and len(expr) == 3 and expr[1] in ("=", ">=", "<="):
        for side in (expr[0], expr[2]):
            if isinstance(side, str):
                raise ValueError(
                    f"expr: a side of the checked relation must be a SymPy expression, not the "
                    f"string {side!r} (a string would be parsed, not taken from the verifier)"
                )
        return sp.sympify(expr[0]), str(expr[1]), sp.sympify(expr[2])
    if isinstance(expr, sp.Equality):
        return expr.lhs, "=", expr.rhs
    if isinstance(expr, sp.GreaterThan):
        return expr.lhs, ">=", expr.rhs
    if isinstance(expr, sp.LessThan):
        return expr.lhs, "<=", expr.rhs
    raise ValueError(f"expr: expected (lhs, '='|'>='|'<=', rhs) or a SymPy Eq/Ge/Le, got {expr!r}")


def _parse(latex: str) -> tuple[Any, str, Any, str]:
    chain = parse_chain(latex)
    if chain.first is None or len(chain.steps) != 1:
        raise SemanticError("a claim's LaTeX must be one relation `lhs = rhs` (or ≥, ≤)")
    rel, rhs = chain.steps[0]
    if rel not in _REL:
        raise SemanticError(f"relation `{rel}` is not one of =, ≥, ≤")
    return chain.first, _REL[rel], rhs, f"{to_latex(chain.first)} {rel} {to_latex(rhs)}"


def check_claim_latex(claim: Any, expr: Any, *, time_limit: float = 10.0) -> ClaimLatexResult:
    """Decide that ``claim.latex`` states the relation ``expr`` that the verifier checks."""
    for attr in ("id", "latex"):
        if not isinstance(getattr(claim, attr, None), str):
            raise ValueError(f"claim: expected an object with a string `{attr}`, got {claim!r}")
    lhs, rel, rhs = _checked(expr)
    try:
        first, lrel, second, parsed = _parse(claim.latex)
    except LatexParseError as exc:
        return ClaimLatexResult(claim.id, claim.latex, "", "parse error", str(exc))
    except SemanticError as exc:
        return ClaimLatexResult(claim.id, claim.latex, "", "unsupported", str(exc))
    sem = Semantics()
    try:
        a, b = sem.evaluate(first), sem.evaluate(second)
    except SemanticError as exc:
        return ClaimLatexResult(claim.id, claim.latex, parsed, "unsupported", str(exc))
    dom = sem.domain()
    attempts = []
    if lrel == rel:
        attempts.append((a, b, "as written"))
    if _FLIP[lrel] == rel:
        attempts.append((b, a, "sides swapped"))
    if not attempts:
        return ClaimLatexResult(
            claim.id,
            claim.latex,
            parsed,
            "mismatch",
            f"the LaTeX states `{lrel}`, the verifier checks `{rel}`",
        )
    worst = None
    for left, right, how in attempts:
        d1 = decide_equal(left, lhs, dom, time_limit=time_limit)
        d2 = decide_equal(right, rhs, dom, time_limit=time_limit)
        if d1.verdict is Verdict.PROVED and d2.verdict is Verdict.PROVED:
            return ClaimLatexResult(
                claim.id,
                claim.latex,
                parsed,
                "matches",
                f"both sides identical to the checked expression ({how}; proved)",
            )
        bad = d1 if d1.verdict is not Verdict.PROVED else d2
        worst = (bad, "left" if bad is d1 else "right", how)
    assert worst is not None
    bad, side, how = worst
    status = "mismatch" if bad.verdict is Verdict.REFUTED else "undecided"
    return ClaimLatexResult(
        claim.id,
        claim.latex,
        parsed,
        status,
        f"the {side} side ({how}) differs from the checked expression: {bad.detail}",
        bad.counterexample,
    )


def latex_parse_report(claims: Iterable[Any]) -> list[ClaimLatexResult]:
    """For each claim: does its LaTeX parse as one relation, and does it evaluate under the
    discrete reading? (``status``: ``parses``, ``parse error`` or ``unsupported``.)"""
    out = []
    for c in claims:
        try:
            first, _, second, parsed = _parse(c.latex)
            sem = Semantics()
            sem.evaluate(first)
            sem.evaluate(second)
            out.append(ClaimLatexResult(c.id, c.latex, parsed, "parses", "parses and evaluates"))
        except LatexParseError as exc:
            out.append(ClaimLatexResult(c.id, c.latex, "", "parse error", str(exc)))
        except SemanticError as exc:
            out.append(ClaimLatexResult(c.id, c.latex, "", "unsupported", str(exc)))
    return out
