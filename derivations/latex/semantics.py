"""Map parsed LaTeX onto the checker's models.

Discrete reading (the default, DESIGN.md "Conventions"): the latent variable takes K states
(K a positive integer symbol: general K through ``Sum``), ``\\int_z`` and ``\\sum_z`` are both
Σ_{i=1}^{K} (the reading ``derivations/claims/seed_audits.py`` argues for seed 001), and the
densities are those of :class:`derivations.latent.DiscreteModel`:

====================  =====================================  ==========================
LaTeX                 meaning at latent state i              model symbol
====================  =====================================  ==========================
``q(z|x)``, ``q``     variational distribution               q[i] (probability vector)
``p(z)``, ``p``       prior                                  pi[i] (probability vector)
``p(x|z)``            likelihood of the observed x           ell[i] (positive)
``p(x,z)``            joint (definition p(z) p(x|z))         pi[i]·ell[i]
``p(x)``              marginal Σ_z p(x,z)                    Σ_j pi[j] ell[j]
``p(z|x)``            posterior (Bayes' rule)                pi[i] ell[i] / Σ_j pi[j] ell[j]
====================  =====================================  ==========================

A variable is *observed* when its name is ``x`` (with any subscript, superscript or
``\\mathbf``) and no sum, integral or expectation binds it; a bound variable is a latent index;
a free latent variable (``z`` outside any sum, e.g. in Bayes' rule written for one z) is a
fixed state, state 1 (the states are exchangeable, so this loses no generality).
Subscripts on ``p`` and ``q`` name parameters (``p_\\theta``, ``q_\\phi``) and do not change the
distribution.

Gaussian reading: a density given in the document by an explicit formula in its variable
(``q(z|x) = \\frac{1}{\\sqrt{2\\pi\\sigma^2}} \\exp(…)``) or ``\\mathcal{N}(\\mu, \\sigma^2)`` is used in
every display that has no ``\\sum`` over its variable; there expectations, integrals and KL are
computed exactly, from the density's mean and variance read off its quadratic log-density
(the normalisation is checked, never assumed) and the Gaussian moments obtained by integration
(:mod:`derivations.gaussian`).

Definitions stated by the document (``H[q] = \\int q \\log q``, ``F(\\theta, q) = …``,
``C_d = …``) are honoured; for KL, H and ELBO, which have standard definitions, a
:class:`Semantics` evaluates either the standard or the document's definition
(``use_document``), so that a step can be checked under both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from derivations.checker.identities import Domain
from derivations.gaussian import expect_polynomial, normal_density
from derivations.latex.parser import Node, to_latex

STANDARD_FUNCTIONALS = ("KL", "H", "ELBO", "JSD")


class SemanticError(ValueError):
    """The LaTeX parsed, but its meaning is not one this front end supports (named)."""


@dataclass(frozen=True)
class Definition:
    """``lhs = rhs`` stated by the document. ``key``: 'KL'/'H'/'ELBO', a function or constant
    name, or 'density:p'/'density:q' for an explicit (continuous) density."""

    key: str
    lhs: Node
    rhs: Node
    latex: str
    params: tuple[Node, ...] = ()
    variable: str | None = None  # for a density definition: its variable (z)


@dataclass(frozen=True)
class Gaussian:
    """N(mean, var) as the value of a continuous distribution in the Gaussian reading of a document."""

    mean: sp.Expr
    var: sp.Expr


Dist = Callable[[sp.Expr], sp.Expr]

#: Greek letters read as coefficients before parentheses (λ(Σ q − 1)); σ, φ, ψ are not in the
#: list: σ(a) is often the logistic function, and an unknown function is an error, not a guess.
_COEFFICIENTS = {
    r"\lambda",
    r"\alpha",
    r"\beta",
    r"\gamma",
    r"\eta",
    r"\mu",
    r"\rho",
    r"\tau",
    r"\kappa",
    r"\nu",
    r"\epsilon",
    r"\varepsilon",
    r"\delta",
    r"\pi",
}

_POSITIVE_NAMES = {r"\sigma", r"\tau", "s", "v", r"\sigma_q", r"\sigma_p", "C"}


def canonical(name: str) -> str:
    """``p_{\\theta}`` → ``p_\\theta``; ``\\mathbf{x}`` → ``x``; whitespace removed."""
    s = re.sub(r"\s+", "", name)
    s = re.sub(r"\\(mathbf|boldsymbol|bm|vec)\{([^{}]*)\}", r"\2", s)
    s = re.sub(r"\\(mathbf|boldsymbol|bm|vec)(\\[a-zA-Z]+|[a-zA-Z])", r"\2", s)
    s = re.sub(r"_\{(\\[a-zA-Z]+|[a-zA-Z0-9])\}", r"_\1", s)
    return s


def base_of(name: str) -> str:
    """The name without its subscript and superscript: ``p_\\theta`` → ``p``."""
    n = canonical(name)
    n = re.sub(r"\^\{\([^{}()]*\)\}$", "", n)
    m = re.match(
        r"(\\(hat|tilde|bar)\{[^{}]*\}|\\(hat|tilde|bar)\\?[a-zA-Z]+|\\[a-zA-Z]+(\{[A-Z]\})?|[a-zA-Z])", n
    )
    return m.group(0) if m else n


def subscript_of(name: str) -> str | None:
    """The subscript of a (canonicalised) name without braces or a trailing ``^{(t)}``: ``q_{\\phi}`` →
    ``\\phi``; None when there is none."""
    n = canonical(name)
    b = base_of(n)
    rest = n[len(b) :]
    if rest.startswith("_"):
        sub = rest[1:]
        sub = re.sub(r"\^\{\([^{}()]*\)\}$", "", sub)
        return sub[1:-1] if sub.startswith("{") and sub.endswith("}") else sub
    return None


def is_observed_name(name: str) -> bool:
    """Whether ``name`` denotes the observation: its base is ``x`` (a hatted
    ``\\hat{x}`` is not observed), or it is the data set X (bold or not)."""
    if canonical(name) == "X":
        return True  # the data set of EM notes, p(\mathbf{X}, \mathbf{Z} | θ) (Bishop 2006 §9.4)
    return base_of(name) in ("x", r"\hat{x}") and not base_of(name).startswith(r"\hat")


def indexed_base(name: str) -> sp.IndexedBase:
    """The vector ``name`` indexed by a range (x_d, σ_j): positive for the names of scales (σ, τ, s, v)."""
    positive = base_of(name) in _POSITIVE_NAMES
    return sp.IndexedBase(name, positive=True) if positive else sp.IndexedBase(name, real=True)


def _symbol(name: str) -> sp.Symbol:
    n = canonical(name)
    positive = base_of(n) in _POSITIVE_NAMES or n in _POSITIVE_NAMES
    return sp.Symbol(n, positive=True) if positive else sp.Symbol(n, real=True)


#: Constructs that parse but have no value in a step (the message says why; never guessed).
_UNREAD_KINDS = {
    "opt": "max/min/arg max as a value: an optimisation statement is checked as a statement "
    "(stationary point, value of the optimum), not inside an expression",
    "const": "`\\text{const}` is read only as the last term of a side (equality up to a constant)",
    "transpose": "vectors and matrices (transposes) are read only in the multivariate Gaussian KL",
    "det": "determinants are read only in the multivariate Gaussian KL",
    "trace": "traces are read only in the multivariate Gaussian KL",
    "diag": "diag(…) is read only in the multivariate Gaussian KL",
    "norm": "norms ‖·‖ of vectors are not read in a step",
    "event": "the probability of an event p(y = 1|x) has no meaning in the model unless the document "
    "defines it",
    "placeholder": "a placeholder `\\cdot` argument names a function, it has no value",
    "infinity": "∞ is read only as an integral's limit",
    "unread": "this distribution was not read",
}

#: Subscripts that name a parameter of one density (p_θ and p are the same model); any other subscript names a
#: different distribution (p_1, p_{data}, p_G, q_2).
_PARAMETER_SUBSCRIPT = re.compile(
    r"^(\\(theta|phi|psi|eta|lambda|omega|vartheta|varphi|gamma|beta|alpha)|w|W|\\mathbf\{w\}|\\boldsymbol\{\\theta\}|"
    r"\\(theta|phi|psi)\^\{?\([^{}()]*\)\}?|\\(theta|phi|psi)_\{?[a-z0-9]+\}?|\\(theta|phi|psi),\\(theta|phi|psi)|"
    r"\\(theta|phi|psi)\^\{\\(ast|star)\}|\\(theta|phi)\^\*|\\(theta|phi)_\{\\text\{old\}\})$"
)


def is_distribution_label(name: str) -> bool:
    """Whether the subscript of a ``p``/``q`` (or the name ``P``, ``Q``) names a distribution of its own:
    ``p_1``, ``p_{data}``, ``p_G``, ``q_2``, ``P``; ``p_\\theta``, ``q_\\phi`` are the model's p and q."""
    c = canonical(name)
    b = base_of(c)
    if b in ("P", "Q"):
        return subscript_of(c) is None or not _PARAMETER_SUBSCRIPT.match(subscript_of(c) or "")
    if b not in ("p", "q"):
        return False
    sub = subscript_of(c)
    return sub is not None and not _PARAMETER_SUBSCRIPT.match(sub)


@dataclass
class Env:
    """Bindings while evaluating: latent index variables and range indices by name."""

    latent: dict[str, sp.Expr] = field(default_factory=dict)
    ranged: dict[str, sp.Symbol] = field(default_factory=dict)
    real: dict[str, sp.Symbol] = field(default_factory=dict)  # continuous latent variables

    def bind_latent(self, name: str, value: sp.Expr) -> Env:
        """A copy with the latent variable ``name`` bound to ``value`` (a state index or expression)."""
        return Env({**self.latent, canonical(name): value}, dict(self.ranged), dict(self.real))

    def bind_real(self, name: str, value: sp.Symbol) -> Env:
        """A copy with the continuous latent variable ``name`` bound to the real symbol ``value``."""
        return Env(dict(self.latent), dict(self.ranged), {**self.real, canonical(name): value})

    def bind_range(self, name: str, value: sp.Symbol) -> Env:
        """A copy with the range index ``name`` (as in Σ_{i=1}^{K}) bound to the integer symbol ``value``."""
        return Env(dict(self.latent), {**self.ranged, canonical(name): value}, dict(self.real))


class Semantics:
    """Evaluate parsed LaTeX (:class:`Node`) to SymPy under the discrete (or Gaussian) reading."""

    def __init__(
        self,
        definitions: dict[str, Definition] | None = None,
        *,
        use_document: bool = True,
        continuous: bool = False,
        sigmoid: bool = False,
        likelihood: Node | None = None,
    ) -> None:
        self.definitions = dict(definitions or {})
        self.use_document = use_document
        self.continuous = continuous
        self.sigmoid = sigmoid  # the document says σ(·) is the logistic function
        self.likelihood = likelihood  # p(x|z) as the product of component densities the chain writes
        self.generic: dict[str, sp.IndexedBase] = {}  # named distributions P, Q, p_1, p_{data}, …
        self.bounds: dict[sp.Symbol, tuple[float, float]] = {}
        self._perturb: dict[sp.IndexedBase, sp.Expr] = {}  # ∇: q[i] → q[i] + t·δq[i] while differentiating
        self.K = sp.Symbol("K", integer=True, positive=True)
        self.q = sp.IndexedBase("q", positive=True)
        self.pi = sp.IndexedBase("pi", positive=True)
        self.ell = sp.IndexedBase("ell", positive=True)
        self._counter = 0
        self._free_states: dict[str, int] = {}
        self._params: dict[str, set[str]] = {}
        self._observed: set[str] = set()
        self.notes: set[str] = set()

    # ------------------------------------------------------------------ model pieces
    def domain(self, points: int = 24) -> Domain:
        """Admissible values for checking: q and π on the probability simplex, ``K`` states, ``points`` random
        points per numeric comparison."""
        return Domain(
            simplex=(self.q, self.pi, *self.generic.values()),
            size=self.K,
            points=points,
            bounds=dict(self.bounds),
        )

    def fresh_index(self) -> sp.Symbol:
        """A new positive integer symbol ``i1``, ``i2``, … for a sum over the latent states (never reused)."""
        self._counter += 1
        return sp.Symbol(f"i{self._counter}", integer=True, positive=True)

    def evidence(self) -> sp.Expr:
        """p(x) = Σ_j π_j ℓ_j over the K latent states, with a fresh index."""
        j = self.fresh_index()
        return sp.Sum(self.pi[j] * self.ell[j], (j, 1, self.K))

    def latent_sum(self, f: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
        """Σ_{i=1}^{K} f(i) over the latent states, with a fresh index."""
        i = self.fresh_index()
        return sp.Sum(f(i), (i, 1, self.K))

    # ------------------------------------------------------------------ entry point
    def evaluate(self, node: Node, env: Env | None = None) -> sp.Expr:
        """The SymPy value of the parsed LaTeX ``node`` under this reading; ``env`` holds the bound variables
        (empty by default). Raises ``SemanticError`` for notation the model cannot read."""
        return self._ev(node, env or Env())

    def _ev(self, n: Node, env: Env) -> sp.Expr:
        k = n.kind
        a = n.args
        if k == "number":
            return sp.Rational(str(a[0]))
        if k == "add":
            return self._ev(a[0], env) + self._ev(a[1], env)
        if k == "sub":
            return self._ev(a[0], env) - self._ev(a[1], env)
        if k == "neg":
            return -self._ev(a[0], env)
        if k == "mul":
            return self._ev(a[0], env) * self._ev(a[1], env)
        if k == "div":
            return self._ev(a[0], env) / self._ev(a[1], env)
        if k == "pow":
            base, expo = a[0], a[1]
            if isinstance(base, Node) and base.kind == "call" and self._call_is_product(base):
                # E_d(x − y)^2: the constant times the power of the group
                left = base.args[1].args
                return self._ev(Node("name", (base.args[0],)), env) * self._ev(left[0], env) ** self._ev(
                    expo, env
                )
            return self._ev(base, env) ** self._ev(expo, env)
        if k == "log":
            return sp.log(self._ev(a[0], env))
        if k == "exp":
            return sp.exp(self._ev(a[0], env))
        if k == "name":
            return self._name(str(a[0]), env)
        if k == "call":
            return self._call(n, env)
        if k in ("sum", "int"):
            return self._sum(n, env)
        if k == "prod":
            return self._prod(n, env)
        if k == "func":
            return self._func(n, env)
        if k == "jsd":
            return self._jsd(n, env)
        if k == "xent":
            return self._cross_entropy(n, env)
        if k == "deriv":
            return self._derivative(n, env)
        if k in _UNREAD_KINDS:
            raise SemanticError(_UNREAD_KINDS[k])
        if k == "expect":
            return self._expect(n, env)
        if k == "kl":
            return self._kl(n, env)
        if k == "entropy":
            return self._entropy(n, env)
        if k == "elbo":
            return self._elbo(n, env)
        if k == "normal":
            if len(a) != 3:
                raise SemanticError(
                    "\\mathcal{N}(μ, σ²) without a variable is a distribution, "
                    "not a value; write \\mathcal{N}(z; μ, σ²)"
                )
            z, m, v = (self._ev(x, env) for x in a)
            return normal_density(z, m, v)
        if k == "nabla":
            return self._nabla(n, env)
        raise SemanticError(f"construct `{k}` has no meaning here")

    # ------------------------------------------------------------------ named distributions, products,
    # functions
    def generic_vector(self, name: str) -> sp.IndexedBase:
        """The probability vector (over the K states) of the distribution ``name`` (P, Q, p_1, p_{data},
        …)."""
        c = canonical(name)
        if c not in self.generic:
            label = re.sub(r"[^A-Za-z0-9]", "", c.replace("\\", "")) or "r"
            self.generic[c] = sp.IndexedBase(f"P_{label}", positive=True)
        return self.generic[c]

    def _prod(self, n: Node, env: Env) -> sp.Expr:
        binder, upper, body = n.args
        assert isinstance(binder, Node) and isinstance(body, Node)
        if len(binder.args) != 2 or upper is None:
            raise SemanticError("a product needs its range (\\prod_{d=1}^{D})")
        var = str(binder.args[0])
        d = sp.Symbol(canonical(var), integer=True)
        lo = self._ev(binder.args[1], env)
        hi = self._ev(upper, env)
        return sp.Product(self._ev(body, env.bind_range(var, d)), (d, lo, hi))

    def _func(self, n: Node, env: Env) -> sp.Expr:
        name = str(n.args[0])
        left = list(n.args[1].args)
        if n.args[2].args:
            raise SemanticError(f"`{name}(…|…)`: a conditioning bar in this function's arguments")
        if name in ("Bernoulli", "Bern", "Ber"):
            if len(left) != 2:
                raise SemanticError(
                    "Bernoulli(x; p) is read as a probability mass with the value and its mean"
                )
            x, prob = (self._ev(e, env) for e in left)
            label = prob.base.label if isinstance(prob, sp.Indexed) else prob
            if isinstance(label, sp.Symbol) and not label.is_positive:
                self.bounds[label] = (0.0, 1.0)  # the mean of a Bernoulli lies in (0, 1)
            return prob**x * (1 - prob) ** (1 - x)
        if len(left) != 1:
            raise SemanticError(f"`{name}` takes one argument")
        arg = self._ev(left[0], env)
        if name == "softplus":
            return sp.log(1 + sp.exp(arg))
        if name == "sigmoid" or (name == r"\sigma" and self.sigmoid):
            return 1 / (1 + sp.exp(-arg))
        if name == r"\sigma":
            raise SemanticError(
                "σ(·) is read as the logistic function only where the document says so (sigmoid/logistic)"
            )
        raise SemanticError(f"`{name}(…)` is a distribution, not a value")

    def _jsd(self, n: Node, env: Env) -> sp.Expr:
        a, b = n.args
        assert isinstance(a, Node) and isinstance(b, Node)
        d = self._functional_def("JSD")
        if d is not None:
            return self._instantiate(d, [a, b], env)
        ka, da = self._dist(a, env)
        kb, db = self._dist(b, env)
        if ka != "discrete" or kb != "discrete":
            raise SemanticError("the Jensen–Shannon divergence is read for discrete distributions")

        def half_kl(f: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
            return (
                self.latent_sum(
                    lambda i: f(i) * sp.log(f(i) / ((da(i) + db(i)) / 2))  # type: ignore[operator]
                )
                / 2
            )

        return half_kl(da) + half_kl(db)  # type: ignore[arg-type]

    def _cross_entropy(self, n: Node, env: Env) -> sp.Expr:
        a, b = n.args
        assert isinstance(a, Node) and isinstance(b, Node)
        ka, da = self._dist(a, env)
        kb, db = self._dist(b, env)
        if ka == kb == "discrete":
            return -self.latent_sum(lambda i: da(i) * sp.log(db(i)))  # type: ignore[operator]
        if ka == kb == "gauss":
            g, h = da, db
            assert isinstance(g, Gaussian) and isinstance(h, Gaussian)
            z = sp.Symbol("zeta", real=True)
            f = -sp.log(normal_density(z, h.mean, h.var))
            return expect_polynomial(sp.expand(sp.expand_log(f, force=True)), {z: (g.mean, g.var)})
        raise SemanticError("cross-entropy between a Gaussian and a discrete distribution")

    def _derivative(self, n: Node, env: Env) -> sp.Expr:
        var, body = n.args
        assert isinstance(body, Node)
        c = canonical(str(var))
        sym = env.real.get(c) or env.ranged.get(c) or _symbol(c)
        value = self._ev(body, env)
        if not value.has(sym) and _mentions_name(body, c):
            raise SemanticError(
                f"∂/∂{c} of an expression whose dependence on {c} is not read (a density or a function "
                f"of {c})"
            )
        return sp.diff(value, sym)

    def _nabla(self, n: Node, env: Env) -> sp.Expr:
        """∇_v of an expression: v a symbol of the expression, or the parameter of q_v / p_v (the
        parameterisation is general: δq_i = q_i(g_i − Σ_j q_j g_j) keeps Σ q = 1, δℓ_i free), as in the
        score-function identity (seed 001 §4.4)."""
        var, body = n.args
        assert isinstance(body, Node)
        if var is None:
            raise SemanticError(
                "∇ without the variable of differentiation (write \\nabla_\\phi or \\nabla_\\theta)"
            )
        c = canonical(str(var))
        t = sp.Symbol("t__grad", real=True)
        saved = dict(self._perturb)
        subs = {canonical(str(x.args[0])) for x in body.walk() if x.kind in ("call", "name")}
        q_param = any(base_of(x) == "q" and subscript_of(x) == c for x in subs) or _mentions_espec(
            body, c, "q"
        )
        p_param = any(base_of(x) == "p" and subscript_of(x) == c for x in subs)
        if q_param:
            g = sp.IndexedBase(f"g_{re.sub(r'[^A-Za-z0-9]', '', c)}", real=True)
            self._perturb[self.q] = g
        if p_param:
            self._perturb[self.ell] = sp.IndexedBase(f"dell_{re.sub(r'[^A-Za-z0-9]', '', c)}", real=True)
        try:
            value = self._ev(body, env)
        finally:
            perturb, self._perturb = self._perturb, saved
        sym = _symbol(c)
        out = sp.diff(value, sym) if value.has(sym) else sp.Integer(0)
        if not perturb and not value.has(sym):
            unsubscripted = [x for x in subs if base_of(x) in ("p", "q") and subscript_of(x) is None]
            if unsubscripted or not any(base_of(x) in ("p", "q") for x in subs):
                raise SemanticError(f"∇_{c}: the expression does not depend on {c} in this reading")
            return sp.Integer(0)  # densities written with other parameters only (q_φ under ∇_θ)
        if not perturb:
            return out
        moved = value
        for base, g in perturb.items():
            if base is self.q:
                j = self.fresh_index()
                mean = sp.Sum(self.q[j] * g[j], (j, 1, self.K))
                moved = moved.replace(
                    lambda e, base=base: isinstance(e, sp.Indexed) and e.base == base,
                    lambda e, g=g, mean=mean: e + t * e * (g[e.indices[0]] - mean),
                )
            else:
                moved = moved.replace(
                    lambda e, base=base: isinstance(e, sp.Indexed) and e.base == base,
                    lambda e, g=g: e + t * g[e.indices[0]],
                )
        return out + sp.diff(moved, t).subs(t, 0).doit()

    # ------------------------------------------------------------------ names and calls
    def _name(self, name: str, env: Env) -> sp.Expr:
        c = canonical(name)
        if c in env.real:
            return env.real[c]
        if c in env.ranged:
            return env.ranged[c]
        if c in env.latent:
            raise SemanticError(f"the latent variable `{name}` appears outside a density")
        if self.use_document or c not in STANDARD_FUNCTIONALS:
            d = self.definitions.get(c)
            if d is not None and not d.params:
                return self._ev(d.rhs, env)  # C_d = 1/(σ√(2π)) (seed 001 (24)), also inside Σ_d
            if d is not None:  # ℓ(μ) := … then ∂ℓ/∂μ: the bare name is the function at its own arguments
                return self._instantiate(d, list(d.params), env)
        sub = subscript_of(c)
        if sub is not None and canonical(sub) in env.ranged:
            return indexed_base(base_of(c))[env.ranged[canonical(sub)]]
        if c == r"\pi":
            return sp.pi
        if c == "e":
            return sp.E
        if is_distribution_label(c) and env.latent and not env.real:
            return self.generic_vector(c)[self._default_latent(env)]
        if base_of(c) in ("p", "q") and not env.real:
            return self._density(base_of(c), [], [], env, bare=True)
        if base_of(c) in ("p", "q") and env.real:
            return self._continuous_density(base_of(c), None, env)
        return _symbol(c)

    def _call_is_product(self, n: Node) -> bool:
        name = canonical(str(n.args[0]))
        fam = base_of(name)
        if fam in ("p", "q"):
            return False
        d = self.definitions.get(name)
        right = n.args[2].args
        left = n.args[1].args
        constant = (d is not None and not d.params) or (d is None and name in _COEFFICIENTS)
        return constant and not right and len(left) == 1

    def _call(self, n: Node, env: Env) -> sp.Expr:
        name = canonical(str(n.args[0]))
        left = list(n.args[1].args)
        right = list(n.args[2].args)
        fam = base_of(name)
        if is_distribution_label(name) and not env.real and f"density:{name}" not in self.definitions:
            if (
                right
                or len(left) != 1
                or left[0].kind != "name"
                or canonical(str(left[0].args[0])) not in env.latent
            ):
                raise SemanticError(
                    f"`{name}` is read as a distribution over the variable a sum, integral or "
                    f"expectation binds; "
                    "written here with other arguments"
                )
            return self.generic_vector(name)[env.latent[canonical(str(left[0].args[0]))]]
        if fam in ("p", "q"):
            self._note_parameter(fam, name)
            # p(x|θ), p(x; θ): a parameter written as an argument is the parameter, as in p_θ(x)
            params = [a for a in left + right if _is_parameter_arg(a, env)]
            for a in params:
                self._note_parameter(fam, f"{fam}_{{{canonical(str(a.args[0]))}}}")
            left = [a for a in left if a not in params]
            right = [a for a in right if a not in params]
            if env.real or (self.continuous and self.definitions.get(f"density:{fam}") is not None and left):
                self._same_density_as_defined(fam, left, right)
                return self._continuous_density(fam, left[0] if left else None, env)
            return self._density(fam, left, right, env)
        d = self.definitions.get(name)
        primes = len(name) - len(name.rstrip("'"))
        if d is None and primes and self.definitions.get(name.rstrip("'")) is not None:
            d = self.definitions[name.rstrip("'")]  # f'(y): the derivative of the document's f
            if len(d.params) != 1 or right or len(left) != 1 or d.params[0].kind != "name":
                raise SemanticError(f"`{name}`: a derivative is read for a function of one variable")
            v = _symbol(canonical(str(d.params[0].args[0])))
            body = self._ev(d.rhs, env)
            return sp.diff(body, v, primes).xreplace({v: self._ev(left[0], env)})
        if d is not None and d.params:
            if right or len(left) != len(d.params):
                raise SemanticError(f"`{name}` is defined with {len(d.params)} argument(s)")
            return self._instantiate(d, left, env)
        if self._call_is_product(n):
            return self._ev(Node("name", (name,)), env) * self._ev(left[0], env)
        raise SemanticError(
            f"unknown function `{n.args[0]}`: only the densities p and q, "
            "KL, H, ELBO, \\mathcal{N} and functions defined in the document are known"
        )

    def _note_parameter(self, fam: str, name: str) -> None:
        """p and p_\\theta are the same model; p_{\\theta^{(t)}} and p_{\\theta^{(t+1)}} in one
        statement are two parameter values, which this front end does not represent."""
        sub = subscript_of(name)
        if not sub:
            return
        seen = self._params.setdefault(fam, set())
        seen.add(canonical(sub))
        if len(seen) > 1:
            raise SemanticError(
                f"{fam} appears with different parameters ({', '.join(sorted(seen))}) in one statement; "
                "only one parameter value per density is represented"
            )

    def _instantiate(self, d: Definition, actual: list[Node], env: Env) -> sp.Expr:
        mapping: dict[str, Node] = {}
        for p, a in zip(d.params, actual, strict=True):
            if p.kind != "name":
                if p != a:
                    raise SemanticError(
                        f"cannot instantiate the document's definition of `{d.key}` at a different argument"
                    )
                continue
            mapping[canonical(str(p.args[0]))] = a
        return self._ev(_substitute(d.rhs, mapping), env)

    def _role(self, arg: Node, env: Env) -> tuple[str, sp.Expr | None]:
        """('O', None) for the observed x, ('L', index) for a latent value."""
        if arg.kind != "name":
            raise SemanticError("a density's arguments must be variables (x, z, \\hat{z}, …)")
        c = canonical(str(arg.args[0]))
        if c in env.latent:
            return "L", env.latent[c]
        if is_observed_name(c):
            self._observed.add(c)
            if len(self._observed) > 1:
                raise SemanticError(
                    f"two observations ({', '.join(sorted(self._observed))}) in one statement; "
                    "one observed x per statement is represented"
                )
            return "O", None
        if c not in self._free_states:
            self._free_states[c] = len(self._free_states) + 1
            self.notes.add(
                f"the free latent variable {c} is read as one fixed state (state "
                f"{self._free_states[c]}; the states are exchangeable)"
            )
        return "L", sp.Integer(self._free_states[c])

    def _default_latent(self, env: Env) -> sp.Expr:
        if not env.latent:
            raise SemanticError(
                "a bare density (p or q without arguments) needs an enclosing "
                "sum, integral or expectation over the latent variable"
            )
        return list(env.latent.values())[-1]

    def _density(
        self, fam: str, left: list[Node], right: list[Node], env: Env, bare: bool = False
    ) -> sp.Expr:
        if bare:
            i = self._default_latent(env)
            return self.q[i] if fam == "q" else self.pi[i]
        lr = [self._role(x, env) for x in left]
        rr = [self._role(x, env) for x in right]
        roles = ("".join(r for r, _ in lr), "".join(r for r, _ in rr))
        lat = [v for _, v in lr + rr if v is not None]
        if fam == "q":
            if roles in (("L", "O"), ("L", ""), ("L", "OO")):
                return self.q[lat[0]]
            raise SemanticError("q must be written q(z|x) or q(z) (a distribution over the latent z)")
        table = {
            ("L", ""): lambda: self.pi[lat[0]],
            ("O", ""): self.evidence,
            ("O", "L"): lambda: self._likelihood_value(lat[0], env),
            ("L", "O"): lambda: self.pi[lat[0]] * self.ell[lat[0]] / self.evidence(),
            ("OL", ""): lambda: self.pi[lat[0]] * self.ell[lat[0]],
            ("LO", ""): lambda: self.pi[lat[0]] * self.ell[lat[0]],
        }
        if roles not in table:
            raise SemanticError(
                "p(…) with these arguments is not a density of the model p(z) p(x|z) "
                "(supported: p(z), p(x), p(x|z), p(z|x), p(x,z))"
            )
        return table[roles]()

    def _likelihood_value(self, state: sp.Expr, env: Env) -> sp.Expr:
        if self.likelihood is None:
            return self.ell[state]
        if env.latent:
            raise SemanticError("p(x|z) read as the written product of components inside a sum over z")
        self.notes.add("p(x|z) is read as the product over the components that the chain writes")
        return self._ev(self.likelihood, Env())

    # ------------------------------------------------------------------ continuous densities
    def density_formula(self, fam: str) -> Definition | None:
        """The document's own definition of the density ``fam`` ('p' or 'q') when reading it as continuous,
        else None."""
        d = self.definitions.get(f"density:{fam}")
        return d if (d is not None and self.continuous) else None

    def _same_density_as_defined(self, fam: str, left: list[Node], right: list[Node]) -> None:
        """The document's formula for ``fam`` is read only for a call of the same shape: ``p(x | z = k) =
        \\mathcal{N}(x; \\mu_k, \\sigma_k^2)`` says nothing of ``p(x, z = k)`` or ``p(z = k | x)`` (a joint, a
        posterior), which would otherwise be read as the same Gaussian of their first argument."""
        d = self.definitions.get(f"density:{fam}")
        if d is None or d.lhs.kind != "call":
            return
        env = Env()
        dl = [a for a in d.lhs.args[1].args if not _is_parameter_arg(a, env)]
        dr = [a for a in d.lhs.args[2].args if not _is_parameter_arg(a, env)]

        def shape(args: list[Node]) -> tuple[str, ...]:
            return tuple(to_latex(a) if a.kind == "event" else a.kind for a in args)

        # q(z) is the usual shorthand of q(z|x) (x is fixed); p(x) and p(z|x) are other densities than p(x|z)
        if shape(dl) != shape(left) or (fam == "p" and shape(dr) != shape(right)):
            raise SemanticError(
                f"the document's formula is for {to_latex(d.lhs)}; `{fam}` written with other arguments "
                "(a joint, a posterior, another event) is a different density, not given"
            )

    def _continuous_density(self, fam: str, arg: Node | None, env: Env) -> sp.Expr:
        d = self.definitions.get(f"density:{fam}")
        if d is None:
            raise SemanticError(
                f"the density {fam} has no explicit formula in the document, so it "
                "cannot be integrated over a continuous variable"
            )
        value = self._ev(arg, env) if arg is not None else list(env.real.values())[-1]
        var = sp.Symbol(canonical(d.variable or "z"), real=True)
        return self._ev(d.rhs, env.bind_real(d.variable or "z", var)).xreplace({var: value})

    def gaussian_of(self, density: sp.Expr, var: sp.Symbol) -> Gaussian:
        """(mean, variance) of a normalised Gaussian density in ``var``; raises otherwise."""
        logd = sp.expand(sp.expand_log(sp.log(density), force=True))
        try:
            poly = sp.Poly(logd, var)
        except sp.PolynomialError:
            raise SemanticError(f"{sp.sstr(density)} is not a Gaussian density in {var}") from None
        if poly.degree() != 2:
            raise SemanticError(f"{sp.sstr(density)} is not a Gaussian density in {var}")
        a2, a1, a0 = (poly.coeff_monomial(var**2), poly.coeff_monomial(var), poly.coeff_monomial(1))
        var_ = sp.simplify(-1 / (2 * a2))
        mean = sp.simplify(a1 * var_)
        norm = sp.simplify(
            sp.expand_log(a0 + sp.log(2 * sp.pi * var_) / 2 + mean**2 / (2 * var_), force=True)
        )
        if norm != 0:
            raise SemanticError(
                f"{sp.sstr(density)} does not integrate to 1 over the reals "
                f"(log-normaliser off by {sp.sstr(norm)})"
            )
        if not (
            var_.is_positive
            or var_.xreplace({s: sp.Symbol(s.name, positive=True) for s in var_.free_symbols}).is_positive
        ):
            raise SemanticError(f"the variance {sp.sstr(var_)} is not known to be positive")
        return Gaussian(mean, var_)

    def _gauss_expect(self, dens: Callable[[sp.Expr], sp.Expr], f: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
        z = sp.Symbol("zeta", real=True)
        g = self.gaussian_of(dens(z), z)
        body = sp.expand(sp.expand_log(f(z), force=True))
        try:
            return expect_polynomial(body, {z: (g.mean, g.var)})
        except sp.PolynomialError:
            raise SemanticError(
                "an expectation under a Gaussian is computed exactly only for polynomials in the variable"
            ) from None

    # ------------------------------------------------------------------ binders
    def _sum(self, n: Node, env: Env) -> sp.Expr:
        if n.kind == "int" and len(n.args) == 3:  # \int_{-\infty}^{\infty} … dz, \int_{\mathbb{R}} … dz
            lims = n.args[2]
            assert isinstance(lims, Node)
            whole = (len(lims.args) == 1) or (
                len(lims.args) == 2
                and lims.args[1] == Node("infinity", ())
                and lims.args[0] in (Node("neg", (Node("infinity", ()),)),)
            )
            if not whole:
                raise SemanticError(
                    "an integral over a part of the line (limits other than −∞, ∞) is not read"
                )
            n = Node("int", (n.args[0], n.args[1]))
        binder, body = n.args[0], n.args[-1]
        assert isinstance(binder, Node) and isinstance(body, Node)
        var = str(binder.args[0])
        if len(binder.args) == 1:
            _uses_its_variable(n.kind, var, body)
        if len(binder.args) == 3:  # \sum_{x \in \mathcal{X}}: over the values of the variable
            dom = binder.args[2]
            if not (
                isinstance(dom, Node) and dom.kind == "name" and str(dom.args[0]).startswith("\\mathcal")
            ):
                raise SemanticError("a sum over a set other than the space of the variable (\\mathcal{X})")
            binder = Node("binder", (var,))
        if len(binder.args) == 2:  # \sum_{d=1}^{D}
            if n.kind != "sum" or n.args[1] is None:
                raise SemanticError("a ranged sum needs its upper limit (\\sum_{d=1}^{D})")
            d = sp.Symbol(canonical(var), integer=True)
            lo = self._ev(binder.args[1], env)
            hi = self._ev(n.args[1], env)
            return sp.Sum(self._ev(body, env.bind_range(var, d)), (d, lo, hi))
        if n.kind == "sum" and n.args[1] is not None:
            raise SemanticError("\\sum_z^{…}: an upper limit needs a range (\\sum_{d=1}^{D})")
        if self.continuous and n.kind == "int":
            z = sp.Symbol(canonical(var), real=True)
            integrand = self._ev(body, env.bind_real(var, z))
            return self._integrate(integrand, z)
        i = self.fresh_index()
        return sp.Sum(self._ev(body, env.bind_latent(var, i)), (i, 1, self.K))

    def _integrate(self, integrand: sp.Expr, z: sp.Symbol) -> sp.Expr:
        """∫ integrand dz over ℝ for integrand = Gaussian density × polynomial (exact)."""
        for fam in ("q", "p"):
            d = self.definitions.get(f"density:{fam}")
            if d is None:
                continue
            dens = self._continuous_density(fam, Node("name", ("zeta__",)), Env(real={"zeta__": z}))
            ratio = sp.simplify(integrand / dens)
            try:
                g = self.gaussian_of(dens, z)
                return expect_polynomial(sp.expand(sp.expand_log(ratio, force=True)), {z: (g.mean, g.var)})
            except (SemanticError, sp.PolynomialError):
                continue
        raise SemanticError(
            "this integral over a continuous variable is not a Gaussian expectation of a polynomial"
        )

    def _dist(self, node: Node, env: Env) -> tuple[str, object]:
        """A distribution argument (of E, KL, H): ('discrete', i ↦ value) or ('gauss', Gaussian)."""
        if node.kind == "normal":
            if len(node.args) != 2:
                raise SemanticError("a distribution \\mathcal{N}(μ, σ²) takes the mean and the variance")
            m, v = (self._ev(x, env) for x in node.args)
            return "gauss", Gaussian(m, v)
        if node.kind == "name" and not env.latent:
            d = self.definitions.get(canonical(str(node.args[0])))
            if d is not None and not d.params and d.key not in STANDARD_FUNCTIONALS:
                # M = ½(P + Q), P = \mathcal{N}(μ₀, σ₀²) stated by the document
                return self._dist(d.rhs, env)
        if node.kind in ("name", "call") and is_distribution_label(str(node.args[0])):
            self._no_unnamed_density(str(node.args[0]))
            vec = self.generic_vector(str(node.args[0]))
            if node.kind == "call":
                left = node.args[1].args
                if node.args[2].args or len(left) != 1 or left[0].kind != "name":
                    raise SemanticError(f"`{to_latex(node)}` as a distribution: write it with one variable")
            return "discrete", (lambda i, vec=vec: vec[i])
        if (
            node.kind == "name"
            and re.fullmatch(r"[A-Z]", canonical(str(node.args[0])))
            and node.args[0] != "N"
        ):
            self._no_unnamed_density(str(node.args[0]))
            vec = self.generic_vector(str(node.args[0]))  # R in H(P, R): a distribution named by a capital
            return "discrete", (lambda i, vec=vec: vec[i])
        if node.kind in ("add", "sub", "mul", "div") and is_mixture(node):
            return self._mixture(node, env)
        if node.kind == "name" and base_of(str(node.args[0])) in ("p", "q"):
            fam = base_of(str(node.args[0]))
            if self.density_formula(fam) is not None:
                return "gauss", self._gauss_from_def(fam, env)
            return "discrete", (lambda i, fam=fam: self.q[i] if fam == "q" else self.pi[i])
        if node.kind == "call" and base_of(str(node.args[0])) in ("p", "q"):
            fam = base_of(str(node.args[0]))
            left = node.args[1].args
            if not left or not isinstance(left[0], Node) or left[0].kind != "name":
                raise SemanticError("a distribution must be written p(z), q(z|x), p(z|x), …")
            var = str(left[0].args[0])
            if self.density_formula(fam) is not None:
                return "gauss", self._gauss_from_def(fam, env)
            if is_observed_name(var) and canonical(var) not in env.latent:
                # p(x) as a distribution over x (generic, e.g. CPSC 440 KL(p || q) with E_{x∼p})
                return "discrete", (lambda i, fam=fam: self.q[i] if fam == "q" else self.pi[i])
            return "discrete", (lambda i, node=node, var=var: self._ev(node, env.bind_latent(var, i)))
        raise SemanticError(
            f"`{to_latex(node)}` is not a distribution this front end reads (p, q, "
            "p(z), q(z|x), \\mathcal{N}(μ, σ²)); mixtures are not supported"
        )

    def _no_unnamed_density(self, name: str) -> None:
        """A distribution named by a capital (P, Q) in a document that gives its densities p, q by formulas
        (Gaussians): which density it has is not written in the mathematics ("let P be the true
        distribution" is prose), so it is not read through the default discrete model."""
        if not re.fullmatch(r"[A-Z]", base_of(canonical(name))):
            return
        fams = [f for f in ("p", "q") if self.definitions.get(f"density:{f}") is not None]
        if fams:
            raise SemanticError(
                f"the distribution `{name}` has no density in the document's mathematics, which defines "
                f"{' and '.join(fams)} by formulas: write the expectation or divergence with "
                f"{' and '.join(f + '(x)' for f in fams)}"
            )

    def _mixture(self, node: Node, env: Env) -> tuple[str, object]:
        """λ p_1 + (1 − λ) p_2 (any linear combination of distributions with scalar weights) as a discrete
        distribution; a single-symbol weight λ paired with 1 − λ is taken in (0, 1), the mixture's domain."""
        terms: list[tuple[sp.Expr, Callable[[sp.Expr], sp.Expr]]] = []

        def collect(x: Node, sign: sp.Expr, into: list[tuple[sp.Expr, Callable[[sp.Expr], sp.Expr]]]) -> None:
            if x.kind == "add":
                collect(x.args[0], sign, into)
                collect(x.args[1], sign, into)
            elif x.kind == "sub":
                collect(x.args[0], sign, into)
                collect(x.args[1], -sign, into)
            elif x.kind in ("mul", "div") and is_mixture(x):
                dist_side, scal = (x.args[1], x.args[0]) if is_mixture(x.args[1]) else (x.args[0], x.args[1])
                if x.kind == "div" and dist_side is not x.args[0]:
                    raise SemanticError("a distribution in a denominator is not a mixture")
                w = self._ev(scal, env)
                inner: list[tuple[sp.Expr, Callable[[sp.Expr], sp.Expr]]] = []
                collect(dist_side, sp.Integer(1), inner)
                factor = 1 / w if x.kind == "div" else w
                into.extend((sign * factor * c, f) for c, f in inner)
            else:
                kind, f = self._dist(x, env)
                if kind != "discrete":
                    raise SemanticError("mixtures of Gaussians are not read as a distribution in a step")
                into.append((sign, f))  # type: ignore[arg-type]

        collect(node, sp.Integer(1), terms)
        total = sp.simplify(sum((c for c, _ in terms), sp.Integer(0)))
        for c, _ in terms:
            for sym in c.free_symbols:
                if isinstance(sym, sp.Symbol) and sp.simplify(total - 1) == 0 and sym not in self.bounds:
                    if not sym.is_positive:
                        self.bounds[sym] = (0.0, 1.0)  # a mixture weight λ of λ p₁ + (1 − λ) p₂
        if sp.simplify(total - 1) != 0:
            raise SemanticError(
                f"the weights of the mixture `{to_latex(node)}` sum to {sp.sstr(total)}, not 1"
            )
        return "discrete", (lambda i: sum((c * f(i) for c, f in terms), sp.Integer(0)))

    def distribution(self, node: Node, env: Env | None = None) -> tuple[str, object]:
        """``node`` read as a distribution (as an argument of KL, H, E): ('discrete', i ↦ value) or
        ('gauss', Gaussian); raises ``SemanticError`` otherwise."""
        return self._dist(node, env or Env())

    def _gauss_from_def(self, fam: str, env: Env) -> Gaussian:
        z = sp.Symbol("zeta", real=True)
        dens = self._continuous_density(fam, Node("name", ("zeta__",)), env.bind_real("zeta__", z))
        return self.gaussian_of(dens, z)

    def _expect(self, n: Node, env: Env) -> sp.Expr:
        spec, body = n.args
        assert isinstance(spec, Node) and isinstance(body, Node)
        var_name, dist_node = spec.args
        assert isinstance(dist_node, Node)
        if var_name is None:
            named = (
                self.definitions.get(canonical(str(dist_node.args[0]))) if dist_node.kind == "name" else None
            )
            if dist_node.kind == "call":
                first = dist_node.args[1].args[0]
                var_name = str(first.args[0])
            elif named is not None and named.variable is not None and named.rhs.kind == "normal":
                var_name = named.variable  # the document says x ∼ P
                spec = Node(spec.kind, (var_name, dist_node))
            else:
                var_name = "z"
        stated = spec.args[0] is not None or dist_node.kind == "call"
        kind, d = self._dist(dist_node, env)
        if kind == "gauss":
            if not stated and not any(
                x.kind == "name"
                and (canonical(str(x.args[0])) == var_name or base_of(str(x.args[0])) in ("p", "q"))
                for x in body.walk()
            ):  # E_q[\log q] is E_q[\log q(z)]: a bare density is a function of the default variable
                raise SemanticError(
                    f"the variable of `\\mathbb{{E}}_{{{to_latex(dist_node)}}}` is not stated and the "
                    f"expectation does not use {var_name}: write "
                    f"\\mathbb{{E}}_{{x \\sim {to_latex(dist_node)}}}"
                )
            g = d
            assert isinstance(g, Gaussian)
            z = sp.Symbol("zeta", real=True)
            f = self._ev(body, env.bind_real(str(var_name), z))
            return expect_polynomial(sp.expand(sp.expand_log(f, force=True)), {z: (g.mean, g.var)})
        i = self.fresh_index()
        return sp.Sum(d(i) * self._ev(body, env.bind_latent(str(var_name), i)), (i, 1, self.K))  # type: ignore[operator]

    def _functional_def(self, key: str) -> Definition | None:
        return self.definitions.get(key) if self.use_document else None

    def _kl(self, n: Node, env: Env) -> sp.Expr:
        a, b = n.args
        assert isinstance(a, Node) and isinstance(b, Node)
        d = self._functional_def("KL")
        if d is not None:
            return self._instantiate(d, [a, b], env)
        ka, da = self._dist(a, env)
        kb, db = self._dist(b, env)
        if ka == kb == "gauss":
            return self._kl_gauss(da, db)  # type: ignore[arg-type]
        if ka != kb:
            raise SemanticError("KL between a Gaussian and a discrete distribution")
        return self.latent_sum(lambda i: da(i) * sp.log(da(i) / db(i)))  # type: ignore[operator]

    def _kl_gauss(self, a: Gaussian, b: Gaussian) -> sp.Expr:
        """E_a[log a − log b], from the two densities (exact Gaussian moments)."""
        z = sp.Symbol("zeta", real=True)
        f = sp.log(normal_density(z, a.mean, a.var)) - sp.log(normal_density(z, b.mean, b.var))
        return expect_polynomial(sp.expand(sp.expand_log(f, force=True)), {z: (a.mean, a.var)})

    def _entropy(self, n: Node, env: Env) -> sp.Expr:
        (a,) = n.args
        assert isinstance(a, Node)
        d = self._functional_def("H")
        if d is not None:
            return self._instantiate(d, [a], env)
        kind, da = self._dist(a, env)
        if kind == "gauss":
            g = da
            assert isinstance(g, Gaussian)
            z = sp.Symbol("zeta", real=True)
            f = -sp.log(normal_density(z, g.mean, g.var))
            return expect_polynomial(sp.expand(sp.expand_log(f, force=True)), {z: (g.mean, g.var)})
        return -self.latent_sum(lambda i: da(i) * sp.log(da(i)))  # type: ignore[operator]

    def _elbo(self, n: Node, env: Env) -> sp.Expr:
        d = self._functional_def("ELBO")
        if d is not None:
            return self._ev(d.rhs, env)
        return self.latent_sum(lambda i: self.q[i] * sp.log(self.pi[i] * self.ell[i] / self.q[i]))

    # ------------------------------------------------------------------ standard definitions
    def standard(self, key: str, lhs: Node) -> sp.Expr:
        """The standard meaning of the functional written ``lhs`` (KL, H or ELBO)."""
        saved = self.use_document
        self.use_document = False
        try:
            return self.evaluate(lhs)
        finally:
            self.use_document = saved


def _substitute(node: Node, mapping: dict[str, Node]) -> Node:
    """Replace names (and bare-density calls' family names) according to ``mapping``."""
    if node.kind == "name" and canonical(str(node.args[0])) in mapping:
        return mapping[canonical(str(node.args[0]))]
    if node.kind == "call" and canonical(str(node.args[0])) in mapping:
        repl = mapping[canonical(str(node.args[0]))]
        if repl.kind == "name":
            return Node("call", (repl.args[0], *node.args[1:]))
    return Node(node.kind, tuple(_substitute(x, mapping) if isinstance(x, Node) else x for x in node.args))


def is_mixture(node: Node) -> bool:
    """Whether ``node`` is a linear combination that involves a named distribution (λ p_1 + (1 − λ) p_2)."""
    if node.kind in ("name", "call"):
        n = str(node.args[0])
        return (
            is_distribution_label(n) or base_of(n) in ("p", "q") or bool(re.fullmatch(r"[A-Z]", canonical(n)))
        )
    if node.kind in ("add", "sub"):
        return is_mixture(node.args[0]) or is_mixture(node.args[1])
    if node.kind in ("mul", "div"):
        return is_mixture(node.args[0]) or (node.kind == "mul" and is_mixture(node.args[1]))
    return False


def _is_parameter_arg(node: Node, env: Env) -> bool:
    """A density's argument that names a parameter (θ, φ, ψ, θ^{(t)}), not a variable."""
    if node.kind != "name":
        return False
    c = canonical(str(node.args[0]))
    return (
        c not in env.latent
        and c not in env.real
        and bool(_PARAMETER_SUBSCRIPT.match(c))
        and c not in ("w", "W")
    )


def _mentions_name(node: Node, name: str) -> bool:
    """Whether ``name`` appears in ``node`` as a name or inside a call's arguments."""
    return any(x.kind in ("name", "call") and canonical(str(x.args[0])) == name for x in node.walk())


def _mentions_espec(node: Node, param: str, fam: str) -> bool:
    """Whether an expectation in ``node`` is over ``fam`` written with the parameter ``param``
    (E_{q_φ}[…])."""
    for x in node.walk():
        if x.kind == "expect":
            dist = x.args[0].args[1]
            if isinstance(dist, Node) and dist.kind in ("name", "call"):
                nm = canonical(str(dist.args[0]))
                if base_of(nm) == fam and subscript_of(nm) == param:
                    return True
    return False


def uses(node: Node, kinds: set[str]) -> bool:
    """Whether any node in the tree under ``node`` (itself included) has a kind in ``kinds``."""
    return any(n.kind in kinds for n in node.walk())


def functional_key(node: Node) -> str | None:
    """'KL', 'H', 'ELBO' or 'JSD' when ``node`` is that functional (the keys of :class:`Definition`), else
    None."""
    return {"kl": "KL", "entropy": "H", "elbo": "ELBO", "jsd": "JSD"}.get(node.kind)


def _uses_its_variable(kind: str, var: str, body: Node) -> None:
    """``\\int p(x_i, z_i) \\, dz``: the variable of a sum or integral absent from a body that uses the same
    letter with a subscript (z_i) is not read as either (the integral of something constant in z is not
    p(x_i)); raises :class:`SemanticError` naming both."""
    c = canonical(var)
    names = {canonical(str(x.args[0])) for x in body.walk() if x.kind in ("name", "binder") and x.args}
    if c in names:
        return
    other = sorted(m for m in names if m != c and base_of(m) == base_of(c) and subscript_of(m) is not None)
    if other:
        what = "integral" if kind == "int" else "sum"
        raise SemanticError(
            f"the {what} over {var} does not use {var}; its body has {', '.join(other)} "
            f"(write the {what} over {other[0]})"
        )
