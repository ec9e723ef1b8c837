"""Every benchmark under bench/ answers --help with its usage and starts nothing (the issue found one that ran the
whole benchmark when asked for help), and still imports what it reads from the package (a benchmark that parses a
page's script broke when the code it reads moved to another file)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def test_the_bench_folder_is_found():
    assert len(SCRIPTS) >= 10, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_help_prints_usage_and_runs_nothing(script: Path):
    t = time.perf_counter()
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120,
                          cwd=BENCH.parent)
    took = time.perf_counter() - t
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.lstrip().startswith("usage:"), done.stdout[:500]
    # argparse prints its help and exits before main's work: a benchmark that runs reports its rows after usage
    assert done.stdout.count("usage:") == 1
    assert took < 60, f"{script.name} --help took {took:.1f} s: it is doing work before parsing its arguments"
