"""Log-sum certificate proposals for inequality steps (joint convexity of KL, seed 003 Problem 6.2).

For each sum Σ_i A_i log(A_i / B_i) in a difference, with A = a₁ + … + a_m and B = b₁ + … + b_m
(terms paired by their factors free of indexed entries, e.g. a₁ = λ p₁ᵢ with b₁ = λ q₁ᵢ), the
log-sum inequality (Cover & Thomas, *Elements of Information Theory*, Thm 2.7.1) has the
certificate

    Σ_j a_j log(a_j/b_j) − A log(A/B) = Σ_j a_j φ(t_j),  t_j = b_j A / (a_j B),

with φ(t) = t − 1 − log t ≥ 0: Σ_j a_j t_j = A Σ_j b_j / B = A = Σ_j a_j, so only the logarithms
remain. Summed over i it proves KL(λp₁ + (1 − λ)p₂ ‖ λq₁ + (1 − λ)q₂) ≤ λ KL(p₁‖q₁) + (1 − λ) KL(p₂‖q₂).
These are proposals only: the checker verifies the identity and the side conditions.
"""

from __future__ import annotations

import sympy as sp

from derivations.checker.lemmas import LOG_RATIO, NonNegativeSum, Term


def _coefficient(term: sp.Expr) -> sp.Expr:
    """The factors of ``term`` free of indexed entries (λ of λ·p₁ᵢ)."""
    return sp.Mul(*(f for f in sp.Mul.make_args(term) if not f.has(sp.Indexed)))


def _pairs(a: tuple[sp.Expr, ...], b: tuple[sp.Expr, ...]) -> list[tuple[sp.Expr, sp.Expr]] | None:
    """a_j paired with the b_k of the same coefficient, each used once; None when no such pairing."""
    left = list(b)
    out = []
    for x in a:
        match = [y for y in left if sp.expand(_coefficient(x) - _coefficient(y)) == 0]
        if len(match) != 1:
            return None
        left.remove(match[0])
        out.append((x, match[0]))
    return out


def _log_sum_summand(f: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(A, B) when ``f`` is A·log(A/B) with A and B sums of as many terms (at least two)."""
    factors = sp.Mul.make_args(f)
    logs = [x for x in factors if isinstance(x, sp.log)]
    if len(logs) != 1:
        return None
    a = sp.Mul(*(x for x in factors if x is not logs[0]))
    num, den = sp.fraction(sp.together(logs[0].args[0]))
    if not (isinstance(a, sp.Add) and isinstance(den, sp.Add) and len(a.args) == len(den.args)):
        return None
    if sp.expand(num - a) != 0:
        return None
    return a, den


def log_sum_certificates(diff: sp.Expr) -> list[NonNegativeSum]:
    """Certificates Σ_i Σ_j a_j φ(b_j A / (a_j B)) for every sum Σ_i A log(A/B) in ``diff`` (module
    docstring). Proposals only: the checker verifies the identity with ``diff`` and the side
    conditions (a_j ≥ 0, t_j > 0)."""
    if not isinstance(diff, sp.Expr):
        raise ValueError(f"diff: expected a SymPy expression, got {type(diff).__name__}")
    out = []
    for s in diff.atoms(sp.Sum):
        if len(s.limits) != 1:
            continue
        found = _log_sum_summand(s.function)
        if found is None:
            continue
        total_a, total_b = found
        pairs = _pairs(total_a.args, total_b.args)
        if pairs is None:
            continue
        terms = tuple(Term(a, LOG_RATIO, b / a * total_a / total_b) for a, b in pairs)
        i, lo, hi = s.limits[0]
        out.append(NonNegativeSum(terms, (i, lo, hi)))
    return out
