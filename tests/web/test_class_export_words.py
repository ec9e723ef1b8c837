"""The class's CSVs speak the teacher page's words: the grade sheet and the attempt log say "solved", "partly",
"not yet" and "not attempted" where the page says them (they said "incorrect" where the page says "not yet"); the
JSON forms keep the checker's names for scripts."""

from __future__ import annotations

import csv
import io

from actlab.classroom import STATUS_WORDS, status_word
from actlab.exercises.service import check_and_record
from actlab.store import Store
from web.test_class_playground import teacher_for


def test_the_csvs_use_the_pages_words_and_the_json_the_checkers(tmp_path):
    location = tmp_path / "class.sqlite3"
    store = Store(location)
    klass, token = store.create_class("physics 2a")
    for name, answer in (("ana", "0.25"), ("bob", "0.3")):
        store.join(klass.id, name)
        check_and_record(store, name, "ex5", [answer], class_id=klass.id)
    teacher = teacher_for(location, token)
    sheet = list(csv.DictReader(io.StringIO(teacher.get("/api/class/teacher/export.csv").text)))
    assert [(r["learner"], r["ex5"], r["ex1"]) for r in sheet] == [
        ("ana", "solved", "not attempted"), ("bob", "not yet", "not attempted")]
    log = list(csv.DictReader(io.StringIO(teacher.get("/api/class/teacher/attempts?format=csv").text)))
    assert [r["status"] for r in log] == ["solved", "not yet"]
    assert [a["status"] for a in teacher.get("/api/class/teacher/attempts").json()] == ["correct", "incorrect"]


def test_every_status_has_a_word_and_none_is_a_formula_sign():
    for status in STATUS_WORDS:
        assert status_word(status)[:1] not in ("=", "+", "-", "@")  # "-" would be quoted as '- in a spreadsheet
