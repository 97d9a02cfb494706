"""KL properties and the variational optimum (CS 446 HW8 1(b),(c),(e),(f); ECE 544 PS5 1)."""

from __future__ import annotations

import sympy as sp

from derivations.claims.helpers import symbolic_claim
from derivations.elbo import combine
from derivations.gaussian_kl import verify_kl_self
from derivations.latent import DiscreteModel
from derivations.runner.registry import Claim
from derivations.variational import (
    seed_optimum,
    verify_kl_nonnegative,
    verify_kl_of_identical,
    verify_optimum_is_posterior,
    verify_variational_optimum,
)

#: The value claimed for KL(q ‖ q) (CS 446 HW8 1(c)).
KL_SELF_CLAIMED = sp.Integer(0)


def kl_divergence(m: DiscreteModel, a: sp.IndexedBase, b: sp.IndexedBase) -> sp.Expr:
    """The divergence claimed non-negative by kl.nonnegative: KL(a ‖ b) = Σ a log(a/b)."""
    return m.kl(a, b)


symbolic_claim(
    Claim(
        "kl.self_zero",
        "KL(q ‖ q) = 0, for a discrete q of general size K and for a univariate Gaussian q",
        r"\mathrm{KL}(q\,\|\,q) = 0",
        "CS 446 HW8 1(b)–(c) (seed 000); ECE 544 PS5 1(c) (seed 004)",
    ),
    lambda: combine({"discrete (general K)": verify_kl_of_identical(KL_SELF_CLAIMED),
                     "Gaussian N(μ, σ²)": verify_kl_self(KL_SELF_CLAIMED)}),
)

symbolic_claim(
    Claim(
        "kl.nonnegative",
        "KL(a ‖ b) ≥ 0 for probability vectors of general size K (Gibbs' inequality)",
        r"\mathrm{KL}(q\,\|\,p) \ge 0",
        "CS 446 HW8 1(b) (seed 000); seed 001 §1.2; CPSC 440 §1.3 (seed 002)",
    ),
    lambda: verify_kl_nonnegative(kl_divergence),
)

symbolic_claim(
    Claim(
        "variational.optimum_general_k",
        "The stationary point of Σ q log p(x|z) − KL(q ‖ p(z)) + λ(Σ q − 1) is "
        "q(z|x) = p(x|z)p(z) / Σ_ẑ p(x|ẑ)p(ẑ) (λ eliminated), a maximum; general K",
        r"q^\star(z\mid x) = \frac{p_\theta(x\mid z)p(z)}{\sum_{\hat z} p_\theta(x\mid\hat z)p(\hat z)}",
        "CS 446 HW8 1(e) (seed 000); ECE 544 PS5 1(e) (seed 004)",
    ),
    lambda: verify_variational_optimum(seed_optimum),
)

symbolic_claim(
    Claim(
        "variational.optimum_small_k",
        "The same stationary point, exactly for K = 2, …, 6 (explicit sums)",
        r"q^\star(z\mid x) = p_\theta(z\mid x),\ K = 2,\dots,6",
        "CS 446 HW8 1(e) (seed 000); ECE 544 PS5 1(e) (seed 004)",
    ),
    lambda: combine({f"K={k}": verify_variational_optimum(seed_optimum, K=k) for k in range(2, 7)}),
)

symbolic_claim(
    Claim(
        "variational.optimum_is_posterior",
        "The optimal q(z|x) is the posterior p(z|x) = p(x,z)/p(x) (answer (3))",
        r"q^\star(z\mid x) = p_\theta(z\mid x)",
        "CS 446 HW8 1(f) (seed 000); ECE 544 PS5 1(f) (seed 004)",
    ),
    lambda: verify_optimum_is_posterior(seed_optimum),
)
