"""W54 walkthrough finding 2: a CNN with BatchNorm fed inputs replaced by zeros read 'vanishing' with 'Try He
initialisation', then 'dying layer' and 'dead layer' with 'Use Leaky ReLU or GELU', while every weight's gradient was
exactly 0 and the cause was the data. Samples that reach the first weighted module alike now head the reading as the
cause, with a remedy about the data. References: the batches the test builds (all 0, one sample repeated, or real),
and, for the spread the monitor reads, a direct comparison of every sample with the first."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_inputs import _spread  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import clusters, monitored_step  # noqa: E402

WORDS = "the inputs do not tell the samples apart"


def _cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(16, 4))


def _train(batch_of, steps=120, every=5, model=None):
    """Adam on the CNN, each step's batch from ``batch_of(step, x)`` (x: 32 real images); the reports by step."""
    model = model or _cnn()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    mon = Monitor(model, every=every, chance_loss=math.log(4))
    g = torch.Generator().manual_seed(1)
    seen = {}
    for step in range(1, steps + 1):
        x, y = torch.randn(32, 3, 16, 16, generator=g), torch.randint(0, 4, (32,), generator=g)
        with mon.step() as s:
            loss = F.cross_entropy(model(batch_of(step, x)), y)
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
        if (step - 1) % every == 0:
            seen[step] = mon.report()
    return seen


BATCHES = {"zero": lambda step, x: torch.zeros_like(x), "constant": lambda step, x: torch.full_like(x, 3.0),
           "one": lambda step, x: x[:1].expand_as(x).clone()}


@pytest.mark.parametrize(("kind", "said"), [("zero", f"{WORDS}: every sample of the latest"),
                                            ("constant", f"{WORDS}: every sample of the latest"),
                                            ("one", "every batch is one sample repeated: all of the latest")])
def test_samples_that_reach_the_model_alike_are_named_as_the_cause(kind, said):
    seen = _train(BATCHES[kind])
    late = [r for step, r in seen.items() if step > 20]
    for r in late:  # (a batch norm over copies of one sample outputs 0: nothing learns from them either)
        assert r.status.value == "not_learning" and r.reading.words.startswith(f"not learning: {said}"), \
            r.reading.words
        assert {"zero": "with its inputs all 0", "constant": "with the same values",
                "one": "as copies of one sample, another each batch"}[kind] in r.reading.words
        assert "the first weighted module, '0' (Conv2d)" in r.reading.words
        assert r.reading.remedy.startswith("Check what reaches the model, not the model")
        assert "healthy" not in str(r)


def test_one_sample_repeated_in_a_model_that_learns_from_it_reads_healthy_with_the_batch_said():
    """W55 walkthrough finding 3: batches of one sample repeated, another each step, read 'not learning ... can learn
    no more than how often each target comes' beside a loss 68% below chance. The reference: the whole data set's loss
    before and after, against chance."""
    x, y = clusters()
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    mon = Monitor(model, every=10, chance_loss=math.log(10))
    for step in range(400):
        i = step % 4096
        monitored_step(mon, model, x[i:i + 1].expand(64, -1), y[i:i + 1].expand(64), opt)
    with torch.no_grad():
        whole = F.cross_entropy(model(x), y).item()
    assert whole < 0.5 * math.log(10)  # the premise: it learned, one sample a step
    r = mon.report()
    assert r.status.value == "healthy", r.reading.words
    assert r.reading.words.startswith("healthy, but every batch is one sample repeated"), r.reading.words
    assert WORDS not in r.reading.words and "the unit counts here are of one sample a batch" in r.reading.words


def test_inputs_that_differ_never_read_alike_and_a_fixed_pipeline_clears_it():
    scaled = _train(lambda step, x: x * 1000, steps=60)  # far off scale, but every sample its own
    assert not any(WORDS in str(r) for r in scaled.values())
    fixed = _train(lambda step, x: torch.zeros_like(x) if step <= 40 else x, steps=100)
    assert WORDS in str(fixed[36])  # the premise: read while the batches were zeros
    assert not any(WORDS in str(r) for step, r in fixed.items() if step > 50)


def test_token_ids_and_single_samples_are_not_read():
    torch.manual_seed(0)
    embedded = nn.Sequential(nn.Embedding(16, 8), nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 4))
    plain = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    for model, batch in ((embedded, lambda: torch.zeros(8, 8, dtype=torch.long)), (plain, lambda: torch.zeros(1, 8))):
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        mon = Monitor(model, every=2, chance_loss=math.log(4))
        for _ in range(40):
            x = batch()  # the same token ids for every sample; a batch of one sample, all 0
            with mon.step() as s:
                loss = F.cross_entropy(model(x), torch.zeros(x.shape[0], dtype=torch.long))
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
        # the first weighted module takes token ids (an embedding: not read), or a batch of one sample, where alike
        # says nothing
        assert WORDS not in str(mon.report())
    assert _spread(torch.zeros(1, 5)) is None and _spread(torch.zeros(4, 5, dtype=torch.long)) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, -0.0, 1.0, -2.5, 1e-30, 3e38]), min_size=3, max_size=3),
                min_size=2, max_size=5))
def test_the_spread_is_zero_exactly_when_every_sample_equals_the_first(rows):
    x = torch.tensor(rows, dtype=torch.float32)
    got = _spread(x)
    gap, top, first, _, _ = (float(t) for t in got)
    same = all(torch.equal(x[0], x[i]) for i in range(len(x)))
    assert (gap == 0) == same, (rows, gap)
    # the compiled pass (floats) sums in float64, torch's path (0-d tensors) in float32 (3e38 twice: inf)
    assert top == float(x.abs().max()) and first == float(x[0].double().sum() if isinstance(got[0], float)
                                                              else x[0].sum())
