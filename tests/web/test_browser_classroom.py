"""A class of three in headless Chromium: each learner joins in their own browser, answers in the lesson, and the
teacher logs in, sees the figures per learner and downloads the CSV; a learner's browser cannot read them."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from actlab.store import Store
from actlab.web.app import create_app, server_config
from databases import database
from web.conftest import _free_port, shot

pytestmark = pytest.mark.browser

EX2 = "Exercise 2: gradient flow: "
ANSWERS = {"Ana": [("1.05e-14", "9.54e-7")],                      # solved at once
           "Bob": [("0.2^19", "9.54e-7"), ("1.05e-14", "9.54e-7")],  # a slip, then solved
           "Cy": [("0.2^19", "1")]}                                 # still stuck


def _in_thread(db, port: int):
    """The lab in this process, one uvicorn server in a background thread."""
    import uvicorn

    server = uvicorn.Server(server_config(create_app(db_path=db, port=port), port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)

    def stop():
        server.should_exit = True
        thread.join(10)

    return stop


def _two_workers(db: str, port: int, log):
    """`actlab lab --workers 2` as a teacher starts it: two processes behind one address (in a session of their
    own, so the workers are stopped with their supervisor)."""
    proc = subprocess.Popen([sys.executable, "-m", "actlab.cli", "lab", "--workers", "2", "--db", db, "--port",
                             str(port), "--no-browser"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 180  # each worker imports the lab afresh: slow on a busy 2-core machine
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/join", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.5)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the lab did not start in 180 s: {Path(log.name).read_text()[-2000:]}")

    def stop():
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)

    return stop


@pytest.fixture(params=[("sqlite", 1), ("postgresql", 2)], ids=["sqlite-1-worker", "postgresql-2-workers"])
def class_lab(request, tmp_path):
    """A lab in class mode on loopback: (base URL, class record, teacher token)."""
    backend, workers = request.param
    with database(backend, tmp_path) as db:
        klass, token = Store(db).create_class("physics 2a")
        port = _free_port()
        stop = _in_thread(db, port) if workers == 1 else _two_workers(db, port, open(tmp_path / "lab.log", "w"))
        try:
            yield f"http://127.0.0.1:{port}", klass, token
        finally:
            stop()


def join_and_answer(browser, base: str, code: str, name: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(base + "/lesson")  # not joined yet: sent to the join form
    assert page.url.endswith("/join")
    page.get_by_label("Class code").fill(code.lower())
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    assert len(page.locator("#rejoin-code").text_content().strip()) == 6
    page.get_by_role("link", name="Open the lesson").click()
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    assert page.locator("#learner").input_value() == name and page.locator("#learner").get_attribute("readonly") \
        is not None  # the joined name, not one to type
    card = page.locator("#exercise-ex2")
    card.scroll_into_view_if_needed()
    for first, second in ANSWERS[name]:
        card.get_by_label(EX2 + "gradient at layer 1 with sigmoid (0.2 per layer)").fill(first)
        card.get_by_label(EX2 + "with ReLU (0.5 per layer)").fill(second)
        with page.expect_response(lambda r: r.url.endswith("/api/exercises/ex2/check")) as answered:
            card.get_by_role("button", name="Check").click()
        assert answered.value.status == 200
    return context, page


def test_three_learners_join_answer_and_the_teacher_sees_each_and_exports_the_csv(browser, class_lab):
    base, klass, token = class_lab
    learners = {name: join_and_answer(browser, base, klass.code, name) for name in ANSWERS}

    _, ana = learners["Ana"]
    assert ana.goto(base + "/teacher").status == 401  # a learner's cookie is not the teacher's
    assert ana.goto(base + "/api/class/teacher/learners").status == 401

    teacher_context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    teacher = teacher_context.new_page()
    teacher.goto(base + "/teacher/login")
    teacher.get_by_label("Teacher token").fill(token)
    teacher.get_by_role("button", name="Log in").click()
    teacher.wait_for_selector("body[data-ready=true]")
    ex2 = teacher.locator("#summary tr[data-exercise=ex2]")
    assert "solved by 2 of 3" in ex2.text_content()
    assert "2 learners: sigmoid, 0.2 per layer: You counted 19 factors" in ex2.text_content()  # Bob and Cy
    rows = {n: teacher.locator(f"#learners tr[data-learner={n}]").text_content() for n in ANSWERS}
    assert "solved, 1 try" in rows["Ana"] and "solved, 2 tries" in rows["Bob"] and "not yet, 1 try" in rows["Cy"]
    shot(teacher, "teacher-class-of-three")

    # live: a fourth answer shows up without a reload
    _, cy = learners["Cy"]
    card = cy.locator("#exercise-ex2")
    card.get_by_label(EX2 + "gradient at layer 1 with sigmoid (0.2 per layer)").fill("1.05e-14")
    card.get_by_label(EX2 + "with ReLU (0.5 per layer)").fill("9.54e-7")
    card.get_by_role("button", name="Check").click()
    teacher.wait_for_function("document.querySelector('#summary tr[data-exercise=ex2]').textContent"
                              ".includes('solved by 3 of 3')", timeout=15_000)

    with teacher.expect_download() as download:
        teacher.get_by_role("link", name="Download the CSV (a row per learner)").click()
    sheet = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert [(r["learner"], r["ex2"], r["ex2_attempts"]) for r in sheet] == [
        ("Ana", "solved", "1"), ("Bob", "solved", "2"), ("Cy", "solved", "2")]
    for context, _ in learners.values():
        context.close()
    teacher_context.close()
