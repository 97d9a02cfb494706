"""The claim registry.

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

import fnmatch
import time
import traceback
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

#: One-time set-up shared by the evidence functions of a method (an import, a compiled-kernel
#: cache to load), run in the parent before worker processes fork, so that each forked worker
#: inherits it instead of repeating it. {method: [functions]}.
_WARM_UPS: dict[str, list[Callable[[], object]]] = {}


def warm_up(method: str) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Decorator: register ``fn()`` as set-up shared by the ``method`` evidence functions, run once
    by :func:`run_warm_ups` before the report forks its worker processes. It must only prepare
    (import, compile, load caches), never compute evidence; a failure in it is ignored there and
    surfaces, if real, in the evidence function that needs the same thing."""
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")

    def deco(fn: Callable[[], object]) -> Callable[[], object]:
        _WARM_UPS.setdefault(method, []).append(fn)
        return fn

    return deco


def run_warm_ups(methods: set[str] | frozenset[str]) -> None:
    """Run the registered warm-ups of ``methods``, each function once even when it serves several
    of them (see :func:`warm_up`). ``ValueError`` for a method that is not one of :data:`METHODS`."""
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"methods: expected a subset of {METHODS}, got {sorted(unknown)}")
    done: set[Callable[[], object]] = set()
    for method in METHODS:
        for fn in _WARM_UPS.get(method, []) if method in methods else []:
            if fn in done:
                continue
            done.add(fn)
            try:
                fn()
            except Exception:  # the evidence function that needs it reports the real error
                continue


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
        claim = _registered(claim_id)
        if method in claim.evidence_fns:
            raise ValueError(f"method: claim {claim_id!r} already has {method!r} evidence")
        claim.evidence_fns[method] = fn
        return fn

    return deco


def _registered(claim_id: str) -> Claim:
    """The claim as registered so far, without loading the other claim modules (a claim module
    attaching evidence must not start the loading of all of them). The symbolic claims, which
    the numeric and torch evidence attach to, are imported if needed."""
    if claim_id not in _CLAIMS:
        import derivations.claims  # noqa: F401
    try:
        return _CLAIMS[claim_id]
    except KeyError:
        raise ValueError(f"claim_id: unknown claim {claim_id!r} (not registered yet)") from None


def get_claim(claim_id: str) -> Claim:
    """Return the claim with this id; ``ValueError`` naming the unknown id otherwise."""
    _load_builtin_claims()
    try:
        return _CLAIMS[claim_id]
    except KeyError:
        close = similar_ids(claim_id)
        hint = f"; similar ids: {', '.join(close)}" if close else ""
        raise ValueError(f"claim_id: unknown claim {claim_id!r}{hint}") from None


def similar_ids(claim_id: str, n: int = 5) -> list[str]:
    """Up to ``n`` registered ids like ``claim_id``: those of the same topic first (``kl.nope`` →
    ``kl.*``, closest name first; never ``kl_fit.*`` for ``kl``), else the closest ids overall."""
    import difflib

    topic, _, rest = claim_id.partition(".")
    same = [c for c in _CLAIMS if c.split(".", 1)[0] == topic]
    if same:
        ranked = sorted(same, key=lambda c: -difflib.SequenceMatcher(None, rest, c.partition(".")[2]).ratio())
        return ranked[:n]
    return difflib.get_close_matches(claim_id, list(_CLAIMS), n=n, cutoff=0.5)


def resolve_ids(patterns: list[str] | tuple[str, ...] | None) -> list[Claim]:
    """The claims named by ``patterns``, in registration order, each once; all claims if none.

    A pattern is an exact id (``kl.pinsker``), a glob (``'kl.*'``, ``'seed00?.*'``) or a prefix:
    dotted first (``kl`` = ``kl.*``, not ``kl_fit.*``), else plain (``seed001.steps`` matches
    ``seed001.steps_1_5``). A pattern
    matching nothing is a ``ValueError`` naming it."""
    claims = all_claims()
    if not patterns:
        return claims
    chosen: set[str] = set()
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern:
            raise ValueError(f"ids: expected non-empty strings, got {pattern!r}")
        if pattern in _CLAIMS:
            chosen.add(pattern)
            continue
        if any(ch in pattern for ch in "*?["):
            hits = [c.id for c in claims if fnmatch.fnmatchcase(c.id, pattern)]
        else:  # a dotted prefix ("kl" = "kl.*"), else a plain one ("seed001.steps")
            hits = [c.id for c in claims if c.id.startswith(pattern + ".")] or [
                c.id for c in claims if c.id.startswith(pattern)
            ]
        if not hits:
            get_claim(pattern)  # raises the "unknown claim" error with similar ids
        chosen.update(hits)
    return [c for c in claims if c.id in chosen]


def all_claims() -> list[Claim]:
    """All registered claims, in registration order."""
    _load_builtin_claims()
    return list(_CLAIMS.values())


_loaded = False
_load_error: ClaimLoadError | None = None

@dataclass(frozen=True)
class OptionalDependency:
    """An optional dependency: the distribution to install and the extra of pyproject.toml that
    brings it."""

    distribution: str
    extra: str

    def missing(self) -> str:
        """The *skipped* reason: "torch not installed", "scikit-learn not installed: the `train`
        extra" (the extra is named where it is not the distribution's own name)."""
        if self.extra == self.distribution:
            return f"{self.distribution} not installed"
        return f"{self.distribution} not installed: the `{self.extra}` extra"


#: The optional dependencies whose absence is tolerated (the claims they serve are *skipped*):
#: import name → the distribution and the extra of pyproject.toml that installs it.
OPTIONAL_DEPENDENCIES: dict[str, OptionalDependency] = {
    "torch": OptionalDependency("torch", "torch"),
    "sklearn": OptionalDependency("scikit-learn", "train"),
    "matplotlib": OptionalDependency("matplotlib", "plots"),
}


def skipped_if_optional(exc: ModuleNotFoundError, method: str) -> Evidence | None:
    """*skipped* evidence naming the missing optional dependency (and its extra) when ``exc`` is
    the import of one of :data:`OPTIONAL_DEPENDENCIES` failing; ``None`` for any other module (an
    error the caller must not hide)."""
    dependency = OPTIONAL_DEPENDENCIES.get(exc.name or "")
    return None if dependency is None else Evidence(method, Verdict.SKIPPED, dependency.missing())


class ClaimLoadError(RuntimeError):
    """A claim module failed to import for a reason other than a missing optional dependency.

    The runner treats it as an internal failure (exit status 3), never as "no such claims"."""


def _skipped_evidence(reason: str, method: str) -> EvidenceFn:
    def _skipped() -> Evidence:
        return Evidence(method, Verdict.SKIPPED, reason)

    return _skipped


def _load_builtin_claims() -> None:
    """Import the claim modules: the symbolic and numeric ones always, the torch ones when torch
    imports. Without torch the torch claims are still registered (their metadata is torch-free,
    :mod:`torch_impl.claims`) with *skipped (torch not installed)* evidence. Any other import
    error raises :class:`ClaimLoadError`."""
    global _loaded, _load_error
    if _load_error is not None:
        raise _load_error
    if _loaded:
        return
    _loaded = True  # set first: the claim modules call get_claim while they load
    try:
        _load()
    except ClaimLoadError as exc:
        _load_error = exc
        raise


def _load() -> None:
    import importlib

    try:
        import derivations.claims  # noqa: F401  (registers the symbolic claims)
        from torch_impl.claims import TORCH_EVIDENCE_IDS  # registers the torch claims' metadata

        # after torch_impl.claims: numeric evidence attaches to two of its claims too
        importlib.import_module("numerics.evidence")
    except Exception as exc:
        raise ClaimLoadError(f"loading the built-in claims failed: {type(exc).__name__}: {exc}") from exc
    try:
        importlib.import_module("torch_impl.evidence")
    except ModuleNotFoundError as exc:
        if exc.name not in OPTIONAL_DEPENDENCIES:
            raise ClaimLoadError(
                f"loading the torch evidence failed: {type(exc).__name__}: {exc}"
            ) from exc
        reason = OPTIONAL_DEPENDENCIES[exc.name].missing()
        for claim_id in TORCH_EVIDENCE_IDS:
            _CLAIMS[claim_id].evidence_fns.setdefault("torch", _skipped_evidence(reason, "torch"))
    except Exception as exc:
        raise ClaimLoadError(
            f"loading the torch evidence failed: {type(exc).__name__}: {exc}"
        ) from exc


def _error_evidence(method: str, exc: Exception) -> Evidence:
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return Evidence(method, Verdict.ERROR, f"the evidence function raised {type(exc).__name__}: {exc}",
                    extra={"traceback": tb})


def run_evidence(claim: Claim, method: str) -> Evidence:
    """Run one evidence function under the claim's time bound.

    A hit bound is *undecided*; an exception raised by the evidence function is an *error* verdict
    with the traceback in ``extra["traceback"]`` (the run goes on with the other claims), except a
    missing optional dependency (:data:`OPTIONAL_DEPENDENCIES`, e.g. scikit-learn for the iris
    data), which is *skipped* with the dependency and its extra named."""
    if method not in claim.evidence_fns:
        raise ValueError(
            f"method: claim {claim.id!r} has no {method!r} evidence (it has: "
            f"{', '.join(claim.evidence_fns) or 'none'})"
        )
    fn = claim.evidence_fns[method]
    start = time.perf_counter()
    try:
        ev = time_bound(fn, claim.time_bound_s)
    except TimeBoundExceeded:
        ev = Evidence(
            method, Verdict.UNDECIDED, f"time bound of {claim.time_bound_s:g} s exceeded"
        )
    except ModuleNotFoundError as exc:  # an optional dependency is *skipped*, anything else an error
        ev = skipped_if_optional(exc, method) or _error_evidence(method, exc)
    except Exception as exc:
        ev = _error_evidence(method, exc)
    if not isinstance(ev, Evidence):
        ev = _error_evidence(method, TypeError(f"expected an Evidence, got {type(ev).__name__}"))
    ev.seconds = time.perf_counter() - start
    ev.method = method
    return ev
