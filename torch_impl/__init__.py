"""PyTorch layer (DESIGN.md): the VAE (:mod:`torch_impl.model`), its float32-accurate KL term
(:mod:`torch_impl.kl`), the linear VAE vs probabilistic PCA (:mod:`torch_impl.linear`), the
validations of every loss term (:mod:`torch_impl.evidence`) and the training entry point
(``python -m torch_impl.train``)."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("variational-verify")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


__version__ = _version()
