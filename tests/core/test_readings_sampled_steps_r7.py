"""Issue 17 (W13 item 2): where the steps are sampled, a reading names only steps it saw.

A monitor sampling every few steps sees a NaN first at some sampled step; the step it began at lies somewhere after
the sampled step before. 'diverged at step N' is said only where every step before N was seen (actlab's engine, or a
monitor whose previous sample was N - 1); otherwise the words give the sampled steps around it. A climb in the recent
sampled losses is dated by their sampled steps where the summary gives them, else counted, never dated. The
references: the step lists the tests make.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from actlab.readings import LayerSummary, RunSummary, Status, diagnose

LAYERS = (LayerSummary("relu", 16, 0.5, label="module '1' (ReLU)", weights="'0.weight'"),)


def monitor_run(losses, steps, at, before, loss=float("nan"), chance=0.693, norms_ok=True):
    return RunSummary(LAYERS, 0.5 if norms_ok else float("nan"), loss=loss, chance_loss=chance, steps=at,
                      diverged_at_step=at, last_finite_step=before, keeps_last_finite=False,
                      recent_losses=tuple(losses), **({"recent_loss_steps": steps} if steps is not None else {}))


def named_steps(words: str) -> set[int]:
    """Every step number the words name: 'step 16', 'steps 6 and 15'."""
    found = set()
    for m in re.finditer(r"\bsteps? ([\d,]+)(?: and ([\d,]+))?", words):
        found |= {int(g.replace(",", "")) for g in m.groups() if g}
    return found


def test_a_monitor_whose_first_sample_is_already_nan_does_not_date_it_to_that_step():
    # every='auto' leaves the first steps unsampled: the NaN seen at step 7 may have begun at any step up to it
    r = diagnose(monitor_run((), None, at=7, before=None))
    assert r.status is Status.DIVERGED
    assert "diverged at step" not in r.words
    assert "first seen at training step 7, the first step sampled" in r.words


def test_a_monitor_s_first_step_and_a_dense_monitor_still_give_the_step():
    assert diagnose(monitor_run((), None, at=1, before=None)).words.startswith("diverged at step 1:")
    assert diagnose(monitor_run((0.7, 0.69), None, at=9, before=8)).words.startswith("diverged at step 9:")


def test_the_engine_sees_every_update_and_gives_the_step():
    s = RunSummary(LAYERS, 0.5, loss=float("inf"), chance_loss=0.693, steps=131, diverged_at_step=131)
    assert diagnose(s).words.startswith("diverged at step 131: the loss became NaN or infinite")


def test_a_finite_blow_up_is_dated_by_its_sampled_steps():
    # /tmp/r7/repro2.py 7 1: every=7, sampled steps 1, 8 and 15, chance 88.1
    s = RunSummary(LAYERS, 1e17, loss=4.19e33, chance_loss=88.1, steps=15, keeps_last_finite=False,
                   recent_losses=(86.8, 1.14e20, 4.19e33), recent_loss_steps=(1, 8, 15))
    r = diagnose(s)
    assert r.status is Status.DIVERGED
    assert "and it rose from 86.8 between training steps 1 and 15 (the losses of 3 sampled steps)" in r.words
    assert named_steps(r.words) == {1, 15}


def test_without_their_steps_the_recent_losses_are_counted_not_dated():
    s = RunSummary(LAYERS, 1e17, loss=4.19e33, chance_loss=88.1, steps=15, keeps_last_finite=False,
                   recent_losses=(86.8, 1.14e20, 4.19e33))
    r = diagnose(s)
    assert "it rose from 86.8 over the last 3 sampled losses" in r.words and named_steps(r.words) == set()


def test_a_starting_climb_is_dated_by_its_sampled_steps():
    s = RunSummary(LAYERS, 1.0, loss=17.7, chance_loss=0.693, steps=31, recent_losses=(0.70, 1.26, 2.81, 17.7),
                   recent_loss_steps=(1, 11, 21, 31))
    r = diagnose(s)
    assert r.status is Status.STARTING
    assert "it has risen from 0.7 to 17.7 between training steps 1 and 31 (the losses of 4 sampled steps)" in r.words


@st.composite
def sampled_runs(draw):
    n = draw(st.integers(0, 10))
    gaps = draw(st.lists(st.integers(1, 50), min_size=n + 1, max_size=n + 1))
    start = draw(st.integers(1, 500))
    steps = [start]
    for g in gaps:
        steps.append(steps[-1] + g)
    *finite, at = steps  # the losses were sampled at `finite`; the NaN first at `at`
    losses = draw(st.lists(st.floats(1e-3, 1e30), min_size=len(finite), max_size=len(finite)))
    keep_steps = draw(st.booleans())
    before = finite[-1] if finite else None
    bad = draw(st.sampled_from(["loss", "grads"]))
    loss = float("nan") if bad == "loss" or not losses else losses[-1]
    return monitor_run(losses, tuple(finite) if keep_steps else None, at, before, loss=loss,
                       norms_ok=bad == "loss"), set(steps)


@given(sampled_runs())
def test_every_step_a_nan_reading_names_was_sampled(run):
    s, sampled = run
    r = diagnose(s)
    assert r.status is Status.DIVERGED
    assert named_steps(r.words) <= sampled, (sorted(sampled), r.words)
    if s.last_finite_step is None or s.last_finite_step < s.diverged_at_step - 1:
        assert "diverged at step" not in r.words or s.diverged_at_step == 1
