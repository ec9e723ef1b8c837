"""Bad options end in one line naming the option and what is allowed, with exit code 2: no traceback."""

from __future__ import annotations

import tracemalloc

from typer.testing import CliRunner

from actlab.cli import app
from actlab.datasets import MAX_CSV_BYTES

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_train_reads_an_endless_csv_only_up_to_the_limit():
    tracemalloc.start()
    try:
        res = run("train", "--csv", "/dev/zero", "--epochs", "1")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert res.exit_code == 2 and "larger than the limit" in res.stdout
    assert peak / MAX_CSV_BYTES < 3  # the limit and one byte, decoded at most once
