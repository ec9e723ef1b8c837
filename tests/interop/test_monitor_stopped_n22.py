"""W21 finding 3: a mixture of experts whose router stops sending an expert tokens read 'healthy'. The reading now
says which places stopped running, how often they ran and when last, against a direct count of the steps on which
each expert got a token; an expert that never ran is noted."""

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class MoE(nn.Module):
    """Top-1 routing over 3 SiLU experts; expert 2 is biased off from the start."""

    def __init__(self):
        super().__init__()
        self.inp, self.act0, self.router = nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3)
        self.experts = nn.ModuleList(nn.Sequential(nn.Linear(16, 16), nn.SiLU(), nn.Linear(16, 16)) for _ in range(3))
        self.head = nn.Linear(16, 3)
        with torch.no_grad():
            self.router.bias[2] = -100.0
        self.tokens = []  # per step: tokens each expert got (the direct count)

    def forward(self, x):
        h = self.act0(self.inp(x))
        gate = self.router(h).softmax(-1)
        w, idx = gate.max(-1)
        self.tokens.append(torch.bincount(idx, minlength=3).tolist())
        out = torch.zeros_like(h)
        for e, ex in enumerate(self.experts):
            m = idx == e
            if m.any():
                out[m] = w[m, None] * ex(h[m])
        return self.head(h + out)


def test_an_expert_the_router_stops_using_is_read_as_stopped():
    torch.manual_seed(0)
    model = MoE()
    opt = torch.optim.SGD(model.parameters(), 0.01)
    x, y = torch.randn(256, 6), torch.randint(0, 3, (256,))
    mon = Monitor(model, every=1, chance_loss=1.0986)
    steps = 60
    for step in range(steps):
        if step == 25:  # the router collapses onto expert 1
            with torch.no_grad():
                model.router.bias[0] = -100.0
        i = torch.randint(0, 256, (16,))
        with mon.step() as s:
            loss = nn.functional.cross_entropy(model(x[i]), y[i])
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
    report = mon.report()
    ran = [[t[e] > 0 for t in model.tokens] for e in range(3)]  # the direct count, per expert and step
    last0 = max(k + 1 for k, r in enumerate(ran[0]) if r)
    assert last0 <= 25 and sum(ran[1]) == steps and not any(ran[2])
    assert report.status == "dead_layer"
    (finding,) = [f for f in report.reading.findings if f.words.startswith("stopped running")]
    (stopped,) = finding.evidence["stopped"]
    assert stopped == {"place": "experts.0.1", "runs": sum(ran[0]), "last_sampled_step": last0, "last_step": last0}
    said = f"'experts.0.1' ran on {sum(ran[0])} of the {steps} sampled steps, the last at training step {last0},"
    assert said in finding.words
    assert "router" in finding.remedy
    assert any(n.startswith("'experts.2.1' has not run on any of the 60 sampled steps") for n in report.notes)


def test_a_place_idle_for_fewer_sampled_steps_is_not_said_to_have_stopped():
    torch.manual_seed(0)
    model = MoE()
    x, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    mon = Monitor(model, every=1, chance_loss=1.0986)
    for step in range(30):
        if step == 15:  # 15 sampled steps without expert 0: under the 20 it takes
            with torch.no_grad():
                model.router.bias[0] = -100.0
        with mon.step() as s:
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        model.zero_grad()
    report = mon.report()
    assert sum(t[0] > 0 for t in model.tokens[:15]) > 0 and all(t[0] == 0 for t in model.tokens[15:])
    assert not any(f.words.startswith("stopped running") for f in report.reading.findings)
