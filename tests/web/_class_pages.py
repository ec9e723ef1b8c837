"""Helpers of the class-mode browser tests: a lab holding one class, served on loopback in this process; the
teacher's page after logging in with the token; a learner's page after joining with the class code."""

from __future__ import annotations

from contextlib import contextmanager

import httpx

from actlab.store import Store
from databases import database
from web.conftest import _free_port
from web.test_browser_classroom import _in_thread

DESKTOP = {"width": 1280, "height": 900}


def teacher_headers(base: str, token: str) -> dict:
    """What the teacher's API calls send: the token, and this lab's own origin (the guard refuses others)."""
    return {"Authorization": f"Bearer {token}", "Origin": base}


@contextmanager
def class_lab(tmp_path, playground: dict | None = None, setup=None):
    """(base URL, class record, teacher token) of a lab holding one class, "physics 2a", on SQLite. ``setup``:
    called with the store before the lab starts (learners, attempts); ``playground``: a class playground
    ({"config": ..., "pinned": [...]}) saved through the teacher's API."""
    with database("sqlite", tmp_path) as db:
        store = Store(db)
        klass, token = store.create_class("physics 2a")
        if setup is not None:
            setup(store, klass)
        port = _free_port()
        stop = _in_thread(db, port)
        base = f"http://127.0.0.1:{port}"
        try:
            if playground is not None:
                res = httpx.put(base + "/api/class/teacher/playground", json=playground,
                                headers=teacher_headers(base, token))
                assert res.status_code == 200, res.text
            yield base, klass, token
        finally:
            stop()


def teacher_page(browser, base: str, token: str, **context_options):
    """(context, page): the teacher's page, logged in with the token."""
    context = browser.new_context(viewport=DESKTOP, **context_options)
    page = context.new_page()
    page.goto(base + "/teacher/login")
    page.get_by_label("Teacher token").fill(token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("body[data-ready=true]")
    return context, page


def learner_page(browser, base: str, code: str, path: str, name: str = "Ana"):
    """(context, page): ``path`` opened by a learner who joined the class under ``name``."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(base + "/join")
    page.get_by_label("Class code").fill(code)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    page.goto(base + path)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    return context, page
