"""Accuracy and speed benchmarks; results go to benchmarks/results/*.json, and the tables of
docs/benchmarks.md are generated from them by ``python -m benchmarks.tables``."""
