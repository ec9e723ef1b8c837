"""W55 walkthrough finding 4: AdamW at lr 1e-3 with weight_decay=50 read the shrink of the weights at step 51 ('the
weights have shrunk ... weight decay set too large', 'Lower the weight decay'), then 'dying layer' with 'Lower the
learning rate ... restart from a checkpoint' at steps 311 and 361, then the weight decay again. Once the shrink is
read, every later headline says it and every remedy leads with the weight decay. The reference: the weights' size
taken by the test (the root of the squares of the trained weight matrices) at the start and the end."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _size(model) -> float:
    return math.sqrt(sum(float(m.weight.detach().norm()) ** 2 for m in model if isinstance(m, nn.Linear)))


def _run():
    """The walkthrough's run: the reports every 10th step, and the weights' size at the start and the end."""
    torch.manual_seed(0)
    centres = torch.randn(10, 32)  # classes that overlap: the gradient pushes back weakly
    y = torch.arange(4096) % 10  # (labels in turn, as the walkthrough drew them)
    x = centres[y] + 1.5 * torch.randn(4096, 32)
    act = nn.ReLU()  # one module after every layer, as the walkthrough's model had it
    model = nn.Sequential(nn.Linear(32, 64), act, nn.Linear(64, 64), act, nn.Linear(64, 64), act, nn.Linear(64, 10))
    start = _size(model)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=50)
    mon = Monitor(model, every=10, chance_loss=math.log(10))
    g = torch.Generator().manual_seed(1)
    reports = []
    for _ in range(400):
        i = torch.randint(0, 4096, (64,), generator=g)
        monitored_step(mon, model, x[i], y[i], opt)
        if mon.sampled_steps and mon.step_count % 10 == 1:
            reports.append(mon.report())
    return reports, start, _size(model)


def test_a_decay_that_pulls_the_weights_to_0_stays_the_named_cause_through_the_dying_layers():
    reports, start, end = _run()
    assert end < start / 4  # the premise: the decay pulled the weights toward 0
    first = next(k for k, r in enumerate(reports) if "the weights have shrunk" in r.reading.words)
    later = reports[first:]
    assert len(later) > 20
    for r in later:
        assert "the weights have shrunk" in r.reading.words, (r.step, r.reading.words)
        assert r.reading.remedy.startswith("Lower the weight decay"), (r.step, r.reading.remedy)
    assert any(r.status.value == "dead_layer" for r in later)  # the premise: the layers died on the way


def test_one_activation_module_reused_down_a_stack_is_no_loop_over_time():
    """W55 walkthrough finding 6: the note for a gradient vanishing through a recurrent loop ('through time ... gated
    cells (nn.LSTM, nn.GRU) carry it further') was said of a plain MLP with one nn.ReLU after every layer."""
    reports, _, _ = _run()
    notes = [n for r in reports for n in r.notes]
    assert any("module '1' (ReLU) ran 3 times in one forward" in n for n in notes)  # the premise: 3 calls
    assert not any("through time" in n or "gated cells" in n for n in notes)
