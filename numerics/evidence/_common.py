"""What the numeric evidence modules share: the verdict from an error and its tolerance, the
relative error, the fixed seed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

# Imported on its own (not through the registry): the claims this module attaches evidence to
# must be registered first (torch-free, idempotent imports; through the registry they have run).
import derivations.claims  # noqa: F401
import torch_impl.claims  # noqa: F401
from derivations.checker.verdicts import Evidence, Verdict

# --------------------------------------------------------------------------- accuracy of the stable forms

ULP_GOAL = 16.0


def _within(
    detail: str, error: float, tolerance: float, counterexample: dict[str, str], *, ok: bool | None = None
) -> Evidence:
    """Numeric evidence: *numerically consistent* when ``error ≤ tolerance`` (and ``ok``, when
    given), else *refuted* with ``counterexample``."""
    passed = error <= tolerance if ok is None else ok
    return Evidence(
        "numeric",
        Verdict.NUMERIC if passed else Verdict.REFUTED,
        detail,
        error=error,
        tolerance=tolerance,
        counterexample=None if passed else counterexample,
    )


Array = NDArray[np.float64]
REL_TOL = 1e-9
SEED = 20261122


def _result(detail: str, error: float, tolerance: float, where: dict[str, str]) -> Evidence:
    """*numerically consistent* when ``error ≤ tolerance`` (NaN never passes), else *refuted*."""
    ok = bool(np.isfinite(error)) and error <= tolerance
    return Evidence(
        "numeric",
        Verdict.NUMERIC if ok else Verdict.REFUTED,
        detail,
        error=float(error),
        tolerance=tolerance,
        counterexample=None if ok else {k: str(v) for k, v in where.items()},
    )


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(a), abs(b))


def _worst(rows: Sequence[tuple[float, dict[str, str]]]) -> tuple[float, dict[str, str]]:
    err, where = max(rows, key=lambda r: r[0] if np.isfinite(r[0]) else np.inf)
    return err, where


def _random_simplex(rng: np.random.Generator, k: int) -> Array:
    return rng.dirichlet(np.ones(k))

