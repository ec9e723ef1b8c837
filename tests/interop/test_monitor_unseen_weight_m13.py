"""A weight that gets a gradient though no hook saw its module run (W14, issue 17). nn.MultiheadAttention computes
with out_proj.weight inside F.multi_head_attention_forward and never calls out_proj: on a plain, uncompiled
nn.TransformerEncoder the report used to say the module 'ran in compiled code' and advise torch.compiler.reset().
The reference is plain torch: a forward hook on out_proj that counts its calls, and the weight's .grad."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class _Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Linear(12, 16)
        layer = nn.TransformerEncoderLayer(16, 2, 32, activation="gelu", batch_first=True, dropout=0.0)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        return self.head(self.enc(self.emb(x).unsqueeze(1).repeat(1, 3, 1)).mean(1))


def test_a_plain_transformer_gets_no_compile_note():
    torch.manual_seed(0)
    model = _Tiny()
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(32, 12, generator=g), torch.randint(0, 4, (32,), generator=g)
    # the reference, in plain torch: out_proj's forward never runs, yet its weight gets a gradient
    calls = []
    handle = model.enc.layers[0].self_attn.out_proj.register_forward_hook(lambda *a: calls.append(1))
    F.cross_entropy(model(x), y).backward()
    handle.remove()
    assert calls == [] and model.enc.layers[0].self_attn.out_proj.weight.grad.abs().sum() > 0
    model.zero_grad()
    mon = Monitor(model, every=1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(3):
        monitored_step(mon, model, x, y, opt)
    report = mon.report()
    notes = " ".join(report.notes)
    assert "out_proj" not in notes, notes
    assert "torch.compiler.reset()" not in notes and "compiled" not in notes, notes


_SCRIPT = textwrap.dedent("""
    import torch, torch.nn.functional as F
    from torch import nn
    from actlab.torch import Monitor

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.act, self.fc2 = nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16)
            self.out = nn.Linear(16, 3)
        def forward(self, x):
            h = self.act(self.fc1(x))
            return self.out(torch.tanh(F.linear(h, self.fc2.weight, self.fc2.bias)))  # fc2 is never called

    torch.manual_seed(0)
    model = Net()
    mon = Monitor(model, every=1)
    x, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    for _ in range(3):
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y); loss.backward(); s.loss = loss
        assert model.fc2.weight.grad.abs().sum() > 0
        model.zero_grad()
    print("NOTE:" + next(n for n in mon.report().notes if "'fc2.weight' got a gradient" in n))
""")


def test_a_weight_used_outside_its_module_is_named_without_compile_advice():
    """In a fresh process (torch.compile unused anywhere): the note names the weight, says how it came about, and
    gives no reset() advice."""
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    note = done.stdout.split("NOTE:", 1)[1]
    assert "used outside its module's forward" in note and "not compiled" in note, note
    assert "torch.compiler.reset()" not in note and "Dynamo" not in note, note
