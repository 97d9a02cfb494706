"""Forward-KL variational inference (seed 003, Problem 6.4) and REINFORCE for a
categorical latent (seed 001 §4.4)."""

from __future__ import annotations

from derivations.claims.helpers import symbolic_claim
from derivations.forward_kl import verify_forward_kl_objective, verify_self_normalised_form
from derivations.gm_vae_training import verify_gap_is_posterior_kl
from derivations.reinforce import verify_baseline_unbiased, verify_score_function_unbiased
from derivations.runner.registry import Claim

symbolic_claim(
    Claim(
        "variational.forward_kl_objective",
        "Forward-KL VI: KL(p(z|x) ‖ q_ψ) = Σ p(z|x) log p(z|x) − E_{p(z|x)}[log q_ψ(z|x)], so "
        "argmin_ψ KL(p(z|x) ‖ q_ψ) = argmax_ψ E_{p(z|x)}[log q_ψ(z|x)] (general K)",
        r"\arg\min_\psi \mathrm{KL}(p(z\mid x)\,\|\,q_\psi) = "
        r"\arg\max_\psi \mathbb{E}_{p(z\mid x)}[\log q_\psi(z\mid x)]",
        "seed 003, Problem 6.4",
    ),
    verify_forward_kl_objective,
)

symbolic_claim(
    Claim(
        "variational.forward_kl_snis",
        "The forward-KL objective in self-normalised importance-sampling form: with "
        "w = p(x,z)/q(z|x), E_{p(z|x)}[g] = E_q[w g]/E_q[w] (general K); the N-sample estimator "
        "is consistent and biased for finite N",
        r"\mathbb{E}_{p(z\mid x)}[g] = \frac{\mathbb{E}_q[w\,g]}{\mathbb{E}_q[w]},\ "
        r"w = \frac{p(x,z)}{q(z\mid x)}",
        "seed 003, Problem 6.4 (hint: the objective in the form of an expectation)",
    ),
    verify_self_normalised_form,
)

symbolic_claim(
    Claim(
        "estimator.reinforce_categorical",
        "REINFORCE for a categorical latent: ∇_φ E_{q_φ}[f(z)] = E_{q_φ}[f(z) ∇_φ log q_φ(z)] for "
        "q_φ = softmax(φ) over K states (general K)",
        r"\nabla_\phi \mathbb{E}_{q_\phi}[f(z)] = \mathbb{E}_{q_\phi}[f(z)\,\nabla_\phi\log q_\phi(z)]",
        "seed 001 §4.4; Williams 1992",
    ),
    verify_score_function_unbiased,
)

symbolic_claim(
    Claim(
        "estimator.reinforce_baseline",
        "A baseline b that does not depend on z keeps REINFORCE unbiased: "
        "E_{q_φ}[b ∇_φ log q_φ(z)] = 0 (general K)",
        r"\mathbb{E}_{q_\phi}[b\,\nabla_\phi\log q_\phi(z)] = 0",
        "seed 001 §4.4; Mnih & Gregor 2014",
    ),
    verify_baseline_unbiased,
)

symbolic_claim(
    Claim(
        "gm_vae.learned_posterior",
        "GM-VAE training (seed 003, 7.2): with a learned q_φ(z|w,x), the three-term ELBO falls short "
        "of its value at the exact posterior p(z|w) by exactly E_w KL(q_φ(z|w,x) ‖ p(z|w)), so "
        "training drives q_φ to p(z|w)",
        r"\mathcal{L}(q_\phi) = \mathcal{L}(p(z\mid w)) - "
        r"\mathbb{E}_{q_\psi(w\mid x)}\mathrm{KL}(q_\phi(z\mid w,x)\,\|\,p(z\mid w))",
        "seed 003, Problem 7.2",
    ),
    verify_gap_is_posterior_kl,
)
