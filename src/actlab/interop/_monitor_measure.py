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
from ._monitor_places import _LOW_PRECISION, _Layer, _overflowed, _per_unit, _shape, _sumsq, _total, derivative

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


class _Measures:
    """Each place's sums (output, f', the gradient reaching it) and the weights' gradient norms, as torch tensors
    until the step ends."""

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
            layer.last_active = None
            layer.samples = deque(maxlen=self.window)
        layer.rows = rows
        return True

    def _measure_derivative(self, layer: _Layer, z: torch.Tensor, fitted: bool = False, hold: bool = False) -> None:
        """Per-unit sums of |f'| and of nonzero f', reduced at once: an in-place module overwrites z, and a kept f'
        would hold memory until backward. z is detached, so nothing here is recorded by autograd. ``hold`` (the
        post-hook, whose _measure_output follows at once): where the compiled pass can read f', it is left in
        layer.held_derivative for _measure_output to reduce with the output in one pass."""
        if not fitted and not self._fit(layer, z):
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
        if not _torch_stats.readable(a) or a.shape[-1] != width or not a.numel():
            return False
        self._calls[module] = 1
        self._seq.append(layer)
        if a.dim() == 3:
            a = a.view(-1, width)
        layer.rows = a.shape[0]
        layer.kept, layer.kept_version, layer.kept_bytes = a, a._version, a.nbytes
        layer.ran = True
        self._grad_watched = True
        node.register_prehook(self._relu_node_hook(kernels, layer, output.output_nr, None))
        return True

    def _reduce_held(self) -> None:
        """After backward, the ReLU places whose node hooks kept their output and the gradient that reached it
        (self._held): their sums and ||dL/da||^2 in one compiled pass each. Made here, not in the hook: a Python
        call inside backward runs several times slower than outside it (t.numpy() read 8 us there and 1 us here on
        the benchmark's MLP), and the hook then only keeps two references."""
        pending, self._held, self._held_bytes = self._held, [], 0
        kernels = _torch_stats.kernels()
        for layer, a, v, g in pending:
            if v is None:
                v = _torch_stats.rows_view(a)
            if kernels is not None and v is not None and self._relu_compiled(kernels, layer, a, v, g):
                continue
            if v is None or kernels is None:
                self._reduce_relu(layer, a)
            if g is not None:
                g = g.reshape(-1)
                layer.grad_sq = q = torch.dot(g, g)
                if _places.SUM64_ON_CPU and g.is_cpu and g.dtype is torch.float32 and math.isinf(q.item()):
                    self._check_gradient(layer, g)

    def _relu_node_hook(self, kernels, layer: _Layer, slot: int, v: np.ndarray | None):
        """The pre-hook of the node that made a deferred ReLU's output: its sums and ||dL/da||^2 in one compiled pass
        (_relu_compiled) as backward reaches the node, from the output kept since the forward (v: its NumPy view),
        unless something wrote into it since (its version changed: the place is dropped from this step and the
        structure learned again, as _reduce_deferred does)."""
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
                    done = self._relu_compiled(kernels, layer, a, v if v is not None else
                                               _torch_stats.rows_view(a), g)
                else:
                    layer.ran, layer.defer_ok, self._known = False, False, None
            if g is not None and not done:
                g = g.reshape(-1)
                layer.grad_sq = q = torch.dot(g, g)
                if _places.SUM64_ON_CPU and g.is_cpu and g.dtype is torch.float32 and math.isinf(q.item()):
                    self._check_gradient(layer, g)
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

    def _measure_output(self, layer: _Layer, output) -> None:
        z, layer.held_input = layer.held_input, None
        if z is not None:  # nn.GELU's input (_measure_derivative): with its output in one pass, without f'
            a = output.detach() if torch.is_tensor(output) else None
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
        a = output.detach()
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
        layer.ssum = None if layer.nonneg_out or (rule is not None and rule[0] == "floor") else _total(a)
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
        layer.asum, layer.sumsq = buf[:w], buf[2 * w + 1]
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
        layer.asum, layer.sumsq = buf[o:o + w], buf[o + 2 * w + 1]
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
        if _places.SUM64_ON_CPU and math.isinf(host[2 * w + 2]):  # float32 overflowed
            _Measures._check_squares(layer, a)

    @staticmethod
    def _check_squares(layer: _Layer, t: torch.Tensor) -> None:
        """The std's sum of squares in float64 where float32's overflowed (a CPU place: _overflowed)."""
        exact = _overflowed(layer.sumsq, t)
        if exact is not None:
            layer.sumsq, layer.sumsq_host = None, exact

    @staticmethod
    def _check_gradient(layer: _Layer, g: torch.Tensor) -> None:
        exact = _overflowed(layer.grad_sq, g)
        if exact is not None:
            layer.grad_sq, layer.grad_sq_host = None, exact

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
            output.register_hook(grad_hook)
            return

        if output.dtype in _LOW_PRECISION:
            def node_hook(grad_outputs):
                g = grad_outputs[slot]
                if g is not None:
                    layer.grad_sq = _sumsq(g.detach())
                read()
        elif deferred and (kernels := _torch_stats.kernels()) is not None and \
                (v := _torch_stats.rows_view(layer.kept)) is not None:  # a's sums and ||dL/da||^2 in one pass
            node_hook = self._relu_node_hook(kernels, layer, slot, v)
        elif deferred:
            scratch = self._scratch(layer.kept)  # found here once, not in the hook: the hook runs inside backward
            def node_hook(grad_outputs):
                a = layer.kept
                if a is not None:  # _reduce_deferred and _reduce_relu, written out: the commonest place's sums
                    layer.kept = None
                    if a._version == layer.kept_version:
                        layer.dsum = torch.sign(a, out=scratch).sum(0)
                        layer.asum = a.sum(0)
                        flat = a.reshape(-1)
                        layer.sumsq = q = torch.dot(flat, flat)
                        if check and math.isinf(q.item()):
                            self._check_squares(layer, flat)
                    else:
                        layer.ran, layer.defer_ok, self._known = False, False, None
                g = grad_outputs[slot]
                if g is not None:
                    g = g.reshape(-1)
                    layer.grad_sq = q = torch.dot(g, g)
                    if check and math.isinf(q.item()):
                        self._check_gradient(layer, g)
                read()
        else:
            def node_hook(grad_outputs):  # the commonest case, in three calls (four on a CPU)
                g = grad_outputs[slot]
                if g is not None:
                    g = g.reshape(-1)
                    layer.grad_sq = q = torch.dot(g, g)
                    if check and math.isinf(q.item()):
                        self._check_gradient(layer, g)
                read()
        node.register_prehook(node_hook)
