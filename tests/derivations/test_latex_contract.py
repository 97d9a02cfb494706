"""The reading contract of the LaTeX front end (docs/latex-notation.md, "The reading contract").

Every reproducer of the issue "never refute what was not understood, never pass what was not read"
is a test here: definitions are recorded and never refuted, what was not read poisons its
dependants, the text's assumptions are the domain, a point where one side is undefined is not a
counterexample, conditions are not steps, nothing vanishes, and the CLI behaves like ``verify``.
Each test also feeds a wrong variant where one exists and asserts *refuted*."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from derivations.latex import DocumentResult, check_text
from derivations.latex.cli import main
from derivations.latex.report import FAILING

FAST = {"time_limit": 3.0, "points": 12}


def _check(text: str) -> DocumentResult:
    return check_text(text, "doc.md", **FAST)


def _verdicts(r: DocumentResult) -> list[tuple[str, str]]:
    return [(s.label, s.verdict) for s in r.steps]


# ---------------------------------------------------------------- 1. definitions
F_BETA = (
    r"F_\beta = \mathbb{E}_{q(z|x)}[\log p(x|z)] - \beta \, \mathrm{KL}(q(z|x) \| p(z))",
    r"\sum_z q(z|x) \log p(x|z) - \beta \sum_z q(z|x) \log \frac{q(z|x)}{p(z)}",
    r"\sum_z q(z|x) \log p(x|z) + \beta \sum_z q(z|x) \log \frac{q(z|x)}{p(z)}",
)


def test_a_tagged_definition_continued_by_a_chain_is_recorded_and_the_chain_checked_from_its_right_side():
    lhs, right, wrong = F_BETA
    r = _check(f"Recall the objective\n\n$${lhs} \\tag{{1}}$$\n\n$$= {right} \\tag{{2}}$$\n")
    assert _verdicts(r) == [("(1)", "definition"), ("(2)", "proved")]
    bad = _check(f"Recall the objective\n\n$${lhs} \\tag{{1}}$$\n\n$$= {wrong} \\tag{{2}}$$\n")
    assert _verdicts(bad) == [("(1)", "definition"), ("(2)", "refuted")]


MLE_DOC = (
    "Assume $\\sigma > 0$ is known. The log-likelihood is\n\n"
    "$$ \\ell(\\mu) := \\sum_{{n=1}}^N \\log \\mathcal{{N}}(x_n; \\mu, \\sigma^2) $$\n\n"
    "Taking the derivative,\n\n"
    "$$ \\frac{{\\partial \\ell}}{{\\partial \\mu}} = "
    "\\sum_{{n=1}}^N \\frac{{x_n - \\mu}}{{{denominator}}} $$\n"
)


def test_a_function_defined_with_its_argument_and_then_used_bare_is_that_function_never_a_free_symbol():
    """ℓ(μ) := Σ log N(x_n; μ, σ²), then ∂ℓ/∂μ: the bare ℓ is ℓ(μ). It was read as a free symbol,
    whose derivative is 0, and the true step was refuted."""
    ok = _check(MLE_DOC.format(denominator="\\sigma^2"))
    assert [v for _, v in _verdicts(ok)][-1] == "proved", _verdicts(ok)
    wrong = _check(MLE_DOC.format(denominator="\\sigma"))
    assert [v for _, v in _verdicts(wrong)][-1] == "refuted", _verdicts(wrong)


def test_the_same_definition_in_an_align_and_without_any_prose():
    lhs, right, wrong = F_BETA
    for prose in ("The objective is\n", ""):
        r = _check(
            prose + f"\\begin{{align}}\n{lhs.replace('=', '&=', 1)} \\\\\n&= {right}\n\\end{{align}}\n"
        )
        assert [s.verdict for s in r.steps] == ["definition", "proved"], r
        bad = _check(
            prose + f"\\begin{{align}}\n{lhs.replace('=', '&=', 1)} \\\\\n&= {wrong}\n\\end{{align}}\n"
        )
        assert [s.verdict for s in bad.steps] == ["definition", "refuted"], bad


def test_the_reparameterisation_defines_z():
    r = _check("The sample is\n\n$$z = \\mu + \\epsilon \\cdot \\sigma \\tag{1}$$\n")
    assert _verdicts(r) == [("(1)", "definition")] and r.nothing_checked and r.ok


@pytest.mark.parametrize("op", [":=", r"\equiv", r"\triangleq", r"\coloneqq", r"\stackrel{\text{def}}{=}"])
def test_defining_operators_define_even_a_known_name(op):
    r = _check(f"$$G {op} \\log p(x)$$\n\n$$\\log p(x) = \\log p(x)$$\n\n$$G = \\log p(x)$$\n")
    assert [s.verdict for s in r.steps] == ["definition", "proved", "proved"], r


def test_a_density_written_inline_after_where_is_a_definition_and_a_matrix_is_not_read_as_a_number():
    doc = (
        "The prior is Gaussian, where $p_\\theta(z) = \\mathcal{N}(z; 0, \\mathbf{I})$.\n\n"
        "$$p_\\theta(z) = 1$$\n"
    )
    r = _check(doc)
    assert r.first_refuted is None
    (step,) = [s for s in r.steps if s.kind == "step"]
    assert step.verdict == "unsupported" and "unread definition at line 1" in step.detail
    assert "\\mathbf{I}" in step.detail and step.depends_on == 1


def test_a_scalar_gaussian_prior_written_inline_is_honoured():
    doc = "where $p(z) = \\mathcal{N}(z; 0, 1)$.\n\n$$\\mathbb{E}_{p(z)}[z^2] = 1$$\n"
    assert [s.verdict for s in _check(doc).steps] == ["definition", "proved"]
    wrong = "where $p(z) = \\mathcal{N}(z; 0, 1)$.\n\n$$\\mathbb{E}_{p(z)}[z^2] = 2$$\n"
    assert [s.verdict for s in _check(wrong).steps] == ["definition", "refuted"]


def test_a_kl_defined_with_the_wrong_sign_is_flagged_in_the_output_and_the_summary():
    r = _check(
        "The KL divergence is defined as\n\n$$\\mathrm{KL}(q "
        "\\| p) = \\sum_z q(z) \\log \\frac{p(z)}{q(z)}$$\n"
    )
    (kl,) = r.steps
    assert kl.verdict == "non-standard definition" and "NEGATIVE" in kl.detail
    assert "non-standard definitions: KL (line 3)" in r.summary() and not r.ok
    good = _check(
        "The KL divergence is defined as\n\n$$\\mathrm{KL}(q "
        "\\| p) = \\sum_z q(z) \\log \\frac{q(z)}{p(z)}$$\n"
    )
    assert good.steps[0].verdict == "definition" and "agrees with the standard" in good.steps[0].detail


# ---------------------------------------------------------------- 2. unread definitions poison
#: Notation that no reading of the field gives a meaning to: where a test needs a definition that is
#: not read whatever notation the parser learns, it writes one of these.
UNREADABLE = r"\foo"


def _read_or_poisoned(step, line: int) -> bool:  # type: ignore[no-untyped-def]
    """The issue's reproducers: once the notation is read the step is decided (never refuted); while it
    is not, the step is unsupported and names the unread definition."""
    if step.verdict == "unsupported":
        return f"unread definition at line {line}" in step.detail and step.depends_on == line
    return step.verdict in ("proved", "numerically consistent")


def test_a_step_using_a_density_whose_definition_did_not_parse_is_unsupported_never_the_default_model():
    doc = (
        "Let $p_\\theta(x|z)=\\hat x_1^{x_1}(1-\\hat x_1)^{1-x_1} \\cdots "
        "\\hat x_D^{x_D}(1-\\hat x_D)^{1-x_D}$. Then\n\n"
        "$$\\log p_\\theta(x|z) = \\sum_{d=1}^{D} [x_d\\log\\hat x_d + (1-x_d)\\log(1-\\hat x_d)]$$\n"
    )
    r = _check(doc)
    (step,) = [s for s in r.steps if s.kind == "step"]
    assert r.first_refuted is None and _read_or_poisoned(step, 1), str(r)
    unread = _check(doc.replace("\\prod", UNREADABLE))
    (step,) = [s for s in unread.steps if s.kind == "step"]
    assert step.verdict == "unsupported" and "depends on the unread definition at line 1" in step.detail
    assert unread.first_refuted is None and not unread.ok


def test_a_gaussian_written_with_mathrm_e_is_a_definition_not_read_and_the_kl_step_is_unsupported():
    doc = (
        "We use\n\n$$q(z|x) = \\frac{1}{\\sqrt{2\\pi\\sigma_q^2}} "
        "\\mathrm{e}^{-\\frac{(z-\\mu_q)^2}{2\\sigma_q^2}}$$\n\n"
        "$$-D_{KL}[q(z\\vert x)\\parallel p(z)] = \\log\\sigma_q "
        "- \\frac{\\sigma_q^2 + \\mu_q^2}{2} + \\frac12$$\n"
    )
    r = _check(doc)
    assert r.first_refuted is None, str(r)
    unread = _check(doc.replace("\\text{exp}", UNREADABLE))
    assert unread.first_refuted is None
    assert [s.verdict for s in unread.steps] == ["parse error", "unsupported"]
    assert "unread definition at line 3" in unread.steps[1].detail


def test_an_elbo_whose_defining_display_failed_is_not_a_free_number():
    doc = (
        "The ELBO is defined as\n\n$$L = \\mathbb{E}_{q}[\\log p(x,z)] - \\dots$$\n\n"
        "and the bound reads\n\n$$\\log p(x) \\geq L$$\n"
    )
    r = _check(doc)
    assert r.first_refuted is None, str(r)
    unread = _check(doc.replace("\\text{ for all } q", UNREADABLE))
    assert [s.verdict for s in unread.steps] == ["parse error", "unsupported"]
    assert unread.steps[1].depends_on == 3


# ---------------------------------------------------------------- 3. the text's assumptions
def test_a_prose_assumption_restricts_the_domain_and_is_shown():
    r = _check("We take $\\beta \\geq 1$ throughout.\n\n$$\\sqrt{(\\beta - 1)^2} = \\beta - 1$$\n")
    step = r.step("line 3")
    assert step.verdict in ("proved", "numerically consistent"), step
    assert step.assumptions and "\\beta" in step.assumptions[0] and "\\beta" in step.detail
    unstated = _check("$$\\sqrt{(\\beta - 1)^2} = \\beta - 1$$\n")
    assert unstated.steps[0].verdict == "refuted"
    wrong = _check("We take $\\beta \\geq 1$ throughout.\n\n$$\\log \\beta^2 = 2 \\log \\beta + 1$$\n")
    assert wrong.step("line 3").verdict == "refuted"
    point = wrong.step("line 3").point()
    assert float(point["\\beta"]) >= 1


def test_assume_comment_and_bounds_between_constants():
    doc = "% assume: 0 < \\rho < 1\n\n$$\\sqrt{(\\rho - 1)^2} = 1 - \\rho$$\n"
    ok = ("assumption", "proved"), ("assumption", "numerically consistent")
    assert tuple(s.verdict for s in _check(doc).steps) in ok
    md = "<!-- assume: \\rho \\le 1 -->\n\n$$\\sqrt{(\\rho - 1)^2} = 1 - \\rho$$\n"
    assert tuple(s.verdict for s in _check(md).steps) in ok
    without = "$$\\sqrt{(\\rho - 1)^2} = 1 - \\rho$$\n"
    assert [s.verdict for s in _check(without).steps] == ["refuted"]


def test_mu_equal_to_a_probability_is_positive():
    doc = (
        "Write $\\mu = p(x)$ and $R > 0$.\n\n"
        "$$\\log(\\mu + R - \\mu) = \\log \\mu + \\log\\left(1 + \\frac{R-\\mu}{\\mu}\\right)$$\n"
    )
    r = _check(doc)
    assert r.first_refuted is None and r.step("line 3").verdict == "proved"


def test_binary_data_and_bernoulli_means_stay_in_their_domains():
    doc = (
        "The data are binary, $x_d \\in \\{0,1\\}$, with means $\\hat x_d$.\n\n"
        "$$-\\sum_{d=1}^{D} \\left[x_d \\log \\hat x_d + (1 - x_d)\\log(1-\\hat x_d)\\right] = "
        "-\\sum_{d=1}^{D} x_d \\log \\hat x_d - \\sum_{d=1}^{D} (1-x_d)\\log(1-\\hat x_d)$$\n"
    )
    r = _check(doc)
    assert r.first_refuted is None and [s.verdict for s in r.steps] == ["assumption", "proved"]


def test_the_documents_own_K_never_collides_with_the_number_of_latent_states():
    r = _check("$$K \\geq 2$$\n\n$$\\sum_{k=1}^{K} \\frac{1}{K} = 1$$\n")
    assert [s.verdict for s in r.steps] == ["assumption", "proved"]
    r = _check("$$K \\geq 0$$\n\n$$\\log p(x) = \\sum_z q(z|x) \\log p(x)$$\n")
    assert [s.verdict for s in r.steps] == ["assumption", "proved"]


# ---------------------------------------------------------------- 4. refuted = both sides defined
def test_a_point_where_one_side_is_undefined_is_not_a_counterexample():
    r = _check("$$\\log a^2 = 2 \\log a$$\n")
    (s,) = r.steps
    assert s.verdict == "proved" and "holds where both sides are defined: $0 < a$" in s.detail
    wrong = _check("$$\\log a^2 = 3 \\log a$$\n")
    assert wrong.steps[0].verdict == "refuted"


# ---------------------------------------------------------------- 5. conditions are not steps
@pytest.mark.parametrize(
    "display, why",
    [
        (r"\beta = 1", "special case"),
        (r"\theta = 0", "special case"),
        (r"t_1 < t_2", "between parameters"),
        (r"\theta^{(t+1)} = \theta^{(t)} + \eta g", "update rule"),
        (r"\mu \leftarrow \mu + 1", "update rule"),
        (r"\mu := \mu + 1", "update rule"),
    ],
)
def test_conditions_and_update_rules_are_not_steps(display, why):
    (s,) = _check(f"$${display}$$\n").steps
    assert s.verdict == "condition, not a step" and why in s.detail


def test_inline_conditions_are_not_refuted():
    r = _check(
        "For $\\beta = 1$ and $\\theta = 0$ with $t_1 < t_2$ "
        "we recover the VAE.\n\n$$\\log p(x) = \\log p(x)$$\n"
    )
    assert [s.verdict for s in r.steps] == ["condition, not a step"] * 3 + ["proved"]


def test_a_worked_example_agrees_to_its_written_precision_and_a_wrong_one_is_refuted():
    ok = _check("$$\\frac{1}{2} \\log 4 = \\log 2$$\n")
    assert ok.steps[0].verdict == "proved"
    bad = _check("$$\\frac{1}{2} \\log 4 = \\log 3$$\n")
    assert bad.steps[0].verdict == "refuted"


# ---------------------------------------------------------------- 6. nothing vanishes
def test_continuations_of_a_display_not_understood_are_listed_and_a_false_one_is_refuted():
    doc = (
        "$$V(\\theta)=\\sum_z q\\log p(x) \\tag{1}$$\n\n"
        "$$= \\log p(x)+1 \\tag{2}$$\n\n$$= \\log p(x)+2 \\tag{3}$$\n"
    )
    r = _check(doc)
    assert [s.label for s in r.steps] == ["(1)", "(2)", "(3)"]
    assert r.step("(3)").verdict == "refuted"
    assert sum(r.counts().values()) == len(r.steps) == 3


def test_a_continuation_of_an_unparsed_display_is_not_checked_and_says_which_line_it_continues():
    doc = (
        "$$\\log p(x) = \\foo \\tag{1}$$\n\n$$= \\log p(x) + 1 \\tag{2}$$\n\n$$= \\log p(x) + 2 \\tag{3}$$\n"
    )
    r = _check(doc)
    assert [(s.label, s.verdict) for s in r.steps] == [
        ("(1)", "parse error"),
        ("(2)", "unsupported"),
        ("(3)", "refuted"),
    ]
    assert "not checked: continues line 1" in r.steps[1].detail


@pytest.mark.parametrize(
    "doc, opener",
    [
        ("Text\n\n$$\\log p(x) = \\log p(x) + 1\n\nand more prose here that goes on and on.\n", "$$"),
        ("Text\n\\begin{align}\n\\log p(x) &= \\log p(x) + 1\n", "\\begin{align}"),
        ("Text\n\\[ \\log p(x) = 2\n", "\\["),
    ],
)
def test_an_unclosed_display_is_a_parse_error_naming_its_line(doc, opener):
    r = _check(doc)
    assert not r.ok and r.first_failure is not None and r.first_failure.verdict == "parse error"
    assert opener in r.first_failure.detail and "never closed" in r.first_failure.detail


@pytest.mark.parametrize("doc", ["", "Only prose, no maths at all.\n", "A definition only: $a = b + c$.\n"])
def test_an_empty_or_display_free_document_is_nothing_checked_not_no_failing_step(doc):
    r = _check(doc)
    assert r.nothing_checked and "nothing checked" in r.summary() and "no failing step" not in r.summary()


# ---------------------------------------------------------------- 7. the CLI
GOOD = "Recall\n\n$$F = \\log p(x) \\tag{1}$$\n\n$$= \\sum_z q(z|x) \\log p(x) \\tag{2}$$\n"
BAD = "$$\\log p(x) = \\log p(x) + 1 \\tag{1}$$\n"


@pytest.fixture
def docs(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in {"good.md": GOOD, "bad.md": BAD, "empty.md": ""}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        out[name] = tmp_path / name
    (tmp_path / "latin1.md").write_bytes(b"Text $$a = a$$ \xff\xfe bad\n")
    out["latin1.md"] = tmp_path / "latin1.md"
    return out


def _main(*args: object) -> int:
    return main([str(a) for a in args] + ["--jobs", "1", "--time-limit", "2", "--points", "12"])


def test_cli_exit_codes_nothing_checked_and_undecodable_file(docs, capsys):
    assert _main(docs["good.md"]) == 0
    assert _main(docs["bad.md"]) == 1
    assert _main(docs["empty.md"]) == 5
    capsys.readouterr()
    assert _main(docs["latin1.md"], docs["good.md"]) == 1
    out = capsys.readouterr().out
    assert "latin1.md: not UTF-8" in out and "byte 0xff" in out and "good.md: no failing step" in out


def test_cli_output_paths_checked_before_any_work_and_no_folder_created(docs, tmp_path, capsys, monkeypatch):
    import derivations.runner.executor as executor

    def no_work(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("work started before the output paths were checked")

    monkeypatch.setattr(executor, "run_tasks", no_work)
    missing = tmp_path / "nonexistent" / "dir" / "x.json"
    assert _main(docs["good.md"], "--json", missing) == 2
    assert not (tmp_path / "nonexistent").exists()
    assert _main(docs["good.md"], "--markdown", tmp_path) == 2
    assert _main(docs["good.md"], "--json", "-", "--junit", "-") == 2
    err = capsys.readouterr().err
    assert "--json" in err and "does not exist" in err and "is a directory" in err


@pytest.mark.parametrize(
    "bad", [["--points", "0"], ["--points", "x"], ["--time-limit", "0"], ["--time-limit", "nan"]]
)
def test_cli_bad_option_values_are_usage_errors(docs, bad):
    assert main([str(docs["good.md"]), *bad]) == 2


def test_cli_dash_is_stdout_reports_follow_the_umask_and_quiet_verbose(docs, tmp_path, capsys):
    assert _main(docs["bad.md"], "--json", "-", "-q") == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["documents"][0]["first_failure"]["label"] == "(1)"
    assert not Path("-").exists()
    old = os.umask(0o022)
    try:
        report = tmp_path / "r.md"
        assert _main(docs["good.md"], "--markdown", report, "-v") == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(report.stat().st_mode) == 0o644
    out = capsys.readouterr().out
    assert "1 document:" in out and "1 documents" not in out


def test_console_shows_a_refuted_steps_point_and_both_sides_with_only_its_symbols(docs, capsys):
    doc = "where $q(z|x) = \\mathcal{N}(z; m, s^2)$.\n\n$$\\mathbb{E}_{q(z|x)}[z^2] = m^2 \\tag{1}$$\n"
    path = docs["good.md"].with_name("gauss.md")
    path.write_text(doc, encoding="utf-8")
    assert _main(path) == 1
    out = capsys.readouterr().out
    assert "at:" in out and "left side" in out and "right side" in out
    at = next(line for line in out.splitlines() if "at:" in line)
    assert "m =" in at and "s =" in at and "K =" not in at and "q[" not in at and "pi[" not in at
    assert "line 3 line 3" not in out and "·1 line" not in out


def test_document_result_renders_as_text_html_and_latex():
    r = _check(BAD)
    text = str(r)
    assert "refuted" in text and "left side" in text
    html = r._repr_html_()
    assert "<table>" in html and "refuted" in html and "&lt;" not in r.path
    latex = r._repr_latex_()
    assert latex.startswith("$\\begin{array}") and "refuted" in latex


def test_html_escapes_the_documents_text():
    r = check_text("$$\\log p(x) = \\log p(x) + 1$$", "<b>x</b>.md", **FAST)
    assert "<b>x</b>" not in r._repr_html_() and "&lt;b&gt;" in r._repr_html_()


def test_counts_add_up_and_every_failing_item_is_named():
    doc = GOOD + "\n" + BAD.replace("(1)", "(9)") + "\n$$\\foo = 1$$\n"
    r = _check(doc)
    assert sum(r.counts().values()) == len(r.steps)
    assert {s.verdict for s in r.steps if s.verdict in FAILING} == {"refuted", "parse error"}


def test_an_objective_named_L_is_the_documents_own_and_q_equal_to_the_posterior_is_a_choice():
    doc = (
        "We train with the tempered objective\n\n"
        "$$\\mathcal{L} = \\sum_z q(z|x) \\log p(x|z) "
        "- \\beta \\sum_z q(z|x) \\log \\frac{q(z|x)}{p(z)}$$\n\n"
        "which is maximised at\n\n$$q^*(z|x) = p(z|x)$$\n\nand the M-step sets\n\n"
        "$$\\mu_k^{\\text{new}} = \\frac{1}{N_k} \\sum_n r_{nk} x_n$$\n\nExpanding,\n\n"
        "$$\\mathcal{L} = \\sum_z q(z|x) \\log p(x|z) - \\beta \\sum_z q(z|x) \\log q(z|x) "
        "+ \\beta \\sum_z q(z|x) \\log p(z)$$\n"
    )
    r = _check(doc)
    assert [s.verdict for s in r.steps] == [
        "definition",
        "condition, not a step",
        "condition, not a step",
        "proved",
    ]
    assert r.steps[-1].alternative and r.steps[-1].alternative["verdict"] == "refuted"
    wrong = doc.replace("+ \\beta \\sum_z q(z|x) \\log p(z)$$", "- \\beta \\sum_z q(z|x) \\log p(z)$$")
    assert _check(wrong).steps[-1].verdict == "refuted"


def test_a_constant_or_an_unknown_name_on_one_side_only_is_not_read_as_a_free_number():
    doc = (
        "For a Gaussian likelihood with variance one,\n\n$$\\log p(x|z) = -\\frac{1}{2}(x - \\mu)^2 + C$$\n\n"
        "and\n\n$$\\log p(x) = \\log p(x) + \\tau$$\n"
    )
    r = _check(doc)
    assert [s.verdict for s in r.steps] == ["unsupported", "unsupported"] and r.first_refuted is None
    assert "C on one side only" in r.steps[0].detail and "\\tau occurs only here" in r.steps[1].detail
    # a parameter that cancels (the entropy of N(μ, σ²) does not depend on μ) is not one-sided
    (h,) = _check("$$H(\\mathcal{N}(\\mu, \\sigma^2)) = \\frac{1}{2}\\ln(2\\pi e \\sigma^2)$$").steps
    assert h.verdict == "proved"
    # a parameter the document uses elsewhere is a free parameter: a wrong step is refuted
    known = "Let $\\tau > 0$.\n\n$$\\log p(x) = \\log p(x) + \\tau$$\n"
    assert [s.verdict for s in _check(known).steps] == ["assumption", "refuted"]


def test_a_passing_inequality_never_says_refuted():
    doc = (
        "$$\\log p(x) \\geq \\mathbb{E}_{q(z|x)}\\left[\\log p(x|z)\\right] "
        "- \\mathrm{KL}(q(z|x) \\| p(z))$$\n"
    )
    (s,) = _check(doc).steps
    assert s.verdict in ("proved", "numerically consistent") and "refuted" not in s.detail


def test_a_name_defined_afresh_in_a_later_section_takes_its_new_meaning_there():
    doc = (
        "# Problem 1\n\n$$F = \\sum_z q(z|x) \\log \\frac{p(x,z)}{q(z|x)}$$\n\n"
        "$$F = \\log p(x) - \\mathrm{KL}(q(z|x) \\| p(z|x))$$\n\n"
        "# Problem 2\n\n$$F = \\sum_z q(z|x) \\log \\frac{q(z|x)}{p(x,z)}$$\n\n"
        "$$F = \\mathrm{KL}(q(z|x) \\| p(z|x)) - \\log p(x)$$\n"
    )
    assert [s.verdict for s in _check(doc).steps] == ["definition", "proved", "definition", "proved"]
    wrong = doc.replace("- \\log p(x)$$\n", "+ \\log p(x)$$\n")
    assert [s.verdict for s in _check(wrong).steps] == ["definition", "proved", "definition", "refuted"]


def test_role_domains_normaliser_and_mixture_weight():
    doc = (
        "With the normaliser $Z$ and weights $\\pi_k$,\n\n"
        "$$\\sqrt{(1 - \\pi_1)^2} + \\sqrt{Z^2} = 1 - \\pi_1 + Z$$\n"
    )
    (s,) = _check(doc).steps
    assert s.verdict in ("proved", "numerically consistent") and "mixture weight" in s.detail


def test_a_letter_reused_in_a_later_problem_does_not_carry_its_old_meaning_into_a_refutation():
    doc = (
        "# Problem 1\n\nWrite $\\mu = p(x)$ and let $R > 0$.\n\n"
        "$$\\log R = \\log \\mu + \\log \\frac{R}{\\mu}$$\n\n"
        "# Problem 2\n\nNow $q(z) = \\mathcal{N}(z; \\mu, \\sigma^2)$ with $\\sigma > 0$.\n\n"
        "$$\\mathbb{E}_{z \\sim q}[z^2] = \\mu^2 + \\sigma^2$$\n"
    )
    r = _check(doc)
    assert r.first_refuted is None and r.step("line 11").verdict == "proved", str(r)
    wrong = doc.replace("= \\mu^2 + \\sigma^2$$", "= \\mu^2 + \\sigma$$")
    assert _check(wrong).step("line 11").verdict == "refuted"


def test_parameters_set_to_constants_are_conditions_but_arithmetic_is_a_step():
    doc = "Taking $\\sigma^2 = 1$ and\n\n$$\\mu_1 - \\mu_2 = 0$$\n\n$$2 + 3 = 5$$\n\n$$2 + 3 = 6$$\n"
    assert [s.verdict for s in _check(doc).steps] == [
        "condition, not a step",
        "condition, not a step",
        "proved",
        "refuted",
    ]


def test_even_roots_and_logarithms_of_linear_arguments_bound_their_symbol():
    (ok,) = _check("$$\\sqrt{a - 1}\\sqrt{a + 1} = \\sqrt{a^2 - 1}$$").steps
    assert ok.verdict == "proved" and "holds where both sides are defined: $1 < a$" in ok.detail
    (wrong,) = _check("$$\\sqrt{a - 1}\\sqrt{a + 1} = \\sqrt{a^2 + 1}$$").steps
    assert wrong.verdict == "refuted" and float(wrong.point()["a"]) > 1


def test_an_expression_set_to_zero_after_setting_the_derivative_is_an_equation_not_an_identity():
    doc = (
        "The derivative in $\\sigma$; setting it to zero,\n\n"
        "$$-\\frac{N}{\\sigma} + \\frac{1}{\\sigma^3}\\sum_{n=1}^{N} (x_n - \\mu)^2 = 0$$\n\n"
        "and the normalisation:\n\n$$\\sum_z q(z) - 1 = 0$$\n\n$$\\sum_z q(z) - 2 = 0$$\n"
    )
    assert [s.verdict for s in _check(doc).steps] == ["condition, not a step", "proved", "refuted"]


def test_a_decimal_misread_as_a_product_is_not_used(monkeypatch):
    """A lexer that reads ``0.5`` as the digit 0 times ``.5`` would make ``0.5 = \\frac12`` false: such a
    reading is refused (a parse error), never decided."""
    import derivations.latex.reading as reading
    from derivations.latex.parser import Chain, Node

    def misread(latex: str) -> Chain:
        half = Node("mul", (Node("number", ("0",)), Node("number", (".5",))))
        return Chain(half, (("=", Node("div", (Node("number", ("1",)), Node("number", ("2",))))),))

    monkeypatch.setattr(reading, "parse_chain", misread)
    r = _check("$$0.5 = \\frac{1}{2}$$\n")
    assert [s.verdict for s in r.steps] == ["parse error"] and "decimal number (0.5)" in r.steps[0].detail
