"""Names that look like a learner's who joined are refused, and invisible characters do not make a new learner
(issue 16, walkthrough W4, brief C6 item 2): "Ana" + zero-width space is Ana, "\\u202eanA" (a right-to-left
override that shows as "Ana") is refused, and "Аna" with a Cyrillic А looks like Ana and is refused. Both store
backends for the class; the name rules themselves without a store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from actlab.errors import ConfigError
from actlab.store import Store, check_learner, name_key, name_skeleton
from actlab.web.app import create_app
from cli._class_cli import class_with
from databases import BACKENDS

runner = CliRunner()
CYRILLIC_ANA = "\u0410na"
GREEK_ANA = "\u0391na"


@pytest.fixture(params=BACKENDS)
def joined(request, tmp_path):
    with class_with(request.param, tmp_path, "physics 2a", "Ana") as found:
        yield found


def test_invisible_characters_and_width_do_not_change_the_key():
    for spelling in ("Ana\u200b", "\u200bAna", "A\u00adna", "\ufeffAna", "\uff21\uff4e\uff41"):  # last: full-width
        assert name_key(spelling) == "ana", repr(spelling)
    assert check_learner("Ana\u200b") == "Ana"  # the shown name loses it too
    assert check_learner("\u0645\u06cc\u200c\u0631\u0627") == "\u0645\u06cc\u200c\u0631\u0627"  # ZWNJ kept (Persian)


@pytest.mark.parametrize("name", ["\u202eanA", "Ana\u202c", "\u2066Ana\u2069", "An\u200fa"])
def test_a_name_with_a_direction_control_is_refused(name):
    with pytest.raises(ConfigError, match="text-direction controls"):
        check_learner(name)


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200b ", "\u3164", "\u2800\u2800", "\u0301", "\u00ad"])
def test_a_name_that_shows_nothing_is_refused(name):
    with pytest.raises(ConfigError, match="shows nothing"):
        check_learner(name)


def test_the_skeleton_draws_cyrillic_and_greek_look_alikes_as_latin():
    assert name_skeleton(CYRILLIC_ANA) == name_skeleton(GREEK_ANA) == name_skeleton("Ana") == "ana"
    assert name_key(CYRILLIC_ANA) != name_key("Ana")
    assert name_skeleton("\u041e\u043b\u044f") != name_skeleton("Ana")  # a Russian name of its own passes


def join(c: TestClient, code: str, name: str):
    return c.post("/api/class/join", json={"code": code, "name": name})


def test_look_alike_names_cannot_join_from_the_browser(joined):
    db, klass = joined
    c = TestClient(create_app(db_path=db, allow_hosts=("testserver",)))
    res = join(c, klass.code, "Ana\u200b")
    assert res.status_code == 409 and "taken" in res.json()["detail"], res.text  # it is Ana: rejoin code needed
    res = join(c, klass.code, "\u202eanA")
    assert res.status_code == 422 and "text-direction" in res.json()["detail"], res.text
    for name in (CYRILLIC_ANA, GREEK_ANA):
        res = join(c, klass.code, name)
        assert res.status_code == 422, res.text
        assert "looks the same as 'Ana'" in res.json()["detail"]
    res = join(c, klass.code, "\u200b\u200b")
    assert res.status_code == 422 and "shows nothing" in res.json()["detail"]
    assert [r.name for r in Store(db).learners(klass.id)] == ["Ana"]
    assert join(c, klass.code, "\u041e\u043b\u044f").status_code == 200  # Оля, all Cyrillic, joins


def test_look_alike_names_cannot_join_from_the_command_line(joined):
    from actlab.cli import app

    db, klass = joined
    res = runner.invoke(app, ["exercise", "check", "1", "--answer", "0.25", "--learner", "Ana\u200b", "--class",
                              klass.code, "--db", db])
    assert res.exit_code == 0 and "joined" not in res.output, res.output  # recorded under Ana
    res = runner.invoke(app, ["exercise", "check", "1", "--answer", "0.25", "--learner", CYRILLIC_ANA, "--class",
                              klass.code, "--join", "--db", db])
    assert res.exit_code != 0 and "looks the same" in res.output, res.output
    store = Store(db)
    assert [r.name for r in store.learners(klass.id)] == ["Ana"]
    assert {a["learner"] for a in store.graded_attempts(klass.id)} == {"Ana"}


def test_a_rename_to_a_look_alike_is_refused(joined):
    db, klass = joined
    store = Store(db)
    store.join(klass.id, "Bob")
    with pytest.raises(ConfigError, match="looks the same"):
        store.rename(klass.id, "Bob", CYRILLIC_ANA)
    store.rename(klass.id, "Ana", "\u0410NA")  # Ana may take a look-alike of her own name
    assert sorted(r.name for r in store.learners(klass.id)) == ["Bob", "\u0410NA"]
