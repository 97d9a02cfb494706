"""``torch_impl.audit``: audit anyone's VAE and IWAE loss — or a whole model — against the verified
ELBO.

* :func:`audit_elbo_loss` — is ``loss_fn`` a·(−ELBO) + c, with which β_eff, a and c (formulas in
  B, D, d and the hyper-parameters), and is its gradient a·∇(−ELBO)? If not: a counterexample, the
  blocked path or the convention that would fix it, or which terms agree.
* :func:`audit_model` — the same for an ``nn.Module``'s own loss (forward, ``loss_function``,
  Lightning-style ``training_step``), gradients with respect to its parameters.
* :func:`audit_iwae_loss` — value against logsumexp(log w) − log K, gradient against ∇ of the
  IWAE bound (or of the DReG / STL estimators), and the importance weights the gradient implies.
* :func:`assert_neg_elbo`, :func:`assert_iwae` — pytest helpers; ``python -m torch_impl.audit``.

The model a loss claims to train is declared with :class:`ModelSpec` (likelihood, encoder
parameterisation as the sampler draws it, data domain, prior, argument mapping). See
docs/auditing-a-loss.md. Names are imported lazily, so that the command line starts without torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as type checkers see them; at run time they are imported on first use
    from torch_impl.audit.conventions import Convention, parse_convention
    from torch_impl.audit.elbo import audit_elbo_loss
    from torch_impl.audit.iwae import audit_iwae_loss
    from torch_impl.audit.model_spec import Hooks, ModelSpec
    from torch_impl.audit.report import IwaeAudit, IwaeVerdict, LossAudit, LossVerdict
    from torch_impl.audit.testing import assert_iwae, assert_neg_elbo
    from torch_impl.audit.whole_model import audit_model

_WHERE = {
    "Convention": "conventions",
    "parse_convention": "conventions",
    "audit_elbo_loss": "elbo",
    "audit_iwae_loss": "iwae",
    "audit_model": "whole_model",
    "Hooks": "model_spec",
    "ModelSpec": "model_spec",
    "IwaeAudit": "report",
    "IwaeVerdict": "report",
    "LossAudit": "report",
    "LossVerdict": "report",
    "assert_iwae": "testing",
    "assert_neg_elbo": "testing",
}

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
    "audit_model",
    "parse_convention",
]
assert sorted(__all__) == sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'torch_impl.audit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"torch_impl.audit.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
