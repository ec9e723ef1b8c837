"""Where teacher-written exercises and the progress store come from: parameters of the core, set by the command
line (--exercises-dir, $ACTLAB_EXERCISES_DIR, --db, $ACTLAB_DB, $XDG_DATA_HOME) and the lab's settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from actlab import exercises
from actlab.cli import app
from actlab.errors import ConfigError
from actlab.store import Store, default_location
from actlab.web.app import create_app
from actlab.web.settings import LabSettings, store_location

TEACHER = {"key": "t1", "title": "Four sigmoid layers", "prompt": "0.25 per layer, 4 layers?",
           "parts": [{"kind": "number", "label": "product", "expected": "0.25^4"}],
           "hints": ["Multiply."], "solution": "0.25^4 = 0.00390625"}


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "t1.json").write_text(json.dumps(TEACHER))
    yield tmp_path
    exercises.use_folder(None)  # the folder is process state: the next test starts with the built-in ones


def keys() -> list[str]:
    return [e.key for e in exercises.all_exercises()]


def test_a_folder_given_once_adds_its_exercises_after_the_built_in_ones(folder):
    assert keys() == [e.key for e in exercises.EXERCISES]  # nothing read from the environment
    exercises.use_folder(folder)
    assert keys() == [e.key for e in exercises.EXERCISES] + ["t1"]
    assert exercises.get_exercise("t1").check("0.00390625").status == "correct"
    exercises.use_folder(None)
    assert "t1" not in keys()


def test_a_missing_folder_is_refused_by_name(tmp_path):
    with pytest.raises(ConfigError) as err:
        exercises.use_folder(tmp_path / "nope")
    assert err.value.field == "exercises_dir" and "is not a folder" in err.value.message


def test_the_cli_option_and_its_variable_set_the_folder(folder):
    runner = CliRunner()
    by_option = runner.invoke(app, ["--exercises-dir", str(folder), "exercise", "list", "--json"])
    assert by_option.exit_code == 0, by_option.output
    assert [e["key"] for e in json.loads(by_option.output)][-1] == "t1"
    exercises.use_folder(None)
    by_variable = runner.invoke(app, ["exercise", "check", "t1", "-a", "0.00390625", "--json"],
                                env={"ACTLAB_EXERCISES_DIR": str(folder)})
    assert by_variable.exit_code == 0, by_variable.output
    assert json.loads(by_variable.output)["status"] == "correct"
    without = runner.invoke(app, ["exercise", "list", "--json"], env={"ACTLAB_EXERCISES_DIR": None})
    assert "t1" not in [e["key"] for e in json.loads(without.output)]  # a later command without it: built-in only


def test_the_cli_names_the_option_of_a_missing_folder(tmp_path):
    result = CliRunner().invoke(app, ["--exercises-dir", str(tmp_path / "nope"), "exercise", "list"])
    words = " ".join(result.output.split())  # rich wraps the line at the terminal's width
    assert result.exit_code == 2
    assert words.startswith("error: --exercises-dir: ") and "is not a folder" in words


def test_the_lab_serves_the_folder_of_its_settings(folder, tmp_path):
    settings = LabSettings(db=str(tmp_path / "p.sqlite3"), allow_hosts=("testserver",), exercises_dir=str(folder))
    with TestClient(create_app(settings)) as client:
        listed = client.get("/api/exercises").json()
    assert listed[-1]["key"] == "t1"


def test_the_store_location_comes_from_the_option_then_the_variables(tmp_path):
    home = Path.home() / ".local" / "share" / "actlab" / "progress.sqlite3"
    assert store_location("given.sqlite3", {"ACTLAB_DB": "other.sqlite3"}) == "given.sqlite3"
    assert store_location(None, {"ACTLAB_DB": str(tmp_path / "a.sqlite3")}) == tmp_path / "a.sqlite3"
    url = "postgresql://u:p@127.0.0.1:5432/x"
    assert store_location(None, {"ACTLAB_DB": url}) == url  # a URL stays text
    assert store_location(None, {"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "actlab" / "progress.sqlite3"
    assert store_location(None, {}) == home
    assert default_location() == home  # the core's function, given nothing, reads no variable


def test_a_store_without_a_location_says_so():
    with pytest.raises(ConfigError) as err:
        Store(None)
    assert err.value.field == "db" and "location" in err.value.message


def test_the_cli_opens_the_store_named_by_the_variable(tmp_path):
    db = tmp_path / "from-env.sqlite3"
    result = CliRunner().invoke(app, ["exercise", "check", "2", "-a", "0.2^19", "-a", "9.54e-7", "--learner", "ada"],
                                env={"ACTLAB_DB": str(db)})
    assert result.exit_code == 0, result.output
    assert [r.exercise for r in Store(db).progress("ada")] == ["ex2"]
