"""Fresh-eyes walkthrough (20:57 UTC) on the command line: a hint level past the last one (finding 1), malformed
comma lists (finding 5), the memory advice for a net too big (finding 4) and the text at 80 columns (finding 7)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from actlab.cli import app
from actlab.exercises import get_exercise

runner = CliRunner()


def run(*args: str, columns: int = 200):
    return runner.invoke(app, list(args), env={"COLUMNS": str(columns)})


@pytest.mark.parametrize("level", ["0", "4", "7"])
def test_a_hint_level_outside_the_exercise_is_refused_naming_the_option_and_the_range(level, tmp_path):
    n = len(get_exercise("1").hints)
    assert n == 3
    res = run("exercise", "check", "1", "--hint", level, "--db", str(tmp_path / "p.db"))
    assert res.exit_code == 2, res.output
    assert "--hint" in res.stderr and f"from 1 to {n}" in res.stderr and f"got {level}" in res.stderr
    assert "Hint" not in res.stdout


def test_every_real_hint_level_still_prints_its_own_text():
    ex = get_exercise("1")
    for k in range(1, len(ex.hints) + 1):
        res = run("exercise", "check", "1", "--hint", str(k))
        assert res.exit_code == 0 and res.stdout.strip() == f"Hint {k}: {ex.hints[k - 1]}"


@pytest.mark.parametrize(("option", "value", "allowed"), [
    ("--layers", "4,,2", "hidden widths"),
    ("--layers", "4,2,", "hidden widths"),
    ("--layers", ",4", "hidden widths"),
    ("--activation", "relu,", "one activation"),
    ("--activation", "relu,,tanh", "one activation"),
    ("--activation", ",silu(beta=2)", "one activation"),
    ("--features", "x1,,x2", "x1,x2"),
])
def test_a_list_with_an_empty_item_is_refused(option, value, allowed):
    res = run("train", option, value, "--epochs", "1")
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"error: {option}:") and "empty" in res.stderr and allowed in res.stderr, res.stderr


def test_well_formed_lists_still_train():
    res = run("train", "--layers", "4, 2", "--activation", "leaky_relu(negative_slope=0.1), tanh", "--epochs", "1",
              "--json")
    assert res.exit_code == 0, res.output


def test_a_net_too_big_for_memory_names_what_the_cli_user_can_change():
    res = run("train", "--layers", "100000,100000", "--epochs", "1")
    assert res.exit_code == 2, res.output
    err = " ".join(res.stderr.split())
    assert err.startswith("error: --layers: 10,000,500,001 parameters need about"), err
    assert "dtype float32" not in err  # train has no dtype option: it trains in float64
    assert "fewer or narrower hidden layers in --layers" in err and "float64" in err


def test_train_at_80_columns_keeps_its_title_whole_its_accuracies_alike_and_the_activation_parameters():
    res = run("train", "--activation", "leaky_relu(negative_slope=0.1),tanh", "--epochs", "200", "--dataset", "gauss",
              columns=80)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert any(line.strip() == "gauss: after 200 epochs (5,000 steps)" for line in lines), res.stdout
    acc = next(line for line in lines if "accuracy" in line).strip("│ ").split("│")
    assert [len(c.strip().split(".")[1]) for c in acc[1:]] == [4, 4], acc  # train and test to the same 4 places
    cells = " ".join(line.split("│")[2].strip() for line in lines if line.count("│") == 9)  # 8 columns
    assert "leaky_relu (negative_slope=0.1)" in cells and "tanh" in cells, res.stdout
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)


def test_help_at_80_columns_gives_reproduce_and_llm_one_line_each():
    res = run("--help", columns=80)
    assert res.exit_code == 0
    lines = [line.strip("│ ") for line in res.stdout.splitlines()]
    for command in ("reproduce", "llm"):
        i = next(k for k, line in enumerate(lines) if line.startswith(command + " "))
        assert lines[i].endswith((".", ").")), lines[i]  # the whole description, not a sentence cut off
        after = lines[i + 1]
        assert after.startswith("╰") or after.split(" ")[0] in {"exercise", "class", "llm"}, (lines[i], after)


def test_reproduce_at_80_columns_gives_the_claim_room_and_sets_each_detail_apart():
    res = run("reproduce", "lu2019", "--quick", columns=80)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    rows = [line for line in lines if line.startswith("│") and line.count("│") == 7]
    claims = [line.split("│")[1].strip() for line in rows]
    assert all(len(line) <= 80 for line in lines)
    # the claim column is wide enough for several words a line (it wrapped one or two a line at 16 characters);
    # its width, not the longest line, which depends on where the words happen to break
    width = len(rows[0].split("│")[1]) - 2  # less the cell's padding
    assert width >= 22, (width, claims)
    assert max(len(c) for c in claims) >= width - 8, claims  # and the words fill it
    assert claims[0].startswith("1 − (1 − 2^−N)^L")
    # a rule between findings, and each detail line marked as the finding's, not run into its claim
    assert sum(line.startswith("├") for line in lines) == 4  # five findings, four rules between them
    assert sum(c.startswith("↳ ") for c in claims) >= 4, claims
