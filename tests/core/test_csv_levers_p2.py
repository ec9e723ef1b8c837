"""Issue 17 (R11's open item 2): a run on the learner's own CSV may be told to scale its inputs, whichever face
trains it (`actlab train --csv`, the playground's upload, build_trainer in Python): the trainer decides it from its
data (session.trainer_for), not each face. A generated data set never is (its inputs are the lab's own). The
reference: the remedy's words for a diverging run, and the levers the summary carries."""

from __future__ import annotations

import numpy as np

from actlab.playground.session import PlaygroundSession
from actlab.reading_record import ENGINE_LEVERS, Lever
from actlab.session import RunConfig, build_trainer


def _csv(scales=(1.0, 30.0, 0.1), n=300) -> bytes:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, len(scales))) * np.array(scales)
    y = (x[:, 0] + x[:, 1] / scales[1] > 0).astype(int)
    rows = ["a,b,c,label"] + [",".join(f"{v:.6g}" for v in r) + f",{k}" for r, k in zip(x, y, strict=True)]
    return ("\n".join(rows) + "\n").encode()


def test_a_csv_run_has_the_inputs_lever_and_a_generated_one_has_not():
    cfg = RunConfig.from_cli(dataset="circle", layers="8", activation="relu", lr=0.1, features="x1,x2")
    assert build_trainer(cfg, _csv()).levers == ENGINE_LEVERS | {Lever.INPUTS}
    assert build_trainer(cfg).levers == ENGINE_LEVERS
    own = RunConfig.from_cli(dataset="csv", layers="8", activation="relu", lr=0.1, features="x1,x2")
    session = PlaygroundSession(own, _csv())
    assert Lever.INPUTS in session.trainer.levers


def test_a_csv_run_that_diverges_is_told_to_check_the_inputs_scale():
    cfg = RunConfig.from_cli(dataset="circle", layers="8,8", activation="linear", loss="cross-entropy", lr=50.0,
                             features="x1,x2")
    for csv, told in ((_csv(), True), (None, False)):
        trainer = build_trainer(cfg, csv)
        frames = list(trainer.frames(30))
        reading = frames[-1].diagnosis
        assert reading.is_failure, reading.words
        assert ("inputs are scaled" in reading.remedy) is told, (csv is not None, reading.remedy)
