"""REINFORCE for a categorical latent (seed 001 §4.4; Williams 1992; Mnih & Gregor 2014).

q_φ(z) = softmax(φ)_z over K states (K symbolic, general K through ``Sum``), f(z) = f_z any
real values (in a VAE, f(z) = log p_θ(x|z)). Two statements are derived from the definitions:

* **unbiasedness of the score-function gradient**: ∇_φ Σ_z q_φ(z) f_z
  = Σ_z q_φ(z) f_z ∇_φ log q_φ(z) — the left side by differentiating the expectation, the
  right side by differentiating log q; the two are derived separately and compared;
* **a baseline keeps it unbiased**: Σ_z q_φ(z) b ∇_φ log q_φ(z) = 0 for any b that does not
  depend on z (b ∇ Σ_z q_z = b ∇ 1).

Gradients are compared along an arbitrary direction v (a vector of K real symbols): the
directional derivative D_v g = d/dt g(φ + t v) at t = 0. Equality for every v is equality of the
gradients, and no free component index is left in the statement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from derivations.checker import Decision, Domain, decide_equal


@dataclass(frozen=True)
class CategoricalFamily:
    """q_φ = softmax(φ) over K states, with real per-state values f_z and a baseline b."""

    K: sp.Symbol
    phi: sp.IndexedBase
    f: sp.IndexedBase
    v: sp.IndexedBase
    b: sp.Symbol
    t: sp.Symbol
    i: sp.Symbol
    k: sp.Symbol

    @classmethod
    def general(cls) -> CategoricalFamily:
        """The family for general K (a positive integer symbol)."""
        i, k = sp.symbols("i k", integer=True, positive=True)
        return cls(
            K=sp.Symbol("K", integer=True, positive=True),
            phi=sp.IndexedBase("phi", real=True),
            f=sp.IndexedBase("f", real=True),
            v=sp.IndexedBase("v", real=True),
            b=sp.Symbol("b", real=True),
            t=sp.Symbol("t", real=True),
            i=i,
            k=k,
        )

    def q(self, z: sp.Expr) -> sp.Expr:
        """q_φ(z) = e^{φ_z} / Σ_k e^{φ_k}, written at φ + t v (t = 0 is q_φ itself)."""
        return sp.exp(self._at(z)) / sp.Sum(sp.exp(self._at(self.k)), (self.k, 1, self.K))

    def _at(self, z: sp.Expr) -> sp.Expr:
        return self.phi[z] + self.t * self.v[z]

    def expect(self, g: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
        """E_{q_φ}[g(z)] = Σ_{z=1}^{K} q_φ(z) g(z)."""
        return sp.Sum(self.q(self.i) * g(self.i), (self.i, 1, self.K))

    def d(self, expr: sp.Expr) -> sp.Expr:
        """D_v expr = d/dt expr(φ + t v) at t = 0."""
        return sp.diff(expr, self.t).xreplace({self.t: 0})

    def at_phi(self, expr: sp.Expr) -> sp.Expr:
        """expr at t = 0."""
        return expr.xreplace({self.t: 0})

    def domain(self) -> Domain:
        """Admissible values for checks: K categories (the logits φ and direction v are unconstrained
        reals)."""
        return Domain(size=self.K)


Estimator = Callable[[CategoricalFamily], sp.Expr]


def score_function_expectation(fam: CategoricalFamily) -> sp.Expr:
    """E_q[f(z) D_v log q_φ(z)]: the expectation of the REINFORCE estimator."""
    return fam.at_phi(fam.expect(lambda z: fam.f[z] * fam.d(sp.log(fam.q(z)))))


def verify_score_function_unbiased(estimator: Estimator = score_function_expectation) -> Decision:
    """D_v E_q[f] = ``estimator(fam)`` (the expectation of a gradient estimator), general K."""
    fam = CategoricalFamily.general()
    exact = fam.d(fam.expect(lambda z: fam.f[z]))
    return decide_equal(exact, estimator(fam), fam.domain())


def baseline_term(fam: CategoricalFamily) -> sp.Expr:
    """E_q[b D_v log q_φ(z)] for a baseline b independent of z."""
    return fam.at_phi(fam.expect(lambda z: fam.b * fam.d(sp.log(fam.q(z)))))


def verify_baseline_unbiased(term: Estimator = baseline_term) -> Decision:
    """``term(fam)`` (what a baseline adds to the estimator's expectation) = 0, general K."""
    fam = CategoricalFamily.general()
    return decide_equal(term(fam), sp.Integer(0), fam.domain())
