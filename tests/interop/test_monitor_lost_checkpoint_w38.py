"""Issue 17, W38 walkthrough finding 2: an MLP trained by Adam, its learning rate raised 300-fold at step 300, read 'no
gradient: ... no weight matrix can learn', its remedy 'no learning rate moves a weight again' and 'a checkpoint saved
before the problem began'; under Adam, units of a layer read all dead fired again 30 steps later. The words now say
there is no gradient to learn from (not that no weight moves), and the remedy names a checkpoint from the lowest
stretch of that 50-step window. References: the script's own losses (their rolling mean of 50, their medians of 9)."""

from __future__ import annotations

import math
import re
import statistics

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_run_that_learned_and_lost_it_names_the_checkpoint_of_its_lowest_mean_loss():
    torch.manual_seed(0)
    X = torch.randn(4096, 20)
    y = (X @ torch.randn(20, 10)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses, seen, whole = [], {}, {}
    with Monitor(model, every=1, chance_loss=math.log(10)) as mon:
        for t in range(1, 381):
            if t == 300:
                for g in opt.param_groups:
                    g["lr"] = 0.3
            with torch.no_grad():  # the weights a checkpoint saved before step t holds, scored on all 4,096 points
                whole[t] = nn.functional.cross_entropy(model(X), y).item()
            idx = torch.randint(0, 4096, (64,), generator=torch.Generator().manual_seed(t))
            losses.append(monitored_step(mon, model, X[idx], y[idx], opt).item())
            seen[t] = mon.report().reading
    lost = {t: r for t, r in seen.items() if r.words.startswith("not learning any more")}
    assert lost  # the premise: the run learned and lost it
    means = {t: sum(losses[max(0, t - 50):t]) / min(t, 50) for t in range(1, 301)}
    best = min(means.values())
    for t, r in lost.items():
        named = re.search(r"had come down to \S+ at training step (\d+)", r.words)
        assert named, r.words
        low = int(named.group(1))
        assert means[low] <= 1.01 * best, (low, means[low], best)  # against the script's own rolling means
        # the checkpoint: within that 50-step window, where the loss was lowest (W48: the window's end is no best
        # point where the loss turned within it; W51: nor a noise low before an end as good), against the weights'
        # own score on the whole data set: within 2% of the best checkpoint before the learning rate was raised
        # (or the window's end, within the noise of a lower stretch, said as such: W60)
        named = re.search(r"a checkpoint saved before training step ([\d,]+), where the loss was (?:at its lowest|last "
                          r"within the noise of its lowest) \(the median of the 9 steps (?:around|up to) it, "
                          r"([^,)]+)", r.remedy)
        assert named, (t, r.remedy)
        at = int(named.group(1).replace(",", ""))
        assert low - 50 < at <= low and whole[at] <= 1.02 * min(whole[u] for u in range(1, 301)), \
            (at, whole[at], min(whole[u] for u in range(1, 301)))
        spans = {m: statistics.median(losses[m - 5:m + 4]) for m in range(low - 45, low - 3)}
        assert float(named.group(2)) == float(f"{spans.get(at, statistics.median(losses[low - 9:low])):.3g}")
        if r.status.value == "no_gradient":
            assert "no weight matrix gets a gradient to learn from" in r.words
            assert "no learning rate moves a weight again" not in r.remedy
            assert "an optimiser's momentum or weight decay may still move them for a while" in r.remedy
