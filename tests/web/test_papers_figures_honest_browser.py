"""The papers page draws what each figure claims and judges each figure by its own criterion (walkthrough of issue 19):
poole2016's χ₁ as dashed lines beside the measured ratios, shazeer2020's means with standard-error bars, each
run's criterion in a rerun table, and the seconds a rerun has taken."""

from __future__ import annotations

import pytest

from _browser import shot
from actlab.experiments import figures, papers
from actlab.experiments.reproduction import Reproduction, asserted


def test_poole_predictions_are_dashed_and_shazeer_means_have_error_bars(page, live_server):
    page.goto(f"{live_server}/papers")
    page.wait_for_selector("body[data-figures=drawn]", timeout=60_000)
    poole = page.locator("#claim-poole2016 .paper-figure [role=img]").first
    (panel,) = figures.figure(papers.stored("poole2016"))
    predicted = [t for t in panel.traces if t.style == figures.PREDICTION]
    assert len(predicted) == 9  # χ₁ beside each of the six measured ratios, and χ(q_l) for each of the three tanh nets
    dashes = poole.evaluate("el => el.data.map((t) => (t.line || {}).dash || 'solid')")
    names = poole.evaluate("el => el.data.map((t) => t.name)")
    # χ₁ dashed, and χ(q_l) dotted where it is a tanh net's second prediction in the same colour
    drawn = sorted(n for n, d in zip(names, dashes, strict=True) if d in ("dash", "dot"))
    assert drawn == sorted(t.label for t in predicted)
    assert {d for n, d in zip(names, dashes, strict=True) if "χ(q_l)" in n} == {"dot"}
    shazeer = page.locator("#claim-shazeer2020 .paper-figure [role=img]")
    for i, panel in enumerate(figures.figure(papers.stored("shazeer2020"))):
        chart = shazeer.nth(i)
        (trace,) = [t for t in panel.traces if t.style == figures.POINTS]  # the Markov panel also has its floor
        assert chart.evaluate("el => el.data[0].name") == trace.label
        assert chart.evaluate("el => el.data[0].error_y.array") == pytest.approx(trace.y_err)
        assert chart.locator("g.errorbar").count() == len(trace.x)  # one bar per unit
    assert page.console_errors == [] and page.outside_requests == []
    shot(page, "papers-figure-poole2016-chi1", page.locator("#claim-poole2016 .figure-box"))


def _quick(quick: bool = True, seeds: int | None = None, on_step=None) -> Reproduction:
    on_step(1, 1, "done")
    f = asserted("gap", "a gap", "better", [0.03], "above 0 in every seed", True, bounds=(0.0, None))
    return Reproduction("fake", "Someone, 2020, A Paper", "a gap", [f], quick, 1, "quick matrix", seconds=1.5)


@pytest.fixture
def five_seed_stored(monkeypatch):
    full = asserted("gap", "a gap", "better", [0.03, 0.02, 0.04, 0.03, 0.05], "above 0 in every seed", True,
                    bounds=(0.0, None))
    record = Reproduction("fake", "Someone, 2020, A Paper", "a gap", [full], False, 5, "full matrix", seconds=60.0)
    entry = {**record.to_dict(), "generated": "2026-12-01 00:28 UTC"}
    monkeypatch.setitem(papers.CLAIMS, "fake", (_quick, True))
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": [entry]})
    monkeypatch.setattr(papers, "names", lambda: ["fake"])


def test_each_runs_figure_shows_its_own_criterion_and_the_rerun_counts_seconds(page, live_server,
                                                                              five_seed_stored):
    page.goto(f"{live_server}/papers")
    page.wait_for_selector("body[data-ready=true]")
    page.get_by_role("button", name="Rerun the quick versions").click()
    page.wait_for_function("document.getElementById('papers-status').textContent.startsWith('Quick runs done')")
    assert page.locator("#papers-status").inner_text().startswith("Quick runs done in ")
    row = page.locator("#claim-fake table tbody tr").first.locator("td")
    lines = row.nth(4).locator("div").all_inner_texts()
    assert lines == ["quick run: above 0 (one seed)", "stored full run: above 0 in every seed"]
    assert "1 seed" in row.nth(2).inner_text() and "5 seeds" in row.nth(3).inner_text()
    intro = " ".join(page.locator("main p").first.evaluate("el => el.parentElement.innerText").split())
    assert "about a minute" not in intro and "30 s of CPU time" in intro
    assert page.console_errors == [] and page.outside_requests == []
