"""The GM-VAE ELBO as three terms (seed 003, Problem 7.1).

Model p(x, w, z) = p(z) p(w|z) p(x|w), z ∼ Categorical(π) over K classes, w|z=k ∼ N(μ_k, σ_k²);
variational family q(w, z|x) = q(w|x) q(z|w, x). The generic ELBO is
E_{q(w,z|x)}[log p(x, w, z) − log q(w, z|x)]. The claimed split is

    E_{q(w|x)}[log p(x|w)]                                        (reconstruction)
  − E_{q(w|x)}[KL(q(z|w,x) ‖ p(z))]                              (categorical prior)
  + E_{q(w|x)}[Σ_k q(k|w,x) log p(w|z=k) − log q(w|x)]          (conditional term for w given z)

The check: for every fixed w the inner expectations over z agree, for general K (``Sum``,
Σ_k q(k|w,x) = 1, π on the simplex; π_k = 1/K is the seed's uniform special case). Both sides of
the ELBO identity are then ∫ q(w|x)·(·) dw of equal integrands, so they agree for every q(w|x)
and every p(x|w); that last step (linearity of the integral) is the only one not checked
symbolically.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.checker.identities import Decision, Domain, decide_equal

K = sp.Symbol("K", integer=True, positive=True)
_k = sp.Symbol("k", integer=True, positive=True)


class GmVaePoint:
    """The quantities at one fixed w: q(z=k|w,x) = r_k, π_k, log p(w|z=k), log p(x|w), log q(w|x)."""

    def __init__(self) -> None:
        self.r = sp.IndexedBase("r", positive=True)
        self.pi = sp.IndexedBase("pi", positive=True)
        self.log_pw = sp.IndexedBase("ell_w", real=True)
        self.log_px = sp.Symbol("ell_x", real=True)
        self.log_qw = sp.Symbol("log_q_w", real=True)

    def sum(self, body: Callable[[sp.Symbol], sp.Expr]) -> sp.Expr:
        """Σ_{k=1}^{K} body(k) over the mixture components."""
        return sp.Sum(body(_k), (_k, 1, K))

    def kl_z(self) -> sp.Expr:
        """KL(q(z|w,x) ‖ p(z)) = Σ_k r_k log(r_k/π_k)."""
        return self.sum(lambda k: self.r[k] * sp.log(self.r[k] / self.pi[k]))

    def generic_integrand(self) -> sp.Expr:
        """E_{q(z|w,x)}[log p(z) + log p(w|z) + log p(x|w) − log q(w|x) − log q(z|w,x)]."""
        r = self.r
        return self.sum(lambda k: r[k] * (sp.log(self.pi[k]) + self.log_pw[k] + self.log_px
                                          - self.log_qw - sp.log(r[k])))

    def domain(self) -> Domain:
        """Admissible values: r and π on the probability simplex of size K."""
        return Domain(simplex=(self.r, self.pi), size=K)


ThreeTerms = Callable[[GmVaePoint], tuple[sp.Expr, sp.Expr, sp.Expr]]


def seed_three_terms(p: GmVaePoint) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(reconstruction, −KL(q(z|w,x) ‖ p(z)), Σ_k q(k|w,x) log p(w|k) − log q(w|x)) at fixed w."""
    return p.log_px, -p.kl_z(), p.sum(lambda k: p.r[k] * p.log_pw[k]) - p.log_qw


def verify_gm_vae_elbo(claimed: ThreeTerms) -> Decision:
    """Generic GM-VAE ELBO integrand (inner expectation over z, at each w) = sum of the three
    claimed terms, for general K. Integrating against q(w|x) gives the ELBO identity."""
    p = GmVaePoint()
    return decide_equal(p.generic_integrand(), sp.Add(*claimed(p)), p.domain())
