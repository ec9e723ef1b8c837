"""A run that diverged early and went on logging NaN steps, on the watch page (issue 17, V12 walk). A ReLU MLP at
lr 30 held a NaN from step 8 to its last step, 120: on the even step axis the climb of its loss and gradients, all
the run has to show, took the first 5% of each chart's width, under a red band over the rest. The page now puts
the steps on a log axis by itself where the steps without a NaN end before a tenth of an even axis, and says why;
a run whose NaN steps come late, or that recovers from them, keeps the even axis."""

from __future__ import annotations

import math

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-loss').drawn?.x?.length === 120"
NAMES = ["fc1.act", "fc2.act", "fc3.act"]


def _write(path, bad):
    """Steps 1 to 120, the loss growing tenfold a step; the steps in `bad` hold a NaN (their loss too)."""
    path.write_text(lines(header(NAMES), *[report(s, NAMES, None if s in bad else 10.0 ** s, non_finite=s in bad)
                                           for s in range(1, 121)]))


# where the last finite step falls on each chart, as a share of the plot's width (from the chart's own mapping)
SHARE = """(last) => ['watch-history', 'watch-health', 'watch-loss'].map((id) => {
  const c = document.getElementById(id), g = c.geom;
  return { axis: c.stepAxis, share: (g.px(last) - g.px(1)) / (g.r - g.l) };
})"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_a_run_that_diverged_early_has_its_steps_on_a_log_axis(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "diverged.jsonl"
    _write(log, range(8, 121))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        expected = math.log10(7) / math.log10(120)  # step 7's place on a log axis from step 1 to 120
        for chart in page.evaluate(SHARE, 7):
            assert chart["axis"] == "log"
            assert chart["share"] == pytest.approx(expected, abs=0.01)  # it was 6 / 119, 5%
        said = page.locator("#watch-step-axis").text_content()
        assert "log axis" in said and "step 7 of 120" in said, said
        assert f"{round(100 * 6 / 119)}%" in said and f"{round(100 * expected)}%" in said, said
        assert page.locator("#watch-step-log").is_checked()
        shot(page, f"watch-v12-diverged-{width}", page.locator(".grid2"))
        assert errors == []
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("bad", [range(110, 121), range(8, 60)], ids=["late", "recovered"])
def test_a_run_whose_finite_steps_fill_the_axis_keeps_the_even_axis(browser, tmp_path, bad):
    from web._watch_page import open_watch
    from web.conftest import serving

    log = tmp_path / "run.jsonl"
    _write(log, bad)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 1280)
        assert [c["axis"] for c in page.evaluate(SHARE, 7)] == ["linear"] * 3
        assert page.locator("#watch-step-axis").text_content().startswith(
            "The history charts put the steps on an even (linear) axis, since the last step is 120 times the first")
        assert errors == []
        context.close()
