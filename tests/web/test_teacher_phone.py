"""The teacher page on a phone: its wide tables scroll in their own region, headings break only between words,
and the page itself never scrolls sideways."""

from __future__ import annotations

import httpx

from tests._browser import shot

EX2_SLIP = ["0.2^19", "9.54e-7"]

WORDS_SPLIT = """() => {
  const split = [];
  for (const th of document.querySelectorAll('#summary th, #learners th')) {
    const node = th.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) continue;
    let at = 0;
    for (const word of node.textContent.split(/\\s+/)) {
      const start = node.textContent.indexOf(word, at);
      if (!word) continue;
      const r = document.createRange();
      r.setStart(node, start); r.setEnd(node, start + word.length);
      const lines = new Set([...r.getClientRects()].map((b) => Math.round(b.top)));
      if (lines.size > 1) split.push(word);
      at = start + word.length;
    }
  }
  return split;
}"""


def test_teacher_tables_keep_words_whole_and_the_page_narrow_on_a_phone(browser, live_server):
    for name in ("Ana", "Bob", "Cy"):
        res = httpx.post(f"{live_server}/api/exercises/ex2/check", json={"answers": EX2_SLIP, "learner": name})
        assert res.status_code == 200, res.text
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/teacher")
        page.wait_for_selector("#summary table")
        assert page.evaluate(WORDS_SPLIT) == []
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
        region = page.locator("#summary .table-scroll")
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
        assert page.evaluate("(() => { const r = document.querySelector('#summary .table-scroll');"
                             " return r.scrollWidth > r.clientWidth; })()")  # the table scrolls inside instead
        shot(page, "teacher-phone-tables")
    finally:
        context.close()
