"""Fixes from a walkthrough of a class: the teacher's slips list every explained slip (a cut at three hid
exercise 2's 0.25^20), the attempt log's times read as ISO 8601 UTC and its always-empty attempt_id column is gone,
and `actlab class playground --clear` refuses the options it would otherwise have ignored."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime

from typer.testing import CliRunner

from actlab.exercises import get_exercise
from actlab.exercises.service import check_and_record
from actlab.store import Store
from web.test_class_pin_combine import redirect
from web.test_class_playground import joined, lab, teacher_for  # noqa: F401  (lab: a fixture)

# ex2's two parts (sigmoid's product, ReLU's product): each learner makes one slip or two
EX2_ANSWERS = {"ana": ["0.2^19", "0.5^19"], "bob": ["0.2*20", "9.54e-7"], "cy": ["0.25^20", "9.54e-7"],
               "dee": ["0.2^19", "9.54e-7"], "eve": ["1.05e-14", "9.54e-7"], "fay": ["0.2^21", "9.54e-7"]}


def expected_slips(answers: dict[str, list[str]]) -> dict[str, int]:
    """The explained slips of these attempts, counted by learner, straight from the checker's verdicts: one row per
    wording, naming the parts (in the exercise's order) where any learner made it."""
    parts_of: dict[str, set] = {}
    who_made: dict[str, set] = {}
    for who, given in answers.items():
        for i, part in enumerate(get_exercise("ex2").check(given).to_record()["parts"]):
            if part.get("status") not in ("correct", "not_attempted") and part.get("explained"):
                parts_of.setdefault(part["feedback"], set()).add((i, part["label"]))
                who_made.setdefault(part["feedback"], set()).add(who)
    return {f"{'; '.join(label for _, label in sorted(parts_of[text]))}: {text}": len(who)
            for text, who in who_made.items()}


def test_the_summary_lists_every_explained_slip_counted_by_learner(tmp_path):
    location = tmp_path / "class.sqlite3"
    store = Store(location)
    klass, token = store.create_class("physics")
    for who, given in EX2_ANSWERS.items():
        store.join(klass.id, who)
        check_and_record(store, who, "ex2", given, class_id=klass.id)
    want = expected_slips(EX2_ANSWERS)
    assert len(want) >= 4  # more than the three lines the page used to show
    assert any("0.25" in text and "maximal derivative" in text for text in want)
    (row,) = teacher_for(location, token).get("/api/class-summary").json()
    got = {f["feedback"]: f["count"] for f in row["common_feedback"]}
    assert got == want
    counts = [f["count"] for f in row["common_feedback"]]
    assert counts == sorted(counts, reverse=True)  # commonest first


def test_the_attempt_log_gives_iso_utc_times_and_no_empty_attempt_id(tmp_path):
    location = tmp_path / "class.sqlite3"
    store = Store(location)
    klass, token = store.create_class("physics")
    store.join(klass.id, "ana")
    before = time.time()
    check_and_record(store, "ana", "ex5", ["0.25"], class_id=klass.id)
    teacher = teacher_for(location, token)
    (row,) = list(csv.DictReader(io.StringIO(teacher.get("/api/class/teacher/attempts?format=csv").text)))
    (entry,) = teacher.get("/api/class/teacher/attempts").json()
    for stamp in (row["created_at"], entry["created_at"]):
        assert stamp.endswith("Z")
        at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        assert before - 1 <= at <= time.time() + 1
    assert "attempt_id" not in row and "attempt_id" not in entry


def run(*args: str):
    from actlab.cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "160"})


def test_clear_with_link_or_pin_is_refused_and_keeps_what_is_saved(tmp_path):
    db = str(tmp_path / "class.sqlite3")
    assert run("class", "create", "physics", "--db", db).exit_code == 0
    assert run("class", "playground", "physics", "--db", db, "--set", "lr=0.1", "--pin", "lr").exit_code == 0
    res = run("class", "playground", "physics", "--db", db, "--clear", "--link", "/playground?lr=0.3",
              "--pin", "dataset")
    assert res.exit_code == 2
    assert "--clear" in res.output and "--link, --pin" in res.output
    assert Store(db).class_playground(Store(db).find_class("physics").id) == {"config": {"lr": 0.1}, "pinned": ["lr"]}
    cleared = run("class", "playground", "physics", "--db", db, "--clear")
    assert cleared.exit_code == 0 and "no playground settings saved" in cleared.output


def test_a_learners_address_loses_the_hides_of_settings_no_longer_pinned(lab):  # noqa: F811
    location, klass, token = lab
    teacher = teacher_for(location, token)
    assert teacher.put("/api/class/teacher/playground",
                       json={"config": {"lr": 0.1, "layers": [4, 4]}, "pinned": ["lr"]}).status_code == 200
    ana = joined(location, klass.code, "Ana")
    # the address a learner kept from when layers and lr were pinned, with a view key of the link's own
    q = redirect(ana, "/playground?lr=0.1&layers=4,4&hide=lr,layers,gradient")
    assert q["hide"].split(",") == ["gradient", "lr"]  # layers follows the pins now; gradient is the link's
    # once nothing is pinned, no setting's control stays hidden
    assert teacher.put("/api/class/teacher/playground", json={"config": {}, "pinned": []}).status_code == 200
    q = redirect(ana, "/playground?lr=0.1&hide=lr,layers")
    assert "hide" not in q


def test_activations_pinned_per_layer_keep_the_learners_widths_not_the_classs_saved_ones(lab):  # noqa: F811
    location, klass, token = lab
    acts = ["leaky_relu(negative_slope=0.2)", "gelu"]
    res = teacher_for(location, token).put("/api/class/teacher/playground",
                                           json={"link": "/playground?layers=3,3&activations=" + ",".join(acts),
                                                 "pinned": ["activations"]})
    assert res.status_code == 200, res.text
    q = redirect(joined(location, klass.code, "Ana"), "/playground?layers=8,8,8")
    assert q["layers"] == "8,8"
