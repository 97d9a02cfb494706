"""When the divergences switch from their NumPy forms to the compiled kernels.

Every compiled path of :mod:`numerics.divergences` has a NumPy form that gives its bits exactly
(``tests/numerics/test_first_calls.py`` and the ``test_*_numpy_form.py`` files compare them on
adversarial inputs). Loading the compiled kernels — importing numba and :mod:`numerics._jit`, then
reading their machine code from the cache — costs ~0.3 s in a fresh process (0.2 s of imports and
0.05–0.2 s of machine code per family, warm cache; ``benchmarks/results/divergence_speed.json``),
while a NumPy form answers a first call in milliseconds at any size. The switch is the
deterministic rent-or-buy rule (Karlin, Manasse, Rudolph & Sleator, *Competitive snoopy caching*,
1988): compute by the NumPy forms ("rent") until the calls computed so have taken
:data:`LOAD_SECONDS` in all, then load the kernels ("buy"). A process that makes one call never
pays the load; one that makes many pays at most about twice what it would pay had it known in
advance how many calls come. The results are the same bits either way.

``NUMERICS_KERNELS`` overrides the rule: ``compiled`` loads the kernels at the first call (a
benchmark of steady-state speed), ``numpy`` never loads them (a process that must not import
numba), ``auto`` (the default) is the rule above. Once :mod:`numerics._jit` is imported — by this
rule or by anyone else — every call takes the compiled path.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar, cast

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: the compiled kernels' module
COMPILED = "numerics._jit"
#: seconds of NumPy-form calls after which the compiled kernels are loaded (≈ their loading time)
LOAD_SECONDS = 0.3
_MODES = ("auto", "compiled", "numpy")



class _Depth(threading.local):
    """How many metered calls this thread is inside (0 or 1)."""

    value = 0


_spent = [0.0]
_depth = _Depth()
_P = ParamSpec("_P")
_R = TypeVar("_R")
_A = TypeVar("_A", bound="NDArray")


def mode() -> str:
    """``NUMERICS_KERNELS`` (``auto`` when unset); ``ValueError`` naming it if it is not one of
    ``auto``, ``compiled``, ``numpy``."""
    value = os.environ.get("NUMERICS_KERNELS", "").strip().lower() or "auto"
    if value not in _MODES:
        raise ValueError(f"NUMERICS_KERNELS: expected one of {', '.join(_MODES)}, got {value!r}")
    return value


def compiled_loaded() -> bool:
    """Whether the compiled kernels are loaded (then every call takes them)."""
    return COMPILED in sys.modules


def spent_seconds() -> float:
    """Seconds the calls computed by the NumPy forms have taken so far in this process."""
    return _spent[0]


def metered(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """``fn`` (a public function) under the rule: before the call, the compiled kernels are loaded
    if the rule says so (see the module docstring); a call then computed by the NumPy forms adds
    its time to :func:`spent_seconds`. Nested metered calls count once (the outermost). Once the
    kernels are loaded this costs one dictionary lookup per call."""
    modules = sys.modules

    @functools.wraps(fn)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if COMPILED in modules or _depth.value:
            return fn(*args, **kwargs)
        chosen = mode()
        if chosen == "compiled" or (chosen == "auto" and _spent[0] >= LOAD_SECONDS):
            importlib.import_module(COMPILED)
            return fn(*args, **kwargs)
        _depth.value = 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _depth.value = 0
            _spent[0] += time.perf_counter() - start

    return call


def elementwise(kernel: str, numpy_form: Callable[..., _A], *arrays: _A) -> _A:
    """``numpy_form(*arrays)`` before the compiled kernels are loaded; after, the compiled
    ``numerics._jit.<kernel>(*flat arrays, out)`` over C-contiguous float64 copies, reshaped to
    the first array's shape — the same bits (each kernel's tests compare the two)."""
    if not compiled_loaded():
        return numpy_form(*arrays)
    import numpy as np

    flat = [np.ascontiguousarray(x, dtype=np.float64).reshape(-1) for x in arrays]
    out = np.empty(flat[0].size)
    getattr(sys.modules[COMPILED], kernel)(*flat, out)
    return cast(_A, out.reshape(np.shape(arrays[0])))
