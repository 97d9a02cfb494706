"""Accuracy and speed benchmarks; results go to benchmarks/results/*.json (quoted by README)."""
