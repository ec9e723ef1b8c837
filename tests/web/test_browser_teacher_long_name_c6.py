"""The teacher's learner table in headless Chromium at 1280 px with a learner of 64 characters' name: the name wraps
in its cell, its full text in the cell's title, and the table stays inside its card, so every exercise column is in
view (issue 16, walkthrough W4, brief C6 item 3: one such name widened the table to 1531 px in a 1090 px box)."""

from __future__ import annotations

import pytest

from tests._browser import shot
from web._class_pages import class_lab, teacher_page

pytestmark = pytest.mark.browser

LONG = "Maximiliana" * 5 + "Wolfeschle"  # 65 > 64: cut below
UNBROKEN = LONG[:64]
SPACED = "Anna Maria Josefina Carlotta Beatriz de los Santos Villanueva Ruiz"[:64]


def _setup(store, klass):
    for name in (UNBROKEN, SPACED, "Bo"):
        store.join(klass.id, name)
    verdict = {"status": "correct", "feedback": "", "parts": []}
    store.record_attempt("Bo", "ex1", ["0.25"], verdict, class_id=klass.id)


def test_a_long_name_wraps_and_the_exercise_columns_stay_in_view(browser, tmp_path):
    with class_lab(tmp_path, setup=_setup) as (base, _klass, token):
        context, page = teacher_page(browser, base, token)
        page.locator("table.learners tbody tr").nth(2).wait_for(timeout=30_000)
        box = page.evaluate("""() => {
            const table = document.querySelector('table.learners'), wrap = table.parentElement;
            const heads = [...table.querySelectorAll('thead th')];
            const right = wrap.getBoundingClientRect().right;
            return {table: table.getBoundingClientRect().width, box: wrap.clientWidth,
                    scroll: wrap.scrollWidth, last: heads[heads.length - 1].getBoundingClientRect().right,
                    right, name: table.querySelector('tbody th').getBoundingClientRect().width};
        }""")
        assert box["scroll"] <= box["box"] + 1, box  # no sideways scrolling inside the card
        assert box["last"] <= box["right"] + 1, box  # the last column is in view
        assert box["name"] < 260, box  # the name column wraps instead of taking the row
        for name in (UNBROKEN, SPACED):
            cell = page.locator(f'tr[data-learner="{name}"] th')
            assert cell.get_attribute("title") == name
            assert cell.text_content().replace("\u200b", "") == name  # the whole name is shown, wrapped
        shot(page, "c6-teacher-long-name")
        context.close()
