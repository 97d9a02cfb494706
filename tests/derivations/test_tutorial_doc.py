"""docs/checking-your-own-derivation.md runs, and its shown output is the real output.

Every ```python block of the page is a doctest (``>>>`` lines); the blocks share one namespace,
in order, as a reader running them in one session would."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "checking-your-own-derivation.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def test_every_code_block_is_a_doctest() -> None:
    blocks = _BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    for block in blocks:
        assert block.lstrip().startswith(">>>"), f"a code block that is not a doctest:\n{block}"


def test_tutorial_page_runs_with_the_shown_output() -> None:
    text = PAGE.read_text(encoding="utf-8")
    source = "\n".join(_BLOCK.findall(text))
    parser = doctest.DocTestParser()
    test = parser.get_doctest(source, {}, PAGE.name, str(PAGE), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 20
    assert result.failed == 0, "the tutorial's shown output differs from the real output (see above)"
