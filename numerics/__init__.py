"""NumPy/SciPy layer (DESIGN.md): stable, vectorised divergences (:mod:`numerics.divergences`),
the seeds' numeric programs (:mod:`numerics.em`, :mod:`numerics.kl_fit`, :mod:`numerics.gan_dual`),
accuracy sweeps against mpmath (:mod:`numerics.accuracy`), and Hypothesis strategies
(:mod:`numerics.strategies`) and properties (:mod:`numerics.properties`). Never imports torch."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("variational-verify")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


__version__ = _version()
