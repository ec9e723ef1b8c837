"""Issue 17, W98 walkthrough finding 8: label-smoothed targets on labels of pure noise read '-0% of the way from
chance (2.3) down to it', the judged loss a hair above chance. A loss at or above chance (under half a percent of the
way) is said so, with no share. Reference: the share's arithmetic, (chance - loss) / (chance - floor)."""

from __future__ import annotations

import re
from collections import deque

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.floats(0.05, 5), st.floats(0.05, 0.95), st.floats(-0.5, 1.0))
def test_the_soft_floor_note_never_gives_a_negative_share(chance, floor_share, where):
    floor = floor_share * chance
    loss = chance - where * (chance - floor)  # where: the share of the way from chance down to the floor
    mon = Monitor(nn.Sequential(nn.Linear(2, 2)), every=1)
    mon._loss_reads = deque([(1, 1.0, loss, 64, 10, "soft cross-entropy", floor, 0)])
    note = mon._soft_floor_note(loss, chance)
    assert not re.search(r"-\d", re.sub(r"\d[\d.]*e-\d+", "", note)), note  # (no negative figure)
    m = re.search(r"([\d.]+)% of the way from chance", note)
    if loss > floor and (chance - loss) / (chance - floor) >= 0.005:
        assert m and abs(float(m[1]) / 100 - (chance - loss) / (chance - floor)) <= 0.006, note
    elif loss > floor:
        assert m is None and "and no lower than chance" in note, note
