"""Gaussian KL claims (seed 000/004 1(d); Kingma & Welling 2014 App. B; seed 003 6.1)."""

from __future__ import annotations

import sympy as sp

from derivations.claims.helpers import symbolic_claim
from derivations.gaussian_kl import (
    MU_P,
    MU_Q,
    SIGMA,
    SIGMA_P,
    SIGMA_Q,
    kingma_welling_closed_form,
    seed_mvn_closed_form,
    verify_kl_diagonal_standard,
    verify_kl_equal_variance,
    verify_kl_full_covariance,
    verify_kl_univariate,
)
from derivations.runner.registry import Claim

#: The closed form claimed for KL(N(μ_q, σ²) ‖ N(μ_p, σ²)) (seed 000/004 1(d)).
EQUAL_VARIANCE_KL = (MU_Q - MU_P) ** 2 / (2 * SIGMA**2)
#: The closed form claimed for KL(N(μ_q, σ_q²) ‖ N(μ_p, σ_p²)).
UNIVARIATE_KL = (
    sp.log(SIGMA_P / SIGMA_Q) + (SIGMA_Q**2 + (MU_Q - MU_P) ** 2) / (2 * SIGMA_P**2) - sp.Rational(1, 2)
)

symbolic_claim(
    Claim(
        "gaussian_kl.equal_variance",
        "KL(N(μ_q, σ²) ‖ N(μ_p, σ²)) = (μ_q − μ_p)² / (2σ²)",
        r"\mathrm{KL}(\mathcal{N}(\mu_q,\sigma^2)\,\|\,\mathcal{N}(\mu_p,\sigma^2)) = "
        r"\frac{(\mu_q-\mu_p)^2}{2\sigma^2}",
        "CS 446 HW8 1(d) (seed 000); ECE 544 PS5 1(d) (seed 004)",
    ),
    lambda: verify_kl_equal_variance(EQUAL_VARIANCE_KL),
)

symbolic_claim(
    Claim(
        "gaussian_kl.univariate",
        "KL(N(μ_q, σ_q²) ‖ N(μ_p, σ_p²)) = log(σ_p/σ_q) + (σ_q² + (μ_q − μ_p)²)/(2σ_p²) − ½",
        r"\mathrm{KL}(\mathcal{N}(\mu_q,\sigma_q^2)\,\|\,\mathcal{N}(\mu_p,\sigma_p^2)) = "
        r"\log\frac{\sigma_p}{\sigma_q} + \frac{\sigma_q^2+(\mu_q-\mu_p)^2}{2\sigma_p^2} - \frac12",
        "standard; generalises CS 446 HW8 1(d)",
    ),
    lambda: verify_kl_univariate(UNIVARIATE_KL),
)

symbolic_claim(
    Claim(
        "gaussian_kl.diagonal_vs_standard",
        "KL(N(μ, diag σ²) ‖ N(0, I)) = −½ Σ_j (1 + log σ_j² − μ_j² − σ_j²); general d "
        "(per-coordinate Sum) and d = 1, 2, 3 (full derivation)",
        r"-\tfrac12\sum_{j=1}^d\left(1+\log\sigma_j^2-\mu_j^2-\sigma_j^2\right)",
        "Kingma & Welling 2014, App. B",
    ),
    lambda: verify_kl_diagonal_standard(kingma_welling_closed_form),
)

symbolic_claim(
    Claim(
        "gaussian_kl.full_covariance",
        "KL(N(μ₀, Σ₀) ‖ N(μ₁, Σ₁)) = ½{tr(Σ₁⁻¹Σ₀) + (μ₁−μ₀)ᵀΣ₁⁻¹(μ₁−μ₀) − d + log(|Σ₁|/|Σ₀|)} "
        "for d = 1, 2, 3 with fully symbolic SPD Σ₀, Σ₁ (general d not claimed)",
        r"\tfrac12\left\{\mathrm{tr}(\Sigma_1^{-1}\Sigma_0)+(\mu_1-\mu_0)^\top\Sigma_1^{-1}"
        r"(\mu_1-\mu_0)-d+\log\frac{|\Sigma_1|}{|\Sigma_0|}\right\}",
        "seed 003, Problem 6.1",
    ),
    lambda: verify_kl_full_covariance(seed_mvn_closed_form),
)
