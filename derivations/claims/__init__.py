"""Importing this package registers every symbolic claim and seed audit."""

from derivations.claims import elbo, gaussian_kl, kl, seed_audits  # noqa: F401
