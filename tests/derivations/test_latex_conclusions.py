"""Implication arrows inside a row (``A = B \\Rightarrow C = D``), a superscript before a subscript
(``D^*_G``, Goodfellow et al. 2014) and a definition of the name on the right (``=:``, ``\\eqqcolon``),
written the way lecture notes and blog posts write them. What precedes an arrow is checked as usual (a wrong
step there is refuted at its line); what follows is a conclusion: proved only when it is an identity, else
a statement — never refuted, never a definition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derivations.latex import check_text
from derivations.latex.conclusions import split_at_arrows

FAST = {"time_limit": 2.0, "points": 12}
STRANGERS = Path(__file__).with_name("latex_corpus") / "strangers"


def _check(text: str):
    return check_text(text, "note.md", **FAST)


def _by_label(result) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in result.steps:
        out.setdefault(s.label, []).append(s.verdict)
    return out


# --- cutting a row ----------------------------------------------------------------------------------------


def test_a_row_is_cut_at_its_top_level_arrows_keeping_the_columns():
    row = r"a = b \Rightarrow c = d \quad\Longrightarrow\quad e = f \iff g = h"
    parts = split_at_arrows(row)
    assert [p.arrow for p in parts] == [None, r"\Rightarrow", r"\Longrightarrow", r"\iff"]
    assert [p.glyph for p in parts] == ["", "⇒", "⇒", "⇔"]
    assert all(len(p.latex) == len(row) for p in parts)
    assert [p.latex.strip() for p in parts] == ["a = b", "c = d", "e = f", "g = h"]
    assert [row[p.column] for p in parts] == ["a", "c", "e", "g"]
    assert row[parts[1].arrow_column :].startswith(r"\Rightarrow")


def test_arrows_inside_groups_scripts_and_text_do_not_cut():
    for row in (
        r"\underbrace{a}_{\Rightarrow b} = c",
        r"f\left(a \Rightarrow b\right) = c",
        r"a = b \quad \text{ iff } c = d",
        r"\frac{a \implies b}{c} = d",
    ):
        assert [p.arrow for p in split_at_arrows(row)] == [None], row


def test_an_arrow_that_opens_the_row_leaves_only_the_conclusion():
    assert [(p.arrow, p.latex.strip()) for p in split_at_arrows(r"&\Rightarrow& \mu &= x")] == [
        (r"\Rightarrow", r"\mu &= x")
    ]
    assert [p.arrow for p in split_at_arrows(r"\therefore\ \log p(x) \geq 0")] == [r"\therefore"]


def test_split_at_arrows_names_a_bad_argument():
    with pytest.raises(ValueError, match="latex"):
        split_at_arrows(None)  # type: ignore[arg-type]


# --- the contract -----------------------------------------------------------------------------------------

MLE = (
    "Setting the derivative to zero:\n\n"
    "$$\\frac{\\partial}{\\partial \\mu} \\frac{(x-\\mu)^2}{2\\sigma^2} = -\\frac{x-\\mu}{\\sigma^2} "
    "\\Rightarrow \\mu = x$$\n"
)


def test_the_part_before_the_arrow_is_checked_and_the_conclusion_is_a_statement():
    r = _check(MLE)
    assert _by_label(r) == {"line 3": ["proved"], "line 3 ⇒": ["statement, not a chain"]}, str(r)
    (concl,) = [s for s in r.steps if s.label == "line 3 ⇒"]
    assert "conclusion after `\\Rightarrow`" in concl.detail and "not checked as an identity" in concl.detail
    assert "line 3, column 87" in concl.detail  # where the arrow stands in the document
    assert concl.latex == "\\mu = x" and concl.parsed == "\\mu = x"


def test_a_wrong_step_before_the_arrow_is_still_refuted_at_its_line():
    r = _check(MLE.replace("= -\\frac{x-\\mu}", "= \\frac{x-\\mu}"))
    assert _by_label(r) == {"line 3": ["refuted"], "line 3 ⇒": ["statement, not a chain"]}, str(r)
    assert r.first_refuted is not None and r.first_refuted.label == "line 3"


@pytest.mark.parametrize(
    "arrow", ["\\implies", "\\quad\\Longrightarrow\\quad", "\\iff", "\\Leftrightarrow", "\\;\\therefore\\;"]
)
def test_a_conclusion_that_is_an_identity_is_proved_and_a_wrong_one_is_never_proved_nor_refuted(arrow):
    true = f"$$x^2 - 1 = (x-1)(x+1) {arrow} x^2 = (x-1)(x+1) + 1$$\n"
    r = _check(true)
    assert [s.verdict for s in r.steps] == ["proved", "proved"], str(r)
    assert "holds unconditionally" in r.steps[1].detail
    wrong = _check(true.replace("+ 1$$", "+ 2$$"))
    assert [s.verdict for s in wrong.steps] == ["proved", "statement, not a chain"], str(wrong)
    assert wrong.first_refuted is None and wrong.steps[1].counterexample is None
    solved = _check(true.replace("x^2 = (x-1)(x+1) + 1", "x = 1"))  # solving, not an identity
    assert [s.verdict for s in solved.steps] == ["proved", "statement, not a chain"], str(solved)


def test_a_conclusion_is_never_a_definition():
    """``\\Rightarrow \\mu &= \\frac1N\\sum_n x_n`` after a chain was read as the definition of μ, which then
    replaced μ in the document's other steps (a true derivative became "not understood")."""
    text = (
        "\\begin{align}\n"
        "\\frac{\\partial}{\\partial \\mu} \\sum_{n=1}^N -\\frac{(x_n-\\mu)^2}{2\\sigma^2} "
        "&= \\sum_{n=1}^N \\frac{x_n-\\mu}{\\sigma^2} \\\\\n"
        "\\Rightarrow \\mu &= \\frac{1}{N}\\sum_{n=1}^N x_n\n"
        "\\end{align}\n\n"
        "and for one point\n\n"
        "$$\\frac{\\partial}{\\partial \\mu} (x-\\mu)^2 = -2(x-\\mu)$$\n"
    )
    r = _check(text)
    assert not any(s.verdict == "definition" for s in r.steps), str(r)
    assert [s.verdict for s in r.steps] == ["proved", "statement, not a chain", "proved"], str(r)
    assert r.steps[1].label == "line 2 ⇒"  # an align row is named by the line its text starts on


def test_rows_after_a_conclusion_continue_it_and_are_conclusions_too():
    text = (
        "\\begin{align*}\n"
        "\\frac{d}{d\\theta}\\left(k \\log\\theta + (n-k)\\log(1-\\theta)\\right) "
        "&= \\frac{k}{\\theta} - \\frac{n-k}{1-\\theta} \\\\\n"
        "&\\Rightarrow& \\hat\\theta &= \\frac{k}{n} \\\\\n"
        "&= \\frac{2k}{2n}\n"
        "\\end{align*}\n"
    )
    r = _check(text)
    assert [(s.label, s.verdict) for s in r.steps] == [
        ("line 1", "proved"),
        ("line 2 ⇒", "statement, not a chain"),
        ("line 3", "proved"),  # k/n = 2k/(2n) holds unconditionally
    ], str(r)
    assert "a conclusion after `\\Rightarrow`" in r.steps[2].detail
    wrong = _check(text.replace("&= \\frac{2k}{2n}", "&= \\frac{2k}{n}"))
    assert [s.verdict for s in wrong.steps][2] == "statement, not a chain", str(wrong)
    assert wrong.first_refuted is None, str(wrong)


def test_a_definition_before_the_arrow_is_recorded_and_used():
    text = "$$f(t) := t \\log t \\Rightarrow f''(t) = \\frac{1}{t}$$\n\nso that\n\n$$f(1) = 0$$\n"
    r = _check(text)
    verdicts = [(s.label, s.verdict) for s in r.steps]
    assert verdicts[0][1] == "definition" and ("line 1 ⇒", "proved") in verdicts, str(r)
    assert verdicts[-1] == ("line 5", "proved"), str(r)
    bad = _check(text.replace("$$f(1) = 0$$", "$$f(1) = 1$$"))
    assert bad.first_refuted is not None and bad.first_refuted.label == "line 5", str(bad)


def test_an_equation_set_to_zero_before_an_arrow_is_solved_not_refuted():
    text = "$$\\sum_{n=1}^N (x_n - \\mu) = 0 \\Rightarrow \\mu = \\frac{1}{N} \\sum_{n=1}^N x_n$$\n"
    r = _check(text)
    assert [s.verdict for s in r.steps] == ["condition, not a step", "statement, not a chain"], str(r)


SOLVED = (
    "Setting the derivative with respect to $\\sigma$ to zero and solving,\n\n"
    "$$\\frac{N}{\\sigma} = \\frac{1}{\\sigma^3}\\sum_{n=1}^N (x_n-\\mu)^2 \\Rightarrow "
    "\\hat\\sigma^2 = \\frac{1}{N}\\sum_{n=1}^N (x_n-\\mu)^2$$\n"
)


def test_the_one_equation_before_an_arrow_after_prose_that_solves_is_a_condition():
    r = _check(SOLVED)
    assert [s.verdict for s in r.steps] == ["condition, not a step", "statement, not a chain"], str(r)
    assert r.first_refuted is None


def test_a_derivative_before_an_arrow_after_prose_that_solves_is_still_checked():
    text = SOLVED.replace("$$\\frac{N}{\\sigma} =", "$$\\frac{\\partial}{\\partial \\sigma} N\\log\\sigma =")
    r = _check(
        text.replace(
            "\\frac{1}{\\sigma^3}\\sum_{n=1}^N (x_n-\\mu)^2 \\Rightarrow", "\\frac{N}{\\sigma} \\Rightarrow"
        )
    )
    assert [s.verdict for s in r.steps] == ["proved", "statement, not a chain"], str(r)
    bad = _check(
        text.replace(
            "\\frac{1}{\\sigma^3}\\sum_{n=1}^N (x_n-\\mu)^2 \\Rightarrow", "\\frac{1}{\\sigma} \\Rightarrow"
        )
    )
    assert bad.first_refuted is not None and bad.first_refuted.label == "line 3", str(bad)


def test_a_conclusion_that_does_not_parse_is_a_parse_error_and_the_hypothesis_is_still_checked():
    r = _check("$$a(1 + 1) = 2a \\Rightarrow a \\neq 0$$\n")
    assert [s.verdict for s in r.steps][1] == "parse error", str(r)
    assert "\\neq" in r.steps[1].detail and not r.ok


def test_two_conclusions_in_one_row_are_numbered():
    r = _check("$$2x = x + x \\Rightarrow 3x = 2x + x \\Rightarrow x = 0$$\n")
    assert [(s.label, s.verdict) for s in r.steps] == [
        ("line 1", "proved"),
        ("line 1 ⇒1", "proved"),
        ("line 1 ⇒2", "statement, not a chain"),
    ], str(r)


def test_inline_arrows_give_an_item_for_each_part():
    r = _check("Hence $x^2 - 1 = (x-1)(x+1) \\Rightarrow x = 1$ for the root.\n\n$$2x = x + x$$\n")
    inline = [s for s in r.steps if s.line == 1]
    assert len(inline) == 2 and all(s.verdict == "statement, not a chain" for s in inline), str(r)
    assert "conclusion after `\\Rightarrow`" in inline[1].detail


# --- D^*_G ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "reading"),
    [
        ("D^*_G(x)", "D_G^*(x)"),
        ("\\theta^*_{MLE}", "\\theta_{MLE}^*"),
        ("\\theta^\\star_{MLE}", "\\theta_{MLE}^\\star"),
        ("q^*_j(z_j)", "q_j^*(z_j)"),
        ("\\hat{\\theta}^*_{MLE}", "\\hat{\\theta}_{MLE}^*"),
        ("\\hat{x}^2_d", "\\hat{x}_d^2"),
    ],
)
def test_a_superscript_before_a_subscript_reads_as_the_other_order(written, reading):
    a = _check(f"$${written} = \\frac{{a}}{{a + b}}$$\n")
    b = _check(f"$${reading} = \\frac{{a}}{{a + b}}$$\n")
    assert [(s.verdict, s.parsed) for s in a.steps] == [(s.verdict, s.parsed) for s in b.steps], (
        str(a),
        str(b),
    )
    assert a.steps[0].verdict != "parse error", str(a)


def test_the_optimal_discriminator_is_used_as_defined():
    text = (
        "$$D^*_G(x) = \\frac{p_{data}(x)}{p_{data}(x) + p_g(x)}$$\n\n"
        "$$1 - D^*_G(x) = \\frac{p_g(x)}{p_{data}(x) + p_g(x)}$$\n"
    )
    r = _check(text)
    assert r.steps[0].verdict == "definition", str(r)
    assert r.first_refuted is None, str(r)


# --- =: --------------------------------------------------------------------------------------------------

FREE_ENERGY = (
    "We name the bound\n\n"
    "$$\\mathbb{E}_{q}[\\log p(x,z) - \\log q(z)] =: \\mathcal{F}(q, \\theta)$$\n\n"
    "and then\n\n"
    "$$\\log p(x) = \\mathcal{F}(q, \\theta) + \\mathrm{KL}(q(z) \\| p(z|x))$$\n"
)


@pytest.mark.parametrize("op", ["=:", "\\eqqcolon"])
def test_a_name_defined_on_the_right_is_recorded_and_used(op):
    r = _check(FREE_ENERGY.replace("=:", op))
    assert [(s.verdict, s.line) for s in r.steps] == [("definition", 3), ("proved", 7)], str(r)
    assert r.steps[0].parsed.startswith("\\mathcal{F}(q, \\theta) :=")
    wrong = _check(FREE_ENERGY.replace("=:", op).replace("+ \\mathrm{KL}", "- \\mathrm{KL}"))
    assert wrong.first_refuted is not None and wrong.first_refuted.label == "line 7", str(wrong)


def test_a_chain_ending_with_a_right_definition_checks_the_rest():
    text = "$$\\sum_z q(z) \\log p(x) = \\log p(x) =: \\ell$$\n\n$$2\\ell = \\log p(x) + \\log p(x)$$\n"
    r = _check(text)
    assert [s.verdict for s in r.steps] == ["definition", "proved", "proved"], str(r)
    bad = _check(text.replace("\\sum_z q(z) \\log p(x) =", "\\sum_z q(z) \\log p(z) ="))
    assert bad.first_refuted is not None and bad.first_refuted.line == 1, str(bad)


def test_a_right_definition_before_another_relation_is_not_read():
    r = _check("$$a + b =: c = d$$\n")
    assert [s.verdict for s in r.steps] == ["parse error"], str(r)


# --- the stranger documents with arrows ----------------------------------------------------------------


AFTER_ARROW_PLANTS = {
    "17_gaussian_mean_rightarrow.md": (
        "(x-\\mu)(x+\\mu) + \\mu^2$$",
        "(x-\\mu)(x+\\mu) + 2\\mu^2$$",
        "line 14 ⇔",
    ),
    "18_free_energy_eqqcolon.md": (
        "\\;\\therefore\\; \\log p(x) \\geq",
        "\\;\\therefore\\; \\log p(x) \\leq",
        "line 17 ∴",
    ),
    "19_optimal_discriminator_star_subscript.md": (
        "\\implies y = \\frac{a}{a+b}",
        "\\implies y = \\frac{b}{a+b}",
        "line 6 ⇒",
    ),
    "20_bernoulli_mle_align_arrows.tex": ("&= \\log\\frac{k}{n-k}", "&= \\log\\frac{n}{n-k}", "line 9 ⇒"),
}


@pytest.mark.parametrize("name", sorted(AFTER_ARROW_PLANTS))
def test_a_wrong_conclusion_in_a_stranger_document_is_not_proved_and_not_refuted(name):
    find, replace, label = AFTER_ARROW_PLANTS[name]
    text = (STRANGERS / name).read_text("utf-8")
    assert text.count(find) == 1
    r = check_text(text.replace(find, replace), name, **FAST)
    hit = [s for s in r.steps if s.label == label]
    assert [s.verdict for s in hit] == ["statement, not a chain"], str(r)
    assert r.first_refuted is None, str(r)


def test_the_stranger_documents_with_arrows_have_their_before_arrow_plants():
    plants = json.loads((STRANGERS / "plants.json").read_text("utf-8"))
    assert set(AFTER_ARROW_PLANTS) <= set(plants)


def test_a_row_that_ends_with_an_arrow_makes_the_next_row_its_conclusion():
    """``… = 0 \\quad\\Rightarrow \\\\ \\mu &= \\frac1N\\sum_n x_n``: the next row was read as the
    definition of μ."""
    text = (
        "Setting the derivative to zero,\n"
        "\\begin{align}\n"
        "\\frac{\\partial}{\\partial \\mu} \\sum_{n=1}^N \\frac{(x_n-\\mu)^2}{2\\sigma^2} "
        "&= -\\frac{1}{\\sigma^2}\\sum_{n=1}^N (x_n-\\mu) = 0 \\quad\\Rightarrow \\\\\n"
        "\\mu &= \\frac{1}{N}\\sum_{n=1}^N x_n\n"
        "\\end{align}\n\n"
        "$$\\frac{\\partial}{\\partial \\mu} (x - \\mu)^2 = -2(x-\\mu)$$\n"
    )
    r = _check(text)
    assert [(s.label, s.verdict) for s in r.steps] == [
        ("line 2·1", "proved"),
        ("line 2·2", "condition, not a step"),
        ("line 3 ⇒", "statement, not a chain"),
        ("line 7", "proved"),
    ], str(r)
    assert "line 3, column 128" in r.steps[2].detail  # the arrow stands at the end of the row before
    bad = _check(text.replace("&= -\\frac{1}{\\sigma^2}", "&= \\frac{1}{\\sigma^2}"))
    assert bad.first_refuted is not None and bad.first_refuted.label == "line 2·1", str(bad)


def test_a_conclusion_in_words_is_a_statement():
    r = _check(
        "$$\\frac{\\partial}{\\partial \\mu} (x - \\mu)^2 = -2(x-\\mu) \\Rightarrow \\text{the maximum}$$\n"
    )
    assert [s.verdict for s in r.steps] == ["proved", "statement, not a chain"], str(r)
    assert "words only" in r.steps[1].detail


def test_a_display_that_is_only_an_arrow_makes_the_next_display_its_conclusion():
    r = _check(
        "So $\\Rightarrow$ and then\n\n$$a + a = 2a$$\n\n$$\\Longrightarrow$$\n\n"
        "$$\\mu = 3$$\n\n$$b + b = 2b$$\n"
    )
    assert [(s.label, s.verdict) for s in r.steps] == [
        ("line 3", "proved"),
        ("line 7 ⇒", "statement, not a chain"),
        ("line 9", "proved"),
    ], str(r)


NAMED_INLINE = (
    "$$F(q) =: \\sum_z q(z) \\log \\frac{p(x, z)}{q(z)}$$\n\n"
    "We write $\\mathbb{E}_q[\\log p(x,z)] - \\mathbb{E}_q[\\log q(z)] =: \\mathcal{G}(q)$ for the bound.\n\n"
    "$$\\mathcal{G}(q) = F(q)$$\n"
)


def test_an_inline_right_definition_is_recorded_and_a_left_name_before_eq_colon_stays_defined():
    """``F(q) =: \\sum_z …`` (``=:`` written for ``:=``, the right side no name) keeps F as the name."""
    r = _check(NAMED_INLINE)
    assert [(s.verdict, s.line) for s in r.steps] == [("definition", 1), ("definition", 3), ("proved", 5)], (
        str(r)
    )
    bad = _check(NAMED_INLINE.replace("$$\\mathcal{G}(q) = F(q)$$", "$$\\mathcal{G}(q) = -F(q)$$"))
    assert bad.first_refuted is not None and bad.first_refuted.line == 5, str(bad)
