"""Sphinx configuration: the API reference from the docstrings, the tutorial pages (Markdown,
via MyST) and every example run as a doctest (``sphinx-build -b doctest``; ``make docs``)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import derivations  # noqa: E402

project = "variational-verify"
author = "variational-verify contributors"
copyright = "2026, variational-verify contributors"
release = derivations.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.napoleon",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

autosummary_generate = True
autosummary_imported_members = False
# members defined in each module only: the package re-exports are documented where defined
autodoc_default_options = {"members": True, "show-inheritance": True, "ignore-module-all": True}
autodoc_typehints = "description"
autodoc_member_order = "bysource"
# the step checker's docstrings use plain-text mathematics; keep the defaults for roles
default_role = "literal"

# The docstrings write mathematics as plain text, not reStructuredText: their layout (indented
# formulas, lists without a blank line before them) gives docutils warnings, which are not errors
# here. Everything else stays an error under -W: a module that fails to import, a broken
# cross-reference, a toctree that misses a page, and every failing doctest.
suppress_warnings = ["docutils"]

doctest_global_setup = "import sympy as sp\nimport numpy as np\n"

html_theme = "alabaster"
html_title = f"variational-verify {release}"
# the latest report's pages and figures (make report) beside latest-report.md, when they exist
html_extra_path = [str(p) for p in (ROOT / "reports" / name for name in ("claims.html", "documents.html",
                                                                        "kl_fits.png")) if p.is_file()]


def _plain_text_mathematics(app, what, name, obj, options, lines):
    """The docstrings write mathematics as plain text (``|x|``, ``‖p − q‖``): a ``|`` is never a
    reStructuredText substitution there, so escape it (outside literals, which keep it)."""
    for k, line in enumerate(lines):
        if "|" not in line or line.lstrip().startswith(">>>"):
            continue
        parts = line.split("``")
        for j in range(0, len(parts), 2):  # even parts are outside ``literals``
            parts[j] = parts[j].replace("\\|", "|").replace("|", "\\|")
        lines[k] = "``".join(parts)


def setup(app):
    """Register the docstring preprocessor."""
    app.connect("autodoc-process-docstring", _plain_text_mathematics)
