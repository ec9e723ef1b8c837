"""A long reading folds on the watch page (issue 17, W41 walkthrough, finding 6: a headline of 140 words took 14
lines at 420 px before its remedy). Past READING_FOLD characters the words show up to the first clause that ends past
half of that, and a button shows the rest; the whole reading stays in the page's text, and the button's state holds
when the next report is drawn. Reference: the words the log holds."""

from __future__ import annotations

import contextlib
import json

import pytest

from actlab.web.app import create_app
from web._watch_logs import header, lines, report
from web._watch_page import open_watch
from web.conftest import serving, shot

NAMES = ["fc1.act", "fc2.act"]
HEAD = ("not learning any more: the mean loss had come down to 0.0243 at training step 6,612 (a sampled one), 98% "
        "below chance, and the loss has risen to 3.13 at training step 9,062 (a sampled one; the mean of the last 50 "
        "training steps' batches)")
REST = "; ".join(f"clause {k} of the reading, which says one more thing about the run and its layers" for k in range(8))
WORDS = f"{HEAD}; {REST}"


@contextlib.contextmanager
def _folded(browser, tmp_path, words: str, status: str, remedy: str):
    """The watch page at 420 px over a log of three reports whose reading is ``words``, its fold drawn."""
    def at(step):
        r = report(step, NAMES, status=status)
        r["reading"].update(words=words, remedy=remedy, is_failure=status != "healthy")
        return r
    log = tmp_path / "words.jsonl"
    log.write_text(lines(header(NAMES), *[at(s) for s in range(1, 4)]))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        yield open_watch(browser, base, "document.querySelector('#watch-reading .reading-fold')", 420)


def _long(step):
    r = report(step, NAMES, status="not_learning")
    r["reading"].update(words=WORDS, remedy="Lower the learning rate.", is_failure=True)
    return r


@pytest.mark.browser
def test_a_long_reading_folds_after_a_clause_and_unfolds_on_request(browser, tmp_path):
    log = tmp_path / "long.jsonl"
    log.write_text(lines(header(NAMES), *[_long(s) for s in range(1, 4)]))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.querySelector('#watch-reading .reading-fold')",
                                           420)
        reading = page.locator("#watch-reading")
        shown = reading.inner_text()
        assert shown.startswith(HEAD[0].upper() + HEAD[1:] + ";"), shown  # up to the first clause past half
        assert "clause 1 " not in shown and "Lower the learning rate." in shown  # the remedy stays in view
        assert WORDS[1:] in reading.text_content()  # the whole reading is in the page
        button = page.locator("#watch-reading .reading-fold")
        assert button.get_attribute("aria-expanded") == "false"
        assert button.get_attribute("aria-controls") == "watch-reading-rest"
        folded = reading.bounding_box()["height"]
        shot(page, "watch-reading-folded-420", reading)
        button.click()
        assert button.get_attribute("aria-expanded") == "true" and "clause 7 " in reading.inner_text()
        unfolded = reading.bounding_box()["height"]
        assert folded < 0.6 * unfolded, (folded, unfolded)
        # the next report is drawn: the reading stays unfolded
        with log.open("a") as fh:
            fh.write(json.dumps(_long(4)) + "\n")
        page.wait_for_function("document.getElementById('watch-loss').drawn?.x?.at(-1) === 4", timeout=20000)
        assert page.locator("#watch-reading .reading-fold").get_attribute("aria-expanded") == "true"
        assert "clause 7 " in reading.inner_text()
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_short_reading_does_not_fold(browser, tmp_path):
    log = tmp_path / "short.jsonl"
    log.write_text(lines(header(NAMES), *[report(s, NAMES) for s in range(1, 4)]))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-reading').dataset.status",
                                           420)
        assert page.locator("#watch-reading .reading-fold").count() == 0
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_long_reading_with_no_clause_end_near_its_middle_still_folds_w61(browser, tmp_path):
    """W61 walkthrough finding 4: an 889-character headline whose clauses ended at characters 172 and 415 showed whole
    (none ended between 180 and 360), some 20 lines of bold text at 420 px before the remedy. It folds at the last
    clause end before half the limit."""
    first = "dying layer: " + "x" * 145 + " units stopped"  # a clause ending at character 172
    words = f"{first}; " + "y" * 240 + "; " + "z" * 470
    assert words.index(";") == 172 and words.index(";", 173) == 414 and len(words) > 700

    with _folded(browser, tmp_path, words, "dead_layer", "Lower the learning rate.") as (context, page, errors):
        shown = page.locator("#watch-reading").inner_text()
        assert shown.startswith("Dying layer: " + "x" * 145 + " units stopped;") and "yyy" not in shown, shown
        assert errors == []
        context.close()


@pytest.mark.browser
def test_a_headline_whose_clause_past_half_ends_in_commas_folds_at_a_comma_w84(browser, tmp_path):
    """W84 walkthrough finding 4: a healthy transformer's headline, whose one warning (the saturated units) is a clause
    listed with commas, folded at character 91, before the warning: no '; ' or ': ' ended a clause between 180 and
    360. It folds at the first comma past 180 instead, the warning in view."""
    words = ("healthy: gradients reach every layer ('blocks.0.fc1.weight' gets 0.4 of the output layer's); 334 of 768 "
             "hidden units are saturated (mean |f'| under 1% of its maximum: little gradient passes back through "
             "them), 165 of 256 in module 'blocks.1.act', 164 of 256 in module 'blocks.2.act', and the loss is 30% "
             "below chance (mean loss of the last 50 training steps' batches 2.21; chance, the best constant guess, "
             "is 3.18); the latest 7 held-out losses (given after training steps 300 to 600) have a median of 2.4")
    assert words.index("; ") == 91 and len(words) > 360  # (the first clause end, before half of 360)
    cut = words.index(", ", 180)  # the first comma past 180, outside brackets

    with _folded(browser, tmp_path, words, "healthy", "") as (context, page, errors):
        reading = page.locator("#watch-reading")
        shown = reading.inner_text()
        assert shown.startswith("H" + words[1:cut + 1]), shown
        assert "334 of 768 hidden units are saturated" in shown and "164 of 256" not in shown
        shot(page, "watch-reading-folded-comma-w84", reading)
        assert errors == []
        context.close()
