"""NumPy/SciPy layer (docs/architecture.md): stable, vectorised divergences (:mod:`numerics.divergences`),
the seeds' numeric programs (:mod:`numerics.em`, :mod:`numerics.kl_fit`, :mod:`numerics.gan_dual`),
accuracy sweeps against mpmath (:mod:`numerics.accuracy`), and Hypothesis strategies
(:mod:`numerics.strategies`) and properties (:mod:`numerics.properties`). Never imports torch."""


def __getattr__(name: str) -> str:
    """``__version__``: the distribution's version, as :data:`derivations.__version__` (imported
    only when asked for)."""
    if name == "__version__":
        from derivations import __version__

        return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
