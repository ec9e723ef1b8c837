"""Issue 17 (M8): a model compiled and run before the Monitor was made keeps running the code compiled then, which
calls none of the monitor's hooks (Dynamo does not guard on module hooks by default), so the monitor sees no layer.
The report used to say 'nothing ran' and to tell the practitioner to call the compiled model, which they did; it now
says why nothing was seen and what to do, and doing it (torch._dynamo.reset()) brings the layers back."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _steps(mon, called, n=2):
    g = torch.Generator().manual_seed(1)
    for _ in range(n):
        x, y = torch.randn(16, 8, generator=g), torch.randint(0, 3, (16,), generator=g)
        monitored_step(mon, called, x, y)
    return mon.report()


@pytest.fixture
def compiled_before():
    torch._dynamo.reset()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    called = torch.compile(model, backend="eager")
    nn.functional.cross_entropy(called(torch.randn(16, 8)), torch.randint(0, 3, (16,))).backward()
    yield called
    torch._dynamo.reset()


def test_a_model_compiled_before_the_monitor_is_said_to_run_without_its_hooks(compiled_before):
    report = _steps(Monitor(compiled_before, every=1), compiled_before)
    assert report.layers == ()
    assert report.status.value == "unwatched"  # its weights got gradients (M13, W14): not no_gradient
    finding = report.reading.findings[0]
    assert "compiled model that ran before Monitor() was made" in finding.words
    assert "torch._dynamo.reset()" in finding.remedy
    assert "nothing ran" not in finding.words


def test_the_remedy_works_after_a_reset_the_layers_are_read(compiled_before):
    mon = Monitor(compiled_before, every=1)
    torch._dynamo.reset()
    report = _steps(mon, compiled_before)
    assert [layer.name for layer in report.layers] == ["1"]
    assert report.layers[0].act_grad_norm > 0


def test_an_uncompiled_model_not_called_still_reads_nothing_ran():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    mon = Monitor(model, every=1)
    with mon.step():
        pass
    assert "nothing ran" in mon.report().reading.findings[0].words
