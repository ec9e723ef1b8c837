"""Issue 17: the Monitor's log argument, and a log that stops being writable during a run.

Before, log=<a folder> raised IsADirectoryError from inside Monitor() after its other set-up, log=123 a TypeError
from pathlib, and a log whose folder went away mid-run raised NotADirectoryError out of `with mon.step()`, ending
the training script. Now the argument is checked first, with the field named, and a log that cannot be written
is given up with a warning and a note while the run and its report go on."""

from __future__ import annotations

import math
import shutil
import warnings

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop.torch import Monitor, read_log  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def _step(mon, model, x, y):
    monitored_step(mon, model, x, y)
    model.zero_grad()


def test_a_folder_is_refused_by_name_before_anything_is_written(tmp_path):
    before = sorted(tmp_path.iterdir())
    with pytest.raises(ValueError, match=r"^log: a file to write, not a folder") as e:
        Monitor(_model(), log=tmp_path)
    assert str(tmp_path / "run.jsonl") in str(e.value)
    assert sorted(tmp_path.iterdir()) == before


@pytest.mark.parametrize("bad", [123, 1.5, True, ["a.jsonl"]])
def test_a_log_that_is_not_a_path_is_refused_by_name(bad):
    with pytest.raises(TypeError, match=r"^log: a file path") as e:
        Monitor(_model(), log=bad)
    assert repr(bad) in str(e.value)


def test_a_log_under_a_file_is_refused_with_the_reason(tmp_path):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    for log in (tmp_path / "notes.txt" / "exp.jsonl", tmp_path / "notes.txt" / "more" / "exp.jsonl"):
        with pytest.raises(ValueError, match=r"^log: cannot write") as e:
            Monitor(_model(), log=log)
        assert f"{str(tmp_path / 'notes.txt')!r} is a file, not a folder" in str(e.value)
    assert (tmp_path / "notes.txt").read_text() == "a file, not a folder"


def test_a_log_that_goes_away_mid_run_warns_once_and_the_run_goes_on(tmp_path):
    folder = tmp_path / "runs"
    model = _model()
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    mon = Monitor(model, every=1, log=folder / "exp.jsonl", chance_loss=math.log(2))
    for _ in range(2):
        _step(mon, model, x, y)
    assert len(read_log(folder / "exp.jsonl").reports) == 2  # written while it could be
    shutil.rmtree(folder)
    folder.write_text("now a file where the folder was")
    with pytest.warns(RuntimeWarning, match="could not be written at step 3"):
        _step(mon, model, x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once: the later steps neither warn nor raise
        for _ in range(3):
            _step(mon, model, x, y)
        mon.close()
    report = mon.report()
    assert report.sampled_steps == 6 and report.step == 6
    assert sum("could not be written at step 3" in n for n in report.notes) == 1
    assert folder.read_text() == "now a file where the folder was"
