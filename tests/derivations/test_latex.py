"""The LaTeX front end: parser conventions, errors that name the notation,
semantics, the corpus of planted errors, the CLI and batch grading (jobs / Dask)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sympy as sp

from derivations.latex import LatexParseError, check_text, parse_chain, to_latex
from derivations.latex.cli import check_file, main
from derivations.latex.semantics import SemanticError, Semantics

CORPUS = Path(__file__).with_name("latex_corpus")
MANIFEST = {
    k: v for k, v in json.loads((CORPUS / "manifest.json").read_text()).items() if not k.startswith("_")
}
FAST = {"time_limit": 2.0, "points": 12}


def _value(latex: str) -> sp.Expr:
    chain = parse_chain(latex)
    assert chain.first is not None
    return Semantics().evaluate(chain.first)


# ---------------------------------------------------------------- parser conventions
def test_unparenthesised_log_takes_the_rest_of_the_product():
    a, b, c = sp.symbols("a b c", real=True)
    assert _value(r"\log a b c") == sp.log(a * b * c)
    assert _value(r"c \log a b + b") == c * sp.log(a * b) + b


def test_sum_takes_the_product_up_to_the_next_plus_or_minus():
    s = Semantics()
    chain = parse_chain(r"\sum_z q(z|x) \log p(x|z) - 1")
    value = s.evaluate(chain.first)  # type: ignore[arg-type]
    assert isinstance(value, sp.Add) and sp.Integer(-1) in value.args


def test_reading_is_echoed_with_explicit_groups():
    chain = parse_chain(r"\int_z q_\phi(z|x) \log p_\theta(x) \frac{a}{b}")
    echo = to_latex(chain.first)
    assert r"\log\left(p_\theta(x) \cdot \frac{a}{b}\right)" in echo and r"\int_{z}" in echo


def test_greek_coefficient_before_parentheses_is_a_product():
    lam, a = sp.Symbol(r"\lambda", real=True), sp.Symbol("a", real=True)
    assert _value(r"\lambda \left( a - 1 \right)") == lam * (a - 1)


@pytest.mark.parametrize(
    "latex, notation",
    [
        (r"\hat{\theta} = \underset{\theta}{\arg\max} \log p_\theta(x)", r"\underset"),
        (r"\log \prod_{d=1}^D p(x_d) \neq 0", r"\neq"),
        (r"\mathrm{BCE}(x, y) = 1", r"\mathrm{BCE}"),
        (r"a_1 + \cdots + a_n = 1", r"\cdots"),
        (r"\log p(x) = \foo", r"\foo"),
    ],
)
def test_unknown_notation_is_an_error_that_quotes_it_and_its_column(latex, notation):
    with pytest.raises(LatexParseError) as info:
        parse_chain(latex)
    assert notation in str(info.value) and "column" in str(info.value)
    assert latex.strip() in str(info.value)
    assert 0 <= info.value.column < len(latex)


def test_parse_chain_rejects_a_non_string():
    with pytest.raises(ValueError, match="latex"):
        parse_chain(3)  # type: ignore[arg-type]


def test_unknown_function_is_not_guessed():
    with pytest.raises(SemanticError, match="unknown function"):
        _value(r"f(z, x)")
    with pytest.raises(SemanticError, match="logistic function only where the document says so"):
        _value(r"\sigma(a)")  # often the logistic function: never read as σ·a, nor guessed


def test_two_observations_in_one_statement_are_refused():
    with pytest.raises(SemanticError, match="two observations"):
        Semantics().evaluate(parse_chain(r"p(x_1|z) - p(x_2|z)").first)  # type: ignore[arg-type]


def test_two_parameter_values_of_one_density_are_refused():
    with pytest.raises(SemanticError, match="different parameters"):
        Semantics().evaluate(parse_chain(r"\log p_{\theta^{(t+1)}}(x) - \log p_{\theta^{(t)}}(x)").first)  # type: ignore[arg-type]


# ---------------------------------------------------------------- semantics
def test_density_table_and_bayes():
    s = Semantics()
    post = s.evaluate(parse_chain(r"p(z|x)").first)  # type: ignore[arg-type]
    assert post.has(s.pi[1]) and post.has(s.ell[1]) and post.atoms(sp.Sum)
    assert s.evaluate(parse_chain(r"p(x, z)").first) == s.pi[1] * s.ell[1]  # type: ignore[arg-type]


def test_gaussian_normalisation_is_checked_not_assumed():
    doc = (
        "Let\n\n$$q(z) = \\exp\\left(-\\frac{(z - m)^2}{2 s^2}\\right)$$\n\n"
        "$$\\mathbb{E}_{z \\sim q}[z] = m$$\n"
    )
    r = check_text(doc, **FAST)
    (step,) = [s for s in r.steps if s.kind != "definition"]
    assert step.verdict == "unsupported" and "does not integrate to 1" in step.detail


def test_document_definition_differing_from_the_standard_is_checked_both_ways():
    doc = (
        "Note that the entropy is given by\n\n$$H[q(z|x)] = \\sum_z q(z|x) \\log q(z|x)$$\n\n"
        "Hence\n\n$$\\text{ELBO} = \\sum_z q(z|x) \\log p(x,z) - H[q(z|x)] \\tag{1}$$\n"
    )
    r = check_text(doc, **FAST)
    (h,) = [s for s in r.steps if s.kind == "definition"]
    assert "NEGATIVE" in h.detail
    s1 = r.step("(1)")
    assert s1.verdict == "refuted" and s1.alternative and s1.alternative["verdict"] == "proved"


def test_check_text_rejects_bad_arguments():
    with pytest.raises(ValueError, match="text"):
        check_text(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="time_limit"):
        check_text("$$a = a$$", time_limit=0)


# ---------------------------------------------------------------- corpus with planted errors
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_planted_error_is_named_at_its_step(name):
    expected = MANIFEST[name]
    r = check_text((CORPUS / name).read_text(encoding="utf-8"), name, **FAST)
    fail = r.first_failure
    if expected is None:
        assert fail is None, (name, fail)
        assert all(s.verdict != "refuted" for s in r.steps)
        assert any(s.verdict == "proved" for s in r.steps)
    else:
        assert fail is not None and fail.verdict == "refuted", (name, r.summary())
        assert fail.counterexample, name
        if expected == "stationary":
            assert fail.kind == "stationary"
        else:
            assert fail.label == expected, (name, fail.label)
            # every step before the planted error is fine
            before = r.steps[: r.steps.index(fail)]
            assert all(s.verdict not in ("refuted", "parse error", "unsupported") for s in before)


def test_corpus_is_large_enough_and_half_planted():
    assert len(MANIFEST) >= 15
    planted = sum(v is not None for v in MANIFEST.values())
    assert planted >= len(MANIFEST) // 2 - 1 and planted <= len(MANIFEST) // 2 + 1


# ---------------------------------------------------------------- CLI, reports, batch grading
CHEAP = [
    CORPUS / n
    for n in (
        "07_bayes_rule.md",
        "08_bayes_rule_marginal.md",
        "15_gaussian_log_density.md",
        "16_gaussian_log_density_half.md",
    )
]


def _strip_times(doc: dict) -> dict:  # type: ignore[type-arg]
    doc = json.loads(json.dumps(doc))
    doc.pop("seconds", None)
    doc.pop("summary", None)
    for d in doc["documents"]:
        d.pop("seconds", None)
        for s in d["steps"]:
            s.pop("seconds", None)
    return doc


def test_cli_writes_strict_json_markdown_junit_and_exit_codes(tmp_path, capsys):
    out = tmp_path / "r"
    out.mkdir()
    rc = main(
        [
            "check",
            str(CHEAP[0]),
            str(CHEAP[1]),
            "--jobs",
            "1",
            "--time-limit",
            "2",
            "--json",
            str(out / "r.json"),
            "--markdown",
            str(out / "r.md"),
            "--junit",
            str(out / "r.xml"),
        ]
    )
    assert rc == 1  # 08 has a refuted step
    doc = json.loads((out / "r.json").read_text(encoding="utf-8"), parse_constant=lambda c: 1 / 0)
    assert [d["ok"] for d in doc["documents"]] == [True, False]
    assert doc["documents"][1]["first_failure"]["label"] == "(2)"
    assert "refuted" in (out / "r.md").read_text(encoding="utf-8")
    suite = ET.parse(out / "r.xml").getroot()
    assert suite.get("failures") == "1"
    assert main([str(CHEAP[0]), "--jobs", "1", "--time-limit", "2"]) == 0
    assert main([str(tmp_path / "missing.md")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main([str(CHEAP[0]), "--jobs", "0"]) == 2


def test_jobs_give_the_same_results_as_serial(tmp_path):
    serial, parallel = tmp_path / "s.json", tmp_path / "p.json"
    files = [str(p) for p in CHEAP]
    assert main([*files, "--jobs", "1", "--time-limit", "2", "--json", str(serial), "--quiet"]) == 1
    assert main([*files, "--jobs", "2", "--time-limit", "2", "--json", str(parallel), "--quiet"]) == 1
    assert _strip_times(json.loads(serial.read_text())) == _strip_times(json.loads(parallel.read_text()))


def test_dask_scheduler_gives_the_same_results_as_serial(tmp_path):
    distributed = pytest.importorskip("dask.distributed", reason="the optional dask extra is not installed")
    files = [str(p) for p in CHEAP[:2]]
    serial, remote = tmp_path / "s.json", tmp_path / "d.json"
    assert main([*files, "--jobs", "1", "--time-limit", "2", "--json", str(serial), "--quiet"]) == 1
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        rc = main(
            [
                *files,
                "--scheduler",
                cluster.scheduler_address,
                "--time-limit",
                "2",
                "--json",
                str(remote),
                "--quiet",
            ]
        )
    assert rc == 1
    assert _strip_times(json.loads(serial.read_text())) == _strip_times(json.loads(remote.read_text()))


def test_check_file_worker_is_picklable_and_matches_check_text():
    import pickle

    r = check_file((str(CHEAP[1]), 2.0, 12))
    assert pickle.loads(pickle.dumps(r)).to_json() == r.to_json()
    assert r.first_failure is not None and r.first_failure.label == "(2)"


def test_an_internal_failure_is_an_error_item_and_the_other_items_still_run(monkeypatch):
    import derivations.latex.document as document

    def boom(self, node, env=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(document.Semantics, "evaluate", boom)
    r = check_text("$$a = a$$\n\n$$b$$\n", **FAST)
    assert [s.verdict for s in r.steps] == ["error", "statement, not a chain"]
    assert "RuntimeError: boom" in r.steps[0].detail and not r.ok


# ---------------------------------------------------------------- extraction
def test_extraction_of_displays_labels_rows_inline_definitions_and_justifications():
    from derivations.latex.extract import extract

    doc = (
        "Let $a = 1$ and $b = 2$, with $c$ free; by setting $d = 3$ nothing is defined.\n"
        "\\begin{align*}\nA &= B \\tag{1} \\\\\n &= C \\tag{2}\n\\end{align*}\n"
        "\\[ D = E \\quad (3) \\]\n"
        "\\begin{equation}\\label{eq:x} F = G \\end{equation}\n"
        "(2) follows from the definition of C. More prose.\n"
    )
    ex = extract(doc)
    assert [f.label for f in ex.fragments] == ["(1)", "(2)", "(3)", None]
    assert [" ".join(f.latex.replace("&", " ").split()) for f in ex.fragments] == [
        "A = B",
        "= C",
        "D = E",
        "F = G",
    ]
    assert ex.fragments[1].row == 1 and ex.fragments[0].display == ex.fragments[1].display
    assert [(m.latex, m.definition) for m in ex.inline] == [
        ("a = 1", True),
        ("b = 2", True),
        ("c", False),
        ("d = 3", False),
    ]
    assert ex.justification("(2)") == "(2) follows from the definition of C"
    assert ex.justification("(9)") is None
    with pytest.raises(ValueError, match="text"):
        extract(b"bytes")  # type: ignore[arg-type]


def test_a_chain_continues_across_displays_and_columns_point_into_the_display():
    doc = (
        "$$\\log p(x|z) p(z) = \\log p(x|z) + \\log p(z) \\tag{1}$$\n\n$$= \\log p(x, z) + \\foo \\tag{2}$$\n"
    )
    r = check_text(doc, **FAST)
    assert r.step("(1)").verdict == "proved"
    (err,) = [s for s in r.steps if s.verdict == "parse error"]
    assert err.label == "(2)" and r"\foo" in err.detail and "column 18" in err.detail


_KL_NN = r"\mathrm{KL}(\mathcal{N}(\mu_1, \sigma^2) \| \mathcal{N}(\mu_2, \sigma^2)) = "


@pytest.mark.parametrize(
    "right, wrong",
    [
        (
            _KL_NN + r"\frac{(\mu_1-\mu_2)^2}{2\sigma^2}",
            _KL_NN + r"\frac{(\mu_1-\mu_2)^2}{\sigma^2}",
        ),
        (
            r"H(\mathcal{N}(\mu, \sigma^2)) = \frac{1}{2}\ln(2\pi e \sigma^2)",
            r"H(\mathcal{N}(\mu, \sigma^2)) = \frac{1}{2}\ln(2\pi \sigma^2)",
        ),
        (
            r"D_{KL}(q\|p) = E_{z \sim q}[\ln q(z) - \ln p(z)]",
            r"D_{KL}(q\|p) = E_{z \sim p}[\ln p(z) - \ln q(z)]",
        ),
        (
            r"\mathcal{KL}(q \mid\mid p) \cdot 2 = \text{KL}(q, p) + \mathrm{KL}[q\|p]",
            r"\mathcal{KL}(q \mid\mid p) \cdot 2 = \text{KL}(q, p) + \mathrm{KL}[p\|q]",
        ),
    ],
)
def test_issue_notation_is_read_and_a_wrong_variant_is_refuted(right, wrong):
    assert [s.verdict for s in check_text(f"$${right}$$", **FAST).steps] == ["proved"]
    assert [s.verdict for s in check_text(f"$${wrong}$$", **FAST).steps] == ["refuted"]
