"""The claim registry (DESIGN.md, "The idea in one paragraph").

A :class:`Claim` is one statement from the seeds or the literature with a stable id, its
statement in text and LaTeX, and its source. Evidence functions are attached per method
(``symbolic``, ``numeric``, ``property``, ``torch``) with :func:`evidence`.

Two kinds of claim exist:

* ``toolkit``: a statement the toolkit asserts. Any evidence that is refuted or undecided
  makes the report runner exit non-zero.
* ``seed_audit``: a statement *made by a seed* (a step of a student's derivation, a
  definition). The audit records what the toolkit expects to find (``expected``); the
  report shows the finding, and the runner fails only if the finding changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from derivations.checker.timebound import TimeBoundExceeded, time_bound
from derivations.checker.verdicts import Evidence, Verdict

METHODS = ("symbolic", "numeric", "property", "torch")
ClaimKind = Literal["toolkit", "seed_audit"]
EvidenceFn = Callable[[], Evidence]

DEFAULT_TIME_BOUND_S = 60.0


@dataclass
class Claim:
    """A registered claim. ``id`` is stable and dotted, e.g. ``gaussian_kl.equal_variance``."""

    id: str
    statement: str
    latex: str
    source: str
    kind: ClaimKind = "toolkit"
    expected: Verdict | None = None
    evidence_fns: dict[str, EvidenceFn] = field(default_factory=dict)
    time_bound_s: float = DEFAULT_TIME_BOUND_S

    def __post_init__(self) -> None:
        if not self.id or " " in self.id:
            raise ValueError(f"id: a claim id must be non-empty without spaces, got {self.id!r}")
        if self.kind not in ("toolkit", "seed_audit"):
            raise ValueError(f"kind: expected 'toolkit' or 'seed_audit', got {self.kind!r}")
        if self.kind == "seed_audit" and self.expected is None:
            raise ValueError(f"expected: seed audit {self.id!r} must state the expected finding")


_CLAIMS: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    """Add ``claim`` to the registry; ids are unique."""
    if claim.id in _CLAIMS:
        raise ValueError(f"id: claim {claim.id!r} is already registered")
    _CLAIMS[claim.id] = claim
    return claim


def evidence(claim_id: str, method: str) -> Callable[[EvidenceFn], EvidenceFn]:
    """Decorator attaching an evidence function for ``method`` to the claim ``claim_id``."""
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")

    def deco(fn: EvidenceFn) -> EvidenceFn:
        claim = get_claim(claim_id)
        if method in claim.evidence_fns:
            raise ValueError(f"method: claim {claim_id!r} already has {method!r} evidence")
        claim.evidence_fns[method] = fn
        return fn

    return deco


def get_claim(claim_id: str) -> Claim:
    """Return the claim with this id; ``ValueError`` naming the unknown id otherwise."""
    _load_builtin_claims()
    try:
        return _CLAIMS[claim_id]
    except KeyError:
        close = [c for c in _CLAIMS if claim_id.split(".")[0] in c]
        hint = f"; similar ids: {', '.join(close[:5])}" if close else ""
        raise ValueError(f"claim_id: unknown claim {claim_id!r}{hint}") from None


def all_claims() -> list[Claim]:
    """All registered claims, in registration order."""
    _load_builtin_claims()
    return list(_CLAIMS.values())


_loaded = False


def _load_builtin_claims() -> None:
    """Import the claim modules (symbolic ones always; numeric and torch ones when available)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    import derivations.claims  # noqa: F401  (registers the symbolic claims)

    for optional in ("numerics.evidence", "torch_impl.evidence"):
        try:
            importlib.import_module(optional)
        except ImportError:
            pass


def run_evidence(claim: Claim, method: str) -> Evidence:
    """Run one evidence function under the claim's time bound; a hit bound is *undecided*."""
    fn = claim.evidence_fns[method]
    start = time.perf_counter()
    try:
        ev = time_bound(fn, claim.time_bound_s)
    except TimeBoundExceeded:
        ev = Evidence(
            method, Verdict.UNDECIDED, f"time bound of {claim.time_bound_s:g} s exceeded"
        )
    ev.seconds = time.perf_counter() - start
    ev.method = method
    return ev
