"""``python -m torch_impl.audit MODULE:FUNCTION --likelihood bernoulli --param logvar …``: audit a
loss function — or a whole model, ``--model`` — and print the verdict (text, or ``--json``).

Exit status, one per verdict (the table in :mod:`torch_impl.audit.report`): 0 when the loss is
−ELBO (with ``--iwae K``: −IWAE_K, or a surrogate with its gradient — a named estimator such as
DReG/STL, or a value that only misses −log K); 1 on a refutation (β mismatch, wrong sign, not
affine, gradient differs, unnormalised likelihood, not finite, wrong importance weights); 2 on a
usage error (a bad option, a MODULE:FUNCTION that cannot be imported, hooks on the wrong modules);
3 when the loss could not be judged (crash, bad return type).

torch and the auditor are imported only after the options are read."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from torch_impl.audit.vocabulary import DOMAINS, LIKELIHOODS


def load_function(target: str) -> Callable[..., Any]:
    """``package.module:function`` (or ``module:Class.attr``) → the callable; ValueError otherwise."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"target: expected MODULE:FUNCTION, got {target!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise ValueError(
            f"target: cannot import module {module_name!r}: {type(exc).__name__}: {exc}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"target: module {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"target: {target!r} is not callable")
    return obj


def _hyper(items: Sequence[str]) -> dict[str, tuple[float, ...]]:
    out: dict[str, tuple[float, ...]] = {}
    for item in items:
        name, sep, vals = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--hyper: expected NAME=V1,V2,…, got {item!r}")
        try:
            out[name] = tuple(float(v) for v in vals.split(","))
        except ValueError:
            raise ValueError(f"--hyper: {item!r} has a value that is not a number") from None
    return out


def parse_shape(text: str) -> tuple[int, ...]:
    """``"1,28,28"``, ``"1x28x28"`` or ``"784"`` → (1, 28, 28) / (784,); ValueError otherwise."""
    parts = [p for p in text.replace("x", ",").replace("×", ",").replace(" ", "").split(",") if p]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"--data-shape: expected sizes such as 1,28,28 or 784, got {text!r}") from None
    if not shape or any(n < 1 for n in shape):
        raise ValueError(f"--data-shape: sizes must be positive integers, got {text!r}")
    return shape


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m torch_impl.audit``: target MODULE:FUNCTION, likelihood, sampler
    parameterisation, data domain and shapes, dtype, prior variance, argument roles, σ², expected β,
    hyper-parameters, ``--iwae K`` and its layout, ``--model``, seed and ``--json``."""
    p = argparse.ArgumentParser(prog="python -m torch_impl.audit",
                                description=__doc__.split("\n\n")[0].replace("``", ""))
    p.add_argument("target",
                   help="MODULE:FUNCTION of the loss (with --model: an nn.Module instance, class or factory)")
    p.add_argument("--likelihood", required=True, choices=LIKELIHOODS)
    p.add_argument("--param", default="logvar",
                   help="encoder parameterisation as the sampler draws it: logvar, logstd, softplus, std, "
                        "var, optionally scaled or floored, e.g. 0.01*logstd, softplus+1e-4 (default "
                        "logvar)")
    p.add_argument("--data", choices=DOMAINS, help="data domain (default: the likelihood's own)")
    p.add_argument("--data-shape", action="append", default=[], metavar="C,H,W",
                   help="a per-example data shape to audit at, e.g. 1,28,28 or 784 (repeatable; default: "
                        "flat 4 and 9 and images 1×4×4 and 3×2×5)")
    p.add_argument("--dtype", choices=("float64", "float32"),
                   help="dtype of the tensors given to the loss (default float64; with --model: the model "
                        "is converted to it, default its own)")
    p.add_argument("--prior-var", type=float, default=1.0,
                   help="variance v of the prior N(0, v·I) (default 1)")
    p.add_argument("--args", default="recon,x,mu,s",
                   help="the loss's positional arguments, comma-separated roles or aliases (default "
                        "recon,x,mu,s)")
    p.add_argument("--sigma2", default="1", help="Gaussian decoder variance, or 'free' (default 1)")
    p.add_argument("--beta", default="1", help="expected KL weight: a number or a hyper-parameter name")
    p.add_argument("--hyper", action="append", default=[], metavar="NAME=V1,V2",
                   help="a hyper-parameter of the loss and the values to audit it at (repeatable)")
    p.add_argument("--iwae", type=int, metavar="K", help="audit as an IWAE loss with K importance samples")
    p.add_argument("--iwae-layout", choices=("KB", "BK"), default="KB",
                   help="sample axes of the IWAE loss's tensors: KB = (K, B, …) (default), BK = (B, K, …)")
    p.add_argument("--model", action="store_true",
                   help="the target is a whole nn.Module (or a class / factory called without arguments): "
                        "audit its own loss, gradients with respect to its parameters")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--html", metavar="FILE", help="also write the audit as a self-contained HTML page")
    return p


def _run(ns: argparse.Namespace) -> Any:
    import torch

    from torch_impl.audit.elbo import audit_elbo_loss
    from torch_impl.audit.iwae import audit_iwae_loss
    from torch_impl.audit.model_spec import ModelSpec
    from torch_impl.audit.whole_model import audit_model

    fn = load_function(ns.target)
    shapes = tuple(parse_shape(t) for t in ns.data_shape) or None
    dtype = torch.float32 if ns.dtype == "float32" else torch.float64
    sigma2 = None if ns.sigma2 == "free" else float(ns.sigma2)
    try:
        beta: float | str = float(ns.beta)
    except ValueError:
        beta = ns.beta
    if ns.model:
        if ns.iwae is not None:
            raise ValueError("--iwae: a whole model (--model) is audited against the ELBO; audit an IWAE "
                             "loss function instead")
        try:
            model = fn if isinstance(fn, torch.nn.Module) else fn()
        except Exception as exc:
            raise ValueError(f"target: calling {ns.target!r} without arguments failed: "
                             f"{type(exc).__name__}: {exc}") from None
        if not isinstance(model, torch.nn.Module):
            raise ValueError(f"target: {ns.target!r} did not give an nn.Module")
        spec = ModelSpec(ns.likelihood, param=ns.param, data=ns.data, sigma2=sigma2, hyper=_hyper(ns.hyper),
                         prior_var=ns.prior_var)
        if ns.dtype is not None:
            model = model.to(dtype)
        return audit_model(model, spec, beta=beta, data_shapes=shapes, seed=ns.seed)
    spec = ModelSpec(ns.likelihood, param=ns.param, data=ns.data,
                     arguments=tuple(a.strip() for a in ns.args.split(",") if a.strip()),
                     sigma2=sigma2, hyper=_hyper(ns.hyper), prior_var=ns.prior_var)
    if ns.iwae is not None:
        return audit_iwae_loss(fn, spec, ns.iwae, seed=ns.seed, data_shapes=shapes,
                               batch_first=ns.iwae_layout == "BK", dtype=dtype)
    return audit_elbo_loss(fn, spec, beta=beta, seed=ns.seed, data_shapes=shapes, dtype=dtype)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the audit from the command line: load the loss, audit it (ELBO, IWAE with ``--iwae``, or a
    whole model with ``--model``) against the declared model and print the report as text or JSON.
    Returns the verdict's exit status (module docstring); usage errors exit 2."""
    parser = build_parser()
    ns = parser.parse_args(argv)
    try:
        if ns.html:  # before the audit: an unwritable page is a usage error, not a lost audit
            from derivations.runner.report_io import check_writable

            check_writable(Path(ns.html), "--html")
        result = _run(ns)
    except ValueError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    if ns.html:
        from derivations.runner.html_audit import audit_page
        from derivations.runner.report_io import atomic_write_text

        atomic_write_text(ns.html, audit_page(result.to_dict()))
    print(result.to_json() if ns.json else result.to_text())
    return int(result.exit_code)


if __name__ == "__main__":
    sys.exit(main())
