"""The papers page in a browser: a finding the seeds did not decide reads 'undecided' and is listed as such."""

from __future__ import annotations

from actlab.experiments import papers
from actlab.experiments.reproduction import Reproduction, asserted, shown


def _table() -> dict:
    findings = [asserted("holds", "a gap over five seeds", "better", [0.039, 0.045, 0.030, 0.050, 0.040],
                         "above 0 in every seed", True, bounds=(0.0, None)),
                asserted("open", "a gap seen in one seed", "better", [0.03], "above 0 in every seed", True,
                         bounds=(0.0, None)),
                asserted("fails", "a gap that changed sign", "better", [0.01, -0.02, 0.01], "above 0 in every seed",
                         False, bounds=(0.0, None)),
                shown("context", "a figure for context", "", 3.0)]
    record = Reproduction("fake2020", "Someone, 2020, A Paper", "a gap", findings, False, 5, "1 x 5", seconds=12.0)
    return {"claims": [{**record.to_dict(), "generated": "2026-12-01 00:00 UTC"}]}


def test_undecided_and_not_reproduced_findings_are_named_under_the_table(page, live_server, monkeypatch):
    monkeypatch.setattr(papers, "stored_table", _table)  # the lab runs in this process (a thread)
    page.goto(f"{live_server}/papers")
    page.wait_for_selector("body[data-ready=true]")
    claim = page.locator("article.paper-claim")
    assert claim.get_attribute("aria-label") == "fake2020: partly"
    cells = claim.locator("tbody tr td:last-child")
    assert cells.all_inner_texts() == ["reproduced", "undecided", "not reproduced", "shown"]
    assert "warn" in cells.nth(1).get_attribute("class")
    text = claim.inner_text()
    assert "Not decided by the seeds run: a gap seen in one seed." in text
    assert "Did not reproduce here: a gap that changed sign." in text
    assert page.locator("p.warn", has_text="Not decided by the seeds run").count() == 1
    assert page.console_errors == []
