"""report() between samples (W58 walkthrough finding 10): at step 410 it said 'healthy ... 92% below chance' of the
sampled step 400, while the mean loss of steps 400-409 was 7.6; nothing in its words or notes said they were of an
older step. A note now leads with the step it is of and how many have run since; none where it is of the latest."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import clusters, monitored_step  # noqa: E402


def test_a_report_between_samples_says_which_step_it_is_of():
    x, y = clusters(n=512)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10))
    opt = torch.optim.SGD(model.parameters(), 0.1)
    mon = Monitor(model, every=10, chance_loss=2.3)
    for step in range(1, 16):
        monitored_step(mon, model, x[:64], y[:64], opt)
        r = mon.report()
        if step in (1, 11):  # sampled (every=10 samples steps 1, 11, ...): of the latest step, no such note
            assert r.step == step and not any(n.startswith("this report is of") for n in r.notes), r.notes
    assert r.step == 11 and r.steps_run == 15
    assert r.notes[0] == ("this report is of training step 11, the latest sampled one; the 4 steps run since are "
                          "not read yet (the next sampled step reads them; `with mon.step(sample=True)` samples one "
                          "now)"), r.notes
    mon.close()  # the end of the run says so its own way (W29), not twice
    assert sum("this report is of" in n for n in mon.report().notes) == 1
