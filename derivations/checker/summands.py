"""Two sums over one range compared summand by summand.

``Σ_i g_i = Σ_i h_i`` holds when ``g_i = h_i`` is an identity of the summands. The normal form
of :func:`~derivations.checker.normal_form.normalize` splits every sum into sums of single
terms, so it cannot see that Σ_i (b₁ᵢ + b₂ᵢ)·Aᵢ/Bᵢ = Σ_i Aᵢ when Bᵢ = b₁ᵢ + b₂ᵢ; the summands
themselves simplify to the same expression at once. That is the shape of the log-sum
certificate for the joint convexity of KL (seed 003 Problem 6.2; Cover & Thomas, *Elements of
Information Theory*, Thm 2.7.1 and 2.7.2): per outcome i,

    Σ_j a_j log(a_j/b_j) − A log(A/B) = Σ_j a_j φ(b_j A / (a_j B)),  A = Σ_j a_j, B = Σ_j b_j,

with φ(t) = t − 1 − log t.
"""

from __future__ import annotations

import sympy as sp

from derivations.checker.domain import Domain
from derivations.checker.normal_form import index_assumptions, normalize


def as_one_summand(expr: sp.Expr, index: tuple[sp.Symbol, sp.Expr, sp.Expr]) -> sp.Expr | None:
    """``expr`` = Σ_k c_k · Σ_{j_k = lo}^{hi} f_k(j_k), each c_k free of the summation indices,
    written as the single summand Σ_k c_k f_k(i) over ``index`` = (i, lo, hi); None when ``expr``
    has another shape (a term without a sum, a sum over another range, a nested sum)."""
    if not (isinstance(index, tuple) and len(index) == 3 and isinstance(index[0], sp.Symbol)):
        raise ValueError(f"index: expected (symbol, lower, upper), got {index!r}")
    i, lo, hi = index
    out = []
    for term in sp.Add.make_args(expr):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        if len(sums) != 1 or len(sums[0].limits) != 1:
            return None
        s = sums[0]
        j, lo_j, hi_j = s.limits[0]
        if sp.simplify(lo_j - lo) != 0 or sp.simplify(hi_j - hi) != 0:
            return None
        coefficient = sp.Mul(*(f for f in sp.Mul.make_args(term) if f is not s))
        if coefficient.has(j, i, sp.Sum) or s.function.has(sp.Sum):
            return None
        out.append(coefficient * s.function.xreplace({j: i}))
    return sp.Add(*out)


def sums_agree_termwise(
    lhs: sp.Expr, rhs: sp.Expr, index: tuple[sp.Symbol, sp.Expr, sp.Expr], domain: Domain
) -> bool:
    """Whether ``lhs`` and ``rhs``, both sums over ``index``'s range lo..hi (see
    :func:`as_one_summand`), have summands whose difference normalises to exactly 0 — then the
    sums are equal. The summands are compared at one fresh index carrying only what the range
    implies (integer; positive when lo ≥ 1). False says only that this test did not show it."""
    if not (isinstance(index, tuple) and len(index) == 3 and isinstance(index[0], sp.Symbol)):
        raise ValueError(f"index: expected (symbol, lower, upper), got {index!r}")
    if not isinstance(domain, Domain):
        raise ValueError(f"domain: expected a Domain, got {type(domain).__name__}")
    lo, hi = sp.sympify(index[1]), sp.sympify(index[2])
    fresh = sp.Dummy("i", **index_assumptions(lo, hi))  # what the range implies, never more
    g, h = as_one_summand(lhs, (fresh, lo, hi)), as_one_summand(rhs, (fresh, lo, hi))
    if g is None or h is None:
        return False
    return bool(normalize(g - h, domain) == 0)
