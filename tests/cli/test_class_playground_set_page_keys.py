"""`actlab class playground NAME --set KEY=VALUE` takes the page's keys as a link does (batch=30, train=80 in percent,
speed=5), saved under the run's names and said so; it refused them as unknown settings (walkthrough W4)."""

from __future__ import annotations

import json

import pytest

from cli._class_cli import run as run_cli
from databases import BACKENDS, database


def run(*args: str):
    return run_cli(*args, columns=160)


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    with database(request.param, tmp_path) as location:
        assert run("class", "create", "physics", "--db", location).exit_code == 0
        yield location


def test_the_pages_keys_are_read_in_the_pages_units(db):
    res = run("class", "playground", "physics", "--db", db, "--set", "batch=30", "--set", "train=80",
              "--set", "speed=5", "--set", "lr=0.1", "--pin", "batch_size")
    assert res.exit_code == 0, res.output
    assert "--set batch=30: read as batch_size=30" in res.output
    assert "--set train=80: read as train_fraction=0.8" in res.output
    saved = json.loads(run("class", "playground", "physics", "--db", db, "--json").stdout)
    assert saved["config"] == {"batch_size": 30, "train_fraction": 0.8, "epochs_per_frame": 5, "lr": 0.1}
    assert saved["pinned"] == ["batch_size"]


def test_a_page_key_with_a_value_the_page_never_writes_is_refused_by_its_key(db):
    res = run("class", "playground", "physics", "--db", db, "--set", "train=most")
    assert res.exit_code != 0
    assert "train" in res.output and "Traceback" not in res.output
    saved = json.loads(run("class", "playground", "physics", "--db", db, "--json").stdout)
    assert saved["config"] == {}  # nothing saved
