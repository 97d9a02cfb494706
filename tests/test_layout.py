"""The layout the architecture page (docs/architecture.md) describes, enforced.

* **Import layers**: ``derivations`` (SymPy) imports neither ``numerics`` nor ``torch_impl`` nor any
  NumPy/SciPy/numba/torch module, except where the registry loads the evidence modules
  (``derivations/runner/registry.py``, function ``_load``); ``numerics`` never imports torch, and
  imports ``torch_impl`` only for its torch-free claim registrations (``torch_impl.claims``); torch is
  imported only by ``torch_impl``. Every import is read with :mod:`ast`, function-level imports and
  ``importlib.import_module("…")`` calls included, so nothing is imported to check it.
* **Names say what, not when**: no module is named after an issue or an order ("second", "new",
  "issue"), and no docstring, comment or string literal cites an issue number: the seed problem or
  the paper is cited instead.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("derivations", "numerics", "torch_impl")

#: Third-party modules that belong to a numeric or torch layer, never to ``derivations``.
NUMERIC_MODULES = frozenset({"numpy", "scipy", "numba", "torch", "matplotlib", "sklearn", "pandas"})

#: The explicit exceptions to the layer rules: (importing file, enclosing function or "<module>",
#: imported module). Each one is the registry's evidence loading or a torch-free registration.
ALLOWED_UPWARD_IMPORTS: frozenset[tuple[str, str, str]] = frozenset(
    {
        # the registry loads the evidence modules of the layers above (and torch_impl's torch-free
        # claim metadata, so that torch claims are listed as skipped without torch)
        ("derivations/runner/registry.py", "_load", "torch_impl.claims"),
        ("derivations/runner/registry.py", "_load", "numerics.evidence"),
        ("derivations/runner/registry.py", "_load", "torch_impl.evidence"),
    }
)

#: ``numerics`` may import this one ``torch_impl`` module: claim metadata that never imports torch
#: (the numeric evidence attaches to claims registered there).
NUMERICS_FROM_TORCH_IMPL = frozenset({"torch_impl.claims"})


@dataclass(frozen=True)
class Import:
    """One import found in a source file: the module imported (for ``from M import a, b``: M, with
    the names a, b, which may be submodules), the enclosing function, the line."""

    path: str
    function: str
    module: str
    line: int
    names: tuple[str, ...] = ()

    def within(self, allowed: frozenset[str]) -> bool:
        """Whether everything this import may load lies in one of the ``allowed`` modules."""

        def under(module: str) -> bool:
            return any(module == a or module.startswith(a + ".") for a in allowed)

        names = [f"{self.module}.{n}" for n in self.names]
        return under(self.module) or (bool(names) and all(under(n) for n in names))


def _package_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, path: Path) -> str:
    """The module a ``from … import …`` names, a relative import resolved against ``path``."""
    if node.level == 0:
        base = node.module or ""
    else:
        package = _module_name(path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    return base


def imports_in(path: Path, source: str | None = None) -> Iterator[Import]:
    """Every import in ``path`` (or in ``source``, read as if it were ``path``), at any depth."""
    rel = path.relative_to(ROOT).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)

    def walk(node: ast.AST, function: str) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(rel, function, alias.name, child.lineno)
            elif isinstance(child, ast.ImportFrom):
                names = tuple(alias.name for alias in child.names)
                yield Import(rel, function, _absolute(child, path), child.lineno, names)
            elif (
                isinstance(child, ast.Call)
                and (getattr(child.func, "attr", None) or getattr(child.func, "id", None))
                in ("import_module", "__import__")
                and child.args
                and isinstance(child.args[0], ast.Constant)
                and isinstance(child.args[0].value, str)
            ):
                yield Import(rel, function, child.args[0].value, child.lineno)
            yield from walk(child, inner)

    yield from walk(tree, "<module>")


def source_files(package: str) -> list[Path]:
    """The sources of one package."""
    return sorted((ROOT / package).rglob("*.py"))


def _top(module: str) -> str:
    return module.split(".")[0]


def layer_violations(files: list[tuple[Path, str | None]]) -> list[str]:
    """The imports in ``files`` ((path, source or None to read it)) that break the layer rules."""
    bad: list[str] = []
    for path, source in files:
        package = _package_of(path)
        for imp in imports_in(path, source):
            top = _top(imp.module)
            where = f"{imp.path}:{imp.line} ({imp.function}) imports {imp.module}"
            if (imp.path, imp.function, imp.module) in ALLOWED_UPWARD_IMPORTS:
                continue
            if package == "derivations" and (top in ("numerics", "torch_impl") or top in NUMERIC_MODULES):
                bad.append(where)
            elif package == "numerics" and top == "torch":
                bad.append(where)
            elif package == "numerics" and top == "torch_impl" and not imp.within(NUMERICS_FROM_TORCH_IMPL):
                bad.append(where)
    return bad


def test_each_layer_imports_only_downwards() -> None:
    files: list[tuple[Path, str | None]] = [(p, None) for pkg in PACKAGES for p in source_files(pkg)]
    bad = layer_violations(files)
    assert not bad, "imports against the layers (docs/architecture.md):\n" + "\n".join(bad)


def test_the_allowed_exceptions_exist() -> None:
    """A stale exception would silently allow nothing; each one is an import that is really there."""
    found = {
        (imp.path, imp.function, imp.module)
        for pkg in PACKAGES
        for p in source_files(pkg)
        for imp in imports_in(p)
    }
    assert ALLOWED_UPWARD_IMPORTS <= found, sorted(ALLOWED_UPWARD_IMPORTS - found)


def test_the_torch_free_registrations_import_no_torch() -> None:
    """``torch_impl.claims`` is what ``derivations`` and ``numerics`` may load: it imports only
    ``derivations`` (so never torch, and never the rest of ``torch_impl``)."""
    path = ROOT / "torch_impl" / "claims.py"
    tops = {_top(imp.module) for imp in imports_in(path)} - {"__future__"}
    assert tops <= {"derivations"}, tops


def test_the_layer_check_can_fail() -> None:
    """Wrong variants, as a contributor might write them, are each reported."""
    cases = {
        ROOT / "derivations" / "elbo.py": "import numpy as np\n",
        ROOT / "derivations" / "em.py": "def f():\n    from numerics.divergences import kl_normal\n",
        ROOT / "derivations" / "gan.py": "from torch_impl import model\n",
        ROOT / "derivations" / "runner" / "cli.py": "import importlib\nimportlib.import_module('scipy')\n",
        ROOT / "derivations" / "claims" / "elbo.py": "from ...numerics import em\n",
        ROOT / "numerics" / "em.py": "def f():\n    import torch\n",
        ROOT / "numerics" / "evidence" / "kl.py": "from torch_impl.model import Vae\n",
        ROOT / "numerics" / "evidence" / "elbo.py": "from .. import divergences\nfrom torch import nn\n",
        ROOT / "numerics" / "evidence" / "em.py": "from torch_impl import claims, model\n",
    }
    for path, source in cases.items():
        assert layer_violations([(path, source)]), (path, source)
    # the allowed exception is allowed only where it is: the same import elsewhere is reported
    moved = "def _load():\n    import importlib\n    importlib.import_module('numerics.evidence')\n"
    assert layer_violations([(ROOT / "derivations" / "runner" / "report.py", moved)])
    for allowed in ("import torch_impl.claims\n", "from torch_impl.claims import TORCH_EVIDENCE_IDS\n",
                    "from torch_impl import claims\n"):
        assert not layer_violations([(ROOT / "numerics" / "evidence" / "kl.py", allowed)]), allowed


def test_importing_a_layer_loads_nothing_above_it() -> None:
    """At run time too (third-party imports included): the SymPy layer loads no NumPy or torch,
    the NumPy layer no torch."""
    code = (
        "import sys\n"
        "import derivations, derivations.claims, derivations.latex, derivations.runner.cli\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'numba', 'torch', 'numerics', 'torch_impl') "
        "if m in sys.modules))\n"
        "import numerics.divergences, numerics.strategies, numerics.evidence\n"
        "print(sorted(m for m in ('torch',) if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.split("\n")[:2] == ["[]", "[]"], out.stdout + out.stderr


# --------------------------------------------------------------------------- names and docstrings

#: "issue 12", "issues 4 and 5", "Issue #10", "issue 15's Done-when"
ISSUE_NUMBER = re.compile(r"\bissues?\s*#?\d+", re.IGNORECASE)
#: module names that tell when or in which order, not what: evidence_second, kl_new, issue12, …
HISTORY_NAME = re.compile(r"(^|_)(second|new|old|issue\d*|v\d+|round\d*)(_|$)")



def prose_of(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every docstring, other string literal (help texts, claim sources) and
    comment in ``source``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            yield tok.start[0], tok.string


def issue_mentions(path: Path, source: str) -> list[str]:
    """``path:line: text`` for each mention of an issue number in ``source``."""
    rel = path.relative_to(ROOT).as_posix()
    return [f"{rel}:{line}: {m.group(0)!r}" for line, text in prose_of(source)
            for m in ISSUE_NUMBER.finditer(text)]


def test_no_module_is_named_after_its_history() -> None:
    bad = [
        p.relative_to(ROOT).as_posix()
        for pkg in PACKAGES
        for p in (ROOT / pkg).rglob("*")
        if (p.suffix == ".py" or p.is_dir()) and HISTORY_NAME.search(p.stem.lstrip("_"))
    ]
    assert not bad, bad


def test_no_docstring_or_comment_cites_an_issue_number() -> None:
    bad = [
        hit
        for pkg in PACKAGES
        for p in source_files(pkg)
        for hit in issue_mentions(p, p.read_text(encoding="utf-8"))
    ]
    assert not bad, "cite the seed problem or the paper instead:\n" + "\n".join(bad)


def test_the_name_checks_can_fail() -> None:
    path = ROOT / "numerics" / "example.py"
    for source in (
        '"""Evidence added in issue 12."""\n',
        "def f():\n    '''See Issue #4, item 2.'''\n",
        "x = 1  # issue 15's Done-when\n",
        "HELP = 'the 40 s goal of issues 10 and 11'\n",
    ):
        assert issue_mentions(path, source), source
    assert not issue_mentions(path, '"""Seed 003, Problem 6.4; Kingma & Welling 2014, App. B."""\n')
    for stem in ("evidence_second", "kl_new", "issue12", "report_v2"):
        assert HISTORY_NAME.search(stem), stem
    for stem in ("gan_dual", "kl_fit_separated", "newton", "seconds", "renewal"):
        assert not HISTORY_NAME.search(stem), stem
