"""The watch page's layer table on a narrow window, for a deep net (issue 17, V12 walk). Where its thirteen columns
do not fit, each layer is a block; a block gave each number its own line, so a 34-layer sigmoid net made about
11,000 px of blocks at 420 px (330 px a layer), the page 14,000 px long. Each number now stands beside its column's
name, on one line that never breaks, and they follow one another across the block."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import write_run

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.querySelectorAll('#watch-table tbody tr').length === 34"
NAMES = [str(2 * k + 1) for k in range(34)]  # an nn.Sequential's activations: '1', '3', ...
PER_LAYER = 200  # px at most for a layer's block at 420 px: its name, 11 numbers in a few lines, its reading

CELLS = """(() => {
  const wrap = document.getElementById('watch-table'), box = wrap.getBoundingClientRect();
  const rows = [...wrap.querySelectorAll('tbody tr')].map((tr) => [...tr.cells].map((td) => {
    const b = td.getBoundingClientRect();
    return { label: td.dataset.label, text: td.textContent, left: b.left, right: b.right, height: b.height };
  }));
  return { stacked: wrap.classList.contains('stacked'), height: box.height, left: box.left, right: box.right,
           scroll: wrap.scrollWidth, client: wrap.clientWidth, page: document.documentElement.scrollWidth, rows };
})()"""


@pytest.mark.browser
def test_a_deep_nets_table_on_a_narrow_window_keeps_each_layer_short(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "deep.jsonl"
    write_run(log, NAMES, range(1, 6))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 420)
        got = page.evaluate(CELLS)
        assert got["stacked"]
        assert got["scroll"] <= got["client"] and got["page"] <= 420, got  # nothing scrolls sideways
        assert got["height"] / 34 <= PER_LAYER, got["height"] / 34
        for row in got["rows"]:
            for cell in row[1:-1]:  # each number beside its column's name, on one line, inside the table
                assert cell["label"] and cell["height"] < 30, cell
                assert got["left"] - 1 <= cell["left"] and cell["right"] <= got["right"] + 1, cell
        shot(page, "watch-v12-table-420", page.locator("#watch-table"))
        assert errors == []
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_the_table_says_which_step_its_rows_are_of(browser, tmp_path, width):
    """A run that held a NaN from step 8 to its last, 120: the rows are of step 120 (all "—"), the bars of step 7;
    the table said neither."""
    from web._watch_logs import header, lines, report
    from web._watch_page import open_watch
    from web.conftest import serving

    names = ["fc1.act", "fc2.act"]
    steps = range(1, 121)
    bad = [s for s in steps if s >= 8]
    log = tmp_path / "diverged.jsonl"
    log.write_text(lines(header(names), *[report(s, names, None if s in bad else 1.0, non_finite=s in bad)
                                          for s in steps]))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, f"{RUN}.dataset.state === 'running'"
                                           " && document.querySelector('#watch-table caption') !== null", width)
        caption = page.locator("#watch-table caption")
        said = caption.text_content()
        last, finite = max(steps), max(s for s in steps if s not in bad)
        assert said.startswith(f"Each layer at step {last}, the latest sampled, which held a NaN or an inf"), said
        assert f"the bar chart shows step {finite}, the latest finite one" in said, said
        assert caption.is_visible()
        assert errors == []
        context.close()
