"""The documentation's benchmark tables are generated from ``benchmarks/results/*.json``
(``python -m benchmarks.tables``): the page is what the results give, and a stale, unknown or
unterminated table is reported, never silently kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import tables

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "benchmarks.md"


def test_the_benchmarks_page_is_what_the_results_give() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert tables.render(text, page=str(PAGE)) == text, "stale tables: run `python -m benchmarks.tables`"


def test_every_table_appears_on_the_page() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert all(f"<!-- table: {name} -->" in text for name in tables.TABLES)


def _few_labels(results: Path, vae_mean: float) -> None:
    cell = {"mean": vae_mean, "std": 0.01, "runs": [vae_mean]}
    other = {"mean": 0.5, "std": 0.02, "runs": [0.5]}
    data = {
        "seeds": 1, "latent_dim": 8, "epochs": 1, "seconds": 1.0,
        "accuracy": {"vae": {"0.01": cell}, "pca": {"0.01": other}, "pixels": {"0.01": other}},
        "winner": {"0.01": "vae" if vae_mean > 0.5 else "pca"},
    }
    (results / "few_labels.json").write_text(json.dumps(data), encoding="utf-8")


def test_a_stale_table_is_rewritten_and_check_fails_on_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results"
    results.mkdir()
    _few_labels(results, 0.75)
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n<!-- table: few_labels -->\n| typed | by hand |\n<!-- end table -->\ntail\n",
                    encoding="utf-8")
    before = page.read_text(encoding="utf-8")
    assert tables.main(["--check", "--results", str(results), str(page)]) == 1
    assert page.read_text(encoding="utf-8") == before  # --check changes nothing
    assert tables.main(["--results", str(results), str(page)]) == 0
    after = page.read_text(encoding="utf-8")
    assert "0.750 ± 0.010" in after and "typed" not in after and after.endswith("<!-- end table -->\ntail\n")
    assert tables.main(["--check", "--results", str(results), str(page)]) == 0
    _few_labels(results, 0.25)  # new results: the table is stale again
    assert tables.main(["--check", "--results", str(results), str(page)]) == 1
    capsys.readouterr()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<!-- table: no_such_benchmark -->\n<!-- end table -->\n", "unknown table 'no_such_benchmark'"),
        ("<!-- table: few_labels -->\n| a |\n", "has no <!-- end table -->"),
        ("<!-- table: few_labels -->\n<!-- table: few_labels -->\n<!-- end table -->\n", "has no <!-- end"),
        ("text\n<!-- end table -->\n", "without a table marker"),
        ("<!-- table: report_time -->\n<!-- end table -->\n", "no such results file"),
    ],
)
def test_bad_markers_and_missing_results_are_errors(tmp_path: Path, text: str, message: str) -> None:
    results = tmp_path / "results"
    results.mkdir()
    _few_labels(results, 0.75)
    with pytest.raises(tables.TableError, match=message):
        tables.render(text, results)
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    assert tables.main(["--results", str(results), str(page)]) == 2
    assert page.read_text(encoding="utf-8") == text


def test_a_results_file_of_another_layout_is_an_error_naming_the_table(tmp_path: Path) -> None:
    (tmp_path / "few_labels.json").write_text(json.dumps({"accuracy": []}), encoding="utf-8")
    with pytest.raises(tables.TableError, match="table 'few_labels': the results file does not have"):
        tables.render("<!-- table: few_labels -->\n<!-- end table -->\n", tmp_path)
