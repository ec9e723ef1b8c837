"""A learner's tries (issue 16, brief C7 item 1): one count, store.Tries, for every face that shows it (the teacher's
table and its JSON, the CSV export from the page and from `actlab class export`, the JSON export, `actlab progress
--class`, the class summary, and the learner's own progress). A try is a graded answer up to and including the first
right one; answers the checker could not read, and answers sent after solving, are counted apart. The figures were
every stored answer: an unreadable typo and a right answer checked again were "tries".

The hand-counted log, exercise 5 (right answer 0.25):
  Ana: 0.5 (wrong), abc (unreadable), 0.25 (right), 1/4 (right again)  -> 2 tries, 1 unreadable, 1 after solving
  Bob: xyz (unreadable)                                                 -> 0 tries, 1 unreadable
  Cy:  0.5 (wrong), 0.3 (wrong)                                         -> 2 tries
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from actlab.classroom import Cell, cell_text, export_table, learner_rows
from actlab.store import Store, Tries
from actlab.web.app import create_app
from cli._class_cli import run
from databases import BACKENDS, database

LOG = (("Ana", "0.5"), ("Ana", "abc"), ("Ana", "0.25"), ("Ana", "1/4"), ("Bob", "xyz"), ("Cy", "0.5"), ("Cy", "0.3"))
# learner -> (status, tries, unreadable, after solving), counted by hand from LOG
EXPECTED = {"Ana": ("correct", 2, 1, 1), "Bob": ("unreadable", 0, 1, 0), "Cy": ("incorrect", 2, 0, 0)}
WORDS = {"Ana": "solved, 2 tries, 1 unreadable, 1 more after solving",
         "Bob": "no readable answer yet, 1 unreadable", "Cy": "not yet, 2 tries"}


def test_the_one_count_on_a_hand_counted_log():
    counted = Tries()
    for status in ("incorrect", "unreadable", "correct", "correct", "incorrect"):
        counted.add(status)
    assert (counted.tries, counted.unreadable, counted.after_solving, counted.answers) == (2, 1, 2, 5)
    empty = Tries()
    empty.add("not_attempted")  # an empty answer is no try either
    assert (empty.tries, empty.unreadable) == (0, 1)


def test_the_cell_words_name_what_the_tries_leave_out():
    assert cell_text(Cell("correct", 2, 1, 1)) == WORDS["Ana"]
    assert cell_text(Cell("unreadable", 0, 1, 0)) == WORDS["Bob"]
    assert cell_text(Cell("correct", 1, 0, 2, hints=1)) == "solved, 1 try, 2 more after solving, hint 1"


@pytest.fixture(params=BACKENDS)
def answered(request, tmp_path):
    """A class whose three learners joined in the browser and answered LOG; (location, class, teacher token)."""
    with database(request.param, tmp_path) as location:
        klass, token = Store(location).create_class("physics 2a")
        app = create_app(db_path=location, allow_hosts=("testserver",))
        learners = {}
        for name in EXPECTED:
            learners[name] = TestClient(app)
            assert learners[name].post("/api/class/join", json={"code": klass.code, "name": name}).status_code == 200
        for name, answer in LOG:
            res = learners[name].post("/api/exercises/ex5/check", json={"answers": [answer]})
            assert res.status_code == 200, res.text
        yield location, klass, token, learners


def test_every_face_counts_the_tries_alike(answered):
    location, klass, token, learners = answered
    store = Store(location)
    # the core: the teacher's rows and the learner's progress
    cells = {r.learner: r.cells["ex5"] for r in learner_rows(store, klass.id)}
    assert {n: (c.status, c.attempts, c.unreadable, c.after_solving) for n, c in cells.items()} == EXPECTED
    assert {n: cell_text(c) for n, c in cells.items()} == WORDS
    for name, (status, tries, unreadable, after) in EXPECTED.items():
        (row,) = store.progress(name, class_id=klass.id)
        assert (row.best_status, row.attempts, row.unreadable, row.after_solving, row.answers) == (
            status, tries, unreadable, after, tries + unreadable + after)
    # the learner's own progress, through the API
    (mine,) = learners["Ana"].get("/api/progress").json()
    assert (mine["attempts"], mine["unreadable"], mine["after_solving"], mine["answers"]) == (2, 1, 1, 4)
    # the teacher's table as JSON, and the summary beside it
    teacher = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    teacher.headers["Authorization"] = f"Bearer {token}"
    view = teacher.get("/api/class/teacher/learners").json()
    got = {r["learner"]: r["exercises"]["ex5"] for r in view["rows"]}
    assert {n: (c["status"], c["attempts"], c["unreadable"], c["after_solving"]) for n, c in got.items()} == EXPECTED
    (ex5,) = [s for s in view["summary"] if s["exercise"] == "ex5"]
    assert (ex5["attempts"], ex5["unreadable_answers"], ex5["after_solving"]) == (4, 2, 1)
    # the CSV from the page, the CLI's CSV and JSON, and export_table: the same figures
    page_csv = list(csv.DictReader(io.StringIO(teacher.get("/api/class/teacher/export.csv").text)))
    cli_csv = list(csv.DictReader(io.StringIO(run("class", "export", "physics 2a", "--db", str(location)).stdout)))
    cli_json = json.loads(run("class", "export", "physics 2a", "--db", str(location), "--format", "json").stdout)
    header, body = export_table(store, klass.id)
    sheet = [dict(zip(header, line, strict=True)) for line in body]
    for rows in (page_csv, cli_csv, cli_json, sheet):
        assert {r["learner"]: (int(r["ex5_attempts"]), int(r["ex5_unreadable"]), int(r["ex5_after_solving"]))
                for r in rows} == {n: e[1:] for n, e in EXPECTED.items()}
    # `actlab progress --class` (the wide table, and a narrow terminal's line per exercise)
    wide = run("progress", "--class", "physics 2a", "--db", str(location), columns=250).stdout
    assert all(words in wide for words in WORDS.values()), wide
    narrow = run("progress", "--class", "physics 2a", "--db", str(location), columns=80).stdout
    assert "2, 1 unreadable, 1 more" in narrow and "0, 1 unreadable" in narrow, narrow
