"""Every loss of the corpus (tests/torch_impl/audit_corpus.py, modelled on public code) gets its
right verdict, and the diagnosis says what the difference is."""

import pytest

from tests.torch_impl.audit_corpus import CASES
from torch_impl.audit import (
    IwaeVerdict,
    LossVerdict,
    ModelSpec,
    audit_elbo_loss,
    audit_iwae_loss,
    audit_model,
)

ELBO_FAST = {"batch_sizes": (3, 17), "latent_dims": (2, 3), "draws": 8, "extreme_draws": 2}
IWAE_FAST = {"batch_sizes": (3, 6), "data_shapes": ((5,),), "draws": 4}


def run(case):
    spec = ModelSpec(**case.spec)
    opts = dict(case.options)
    if case.kind == "iwae":
        return audit_iwae_loss(case.target, spec, 4, **{**IWAE_FAST, **opts}), IwaeVerdict
    if case.kind == "model":
        return audit_model(case.target(), spec, batch_sizes=(3, 17), draws=8, **opts), LossVerdict
    return audit_elbo_loss(case.target, spec, **{**ELBO_FAST, **opts}), LossVerdict


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)
    assert {c.kind for c in CASES} == {"elbo", "model", "iwae"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_loss_gets_its_verdict(case):
    result, verdicts = run(case)
    assert result.verdict is verdicts[case.verdict], result.to_text()
    text = result.to_text()
    for fragment in case.says:
        assert fragment in text, (fragment, text)
    assert "None" not in text.replace("NoneType", "")
