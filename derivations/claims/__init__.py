"""Importing this package registers every symbolic claim and seed audit."""

from derivations.claims import elbo, em_gan, gaussian_kl, kl, seed_audits  # noqa: F401
