"""The teacher's 'commonest slips (learners)' column counts learners, and only from answers given before each
learner solved the exercise (issue 16, brief C11 item 3): Ana solved ex5 and then sent 0.5, which is not a slip of
hers; one attempt with two unexplained wrong parts is one learner. Checked against a hand-made ledger, in the store's
summary and on the page (headless Chromium)."""

from __future__ import annotations

import pytest

from actlab.exercises.service import check_and_record
from actlab.store import Store
from web._class_pages import class_lab, teacher_page

SIGMA_SLIP = "sigma'(0): 0.5 is sigma(0), the value. Use sigma'(x) = sigma(x)(1 - sigma(x))."

# (learner, exercise, answers) in the order sent; the comments say what each answer counts as
LEDGER = [
    ("Ana", "ex5", ["0.25"]),            # solved
    ("Ana", "ex5", ["0.5"]),             # after solving: no slip
    ("Ana", "ex5", ["banana"]),          # after solving: not unreadable either
    ("Ben", "ex5", ["0.5"]),             # Ben's slip
    ("Ben", "ex5", ["0.5"]),             # the same slip again: still one learner
    ("Ben", "ex5", ["0.25"]),            # solved
    ("Cy", "ex5", ["7"]),                # unexplained, never solves
    ("Cy", "ex5", ["8"]),                # unexplained again: one learner
    ("Cy", "ex5", ["banana"]),           # unreadable
    ("Dee", "ex2", ["42", "43"]),        # one attempt, two unexplained parts: one learner
    ("Dee", "ex2", ["1.05e-14", "9.54e-7"]),  # solved
    ("Dee", "ex2", ["42", "0.2^19"]),    # after solving: nothing counted
]


def _fill(store: Store, klass) -> None:
    for name in ("Ana", "Ben", "Cy", "Dee"):
        store.join(klass.id, name)
    for who, ex, answers in LEDGER:
        check_and_record(store, who, ex, answers, class_id=klass.id)


def test_the_summary_counts_learners_before_they_solved(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    klass, _ = store.create_class("physics 2a")
    _fill(store, klass)
    rows = {r["exercise"]: r for r in store.class_summary(klass.id)}
    ex5, ex2 = rows["ex5"], rows["ex2"]
    assert ex5["common_feedback"] == [{"feedback": SIGMA_SLIP, "count": 1}]  # Ben only, not Ana
    assert (ex5["unexplained_learners"], ex5["unexplained_parts"]) == (1, 2)  # Cy, twice
    assert (ex5["unreadable_learners"], ex5["unreadable_parts"]) == (1, 1)  # Cy's, not Ana's after solving
    assert ex2["common_feedback"] == []  # Dee's 0.2^19 came after solving
    assert (ex2["unexplained_learners"], ex2["unexplained_parts"]) == (1, 2)
    assert (ex5["solved"], ex5["after_solving"], ex2["after_solving"]) == (2, 2, 1)


@pytest.mark.browser
def test_the_teacher_page_says_learners(browser, tmp_path):
    with class_lab(tmp_path, setup=_fill) as (base, _klass, token):
        context, page = teacher_page(browser, base, token)
        cell = page.locator('tr[data-exercise="ex5"] td.slips')
        cell.wait_for(timeout=30_000)
        lines = cell.inner_text().splitlines()
        assert lines == [f"1 learner: {SIGMA_SLIP}", "1 learner: a wrong answer the checker could not explain",
                         "1 learner: an answer the checker could not read"], lines
        ex2 = page.locator('tr[data-exercise="ex2"] td.slips').inner_text().splitlines()
        assert ex2 == ["1 learner: a wrong answer the checker could not explain"], ex2
        context.close()
