"""W80 walkthrough finding 3: a backbone pretrained (its .grad left set), frozen while a new head trains, then
unfrozen at step 201 with opt.add_param_group. Every report from step 5 on said 'gradients accumulate across steps:
when step 1's forward began, 2 of the 3 weights already held a nonzero gradient ...: zero_grad() is missing from the
loop', though backward adds nothing to a frozen weight's .grad; and the one step where it mattered, the first after
unfreezing, was not named."""

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _notes(unfreeze_at=21, steps=30):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
    x, y = torch.randn(256, 8), torch.randint(0, 3, (256,))
    backbone = list(model[:4].parameters())
    F.cross_entropy(model(x), y).backward()  # the "pretraining": every .grad set, never cleared
    model[4].weight.grad = model[4].bias.grad = None  # (the new head's none)
    kept = [p.grad.clone() for p in backbone]
    for p in backbone:
        p.requires_grad_(False)
    opt = torch.optim.SGD(model[4].parameters(), lr=0.1)
    notes, grads = {}, {}
    with Monitor(model, every=1) as mon:
        for step in range(1, steps + 1):
            if step == unfreeze_at:
                for p in backbone:
                    p.requires_grad_(True)
                opt.add_param_group({"params": backbone, "lr": 0.01})
            monitored_step(mon, model, x[:64], y[:64])
            grads[step] = model[0].weight.grad.clone()
            opt.step()
            opt.zero_grad()
            notes[step] = " ".join(mon.report().notes)
    return notes, grads, kept


def test_a_frozen_weights_old_gradient_is_no_missing_zero_grad_and_its_unfreezing_is_named():
    notes, grads, kept = _notes()
    # the premise: the backbone's first trained gradient is the old one plus that step's own
    assert torch.equal(grads[20], kept[0]) and not torch.equal(grads[21], kept[0])
    for step in range(1, 21):
        assert "gradients accumulate across steps" not in notes[step], (step, notes[step])
    for step in range(21, 31):
        assert "gradients accumulate across steps" not in notes[step], (step, notes[step])
        assert "'0.weight' and '2.weight', frozen at the sampled step before, were trained on step 21 with a .grad " \
               "still holding a gradient from before the freeze" in notes[step], (step, notes[step])


def test_a_loop_with_no_zero_grad_is_still_told_so():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    x, y = torch.randn(64, 8), torch.randint(0, 3, (64,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with Monitor(model, every=1) as mon:
        for _ in range(3):
            monitored_step(mon, model, x, y)
            opt.step()
        words = " ".join(mon.report().notes)
    assert "gradients accumulate across steps: when step 2's forward began" in words, words
    assert "frozen at the sampled step before" not in words
