"""The statement shown is the statement checked.

:data:`CHECKED_STATEMENTS` maps a claim id to a function building the relation
``(lhs, '='|'>='|'<=', rhs)`` that the claim's verifier decides, built by calling the same
builder functions the verifier calls (``derivations.elbo.elbo_relation``, the claim modules'
named right-hand sides, the seed audits' ``Derivation`` builders, …): nothing is re-typed, so a
verifier that changes moves its statement with it. :func:`check_claim_statements` parses each
claim's LaTeX (:func:`derivations.latex.claim_statements.check_claim_latex`) and decides that
it states that relation. Claims whose statement the LaTeX front end cannot express carry the
reason in :data:`NO_CHECKED_STATEMENT`; every registered claim is in exactly one of the two.

Conventions, where the verifier's symbols are not the ones the LaTeX semantics produce
(:mod:`derivations.latex.semantics`: ``q``, ``pi``, ``ell`` indexed 1..K; ``\\mu_q`` for μ_q):

* a verifier's generic probability vectors ``a``, ``b`` (``kl.nonnegative``, ``kl.self_zero``) are
  built with the names ``q`` and ``pi`` (a renaming of bound variables, nothing else);
* the Gaussian closed forms are renamed symbol by symbol (``mu_q`` → ``\\mu_q``, …, same
  assumptions);
* an optimum written with a name (``q^\\star(z|x)``, the E-step iterate ``q^{(t)}(z|x)``,
  ``D^\\star``) is the name the semantics gives it (``q[1]``: a free latent z is state 1, the
  states being exchangeable; the symbol ``D^\\star``); the right side is what the verifier
  compares the optimum with (the seeds' formula it proves stationary, or Bayes' posterior).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sympy as sp

from derivations.checker.steps import Derivation
from derivations.claims import elbo as elbo_claims
from derivations.claims import em_gan as em_claims
from derivations.claims import gaussian_kl as gkl_claims
from derivations.claims import kl as kl_claims
from derivations.claims import seed_audits, seed_findings
from derivations.elbo import elbo_relation, jensen_relation, log_evidence_relation
from derivations.em import free_energy_bound_relation, free_energy_relation
from derivations.gaussian_kl import (
    MU_P,
    MU_Q,
    SIGMA,
    SIGMA_P,
    SIGMA_Q,
    kl_equal_variance_relation,
    kl_univariate_relation,
)
from derivations.latent import DiscreteModel
from derivations.latex.claim_statements import ClaimLatexResult, check_claim_latex
from derivations.runner.registry import Claim, all_claims
from derivations.variational import kl_nonnegative_relation, kl_self_relation, seed_optimum

Relation3 = tuple[sp.Expr, str, sp.Expr]

#: The semantics' names for the Gaussian claims' symbols (same assumptions).
_GAUSS_NAMES: dict[sp.Symbol, sp.Symbol] = {
    MU_Q: sp.Symbol(r"\mu_q", real=True),
    MU_P: sp.Symbol(r"\mu_p", real=True),
    SIGMA: sp.Symbol(r"\sigma", positive=True),
    SIGMA_Q: sp.Symbol(r"\sigma_q", positive=True),
    SIGMA_P: sp.Symbol(r"\sigma_p", positive=True),
}


def _renamed(rel: Relation3, names: dict[sp.Symbol, sp.Symbol]) -> Relation3:
    lhs, r, rhs = rel
    return sp.sympify(lhs).xreplace(names), r, sp.sympify(rhs).xreplace(names)


def chain_relation(d: Derivation) -> Relation3:
    """The statement a step chain establishes: its start, its end, and the composed relation
    (``=`` if every step is ``=``, else the chain's one inequality direction: a
    :class:`Derivation` refuses a step that mixes ≤ with ≥)."""
    if not isinstance(d, Derivation) or not d.steps:
        raise ValueError(f"d: expected a Derivation with at least one step, got {d!r}")
    rels = sorted({s.relation for s in d.steps} - {"="})
    return d.start, (rels[0] if rels else "="), d.steps[-1].expr


def _probability_vectors() -> tuple[DiscreteModel, sp.IndexedBase, sp.IndexedBase]:
    m = DiscreteModel()
    return m, m.q, m.prior


def _kl_nonnegative() -> Relation3:
    m, a, b = _probability_vectors()
    return kl_nonnegative_relation(m, kl_claims.kl_divergence, a, b)


def _kl_self_zero() -> Relation3:
    m = DiscreteModel()
    return kl_self_relation(m, m.q, kl_claims.KL_SELF_CLAIMED)


def _named_optimum(m: DiscreteModel, state: sp.Expr) -> sp.Expr:
    """What the semantics read for q^⋆(z|x) / q^{(t)}(z|x) with z free: q at ``state``."""
    q = m.q
    if not isinstance(q, sp.IndexedBase):
        raise ValueError(f"m: expected a DiscreteModel with an IndexedBase q, got {q!r}")
    return q[state]


def _optimum_general_k() -> Relation3:
    m = DiscreteModel()
    state = sp.Integer(1)
    return _named_optimum(m, state), "=", seed_optimum(m, state)


def _optimum_is_posterior() -> Relation3:
    m = DiscreteModel()
    state = sp.Integer(1)
    return _named_optimum(m, state), "=", m.posterior(state)


def _e_step() -> Relation3:
    m = DiscreteModel()
    state = sp.Integer(1)
    return _named_optimum(m, state), "=", seed_optimum(m, state)


def _seed001_steps_6_9() -> Relation3:
    d = seed_audits.seed001_steps_6_9()
    m = DiscreteModel()
    names = {sp.IndexedBase("q", positive=True): m.q, sp.IndexedBase("p", positive=True): m.prior}
    lhs, r, rhs = chain_relation(d)
    return sp.sympify(lhs).xreplace(names), r, sp.sympify(rhs).xreplace(names)


def _d_star_at_equilibrium() -> Relation3:
    return sp.Symbol(r"D^\star", real=True), "=", seed_findings.EQUILIBRIUM_D_STAR


#: claim id → the relation its verifier decides, built with the verifier's own builders.
CHECKED_STATEMENTS: dict[str, Callable[[], Relation3]] = {
    "elbo.jensen_bound": lambda: jensen_relation(DiscreteModel(), elbo_claims.jensen_bound_rhs),
    "elbo.evidence_decomposition": lambda: log_evidence_relation(
        DiscreteModel(), elbo_claims.evidence_decomposition_rhs
    ),
    "elbo.reconstruction_minus_kl": lambda: elbo_relation(
        DiscreteModel(), elbo_claims.reconstruction_minus_kl_rhs
    ),
    "elbo.energy_plus_entropy": lambda: elbo_relation(DiscreteModel(), elbo_claims.energy_plus_entropy_rhs),
    "em.free_energy_decomposition": lambda: free_energy_relation(
        DiscreteModel(), em_claims.free_energy_decomposition_rhs
    ),
    "em.free_energy_bound": lambda: free_energy_bound_relation(DiscreteModel()),
    "kl.self_zero": _kl_self_zero,
    "kl.nonnegative": _kl_nonnegative,
    "variational.optimum_general_k": _optimum_general_k,
    "variational.optimum_is_posterior": _optimum_is_posterior,
    "em.e_step": _e_step,
    "gaussian_kl.equal_variance": lambda: _renamed(
        kl_equal_variance_relation(gkl_claims.EQUAL_VARIANCE_KL), _GAUSS_NAMES
    ),
    "gaussian_kl.univariate": lambda: _renamed(
        kl_univariate_relation(gkl_claims.UNIVARIATE_KL), _GAUSS_NAMES
    ),
    "seed001.steps_1_5": lambda: chain_relation(seed_audits.seed001_steps_1_5()),
    "seed001.steps_6_9": _seed001_steps_6_9,
    "seed001.steps_10_15": lambda: chain_relation(seed_audits.seed001_steps_10_15()),
    "seed001.steps_16_19": lambda: chain_relation(seed_audits.seed001_steps_16_19()),
    "seed001.entropy_definition": lambda: chain_relation(seed_audits.seed001_entropy_definition()),
    "seed000.problem_1a": lambda: chain_relation(seed_audits.seed000_problem_1a()),
    "seed004.problem_4f": _d_star_at_equilibrium,
}

# Reasons, grouped: why a claim's statement has no relation the LaTeX front end can compare.
_OPTIMISATION = (
    "an optimisation statement (arg min / arg max / min / max, a dual program): the LaTeX front end "
    "reads identities and inequalities, not optimisation problems"
)
_LINEAR_ALGEBRA = (
    "vectors and matrices (transposes, norms, Hessians ⪰ 0, traces, determinants, covariance "
    "matrices): not in the LaTeX front end's notation"
)
_GRADIENT = (
    "a gradient (∇, ∂): the front end does not check derivatives (the variable of differentiation "
    "and the parameterisation of q are not stated in the LaTeX)"
)
_PROGRAM = (
    "a statement about a program run (PyTorch training, autograd, sampled estimators, numeric fits "
    "or iterations): decided on its outputs, there is no symbolic relation to compare"
)
_TWO_DISTRIBUTIONS = (
    "two distributions over the same variable (p_data and p_G, p and q over x, a Markov kernel, "
    "joint and conditional laws of two variables): the semantics represent the one model "
    "p(z) p(x|z) with a variational q(z|x)"
)
_TWO_LATENTS = "two latent variables (w and z of the GM-VAE): the semantics represent one latent z"
_FUNCTIONS = (
    "functions the parser does not know (JSD, TV, √, atanh, log1p, expm1, softmax, the logistic σ, "
    "φ₁, BCE, ∏) or "
    "sums over an index of unnormalised vectors"
)
_LOGICAL = (
    "a logical statement (⟺, ∃, 'jointly convex', a family over K = 2…6, a side definition "
    "`, w = …`), not one relation lhs ⋈ rhs"
)
_ITERATES = (
    "iterates θ^{(t)}, θ^{(t+1)}, q^{(t)} and the EM function Q(θ|θ^{(t)}): the semantics hold one "
    "parameter value per density"
)
_CONTINUOUS = (
    "an expectation over a continuous variable with an unspecified function f or generator G, or a "
    "non-Gaussian (logistic) decoder: the semantics integrate exactly only Gaussian × polynomial"
)

#: claim id → why its statement cannot be compared with what its verifier checks.
NO_CHECKED_STATEMENT: dict[str, str] = {
    "em.m_step_equivalence": _ITERATES,
    "em.monotonicity": _ITERATES,
    "em.gmm_m_step": (
        "per-data-point sums over n with responsibilities r_{nk} and two equations: data sums are "
        "not in the front end's notation"
    ),
    "em.f_ascent_equals_em": _PROGRAM,
    "gan.optimal_discriminator": _TWO_DISTRIBUTIONS,
    "gan.virtual_criterion_jsd": _TWO_DISTRIBUTIONS,
    "gan.global_minimum": _OPTIMISATION,
    "kl_fit.forward_moment_matching": _OPTIMISATION,
    "kl_fit.reverse_local_optima": _OPTIMISATION,
    "gan_dual.cost": _LINEAR_ALGEBRA,
    "gan_dual.quadratic_convex_iff": _LINEAR_ALGEBRA,
    "gan_dual.softplus_convex": _LINEAR_ALGEBRA,
    "gan_dual.cost_convex": _LINEAR_ALGEBRA,
    "gan_dual.lagrangian": _LINEAR_ALGEBRA,
    "gan_dual.quadratic_minimum": _LINEAR_ALGEBRA,
    "gan_dual.dual_function": _LINEAR_ALGEBRA,
    "gan_dual.conjugate": _OPTIMISATION,
    "gan_dual.dual_program": _OPTIMISATION,
    "gan_dual.strong_duality": _OPTIMISATION,
    "gaussian_kl.diagonal_vs_standard": _LINEAR_ALGEBRA,
    "gaussian_kl.full_covariance": _LINEAR_ALGEBRA,
    "variational.optimum_small_k": _LOGICAL,
    "variational.forward_kl_objective": _OPTIMISATION,
    "variational.forward_kl_snis": _LOGICAL,
    "kl.zero_iff_equal": _LOGICAL,
    "kl.joint_convexity": _LOGICAL,
    "kl.asymmetry_exists": _LOGICAL,
    "kl.log_sum_inequality": _FUNCTIONS,
    "kl.chain_rule": _TWO_DISTRIBUTIONS,
    "kl.data_processing": _TWO_DISTRIBUTIONS,
    "kl.pinsker": _FUNCTIONS,
    "jsd.bounds": _FUNCTIONS,
    "jsd.sqrt_triangle": _FUNCTIONS,
    "likelihood.bernoulli_bce": _FUNCTIONS,
    "likelihood.gaussian_mse": _LINEAR_ALGEBRA,
    "estimator.mc_reconstruction_unbiased": _CONTINUOUS,
    "estimator.score_function": _GRADIENT,
    "estimator.reparameterisation": _GRADIENT,
    "estimator.reinforce_categorical": _GRADIENT,
    "estimator.reinforce_baseline": _GRADIENT,
    "gm_vae.elbo_three_terms": _TWO_LATENTS,
    "gm_vae.learned_posterior": _TWO_LATENTS,
    "seed003.tf1_reverse_kl_covers_modes": _OPTIMISATION,
    "seed003.tf2_reparameterisation_gradient": _GRADIENT,
    "seed003.tf3_posterior_easy": _CONTINUOUS,
    "seed003.tf4_beta_correlation": _LINEAR_ALGEBRA,
    "seed004.problem_4c": _CONTINUOUS,
    "seed004.problem_4d": _TWO_DISTRIBUTIONS,
    "seed004.problem_4e": _TWO_DISTRIBUTIONS,
    "stable.kl_term": _FUNCTIONS,
    "stable.normal_kl": _FUNCTIONS,
    "stable.normalised_categorical": _FUNCTIONS,
    "stable.bernoulli_logit_difference": _FUNCTIONS,
    "stable.log_ratio_terms": _FUNCTIONS,
    "stable.logit_log_ratio": _FUNCTIONS,
    "stable.entropy_terms": _FUNCTIONS,
    "stable.mvn_trace_logdet": _LINEAR_ALGEBRA,
    "stable.mvn_shifted_cholesky": _LINEAR_ALGEBRA,
    "vae.gradients_reach_encoder": _PROGRAM,
    "vae.linear_reaches_ppca": _PROGRAM,
    "vae.iwae_bounds": _PROGRAM,
    "vae.loss_is_neg_elbo": _PROGRAM,
    "vae.iwae_estimator": _PROGRAM,
    "vae.labels_from_latents": (
        "a test accuracy measured on a data set over seeds: an empirical number, no symbolic relation "
        "the semantics could compare"
    ),
}


@dataclass(frozen=True)
class StatementSkipped:
    """A claim whose shown statement is not compared with its checked one, and why."""

    claim_id: str
    reason: str
    status: str = "no checked statement"

    @property
    def ok(self) -> bool:
        """Always true: a skipped comparison is reported, not counted as a failure."""
        return True


def check_claim_statements(
    claims: Iterable[Claim] | None = None, *, time_limit: float = 10.0
) -> list[ClaimLatexResult | StatementSkipped]:
    """For each claim (default: every registered claim): parse its LaTeX and decide that it
    states the relation in :data:`CHECKED_STATEMENTS`, or give the reason from
    :data:`NO_CHECKED_STATEMENT`. A claim in neither raises ``ValueError`` naming it (a new
    claim must say which). A builder that fails is an ``error`` result for that claim."""
    if not isinstance(time_limit, (int, float)) or not time_limit > 0:
        raise ValueError(f"time_limit: expected a positive number of seconds, got {time_limit!r}")
    claims = all_claims() if claims is None else list(claims)
    out: list[ClaimLatexResult | StatementSkipped] = []
    for c in claims:
        if not isinstance(c, Claim):
            raise ValueError(f"claims: expected Claim objects, got {c!r}")
        if c.id in CHECKED_STATEMENTS:
            try:
                rel = CHECKED_STATEMENTS[c.id]()
            except Exception as exc:  # a broken builder is an error for this claim, not a crash
                out.append(ClaimLatexResult(c.id, c.latex, "", "error", f"{type(exc).__name__}: {exc}"))
                continue
            out.append(check_claim_latex(c, rel, time_limit=time_limit))
        elif c.id in NO_CHECKED_STATEMENT:
            out.append(StatementSkipped(c.id, NO_CHECKED_STATEMENT[c.id]))
        else:
            raise ValueError(
                f"claims: claim {c.id!r} is in neither CHECKED_STATEMENTS nor NO_CHECKED_STATEMENT "
                "(derivations/claims/statements.py)"
            )
    return out
