"""Issue 17 (R10 leftover): each face's remedies say "start again" in a way its user can act on. A Trainer from the
Python API has no Reset button: its remedies said "then reset." (R10 gave `actlab train` its own words; a notebook
user still read the lab's). The playground keeps its Reset button. The reference is the run itself: a linear 8,8
network at learning rate 3 blows up (the engine's own diverged_at_step says so before the words are read)."""

from __future__ import annotations

from actlab.playground.session import PlaygroundSession
from actlab.readings import Status
from actlab.session import RunConfig, build_trainer

BLOW_UP = RunConfig(layers=(8, 8), activations=("linear",), loss="cross-entropy", lr=3.0, weight_seed=5)


def test_the_python_api_says_to_build_a_new_trainer():
    t = build_trainer(BLOW_UP)
    while not t.diverged:
        t.step()
    d = t.frame().diagnosis
    assert t.diverged_at_step is not None and d.status is Status.DIVERGED
    assert "build_trainer(cfg)" in d.remedy and "reset" not in d.remedy.lower(), d.remedy


def test_the_playground_names_its_reset_button():
    session = PlaygroundSession(BLOW_UP)
    frame = session.advance(5)
    while frame.diverged_at_step is None:
        frame = session.advance(5)
    d = frame.diagnosis
    assert d.status is Status.DIVERGED
    assert d.remedy.rstrip(".").endswith("press Reset") and "build_trainer" not in d.remedy, d.remedy
