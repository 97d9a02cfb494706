"""Symbolic verification of the mathematics of variational learning (SymPy only).

Public API:

* the step checker (:mod:`derivations.checker`): :class:`Derivation`, :class:`Domain`,
  :func:`decide_equal`, :func:`decide_nonnegative`, :func:`prove_inequality`,
  :func:`decide_inequality`, :func:`find_certificate`, the certificate constructors
  (:class:`NonNegativeSum`, :func:`single`, :func:`summed`, :data:`LOG_RATIO`, :data:`SQUARE`);
* the verifiers in :mod:`derivations.elbo`, :mod:`derivations.gaussian_kl`,
  :mod:`derivations.variational`, …;
* the claim registry (:func:`all_claims`, :func:`get_claim`) and ``python -m derivations``.

Importing this package is cheap: SymPy is loaded, claims are registered lazily.
"""

from derivations.checker import (
    LOG_RATIO,
    SQUARE,
    ChainResult,
    Decision,
    Derivation,
    Domain,
    Evidence,
    NonNegativeSum,
    Verdict,
    decide_equal,
    decide_inequality,
    decide_nonnegative,
    find_certificate,
    prove_inequality,
    single,
    summed,
)
from derivations.runner.registry import Claim, all_claims, get_claim


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("variational-verify")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


__version__ = _version()

__all__ = [
    "LOG_RATIO",
    "SQUARE",
    "ChainResult",
    "Claim",
    "Decision",
    "Derivation",
    "Domain",
    "Evidence",
    "NonNegativeSum",
    "Verdict",
    "__version__",
    "all_claims",
    "decide_equal",
    "decide_inequality",
    "decide_nonnegative",
    "find_certificate",
    "get_claim",
    "prove_inequality",
    "single",
    "summed",
]
