"""Importing this package registers every symbolic claim and seed audit."""

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
