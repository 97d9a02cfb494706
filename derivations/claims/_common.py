"""Deprecated alias of :mod:`derivations.claims.helpers` (the public module); kept so that claim
modules written against the old private name keep working."""

from derivations.claims.helpers import chain_claim, seed_audit, seed_finding, symbolic_claim

__all__ = ["chain_claim", "seed_audit", "seed_finding", "symbolic_claim"]
