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
        res = run(160, "exercise", "check", "1", *args, "--learner", who, "--class", "physics 2a", "--join", "--db", db)
        assert res.exit_code == 0, res.output
    assert run(160, "exercise", "check", "5", "--solution", "--learner", "cy", "--class", "physics 2a", "--join",
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


def test_columns_200_in_a_pipe_keeps_the_wide_table_when_the_cells_wrap(tmp_path):
    """Brief C2 item 12: `COLUMNS=200 actlab progress --class X | cat` on a class whose cells say "not yet, 1 try,
    hint 1" on seven exercises (wider than 200 unwrapped) printed one line per learner and exercise."""
    db = str(tmp_path / "class.sqlite3")
    assert run(160, "class", "create", "physics 2a", "--db", db).exit_code == 0
    for who in ("ana", "bob"):
        for ex in ("1", "2", "3", "4", "6", "7", "8"):
            base = ["exercise", "check", ex, "--learner", who, "--class", "physics 2a", "--join", "--db", db]
            assert run(160, *base, "--answer", "7").exit_code in (0, 1)
            assert run(160, *base, "--hint", "1").exit_code == 0
    res = run(200, "progress", "--class", "physics 2a", "--db", db)
    assert res.exit_code == 0, res.output
    assert "solution seen" in res.stdout and "ex10" in res.stdout, res.stdout  # a column per exercise
    assert "hints / solution" not in res.stdout and "…" not in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 200
    narrow = run(80, "progress", "--class", "physics 2a", "--db", db)
    assert "hints / solution" in narrow.stdout  # an 80-column terminal still gets a line per learner and exercise
