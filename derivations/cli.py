"""Kept for installs whose ``variational-verify`` script still names this module (an install made
before the command line moved); the command line is :mod:`derivations.runner.cli`."""

from derivations.runner.cli import main

__all__ = ["main"]
