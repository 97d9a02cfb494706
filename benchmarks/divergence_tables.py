"""Writes ``docs/divergence-accuracy-and-speed.md`` from the measured results
(``benchmarks/results/divergence_accuracy.json``, ``benchmarks/results/divergence_speed.json``):
every figure on that page is read from those files, none is typed by hand (the other benchmark
tables live in ``docs/benchmarks.md``, from :mod:`benchmarks.tables`).
Run: ``python -m benchmarks.divergence_tables`` (``--check``: exit 1 if the page differs from
what the results give); writing the page also redraws its two figures
(:mod:`benchmarks.divergence_figures`)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from derivations.runner.report_io import atomic_write_text

RESULTS = Path(__file__).parent / "results"
PAGE = Path(__file__).resolve().parent.parent / "docs" / "divergence-accuracy-and-speed.md"

#: why a function's worst case is above 2 ulp, from the error analysis of its form
#: (numerics._kernels, numerics.divergences); shown only where the measured worst exceeds 2
CAUSES = {
    "kl_categorical": "with normalize=False (vectors summing to 1) the compiled fast path: outside "
    "the series region (|y| > ½, y = (a − b)/(a + b)) each term a·log(a/b) − a + b is formed from "
    "NumPy's log of the rounded a/b, whose rounding these forms magnify up to ~2.5× (3.6–6.5 ulp "
    "measured on 2·10⁴ pairs with |y| > ½). normalize=True (and the rows the fast path hands on) "
    "takes the double-double route (divergences._kl_rows_dd, ≤ 1 ulp measured); the fast path keeps "
    "NumPy's vectorised log because its speed rows (10³ elements against rel_entr) have no margin "
    "for the double-double logarithm.",
    "jsd_categorical": "¼ Σ sᵢ·φ(yᵢ) (numerics._jensen_shannon) with the numerators, the terms, "
    "their sum and the division by PQ as double-doubles; one rounding at the end.",
    "cross_entropy_categorical": "one sum of positive double-double terms p̂ᵢ·log(Q/qᵢ), rounded once "
    "(divergences._cross_entropy64).",
    "entropy_categorical": "as cross_entropy_categorical, with q = p.",
    "kl_bernoulli": "two terms (s/2)·κ(y) (numerics._kl_kappa) with exact complements; the "
    "series part y²·y(1 + y)·V(y²), about a quarter of κ near |y| = ½, carries the roundings of V "
    "and of its products (≤ 0.75 ε per term measured).",
    "entropy_bernoulli": "two double-double terms x·log x (1 − p exact), rounded once.",
    "jsd_bernoulli": "as for jsd_categorical, with 1 − p and 1 − q as double-doubles.",
    "kl_bernoulli_logits": "σ(a) and σ(b) are formed to ~1 ulp each (from e^{−|x|}), and "
    "p − q = −σ(a)σ(−b)·expm1(b − a) carries three more roundings; the two terms, each a fraction "
    "of p (about an eighth near |b − a| = 1), magnify these up to ~2.5× each. The expm1 form "
    "holds up to |b − a| = 2: p − q of the rounded σ's, which took over at 1 before, left 16.3 ulp "
    "just past it (pinned; ≤ 2.7 ulp by expm1). ≤ 2 ulp would need σ to better than an ulp, i.e. "
    "a double-double exp.",
    "kl_categorical_logits": "the softmax probabilities are formed to ~1 ulp each (NumPy's exp, "
    "≤ 0.64 ulp measured, and a division by the row sum); ℓ = log(p̂/q̂) is carried as a "
    "double-double from the exact logit differences, and the terms p̂·(e^{−ℓ} − 1 + ℓ) take the "
    "series of cosh − 1 and sinh − x, whose parts cancel up to a factor ~1.5 on [−1, 0) (≤ 3.4 ulp "
    "measured on 5,000 points, tests/numerics/test_logits_kernels.py).",
    "kl_normal": "the variance part ½x² + (x − log(1 + x)), x = (σ₁ − σ₂)/σ₂ (the second part by the "
    "certified polynomial for σ₁/σ₂ ∈ [⅓, 3], (x/2)(x + 2) − log ρ beyond) and (μ₁ − μ₂)²/(2σ₂²) are "
    "corrected to first order for the roundings of x, of s = x/(2 + x), of σ₁/σ₂ and of (μ₁ − μ₂)/σ₂; "
    "what remains is the rounding of the forms themselves (NumPy's log of σ₁/σ₂ in the far form) and "
    "of their sum. Where μ₁ − μ₂ overflows, z = μ₁/σ₂ − μ₂/σ₂ "
    "carries its two roundings uncorrected.",
    "kl_normal_diag": "the per-coordinate KLs (as kl_normal) summed pairwise.",
}


#: the heading of the page's per-function worst case (the tests read the table below it)
WORST_HEADING = "Worst over all regimes, pinned inputs and searches, per function:"


def _cell(text: object) -> str:
    """A Markdown table cell: a literal | escaped (regimes say |logit|, causes |y|)."""
    return str(text).replace("|", "\\|")


def _up(worst: float) -> str:
    """A worst case to two decimals, rounded up (never printed below what was measured)."""
    return f"{math.ceil(float(worst) * 100 - 1e-9) / 100:.2f}"


def _load(name: str) -> dict[str, Any]:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else {}


def _figure(results: object, name: str, caption: str) -> list[str]:
    """The Markdown of a figure written by :mod:`benchmarks.divergence_figures` from the same
    results (none where those results are missing)."""
    if not results:
        return []
    return [f"![{caption} ({name}, from the same results)](../benchmarks/results/{name})", ""]


def worst_by_source(section: dict[str, Any]) -> dict[str, tuple[float, float, float, float]]:
    """Per function, from the worst-case section of ``divergence_accuracy.json``: the worst error
    over its sweeps, over its pinned inputs and found by its search (0 where there is none), and
    the largest 99.9th percentile of its sweeps — in the order the functions first appear."""
    out: dict[str, list[float]] = {}
    for key, index in (("rows", 0), ("pinned", 1), ("searched", 2)):
        for r in section.get(key, []):
            entry = out.setdefault(r["function"], [0.0, 0.0, 0.0, 0.0])
            entry[index] = max(entry[index], float(r["worst ulp"]))
            if key == "rows":
                entry[3] = max(entry[3], float(r["99.9th percentile ulp"]))
    return {fn: (e[0], e[1], e[2], e[3]) for fn, e in out.items()}


def _accuracy(acc: dict[str, Any]) -> list[str]:
    worst = acc.get("worst_case")
    if not worst:
        return ["*(no worst-case sweep in divergence_accuracy.json yet: run "
                "`python -m benchmarks.divergence_accuracy --worst-case-only`)*", ""]
    rows = worst["rows"]
    lines = [
        f"{worst['description']}. Samples per sweep: **{worst['samples per sweep']:,}** "
        f"({worst['seconds']:,.0f} s of mpmath in all).",
        "",
        "| function | regime | worst (ulp) | 99.9th percentile (ulp) | n |",
        "|---|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| `{r['function']}` | {_cell(r['regime'])} | {_up(r['worst ulp'])} | "
                     f"{r['99.9th percentile ulp']:.2f} | {r['samples']:,} |")
    pinned = worst.get("pinned", [])
    if pinned:
        lines += ["", "Inputs pinned from searches outside these sweeps (reports and probes by others "
                  "that found larger errors than the draws above; evaluated on every run, so the "
                  "worst below is never under a reported error):", "",
                  "| function | worst (ulp) | inputs | n |", "|---|---:|---|---:|"]
        for r in pinned:
            lines.append(f"| `{r['function']}` | {_up(r['worst ulp'])} | `{_cell(r['worst at'])}` | "
                         f"{r['samples']} |")
    searched = worst.get("searched", [])
    if searched:
        lines += ["", f"A directed search: {_cell(worst['searched description'])}. The "
                  "random draws above find typical errors, a search that climbs finds the large ones:",
                  "", "| function | worst found (ulp) | at | evaluations | restarts |",
                  "|---|---:|---|---:|---:|"]
        for r in searched:
            lines.append(f"| `{r['function']}` | {_up(r['worst ulp'])} | `{_cell(r['worst at'])}` | "
                         f"{r['evaluations']:,} | {r['restarts']:,} |")
    lines += ["", WORST_HEADING, "",
              "| function | worst (ulp) | within 2 ulp | where above 2 ulp, why |", "|---|---:|---|---|"]
    for fn, parts in worst_by_source(worst).items():
        w = max(parts[:3])
        cause = CAUSES.get(fn, "") if w > 2 else ""
        lines.append(f"| `{fn}` | {_up(w)} | {'yes' if w <= 2 else 'no'} | {_cell(cause)} |")
    lines += ["", "The inputs of every worst case are in `divergence_accuracy.json` (`worst at`).", ""]
    return lines


def _speed(speed: dict[str, Any]) -> list[str]:
    if not speed.get("phases"):
        return ["*(no results in divergence_speed.json yet: "
                "run `python -m benchmarks.divergence_speed`)*", ""]
    lines = [f"{speed['description']}. Machine: {speed['machine']}.", ""]
    for phase in speed["phases"]:
        load = phase["load"]
        before, after = phase["load average (1 min) before, after"]
        for setting in phase["settings"]:
            lines += [
                f"### {load}, {setting['threads']} thread{'s' if setting['threads'] > 1 else ''} "
                f"(load average {before} → {after})",
                "",
                "| family | case | reference | ours (ms) | ours after ref / after ours (ms) "
                "| reference (ms) | ratio | range of runs |",
                "|---|---|---|---:|---:|---:|---:|---|",
            ]
            for r in setting["rows"]:
                lines.append(
                    f"| {r['family']} | {r['case']} | {_cell(r['reference'])} | "
                    f"{r['this project (ms)']:.4g} | {_after_cell(r)} | "
                    f"{r['reference (ms)']:.4g} | **{r['ratio']:.2f}** | "
                    f"{r['range'][0]:.2f}–{r['range'][1]:.2f} |"
                )
            lines.append("")
    first = speed.get("first call in a fresh process")
    if first:
        lines += ["### First call in a fresh process (import + first call)", "",
                  "| what | " + " | ".join(first) + " |", "|---|" + "---:|" * len(first)]
        names = list(next(iter(first.values())))
        for name in names:
            cells = [f"{first[c][name]['seconds (median of 3 processes)']:.3f} s" for c in first]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _after_cell(row: dict[str, Any]) -> str:
    after_ref = row.get("this project after the reference's call (ms)")
    after_ours = row.get("this project after its own call (ms)")
    return "–" if after_ref is None or after_ours is None else f"{after_ref:.4g} / {after_ours:.4g}"


def _numpy_forms(forms: dict[str, Any]) -> list[str]:
    """The NumPy forms (a process's first calls) against the compiled kernels."""
    if not forms.get("rows"):
        return []
    lines = ["### The NumPy forms against the compiled kernels", "",
             "Until a process has spent 0.3 s in these functions they are computed by NumPy forms with the "
             "compiled kernels' bits (`numerics._kernel_tier`); what that costs per call, "
             f"{forms['description']} (load average {forms['load average (1 min)']}):", "",
             "| function | elements | NumPy form (ms) | compiled (ms) | ratio |", "|---|---|---:|---:|---:|"]
    for r in forms["rows"]:
        lines.append(f"| {r['function']} | {r['elements']} | {r['NumPy form (ms)']:.4g} | "
                     f"{r['compiled (ms)']:.4g} | {r['ratio']:.2f} |")
    return [*lines, ""]


def _rows(speed: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """Every (phase, setting, row) of the speed results."""
    for phase in speed.get("phases", []):
        for setting in phase["settings"]:
            for r in setting["rows"]:
                yield phase, setting, r


def _bar(case: str) -> float:
    """The ratio a row must reach: 1.5 at 10⁵–10⁶ elements, else 1."""
    return 1.5 if ("10⁵" in case or "10⁶" in case) else 1.0


def _row(speed: dict[str, Any], threads: int, family: str, case: str) -> dict[str, Any] | None:
    """The idle-phase row of ``family`` whose case starts with ``case`` at ``threads`` threads."""
    return next((dict(r) for phase, setting, r in _rows(speed)
                 if phase["load"] == "idle" and setting["threads"] == threads
                 and r["family"] == family and r["case"].startswith(case)), None)


def _lowest(speed: dict[str, Any], case: str, family: str | None = None) -> float:
    """The lowest ratio of the rows whose case contains ``case`` (of ``family``, if given), over
    every phase and thread count; 1.0 if there is none."""
    return min((float(r["ratio"]) for _, _, r in _rows(speed)
                if case in r["case"] and family in (None, r["family"])), default=1.0)


def _second_thread(speed: dict[str, Any]) -> str:
    """A sentence with the benchmark's measurement of this project's 2-thread time alone and at
    growing distances after torch's call (``divergence_speed.second_thread``); "" without it."""
    diag = speed.get("second thread after torch's call")
    if not diag:
        return ""
    two = diag["this project, 2 threads (ms, median)"]
    one = diag["this project, 1 thread (ms, median)"]
    gaps = [k for k in two if k != "alone (no torch call)"]
    when = ", ".join(k.split(" ms")[0] for k in gaps[:-1]) + f" and {gaps[-1].split(' ms')[0]}"
    times = ", ".join(f"{two[k]:.2f}" for k in gaps[:-1]) + f" and {two[gaps[-1]]:.2f}"
    right_after = one["0 ms after torch's call"]
    return (f" Measured directly on the {diag['case']} case: with 2 threads this project takes "
            f"{two['alone (no torch call)']:.2f} ms when no torch call runs in the loop, and "
            f"{times} ms at {when} ms after torch's call (one thread: "
            f"{one['alone (no torch call)']:.2f} ms alone, {right_after:.2f} ms right after "
            "torch's call): torch's spinning worker holds the second core for a few milliseconds "
            "after each call.")


def _below_the_bar(speed: dict[str, Any]) -> list[str]:
    """Why the rows below 1 (10³ elements) or 1.5 (10⁵–10⁶) stay there, with their figures."""
    small = _row(speed, 1, "categorical", "KL, rows of 10, 10³")
    two = [r for r in (_row(speed, 2, f, c) for f, c in (
        ("Normal", "KL float64, 10⁵"), ("Bernoulli logits", "KL, 10⁵"),
        ("categorical logits", "KL, rows of 10, 10⁵"))) if r is not None]
    lines = []
    if small is not None and _lowest(speed, "KL, rows of 10, 10³", "categorical") < 1.0:
        lines.append(
            "* Where a ratio stays below 1 or 1.5, and why. Categorical KL at 10³ elements "
            f"({small['this project (ms)'] * 1e3:.1f} µs against `rel_entr`'s "
            f"{small['reference (ms)'] * 1e3:.1f} µs, idle, 1 thread; the lowest ratio over the "
            f"settings {_lowest(speed, 'KL, rows of 10, 10³', 'categorical'):.2f}, parity within "
            "the machine's noise): one compiled call for the transposes "
            "and the ratios p/q (a zero ratio made NaN, so that NumPy's log needs no error state), "
            "NumPy's log of the ratios, and one fused compiled pass that forms each term where its row "
            "is summed, with compensated row sums for the validation and the normalisation. That pass "
            "evaluates the near-equal series of every term (branch-free, so that it vectorises), now a "
            "14-term polynomial instead of 26 Taylor terms (`derivations.kl_series_fit`; its share of "
            "the call fell by about a third); the rest is the ratio pass's divisions, the logarithm and "
            "the call's checks, against `rel_entr`'s one pass of p·log(p/q) without the accurate forms "
            "or the validation.")
    if two:
        after_ref = "this project after the reference's call (ms)"
        figures = "; ".join(
            f"{r['family']}: {r[after_ref]:.2f} ms right after torch's "
            f"call, {r['this project after its own call (ms)']:.2f} ms right after its own, torch "
            f"{r['reference (ms)']:.2f} ms" for r in two)
        lines.append(
            "* Where a ratio stays below 1.5: with 2 threads at 10⁵ elements the second column matters "
            f"({figures}): torch's OpenMP workers spin on a core for milliseconds after each of its "
            "calls, so in the paired rounds this project's second thread often finds that core busy — "
            "right after torch's call, and at times still after a call of its own in between — and "
            "the ratio compares one effective thread with torch's two (torch's own timed call follows "
            f"an untimed call of its own, its workers warm).{_second_thread(speed)} Handing out smaller "
            "pieces of work as threads become free was measured and did not help: each piece is a "
            "round of calls between which the threads hand the GIL to each other, and with no "
            "competitor two threads took longer with four pieces each than with one. At 10⁶ elements "
            f"the lowest ratio, over both loads and thread counts, is {_lowest(speed, '10⁶ elements'):.2f}.")
        pairs = [(r1, r2) for r2 in two if (r1 := _row(speed, 1, r2["family"], r2["case"])) is not None]
        if pairs:
            single = "; ".join(
                f"{r1['family']} {r1['this project (ms)']:.2f} ms against torch's "
                f"{r2['reference (ms)']:.2f} ms" for r1, r2 in pairs)
            lines.append(
                "  Even one thread of this project alone would not reach 1.5 there "
                f"(idle, 1 thread: {single} with 2 threads): its per-element arithmetic is the cost of "
                "the accurate forms — the Normal KL's first-order corrections for the roundings of "
                "x, σ₁/σ₂ and z take about a third of its main kernel's time (measured by leaving them "
                "out: 0.44 against 0.28 ms per 10⁵ elements, with the products' residuals by fused "
                "multiply-adds), and leaving them out raises its worst error from 2.3 to 4.5 ulp — "
                "and no form both as accurate and cheaper was found.")
    small_explained = {("categorical", "KL, rows of 10, 10³ elements")}
    two_explained = {(r["family"], r["case"]) for r in two}
    others = [
        f"{r['family']} {r['case']} ({phase['load']}, {setting['threads']} thread"
        f"{'s' if setting['threads'] > 1 else ''}): {r['ratio']:.2f} "
        f"({r['range'][0]:.2f}–{r['range'][1]:.2f})"
        for phase, setting, r in _rows(speed)
        if "scalar prior" not in r["case"] and (r["family"], r["case"]) not in small_explained
        and not (setting["threads"] == 2 and (r["family"], r["case"]) in two_explained)
        and r["ratio"] < _bar(r["case"])]
    if others:
        lines.append(
            "* Other rows below their bar in this run: " + "; ".join(others) + ". The same kernels "
            "measure above it in the other settings of the same run (see the tables): these sit near "
            "the bar and move with the shared machine's load (the load averages above).")
    scalar = [float(r["ratio"]) for _, _, r in _rows(speed) if "scalar prior (0, 1)" in r["case"]]
    if scalar and min(scalar) < 1.0:
        lines.append(
            "* The scalar prior (0, 1) against the same prior as full arrays (ratios "
            f"{min(scalar):.2f}–{max(scalar):.2f} over both loads and thread counts): N(0, 1) given "
            "as scalars takes a kernel with one pass fewer and a correction reduced to σ₁ − 1's "
            "rounding (`numerics._jit.normal_terms_standard`, the same bits); any other scalar "
            "prior runs the general kernel, which reads the scalar in place of an array element "
            "(nothing of the broadcast size is made).")
    return lines


def render() -> str:
    """The page's Markdown from the two results files."""
    acc, speed = _load("divergence_accuracy.json"), _load("divergence_speed.json")
    forms = _load("numpy_form_speed.json")
    lines = [
        "# Divergences: measured accuracy and speed",
        "",
        "Generated by `python -m benchmarks.divergence_tables` from "
        "`benchmarks/results/divergence_accuracy.json`, `benchmarks/results/divergence_speed.json` and "
        "`benchmarks/results/numpy_form_speed.json`; every number below is read from those files.",
        "",
        "## Accuracy: the worst case per function and regime",
        "",
        *_figure(acc.get("worst_case"), "divergence_accuracy.svg",
                 "Worst float64 error per function, against the 2-ulp aim"),
        *_accuracy(acc),
        "## Speed against the fastest references",
        "",
        *_figure(speed.get("phases"), "divergence_speed.svg",
                 "Every speed ratio, per load and thread count, against its bar"),
        *_speed(speed),
        *_numpy_forms(forms),
        "## How the numbers were obtained, and what else holds",
        "",
        "* Accuracy: `numerics.accuracy_sweep` draws the inputs of each regime from its own seed, "
        "computes the exact value with mpmath on the float64 inputs themselves (`numerics.accuracy`: "
        "enough digits for the entries' dynamic range, logits' magnitudes and spread), and measures the "
        "error in units of float64's spacing at the exact value. `tests/numerics/test_accuracy_sweep.py` "
        "re-runs the first draws of every sweep against the figures above, and shows that a textbook "
        "formula is caught. `numerics.accuracy_search` climbs from inputs drawn the way users' look "
        "(seeded, deterministic); `tests/numerics/test_accuracy_search.py` re-evaluates every "
        "search's worst input, and shows that the search reaches a textbook Bernoulli KL's "
        "cancellation from random starts.",
        "* Speed: paired, interleaved rounds in one process (each side's timed call follows an untimed "
        "call of the same side), so that a shared machine's drift hits both sides alike; the load "
        "averages above say how busy the machine was. Where a reference's time at 2 threads is many "
        "times its 1-thread time, its OpenMP workers were waiting for cores that other work held: "
        "such a ratio measures that stall, not this project's speed (compare the ms columns).",
        "* First calls: every compiled path has a NumPy form that gives its bits exactly "
        "(`tests/numerics/test_kernel_tier.py`, `tests/numerics/test_first_calls.py`). A process computes "
        "by those until its calls have taken 0.3 s in all — about what loading the compiled kernels costs "
        "— and loads the kernels then (the rent-or-buy rule, `numerics._kernel_tier`; `NUMERICS_KERNELS="
        "compiled|numpy` overrides it), so a first call imports neither numba nor SciPy at any size, and a "
        "process that makes many calls pays at most about twice the best choice made in hindsight. The "
        "speed tables above are the steady state (kernels loaded).",
        *_below_the_bar(speed),
        "* The compiled kernels keep their machine code where it can be written (`NUMBA_CACHE_DIR`, the "
        "package's `__pycache__`, the user's cache); a cache built beforehand in a read-only place is "
        "loaded; with neither, they compile in memory with one `RuntimeWarning` and give the same bits "
        "(`tests/numerics/test_compile_cache.py`).",
        "* A covariance is refused (`ValueError` naming it) when a Cholesky pivot is at most 4·d·ε times "
        "its diagonal entry — within rounding of a singular matrix — whatever the matrix's scale.",
        "* Logits of any finite size are accepted: where a difference of two logits would overflow, the "
        "rows are brought into range exactly (`numerics.divergences._wide_logit_rows`).",
        "",
    ]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        current = PAGE.read_text() if PAGE.exists() else ""
        if current != text:
            print(f"{PAGE} is out of date: run python -m benchmarks.divergence_tables", file=sys.stderr)
            return 1
        return 0
    atomic_write_text(PAGE, text)
    print(f"wrote {PAGE}")
    from benchmarks import divergence_figures  # matplotlib: only when writing

    for path in divergence_figures.write():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
