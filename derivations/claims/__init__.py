"""Importing this package registers every symbolic claim and seed audit.

Imported directly (``import derivations.claims.statements`` before the registry was loaded), the
registry's loader must not run half-way through this import: it would import the numeric and
torch evidence before the claims they attach to are registered. The loader is held off while the
claim modules register and released afterwards, so the next registry call loads the rest.
"""

from derivations.runner import registry as _registry

_was_loaded = _registry._loaded
_registry._loaded = True
try:
    from derivations.claims import (  # noqa: F401
        elbo,
        em_gan,
        gan_dual,
        gaussian_kl,
        kl,
        kl_properties,
        likelihoods_estimators,
        seed_audits,
        seed_findings,
        seed_problems,
        stable_forms,
    )
finally:
    _registry._loaded = _was_loaded
