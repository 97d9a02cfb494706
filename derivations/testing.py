"""Assertions for your own test suite: :func:`assert_claim`, :func:`assert_derivation` (defined in
:mod:`derivations.runner.testing`)."""

from derivations.runner.testing import (
    ClaimAssertionError,
    assert_claim,
    assert_derivation,
    describe_counterexample,
)

__all__ = ["ClaimAssertionError", "assert_claim", "assert_derivation", "describe_counterexample"]
