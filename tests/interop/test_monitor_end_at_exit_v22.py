"""The end line a monitor without close() writes at the interpreter's exit (W21 finding 8): a step's exception the
script caught is not how the run ended (the script went on to exit normally); one it did not catch is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import require_torch

require_torch()

import actlab  # noqa: E402

SRC = str(Path(actlab.__file__).resolve().parents[1])  # the actlab this test imported, for the scripts it runs


def _run(tmp_path: Path, ending: str) -> tuple[int, dict]:
    """3 steps, then ``ending`` (code at the script's top level), then the script ends with no close(): its rc and
    end line."""
    path = tmp_path / "run.jsonl"
    head = textwrap.dedent(f"""
        import torch
        from torch import nn
        from actlab.torch import Monitor
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        mon = Monitor(model, every=1, log={str(path)!r})
        def step(name):
            with mon.step() as s:
                loss = model(torch.randn(16, 4)).square().mean(); loss.backward(); setattr(s, name, loss)
        for _ in range(3):
            step("loss")
    """)
    done = subprocess.run([sys.executable, "-c", head + textwrap.dedent(ending)],
                          env=dict(os.environ, PYTHONPATH=SRC), capture_output=True, text=True, timeout=120)
    return done.returncode, json.loads(path.read_text().splitlines()[-1])


def test_a_caught_exception_in_the_last_step_is_not_the_runs_end(tmp_path):
    rc, end = _run(tmp_path, """
        try:
            step("los")  # the s.los typo: the step handle raises AttributeError
        except AttributeError:
            pass
    """)
    assert rc == 0
    assert end["event"] == "end" and end["steps_run"] == 4  # the step that raised is counted as run
    assert "exception" not in end, end  # was "AttributeError: s.los = ..." at faa7e5d


def test_the_same_exception_uncaught_is_named(tmp_path):
    rc, end = _run(tmp_path, 'step("los")')
    assert rc == 1
    assert end["steps_run"] == 4 and end["exception"].startswith("AttributeError: s.los"), end


def test_close_after_catching_still_names_it(tmp_path):
    # the script's own close() right after the step that raised: its loop stopped there (the M10 rule, kept)
    rc, end = _run(tmp_path, """
        try:
            step("los")
        except AttributeError:
            mon.close()
    """)
    assert rc == 0 and end["exception"].startswith("AttributeError: s.los"), end
