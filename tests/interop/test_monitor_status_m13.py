"""A compiled model that ran before the Monitor was made: its weights get gradients, yet no hook sees the forward
(W14, issue 17). The status said 'no_gradient' while its own words said the weights got gradients; now it is
'unwatched' (nothing measured), which is not a failure. The reference is plain torch: each weight's .grad after
backward in the last step, read inside the loop."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.log_read import read_log  # noqa: E402
from actlab.reading_record import FAILURES, Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_dynamo():
    torch.compiler.reset()
    yield
    torch.compiler.reset()


def test_weights_with_gradients_unseen_by_the_hooks_read_unwatched_not_no_gradient(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))
    g = torch.Generator().manual_seed(1)
    data = [(torch.randn(64, 8, generator=g), torch.randint(0, 3, (64,), generator=g)) for _ in range(11)]
    cm = torch.compile(model, backend="eager")
    cm(data[0][0]).sum().backward()  # compiled before the monitor exists
    model.zero_grad()
    mon = Monitor(model, every=5, log=tmp_path / "run.jsonl")
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    grads = []
    for x, y in data:
        monitored_step(mon, cm, x, y)
        grads = [float(m.weight.grad.abs().sum()) for m in (model[0], model[2])]  # the reference
        opt.step()
        opt.zero_grad()
    mon.close()
    report = mon.report()
    assert report.step == 11 and not report.layers  # the premise: nothing was read
    assert all(g > 0 for g in grads), grads  # plain torch: every weight got a gradient on the last step
    assert report.reading.status == Status.UNWATCHED and Status.UNWATCHED not in FAILURES
    assert report.reading.words.startswith("unwatched: nothing seen: the model's weights got gradients"), \
        report.reading.words
    # the log, what `actlab watch` and read_log show, carries the same status
    _, reports = read_log(tmp_path / "run.jsonl")
    assert reports[-1]["reading"]["status"] == "unwatched", reports[-1]["reading"]
