"""JSON exports write names and answers as typed (issue 16, brief C10 item 3): `actlab class export --format json`
(the grade sheet and --log), the teacher page's attempt log JSON and the class commands' --json said 'J\\u00fcrgen'
for Jürgen and '\\ud83c\\udf93' for an emoji; a teacher opening the file read escapes. Now UTF-8, still valid JSON.
A lone surrogate in an answer (half of an emoji, which a broken paste sends as JSON "\\ud800") stays an escape in
the JSON, which UTF-8 cannot write otherwise, and the CSV log, whose download failed on it with a server error,
shows U+FFFD."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from actlab.exercises.service import check_and_record
from actlab.store import Store
from actlab.web.app import create_app
from cli._class_cli import run
from databases import BACKENDS, database

CLASS = "Physik für Jürgen 🎓"
NAMES = ("Jürgen", "Zoë 🙂")


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    """(location, class, token): two learners with non-ASCII names, each with one answer."""
    with database(request.param, tmp_path) as location:
        store = Store(location)
        klass, token = store.create_class(CLASS)
        for name in NAMES:
            store.join(klass.id, name)
        check_and_record(store, "Jürgen", "ex2", ["0.2^19", "9.54 × 10^-7"], class_id=klass.id)
        check_and_record(store, "Zoë 🙂", "ex5", ["0.25"], class_id=klass.id)
        yield location, klass, token


def _typed(text: str) -> None:
    """Every name appears as typed and none as an escape."""
    for shown in (*NAMES, "Jürgen", "🙂"):
        assert shown in text
    assert "\\u00fc" not in text and "\\ud83d" not in text and "\\u00eb" not in text


def test_the_cli_json_exports_write_names_as_typed(lab, tmp_path):
    location, _, _ = lab
    sheet = run("class", "export", CLASS, "--format", "json", "--db", str(location))
    assert sheet.exit_code == 0, sheet.output
    _typed(sheet.stdout)
    assert [r["learner"] for r in json.loads(sheet.stdout)] == list(NAMES)
    log = run("class", "export", CLASS, "--log", "--format", "json", "--db", str(location))
    _typed(log.stdout)
    assert "9.54 × 10^-7" in log.stdout and "\\u00d7" not in log.stdout
    assert [(a["learner"], a["answer"]) for a in json.loads(log.stdout)] == [
        ("Jürgen", ["0.2^19", "9.54 × 10^-7"]), ("Zoë 🙂", ["0.25"])]
    out = tmp_path / "sheet.json"  # --output writes UTF-8 bytes
    assert run("class", "export", CLASS, "--format", "json", "--db", str(location), "-o", str(out)).exit_code == 0
    assert "Zoë 🙂".encode() in out.read_bytes()
    listed = run("class", "list", "--json", "--db", str(location))
    assert CLASS in listed.stdout and json.loads(listed.stdout)[0]["name"] == CLASS


def test_the_teacher_pages_json_downloads_write_names_as_typed(lab):
    location, _, token = lab
    teacher = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    teacher.headers["Authorization"] = f"Bearer {token}"
    for url in ("/api/class/teacher/attempts?format=json", "/api/class/teacher/learners"):
        res = teacher.get(url)
        assert res.status_code == 200
        _typed(res.content.decode("utf-8"))
    assert [a["learner"] for a in teacher.get("/api/class/teacher/attempts").json()] == list(NAMES)


def test_a_lone_surrogate_in_an_answer_keeps_every_export_readable(tmp_path):
    with database("sqlite", tmp_path) as location:
        klass, token = Store(location).create_class(CLASS)
        client = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
        assert client.post("/api/class/join", json={"code": klass.code, "name": "Jürgen"}).status_code == 200
        sent = client.post("/api/exercises/ex5/check", content=b'{"answers": ["0.25\\ud83d"]}',
                           headers={"content-type": "application/json"})
        assert sent.status_code == 200
        teacher = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
        teacher.headers["Authorization"] = f"Bearer {token}"
        as_json = teacher.get("/api/class/teacher/attempts?format=json")
        assert as_json.status_code == 200 and "\\ud83d" not in as_json.text and "Jürgen" in as_json.text
        assert as_json.json()[0]["answer"] == ["0.25\ufffd"]  # stored with U+FFFD for the half (brief C11 item 10)
        as_csv = teacher.get("/api/class/teacher/attempts?format=csv")  # was a server error (UnicodeEncodeError)
        assert as_csv.status_code == 200
        assert next(csv.DictReader(io.StringIO(as_csv.text)))["answer"] == '["0.25\ufffd"]'
        cli = run("class", "export", CLASS, "--log", "--format", "json", "--db", str(location))
        assert cli.exit_code == 0 and json.loads(cli.stdout)[0]["answer"] == ["0.25\ufffd"]
