"""Findings about the seeds' own statements: seed 003's true/false problems 1–4 and
ECE 544 PS5 4(c)–(f) (seed 004). Each expected finding is pinned; the report runner fails if it
changes."""

from __future__ import annotations

import sympy as sp

from derivations.beta_vae import verify_large_beta_correlates
from derivations.checker.identities import Decision
from derivations.checker.verdicts import Evidence, Verdict
from derivations.claims.helpers import seed_finding
from derivations.elbo import combine
from derivations.estimators import (
    TAU2,
    A,
    C,
    X,
    Z,
    pathwise_integrand,
    test_functions,
    verify_reparameterisation,
)
from derivations.gan import (
    A as PDATA,
)
from derivations.gan import (
    B as PG,
)
from derivations.gan import (
    jsd,
    pushforward_density,
    verify_euler_lagrange_discriminator,
    verify_generator_pushforward,
    verify_jsd_minimum,
    verify_optimal_discriminator_at_equilibrium,
    verify_virtual_criterion,
)
from derivations.gaussian import normal_log_density
from derivations.mode_seeking import decide_reverse_kl_covers_modes
from derivations.posterior import verify_posterior_easy
from derivations.runner.registry import Claim, evidence, register

SEED003 = "seed 003 (Deep Learning 2024 Spring, HW4)"
PS5 = "ECE 544 PS5 (seed 004)"

#: The value PS5 4(f) claims for D* at the optimal generator.
EQUILIBRIUM_D_STAR = sp.Rational(1, 2)


def _reparameterisation_reaches_encoder() -> Decision:
    """T/F 2: with z = μ + sε, the gradient of the decoder term w.r.t. the encoder outputs (μ, s)
    is the expectation of a pathwise derivative; checked by integration for a Gaussian decoder
    log N(x; a·z + c, τ²) and a non-polynomial f."""
    decoder = normal_log_density(X, A * Z + C, TAU2)
    return verify_reparameterisation(
        pathwise_integrand, {"log N(x; az + c, τ²)": decoder, "exp(βz)": test_functions()["exp(βz)"]}
    )


register(Claim("seed003.tf1_reverse_kl_covers_modes",
               "T/F 1 'minimising KL(q ‖ p) for a multi-modal p gives a q covering all modes': FALSE "
               "(reverse KL is mode-seeking; for p = ½N(−3,1) + ½N(3,1) every Gaussian covering both "
               "modes equally, N(0, s²) for any s > 0, fits worse than N(3, 1): certified in ball "
               "arithmetic)",
               r"\arg\min_q \mathrm{KL}(q\|p)\ \text{covers all modes?}", f"{SEED003}, Problem 1",
               kind="seed_audit", expected=Verdict.REFUTED))


@evidence("seed003.tf1_reverse_kl_covers_modes", "symbolic")
def _reverse_kl_covers_modes() -> Evidence:
    """T/F 1 with its ball-arithmetic certificate in the evidence's ``extra["certificate"]``
    (re-checkable with :func:`derivations.mode_seeking_bounds.recheck_cover_worse` after
    :meth:`~derivations.mode_seeking_bounds.CoverCertificate.from_json`)."""
    decision, certificate = decide_reverse_kl_covers_modes()
    found = decision.evidence("symbolic")
    if certificate is not None:
        found.extra["certificate"] = certificate.to_json()
    return found


seed_finding("seed003.tf2_reparameterisation_gradient",
             "T/F 2 'the reparameterisation trick passes gradients to the encoder': TRUE "
             "(∇_{μ,s} E[f(μ + sε)] = E[f'(μ+sε)·(1, ε)], by integration, incl. a Gaussian decoder)",
             r"\nabla_{\mu,s}\mathbb E[f(\mu+s\varepsilon)] = \mathbb E[f'(\mu+s\varepsilon)(1,\varepsilon)]",
             f"{SEED003}, Problem 2", Verdict.PROVED, _reparameterisation_reaches_encoder)
seed_finding("seed003.tf3_posterior_easy",
             "T/F 3 'it is easy to compute p(z|x) using a VAE': not decidable here (the evidence of a "
             "logistic decoder has no closed form that SymPy finds; exact for a linear decoder)",
             r"p(z|x) = p(x|z)p(z)/\int p(x|z)p(z)\,dz", f"{SEED003}, Problem 3",
             Verdict.UNDECIDED, verify_posterior_easy)
seed_finding("seed003.tf4_beta_correlation",
             "T/F 4 'large β enforces correlated latents': FALSE (the KL term's correlation part "
             "−½log(1−ρ²) ≥ 0 vanishes iff uncorrelated; β scales it up)",
             r"\mathrm{KL}(\mathcal N(\mu,\Sigma)\|\mathcal N(0,I)) = "
             r"\mathrm{KL}_{diag} - \tfrac12\log(1-\rho^2)",
             f"{SEED003}, Problem 4; Higgins et al. 2017", Verdict.REFUTED, verify_large_beta_correlates)
seed_finding("seed004.problem_4c",
             "4(c): E_z[f(G(z))] = E_{x∼p_G}[f(x)] with p_G the change-of-variables density "
             "(G(z) = αz + β, f cubic; integrated)", r"\mathbb E_z[f(G(z))] = \mathbb E_{p_G}[f(x)]",
             f"{PS5}, 4(c)", Verdict.PROVED, lambda: verify_generator_pushforward(pushforward_density))
seed_finding("seed004.problem_4d",
             "4(d): the Euler–Lagrange equation of p_data log D + p_G log(1 − D) gives "
             "D* = p_data/(p_data + p_G)", r"D^\star = \frac{p_{data}}{p_{data}+p_G}", f"{PS5}, 4(d)",
             Verdict.PROVED, lambda: verify_euler_lagrange_discriminator(PDATA / (PDATA + PG)))
seed_finding("seed004.problem_4e",
             "4(e): with the seed's JSD (M = ½(p_data + p_G)), C(G) = −log 4 + 2 JSD and the optimum "
             "is p_G = p_data", r"p_G^\star = p_{data}", f"{PS5}, 4(e)", Verdict.PROVED,
             lambda: combine({
                 "C(G) = −log 4 + 2·JSD": verify_virtual_criterion(
                     lambda m, p, g: -sp.log(4) + 2 * jsd(m, p, g)),
                 "minimum at p_G = p_data": verify_jsd_minimum(-sp.log(4)),
             }))
seed_finding("seed004.problem_4f",
             "4(f): at the optimal generator, D*(x) = ½ (Euler–Lagrange with p_G = p_data)",
             r"D^\star = \tfrac12", f"{PS5}, 4(f)", Verdict.PROVED,
             lambda: verify_optimal_discriminator_at_equilibrium(EQUILIBRIUM_D_STAR))
