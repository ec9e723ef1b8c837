"""The weights' side of a sampled step: which gradients backward wrote, their norms, and the loss.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import math

import torch


class _Weights:
    """Which weight gradients this step's backward wrote (not a leftover), their norms in one fused call, and the
    loss as the block gave it."""

    def _checked_loss(self, loss):
        """s.loss as the reading can use it: one number. Anything else is set aside with a note saying what to set."""
        if loss is None:
            return None
        if torch.is_tensor(loss):
            if loss.numel() == 1:
                return loss
            what = f"a tensor of {loss.numel()} values"
        else:
            try:
                return float(loss)
            except (TypeError, ValueError):
                what = f"a {type(loss).__name__}"
        if not self._noted_loss_shape:
            self._noted_loss_shape = True
            self.notes.append(f"s.loss was {what}, not one number, so the loss is not judged; set s.loss to the "
                              "scalar that backward() was called on (with reduction='none', s.loss = loss.mean())")
        return None

    def _mark_gradients(self) -> None:
        """Remembers each weight's .grad as the step's forward begins (the tensor and its version counter), so that
        a gradient autograd never wrote on this step is told from one it computed, zero or not."""
        grads = [m._parameters["weight"].grad for _, m in self._weighted]
        self._grad_marks = [(g, g._version) if g is not None else None for g in grads]
        # a .grad already there may hold an earlier step's gradient, which this step's backward adds to: its norm,
        # read after the step (_note_leftover_gradients), until one is found nonzero. None after zero_grad()'s
        # default (set_to_none=True): nothing to check
        self._leftover = None
        if not self._noted_leftover:
            held = [(name, g) for (name, _), g in zip(self._weighted, grads, strict=True) if g is not None]
            if held:
                self._leftover = ([n for n, _ in held], torch._foreach_norm([g.detach() for _, g in held]))

    def _note_leftover_gradients(self) -> None:
        """Says once that the weights' gradients accumulate across steps: a weight's .grad held a nonzero value when
        the step's forward began, so what backward wrote there is this step's gradient plus the earlier ones (W12: the
        same batch read |dL/dW| 0.196, 0.294, 0.392, 0.49 on successive steps without zero_grad()). Micro-batches
        accumulated inside one step are not this: the marks are taken when the step's first forward begins."""
        if self._leftover is None:
            return
        names, norms = self._leftover
        self._leftover = None
        held = [n for n, v in zip(names, torch.stack(norms).tolist(), strict=True) if v != 0]
        if not held:
            return
        self._noted_leftover = True
        total = len(self._weighted)
        which = (f"'{held[0]}.weight'" if len(held) == 1 else
                 f"{len(held)} of the {total} weights ('{held[0]}.weight', ...)" if len(held) < total else
                 f"every weight ('{held[0]}.weight', ...)")
        step = self.step_count + 1
        self.notes.append(f"gradients accumulate across steps: when step {step}'s forward began, {which} already "
                          "held a nonzero gradient from before, and backward adds to it: zero_grad() is missing from "
                          "the loop, or gradients are accumulated over several steps on purpose. |dL/dW| and W/out "
                          "then read the gradients summed since the last zero_grad(), not this step's alone; |dL/da| "
                          "and a/last are this step's")

    def _weight_grad_norms(self) -> list[tuple[str, torch.Tensor | None]]:
        """||dL/dW|| of each weighted module's weight, in one fused call (hooks that take each as its gradient is
        accumulated cost more: a Python call and a dispatch per module); None where no gradient was computed on this
        step, and the frozen ones (requires_grad=False) are noted in self._frozen_now.

        A .grad that is the same tensor, unchanged, as when the step's forward began was not written by this step's
        backward (autograd accumulates into it in place, bumping its version, or puts a new tensor there): it holds
        an earlier step's gradient, or zero_grad(set_to_none=False)'s zeros, for a part backward never reached (a
        detached backbone, backward(inputs=...) on the head, backward after the block). It is not computed, not 0;
        a gradient autograd did compute stays whatever it is, exactly 0 included (a layer behind dead units)."""
        marks = self._grad_marks or ()
        grads, frozen = [], []
        for i, (name, m) in enumerate(self._weighted):
            w = m._parameters["weight"]  # not Module.__getattr__ per module
            g = w.grad
            if not w.requires_grad:
                frozen.append(name)
                g = None
            elif g is not None and i < len(marks):
                mark = marks[i]
                if mark is not None and g is mark[0] and g._version == mark[1]:  # not written on this step
                    g = None
            grads.append(g)
        present = [t for t in grads if t is not None]
        self._grads_written = bool(present)
        norms = iter(torch._foreach_norm(present) if present else ())
        self._frozen_now = frozenset(frozen)
        return [(name, None if grad is None else next(norms)) for (name, _), grad in zip(self._weighted, grads,
                                                                                         strict=True)]

    def _read_weights_when_backward_ends(self) -> None:
        """Called from a gradient hook of ours during backward: the weight norms are read once the whole backward
        has run (every weight's gradient is then accumulated), before the script can step or zero them."""
        if not self._weight_read_queued:
            self._weight_read_queued = True
            torch.autograd.Variable._execution_engine.queue_callback(self._read_weights)

    def _read_weights(self) -> None:
        self._weight_read_queued = False  # a second backward in the same step queues its own read, the later wins
        self._weight_norms = self._weight_grad_norms()

    def _renorm_overflowed(self, weight_norm: dict[str, float]) -> None:
        """A float32 gradient's norm is summed in float32 by torch: finite values near 1e19 square past its range
        and the norm reads inf. Such a norm (rare: a run about to diverge) is taken again in float64 from .grad, which
        still holds this step's gradient unless the script changed it inside the block: kept only where it is above
        float32's range, as an overflowed norm is, so a zeroed or stepped .grad is never read instead."""
        if math.inf not in weight_norm.values():  # the common step: one scan in C, not a look-up per module
            return
        for name, module in self._weighted:
            if weight_norm.get(name) != math.inf:
                continue
            grad = module._parameters["weight"].grad
            if grad is None or grad.dtype == torch.float64:
                continue
            again = float(torch.linalg.vector_norm(grad.detach(), dtype=torch.float64))
            if math.isfinite(again) and again > float(torch.finfo(torch.float32).max) ** 0.5:
                weight_norm[name] = again
