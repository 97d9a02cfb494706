"""Linear VAE vs probabilistic PCA (Tipping & Bishop 1999; Lucas et al. 2019), float64.

Decoder p(x|z) = N(Wz + b, σ²I), prior N(0, I_d), encoder q(z|x) = N(A(x − b) + c, diag e^ℓ)
(ℓ independent of x). Everything here is closed form:
* log p(x) = log N(x; b, WWᵀ + σ²I);
* p(z|x) = N(M⁻¹Wᵀ(x − b), σ²M⁻¹), M = WᵀW + σ²I;
* the ELBO: E_q[log p(x|z)] = −(D/2)log 2πσ² − (‖x − b − Wμ‖² + tr(W diag(e^ℓ) Wᵀ))/(2σ²), minus
  KL(q ‖ N(0, I)) (the stable form of :mod:`torch_impl.kl`);
* the pPCA maximum-likelihood solution from the eigendecomposition of the sample covariance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from torch_impl.kl import kl_standard_normal


@dataclass
class LinearVae:
    """Parameters of the linear VAE (float64): decoder W (D×d), b (D,), log σ²; encoder A (d×D), c (d,),
    and the log-variances ℓ (d,) of q(z|x)."""
    w: torch.Tensor  # (D, d)
    b: torch.Tensor  # (D,)
    log_sigma2: torch.Tensor  # ()
    a: torch.Tensor  # (d, D)
    c: torch.Tensor  # (d,)
    logvar: torch.Tensor  # (d,)

    @classmethod
    def random(cls, data_dim: int, latent_dim: int, *, generator: torch.Generator | None = None) -> LinearVae:
        """Random parameters (standard normal, scaled) for ``data_dim`` D and ``latent_dim`` d, drawn from
        ``generator``."""
        g = generator
        r = lambda *s: torch.randn(*s, dtype=torch.float64, generator=g)
        return cls(
            r(data_dim, latent_dim),
            r(data_dim),
            r(()) * 0.3,
            r(latent_dim, data_dim) * 0.5,
            r(latent_dim) * 0.1,
            r(latent_dim) * 0.3,
        )

    def parameters(self) -> list[torch.Tensor]:
        """The six parameter tensors, in the order W, b, log σ², A, c, ℓ (e.g. for an optimiser)."""
        return [self.w, self.b, self.log_sigma2, self.a, self.c, self.logvar]

    def encoder_mean(self, x: torch.Tensor) -> torch.Tensor:
        """μ(x) = A(x − b) + c, the mean of q(z|x), for a batch of x (..., D)."""
        return (x - self.b) @ self.a.T + self.c

    def elbo(self, x: torch.Tensor) -> torch.Tensor:
        """Closed-form ELBO per data point."""
        d_x = x.shape[-1]
        s2 = torch.exp(self.log_sigma2)
        mu = self.encoder_mean(x)
        resid = x - self.b - mu @ self.w.T
        trace = (self.w**2 * torch.exp(self.logvar)).sum()
        rec = -0.5 * d_x * torch.log(2 * math.pi * s2) - ((resid**2).sum(-1) + trace) / (2 * s2)
        kl = kl_standard_normal(mu, self.logvar.expand_as(mu)).sum(-1)
        return rec - kl

    def marginal_cov(self) -> torch.Tensor:
        """WWᵀ + σ²I, the covariance of the marginal p(x)."""
        return self.w @ self.w.T + torch.exp(self.log_sigma2) * torch.eye(self.w.shape[0], dtype=self.w.dtype)

    def log_evidence(self, x: torch.Tensor) -> torch.Tensor:
        """log N(x; b, WWᵀ + σ²I)."""
        cov = self.marginal_cov()
        chol = torch.linalg.cholesky(cov)
        diff = (x - self.b).unsqueeze(-1)
        sol = torch.linalg.solve_triangular(chol, diff, upper=False).squeeze(-1)
        logdet = 2 * torch.log(torch.diagonal(chol)).sum()
        return -0.5 * (x.shape[-1] * math.log(2 * math.pi) + logdet + (sol**2).sum(-1))

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean (N, d), covariance (d, d)) of p(z|x)."""
        s2 = torch.exp(self.log_sigma2)
        m = self.w.T @ self.w + s2 * torch.eye(self.w.shape[1], dtype=self.w.dtype)
        mean = torch.linalg.solve(m, self.w.T @ (x - self.b).T).T
        return mean, s2 * torch.linalg.inv(m)

    def kl_to_posterior(self, x: torch.Tensor) -> torch.Tensor:
        """KL(q(z|x) ‖ p(z|x)) between N(μ, diag e^ℓ) and N(m, S), per data point."""
        mean, cov = self.posterior(x)
        mu = self.encoder_mean(x)
        d = mu.shape[-1]
        q_var = torch.exp(self.logvar)
        chol = torch.linalg.cholesky(cov)
        s_inv = torch.cholesky_inverse(chol)
        trace = (torch.diagonal(s_inv) * q_var).sum()
        logdet_s = 2 * torch.log(torch.diagonal(chol)).sum()
        diff = mean - mu
        quad = ((diff @ s_inv) * diff).sum(-1)
        return 0.5 * (trace + quad - d + logdet_s - self.logvar.sum())

    def log_joint_over_q(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p(x, z) − log q(z|x) for samples z (..., N, d)."""
        s2 = torch.exp(self.log_sigma2)
        d_x = x.shape[-1]
        resid = x - self.b - z @ self.w.T
        log_px_z = -0.5 * d_x * torch.log(2 * math.pi * s2) - (resid**2).sum(-1) / (2 * s2)
        log_pz = (-0.5 * z * z - 0.5 * math.log(2 * math.pi)).sum(-1)
        mu = self.encoder_mean(x)
        log_q = (-0.5 * ((z - mu) ** 2 * torch.exp(-self.logvar) + self.logvar + math.log(2 * math.pi))).sum(
            -1
        )
        return log_px_z + log_pz - log_q

    def iwae(self, x: torch.Tensor, k: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """One draw of the IWAE bound log (1/k) Σ_j p(x, z_j)/q(z_j|x) with z_j ~ q(z|x) per data point."""
        mu = self.encoder_mean(x)
        eps = torch.randn((k, *mu.shape), dtype=mu.dtype, generator=generator)
        z = mu + torch.exp(0.5 * self.logvar) * eps
        return torch.logsumexp(self.log_joint_over_q(x, z), 0) - math.log(k)


def ppca_max_log_likelihood(x: torch.Tensor, latent_dim: int) -> tuple[float, torch.Tensor, float]:
    """(max mean log-likelihood per point, W_ML, σ²_ML) of pPCA (Tipping & Bishop 1999, eqs. 7, 8)."""
    n, d_x = x.shape
    mean = x.mean(0)
    s = (x - mean).T @ (x - mean) / n
    evals, evecs = torch.linalg.eigh(s)
    evals, evecs = evals.flip(0), evecs.flip(1)
    sigma2 = float(evals[latent_dim:].mean())
    w = evecs[:, :latent_dim] * torch.sqrt(evals[:latent_dim] - sigma2)
    cov = w @ w.T + sigma2 * torch.eye(d_x, dtype=x.dtype)
    ll = -0.5 * (d_x * math.log(2 * math.pi) + torch.logdet(cov) + torch.trace(torch.linalg.solve(cov, s)))
    return float(ll), w, sigma2


def ppca_data(n: int, data_dim: int, latent_dim: int, *, seed: int = 0) -> torch.Tensor:
    """``n`` points in ℝ^``data_dim`` from a pPCA model with ``latent_dim`` factors: W ~ 2·N(0, 1), mean 1,
    noise sd 0.5, float64, from ``seed``."""
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(data_dim, latent_dim, dtype=torch.float64, generator=g) * 2
    z = torch.randn(n, latent_dim, dtype=torch.float64, generator=g)
    noise = torch.randn(n, data_dim, dtype=torch.float64, generator=g) * 0.5
    return z @ w.T + 1.0 + noise


def fit_linear_vae(x: torch.Tensor, latent_dim: int, *, seed: int = 0, max_iter: int = 2000) -> LinearVae:
    """Maximise the closed-form ELBO over all parameters (full batch, L-BFGS, float64), until a
    step changes the loss by < 1e-12 nats/point (on the 2000 × 6 pPCA data of the claim
    ``vae.linear_reaches_ppca`` that is ~330 evaluations, leaving the ELBO 1e-11 below the ML value
    and the encoder within ~1e-6 of the exact posterior, ≥ 18× inside the claim's tolerances)."""
    vae = LinearVae.random(x.shape[1], latent_dim, generator=torch.Generator().manual_seed(seed))
    params = vae.parameters()
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.LBFGS(
        params,
        lr=1.0,
        max_iter=max_iter,
        tolerance_grad=1e-12,
        tolerance_change=1e-12,
        history_size=50,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = -vae.elbo(x).mean()
        loss.backward()
        return loss

    opt.step(closure)
    for p in params:
        p.requires_grad_(False)
    return vae
