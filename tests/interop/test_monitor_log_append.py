"""A Monitor appends to an existing log, never truncates it: the script run again into the same log, or a second
process writing it at once, adds a run of its own (told apart by its run id), and no earlier line is lost. With
open("w") W14's second process destroyed the first one's header and 24 of its steps."""

from __future__ import annotations

import json
import warnings

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.monitor_log import read_log  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step, squared_error  # noqa: E402


def _run(log, steps: int, seed: int) -> list[float]:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    x, y = torch.randn(32, 4), torch.randn(32, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    with Monitor(model, every=1, log=log) as mon:
        for _ in range(steps):
            loss = monitored_step(mon, model, x, y, loss_fn=squared_error)
            losses.append(loss.item())
            opt.step()
            opt.zero_grad()
    return losses


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_second_run_into_the_same_log_keeps_the_first(tmp_path):
    log = tmp_path / "exp.jsonl"
    first = _run(log, 6, seed=0)
    before = log.read_bytes()
    second = _run(log, 4, seed=1)
    assert log.read_bytes().startswith(before)  # every byte of the first run is still there
    lines = _lines(log)
    headers = [line for line in lines if "format" in line]
    assert len(headers) == 2 and headers[0]["run"] != headers[1]["run"]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        one = read_log(log, run=1)
        two = read_log(log)
    assert [r["loss"] for r in one.reports] == first
    assert [r["loss"] for r in two.reports] == second
    assert len(two.runs) == 2


def test_a_line_left_half_written_is_ended_before_the_new_header(tmp_path):
    log = tmp_path / "exp.jsonl"
    _run(log, 3, seed=0)
    with log.open("a") as fh:  # a writer killed in the middle of a report
        fh.write('{"step": 3, "sampled_ste')
    second = _run(log, 3, seed=2)
    text = log.read_text()
    assert '{"step": 3, "sampled_ste\n{"format"' in text  # the cut line stays cut; the header starts a line
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        latest = read_log(log)
    assert latest.header["run"] == _lines_header_runs(log)[-1]
    assert [r["loss"] for r in latest.reports] == second


def _lines_header_runs(path) -> list[str]:
    runs = []
    for line in path.read_text().splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if "format" in obj:
            runs.append(obj["run"])
    return runs
