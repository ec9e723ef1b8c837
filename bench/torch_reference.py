"""Issue 19's configurations written in PyTorch, as an independent reference for the engine's reproductions.

The issue's author measured each claim before filing it; where the issue does not say how a thing was set up, the
likeliest reading is PyTorch's defaults: nn.Linear draws weights and biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
nn.LayerNorm starts at gain 1 and shift 0, Adam and SGD with their defaults, mean-reduced cross-entropy, and a
DataLoader that reshuffles every epoch. Each subcommand runs one claim's configuration in torch with those defaults
and with the engine's choices where they differ, so the difference that explains a gap can be read off.

    .venv/bin/python bench/torch_reference.py markov [--seeds 5] [--steps 1000]   shazeer2020's Markov task
    .venv/bin/python bench/torch_reference.py he [--seeds 3] [--epochs 30]         he2015's 30-layer training
    .venv/bin/python bench/torch_reference.py gelu [--seeds 5]                     hendrycks2016 setting (b)
    .venv/bin/python bench/torch_reference.py poole [--seeds 5]                    critical tanh's per-layer rate

One thread (torch.set_num_threads(1)), so two of these never fight over the shared machine's two cores. The data
(digits split, Markov chain) come from actlab's own loaders, so only the model and its training differ.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from actlab.experiments.digits import load_digits
from actlab.experiments.shazeer2020 import BATCH, MarkovTask

torch.set_num_threads(1)


# --- shazeer2020: pre-LayerNorm residual net with bias-free feed-forward units --------------------------------

class FFN(nn.Module):
    def __init__(self, kind: str, d: int, bias: bool = False):
        super().__init__()
        self.kind = kind
        self.gated = kind in ("glu", "reglu", "geglu", "swiglu", "bilinear")
        f = 171 if self.gated else 256
        self.w1 = nn.Linear(d, f, bias=bias)
        if self.gated:
            self.v = nn.Linear(d, f, bias=bias)
        self.w2 = nn.Linear(f, d, bias=bias)

    def forward(self, u):
        a = self.w1(u)
        act = {"relu": F.relu, "gelu": F.gelu, "glu": torch.sigmoid, "reglu": F.relu, "geglu": F.gelu,
               "swiglu": F.silu, "bilinear": lambda t: t}[self.kind]
        s = act(a) * self.v(u) if self.gated else act(a)
        return self.w2(s)


class ResNet(nn.Module):
    def __init__(self, kind: str, d_in: int, k: int, d: int = 64, blocks: int = 4, ffn_bias: bool = False,
                 post_ln: bool = False):
        super().__init__()
        self.post_ln = post_ln
        self.inp = nn.Linear(d_in, d)
        self.lns = nn.ModuleList(nn.LayerNorm(d) for _ in range(blocks))
        self.ffns = nn.ModuleList(FFN(kind, d, ffn_bias) for _ in range(blocks))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, k)

    def forward(self, x):
        h = self.inp(x)
        for ln, ffn in zip(self.lns, self.ffns, strict=True):
            h = ln(h + ffn(h)) if self.post_ln else h + ffn(ln(h))
        return self.head(self.ln_f(h))


def engine_init(model: nn.Module) -> None:
    """actlab's _residual.ResidualNet.create: every weight N(0, 1/fan_in), every bias 0."""
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 1 / math.sqrt(m.in_features))
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def markov(args) -> None:
    task = MarkovTask()
    hx, hc = task.held_out  # distinct contexts (U, 32), counts (U, 16)
    hx, hc = torch.tensor(hx), torch.tensor(hc)
    print(f"entropy floor {task.entropy():.4f}")
    kinds = args.units.split(",")
    for init in args.inits.split(","):
        loss = {k: [] for k in kinds}
        for seed in range(args.seeds):
            for kind in kinds:
                torch.manual_seed(seed)
                model = ResNet(kind, 32, 16, ffn_bias=args.ffn_bias, post_ln=args.post_ln)
                if init == "engine":
                    engine_init(model)
                opt = torch.optim.Adam(model.parameters(), lr=1e-3)
                rng = np.random.default_rng([seed, 3])
                for _ in range(args.steps):
                    context, y = task.sample_contexts(BATCH, rng)
                    x = torch.tensor(task.one_hot[context])
                    out = F.cross_entropy(model(x), torch.tensor(y))
                    opt.zero_grad()
                    out.backward()
                    opt.step()
                with torch.no_grad():
                    logp = F.log_softmax(model(hx), dim=1)
                    loss[kind].append(float(-(hc * logp).sum() / hc.sum()))
        print(f"init {init}: held-out loss at {args.steps} steps, seeds 0-{args.seeds - 1}")
        for kind in kinds:
            v = np.asarray(loss[kind])
            line = f"  {kind:8s} {v.mean():.4f}"
            if kind != "relu" and "relu" in loss:
                gap = np.asarray(loss["relu"]) - v
                line += (f"   relu - {kind}: {gap.mean():+.4f} +- {gap.std(ddof=1) if gap.size > 1 else 0:.4f} "
                         f"({', '.join(f'{g:+.4f}' for g in gap)}), {int(np.sum(gap > 0))}/{gap.size} above 0")
            print(line, flush=True)


# --- he2015: 64 -> 30 x 128 ReLU -> 10, SGD momentum 0.9, lr 1e-3, batch 32 ------------------------------------

def mlp(sizes, act) -> nn.Sequential:
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def full_loss(model, x, y) -> float:
    with torch.no_grad():
        return float(F.cross_entropy(model(x), y))


def train(model, opt, x, y, epochs: int, batch: int, seed: int, read=None, dropout_model=None) -> list[float]:
    """Per-epoch reshuffled minibatches (DataLoader(shuffle=True)'s order from a seeded generator)."""
    g = torch.Generator().manual_seed(seed)
    wanted = set(range(epochs + 1)) if read is None else set(read)
    losses = [full_loss(model, x, y)] if 0 in wanted else []
    for epoch in range(1, epochs + 1):
        model.train()
        for idx in torch.randperm(len(x), generator=g).split(batch):
            out = F.cross_entropy((dropout_model or model)(x[idx]), y[idx])
            opt.zero_grad()
            out.backward()
            opt.step()
        model.eval()
        if epoch in wanted:
            losses.append(full_loss(model, x, y))
    return losses


def he(args) -> None:
    data = load_digits("standard")
    x, y = torch.tensor(data.x_train, dtype=torch.float32), torch.tensor(data.y_train)
    for init in args.inits.split(","):
        for bias in args.biases.split(","):
            curves = []
            t0 = time.perf_counter()
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                torch.manual_seed(seed)
                model = mlp([64] + [128] * 30 + [10], nn.ReLU)
                for m in model:
                    if isinstance(m, nn.Linear):
                        if init == "he_normal":
                            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                        else:
                            nn.init.xavier_normal_(m.weight)
                        if bias == "zero":
                            nn.init.zeros_(m.bias)  # else nn.Linear's default U(+-1/sqrt(fan_in)) stays
                opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
                curves.append(train(model, opt, x, y, args.epochs, 32, seed))
            c = np.asarray(curves)
            print(f"{init}, biases {bias}: loss at epoch 10 {', '.join(f'{v:.4f}' for v in c[:, 10])}; "
                  f"epoch {args.epochs} {', '.join(f'{v:.4f}' for v in c[:, -1])}; "
                  f"max |loss - ln 10| {np.max(np.abs(c - math.log(10))):.4f} ({time.perf_counter() - t0:.0f} s)",
                  flush=True)


# --- hendrycks2016 (b): 64 -> 8 x 128 -> 10, unit-norm init, biases 0, Adam lr 1e-4, batch 128, 50 epochs -------

def gelu(args) -> None:
    data = load_digits("standard")
    x, y = torch.tensor(data.x_train, dtype=torch.float32), torch.tensor(data.y_train)
    acts = {"gelu_tanh": lambda: nn.GELU(approximate="tanh"), "relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh}
    final = {}
    for lr in [float(v) for v in args.lrs.split(",")]:
        for bias in args.biases.split(","):
            for name in args.acts.split(","):
                runs = []
                for seed in range(args.seeds):
                    torch.manual_seed(seed)
                    model = mlp([64] + [128] * 8 + [10], acts[name])
                    with torch.no_grad():
                        for m in model:
                            if isinstance(m, nn.Linear):
                                w = torch.randn_like(m.weight)
                                m.weight.copy_(w / w.norm(dim=1, keepdim=True))  # a unit's incoming weights: a row
                                if bias == "zero":
                                    m.bias.zero_()
                    opt = torch.optim.Adam(model.parameters(), lr=lr)
                    runs.append(train(model, opt, x, y, 50, 128, seed, read=(0, 10, 30, 50)))
                final[lr, bias, name] = np.asarray(runs)
                print(f"lr {lr:g}, biases {bias}, {name}: loss at epochs 10/30/50 (mean) "
                      f"{' / '.join(f'{v:.4f}' for v in final[lr, bias, name].mean(axis=0)[1:])}", flush=True)
            if "relu" in args.acts and "gelu_tanh" in args.acts:
                gap = final[lr, bias, "relu"][:, -1] - final[lr, bias, "gelu_tanh"][:, -1]
                print(f"lr {lr:g}, biases {bias}: relu - gelu at epoch 50 per seed "
                      f"{', '.join(f'{g:+.4f}' for g in gap)}: {int(np.sum(gap > 0))}/{gap.size} above 0", flush=True)


# --- poole2016: critical tanh, width 1,000, depth 50 ------------------------------------------------------------

def poole(args) -> None:
    """Per-layer ||dL/dh_l||^2 ratios of h_l = W_l phi(h_{l-1}) (h_1 = W_1 x, biases 0), W ~ N(0, s2 / n), with
    autograd, read several ways: the geometric and arithmetic mean over layers, and the end-to-end ratio."""
    n, depth, s2 = 1000, 50, args.sigma_w2
    for seed in range(args.seeds):
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(16, n, generator=g, dtype=torch.float64, requires_grad=True)
        hs, h = [], x
        for l in range(depth):
            W = torch.randn(n, n, generator=g, dtype=torch.float64) * math.sqrt(s2 / n)
            h = (torch.tanh(h) if (l > 0 or args.tanh_input) else h) @ W
            h.retain_grad()
            hs.append(h)
        out = (hs[-1] * torch.randn(16, n, generator=g, dtype=torch.float64)).sum()
        out.backward()
        sq = np.asarray([float((t.grad ** 2).sum()) for t in hs])
        r = sq[:-1] / sq[1:]
        print(f"seed {seed}: geometric mean {math.exp(np.mean(np.log(r))):.4f}, arithmetic {np.mean(r):.4f}, "
              f"end to end ^(1/{depth - 1}) {(sq[0] / sq[-1]) ** (1 / (depth - 1)):.4f}, "
              f"last 25 layers {math.exp(np.mean(np.log(r[-25:]))):.4f}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="claim", required=True)
    m = sub.add_parser("markov")
    m.add_argument("--seeds", type=int, default=5)
    m.add_argument("--steps", type=int, default=1000)
    m.add_argument("--units", default="relu,glu,reglu,geglu,swiglu")
    m.add_argument("--inits", default="torch,engine", help="torch: nn.Linear's defaults; engine: N(0, 1/fan_in), 0")
    m.add_argument("--ffn-bias", action="store_true", help="feed-forward Linears with biases (the issue: bias-free)")
    m.add_argument("--post-ln", action="store_true", help="h <- LN(h + FFN(h)) (the issue: pre-LayerNorm)")
    h = sub.add_parser("he")
    h.add_argument("--seeds", type=int, default=3)
    h.add_argument("--first-seed", type=int, default=0)
    h.add_argument("--epochs", type=int, default=30)
    h.add_argument("--biases", default="default,zero")
    h.add_argument("--inits", default="xavier_normal,he_normal")
    gp = sub.add_parser("gelu")
    gp.add_argument("--seeds", type=int, default=5)
    gp.add_argument("--lrs", default="1e-4")
    gp.add_argument("--biases", default="zero")
    gp.add_argument("--acts", default="gelu_tanh,relu")
    pp = sub.add_parser("poole")
    pp.add_argument("--seeds", type=int, default=3)
    pp.add_argument("--sigma-w2", type=float, default=1.0)
    pp.add_argument("--tanh-input", action="store_true", help="h_1 = W tanh(x), as the engine's measured_rates")
    args = p.parse_args()
    print(f"torch {torch.__version__}, load {os.getloadavg()[0]:.2f}")
    {"markov": markov, "he": he, "gelu": gelu, "poole": poole}[args.claim](args)


if __name__ == "__main__":
    main()
