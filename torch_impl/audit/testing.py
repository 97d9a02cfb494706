"""pytest helpers: ``assert_neg_elbo(loss_fn, model, beta=1)`` and
``assert_iwae(loss_fn, model, K)`` fail with the audit's full diagnosis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch_impl.audit.elbo import audit_elbo_loss
from torch_impl.audit.iwae import audit_iwae_loss
from torch_impl.audit.model_spec import ModelSpec
from torch_impl.audit.report import IwaeAudit, IwaeVerdict, LossAudit


def assert_neg_elbo(loss_fn: Callable[..., Any], model: ModelSpec, beta: float | str = 1.0,
                    **kwargs: Any) -> LossAudit:
    """Assert that ``loss_fn`` equals a·(−ELBO_β) + c with a > 0; return the audit."""
    audit = audit_elbo_loss(loss_fn, model, beta=beta, **kwargs)
    if audit.refuted:
        raise AssertionError(f"{getattr(loss_fn, '__name__', loss_fn)} is not −ELBO (β = {beta}):\n"
                             + audit.to_text())
    return audit


def assert_iwae(loss_fn: Callable[..., Any], model: ModelSpec, K: int, *, surrogate_ok: bool = True,
                **kwargs: Any) -> IwaeAudit:
    """Assert that ``loss_fn`` is −IWAE_K up to a > 0, or (``surrogate_ok``, the command line's rule) a
    surrogate with its gradient — including a named estimator (DReG, STL) and a value that only
    misses −log K. With ``surrogate_ok=False`` the value must be the bound itself."""
    audit = audit_iwae_loss(loss_fn, model, K, **kwargs)
    if audit.refuted or (not surrogate_ok and audit.verdict is not IwaeVerdict.EQUALS):
        raise AssertionError(f"{getattr(loss_fn, '__name__', loss_fn)} is not −IWAE_{K}:\n" + audit.to_text())
    return audit
