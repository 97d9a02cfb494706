"""Sums of positive terms, replaceable by positive symbols for SymPy's assumption system.

Shared by the decision procedures (:mod:`derivations.checker.identities`) and the certificate
checker (:mod:`derivations.checker.lemmas`); it depends on neither.
"""

from __future__ import annotations

import sympy as sp


def positive_sums(expr: sp.Expr) -> dict[sp.Sum, sp.Dummy]:
    """Sums of positive terms over a non-empty range, replaceable by positive dummies."""
    out: dict[sp.Sum, sp.Dummy] = {}
    for s in expr.atoms(sp.Sum):
        if len(s.limits) == 1 and s.function.is_positive:
            _, lo, hi = s.limits[0]
            if (hi - lo).is_nonnegative or (lo == 1 and getattr(hi, "is_positive", False)):
                out[s] = sp.Dummy("S", positive=True)
    return out
