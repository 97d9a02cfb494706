"""Kept for installs whose ``pytest11`` entry point still names this module (an install made
before the plugin moved); the plugin is :mod:`derivations.runner.pytest_plugin`."""

from derivations.runner.pytest_plugin import (
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_ignore_collect,
)

__all__ = [
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_ignore_collect",
]
