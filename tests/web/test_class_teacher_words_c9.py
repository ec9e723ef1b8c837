"""Two of the teacher page's sentences (issue 16, brief C9 item 8, teacher walkthrough W8). The rejoin-code form's
"nobody named 'Fin' has joined this class" now suggests the close name ("did you mean 'Finn'?") on the teacher's
page only: a learner's join form never names another learner. And the "not a playground link" example gives the
lab's own address (the page's origin), not http://127.0.0.1:8000 while the lab runs elsewhere. SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        klass, token = Store(location).create_class("physics 2a")
        for name in ("Finn", "Ana"):
            Store(location).join(klass.id, name)
        app = create_app(db_path=location, allow_hosts=("lab.school.example",))
        teacher = TestClient(app, base_url="http://lab.school.example:8765",
                             headers={"Authorization": f"Bearer {token}"})
        yield app, klass, teacher


def test_the_teacher_is_offered_the_close_name_and_a_learner_is_not(lab):
    app, klass, teacher = lab
    res = teacher.post("/api/class/teacher/rejoin-code", json={"learner": "fin"})
    assert res.status_code == 404
    assert res.json()["detail"] == ("nobody named 'fin' has joined this class; did you mean 'Finn'? check the "
                                    "spelling in the learners table")
    far = teacher.post("/api/class/teacher/rejoin-code", json={"learner": "Zed"})
    assert far.status_code == 404 and "did you mean" not in far.json()["detail"]
    learner = TestClient(app, base_url="http://lab.school.example:8765")
    res = learner.post("/api/class/join", json={"code": klass.code, "name": "Fin", "rejoin_code": "ABCDEF"})
    assert res.status_code == 422 and "Finn" not in res.text and "did you mean" not in res.text


def test_the_link_example_is_this_labs_address(lab):
    _, _, teacher = lab
    res = teacher.put("/api/class/teacher/playground", json={"config": {}, "pinned": [], "link": "lr 0.1 please"})
    assert res.status_code == 422, res.text
    detail = res.json()["detail"]
    assert "such as http://lab.school.example:8765/playground?dataset=xor&lr=0.03&activations=relu" in detail
    assert "127.0.0.1:8000" not in detail
