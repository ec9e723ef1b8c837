"""One step of a monitored training loop, as the Monitor's tests write it: the forward, the loss, its backward and
``s.loss`` inside ``with mon.step() as s``; then the optimiser's step and ``zero_grad()`` when one is given."""

import re

from conftest import require_torch

torch = require_torch()
from torch.nn import functional as F  # noqa: E402


def squared_error(out, y):
    """The mean squared error, written out (the loss of the regression tests)."""
    return ((out - y) ** 2).mean()


def monitored_step(mon, model, x, y, opt=None, loss_fn=F.cross_entropy, sample: bool = False):
    """``loss_fn(model(x), y)`` with its backward inside one ``mon.step(sample=sample)``; then ``opt.step()`` and
    ``opt.zero_grad()`` when ``opt`` is given. Returns the loss."""
    with mon.step(sample=sample) as s:
        loss = loss_fn(model(x), y)
        loss.backward()
        s.loss = loss
    if opt is not None:
        opt.step()
        opt.zero_grad()
    return loss


def cost_verdict(note: str) -> str:
    """every="auto"'s cost note from its verdict on: without the sentence that opens it while its figures are
    provisional ('Provisional: 11 of the 12 sampled steps timed so far; the figures settle after about 16.')."""
    return re.sub(r"\AProvisional: [^.]*\. ", "", note)


def three_steps(model, x, y):
    """A Monitor(every=1) over three monitored steps of ``model`` on (x, y), gradients zeroed after each, no
    optimiser: the weights stay as they were, so a reference computed from them afterwards is the steps' own."""
    from actlab.torch import Monitor

    mon = Monitor(model, every=1)
    for _ in range(3):
        monitored_step(mon, model, x, y)
        model.zero_grad()
    return mon


def hooked(module) -> int:
    """How many hooks a module carries now, counting a forward replaced by the monitor's (a plain nn.ReLU's post-hook
    runs from its forward on a sampled step): 0 between sampled steps."""
    return len(module._forward_hooks) + len(module._forward_pre_hooks) + ("forward" in module.__dict__)


def clusters(spread: float = 3.0, n: int = 4096, dim: int = 32, classes: int = 10):
    """The walkthroughs' classification data, drawn after torch.manual_seed(0): ``classes`` centres of scale
    ``spread`` in ``dim`` dimensions, each point one centre plus noise of std 1.5. (x, y)."""
    torch.manual_seed(0)
    centres = torch.randn(classes, dim) * spread
    y = torch.randint(0, classes, (n,))
    return centres[y] + 1.5 * torch.randn(n, dim), y


def blobs(n: int = 2000, classes: int = 4, dim: int = 8):
    """The W59 walkthrough's classification data: ``classes`` centres of scale 1.5 in ``dim`` dimensions drawn from
    a generator seeded 0, each point one centre plus noise of std 1. (x, y)."""
    gen = torch.Generator().manual_seed(0)
    centres = torch.randn(classes, dim, generator=gen) * 1.5
    y = torch.randint(0, classes, (n,), generator=gen)
    return centres[y] + torch.randn(n, dim, generator=gen), y


def teacher_data(n: int = 8000, d: int = 20, classes: int = 10):
    """``n`` points of ``d`` standard normal inputs and the class a fixed random tanh teacher gives each of ``classes``
    (seeded: the same data in every test that asks for it), as (x, y)."""
    import math

    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, d, generator=g)
    teacher = torch.randn(d, 64, generator=g), torch.randn(64, classes, generator=g)
    return x, (torch.tanh(x @ teacher[0] / math.sqrt(d)) @ teacher[1]).argmax(1)


def separable(classes: int = 4, n: int = 4096, dim: int = 20, seed: int = 0):
    """Classes a small MLP learns in a few hundred steps: ``classes`` centres of scale 1.5 in ``dim`` dimensions from a
    generator seeded ``seed``, each point its class's centre plus noise of std 1. (x, y)."""
    gen = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=gen)
    return torch.randn(classes, dim, generator=gen)[y] * 1.5 + torch.randn(n, dim, generator=gen), y


def batch_at(t: int, n: int = 4096, size: int = 128):
    """The indices of step ``t``'s batch: ``size`` of ``n``, from a generator seeded ``t``."""
    return torch.randint(0, n, (size,), generator=torch.Generator().manual_seed(t))


def loaded_kernels():
    """The compiled passes' module, loaded now (skipped where numba is missing; a failure to load fails the test)."""
    import pytest

    from actlab.interop import _torch_stats

    pytest.importorskip("numba")
    module = _torch_stats.load()
    assert module is not None, _torch_stats._failure
    return module
