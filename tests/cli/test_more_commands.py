"""actlab train / demo / exercise / progress, as a user runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from actlab.cli import app

runner = CliRunner()


def run(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env={"COLUMNS": "160", **(env or {})})


def test_train_json_reports_losses_and_each_layers_instruments():
    res = run("train", "--dataset", "circle", "--layers", "4,2", "--activation", "tanh", "--lr", "0.03",
              "--batch-size", "10", "--epochs", "150", "--seed", "1", "--json")
    assert res.exit_code == 0, res.stdout
    out = json.loads(res.stdout)
    assert out["status"] == "finite" and out["epoch"] == 150 and out["test_accuracy"] >= 0.95
    assert [l["layer"] for l in out["reading"]["layers"]] == [1, 2]
    assert set(out["reading"]["layers"][0]) >= {"grad_norm", "grad_ratio_to_last", "dead_fraction",
                                                "saturated_fraction", "reading"}
    assert out["diagnosis"]["status"] == "healthy"


def test_train_json_on_a_stuck_run_reads_no_gradient_not_healthy():
    """lr 10 saturates the tanh output: every gradient is exactly 0 and accuracy sits at chance. The 0/0 ratio
    used to read as 1 and the run as healthy."""
    res = run("train", "--activation", "relu", "--lr", "10", "--epochs", "100", "--json")
    out = json.loads(res.stdout)
    assert all(l["grad_norm"] == 0 for l in out["reading"]["layers"])
    assert all(l["grad_ratio_to_last"] is None for l in out["reading"]["layers"])  # no ratio, not 1
    d = out["diagnosis"]
    assert d["status"] == "no_gradient" and d["is_failure"]
    assert {"no_gradient", "output_saturated", "not_learning"} <= {f["status"] for f in d["findings"]}
    assert "learning rate" in d["remedy"]


def test_train_table_shows_the_reading_and_its_remedy():
    res = run("train", "--activation", "relu", "--lr", "10", "--epochs", "100")
    assert res.exit_code == 0
    text = " ".join(res.stdout.split())
    assert "No gradient: every weight's gradient is exactly 0" in text and "Remedy: Lower the learning rate" in text
    assert "healthy" not in text.lower()


def test_train_per_layer_activations_and_options():
    res = run("train", "--layers", "6,3", "--activation", "relu,tanh", "--optimizer", "adam", "--lr", "0.01",
              "--loss", "cross-entropy", "--reg", "l2", "--reg-rate", "0.001", "--features", "x1,x2,x1x2",
              "--epochs", "20", "--json")
    out = json.loads(res.stdout)
    assert [l["activation"] for l in out["reading"]["layers"]] == ["relu", "tanh"]


def test_train_reports_divergence():
    res = run("train", "--dataset", "plane", "--layers", "8,8", "--activation", "relu", "--lr", "10", "--epochs",
              "50", "--json")
    out = json.loads(res.stdout)
    assert out["status"] == "diverged" and out["diverged_at_step"] >= 1
    # one JSON form for non-finite numbers everywhere (the playground's frames too): null for NaN, "inf" strings
    assert out["train_loss"] is None or isinstance(out["train_loss"], float) or out["train_loss"] in ("inf", "-inf")
    json.loads(res.stdout, parse_constant=lambda token: pytest.fail(f"{token} is not JSON"))
    assert out["diagnosis"]["status"] == "diverged"


def test_train_from_a_csv_file(tmp_path):
    rows = "\n".join(f"{x},{y},{int(x * y > 0)}" for x in range(-5, 6) for y in range(-5, 6) if x and y)
    path = tmp_path / "xor.csv"
    path.write_text(f"x1,x2,label\n{rows}\n")
    out = json.loads(run("train", "--csv", str(path), "--epochs", "5", "--json").stdout)
    assert out["status"] == "finite"


@pytest.mark.parametrize(("args", "needle"), [
    (("train", "--lr", "-1"), "lr:"), (("train", "--layers", "4,x"), "layers"),
    (("train", "--activation", "nope"), "--activation (layer 1)"), (("train", "--batch-size", "0"), "--batch-size"),
    (("train", "--dataset", "mnist"), "dataset"), (("train", "--features", "x3"), "features"),
    (("train", "--csv", "/does/not/exist.csv"), "No such file"),
])
def test_train_bad_input_names_the_field(args, needle):
    res = run(*args)
    assert res.exit_code == 2 and needle in " ".join(res.stderr.split())


def test_demo_census_json():
    rows = json.loads(run("demo", "census", "--json").stdout)
    assert {r["family"]: r["activation"] for r in rows}["GPT-2"] == "gelu_tanh"


def test_demo_gelu_table():
    res = run("demo", "gelu-approx")
    assert res.exit_code == 0 and "4.732e-04" in res.stdout


@pytest.mark.parametrize("demo", ["census", "vanishing", "gelu-approx"])
def test_demo_plot_writes_a_png(tmp_path, demo):
    pytest.importorskip("matplotlib")
    out = tmp_path / f"{demo}.png"
    res = run("demo", demo, "--plot", str(out))
    assert res.exit_code == 0 and out.read_bytes()[:4] == b"\x89PNG"


def test_unknown_demo():
    res = run("demo", "nope")
    assert res.exit_code == 2 and "linear-collapse" in res.stderr


def test_exercise_check_json_with_two_answers(tmp_path):
    res = run("exercise", "check", "2", "--answer", "0.2^19", "--answer", "9.54e-7", "--json")
    out = json.loads(res.stdout)
    assert out["status"] == "partly_correct" and "19 factors" in out["parts"][0]["feedback"]
    assert [p["status"] for p in out["parts"]] == ["incorrect", "correct"]


def test_exercise_hint_solution_and_progress(tmp_path):
    db = str(tmp_path / "p.sqlite3")
    assert "Hint 2" in run("exercise", "check", "ex1", "--hint", "2").stdout
    assert "subgradient" in run("exercise", "check", "ex1", "--solution").stdout
    run("exercise", "check", "ex5", "-a", "0.25", "--learner", "ana", "--db", db)
    rows = json.loads(run("progress", "--learner", "ana", "--db", db, "--json").stdout)
    assert rows[0]["exercise"] == "ex5" and rows[0]["best_status"] == "correct"


def test_exercise_list_and_show():
    assert "ex10" in run("exercise", "list").stdout
    assert "20-layer" in run("exercise", "show", "2").stdout


def test_exercise_not_attempted_and_unknown():
    assert json.loads(run("exercise", "check", "3", "--json").stdout)["status"] == "not_attempted"
    assert run("exercise", "check", "99").exit_code == 2


@pytest.mark.parametrize(("args", "needle"), [(("lab", "--max-layers", "0"), "--max-layers must be"),
                                              (("lab", "--port", "0", "--no-browser"), "--port must be")])
def test_lab_refuses_bad_options_before_starting(args, needle):
    res = run(*args)
    assert res.exit_code == 2 and needle in res.stderr


def test_a_csv_too_small_to_hold_two_classes_in_training_is_refused(tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("x1,x2,label\n1,2,0\n3,4,1\n")  # the split leaves one training row: one class, chance 0
    res = run("train", "--csv", str(path), "--epochs", "3")
    assert res.exit_code == 2 and "--csv" in res.stdout + res.stderr and "only one class" in res.stdout + res.stderr


def test_a_csv_run_is_titled_by_its_file(tmp_path):
    rows = "\n".join(f"{x},{y},{int(x * y > 0)}" for x in range(-5, 6) for y in range(-5, 6) if x and y)
    path = tmp_path / "mine.csv"
    path.write_text(f"x1,x2,label\n{rows}\n")
    res = run("train", "--csv", str(path), "--epochs", "2")
    assert "mine.csv: after 2 epochs" in res.stdout and "circle" not in res.stdout
