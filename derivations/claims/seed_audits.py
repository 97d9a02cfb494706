"""Audits of the seeds' own derivations, step by step.

The seeds write ∫_z; the steps are checked for a discrete latent with general K (Σ_z in
place of ∫_z), where every manipulation used (linearity, log rules, Bayes' rule,
normalisation) is the same. The expected finding is pinned: the report runner fails if it
changes.
"""

from __future__ import annotations

import sympy as sp

from derivations.checker.identities import Domain
from derivations.checker.lemmas import LOG_RATIO, summed
from derivations.checker.steps import Derivation
from derivations.checker.verdicts import Verdict
from derivations.claims.helpers import seed_audit
from derivations.elbo import jensen_certificate
from derivations.latent import DiscreteModel

SEED001 = "seed 001 (Deep Learning HW4, E. He)"


def _model() -> DiscreteModel:
    return DiscreteModel()


def seed001_steps_1_5() -> Derivation:
    """Seed 001 §1.1, steps (1)–(5): log p(x) = ELBO + KL(q ‖ p(z|x)), rewritten step by step from log p(x)
    for a discrete latent with general K."""
    m = _model()
    q, post, joint, px = m.q, m.posterior, m.joint_value, m.evidence()
    E = m.expect
    d = Derivation(m.log_evidence(), domain=m.domain(), title="seed 001 (1)–(5)")
    d.eq(E(q, lambda i: sp.log(px)), "law of total probability: Σ q = 1", label="(1)")
    d.eq(E(q, lambda i: sp.log(px * joint(i) / joint(i) * q[i] / q[i])),
         "multiply by p(x,z)/p(x,z) and q/q", label="(2)")
    d.eq(E(q, lambda i: sp.log(joint(i) / q[i] * (q[i] / post(i)))),
         "p(x)/p(x,z) = 1/p(z|x)", label="(3)")
    d.eq(E(q, lambda i: sp.log(joint(i) / q[i])) + E(q, lambda i: sp.log(q[i] / post(i))),
         "log(bc) = log b + log c", label="(4)")
    d.eq(m.elbo() + m.kl(q, post), "definitions of ELBO and KL", label="(5)")
    return d


def seed001_steps_6_9() -> Derivation:
    """Seed 001 §1.2, steps (6)–(9): KL(q ‖ p) ≥ 0 through Jensen's inequality, with the Jensen step (8)
    carried by a log-ratio certificate."""
    m = _model()
    a, b = sp.IndexedBase("q", positive=True), sp.IndexedBase("p", positive=True)
    i = m.i
    dom = Domain(simplex=(a, b), size=m.K)
    E = m.expect
    mean_ratio = E(a, lambda k: b[k] / a[k])
    jensen = summed(a[i], LOG_RATIO, (b[i] / a[i]) / mean_ratio, (i, 1, m.K))
    d = Derivation(m.kl(a, b), domain=dom, title="seed 001 (6)–(9)")
    d.eq(E(a, lambda k: sp.log(a[k] / b[k])), "definition of KL", label="(6)")
    d.eq(-E(a, lambda k: sp.log(b[k] / a[k])), "log(q/p) = −log(p/q)", label="(7)")
    d.ge(-sp.log(mean_ratio),
         "Jensen with f = log (the seed calls f convex; log is concave, which is the direction "
         "actually used)", label="(8)", certificate=jensen)
    d.eq(sp.Integer(0), "Σ q·p/q = Σ p = 1, −log 1 = 0", label="(9)")
    return d


def seed001_steps_10_15() -> Derivation:
    """Seed 001 §2.1, steps (10)–(15): ELBO = E_q[log p(x|z)] − KL(q ‖ p(z)) from log p(x) − KL(q ‖
    p(z|x))."""
    m = _model()
    q, post, prior = m.q, m.posterior, m.prior
    px, E = m.evidence(), m.expect
    d = Derivation(m.elbo(), domain=m.domain(), title="seed 001 (10)–(15)")
    d.eq(m.log_evidence() - m.kl(q, post), "rearranged (5)", label="(10)")
    d.eq(E(q, lambda i: sp.log(px)) - E(q, lambda i: sp.log(q[i] / post(i))),
         "law of total probability", label="(11)")
    d.eq(E(q, lambda i: sp.log(px)) - E(q, lambda i: sp.log(q[i] / post(i) * prior[i] / prior[i])),
         "multiply by p(z)/p(z)", label="(12)")
    d.eq(E(q, lambda i: sp.log(px * post(i) / prior[i])) - E(q, lambda i: sp.log(q[i] / prior[i])),
         "regroup the logarithms", label="(13)")
    d.eq(E(q, m.log_lik) - E(q, lambda i: sp.log(q[i] / prior[i])), "Bayes' theorem", label="(14)")
    d.eq(E(q, m.log_lik) - m.kl(q, prior), "definition of KL", label="(15)")
    return d


def seed001_steps_16_19() -> Derivation:
    """Seed 001 §2.3, steps (16)–(19): ELBO = E_q[log p(x,z)] − H[q] as the seed writes it; step (19) is
    refuted under the standard entropy H = −E_q[log q]."""
    m = _model()
    q, prior, E = m.q, m.prior, m.expect
    d = Derivation(m.elbo(), domain=m.domain(), title="seed 001 (16)–(19)")
    d.eq(E(q, m.log_lik) - E(q, lambda i: sp.log(q[i] / prior[i])), "from (14)", label="(16)")
    d.eq(E(q, lambda i: sp.log(m.joint_value(i) / prior[i])) - E(q, lambda i: sp.log(q[i] / prior[i])),
         "p(x|z) = p(x,z)/p(z)", label="(17)")
    d.eq(E(q, m.log_joint) - E(q, lambda i: sp.log(q[i])), "log p(z) cancels", label="(18)")
    d.eq(E(q, m.log_joint) - m.entropy(q),
         "definition of the entropy (standard: H = −E_q[log q])", label="(19)")
    return d


def seed001_entropy_definition() -> Derivation:
    """Seed 001's definition H[q] = ∫ q log q compared with the Shannon entropy −E_q[log q]: refuted (it is
    the negative)."""
    m = _model()
    d = Derivation(m.entropy(m.q), domain=m.domain(), title="seed 001 §2.3 entropy definition")
    d.eq(m.expect(m.q, lambda i: sp.log(m.q[i])), "seed: H[q] = ∫ q log q", label="H")
    return d


def seed000_problem_1a() -> Derivation:
    """CS 446 HW8 1(a) (seed 000) = ECE 544 PS5 1(a) (seed 004): log p(x) ≥ ELBO = E_q[log p(x|z)] − KL(q,
    p(z)) by Jensen, with a certificate for the inequality."""
    m = _model()
    q, E = m.q, m.expect
    d = Derivation(m.log_evidence(), domain=m.domain(), title="seed 000/004 1(a)")
    d.eq(sp.log(E(q, lambda i: m.joint_value(i) / q[i])), "multiply and divide by q", label="(i)")
    d.ge(m.elbo(), "Jensen's inequality (log is concave)", label="(ii)",
         certificate=jensen_certificate(m))
    d.eq(E(q, m.log_lik) - m.kl(q, m.prior), "split the log; KL(q, p(z))", label="(iii)")
    return d


seed_audit("seed001.steps_1_5", "log p(x) = ELBO + KL(q ‖ p(z|x)), seed 001 steps (1)–(5)",
           r"\log p_\theta(x) = \mathrm{ELBO} + \mathrm{KL}(q(z\mid x)\,\|\,p_\theta(z\mid x))",
           f"{SEED001}, §1.1", Verdict.PROVED, seed001_steps_1_5)
seed_audit("seed001.steps_6_9", "KL ≥ 0 via Jensen, seed 001 steps (6)–(9)",
           r"\mathrm{KL}(q\,\|\,p) \ge 0", f"{SEED001}, §1.2", Verdict.PROVED, seed001_steps_6_9)
seed_audit("seed001.steps_10_15", "ELBO = E_q[log p(x|z)] − KL(q ‖ p(z)), seed 001 steps (10)–(15)",
           r"\mathrm{ELBO} = \mathbb{E}_q[\log p_\theta(x\mid z)] - \mathrm{KL}(q\,\|\,p(z))",
           f"{SEED001}, §2.1", Verdict.PROVED, seed001_steps_10_15)
seed_audit("seed001.steps_16_19",
           "ELBO = E_q[log p(x,z)] − H[q], seed 001 steps (16)–(19): step (19) is wrong under the "
           "standard entropy H = −E_q[log q]; the correct identity is ELBO = E_q[log p(x,z)] + H(q)",
           r"\mathrm{ELBO} = \mathbb{E}_q[\log p_\theta(x,z)] - \mathbb{H}[q]",
           f"{SEED001}, §2.3", Verdict.REFUTED, seed001_steps_16_19)
seed_audit("seed001.entropy_definition",
           "seed 001 defines H[q] = ∫ q log q: that is the negative of the Shannon entropy, "
           "which makes (19) consistent with the seed's own definition but not with the standard one",
           r"H[q] = \int_z q(z)\log q(z)", f"{SEED001}, §2.3", Verdict.REFUTED, seed001_entropy_definition)
seed_audit("seed000.problem_1a",
           "log p(x) ≥ Σ q log p(x,z)/q = Σ q log p(x|z) − KL(q, p(z)) (solution key, Jensen)",
           r"\log p_\theta(x) \ge \sum_z q\log\frac{p_\theta(x,z)}{q}",
           "CS 446 HW8 1(a) solution (seed 000) = ECE 544 PS5 1(a) (seed 004)",
           Verdict.PROVED, seed000_problem_1a)
