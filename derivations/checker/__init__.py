"""The step checker: decision procedures, derivation chains, certificates, time bounds, verdicts.

This subpackage is the engine behind every symbolic claim and every user's own derivation
(DESIGN.md, "The step checker"). It knows nothing of the seeds. The public API, re-exported
from :mod:`derivations`:

* :class:`Derivation` — a chain of expressions joined by =, ≤, ≥, checked step by step;
* :class:`Domain` — where the free symbols live (simplex, bounds, sizes, definitions);
* :func:`decide_equal`, :func:`decide_nonnegative` — the decision procedures;
* :func:`prove_inequality`, :func:`decide_inequality`, :func:`find_certificate` — inequalities
  with automatically found (and verified) certificates: Jensen, log-sum, Gibbs, φ, squares;
* :class:`NonNegativeSum`, :func:`single`, :func:`summed`, :data:`LOG_RATIO`, :data:`SQUARE` —
  certificates for inequalities, verified, never trusted;
* :class:`Verdict`, :class:`Evidence` — what was shown.
"""

from derivations.checker.identities import Decision, Domain, decide_equal, decide_nonnegative
from derivations.checker.inequalities import decide_inequality, find_certificate, prove_inequality
from derivations.checker.lemmas import LOG_RATIO, SQUARE, Lemma, NonNegativeSum, Term, single, summed
from derivations.checker.steps import ChainResult, Derivation, StepResult
from derivations.checker.timebound import TimeBoundExceeded, time_bound
from derivations.checker.verdicts import Evidence, Verdict

__all__ = [
    "LOG_RATIO",
    "SQUARE",
    "ChainResult",
    "Decision",
    "Derivation",
    "Domain",
    "Evidence",
    "Lemma",
    "NonNegativeSum",
    "StepResult",
    "Term",
    "TimeBoundExceeded",
    "Verdict",
    "decide_equal",
    "decide_inequality",
    "decide_nonnegative",
    "find_certificate",
    "prove_inequality",
    "single",
    "summed",
    "time_bound",
]
