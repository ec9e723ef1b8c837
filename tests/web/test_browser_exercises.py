"""The exercises as a learner meets them in headless Chromium: a free-text verdict and the teacher's view."""

from __future__ import annotations

import re

import pytest

from web.conftest import shot

pytestmark = pytest.mark.browser


def test_a_free_text_answer_shows_the_points_covered_and_only_a_count_of_the_rest(page):
    page.goto(page.base + "/lesson")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    card = page.locator("#exercise-ex3")
    card.scroll_into_view_if_needed()
    card.get_by_label("Exercise 3: why GELU?: your explanation").fill(
        "GELU is smooth everywhere. It does not suffer from dead neurons.")
    card.get_by_role("button", name="Check").click()
    feedback = "document.querySelector('#exercise-ex3 [data-role=feedback]').textContent"
    page.wait_for_function(f"{feedback}.includes('more key points to find')")
    text = card.locator("[data-role=feedback]").text_content()
    assert "covered: smooth everywhere (no kink); a gradient for negative inputs" in text
    assert "4 more key points to find" in text
    assert "still to think about" not in text and "probab" not in text and "cost" not in text
    shot(page, "lesson-exercise3-covered-and-count", card)


def test_the_teacher_sees_each_key_point_covered_and_missed(page):
    import httpx

    for who, answer in (("k1", "GELU is smooth everywhere."), ("k2", "GELU is slower than ReLU.")):
        body = {"answers": [answer], "learner": who}
        httpx.post(page.base + "/api/exercises/ex3/check", json=body).raise_for_status()
    page.goto(page.base + "/teacher")
    page.wait_for_selector("#summary table")
    row = page.locator("#summary tr", has_text="ex3").text_content()
    # other browser tests of the session may have saved ex3 attempts too: only k2 wrote about cost
    assert re.search(r"smooth everywhere \(no kink\): [1-9]\d* covered, [1-9]\d* missed", row), row
    assert re.search(r"the small extra compute cost: 1 covered, [1-9]\d* missed", row), row
    shot(page, "teacher-key-points")
