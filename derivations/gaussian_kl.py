"""Verifiers for Gaussian KL divergences, each derived from the densities.

KL(N₀ ‖ N₁) = E_{N₀}[log N₀(z) − log N₁(z)] is computed from the log-densities with the
Gaussian moments obtained by integration (:mod:`derivations.gaussian`) and compared with the
claimed closed form.

* equal-variance 1-D: CS 446 HW8 1(d) (seed 000), ECE 544 PS5 1(d) (seed 004);
* general 1-D;
* diagonal Gaussian vs N(0, I): Kingma & Welling 2014, App. B, for general d (per-coordinate
  argument, ``Sum``) and for d = 1, 2, 3 by the full d-dimensional derivation;
* d-dimensional full covariance: seed 003, Problem 6.1, for d = 1, 2, 3 with fully symbolic
  SPD matrices Σ = L Lᵀ (L lower-triangular with positive diagonal: every SPD matrix).
  General d is *not* claimed symbolically here.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.checker.identities import Decision, Domain, decide_equal
from derivations.checker.verdicts import Verdict
from derivations.elbo import combine
from derivations.gaussian import (
    affine_density_identity,
    expect_polynomial,
    lower_triangular,
    mvn_log_density,
    normal_log_density,
)

_zz = sp.Symbol("z", real=True)

MU_Q, MU_P = sp.symbols("mu_q mu_p", real=True)
SIGMA = sp.Symbol("sigma", positive=True)
SIGMA_Q, SIGMA_P = sp.symbols("sigma_q sigma_p", positive=True)
D = sp.Symbol("d", integer=True, positive=True)
J = sp.Symbol("j", integer=True, positive=True)
MU = sp.IndexedBase("mu", real=True)
SIG = sp.IndexedBase("sigma", positive=True)


def kl_normal_1d_from_densities(mq: sp.Expr, vq: sp.Expr, mp: sp.Expr, vp: sp.Expr) -> sp.Expr:
    """E_{N(mq, vq)}[log N(z; mq, vq) − log N(z; mp, vp)] by moments from integration."""
    integrand = normal_log_density(_zz, mq, vq) - normal_log_density(_zz, mp, vp)
    return expect_polynomial(integrand, {_zz: (mq, vq)})


def kl_equal_variance_relation(claimed: sp.Expr) -> tuple[sp.Expr, str, sp.Expr]:
    """The statement ``KL(N(μ_q, σ²) ‖ N(μ_p, σ²)) = claimed`` that
    :func:`verify_kl_equal_variance` decides."""
    return kl_normal_1d_from_densities(MU_Q, SIGMA**2, MU_P, SIGMA**2), "=", claimed


def kl_univariate_relation(claimed: sp.Expr) -> tuple[sp.Expr, str, sp.Expr]:
    """The statement ``KL(N(μ_q, σ_q²) ‖ N(μ_p, σ_p²)) = claimed`` that
    :func:`verify_kl_univariate` decides."""
    return kl_normal_1d_from_densities(MU_Q, SIGMA_Q**2, MU_P, SIGMA_P**2), "=", claimed


def verify_kl_equal_variance(claimed: sp.Expr) -> Decision:
    """KL(N(μ_q, σ²) ‖ N(μ_p, σ²)) = claimed(μ_q, μ_p, σ); the seeds claim (μ_q−μ_p)²/(2σ²)."""
    derived, _, rhs = kl_equal_variance_relation(claimed)
    return decide_equal(derived, rhs)


def verify_kl_univariate(claimed: sp.Expr) -> Decision:
    """KL(N(μ_q, σ_q²) ‖ N(μ_p, σ_p²)) = claimed(μ_q, σ_q, μ_p, σ_p)."""
    derived, _, rhs = kl_univariate_relation(claimed)
    return decide_equal(derived, rhs)


def verify_kl_self(claimed: sp.Expr) -> Decision:
    """KL(N(μ_q, σ²) ‖ N(μ_q, σ²)) = claimed (CS 446 HW8 1(c): 0)."""
    return decide_equal(kl_normal_1d_from_densities(MU_Q, SIGMA**2, MU_Q, SIGMA**2), claimed)


def kl_mvn_from_densities(
    mu0: sp.Matrix, chol0: sp.Matrix, mu1: sp.Matrix, cov1: sp.Matrix
) -> tuple[sp.Expr, sp.Expr]:
    """(KL(N(μ₀, L₀L₀ᵀ) ‖ N(μ₁, Σ₁)), change-of-variables residual).

    E_{N₀}[g(z)] = E_ε[g(μ₀ + L₀ε)] with ε ∼ N(0, I) (product density, moments by
    integration); the residual is 0 iff that change of variables is valid (checked)."""
    d = chol0.shape[0]
    eps = [sp.Symbol(f"epsilon{k + 1}", real=True) for k in range(d)]
    z = mu0 + chol0 * sp.Matrix(eps)
    cov0 = chol0 * chol0.T
    log_n0 = mvn_log_density(z, mu0, cov0, cov0.inv(), sp.log(cov0.det()))
    log_n1 = mvn_log_density(z, mu1, cov1, cov1.inv(), sp.log(cov1.det()))
    integrand = sp.expand(log_n0 - log_n1)
    kl = expect_polynomial(integrand, {e: (sp.Integer(0), sp.Integer(1)) for e in eps})
    return kl, affine_density_identity(mu0, chol0)


MvnClosedForm = Callable[[sp.Matrix, sp.Matrix, sp.Matrix, sp.Matrix], sp.Expr]


def _vector(name: str, d: int) -> sp.Matrix:
    return sp.Matrix(d, 1, lambda r, _: sp.Symbol(f"{name}{r + 1}", real=True))


def verify_kl_full_covariance(claimed: MvnClosedForm, dims: tuple[int, ...] = (1, 2, 3)) -> Decision:
    """KL(N(μ₀, Σ₀) ‖ N(μ₁, Σ₁)) = claimed(μ₀, Σ₀, μ₁, Σ₁) for each d in ``dims``, with
    Σ₀ = L₀L₀ᵀ, Σ₁ = L₁L₁ᵀ fully symbolic (seed 003, 6.1)."""
    parts: dict[str, Decision] = {}
    for d in dims:
        mu0, mu1 = _vector("a", d), _vector("b", d)
        chol0, chol1 = lower_triangular("L", d), lower_triangular("M", d)
        cov0, cov1 = chol0 * chol0.T, chol1 * chol1.T
        kl, residual = kl_mvn_from_densities(mu0, chol0, mu1, cov1)
        cov_check = decide_equal(residual, sp.Integer(0))
        if cov_check.verdict is not Verdict.PROVED:
            parts[f"d={d}"] = Decision(
                Verdict.UNDECIDED, f"change of variables not established: {cov_check.detail}"
            )
            continue
        parts[f"d={d}"] = decide_equal(kl, claimed(mu0, cov0, mu1, cov1), time_limit=40.0)
    return combine(parts)


def seed_mvn_closed_form(mu0: sp.Matrix, cov0: sp.Matrix, mu1: sp.Matrix, cov1: sp.Matrix) -> sp.Expr:
    """Seed 003, 6.1: ½{tr(Σ₁⁻¹Σ₀) + (μ₁−μ₀)ᵀΣ₁⁻¹(μ₁−μ₀) − d + log(|Σ₁|/|Σ₀|)}."""
    inv1 = cov1.inv()
    r = mu1 - mu0
    d = cov0.shape[0]
    return ((inv1 * cov0).trace() + (r.T * inv1 * r)[0, 0] - d + sp.log(cov1.det() / cov0.det())) / 2


DiagClosedForm = Callable[[sp.IndexedBase, sp.IndexedBase, sp.Symbol, sp.Expr], sp.Expr]


def kingma_welling_closed_form(mu: sp.IndexedBase, sigma: sp.IndexedBase, j: sp.Symbol,
                               d: sp.Expr) -> sp.Expr:
    """Kingma & Welling 2014, App. B: KL(q ‖ N(0,I)) = −½ Σ_j (1 + log σ_j² − μ_j² − σ_j²)."""
    return -sp.Sum(1 + sp.log(sigma[j] ** 2) - mu[j] ** 2 - sigma[j] ** 2, (j, 1, d)) / 2


def verify_kl_diagonal_standard(claimed: DiagClosedForm, dims: tuple[int, ...] = (1, 2, 3)) -> Decision:
    """KL(N(μ, diag σ²) ‖ N(0, I)) = claimed(μ, σ, j, d).

    General d: the product density's log is Σ_j log N(z_j; μ_j, σ_j²) and the j-th term's
    expectation depends only on the marginal N(μ_j, σ_j²) of z_j (the other coordinates
    integrate to 1), so KL = Σ_j KL₁(μ_j, σ_j²); that ``Sum`` is compared with the claim.
    d = 1, 2, 3: the full d-dimensional derivation with L = diag(σ), Σ₁ = I."""
    parts: dict[str, Decision] = {}
    per_coordinate = kl_normal_1d_from_densities(MU[J], SIG[J] ** 2, 0, 1)
    parts["general d"] = decide_equal(
        sp.Sum(per_coordinate, (J, 1, D)), claimed(MU, SIG, J, D), Domain(size=D)
    )
    for d in dims:
        mu0 = sp.Matrix(d, 1, lambda r, _: MU[r + 1])
        chol0 = sp.Matrix(d, d, lambda r, c: SIG[r + 1] if r == c else 0)
        kl, residual = kl_mvn_from_densities(mu0, chol0, sp.zeros(d, 1), sp.eye(d))
        if decide_equal(residual, 0).verdict is not Verdict.PROVED:
            parts[f"d={d}"] = Decision(Verdict.UNDECIDED, "change of variables not established")
            continue
        parts[f"d={d}"] = decide_equal(kl, claimed(MU, SIG, J, sp.Integer(d)).doit())
    return combine(parts)
