"""S23 item 3, the watch page: the loss chart's title, where the page shows the sampling interval, says which rule
chose it, read from the log's "auto": every="auto" (which may choose again) or a fixed every=n. A log written before
"auto" existed shows the interval alone, as it did (tests/web/test_watch_loss_title_v22.py)."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-table').querySelector('tbody tr')"
TAIL = ": the loss of the steps between is not in the log)"


def _title(browser, tmp_path, every: int | None, rule: dict) -> str:
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "run.jsonl"
    steps = range(1, 6 * (every or 2), every or 2)
    log.write_text(lines(header(["l0", "l1"]), *({**report(s, ["l0", "l1"]), "every": every, **rule} for s in steps)))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, 1280)
        title = page.locator("#watch-loss-title").text_content()
        shot(page, f"watch-s23-rule-{every}-{rule.get('auto')}", page.locator("#watch-loss-title").locator(".."))
        context.close()
    assert errors == []
    return title


@pytest.mark.browser
@pytest.mark.parametrize(("every", "rule", "said"), [
    (7, {"auto": True}, 'one step in 7, chosen by every="auto", which may change it'),
    (7, {"auto": False}, "one step in 7, fixed"),
    (None, {"auto": True}, 'every="auto" is still timing the first steps'),
    (7, {}, "one step in 7"),  # a log from before "auto": the interval alone
    (None, {}, "some steps"),
])
def test_the_loss_title_names_the_sampling_rule_where_the_log_gives_it(browser, tmp_path, every, rule, said):
    assert _title(browser, tmp_path, every, rule) == f"Loss at the sampled steps only ({said}{TAIL}"


@pytest.mark.browser
def test_a_fixed_every_step_run_is_still_the_loss_over_training(browser, tmp_path):
    assert _title(browser, tmp_path, 1, {"auto": False}) == "Loss over training"
