"""pytest plugin (``pytest11`` entry point ``variational_verify``): claims as test items.

``pytest --claims`` collects every registered claim × method as one test item;
``pytest --claims 'kl.*' gaussian_kl seed001.steps_16_19`` only those (ids, globs, prefixes).
Each item carries markers: its method (``symbolic``, ``numeric``, ``property``, ``torch``) and,
for a seed audit, ``seed_audit``; so ``-k``, ``-m "not torch"``, ``-n 2`` (xdist),
``--junitxml`` and the progress display work as for any test.

* a toolkit claim's item passes when its evidence is *proved* or *numerically consistent*;
* a seed audit's item passes when the finding equals the expected one;
* an evidence function that raises is a failure with its traceback; a time bound hit fails
  (*undecided*); evidence for a missing optional dependency (torch) is skipped with the reason.

Without explicit test paths, ``--claims`` collects only the claims (not the project's tests).
Importing the plugin costs nothing (SymPy and the claims load only with ``--claims``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

MARKERS = {
    "symbolic": "claim evidence from SymPy (derivations)",
    "numeric": "claim evidence from numerics (NumPy/SciPy)",
    "property": "claim evidence from Hypothesis properties (numerics.properties)",
    "torch": "claim evidence from PyTorch (torch_impl)",
    "seed_audit": "a seed's own statement; passes when the finding is the expected one",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--claims [IDS…]``."""
    group = parser.getgroup("variational-verify")
    group.addoption(
        "--claims",
        nargs="*",
        default=None,
        metavar="ID",
        help="collect the registered claims (ids, globs such as 'kl.*', prefixes; none: all) as "
        "test items, one per claim × method",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers."""
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


def _claims_requested(config: pytest.Config) -> bool:
    return config.getoption("claims", default=None) is not None


def pytest_ignore_collect(collection_path: Any, config: pytest.Config) -> bool | None:
    """With ``--claims`` and no explicit paths, collect no files: only the claims."""
    if _claims_requested(config) and config.args_source is not pytest.Config.ArgsSource.ARGS:
        return True
    return None


class ClaimFailure(Exception):
    """The claim's evidence does not support it (shown without a Python traceback)."""


class ClaimItem(pytest.Item):
    """One claim × method."""

    def __init__(self, *, claim_id: str, method: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.claim_id = claim_id
        self.method = method

    def runtest(self) -> None:
        """Run the evidence; skip, pass or raise :class:`ClaimFailure`."""
        from derivations.checker.verdicts import Verdict
        from derivations.runner.registry import get_claim, run_evidence
        from derivations.runner.testing import describe_counterexample

        claim = get_claim(self.claim_id)
        ev = run_evidence(claim, self.method)
        self.user_properties.append(("verdict", ev.verdict.value))
        if ev.verdict is Verdict.SKIPPED:
            pytest.skip(ev.detail)
        good = ev.verdict is claim.expected if claim.kind == "seed_audit" else ev.verdict.supports
        if good:
            return
        head = f"{claim.id} [{self.method}]: {ev.verdict.value}"
        if claim.kind == "seed_audit":
            head += f" (expected finding: {claim.expected})"
        lines = [head, ev.detail]
        if ev.verdict is Verdict.REFUTED:
            lines.append("counterexample: " + describe_counterexample(ev.counterexample))
        if ev.verdict is Verdict.ERROR:
            lines.append(str(ev.extra.get("traceback", "")))
        raise ClaimFailure("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The claim's verdict and counterexample, not the plugin's traceback."""
        if isinstance(excinfo.value, ClaimFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """Where the item comes from: the claim."""
        return self.path, None, f"claim {self.claim_id} [{self.method}]"


class ClaimsCollector(pytest.Collector):
    """The claims selected by ``--claims``."""

    def __init__(self, *, patterns: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.patterns = patterns

    def collect(self) -> Iterator[ClaimItem]:
        """One :class:`ClaimItem` per claim × method, in registration order."""
        from derivations.runner.registry import METHODS, resolve_ids

        for claim in resolve_ids(self.patterns or None):
            for method in METHODS:
                if method not in claim.evidence_fns:
                    continue
                item = ClaimItem.from_parent(self, name=f"{claim.id}[{method}]", claim_id=claim.id,
                                             method=method)
                item.add_marker(method)
                if claim.kind == "seed_audit":
                    item.add_marker("seed_audit")
                yield item


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Add the claim items (before ``-k``/``-m`` deselect)."""
    if not _claims_requested(config):
        return
    from _pytest.runner import collect_one_node  # reports the collection like any collector's

    from derivations.runner.registry import resolve_ids

    patterns = list(config.getoption("claims"))
    try:
        resolve_ids(patterns or None)
    except ValueError as exc:  # an unknown claim id
        raise pytest.UsageError(f"--claims: {exc}") from None
    collector = ClaimsCollector.from_parent(session, name="claims", nodeid="claims", patterns=patterns)
    report = collect_one_node(collector)
    collector.ihook.pytest_collectreport(report=report)
    items.extend(x for x in report.result if isinstance(x, pytest.Item))
