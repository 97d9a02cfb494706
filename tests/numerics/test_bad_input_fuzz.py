"""Every public function of ``numerics`` under the bad-input fuzzer (:mod:`tests.bad_input_fuzz`):
each call gives a finite result, inf where the mathematics says so, or a ``ValueError`` naming
the argument (standard 4). Deterministic (fixed pools, fixed seeds); a few seconds."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from numerics import (
    _validate,
    accuracy,
    accuracy_search,
    accuracy_sweep,
    em,
    gan_dual,
    kl_fit,
    kl_fit_separated,
    strategies,
)
from numerics import divergences as D
from numerics import forward_kl as fkl
from numerics import properties as P
from tests.bad_input_fuzz import Spec, describe, findings, fuzz, mutations_for

P3 = [0.2, 0.3, 0.5]
Q3 = [0.3, 0.3, 0.4]


def specs() -> list[Spec]:
    """One valid call of every public function (methods and constructors included)."""
    s: list[Spec] = []
    A = "array"
    for fn in (D.kl_categorical, D.cross_entropy_categorical, D.jsd_categorical):
        s.append(
            Spec(
                fn.__name__,
                fn,
                {"p": P3, "q": Q3, "normalize": False},
                {"p": "prob", "q": "prob", "normalize": "bool"},
            )
        )
        s.append(
            Spec(
                fn.__name__ + "[normalize]",
                fn,
                {"p": P3, "q": Q3, "normalize": True},
                {"p": "array", "q": "array"},
            )
        )
    s.append(
        Spec(
            "entropy_categorical",
            D.entropy_categorical,
            {"p": P3, "normalize": False},
            {"p": "prob", "normalize": "bool"},
        )
    )
    s.append(
        Spec(
            "kl_categorical_logits",
            D.kl_categorical_logits,
            {"a": [0.1, -1.0, 2.0], "b": [0.0, 0.5, -0.5]},
            {"a": "logit", "b": "logit"},
        )
    )
    s.append(
        Spec("kl_bernoulli", D.kl_bernoulli, {"p": [0.3, 0.7], "q": [0.6, 0.2]}, {"p": "prob1", "q": "prob1"})
    )
    s.append(Spec("kl_bernoulli[scalar]", D.kl_bernoulli, {"p": 0.3, "q": 0.6}, {"p": "prob", "q": "prob"}))
    s.append(
        Spec(
            "jsd_bernoulli", D.jsd_bernoulli, {"p": [0.3, 0.7], "q": [0.6, 0.2]}, {"p": "prob1", "q": "prob1"}
        )
    )
    s.append(Spec("entropy_bernoulli", D.entropy_bernoulli, {"p": [0.3, 0.7]}, {"p": "prob1"}))
    s.append(
        Spec(
            "kl_bernoulli_logits",
            D.kl_bernoulli_logits,
            {"a": [0.1, -2.0], "b": [1.0, 0.5]},
            {"a": "logit", "b": "logit"},
        )
    )
    for fn in (D.kl_normal, D.kl_normal_diag):
        s.append(
            Spec(
                fn.__name__,
                fn,
                {"mu1": [0.1, -0.2], "sigma1": [1.0, 2.0], "mu2": [0.0, 0.3], "sigma2": [0.5, 1.5]},
                {"mu1": A, "sigma1": "positive", "mu2": A, "sigma2": "positive"},
            )
        )
    s.append(
        Spec(
            "kl_normal[scalar]",
            D.kl_normal,
            {"mu1": 0.1, "sigma1": 1.0, "mu2": 0.0, "sigma2": 2.0},
            {"mu1": "real", "sigma1": "positive", "mu2": "real", "sigma2": "positive"},
        )
    )
    s.append(Spec("entropy_normal", D.entropy_normal, {"sigma": [1.0, 2.0]}, {"sigma": "positive"}))
    cov1 = [[2.0, 0.5], [0.5, 1.0]]
    s.append(
        Spec(
            "kl_mvn",
            D.kl_mvn,
            {"mu1": [0.0, 1.0], "cov1": cov1, "mu2": [0.5, 0.0], "cov2": np.eye(2)},
            {"mu1": A, "cov1": "cov", "mu2": A, "cov2": "cov"},
        )
    )
    s.append(Spec("entropy_mvn", D.entropy_mvn, {"cov": cov1}, {"cov": "cov"}))

    # em
    x = np.array([-2.1, -1.9, -2.0, 0.1, 2.0, 2.2, 1.8, 1.95])
    theta = em.Gmm(np.array([0.5, 0.5]), np.array([[-2.0], [2.0]]), np.array([[[1.0]], [[1.0]]]))
    resp = em.e_step_posterior(x, theta)
    s.append(
        Spec(
            "Gmm",
            em.Gmm,
            {"weights": [0.5, 0.5], "means": [[-2.0], [2.0]], "covs": [[[1.0]], [[1.0]]]},
            {"weights": "prob", "means": A, "covs": "cov"},
        )
    )
    for fn in (em.log_joint, em.log_likelihood, em.e_step_posterior):
        s.append(Spec(fn.__name__, fn, {"x": x, "theta": theta}, {"x": A, "theta": "obj"}))
    s.append(
        Spec(
            "e_step_maximise_f",
            em.e_step_maximise_f,
            {"x": x, "theta": theta, "tol": 1e-12, "max_iter": 50},
            {"x": A, "theta": "obj", "tol": "positive", "max_iter": "int"},
        )
    )
    s.append(
        Spec("free_energy", em.free_energy, {"lj": em.log_joint(x, theta), "q": resp}, {"lj": A, "q": "prob"})
    )
    s.append(Spec("m_step", em.m_step, {"x": x, "resp": resp}, {"x": A, "resp": "prob"}))
    s.append(
        Spec("initial_gmm", em.initial_gmm, {"x": x, "k": 2, "seed": 0}, {"x": A, "k": "int", "seed": "int"})
    )
    s.append(
        Spec(
            "run",
            em.run,
            {"x": x, "theta0": theta, "iterations": 2, "numeric_e_step": False},
            {"x": A, "theta0": "obj", "iterations": "int", "numeric_e_step": "bool"},
        )
    )
    s.append(
        Spec(
            "max_sequence_difference",
            em.max_sequence_difference,
            {"a": [theta], "b": [theta]},
            {"a": "obj", "b": "obj"},
        )
    )

    # gan_dual
    prob = gan_dual.example_problem(6, 5, seed=1)
    s.append(
        Spec(
            "Problem.create",
            gan_dual.Problem.create,
            {"data": [[0.5, 1.0], [1.5, -0.5]], "generated": [[-1.0, 0.2], [0.3, 0.3]], "c": 1.0},
            {"data": A, "generated": A, "c": "positive"},
        )
    )
    d = prob.data.shape[1]
    n = len(prob.data) + len(prob.generated)
    s.append(
        Spec(
            "primal_objective",
            gan_dual.primal_objective,
            {"prob": prob, "w": np.full(d, 0.1)},
            {"prob": "obj", "w": A},
        )
    )
    s.append(
        Spec(
            "solve_primal",
            gan_dual.solve_primal,
            {"prob": prob, "tol": 1e-12, "max_iter": 50},
            {"prob": "obj", "tol": "positive", "max_iter": "int"},
        )
    )
    s.append(Spec("conjugate", gan_dual.conjugate, {"lam": [-0.3, -0.7]}, {"lam": "lam"}))
    s.append(
        Spec(
            "dual_objective",
            gan_dual.dual_objective,
            {"prob": prob, "lam": np.full(n, -0.5)},
            {"prob": "obj", "lam": "lam"},
        )
    )
    s.append(
        Spec(
            "solve_dual",
            gan_dual.solve_dual,
            {"prob": prob, "tol": 1e-12, "max_iter": 50},
            {"prob": "obj", "tol": "positive", "max_iter": "int"},
        )
    )
    s.append(Spec("strong_duality", gan_dual.strong_duality, {"prob": prob}, {"prob": "obj"}))
    s.append(
        Spec(
            "example_problem",
            gan_dual.example_problem,
            {"n_data": 4, "n_generated": 3, "c": 1.0, "seed": 0},
            {"n_data": "int", "n_generated": "int", "c": "positive", "seed": "int"},
        )
    )

    # kl_fit
    s.append(Spec("kl_fit.log_p", kl_fit.log_p, {"x": [0.0, 1.0]}, {"x": A}))
    s.append(
        Spec(
            "kl_fit.log_q",
            kl_fit.log_q,
            {"x": [0.0, 1.0], "mu": 0.5, "sigma": 1.2},
            {"x": A, "mu": "real", "sigma": "positive"},
        )
    )
    for fn in (kl_fit.forward_kl, kl_fit.reverse_kl, kl_fit.forward_kl_adaptive, kl_fit.reverse_kl_adaptive):
        s.append(
            Spec("kl_fit." + fn.__name__, fn, {"mu": 0.5, "sigma": 1.2}, {"mu": "real", "sigma": "positive"})
        )
    s.append(Spec("kl_fit.fit_forward", kl_fit.fit_forward, {"start": (0.0, 0.0)}, {"start": "start"}))
    s.append(Spec("kl_fit.fixed4", kl_fit.fixed4, {"value": 0.5}, {"value": "real"}))
    # kl_fit_separated
    s.append(
        Spec(
            "kl_fit_separated.log_p",
            kl_fit_separated.log_p,
            {"x": [0.0, 1.0], "separation": 3.0},
            {"x": A, "separation": "positive"},
        )
    )
    for fn in (kl_fit_separated.forward_kl, kl_fit_separated.reverse_kl):
        s.append(
            Spec(
                "kl_fit_separated." + fn.__name__,
                fn,
                {"mu": 0.5, "sigma": 1.2, "separation": 3.0},
                {"mu": "real", "sigma": "positive", "separation": "positive"},
            )
        )
    # forward_kl
    t = fkl.example_target()
    s.append(
        Spec(
            "DiscreteTarget",
            fkl.DiscreteTarget,
            {"prior": t.prior, "lik": t.lik, "proposal": t.proposal, "g": t.g},
            {"prior": "prob", "lik": "positive", "proposal": "prob", "g": A},
        )
    )
    s.append(
        Spec(
            "correct_weight",
            fkl.correct_weight,
            {"prior": t.prior, "lik": t.lik, "proposal": t.proposal},
            {"prior": "prob", "lik": "positive", "proposal": "prob"},
        )
    )
    s.append(Spec("expected_snis", fkl.expected_snis, {"target": t, "n": 2}, {"target": "obj", "n": "int"}))
    s.append(
        Spec(
            "snis_estimate",
            fkl.snis_estimate,
            {"target": t, "n": 50, "seed": 0},
            {"target": "obj", "n": "int", "seed": "int"},
        )
    )
    # properties (take pairs of probability vectors)
    pair = (np.array(P3), np.array(Q3))
    s.append(Spec("prop_kl_nonnegative", P.prop_kl_nonnegative, {"pair": pair}, {"pair": "pair"}))
    s.append(Spec("prop_pinsker", P.prop_pinsker, {"pair": pair}, {"pair": "pair"}))
    s.append(Spec("prop_jsd_bounds", P.prop_jsd_bounds, {"pair": pair}, {"pair": "pair"}))
    s.append(
        Spec(
            "prop_log_sum_inequality",
            P.prop_log_sum_inequality,
            {"a": [1.0, 2.0], "b": [2.0, 0.5]},
            {"a": "positive", "b": "positive"},
        )
    )
    s.append(
        Spec(
            "prop_joint_convexity",
            P.prop_joint_convexity,
            {"pairs": (pair, pair), "lam": 0.3},
            {"pairs": "obj", "lam": "prob"},
        )
    )
    joint = np.array([[0.1, 0.2], [0.3, 0.4]])
    s.append(
        Spec(
            "prop_chain_rule",
            P.prop_chain_rule,
            {"joint_p": joint, "joint_q": joint[::-1].copy()},
            {"joint_p": "prob", "joint_q": "prob"},
        )
    )
    s.append(
        Spec(
            "elbo_and_log_evidence",
            P.elbo_and_log_evidence,
            {"joint": joint, "x": 1, "q": [0.4, 0.6]},
            {"joint": "prob", "x": "int", "q": "prob"},
        )
    )
    s.append(
        Spec(
            "prop_data_processing",
            P.prop_data_processing,
            {"pair": pair, "kernel": np.full((3, 2), 0.5)},
            {"pair": "pair", "kernel": "prob"},
        )
    )
    # accuracy references
    s.append(
        Spec(
            "ref_kl_categorical",
            accuracy.ref_kl_categorical,
            {"p": P3, "q": Q3},
            {"p": "array", "q": "array"},
        )
    )
    s.append(
        Spec("ref_kl_bernoulli", accuracy.ref_kl_bernoulli, {"p": 0.3, "q": 0.6}, {"p": "prob", "q": "prob"})
    )
    s.append(
        Spec(
            "ref_kl_normal",
            accuracy.ref_kl_normal,
            {"m1": 0.1, "s1": 1.0, "m2": 0.0, "s2": 2.0},
            {"m1": "real", "s1": "positive", "m2": "real", "s2": "positive"},
        )
    )
    s.append(
        Spec(
            "ulp_error",
            accuracy.ulp_error,
            {"computed": 0.5, "reference": accuracy.ref_kl_bernoulli(0.3, 0.6)},
            {"computed": "measured", "reference": "real"},
        )
    )
    s.append(
        Spec(
            "accuracy.sweep",
            accuracy.sweep,
            {"distribution": "bernoulli", "samples": 2, "seed": 0},
            {"distribution": "obj", "samples": "int", "seed": "int"},
        )
    )
    s.append(
        Spec(
            "ulp_spacing_error",
            accuracy_sweep.ulp_spacing_error,
            {"computed": 0.5, "exact": accuracy.ref_kl_bernoulli(0.3, 0.6)},
            {"computed": "measured", "exact": "real"},
        )
    )
    s.append(
        Spec(
            "accuracy_sweep.sweep",
            accuracy_sweep.sweep,
            {"key": next(iter(accuracy_sweep.SWEEPS)), "samples": 3, "seed": 0},
            {"key": "obj", "samples": "int", "seed": "int"},
        )
    )
    s.append(
        Spec(
            "accuracy_search.search",
            accuracy_search.search,
            {"fn": "kl_bernoulli", "evaluations": 3, "seed": 0},
            {"fn": "obj", "evaluations": "int", "seed": "int"},
        )
    )
    s.append(
        Spec(
            "accuracy_sweep.pinned",
            accuracy_sweep.pinned,
            {"fn": "kl_bernoulli"},
            {"fn": "obj"},
        )
    )
    a, b = [0.1, -1.0, 2.0], [0.0, 0.5, -0.5]
    s.append(
        Spec(
            "ref_kl_categorical_logits",
            accuracy.ref_kl_categorical_logits,
            {"a": a, "b": b},
            {"a": "logit", "b": "logit"},
        )
    )
    s.append(
        Spec(
            "ref_kl_bernoulli_logits",
            accuracy.ref_kl_bernoulli_logits,
            {"a": 0.1, "b": -1.0},
            {"a": "logit", "b": "logit"},
        )
    )
    s.append(Spec("ref_entropy_categorical", accuracy.ref_entropy_categorical, {"p": P3}, {"p": "array"}))
    for fn in (accuracy.ref_cross_entropy_categorical, accuracy.ref_jsd_categorical):
        s.append(Spec(fn.__name__, fn, {"p": P3, "q": Q3}, {"p": "array", "q": "array"}))
    s.append(
        Spec(
            "ref_kl_mvn",
            accuracy.ref_kl_mvn,
            {"m1": [0.0, 1.0], "c1": cov1, "m2": [0.5, 0.0], "c2": np.eye(2)},
            {"m1": A, "c1": "cov", "m2": A, "c2": "cov"},
        )
    )
    s.append(
        Spec(
            "ref_kl_diag",
            accuracy.ref_kl_diag,
            {"m1": [0.1, -0.2], "s1": [1.0, 2.0], "m2": [0.0, 0.3], "s2": [0.5, 1.5]},
            {"m1": A, "s1": "positive", "m2": A, "s2": "positive"},
        )
    )
    s.append(Spec("prop_kl_zero_iff_equal", P.prop_kl_zero_iff_equal, {"pair": pair}, {"pair": "pair"}))
    s.append(
        Spec(
            "prop_jsd_sqrt_triangle",
            P.prop_jsd_sqrt_triangle,
            {"triple": (np.array(P3), np.array(Q3), np.array([0.5, 0.25, 0.25]))},
            {"triple": "obj"},
        )
    )
    s.append(
        Spec(
            "prop_elbo_bound",
            P.prop_elbo_bound,
            {"joint": joint, "x": 1, "q": [0.4, 0.6]},
            {"joint": "prob", "x": "int", "q": "prob"},
        )
    )
    s.append(
        Spec(
            "sweep_far",
            accuracy.sweep_far,
            {"distribution": next(iter(accuracy.FAR_CASES)), "samples": 1, "seed": 0, "scales": (1e3,)},
            {"distribution": "obj", "samples": "int", "seed": "int"},
        )
    )
    # Hypothesis strategies: checked when built (keyword-only, as hypothesis.extra.numpy's)
    S = strategies
    s.append(
        Spec("exactly_normalised", S.exactly_normalised, {"w": np.array([0.2, 0.3, 0.5])}, {"w": "positive"})
    )
    for fn in (S.probability_vectors, S.distribution_pairs):
        s.append(
            Spec(
                fn.__name__,
                fn,
                {"size": 3, "min_size": 2, "max_size": 8, "allow_zeros": False, "min_mass": 0.0},
                {
                    "size": "optint",
                    "min_size": "int",
                    "max_size": "int",
                    "allow_zeros": "bool",
                    "min_mass": "real",
                },
            )
        )
    s.append(
        Spec(
            "near_equal_pairs",
            S.near_equal_pairs,
            {"size": 3, "min_delta": 1e-12, "max_delta": 0.01},
            {"size": "optint", "min_delta": "positive", "max_delta": "positive"},
        )
    )
    s.append(
        Spec(
            "gaussian_parameters",
            S.gaussian_parameters,
            {"dim": 2, "mean_bound": 10.0, "min_scale": 1e-3, "max_scale": 1e3},
            {"dim": "optint", "mean_bound": "positive", "min_scale": "positive", "max_scale": "positive"},
        )
    )
    s.append(Spec("max_spd_condition", S.max_spd_condition, {"dim": 3}, {"dim": "int"}))
    s.append(
        Spec(
            "spd_matrices",
            S.spd_matrices,
            {"dim": 3, "max_condition": 1e3, "scale": 1.0},
            {"dim": "int", "max_condition": "positive", "scale": "positive"},
        )
    )
    s.append(
        Spec("markov_kernels", S.markov_kernels, {"n_in": 2, "n_out": 3}, {"n_in": "int", "n_out": "int"})
    )
    s.append(
        Spec(
            "latent_models",
            S.latent_models,
            {"n_latent": 2, "n_observed": 3, "max_states": 6},
            {"n_latent": "optint", "n_observed": "optint", "max_states": "int"},
        )
    )
    return s


SPECS = specs()

#: public callables not fuzzed here, and why
NOT_FUZZED = {
    "kl_fit.fit_reverse_all": "ten BFGS fits per call; its starts use fit_forward's fuzzed _start",
    "kl_fit.plot_fits": "writes a figure; its arguments are Fit objects made by the fits",
    "kl_fit.build_parser": "argparse: usage errors exit 2 (tests/numerics/test_program_validation.py)",
    "kl_fit.main": "argparse: usage errors exit 2 (tests/numerics/test_program_validation.py)",
    "kl_fit_separated.fit_inclusive": "a BFGS fit per call; separation is fuzzed in log_p and the KLs",
    "kl_fit_separated.fit_exclusive_all": "ten BFGS fits per call; separation is fuzzed in log_p and the KLs",
    "forward_kl.example_target": "no arguments",
    "accuracy.mvn_case": "a sampling helper of the sweeps (its rng comes from the sweep)",
    "accuracy.mvn_condition_case": "a sampling helper of the sweeps (its rng comes from the sweep)",
    "accuracy.sweep_mvn": "seconds per call; samples and seed: the fuzzed _sweep_args of sweep/sweep_far",
    "accuracy.sweep_mvn_far": "seconds per call; samples and seed: the fuzzed _sweep_args of sweep/sweep_far",
    "accuracy.sweep_regimes": "minutes per call; samples and seed: the fuzzed _sweep_args of sweep/sweep_far",
    "accuracy.sweep_mvn_condition": "seconds per call; samples and seed: the fuzzed _sweep_args",
}

MODULES = {
    "divergences": D,
    "em": em,
    "gan_dual": gan_dual,
    "kl_fit": kl_fit,
    "kl_fit_separated": kl_fit_separated,
    "forward_kl": fkl,
    "properties": P,
    "accuracy": accuracy,
    "accuracy_sweep": accuracy_sweep,
    "accuracy_search": accuracy_search,
    "strategies": strategies,
}


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_bad_input_gets_a_value_error_naming_the_argument(spec: Spec) -> None:
    found = findings(fuzz([spec]))
    assert not found, f"{len(found)} finding(s):\n" + describe(found)


def test_the_fuzzer_makes_thousands_of_calls() -> None:
    calls = sum(len(mutations_for(kind, s.args[arg])) for s in SPECS for arg, kind in s.kinds.items())
    assert calls >= 5000, calls


def test_every_public_function_is_fuzzed_or_excused() -> None:
    fuzzed = {s.fn for s in SPECS}
    fuzzed |= {getattr(f, "__func__", f) for f in fuzzed}
    missing = []
    for mod_name, mod in MODULES.items():
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            key = f"{mod_name}.{name}"
            if key in NOT_FUZZED or f"{mod_name}.*" in NOT_FUZZED:
                continue
            if inspect.isclass(obj):
                fuzzed_cls = obj in fuzzed or getattr(obj, "create", None) in fuzzed
                if not fuzzed_cls and not dataclasses_without_checks(obj):
                    missing.append(key)
            elif obj not in fuzzed:
                missing.append(key)
    assert not missing, f"public callables neither fuzzed nor excused: {missing}"


def dataclasses_without_checks(cls: type) -> bool:
    """Result records (Fit, SweepResult, …) and exceptions: built by the library, not by users."""
    return issubclass(cls, Exception) or "__post_init__" not in vars(cls)


# ----------------------------------------------------------------- the fuzzer can fail


def test_a_validator_made_a_no_op_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrong variant: real_numbers without its checks lets strings and bools into kl_categorical."""
    monkeypatch.setattr(
        _validate,
        "real_numbers",
        lambda x, name: (
            np.asarray(x, dtype=np.float64) if np.asarray(x).dtype.kind in "biuUS" else np.asarray(x)
        ),
    )
    spec = next(s for s in SPECS if s.name == "kl_categorical")
    found = findings(fuzz([spec]))
    assert any("str array" in o.label and "accepted silently" in o.detail for o in found), describe(found)


def test_a_missing_parameter_check_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrong variant: kl_fit_separated.forward_kl without normal_parameters (as it was)."""
    monkeypatch.setattr(kl_fit_separated, "normal_parameters", lambda mu, sigma, span=None: (mu, sigma))
    spec = next(s for s in SPECS if s.name == "kl_fit_separated.forward_kl")
    found = findings(fuzz([spec]))
    assert any(o.arg == "sigma" and o.label == "None" for o in found), describe(found)
    assert any("NaN" in o.detail or "TypeError" in o.detail for o in found), describe(found)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_a_misspelled_keyword_is_pythons_type_error(spec: Spec) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        spec.fn(**spec.args, normalise=True)
