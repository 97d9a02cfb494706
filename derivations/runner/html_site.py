"""The report folder's front page (``make report`` → ``reports/index.html``).

``python -m derivations.runner.html_site reports`` reads what the report wrote there —
``claims.json`` (``verify --json``), ``documents.json`` (``check --json``) and the figures
(``*.png``) — renders the claim page with the figures embedded (``claims.html``), the document
page (``documents.html``) and an index linking both and showing the figures. Every page is
self-contained; the index links its neighbours by relative paths, so the folder can be copied or
opened from ``file://`` as a whole.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from derivations.runner.html_claims import claims_page
from derivations.runner.html_documents import documents_page
from derivations.runner.html_page import badge, esc, figure, page
from derivations.runner.report_io import write_all

#: figure file → caption (others get their file name)
CAPTIONS = {
    "kl_fits.png": "Forward and reverse KL fits of a Gaussian to a bimodal mixture (numerics.kl_fit)",
    "training.png": "VAE training: loss and train/test ELBO per epoch (torch_impl.train)",
}


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def build_site(folder: Path | str) -> list[Path]:
    """Write ``claims.html``, ``documents.html`` (each when its JSON is there) and ``index.html`` in
    ``folder``, all-or-nothing; return the paths written. ``ValueError`` naming ``folder`` when it is
    not a directory."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"folder: {str(root)!r} is not a directory")
    figures = [(p, CAPTIONS.get(p.name, p.stem.replace("_", " "))) for p in sorted(root.glob("*.png"))
               if not p.name.startswith("screenshot")]
    claims, documents = _load(root / "claims.json"), _load(root / "documents.json")
    files: list[tuple[Path, str]] = []
    items = []
    if claims is not None:
        files.append((root / "claims.html", claims_page(claims, figures)))
        overall = badge("proved", "OK") if claims.get("ok") else badge("error", "NOT OK")
        items.append(f'<li><a href="claims.html">Claim report</a> — {overall} '
                     f'{esc(claims.get("summary", ""))}</li>')
    if documents is not None:
        docs = documents.get("documents", [])
        files.append((root / "documents.html", documents_page(docs, float(documents.get("seconds", 0.0)),
                                                              title="Documents checked by check")))
        ok = sum(bool(d.get("ok")) for d in docs)
        items.append(f'<li><a href="documents.html">Documents checked by <code>check</code></a> — '
                     f"{len(docs)} documents, {ok} without a failing step</li>")
    items += [f'<li><a href="{esc(p.name)}">{esc(cap)}</a></li>' for p, cap in figures]
    body = (f"<ul>{''.join(items) or '<li>nothing yet: run make report</li>'}</ul>"
            + ("<h2>Figures</h2>" + "".join(figure(p, cap) for p, cap in figures) if figures else ""))
    files.append((root / "index.html", page("variational-verify reports", body)))
    write_all(files)
    return [p for p, _ in files]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m derivations.runner.html_site FOLDER``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m derivations.runner.html_site FOLDER", file=sys.stderr)
        return 2
    try:
        for p in build_site(args[0]):
            print(p)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


__all__ = ["build_site"]

if __name__ == "__main__":
    sys.exit(main())
