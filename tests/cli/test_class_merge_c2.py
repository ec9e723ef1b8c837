"""`actlab class merge` asks first, as forget and reset do (issue 16, brief C2 item 7), and the learner merged away
is told so: their open pages, sent to /join, say into which name they were merged, and their old rejoin code says
the same instead of "nobody named ... has joined". Both store backends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from cli._class_cli import run, runner
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        klass, _ = Store(location).create_class("physics 2a")
        yield location, klass


def client(location) -> TestClient:
    return TestClient(create_app(db_path=location, allow_hosts=("testserver",)), base_url="http://testserver")


def test_merge_asks_first_and_does_nothing_on_no(lab):
    location, klass = lab
    store = Store(location)
    store.join(klass.id, "Nia")
    store.join(klass.id, "Nia2")
    from actlab.cli import app

    res = runner.invoke(app, ["class", "merge", klass.code, "Nia2", "Nia", "--db", location], input="n\n",
                        env={"COLUMNS": "200"})
    assert res.exit_code == 1 and "Move every answer of 'Nia2' to 'Nia'" in res.output, res.output
    assert [x.name for x in Store(location).learners(klass.id)] == ["Nia", "Nia2"]
    res = runner.invoke(app, ["class", "merge", klass.code, "Nia2", "Nia", "--db", location], input="y\n",
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "merged Nia2 into Nia" in res.output, res.output
    assert [x.name for x in Store(location).learners(klass.id)] == ["Nia"]


def test_the_learner_merged_away_is_told_on_their_open_page_and_by_their_old_rejoin_code(lab):
    location, klass = lab
    nia = client(location)
    assert nia.post("/api/class/join", json={"code": klass.code, "name": "Nia"}).status_code == 200
    twice = client(location)
    res = twice.post("/api/class/join", json={"code": klass.code, "name": "Nia2"})
    old_code = res.json()["rejoin_code"]
    assert run("class", "merge", klass.code, "Nia2", "Nia", "--db", location, "--yes").exit_code == 0
    res = twice.get("/api/progress")  # the open lesson page's next call
    assert res.status_code == 401 and "merged the name Nia2 into Nia" in res.json()["detail"], res.text
    page = twice.get("/lesson", follow_redirects=True)
    assert page.url.path == "/join"
    assert "Your teacher merged the name Nia2 into Nia" in page.text and "Join again as Nia" in page.text
    res = client(location).post("/api/class/join", json={"code": klass.code, "name": "Nia2", "rejoin_code": old_code})
    assert res.status_code == 422 and "merged 'Nia2' into 'Nia'" in res.json()["detail"], res.text
    assert "nobody named" not in res.json()["detail"]
    assert "merged" not in client(location).get("/join").text  # a stranger sees the plain form


def test_forgetting_the_learner_forgets_the_name_merged_into_them(lab):
    location, klass = lab
    store = Store(location)
    store.join(klass.id, "Nia")
    gone = store.join(klass.id, "Nia2")[0]
    store.merge(klass.id, "Nia2", "Nia")
    assert store.merged_into(gone.id) == "Nia"
    store.forget(klass.id, "Nia")
    assert store.merged_into(gone.id) is None and store.merged_name(gone.id) is None


def test_class_copy_keeps_who_was_merged_into_whom(tmp_path):
    from actlab.classroom import copy_store
    from databases import postgres_schema

    source = Store(str(tmp_path / "from.sqlite3"))
    klass, _ = source.create_class("physics 2a")
    source.join(klass.id, "Nia")
    gone = source.join(klass.id, "Nia2")[0]
    source.merge(klass.id, "Nia2", "Nia")
    with postgres_schema() as url:
        target = Store(url)
        counts = copy_store(source, target)
        assert counts["merged_learners"] == 1 and target.merged_into(gone.id) == "Nia"
