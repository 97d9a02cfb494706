"""Certified refutations: a counterexample re-evaluated in ball arithmetic at an exact point.

The counterexample search (:mod:`derivations.checker.search`) screens points in mpmath; a
point it proposes becomes a *refutation* only when :func:`certify_differ` (for ``=``) or
:func:`certify_negative` (for ``≥ 0``) returns a :class:`RefutationCertificate`: the claim's
sides evaluated in Arb's ball arithmetic (:mod:`derivations.checker.balls`) at the point's
exact rational coordinates give **disjoint** enclosures (for ``≥ 0``: an enclosure lying
strictly below 0). Ball arithmetic is rigorous, so a certificate cannot be produced for a
true statement; a point that cannot be certified (no enclosure, overlapping enclosures at
every precision tried) leaves the claim *undecided*, never refuted.

:func:`recheck` re-evaluates a certificate from scratch for anyone who wants to verify it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp
from flint import acb, arb

from derivations.checker.balls import BallFn, NoEnclosure, ball_text, compile_balls, enclose

__all__ = ["PRECISIONS", "RefutationCertificate", "certify_differ", "certify_negative", "recheck"]

#: Working precisions (bits) tried in turn until the enclosures separate.
PRECISIONS: tuple[int, ...] = (128, 512, 2048)


@dataclass(frozen=True)
class RefutationCertificate:
    """Why a claim is false at one exact point, in ball arithmetic.

    ``relation`` is ``"≠"`` (the enclosures of the two sides are disjoint, and at least one is
    real: two non-real sides make a step *undecided*, "leaves the reals") or ``"< 0"`` (the
    enclosure of the value lies strictly below 0). ``point`` maps each coordinate's name to its
    exact value (an integer, a fraction ``p/q`` or a float literal, which is an exact binary
    rational); ``enclosures`` maps ``lhs``/``rhs`` (or ``value``) to Arb balls ``[m +/- r]``;
    ``bits`` is the working precision that separated them."""

    relation: str
    point: dict[str, str]
    enclosures: dict[str, str]
    bits: int

    def describe(self) -> str:
        """One line: the point, the enclosures and what they show."""
        coords = ", ".join(f"{k} = {v}" for k, v in self.point.items()) or "(no free symbols)"
        balls = ", ".join(f"{k} ∈ {v}" for k, v in self.enclosures.items())
        what = "disjoint" if self.relation == "≠" else "strictly below 0"
        return f"at {coords}: {balls} ({what}; Arb ball arithmetic at {self.bits} bits)"

    def to_json(self) -> dict[str, Any]:
        """A strict-JSON dict of the certificate."""
        return {"relation": self.relation, "point": dict(self.point),
                "enclosures": dict(self.enclosures), "bits": self.bits}


def _differ(a: acb, b: acb) -> bool:
    """Disjoint enclosures, at least one of them real (see :func:`_certify`)."""
    return not a.overlaps(b) and bool(a.imag.is_zero() or b.imag.is_zero())


def certify_differ(
    fns: Sequence[BallFn], point: Any, names: dict[str, str], deadline: float | None = None,
    labels: tuple[str, str] = ("lhs", "rhs"),
) -> RefutationCertificate | str:
    """A certificate that the two sides differ at ``point`` (disjoint enclosures), or the
    reason there is none. ``names`` is the point's exact description."""
    return _certify(fns, point, names, deadline, labels)


def certify_negative(
    fn: BallFn, point: Any, names: dict[str, str], deadline: float | None = None
) -> RefutationCertificate | str:
    """A certificate that the value is < 0 at ``point`` (its enclosure strictly below 0 and
    real: an imaginary part exactly 0), or the reason there is none."""
    return _certify([fn], point, names, deadline, ("value",))


def _certify(
    fns: Sequence[BallFn], point: Any, names: dict[str, str], deadline: float | None,
    labels: tuple[str, ...],
) -> RefutationCertificate | str:
    why = "no precision was tried"
    for bits in PRECISIONS:
        if deadline is not None and time.monotonic() > deadline and bits != PRECISIONS[0]:
            return f"{why}; the time bound stopped higher precisions"
        try:
            values = [enclose(f, point, bits) for f in fns]
        except NoEnclosure as exc:
            return f"no ball enclosure: {exc}"
        if len(values) == 2:
            # at least one side real: two non-real values (principal branches of log, say) are
            # "leaves the reals", undecided, never a counterexample
            ok = _differ(values[0], values[1])
        else:
            v = values[0]
            ok = bool(v.imag.is_zero() and v.real < 0)
        if ok:
            if hasattr(point, "describe"):  # entries drawn during the ball evaluation included
                names = point.describe()
            return RefutationCertificate(
                "≠" if len(values) == 2 else "< 0",
                dict(names),
                dict(zip(labels, _separated_texts(values, bits), strict=True)),
                bits,
            )
        why = "the enclosures " + (
            "overlap" if len(values) == 2 else "do not lie strictly below 0"
        ) + f" at {bits} bits (" + ", ".join(
            f"{label} ∈ {ball_text(v, 8)}" for label, v in zip(labels, values, strict=True)
        ) + ")"
    return why


def _separated_texts(values: Sequence[acb], bits: int) -> list[str]:
    """The enclosures as text with enough digits that the printed balls (which contain the
    computed ones) are still disjoint / still below 0."""
    digits = 20
    top = max(20, int(bits * 0.30103) + 5)
    while True:
        texts = [ball_text(v, digits) for v in values]
        if digits >= top or not all(v.imag.is_zero() for v in values):
            return texts
        printed = [arb(t) for t in texts]
        if (len(printed) == 2 and not printed[0].overlaps(printed[1])) or (
            len(printed) == 1 and printed[0] < 0
        ):
            return texts
        digits = min(top, digits * 2)


class _NamedPoint:
    """A point given by names and exact values (for :func:`recheck`)."""

    def __init__(self, values: dict[str, Fraction]) -> None:
        self.values = values

    def value(self, sym: sp.Symbol) -> Fraction:
        for key in (sym.name, f"symbol {sym.name}"):
            if key in self.values:
                return self.values[key]
        raise NoEnclosure(f"the certificate gives no value for {sym.name}")

    def indexed(self, label: sp.Symbol, indices: tuple[int, ...]) -> Fraction:
        key = f"{label.name}[{', '.join(map(str, indices))}]"
        if key not in self.values:
            raise NoEnclosure(f"the certificate gives no value for {key}")
        return self.values[key]


_NUMBER = re.compile(r"^-?\d+(/\d+)?$")


def exact_value(text: str) -> Fraction:
    """An exact coordinate from its text: ``p``, ``p/q`` or a float literal (its binary value)."""
    text = text.strip()
    if _NUMBER.match(text):
        return Fraction(text)
    try:
        return Fraction(float(text))
    except ValueError:
        raise ValueError(f"certificate: {text!r} is not an exact number") from None


def recheck(
    certificate: RefutationCertificate, lhs: sp.Expr, rhs: sp.Expr | None = None,
    definitions: dict[sp.Symbol, sp.Expr] | None = None,
) -> bool:
    """Re-evaluate ``certificate`` from scratch: True when, at its point, the enclosures of
    ``lhs`` and ``rhs`` are disjoint (relation ``≠``) or the enclosure of ``lhs`` lies strictly
    below 0 (relation ``< 0``, ``rhs`` None) at the certificate's precision. ``definitions``
    (a :class:`~derivations.checker.domain.Domain`'s) are substituted first."""
    if not isinstance(certificate, RefutationCertificate):
        raise ValueError(f"certificate: expected a RefutationCertificate, got {type(certificate).__name__}")
    if (rhs is None) != (certificate.relation == "< 0"):
        raise ValueError("rhs: give rhs exactly for a '≠' certificate (two sides)")
    # the sides as the decision procedures accept them: a plain int or float (a value typed
    # as 0.785398163397448) is its exact SymPy number
    exprs = [sp.Integer(e) if isinstance(e, int) and not isinstance(e, bool)
             else sp.Float(e) if isinstance(e, float) else e
             for e in (lhs, rhs) if e is not None]
    for e in exprs:
        if not isinstance(e, sp.Expr):
            raise ValueError(f"lhs/rhs: expected SymPy expressions, got {type(e).__name__}")
    for name, value in (definitions or {}).items():
        exprs = [e.xreplace({name: value}) for e in exprs]
    point = _NamedPoint({k: exact_value(v) for k, v in certificate.point.items()})
    try:
        values = [enclose(compile_balls(e), point, certificate.bits) for e in exprs]
    except NoEnclosure:
        return False
    if len(values) == 2:
        return _differ(values[0], values[1])
    return bool(values[0].imag.is_zero() and values[0].real < 0)
