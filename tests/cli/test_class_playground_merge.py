"""`actlab class playground NAME ...` merges with what is saved: a later --pin adds to the pins, a later --set
changes one setting and keeps the rest, --unpin gives a setting back, and each run says what it changed."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from actlab.classroom import merge_playground
from actlab.errors import ConfigError
from actlab.store import Store
from databases import BACKENDS, database

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app_(), list(args), env={"COLUMNS": "160"})


def app_():
    from actlab.cli import app

    return app


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    with database(request.param, tmp_path) as location:
        assert run("class", "create", "physics", "--db", location).exit_code == 0
        yield location


def saved(db: str) -> dict:
    res = run("class", "playground", "physics", "--db", db, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_a_second_pin_adds_to_the_saved_setup_instead_of_replacing_it(db):
    first = run("class", "playground", "physics", "--link", "/playground?dataset=xor&lr=0.1&layers=4,2",
                "--pin", "dataset", "--db", db)
    assert first.exit_code == 0, first.output
    second = run("class", "playground", "physics", "--pin", "lr", "--db", db)
    assert second.exit_code == 0, second.output
    assert "pinned: lr" in second.stdout and "dataset" not in second.stdout.split("\n")[0]
    now = saved(db)
    assert now["pinned"] == ["dataset", "lr"]  # was ["lr"]: the second call threw the first away
    assert (now["config"]["dataset"], now["config"]["lr"], now["config"]["layers"]) == ("xor", 0.1, [4, 2])


def test_a_set_changes_one_setting_and_says_from_what_to_what(db):
    run("class", "playground", "physics", "--set", "lr=0.1", "--set", "dataset=xor", "--pin", "dataset", "--db", db)
    res = run("class", "playground", "physics", "--set", "lr=0.3", "--db", db)
    assert res.exit_code == 0, res.output
    assert "lr: 0.1 -> 0.3" in res.stdout
    now = saved(db)
    assert now["config"]["lr"] == 0.3 and now["config"]["dataset"] == "xor" and now["pinned"] == ["dataset"]


def test_unpin_gives_a_setting_back_and_keeps_its_starting_value(db):
    run("class", "playground", "physics", "--set", "lr=0.1", "--pin", "lr,dataset", "--db", db)
    res = run("class", "playground", "physics", "--unpin", "lr", "--db", db, "--json")
    assert res.exit_code == 0, res.output
    assert "unpinned: lr" in res.stderr  # with --json the changes go to stderr, stdout is JSON alone
    now = json.loads(res.stdout)
    assert now["pinned"] == ["dataset"] and now["config"]["lr"] == 0.1


def test_saying_the_saved_value_again_changes_nothing_and_says_so(db):
    run("class", "playground", "physics", "--set", "lr=0.1", "--db", db)
    res = run("class", "playground", "physics", "--set", "lr=0.1", "--db", db)
    assert res.exit_code == 0 and "nothing changed" in res.stdout


def test_a_refused_change_keeps_what_was_saved(db):
    run("class", "playground", "physics", "--set", "lr=0.1", "--pin", "lr", "--db", db)
    res = run("class", "playground", "physics", "--set", "lr=fast", "--pin", "dataset", "--db", db)
    assert res.exit_code != 0 and "lr:" in res.output
    assert saved(db) == {"config": {"lr": 0.1}, "pinned": ["lr"]}
    res = run("class", "playground", "physics", "--pin", "lr", "--unpin", "lr", "--db", db)
    assert res.exit_code != 0 and "both pinned and unpinned" in res.output


def test_merge_playground_against_a_by_hand_merge():
    before = {"config": {"dataset": "xor", "lr": 0.1}, "pinned": ["dataset"]}
    merged, changes = merge_playground(before, {"lr": 0.3, "noise": 0.2}, ["noise"], ["dataset"])
    assert merged.config == {"dataset": "xor", "lr": 0.3, "noise": 0.2}
    assert merged.pinned == ("noise",)
    assert changes == ["lr: 0.1 -> 0.3", "noise: (not set) -> 0.2", "pinned: noise", "unpinned: dataset"]
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        merge_playground(before, {"colour": 1}, [])


def test_the_store_is_untouched_by_a_refusal(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    klass, _ = store.create_class("c")
    with pytest.raises(ConfigError):
        merge_playground(store.class_playground(klass.id), {"lr": "fast"}, [])
    assert store.class_playground(klass.id) is None
