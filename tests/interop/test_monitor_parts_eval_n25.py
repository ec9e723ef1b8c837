"""N25 findings 2 and 3: a step whose forward is not one training call of model(x).

2. Parts called instead of model(x) (model.body(x), then model.head(h)): the model's pre-hook never ran, so the step's
   gradients were never marked (a .grad left from the step before read as this step's, with no note). Now the first
   call of a watched part marks them, and a note names the parts called.
3. An eval-mode forward with gradients enabled in the step (a validation batch without torch.no_grad()) before the
   training forward was read in its place (body.1's mean 0.69, the validation batch's, for the training batch's 0.25),
   and one after it was counted as a micro-batch. Now the train-mode forward is read, and a note says the eval-mode
   one was seen and not read; the same for a part called before model(x) and an eval batch through the parts.
The references: the same module run on the same batch in plain torch, and .grad read after the step."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop.torch import Monitor  # noqa: E402


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 64), nn.ReLU())
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.body(x))


def run(case: str, steps: int = 2, zero_grad: bool = True):
    torch.manual_seed(0)
    model = Net()
    x, xv, y = torch.randn(128, 16), 3 * torch.randn(128, 16), torch.randint(0, 10, (128,))
    mon = Monitor(model, every=1)
    for _ in range(steps):
        with mon.step() as s:
            if case in ("eval before", "eval only"):
                model.eval()
                out = model(xv)
                model.train()
            if case == "part before":
                model.body(xv)
            if case == "parts, eval before":
                model.eval()
                model.body(xv)
                model.train()
            if case != "eval only":
                out = model.head(model.body(x)) if case.startswith("parts") else model(x)
            if case == "eval after":
                model.eval()
                model(xv)
                model.train()
            if case == "parts, eval after":
                model.eval()
                model.head(model.body(xv))
                model.train()
            loss = F.cross_entropy(out, y)
            loss.backward()
            s.loss = loss
        if zero_grad:
            model.zero_grad()
    with torch.no_grad():  # plain torch: body.1's output on each batch
        means = {"train": model.body[1](model.body[0](x)).mean().item(),
                 "eval": model.body[1](model.body[0](xv)).mean().item()}
    return mon.report(), means


def _row(report, name):
    return next(l for l in report.layers if l.name == name)


@pytest.mark.parametrize("case", ["eval before", "eval after", "part before", "parts", "parts, eval before",
                                  "parts, eval after"])
def test_the_training_forward_is_read(case):
    r, means = run(case)
    assert means["train"] != pytest.approx(means["eval"], rel=0.1)  # the premise: the batches differ
    assert _row(r, "body.1").mean == pytest.approx(means["train"], rel=1e-5)
    assert [l.name for l in r.layers] == ["body.1", "body.4"]  # no second call read as a place of its own
    assert not any("forward ran 2 times" in n for n in r.notes)


@pytest.mark.parametrize("case", ["eval before", "eval after", "parts, eval before", "parts, eval after"])
def test_an_eval_mode_forward_with_gradients_is_said_to_be_seen_and_not_read(case):
    r, _ = run(case)
    when = "before" if "before" in case else "after"
    (note,) = [n for n in r.notes if "eval mode" in n]
    assert f"with gradients enabled, {when} its train-mode forward" in note and "is not read" in note


def test_a_step_whose_only_forward_is_in_eval_mode_is_read_from_it():
    r, means = run("eval only")
    assert _row(r, "body.1").mean == pytest.approx(means["eval"], rel=1e-5)
    assert not any("eval mode" in n for n in r.notes)


def test_a_part_called_before_the_model_is_named_and_left_out():
    r, _ = run("part before")
    (note,) = [n for n in r.notes if "before model(x)" in n]
    assert "module 'body' (model.body(...)) by itself before model(x)" in note


def test_parts_called_instead_of_the_model_are_named():
    r, _ = run("parts")
    (note,) = [n for n in r.notes if "the model itself was not called" in n]
    assert "module 'body' (model.body(...)) and then module 'head' (model.head(...))" in note


def test_parts_called_instead_of_the_model_mark_the_gradients():
    # no zero_grad(): each step's backward adds to the .grad left by the one before
    r, _ = run("parts", steps=3, zero_grad=False)
    assert any(n.startswith("gradients accumulate across steps") for n in r.notes), r.notes
    model_r, _ = run("model(x)", steps=3, zero_grad=False)  # the same loop through model(x) says the same
    assert any(n.startswith("gradients accumulate across steps") for n in model_r.notes)


def test_parts_read_the_weight_gradients_autograd_wrote():
    torch.manual_seed(0)
    model = Net()
    x, y = torch.randn(64, 16), torch.randint(0, 10, (64,))
    mon = Monitor(model, every=1)
    with mon.step():
        F.cross_entropy(model.head(model.body(x)), y).backward()
    r = mon.report()
    assert r.output_grad_norm == pytest.approx(model.head.weight.grad.norm().item(), rel=1e-5)
    assert _row(r, "body.1").weight_grad_norm == pytest.approx(model.body[0].weight.grad.norm().item(), rel=1e-5)
