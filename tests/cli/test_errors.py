"""Bad options end in one line naming the option and what is allowed, with exit code 2: no traceback."""

from __future__ import annotations

import tracemalloc

import pytest
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
    assert res.exit_code == 2 and "larger than the limit" in res.stderr
    assert peak / MAX_CSV_BYTES < 3  # the limit and one byte, decoded at most once


@pytest.mark.parametrize(("args", "needle"), [
    (("train", "--epochs", "-5"), "--epochs: a whole number from 0 to 1,000,000; got -5"),
    (("train", "--batch-size", "0", "--epochs", "1"), "--batch-size: a whole number from 1"),
    (("train", "--features", "x1,x1", "--epochs", "1"), "--features: each of"),
    (("train", "--csv", "/nonexistent/data.csv"), "--csv: cannot read '/nonexistent/data.csv'"),
    (("demo", "census", "--plot", "/nonexistent/figure.png"), "--plot: the folder '/nonexistent' does not exist"),
    (("demo", "census", "--plot", "figure.xyz"), "--plot: 'figure.xyz' ends in .xyz; use one of"),
])
def test_a_bad_option_is_one_line_naming_it_with_exit_code_2(args, needle):
    res = run(*args)
    assert res.exit_code == 2 and needle in res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [("progress", "--learner", "ana"), ("lab", "--no-browser")])
def test_a_db_that_is_a_directory_is_one_line(tmp_path, monkeypatch, command):
    import uvicorn

    monkeypatch.setattr(uvicorn.Server, "run", lambda self: pytest.fail("the lab started on a directory"))
    monkeypatch.setattr("actlab.cli.lab._one_blas_thread", lambda: None)
    for name in ("ACTLAB_DB", "ACTLAB_MAX_LAYERS", "ACTLAB_MAX_WIDTH"):  # lab sets them; restored after
        monkeypatch.setenv(name, "")
    res = run(*command, "--db", str(tmp_path))
    assert res.exit_code == 2 and res.stderr.startswith("error:") and "db" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_a_demo_with_a_bad_plot_path_does_not_run_first(monkeypatch):
    from actlab import experiments

    monkeypatch.setattr(experiments, "census", lambda: pytest.fail("the demo ran before the path was checked"))
    assert run("demo", "census", "--plot", "/nonexistent/figure.png").exit_code == 2
