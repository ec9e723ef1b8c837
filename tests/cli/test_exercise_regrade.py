"""`actlab exercise regrade` and the free-text verdict in the terminal, as a user runs them."""

from __future__ import annotations

import json
import sqlite3

from typer.testing import CliRunner

from actlab.cli import app
from actlab.store import Store

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def test_regrade_rewrites_what_an_older_checker_accepted(tmp_path):
    db = tmp_path / "p.sqlite3"
    Store(db)
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO attempts (learner, exercise, answer, status, feedback, created_at, parts, "
                 "checker_version) VALUES ('ana', 'ex3', ?, 'correct', 'A strong answer.', 0, '[]', 1)",
                 (json.dumps(["smooth probabilistic dip bert cost"]),))
    conn.commit()
    conn.close()
    res = run("exercise", "regrade", "--db", str(db), "--json")
    assert res.exit_code == 0, res.stdout
    (change,) = json.loads(res.stdout)["changed"]
    assert change["learner"] == "ana" and (change["old_status"], change["new_status"]) == ("correct", "incorrect")
    progress = json.loads(run("progress", "--learner", "ana", "--db", str(db), "--json").stdout)
    assert progress[0]["best_status"] == "incorrect"
    assert "0 verdicts changed" in run("exercise", "regrade", "--db", str(db)).stdout


def test_free_text_verdict_counts_the_missing_points_without_naming_them():
    res = run("exercise", "check", "3", "--answer", "GELU is smooth everywhere.")
    assert "covered: smooth everywhere" in res.stdout and "5 more key points to find" in res.stdout
    assert "dead" not in res.stdout and "cost" not in res.stdout and "probab" not in res.stdout
