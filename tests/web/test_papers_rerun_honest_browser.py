"""The papers page's rerun is a run (issue 19, fourth walkthrough): a second press measures again instead of showing
the first run's kept result as "just now"; a page reloaded mid-run shows the run under way; the seconds count from
the job's own start on the server; a server that stops answering is said in words, not "Failed to fetch"."""

from __future__ import annotations

import re
import threading

import pytest

from _browser import shot, wait_pumping
from actlab.experiments import papers
from actlab.experiments.reproduction import Reproduction, asserted

STORED = Reproduction("fake", "Someone, 2019, A Paper", "a claim",
                      [asserted("match", "matches the formula", "formula", [0.01, 0.02], "below 1 in every seed",
                                True)], False, 2, "full matrix", seconds=3.0)


class FakeClaim:
    """A quick run that counts its runs, reports each run's number as its measurement, and can be held mid-run."""

    def __init__(self):
        self.runs = 0
        self.hold = threading.Event()
        self.hold.set()
        self.started = threading.Event()

    def __call__(self, quick=True, seeds=None, on_step=None):
        self.runs += 1
        on_step(0, 2, "measuring")
        self.started.set()
        assert self.hold.wait(30), "the test never let the run finish"
        on_step(2, 2, "done")
        findings = [asserted("match", "matches the formula", "formula", [0.1 * self.runs], "below 1 (one seed)",
                             True)]
        return Reproduction("fake", STORED.paper, STORED.claim, findings, True, 1, "quick matrix", seconds=0.5)


@pytest.fixture
def fake(monkeypatch):
    claim = FakeClaim()
    entry = {**STORED.to_dict(), "generated": "2026-12-01 04:24 UTC"}
    monkeypatch.setitem(papers.CLAIMS, "fake", (claim, True))
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": [entry]})
    monkeypatch.setattr(papers, "names", lambda: ["fake"])
    yield claim
    claim.hold.set()  # a held run never outlives its test


def _open(page, url):
    page.goto(f"{url}/papers")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)


def _quick_cell(page):
    return page.locator("#claim-fake table.rerun td[data-run=quick] span").first


def test_a_second_rerun_measures_again_and_names_its_own_time(page, live_server, fake):
    _open(page, live_server)
    button = page.get_by_role("button", name="Rerun the quick versions")
    button.click()
    page.wait_for_selector("body[data-quick-figures=drawn]", timeout=60_000)
    assert _quick_cell(page).inner_text() == "0.100"
    page.evaluate("delete document.body.dataset.quickFigures")
    button.click()
    page.wait_for_function("document.body.dataset.quickFigures === 'drawn'", timeout=60_000)
    assert fake.runs == 2  # the server ran it again (the old runner handed back the first run's result)
    assert _quick_cell(page).inner_text() == "0.200"
    head = page.locator("#claim-fake table.rerun th").nth(2).inner_text()
    assert re.fullmatch(r"quick run of \d\d:\d\d:\d\d( [AP]M)?", head), head  # its time, not "just now"
    assert "just now" not in page.locator("#claim-fake").inner_text()
    status = page.locator("#papers-status").inner_text()
    assert re.search(r"Quick runs done in \d+ s \(from \d\d:\d\d:\d\d( [AP]M)? to ", status), status
    assert page.console_errors == [] and page.outside_requests == []


def test_a_page_reloaded_mid_run_shows_the_run_and_counts_from_its_start(page, live_server, fake):
    fake.hold.clear()
    _open(page, live_server)
    page.get_by_role("button", name="Rerun the quick versions").click()
    assert wait_pumping(page, fake.started, 60)  # the click's request passes the page's route handler (wait_pumping)
    page.wait_for_timeout(2500)  # the run is some seconds old when the page comes back
    page.reload()
    page.wait_for_function("document.getElementById('papers-status').textContent.includes('already under way')",
                           timeout=30_000)
    status = page.locator("#papers-status").inner_text()
    seconds = int(re.search(r"(\d+) s so far", status).group(1))
    assert seconds >= 2, status  # the job's own clock, not a count from this page's load
    assert "started at" in status and "measuring" in status
    assert page.get_by_role("button", name="Rerun the quick versions").is_disabled()
    shot(page, "papers-reloaded-mid-run", page.locator(".controls"))
    fake.hold.set()
    page.wait_for_selector("body[data-quick-figures=drawn]", timeout=60_000)
    assert fake.runs == 1  # followed, not started again
    assert page.get_by_role("button", name="Rerun the quick versions").is_enabled()


def test_a_server_that_stops_answering_mid_run_is_said_in_words(page, live_server, fake):
    fake.hold.clear()
    _open(page, live_server)
    page.get_by_role("button", name="Rerun the quick versions").click()
    assert wait_pumping(page, fake.started, 60)  # the click's request passes the page's route handler (wait_pumping)
    page.route("**/api/jobs/*", lambda route: route.abort())  # as when the lab's process is gone
    page.wait_for_function("document.getElementById('papers-status').classList.contains('error')", timeout=30_000)
    status = page.locator("#papers-status").inner_text()
    assert "Failed to fetch" not in status
    assert "server stopped answering" in status and "actlab lab" in status
    assert page.get_by_role("button", name="Rerun the quick versions").is_enabled()
    shot(page, "papers-server-gone-mid-run", page.locator(".controls"))
