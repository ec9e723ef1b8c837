"""`actlab progress --learner` counts tries the way the teacher's table does (store.Tries): a wrong, an unreadable,
a right and a second right answer are 2 tries, 1 unreadable, 1 after solving, in the table and in --json."""
import json

from ._class_cli import run


def _answer_four_times(db):
    for answer in ("0.5", "banana", "0.25", "1/4"):  # wrong, unreadable, right, right again
        assert run("exercise", "check", "ex5", "-a", answer, "--learner", "ana", "--db", db).exit_code in (0, 1)


def test_the_table_shows_tries_unreadable_and_after_solving_apart(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    _answer_four_times(db)
    res = run("progress", "--learner", "ana", "--db", db, columns=160)
    assert res.exit_code == 0, res.stdout + res.stderr
    header = next(line for line in res.stdout.splitlines() if "exercise" in line)
    row = next(line for line in res.stdout.splitlines() if "ex5" in line)
    cells = [c.strip() for c in row.strip("│┃ ").split("│")]
    names = [c.strip() for c in header.strip("│┃ ").split("┃")]
    got = dict(zip(names, cells, strict=True))
    assert (got["tries"], got["unreadable"], got["after solving"]) == ("2", "1", "1"), got


def test_json_carries_the_same_counts(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    _answer_four_times(db)
    rows = json.loads(run("progress", "--learner", "ana", "--db", db, "--json").stdout)
    assert (rows[0]["attempts"], rows[0]["unreadable"], rows[0]["after_solving"], rows[0]["answers"]) == (2, 1, 1, 4)
