"""The HTML reports (claims and documents): rendered from the JSON reports' dicts, every formula as
MathML, verdicts as colour and text; then loaded from ``file://`` in headless Chromium (counts in
the DOM equal the JSON's, a filter click hides the other verdicts, no console errors, no request
leaves the page, a screenshot in ``reports/``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sympy as sp

from derivations.checker.identities import decide_equal
from derivations.checker.verdicts import Evidence
from derivations.latex.document import check_text
from derivations.runner.html_claims import claims_page, point_html, seeds_of, topic_of
from derivations.runner.html_documents import document_fragment, documents_page, trimmed_point
from derivations.runner.html_page import badge
from derivations.runner.html_site import build_site
from derivations.runner.mathml import NOT_RENDERED_CLASS, latex_to_mathml, number_to_mathml
from derivations.runner.registry import Claim, run_evidence
from derivations.runner.report import ClaimResult, run_claims, to_json, write_reports
from tests.browser import MATHS_PROBE, browser, screenshot  # noqa: F401 (fixture)

CORPUS = Path(__file__).parent / "latex_corpus"
_MATH = re.compile(r"<math\b.*?</math>", re.S)


def _wrong_kl_factor() -> Evidence:
    """KL(N(μq,σ²) ‖ N(μp,σ²)) = (μq − μp)²/σ²: the factor 2 dropped (a wrong variant of
    ECE 544 PS5, 1(d)), decided by the checker against the exact closed form."""
    mq, mp = sp.symbols("mu_q mu_p", real=True)
    s = sp.Symbol("sigma", positive=True)
    exact = (mq - mp) ** 2 / (2 * s**2)
    return decide_equal(exact, (mq - mp) ** 2 / s**2).evidence("symbolic")


def _raises() -> Evidence:
    raise ZeroDivisionError("the evidence function divided by zero")


def _needs_missing_torch() -> Evidence:
    raise ModuleNotFoundError("No module named 'torch'", name="torch")


@pytest.fixture(scope="module")
def claims_report() -> dict:
    """Two real claims run by the runner (a proved identity, a seed finding), plus a wrong variant
    refuted by the checker, an evidence function that raises, and one skipped for torch."""
    real = run_claims(["kl.self_zero", "seed001.entropy_definition"], ("symbolic",), jobs=1)
    made = []
    for cid, fn, latex in (
        ("demo.kl_missing_half", _wrong_kl_factor,
         r"\mathrm{KL}(\mathcal{N}(\mu_q,\sigma^2)\,\|\,\mathcal{N}(\mu_p,\sigma^2))"
         r" = \frac{(\mu_q-\mu_p)^2}{\sigma^2}"),
        ("demo.raises", _raises, r"\sum_{k=1}^{K} \pi_k = 1"),
        ("demo.needs_torch", _needs_missing_torch, r"\mathbb{E}_{q}[\log p(x\mid z)]"),
    ):
        claim = Claim(cid, f"{cid} (a test claim)", latex, "ECE 544 PS5 1(d) (seed 004)",
                      evidence_fns={"symbolic": fn})
        made.append(ClaimResult(claim, [run_evidence(claim, "symbolic")]))
    return json.loads(to_json(real + made, 1.5, "test-run"))


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    """Three corpus documents (one correct, two with a refuted step) and a document whose notation
    the front end does not read."""
    docs = [check_text((CORPUS / name).read_text(encoding="utf-8"), name, points=8)
            for name in ("01_elbo_decomposition.md", "10_gaussian_kl_factor.md", "12_elbo_entropy_sign.md")]
    unread = "A student writes\n\n$$\\log p(x) = \\oint_{\\partial\\Omega} \\omega \\tag{1}$$\n"
    docs.append(check_text(unread, "contour.md", points=8))
    return [d.to_json() for d in docs]


# ---------------------------------------------------------------------------------------------
# Without a browser


def test_the_fixture_has_every_outcome(claims_report):
    outcomes = {c["id"]: c["outcome"] for c in claims_report["claims"]}
    assert outcomes == {"kl.self_zero": "supported", "seed001.entropy_definition": "finding",
                        "demo.kl_missing_half": "refuted", "demo.raises": "error",
                        "demo.needs_torch": "skipped"}


def test_latex_becomes_mathml_without_raw_latex_or_error_nodes():
    for tex in (r"\frac{(\mu_q-\mu_p)^2}{2\sigma^2}", r"\mathbb{E}_{q(z\mid x)}\left[\log p(x\mid z)\right]",
                r"F(\theta, q) &= \sum_z q(z) \log p_\theta(x, z) \\ &= 0", r"$$a \le b \tag{3}$$"):
        out = latex_to_mathml(tex)
        assert out.startswith("<math") and "merror" not in out and "\\" not in out, (tex, out)


def test_every_registered_claim_statement_renders():
    """The statements of all registered claims (the claim page's maths) render; \\arg\\min, which the
    converter lacks, is written as an operator name."""
    from derivations.runner.registry import all_claims

    claims = all_claims()
    unrendered = [c.id for c in claims if NOT_RENDERED_CLASS in latex_to_mathml(c.latex, display=True)]
    assert claims and unrendered == []
    assert "<mo>arg</mo>" in latex_to_mathml(r"\arg\min_q \mathrm{KL}(q\|p)")


def test_a_fragment_the_converter_cannot_render_is_labelled_not_hidden():
    out = latex_to_mathml(r"\mysteriousmacro{x} + 1")
    assert NOT_RENDERED_CLASS in out and "not rendered" in out and r"\mysteriousmacro{x} + 1" in out
    out = latex_to_mathml(r"\frac{1}{")  # unbalanced: the converter raises
    assert NOT_RENDERED_CLASS in out


def test_numbers_are_written_by_sympys_printer_and_text_is_never_evaluated():
    assert "<mfrac><mn>3</mn><mn>7</mn></mfrac>" in number_to_mathml("3/7")
    quarter = number_to_mathml("-0.25")
    assert "<mn>-0.25</mn>" in quarter or "<mo>-</mo><mn>0.25</mn>" in quarter
    evil = number_to_mathml("__import__('os').system('false')")
    assert "<mtext>" in evil and "__import__" in evil


def test_a_verdict_is_colour_and_text():
    for verdict in ("proved", "refuted", "error", "skipped", "numerically consistent", "undecided"):
        b = badge(verdict)
        assert f">{verdict}<" in b and re.search(r'class="badge (good|bad|warn|muted|neutral)"', b)
    assert "bad" in badge("refuted") and "good" in badge("proved")


def test_claim_page_every_formula_renders_and_every_evidence_field_is_shown(claims_report):
    html = claims_page(claims_report)
    assert f'class="{NOT_RENDERED_CLASS}"' not in html and "<merror" not in html
    for m in _MATH.findall(html):
        assert not re.search(r">\s*\\[A-Za-z]", m), m
    refuted = next(c for c in claims_report["claims"] if c["id"] == "demo.kl_missing_half")
    ce = refuted["evidence"][0]["counterexample"]
    assert "left side" in html and "right side" in html and set(ce) >= {"lhs", "rhs"}
    assert "ZeroDivisionError" in html and "traceback" in html  # the error's traceback
    assert "torch not installed" in html  # the skip reason
    assert 'id="seed-findings"' in html and "seed001.entropy_definition" in html
    assert "<script" in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "default-src 'none'" in html  # nothing is fetched at view time


def test_claim_page_rejects_a_report_without_claims():
    with pytest.raises(ValueError, match="report"):
        claims_page({"summary": "no claims key"})


def test_seed_topic_and_point_helpers():
    assert seeds_of("CS 446 HW8 1(a) (seed 000); ECE 544 PS5 1(a) (seed 004)") == ["seed 000", "seed 004"]
    assert topic_of("gaussian_kl.equal_variance") == "gaussian_kl"
    html = point_html({"step": "(19)", "pi[1]": "0.25", "\\mu_q": "3/7", "lhs": "1.5", "rhs": "-2"})
    assert "step" in html and "left side" in html and "<msub>" in html and "<mfrac>" in html


def test_refuted_step_point_keeps_only_the_symbols_the_step_uses():
    step = {"latex": r"= \frac{(\mu_q - \mu_p)^2}{\sigma^2}",
            "parsed": r"\int_z q(z) = \frac{(\mu_q-\mu_p)^2}{\sigma^2}",
            "counterexample": {"K": "1", r"\mu_p": "0.4", r"\mu_q": "3", r"\sigma": "1.9", "ell[1]": "1.1",
                               "lhs": "0.9", "rhs": "1.8"}}
    assert set(trimmed_point(step)) == {r"\mu_p", r"\mu_q", r"\sigma", "lhs", "rhs"}


def test_document_page_shows_written_beside_understood_and_quotes_unread_notation(documents):
    html = documents_page(documents, 2.0)
    assert "as written" in html and "as understood" in html
    assert html.count('class="document"') == len(documents)
    assert "left side" in html and "right side" in html  # the refuted steps' both sides
    assert "Definitions" in html  # 10_gaussian_kl_factor defines q and p
    unread = next(d for d in documents if d["path"] == "contour.md")
    assert not unread["ok"]
    assert "unsupported-tex" in html and "\\oint_{\\partial\\Omega}" in html
    with pytest.raises(ValueError, match="documents"):
        documents_page({"documents": []})  # type: ignore[arg-type]


def test_verify_writes_the_html_report_with_the_others(tmp_path):
    results = run_claims(["kl.self_zero"], ("symbolic",), jobs=1)
    out = tmp_path / "r.html"
    write_reports(results, 0.1, json_path=tmp_path / "r.json", html_path=out, run_id="x")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(tmp_path.glob(".*.tmp"))


#: a 1×1 PNG, for the site's embedded figure
PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                      "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def test_site_writes_index_claims_with_figures_and_documents(tmp_path, claims_report, documents):
    (tmp_path / "claims.json").write_text(json.dumps(claims_report), encoding="utf-8")
    (tmp_path / "documents.json").write_text(json.dumps({"seconds": 1.0, "documents": documents}),
                                             encoding="utf-8")
    (tmp_path / "kl_fits.png").write_bytes(PIXEL)
    written = build_site(tmp_path)
    assert sorted(p.name for p in written) == ["claims.html", "documents.html", "index.html"]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="claims.html"' in index and 'href="documents.html"' in index
    assert 'href="kl_fits.png"' in index
    assert "data:image/png;base64," in (tmp_path / "claims.html").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="folder"):
        build_site(tmp_path / "missing")


def test_document_fragment_for_notebooks_styles_only_itself(documents):
    frag = document_fragment(documents[1])
    assert frag.startswith('<div class="vv-document"><style>') and "<script" not in frag
    css = frag.split("<style>")[1].split("</style>")[0]
    selectors = [sel.strip() for rule in re.findall(r"([^{}]+)\{", css) for sel in rule.split(",")]
    assert selectors and all(sel.startswith(".vv-document") for sel in selectors), selectors
    with pytest.raises(ValueError, match="doc"):
        document_fragment({"path": "x"})


def test_verify_and_check_command_lines_write_html(tmp_path):
    from derivations.latex.cli import main as check_main
    from derivations.runner.cli import main as verify_main

    claims = tmp_path / "claims.html"
    assert verify_main(["verify", "kl.self_zero", "--method", "symbolic", "--jobs", "1", "--no-progress",
                        "-q", "--html", str(claims)]) == 0
    assert "kl.self_zero" in claims.read_text(encoding="utf-8")
    docs = tmp_path / "docs.html"
    code = check_main([str(CORPUS / "02_elbo_decomposition_sign.md"), "--jobs", "1", "--quiet",
                       "--html", str(docs)])
    assert code == 1  # the document has a refuted step
    text = docs.read_text(encoding="utf-8")
    assert "02_elbo_decomposition_sign.md" in text and "left side" in text
    assert verify_main(["verify", "kl.self_zero", "--html", str(tmp_path)]) == 2  # a directory: usage error


# ---------------------------------------------------------------------------------------------
# In headless Chromium


def _maths_ok(page, *, allowed_not_rendered: int = 0) -> dict:
    probe = page.evaluate(MATHS_PROBE)
    assert probe["maths"] > 0 and probe["raw"] == [] and probe["merror"] == 0, probe
    assert len(probe["notRendered"]) == allowed_not_rendered, probe["notRendered"]
    assert probe["textLatex"] == [], probe["textLatex"]
    assert probe["fracHeight"] > 20, "MathML fractions are not laid out (stacked) by the browser"
    return probe


def test_claim_page_in_chromium(browser, claims_report, tmp_path):  # noqa: F811
    path = tmp_path / "claims.html"
    path.write_text(claims_page(claims_report), encoding="utf-8")
    page = browser.open(path)
    toolkit = [c for c in claims_report["claims"] if c["kind"] == "toolkit"]
    expected: dict[str, int] = {}
    for c in toolkit:
        expected[c["outcome"]] = expected.get(c["outcome"], 0) + 1
    shown = page.eval_on_selector_all(
        '[data-set-filter="verdict"][data-table="claims"]',
        "bs => Object.fromEntries(bs.map(b => [b.dataset.value, +b.querySelector('.n').textContent]))")
    assert shown == expected
    assert page.locator("#claims tbody tr").count() == len(toolkit)
    assert page.locator("[data-total=claims]").inner_text() == str(len(claims_report["claims"]))
    _maths_ok(page)
    page.click('[data-set-filter="verdict"][data-table="claims"][data-value="refuted"]')
    visible = page.eval_on_selector_all("#claims tbody tr:not(.hidden)",
                                        "rs => rs.map(r => r.dataset.verdict)")
    assert visible == ["refuted"] * expected["refuted"]
    assert page.locator('[data-shown="claims"]').inner_text() == str(expected["refuted"])
    page.click('[data-set-filter="verdict"][data-table="claims"][data-value="refuted"]')  # again: all
    assert page.locator("#claims tbody tr.hidden").count() == 0
    page.select_option('select[data-filter="topic"][data-table="claims"]', "demo")
    assert page.locator("#claims tbody tr:not(.hidden)").count() == 3
    page.select_option('select[data-filter="topic"][data-table="claims"]', "")
    page.click('[data-sort="id"][data-table="claims"]')
    ids = page.eval_on_selector_all("#claims tbody tr", "rs => rs.map(r => r.dataset.id)")
    assert ids == sorted(ids)
    page.click('[data-sort="seconds"][data-table="claims"]')
    secs = page.eval_on_selector_all("#claims tbody tr", "rs => rs.map(r => +r.dataset.seconds)")
    assert secs == sorted(secs)
    assert browser.console_errors() == []
    assert [u for u in browser.requests if not u.startswith("file://")] == []
    assert screenshot(page, "screenshot-claims.png").stat().st_size > 10_000
    page.close()


def test_document_page_in_chromium(browser, documents, tmp_path):  # noqa: F811
    path = tmp_path / "documents.html"
    path.write_text(documents_page(documents, 2.0), encoding="utf-8")
    page = browser.open(path)
    assert page.locator("[data-total=documents]").inner_text() == str(len(documents))
    assert page.locator("[data-ok-documents]").inner_text() == str(sum(d["ok"] for d in documents))
    _maths_ok(page, allowed_not_rendered=0)
    page.click('[data-set-filter="verdict"][data-table="documents"][data-value="refuted"]')
    visible = page.eval_on_selector_all("#documents tbody tr:not(.hidden)",
                                        "rs => rs.map(r => r.dataset.verdict)")
    assert visible and set(visible) == {"refuted"}
    assert browser.console_errors() == []
    assert [u for u in browser.requests if not u.startswith("file://")] == []
    assert screenshot(page, "screenshot-documents.png").stat().st_size > 10_000
    page.close()
