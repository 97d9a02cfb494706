"""Property evidence: a Hypothesis property of :mod:`numerics.properties` run with a fixed,
derandomised budget; a failing example is *refuted* with the shrunk counterexample."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Imported on its own (not through the registry): the claims this module attaches evidence to
# must be registered first (torch-free, idempotent imports; through the registry they have run).
import derivations.claims  # noqa: F401
import torch_impl.claims  # noqa: F401
from derivations.checker.verdicts import Evidence, Verdict
from derivations.runner.registry import Claim, evidence, register, warm_up
from numerics import properties as props

#: Hypothesis examples per property in the report: Hypothesis's own default. The test suite runs
#: the same properties with 400 examples (the ``ci`` profile), so the report's pass is a
#: smaller, derandomised sample (keeping the report fast) rather than the only one.
PROPERTY_EXAMPLES = 100


@warm_up("numeric")
@warm_up("property")
def _load_compiled_kernels() -> None:
    """Load the compiled divergence kernels (numba's cache; compiled on first use) once before the
    report's workers fork, by calling each public entry point on a tiny input."""
    from numerics import divergences as D

    p, q = np.array([0.25, 0.75]), np.array([0.5, 0.5])
    D.kl_categorical(p, q)
    D.jsd_categorical(p, q)
    D.kl_bernoulli(p, q)
    D.kl_normal(np.zeros(2), np.ones(2), np.ones(2), np.ones(2))
    D.kl_mvn(np.zeros((1, 2)), np.eye(2)[None], np.ones((1, 2)), 2 * np.eye(2)[None])
PROPERTY_SLACK = 32 * float(np.finfo(np.float64).eps)


def run_property(
    strategy: st.SearchStrategy[Any],
    prop: Callable[..., None],
    *,
    examples: int = PROPERTY_EXAMPLES,
    unpack: bool = True,
) -> Evidence:
    """Run ``prop`` on ``examples`` derandomised draws; refuted with the shrunk example on failure."""
    count = 0

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def check(args: Any) -> None:
        nonlocal count
        count += 1
        prop(*args) if unpack else prop(args)

    try:
        check()
    except props.PropertyFailure as exc:  # any other exception propagates: an *error* verdict
        return Evidence(
            "property",
            Verdict.REFUTED,
            f"property failed: {exc!r}",
            counterexample={"example": repr(exc.args)[:500]},
        )
    return Evidence(
        "property",
        Verdict.NUMERIC,
        f"{count} Hypothesis examples (derandomised), no counterexample; the rounding allowance of "
        f"each inequality is stated in numerics.properties.{prop.__name__}",
        error=0.0,
        tolerance=PROPERTY_SLACK,
    )


def _property_claim(
    claim: Claim | str, strategy: st.SearchStrategy[Any], prop: Callable[..., None], unpack: bool = True
) -> None:
    claim_id = claim if isinstance(claim, str) else register(claim).id

    @evidence(claim_id, "property")
    def _run() -> Evidence:
        return run_property(strategy, prop, unpack=unpack)

