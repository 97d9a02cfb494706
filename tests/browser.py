"""Headless Chromium for the HTML report tests (Playwright's Python API driving Debian's
``/usr/bin/chromium``; ``playwright install`` is never run).

Without Chromium the browser tests are skipped with the reason, except in CI (``CI=true``), where
they fail: CI installs Chromium (``.ci/run``), so a missing browser there is a broken setup.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
REPORTS = Path(__file__).resolve().parents[1] / "reports"


def need_chromium() -> None:
    """Skip (locally) or fail (CI) when Chromium or Playwright is missing."""
    why = None
    if not CHROMIUM.is_file():
        why = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            why = "the playwright package is not installed (the test extra)"
    if why is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests need Chromium in CI: {why}")
    pytest.skip(why)


@dataclass
class Browser:
    """A Chromium context and the messages its pages produced."""

    context: Any
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def open(self, path: Path) -> Any:
        """A new page showing ``path`` from ``file://``, listening for console messages, page errors
        and requests."""
        page = self.context.new_page()
        page.on("console", lambda m: self.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.goto(path.resolve().as_uri())
        return page

    def console_errors(self) -> list[str]:
        """Console errors and uncaught page errors so far."""
        return [t for kind, t in self.console if kind == "error"] + self.errors


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A fresh headless Chromium (its own user-data directory) for one test module."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), args=FLAGS, headless=True,
                viewport={"width": 1400, "height": 900})
            try:
                yield Browser(context)
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


#: JavaScript: formulas that did not render (LaTeX left in <math>, error nodes, not-rendered labels)
#: and the laid-out height of the first fraction (0 when MathML is not laid out).
MATHS_PROBE = r"""() => {
  const maths = Array.from(document.querySelectorAll('math'));
  const raw = maths.filter(m => /\\[A-Za-z]|\$/.test(m.textContent)).map(m => m.textContent);
  const frac = document.querySelector('mfrac');
  return {maths: maths.length, raw: raw, merror: document.querySelectorAll('merror').length,
          notRendered: Array.from(document.querySelectorAll('.not-rendered')).map(e => e.textContent),
          fracHeight: frac ? frac.getBoundingClientRect().height : -1,
          textLatex: latexInText()};
  function latexInText() {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement.closest('code, pre, script, style, .not-rendered, .unsupported-tex')) continue;
      const command = /\\(frac|mathrm|mathbb|mathcal|sum|log|left|right|sigma|mu)(?![A-Za-z])/;
      const m = n.textContent.match(command) || n.textContent.match(/\$[^$]+\$/);
      if (m) found.push(n.textContent.slice(0, 120));
    }
    return found;
  }
}"""


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot of ``page`` to ``reports/<name>`` and return its path."""
    REPORTS.mkdir(exist_ok=True)
    out = REPORTS / name
    page.screenshot(path=str(out))
    return out
