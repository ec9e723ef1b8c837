"""Wording (issue 16, brief C11 item 8): a refused pinned value that reads like the pinned one at six digits is shown
with every digit; the losing racer of two joins as 'Sam' and 'sam' is offered the rejoin code like anyone told a name
is taken; 'class copy' counts rows in words ('1 class', not '1 classes'). Both store backends where a store is used."""

from __future__ import annotations

import pytest

from actlab.classroom import PinnedError, Pins
from actlab.store import Store
from cli._class_cli import run
from databases import BACKENDS, database


def test_a_refused_value_close_to_the_pinned_one_is_shown_with_every_digit():
    pins = Pins({"lr": 0.03})
    with pytest.raises(PinnedError) as exc:
        pins.check_controls({"lr": 0.030000001})
    assert "pinned by your teacher at 0.03 for this class; 0.030000001 was refused" in str(exc.value)
    with pytest.raises(PinnedError, match="; 0.5 was refused"):  # a value that differs reads as before
        pins.check_controls({"lr": 0.5})


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_losing_racer_is_offered_the_rejoin_code(backend, tmp_path):
    with database(backend, tmp_path) as db:
        winner, loser = Store(db), Store(db)
        klass, _ = winner.create_class("physics 2a")

        def other_joins_first(class_id, name, *args, **kwargs):  # between the loser's look-up and its insert
            winner.join(class_id, "Sam")

        loser._check_looks_apart = other_joins_first
        with pytest.raises(Exception) as exc:
            loser.join(klass.id, "sam")
        assert str(exc.value) == ("name: 'sam' is taken in this class; choose another name, or, if it is yours, give "
                                  "the rejoin code you were shown when you joined")


def test_class_copy_counts_rows_in_words(tmp_path):
    source, target = str(tmp_path / "a.sqlite3"), str(tmp_path / "b.sqlite3")
    store = Store(source)
    klass, _ = store.create_class("physics 2a")
    store.join(klass.id, "Ana")
    res = run("class", "copy", "--from", source, "--to", target)
    out = " ".join(res.output.split())
    assert res.exit_code == 0, res.output
    assert ": 1 class, 1 learner, 0 attempts, 0 attempt counters, 0 hint and solution views" in out, out
    assert "classes" not in out.split(":", 1)[1].split(",")[0]
