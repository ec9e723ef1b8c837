"""`actlab class ...` and `actlab exercise check --class`, as a teacher and a learner's script run them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from actlab.classroom import status_word
from actlab.cli import app
from actlab.store import Store, hash_token
from databases import BACKENDS, database, postgres_schema

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    with database(request.param, tmp_path) as location:
        yield location


def create(db: str, name: str = "physics") -> dict:
    res = run("class", "create", name, "--db", db, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_create_prints_the_token_once_and_the_store_keeps_its_hash(db):
    made = create(db)
    assert set(made) == {"name", "code", "teacher_token"} and made["name"] == "physics"
    store = Store(db)
    assert store.class_for_token(made["teacher_token"]).code == made["code"]
    assert [r[0] for r in store.db.execute("SELECT token_hash FROM classes")] == [hash_token(made["teacher_token"])]


def test_check_with_a_class_records_into_it_and_the_export_has_one_row_per_learner(db):
    made = create(db)
    for who, answer in (("ana", "0.25"), ("bob", "0.3"), ("bob", "0.25"), ("cy", "0.3")):
        res = run("exercise", "check", "5", "--answer", answer, "--learner", who, "--class", made["code"], "--join",
                  "--db", db,
                  "--json")
        assert res.exit_code == 0, res.output
    assert "rejoin code" in run("exercise", "check", "1", "--hint", "1", "--learner", "dee", "--class", "physics",
                                "--join", "--db", db).stderr
    res = run("class", "export", "physics", "--db", db)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["learner"] for r in rows] == ["ana", "bob", "cy", "dee"]
    assert [r["ex5"] for r in rows] == ["solved", "solved", "not yet", "not attempted"]  # the teacher page's words
    as_json = json.loads(run("class", "export", "physics", "--db", db, "--format", "json").stdout)
    assert [r["ex5"] for r in as_json] == ["correct", "correct", "incorrect", "not_attempted"]  # the checker's names
    assert rows[1]["ex5_attempts"] == "2" and rows[3]["ex1_hints"] == "1" and rows[3]["ex1_solution_seen"] == "0"


def test_the_attempt_log_exports_as_json(db):
    made = create(db)
    run("exercise", "check", "5", "--answer", "0.25", "--learner", "ana", "--class", made["code"], "--join", "--db", db)
    res = run("class", "export", made["code"], "--db", db, "--log", "--format", "json")
    (entry,) = json.loads(res.stdout)
    assert (entry["learner"], entry["exercise"], entry["answer"], entry["status"]) == ("ana", "ex5", ["0.25"],
                                                                                        "correct")


def test_an_unknown_class_and_a_format_are_one_line_errors(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    create(db)
    res = run("class", "export", "chemistry", "--db", db)
    assert res.exit_code == 2 and "physics" in res.output and "Traceback" not in res.output
    res = run("class", "export", "physics", "--db", db, "--format", "xml")
    assert res.exit_code == 2 and "csv or json" in res.output


def test_a_learner_name_that_looks_like_a_formula_is_exported_as_text(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    made = create(db)
    run("exercise", "check", "5", "--answer", "1", "--learner", "=HYPERLINK(1)", "--class", made["code"], "--join",
        "--db", db)
    assert "'=HYPERLINK(1)" in run("class", "export", "physics", "--db", db).stdout


def test_forget_removes_one_learner(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    made = create(db)
    for who in ("ana", "bob"):
        run("exercise", "check", "5", "--answer", "0.25", "--learner", who, "--class", made["code"], "--join",
            "--db", db)
    res = run("class", "forget", "physics", "ana", "--db", db, "--yes")
    assert res.exit_code == 0 and "1 attempt and" in res.output
    assert [x.name for x in Store(db).learners(1)] == ["bob"]


def test_token_rotate_replaces_the_token_and_without_rotate_says_why(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    old = create(db)["teacher_token"]
    assert run("class", "token", "physics", "--db", db).exit_code == 2
    new = json.loads(run("class", "token", "physics", "--rotate", "--db", db, "--json").stdout)["teacher_token"]
    store = Store(db)
    assert store.class_for_token(new) is not None and store.class_for_token(old) is None


def test_copy_moves_an_sqlite_store_into_postgresql_keeping_ids_and_tokens(tmp_path):
    source = str(tmp_path / "p.sqlite3")
    made = create(source)
    for who in ("ana", "bob"):
        run("exercise", "check", "5", "--answer", "0.25", "--learner", who, "--class", made["code"], "--join",
            "--db", source)
    run("exercise", "check", "5", "--answer", "0.3", "--learner", "local", "--db", source)  # no class: the local lab
    key = Store(source).secret()  # the cookies' signing key, made by the first lab that served the file
    with postgres_schema() as url:
        res = run("class", "copy", "--from", source, "--to", url)
        assert res.exit_code == 0, res.output
        assert "***" in res.output and "postgres:postgres" not in res.output  # the password is not printed
        copied, original = Store(url), Store(source)
        assert copied.class_for_token(made["teacher_token"]).code == made["code"]
        assert copied.secret() == key
        assert copied.class_summary(1) == original.class_summary(1)
        assert copied.progress("local") == original.progress("local")
        copied.create_class("after the copy")  # the id sequences moved past the copied rows
        assert run("class", "copy", "--from", source, "--to", url).exit_code == 2  # not into a full store


def test_a_lab_on_a_network_address_needs_a_class_or_allow_remote(tmp_path, monkeypatch):
    import uvicorn

    monkeypatch.setattr(uvicorn.Server, "run", lambda self: None)  # started, not served
    monkeypatch.setattr("actlab.cli.lab._one_blas_thread", lambda: None)
    for name in ("ACTLAB_DB", "ACTLAB_MAX_LAYERS", "ACTLAB_MAX_WIDTH"):  # lab sets them; restored after
        monkeypatch.setenv(name, "")
    db = str(tmp_path / "p.sqlite3")
    res = run("lab", "--host", "0.0.0.0", "--db", db, "--no-browser")
    assert res.exit_code == 2 and "actlab class create" in res.output
    create(db)
    res = run("lab", "--host", "0.0.0.0", "--db", db, "--no-browser")
    assert res.exit_code == 0 and "class mode" in res.output


def test_archive_closes_the_class_to_joining_and_undo_opens_it(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    made = create(db)
    assert run("class", "archive", "physics", "--db", db).exit_code == 0
    store = Store(db)
    assert store.get_class("physics").archived and store.class_for_token(made["teacher_token"]).archived
    assert run("class", "archive", "physics", "--undo", "--db", db).exit_code == 0
    assert not Store(db).get_class("physics").archived


def test_rename_merge_and_reset_from_the_command_line(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    made = create(db)
    for who in ("ana", "ana2"):
        run("exercise", "check", "5", "--answer", "0.25", "--learner", who, "--class", made["code"], "--join",
            "--db", db)
    assert run("class", "merge", "physics", "ana2", "ana", "--db", db, "--yes").exit_code == 0
    assert run("class", "rename", "physics", "ana", "Ana B.", "--db", db).exit_code == 0
    assert run("class", "rename", "physics", "nobody", "x", "--db", db).exit_code == 2
    rows = list(csv.DictReader(io.StringIO(run("class", "export", "physics", "--db", db).stdout)))
    # the two right answers merged: the first is the one try, the second came after solving (store.Tries)
    assert [(r["learner"], r["ex5_attempts"], r["ex5_after_solving"]) for r in rows] == [("Ana B.", "1", "1")]
    assert "2 attempts" in run("class", "reset", "physics", "--yes", "--db", db).output


def test_progress_of_a_class_agrees_with_the_export_row_for_row(db):
    """`actlab progress --class`: one row per learner with the page's words, the same figures as the export,
    and the exercises whose solution was seen before solving (cy opened ex5's before any answer)."""
    made = create(db)
    for who, answer in (("ana", "0.3"), ("ana", "0.25"), ("bob", "0.3")):
        assert run("exercise", "check", "5", "--answer", answer, "--learner", who, "--class", "physics", "--join",
                   "--db", db).exit_code == 0
    assert run("exercise", "check", "5", "--solution", "--learner", "cy", "--class", "physics", "--join", "--db", db,
               ).exit_code == 0
    assert run("exercise", "check", "5", "--answer", "0.25", "--learner", "cy", "--class", "physics", "--join",
               "--db", db).exit_code == 0
    res = run("progress", "--class", made["code"], "--db", db, "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    export = list(csv.DictReader(io.StringIO(run("class", "export", "physics", "--db", db).stdout)))
    assert [r["learner"] for r in rows] == [r["learner"] for r in export] == ["ana", "bob", "cy"]
    for row, line in zip(rows, export, strict=True):
        cell = row["exercises"]["ex5"]
        assert (status_word(cell["status"]), str(cell["attempts"]), str(int(cell["solution_before_solving"]))) == (
            line["ex5"], line["ex5_attempts"], line["ex5_solution_before_solving"])
    assert [r["solution_before_solving"] for r in rows] == [[], [], ["ex5"]]
    table = run("progress", "--class", "physics", "--db", db).stdout
    assert "solved, 2 tries" in table and "not yet, 1 try" in table and "saw the solution first" in table
    (one,) = json.loads(run("progress", "--class", "physics", "--learner", "BOB", "--db", db, "--json").stdout)
    assert one["learner"] == "bob"


def test_progress_names_what_is_missing(db):
    create(db)
    res = run("progress", "--class", "nope", "--db", db)
    assert res.exit_code != 0 and "no class named or coded 'nope'" in res.output
    res = run("progress", "--class", "physics", "--learner", "zed", "--db", db)
    assert res.exit_code != 0 and "nobody named 'zed' in physics" in res.output
    res = run("progress", "--db", db)
    assert res.exit_code != 0 and "--learner NAME is needed" in res.output


def test_class_playground_saves_a_links_settings_and_pins_that_the_lab_then_holds(db):
    from fastapi.testclient import TestClient

    from actlab.web.app import create_app

    made = create(db)
    res = run("class", "playground", "physics", "--link",
              "http://127.0.0.1:8765/playground?dataset=xor&layers=3,2&activations=relu&lr=0.1&noise=10&hide=lr",
              "--set", "epochs_per_frame=5", "--pin", "dataset,layers", "--pin", "lr", "--db", db, "--json")
    assert res.exit_code == 0, res.output
    saved = json.loads(res.stdout)
    assert saved["pinned"] == ["dataset", "layers", "lr"]
    assert {k: saved["config"][k] for k in ("dataset", "layers", "lr", "noise", "epochs_per_frame")} == {
        "dataset": "xor", "layers": [3, 2], "lr": 0.1, "noise": 0.1, "epochs_per_frame": 5}
    assert "pinned" in run("class", "playground", "physics", "--db", db).stdout
    learner = TestClient(create_app(db_path=db, allow_hosts=("testserver",)))
    assert learner.post("/api/class/join", json={"code": made["code"], "name": "ana"}).status_code == 200
    with learner.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"layers": [8]}}))
        err = json.loads(ws.receive_text())
        assert err["type"] == "error" and err["field"] == "layers"
    assert json.loads(run("class", "playground", "physics", "--clear", "--db", db, "--json").stdout) == {
        "config": {}, "pinned": []}


@pytest.mark.parametrize(("args", "needle"), [
    (["--pin", "bogus"], "unknown setting 'bogus'"),
    (["--set", "lr"], "KEY=VALUE"),
    (["--set", "lr=-5x"], "lr:"),
    (["--link", "/playground?batch=many"], "batch_size: the link's batch='many'"),
])
def test_class_playground_names_what_it_refuses(db, args, needle):
    create(db)
    res = run("class", "playground", "physics", *args, "--db", db)
    assert res.exit_code != 0 and needle in res.output, res.output
