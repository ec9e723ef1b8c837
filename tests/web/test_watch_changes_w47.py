"""The watch page marks where the reading's status changed (W47 finding 2: a finished page showed only the last
reading, and nothing told when the run had gone wrong). On a log the test writes, starting at steps 1-20, healthy at
21-60, diverged (a failure) at 61-80: each of the three history charts draws a line at steps 21 and 61 in the
status's colour (read back from the canvas's pixels), names the new status above the plot, the sentence under the
charts lists both changes, and the keyboard's readout says the status at the step it names. A run whose status never
changed has no mark and no sentence; a status written by other means (HTML in it) is shown as text."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-loss').drawn?.x?.length === 80"
NAMES = ["fc1.act", "fc2.act"]
LINE_CHARTS = ["watch-history", "watch-health", "watch-loss"]
FAILURE, HEALTHY = (179, 71, 0), (0, 115, 88)  # lab.css --bad #B34700 and --ok #007358


def _status(step: int) -> str:
    return "starting" if step <= 20 else "healthy" if step <= 60 else "diverged"


def _write(path, status=_status) -> None:
    reports = []
    for s in range(1, 81):
        r = report(s, NAMES, 2.0 / s if s <= 60 else 10.0 ** (s - 60))
        r["reading"].update(status=status(s), is_failure=status(s) == "diverged")
        reports.append(r)
    path.write_text(lines(header(NAMES), *reports))


# the colours down each change's line, from the plot's top tick to its bottom one (the canvas is scaled by the device
# pixel ratio)
COLUMNS = """((id) => {
  const c = document.getElementById(id), ctx = c.getContext('2d'), dpr = window.devicePixelRatio || 1;
  const ys = c.tickYs.map(([, y]) => y), top = Math.min(...ys), bottom = Math.max(...ys);
  return c.changesDrawn.map((d) => {
    const at = Math.floor(d.x * dpr), tall = Math.floor((bottom - top) * dpr);
    const data = ctx.getImageData(at, Math.ceil(top * dpr), 1, tall).data;
    const out = [];
    for (let i = 0; i < data.length; i += 4) out.push([data[i], data[i + 1], data[i + 2]]);
    return out;
  });
})"""


def _share(column, want, tol=40):
    """The share of a column's pixels within ``tol`` of the colour ``want``."""
    return sum(all(abs(a - b) <= tol for a, b in zip(rgb, want, strict=True)) for rgb in column) / len(column)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_each_change_of_the_reading_is_marked_named_and_read_out(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "run.jsonl"
    _write(log)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        for chart in LINE_CHARTS:
            drawn = page.evaluate(f"document.getElementById('{chart}').changesDrawn")
            assert [d["step"] for d in drawn] == [21, 61], (chart, drawn)
            assert drawn[-1]["label"] == "diverged", (chart, drawn)  # the newest is always named
            if width == 1280:
                assert drawn[0]["label"] == "healthy", (chart, drawn)
            healthy, failed = page.evaluate(COLUMNS, chart)
            # each line runs down the plot in its status's colour (the series cross it here and there)
            assert _share(failed, FAILURE) > 0.7 and _share(healthy, HEALTHY) > 0.7, (chart, _share(failed, FAILURE),
                                                                                    _share(healthy, HEALTHY))
            assert _share(failed, HEALTHY) < 0.05 and _share(healthy, FAILURE) < 0.05
        said = page.locator("#watch-changes").inner_text()
        assert "began as starting at step 1" in said and "changed 2 times" in said, said
        assert "to healthy at step 21" in said and "to diverged (a failure) at step 61" in said, said
        # the readout names the status at the step it reads: the last step, then step 61 itself
        page.locator("#watch-loss").focus()
        page.keyboard.press("End")
        readout = page.locator("#watch-readout")
        assert readout.inner_text().startswith("Step 80:") and "the reading here: diverged (since step 61)" in \
            readout.inner_text(), readout.inner_text()
        for _ in range(19):
            page.keyboard.press("ArrowLeft")
        assert readout.inner_text().startswith("Step 61:") and \
            "the reading changed here from healthy to diverged" in readout.inner_text(), readout.inner_text()
        page.keyboard.press("Home")
        assert readout.inner_text().endswith("the reading here: starting"), readout.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        shot(page, f"watch-w47-changes-{width}", page.locator(".grid2.watch-charts"))
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_run_whose_reading_never_changed_has_no_mark_and_a_hostile_status_stays_text(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / "same.jsonl"
    _write(log, status=lambda s: "healthy")
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY)
        for chart in LINE_CHARTS:
            assert page.evaluate(f"document.getElementById('{chart}').changesDrawn") == []
        assert page.locator("#watch-changes").is_hidden()
        context.close()
    hostile = "<img src=x onerror=window.owned=1>"
    log2 = tmp_path / "hostile.jsonl"
    _write(log2, status=lambda s: "healthy" if s <= 40 else hostile)
    with serving(create_app(db_path=tmp_path / "q.sqlite3", watch_log=log2)) as base:
        context, page, errors = open_watch(browser, base, READY)
        said = page.locator("#watch-changes").inner_text()
        assert f"to {hostile} at step 41" in said, said
        assert page.evaluate("document.querySelectorAll('#watch-changes img').length === 0 && !window.owned")
        assert errors == []
        context.close()


@pytest.mark.browser
def test_changes_too_close_for_one_row_of_names_get_a_second(browser, tmp_path):
    """W62 walkthrough finding 6: at 400 px, 'not learning' at step 162 was dropped beside 'dead layer' at 212, its
    line drawn with no name. Names that cannot share a row take a second one, clear of each other."""
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "close.jsonl"
    _write(log, status=lambda s: "starting" if s <= 50 else "not_learning" if s <= 58 else "dead_layer")
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 400)
        for chart in LINE_CHARTS:
            drawn = page.evaluate(f"document.getElementById('{chart}').changesDrawn")
            assert [d["step"] for d in drawn] == [51, 59], (chart, drawn)
            assert [d["label"] for d in drawn] == ["not learning", "dead layer"], (chart, drawn)
            assert sorted(d["row"] for d in drawn) == [0, 1], (chart, drawn)  # (the newest in the row by the plot)
        shot(page, "watch-w62-close-changes-400", page.locator(".grid2.watch-charts"))
        assert errors == []
        context.close()
