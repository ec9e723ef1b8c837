"""Exercise 1 in a class of three, in headless Chromium: each learner words ReLU's derivative at 0 their own way on
the lesson page (its box says words are welcome), each is told "correct", the teacher's page reads "solved by 3 of
3", and a joined learner's page says where the attempts are kept (the class's records), not "on this computer"."""

from __future__ import annotations

import pytest

from web._class_pages import class_lab, learner_page, teacher_page

pytestmark = pytest.mark.browser

EX1 = "Exercise 1: ReLU's derivative: "
WORDINGS = {"Ana": "there is none", "Bob": "any value in 0..1", "Cy": "0, by convention in PyTorch"}


def test_three_wordings_of_relu_at_zero_each_solve_exercise_1_and_the_teacher_sees_3_of_3(browser, tmp_path):
    with class_lab(tmp_path) as (base, klass, token):
        contexts = []
        for name, answer in WORDINGS.items():
            context, page = learner_page(browser, base, klass.code, "/lesson", name=name)
            contexts.append(context)
            saved = page.locator("#saved-where").inner_text()
            assert "on this computer" not in saved and "physics 2a" in saved and name in saved
            card = page.locator("#exercise-ex1")
            card.scroll_into_view_if_needed()
            third = card.get_by_label(EX1 + "ReLU'(0): a number, or say in words what it is")
            card.get_by_label(EX1 + "ReLU'(5)").fill("1")
            card.get_by_label(EX1 + "ReLU'(-3)").fill("0")
            third.fill(answer)
            with page.expect_response(lambda r: r.url.endswith("/api/exercises/ex1/check")) as answered:
                card.get_by_role("button", name="Check").click()
            assert answered.value.status == 200 and answered.value.json()["status"] == "correct", answered.value.json()
            card.locator("[data-role=badge].correct").wait_for(timeout=10_000)
            if name == "Ana":
                page.screenshot(path=str(_shot("class-ex1-learner")))
        context, teacher = teacher_page(browser, base, token)
        row = teacher.locator("#summary tr[data-exercise=ex1]")
        assert "solved by 3 of 3" in row.text_content(), row.text_content()
        teacher.screenshot(path=str(_shot("class-ex1-teacher")))
        for c in (*contexts, context):
            c.close()


def _shot(name: str):
    from pathlib import Path

    out = Path("/tmp/actlab-shots")
    out.mkdir(exist_ok=True)
    return out / f"{name}.png"
