"""Progress and classes in the store, on SQLite and on PostgreSQL: durability, concurrent writers, migrations,
classes and learners, idempotent attempts, the teacher's summary counted by learner."""

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
from actlab.store import CODE_ALPHABET, SCHEMA_VERSION, Store, WrongRejoinCode, hash_token, migration_statements
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    """An empty database on each backend: a file path or a postgresql:// URL."""
    with database(request.param, tmp_path) as location:
        yield location


def test_attempts_and_progress_round_trip(db):
    store = Store(db)
    check_and_record(store, "ana", "ex2", ["0.2^19", "9.54e-7"])
    check_and_record(store, "ana", "ex2", ["1.05e-14", "9.54e-7"])
    hint_and_record(store, "ana", "ex1", 2)
    solution_and_record(store, "ana", "ex1")
    rows = {r.exercise: r for r in store.progress("ana")}
    assert rows["ex2"].attempts == 2 and rows["ex2"].best_status == "correct"
    assert rows["ex1"].hints_seen == 2 and rows["ex1"].solution_seen
    assert store.progress("bob") == []


def test_attempt_survives_a_killed_process(db):
    code = (f"import os; from actlab.store import Store; from actlab.exercises.service import check_and_record\n"
            f"check_and_record(Store({str(db)!r}), 'ana', 'ex5', ['0.25'])\n"
            "os._exit(9)  # no clean shutdown, no close()")
    subprocess.run([sys.executable, "-c", code], check=False)
    assert Store(db).progress("ana")[0].best_status == "correct"


def _writer(db: str, learner: str, n: int) -> None:
    store = Store(db)
    for i in range(n):
        check_and_record(store, learner, "ex5", [str(i)])


def test_several_processes_write_at_once(db):
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
    conn.executescript(";".join(migration_statements(0, "sqlite")))
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
def test_bad_learner_names_are_refused(db, learner):
    with pytest.raises(ConfigError, match="learner"):
        Store(db).record_attempt(learner, "ex1", ["1"], {"status": "correct", "feedback": ""})


def test_class_summary_counts_the_commonest_slip(db):
    store = Store(db)
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


def test_class_summary_lists_explained_slips_and_only_counts_the_rest(db):
    store = Store(db)
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
    Store(db).db.execute("INSERT INTO attempts (learner, exercise, answer, status, feedback, created_at, parts, "
                         "checker_version) VALUES (?, ?, ?, ?, 'A strong answer.', 0, '[]', 1)",
                         (learner, exercise, json.dumps(answers), status))


def test_an_attempt_keeps_the_checker_version_and_the_points_missed(db):
    store = Store(db)
    verdict = check_and_record(store, "ana", "ex3", ["GELU is smooth everywhere."])
    assert "missed_keys" not in verdict.to_dict()["parts"][0]  # the learner sees a count, not the points
    (row,) = store.attempts("ana")
    assert row["checker_version"] == CHECKER_VERSION
    (part,) = json.loads(store.db.execute("SELECT parts FROM attempts")[0][0])
    assert part["covered_keys"] == ["smooth"] and len(part["missed_keys"]) == 5 and "cost" in part["missed_keys"]


def test_summaries_regrade_older_attempts_as_they_read_them_without_writing(db):
    _old_attempt(db, "ana", "ex3", [KEYWORDS], "correct")
    store = Store(db)
    assert store.progress("ana")[0].best_status == "incorrect"
    (row,) = store.class_summary()
    assert row["correct_share"] == 0 and row["regraded_attempts"] == 1
    assert store.attempts("ana")[0]["status"] == "correct"  # reading wrote nothing


def test_regrade_writes_todays_verdicts_and_lists_the_changes(db):
    _old_attempt(db, "ana", "ex3", [KEYWORDS], "correct")
    _old_attempt(db, "bob", "ex5", ["0.25"], "correct")
    store = Store(db)
    changed = store.regrade()
    assert [(c.learner, c.old_status, c.new_status) for c in changed] == [("ana", "correct", "incorrect")]
    assert {a["checker_version"] for name in ("ana", "bob") for a in store.attempts(name)} == {CHECKER_VERSION}
    assert store.attempts("ana")[0]["status"] == "incorrect"
    assert store.regrade() == []  # nothing older is left


def test_class_summary_counts_key_points_instead_of_listing_free_text_feedback(db):
    store = Store(db)
    check_and_record(store, "a", "ex3", ["GELU is smooth everywhere."])
    check_and_record(store, "b", "ex3", ["GELU is smooth, and it does not suffer from dead neurons."])
    (row,) = store.class_summary()
    points = {p["key"]: (p["covered"], p["missed"]) for p in row["key_points"]}
    assert points["smooth"] == (2, 0) and points["negative_gradient"] == (1, 1) and points["cost"] == (0, 2)
    assert row["common_feedback"] == []  # "Good start: 1 of the 6 key points" is not a slip


def test_an_attempt_at_a_removed_teacher_exercise_keeps_its_stored_verdict(db):
    _old_attempt(db, "ana", "t9", ["42"], "correct")  # the teacher's t9.json has since been deleted
    store = Store(db)
    assert store.regrade() == [] and store.progress("ana")[0].best_status == "correct"
    assert store.attempts("ana")[0]["checker_version"] == 1  # not re-graded: nothing to grade it with


# -- classes ---------------------------------------------------------------------------------------------------


def test_a_class_keeps_only_the_hash_of_its_teacher_token(db):
    store = Store(db)
    klass, token = store.create_class("physics 2a")
    assert len(klass.code) == 6 and set(klass.code) <= set(CODE_ALPHABET)
    (stored,) = store.db.execute("SELECT token_hash FROM classes")
    assert stored[0] == hash_token(token) and token not in stored[0]
    assert store.class_for_token(token) == klass
    assert store.class_for_token(token + "x") is None and store.class_for_token("") is None


def test_a_rotated_token_replaces_the_old_one(db):
    store = Store(db)
    klass, old = store.create_class("physics")
    new = store.rotate_token(klass.id)
    assert store.class_for_token(new) == klass and store.class_for_token(old) is None


def test_a_class_is_found_by_name_or_by_its_code_as_typed(db):
    store = Store(db)
    klass, _ = store.create_class("physics")
    code = klass.code
    assert store.find_class("physics") == klass
    assert store.find_class(f" {code[:3].lower()}-{code[3:].lower()} ") == klass
    with pytest.raises(ConfigError, match="physics"):
        store.get_class("chemistry")  # the error lists the classes there are


def test_a_second_class_with_the_same_name_is_refused(db):
    store = Store(db)
    store.create_class("physics")
    with pytest.raises(ConfigError, match="exists"):
        store.create_class("physics")


def test_a_display_name_is_unique_in_its_class_and_a_rejoin_needs_the_personal_code(db):
    store = Store(db)
    a, _ = store.create_class("a")
    b, _ = store.create_class("b")
    ana, code = store.join(a.id, "Ana")
    assert len(code) == 6
    with pytest.raises(ConfigError, match="taken"):
        store.join(a.id, "ana")  # names compare case-folded
    with pytest.raises(WrongRejoinCode, match="rejoin_code: that is not the one 'Ana'"):
        store.join(a.id, "Ana", "WRONG1")  # the name is right, the code is not: said as such
    again, no_new_code = store.join(a.id, "ANA", code.lower())
    assert again == ana and no_new_code is None
    assert store.join(b.id, "Ana")[0].class_id == b.id  # another class, another Ana


def test_attempts_and_events_carry_their_class_and_classes_stay_apart(db):
    store = Store(db)
    a, _ = store.create_class("a")
    b, _ = store.create_class("b")
    check_and_record(store, "ana", "ex5", ["0.25"], class_id=a.id)
    check_and_record(store, "ana", "ex5", ["0.3"], class_id=b.id)
    hint_and_record(store, "ana", "ex5", 1, class_id=b.id)
    check_and_record(store, "ana", "ex5", ["0.3"])  # the local lab, no class
    assert [r.best_status for r in store.progress("ana", class_id=a.id)] == ["correct"]
    (row_b,) = store.progress("ana", class_id=b.id)
    assert row_b.best_status != "correct" and row_b.hints_seen == 1
    assert store.progress("ana")[0].hints_seen == 0
    assert [r["solved"] for r in store.class_summary(a.id)] == [1]
    assert [r["solved"] for r in store.class_summary(b.id)] == [0]


def test_an_attempt_sent_again_with_its_id_is_stored_once(db):
    store = Store(db)
    first = check_and_record(store, "ana", "ex5", ["0.25"], attempt_id="3f1c-retry")
    again = check_and_record(store, "ana", "ex5", ["0.25"], attempt_id="3f1c-retry")
    assert first.status == again.status == "correct"
    assert len(store.attempts("ana")) == 1


def test_the_summary_counts_learners_not_attempts(db):
    """The issue's case: two of three learners solved exercise 2 after several tries each."""
    store = Store(db)
    klass, _ = store.create_class("c")
    for who, answers in (("ana", ["0.2^19", "9.54e-7"]), ("ana", ["0.2^19", "9.54e-7"]),
                         ("ana", ["1.05e-14", "9.54e-7"]), ("bob", ["0.2^19", "1"]), ("bob", ["0.2*20", "1"]),
                         ("bob", ["1.05e-14", "9.54e-7"]), ("cy", ["0.2^19", "1"]), ("cy", ["0.2^19", "1"])):
        check_and_record(store, who, "ex2", answers, class_id=klass.id)
    solution_and_record(store, "cy", "ex2", class_id=klass.id)
    (row,) = store.class_summary(klass.id)
    assert (row["solved"], row["learners"], row["attempts"]) == (2, 3, 8)
    assert row["title"].startswith("Exercise 2") and row["solution_learners"] == 1
    nineteen = next(f for f in row["common_feedback"] if "19 factors" in f["feedback"])
    assert nineteen["count"] == 3  # three learners made the slip, in five attempts


def test_forgetting_a_learner_removes_their_rows_and_nobody_elses(db):
    store = Store(db)
    klass, _ = store.create_class("c")
    for who in ("ana", "bob"):
        store.join(klass.id, who)
        check_and_record(store, who, "ex5", ["0.25"], class_id=klass.id)
    hint_and_record(store, "ana", "ex5", 1, class_id=klass.id)
    assert store.forget(klass.id, "Ana") == {"attempts": 1, "events": 1}
    assert [x.name for x in store.learners(klass.id)] == ["bob"]
    assert store.progress("ana", class_id=klass.id) == [] and len(store.progress("bob", class_id=klass.id)) == 1
    with pytest.raises(ConfigError, match="no learner"):
        store.forget(klass.id, "ana")


def test_the_signing_key_is_shared_by_every_store_on_the_same_database(db):
    key = Store(db).secret()
    assert len(key) == 32 and Store(db).secret() == key


def test_a_version_3_file_migrates_to_classes_keeping_its_attempts(tmp_path):
    db = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(db)
    for i in range(3):
        conn.executescript(";".join(migration_statements(i, "sqlite")))
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO attempts (learner, exercise, answer, status, feedback, created_at, checker_version) "
                 f"VALUES ('ana', 'ex5', '[\"0.25\"]', 'correct', 'Correct.', 0, {CHECKER_VERSION})")
    conn.commit()
    conn.close()
    store = Store(db)
    assert store.version == SCHEMA_VERSION
    assert store.progress("ana")[0].best_status == "correct" and store.class_summary()[0]["solved"] == 1


def test_a_renamed_learner_keeps_answers_and_rejoin_code(db):
    store = Store(db)
    klass, _ = store.create_class("c")
    _, code = store.join(klass.id, "Ana")
    store.join(klass.id, "Bob")
    check_and_record(store, "Ana", "ex5", ["0.25"], class_id=klass.id)
    with pytest.raises(ConfigError, match="taken"):
        store.rename(klass.id, "Ana", "bob")
    store.rename(klass.id, "Ana", "Anna")
    assert store.progress("Anna", class_id=klass.id)[0].best_status == "correct"
    assert store.join(klass.id, "Anna", code)[0].name == "Anna"


def test_merging_moves_one_learners_answers_to_the_other(db):
    store = Store(db)
    klass, _ = store.create_class("c")
    for who, answer in (("ana", "0.3"), ("ana2", "0.25")):
        store.join(klass.id, who)
        check_and_record(store, who, "ex5", [answer], class_id=klass.id)
    assert store.merge(klass.id, "ana2", "ana") == 1
    (row,) = store.progress("ana", class_id=klass.id)
    assert row.attempts == 2 and row.best_status == "correct"
    assert [x.name for x in store.learners(klass.id)] == ["ana"]


def test_reset_deletes_a_class_answers_and_keeps_its_learners_and_other_classes(db):
    store = Store(db)
    a, _ = store.create_class("a")
    b, _ = store.create_class("b")
    store.join(a.id, "ana")
    for klass in (a, b):
        check_and_record(store, "ana", "ex5", ["0.25"], class_id=klass.id)
    assert store.reset(a.id) == {"attempts": 1, "events": 0}
    assert store.progress("ana", class_id=a.id) == [] and len(store.progress("ana", class_id=b.id)) == 1
    assert [x.name for x in store.learners(a.id)] == ["ana"]
