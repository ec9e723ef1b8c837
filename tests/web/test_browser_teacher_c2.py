"""The teacher's page in headless Chromium (issue 16, brief C2 items 2 and 4): an archived class's teacher logs in
and reads the class, with a note that it is archived and the forms that change it shut; and "Save for the class"
cannot be pressed before the page has the saved settings (pressed within 0.7 s of loading, it sent the old
settings, or nothing, and said "Saved")."""

from __future__ import annotations

import httpx
import pytest

from web._class_pages import DESKTOP, class_lab, teacher_page


@pytest.mark.browser
def test_the_teacher_of_an_archived_class_reads_it_with_the_forms_shut(browser, tmp_path):
    with class_lab(tmp_path, setup=lambda store, klass: store.join(klass.id, "Nia")) as (base, klass, token):
        from actlab.store import Store

        Store(str(tmp_path / "progress.sqlite3")).set_archived(klass.id)
        context, page = teacher_page(browser, base, token)
        note = page.locator("#archived-note")
        assert note.is_visible() and "archived" in note.text_content()
        assert "Nia" in page.locator("table.learners").text_content()
        assert page.get_by_role("button", name="Save for the class").is_disabled()
        assert page.get_by_role("button", name="Make a new rejoin code").is_disabled()
        page.screenshot(path="/tmp/actlab-shots/c2-teacher-archived.png", full_page=True)
        context.close()


@pytest.mark.browser
def test_save_waits_for_the_saved_settings_then_sends_what_the_teacher_typed(browser, tmp_path):
    with class_lab(tmp_path, playground={"config": {"lr": 0.03, "dataset": "circle"}, "pinned": []}) as (
            base, _, token):
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(base + "/teacher/login")
        page.get_by_label("Teacher token").fill(token)
        held = []
        page.route("**/api/class/playground", lambda route: held.append(route))  # the saved settings, held back
        page.get_by_role("button", name="Log in").click()
        page.wait_for_function("document.querySelector('#class-name')?.textContent.includes('join code')")
        page.wait_for_timeout(300)
        assert held, "the page did not ask for the saved settings"
        save = page.get_by_role("button", name="Save for the class")
        assert save.is_disabled() and page.get_by_label("Playground link").is_disabled()
        held[0].continue_()
        page.wait_for_selector("body[data-ready=true]")
        page.get_by_label("Playground link").fill(base + "/playground?dataset=xor&lr=0.1")
        page.locator("#pin-boxes input[value=lr]").check()
        save.click()
        page.wait_for_function("document.querySelector('#playground-status').textContent.startsWith('Saved')")
        saved = httpx.get(base + "/api/class/playground", headers={"Authorization": f"Bearer {token}"}).json()
        assert saved["config"]["lr"] == 0.1 and saved["config"]["dataset"] == "xor" and saved["pinned"] == ["lr"]
        context.close()


@pytest.mark.browser
def test_save_merges_over_what_is_saved_lists_the_changes_and_names_a_ticked_setting_the_link_leaves_out(
        browser, tmp_path):
    saved = {"config": {"activations": ["relu"], "dataset": "spiral", "lr": 0.03}, "pinned": ["dataset"]}
    with class_lab(tmp_path, playground=saved) as (base, _, token):
        context, page = teacher_page(browser, base, token)
        page.get_by_label("Playground link").fill(base + "/playground?lr=0.1")
        for name in ("lr", "activations"):
            page.locator(f"#pin-boxes input[value={name}]").check()
        page.get_by_role("button", name="Save for the class").click()
        page.wait_for_function("document.querySelector('#playground-status').textContent.startsWith('Saved')")
        status = page.locator("#playground-status").text_content()
        now = httpx.get(base + "/api/class/playground", headers={"Authorization": f"Bearer {token}"}).json()
        # the link gave lr only: the saved data set and activations stay (they were reset to the defaults)
        assert now["config"]["dataset"] == "spiral" and now["config"]["activations"] == ["relu"]
        assert now["config"]["lr"] == 0.1 and sorted(now["pinned"]) == ["activations", "dataset", "lr"]
        assert "lr: 0.03 -> 0.1" in status and "pinned: activations" in status and "pinned: lr" in status
        assert "activations is ticked but the link does not give it: kept at its saved value" in status
        assert "dataset: " not in status and "dataset is ticked but the link does not give it" in status
        page.screenshot(path="/tmp/actlab-shots/c2-teacher-merge.png", full_page=True)
        context.close()
