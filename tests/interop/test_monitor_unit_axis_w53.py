"""Units are where the weighted module before an activation puts them (issue 17, W53 walkthrough finding 1): a
Conv1d's (N, C, L) output has C channels, not L positions (6 of 16 channels killed read '40 units, 0 dead'), and a
Linear applied to a channels-last (N, H, W, C) tensor has its features on the last axis, not axis 1. Reference: each
unit's outputs and the module's f', taken by a forward hook of the test's own along the axis the module defines."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class _ChannelsLast(nn.Module):
    """A ConvNeXt-style block: a depthwise conv, then the channels moved last for a Linear and its activation."""

    def __init__(self, act: nn.Module):
        super().__init__()
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pw = nn.Linear(8, 24)
        self.act = act
        self.head = nn.Linear(24, 3)

    def forward(self, x):
        h = self.act(self.pw(self.dw(x).permute(0, 2, 3, 1)))  # (N, H, W, 24)
        return self.head(h.mean((1, 2)))


class _Permuted(nn.Module):
    """A Conv1d whose output is moved to (N, L, C) before its ReLU."""

    def __init__(self, length: int):
        super().__init__()
        self.conv = nn.Conv1d(3, 16, 5, padding=2)
        self.act = nn.ReLU()
        self.head = nn.Linear(16, 3)
        self.length = length

    def forward(self, x):
        return self.head(self.act(self.conv(x).transpose(1, 2)).mean(1))


class _Functional(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 16, 5, padding=2)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        return self.head(F.relu(self.conv(x)).mean(2))


def _conv1d(inplace: bool = False) -> nn.Module:
    return nn.Sequential(nn.Conv1d(3, 16, 5, padding=2), nn.ReLU(inplace=inplace), nn.AdaptiveAvgPool1d(1),
                         nn.Flatten(), nn.Linear(16, 3))


def _units(t: torch.Tensor, axis: int) -> torch.Tensor:
    """(rows, units): every unit's values, the unit axis moved last."""
    return t.movedim(axis, -1).reshape(-1, t.shape[axis])


def _watch(model, x, killed, conv, act_module, axis, steps=8):
    """Kill ``killed`` units of the weighted module ``conv`` (bias -100) and run; compare the monitor's first place
    with the test's own record of the units along ``axis`` of the activation's output."""
    with torch.no_grad():
        conv.bias[list(killed)] = -100.0
    record = []
    act_module.register_forward_hook(lambda m, i, o: record.append(_units(o.detach(), axis)))
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    y = torch.randint(0, 3, (x.shape[0],))
    for _ in range(steps):
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        model.zero_grad()
    row = mon.report().layers[0]
    on = torch.stack([(u > 0).any(0) for u in record])  # (steps, units): was each unit on for some row
    assert row.width == on.shape[1], row
    assert row.dead == int((~on.any(0)).sum()) == len(killed), (row.dead, row.words)
    assert set(row.dead_units) == set(killed), row.dead_units
    last = record[-1]
    assert row.mean == pytest.approx(float(last.double().mean()), rel=1e-5, abs=1e-7)
    # the per-unit figure the axis decides: the units off on more than 99% of the last batch's rows, the dead
    # ones aside (the row counts those apart)
    assert row.saturated == int(((last > 0).double().mean(0) < 0.01).sum()) - len(killed), row


@pytest.mark.parametrize("inplace", [False, True])
def test_a_conv1d_layers_units_are_its_channels(inplace):
    torch.manual_seed(0)
    model = _conv1d(inplace)
    _watch(model, torch.randn(64, 3, 40), {0, 1, 2, 3, 4, 5}, model[0], model[1], axis=1)


def test_a_conv1d_whose_length_equals_its_channels_is_read_by_channel():
    torch.manual_seed(1)
    model = _conv1d()
    _watch(model, torch.randn(64, 3, 16), {2, 9}, model[0], model[1], axis=1)


def test_a_conv1d_moved_to_channels_last_before_its_relu_is_read_by_channel():
    torch.manual_seed(2)
    model = _Permuted(40)
    _watch(model, torch.randn(64, 3, 40), {1, 7, 15}, model.conv, model.act, axis=2)


def test_a_relu_applied_as_a_function_to_a_conv1d_is_read_by_channel():
    torch.manual_seed(3)
    model = _Functional()
    record = []
    model.conv.register_forward_hook(lambda m, i, o: record.append(_units(F.relu(o.detach()), 1)))
    with torch.no_grad():
        model.conv.bias[[4, 5]] = -100.0
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    x, y = torch.randn(32, 3, 40), torch.randint(0, 3, (32,))
    for _ in range(6):
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        model.zero_grad()
    row = mon.report().layers[0]
    assert row.width == 16 and row.dead == 2 and set(row.dead_units) == {4, 5}, row


@pytest.mark.parametrize("act", [nn.ReLU, nn.GELU])
def test_a_linear_on_a_channels_last_tensor_has_its_features_for_units(act):
    torch.manual_seed(4)
    model = _ChannelsLast(act())
    x = torch.randn(16, 8, 6, 5)
    with torch.no_grad():
        model.pw.bias[[3, 11]] = -100.0
    record, inputs = [], []
    model.act.register_forward_hook(lambda m, i, o: record.append(_units(o.detach(), 3)))
    model.act.register_forward_hook(lambda m, i, o: inputs.append(_units(i[0].detach(), 3)))
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    y = torch.randint(0, 3, (16,))
    for _ in range(6):
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        model.zero_grad()
    row = mon.report().layers[0]
    assert row.width == 24, row
    last = record[-1]
    assert row.mean == pytest.approx(float(last.double().mean()), rel=1e-5, abs=1e-7)
    if act is nn.ReLU:
        assert row.dead == 2 and set(row.dead_units) == {3, 11}, row.words
    else:  # GELU at -100 is flat: the saturated units are those whose mean |f'| over the batch is under 1% of
        # GELU's largest f' (1.1289 at z = 2.4), by the test's own f' of the features' inputs
        z = inputs[-1].double().requires_grad_(True)
        (d,) = torch.autograd.grad(F.gelu(z).sum(), z)
        flat = d.abs().mean(0) < 0.01 * 1.1289
        assert torch.nonzero(flat).flatten().tolist() == [3, 11]
        assert row.saturated == 2 and row.dead == 0, row.words
