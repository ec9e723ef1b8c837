"""The teacher's data and the playground socket (issue 16, brief C2 item 11): the teacher's page links the
per-learner table as JSON (the CLI has --format json); the attempt log numbers a class's attempts 1, 2, 3 (it gave
the store's row ids, which counted every class's answers); a WebSocket 'set' carrying a config, or a setting that
is not a run control, gets a specific error (it got no reply at all). Store cases on both backends."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from actlab.exercises.service import check_and_record
from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def two_classes(request, tmp_path):
    with database(request.param, tmp_path) as location:
        store = Store(location)
        physics, token = store.create_class("physics 2a")
        chemistry, _ = store.create_class("chemistry 1")
        for klass, who, n in ((chemistry, "Omar", 5), (physics, "Nia", 2)):
            store.join(klass.id, who)
            for _ in range(n):
                check_and_record(store, who, "ex5", ["0.25"], class_id=klass.id)
        yield location, token


def test_the_attempt_log_numbers_the_class_own_attempts(two_classes):
    location, token = two_classes
    teacher = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    teacher.headers["Authorization"] = f"Bearer {token}"
    log = teacher.get("/api/class/teacher/attempts").json()
    assert [(a["id"], a["learner"]) for a in log] == [(1, "Nia"), (2, "Nia")]  # not 6 and 7
    csv_text = teacher.get("/api/class/teacher/attempts?format=csv").text
    assert [line.split(",")[0] for line in csv_text.splitlines()[1:]] == ["1", "2"]


def test_the_teacher_page_links_the_learners_table_as_json(two_classes):
    location, token = two_classes
    teacher = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    teacher.headers["Authorization"] = f"Bearer {token}"
    page = teacher.get("/teacher").text
    assert 'href="/api/class/teacher/learners"' in page
    assert [r["learner"] for r in teacher.get("/api/class/teacher/learners").json()["rows"]] == ["Nia"]


@pytest.mark.parametrize("msg, field, words", [
    ({"type": "set", "config": {"lr": 0.9}}, "config", "goes in a 'reset' message"),
    ({"type": "set", "dataset": "xor"}, "dataset", "'set' changes only lr, epochs_per_frame"),
])
def test_a_set_message_that_changes_nothing_gets_a_specific_error(client, msg, field, words):
    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"n_points": 100}}))
        assert json.loads(ws.receive_text())["type"] == "ready"
        ws.receive_bytes()
        ws.send_text(json.dumps(msg))
        err = json.loads(ws.receive_text())
        assert err["type"] == "error" and err["field"] == field and words in err["message"], err
        ws.send_text(json.dumps({"type": "set", "lr": 0.3}))  # a good one still applies, and the socket lives
        ws.send_text(json.dumps({"type": "step"}))
        ws.receive_bytes()
