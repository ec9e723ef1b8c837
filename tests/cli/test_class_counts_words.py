"""The class commands count in words a teacher reads ('1 attempt', 'no hint or solution views', '3 records moved'),
and a refused copy names the database as a location, its password hidden, not as a Python object (walkthrough W4:
'0 hint and solution events', "Store('/tmp/...')")."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from actlab.classroom import copy_store
from actlab.errors import ConfigError
from actlab.store import Store

runner = CliRunner()


def run(*args: str):
    from actlab.cli import app

    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def test_forget_and_reset_count_in_words(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    assert run("class", "create", "physics", "--db", db).exit_code == 0
    store = Store(db)
    klass = store.classes()[0]
    store.join(klass.id, "Ana")
    store.record_attempt("Ana", "ex1", ["1"], {"status": "incorrect", "feedback": "", "parts": []}, class_id=klass.id)
    res = run("class", "forget", "physics", "Ana", "--db", db, "--yes")
    assert res.exit_code == 0, res.output
    assert "forgot Ana in physics: 1 attempt and no hint or solution views deleted" in res.output
    res = run("class", "reset", "physics", "--db", db, "--yes")
    assert res.exit_code == 0, res.output
    assert "reset physics: no attempts and no hint or solution views deleted" in res.output


def test_a_refused_copy_names_the_location_not_a_python_object(tmp_path):
    source, target = Store(str(tmp_path / "a.sqlite3")), Store(str(tmp_path / "b.sqlite3"))
    target.create_class("full already")
    with pytest.raises(ConfigError) as err:
        copy_store(source, target)
    assert "Store(" not in str(err.value) and str(tmp_path / "b.sqlite3") in str(err.value)
