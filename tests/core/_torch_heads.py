"""PyTorch's output and loss of an output head, read from the head's own record (heads.Head.torch_output and
torch_loss, the text the playground's export writes), so a test names no head and holds no table of losses."""

from __future__ import annotations

from actlab.heads import head


def torch_head_loss(name: str, logits, y):
    """(output, loss) of head ``name`` in PyTorch for ``logits`` (a tensor) and targets ``y`` (the head's targets,
    as heads.Head.targets makes them)."""
    import torch

    h = head(name)
    scope = {"torch": torch, "nn": torch.nn, "logits": logits, "y": torch.as_tensor(y)}
    out = eval(h.torch_output, scope)  # the recipes are actlab's own text, not input
    return out, eval(h.torch_loss, {**scope, "out": out})
