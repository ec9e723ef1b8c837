"""Issue 17, W37 walkthrough finding 2: 40 of a ReLU layer's 64 units held off from the first step (biases of -8)
read 'healthy: ... 41 of 128 hidden units are dead, and the loss is 63% below chance', with no remedy: the pooled
count hid a layer 62% dead. The reference: the units' outputs, counted by a forward hook of the test's own."""

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_layer_mostly_dead_from_the_start_is_named_in_a_healthy_reading_with_a_remedy():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
    with torch.no_grad():
        model[0].bias[:40] = -8.0
    x = torch.randn(512, 8)
    y = (x[:, :4] + 0.3 * x[:, 4:]).argmax(1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    on = []
    model[1].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    with Monitor(model, every=5, chance_loss=math.log(4)) as mon:
        for t in range(400):
            idx = torch.randint(0, 512, (64,), generator=torch.Generator().manual_seed(t))
            monitored_step(mon, model, x[idx], y[idx], opt)
    never = int((~torch.stack(on).any(0)).sum())  # the reference: units of module '1' never on in any step
    r = mon.report()
    row = r.layers[0]
    assert never == 40 and row.dead == never  # the premise, and the count against it
    reading = r.reading
    assert reading.status.value == "healthy", reading.words
    assert f"of 128 hidden units are dead, {never} of 64 in module '1' (ReLU)" in reading.words, reading.words
    assert reading.remedy.startswith("Half or more of the units of module '1' (ReLU) are dead"), reading.remedy
    # off from the first step: the initialisation's doing, not the learning rate's (W83 walkthrough finding 4)
    assert "Every one of the dead units was off on every sampled batch from the first training step on, before any " \
           "update changed a weight, so the initialisation put them there: check the biases of that layer and the " \
           "weights before it" in reading.remedy, reading.remedy
    assert "learning rate" not in reading.remedy
