"""``torch`` evidence that this project's own VAE passes the same front door as a user's loss:
:meth:`Vae.loss` and :meth:`Vae.iwae` are audited by
:func:`torch_impl.audit.audit_elbo_loss` / :func:`~torch_impl.audit.audit_iwae_loss` through
forward hooks on the encoder and decoder, with the auditor controlling the noise."""

from __future__ import annotations

import torch

from derivations.checker.verdicts import Evidence, Verdict
from derivations.runner.registry import evidence
from torch_impl.audit import Hooks, IwaeAudit, LossAudit, ModelSpec, audit_elbo_loss, audit_iwae_loss
from torch_impl.model import Vae, VaeConfig


def _vae(likelihood: str, beta: float, seed: int) -> Vae:
    torch.manual_seed(seed)
    return Vae(VaeConfig(data_dim=16, latent_dim=3, hidden=32, likelihood=likelihood, beta=beta)).double()


def _spec(model: Vae) -> ModelSpec:
    c = model.config
    return ModelSpec(c.likelihood if c.likelihood == "gaussian" else "bernoulli_logits", param="logvar",
                     sigma2=c.gaussian_var, arguments=("x",), hooks=Hooks(model.encoder, model.decoder))


def vae_loss_audits() -> list[tuple[str, LossAudit]]:
    """Vae.loss (one sample, N(0, I) prior) for the Bernoulli decoder at β = 1 and the Gaussian
    decoder at β = 2, each at B = 2, 5, 9."""
    out = []
    for likelihood, beta in (("bernoulli", 1.0), ("gaussian", 2.0)):
        model = _vae(likelihood, beta, 21)
        audit = audit_elbo_loss(lambda x, model=model: model.loss(x)[0], _spec(model), beta=beta,
                                batch_sizes=(2, 5, 9), draws=6, extreme_draws=0)
        out.append((f"{likelihood}, β = {beta:g}", audit))
    return out


def vae_iwae_audit(k: int = 8) -> IwaeAudit:
    """Vae.iwae(x, K) as the loss −Σ_i IWAE_K(x_i) (value only: Vae.iwae runs under no_grad)."""
    model = _vae("bernoulli", 1.0, 22)
    return audit_iwae_loss(lambda x: -model.iwae(x, k).sum(), _spec(model), k, batch_sizes=(2, 5), draws=4)


def _evidence(parts: list[tuple[str, LossAudit | IwaeAudit]]) -> Evidence:
    bad = [(n, a) for n, a in parts if a.refuted]
    detail = "; ".join(f"{n}: {a.verdict.value}" + (f" (a = {a.a.text}" if a.a else "")
                       + (f", β_eff = {a.beta_eff.text})" if isinstance(a, LossAudit) and a.beta_eff else
                          (")" if a.a else "")) for n, a in parts)
    ratio = max(a.worst_residual / a.tolerance if a.tolerance else 0.0 for _, a in parts)
    if bad:
        return Evidence("torch", Verdict.REFUTED, detail, error=ratio, tolerance=1.0,
                        counterexample={n: a.to_text() for n, a in bad})
    return Evidence("torch", Verdict.NUMERIC,
                    detail + "; error = worst fit residual / tolerance (float64, 1e-9 relative)",
                    error=ratio, tolerance=1.0)




@evidence("vae.loss_is_neg_elbo", "torch")
def _loss_evidence() -> Evidence:
    return _evidence(list(vae_loss_audits()))


@evidence("vae.iwae_estimator", "torch")
def _iwae_evidence() -> Evidence:
    return _evidence([("Vae.iwae, K = 8", vae_iwae_audit())])
