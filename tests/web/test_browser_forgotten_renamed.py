"""C9's words for a forgotten learner and a renamed one, as the pages show them (C9 checked them through the API
only): a learner forgotten while their pages are open reads, on the lesson and the playground, that their teacher
removed their name and answers; a learner renamed by the teacher who rejoins on another device with the old name
and the rejoin code is let in under the new name and told so."""

from __future__ import annotations

import httpx
import pytest

from _browser import shot
from web._class_pages import DESKTOP, class_lab, learner_page


@pytest.mark.browser
def test_a_learner_forgotten_while_the_pages_are_open_reads_why(browser, tmp_path):
    stores = []
    with class_lab(tmp_path, setup=lambda store, _klass: stores.append(store)) as (base, klass, _token):
        context, lesson = learner_page(browser, base, klass.code, "/lesson", name="Nia")
        playground = context.new_page()
        playground.goto(base + "/playground")
        playground.wait_for_selector("body[data-ready=true]", timeout=60_000)
        stores[0].forget(klass.id, "Nia")
        card = lesson.locator("#exercise-ex3")
        card.get_by_role("button", name="Show solution").click()
        lesson.wait_for_function("document.querySelector('#exercise-ex3 .feedback .error')")
        assert "removed your name" in card.locator(".feedback").inner_text()
        stopped = playground.locator("#stopped")
        stopped.wait_for(state="visible", timeout=20_000)
        assert "removed your name" in stopped.inner_text()
        shot(playground, "forgotten-playground", playground.locator("header.top"))
        context.close()


@pytest.mark.browser
def test_a_renamed_learner_rejoins_with_the_old_name_and_is_told_the_new_one(browser, tmp_path):
    stores = []
    with class_lab(tmp_path, setup=lambda store, _klass: stores.append(store)) as (base, klass, _token):
        res = httpx.post(base + "/api/class/join", json={"code": klass.code, "name": "Zoë O'Brien"},
                         headers={"Origin": base})
        assert res.status_code == 200, res.text
        rejoin = res.json()["rejoin_code"]
        stores[0].rename(klass.id, "Zoë O'Brien", "Zoë OB")
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(base + f"/join?code={klass.code}")
        page.get_by_label("Your name").fill("Zoë O'Brien")
        page.get_by_label("Rejoin code (only if you joined before, on another device)").fill(rejoin)
        page.get_by_role("button", name="Join").click()
        page.wait_for_load_state()
        text = page.locator("body").inner_text()
        assert "Zoë OB" in text and "renamed" in text.lower(), text[:600]
        shot(page, "renamed-rejoin", page.locator("body"))
        context.close()
