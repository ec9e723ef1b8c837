"""Two real Monitors given the same log= (issue 17, V9 item 1): each appends its header (the file is never truncated),
then both append their reports, interleaved. read_log tells the two runs apart and returns each whole, with its own
model's numbers (a direct check: each model's loss on the batch, computed here)."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.monitor_log import LogWarning, read_log  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def test_two_monitors_sharing_a_log_are_read_as_two_runs_each_with_its_own_numbers(tmp_path):
    torch.manual_seed(0)
    log = tmp_path / "shared.jsonl"
    models = [nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2)) for _ in range(2)]
    monitors = [Monitor(m, every=1, log=log) for m in models]
    x, y = torch.randn(32, 4), torch.randint(0, 2, (32,))
    scales = (1.0, 100.0)  # the second model sees a scaled batch: another loss
    expected = [nn.functional.cross_entropy(m(x * s), y).item() for m, s in zip(models, scales, strict=True)]
    for step in range(12):
        for k in (0, 1):
            if k == 1 and step % 4 == 3:
                continue  # the second monitor skips now and then: 9 steps against 12
            with monitors[k].step() as handle:
                loss = nn.functional.cross_entropy(models[k](x * scales[k]), y)
                handle.loss = loss
                loss.backward()
    for mon in monitors:
        mon.close()
    # each line carries its monitor's run id (M12): the first monitor's header is the file's first line, so its run
    # is run 1; the second monitor's header follows on line 2
    # a run named by its number: the ids tell the runs apart, and the caller knows there are others (W67 walkthrough
    # finding 8): no warning, the words in the result; without run=, a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", LogWarning)
        first = read_log(log, run=1)
        second = read_log(log, run=2)
    assert any("2 monitors wrote this log at once" in w for w in first.warnings)
    with pytest.warns(LogWarning, match="2 monitors wrote this log at once"):
        latest = read_log(log)
    assert latest.run == 2 and [r["run"] for r in latest.runs] == [1, 2]
    assert [r["step"] for r in first.reports] == list(range(1, 13))
    assert [r["step"] for r in second.reports] == list(range(1, 10))
    for read, loss in ((first, expected[0]), (second, expected[1])):
        assert [r["loss"] for r in read.reports] == pytest.approx([loss] * len(read.reports), rel=1e-6)
    assert first.bad_lines == 0 and not first.skipped  # the two end lines carry their run ids (M12)
