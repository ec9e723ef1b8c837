"""W79 walkthrough finding 5: a loop with no zero_grad() (SGD, lr 0.5) kept every weight's summed gradient up, so
the weight-gradient ratios looked fine, while every unit of the second ReLU was off on the batch: the gradient passed
back to the first was exactly 0, and the reading said 'vanishing: the gradient passed back to module '1' (ReLU) is 0
of the one at the last watched activation', a long chain of small derivatives, with the vanishing remedy. Checked
against the script's own hooks: the second ReLU's units on the batch, and the gradient reaching the first."""

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_layer_all_off_on_the_batch_is_said_to_stop_the_signal_not_to_let_it_vanish():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # (lr 0.5 on summed gradients is chaotic: the walkthrough's sums, one thread)
    try:
        torch.manual_seed(4)
        x = torch.randn(4096, 20)
        y = (x @ torch.randn(20, 5) + 0.3 * torch.randn(4096, 5)).argmax(1)
        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 5))
        seen = {}
        model[3].register_forward_hook(lambda m, i, o: seen.update(on=int((o > 0).any(0).sum())))

        def reaching(module, inputs, output):
            output.register_hook(lambda g: seen.update(g1=float(g.norm())))

        model[1].register_forward_hook(reaching)
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        with Monitor(model, every=1, chance_loss=math.log(5)) as mon:
            for _ in range(100):
                idx = torch.randint(0, 4096, (64,))
                monitored_step(mon, model, x[idx], y[idx])
                opt.step()  # no zero_grad(), on purpose
            report = mon.report()
    finally:
        torch.set_num_threads(threads)
    assert seen["on"] == 0 and seen["g1"] == 0.0, seen  # the premise: none of module '3' on, nothing back to '1'
    said = [f.words for f in report.reading.findings if "passed back to module '1'" in f.words]
    assert said, [f.words for f in report.reading.findings]
    for words in said:
        assert "is 0 of the one" not in words, words
        assert "every unit of module '3' (ReLU) is off on the batch of training step 100" in words, words
    # and its remedy is the off layer's (biases, slope, rate), not a vanishing chain's (initialisation, depth)
    remedies = [f.remedy for f in report.reading.findings if f.words.startswith("vanishing: no gradient is passed")]
    # (its units were on at first and updates pushed them off: the rate leads, W83 walkthrough finding 3)
    assert remedies and all(r.startswith("Lower the learning rate: the units of module '3' (ReLU) were on earlier in "
                                         "the run and updates pushed them off") and
                            "use Leaky ReLU or GELU instead of relu" in r for r in remedies), remedies
