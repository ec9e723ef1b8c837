"""S23 item 1, the Monitor's faces: its report (str), its notes, the log it writes (JSON lines) name a sampled step by
its training step, said to be a sampled one ("first seen at training step 26 (a sampled one; the last finite sample
was step 21)"), never as "sampled step 26", which reads as the 26th sample. Each step number is worked out here from
the sampling rule (every=k samples steps 1, 1 + k, 1 + 2k, ...) and from where the test put the NaN or stopped the
expert, not read back from the monitor."""

from __future__ import annotations

import json
import math
import re

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop.test_monitor_stopped_n22 import MoE  # noqa: E402

AS_SAMPLE_COUNT = re.compile(r"sampled steps? \d")  # "sampled step 26": a number read as the count of samples


class _GoesNaN(nn.Module):
    """Finite until the forward call `at` (one a step), a NaN output from then on."""

    def __init__(self, at: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
        self.at, self.calls = at, 0

    def forward(self, x):
        self.calls += 1
        out = self.net(x)
        return out * math.nan if self.calls >= self.at else out


def _faces(mon, log) -> dict[str, str]:
    """Every text the monitor gives a reader: str(report), its words and notes, the log's lines."""
    report = mon.report()
    return {"str": str(report), "words": report.reading.words, "notes": "\n".join(report.notes),
            "json": json.dumps(report.to_dict()), "log": log.read_text()}


EVERY, STEPS, NAN_FROM = 5, 33, 23
SAMPLED = [t for t in range(1, STEPS + 1) if (t - 1) % EVERY == 0]  # 1, 6, ..., 26, 31
FIRST = min(t for t in SAMPLED if t >= NAN_FROM)  # the first sample to see the NaN
BEFORE = max(t for t in SAMPLED if t < NAN_FROM)  # the finite sample before it


def write_nan_log(log):
    """A Monitor (every=5, 33 steps) on a model whose output is NaN from step 23 on, writing ``log``; the monitor."""
    torch.manual_seed(0)
    model = _GoesNaN(at=NAN_FROM)
    opt = torch.optim.SGD(model.parameters(), 0.01)
    with Monitor(model, every=EVERY, chance_loss=math.log(2), log=log) as mon:
        for _ in range(STEPS):
            x = torch.randn(32, 8)
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x), (x[:, 0] > 0).long())
                loss.backward()
                if mon.step_count + 1 in SAMPLED:  # the loss of sampled steps only: no step between two is seen, so
                    s.loss = loss  # the NaN is dated by the samples around it (with every step's, by its own: W28)
            opt.step()
            opt.zero_grad()
    return mon


def test_a_nan_between_two_samples_is_dated_by_training_steps_on_every_face(tmp_path):
    assert (FIRST, BEFORE) == (26, 21)
    log = tmp_path / "nan.jsonl"
    faces = _faces(write_nan_log(log), log)
    sampled, first, before = SAMPLED, FIRST, BEFORE
    dated = f"first seen at training step {first} (a sampled one; the last finite sample was step {before})"
    for face in ("str", "words", "json", "log"):
        assert dated in faces[face], (face, faces[face])
    # and the latest sample, a later one than where it began, by its training step too
    assert f"; on training step {sampled[-1]} (the latest sampled one), " in faces["words"], faces["words"]
    for face, text in faces.items():
        assert not AS_SAMPLE_COUNT.search(text), (face, AS_SAMPLE_COUNT.search(text))
    # the log's reports as a reader takes them: the last one's words, the same as the report's
    last = [json.loads(line) for line in log.read_text().splitlines() if '"reading"' in line][-1]
    assert last["step"] == sampled[-1] and last["reading"]["words"] == faces["words"]


def test_an_expert_that_stopped_is_dated_by_its_training_step_and_which_sample_that_was(tmp_path):
    torch.manual_seed(0)
    model, log = MoE(), tmp_path / "moe.jsonl"
    x, y = torch.randn(256, 6), torch.randint(0, 3, (256,))
    every, steps = 2, 100
    with Monitor(model, every=every, chance_loss=1.0986, log=log) as mon:
        for step in range(steps):
            if step == 40:  # the router collapses onto expert 1
                with torch.no_grad():
                    model.router.bias[0] = -100.0
            i = torch.randint(0, 256, (16,))
            with mon.step() as s:
                s.loss = nn.functional.cross_entropy(model(x[i]), y[i])
                s.loss.backward()
        faces = _faces(mon, log)
    sampled = [t for t in range(1, steps + 1) if (t - 1) % every == 0]
    ran = [t for t in sampled if model.tokens[t - 1][0] > 0]  # the sampled steps on which expert 0 got a token
    last, nth = ran[-1], sampled.index(ran[-1]) + 1
    assert last <= 41 and nth == (last + 1) // 2
    suffix = "th" if 11 <= nth % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(nth % 10, "th")
    said = (f"'experts.0.1' ran on {len(ran)} of the {len(sampled)} sampled steps, the last at training step {last} "
            f"(the {nth}{suffix} sampled step), and on none of the {len(sampled) - nth} sampled since")
    for face in ("str", "words", "json", "log"):
        assert said in faces[face], (face, faces[face])
    for face, text in faces.items():
        assert not AS_SAMPLE_COUNT.search(text), (face, AS_SAMPLE_COUNT.search(text))
