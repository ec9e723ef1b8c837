"""Issue 17 (M12 item 2): every line a Monitor writes carries its run id, so two monitors writing one log at the
same steps are read as two runs.

Without the id, the reader can tell two monitors' lines apart only by their steps and the order of their lines
(log_runs): two monitors in lockstep write the same steps, and their runs cannot be told apart. The references are
each model's own loss on the batch (computed here) and the file's lines themselves.
"""

from __future__ import annotations

import json
import warnings

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.monitor_log import LogWarning, read_log  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

STEPS = 8
# which monitor writes first in each round: two processes in lockstep do not keep one order, and a line of step n
# follows either run's step n - 1, so without the id the reader gives it to the wrong run when the order turns
ORDERS = [(0, 1), (0, 1), (1, 0), (0, 1), (1, 0), (1, 0), (0, 1), (0, 1)]


def _two_in_lockstep(log):
    """Two monitors on one log, each sampling the same steps, one line each per round, in the order ORDERS gives
    (each monitor appends its header: both stay, the first monitor's first)."""
    torch.manual_seed(0)
    models = [nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2)) for _ in range(2)]
    monitors = [Monitor(m, every=1, log=log) for m in models]
    x, y = torch.randn(32, 4), torch.randint(0, 2, (32,))
    scales = (1.0, 100.0)  # the second model sees a scaled batch: another loss
    expected = [nn.functional.cross_entropy(m(x * s), y).item() for m, s in zip(models, scales, strict=True)]
    for step in range(STEPS):
        for k in ORDERS[step]:
            with monitors[k].step() as handle:
                loss = nn.functional.cross_entropy(models[k](x * scales[k]), y)
                handle.loss = loss
                loss.backward()
    for mon in monitors:
        mon.close()
    return monitors, expected


def test_every_line_carries_its_monitors_run_id_and_each_monitor_has_its_own(tmp_path):
    log = tmp_path / "shared.jsonl"
    monitors, _ = _two_in_lockstep(log)
    ids = [m._run_id for m in monitors]
    assert len(set(ids)) == 2 and all(isinstance(i, str) and i for i in ids)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert all(line.get("run") in ids for line in lines)
    for rid in ids:
        mine = [line for line in lines if line["run"] == rid]
        assert [line["step"] for line in mine if "step" in line] == list(range(1, STEPS + 1))
        assert [line["steps_run"] for line in mine if line.get("event") == "end"] == [STEPS]
    assert [line["run"] for line in lines if "format" in line] == ids  # appended, in the order they were made


def test_two_monitors_writing_the_same_steps_are_read_as_two_runs_each_with_its_own_reports(tmp_path):
    log = tmp_path / "shared.jsonl"
    monitors, expected = _two_in_lockstep(log)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LogWarning)
        reads = [read_log(log, run=n) for n in (1, 2)]
    assert len(reads[0].runs) == 2
    # run 1 is the run of the file's first line (the first monitor's header), run 2 the second monitor's
    for read, k in ((reads[0], 0), (reads[1], 1)):
        assert [r["step"] for r in read.reports] == list(range(1, STEPS + 1))
        assert [r["loss"] for r in read.reports] == pytest.approx([expected[k]] * STEPS, rel=1e-6)
        assert read.bad_lines == 0 and not read.skipped  # each end line names its run
        assert [r["ended"] for r in read.runs] == [True, True]
        assert {r["run"] for r in read.reports} == {monitors[k]._run_id}
    assert json.loads(log.read_text().splitlines()[0])["run"] == monitors[0]._run_id


def test_a_log_without_run_ids_still_reads(tmp_path):
    """A log an older actlab wrote (no "run" on any line) reads as before: one monitor's run, every report."""
    torch.manual_seed(0)
    log = tmp_path / "one.jsonl"
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    with Monitor(model, every=1, log=log) as mon:
        for _ in range(5):
            with mon.step() as handle:
                loss = nn.functional.cross_entropy(model(x), y)
                handle.loss = loss
                loss.backward()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert all("run" in line for line in lines)
    old = tmp_path / "old.jsonl"
    old.write_text("".join(json.dumps({k: v for k, v in line.items() if k != "run"}) + "\n" for line in lines))
    new_read, old_read = read_log(log), read_log(old)
    assert old_read.warnings == [] and new_read.warnings == []
    assert len(old_read.runs) == 1 and old_read.bad_lines == 0
    assert [r["step"] for r in old_read.reports] == [r["step"] for r in new_read.reports] == [1, 2, 3, 4, 5]
    assert [r["loss"] for r in old_read.reports] == [r["loss"] for r in new_read.reports]
