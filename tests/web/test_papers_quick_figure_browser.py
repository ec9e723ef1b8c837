"""After "Rerun the quick versions" the papers page draws the quick run's own figure under the stored one, puts each
run's note under that run's number, and labels every named category of shazeer2020's figure (third walkthrough of
issue 19: the page showed the stored figure only, the quick run's notes under both runs, and the last unit unnamed)."""

from __future__ import annotations

import re

import pytest

from _browser import shot
from actlab.experiments import figures, papers
from actlab.experiments.reproduction import Reproduction, Series, asserted, shown
from web._papers_fake import serve_fake_claim


def _record(quick: bool, where: str, y: list[float]) -> Reproduction:
    findings = [shown("far", "largest distance from the formula", "", [2.5 if quick else 2.2], note=where),
                asserted("match", "matches the formula", "formula", [0.01], "excess < 2 SE", True, note="same note")]
    series = [Series("zero biases", "N = 2: Monte Carlo", [1, 2, 3], y)]
    return Reproduction("fake", "Someone, 2019, A Paper", "a claim", findings, quick, 1 if quick else 5,
                        "quick matrix" if quick else "full matrix", seconds=1.0, series=series)


QUICK = _record(True, "at N = 2, L = 20", [0.1, 0.4, 0.9])
STORED = _record(False, "at N = 2, L = 30", [0.2, 0.5, 0.8])


@pytest.fixture
def fake_claim(monkeypatch):
    serve_fake_claim(monkeypatch, QUICK, STORED, "2026-12-01 04:24 UTC")


def test_rerun_draws_the_quick_figure_and_names_each_runs_note(page, live_server, fake_claim):
    page.goto(f"{live_server}/papers")
    page.wait_for_selector("body[data-figures=drawn]", timeout=60_000)
    claim = page.locator("#claim-fake")
    assert claim.locator(".quick-figure-box [role=img]").count() == 0  # nothing quick before a rerun
    page.get_by_role("button", name="Rerun the quick versions").click()
    page.wait_for_selector("body[data-quick-figures=drawn]", timeout=60_000)
    heads = claim.locator("h4").all_text_contents()
    assert heads == ["Figure of the stored full run", heads[1]]
    assert re.fullmatch(r"Figure of the quick run of \d\d:\d\d:\d\d( [AP]M)?", heads[1]), heads
    quick_charts = claim.locator(".quick-figure-box [role=img]")
    assert quick_charts.count() == len(figures.figure(QUICK))
    assert "quick run of " in quick_charts.first.get_attribute("aria-label")
    # the quick chart draws the quick numbers: Plotly keeps each trace's data on the chart element
    ys = quick_charts.first.evaluate("el => el.data.map(t => Array.from(t.y))")
    assert [0.1, 0.4, 0.9] in ys and [0.2, 0.5, 0.8] not in ys
    stored_ys = claim.locator(".figure-box [role=img]").first.evaluate("el => el.data.map(t => Array.from(t.y))")
    assert [0.2, 0.5, 0.8] in stored_ys
    row = claim.locator("table.rerun tbody tr").first
    quick_cell, stored_cell = row.locator("td[data-run=quick]"), row.locator("td[data-run=stored]")
    assert quick_cell.locator(".run-note").all_text_contents() == ["quick run: at N = 2, L = 20"]
    assert stored_cell.locator(".run-note").all_text_contents() == ["stored full run: at N = 2, L = 30"]
    shared = claim.locator("table.rerun tbody tr").nth(1)
    assert "same note" in shared.locator("td").first.inner_text()  # said once, under what is claimed
    assert shared.locator(".run-note").count() == 0
    assert page.console_errors == [] and page.outside_requests == []
    shot(page, "papers-quick-figure-beside-stored", claim)


def test_shazeer_figure_names_every_unit_and_draws_no_zero_line(page, live_server):
    record = papers.stored("shazeer2020")
    labelled = [p for p in figures.figure(record) if p.x_labels]
    assert labelled, "shazeer2020's figure has named units"
    page.goto(f"{live_server}/papers")
    page.wait_for_selector("body[data-figures=drawn]", timeout=60_000)
    charts = page.locator("#claim-shazeer2020 .figure-box [role=img]")
    for i, panel in enumerate(figures.figure(record)):
        if not panel.x_labels:
            continue
        chart = charts.nth(i)
        ticks = [t.strip() for t in chart.locator("g.xtick text").all_text_contents()]
        assert ticks == list(panel.x_labels), panel.title  # the last unit too
        assert chart.locator("path.xzl").count() == 0  # no zero line through the first unit's point
    shot(page, "papers-shazeer-units", page.locator("#claim-shazeer2020 .figure-box"))
