"""ELBO claims (seed 000/004 1(a); seed 001 §1–2; seed 002 §1; Kingma & Welling 2014)."""

from __future__ import annotations

import sympy as sp

from derivations.claims.helpers import symbolic_claim
from derivations.elbo import verify_elbo_equals, verify_jensen_bound, verify_log_evidence_decomposition
from derivations.latent import LatentModel
from derivations.runner.registry import Claim


def jensen_bound_rhs(m: LatentModel) -> sp.Expr:
    """The bound claimed by elbo.jensen_bound: E_q[log p(x,z)/q(z|x)], the ELBO."""
    return m.elbo()


def evidence_decomposition_rhs(m: LatentModel) -> sp.Expr:
    """ELBO + KL(q(z|x) ‖ p(z|x)), claimed equal to log p(x)."""
    return m.elbo() + m.kl(m.q, m.posterior)


def reconstruction_minus_kl_rhs(m: LatentModel) -> sp.Expr:
    """E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)), claimed equal to the ELBO."""
    return m.expect(m.q, m.log_lik) - m.kl(m.q, m.prior)


def energy_plus_entropy_rhs(m: LatentModel) -> sp.Expr:
    """E_q[log p(x,z)] + H(q), claimed equal to the ELBO."""
    return m.expect(m.q, m.log_joint) + m.entropy(m.q)


symbolic_claim(
    Claim(
        "elbo.jensen_bound",
        "log p(x) ≥ E_q[log p(x,z)/q(z|x)] (Jensen's inequality), for a discrete latent with "
        "general K and exactly for the linear-Gaussian model",
        r"\log p_\theta(x) \ge \mathbb{E}_{q}\left[\log \frac{p_\theta(x,z)}{q(z\mid x)}\right]",
        "CS 446 HW8 1(a) (seed 000); ECE 544 PS5 1(a) (seed 004); CPSC 440 §1.3 (seed 002)",
    ),
    lambda: verify_jensen_bound(jensen_bound_rhs),
)

symbolic_claim(
    Claim(
        "elbo.evidence_decomposition",
        "log p(x) = ELBO + KL(q(z|x) ‖ p(z|x))",
        r"\log p_\theta(x) = \mathrm{ELBO} + \mathrm{KL}(q(z\mid x)\,\|\,p_\theta(z\mid x))",
        "seed 001 §1.1; CPSC 440 §1.2 (seed 002)",
    ),
    lambda: verify_log_evidence_decomposition(evidence_decomposition_rhs),
)

symbolic_claim(
    Claim(
        "elbo.reconstruction_minus_kl",
        "ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))",
        r"\mathrm{ELBO} = \mathbb{E}_q[\log p_\theta(x\mid z)] - \mathrm{KL}(q(z\mid x)\,\|\,p(z))",
        "seed 001 §2.1; CPSC 440 §1.1 (seed 002); CS 446 HW8 1(a) (seed 000)",
    ),
    lambda: verify_elbo_equals(reconstruction_minus_kl_rhs),
)

symbolic_claim(
    Claim(
        "elbo.energy_plus_entropy",
        "ELBO = E_q[log p(x,z)] + H(q), with H the Shannon entropy −E_q[log q]",
        r"\mathrm{ELBO} = \mathbb{E}_q[\log p_\theta(x,z)] + \mathbb{H}[q(z\mid x)]",
        "seed 001 §2.3 (corrected sign, see seed001.steps_16_19)",
    ),
    lambda: verify_elbo_equals(energy_plus_entropy_rhs),
)
