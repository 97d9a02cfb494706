"""What the ``torch`` evidence modules share: :class:`Check` (a measured error, its tolerance and
the reason), the verdict from checks, the fixed seeds, one-thread runs."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from derivations.checker.verdicts import Evidence, Verdict
from derivations.runner.registry import evidence, warm_up

MC_SIGMAS = 5.0


@dataclass(frozen=True)
class Check:
    """One validation: its name, the measured error, the tolerance it is held to, and a detail saying what
    was compared (and why that tolerance)."""
    name: str
    error: float
    tolerance: float
    detail: str

    @property
    def ok(self) -> bool:
        """Whether the error is within the tolerance (NaN fails)."""
        return bool(self.error <= self.tolerance)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@warm_up("torch")
def _import_dynamo() -> None:
    """Every torch optimiser's first ``add_param_group`` imports ``torch._dynamo`` (~1.4 s): done
    once before the report's workers fork, not once per worker."""
    import torch._dynamo  # noqa: F401


def _from_checks(*checks: Check) -> Evidence:
    bad = [c for c in checks if not c.ok]
    detail = "; ".join(f"{c.name}: {c.detail}" for c in checks)
    ratio = max(c.error / c.tolerance if c.tolerance else 0.0 for c in checks)
    if bad:
        return Evidence(
            "torch",
            Verdict.REFUTED,
            detail,
            error=ratio,
            tolerance=1.0,
            counterexample={c.name: f"error {c.error:.3g} > tolerance {c.tolerance:.3g}" for c in bad},
        )
    return Evidence(
        "torch",
        Verdict.NUMERIC,
        detail + " (error reported as the worst error/tolerance ratio)",
        error=ratio,
        tolerance=1.0,
    )


def _attach(claim_id: str, *fns: Callable[[], Check]) -> None:
    @evidence(claim_id, "torch")
    def _run() -> Evidence:
        return _from_checks(*(f() for f in fns))

#: Monte Carlo tolerance in standard errors (fixed seeds everywhere).
SIGMAS = 5.0


@contextmanager
def _one_thread() -> Iterator[None]:
    """These checks are small: torch's intra-op threads only contend with the report's other
    worker processes, so run them on one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)

DT = torch.float64
SEED = 20261122
#: torch.distributions' closed forms in float64 against float64 candidates on moderate parameters:
#: rounding of a handful of operations (≤ 1e-13 relative); every wrong variant is off by ≥ 1e-2.
REL_TOL = 1e-10


def _result(detail: str, error: float, tolerance: float, where: dict[str, str]) -> Evidence:
    ok = math.isfinite(error) and error <= tolerance
    return Evidence(
        "torch",
        Verdict.NUMERIC if ok else Verdict.REFUTED,
        detail,
        error=float(error),
        tolerance=tolerance,
        counterexample=None if ok else where,
    )


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(a), abs(b))


def newton_minimise(
    fn: Callable[[torch.Tensor], torch.Tensor], x0: torch.Tensor, *, gtol: float = 1e-11, max_iter: int = 100
) -> tuple[torch.Tensor, float, float]:
    """Damped Newton with autograd gradient and Hessian (gradient step where the Hessian is not
    positive definite; backtracking on the value). Returns (x, f(x), max |∇f(x)|)."""
    x = x0.clone().to(DT)
    for _ in range(max_iter):
        xg = x.clone().requires_grad_(True)
        value = fn(xg)
        (grad,) = torch.autograd.grad(value, xg)
        if float(grad.abs().max()) <= gtol:
            break
        hess = torch.autograd.functional.hessian(fn, x, vectorize=True)
        try:
            step = torch.linalg.solve(hess, grad)
            if float(step @ grad) <= 0:
                step = grad
        except RuntimeError:
            step = grad
        t, f0 = 1.0, float(value.detach())
        while t > 1e-12 and not float(fn(x - t * step)) < f0:
            t /= 2
        if t <= 1e-12:
            break
        x = x - t * step
    xg = x.clone().requires_grad_(True)
    value = fn(xg)
    (grad,) = torch.autograd.grad(value, xg)
    return x, float(value.detach()), float(grad.abs().max())
