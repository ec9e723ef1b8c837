"""A jump whose first steps already climbed (W107 walkthrough finding 2, its second part): a rate raised at step 300
took the loss from about 0.04 to 0.35, 1.49, then past chance, and the jump was dated against 'the highest of the 50
training steps' losses before it (1.49)', where 0.35 and 1.49 were the jump's own first steps. The reference: the
test's own losses, the highest of the 50 before the climb began."""

from __future__ import annotations

import re

from conftest import require_torch

require_torch()
from interop._scripted_losses import levels, scripted_run  # noqa: E402


def _jump(run_up: list[float]):
    losses = levels([(0.04, 100)], cv=0.1) + run_up + [5.0, 6.0, 5.5, 5.8, 6.1]
    return losses, scripted_run(losses)[-1].reading.words


def test_a_jump_after_a_run_up_is_weighed_against_the_level_before_it():
    losses, words = _jump([0.35, 1.49])
    level = max(losses[50:100])  # the 50 training steps before step 101, where the climb began
    m = re.search(r"the loss jumped: 5 at training step 103 \(a sampled one\), 2\.2 times chance and (\S+) times the "
                  r"highest of the 50 training steps' losses before the climb to it began at training step 101, with "
                  r"0\.35 \(([\d.]+)\)", words)
    assert m, words
    assert float(m.group(2)) == float(f"{level:.3g}")
    assert "(1.49)" not in words


def test_a_jump_from_the_level_itself_is_weighed_against_the_steps_before_it():
    losses, words = _jump([0.045])  # no climb before it: a loss at the level
    level = max(losses[51:101])  # the 50 training steps before step 102
    assert re.search(r"the loss jumped: 5 at training step 102 \(a sampled one\), 2\.2 times chance and \S+ times the "
                     rf"highest of the 50 training steps' losses before it \({level:.3g}\)", words), words
