"""NumPy/SciPy layer (DESIGN.md): stable, vectorised divergences (:mod:`numerics.divergences`),
the seeds' numeric programs (:mod:`numerics.em`, :mod:`numerics.kl_fit`, :mod:`numerics.gan_dual`),
accuracy sweeps against mpmath (:mod:`numerics.accuracy`), and Hypothesis strategies
(:mod:`numerics.strategies`) and properties (:mod:`numerics.properties`). Never imports torch."""
