"""The teacher's page in Chromium writes each learner's tries as the server counts them (issue 16, brief C7 item 1):
the hand-counted log of test_class_tries_c7 reads, in the per-learner table, "solved, 2 tries, 1 unreadable, 1 more
after solving" (it read "solved, 4 tries") and "no readable answer yet, 1 unreadable" (it read "unreadable, 1 try"),
the same words as `actlab progress --class` (classroom.cell_text); the summary's tries column says the unreadable
answers and those after solving apart."""

from __future__ import annotations

import pytest

from _browser import shot
from actlab.exercises.service import check_and_record
from web._class_pages import class_lab, teacher_page
from web.test_class_tries_c7 import LOG, WORDS


def _answered(store, klass):
    for name in WORDS:
        store.join(klass.id, name)
    for name, answer in LOG:
        check_and_record(store, name, "ex5", [answer], class_id=klass.id)


@pytest.mark.browser
def test_the_teacher_page_says_the_tries_as_the_command_line_does(browser, tmp_path):
    with class_lab(tmp_path, setup=_answered) as (base, _, token):
        context, page = teacher_page(browser, base, token)
        cells = {n: page.locator(f"#learners tr[data-learner={n}] td").nth(4).text_content() for n in WORDS}
        assert cells == WORDS
        summary = page.locator("#summary tr[data-exercise=ex5]").text_content()
        assert "4 (+2 unreadable, +1 after solving)" in summary, summary
        shot(page, "c7-teacher-tries", page.locator("#learners"))
        context.close()
