"""The playground at the hard cap (32 x 256) stays live in a real browser: frames keep arriving, the page's main
thread is never blocked for long, the controls answer while it trains, and the page says what it shows differently
(part of an epoch per frame, numbers that trail the run, the drawn share of the links)."""

from __future__ import annotations

import statistics
import time

import pytest

from _browser import serving, shot
from actlab.web.app import create_app
from actlab.web.settings import LabSettings
from conftest import recording_page

HARD_CAP = ",".join(["256"] * 32)
# frame arrivals, and the main thread's long tasks once the first frames are drawn (the first lays out 8,192 neuron
# boxes, once); renderMs and frames (playground.js's counters) are read at the same moment, for the steady state
WATCH = """() => {
  window.__arrivals = []; window.__longTasks = []; window.__steady = null;
  let seen = window.__actlab.received;
  (function poll() {
    const now = window.__actlab.received;
    if (now !== seen) { seen = now; window.__arrivals.push(performance.now()); }
    if (!window.__steady && window.__actlab.frames >= 3) {
      window.__steady = { frames: window.__actlab.frames, renderMs: window.__actlab.renderMs }; window.__longTasks = [];
    }
    requestAnimationFrame(poll);
  })();
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
    .observe({ type: "longtask" });
}"""


@pytest.fixture(scope="module")
def big_lab(tmp_path_factory):
    """A lab whose teacher raised the playground's limits to the hard ones (--max-layers 32 --max-width 256)."""
    db = tmp_path_factory.mktemp("big") / "progress.sqlite3"
    with serving(create_app(LabSettings(max_layers=32, max_width=256, db=str(db)))) as url:
        yield url


def open_playground(pg, query: str) -> None:
    pg.goto(f"{pg.base}/playground?{query}")
    pg.wait_for_selector("body[data-ready=true]")
    # the first frame at 32 x 256 waits for a training process and one full evaluation (seconds on a loaded machine)
    pg.wait_for_function("document.getElementById('status').textContent.includes('Ready')", timeout=120_000)


def test_a_32_by_256_run_keeps_the_page_responsive(browser, big_lab):
    with recording_page(browser, big_lab, viewport={"width": 1280, "height": 900}) as pg:
        open_playground(pg, f"layers={HARD_CAP}")
        pg.evaluate(WATCH)
        pg.get_by_role("button", name="Play").click()
        pg.wait_for_function("window.__arrivals.length >= 12", timeout=120_000)
        # a control answers while training: the next paint after a click comes within a frame or two
        answer_ms = pg.evaluate("""async () => {
          const t = performance.now();
          document.getElementById('show_test').click();
          await new Promise((r) => requestAnimationFrame(() => r()));
          return performance.now() - t; }""")
        stats = pg.evaluate("""() => ({ arrivals: window.__arrivals, longTasks: window.__longTasks,
                                        renderMs: window.__actlab.renderMs - window.__steady.renderMs,
                                        frames: window.__actlab.frames - window.__steady.frames })""")
        note = pg.locator("#frame-note").text_content()
        links = pg.locator("#link-count").text_content()
        step = int(pg.locator("#step-count").text_content().replace(",", ""))
        shot(pg, "playground-32x256-training")
        shot(pg, "playground-32x256-surface", pg.locator("#output-surface"))
        pg.get_by_role("button", name="Pause").click()
        # frames already sent may still arrive, late on a loaded machine (a clean-clone CI run beside other tests saw
        # one more frame 3 to 5 s after Pause, and another, with two test suites beside it, after 3 s of none): wait
        # for 6 s with none, at most 60 s; a run that kept training sends several a second, never goes quiet that
        # long, and fails the check below
        paused_at, deadline = pg.evaluate("window.__actlab.received"), time.monotonic() + 60
        while True:
            pg.wait_for_timeout(6000)
            received = pg.evaluate("window.__actlab.received")
            if received == paused_at or time.monotonic() > deadline:
                break
            paused_at = received
        pg.wait_for_timeout(2000)
        assert pg.evaluate("window.__actlab.received") == paused_at  # Pause stopped the run
        assert not pg.console_errors, pg.console_errors
    gaps = [b - a for a, b in zip(stats["arrivals"], stats["arrivals"][1:], strict=False)]
    print(f"32 x 256: frame interval median {statistics.median(gaps):.0f} ms (max {max(gaps):.0f}), page work "
          f"{stats['renderMs'] / max(stats['frames'], 1):.1f} ms a frame, longest task "
          f"{max(stats['longTasks'], default=0):.0f} ms, click to paint {answer_ms:.0f} ms")
    # frames keep coming (a frame trains 1 update: the epoch of 25 updates spans frames). The bounds are loose
    # enough for a shared test machine (2 cores at load 13: 0.8 s between frames, 17 ms of page work a frame, longest
    # task 118 ms) and tight enough to fail the earlier pages: a 15 MB frame every 2.5 s with a 2-million-link sort,
    # and a links canvas as big as the drawing (page work 254 ms a frame, tasks of 1.2 s, at the same load)
    assert statistics.median(gaps) < 3000
    assert stats["renderMs"] / max(stats["frames"], 1) < 120  # the page's own work per frame
    assert max(stats["longTasks"], default=0) < 600
    assert answer_ms < 250
    assert step >= 10 and "updates of the next epoch" in note and "strongest of 2,032,384 links" in links
    assert "trail training" in note or "evaluated" not in note  # says so whenever the numbers lag


def test_the_default_size_shows_no_note_and_every_epoch_in_one_frame(browser, big_lab):
    with recording_page(browser, big_lab, viewport={"width": 1280, "height": 900}) as pg:
        open_playground(pg, "layers=" + ",".join(["32"] * 8))
        pg.get_by_role("button", name="Play").click()
        pg.wait_for_function("Number(document.getElementById('epoch').textContent) >= 3", timeout=60_000)
        assert pg.locator("#frame-note").is_hidden()
        assert "strongest of 7,264 links" in pg.locator("#link-count").text_content()
        shot(pg, "playground-8x32-training")
        shot(pg, "playground-8x32-surface", pg.locator("#output-surface"))
        pg.wait_for_function("Number(document.getElementById('epoch').textContent) >= 6", timeout=60_000)
        pg.get_by_role("button", name="Pause").click()
        pg.wait_for_timeout(1000)
        # the circle's outer class (orange) along the plane's bottom edge and in a corner, its inner class (blue) at
        # the centre (where blue points are drawn too): the whole surface, the right way up, at the canvas's size (a
        # page that stretched the top half of it over the canvas put the blue centre at the bottom edge)
        patches = pg.evaluate("""() => {
          const c = document.getElementById('output-surface'), ctx = c.getContext('2d');
          const mean = (x, y) => { const d = ctx.getImageData(x, y, 9, 9).data; let r = 0, b = 0;
            for (let i = 0; i < d.length; i += 4) { r += d[i]; b += d[i + 2]; } return [r, b]; };
          return [mean(c.width / 2 - 4, c.height - 10), mean(1, 1), mean(c.width / 2 - 4, c.height / 2 - 4)]; }""")
        (bottom_r, bottom_b), (corner_r, corner_b), (centre_r, centre_b) = patches
        assert bottom_r > bottom_b and corner_r > corner_b and centre_b > centre_r, patches
        assert not pg.console_errors, pg.console_errors
