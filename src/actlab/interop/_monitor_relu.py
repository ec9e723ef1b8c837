"""nn.ReLU's measurement on a sampled step: its output's per-unit counts and sums and ||dL/da||^2, in one compiled
pass where the compiled passes can read the tensors, made after backward from the output and gradient the node hook
kept (or in the hook, past HELD_BYTES), or with torch's calls where they cannot.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import math

import numpy as np
import torch

from . import _monitor_places as _places
from . import _torch_stats
from ._monitor_places import _LOW_PRECISION, _as_units, _Layer

_FLOAT32_MAX = float(torch.finfo(torch.float32).max)
# what a sampled step's ReLU node hooks may keep to the end of backward (each place's output and the gradient
# reaching it, for _reduce_held); a place past it is reduced in its hook, as backward reaches it
HELD_BYTES = 64 << 20


def _relu_views(on: np.ndarray, sums: np.ndarray, totals: np.ndarray, dtype, block: np.ndarray) -> tuple:
    """A place's relu_buffers (see _Layer.relu_buffers) over the given float64 views."""
    w = on.shape[0]
    tot = torch.from_numpy(totals)
    return (on, sums, totals, torch.from_numpy(on), torch.from_numpy(sums), tot[0], tot[1],
            np.zeros((0, w), dtype=dtype), block)


def _summed64(t: torch.Tensor) -> float:
    """t's sum of squares in float64 (a float32 one overflowed)."""
    flat = t.detach().reshape(-1).double()
    return float(torch.dot(flat, flat))


class _ReluMeasures:
    """nn.ReLU's figures on a sampled step: the commonest place, with a path of its own."""

    def _measure_relu(self, layer: _Layer, a: torch.Tensor) -> bool:
        """The commonest place, nn.ReLU on (N, H) or (N, T, H) in float32 or float64, in four calls and no checks
        beyond these (a sampled step pays each Python and dispatch step once per layer): per-unit counts of a > 0
        and sums of a, and the sum of a^2. Returns False where the general path must run."""
        shape = a.shape
        if len(shape) == 2:
            rows = shape[0]
        elif len(shape) == 3:
            rows = shape[0] * shape[1]
            a = a.reshape(rows, shape[2])
        else:
            return False
        if shape[-1] != layer.width or a.dtype in _LOW_PRECISION or not rows:
            return False
        layer.rows = rows
        # the output is kept to the end of the step (autograd keeps it too: ReLU's backward and the next layer's
        # read it). Where no in-place module changed it on the last learning step, the sums are made after backward
        # (about a quarter cheaper there than between the forward's own passes); its version tells, at the end,
        # whether anything wrote into it since
        layer.kept, layer.kept_version = a, a._version
        if not (self._reuse and layer.defer_ok):
            self._reduce_relu(layer, a)
        return True

    def _relu_fast(self, layer: _Layer, output) -> bool:
        """nn.ReLU's post-hook on a sampled step that reuses the learned structure, where the place's sums may wait for
        backward (layer.defer_ok), no function is watched and the compiled passes can read the output: what _place,
        _claim, _measure_output, _measure_relu and _watch_gradient do for such a place, in one call and with the
        checks they share made once (on the benchmark's MLP each of the eight ReLUs went through five calls and some
        thirty tensor attribute reads here). Returns False, having changed nothing, where another path must run: the
        module's second call in this forward, a place whose order is not learned, a tensor the pass cannot read."""
        module = layer.module
        if module in self._calls or layer.order < 0 or type(output) is not torch.Tensor:
            return False
        kernels = _torch_stats.kernels()
        node = output.grad_fn
        if kernels is None or node is None:
            return False
        a = output.detach()
        width = layer.width
        if not _torch_stats.readable(a) or a.shape[-1] != width or not a.numel() or _as_units(a, layer.feeds) is not a:
            return False
        self._calls[module] = 1
        self._seq.append(layer)
        if a.dim() == 3:
            a = a.view(-1, width)
        layer.rows = a.shape[0]
        layer.kept, layer.kept_version, layer.kept_bytes = a, a._version, a.nbytes
        layer.ran = True
        self._grad_watched = True
        slot, hook = output.output_nr, layer.fast_hook
        if hook is None or hook[0] != slot or hook[1] is not kernels:  # made once: it keeps no state of a step's
            hook = layer.fast_hook = (slot, kernels, self._summing(layer, self._relu_node_hook(kernels, layer, slot,
                                                                                             None), slot))
        node.register_prehook(hook[2])
        return True

    def _reduce_held(self) -> None:
        """After backward, the ReLU places whose node hooks kept their output and the gradient that reached it
        (self._held): their sums and ||dL/da||^2 in one compiled pass each. Made here, not in the hook: a Python
        call inside backward runs several times slower than outside it (t.numpy() read 8 us there and 1 us here on
        the benchmark's MLP), and the hook then only keeps two references."""
        pending, self._held, self._held_bytes = self._held, [], 0
        kernels = _torch_stats.kernels()
        if kernels is not None and self._reduce_lane(kernels, pending):
            return
        for layer, a, v, g in pending:
            if v is None:
                v = _torch_stats.rows_view(a)
            if kernels is not None and v is not None and self._relu_compiled(kernels, layer, a, v, g):
                continue
            if v is None or kernels is None:
                self._reduce_relu(layer, a)
            if g is not None:
                self._gradient_sq(layer, g)

    def _reduce_lane(self, kernels, pending: list) -> bool:
        """_reduce_held's common case in one compiled call (_torch_stats_numba.relu_lane): every held place a float32
        output whose relu_buffers lie in the lane, each written where the lane holds it, with its gradient where the
        pass can read it (else ||dL/da||^2 by torch's dot). On the benchmark's MLP the per-place calls cost their pass
        and as much again in Python (two NumPy views, the checks, a dispatch each). Returns False, having written
        nothing, where one place does not fit: the per-place path then reads them all."""
        lane = self._lane
        if lane is None:
            return False
        block, width = lane[1], lane[2]
        rows, torch_grads = [], []
        for layer, a, _, g in pending:
            held = layer.relu_buffers
            if held is None or held[8] is not block or a.dtype is not torch.float32:
                return False
            address = 0
            if g is not None:
                if g.is_cpu and g.dtype is torch.float32 and g.is_contiguous() and g.numel() == a.numel():
                    address = g.data_ptr()
                else:
                    torch_grads.append((layer, g))
            rows += (a.data_ptr(), address, layer.rows, layer.width, *layer.lane_slot)
        if not rows:
            return False
        kernels.relu_lane(np.array(rows, dtype=np.int64).reshape(-1, 6), width, block)
        for layer, _a, _, g in pending:
            held = layer.relu_buffers
            layer.dsum, layer.asum, layer.sumsq = held[3], held[4], held[5]
            if g is not None:
                layer.grad_sq = held[6]
        for layer, g in torch_grads:
            self._gradient_sq(layer, g)
        if _places.SUM64_ON_CPU and block[2 * width:].max() > _FLOAT32_MAX:  # past float32's range: in float64 again
            for layer, a, _, g in pending:
                totals = layer.relu_buffers[2]
                if totals[0] > _FLOAT32_MAX:
                    layer.sumsq, layer.sumsq_host = None, _summed64(a)
                if g is not None and layer.grad_sq is layer.relu_buffers[6] and totals[1] > _FLOAT32_MAX:
                    layer.grad_sq, layer.grad_sq_host = None, _summed64(g)
        return True

    def _gradient_sq(self, layer: _Layer, g: torch.Tensor) -> None:
        """||dL/da||^2 of a place with torch's dot, where the compiled pass did not make it (a float32 sum past
        float32's range is summed again in float64 on a CPU, as _check_gradient does)."""
        g = g.reshape(-1)
        layer.grad_sq = q = torch.dot(g, g)
        if _places.SUM64_ON_CPU and g.is_cpu and g.dtype is torch.float32 and math.isinf(q.item()):
            self._check_gradient(layer, g)

    def _relu_node_hook(self, kernels, layer: _Layer, slot: int, v: np.ndarray | None):
        """The pre-hook of the node that made a deferred ReLU's output. It keeps that output (kept since the forward;
        v: its NumPy view, or None to make it later) and the gradient reaching it, for _reduce_held to make the sums
        and ||dL/da||^2 in one compiled pass after backward; past HELD_BYTES it makes them here. Where something wrote
        into the output since the forward (its version changed), the place is dropped from this step and the
        structure learned again, as _reduce_deferred does."""
        def node_hook(grad_outputs):
            a = layer.kept
            g = grad_outputs[slot]
            done = False
            if a is not None:
                layer.kept = None
                if a._version == layer.kept_version:
                    held = self._held_bytes + 2 * layer.kept_bytes
                    if held <= HELD_BYTES:  # kept to the end of backward: _reduce_held
                        self._held_bytes = held
                        self._held.append((layer, a, v, g))
                        self._read_weights_when_backward_ends()
                        return
                    view = v if v is not None else _torch_stats.rows_view(a)
                    if view is None:  # not expected: the forward hook checked it was readable
                        self._reduce_relu(layer, a)
                    else:
                        done = self._relu_compiled(kernels, layer, a, view, g)
                else:
                    layer.ran, layer.defer_ok, self._known = False, False, None
            if g is not None and not done:
                self._gradient_sq(layer, g)
            self._read_weights_when_backward_ends()
        return node_hook

    def _reduce_deferred(self, layer: _Layer) -> None:
        """A deferred ReLU's sums, from its kept output, if nothing wrote into it since its hook saw it; otherwise the
        place is dropped from this step and the structure is learned again (its numbers would be of other data)."""
        a, layer.kept = layer.kept, None
        if a._version == layer.kept_version:
            self._reduce_relu(layer, a)
        else:
            layer.ran, layer.defer_ok, self._known = False, False, None

    def _reduce_relu(self, layer: _Layer, a: torch.Tensor) -> None:
        """Per-unit counts of a > 0 and sums of a, and the sum of a^2, of a ReLU's (rows, H) output."""
        kernels = _torch_stats.kernels()
        if kernels is not None:
            v = _torch_stats.rows_view(a)
            if v is not None:
                self._relu_compiled(kernels, layer, a, v, None)
                return
        layer.dsum = torch.sign(a, out=self._scratch(a)).sum(0)  # a >= 0: 1 where the unit is on, 0 where it is off
        layer.asum = a.sum(0)
        flat = a.reshape(-1)
        layer.sumsq = s = torch.dot(flat, flat)
        if _places.SUM64_ON_CPU and flat.is_cpu and s.dtype is torch.float32 and math.isinf(s.item()):
            self._check_squares(layer, flat)

    @staticmethod
    def _relu_buffers(layer: _Layer, v: np.ndarray) -> tuple:
        """Where the place's relu_sums pass writes (layer.relu_buffers): made once per width, in a float64 block of
        the place's own until _collect lays the places out in its lane (_lay_lane); written every sampled step and
        copied out by _collect before the next one begins."""
        held = layer.relu_buffers
        w = v.shape[1]
        if held is None or held[0].shape[0] != w:
            block = np.zeros(2 * w + 2)
            held = layer.relu_buffers = _relu_views(block[:w], block[w:2 * w], block[2 * w:], v.dtype, block)
        elif held[7].dtype != v.dtype:
            held = layer.relu_buffers = held[:7] + (np.zeros((0, w), dtype=v.dtype), held[8])
        return held

    def _relu_compiled(self, kernels, layer: _Layer, a: torch.Tensor, v: np.ndarray, g: torch.Tensor | None) -> bool:
        """nn.ReLU's sums in one compiled pass (_torch_stats_numba.relu_sums) over its (rows, H) output a (v: its NumPy
        view) and, where g (dL/da, from the node's pre-hook) is given and the pass can read it with a's shape, over g
        too: the figures of _reduce_relu and ||dL/da||^2, which took torch five calls and two number reads. Returns
        whether ||dL/da||^2 was made. A float32 sum of squares past float32's range (where torch's float32 dot reads
        inf) is made again in float64 from the tensor, as on the torch path (the note then says so)."""
        on, sums, totals, dsum, asum, sumsq, grad_sq, none, _ = self._relu_buffers(layer, v)
        gv = _torch_stats.rows_view(g) if g is not None else None
        if gv is None or gv.shape != v.shape or gv.dtype != v.dtype:
            gv = none
        kernels.relu_sums(v, gv, on, sums, totals)
        layer.dsum, layer.asum, layer.sumsq = dsum, asum, sumsq
        check = _places.SUM64_ON_CPU and a.dtype is torch.float32
        if check and totals[0] > _FLOAT32_MAX:
            layer.sumsq, layer.sumsq_host = None, _summed64(a)
        if gv is none:
            return False
        layer.grad_sq = grad_sq
        if check and totals[1] > _FLOAT32_MAX:
            layer.grad_sq, layer.grad_sq_host = None, _summed64(g)
        return True

    def _reduce_kept(self) -> None:
        """After backward: the deferred ReLU sums that backward did not make (a step with no backward, or none through
        the place); on a learning step, which places may defer on the next ones."""
        for layer in self._layers:
            a = layer.kept
            if a is None:
                continue
            if layer.dsum is not None:  # reduced in the hook: this tells whether the next steps may defer
                layer.kept = None
                layer.defer_ok = a._version == layer.kept_version
            else:
                self._reduce_deferred(layer)
