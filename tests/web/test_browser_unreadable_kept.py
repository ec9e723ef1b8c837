"""An exercise answered only with text the checker could not read keeps its mark and its answer after a reload.
C7's one count of tries (store.Tries) leaves unreadable answers out of /api/progress's ``attempts``; the lesson
page skipped rows with no attempts, so after a reload such an exercise read 'not attempted' and its box was empty."""

from __future__ import annotations

import pytest

from web._class_pages import class_lab, learner_page


@pytest.mark.browser
def test_an_unreadable_answer_keeps_its_mark_and_text_after_a_reload(browser, tmp_path):
    with class_lab(tmp_path) as (base, klass, _token):
        context, page = learner_page(browser, base, klass.code, "/lesson", name="Nia")
        card = page.locator("#exercise-ex5")
        card.locator("input").first.fill("banana")
        card.get_by_role("button", name="Check").click()
        page.wait_for_function("document.querySelector('#exercise-ex5 .feedback p, #exercise-ex5 .feedback strong')")
        badge_before = card.locator("[data-role=badge]").inner_text()
        assert badge_before != "not attempted"
        page.reload()
        card = page.locator("#exercise-ex5")
        page.wait_for_function("(document.querySelector('#exercise-ex5 [data-role=badge]') || {}).textContent"
                               " && document.querySelector('#exercise-ex5 [data-role=badge]').textContent"
                               " !== 'not attempted'", timeout=15_000)
        assert card.locator("[data-role=badge]").inner_text() == badge_before
        assert card.locator("input").first.input_value() == "banana"
        context.close()
