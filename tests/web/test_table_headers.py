"""A data table's header sits over its column: a column of numbers, right-aligned, has a right-aligned header."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# for every table.data under ROOT: each header cell whose column's body cells all share one text alignment, with
# that alignment and the header's own
_HEADERS = """(root) => [...document.querySelectorAll(root + ' table.data')].flatMap((table) => {
  const body = [...table.querySelectorAll('tbody tr')];
  return [...table.querySelectorAll('thead th')].map((th, i) => {
    const cells = body.map((tr) => tr.children[i]).filter(Boolean);
    const aligns = [...new Set(cells.map((td) => getComputedStyle(td).textAlign))];
    return {header: th.textContent.trim(), header_align: getComputedStyle(th).textAlign,
            column_align: aligns.length === 1 ? aligns[0] : null};
  });
})"""


@pytest.mark.parametrize("section", ["#conventions", "#accuracy"])
def test_each_header_is_aligned_like_its_column(page, section):
    page.goto(page.base + "/lesson")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_selector(f"{section} table.data tbody tr", timeout=60_000)
    headers = page.evaluate(_HEADERS, section)
    assert headers, f"no headed table in {section}"
    off = [h for h in headers if h["column_align"] and h["header_align"] != h["column_align"]]
    assert not off, f"headers aligned unlike their columns: {off}"
    assert any(h["column_align"] == "right" for h in headers)  # the check saw a numeric column
