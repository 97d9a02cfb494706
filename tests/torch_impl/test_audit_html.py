"""The audit page: a correct loss and a refuted one (β_eff = B/128, the fixed-batch division of
pytorch/examples-style code) rendered from their JSON dicts, formulas as MathML, the plot of the
loss against −ELBO; the auditor's ``--html``; the page in headless Chromium."""

from __future__ import annotations

import json
import re

import pytest

from derivations.runner.html_audit import audit_page, formula_latex, scatter_svg
from tests.browser import MATHS_PROBE, browser, screenshot  # noqa: F401 (fixture)
from tests.torch_impl import audit_losses as L
from torch_impl.audit import ModelSpec, audit_elbo_loss
from torch_impl.audit.__main__ import main as audit_main

FAST = {"batch_sizes": (3, 96), "data_shapes": ((4,), (9,)), "latent_dims": (2,), "draws": 6,
        "extreme_draws": 1}
BERN = ModelSpec("bernoulli", arguments=("recon", "x", "mu", "logvar"))


@pytest.fixture(scope="module")
def audits() -> dict[str, dict]:
    return {name: audit_elbo_loss(fn, BERN, **FAST).to_dict()
            for name, fn in (("equals", L.pixel_mean_matching_beta), ("beta", L.fixed_batch_division))}


def test_points_are_the_audited_draws_and_lie_on_the_fit(audits):
    good = audits["equals"]
    assert len(good["points"]) == 4 * 7  # 4 configurations × (6 + 1) draws
    # a = 1/(B·D), c = 0: loss = −ELBO/(B·D) at every draw
    for p in good["points"]:
        b, d = (int(v) for v in re.findall(r"[BD] = (\d+)", p["configuration"]))
        assert p["loss"] == pytest.approx(p["neg_elbo"] / (b * d), rel=1e-9)


def test_audit_page_shows_verdict_formulas_conventions_counterexample_and_plot(audits):
    html = audit_page(audits["beta"])
    assert "β mismatch" in html and "(refuted)" in html
    assert html.count("<mfrac>") >= 2  # a = 1/(B·D), β_eff = B/128
    assert 'class="not-rendered"' not in html and "<merror" not in html
    assert "KL term's convention" in html and "sampler's convention" in html
    assert "B = 96" in html  # the counterexample configuration
    assert html.count("<circle") >= len(audits["beta"]["points"])
    good = audit_page(audits["equals"])
    assert "equals −ELBO up to a &gt; 0 and c" in good and "(refuted)" not in good
    with pytest.raises(ValueError, match="audit"):
        audit_page({"model": "no verdict"})


def test_formula_text_becomes_latex():
    assert formula_latex("1/(B·D)") == r"\frac{1}{B\cdot D}"
    assert formula_latex("B/128") == r"\frac{B}{128}"
    assert formula_latex("-log(2π)/2") == r"-\log (2\pi )/2"


def test_plot_without_finite_points_says_so():
    assert "no finite" in scatter_svg([{"configuration": "B = 1", "neg_elbo": "nan", "loss": 1.0}])


def test_auditor_cli_writes_the_html_page(tmp_path, capsys):
    out = tmp_path / "audit.html"
    code = audit_main(["tests.torch_impl.audit_losses:fixed_batch_division", "--likelihood", "bernoulli",
                       "--args", "recon,x,mu,logvar", "--json", "--html", str(out)])
    assert code == 1
    data = json.loads(capsys.readouterr().out)
    html = out.read_text(encoding="utf-8")
    assert data["verdict"] in html and html.startswith("<!DOCTYPE html>")
    with pytest.raises(SystemExit) as exc:  # a directory: a usage error before any audit
        audit_main(["tests.torch_impl.audit_losses:fixed_batch_division", "--likelihood", "bernoulli",
                    "--html", str(tmp_path)])
    assert exc.value.code == 2 and "--html" in capsys.readouterr().err


def test_audit_page_in_chromium(browser, audits, tmp_path):  # noqa: F811
    path = tmp_path / "audit.html"
    path.write_text(audit_page(audits["beta"]), encoding="utf-8")
    page = browser.open(path)
    probe = page.evaluate(MATHS_PROBE)
    assert probe["maths"] >= 5 and probe["raw"] == [] and probe["merror"] == 0 and probe["notRendered"] == []
    assert probe["textLatex"] == []
    assert page.locator("svg.plot circle").count() >= len(audits["beta"]["points"])
    assert page.locator("svg.plot").bounding_box()["height"] > 100
    assert browser.console_errors() == []
    assert [u for u in browser.requests if not u.startswith("file://")] == []
    assert screenshot(page, "screenshot-audit.png").stat().st_size > 10_000
    page.close()


def test_iwae_audit_page_without_points():
    iwae = {"kind": "iwae", "verdict": "missing −log K", "refuted": True, "model": "bernoulli logits", "K": 5,
            "gradient_checked": True, "a": {"formula": "1", "exact": True, "values": [1.0]},
            "c": {"formula": "-log K", "exact": True, "values": [-1.609]}, "diagnosis": ["c = −log K"],
            "configurations": ["B = 3, D = 4 (shape (4,)), d = 2"], "draws": 4, "tolerance": 1e-9,
            "tolerance_reason": "float64", "worst_residual": 1e-15, "notes": []}
    html = audit_page(iwae)
    assert "missing −log K" in html and "<dt>K</dt>" in html and "no finite (−ELBO, loss) pairs" in html
    assert 'class="not-rendered"' not in html and "<merror" not in html
