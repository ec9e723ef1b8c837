"""Where playground runs train is a lab setting (LabSettings.training, training_processes), not an environment
variable the pool reads on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from typer.testing import CliRunner

from actlab.cli import app as cli_app
from actlab.errors import ConfigError
from actlab.web import pool as training_pool
from actlab.web.app import create_app
from actlab.web.settings import LabSettings


@pytest.fixture
def fresh_pool():
    """The process's pool, put back as the defaults make it after the test."""
    yield
    training_pool.configure(None, None)
    old = training_pool._pool
    training_pool._pool = None
    if old is not None:
        old.shutdown()


def test_the_labs_settings_choose_the_pools_mode_and_slots(tmp_path, fresh_pool):
    create_app(LabSettings(db=str(tmp_path / "p.sqlite3"), training="thread", training_processes=3))
    made = training_pool.pool()
    assert (made.mode, made.slots) == ("thread", 3)
    create_app(LabSettings(db=str(tmp_path / "p.sqlite3"), training="thread", training_processes=2))
    assert training_pool.pool() is not made and training_pool.pool().slots == 2  # no session open: replaced


def test_settings_json_carries_them_to_workers():
    s = LabSettings(training="thread", training_processes=2)
    assert LabSettings.from_json(s.to_json()) == s


@pytest.mark.parametrize(("field", "value"), [("training", "fork"), ("training_processes", 0),
                                              ("training_processes", True), ("training_processes", 65)])
def test_bad_values_are_named(field, value):
    with pytest.raises(ConfigError) as err:
        LabSettings(**{field: value})
    assert err.value.field == field


def test_the_cli_refuses_a_bad_mode_by_its_option():
    res = CliRunner().invoke(cli_app, ["lab", "--training", "fork", "--no-browser"])
    assert res.exit_code == 2 and "--training" in res.output and "process or thread" in res.output


def test_the_pool_reads_no_environment():
    tree = ast.parse(Path(training_pool.__file__).read_text())
    reads = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in ("environ", "getenv")]
    assert reads == []
