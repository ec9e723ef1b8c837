"""`actlab reproduce` refuses bad input in its own words (issue 19, fourth walkthrough): an unknown claim names the
NAME argument (there is no --name) and the nearest claims; --seeds says "a whole number from 1 to 20" where typer
spoke of parsing; a claim the seed count does not change says so; --plot '' is refused rather than writing into
the current folder; --help keeps its sentences whole and states the range of --seeds."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from actlab.cli import app
from actlab.experiments import papers

runner = CliRunner()


def run(*args: str, columns: str = "200"):
    return runner.invoke(app, list(args), env={"COLUMNS": columns})


@pytest.mark.parametrize(("typed", "nearest"), [
    ("glorot", ["glorot2010"]), ("glorot2011", ["glorot2010"]), ("poole", ["poole2016"]),
    ("he", ["he2015", "hendrycks2016"]), ("shazer2020", ["shazeer2020"]), ("xyz", []),
])
def test_unknown_claim_names_the_argument_and_the_nearest_claims(typed, nearest):
    assert papers.nearest(typed) == nearest
    res = run("reproduce", typed)
    assert res.exit_code == 2
    line = " ".join(res.stderr.split())
    assert line.startswith(f"error: NAME: no claim '{typed}'") and "--name" not in line
    if nearest:
        assert f"did you mean {' or '.join(nearest)}?" in line
    else:
        assert "did you mean" not in line
    assert "glorot2010, he2015, hendrycks2016, lu2019, poole2016, shazeer2020" in line


@pytest.mark.parametrize("seeds", ["1.5", "abc", "0", "21", "-3", ""])
def test_seeds_must_be_a_whole_number_from_1_to_20(seeds):
    res = run("reproduce", "lu2019", "--seeds", seeds)
    assert res.exit_code == 2
    assert res.stderr.strip() == f"error: --seeds: a whole number from 1 to 20; got {seeds!r}"


@pytest.mark.parametrize("jobs", ["1.5", "two", "9"])
def test_jobs_must_be_a_whole_number_from_1_to_8(jobs):
    res = run("reproduce", "lu2019", "--jobs", jobs)
    assert res.exit_code == 2 and f"--jobs: a whole number from 1 to 8; got {jobs!r}" in res.stderr


def test_a_claim_the_seed_count_does_not_change_says_so():
    res = run("reproduce", "lu2019", "--quick", "--seeds", "3")
    assert res.exit_code == 0, res.output
    assert "note: --seeds 3 does not change lu2019: it counts random nets, not seeds" in res.stdout
    both = run("reproduce", "lu2019", "--quick")
    assert "does not change" not in both.stdout  # no note when no --seeds was given


def test_the_note_goes_to_stderr_with_json(monkeypatch):
    res = runner.invoke(app, ["reproduce", "hendrycks2016", "--quick", "--seeds", "2", "--json"],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "does not change hendrycks2016: it has no quick version" in res.stderr
    assert res.stdout.lstrip().startswith("{")


@pytest.mark.parametrize("plot", ["", "   "])
def test_an_empty_plot_folder_is_refused(plot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run("reproduce", "lu2019", "--quick", "--plot", plot)
    assert res.exit_code == 2
    assert "--plot: the folder name is empty" in res.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder


def test_help_keeps_sentences_whole_and_states_the_seed_range():
    res = run("reproduce", "--help", columns="100")
    assert res.exit_code == 0
    lines = [line.strip(" │") for line in res.stdout.splitlines()]
    para = next(i for i, line in enumerate(lines) if line.startswith("Each claim's number"))
    # the paragraph runs on to the terminal's edge and its sentence ends on the next line, not after "a claim"
    assert lines[para].endswith("if it") and lines[para + 1].strip() == "fails, why."
    text = " ".join(" ".join(lines).split())
    assert "a whole number from 1 to 20" in text and "lu2019 counts random nets and takes none" in text
    assert "[NAME]..." in text
