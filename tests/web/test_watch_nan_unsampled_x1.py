"""The watch page's NaN banner for a NaN loss between two samples that the run came back from (issue 17, W28 second
walkthrough, finding 1): the report keeps it (first_non_finite, with "unsampled"), and the page names its own step, not
'training step 157 (a sampled one ...)'. A real Monitor's log (tests/interop/test_monitor_nan_held_w28.py's run: a
NaN in one input of step 157's batch, every=10), shown in Chromium."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_page import open_watch
from web.conftest import serving, shot

pytestmark = pytest.mark.browser


def test_the_banner_names_the_unsampled_step_whose_loss_was_nan(browser, tmp_path):
    from conftest import require_torch

    require_torch()
    from interop.test_monitor_nan_held_w28 import _nan_batch

    log = tmp_path / "nan157.jsonl"
    report, _ = _nan_batch(157, log=log)
    assert report.first_non_finite == {"step": 157, "place": "the loss", "unsampled": True}
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "!document.getElementById('watch-nan').hidden")
        banner = page.locator("#watch-nan").text_content()
        assert banner.startswith("A NaN or an inf first appeared at step 157, in the loss"), banner
        assert "a sampled one" not in banner
        assert page.locator("#watch-reading").get_attribute("data-status") == "healthy"
        shot(page, "watch-x1-nan-unsampled", page.locator("#watch-nan"))
        assert errors == []
        context.close()
