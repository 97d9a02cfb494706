"""Assertions for your own test suite.

* :func:`assert_claim` runs a registered claim's evidence (ids as in ``variational-verify``) and
  fails with the failing step, its point and both sides' values;
* :func:`assert_derivation` checks your own :class:`~derivations.checker.steps.Derivation` and fails
  the same way.

Example::

    >>> import sympy as sp
    >>> from derivations import Derivation
    >>> from derivations.testing import assert_derivation
    >>> x = sp.Symbol("x", positive=True)
    >>> d = Derivation(sp.log(x**2), title="log of a square").eq(2 * sp.log(x), "log of a power")
    >>> assert_derivation(d).verdict.value
    'proved'
    >>> wrong = Derivation(sp.log(x**2), title="wrong").eq(sp.log(x), "forgot the 2", label="(1)")
    >>> assert_derivation(wrong)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    derivations.runner.testing.ClaimAssertionError: wrong: step (1) refuted (forgot the 2) at x = ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from derivations.checker.steps import ChainResult, Derivation
from derivations.checker.verdicts import Evidence, Verdict

if TYPE_CHECKING:
    from derivations.runner.report import ClaimResult

__all__ = ["ClaimAssertionError", "assert_claim", "assert_derivation", "describe_counterexample"]


class ClaimAssertionError(AssertionError):
    """A claim or derivation is not supported; the message names the failing step and point."""


def describe_counterexample(counterexample: Mapping[str, str] | None) -> str:
    """``step (19) at q[1] = 0.93, K = 2: left side = -0.90, right side = -1.38``."""
    if not counterexample:
        return "no counterexample recorded"
    ce = dict(counterexample)
    step = ce.pop("step", None)
    lhs, rhs = ce.pop("lhs", None), ce.pop("rhs", None)
    point = ", ".join(f"{k} = {v}" for k, v in ce.items()) or "(no point)"
    out = (f"step {step} at " if step else "at ") + point
    if lhs is not None or rhs is not None:
        out += f": left side = {lhs}, right side = {rhs}"
    return out


def _evidence_message(claim_id: str, e: Evidence) -> str:
    if e.verdict is Verdict.REFUTED:
        return f"{claim_id} [{e.method}] refuted {describe_counterexample(e.counterexample)}\n  {e.detail}"
    if e.verdict is Verdict.ERROR:
        return f"{claim_id} [{e.method}] error: {e.detail}\n{e.extra.get('traceback', '')}"
    return f"{claim_id} [{e.method}] {e.verdict.value}: {e.detail}"


def assert_claim(claim_id: str, methods: Iterable[str] | None = None) -> ClaimResult:
    """Run the evidence of the registered claim ``claim_id`` in this process; raise
    :class:`ClaimAssertionError` unless it is supported (a seed audit: unless its finding is the
    expected one). Evidence skipped for a missing optional dependency is not a failure. Returns
    the :class:`~derivations.runner.report.ClaimResult`.

    ``methods``: only these (default: all the claim has); a method it lacks is a ``ValueError``."""
    from derivations.runner.registry import METHODS, get_claim
    from derivations.runner.report import run_claims

    if not isinstance(claim_id, str):
        raise ValueError(f"claim_id: expected a claim id string, got {type(claim_id).__name__}")
    claim = get_claim(claim_id)
    chosen = tuple(methods) if methods is not None else METHODS
    (result,) = run_claims([claim.id], chosen, jobs=1)
    if not result.ok:
        lines = [f"{claim.id}: {result.status}"]
        for e in result.evidence:
            good = e.verdict is claim.expected if claim.kind == "seed_audit" else e.verdict.supports
            if not good and e.verdict is not Verdict.SKIPPED:
                lines.append(_evidence_message(claim.id, e))
        raise ClaimAssertionError("\n".join(lines))
    return result


def assert_derivation(derivation: Derivation) -> ChainResult:
    """Check ``derivation`` step by step; raise :class:`ClaimAssertionError` naming the first
    failing step, its justification, the point and both sides' values unless every step is
    proved or numerically consistent. Returns the :class:`ChainResult`."""
    if not isinstance(derivation, Derivation):
        raise ValueError(f"derivation: expected a Derivation, got {type(derivation).__name__}")
    result = derivation.check()
    if result.verdict.supports:
        return result
    fail = result.first_failure
    if fail is not None:
        raise ClaimAssertionError(
            f"{result.title}: step {fail.label} refuted ({fail.justification}) "
            f"{describe_counterexample(fail.counterexample).removeprefix(f'step {fail.label} ')}\n"
            f"  {fail.detail}"
        )
    weak = [s for s in result.steps if not s.verdict.supports and s.verdict is not Verdict.PREMISE]
    detail = "; ".join(f"step {s.label} {s.verdict.value} ({s.justification}): {s.detail}" for s in weak)
    raise ClaimAssertionError(f"{result.title}: {result.verdict.value}: {detail}")
