"""Issue 17 (R13's leftover of W16 finding 7): a playground frame of a classifier whose outputs are NaN carries no
confusion matrix. The page hid it, but the frame header still sent one with every test point in class 0 (the argmax
of NaN). The reference: the network's own outputs, not finite, computed here."""

from __future__ import annotations

import numpy as np

from actlab.playground.session import PlaygroundSession
from actlab.session import RunConfig


def _session(**opts):
    return PlaygroundSession(RunConfig.from_cli(dataset="circle", features="x1,x2", **opts))


def test_a_diverged_classifier_sends_no_confusion_matrix():
    s = _session(layers="8,8,8", activation="identity", loss="cross-entropy", lr=10.0, init="he_normal")
    for _ in range(40):
        frame = s.step_once()
        if frame.accuracy_note:
            break
    assert frame.accuracy_note, "the premise: the run diverged"
    with np.errstate(all="ignore"):
        out = s.trainer.net.forward(s.trainer.x_test)[0]
    assert not np.isfinite(out).all()
    assert s.frame_data().header["confusion"] is None


def test_a_healthy_classifier_keeps_its_confusion_matrix():
    s = _session(layers="8", activation="tanh", lr=0.3)
    s.step_once()
    matrix = s.frame_data().header["confusion"]
    assert matrix is not None and sum(map(sum, matrix)) == len(s.trainer.x_test)
