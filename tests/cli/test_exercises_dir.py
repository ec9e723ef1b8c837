"""--exercises-dir before or after the command: the same folder, the same refusal, and each command's help says it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from actlab import exercises
from actlab.cli import app

TEACHER = {"key": "t9", "title": "Two tanh layers", "prompt": "tanh'(0) per layer, 2 layers?",
           "parts": [{"kind": "number", "label": "product", "expected": "1"}],
           "hints": ["tanh'(0) = 1."], "solution": "1 * 1 = 1"}
runner = CliRunner()


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "t9.json").write_text(json.dumps(TEACHER))
    yield tmp_path
    exercises.use_folder(None)  # process state: the next test starts with the built-in ones


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"ACTLAB_EXERCISES_DIR": None, "COLUMNS": "200"})


@pytest.mark.parametrize("where", ["before", "after"])
def test_the_folder_is_read_before_or_after_the_command(folder, where):
    option = ["--exercises-dir", str(folder)]
    args = [*option, "exercise", "list", "--json"] if where == "before" else ["exercise", "list", *option, "--json"]
    listed = invoke(*args)
    assert listed.exit_code == 0, listed.output
    keys = [e["key"] for e in json.loads(listed.output)]
    assert keys == [e.key for e in exercises.EXERCISES] + ["t9"]
    exercises.use_folder(None)
    checked = invoke("exercise", "check", "t9", "-a", "1", "--json", f"--exercises-dir={folder}")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["status"] == "correct"


def test_without_it_a_later_command_has_the_built_in_ones_only(folder):
    assert invoke("exercise", "list", "--exercises-dir", str(folder), "--json").exit_code == 0
    listed = invoke("exercise", "list", "--json")
    assert [e["key"] for e in json.loads(listed.output)] == [e.key for e in exercises.EXERCISES]


def test_after_the_command_it_wins_over_the_one_before(folder, tmp_path_factory):
    empty = tmp_path_factory.mktemp("empty")
    listed = invoke("--exercises-dir", str(empty), "exercise", "list", "--exercises-dir", str(folder), "--json")
    assert [e["key"] for e in json.loads(listed.output)][-1] == "t9"


def test_a_missing_folder_after_the_command_is_named_as_the_option(tmp_path):
    result = invoke("exercise", "show", "ex1", "--exercises-dir", str(tmp_path / "nope"))
    words = " ".join(result.output.split())
    assert result.exit_code == 2
    assert words.startswith("error: --exercises-dir: ") and "is not a folder" in words


@pytest.mark.parametrize("command", [["exercise", "list"], ["exercise", "check"], ["exercise", "regrade"],
                                     ["progress"], ["lab"], ["class", "export"]])
def test_each_command_that_reads_exercises_documents_the_option(command):
    shown = invoke(*command, "--help")
    assert shown.exit_code == 0, shown.output
    words = " ".join(shown.output.split())
    assert "--exercises-dir" in words and "teacher-written exercises" in words


def test_a_command_that_reads_no_exercises_does_not_take_it(folder):
    result = invoke("list", "--exercises-dir", str(folder))
    assert result.exit_code != 0 and "No such option" in " ".join(result.output.split())
