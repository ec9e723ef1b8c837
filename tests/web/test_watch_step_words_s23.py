"""S23 item 1, the watch page's face: the banner of the first NaN, the reading and the table name a sampled step by its
training step, said to be a sampled one, as the Monitor's report and log do (tests/interop/test_monitor_step_words_s23
checks those on the same run); nothing on the page says "sampled step 26", which reads as the 26th sample. The log is
a real Monitor's (every=5, a NaN from step 23 on: first seen at step 26, the finite sample before it step 21)."""

from __future__ import annotations

import re

import pytest

from actlab.web.app import create_app
from web._watch_page import open_watch
from web.conftest import serving, shot

AS_SAMPLE_COUNT = re.compile(r"sampled steps? \d")


@pytest.mark.browser
def test_the_page_dates_the_nan_as_the_report_does(browser, tmp_path):
    from conftest import require_torch

    require_torch()
    from interop.test_monitor_step_words_s23 import BEFORE, EVERY, FIRST, SAMPLED, write_nan_log

    log = tmp_path / "nan.jsonl"
    words = write_nan_log(log).report().reading.words
    dated = f"first seen at training step {FIRST} (a sampled one; the last finite sample was step {BEFORE})"
    assert dated in words
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        ready = (f"document.getElementById('watch-history').drawn?.x?.at(-1) === {SAMPLED[-1]} && "
                 "document.getElementById('watch-reading').dataset.status === 'diverged'")
        context, page, errors = open_watch(browser, base, ready)
        # the reading dates it; the banner, which said the same over it (W28 second walkthrough, finding 10), says
        # what the red marks are
        banner = page.locator("#watch-nan").text_content()
        assert banner.endswith("sampled steps held a NaN or an inf (red marks); the reading below says when it "
                               "began."), banner
        assert dated in page.locator("#watch-reading").inner_text()
        body = page.locator("body").inner_text()
        assert not AS_SAMPLE_COUNT.search(body), AS_SAMPLE_COUNT.search(body)
        # where the page has no finite sample to name (a preview of a log still being read), the interval says why
        # the step is only where the NaN was seen
        other = page.evaluate(f"import('/static/js/watch-status.js').then((m) => m.whenFirst(406, {EVERY}))")
        assert other == ("was first seen at training step 406 (a sampled one; the monitor samples every 5th step)")
        shot(page, "watch-s23-nan-dated", page.locator("#watch-nan"))
        assert errors == []
        context.close()
