"""PyTorch layer (docs/architecture.md): the VAE (:mod:`torch_impl.model`), its float32-accurate KL term
(:mod:`torch_impl.kl`), the linear VAE vs probabilistic PCA (:mod:`torch_impl.linear`), the
validations of every loss term (:mod:`torch_impl.evidence`) and the training entry point
(``python -m torch_impl.train``)."""


def __getattr__(name: str) -> str:
    """``__version__``: the distribution's version, as :data:`derivations.__version__` (imported
    only when asked for)."""
    if name == "__version__":
        from derivations import __version__

        return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
