"""Notes that differ only in the quoted layer name are said once on the watch page, naming every layer (V25 item 3):
a model with three layers whose weights got no gradient listed the same sentence three times. Notes whose words
differ, or that differ in more than one quoted name, stay apart. The log is written by hand with the monitor's
sentences."""

from __future__ import annotations

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.querySelectorAll('#watch-notes li').length > 0"
NAMES = ["fc1:relu", "fc2:relu", "fc3:relu"]
MISSING = "no gradient was computed for '{}' on this step (not computed, not zero)"
PAIR = "no watched activation runs between '{}' -> '{}'"
NOTES = [MISSING.format("fc2.weight"), "activations applied as functions, watched where they are called: fc1:relu",
         MISSING.format("fc3.weight"), PAIR.format("a", "b"), MISSING.format("fc4.weight"), PAIR.format("c", "d"),
         MISSING.format("fc2.weight")]


@pytest.mark.browser
def test_notes_differing_in_one_quoted_name_are_said_once(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "notes.jsonl"
    reports = [report(step, NAMES) for step in range(1, 4)]
    reports[-1]["notes"] = NOTES
    log.write_text(lines(header(NAMES), *reports))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY)
        said = page.evaluate("[...document.querySelectorAll('#watch-notes li')].map((li) => li.textContent)")
        assert said == [
            MISSING.format("fc2.weight") + "; likewise for 'fc3.weight' and 'fc4.weight'",
            NOTES[1],
            PAIR.format("a", "b"),  # two names differ: which pairs with which must stay said
            PAIR.format("c", "d"),
        ]
        shot(page, "watch-v25-notes-once", page.locator("#watch-notes"))
        assert errors == []
        context.close()
