"""Progress in SQLite: durability, concurrent writers, migrations, the teacher's summary."""

from __future__ import annotations

import json
import multiprocessing as mp
import sqlite3
import subprocess
import sys

import pytest

from actlab.errors import ConfigError
from actlab.exercises import CHECKER_VERSION
from actlab.exercises.loader import exercise_from_dict, load_directory
from actlab.exercises.service import check_and_record, hint_and_record, solution_and_record
from actlab.store import MIGRATIONS, SCHEMA_VERSION, Store


def test_attempts_and_progress_round_trip(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    check_and_record(store, "ana", "ex2", ["0.2^19", "9.54e-7"])
    check_and_record(store, "ana", "ex2", ["1.05e-14", "9.54e-7"])
    hint_and_record(store, "ana", "ex1", 2)
    solution_and_record(store, "ana", "ex1")
    rows = {r.exercise: r for r in store.progress("ana")}
    assert rows["ex2"].attempts == 2 and rows["ex2"].best_status == "correct"
    assert rows["ex1"].hints_seen == 2 and rows["ex1"].solution_seen
    assert store.progress("bob") == []


def test_attempt_survives_a_killed_process(tmp_path):
    db = tmp_path / "p.sqlite3"
    code = (f"import os; from actlab.store import Store; from actlab.exercises.service import check_and_record\n"
            f"check_and_record(Store({str(db)!r}), 'ana', 'ex5', ['0.25'])\n"
            "os._exit(9)  # no clean shutdown, no close()")
    subprocess.run([sys.executable, "-c", code], check=False)
    assert Store(db).progress("ana")[0].best_status == "correct"


def _writer(db: str, learner: str, n: int) -> None:
    store = Store(db)
    for i in range(n):
        check_and_record(store, learner, "ex5", [str(i)])


def test_several_processes_write_at_once(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    Store(db)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(db, f"learner{k}", 30)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    store = Store(db)
    assert sum(len(store.attempts(f"learner{k}")) for k in range(4)) == 120


def test_old_schema_migrates_forward(tmp_path):
    db = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(db)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO attempts (learner, exercise, answer, status, feedback, created_at) "
                 "VALUES ('ana', 'ex5', '[\"0.25\"]', 'correct', 'Correct.', 0)")
    conn.commit()
    conn.close()
    store = Store(db)
    assert store.version == SCHEMA_VERSION
    assert store.progress("ana")[0].best_status == "correct"


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ConfigError, match="newer"):
        Store(db)


@pytest.mark.parametrize("learner", ["", "   ", "x" * 65, "a\x00b", None])
def test_bad_learner_names_are_refused(tmp_path, learner):
    with pytest.raises(ConfigError, match="learner"):
        Store(tmp_path / "p.sqlite3").record_attempt(learner, "ex1", ["1"], {"status": "correct", "feedback": ""})


def test_class_summary_counts_the_commonest_slip(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    for who in ("a", "b", "c"):
        check_and_record(store, who, "ex2", ["0.2^19", "9.54e-7"])
    check_and_record(store, "d", "ex2", ["1.05e-14", "9.54e-7"])
    (row,) = store.class_summary()
    assert row["learners"] == 4 and row["correct_share"] == 0.25
    assert "19 factors" in row["common_feedback"][0]["feedback"] and row["common_feedback"][0]["count"] == 3


def test_teacher_exercise_from_json(tmp_path):
    data = {"key": "t1", "title": "Four sigmoid layers", "prompt": "0.25 per layer, 4 layers?",
            "parts": [{"kind": "number", "label": "product", "expected": "0.25^4",
                       "slips": [{"value": "0.25^3", "feedback": "Four layers, four factors."}]}],
            "hints": ["Multiply."], "solution": "0.25^4 = 0.00390625"}
    (tmp_path / "t1.json").write_text(json.dumps(data))
    (ex,) = load_directory(tmp_path)
    assert ex.check("0.00391").status == "correct"
    assert "four factors" in ex.check("0.25^3").feedback


@pytest.mark.parametrize(("data", "field"), [({"key": "t"}, "title"),
                                             ({"key": "t", "title": "", "prompt": "", "hints": [], "solution": "",
                                               "parts": [{"kind": "essay"}]}, "kind")])
def test_malformed_teacher_exercise_names_the_field(data, field):
    with pytest.raises(ConfigError, match=field):
        exercise_from_dict(data)


def test_class_summary_lists_explained_slips_and_only_counts_the_rest(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    check_and_record(store, "a", "ex2", ["0.2^19", "42"])        # a known slip; a number it cannot explain
    check_and_record(store, "b", "ex2", ["banana", "9.54e-7"])   # unreadable; right
    check_and_record(store, "c", "ex2", ["0.2^19", "7"])
    (row,) = store.class_summary()
    assert [f["count"] for f in row["common_feedback"]] == [2]
    assert "19 factors" in row["common_feedback"][0]["feedback"]
    assert row["unexplained_parts"] == 2 and row["unreadable_parts"] == 1
    assert not any("banana" in f["feedback"] for f in row["common_feedback"])  # a learner's text is not quoted


KEYWORDS = "smooth probabilistic dip bert cost"  # a keyword list the first checker marked correct


def _old_attempt(db, learner: str, exercise: str, answers: list, status: str) -> None:
    """An attempt as the first checker stored it: version 1, its verdict frozen in the row."""
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO attempts (learner, exercise, answer, status, feedback, created_at, parts, "
                 "checker_version) VALUES (?, ?, ?, ?, 'A strong answer.', 0, '[]', 1)",
                 (learner, exercise, json.dumps(answers), status))
    conn.commit()
    conn.close()


def test_an_attempt_keeps_the_checker_version_and_the_points_missed(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    verdict = check_and_record(store, "ana", "ex3", ["GELU is smooth everywhere."])
    assert "missed_keys" not in verdict.to_dict()["parts"][0]  # the learner sees a count, not the points
    (row,) = store.attempts("ana")
    assert row["checker_version"] == CHECKER_VERSION
    (part,) = json.loads(sqlite3.connect(tmp_path / "p.sqlite3").execute("SELECT parts FROM attempts").fetchone()[0])
    assert part["covered_keys"] == ["smooth"] and len(part["missed_keys"]) == 5 and "cost" in part["missed_keys"]


def test_summaries_regrade_older_attempts_as_they_read_them_without_writing(tmp_path):
    db = tmp_path / "p.sqlite3"
    Store(db)
    _old_attempt(db, "ana", "ex3", [KEYWORDS], "correct")
    store = Store(db)
    assert store.progress("ana")[0].best_status == "incorrect"
    (row,) = store.class_summary()
    assert row["correct_share"] == 0 and row["regraded_attempts"] == 1
    assert store.attempts("ana")[0]["status"] == "correct"  # reading wrote nothing


def test_regrade_writes_todays_verdicts_and_lists_the_changes(tmp_path):
    db = tmp_path / "p.sqlite3"
    Store(db)
    _old_attempt(db, "ana", "ex3", [KEYWORDS], "correct")
    _old_attempt(db, "bob", "ex5", ["0.25"], "correct")
    store = Store(db)
    changed = store.regrade()
    assert [(c.learner, c.old_status, c.new_status) for c in changed] == [("ana", "correct", "incorrect")]
    assert {a["checker_version"] for name in ("ana", "bob") for a in store.attempts(name)} == {CHECKER_VERSION}
    assert store.attempts("ana")[0]["status"] == "incorrect"
    assert store.regrade() == []  # nothing older is left


def test_class_summary_counts_key_points_instead_of_listing_free_text_feedback(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    check_and_record(store, "a", "ex3", ["GELU is smooth everywhere."])
    check_and_record(store, "b", "ex3", ["GELU is smooth, and it does not suffer from dead neurons."])
    (row,) = store.class_summary()
    points = {p["key"]: (p["covered"], p["missed"]) for p in row["key_points"]}
    assert points["smooth"] == (2, 0) and points["negative_gradient"] == (1, 1) and points["cost"] == (0, 2)
    assert row["common_feedback"] == []  # "Good start: 1 of the 6 key points" is not a slip


def test_an_attempt_at_a_removed_teacher_exercise_keeps_its_stored_verdict(tmp_path):
    db = tmp_path / "p.sqlite3"
    Store(db)
    _old_attempt(db, "ana", "t9", ["42"], "correct")  # the teacher's t9.json has since been deleted
    store = Store(db)
    assert store.regrade() == [] and store.progress("ana")[0].best_status == "correct"
    assert store.attempts("ana")[0]["checker_version"] == 1  # not re-graded: nothing to grade it with
