"""Issue 17 (W14 item 5): the Monitor finds trained weights that never change.

W14's loop without opt.step() held the loss at 2.3831605911254883 for 1,200 steps and read 'not learning ... raise
the learning rate'; with lr=0 it read 'starting'. The monitor keeps, on itself, the sampled step since which the
trained weights kept their values (_weights_still_since) and, where only some did, whose (_still_weights): the lead
passes them to the RunSummary. The reference: copies of the weights, compared with torch.equal, and the steps the
test sampled.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop import _monitor_weights  # noqa: E402
from actlab.interop.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def loop(opt_of, steps=40, every=1, step_opt=True):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
    x, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    opt = opt_of(model)
    first = {n: p.detach().clone() for n, p in model.named_parameters() if n.endswith("weight")}
    sinces = []
    with Monitor(model, every=every) as mon:
        for _ in range(steps):
            monitored_step(mon, model, x, y)
            sinces.append((mon._weights_still_since, mon._still_weights))
            if step_opt:
                opt.step()
            opt.zero_grad()
    same = {n: torch.equal(first[n], p) for n, p in model.named_parameters() if n.endswith("weight")}
    return sinces, same


def test_a_loop_without_opt_step_is_found_still_from_its_first_sampled_step():
    sinces, same = loop(lambda m: torch.optim.SGD(m.parameters(), lr=0.1), step_opt=False)
    assert all(same.values())
    assert sinces[0] == (None, ())  # one sampled step: nothing to compare with
    assert all(s == (1, ()) for s in sinces[1:])


def test_an_optimiser_with_lr_0_writes_the_same_values_and_is_found_at_the_first_comparison():
    # values are read as the weights are first seen and compared VALUE_STEPS steps later (the reading that uses it
    # waits WEIGHTS_STILL_STEPS, 100, from the step it is kept since: the first)
    sinces, same = loop(lambda m: torch.optim.SGD(m.parameters(), lr=0.0), steps=_monitor_weights.VALUE_STEPS + 15)
    assert all(same.values())
    found = [i for i, s in enumerate(sinces) if s[0] is not None]
    assert found and found[0] <= _monitor_weights.VALUE_STEPS and all(s == (1, ()) for s in sinces[found[0]:])
    assert all(sinces[i][0] is not None for i in range(found[0], len(sinces)))


def test_an_optimiser_that_holds_only_the_head_leaves_the_first_weight_still():
    sinces, same = loop(lambda m: torch.optim.SGD(m[2].parameters(), lr=0.1))
    assert same == {"0.weight": True, "2.weight": False}
    assert all(s == (1, ("0",)) for s in sinces[1:])


@pytest.mark.parametrize("opt", [lambda m: torch.optim.SGD(m.parameters(), lr=1e-6),
                                 lambda m: torch.optim.Adam(m.parameters(), lr=1e-3)])
def test_a_stepping_optimiser_is_never_found_still(opt):
    sinces, same = loop(opt, steps=30)
    assert not any(same.values())
    assert all(s == (None, ()) for s in sinces)


def test_sparse_sampling_dates_the_still_weights_by_a_sampled_step():
    sinces, _ = loop(lambda m: torch.optim.SGD(m.parameters(), lr=0.1), steps=40, every=7, step_opt=False)
    # sampled steps 1, 8, 15, ...: the first comparison is at step 8, the weights kept since sampled step 1
    assert {s for s in sinces[8:]} == {(1, ())}
