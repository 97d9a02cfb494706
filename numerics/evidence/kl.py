"""Numeric evidence for the KL claims (:mod:`derivations.claims.kl`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Imported on its own (not through the registry): the claims this module attaches evidence to
# must be registered first (torch-free, idempotent imports; through the registry they have run).
import derivations.claims  # noqa: F401
import torch_impl.claims  # noqa: F401
from derivations.checker.verdicts import Evidence
from derivations.runner.registry import evidence
from numerics.divergences import kl_categorical
from numerics.evidence._common import (
    SEED,
    Array,
    _random_simplex,
    _result,
    _worst,
)
from numerics.evidence.gaussian_kl import kl_normal_quadrature


def check_kl_self_zero(candidate: Callable[[Array], float] = lambda q: 0.0) -> Evidence:
    """KL(q ‖ q) computed from the definition (categorical, K = 2…8, and a Gaussian by quadrature)
    against the claimed value (0)."""
    rng = np.random.default_rng(SEED)
    rows = []
    for k in range(2, 9):
        q = _random_simplex(rng, k)
        rows.append((abs(float(kl_categorical(q, q)) - candidate(q)), {"q": str(np.round(q, 6).tolist())}))
    for mu, s in ((0.3, 0.7), (-1.0, 2.0)):
        rows.append(
            (
                abs(kl_normal_quadrature(mu, s, mu, s) - candidate(np.array([mu, s]))),
                {"gaussian": str((mu, s))},
            )
        )
    err, where = _worst(rows)
    return _result(
        f"KL(q ‖ q) from the definition for 7 random categorical q (K = 2…8) and 2 Gaussians (20-digit "
        f"quadrature): largest |KL − claimed| = {err:.2e}",
        err,
        1e-15,
        where,
    )



evidence("kl.self_zero", "numeric")(check_kl_self_zero)
