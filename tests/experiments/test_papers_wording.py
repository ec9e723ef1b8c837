"""What a learner reads on /papers and in `actlab reproduce`: words, not Python; criteria true to their seed count;
titles that do not promise more than the verdicts give (walkthrough of issue 19)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from actlab.cli import app
from actlab.experiments import glorot2010, papers
from actlab.experiments.reproduction import Reproduction, asserted
from actlab.web.app import create_app

# Python's own spellings that mean a value was printed rather than written out
PYTHON_REPR = re.compile(r"\bNone\b|\[\[|\]\]|\bnan\b|\bTrue\b|\bFalse\b|\{'|array\(")


@pytest.fixture
def client(tmp_path):
    app = create_app(db_path=tmp_path / "progress.sqlite3", max_sessions=3, allow_hosts=("testserver",))
    with TestClient(app) as c:
        yield c


def _texts(claim: dict) -> list[str]:
    texts = [claim[k] for k in ("paper", "claim", "explanation", "run_matrix")]
    for f in claim["findings"]:
        texts += [f[k] for k in ("what", "paper", "criterion", "note", "measured_text")]
    for panel in claim["figure"]:
        texts += [panel["title"], panel["x_title"], panel["y_title"], *(t["label"] for t in panel["traces"])]
    return texts


def test_no_text_of_the_papers_page_is_a_printed_python_value(client):
    """glorot2010's saturation note read 'onsets per seed: [[None, None, ...]]; ... at epoch [None, None, None]'."""
    claims = client.get("/api/papers").json()["claims"]
    assert len(claims) == len(papers.names())
    for claim in claims:
        for text in _texts(claim):
            assert not PYTHON_REPR.search(text), (claim["name"], text)


def test_no_text_of_the_papers_page_hedges_a_plural(client):
    """The run matrices read '5 seed(s)' and '1 seed(s)'."""
    for claim in client.get("/api/papers").json()["claims"]:
        for text in _texts(claim):
            assert "(s)" not in text, (claim["name"], text)


def _no_onsets(seeds: int) -> dict:
    """glorot2010 training results in which no tanh layer ever passes 50% saturated (as in every run here)."""
    one = {"errors": [0.9, 0.9], "saturation": []}
    tanh = [{"errors": [0.9, 0.03], "saturation": [[0.05] * 5, [0.09] * 5]} for _ in range(seeds)]
    return {("sigmoid", "standard", 0.1): [one], ("sigmoid", "standard", 1.0): [one],
            ("softsign", "standard", 0.1): [{"errors": [0.9, 0.03], "saturation": []}],
            ("tanh", "standard", 0.1): tanh, ("tanh", "normalized", 0.1): tanh}


@pytest.mark.parametrize(("seeds", "words"), [(3, "no layer passed 50% saturated in any of the 3 seeds"),
                                              (1, "no layer passed 50% saturated in its one seed")])
def test_glorot_saturation_onsets_are_told_in_words(seeds, words):
    f = next(f for f in glorot2010._training_findings(_no_onsets(seeds)) if f.key == "tanh_sequential")
    assert words in f.note and not PYTHON_REPR.search(f.note)


def test_glorot_saturation_onsets_name_each_seeds_epochs():
    runs = _no_onsets(2)
    runs["tanh", "standard", 0.1] = [{"errors": [0.9, 0.03], "saturation": [[0.6, 0.1, 0, 0, 0], [0.7, 0.6, 0, 0, 0]]},
                                     {"errors": [0.9, 0.03], "saturation": [[0.1] * 5, [0.1] * 5]}]
    f = next(f for f in glorot2010._training_findings(runs) if f.key == "tanh_sequential")
    assert "seed 0: 1, 2, never, never, never; seed 1: never, never, never, never, never" in f.note


def _claim(values):
    def run(quick: bool = False, seeds: int | None = None, on_step=None) -> Reproduction:
        f = asserted("gap", "a gap", "", values, "above 0 in every seed", True)
        g = asserted("runs", "runs", "", values, "below 1 in every run", True)
        return Reproduction("fake", "Someone, 2020", "a gap", [f, g], quick, len(values), "m")
    return run


def test_a_one_seed_figure_does_not_claim_every_seed(monkeypatch):
    """A quick row with n = 1 read 'above 0 in every seed'."""
    monkeypatch.setitem(papers.CLAIMS, "fake", (_claim([0.03]), True))
    monkeypatch.setattr(papers, "stored_table", lambda: {"claims": []})
    record = papers.reproduce("fake", quick=True)
    assert [f.criterion for f in record.findings] == ["above 0 (one seed)", "below 1 (one run)"]


def test_several_seeds_keep_every_seed(monkeypatch):
    monkeypatch.setitem(papers.CLAIMS, "fake", (_claim([0.03, 0.04]), True))
    record = papers.reproduce("fake", quick=True)
    assert [f.criterion for f in record.findings] == ["above 0 in every seed", "below 1 in every run"]


def test_the_papers_page_title_promises_measurements_not_reproductions(client):
    """Some claims are only partly reproduced or not at all: the page says 'measured here', not 'reproduced'."""
    html = client.get("/papers").text
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    heading = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert "claims from the papers, measured here" in title and "reproduced" not in title
    assert heading == "actlab · the papers, measured"  # shorter: the header holds it on one line on a phone
    assert "<strong>Undecided</strong>" in html  # the verdicts are explained beside the tables


def test_the_cli_summary_title_promises_measurements_not_reproductions():
    res = CliRunner().invoke(app, ["reproduce", "hendrycks2016", "--quick"], env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output
    assert "claims from the papers, measured here" in res.stdout and "papers reproduced" not in res.stdout
