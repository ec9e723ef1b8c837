"""`actlab progress --class` on an 80-column terminal: the wide table (a column per exercise) cut every cell and
heading to "par…" and "lea…"; a narrow terminal gets one line per learner and exercise touched, every heading and
status whole, in the teacher page's words. A wide terminal keeps the wide table."""

from __future__ import annotations

from typer.testing import CliRunner

from actlab.cli import app

runner = CliRunner()


def run(columns: int, *args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": str(columns)})


def class_of_three(db: str) -> None:
    assert run(160, "class", "create", "physics 2a", "--db", db).exit_code == 0
    for who, answers in (("ana", ("1", "0", "0")), ("bob", ("1", "0", "undefined")), ("cy", ("5", "1", "2"))):
        args = [a for answer in answers for a in ("--answer", answer)]
        res = run(160, "exercise", "check", "1", *args, "--learner", who, "--class", "physics 2a", "--db", db)
        assert res.exit_code == 0, res.output
    assert run(160, "exercise", "check", "5", "--solution", "--learner", "cy", "--class", "physics 2a",
               "--db", db).exit_code == 0


def test_an_80_column_terminal_shows_every_heading_and_status_whole(tmp_path):
    db = str(tmp_path / "class.sqlite3")
    class_of_three(db)
    res = run(80, "progress", "--class", "physics 2a", "--db", db)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in res.stdout
    for heading in ("learner", "exercise", "status", "tries", "hints / solution"):
        assert heading in res.stdout
    rows = {tuple(cell.strip() for cell in line.strip("│").split("│")) for line in lines if line.startswith("│")}
    assert ("ana", "ex1", "partly", "1", "-") in rows
    assert ("bob", "ex1", "solved", "1", "-") in rows
    assert ("cy", "ex1", "not yet", "1", "-") in rows
    assert ("cy", "ex5", "not attempted", "0", "solution before solving") in rows
    assert "nobody has started ex2, ex3" in res.stdout


def test_a_wide_terminal_keeps_a_column_per_exercise(tmp_path):
    db = str(tmp_path / "class.sqlite3")
    class_of_three(db)
    res = run(200, "progress", "--class", "physics 2a", "--db", db)
    assert res.exit_code == 0, res.output
    assert "solution seen before solving" in res.stdout and "ex10" in res.stdout and "partly, 1 try" in res.stdout
