"""The watch page's unit-health chart counts each unit once: a unit that dies leaves the 'saturated or rarely
active' count for the dead one, and a line that falls there read as a recovery (W86 walkthrough finding 5: a ReLU
layer's line fell from 100% to 0% as its units died, 49 of 64 dead to the end). Where that count is drawn and layers
have dead units at the latest step, a sentence under the chart says so. Reference: the log's own counts."""

from __future__ import annotations

import json

import pytest

from actlab.web.app import create_app
from web._watch_page import open_watch
from web.conftest import serving, shot

NAMES = ["body.0.act", "body.1.act"]
READY = "document.getElementById('watch-source').textContent.includes('30 sampled steps')"
WIDTH = 16


def _dead(step: int) -> int:
    return min(max((step - 100) // 10, 0), 12)  # layer 2: units die from step 110, 12 of 16 by step 220


def _write(path, dying: bool) -> None:
    def report(step):
        dead = _dead(step) if dying else 0
        layers = [{"name": n, "activation": "relu", "width": WIDTH, "act_grad_norm": 0.1, "weight_grad_norm": 0.1,
                   "non_finite": False, "dead": dead if k else 0, "saturated": (WIDTH - dead) if k else 10,
                   "dormant": 0, "words": ""} for k, n in enumerate(NAMES)]
        return {"step": step, "loss": 1.0, "non_finite": False, "layers": layers,
                "reading": {"status": "flowing", "words": "gradients flow"}, "notes": []}
    with path.open("w") as fh:
        fh.write(json.dumps({"format": "actlab-monitor/1", "layers": NAMES}) + "\n")
        fh.write("".join(json.dumps(report(s)) + "\n" for s in range(10, 301, 10)))


@pytest.mark.browser
@pytest.mark.parametrize(("dying", "health", "said"), [
    (True, "saturated", True), (True, "dead", False), (False, "saturated", False)])
def test_dead_units_that_left_the_saturated_count_are_said_under_it(browser, tmp_path, dying, health, said):
    log = tmp_path / "run.jsonl"
    _write(log, dying)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, query=f"?health={health}")
        note = page.locator("#watch-health-note")
        text, hidden = note.text_content(), note.is_hidden()
        if said:
            shot(page, "watch-dead-leave-saturated", page.locator("#watch-health").locator(".."))
        assert not errors, errors
        context.close()
    if said:
        assert not hidden
        assert text == (f"Units that die leave this count (each unit is counted once): at step 300, {_dead(300)} "
                        f"of {WIDTH} units of 2: body.1.act are dead or gone silent, drawn under \u201cdead or gone "
                        "silent units\u201d, so a fall here is no recovery."), text
    else:
        assert hidden and text == "", text
