"""Symbolic verification of the mathematics of variational learning (SymPy only).

Public API:

* :class:`~derivations.steps.Derivation`: the step checker for chains of =, ≤, ≥;
* :func:`~derivations.identities.decide_equal`, :func:`~derivations.identities.decide_nonnegative`
  and :class:`~derivations.identities.Domain`;
* the verifiers in :mod:`derivations.elbo`, :mod:`derivations.gaussian_kl`,
  :mod:`derivations.variational`;
* the claim registry (:func:`all_claims`, :func:`get_claim`) and ``python -m derivations``.

Importing this package is cheap: SymPy is loaded, claims are registered lazily.
"""

from derivations.registry import Claim, all_claims, get_claim
from derivations.verdicts import Evidence, Verdict

__all__ = ["Claim", "Evidence", "Verdict", "all_claims", "get_claim"]
