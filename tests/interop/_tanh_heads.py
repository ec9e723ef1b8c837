"""A two-head model the parts and branch tests share: a ReLU trunk, a 4-class head and a regression head with a Tanh
hidden layer (W51 walkthrough's multitask model, smaller). The M20 tests' smaller two-head model is _two_heads.py."""

from __future__ import annotations

from torch import nn


class TanhHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(10, 64), nn.ReLU())
        self.cls = nn.Linear(64, 4)
        self.reg = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 1))

    def forward(self, x):
        h = self.trunk(x)
        return self.cls(h), self.reg(h).squeeze(-1)
