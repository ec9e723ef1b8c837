"""What a sampled step measures at each place, and the weight gradients after backward.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import torch

from . import _monitor_places as _places
from . import _torch_stats
from ._monitor_places import (
    _LOW_PRECISION,
    _as_units,
    _centred_sq,
    _Layer,
    _overflowed,
    _per_unit,
    _shape,
    _sumsq,
    _total,
    derivative,
)

# whether the backward running now keeps its graph (retain_graph=True): only then can a later backward of the step
# reach the same place again
_keep_graph = getattr(torch._C._autograd, "_get_current_graph_task_keep_graph", lambda: True)


class _Measures:
    """Each place's sums (output, f', the gradient reaching it) and the weights' gradient norms, as torch tensors
    until the step ends."""

    _summed_backwards = 0  # this step: the most backward calls that reached one place
    _held_sums = False  # this step: a place keeps a gradient (its backward kept the graph) or summed a later one
    _noted_summed = False

    def _cached(self, kind: str, t: torch.Tensor, make) -> torch.Tensor:
        """A tensor shaped like t, made once by ``make`` and kept (at most 16 shapes) for every later pass."""
        key = (kind, t.shape, t.dtype, t.device)
        held = self._ones.get(key)
        if held is None:
            if len(self._ones) >= 16:
                self._ones.clear()
            held = self._ones[key] = make(t.shape, dtype=t.dtype, device=t.device)
        return held

    def _ones_like(self, t: torch.Tensor) -> torch.Tensor:
        return self._cached("ones", t, torch.ones)

    def _scratch(self, t: torch.Tensor) -> torch.Tensor:
        """A buffer shaped like t, reused by every place of that shape: each is reduced before the next runs, and a
        fresh activation-sized tensor per pass costs an allocation (and page faults) every time."""
        return self._cached("scratch", t, torch.empty)

    def _derivative(self, layer: _Layer, t: torch.Tensor) -> torch.Tensor:
        """f' from the input z, or from the output a where layer.from_output; torch's own backward kernels with a
        full tensor of ones (about a third faster than derivative()'s broadcast one), derivative() otherwise."""
        aten = torch.ops.aten
        name = layer.record.name
        if layer.from_output:
            if name == "relu":
                return torch.sign(t, out=self._scratch(t))  # a >= 0: 1 where the unit is on, 0 where it is off
            one, out = self._ones_like(t), self._scratch(t)
            if name == "tanh":
                return aten.tanh_backward.grad_input(one, t, grad_input=out)
            if name == "sigmoid":
                return aten.sigmoid_backward.grad_input(one, t, grad_input=out)
            return aten.leaky_relu_backward.grad_input(one, t, layer.record.params["negative_slope"], False,
                                                       grad_input=out)
        if name in ("gelu", "gelu_tanh"):
            return aten.gelu_backward.grad_input(self._ones_like(t), t, approximate="tanh" if name == "gelu_tanh"
                                                 else "none", grad_input=self._scratch(t))
        if name == "silu" and type(layer.module).__name__ == "SiLU":
            return aten.silu_backward.grad_input(self._ones_like(t), t, grad_input=self._scratch(t))
        return derivative(layer.record, layer.module, t)

    def _fit(self, layer: _Layer, t: torch.Tensor) -> bool:
        width, rows = _shape(t)
        if t.dim() == 0 or not width or not rows:
            return False
        if width != layer.width:  # a new width: the unit history starts again
            layer.width = width
            layer.last_active = layer.on = None
            layer.lit = layer.revived = layer.first_seen = 0
            layer.samples = deque(maxlen=self.window)
            layer.batches = deque(maxlen=self.window)
            layer.points = deque(maxlen=self.window)
        layer.rows = rows
        return True

    def _measure_derivative(self, layer: _Layer, z: torch.Tensor, fitted: bool = False, hold: bool = False) -> None:
        """Per-unit sums of |f'| and of nonzero f', reduced at once: an in-place module overwrites z, and a kept f'
        would hold memory until backward. z is detached, so nothing here is recorded by autograd. ``hold`` (the
        post-hook, whose _measure_output follows at once): where the compiled pass can read f', it is left in
        layer.held_derivative for _measure_output to reduce with the output in one pass."""
        if not fitted:
            z = _as_units(z, layer.feeds)
            if not self._fit(layer, z):
                return
        if hold and layer.erf_gelu and z.dtype is torch.float32 and _torch_stats.kernels() is not None:
            if _torch_stats.rows_view(z) is not None and _torch_stats.gelu_zeros():
                layer.held_input = z
                return
        d = self._derivative(layer, z)  # a scratch buffer or a fresh tensor: never z itself
        kernels = _torch_stats.kernels()
        v = _torch_stats.rows_view(d) if kernels is not None else None
        if v is not None:
            if hold:
                layer.held_derivative = v
                return
            self._derivative_compiled(kernels, layer, v)
            return
        ad = d if layer.nonneg_deriv else d.abs_()
        layer.dsum = _per_unit(ad)
        layer.nz = None if layer.binary_deriv else _total(ad.sign_())

    def _measure_output(self, layer: _Layer, output) -> None:
        if layer is self._head_place:  # a bounded output: its goals are read as the step ends (_monitor_head)
            self._hold_head(output)
        if self._flow is not None and torch.is_tensor(output) and output.grad_fn is not None:
            self._flow.activations.add(output.grad_fn)  # a watched activation: no layer's output passes it as it is
        z, layer.held_input = layer.held_input, None
        if z is not None:  # nn.GELU's input (_measure_derivative): with its output in one pass, without f'
            a = _as_units(output.detach(), layer.feeds) if torch.is_tensor(output) else None
            v = _torch_stats.rows_view(a) if a is not None and a.dtype is torch.float32 else None
            zv = _torch_stats.rows_view(z)
            if v is not None and v.shape == zv.shape and self._fit(layer, a):
                self._gelu_compiled(layer, zv, a, v)
                layer.ran = True
                self._watch_gradient(layer, output)
                return
            self._measure_derivative(layer, z, fitted=True)  # f' by torch, as for every other place
        held, layer.held_derivative = layer.held_derivative, None
        if not torch.is_tensor(output) or not torch.is_floating_point(output):
            if held is not None:
                self._derivative_compiled(_torch_stats.kernels(), layer, held)
            return
        a = _as_units(output.detach(), layer.feeds)
        if held is not None:  # f' of the post-hook: with the output in one pass where the pass can read both
            rule = layer.saturation_rule
            v = _torch_stats.rows_view(a) if rule is None or rule[0] != "levels" else None
            if (v is not None and v.shape == held.shape and v.dtype == held.dtype and self._fit(layer, a)
                    and held.shape[1] == layer.width):
                self._sums_compiled(_torch_stats.kernels(), layer, held, a, v, rule)
                layer.ran = True
                self._watch_gradient(layer, output)
                return
            self._derivative_compiled(_torch_stats.kernels(), layer, held)
        if layer.binary_deriv and layer.from_output and self._measure_relu(layer, a):
            layer.ran = True
            self._watch_gradient(layer, output, deferred=layer.dsum is None)
            return
        if not self._fit(layer, a):
            return
        if layer.from_output:
            self._measure_derivative(layer, a, fitted=True)
        if layer.dsum is None or layer.dsum.shape[0] != layer.width:
            return
        rule = layer.saturation_rule
        kernels = _torch_stats.kernels()
        v = _torch_stats.rows_view(a) if kernels is not None and (rule is None or rule[0] != "levels") else None
        if v is not None:
            self._output_compiled(kernels, layer, a, v, rule)
            layer.ran = True
            self._watch_gradient(layer, output)
            return
        layer.asum = _per_unit(a if layer.nonneg_out else torch.abs(a, out=self._scratch(a)))
        # the sum of (a - mean)^2, as the compiled passes take it (_centred_sq); the sum of a^2 in a low precision
        layer.centered = a.dtype in (torch.float32, torch.float64)
        total = None
        if layer.centered:
            layer.sumsq, total = s, _ = _centred_sq(a)
        else:
            layer.sumsq = s = _sumsq(a)
        if _places.SUM64_ON_CPU and a.is_cpu and s.dtype is torch.float32 and math.isinf(s.item()):
            self._check_squares(layer, a)
        if rule is not None:
            if rule[0] == "ends":  # tanh, hardtanh (mid 0): the |a| sums serve
                if rule[1] != 0 or layer.nonneg_out:
                    layer.dist = _per_unit(torch.sub(a, rule[1], out=self._scratch(a)).abs_())
            elif rule[0] == "floor":  # ELU, SELU, CELU: sum (a - level) from the per-unit sums of a
                layer.dist = _per_unit(a)
            else:
                levels = torch.tensor(rule[1], dtype=a.dtype, device=a.device)
                layer.dist = _per_unit((a.unsqueeze(-1) - levels).abs().amin(-1))
        # the total of a: from the per-unit sums where they hold it (a >= 0, or the "floor" rule's sums of a)
        layer.ssum = None if layer.nonneg_out or (rule is not None and rule[0] == "floor") else \
            total if total is not None else _total(a)
        layer.ran = True
        self._watch_gradient(layer, output)

    @staticmethod
    def _output_compiled(kernels, layer: _Layer, a: torch.Tensor, v: np.ndarray, rule: tuple | None) -> None:
        """The output's sums of _measure_output in one compiled pass over a (v: its (rows, H) NumPy view): per-unit
        |a| (a where a >= 0), the saturation rule's per-unit distances ("ends" and "floor"), the total of a and of
        a^2."""
        w = v.shape[1]
        mode, mid = 0, 0.0
        if rule is not None and rule[0] == "ends" and (rule[1] != 0 or layer.nonneg_out):
            mode, mid = 1, float(rule[1])
        elif rule is not None and rule[0] == "floor":
            mode = 2
        buf = torch.empty(2 * w + 2, dtype=a.dtype)
        host = buf.numpy()
        kernels.output_sums(v, layer.nonneg_out, mode, mid, host)
        layer.asum, layer.sumsq, layer.centered = buf[:w], buf[2 * w + 1], True
        if mode:
            layer.dist = buf[w:2 * w]
        # the total of a: from the per-unit sums where they hold it (a >= 0, or the "floor" rule's sums of a)
        layer.ssum = None if layer.nonneg_out or mode == 2 else buf[2 * w]
        if _places.SUM64_ON_CPU and a.dtype is torch.float32 and math.isinf(host[2 * w + 1]):  # float32 overflowed
            _Measures._check_squares(layer, a)

    @staticmethod
    def _derivative_compiled(kernels, layer: _Layer, v: np.ndarray) -> None:
        """One compiled pass over f' (v: its (rows, H) NumPy view): the per-unit |f'| sums and the nonzero count."""
        w = v.shape[1]
        buf = torch.from_numpy(np.empty(w + 1, dtype=v.dtype))
        kernels.derivative_sums(v, layer.nonneg_deriv, buf.numpy())
        layer.dsum = buf[:w]
        layer.nz = None if layer.binary_deriv else buf[w]

    @staticmethod
    def _sums_compiled(kernels, layer: _Layer, d: np.ndarray, a: torch.Tensor, v: np.ndarray, rule: tuple | None
                       ) -> None:
        """_derivative_compiled and _output_compiled in one compiled pass down f' (d) and the output (v: a's
        (rows, H) NumPy view), the same figures from the same additions."""
        w = v.shape[1]
        mode, mid = 0, 0.0
        if rule is not None and rule[0] == "ends" and (rule[1] != 0 or layer.nonneg_out):
            mode, mid = 1, float(rule[1])
        elif rule is not None and rule[0] == "floor":
            mode = 2
        buf = torch.from_numpy(np.empty(3 * w + 3, dtype=v.dtype))
        host = buf.numpy()
        kernels.layer_sums(d, v, layer.nonneg_deriv, layer.nonneg_out, mode, mid, host)
        layer.dsum = buf[:w]
        layer.nz = None if layer.binary_deriv else buf[w]
        o = w + 1
        layer.asum, layer.sumsq, layer.centered = buf[o:o + w], buf[o + 2 * w + 1], True
        if mode:
            layer.dist = buf[o + w:o + 2 * w]
        layer.ssum = None if layer.nonneg_out or mode == 2 else buf[o + 2 * w]
        if _places.SUM64_ON_CPU and a.dtype is torch.float32 and math.isinf(host[o + 2 * w + 1]):  # float32 overflowed
            _Measures._check_squares(layer, a)

    @staticmethod
    def _gelu_compiled(layer: _Layer, z: np.ndarray, a: torch.Tensor, v: np.ndarray) -> None:
        """nn.GELU's sums from its input z and output a (z, v: (rows, H) NumPy views) in one compiled pass, with no f'
        written: the figures of _sums_compiled (each f' within 4e-7 of torch's; the nonzero count torch's, from
        where torch's f' is 0 on this machine, _torch_stats.gelu_zeros)."""
        w = v.shape[1]
        tail, points = _torch_stats.gelu_zeros()
        buf = torch.from_numpy(np.empty(2 * w + 3, dtype=np.float32))
        host = buf.numpy()
        _torch_stats.kernels().gelu_sums(z, v, tail, points, host)
        layer.dsum, layer.nz = buf[:w], buf[w]
        layer.asum, layer.ssum, layer.sumsq = buf[w + 1:2 * w + 1], buf[2 * w + 1], buf[2 * w + 2]
        layer.centered = True
        if _places.SUM64_ON_CPU and math.isinf(host[2 * w + 2]):  # float32 overflowed
            _Measures._check_squares(layer, a)

    @staticmethod
    def _check_squares(layer: _Layer, t: torch.Tensor) -> None:
        """The std's sum of squares in float64 where float32's overflowed (a CPU place: _overflowed), about the mean
        where the compiled pass took it so (layer.centered)."""
        exact = _overflowed(layer.sumsq, t, centered=layer.centered)
        if exact is not None:
            layer.sumsq, layer.sumsq_host = None, exact

    @staticmethod
    def _check_gradient(layer: _Layer, g: torch.Tensor) -> None:
        exact = _overflowed(layer.grad_sq, g)
        if exact is not None:
            layer.grad_sq, layer.grad_sq_host = None, exact

    def _summing(self, layer: _Layer, hook, slot: int | None):
        """The place's gradient hook (``hook``, given the node's grad_outputs, or the gradient itself where ``slot`` is
        None) for the step's first backward through the place; a later backward through the same forward (two
        losses, ``l1.backward(retain_graph=True); l2.backward()``) adds its gradient to the earlier ones, as autograd
        adds the weights' into .grad, and ||dL/da|| is read from the sum (_sum_gradients, as the step ends): the
        figures of one step are of one gradient (W19: the ReLU read 0.11286, the second loss's alone, where the sum's
        is 0.12419, while |dL/dW| read the sum). A gradient is kept past its backward only where that backward keeps
        the graph (retain_graph=True), so that a step with one backward holds nothing more."""
        keep_graph = _keep_graph

        def summing(grads):
            g = grads if slot is None else grads[slot]
            if not layer.grad_calls:
                layer.grad_calls = 1
                hook(grads)
                if g is not None and keep_graph():
                    layer.grad_sum = g.detach()
                    self._held_sums = True
                return
            layer.grad_calls += 1
            self._summed_backwards = max(self._summed_backwards, layer.grad_calls)
            if g is not None:
                held = layer.grad_sum
                layer.grad_sum = g.detach() if held is None else held + g.detach()
            layer.grad_summed = self._held_sums = True
            self._read_weights_when_backward_ends()
        return summing

    def _sum_gradients(self) -> None:
        """As the step ends: ||dL/da||^2 of each place that more than one backward reached, from the sum of their
        gradients (_summing); the note says so, once. Nothing to do, and no loop over the places, on a step whose
        backward kept no graph (the common one)."""
        if not self._held_sums:
            return
        self._held_sums = False
        for layer in self._layers:
            if layer.grad_summed and layer.grad_sum is not None:
                layer.grad_sq_host = None
                layer.grad_sq = q = _sumsq(layer.grad_sum)
                if _places.SUM64_ON_CPU and layer.grad_sum.is_cpu and q.dtype is torch.float32 and math.isinf(q.item()):
                    self._check_gradient(layer, layer.grad_sum)
        for layer in self._layers:
            layer.grad_sum, layer.grad_calls, layer.grad_summed = None, 0, False
        calls, self._summed_backwards = self._summed_backwards, 0
        if calls > 1 and not self._noted_summed:
            self._noted_summed = True
            self.notes.append(
                f"on step {self.step_count + 1} backward ran {calls} times through the same forward (several losses, "
                "each with its own backward() and retain_graph=True): |dL/da| and a/last read the gradient summed "
                "over those backward calls, as |dL/dW| reads .grad, which autograd sums over them: the figures are "
                "those of the summed loss. Backward calls through forwards of their own (gradient accumulation's "
                "micro-batches) are not summed: the note on several forwards says what is read then")

    def _watch_gradient(self, layer: _Layer, output: torch.Tensor, deferred: bool = False) -> None:
        """||dL/da||^2 from a pre-hook on the node that made a (it receives the same gradient a tensor hook does, at
        about half the cost), as one dot product. A ReLU whose sums were deferred makes them there too, as backward
        reaches the node that reads a (ReLU's backward): a is then freed when autograd frees it. Kept to the end of
        the step, every ReLU output of the forward outlived backward, the allocator grew the heap for backward's
        gradients instead of reusing their memory and gave it back at the end, and the next step faulted it in
        again (on the benchmark's MLP, 62-189 minor page faults a sampled step against 34-81 now)."""
        if not output.requires_grad:
            return
        self._grad_watched = True
        node, slot = output.grad_fn, output.output_nr
        read = self._read_weights_when_backward_ends
        # on a CPU, a float32 ||dL/da||^2 that overflowed is made again in float64 (_overflowed; one read of a CPU
        # number, no synchronisation); elsewhere the host is told it overflowed and says so
        check = _places.SUM64_ON_CPU and output.is_cpu and output.dtype == torch.float32
        if node is None:
            def grad_hook(g):
                layer.grad_sq = q = _sumsq(g.detach())
                if check and math.isinf(q.item()):
                    self._check_gradient(layer, g)
                read()
            output.register_hook(self._summing(layer, grad_hook, None))
            return

        if output.dtype in _LOW_PRECISION:
            self._half_seen |= output.dtype is torch.float16  # (a loss scaler's ground: _monitor_report's note)
            def node_hook(grad_outputs):
                g = grad_outputs[slot]
                if g is not None:
                    layer.grad_sq = _sumsq(g.detach())
                read()
        elif deferred and (kernels := _torch_stats.kernels()) is not None and \
                (v := _torch_stats.rows_view(layer.kept)) is not None:  # a's sums and ||dL/da||^2 in one pass
            node_hook = self._relu_node_hook(kernels, layer, slot, v)
        elif deferred:  # no compiled passes: torch's calls, as _reduce_deferred and _gradient_sq make them
            def node_hook(grad_outputs):
                if layer.kept is not None:
                    self._reduce_deferred(layer)
                g = grad_outputs[slot]
                if g is not None:
                    self._gradient_sq(layer, g)
                read()
        else:
            def node_hook(grad_outputs):  # the commonest case, in three calls (four on a CPU): _gradient_sq written
                # out, since a Python call inside backward costs several times what it costs outside
                g = grad_outputs[slot]
                if g is not None:
                    g = g.reshape(-1)
                    layer.grad_sq = q = torch.dot(g, g)
                    if check and math.isinf(q.item()):
                        self._check_gradient(layer, g)
                read()
        node.register_prehook(self._summing(layer, node_hook, slot))
