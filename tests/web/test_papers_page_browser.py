"""The papers page in a browser, as a learner uses it: read a claim's table and figure, rerun the quick versions,
and still see every finding of the stored full run beside the quick one (walkthrough of issue 19)."""

from __future__ import annotations

import pytest

from _browser import shot
from actlab.experiments import figures, papers
from actlab.experiments.reproduction import NOT_REPRODUCED, REPRODUCED, Finding, Reproduction, asserted


def _full() -> Reproduction:
    """A stored full run that is 'partly': its training finding did not reproduce."""
    findings = [Finding("init", "gradient ratio at init", "about 0.5", 0.49, 0.01, 3, "0.4-0.6", REPRODUCED),
                Finding("trains", "test error after 50 epochs", "better", 0.04, 0.01, 3, "below 0 in every seed",
                        NOT_REPRODUCED)]
    return Reproduction("fake", "Someone, 2020, A Paper", "a claim", findings, False, 3, "full matrix", seconds=60.0)


def _quick(quick: bool = True, seeds: int | None = None, on_step=None) -> Reproduction:
    on_step(1, 1, "done")
    f = asserted("init", "gradient ratio at init", "about 0.5", [0.5], "0.4-0.6", True)
    return Reproduction("fake", "Someone, 2020, A Paper", "a claim", [f], quick, 1, "quick matrix", seconds=1.5)


@pytest.fixture
def one_fake_claim(monkeypatch):
    """The lab serves one made-up claim whose quick version leaves its failed finding out (as glorot2010's does)."""
    entry = {**_full().to_dict(), "generated": "2026-12-01 00:28 UTC"}
    monkeypatch.setitem(papers.CLAIMS, "fake", (_quick, True))
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": [entry]})
    monkeypatch.setattr(papers, "names", lambda: ["fake"])  # the lab runs in this process (threads)


def test_rerun_keeps_the_stored_findings_and_their_verdict(page, live_server, one_fake_claim):
    page.goto(f"{live_server}/papers")
    page.wait_for_selector("body[data-ready=true]")
    claim = page.locator("article.paper-claim")
    assert claim.get_attribute("aria-label") == "fake: partly"
    page.get_by_role("button", name="Rerun the quick versions").click()
    page.wait_for_function("document.getElementById('papers-status').textContent.startsWith('Quick runs done')")
    # the quick run alone would read "reproduced": the stored failure still counts
    assert claim.get_attribute("aria-label") == "fake: partly"
    table = claim.get_by_role("table")
    assert table.get_attribute("aria-label") == "Findings of fake: the quick run beside the stored full run"
    heads = table.locator("th").all_inner_texts()
    assert heads[2].startswith("quick run of ") and heads[3].startswith("stored full run")
    rows = table.locator("tbody tr")
    first, second = rows.nth(0).locator("td"), rows.nth(1).locator("td")
    assert "0.500" in first.nth(2).inner_text() and "1 seed" in first.nth(2).inner_text()
    assert "0.490 ± 0.010" in first.nth(3).inner_text() and "3 seeds" in first.nth(3).inner_text()
    assert second.nth(2).inner_text() == "not measured in this run"
    assert "not reproduced" in second.nth(3).inner_text()
    text = claim.inner_text()
    assert ("Verdict: partly (counting the quick run's 1 finding and, for the 1 it does not measure, the stored full "
            "run's)") in text
    assert "reproduced (quick run, just now)" not in text
    assert "Did not reproduce here: test error after 50 epochs (stored full run)." in text
    assert "The quick run's own findings alone: reproduced; the stored full run: partly." in text
    assert page.console_errors == [] and page.outside_requests == []
    shot(page, "papers-rerun-beside-stored", claim)


def test_every_claim_has_its_figure_with_titled_axes(page, live_server):
    page.goto(f"{live_server}/papers")
    page.wait_for_selector("body[data-figures=drawn]", timeout=60_000)
    for record in (papers.stored(n) for n in papers.names()):
        panels = figures.figure(record)
        charts = page.locator(f"#claim-{record.name} .paper-figure [role=img]")
        assert charts.count() == len(panels), record.name
        for i, panel in enumerate(panels):
            chart = charts.nth(i)
            assert chart.locator(".xtitle").text_content() == panel.x_title
            assert chart.locator(".ytitle").text_content() == panel.y_title
    lu = page.locator("#claim-lu2019 .paper-figure [role=img]").first
    assert lu.locator("g.errorbar").count() >= 4 * 7  # N = 2..5 at seven depths, each point with its bar
    assert page.console_errors == [] and page.outside_requests == []
    shot(page, "papers-figure-lu2019", page.locator("#claim-lu2019 .figure-box"))
