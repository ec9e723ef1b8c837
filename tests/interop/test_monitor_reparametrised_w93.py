"""Issue 17, W93 walkthrough: weights that are no plain .weight Parameter.

- Pruned layers (torch.nn.utils.prune: weight = weight_orig * mask) and parametrised ones (weight_norm,
  orthogonal, spectral_norm) were no weighted modules: 'only the output layer trains ... module '1' (ReLU), after no
  weighted module'; every layer parametrised read 'diverged' on every step; the output layer alone parametrised put
  a hidden layer in its place (findings 1, 3, 4, 5). Their |dL/dW| is now read from the parameter that trains.
- Pruning mid-run raised KeyError from the monitor (finding 2); an nn.Embedding(sparse=True) raised
  NotImplementedError from inside backward (finding 6); an ensemble under torch.func.vmap raised from the hooks
  (finding 8); functional_call's swapped parameters were read as gradients 'never stored' by torch.autograd.grad
  (finding 7).
References: the script's own .grad of the parameters that train, its masks, coalesced sparse gradients."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
import torch.nn.utils.parametrize as parametrize  # noqa: E402
import torch.nn.utils.prune as prune  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils import parametrizations  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

CLASSES = 4


def _data(n=4096, seed=0):
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(CLASSES, 20, generator=g) * 1.5
    y = torch.randint(0, CLASSES, (n,), generator=g)
    return centres[y] + torch.randn(n, 20, generator=g), y


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, CLASSES))


def _train(model, steps=200, every=1, change=None, params=None, forward=None):
    """Trains with Adam; ``change(step)`` runs before a step (pruning mid-run). Returns the report and, at the last
    step, each named parameter's gradient norm as the script reads it."""
    x, y = _data()
    opt = torch.optim.Adam(params if params is not None else model.parameters(), 3e-3)
    mine = {}
    with Monitor(model, every=every, chance_loss=math.log(CLASSES)) as mon:
        for t in range(1, steps + 1):
            if change is not None:
                change(t)
            i = torch.randint(0, len(x), (128,), generator=torch.Generator().manual_seed(t))
            with mon.step(sample=t == steps) as s:
                loss = F.cross_entropy((forward or model)(x[i]), y[i])
                loss.backward()
                s.loss = loss
            if t == steps:
                mine = {n: float(p.grad.coalesce().values().norm() if p.grad.is_sparse else p.grad.norm())
                        for n, p in model.named_parameters() if p.grad is not None}
            opt.step()
            opt.zero_grad()
    return mon.report(), mine


def _rows(report):
    return {layer.weights: layer for layer in report.layers}


def test_pruned_layers_are_read_from_the_weights_that_train():
    model = _mlp()
    prune.l1_unstructured(model[0], "weight", amount=0.9)
    prune.ln_structured(model[2], "weight", amount=0.5, n=2, dim=0)
    whole = [int((model[k].weight_mask == 0).all(1).sum()) for k in (0, 2)]
    report, mine = _train(model)
    r = report.reading
    assert r.status == "healthy", r.words
    assert "only the output layer trains" not in r.words and "after no weighted module" not in r.words
    rows = _rows(report)
    assert rows["0.weight"].weight_grad_norm == pytest.approx(mine["0.weight_orig"], rel=1e-5)
    assert rows["2.weight"].weight_grad_norm == pytest.approx(mine["2.weight_orig"], rel=1e-5)
    assert rows["0.weight"].weight_grad_ratio_to_output == pytest.approx(
        mine["0.weight_orig"] / mine["4.weight"], rel=1e-5)
    said = [n for n in report.notes if n.startswith("the weights of modules '0' and '2' are computed")]
    assert len(said) == 1, report.notes
    assert "'0.weight' from '0.weight_orig'" in said[0]
    assert f"Rows pruned away whole ({whole[0]} of 64 in '0', {whole[1]} of 64 in '2')" in said[0]


@pytest.mark.parametrize("every", [5, "auto"])
def test_pruning_mid_run_goes_on_being_read(every):
    model = _mlp()

    def change(t):
        if t == 60:
            prune.l1_unstructured(model[0], "weight", amount=0.5)
    report, mine = _train(model, steps=240, every=every, change=change)
    assert report.step == 240 and report.reading.status == "healthy", report.reading.words
    assert _rows(report)["0.weight"].weight_grad_norm == pytest.approx(mine["0.weight_orig"], rel=1e-5)
    assert any("'0.weight' from '0.weight_orig'" in n for n in report.notes), report.notes


@pytest.mark.parametrize("which", ["hidden", "all", "output"])
def test_parametrised_layers_are_read_from_their_originals(which):
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, CLASSES))
    torch.manual_seed(0)
    if which in ("hidden", "all"):
        parametrizations.weight_norm(model[0])
        parametrizations.orthogonal(model[2])
        parametrizations.spectral_norm(model[4])
    if which in ("all", "output"):
        parametrizations.weight_norm(model[6])
    assert parametrize.is_parametrized(model[6]) == (which != "hidden")
    report, mine = _train(model)
    r = report.reading
    assert r.status == "healthy", r.words  # 'all' had read 'diverged' on every step
    out = mine["6.parametrizations.weight.original1" if which != "hidden" else "6.weight"]
    first = mine["0.parametrizations.weight.original1" if which != "output" else "0.weight"]
    rows = _rows(report)
    assert rows["0.weight"].weight_grad_norm == pytest.approx(first, rel=1e-5)
    assert rows["0.weight"].weight_grad_ratio_to_output == pytest.approx(first / out, rel=1e-5)
    # the output layer is the last: the ReLU after module '4' is a hidden layer, counted as one
    assert [layer.name for layer in report.layers] == ["1", "3", "5"]


@pytest.mark.parametrize("every", [1, "auto"])
def test_a_sparse_embedding_under_sparse_adam_is_read(every):
    torch.manual_seed(0)

    class Bag(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(500, 16, sparse=True)
            self.fc = nn.Linear(16, 32)
            self.out = nn.Linear(32, CLASSES)

        def forward(self, ids):
            return self.out(F.relu(self.fc(self.emb(ids).mean(1))))
    model = Bag()
    g = torch.Generator().manual_seed(1)
    y = torch.randint(0, CLASSES, (2048,), generator=g)
    ids = torch.randint(0, 500, (2048, 8), generator=g)
    ids[:, :3] = torch.randint(0, 20, (2048, 3), generator=g) + y[:, None] * 20
    sparse, dense = torch.optim.SparseAdam([model.emb.weight], 1e-2), torch.optim.Adam(
        [p for n, p in model.named_parameters() if not n.startswith("emb")], 3e-3)
    with Monitor(model, every=every, chance_loss=math.log(CLASSES)) as mon:
        for t in range(1, 201):
            i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(t))
            with mon.step(sample=t == 200) as s:
                loss = F.cross_entropy(model(ids[i]), y[i])
                loss.backward()
                s.loss = loss
            mine = float(model.emb.weight.grad.coalesce().values().norm())
            sparse.step()
            dense.step()
            sparse.zero_grad()
            dense.zero_grad()
    report = mon.report()
    assert report.reading.status == "healthy", report.reading.words
    said = next(n for n in report.notes if "'emb.weight' " in n)
    assert float(re.search(r"'emb\.weight' ([\d.e+-]+)", said)[1]) == pytest.approx(mine, rel=5e-3)


def test_an_ensemble_under_vmap_is_said_unwatched():
    from torch.func import functional_call, stack_module_state, vmap
    members = [_mlp() for _ in range(3)]
    params, buffers = stack_module_state(members)
    base = _mlp().to("meta")

    def one(p, b, x):
        return functional_call(base, (p, b), (x,))
    report, _ = _train(base, steps=40, params=list(params.values()),
                       forward=lambda x: vmap(one, in_dims=(0, 0, None))(params, buffers, x).mean(0))
    r = report.reading
    assert r.status == "unwatched" and "inside a torch.func transform" in r.words, r.words


def test_functional_call_with_parameters_of_its_own_is_read_from_them():
    """The tensors functional_call runs the model with get the gradients, and the optimiser steps them: they are read
    (the module's own stay without a .grad), with a note. W93 walkthrough finding 7: it had read 'unwatched ... never
    stored in .grad (torch.autograd.grad ...)'."""
    from torch.func import functional_call
    model = _mlp()
    params = {k: v.detach().clone().requires_grad_(True) for k, v in model.named_parameters()}
    x, y = _data()
    opt = torch.optim.Adam(params.values(), 3e-3)
    with Monitor(model, every=1, chance_loss=math.log(CLASSES)) as mon:
        for t in range(1, 41):
            i = torch.randint(0, len(x), (128,), generator=torch.Generator().manual_seed(t))
            with mon.step() as s:
                loss = F.cross_entropy(functional_call(model, params, (x[i],)), y[i])
                loss.backward()
                s.loss = loss
            mine = {k: float(p.grad.norm()) for k, p in params.items()}
            opt.step()
            opt.zero_grad()
    report = mon.report()
    assert all(p.grad is None for p in model.parameters())  # the premise: the module's own got nothing
    assert report.reading.status == "healthy", report.reading.words
    rows = _rows(report)
    assert rows["0.weight"].weight_grad_norm == pytest.approx(mine["0.weight"], rel=1e-5)
    assert rows["0.weight"].weight_grad_ratio_to_output == pytest.approx(mine["0.weight"] / mine["4.weight"], rel=1e-5)
    assert any(n.startswith("the weighted modules ran with parameters other than their own") for n in report.notes)


def test_pruning_more_layers_mid_run_leaves_one_note_naming_them_all():
    """W102 walkthrough finding 5: two layers parametrised from the start and two more pruned at step 60 left two
    notes, the first naming '0' and '2', the second '0' to '6'; the second takes the first's place now. Units whose
    rows are pruned away whole with their bias set below 0 are off on every input: the script's own forward pass
    finds each of them at 0, and the report counts each of them dead or gone silent, none active."""
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, CLASSES))
    torch.manual_seed(0)
    parametrizations.weight_norm(model[0])
    parametrizations.spectral_norm(model[2])

    def change(t):
        if t == 60:
            prune.ln_structured(model[4], "weight", amount=0.5, n=2, dim=0)
            prune.l1_unstructured(model[6], "weight", amount=0.6)
            with torch.no_grad():
                model[4].bias.fill_(-0.1)
    report, _ = _train(model, steps=160, every=2, change=change)
    said = [n for n in report.notes if " are computed from other parameters" in n]
    assert len(said) == 1, said
    assert said[0].startswith("the weights of modules '0', '2', '4' and '6' are computed"), said[0]
    assert "Rows pruned away whole (32 of 64 in '4')" in said[0] and "reads as gone silent first" in said[0]
    cut = (model[4].weight_mask == 0).all(1).nonzero().flatten().tolist()
    x, _ = _data()
    with torch.no_grad():
        assert not model[:6](x)[:, cut].any()  # the script's own forward: every cut unit is 0 on every input
    row = _rows(report)["4.weight"]
    assert set(cut) <= set(row.dead_units) | set(row.silent_units), (cut, row.dead_units, row.silent_units)
