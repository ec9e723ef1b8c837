"""Issue 19, fourth walkthrough: what each finding's n counts (seeds, runs, nets, computed) on every face; he2015's
rows (each run's epochs, the Xavier moment counted once, errors to two decimals); hendrycks2016's overtaking epoch
without the "never" placeholder in its mean; reader-facing explanations; a long note both runs share said once."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from actlab.cli._app import app
from actlab.experiments import glorot2010, he2015, hendrycks2016, lu2019, papers
from actlab.experiments.reproduction import (
    COMPUTED,
    NETS,
    RUNS,
    SEEDS,
    SHOWN,
    Finding,
    Reproduction,
    asserted,
    shown,
)
from actlab.experiments.rerun import QUICK, STORED, Row

runner = CliRunner()


# --- what n counts --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("finding", "text"), [
    (asserted("k", "w", "", [0.1], "c", True), "1 seed"),
    (asserted("k", "w", "", [0.1, 0.2, 0.3], "c", True), "3 seeds"),
    (asserted("k", "w", "", [0.9, 0.8], "c", True, n_of=RUNS), "2 runs"),
    (shown("k", "w", "", 2.115, n_of=COMPUTED), "computed"),
    (shown("k", "w", "", 0.2, n_words="mean of 5 seeds"), "mean of 5 seeds"),
])
def test_n_text_says_what_the_figure_is_over(finding, text):
    assert finding.n_text == text
    data = finding.to_dict()
    assert data["n_text"] == text and data["n_of"] in (SEEDS, RUNS, NETS, COMPUTED)


def test_a_record_with_n_text_reads_back():
    record = Reproduction("x", "p", "c", [shown("k", "w", "", 2.1, n_of=COMPUTED)], False, 1, "m")
    again = Reproduction.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again.findings[0].n_text == "computed" and again.findings[0].n_of == COMPUTED


def test_lu2019_counts_nets_not_seeds():
    record = lu2019.reproduce_lu2019(quick=True)
    for f in record.findings:
        assert f.n_of == NETS and "seed" not in f.n_text, f.key
    assert record.finding("cells_within").n_text == "56 cells x 10,000 nets"
    assert record.finding("born_rises").n_text == "4 widths x 1,000 nets"


def test_glorot_pooled_rows_count_runs_and_say_of_what():
    assert glorot2010._runs_text({"lr 0.1": 1, "lr 1.0": 1}) == "2 runs: lr 0.1 x 1 seed, lr 1.0 x 1 seed"
    assert glorot2010._runs_text({"tanh": 3, "softsign": 1}) == "4 runs: tanh x 3 seeds, softsign x 1 seed"


def test_the_stored_table_says_what_each_n_counts():
    glorot = papers.stored("glorot2010")
    assert glorot.finding("sigmoid_stuck").n_text == "2 runs: lr 0.1 x 1 seed, lr 1.0 x 1 seed"
    assert glorot.finding("tanh_softsign_learn").n_text == "4 runs: tanh x 3 seeds, softsign x 1 seed"
    assert papers.stored("shazeer2020").finding("floor").n_text == "computed"
    assert papers.stored("lu2019").finding("cells_within").n_text == "56 cells x 40,000 nets"
    assert papers.stored("hendrycks2016").finding("early_a_5").n_text == "mean of 5 seeds"


def test_the_cli_and_its_json_show_what_n_counts():
    table = runner.invoke(app, ["reproduce", "lu2019", "--quick"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    # the n column wraps its words at 11 characters: "56 cells x" above "10,000 nets" (and "40,000 nets")
    assert "56 cells x" in table.stdout and "10,000 nets" in table.stdout and "40,000 nets" in table.stdout
    assert "1 seed" not in table.stdout
    first = next(line for line in table.stdout.splitlines() if "matches Monte Carlo" in line)
    assert "│ — │" in first and "│ 1 │" not in first  # the n column no longer reads 1 for 2,240,000 nets
    assert "where it reads —, the row's ↳ n: line says what it counts" in " ".join(table.stdout.split())
    out = runner.invoke(app, ["reproduce", "lu2019", "--quick", "--json"], env={"COLUMNS": "200"})
    rows = json.loads(out.stdout)["claims"][0]["rows"]
    first = next(r for r in rows if r["key"] == "cells_within")
    assert first["quick"]["n_text"] == "56 cells x 10,000 nets"
    assert first["stored"]["n_text"] == "56 cells x 40,000 nets"


# --- he2015 ------------------------------------------------------------------------------------------------------

@pytest.fixture
def fast_he(monkeypatch):
    """he2015 with its nets replaced by fixed numbers: Xavier exactly half of He, Xavier stuck at ln 10."""
    def ratios(width, seed, **_):
        he = 1.0 + 0.003 * (seed + 1)
        return {"xavier": he / 2, "he": he}

    def train(init, seed, epochs, optimizer="momentum"):
        if init == "xavier_normal" and optimizer == "momentum":
            return [he2015.LN10] * (epochs + 1)
        return list(np.linspace(2.3, 0.01, epochs + 1))

    monkeypatch.setattr(he2015, "moment_ratios", ratios)
    monkeypatch.setattr(he2015, "train_deep", train)


def test_he2015_names_each_runs_epochs_in_its_own_note(fast_he):
    quick, full = he2015.reproduce_he2015(quick=True), he2015.reproduce_he2015()
    q, f = quick.finding("xavier_stuck"), full.finding("xavier_stuck")
    assert q.what == f.what and q.what.endswith("for every epoch of the run")  # the same row in both runs
    assert q.note.startswith("10 epochs;") and f.note.startswith("30 epochs;")


def test_he2015_counts_the_scaled_xavier_moment_once(fast_he):
    record = he2015.reproduce_he2015()
    xavier, he = record.finding("moment_xavier_1000"), record.finding("moment_he_1000")
    assert xavier.verdict == SHOWN and he.verdict != SHOWN
    assert "counted once, in He's row" in xavier.note
    assert he.note == "largest error over the 5 seeds 1.50% (seed 4)"  # two decimals, and over what
    one = he2015.reproduce_he2015(quick=True).finding("moment_he_1000")
    assert one.note.split(";")[0] == "error 0.30%"  # one seed has no "largest"


# --- hendrycks2016 and the wording --------------------------------------------------------------------------------

def test_overtaking_epoch_averages_only_the_seeds_that_overtake():
    never = hendrycks2016.EPOCHS + 1
    f = hendrycks2016._overtakes("b", 1e-4, [40, never, 40, 40, never])
    assert f.measured == 40 and f.n_text == "3 of 5 seeds"  # the placeholder 51 would have made it 44.4
    assert "in 2, GELU is still above ReLU at epoch 50" in f.what and str(never) not in f.what
    assert "per seed: 40, never, 40, 40, never" in f.note


def test_overtaking_epoch_when_no_seed_overtakes_says_none():
    never = hendrycks2016.EPOCHS + 1
    f = hendrycks2016._overtakes("b", 1e-4, [never] * 5)
    assert f.measured == 0 and f.n_text == "0 of 5 seeds" and f.what.endswith(": none")


@pytest.mark.parametrize("name", papers.names())
def test_explanations_and_notes_speak_to_a_reader(name):
    record = papers.stored(name)
    texts = [record.claim, record.explanation] + [t for f in record.findings for t in (f.what, f.note)]
    for text in texts:
        for internal in ("'overtakes'", "before the lab was written", "larger-gate row", "the issue"):
            assert internal not in text, (name, text)


def test_lu2019_says_what_dead_means():
    record = papers.stored("lu2019")
    assert "constant at an input" not in record.claim
    assert "all-zero layer" in record.claim and "no longer depends on the input" in record.claim


def test_a_note_both_runs_share_is_said_once():
    long = "GLU: not reproduced here, for a reason that takes many lines to tell"
    quick = Finding("k", "w", "", 0.1, 0.0, 1, "c", SHOWN, note=f"glu 2.2497, floor 2.1150; {long}")
    stored = Finding("k", "w", "", 0.1, 0.0, 5, "c", SHOWN, note=f"glu 2.2581, floor 2.1150; {long}")
    assert Row("k", quick, stored).notes() == [("", long), (QUICK, "glu 2.2497, floor 2.1150"),
                                               (STORED, "glu 2.2581, floor 2.1150")]


def test_the_scaled_moment_rows_reason_is_said_once_beside_both_runs(fast_he):
    quick, full = he2015.reproduce_he2015(quick=True), he2015.reproduce_he2015()
    notes = Row("moment_xavier_1000", quick.finding("moment_xavier_1000"), full.finding("moment_xavier_1000")).notes()
    assert notes[0][0] == "" and notes[0][1].startswith("He's weights scaled by 1/√2")
    assert [run for run, _ in notes[1:]] == [QUICK, STORED]
    assert notes[1][1] == "error 0.30%" and notes[2][1].startswith("largest error over the 5 seeds")
