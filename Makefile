# Two entry points (README): `make report` (the full verification report) and `make test`.
# Both create .venv and install the project on first use; torch comes from
# `pip install torch==2.13.0`, which picks the local CPU build (never the CUDA build).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# worker processes for the report (default: the CPUs available)
JOBS ?=

.PHONY: venv report test lint docs bench train clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test,docs,train,dask]'
	touch $(STAMP)

# the documents `check` reads for the report (exit 1 = a document has a failing step, as some of these must)
DOCUMENTS ?= $(wildcard tests/derivations/latex_corpus/*.md tests/derivations/latex_corpus/*.tex)

report: $(STAMP)
	$(PY) -m derivations verify $(if $(JOBS),--jobs $(JOBS)) --json reports/claims.json --markdown reports/claims.md --junit reports/junit.xml --html reports/claims.html
	$(PY) -m numerics.kl_fit reports/kl_fits.png
	$(PY) -m derivations check $(if $(JOBS),--jobs $(JOBS)) --quiet --json reports/documents.json --html reports/documents.html $(DOCUMENTS) || test $$? -eq 1
	$(PY) -m derivations.runner.html_site reports

bench: $(STAMP)
	$(PY) -m benchmarks.divergence_accuracy
	$(PY) -m benchmarks.divergence_speed
	$(PY) -m benchmarks.numpy_form_speed
	$(PY) -m benchmarks.vae_throughput
	$(PY) -m benchmarks.report_time
	$(PY) -m benchmarks.checker_corpus
	$(PY) -m benchmarks.checker_speed
	$(PY) -m benchmarks.audit_speed
	$(PY) -m benchmarks.few_labels
	$(PY) -m benchmarks.tables
	$(PY) -m benchmarks.divergence_tables

train: $(STAMP)
	$(PY) -m torch_impl.train --epochs 100 --latent-dim 8 --likelihood bernoulli --seed 0 --out runs/digits

test: $(STAMP)
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(PY) -m pytest -n 2 tests
	$(PY) -m ruff check .

# the documentation site (docs/_build/html); -W: warnings are errors; doctest: its examples run
docs: $(STAMP)
	$(PY) -m sphinx -W -q -b doctest docs docs/_build/doctest
	$(PY) -m sphinx -W -q -b html docs docs/_build/html

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) docs/_build reports/*.json reports/*.md reports/*.xml reports/*.html
