"""The log's end line says when a run ended by an exception (W12 finding 7): "exception": "<type>: <message>"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.monitor_log import check_record  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def _train(mon: Monitor, model: nn.Module, steps: int, raise_at: int | None = None,
           error: BaseException | None = None) -> None:
    for i in range(steps):
        with mon.step():
            model(torch.randn(16, 4)).square().mean().backward()
            if i == raise_at:
                raise error


def _end(path: Path) -> dict:
    lines = path.read_text().splitlines()
    last = json.loads(lines[-1])
    assert check_record(last)[0] == "end"  # the watch page's reader takes it as the end line
    assert last.pop("run") == json.loads(lines[0])["run"]  # the monitor's run id (M12), as on its header
    return last


def test_a_normal_end_has_no_exception_field(tmp_path):
    model = _model()
    with Monitor(model, every=1, log=tmp_path / "ok.jsonl") as mon:
        _train(mon, model, 4)
    assert _end(tmp_path / "ok.jsonl") == {"event": "end", "steps_run": 4}


def test_an_exception_in_a_step_is_named_on_the_end_line(tmp_path):
    model = _model()
    with pytest.raises(RuntimeError):
        with Monitor(model, every=1, log=tmp_path / "step.jsonl") as mon:
            _train(mon, model, 5, raise_at=3, error=RuntimeError("CUDA out of memory (simulated)"))
    # raised inside step 4's block: that step did not end, and the end line says so (W43 finding 7: 'after 398
    # steps' for a run interrupted inside step 398)
    assert _end(tmp_path / "step.jsonl") == {"event": "end", "steps_run": 4, "during_step": 4,
                                              "exception": "RuntimeError: CUDA out of memory (simulated)"}


def test_an_exception_in_a_step_without_with_monitor_is_named_by_close(tmp_path):
    model = _model()
    mon = Monitor(model, every=2, log=tmp_path / "close.jsonl")
    try:
        _train(mon, model, 5, raise_at=2, error=ValueError("bad batch"))  # step 2 is sampled, 3 would not be
    except ValueError:
        pass
    finally:
        mon.close()
    assert _end(tmp_path / "close.jsonl")["exception"] == "ValueError: bad batch"


def test_an_exception_in_the_with_monitor_block_outside_a_step(tmp_path):
    model = _model()
    with pytest.raises(KeyError):
        with Monitor(model, every=1, log=tmp_path / "block.jsonl") as mon:
            _train(mon, model, 3)
            raise KeyError("lr")
    assert _end(tmp_path / "block.jsonl") == {"event": "end", "steps_run": 3, "exception": "KeyError: 'lr'"}


def test_a_long_message_is_cut_to_200_characters(tmp_path):
    model = _model()
    with pytest.raises(RuntimeError):
        with Monitor(model, every=1, log=tmp_path / "long.jsonl") as mon:
            _train(mon, model, 2, raise_at=1, error=RuntimeError("x" * 5000))
    words = _end(tmp_path / "long.jsonl")["exception"]
    assert words.startswith("RuntimeError: xxx") and len(words) == len("RuntimeError: ") + 200
    assert words.endswith("...")


def test_a_step_exception_the_script_caught_does_not_mark_the_end(tmp_path):
    model = _model()
    with Monitor(model, every=1, log=tmp_path / "caught.jsonl") as mon:
        try:
            _train(mon, model, 2, raise_at=1, error=RuntimeError("skipped batch"))
        except RuntimeError:
            pass
        _train(mon, model, 2)
    assert _end(tmp_path / "caught.jsonl") == {"event": "end", "steps_run": 4}


def test_sys_exit_zero_is_a_normal_end(tmp_path):
    model = _model()
    with pytest.raises(SystemExit):
        with Monitor(model, every=1, log=tmp_path / "exit.jsonl") as mon:
            _train(mon, model, 2)
            sys.exit(0)
    assert "exception" not in _end(tmp_path / "exit.jsonl")


def _script(tmp_path: Path, ending: str) -> dict:
    path = tmp_path / "crash.jsonl"
    code = textwrap.dedent(f"""
        import torch
        from torch import nn
        from actlab.torch import Monitor
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        mon = Monitor(model, every=1, log={str(path)!r})
        for _ in range(3):
            with mon.step():
                model(torch.randn(16, 4)).square().mean().backward()
        {ending}
    """)
    env = dict(os.environ, PYTHONPATH=SRC)
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120)
    return _end(path)


def test_a_script_that_crashes_without_close_names_the_exception(tmp_path):
    assert _script(tmp_path, "raise RuntimeError('crash in training')") == {
        "event": "end", "steps_run": 3, "exception": "RuntimeError: crash in training"}


def test_a_script_that_crashes_inside_a_step_without_close_names_that_step(tmp_path):
    assert _script(tmp_path, "with mon.step(): raise KeyboardInterrupt") == {
        "event": "end", "steps_run": 4, "exception": "KeyboardInterrupt", "during_step": 4}


def test_a_script_that_ends_without_close_ends_normally(tmp_path):
    assert _script(tmp_path, "pass") == {"event": "end", "steps_run": 3}
