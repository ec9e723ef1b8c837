"""A model with two heads on one trunk (a classifier and a regressor), for the Monitor's tests of which layer it takes
as the output layer and of where its data flows."""

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(4, 8), nn.Tanh())
        self.cls, self.reg = nn.Linear(8, 3), nn.Linear(8, 1)

    def forward(self, x):
        h = self.trunk(x)
        return self.cls(h), self.reg(h)
