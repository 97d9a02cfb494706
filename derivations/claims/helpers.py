"""Public helpers for registering claims (CONTRIBUTING.md, "Adding a claim").

* :func:`symbolic_claim`: a claim whose evidence is a decision procedure (``decide() -> Decision``);
* :func:`chain_claim`: a claim whose evidence is the step checker run on a :class:`Derivation`;
* :func:`seed_audit`: a seed's own derivation, checked step by step, with its expected finding;
* :func:`seed_finding`: a seed's statement decided by a verifier, with its expected finding.

Numeric, property and torch evidence attach to a registered claim with
:func:`derivations.runner.registry.evidence`.
"""

from __future__ import annotations

from collections.abc import Callable

from derivations.checker.identities import Decision
from derivations.checker.steps import Derivation
from derivations.checker.verdicts import Evidence, Verdict
from derivations.runner.registry import Claim, evidence, register


def symbolic_claim(claim: Claim, decide: Callable[[], Decision], method: str = "symbolic") -> Claim:
    """Register ``claim`` with ``decide()`` as its evidence for ``method`` (symbolic by default;
    ``numeric`` for a high-precision quadrature inside ``derivations``)."""
    register(claim)

    @evidence(claim.id, method)
    def _run() -> Evidence:
        return decide().evidence(method)

    return claim


def chain_claim(claim: Claim, build: Callable[[], Derivation]) -> Claim:
    """Register ``claim`` whose symbolic evidence is the step checker run on ``build()``."""
    register(claim)

    @evidence(claim.id, "symbolic")
    def _run() -> Evidence:
        return build().check().to_evidence("symbolic")

    return claim


def seed_audit(claim_id: str, statement: str, latex: str, source: str, expected: Verdict,
               build: Callable[[], Derivation]) -> Claim:
    """A seed audit: the step checker on a seed's own derivation, with the expected finding."""
    return chain_claim(
        Claim(claim_id, statement, latex, source, kind="seed_audit", expected=expected), build
    )


def seed_finding(claim_id: str, statement: str, latex: str, source: str, expected: Verdict,
                 decide: Callable[[], Decision], method: str = "symbolic") -> Claim:
    """A seed audit decided by a verifier (not a step chain), with the expected finding pinned."""
    return symbolic_claim(
        Claim(claim_id, statement, latex, source, kind="seed_audit", expected=expected), decide, method
    )


__all__ = ["Claim", "chain_claim", "evidence", "register", "seed_audit", "seed_finding", "symbolic_claim"]
