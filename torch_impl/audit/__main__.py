"""``python -m torch_impl.audit MODULE:FUNCTION --likelihood bernoulli --param logvar …`` (issue 11,
item 3): audit a loss function and print the verdict (text, or ``--json``). Exit status 0 when the
loss is −ELBO (or −IWAE_K / a surrogate with its gradient, with ``--iwae K``), 1 on a refutation,
2 on a usage error (including a MODULE:FUNCTION that cannot be imported)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from derivations.runner.help_text import plain_help
from torch_impl.audit.elbo import audit_elbo_loss
from torch_impl.audit.iwae import audit_iwae_loss
from torch_impl.audit.model_spec import DOMAINS, LIKELIHOODS, ModelSpec


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m torch_impl.audit``: target MODULE:FUNCTION, likelihood, sampler
    parameterisation, data domain, argument roles, σ², expected β, hyper-parameters, ``--iwae K``,
    seed and ``--json``."""
    p = argparse.ArgumentParser(prog="python -m torch_impl.audit",
                                description=plain_help(__doc__.split("\n\n")[0]))
    p.add_argument("target", help="MODULE:FUNCTION of the loss")
    p.add_argument("--likelihood", required=True, choices=LIKELIHOODS)
    p.add_argument("--param", default="logvar",
                   help="encoder parameterisation as the sampler draws it: logvar, logstd, softplus, "
                        "std, var, "
                        "optionally scaled, e.g. 0.01*logstd (default logvar)")
    p.add_argument("--data", choices=DOMAINS, help="data domain (default: the likelihood's own)")
    p.add_argument("--args", default="recon,x,mu,s",
                   help="the loss's positional arguments, comma-separated roles or aliases "
                        "(default recon,x,mu,s)")
    p.add_argument("--sigma2", default="1", help="Gaussian decoder variance, or 'free' (default 1)")
    p.add_argument("--beta", default="1", help="expected KL weight: a number or a hyper-parameter name")
    p.add_argument("--hyper", action="append", default=[], metavar="NAME=V1,V2",
                   help="a hyper-parameter of the loss and the values to audit it at (repeatable)")
    p.add_argument("--iwae", type=int, metavar="K", help="audit as an IWAE loss with K importance samples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--html", metavar="FILE", help="also write the audit as a self-contained HTML page")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the audit from the command line: load the loss, audit it (ELBO, or IWAE with ``--iwae``)
    against the declared model and print the report as text or JSON. Exit status 0 when the loss is
    consistent, 1 when refuted, 2 for bad arguments."""
    parser = build_parser()
    ns = parser.parse_args(argv)
    try:
        if ns.html:  # before the audit: an unwritable page is a usage error, not a lost audit
            from derivations.runner.report_io import check_writable

            check_writable(Path(ns.html), "--html")
        fn = load_function(ns.target)
        sigma2 = None if ns.sigma2 == "free" else float(ns.sigma2)
        spec = ModelSpec(ns.likelihood, param=ns.param, data=ns.data,
                         arguments=tuple(a.strip() for a in ns.args.split(",") if a.strip()),
                         sigma2=sigma2, hyper=_hyper(ns.hyper))
        try:
            beta: float | str = float(ns.beta)
        except ValueError:
            beta = ns.beta
        result: Any = (audit_iwae_loss(fn, spec, ns.iwae, seed=ns.seed) if ns.iwae is not None
                       else audit_elbo_loss(fn, spec, beta=beta, seed=ns.seed))
    except ValueError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    if ns.html:
        from derivations.runner.html_audit import audit_page
        from derivations.runner.report_io import atomic_write_text

        atomic_write_text(ns.html, audit_page(result.to_dict()))
    print(result.to_json() if ns.json else result.to_text())
    return 1 if result.refuted else 0


if __name__ == "__main__":
    sys.exit(main())
