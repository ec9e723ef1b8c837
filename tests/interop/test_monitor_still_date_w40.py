"""Issue 17, W40 walkthrough finding 7: the learning rate set to 0 before step 900's update (every=10) read 'the
weights have not changed from training step 951 ... step 951 is where their values were first compared, or last seen
to change': the last update that moved them was step 899's, so they were the same at the sampled step 901 and after,
and 'first compared' was untrue. The read at 901 found another float32 norm and took no float64 sum (a training run
pays that sum on its first read alone: tests/interop/test_weights_fingerprint_cost.py), so the read at 951 had
nothing exact to compare with. The date stays a read's; the words now say it may be late, and why. Reference: the
test's own copies of the weights at every sampled step."""

from __future__ import annotations

import math
import re

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop._monitor_weights import VALUE_STEPS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


@pytest.mark.parametrize("stop_at", [900, 923])
def test_weights_kept_since_the_learning_rate_went_to_0_are_dated_from_the_first_sampled_step_after(stop_at):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(2048, 20)
    y = (x @ torch.randn(20, 10)).argmax(1)
    mon = Monitor(model, every=10, chance_loss=math.log(10))
    copies = {}
    for step in range(1, stop_at + 221):
        if step == stop_at:
            for g in opt.param_groups:
                g["lr"] = 0.0
        copies[step] = [p.detach().clone() for p in model.parameters()]  # the weights this step's forward uses
        i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(step))
        monitored_step(mon, model, x[i], y[i], opt)
    report = mon.report()
    # the test's own date: the first sampled step whose weights equal every later sampled step's
    sampled = [t for t in range(1, report.step + 1, 10)]
    same = [t for t in sampled if all(torch.equal(a, b) for a, b in zip(copies[t], copies[report.step], strict=True))]
    first = same[0]
    assert first == 10 * math.ceil((stop_at - 1) / 10) + 1  # the premise: the first sampled step after the change
    words = report.reading.words
    said = re.search(r"not changed from training step ([\d,]+) \(a sampled one\) to step ([\d,]+)", words)
    assert said, words
    since = int(said.group(1).replace(",", ""))
    # what it says holds: the weights of that step are those of every sampled step after it; it is no later than
    # two reads of their values after the change (they are read every VALUE_STEPS training steps, and exactly only
    # where the read before was exact too: a training run pays the float64 sum on its first read alone), and the
    # words say the date may be late
    assert since in same and first <= since < first + 2 * VALUE_STEPS, (since, first)
    assert (f"their values are compared exactly only every {VALUE_STEPS} training steps or so, so they may have "
            f"stopped changing some steps before step {since:,})") in words, words


def test_the_core_says_the_read_interval_the_monitor_reads_at():
    from actlab.readings import WEIGHTS_READ_STEPS

    assert WEIGHTS_READ_STEPS == VALUE_STEPS
