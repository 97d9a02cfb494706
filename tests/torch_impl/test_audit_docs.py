"""docs/auditing-a-loss.md: every ```python block runs (in order, one namespace) and prints the
```text block that follows it (the stable lines: verdict, model, fit, conventions, diagnosis)."""

import contextlib
import io
import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "auditing-a-loss.md"
STABLE = ("verdict", "model:", "fit:", "implied", "conventions:", "diagnosis", "normalisation:",
          "not affine", "the loss", "loss_function", "β")


def blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"```(\w+)\n(.*?)```", text, flags=re.S)


def run_page() -> list[tuple[str, str]]:
    """(printed output, pasted output) for every python block followed by a text block."""
    found = blocks(PAGE.read_text(encoding="utf-8"))
    namespace: dict = {"__name__": "docs_example"}
    pairs = []
    for i, (lang, code) in enumerate(found):
        if lang != "python":
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{PAGE.name}:block{i}", "exec"), namespace)
        if i + 1 < len(found) and found[i + 1][0] == "text":
            pairs.append((out.getvalue(), found[i + 1][1]))
    return pairs


def stable(text: str) -> list[str]:
    return [ln.rstrip() for ln in text.splitlines() if ln.startswith(STABLE)]


def test_docs_code_blocks_run_and_print_what_the_page_shows():
    pairs = run_page()
    assert len(pairs) == 6  # worked example, image shapes, blocked gradient, whole model, clip, pytest
    for printed, pasted in pairs:
        assert stable(pasted), pasted
        assert stable(printed) == stable(pasted)
