"""LaTeX front end of the step checker: the reading contract and the notation of the field.

``check_text(text) -> DocumentResult`` checks every derivation chain of a Markdown/LaTeX
document; ``python -m derivations check FILE…`` (or ``python -m derivations.latex FILE…``) does
it for files, in parallel. The supported notation: ``docs/latex-notation.md``.
"""

from derivations.latex.document import check_text
from derivations.latex.parser import LatexParseError, parse_chain, to_latex
from derivations.latex.report import DocumentResult, StepReport
from derivations.latex.semantics import SemanticError

__all__ = [
    "DocumentResult",
    "LatexParseError",
    "SemanticError",
    "StepReport",
    "check_text",
    "parse_chain",
    "to_latex",
]
