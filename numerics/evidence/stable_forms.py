"""Numeric evidence for the stable forms (:mod:`derivations.claims.stable_forms`): accuracy against
mpmath, and the logit-difference form."""

from __future__ import annotations

import functools
from collections.abc import Callable

import mpmath
import numpy as np
from scipy.special import expit

# Imported on its own (not through the registry): the claims this module attaches evidence to
# must be registered first (torch-free, idempotent imports; through the registry they have run).
import derivations.claims  # noqa: F401
import torch_impl.claims  # noqa: F401
from derivations.checker.verdicts import Evidence
from derivations.runner.registry import evidence
from numerics import accuracy
from numerics.evidence._common import (
    SEED,
    ULP_GOAL,
    _result,
    _within,
    _worst,
)


def _accuracy(distributions: tuple[str, ...]) -> Evidence:
    worst: dict[str, float] = {}
    for name in distributions:
        for dtype in (np.float64, np.float32):
            key = f"{name} {np.dtype(dtype).name}"
            worst[key] = accuracy.sweep(name, dtype=dtype, samples=6).worst
            if name in accuracy.FAR_CASES:
                worst[key + " far apart"] = accuracy.sweep_far(name, dtype=dtype, samples=4).worst
    top = max(worst.values())
    detail = ", ".join(f"{k}: {v:.2f} ulp" for k, v in worst.items())
    return _within(
        "worst relative error vs mpmath (60 digits) over δ = 1 … 1e-12 and, far apart, scale "
        f"ratios 1e-12 … 1e12: {detail}",
        top,
        ULP_GOAL,
        {"worst ulp": f"{top:.3g}"},
    )


evidence("stable.normal_kl", "numeric")(lambda: _accuracy(("normal", "diagonal normal (d=8)")))
evidence("stable.normalised_categorical", "numeric")(lambda: _accuracy(("categorical",)))
evidence("stable.kl_term", "numeric")(lambda: _accuracy(("bernoulli",)))


@evidence("stable.mvn_trace_logdet", "numeric")
@evidence("stable.mvn_shifted_cholesky", "numeric")
@functools.cache  # one sweep serves both claims
def _mvn_accuracy() -> Evidence:
    near = accuracy.sweep_mvn((3, 8), samples=1, deltas=(1.0, 1e-4, 1e-8, 1e-12))
    far = accuracy.sweep_mvn_far((3, 8), samples=1, scales=(1e-12, 1e-4, 1e4, 1e12))
    top = max(max(v.values()) for res in (near, far) for v in res.values())
    return _within(
        "kl_mvn vs mpmath, d = 3, 8, δ = 1 … 1e-12 and Σ₂/Σ₁ = 1e-12 … 1e12: worst "
        f"{top:.3g} ulp × cond(Σ₁)",
        top,
        ULP_GOAL,
        {"worst": f"{top:.3g}"},
    )




def _regime_accuracy(functions: tuple[str, ...], *, max_logit: float = 1e3) -> Evidence:
    """The regime sweep of :mod:`numerics.accuracy` (4 samples a regime, float64 and float32) for
    the functions that use a stable form, logits up to ``max_logit`` (the 1e4 regime needs
    thousands of mpmath digits and runs in the benchmark)."""
    regimes = {
        key: case for key, case in accuracy.REGIMES.items()
        if key[0] in functions and "10000" not in key[1] and "1e+04" not in key[1]
    }
    worst = accuracy.sweep_regimes(samples=4, regimes=regimes)
    flat = {f"{fn}, {regime}, {dt}": u for fn, by in worst.items() for regime, d in by.items()
            for dt, u in d.items()}
    key, top = max(flat.items(), key=lambda kv: kv[1])
    return _within(
        f"worst relative error vs mpmath over {len(flat)} function × regime × dtype cells "
        f"(logits to ±{max_logit:g}, entries and totals to 1e±300): {top:.2f} ulp ({key})",
        top,
        ULP_GOAL,
        {"worst cell": key, "ulp": f"{top:.3g}"},
    )


evidence("stable.log_ratio_terms", "numeric")(lambda: _regime_accuracy(("kl_categorical",)))
evidence("stable.logit_log_ratio", "numeric")(
    lambda: _regime_accuracy(("kl_categorical_logits", "kl_bernoulli_logits"))
)
evidence("stable.entropy_terms", "numeric")(lambda: _regime_accuracy(("entropy_categorical",)))


# =========================================================================== stable form, KL properties


def logit_difference_form(a: float, b: float) -> float:
    """The claimed stable form σ(a) − σ(b) = σ(a) σ(−b) (1 − e^{b−a}), evaluated with ``expm1``."""
    return float(expit(a) * expit(-b) * -np.expm1(b - a))


def check_logit_difference(candidate: Callable[[float, float], float] = logit_difference_form) -> Evidence:
    """σ(a) − σ(b) at 30 digits (mpmath) vs the claimed form in float64, relative error in ulp."""
    mpmath.mp.dps = 30
    rng = np.random.default_rng(SEED)
    pairs = [(float(a), float(b)) for a, b in rng.normal(0, 4, (12, 2))] + [
        (3.0, 3.0 + 1e-9),
        (-30.0, -31.0),
        (25.0, 24.0),
    ]
    rows = []
    for a, b in pairs:
        ref = float(1 / (1 + mpmath.exp(-a)) - 1 / (1 + mpmath.exp(-b)))
        got = candidate(a, b)
        rows.append(
            (
                abs(got - ref) / (abs(ref) * np.finfo(float).eps) if ref else abs(got),
                {"a": f"{a!r}", "b": f"{b!r}", "mpmath": f"{ref!r}", "claimed": f"{got!r}"},
            )
        )
    err, where = _worst(rows)
    return _result(
        f"σ(a) − σ(b) by 30-digit mpmath vs the form at {len(pairs)} points incl. near-equal and far "
        f"tails; worst error {err:.2f} ulp (tolerance 16 ulp: a few roundings)",
        err,
        16.0,
        where,
    )



evidence("stable.bernoulli_logit_difference", "numeric")(check_logit_difference)
