"""One order of verdicts (exercises/status.py) and the `explained` flag: the checker, the store, the CLI and the
API read them; nobody keeps a second order or compares feedback text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from actlab.cli import app
from actlab.cli.exercises import STATUS_COLOURS
from actlab.exercises import CHECKER_VERSION, EXERCISES, STATUSES, VerdictStatus, ex1, ex2, ex3
from actlab.exercises.checker import UNEXPLAINED, PartResult, Verdict
from actlab.exercises.status import best, rank
from actlab.store import Store

SRC = Path(__file__).resolve().parents[2] / "src" / "actlab"


def test_the_order_is_worst_first_and_ranks_count_up():
    assert STATUSES == ("not_attempted", "unreadable", "incorrect", "partly_correct", "correct")
    assert [rank(s) for s in STATUSES] == [0, 1, 2, 3, 4]
    assert best("incorrect", "partly_correct") == "partly_correct" and best("correct", "unreadable") == "correct"
    assert VerdictStatus.PARTLY_CORRECT.words == "partly correct"


def test_an_unknown_status_names_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown verdict status 'right'; valid: not_attempted, unreadable"):
        rank("right")
    with pytest.raises(ValueError, match="unknown verdict status 'solved'"):
        PartResult("x", "solved", "feedback")
    with pytest.raises(ValueError, match="unknown verdict status"):
        Verdict("ex1", "great", "", ())


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.key)
@pytest.mark.parametrize("answer", ["", "banana", "0", "1", "not defined", "0.2^19", "GELU is smooth."])
def test_every_verdict_and_part_carries_its_rank_and_flag(exercise, answer):
    d = exercise.check(*[answer] * len(exercise.parts)).to_dict()
    assert d["rank"] == STATUSES.index(d["status"])
    for part in d["parts"]:
        assert part["rank"] == STATUSES.index(part["status"]) and isinstance(part["explained"], bool)
    json.dumps(d, allow_nan=False)


def test_explained_says_whether_the_checker_named_the_slip():
    slip, unknown = ex2.check("0.2^19", "42").parts
    assert slip.explained and "19" in slip.feedback
    assert not unknown.explained and unknown.feedback == UNEXPLAINED
    assert not ex2.check("banana", "9.54e-7").parts[0].explained  # unreadable: nothing was explained
    assert ex2.check("9.54e-7", "1.05e-14").parts[0].explained  # swapped boxes is a named slip
    kink = ex1.check("", "", "banana").parts[2]  # the kink part's generic fallback
    assert kink.status == "incorrect" and not kink.explained
    assert ex1.check("", "", "2").parts[2].status == "incorrect"  # a value outside the slopes: the same fallback


def test_the_store_counts_by_the_flag_never_by_the_words(tmp_path):
    """A part whose words are the generic ones but which says it explained the slip is listed, and one with
    specific words but no flag is only counted: the store reads the flag."""
    store = Store(tmp_path / "p.sqlite3")
    parts = [{"label": "a", "status": "incorrect", "feedback": UNEXPLAINED, "explained": True, "kind": "number"},
             {"label": "b", "status": "incorrect", "feedback": "You used 19 layers.", "explained": False,
              "kind": "number"}]
    store.record_attempt("ana", "ex2", ["x", "y"], {"status": "incorrect", "feedback": "-", "parts": parts,
                                                    "checker_version": CHECKER_VERSION})
    (row,) = store.class_summary()
    assert [f["feedback"] for f in row["common_feedback"]] == [f"a: {UNEXPLAINED}"]
    assert row["unexplained_parts"] == 1


def test_progress_keeps_the_best_by_rank(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    for answers in (["0.2^19", "42"], ["1.05e-14", "9.54e-7"], ["banana", "x"]):
        store.record_attempt("ana", "ex2", answers, ex2.check(*answers).to_record())
    (row,) = store.progress("ana")
    assert row.best_status == "correct" and row.last_status == "unreadable"


def test_the_cli_has_a_colour_for_every_status_and_its_json_carries_ranks(tmp_path):
    assert set(STATUS_COLOURS) == set(VerdictStatus)
    runner = CliRunner()
    db = str(tmp_path / "p.sqlite3")
    out = runner.invoke(app, ["exercise", "check", "ex2", "--answer", "0.2^19", "--answer", "9.54e-7",
                              "--learner", "ana", "--db", db, "--json"])
    assert out.exit_code == 0, out.output
    verdict = json.loads(out.output)
    assert verdict["rank"] == rank("partly_correct") and [p["rank"] for p in verdict["parts"]] == [2, 4]
    out = runner.invoke(app, ["progress", "--learner", "ana", "--db", db, "--json"])
    assert json.loads(out.output)[0]["best_rank"] == rank("partly_correct")


def test_no_second_copy_of_the_order():
    """The order lives in exercises/status.py; a copy such as {"not_attempted": 0, ...} anywhere else drifts."""
    copy = re.compile(r"not_attempted\W+0\b|unreadable\W+1\b.*incorrect\W+2\b")
    sources = [p for p in SRC.rglob("*") if p.suffix in (".py", ".js") and p.name != "status.py"
               and "vendor" not in p.parts]
    found = [str(p.relative_to(SRC)) for p in sources if copy.search(p.read_text(encoding="utf-8"))]
    assert found == []


def test_a_free_text_part_is_ranked_like_the_others():
    part = ex3.check("GELU is smooth everywhere, and it never has dead units.").parts[0]
    assert part.to_dict()["rank"] == part.status.rank >= rank("partly_correct")
