"""Issue 17, W17 findings 6, 10, 11 and 12: the Monitor's misuse gets a message that says what to do.

6: steps after mon.close() (or after the `with Monitor` block) were sampled and logged after the log's end line, and
read_log and the watch page took the run as going on. 10: a TorchScript model failed inside Monitor() with
AttributeError 'OrderedDictWrapper' object has no attribute 'get'. 11: chance_loss given and s.loss never set (a typo,
s.los) read 'flowing' with no word why; s.loss = "0.7" was taken while chance_loss="2.3" is refused. 12: a budget
given with a whole-number every was taken silently."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.monitor_log import LogTail, read_log  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def _steps(mon: Monitor, model: nn.Module, n: int, loss: object = "tensor") -> None:
    x, y = torch.randn(16, 4), torch.arange(16) % 2
    for _ in range(n):
        with mon.step() as s:
            value = F.cross_entropy(model(x), y)
            value.backward()
            if loss == "tensor":
                s.loss = value
            elif loss is not None:
                s.loss = loss
        model.zero_grad()


# -- 6: a step after close ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["close", "with"])
def test_a_step_after_close_raises_and_the_log_still_ends_with_its_end_line(tmp_path, how):
    path = tmp_path / "run.jsonl"
    model = _model()
    if how == "close":
        mon = Monitor(model, every=1, log=path)
        _steps(mon, model, 3)
        mon.close()
    else:
        with Monitor(model, every=1, log=path) as mon:
            _steps(mon, model, 3)
    last = mon.report()
    lines = path.read_text().splitlines()
    with pytest.raises(RuntimeError, match=r"after the monitor was closed.*make a new Monitor\(model"):
        _steps(mon, model, 1)
    assert path.read_text().splitlines() == lines  # nothing written after the end line
    assert mon.step_count == 3 and mon.sampled_steps == 3
    again = mon.report()  # report() after close keeps working, and is the last sampled step's
    assert again.step == last.step == 3 and again.steps_run == 3
    # read_log: three reports, one run that ended, nothing to warn about
    log = read_log(path)
    assert [r["step"] for r in log.reports] == [1, 2, 3]
    assert log.runs[-1]["ended"] is True and log.warnings == []
    # the watch page's state comes from LogTail: an end line means 'The run has ended', not 'going on'
    tail = LogTail(path)
    tail.poll()
    assert tail.ended is not None and tail.ended["steps_run"] == 3


def test_the_watch_api_reads_a_run_closed_before_a_refused_step_as_ended(tmp_path):
    testclient = pytest.importorskip("fastapi.testclient")
    from actlab.web.app import create_app

    path = tmp_path / "run.jsonl"
    model = _model()
    with Monitor(model, every=1, log=path) as mon:
        _steps(mon, model, 3)
    with pytest.raises(RuntimeError):
        _steps(mon, model, 1)
    client = testclient.TestClient(create_app(db_path=tmp_path / "p.sqlite3", watch_log=path,
                                              allow_hosts=("testserver",)))
    data = client.get("/api/watch").json()
    assert data["total"] == 3 and data["ended"]["steps_run"] == 3  # the page's 'The run has ended'


def test_a_step_after_close_raises_without_a_log_too():
    model = _model()
    mon = Monitor(model, every=1)
    _steps(mon, model, 2)
    mon.close()
    with pytest.raises(RuntimeError, match="after the monitor was closed"):
        mon.step()
    assert mon.report().steps_run == 2


def test_close_inside_an_open_step_raises_and_the_step_ends_as_any_other(tmp_path):
    path = tmp_path / "run.jsonl"
    model = _model()
    mon = Monitor(model, every=1, log=path)
    with pytest.raises(RuntimeError, match=r"inside `with mon.step\(\)`.*after the step's block"):
        with mon.step() as s:
            loss = model(torch.randn(8, 4)).square().mean()
            loss.backward()
            s.loss = loss
            mon.close()
    mon.close()  # after the block it closes
    lines = path.read_text().splitlines()
    assert '"event": "end"' in lines[-1]
    assert read_log(path).runs[-1]["ended"] is True


# -- 10: TorchScript ------------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
@pytest.mark.parametrize("make", [lambda m: torch.jit.script(m), lambda m: torch.jit.trace(m, torch.randn(2, 4))],
                         ids=["script", "trace"])
def test_a_torchscript_model_is_refused_by_name_before_anything_is_touched(make):
    scripted = make(_model())
    hooks = [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in scripted.modules()]
    with pytest.raises(TypeError, match=r"^model: a TorchScript module .*Give Monitor the eager nn.Module"):
        Monitor(scripted, every=1)
    assert [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in scripted.modules()] == hooks


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
def test_a_model_holding_a_torchscript_block_names_that_block():
    model = nn.Sequential(torch.jit.script(nn.Sequential(nn.Linear(4, 8), nn.ReLU())), nn.Linear(8, 2))
    with pytest.raises(TypeError, match=r"^model: a model holding a TorchScript module, '0'"):
        Monitor(model)


@pytest.mark.parametrize("model", [nn.Sequential(nn.ReLU(), nn.Tanh()), nn.Sequential()], ids=["activations", "empty"])
def test_a_model_with_no_parameters_reads_unwatched_not_diverged(model):
    """W81 walkthrough finding 6: it read 'diverged: the gradients became NaN or infinite while the loss is finite' of
    finite values and gradients."""
    x = torch.randn(16, 4, requires_grad=True)
    with Monitor(model, every=1, chance_loss=1.0) as mon:
        for _ in range(3):
            with mon.step() as s:
                out = model(x)
                loss = out.pow(2).mean()
                loss.backward()
                s.loss = loss
            assert torch.isfinite(x.grad).all()  # the premise: every gradient finite
            x.grad = None
        r = mon.report()
    assert r.status == "unwatched" and r.reading.words.startswith("unwatched: the model holds no parameters, so no "
                                                                  "weight gets a gradient"), r.reading.words
    assert "diverged" not in r.reading.words and "NaN" not in r.reading.words


# -- 11: s.loss -----------------------------------------------------------------------------------------------------


def test_a_misspelt_loss_raises_at_the_line_that_sets_it():
    model = _model()
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    with pytest.raises(AttributeError, match="'los'"):
        with mon.step() as s:
            loss = F.cross_entropy(model(torch.randn(16, 4)), torch.arange(16) % 2)
            loss.backward()
            s.los = loss


def test_chance_loss_with_no_loss_set_says_why_the_loss_is_not_judged():
    model = _model()
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    _steps(mon, model, 3, loss=None)
    report = mon.report()
    assert report.status == "flowing" and report.loss is None
    said = [n for n in report.notes if "chance_loss was given" in n]
    assert len(said) == 1 and "s.loss = loss" in said[0] and "training step 3 (a sampled one)" in said[0]
    _steps(mon, model, 1)  # a step that sets it: judged, and the note is gone
    report = mon.report()
    assert report.loss is not None and report.status != "flowing"
    assert not any("chance_loss was given" in n for n in report.notes)


@pytest.mark.parametrize("bad", ["0.7", True])
def test_a_loss_that_chance_loss_would_refuse_is_not_judged_and_a_note_says_what_to_set(bad):
    with pytest.raises(ValueError, match="chance_loss"):  # the rule s.loss now follows
        Monitor(_model(), chance_loss=bad)
    model = _model()
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    _steps(mon, model, 3, loss=bad)
    report = mon.report()
    assert report.loss is None and report.status == "flowing"
    said = [n for n in report.notes if n.startswith("s.loss was")]
    assert len(said) == 1 and repr(bad) in said[0] and "loss tensor that backward() was called on" in said[0]


@pytest.mark.parametrize("good", [0.7, 1, torch.tensor(0.7), torch.tensor([0.7])])
def test_a_number_or_a_one_value_tensor_is_still_judged(good):
    model = _model()
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    _steps(mon, model, 1, loss=good)
    assert mon.report().loss == pytest.approx(float(good))


# -- 12: budget with a whole-number every ----------------------------------------------------------------------------


@pytest.mark.parametrize("every", [1, 10])
def test_a_budget_given_with_a_whole_number_every_is_said_to_be_unused(every):
    mon = Monitor(_model(), every=every, budget=0.5)
    said = [n for n in mon.report().notes if n.startswith("budget=")]
    assert len(said) == 1 and "every='auto' alone" in said[0] and f"every={every}" in said[0]
    assert mon.every == every


def test_the_default_budget_is_unchanged_and_unremarked():
    auto = Monitor(_model())
    assert auto.budget == 0.03 and auto._auto
    assert Monitor(_model(), every="auto", budget=0.05).budget == 0.05
    for mon in (auto, Monitor(_model(), every=1)):
        assert not any(n.startswith("budget=") for n in mon.report().notes)
    with pytest.raises(ValueError, match="^budget:"):
        Monitor(_model(), budget=1.5)
