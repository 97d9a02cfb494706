"""``torch`` evidence for registered claims, discovered by the report runner when torch
imports. Each item is a :class:`torch_impl.evidence._common.Check` with its measured error and tolerance.

The claims themselves (and the list of ids that get torch evidence) live in the torch-free
:mod:`torch_impl.claims`, so that the runner lists them as *skipped* where torch is missing.

One module per topic, named as in :mod:`derivations` and :mod:`derivations.claims`."""

from derivations.runner.registry import all_claims

# Imported on its own (not through the registry), this package first has the registry load every
# built-in claim, which imports this package again (a no-op) and then returns: the claims the topic
# modules attach evidence to are registered by then.
all_claims()

from torch_impl.evidence import (  # noqa: E402,F401,I001  (each registers its evidence on import)
    gaussian_kl,
    likelihoods,
    estimators,
    elbo,
    gm_vae,
    vae,
    audit,
    kl_fit,
    gan_dual,
    em,
    few_labels,
    forward_kl,
)
