"""A renamed learner rejoins with their old name and their rejoin code (issue 16, brief C9 item 1, teacher
walkthrough W8). `class rename --help` says "their rejoin code still works", but a learner who typed the name she
joined with was told nobody by that name had joined. Now the store keeps the names a learner had (former_names):
the old name and her own code bring her back under the new name, and she is told she was renamed. A name taken by
someone else since leads to them, never to her. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from cli._class_cli import run
from databases import BACKENDS, database

OLD = "Zoë O'Brien-Łukasz 🚀"


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        klass, _ = Store(location).create_class("physics 2a")
        yield location, klass


def _join(client: TestClient, code: str, name: str, rejoin_code: str | None = None):
    return client.post("/api/class/join", json={"code": code, "name": name, "rejoin_code": rejoin_code})


def test_the_old_name_and_the_rejoin_code_bring_a_renamed_learner_back(lab):
    location, klass = lab
    app = create_app(db_path=location, allow_hosts=("testserver",))
    laptop = TestClient(app)
    code = _join(laptop, klass.code, OLD).json()["rejoin_code"]
    assert laptop.post("/api/exercises/ex5/check", json={"answers": ["0.25"]}).status_code == 200
    res = run("class", "rename", "physics 2a", "ZOË O'BRIEN-ŁUKASZ 🚀", "Zoë OB", "--db", str(location))
    assert res.exit_code == 0, res.output
    phone = TestClient(app)
    res = _join(phone, klass.code, OLD, code.lower())
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["learner"] == "Zoë OB" and body["renamed_from"] == OLD and body["rejoin_code"] is None
    assert body["note"] == (f"You typed {OLD}, a name you had before: your teacher has renamed you Zoë OB since, and "
                            "your answers are under Zoë OB now. Your rejoin code stays the same; next time rejoin as "
                            "Zoë OB.")
    progress = phone.get("/api/progress").json()
    assert any(row["exercise"] == "ex5" and row["best_status"] == "correct" for row in progress), progress
    # the join form says it too
    form = TestClient(app)
    page = form.get("/join")
    csrf = form.cookies["actlab_csrf"]
    page = form.post("/join", data={"code": klass.code, "name": OLD.upper(), "rejoin_code": code, "csrf": csrf})
    assert page.status_code == 200 and "Welcome, Zoë OB" in page.text
    assert "your teacher has renamed you\n      Zoë OB since" in page.text.replace("O&#x27;", "O'")
    # a wrong code with the old name is still refused, and counted
    assert _join(TestClient(app), klass.code, OLD, "ABCDEF" if code != "ABCDEF" else "ABCDEG").status_code == 422


def test_an_old_name_taken_since_leads_to_its_new_holder_and_forget_drops_the_history(lab):
    location, klass = lab
    store = Store(location)
    _, ana_code = store.join(klass.id, "Ana")
    store.rename(klass.id, "ana", "Ana B")
    back, _ = store.join(klass.id, "ANA", ana_code)
    assert (back.name, back.renamed_from) == ("Ana B", "Ana")
    with pytest.raises(Exception, match="it stays theirs"):
        store.join(klass.id, "Ana")  # the old name stays Ana B's (brief C11 item 2)
    newcomer, new_code = store.join(klass.id, "Zed")
    store.rename(klass.id, "Zed", "Ana")  # the teacher gives the name to someone else
    with pytest.raises(Exception, match="not the one 'Ana' was shown"):
        store.join(klass.id, "Ana", ana_code)  # the name is theirs now: Ana B's code does not lead to Ana B
    assert store.join(klass.id, "Ana", new_code)[0].id == newcomer.id
    assert store.join(klass.id, "Ana B", ana_code)[0].renamed_from is None  # the current name: no note
    store.forget(klass.id, "Ana B")
    assert store.db.execute("SELECT COUNT(*) FROM former_names WHERE learner_id = ?",
                            (back.id,))[0][0] == 0  # a forgotten learner's names go


def test_rename_help_says_the_old_name_works_too():
    text = " ".join(run("class", "rename", "--help").output.split())
    assert "their rejoin code still works, with the new name or the old one" in text
