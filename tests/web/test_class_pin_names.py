"""`actlab class playground NAME --pin bogus` names the settings a teacher may pin: the current ones only, not the
old links' flat keys (negative_slope, beta) that the README calls legacy."""

from __future__ import annotations

from dataclasses import fields

from typer.testing import CliRunner

from actlab.cli import app
from actlab.options import CONTROLS
from actlab.session import FLAT_KEYS, RunConfig


def test_a_bogus_pin_lists_only_current_settings(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "p.sqlite3")
    assert runner.invoke(app, ["class", "create", "physics", "--db", db]).exit_code == 0
    res = runner.invoke(app, ["class", "playground", "physics", "--pin", "bogus", "--db", db], env={"COLUMNS": "400"})
    assert res.exit_code != 0
    words = " ".join(res.output.split())
    assert "unknown setting 'bogus'; allowed:" in words, words
    listed = words.split("allowed:")[1].replace(",", " ").split()
    current = {f.name for f in fields(RunConfig)} - set(FLAT_KEYS) | set(CONTROLS)
    assert set(FLAT_KEYS).isdisjoint(listed), listed
    assert current <= set(listed), current - set(listed)
