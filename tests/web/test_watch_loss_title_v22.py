"""The watch page's loss chart says what it draws (W21 finding 9): the log holds the loss of the sampled steps only,
so a run sampled one step in several is not drawn as every step's loss without a word. The reference is the log's
own "every" field, written here (null while every="auto" times its first steps)."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-table').querySelector('tbody tr')"


def _title(browser, tmp_path, every: int | None) -> str:
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "run.jsonl"
    reports = [{**report(step, ["l0", "l1"]), "every": every} for step in range(1, 6 * (every or 2), every or 2)]
    log.write_text(lines(header(["l0", "l1"]), *reports))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 1280)
        title = page.locator("#watch-loss-title").text_content()
        shot(page, f"watch-v22-loss-{every}", page.locator("#watch-loss-title").locator(".."))
        context.close()
    assert errors == []
    return title


@pytest.mark.browser
def test_a_run_sampled_every_step_is_the_loss_over_training(browser, tmp_path):
    assert _title(browser, tmp_path, 1) == "Loss over training"


@pytest.mark.browser
@pytest.mark.parametrize(("every", "said"), [(7, "one step in 7"), (None, "some steps")])
def test_a_run_sampled_one_step_in_several_says_so(browser, tmp_path, every, said):
    title = _title(browser, tmp_path, every)
    # at 1b129e2: "Loss over training"
    assert title == f"Loss at the sampled steps only ({said}: the loss of the steps between is not in the log)"
