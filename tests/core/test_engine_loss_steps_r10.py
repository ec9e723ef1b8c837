"""Issue 17 (R10, defect 1): the engine's readings say which steps their losses were taken at.

The readings said "sampled step" of every face, but actlab's engine sees every update: before a NaN its reading is
told each update's batch loss, and otherwise each frame's loss of the whole training set (one an epoch for
Trainer.run() and `actlab train`). RunSummary.loss_steps carries which, and the words follow it; a monitor's summary
keeps its default, sampled steps. The references are the engine's own numbers: the steps of the frames the test
collects, the losses step() returned, and updates_per_epoch.
"""

from __future__ import annotations

import re

from actlab.reading_loss import span
from actlab.readings import LayerSummary, LossSteps, RunSummary, diagnose
from actlab.session import RunConfig, build_trainer
from actlab.training import RECENT_LOSSES, StopRule

LAYERS = (LayerSummary("relu", 16, 0.5),)


def every_frame(t, epochs):
    return list(t.run(StopRule(max_epochs=epochs)))


def test_a_monitor_s_summary_keeps_sampled_steps_by_default():
    s = RunSummary(LAYERS, 0.5, loss=40.0, chance_loss=0.693, steps=31, recent_losses=(0.7, 1.3, 2.8, 9.0, 40.0),
                   recent_loss_steps=(1, 8, 15, 22, 29))
    assert s.loss_steps is LossSteps.SAMPLED
    assert "between training steps 1 and 29 (the losses of 5 sampled steps)" in diagnose(s).words


def test_a_blow_up_names_the_updates_it_saw_and_never_a_sample():
    t = build_trainer(RunConfig(layers=(8, 8), activations=("linear",), loss="cross-entropy", lr=3.0))
    losses = {}
    while not t.diverged:
        losses[t.step_count + 1] = t.step()
    d = t.diverged_at_step
    f = t.frame()
    steps = list(range(max(1, d - RECENT_LOSSES), d))  # the finite updates before the NaN, every one
    assert f"between steps {steps[0]} and {steps[-1]} (each update's batch loss)" in f.diagnosis.words
    assert "sampled" not in f.diagnosis.words and "sample" not in f.diagnosis.remedy


def test_frames_every_epoch_say_the_whole_set_s_loss_every_epoch_s_updates():
    # a tanh network under momentum at lr 1 (cross-entropy) learns, then climbs in fits: its frames at step 375 read
    # 'starting ... it has risen from 0.47 to 1.72' over the last 10 frames
    t = build_trainer(RunConfig(layers=(8, 8), activations=("tanh",), loss="cross-entropy", lr=1.0,
                                optimizer="momentum"))
    frames = every_frame(t, 16)
    steps = [f.step for f in frames]
    assert all(b - a == t.updates_per_epoch for a, b in zip(steps, steps[1:], strict=False))
    # the climb is told as 'it has risen ... between steps' while the run has not learned, and, once it had (its
    # loss was 0.376 at step 25), as 'not learning any more: the training loss had come down to ... at step ...'
    risen = [i for i, f in enumerate(frames) if "it has risen" in f.diagnosis.words]
    lost = [f for f in frames if f.diagnosis.words.startswith("not learning any more")]
    assert risen or lost, [f.diagnosis.words[-120:] for f in frames]
    for i in risen:
        window = steps[max(0, i - RECENT_LOSSES + 1):i + 1]
        assert (f"between steps {window[0]} and {window[-1]} (the whole training set's loss, every "
                f"{t.updates_per_epoch} updates)") in frames[i].diagnosis.words
    for f in lost:
        low = min(g.train_loss for g in frames if g.step < f.step)
        assert f"the training loss had come down to {low:.3g} at step " in f.diagnosis.words, f.diagnosis.words
    for f in frames:
        assert "sampled" not in f.diagnosis.words, f.diagnosis.words
        for step in re.findall(r"at step ([\d,]+)", f.diagnosis.words):  # a step named is one a frame was taken at
            assert int(step.replace(",", "")) in steps


def test_the_span_of_frames_says_how_far_apart_they_were():
    def frames_span(steps):
        s = RunSummary(LAYERS, 0.5, loss_steps=LossSteps.FRAMES)
        return span(s, [(k, 1.0) for k in steps])

    assert frames_span([25, 50, 75]) == " between steps 25 and 75 (the whole training set's loss, every 25 updates)"
    # the playground's Step button makes a frame after each update
    assert frames_span([3, 4, 5]) == " between steps 3 and 5 (the whole training set's loss, every update)"
    # the playground's live frames, as many updates each as its budget allows, or frame() called at will
    assert frames_span([0, 7, 40, 41]) == " between steps 0 and 41 (the whole training set's loss, taken 4 times)"
