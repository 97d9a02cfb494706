"""Non-negativity lemmas and certificates for inequalities.

An inequality step ``a ≥ b`` is *proved* when ``a − b`` is shown to equal a sum
Σ_i w_i · φ(t_i) in which each weight w_i ≥ 0 and each φ(t_i) ≥ 0 by a proved lemma.
The certificate is checked, not trusted: the lemma is proved from its definition, the side
conditions (w_i ≥ 0, t_i in the lemma's domain) are decided from the symbols' assumptions,
and the identity ``a − b = Σ w_i φ(t_i)`` must be an exact symbolic identity.

The workhorse is :data:`LOG_RATIO`: φ(t) = t − 1 − log t ≥ 0 for t > 0, with equality iff
t = 1. It gives Gibbs' inequality (KL ≥ 0), Jensen's inequality for the logarithm and the
log-sum inequality (seed 001, steps (6)–(9); CPSC 440 1.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sympy as sp

from derivations.checker.positivity import positive_sums
from derivations.checker.verdicts import Verdict


@dataclass(frozen=True)
class Lemma:
    """φ(t) ≥ 0 on the domain given by ``hypothesis``, proved by convexity.

    Proof obligation (checked by :meth:`prove`): φ'' > 0 on the domain (strict convexity),
    φ'(t₀) = 0 at a point t₀ of the domain, and φ(t₀) = 0; a strictly convex function is
    minimised at its stationary point, so φ ≥ φ(t₀) = 0 with equality iff t = t₀.
    """

    name: str
    phi: Callable[[sp.Expr], sp.Expr]
    variable: sp.Symbol
    stationary_point: sp.Expr
    hypothesis: Callable[[sp.Expr], bool | None]
    hypothesis_text: str

    def prove(self) -> tuple[Verdict, str]:
        t = self.variable
        f = self.phi(t)
        second = sp.simplify(sp.diff(f, t, 2))
        if second.is_positive is not True:
            return Verdict.UNDECIDED, f"could not show φ'' = {second} > 0 for {self.hypothesis_text}"
        stationary = sp.solve(sp.Eq(sp.diff(f, t), 0), t)
        if self.stationary_point not in stationary:
            return Verdict.REFUTED if stationary else Verdict.UNDECIDED, (
                f"stationary points {stationary} do not include {self.stationary_point}"
            )
        value = sp.simplify(f.subs(t, self.stationary_point))
        if value != 0:
            return Verdict.REFUTED, f"φ({self.stationary_point}) = {value} ≠ 0"
        return Verdict.PROVED, (
            f"φ'' = {second} > 0 for {self.hypothesis_text}, φ'({self.stationary_point}) = 0, "
            f"φ({self.stationary_point}) = 0"
        )

    def __call__(self, arg: sp.Expr) -> sp.Expr:
        return self.phi(arg)


_t = sp.Symbol("t", positive=True)
_u = sp.Symbol("u", real=True)

#: t − 1 − log t ≥ 0 for t > 0 (equality iff t = 1).
LOG_RATIO = Lemma(
    name="t − 1 − log t ≥ 0",
    phi=lambda t: t - 1 - sp.log(t),
    variable=_t,
    stationary_point=sp.Integer(1),
    hypothesis=lambda t: t.is_positive,
    hypothesis_text="t > 0",
)

#: u² ≥ 0 for real u (equality iff u = 0).
SQUARE = Lemma(
    name="u² ≥ 0",
    phi=lambda u: u**2,
    variable=_u,
    stationary_point=sp.Integer(0),
    hypothesis=lambda u: u.is_real,
    hypothesis_text="real u",
)


@cache
def lemma_is_proved(lemma: Lemma) -> bool:
    return lemma.prove()[0] is Verdict.PROVED


@dataclass(frozen=True)
class Term:
    """One term w · φ(t) of a certificate."""

    weight: sp.Expr
    lemma: Lemma
    argument: sp.Expr


@dataclass(frozen=True)
class NonNegativeSum:
    """A certificate Σ_terms w · φ(t), optionally summed over ``index`` = (i, lo, hi)."""

    terms: tuple[Term, ...]
    index: tuple[sp.Symbol, sp.Expr, sp.Expr] | None = None

    def expression(self) -> sp.Expr:
        body = sp.Add(*(t.weight * t.lemma(t.argument) for t in self.terms))
        return sp.Sum(body, self.index) if self.index is not None else body

    def describe(self) -> str:
        parts = ", ".join(f"{t.lemma.name} at t = {sp.sstr(t.argument)}" for t in self.terms)
        return f"Σ w·φ(t) [{parts}]" + (f" over {self.index[0]}" if self.index else "")

    def side_condition_problems(self, domain: object = None) -> list[str]:
        problems = []
        for term in self.terms:
            if not lemma_is_proved(term.lemma):
                problems.append(f"lemma {term.lemma.name} is not proved")
            w = term.weight
            w_pos = w.xreplace(positive_sums(w))
            if not (w_pos.is_nonnegative or w_pos == 0):
                problems.append(f"weight {w} is not known to be ≥ 0")
            a = term.argument.xreplace(positive_sums(term.argument))
            if term.lemma.hypothesis(a) is not True:
                problems.append(
                    f"argument {term.argument} not known to satisfy {term.lemma.hypothesis_text}"
                )
        return problems


def single(weight: sp.Expr, lemma: Lemma, argument: sp.Expr) -> NonNegativeSum:
    return NonNegativeSum((Term(sp.sympify(weight), lemma, sp.sympify(argument)),))


def summed(
    weight: sp.Expr, lemma: Lemma, argument: sp.Expr, index: tuple[sp.Symbol, sp.Expr, sp.Expr]
) -> NonNegativeSum:
    return NonNegativeSum((Term(sp.sympify(weight), lemma, sp.sympify(argument)),), index)
