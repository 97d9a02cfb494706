"""NumPy/SciPy layer (DESIGN.md): stable divergences, the seeds' numeric programs and Hypothesis
strategies. Depends on :mod:`derivations`, never on torch. Contents arrive with issue #4."""
