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

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
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
        """Prove φ ≥ 0 on the lemma's domain by convexity: φ'' > 0 (SymPy, under the stated
        hypotheses), φ' = 0 at the stated point and φ = 0 there. *proved* with the three facts,
        *refuted* when the stated point is not among the stationary points found or φ ≠ 0 there,
        *undecided* when φ'' > 0 cannot be shown."""
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
    """Whether :meth:`Lemma.prove` returns *proved* for ``lemma``."""
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
        """The certificate as a SymPy expression Σ w·φ(t) (a ``Sum`` over ``index`` when one is set)."""
        body = sp.Add(*(t.weight * t.lemma(t.argument) for t in self.terms))
        return sp.Sum(body, self.index) if self.index is not None else body

    def describe(self) -> str:
        """A short description for reports: the lemmas and arguments used, and the summation index."""
        parts = ", ".join(f"{t.lemma.name} at t = {sp.sstr(t.argument)}" for t in self.terms)
        return f"Σ w·φ(t) [{parts}]" + (f" over {self.index[0]}" if self.index else "")

    def side_condition_problems(self, domain: object = None) -> list[str]:
        """What stops the certificate from being sound: an unproved lemma, a weight not known
        to be ≥ 0, an argument not known to lie in the lemma's domain. Knowledge comes from the
        symbols' assumptions and, when ``domain`` (a :class:`~derivations.checker.identities.Domain`)
        is given, from its probability vectors and bounds (see :func:`domain_substitution`)."""
        reps = domain_substitution(domain)
        problems = []
        for term in self.terms:
            if not lemma_is_proved(term.lemma):
                problems.append(f"lemma {term.lemma.name} is not proved")
            if not _known(term.weight, reps, lambda e: e == 0 or e.is_nonnegative):
                problems.append(f"weight {term.weight} is not known to be ≥ 0")
            hypothesis = term.lemma.hypothesis
            if not _known(term.argument, reps, lambda e, h=hypothesis: h(e) is True):  # type: ignore[misc]
                problems.append(
                    f"argument {term.argument} not known to satisfy {term.lemma.hypothesis_text}"
                )
        return problems


def domain_substitution(domain: object) -> dict[sp.Symbol, sp.Expr]:
    """Rewrite the symbols a domain constrains through positive parameters, so that SymPy's
    assumptions see the constraint. Onto maps, hence sound for "≥ 0 everywhere" questions:

    * a probability vector written as a tuple (q₁, …, qₙ₋₁, last) with symbols qⱼ and
      ``last`` either a symbol or 1 − Σ qⱼ: qⱼ = aⱼ / Σₖ aₖ with aₖ > 0 (the open simplex);
    * a symbol with bounds (lo, hi): x = lo + (hi − lo)·s/(1 + s) with s > 0.
    """
    if domain is None:
        return {}
    reps: dict[sp.Symbol, sp.Expr] = {}
    for vec in getattr(domain, "simplex", ()):
        if not isinstance(vec, tuple) or not vec:
            continue
        *head, last = vec
        if not all(isinstance(e, sp.Symbol) for e in head):
            continue
        if not (isinstance(last, sp.Symbol) or sp.expand(last - (1 - sp.Add(*head))) == 0):
            continue
        names = [f"{q}′" for q in head] + [f"{last}′" if isinstance(last, sp.Symbol) else "rest′"]
        params = [sp.Dummy(name, positive=True) for name in names]
        total = sp.Add(*params)
        reps.update({q: a / total for q, a in zip(head, params, strict=False)})
        if isinstance(last, sp.Symbol):
            reps[last] = params[-1] / total
    for sym, (lo, hi) in getattr(domain, "bounds", {}).items():
        if sym in reps or not isinstance(sym, sp.Symbol):
            continue
        if math.isfinite(lo) and math.isfinite(hi):
            s = sp.Dummy(f"{sym}′", positive=True)  # a name no user symbol of the claim has
            lo_r, hi_r = _exact(lo), _exact(hi)  # 0.1 + 0.2 stays 0.30000000000000004, never 3/10
            reps[sym] = lo_r + (hi_r - lo_r) * s / (1 + s)
        elif math.isfinite(lo):
            reps[sym] = _exact(lo) + sp.Dummy(f"{sym}′", positive=True)
        elif math.isfinite(hi):
            reps[sym] = _exact(hi) - sp.Dummy(f"{sym}′", positive=True)
    return reps


def _exact(v: object) -> sp.Rational:
    """A bound's exact value: a float by its binary value, a Fraction or SymPy number exactly."""
    if isinstance(v, sp.Rational):
        return v
    if isinstance(v, sp.Float):
        return sp.Rational(v)
    if not isinstance(v, (int, float, Fraction)):
        raise ValueError(f"bounds: expected a number, got {v!r}")
    f = Fraction(v)
    return sp.Rational(f.numerator, f.denominator)


def _known(expr: sp.Expr, reps: dict[sp.Symbol, sp.Expr], test: Callable[[sp.Expr], bool]) -> bool:
    """``test`` on ``expr`` with positive sums as positive symbols, as is and brought over a
    common denominator (1 − a/(a + b) = b/(a + b)); then the same after the domain's
    substitution."""
    candidates = [expr]
    if reps and expr.free_symbols & set(reps):
        candidates.append(expr.xreplace(reps))
    for e in candidates:
        e = e.xreplace(positive_sums(e))
        if test(e) or test(sp.factor_terms(sp.together(e))):
            return True
    return False


def _expr(value: object, name: str) -> sp.Expr:
    """A SymPy expression or a Python number; never a string (``sympify`` of text runs code)."""
    if isinstance(value, sp.Expr):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{name}: expected a finite number, got {value!r}")
        return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
    raise ValueError(
        f"{name}: expected a SymPy expression or a number, got {type(value).__name__} {value!r}"
        + (" (strings are not parsed: build the expression with SymPy)" if isinstance(value, str) else "")
    )


def _lemma(value: object) -> Lemma:
    if not isinstance(value, Lemma):
        raise ValueError(f"lemma: expected a Lemma (e.g. LOG_RATIO, SQUARE), got {value!r}")
    return value


def single(weight: sp.Expr | float, lemma: Lemma, argument: sp.Expr | float) -> NonNegativeSum:
    """The certificate ``weight · φ(argument)`` for the lemma φ (e.g. ``single(1, LOG_RATIO, x)``
    for x − 1 − log x ≥ 0)."""
    return NonNegativeSum((Term(_expr(weight, "weight"), _lemma(lemma), _expr(argument, "argument")),))


def summed(
    weight: sp.Expr | float,
    lemma: Lemma,
    argument: sp.Expr | float,
    index: tuple[sp.Symbol, sp.Expr | int, sp.Expr | int],
) -> NonNegativeSum:
    """The certificate Σ_{i=lo}^{hi} ``weight · φ(argument)`` with ``index = (i, lo, hi)``
    (e.g. ``summed(q[i], LOG_RATIO, p[i]/q[i], (i, 1, K))`` for Gibbs' inequality)."""
    if not (isinstance(index, tuple) and len(index) == 3 and isinstance(index[0], sp.Symbol)):
        raise ValueError(f"index: expected (symbol, lower, upper), got {index!r}")
    i, lo, hi = index
    bounds = (_expr(lo, "index lower limit"), _expr(hi, "index upper limit"))
    return NonNegativeSum(
        (Term(_expr(weight, "weight"), _lemma(lemma), _expr(argument, "argument")),), (i, *bounds)
    )
