"""The KL divergence of two d-dimensional Gaussians, read with vectors and matrices (seed 003 6.1).

``\\text{KL}(\\mathcal{N}_0 \\parallel \\mathcal{N}_1) = \\frac12\\{\\text{tr}(\\Sigma_1^{-1}\\Sigma_0) +
(\\mu_1-\\mu_0)^T
\\Sigma_1^{-1}(\\mu_1-\\mu_0) - d + \\log\\frac{|\\Sigma_1|}{|\\Sigma_0|}\\}``, with the Gaussians named in
the text
(``$\\mathcal{N}_0(\\mu_0, \\Sigma_0)$``) or written ``\\mathcal{N}(\\mu, \\Sigma)``.

The left side is computed from the densities, never quoted: KL = E_0[log N_0(x) − log N_1(x)] with
log N_k(x) = −(d/2) log 2π − ½ log|Σ_k| − ½ (x − μ_k)ᵀ Σ_k⁻¹ (x − μ_k), and the Gaussian moments
E_0[(x − m)ᵀ A (x − m)] = tr(A Σ_0) + (μ_0 − m)ᵀ A (μ_0 − m).

* **Symbolic d** (proof): vectors are linear combinations of the named means, matrices words in the named
  (symmetric, invertible) covariances; both sides reduce to combinations of the atoms tr(W), aᵀ W b, d and
  log|Σ|. Equal combinations: *proved* for every d.
* **Counterexample**: otherwise both sides are evaluated exactly at d = 2 and 3 with fixed rational means and
  positive-definite covariances, and compared by the step checker (a certified refutation), never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations.checker import decide_equal
from derivations.checker.verdicts import Verdict
from derivations.latex.parser import Chain, Node, to_latex
from derivations.latex.semantics import SemanticError, canonical, indexed_base

Word = tuple[tuple[str, int], ...]
_MATRIX = re.compile(
    r"^(\\Sigma|\\Lambda|\\mathbf\{\\Sigma\}|\\boldsymbol\{\\Sigma\}|S|A|I|\\mathbf\{I\}|\\mathbb\{I\})"
)
_VECTOR = re.compile(r"^(\\mu|\\mathbf\{[a-z]\}|\\boldsymbol\{\\mu\}|\\mathbf\{\\mu\}|m|b|x)")


def _kind(name: str) -> str:
    if re.match(r"^(I|\\mathbf\{I\}|\\mathbb\{I\})$", name):
        return "identity"
    if _MATRIX.match(name):
        return "matrix"
    if _VECTOR.match(name):
        return "vector"
    return "scalar"


@dataclass(frozen=True)
class Vec:
    """Σ coef·v over named vectors; ``row`` for a transposed vector."""

    terms: tuple[tuple[str, sp.Expr], ...]
    row: bool = False


@dataclass(frozen=True)
class Mat:
    """Σ coef·W over words W of named matrices (with ±1 powers); () is the identity."""

    terms: tuple[tuple[Word, sp.Expr], ...]


@dataclass(frozen=True)
class Half:
    """Σ coef·(aᵀ W) (a row vector times a matrix) or Σ coef·(W b) (``left`` False)."""

    terms: tuple[tuple[str, Word, sp.Expr], ...]
    left: bool


def _single(word: Word, coef: sp.Expr) -> Mat:
    return Mat(((word, coef),))


def _cancel(word: Word) -> Word:
    out: list[tuple[str, int]] = []
    for f in word:
        if out and out[-1][0] == f[0] and out[-1][1] == -f[1]:
            out.pop()
        else:
            out.append(f)
    return tuple(out)


def _transpose_word(word: Word) -> Word:
    return tuple(reversed(word))  # the named covariances are symmetric


def _word_text(word: Word) -> str:
    return "".join(f"{n}{'^-1' if p < 0 else ''}" for n, p in word) or "I"


class SymbolicReader:
    """Values of the nodes with symbolic dimension d (see the module docstring)."""

    def __init__(self) -> None:
        self.d = sp.Symbol("d", integer=True, positive=True)

    def trace(self, word: Word) -> sp.Expr:
        """tr(W): d for the identity, else one symbol per word up to cyclic rotation and transposition."""
        word = _cancel(word)
        if not word:
            return self.d
        rots = [word[k:] + word[:k] for k in range(len(word))]
        rots += [_transpose_word(r) for r in rots]
        best = min(rots, key=_word_text)
        return sp.Symbol(f"tr({_word_text(best)})", real=True)

    def form(self, a: str, word: Word, b: str) -> sp.Expr:
        """aᵀ W b as one symbol, with aᵀ W b = bᵀ Wᵀ a (the named covariances are symmetric)."""
        word = _cancel(word)
        if (b, _transpose_word(word), a) < (a, word, b):
            a, word, b = b, _transpose_word(word), a
        return sp.Symbol(f"{a}^T {_word_text(word)} {b}", real=True)

    def det(self, word: Word) -> sp.Expr:
        """|Σ| (a positive symbol) or 1/|Σ| for Σ⁻¹; a determinant of a product is not read."""
        word = _cancel(word)
        if len(word) != 1:
            raise SemanticError("a determinant of a product is not read")
        name, p = word[0]
        s = sp.Symbol(f"|{name}|", positive=True)
        return s if p > 0 else 1 / s


def _combine(a: object, b: object, sign: int) -> object:
    if isinstance(a, sp.Expr) and isinstance(b, sp.Expr):
        return a + sign * b
    if isinstance(a, Vec) and isinstance(b, Vec) and a.row == b.row:
        acc: dict[str, sp.Expr] = dict(a.terms)
        for n, c in b.terms:
            acc[n] = acc.get(n, sp.Integer(0)) + sign * c
        return Vec(tuple((n, c) for n, c in acc.items() if c != 0), a.row)
    if isinstance(a, Mat) and isinstance(b, Mat):
        accm: dict[Word, sp.Expr] = dict(a.terms)
        for w, c in b.terms:
            accm[w] = accm.get(w, sp.Integer(0)) + sign * c
        return Mat(tuple((w, c) for w, c in accm.items() if c != 0))
    raise SemanticError("a sum of a scalar, a vector and a matrix")


def _scale(x: object, c: sp.Expr) -> object:
    if isinstance(x, sp.Expr):
        return c * x
    if isinstance(x, Vec):
        return Vec(tuple((n, c * k) for n, k in x.terms), x.row)
    if isinstance(x, Mat):
        return Mat(tuple((w, c * k) for w, k in x.terms))
    if isinstance(x, Half):
        return Half(tuple((n, w, c * k) for n, w, k in x.terms), x.left)
    raise SemanticError("cannot scale this value")


def evaluate_symbolic(node: Node, r: SymbolicReader) -> object:
    """The value of ``node`` (scalar sp.Expr, Vec, Mat or Half) with symbolic d."""
    k, a = node.kind, node.args
    if k == "number":
        return sp.Rational(str(a[0]))
    if k == "name":
        n = canonical(str(a[0]))
        kind = _kind(n)
        if n == "d":
            return r.d
        if kind == "identity":
            return _single((), sp.Integer(1))
        if kind == "matrix":
            return _single(((n, 1),), sp.Integer(1))
        if kind == "vector":
            return Vec(((n, sp.Integer(1)),))
        if n == r"\pi":
            return sp.pi
        raise SemanticError(
            f"`{n}` in a multivariate Gaussian statement is neither a mean, a covariance nor d"
        )
    if k in ("add", "sub"):
        return _combine(evaluate_symbolic(a[0], r), evaluate_symbolic(a[1], r), 1 if k == "add" else -1)
    if k == "neg":
        return _scale(evaluate_symbolic(a[0], r), sp.Integer(-1))
    if k == "div":
        num, den = evaluate_symbolic(a[0], r), evaluate_symbolic(a[1], r)
        if not isinstance(den, sp.Expr):
            raise SemanticError("division by a vector or a matrix")
        return _scale(num, 1 / den)
    if k == "mul":
        return _multiply(evaluate_symbolic(a[0], r), evaluate_symbolic(a[1], r), r)
    if k == "pow":
        base = evaluate_symbolic(a[0], r)
        expo = evaluate_symbolic(a[1], r)
        if isinstance(base, Mat):
            if expo != -1 or len(base.terms) != 1 or len(base.terms[0][0]) != 1 or base.terms[0][1] != 1:
                raise SemanticError("only the inverse Σ⁻¹ of a named covariance is read")
            ((name, p),) = base.terms[0][0]
            return _single(((name, -p),), sp.Integer(1))
        if isinstance(base, sp.Expr) and isinstance(expo, sp.Expr):
            return base**expo
        raise SemanticError("a power of a vector")
    if k == "transpose":
        x = evaluate_symbolic(a[0], r)
        if isinstance(x, Vec):
            return Vec(x.terms, not x.row)
        if isinstance(x, Mat):
            return Mat(tuple((_transpose_word(w), c) for w, c in x.terms))
        if isinstance(x, sp.Expr):
            return x
        raise SemanticError("a transpose of this value")
    if k == "trace":
        x = evaluate_symbolic(a[0], r)
        if not isinstance(x, Mat):
            raise SemanticError("tr(·) of something that is not a matrix")
        return sum((c * r.trace(w) for w, c in x.terms), sp.Integer(0))
    if k == "det":
        x = evaluate_symbolic(a[0], r)
        if not isinstance(x, Mat) or len(x.terms) != 1:
            raise SemanticError("a determinant of something that is not a named covariance")
        w, c = x.terms[0]
        return c**r.d * r.det(w) if w else c**r.d
    if k in ("log", "exp", "sqrt"):
        x = evaluate_symbolic(a[0], r)
        if not isinstance(x, sp.Expr):
            raise SemanticError(f"{k} of a vector or a matrix")
        return sp.log(x) if k == "log" else sp.exp(x)
    raise SemanticError(f"`{to_latex(node)}` is not read in a multivariate Gaussian statement")


def _multiply(x: object, y: object, r: SymbolicReader) -> object:
    if isinstance(x, sp.Expr):
        return _scale(y, x)
    if isinstance(y, sp.Expr):
        return _scale(x, y)
    if isinstance(x, Mat) and isinstance(y, Mat):
        acc: dict[Word, sp.Expr] = {}
        for w1, c1 in x.terms:
            for w2, c2 in y.terms:
                w = _cancel(w1 + w2)
                acc[w] = acc.get(w, sp.Integer(0)) + c1 * c2
        return Mat(tuple(acc.items()))
    if isinstance(x, Vec) and x.row and isinstance(y, Mat):
        return Half(tuple((n, w, c1 * c2) for n, c1 in x.terms for w, c2 in y.terms), True)
    if isinstance(x, Mat) and isinstance(y, Vec) and not y.row:
        return Half(tuple((n, w, c1 * c2) for w, c1 in x.terms for n, c2 in y.terms), False)
    if isinstance(x, Half) and x.left and isinstance(y, Mat):
        return Half(
            tuple((n, _cancel(w1 + w2), c1 * c2) for n, w1, c1 in x.terms for w2, c2 in y.terms), True
        )
    if isinstance(x, Half) and x.left and isinstance(y, Vec) and not y.row:
        return sum((c1 * c2 * r.form(a, w, b) for a, w, c1 in x.terms for b, c2 in y.terms), sp.Integer(0))
    if isinstance(x, Vec) and x.row and isinstance(y, Half) and not y.left:
        return sum((c1 * c2 * r.form(a, w, b) for a, c1 in x.terms for b, w, c2 in y.terms), sp.Integer(0))
    if isinstance(x, Vec) and x.row and isinstance(y, Vec) and not y.row:
        return sum((c1 * c2 * r.form(a, (), b) for a, c1 in x.terms for b, c2 in y.terms), sp.Integer(0))
    raise SemanticError("a product of vectors and matrices whose shapes do not match (write the transposes)")


def _gaussian_of(node: Node, named: dict[str, tuple[Node, Node]]) -> tuple[Node, Node]:
    if node.kind == "normal" and len(node.args) == 2:
        return node.args[0], node.args[1]
    if node.kind == "name" and canonical(str(node.args[0])) in named:
        return named[canonical(str(node.args[0]))]
    raise SemanticError(
        f"`{to_latex(node)}` is not a Gaussian named in the text (e.g. $\\mathcal{{N}}_0(\\mu_0, \\Sigma_0)$)"
    )


def kl_symbolic(p: tuple[Node, Node], q: tuple[Node, Node], r: SymbolicReader) -> sp.Expr:
    """E_p[log N_p − log N_q] from the densities and the Gaussian moments, with symbolic d."""
    mp, sp_ = evaluate_symbolic(p[0], r), evaluate_symbolic(p[1], r)
    mq, sq = evaluate_symbolic(q[0], r), evaluate_symbolic(q[1], r)

    def expected_log_density(m: object, s: object) -> sp.Expr:
        assert isinstance(s, Mat) and isinstance(mp, Vec) and isinstance(m, Vec) and isinstance(sp_, Mat)
        if len(s.terms) != 1 or len(s.terms[0][0]) != 1:
            raise SemanticError("a covariance must be one named matrix")
        inv = _single(((s.terms[0][0][0][0], -1),), 1 / s.terms[0][1])
        diff = _combine(mp, m, -1)
        assert isinstance(diff, Vec)
        quad = _multiply(_multiply(Vec(diff.terms, True), inv, r), diff, r) if diff.terms else sp.Integer(0)
        tr = _multiply(inv, sp_, r)
        assert isinstance(tr, Mat) and isinstance(quad, sp.Expr)
        trace = sum((c * r.trace(w) for w, c in tr.terms), sp.Integer(0))
        logdet = sp.log(s.terms[0][1] ** r.d * r.det(s.terms[0][0]))
        return -r.d / 2 * sp.log(2 * sp.pi) - logdet / 2 - (trace + quad) / 2

    if not (isinstance(mp, Vec) and isinstance(mq, Vec) and isinstance(sp_, Mat) and isinstance(sq, Mat)):
        raise SemanticError("a multivariate Gaussian needs a mean vector and a covariance matrix")
    return expected_log_density(mp, sp_) - expected_log_density(mq, sq)


# --------------------------------------------------------------------------------- concrete point
_POINTS = {
    2: (
        [
            sp.Matrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]]),
            sp.Matrix([[1, sp.Rational(-1, 3)], [sp.Rational(-1, 3), sp.Rational(3, 2)]]),
        ],
        [sp.Matrix([1, sp.Rational(-1, 2)]), sp.Matrix([sp.Rational(-1, 3), 2])],
    ),
    3: (
        [
            sp.Matrix([[3, 1, 0], [1, 2, sp.Rational(1, 2)], [0, sp.Rational(1, 2), 1]]),
            sp.Matrix([[1, 0, sp.Rational(1, 4)], [0, sp.Rational(5, 2), 0], [sp.Rational(1, 4), 0, 2]]),
        ],
        [sp.Matrix([sp.Rational(1, 2), 1, -1]), sp.Matrix([2, sp.Rational(-3, 2), 0])],
    ),
}


def evaluate_concrete(node: Node, values: dict[str, Any], dim: int) -> Any:
    """The exact value of ``node`` with the named means/covariances set to ``values`` (sympy matrices)."""
    k, a = node.kind, node.args
    if k == "number":
        return sp.Rational(str(a[0]))
    if k == "name":
        n = canonical(str(a[0]))
        if n == "d":
            return sp.Integer(dim)
        if _kind(n) == "identity":
            return sp.eye(dim)
        if n in values:
            return values[n]
        if n == r"\pi":
            return sp.pi
        raise SemanticError(f"`{n}` has no value")

    def ev(x: Node) -> Any:
        return evaluate_concrete(x, values, dim)

    def scalar(x: Any) -> Any:
        return x[0, 0] if isinstance(x, sp.MatrixBase) and x.shape == (1, 1) else x

    if k == "add":
        return scalar(ev(a[0]) + ev(a[1]))
    if k == "sub":
        return scalar(ev(a[0]) - ev(a[1]))
    if k == "neg":
        return -ev(a[0])
    if k == "mul":
        return scalar(ev(a[0]) * ev(a[1]))
    if k == "div":
        return ev(a[0]) / ev(a[1])
    if k == "pow":
        base, expo = ev(a[0]), ev(a[1])
        if isinstance(base, sp.MatrixBase):
            return base.inv() if expo == -1 else base**expo
        return base**expo
    if k == "transpose":
        x = ev(a[0])
        return x.T if isinstance(x, sp.MatrixBase) else x
    if k == "trace":
        return ev(a[0]).trace()
    if k == "det":
        return ev(a[0]).det()
    if k == "log":
        return sp.log(ev(a[0]))
    if k == "exp":
        return sp.exp(ev(a[0]))
    raise SemanticError(f"`{to_latex(node)}` is not read in a multivariate Gaussian statement")


def kl_concrete(p: tuple[Node, Node], q: tuple[Node, Node], values: dict[str, Any], dim: int) -> sp.Expr:
    """E_p[log N_p − log N_q] at concrete means and covariances (the same moment identities)."""
    mp, sp_ = evaluate_concrete(p[0], values, dim), evaluate_concrete(p[1], values, dim)
    mq, sq = evaluate_concrete(q[0], values, dim), evaluate_concrete(q[1], values, dim)

    def expected_log_density(m: Any, s: Any) -> sp.Expr:
        inv = s.inv()
        diff = mp - m
        return (
            -sp.Rational(dim, 2) * sp.log(2 * sp.pi)
            - sp.log(s.det()) / 2
            - ((inv * sp_).trace() + (diff.T * inv * diff)[0, 0]) / 2
        )

    return expected_log_density(mp, sp_) - expected_log_density(mq, sq)


def uses_matrices(nodes: list[Node], named: dict[str, tuple[Node, Node]]) -> bool:
    """Whether a chain is a statement about multivariate Gaussians (transposes, tr, det, or a KL of named
    ones)."""
    for node in nodes:
        for n in node.walk():
            if n.kind in ("transpose", "trace", "det"):
                return True
            if n.kind == "kl" and all(
                x.kind == "name" and canonical(str(x.args[0])) in named for x in n.args if isinstance(x, Node)
            ):
                return True
    return False


def decide_kl_step(
    lhs: Node, rhs: Node, named: dict[str, tuple[Node, Node]], *, time_limit: float
) -> tuple[str, str, dict[str, str] | None]:
    """Decide ``lhs = rhs`` where one side is KL(N_a ‖ N_b) of multivariate Gaussians."""
    if lhs.kind != "kl" and rhs.kind == "kl":
        lhs, rhs = rhs, lhs
    if lhs.kind != "kl":
        raise SemanticError("a multivariate Gaussian step is read when one side is the KL of two Gaussians")
    p, q = (_gaussian_of(x, named) for x in lhs.args)
    r = SymbolicReader()
    left = kl_symbolic(p, q, r)
    right = evaluate_symbolic(rhs, r)
    if not isinstance(right, sp.Expr):
        raise SemanticError("the right side is not a number")
    diff = sp.expand(sp.expand_log(left - right, force=True))
    if diff == 0:
        return (
            "proved",
            "exact for every dimension d: both sides reduce to the same combination of traces, "
            "quadratic forms, "
            "d and log-determinants (KL from the densities with E[x] = μ, Cov[x] = Σ)",
            None,
        )
    names = sorted({canonical(str(n.args[0])) for side in (*p, *q) for n in side.walk() if n.kind == "name"})
    vectors = [n for n in names if _kind(n) == "vector"]
    matrices = [n for n in names if _kind(n) == "matrix"]
    last = None
    for dim, (covs, means) in _POINTS.items():
        if len(vectors) > len(means) or len(matrices) > len(covs):
            raise SemanticError("more than two Gaussians in one step")
        values: dict[str, Any] = dict(zip(matrices, covs, strict=False))
        values.update(zip(vectors, means, strict=False))
        a = kl_concrete(p, q, values, dim)
        b = evaluate_concrete(rhs, values, dim)
        dec = decide_equal(sp.nsimplify(a) if a.is_Rational else a, b, time_limit=time_limit)
        last = dec
        if dec.verdict is Verdict.REFUTED:
            point = ", ".join(f"{k} = {sp.sstr(v.tolist())}" for k, v in values.items())
            return (
                "refuted",
                f"at d = {dim} with {point}: KL from the densities = {sp.N(a, 12)}, the right side = "
                f"{sp.N(b, 12)} ({dec.detail})",
                {"d": str(dim), **{k: sp.sstr(v.tolist()) for k, v in values.items()}},
            )
    assert last is not None
    return (
        "undecided",
        f"not reduced to the same combination symbolically; equal at d = 2 and 3 at the test point "
        f"({last.verdict.value})",
        None,
    )


def named_gaussians(inline: list[str], parse: Callable[[str], Chain]) -> dict[str, tuple[Node, Node]]:
    """``$\\mathcal{N}_0(\\mu_0, \\Sigma_0)$`` in the text: name → (mean, covariance) nodes."""
    out: dict[str, tuple[Node, Node]] = {}
    for latex in inline:
        if "mathcal{N}_" not in latex and "mathcal N_" not in latex:
            continue
        try:
            chain = parse(latex)
        except (ValueError, SemanticError):
            continue
        for node in [chain.first] if chain.first is not None else []:
            for n in node.walk():
                if n.kind == "call" and canonical(str(n.args[0])).startswith(r"\mathcal{N}_"):
                    left = n.args[1].args
                    if len(left) == 2 and not n.args[2].args:
                        out[canonical(str(n.args[0]))] = (left[0], left[1])
    return out


# --------------------------------------------------------------------- factorised (diagonal) Gaussians
def factorised_gaussians(latex: list[str], parse: Callable[[str], Chain]) -> dict[str, tuple[Node, Node]]:
    """``q_\\phi(\\mathbf{z}|\\mathbf{x}) = \\mathcal{N}(\\mathbf{z}; \\boldsymbol{\\mu},
    \\boldsymbol{\\sigma}^2
    \\mathbf{I})`` and ``p(\\mathbf{z}) = \\mathcal{N}(\\mathbf{z}; \\mathbf{0}, \\mathbf{I})`` in the
    text: the
    density family ('q' or 'p') → (mean, covariance) nodes, for densities with a diagonal covariance."""
    out: dict[str, tuple[Node, Node]] = {}
    for text in latex:
        if "mathcal{N}" not in text or "=" not in text:
            continue
        try:
            chain = parse(text)
        except (ValueError, SemanticError):
            continue
        if chain.first is None or len(chain.steps) != 1 or chain.first.kind != "call":
            continue
        rhs = chain.steps[0][1]
        fam = canonical(str(chain.first.args[0]))[:1]
        if fam in ("p", "q") and rhs.kind == "normal" and len(rhs.args) == 3 and _diagonal(rhs.args[2]):
            out.setdefault(fam, (rhs.args[1], rhs.args[2]))
    return out


def _diagonal(cov: Node) -> bool:
    """σ²I, \\boldsymbol{\\sigma}^2\\mathbf{I}, \\operatorname{diag}(σ²), I: a diagonal covariance."""
    if cov.kind == "name":
        return _kind(canonical(str(cov.args[0]))) == "identity"
    if cov.kind == "diag":
        return True
    if cov.kind == "mul":
        return any(
            isinstance(x, Node) and x.kind == "name" and _kind(canonical(str(x.args[0]))) == "identity"
            for x in cov.args
        )
    return False


def _component(node: Node, j: sp.Symbol, what: str) -> sp.Expr:
    """The j-th component of a mean (μ → μ_j, 0 → 0) or of a diagonal covariance (σ²I → σ_j², I → 1)."""
    if node.kind == "number":
        return sp.Rational(str(node.args[0]))
    if node.kind == "name":
        n = canonical(str(node.args[0]))
        if n in ("0", r"\mathbf{0}", "0") or re.fullmatch(r"\\(mathbf|boldsymbol)\{0\}", str(node.args[0])):
            return sp.Integer(0)
        if _kind(n) == "identity":
            return sp.Integer(1)
        return indexed_base(n)[j]
    if node.kind == "pow":
        return _component(node.args[0], j, what) ** _component(node.args[1], j, what)
    if node.kind == "mul":
        return _component(node.args[0], j, what) * _component(node.args[1], j, what)
    if node.kind == "diag":
        return _component(node.args[0], j, what)
    raise SemanticError(f"the {what} `{to_latex(node)}` of a factorised Gaussian is not read component-wise")


def _summands(e: sp.Expr, j: sp.Symbol, lower: sp.Expr, upper: sp.Expr) -> sp.Expr:
    """``e`` with every Σ over lower..upper replaced by its j-th term (a term-wise identity implies the
    sums')."""
    return e.replace(
        lambda s: isinstance(s, sp.Sum) and len(s.limits) == 1 and s.limits[0][1:] == (lower, upper),
        lambda s: s.function.xreplace({s.limits[0][0]: j}),
    )


def factorised_kl_step(
    lhs: Node, rhs: Node, gaussians: dict[str, tuple[Node, Node]], *, time_limit: float, points: int
) -> tuple[str, str, dict[str, str] | None] | None:
    """``D_{KL}(q(\\mathbf{z}|\\mathbf{x}) \\| p(\\mathbf{z})) = -\\frac12\\sum_{j=1}^J(1 +
    \\log\\sigma_j^2 - \\mu_j^2 -
    \\sigma_j^2)`` (Kingma & Welling 2014, App. B) with q and p the document's diagonal Gaussians: the KL
    of the
    factorised densities is Σ_{j=1}^{J} of the one-dimensional KLs (each by exact integration), J the range of
    the other side's sum. None when the step is not of this form."""
    from derivations.latex.semantics import Semantics  # a module-level import would be circular

    for kl_side, other in ((lhs, rhs), (rhs, lhs)):
        sign = 1
        node = kl_side
        if node.kind == "neg":
            sign, node = -1, node.args[0]
        if node.kind != "kl":
            continue
        fams = []
        for x in node.args:
            if isinstance(x, Node) and x.kind in ("call", "name"):
                fams.append(canonical(str(x.args[0]))[:1])
        if len(fams) != 2 or not all(f in gaussians for f in fams):
            continue
        sums = [
            n for n in other.walk() if n.kind == "sum" and len(n.args[0].args) == 2 and n.args[1] is not None
        ]
        if len(sums) != 1:
            return None
        var = canonical(str(sums[0].args[0].args[0]))
        j = sp.Symbol(var, integer=True)
        sem = Semantics()
        upper = sem.evaluate(sums[0].args[1])
        lower = sem.evaluate(sums[0].args[0].args[1])
        a, b = (gaussians[f] for f in fams)
        ga = (_component(a[0], j, "mean"), _component(a[1], j, "covariance"))
        gb = (_component(b[0], j, "mean"), _component(b[1], j, "covariance"))
        z = sp.Symbol("zeta", real=True)
        from derivations.gaussian import expect_polynomial, normal_density

        f = sp.log(normal_density(z, ga[0], ga[1])) - sp.log(normal_density(z, gb[0], gb[1]))
        per = expect_polynomial(sp.expand(sp.expand_log(f, force=True)), {z: ga})
        left = sign * sp.Sum(per, (j, lower, upper))
        right = sem.evaluate(other)
        how = (
            "KL of the factorised Gaussians = Σ_j of the one-dimensional KLs (exact integration), "
            f"j = {sp.sstr(lower)}..{sp.sstr(upper)}: "
        )

        termwise = decide_equal(
            _summands(left, j, lower, upper),
            _summands(right, j, lower, upper),
            sem.domain(points),
            time_limit=time_limit,
        )
        if termwise.verdict is Verdict.PROVED:
            return "proved", how + "equal term by term for every j (proved)", None
        dec = decide_equal(left, right, sem.domain(points), time_limit=time_limit)
        return dec.verdict.value, how + dec.detail, dec.counterexample
    return None
