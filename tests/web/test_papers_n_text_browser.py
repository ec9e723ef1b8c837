"""The papers page says what each figure's n counts (issue 19, fourth walkthrough): nets for lu2019, runs for
glorot2010's pooled rows, "computed" for shazeer2020's entropy floor, "mean of 5 seeds" for hendrycks2016's early
rows; the column header says what n can be. It read "1 seed" for 56 cells of 40,000 nets and for a computed number."""

from __future__ import annotations

from _browser import shot


def _n_cells(page, claim: str) -> dict[str, str]:
    rows = page.locator(f"#claim-{claim} table tbody tr")
    return {rows.nth(i).locator("td").first.inner_text().split("\n")[0]: rows.nth(i).locator("td").nth(3).inner_text()
            for i in range(rows.count())}


def test_each_stored_row_says_what_its_n_counts(page, live_server):
    page.goto(f"{live_server}/papers")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    lu = _n_cells(page, "lu2019")
    assert set(lu.values()) == {"56 cells x 40,000 nets", "4 widths x 4,000 nets"}, lu
    glorot = _n_cells(page, "glorot2010")
    assert glorot["sigmoid, standard init, lr 0.1 and 1.0: test error after 50 epochs"] == \
        "2 runs: lr 0.1 x 1 seed, lr 1.0 x 1 seed"
    assert "computed" in _n_cells(page, "shazeer2020").values()
    assert "mean of 5 seeds" in _n_cells(page, "hendrycks2016").values()
    header = page.locator("#claim-lu2019 table th").nth(3)
    assert header.inner_text() == "n" and "nets" in header.get_attribute("title")
    assert page.console_errors == [] and page.outside_requests == []
    shot(page, "papers-lu2019-n-counts-nets", page.locator("#claim-lu2019 .claim-table"))
    shot(page, "papers-glorot2010-n-counts-runs", page.locator("#claim-glorot2010 .claim-table"))
