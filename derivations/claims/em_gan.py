"""EM (seed 003, Problem 5; Neal & Hinton 1998) and GAN optimum (ECE 544 PS5 4(d)–(f), seed 004;
Goodfellow et al. 2014) claims."""

from __future__ import annotations

import sympy as sp

from derivations.claims.helpers import chain_claim, symbolic_claim
from derivations.em import (
    monotonicity_chain,
    textbook_m_step,
    verify_e_step,
    verify_free_energy_bound,
    verify_free_energy_decomposition,
    verify_gmm_m_step,
    verify_m_step_equivalence,
)
from derivations.gan import (
    A,
    B,
    jsd,
    verify_jsd_minimum,
    verify_optimal_discriminator,
    verify_virtual_criterion,
)
from derivations.kl_fit import verify_forward_fit
from derivations.latent import DiscreteModel
from derivations.runner.registry import Claim
from derivations.variational import seed_optimum

EM = "seed 003, Problem 5; Neal & Hinton 1998"
GAN = "ECE 544 PS5, Problem 4 (seed 004); Goodfellow et al. 2014"


def free_energy_decomposition_rhs(m: DiscreteModel) -> sp.Expr:
    """log p_θ(x) − KL(q ‖ p_θ(z|x)), claimed equal to F(θ, q)."""
    return m.log_evidence() - m.kl(m.q, m.posterior)


symbolic_claim(Claim("em.free_energy_decomposition", "F(θ, q) = log p_θ(x) − KL(q ‖ p_θ(z|x)), general K",
                     r"\mathrm{ELBO}(\theta,q) = \log p_\theta(x) - "
                     r"\mathrm{KL}(q\,\|\,p_\theta(z\mid x))", EM),
               lambda: verify_free_energy_decomposition(free_energy_decomposition_rhs))
symbolic_claim(Claim("em.free_energy_bound", "F(θ, q) ≤ log p_θ(x), with equality at q = p_θ(z|x)",
                     r"\mathrm{ELBO}(\theta,q) \le \log p_\theta(x)", EM), verify_free_energy_bound)
symbolic_claim(Claim("em.e_step", "argmax_q F(θᵗ, q) over the simplex is p_θᵗ(z|x) (Lagrangian, concave)",
                     r"q^{(t)}(z\mid x) = p_{\theta^{(t)}}(z\mid x)", EM),
               lambda: verify_e_step(seed_optimum))
symbolic_claim(Claim("em.m_step_equivalence",
                     "F(θ, qᵗ) − Q(θ|θᵗ) = H(qᵗ) does not depend on θ: same argmax, so with the exact "
                     "E-step the F-iteration and EM produce the same θ sequence",
                     r"F(\theta,q^{(t)}) = Q(\theta\mid\theta^{(t)}) + H(q^{(t)})", EM),
               lambda: verify_m_step_equivalence(lambda m, q: m.entropy(q)))
chain_claim(Claim("em.monotonicity", "log p_θᵗ⁺¹(x) ≥ log p_θᵗ(x) (from the M-step premise)",
                  r"\log p_{\theta^{(t+1)}}(x) \ge \log p_{\theta^{(t)}}(x)", EM), monotonicity_chain)
symbolic_claim(Claim("em.gmm_m_step",
                     "1-D two-component GMM, N points: weighted means, weighted variances and average "
                     "responsibilities are the stationary point of Q(θ|θᵗ)",
                     r"\mu_k = \frac{\sum_n r_{nk}x_n}{\sum_n r_{nk}},\ \pi_k = \frac1N\sum_n r_{nk}",
                     "seed 003, Problem 5; Bishop 2006, §9.2"), lambda: verify_gmm_m_step(textbook_m_step))
symbolic_claim(Claim("gan.optimal_discriminator", "argmax_D a log D + b log(1 − D) = a/(a + b), a maximum",
                     r"D^\star(x) = \frac{p_{data}(x)}{p_{data}(x)+p_G(x)}", f"{GAN}, Prop. 1; PS5 4(d)"),
               lambda: verify_optimal_discriminator(A / (A + B)))
symbolic_claim(Claim("gan.virtual_criterion_jsd", "C(G) = −log 4 + 2·JSD(p_data ‖ p_G), general K",
                     r"C(G) = -\log 4 + 2\,\mathrm{JSD}(p_{data}\,\|\,p_G)", f"{GAN}, Thm. 1; PS5 4(e)"),
               lambda: verify_virtual_criterion(lambda m, p, g: -sp.log(4) + 2 * jsd(m, p, g)))
symbolic_claim(Claim("gan.global_minimum",
                     "JSD ≥ 0 and JSD(p ‖ p) = 0, so min C(G) = −log 4 at p_G = p_data, where D* = ½",
                     r"\min_G C(G) = -\log 4,\ D^\star = \tfrac12", f"{GAN}, Thm. 1; PS5 4(e)–(f)"),
               lambda: verify_jsd_minimum(-sp.log(4)))
symbolic_claim(Claim("kl_fit.forward_moment_matching",
                     "argmin_{μ,σ²} KL(p ‖ N(μ, σ²)) for p = ⅓N(−1,1) + ⅔N(1,1) is μ = 1/3, σ² = 17/9 "
                     "(moment matching; stationary point of −E_p log q, Hessian positive definite)",
                     r"\arg\min \mathrm{KL}(p\|q) = (\tfrac13, \tfrac{17}{9})", "seed 003, Problem 6.3"),
               lambda: verify_forward_fit(sp.Rational(1, 3), sp.Rational(17, 9)))
