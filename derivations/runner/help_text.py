"""Command-line help from module docstrings: the Sphinx markup and the project's bookkeeping
removed, so ``--help`` reads as plain text.

``plain_help`` turns ````--jobs```` into ``--jobs``, ``:func:`derivations.runner.executor.run_tasks```
into ``run_tasks``, and drops parentheticals and clauses that say which issue added something
(a parenthesised "issue N", "— issue N's entry point"): a user of the command line needs neither.
"""

from __future__ import annotations

import re

_ROLE = re.compile(r":(?:py:)?(?:mod|func|class|meth|data|attr|obj|exc|ref|doc):`~?([^`<]*?)(?:\s*<[^>]*>)?`")
_ISSUE_PAREN = re.compile(r"\s*\((?:see )?issues? \d+[^()]*(?:\([^()]*\)[^()]*)*\)")
_ISSUE_CLAUSE = re.compile(r"\s*[—–-]+\s*issues? \d+(?:'s)? [^.;:]*")


def plain_help(text: str) -> str:
    """``text`` (a docstring paragraph) without reST roles, double backticks or issue references;
    ``TypeError`` unless it is a string."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a string, got {type(text).__name__}")

    def role(m: re.Match[str]) -> str:
        target = m.group(1).strip()
        return target.rsplit(".", 1)[-1] if m.group(0).startswith((":func:", ":meth:", ":class:", ":data:",
                                                                   ":attr:", ":exc:", ":obj:")) else target

    out = _ROLE.sub(role, text)
    out = out.replace("``", "")
    out = _ISSUE_PAREN.sub("", out)
    out = _ISSUE_CLAUSE.sub("", out)
    return re.sub(r"[ \t]+\n", "\n", out).strip()


__all__ = ["plain_help"]
