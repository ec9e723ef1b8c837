"""`actlab class playground NAME --set ...` refuses what the learners' playground would refuse (its pickers'
ranges, POST /api/options/check's one check): a pinned value the page cannot show or send locks every learner of the
class out (issue 16, walkthrough W4 item 2)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from actlab.store import Store
from databases import database

runner = CliRunner()


def run(*args: str):
    from actlab.cli import app

    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.mark.parametrize(("setting", "words"), [
    ("lr=1000", "got 1000"), ("lr=1e308", "got 1e+308"), ("lr=50", "50 is beyond the playground's control; "
                                                                    "allowed: 0 to 10"),
    ("batch_size=100", "allowed: 1 to 30"), ("epochs_per_frame=3", "allowed: 1, 2, 5, 10, 25, 50"),
])
def test_a_value_the_playground_refuses_is_not_saved(tmp_path, setting, words):
    with database("sqlite", tmp_path) as db:
        assert run("class", "create", "physics", "--db", db).exit_code == 0
        res = run("class", "playground", "physics", "--db", db, "--set", setting, "--pin", setting.split("=")[0])
        assert res.exit_code != 0, res.output
        assert res.output.startswith(f"error: {setting.split('=')[0]}: ") and words in res.output, res.output
        assert Store(db).class_playground(Store(db).get_class("physics").id) is None  # nothing saved


def test_a_value_inside_the_playgrounds_range_is_saved(tmp_path):
    with database("sqlite", tmp_path) as db:
        assert run("class", "create", "physics", "--db", db).exit_code == 0
        res = run("class", "playground", "physics", "--db", db, "--set", "lr=10", "--set", "epochs_per_frame=5",
                  "--pin", "lr")
        assert res.exit_code == 0, res.output
        assert "lr: (not set) -> 10" in res.output
