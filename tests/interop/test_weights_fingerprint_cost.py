"""Issue 17: the weights' fingerprint (_monitor_weights) reads a written weight's values with its norm in its own
dtype, and sums it again in float64 only on the reads every VALUE_STEPS training steps.

Before, every 10th sampled step summed every written weight's norm in float64: 1.2 ms CPU on the 8 x 256 x
256 MLP of bench/torch_monitor.py (measured 00:45 UTC, under a CI run), which made every=1 1.7% to 3.6% slower per
step than P1's 62b250a. Then a training run paid the cheap read only, and the float64 sum was taken where the float32
norm stayed the same; that dated weights that stopped changing from the second read after they stopped (W46 finding
5). Now each read every VALUE_STEPS steps takes both. The references: torch.equal on copies of the weights, and the
calls the fused norm receives."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop import _monitor_weights  # noqa: E402
from actlab.interop.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def model_and_batch():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 3))
    return model, torch.randn(32, 64), torch.randint(0, 3, (32,))


def run(model, x, y, steps, after_step):
    sinces = []
    with Monitor(model, every=1) as mon:
        for _ in range(steps):
            monitored_step(mon, model, x, y)
            sinces.append((mon._weights_still_since, mon._still_weights))
            after_step()
    return sinces


def count_float64_norms(monkeypatch):
    calls = []
    real = torch._foreach_norm

    def counted(tensors, ord=2, dtype=None):
        calls.append((dtype, len(tensors), tuple(t.data_ptr() for t in tensors)))
        return real(tensors, ord, dtype=dtype)

    monkeypatch.setattr(torch, "_foreach_norm", counted)
    return calls


def test_a_training_run_takes_the_float64_sum_only_on_its_reads_every_value_steps(monkeypatch):
    model, x, y = model_and_batch()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    calls = count_float64_norms(monkeypatch)

    def step():
        opt.step()
        opt.zero_grad()

    steps = 3 * _monitor_weights.VALUE_STEPS + 10
    sinces = run(model, x, y, steps, step)
    assert all(s == (None, ()) for s in sinces[1:])  # every weight changes: none is still
    weights = tuple(m.weight.data_ptr() for m in model if isinstance(m, nn.Linear))
    wide = [c[:2] for c in calls if c[0] is torch.float64]
    # the reads of the three weights' values at steps 1, 51, 101 and 151, and no other
    assert wide == [(torch.float64, 3)] * 4, calls
    quick = [c for c in calls if c[0] is None and c[2] == weights]  # the weights' values, not their gradients
    assert len(quick) == 4  # the reads at steps 1, 51, 101 and 151: one every VALUE_STEPS steps, not every step


def test_a_change_too_small_for_the_float32_norm_is_still_a_change():
    # one element moved by one unit in the last place each step: the float32 norm cannot see it, the float64 sum can
    model, x, y = model_and_batch()
    w = model[0].weight
    f32_norms = set()

    def nudge():
        with torch.no_grad():
            flat = w.view(-1)
            flat[0] = torch.nextafter(flat[0], torch.tensor(1.0))
        f32_norms.add(float(torch.linalg.vector_norm(w.detach())))

    before = w.detach().clone()
    steps = 2 * _monitor_weights.VALUE_STEPS + 10  # values compared at steps 51 and 101
    sinces = run(model, x, y, steps, nudge)
    assert not torch.equal(before, w)
    assert len(f32_norms) < steps  # the case: the float32 norm missed some of the nudges
    # the two weights nobody writes are still from step 1; the nudged one never is
    assert all(s == (1, ("2", "4")) for s in sinces[1:]), sinces


def test_an_optimiser_with_lr_0_is_found_at_the_second_read_of_values_and_kept_from_the_first(monkeypatch):
    model, x, y = model_and_batch()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    first = [p.detach().clone() for p in model.parameters()]

    def step():
        opt.step()
        opt.zero_grad()

    every = _monitor_weights.VALUE_STEPS
    sinces = run(model, x, y, every + 15, step)
    assert all(torch.equal(a, b) for a, b in zip(first, model.parameters(), strict=True))
    found = [i for i, s in enumerate(sinces) if s[0] is not None]
    # values are first read at the first sampled step (as the weights are first seen), then at step every + 1:
    # kept since the first (before, first read at every + 1 and found at 2 every + 1, kept since every + 1)
    assert found[0] == every and all(s == (1, ()) for s in sinces[found[0]:]), sinces
