"""The attempt-log CSV writes answers' characters as typed (issue 16, brief C9 item 5, teacher walkthrough W8): an
answer " 9.54 × 10^-7 " was written '"" 9.54 \\u00d7 10^-7 ""', which a teacher cannot read, while the name column
already kept its characters. The spreadsheet-formula guard still holds. `class export --log` and the teacher's
/api/class/teacher/attempts?format=csv; SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from actlab.classroom import to_csv
from actlab.store import Store
from actlab.web.app import create_app
from cli._class_cli import run
from databases import BACKENDS, database

ANSWER = ["1.0486E-14", " 9.54 × 10^-7 "]


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        store = Store(location)
        klass, token = store.create_class("physics 2a")
        store.join(klass.id, "Zoë")
        store.record_attempt("Zoë", "ex6", ANSWER, {"status": "incorrect", "feedback": "", "parts": []},
                             class_id=klass.id)
        yield location, klass, token


def _answer_cells(text: str) -> list[str]:
    return [row["answer"] for row in csv.DictReader(io.StringIO(text))]


def test_the_log_csv_keeps_the_characters_as_typed(lab):
    location, klass, token = lab
    res = run("class", "export", "physics 2a", "--log", "--db", str(location))
    assert res.exit_code == 0, res.output
    assert '"[""1.0486E-14"", "" 9.54 × 10^-7 ""]"' in res.output and "\\u00d7" not in res.output
    assert _answer_cells(res.output) == ['["1.0486E-14", " 9.54 × 10^-7 "]']
    teacher = TestClient(create_app(db_path=location, allow_hosts=("testserver",)),
                         headers={"Authorization": f"Bearer {token}"})
    api = teacher.get("/api/class/teacher/attempts", params={"format": "csv"})
    assert api.status_code == 200 and _answer_cells(api.text) == ['["1.0486E-14", " 9.54 × 10^-7 "]']
    assert "Zoë" in api.text


def test_the_formula_guard_still_holds():
    text = to_csv(["learner", "answer"], [["=HYPERLINK(\"x\")", ["=1+1", "é"]], ["@Ünal", ["ü"]]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["'=HYPERLINK(\"x\")", '["=1+1", "é"]'] and rows[2] == ["'@Ünal", '["ü"]']
