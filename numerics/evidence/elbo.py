"""Property and numeric evidence for the ELBO claims (:mod:`derivations.claims.elbo`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st

# Imported on its own (not through the registry): the claims this module attaches evidence to
# must be registered first (torch-free, idempotent imports; through the registry they have run).
import derivations.claims  # noqa: F401
import torch_impl.claims  # noqa: F401
from derivations.checker.verdicts import Evidence
from derivations.runner.registry import evidence
from numerics import properties as props
from numerics import strategies as S
from numerics.divergences import kl_categorical
from numerics.evidence._common import REL_TOL, SEED, Array, _random_simplex, _rel, _result, _worst
from numerics.evidence._property import _property_claim

_property_claim(
    "elbo.jensen_bound",
    S.latent_models().flatmap(
        lambda j: st.tuples(
            st.just(j), st.integers(0, 100), S.probability_vectors(size=j.shape[1], allow_zeros=True)
        )
    ),
    props.prop_elbo_bound,
)



# =========================================================================== ELBO identities


def _discrete_model(rng: np.random.Generator, k: int) -> tuple[Array, Array, Array]:
    """A prior p(z), a likelihood p(x|z) at the observed x (in (0, 1)), and a q(z|x)."""
    return _random_simplex(rng, k), rng.uniform(0.05, 0.95, k), _random_simplex(rng, k)


def elbo_by_definition(prior: Array, lik: Array, q: Array) -> float:
    """E_q[log p(x, z) − log q(z|x)] (seed 001 (1)–(5))."""
    return float(q @ (np.log(lik * prior) - np.log(q)))


ElboForm = Callable[[Array, Array, Array], float]


def reconstruction_minus_kl(prior: Array, lik: Array, q: Array) -> float:
    """The claimed ELBO form E_q[log p(x|z)] − KL(q ‖ p(z)) for a discrete model given as vectors (prior p(z),
    likelihood p(x|z) at the observed x, q(z|x))."""
    return float(q @ np.log(lik) - kl_categorical(q, prior))


def energy_plus_entropy(prior: Array, lik: Array, q: Array) -> float:
    """The claimed ELBO form E_q[log p(x, z)] + H(q) for a discrete model given as vectors (prior, likelihood
    at the observed x, q)."""
    return float(q @ np.log(lik * prior) - q @ np.log(q))


def check_elbo_form(candidate: ElboForm, name: str) -> Evidence:
    """An ELBO rewriting ``candidate(prior, lik, q)`` vs the definition E_q[log p(x, z) − log q(z|x)] on
    random discrete models with K = 2, 3, 5, 8, 13 (fixed seed); ``name`` labels the form in the detail."""
    rng = np.random.default_rng(SEED)
    rows = []
    for k in (2, 3, 5, 8, 13):
        prior, lik, q = _discrete_model(rng, k)
        ref, got = elbo_by_definition(prior, lik, q), candidate(prior, lik, q)
        rows.append((_rel(ref, got), {"K": str(k), "definition": f"{ref!r}", "claimed": f"{got!r}"}))
    err, where = _worst(rows)
    # Tolerance: both sides are sums of ≤ 13 float64 terms of size ≤ 10: rounding < 1e-13.
    return _result(
        f"{name}: ELBO from its definition E_q[log p(x,z) − log q] vs the claimed form, 5 random discrete "
        f"models (K = 2…13); worst relative error {err:.2e}",
        err,
        REL_TOL,
        where,
    )



evidence("elbo.reconstruction_minus_kl", "numeric")(
    lambda: check_elbo_form(reconstruction_minus_kl, "E_q log p(x|z) − KL(q ‖ p(z))")
)
evidence("elbo.energy_plus_entropy", "numeric")(
    lambda: check_elbo_form(energy_plus_entropy, "E_q log p(x,z) + H(q)")
)
