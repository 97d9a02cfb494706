"""A bad-input fuzzer for the public functions of ``numerics`` and ``torch_impl`` (DESIGN.md,
Errors; standard 4 of the project: bad input gets a ``ValueError`` naming the argument and the
problem, never a silent NaN, inf only where the mathematics says so).

A :class:`Spec` is one valid call; :func:`fuzz` replaces one argument at a time by each value of a
pool of strangers' inputs — Python lists, tuples, ints, bools, strings, None, complex numbers,
object and ragged arrays, 0-d and empty arrays, float16/float32/int/big-endian arrays, NaN/±inf in
each position, huge (1e308) and tiny (5e−324) values, torch tensors for NumPy functions and NumPy
arrays for torch functions, tensors that require grad, of the wrong dtype, non-contiguous, on the
meta device — and classifies each outcome (:func:`call_one`). Allowed: a finite result; inf where
the mutation makes the exact value overflow or puts mass where the other distribution has none
(``Bad.may_inf``); a ``ValueError`` whose message names the mutated argument (any argument for a
shape mismatch). Everything else is a finding: NaN anywhere in the result, any other exception,
a warning, a call that runs past its time limit, and a finite result for an input that has no
meaning (``Bad.reject``: strings, None, NaN, negative scales, probabilities that do not sum to 1…).
Deterministic: the pools are fixed values, the models are built from fixed seeds."""

from __future__ import annotations

import dataclasses
import math
import re
import signal
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

try:
    import torch
except ImportError:  # pragma: no cover - numerics is tested without torch too
    torch = None


@dataclass(frozen=True)
class Bad:
    label: str
    value: Any
    reject: bool = False  # a finite result would be silent garbage: must be ValueError
    may_inf: bool = False  # inf in the result is the mathematics (overflow, support mismatch)
    shape: bool = False  # a shape mismatch between arguments: the message may name any of them


@dataclass
class Spec:
    name: str
    fn: Callable[..., Any]
    args: dict[str, Any]
    kinds: dict[
        str, str
    ]  # arg -> "array" | "prob" | "positive" | "real" | "int" | "bool" | "obj" | "tensor" | ...
    inf_ok: Callable[[dict[str, Any]], bool] | None = None
    timeout: float = 20.0


@dataclass
class Outcome:
    spec: str
    arg: str
    label: str
    status: str  # ok-value, ok-inf, ok-valueerror, FINDING
    detail: str


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def _scan(x: Any, seen: int = 0) -> tuple[bool, bool]:
    """(has_nan, has_inf) anywhere in a result."""
    if seen > 6:
        return False, False
    if x is None or isinstance(x, (str, bytes, bool)):
        return False, False
    if torch is not None and isinstance(x, torch.Tensor):
        t = x.detach()
        if not (t.is_floating_point() or t.is_complex()):
            return False, False
        return bool(torch.isnan(t).any()), bool(torch.isinf(t).any())
    if isinstance(x, (float, int, np.generic, np.ndarray)):
        a = np.asarray(x)
        if a.dtype.kind not in "fc":
            return False, False
        return bool(np.isnan(a).any()), bool(np.isinf(a).any())
    items: list[Any] = []
    if isinstance(x, dict):
        items = list(x.values())
    elif isinstance(x, (list, tuple)):
        items = list(x)
    elif dataclasses.is_dataclass(x):
        items = [getattr(x, f.name) for f in dataclasses.fields(x)]
    else:
        try:
            import mpmath

            if isinstance(x, mpmath.mpf):
                return bool(mpmath.isnan(x)), bool(mpmath.isinf(x))
        except ImportError:  # pragma: no cover
            pass
        return False, False
    nan = inf = False
    for it in items:
        a, b = _scan(it, seen + 1)
        nan, inf = nan or a, inf or b
    return nan, inf


def names_arg(msg: str, arg: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(arg)}(?![\w])", msg) is not None


def call_one(spec: Spec, arg: str, bad: Bad) -> Outcome:
    kwargs = dict(spec.args)
    kwargs[arg] = bad.value
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, spec.timeout)
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
                result = spec.fn(**kwargs)
    except _Timeout:
        return Outcome(spec.name, arg, bad.label, "FINDING", f"hang (> {spec.timeout} s)")
    except AssertionError as exc:  # an assert_* helper refuting a valid but different claim
        if spec.name.startswith("assert_") and not bad.reject:
            return Outcome(spec.name, arg, bad.label, "ok-refuted", str(exc)[:80])
        return Outcome(spec.name, arg, bad.label, "FINDING", f"AssertionError: {str(exc)[:200]}")
    except ValueError as exc:
        msg = str(exc)
        if names_arg(msg, arg) or (bad.shape and any(names_arg(msg, a) for a in spec.args)):
            return Outcome(spec.name, arg, bad.label, "ok-valueerror", msg[:160])
        return Outcome(spec.name, arg, bad.label, "FINDING", f"ValueError not naming {arg!r}: {msg[:200]}")
    except Exception as exc:
        return Outcome(spec.name, arg, bad.label, "FINDING", f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if caught:
        w = caught[0]
        return Outcome(
            spec.name,
            arg,
            bad.label,
            "FINDING",
            f"{w.category.__name__} leaked: {str(w.message)[:160]} ({len(caught)} warnings)",
        )
    nan, inf = _scan(result)
    if nan:
        return Outcome(spec.name, arg, bad.label, "FINDING", f"NaN in result: {_short(result)}")
    if bad.reject:
        return Outcome(spec.name, arg, bad.label, "FINDING", f"accepted silently: {_short(result)}")
    if inf:
        if bad.may_inf or (spec.inf_ok is not None and spec.inf_ok(kwargs)):
            return Outcome(spec.name, arg, bad.label, "ok-inf", _short(result))
        return Outcome(spec.name, arg, bad.label, "FINDING", f"inf in result: {_short(result)}")
    return Outcome(spec.name, arg, bad.label, "ok-value", _short(result))


def _short(x: Any) -> str:
    s = repr(x)
    return s if len(s) < 120 else s[:117] + "..."


# ----------------------------------------------------------------- mutation pools


def _torch_of(v: np.ndarray, grad: bool = False) -> Any:
    t = torch.tensor(np.asarray(v, dtype=np.float64))
    return t.requires_grad_(True) if grad else t


NAN, INF = math.nan, math.inf

GENERIC = [
    Bad("None", None, reject=True),
    Bad("str 'abc'", "abc", reject=True),
    Bad("numeric str '0.5'", "0.5", reject=True),
    Bad("bytes", b"0.5", reject=True),
    Bad("dict", {}, reject=True),
    Bad("set", {0.5}, reject=True),
    Bad("complex 0.5+1j", 0.5 + 1j, reject=True),
    Bad("complex with zero imag", complex(0.5, 0.0), reject=True),
    Bad("nan", NAN, reject=True),
    Bad("np.float32(nan)", np.float32("nan"), reject=True),
    Bad("object array with None", np.array([0.5, None], dtype=object), reject=True),
    Bad("ragged nested list", [[0.5], [0.2, 0.3]], reject=True),
    Bad("list with None", [0.5, None], reject=True),
    Bad("list with str", [0.5, "x"], reject=True),
    Bad("inf", INF, may_inf=True),
    Bad("-inf", -INF, may_inf=True),
    Bad("1e308", 1e308, may_inf=True),
    Bad("-1e308", -1e308, may_inf=True),
    Bad("5e-324", 5e-324, may_inf=True),
    Bad("0.0", 0.0, may_inf=True),
    Bad("-1.0", -1.0, may_inf=True),
    Bad("int 1", 1, may_inf=True),
    Bad("Fraction(1, 2)", Fraction(1, 2)),
    Bad("Decimal('0.5')", Decimal("0.5")),
    Bad("empty list", [], may_inf=True),
    Bad("empty array", np.array([]), may_inf=True),
    Bad("0-d array", np.array(0.5)),
    Bad("float16 scalar", np.float16(0.5)),
]


def array_mutations(v: Any, kind: str) -> list[Bad]:
    """Mutations derived from a valid array argument ``v``."""
    a = np.asarray(v, dtype=np.float64)
    with np.errstate(over="ignore"):  # a * 1e308 overflows to inf on purpose
        huge = a * 1e308
    out: list[Bad] = [
        Bad("as list", a.tolist()),
        Bad("as tuple", tuple(a.tolist()) if a.ndim == 1 else tuple(map(tuple, a.tolist()))),
        Bad("float16", a.astype(np.float16)),
        Bad("float32", a.astype(np.float32)),
        Bad("big-endian >f8", a.astype(">f8")),
        Bad("int64", a.astype(np.int64), may_inf=True),
        Bad("bool array", a.astype(bool), reject=True),
        Bad("object array of floats", a.astype(object)),
        Bad("complex128 array", a.astype(np.complex128), reject=True),
        Bad("str array", a.astype(str), reject=True),
        Bad("non-contiguous view", np.repeat(a, 2, axis=-1)[..., ::2] if a.ndim else a),
        Bad("torch tensor", _torch_of(a)),
        Bad("torch tensor requires_grad", _torch_of(a, grad=True)),
        Bad("torch float32 tensor", _torch_of(a).float()),
        Bad("negated", -a, may_inf=True, reject=kind in ("prob", "prob1", "positive", "cov", "lam")),
        Bad("zeros", np.zeros_like(a), may_inf=True, reject=kind in ("positive", "cov", "prob")),
        Bad("times 1e308", huge, may_inf=True, reject=kind in ("prob", "prob1", "lam")),
        Bad(
            "all 5e-324",
            np.full_like(a, 5e-324),
            may_inf=True,
            reject=kind == "prob" or (kind == "cov" and a.shape[-1] > 1),
        ),
        Bad(
            "all 1e308",
            np.full_like(a, 1e308),
            may_inf=True,
            reject=kind in ("prob", "prob1", "lam") or (kind == "cov" and a.shape[-1] > 1),
        ),
    ]
    if kind in ("prob", "prob1") and a.ndim >= 1:
        out.append(Bad("entry 1.5", np.where(np.arange(a.shape[-1]) == 0, 1.5, a), reject=True))
    if kind == "prob" and a.ndim >= 1:
        out.append(Bad("sum 2 (not normalised)", a * 2, reject=True))
    if a.ndim >= 1:
        out += [
            Bad("one element more", shape=True, value=np.concatenate([a, a[..., :1]], axis=-1)),
            Bad("one element less", shape=True, value=a[..., :-1]),
            Bad("extra batch axis of 3", shape=True, value=np.stack([a, a, a])),
            Bad("batch axis of length 0", shape=True, value=np.empty((0, *a.shape))),
            Bad("0-d first element", shape=True, value=np.asarray(a.flat[0])),
            Bad("nested one level deeper", shape=True, value=[a.tolist()]),
        ]
    for i in range(min(a.size, 4)):
        for lab, val, rej, mi in (
            ("nan", NAN, True, False),
            ("+inf", INF, False, True),
            ("-inf", -INF, False, True),
        ):
            b = a.copy()
            b.flat[i] = val
            out.append(Bad(f"{lab} at flat index {i}", b, reject=rej, may_inf=mi))
    return out


def scalar_mutations(v: Any, kind: str) -> list[Bad]:
    out = [
        Bad("np.float32", np.float32(v)),
        Bad("np.int64", np.int64(int(v)) if float(v).is_integer() else np.float64(v)),
        Bad("list of one", [v]),
        Bad("numpy 1-element array", np.array([v], dtype=float)),
    ]
    if kind in ("prob", "positive"):
        out.append(Bad("negated", -v if v else -0.5, reject=True))
    if kind == "positive":
        out.append(Bad("zero", 0.0, reject=True))
    if kind == "prob":
        out.append(Bad("1.5", 1.5, reject=True))
    return out


INT_BAD = [
    Bad("None", None, reject=True),
    Bad("str '3'", "3", reject=True),
    Bad("float 2.0", 2.0, reject=True),
    Bad("float 2.5", 2.5, reject=True),
    Bad("True", True, reject=True),
    Bad("nan", NAN, reject=True),
    Bad("inf", INF, reject=True),
    Bad("-1", -1),
    Bad("0", 0),
    Bad("np.int64(3)", np.int64(3)),
    Bad("complex", 3 + 0j, reject=True),
    Bad("list [3]", [3], reject=True),
]

BOOL_BAD = [
    Bad("None", None, reject=True),
    Bad("str 'yes'", "yes", reject=True),
    Bad("int 2", 2, reject=True),
    Bad("np.bool_(True)", np.bool_(True)),
    Bad("float 1.0", 1.0, reject=True),
    Bad("nan", NAN, reject=True),
]

OBJ_BAD = [
    Bad("None", None, reject=True),
    Bad("str", "abc", reject=True),
    Bad("int 3", 3, reject=True),
    Bad("dict", {}, reject=True),
    Bad("array", np.array([0.5, 0.5]), reject=True),
]


_OUTSIDE = {
    "positive": {"-1.0", "0.0", "-inf", "-1e308"},
    "cov": {"-1.0", "0.0", "-inf", "-1e308"},
    "prob": {"-1.0", "inf", "-inf", "1e308", "-1e308"},
    "prob1": {"-1.0", "inf", "-inf", "1e308", "-1e308"},
    "lam": {"inf", "1e308", "-1e308", "-inf"},
}


def _domain(b: Bad, kind: str) -> Bad:
    if kind == "measured" and "nan" in b.label:  # a computed result under measurement: NaN is a value
        return Bad(b.label, b.value, may_inf=True)
    if b.label in _OUTSIDE.get(kind, ()):
        return Bad(b.label, b.value, reject=True, may_inf=b.may_inf)
    return b


def mutations_for(kind: str, v: Any) -> list[Bad]:
    if kind == "pair":
        p, q = v
        return [
            Bad("None", None, reject=True),
            Bad("str", "pq", reject=True),
            Bad("one vector", p, reject=True),
            Bad("triple", (p, q, q), reject=True),
            Bad("(p, None)", (p, None), reject=True),
            Bad("(p, 'abc')", (p, "abc"), reject=True),
            Bad("(p, q with NaN)", (p, np.where(q == q.max(), np.nan, q)), reject=True),
            Bad("(p, 2q)", (p, 2 * q), reject=True),
            Bad("(p, -q)", (p, -q), reject=True),
            Bad("(p, q longer)", (p, np.append(q, 0.0)), reject=True),
            Bad("as lists", (list(p), list(q))),
            Bad("(p, q float32)", (p.astype(np.float32), q.astype(np.float32))),
            Bad("(p, torch q)", (p, torch.tensor(q))),
            Bad("(p, q with 0)", (p, np.array([0.0, 0.5, 0.5]))),
            Bad("(p, q) 2-D", (p[None], q[None])),
        ]
    if kind == "start":
        return [
            Bad("None", None, reject=True),
            Bad("str", "ab", reject=True),
            Bad("(nan, 0)", (NAN, 0.0), reject=True),
            Bad("(0, inf)", (0.0, INF), reject=True),
            Bad("(1e308, 0)", (1e308, 0.0), reject=True),
            Bad("(0, 800)", (0.0, 800.0), reject=True),
            Bad("(0, -800)", (0.0, -800.0), reject=True),
            Bad("triple", (0.0, 0.0, 0.0), reject=True),
            Bad("complex", (1j, 0.0), reject=True),
            Bad("np array", np.zeros(2)),
            Bad("list", [0.0, 0.0]),
        ]
    if kind in ("array", "prob", "prob1", "positive", "real", "logit", "cov", "lam", "measured"):
        base = [_domain(b, kind) for b in GENERIC]
        if isinstance(v, (list, tuple, np.ndarray)) and np.ndim(v) >= 1:
            base += array_mutations(v, kind)
        else:
            base += scalar_mutations(v, kind)
        return base
    if kind == "int":
        return list(INT_BAD)
    if kind == "optint":  # an int, or None for "drawn"
        return [b for b in INT_BAD if b.label != "None"]
    if kind == "bool":
        return list(BOOL_BAD)
    if kind == "obj":
        return list(OBJ_BAD)
    raise KeyError(kind)


def fuzz(specs: list[Spec], mutate: Callable[[str, Any], list[Bad]] | None = None) -> list[Outcome]:
    """Every spec, every argument, every mutation of its kind (``mutate(kind, valid value)``,
    :func:`mutations_for` by default): one outcome per call."""
    mutate = mutate or mutations_for
    return [
        call_one(spec, arg, bad)
        for spec in specs
        for arg, kind in spec.kinds.items()
        for bad in mutate(kind, spec.args[arg])
    ]


def findings(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.status == "FINDING"]


def describe(found: list[Outcome]) -> str:
    """The findings, one per line: function(argument=mutation): what happened."""
    return "\n".join(f"{o.spec}({o.arg}={o.label}): {o.detail}" for o in found)


# ----------------------------------------------------------------- torch pools


def tensor_mutations(t: torch.Tensor, kind: str) -> list[Bad]:
    """Mutations of a valid floating tensor ``t``; ``kind``: "tensor" (any real), "data01" (Bernoulli
    data in [0, 1])."""
    a = t.detach().numpy()
    out = [
        Bad("None", None, reject=True),
        Bad("str", "abc", reject=True),
        Bad("python float", 0.5, reject=True),
        Bad("list", a.tolist(), reject=True),
        Bad("numpy array", a.copy(), reject=True),
        Bad("int64 tensor", t.to(torch.int64), reject=True),
        Bad("bool tensor", t > 0, reject=True),
        Bad("complex64 tensor", t.to(torch.complex64), reject=True),
        Bad("float16 tensor", t.to(torch.float16), may_inf=True),
        Bad("bfloat16 tensor", t.to(torch.bfloat16)),
        Bad("float64 tensor (mixed dtype)", t.to(torch.float64)),
        Bad("requires_grad", t.clone().requires_grad_(True)),
        Bad("non-contiguous (transposed copy)", t.t().contiguous().t() if t.dim() == 2 else t),
        Bad("expanded view (stride 0)", t[..., :1].expand_as(t) if t.dim() >= 1 else t),
        Bad("0-d", t.reshape(-1)[0].clone(), shape=True),
        Bad("extra leading axis", t.unsqueeze(0), shape=True),
        Bad("last axis + 1", torch.cat([t, t[..., :1]], -1), shape=True),
        Bad("empty batch", t[:0], shape=True),
        Bad("flattened", t.reshape(-1), shape=True),
        Bad("meta device", torch.empty_like(t, device="meta"), reject=True),
        Bad("all 1e30", torch.full_like(t, 1e30), may_inf=True, reject=kind == "data01"),
        Bad("all 3e38", torch.full_like(t, 3e38), may_inf=True, reject=kind == "data01"),
        Bad("all -3e38", torch.full_like(t, -3e38), may_inf=True, reject=kind == "data01"),
        Bad("all 1e-45", torch.full_like(t, 1e-45)),
        Bad("zeros", torch.zeros_like(t)),
        Bad("negated", -t, reject=kind == "data01"),
        Bad("times 2", 2 * t + 1, reject=kind == "data01"),
    ]
    if t.dim() >= 2:
        nc = torch.empty(t.shape[0], 2 * t.shape[1], dtype=t.dtype)[:, ::2]
        nc.copy_(t)
        out.append(Bad("strided view (non-contiguous)", nc))
    for i in range(min(t.numel(), 3)):
        for lab, val, rej, mi in (
            ("nan", NAN, True, False),
            ("+inf", INF, kind == "data01", True),
            ("-inf", -INF, kind == "data01", True),
        ):
            b = t.clone()
            b.view(-1)[i] = val
            out.append(Bad(f"{lab} at flat index {i}", b, reject=rej, may_inf=mi))
    return out


NAME_BAD = [
    Bad("None", None, reject=True),
    Bad("unknown", "poisson", reject=True),
    Bad("upper case", "BERNOULLI", reject=True),
    Bad("int", 1, reject=True),
    Bad("empty", "", reject=True),
]
GEN_BAD = [
    Bad("int seed", 3, reject=True),
    Bad("str", "g", reject=True),
    Bad("np Generator", np.random.default_rng(0), reject=True),
]


def real_scalar_bad(kind: str) -> list[Bad]:
    """A real parameter: ``positive`` (> 0), ``nonneg`` (≥ 0) or ``optpositive`` (> 0 or None)."""
    out = [
        Bad("None", None, reject=kind != "optpositive"),
        Bad("str", "0.5", reject=True),
        Bad("nan", NAN, reject=True),
        Bad("inf", INF, reject=True),
        Bad("-inf", -INF, reject=True),
        Bad("complex", 0.5 + 0j, reject=True),
        Bad("True", True, reject=True),
        Bad("tensor 0-d", torch.tensor(0.5)),
        Bad("np.float32", np.float32(0.5)),
        Bad("1e308", 1e308, may_inf=True),
        Bad("5e-324", 5e-324, may_inf=True),
        Bad("0", 0.0, reject=kind == "positive"),
        Bad("-1", -1.0, reject=True),
        Bad("list", [0.5], reject=True),
    ]
    return out


def torch_mutations(kind: str, value: object) -> list[Bad]:
    """The pool for an argument of a torch_impl function, by kind."""
    if kind in ("tensor", "data01"):
        return tensor_mutations(value, kind)  # type: ignore[arg-type]
    if kind == "optint":
        return [b for b in INT_BAD if b.label != "None"] + [Bad("huge 10**30", 10**30)]
    if kind == "int":
        return [*INT_BAD, Bad("tensor 0-d int", torch.tensor(3)), Bad("huge 10**30", 10**30)]
    if kind == "name":
        return list(NAME_BAD)
    if kind == "gen":
        return list(GEN_BAD)
    if kind in ("positive", "nonneg", "optpositive"):
        return real_scalar_bad(kind)
    if kind == "obj":
        return [
            Bad("None", None, reject=True),
            Bad("str", "abc", reject=True),
            Bad("int 3", 3, reject=True),
            Bad("dict", {}, reject=True),
            Bad("tensor", torch.zeros(3), reject=True),
        ]
    raise KeyError(kind)


SIZES_BAD = [
    Bad("()", (), reject=True),
    Bad("int not tuple", 3, reject=True),
    Bad("str", "3", reject=True),
    Bad("(0,)", (0,), reject=True),
    Bad("(-1,)", (-1,), reject=True),
    Bad("(2.5,)", (2.5,), reject=True),
    Bad("(True,)", (True,), reject=True),
    Bad("(10**30,)", (10**30,), reject=True),
    Bad("list [3]", [3]),
    Bad("(nan,)", (NAN,), reject=True),
    Bad("np int", (np.int64(3),)),
]
SHAPES_BAD = [
    Bad("()", (), reject=True),
    Bad("int", 4, reject=True),
    Bad("flat tuple (4,)", (4,), reject=True),
    Bad("((0,),)", ((0,),), reject=True),
    Bad("((-2,),)", ((-2,),), reject=True),
    Bad("str", "4", reject=True),
    Bad("((4.0,),)", ((4.0,),), reject=True),
    Bad("((10**30,),)", ((10**30,),), reject=True),
    Bad("[[4]]", [[4]]),
]


def _dtype_bad() -> list[Bad]:
    return [
        Bad("None", None, reject=True),
        Bad("str", "float64", reject=True),
        Bad("torch.int64", torch.int64, reject=True),
        Bad("torch.float16", torch.float16, reject=True),
        Bad("numpy float64", np.float64, reject=True),
    ]


def _beta_bad() -> list[Bad]:
    """β: 1e308 makes β·KL overflow (inf in the plotted −ELBO points: the exact value does)."""
    return [
        Bad("None", None, reject=True),
        Bad("nan", NAN, reject=True),
        Bad("inf", INF, reject=True),
        Bad("-1", -1.0, reject=True),
        Bad("True", True, reject=True),
        Bad("unknown name", "gamma", reject=True),
        Bad("complex", 1 + 0j, reject=True),
        Bad("np.float64", np.float64(1.0)),
        Bad("tensor", torch.tensor(1.0)),
        Bad("1e308", 1e308, may_inf=True),
        Bad("0", 0.0),
    ]


CONV_BAD = [
    Bad("None", None, reject=True),
    Bad("empty", "", reject=True),
    Bad("unknown", "tanh", reject=True),
    Bad("int", 3, reject=True),
    Bad("'nan*logstd'", "nan*logstd", reject=True),
    Bad("'inf*logstd'", "inf*logstd", reject=True),
    Bad("'-1*logstd'", "-1*logstd", reject=True),
    Bad("'0*logstd'", "0*logstd", reject=True),
    Bad("'softplus+nan'", "softplus+nan", reject=True),
    Bad("'softplus+-1'", "softplus+-1", reject=True),
    Bad("'softplus+inf'", "softplus+inf", reject=True),
    Bad("'1e400*logstd'", "1e400*logstd", reject=True),
    Bad("bytes", b"logvar", reject=True),
]
ARGS_BAD = [
    Bad("str", "recon,x", reject=True),
    Bad("None", None, reject=True),
    Bad("(1, 2)", (1, 2), reject=True),
    Bad("role twice", ("recon", "x", "x", "s"), reject=True),
    Bad("empty", (), reject=True),
    Bad("int", 3, reject=True),
]
HYPER_BAD = [
    Bad("None", None, reject=True),
    Bad("list", [1.0], reject=True),
    Bad("nan value", {"b": NAN}, reject=True),
    Bad("str value", {"b": "1"}, reject=True),
    Bad("empty tuple", {"b": ()}, reject=True),
    Bad("int key", {1: 1.0}, reject=True),
    Bad("bool value", {"b": True}, reject=True),
]


def audit_mutations(kind: str, value: object) -> list[Bad]:
    """The pool for an argument of a torch_impl.audit entry point, by kind."""
    if kind == "sizes":
        return list(SIZES_BAD)
    if kind == "shapes":
        return list(SHAPES_BAD)
    if kind == "dtype":
        return _dtype_bad()
    if kind == "beta":
        return _beta_bad()
    if kind == "conv":
        return list(CONV_BAD)
    if kind == "args":
        return list(ARGS_BAD)
    if kind == "hyper":
        return list(HYPER_BAD)
    if kind == "bool":
        return list(BOOL_BAD)
    if kind in ("obj", "optobj"):
        return [
            Bad("None", None, reject=kind == "obj"),
            Bad("str", "abc", reject=True),
            Bad("int 3", 3, reject=True),
            Bad("dict", {}, reject=True),
        ]
    return torch_mutations(kind, value)
