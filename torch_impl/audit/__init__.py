"""``torch_impl.audit``: audit anyone's VAE and IWAE loss against the verified ELBO (issue 11).

* :func:`audit_elbo_loss` — is ``loss_fn`` a·(−ELBO) + c, with which β_eff, a and c (formulas in
  B, D, d and the hyper-parameters)? If not: a counterexample and the convention that would fix it.
* :func:`audit_iwae_loss` — value against logsumexp(log w) − log K, gradient against ∇ of the
  IWAE bound, and the importance weights the gradient implies.
* :func:`assert_neg_elbo`, :func:`assert_iwae` — pytest helpers; ``python -m torch_impl.audit``.

The model a loss claims to train is declared with :class:`ModelSpec` (likelihood, encoder
parameterisation as the sampler draws it, data domain, argument mapping). See
docs/auditing-a-loss.md.
"""

from torch_impl.audit.conventions import Convention, parse_convention
from torch_impl.audit.elbo import audit_elbo_loss
from torch_impl.audit.iwae import audit_iwae_loss
from torch_impl.audit.model_spec import Hooks, ModelSpec
from torch_impl.audit.report import IwaeAudit, IwaeVerdict, LossAudit, LossVerdict
from torch_impl.audit.testing import assert_iwae, assert_neg_elbo

__all__ = [
    "Convention",
    "Hooks",
    "IwaeAudit",
    "IwaeVerdict",
    "LossAudit",
    "LossVerdict",
    "ModelSpec",
    "assert_iwae",
    "assert_neg_elbo",
    "audit_elbo_loss",
    "audit_iwae_loss",
    "parse_convention",
]
