"""Verdicts and evidence records (DESIGN.md, "Verdicts").

A verdict says exactly what was shown:

* ``proved``: an exact symbolic identity, or an inequality reduced to a manifestly
  non-negative form under stated assumptions;
* ``numerically consistent``: agreement at admissible random points or by Monte Carlo,
  within a tolerance that the evidence states together with the measured error;
* ``undecided``: the time bound was hit, or neither a proof nor a counterexample was found;
* ``refuted``: a concrete counterexample (the point and both sides' values); the step checker's
  are certified in ball arithmetic (disjoint enclosures at an exact point);
* ``error``: the evidence function raised; the traceback is kept in ``extra["traceback"]``;
* ``skipped``: an optional dependency is missing (named in the detail).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Verdict(str, enum.Enum):
    """The outcomes of a piece of evidence (DESIGN.md, "Verdicts")."""

    PROVED = "proved"
    NUMERIC = "numerically consistent"
    UNDECIDED = "undecided"
    REFUTED = "refuted"
    ERROR = "error"  # the evidence function raised (traceback kept); other claims still run
    SKIPPED = "skipped"  # an optional dependency is missing (named in the detail)
    NOT_RUN = "not run"
    PREMISE = "premise"  # a step assumed, not checked (the step checker's premises only)

    def __str__(self) -> str:
        return self.value

    @property
    def supports(self) -> bool:
        """True for the verdicts that count as support for a claim."""
        return self in (Verdict.PROVED, Verdict.NUMERIC)


@dataclass
class Evidence:
    """One method's outcome for one claim.

    ``error`` and ``tolerance`` are required for ``numerically consistent`` verdicts;
    ``counterexample`` (a mapping of the point and both sides' values) for ``refuted``.
    """

    method: str
    verdict: Verdict
    detail: str
    seconds: float = 0.0
    error: float | None = None
    tolerance: float | None = None
    counterexample: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.verdict, Verdict):
            raise ValueError(f"verdict: expected a Verdict, got {self.verdict!r}")
        if self.verdict is Verdict.NUMERIC and (self.error is None or self.tolerance is None):
            raise ValueError(
                "error/tolerance: a 'numerically consistent' verdict must state its measured "
                "error and its tolerance"
            )
        if self.verdict is Verdict.REFUTED and not self.counterexample:
            raise ValueError("counterexample: a 'refuted' verdict must carry its counterexample")

    def to_json(self) -> dict[str, Any]:
        """A strict-JSON dict of this evidence: method, verdict (its text value), detail and seconds
        (rounded to 0.1 ms) always; error, tolerance, counterexample and extra only when set."""
        out: dict[str, Any] = {
            "method": self.method,
            "verdict": self.verdict.value,
            "detail": self.detail,
            "seconds": round(self.seconds, 4),
        }
        if self.error is not None:
            out["error"] = self.error
        if self.tolerance is not None:
            out["tolerance"] = self.tolerance
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample
        if self.extra:
            out["extra"] = self.extra
        return out
