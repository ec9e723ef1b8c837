"""actlab's instruments on any torch.nn.Module: gradient flow, dead, saturated and dormant units, and the reading.

The one home of PyTorch in actlab, imported only by whoever asks for it (the core never imports torch).

    from actlab.torch import Monitor
    mon = Monitor(model, every="auto", budget=0.03, log="runs/exp1.jsonl")
    for x, y in loader:
        with mon.step() as s:
            loss = loss_fn(model(x), y)
            loss.backward()
            s.loss = loss            # optional: lets the reading judge learning against chance
        opt.step(); opt.zero_grad()
    print(mon.report())

How it measures, on a sampled step only (no hook stays attached in between, so eval fast paths and compiled
graphs are untouched):
- each activation module that maps to a registry record (nn.ReLU, nn.GELU, nn.LeakyReLU, ...) gets a forward
  pre-hook that takes f'(z) of its input by autograd on a detached copy, before an in-place module overwrites it,
  and reduces it at once to per-unit "active" flags and mean |f'| (units: the last axis, or the channel axis of an
  image); a forward hook that reduces the output (mean, std, per-unit mean |a| for Sokar et al.'s tau-dormancy)
  and puts a tensor hook on it for ||dL/da||. Module full-backward hooks are never used (in-place ReLU breaks
  them);
- the weight gradients of the weighted modules (a 2-D or larger "weight") are normed in one fused call after
  backward; each activation is paired with the weighted module that ran just before it, and the last weighted
  module to run is the output layer;
- every number of the step is stacked and brought to the host in one transfer.
The per-layer summary feeds readings.diagnose(), the same function that reads actlab's own networks, so
"vanishing", "dead layer" and the rest mean the same thing everywhere.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ..activations import Activation
from ..instruments import DORMANT_TAU, SATURATION_FRACTION, layer_reading
from ..monitor_log import LOG_FORMAT, read_log
from ..readings import Finding, LayerSummary, Reading, RunSummary, Status, diagnose, grad_ratio
from .torch_recipes import RecipeModule, TorchSource, export_code, module_for, record_for, torch_source

__all__ = ["LayerStats", "Monitor", "MonitorReport", "RecipeModule", "TorchSource", "export_code", "module_for",
           "read_log", "record_for", "torch_source"]
MAX_AUTO_EVERY = 50  # every="auto" samples at least this often, whatever the budget
_WARMUP_STEPS = 2  # untimed: first calls allocate and pick kernels
_CALIBRATION_PAIRS = 4  # then unsampled and sampled steps alternate, so a slow patch of the machine hits both


# --- derivatives of torch activation modules (records from modules: torch_recipes.record_for) ---------


def derivative(record: Activation, module: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """f'(z) for a torch activation module, as torch's own backward computes it.

    The commonest activations call torch's backward kernel directly (one pass, about a tenth of the cost of a
    small autograd graph); every other module is differentiated by autograd on a copy of its forward. A test
    checks each direct path against autograd and against the registry's derivative."""
    aten = torch.ops.aten
    one = torch.ones((), dtype=z.dtype, device=z.device).expand_as(z)
    name = record.name
    if name == "relu":
        return aten.threshold_backward(one, z, 0)
    if name == "leaky_relu":
        return aten.leaky_relu_backward(one, z, record.params["negative_slope"], False)
    if name in ("gelu", "gelu_tanh"):
        return aten.gelu_backward(one, z, approximate="tanh" if name == "gelu_tanh" else "none")
    if name == "silu" and type(module).__name__ == "SiLU":
        return aten.silu_backward(one, z)
    if name == "tanh":
        return aten.tanh_backward(one, torch.tanh(z))
    if name == "sigmoid":
        return aten.sigmoid_backward(one, torch.sigmoid(z))
    fn = copy.copy(module)
    if hasattr(fn, "inplace"):
        fn.inplace = False  # the derivative is taken on a copy; the model's own module stays as it is
    with torch.enable_grad():
        zz = z.detach().requires_grad_(True)
        (d,) = torch.autograd.grad(fn.forward(zz), zz, torch.ones_like(zz))  # forward(): no hooks run again
    return d


def _label(name: str) -> str:
    """How the words name a module: by its qualified name, as the report's table does."""
    return f"module '{name}'" if name else "the model"


def _unwatched_reading() -> Reading:
    return Reading((Finding(Status.FLOWING, "no activation module is watched, so nothing here says how gradients "
                            "pass through the activations (the notes say why)", "", {}),))


def _is_weighted(module: nn.Module) -> bool:
    w = module._parameters.get("weight")
    return w is not None and w.dim() >= 2


def _unit_axis(t: torch.Tensor) -> int:
    """Units are features: the last axis of (N, H) and (N, T, H); the channel axis of (N, C, H, W)."""
    return 1 if t.dim() >= 4 else t.dim() - 1


def _reduce_dims(t: torch.Tensor) -> list[int]:
    axis = _unit_axis(t)
    return [d for d in range(t.dim()) if d != axis]


# --- what one monitored layer keeps between sampled steps ---------------------------------------


@dataclass
class _Layer:
    name: str  # the module's qualified name
    module: nn.Module
    record: Activation
    order: int = -1  # execution order on the last sampled step
    weight_module: str | None = None  # the weighted module that ran just before it
    width: int = 0
    active_window: torch.Tensor | None = None  # (window, H) bool: was each unit active in each sampled batch
    filled: int = 0
    pending: dict = field(default_factory=dict)  # this step's 0-d tensors, by statistic


@dataclass(frozen=True)
class LayerStats:
    """One activation layer at the latest sampled step (dead counts over the window)."""

    name: str
    activation: str  # the registry record's name
    module_type: str
    width: int
    act_grad_norm: float  # ||dL/da|| of the activation's output
    act_grad_ratio_to_last: float
    weight_grad_norm: float  # ||dL/dW|| of the weighted module before it
    mean: float
    std: float
    zero_derivative_fraction: float
    saturated: int
    dead: int  # units never active (f' = 0 on every sample) over the sampled batches in the window
    dormant: int
    window: int  # how many sampled batches the dead count covers
    non_finite: bool
    words: str

    def to_dict(self) -> dict:
        from .._json import fields_jsonable

        return fields_jsonable(self)


@dataclass(frozen=True)
class MonitorReport:
    step: int
    sampled_steps: int
    every: int | None
    layers: tuple[LayerStats, ...]
    output_grad_norm: float
    loss: float | None
    reading: Reading
    notes: tuple[str, ...]  # what the monitor could not see, and why
    steps_run: int | None = None  # steps run when the report was asked for (the sample may be older)

    def to_dict(self) -> dict:
        from .._json import jsonable

        return {"step": self.step, "steps_run": self.steps_run, "sampled_steps": self.sampled_steps,
                "every": self.every,
                "layers": [l.to_dict() for l in self.layers], "output_grad_norm": jsonable(self.output_grad_norm),
                "loss": jsonable(self.loss), "reading": self.reading.to_dict(), "notes": list(self.notes)}

    def __str__(self) -> str:
        age = (f" of {self.steps_run}" if self.steps_run is not None and self.steps_run != self.step else "")
        lines = [f"actlab monitor: sampled at step {self.step}{age}, {self.sampled_steps} steps sampled"
                 + (f" (every {self.every})" if self.every else "")]
        head = f"{'module':<24} {'act':<11} {'units':>5} {'|dL/da|':>9} {'/last':>8} {'|dL/dW|':>9} " \
               f"{'mean':>7} {'std':>7} {'dead':>5} {'sat':>5} {'dorm':>5}"
        lines += [head, "-" * len(head)]
        for l in self.layers:
            lines.append(f"{l.name[:24]:<24} {l.activation[:11]:<11} {l.width:>5} {l.act_grad_norm:>9.3g} "
                         f"{l.act_grad_ratio_to_last:>8.3g} {l.weight_grad_norm:>9.3g} {l.mean:>7.3g} {l.std:>7.3g} "
                         f"{l.dead:>5} {l.saturated:>5} {l.dormant:>5}")
        lines += [f"  {l.name} ({l.module_type}, {l.width} units): {l.words}" for l in self.layers if l.words]
        lines.append(f"reading: {self.reading.words}")
        if self.reading.remedy:
            lines.append(f"remedy: {self.reading.remedy}")
        lines += [f"also: {f.words}" for f in self.reading.findings[1:]]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        rows = "".join(f"<tr><td>{html.escape(l.name)}</td><td>{l.activation}</td><td>{l.width}</td>"
                       f"<td>{l.act_grad_norm:.3g}</td><td>{l.act_grad_ratio_to_last:.3g}</td>"
                       f"<td>{l.weight_grad_norm:.3g}</td><td>{l.dead}</td><td>{l.saturated}</td><td>{l.dormant}</td>"
                       f"</tr>" for l in self.layers)
        return (f"<p><b>{html.escape(self.reading.words)}</b> {html.escape(self.reading.remedy)}</p>"
                "<table><tr><th>layer</th><th>activation</th><th>units</th><th>‖∂L/∂a‖</th><th>ratio</th>"
                f"<th>‖∂L/∂W‖</th><th>dead</th><th>saturated</th><th>dormant</th></tr>{rows}</table>")


class _StepHandle:
    """What ``with mon.step() as s`` gives: set ``s.loss`` to let the reading weigh the loss."""

    def __init__(self) -> None:
        self.loss: torch.Tensor | float | None = None


# --- the monitor ----------------------------------------------------------------------------


class Monitor:
    """Watches a model's activations and gradients on sampled training steps; see the module docstring.

    Args:
        model: any torch.nn.Module.
        every: sample every n-th step, or "auto": time the first steps and pick the interval that keeps the
            amortised cost within ``budget`` (a share of a step's time).
        window: dead units are those inactive on every one of the last ``window`` sampled batches.
        log: a JSON-lines file; each sampled step appends one report (``actlab watch FILE`` shows it live).
        chance_loss: the loss of the best constant prediction, if known (for "not learning" judgements).
    """

    def __init__(self, model: nn.Module, every: int | str = "auto", budget: float = 0.03, window: int = 100,
                 log: str | Path | None = None, chance_loss: float | None = None):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model: a torch.nn.Module; got {type(model).__name__}")
        if every != "auto" and (isinstance(every, bool) or not isinstance(every, int) or every < 1):
            raise ValueError(f"every: a whole number >= 1 or 'auto'; got {every!r}")
        if not 0 < budget < 1:
            raise ValueError(f"budget: a share of a step's time between 0 and 1; got {budget!r}")
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise ValueError(f"window: a whole number >= 1; got {window!r}")
        self.model = model
        self.budget = budget
        self.window = window
        self.chance_loss = chance_loss
        self.every: int | None = every if isinstance(every, int) else None
        self.calibrated_cost: float | None = None  # every="auto": the measured share of a step spent sampling
        self._auto = every == "auto"
        self.step_count = 0
        self.sampled_steps = 0
        self._times: dict[str, list[float]] = {"base": [], "sampled": []}
        self._layers: list[_Layer] = []
        self._weighted = [(n, m) for n, m in model.named_modules() if _is_weighted(m)]
        self.notes: list[str] = []
        for name, module in model.named_modules():
            record = record_for(module)
            if record is not None:
                self._layers.append(_Layer(name, module, record))
        self._note_what_cannot_be_seen()
        self._log_path = Path(log) if log is not None else None
        if self._log_path is not None:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            with self._log_path.open("w") as fh:  # a new log per monitor: the header names the layers
                fh.write(json.dumps({"format": LOG_FORMAT, "layers": [l.name for l in self._layers],
                                     "activations": [l.record.name for l in self._layers]}) + "\n")
        self._last: MonitorReport | None = None
        self._order = 0
        self._weight_order: dict[str, int] = {}
        self._loss: float | None = None

    # -- what the monitor cannot see ---------------------------------------------------------

    def _note_what_cannot_be_seen(self) -> None:
        for name, module in self.model.named_modules():
            fn = getattr(module, "activation", None)
            if isinstance(module, nn.TransformerEncoderLayer | nn.TransformerDecoderLayer):
                if callable(fn) and not isinstance(fn, nn.Module):
                    self.notes.append(
                        f"{name or 'model'} ({type(module).__name__}) applies {getattr(fn, '__name__', fn)} as a "
                        "function, which has no module to watch: pass activation=nn.GELU() (or nn.ReLU()) to see it")
                else:
                    self.notes.append(f"{name or 'model'} ({type(module).__name__}): while hooks are attached "
                                      "(sampled steps only) PyTorch skips its eval fast path")
        if not self._layers:
            self.notes.append("no activation module found: if forward() calls F.relu, F.gelu or torch.tanh, use "
                              "nn.ReLU(), nn.GELU(), nn.Tanh() modules so the monitor can watch them")
        self._unmatched = len(self._layers) > 0 and len(self._weighted) > len(self._layers) + 1

    # -- stepping ----------------------------------------------------------------------------

    def _should_sample(self) -> bool:
        s = self.step_count
        if self._auto and self.every is None:  # calibrating: warm-up, then unsampled and sampled in turn
            return s >= _WARMUP_STEPS and (s - _WARMUP_STEPS) % 2 == 1
        return s % self.every == 0

    @contextlib.contextmanager
    def step(self) -> Iterator[_StepHandle]:
        """One training step: forward, loss and backward go inside; the optimiser step may go after."""
        handle = _StepHandle()
        sample = self._should_sample()
        hooks = self._attach() if sample else []
        self._sync()
        t0 = time.perf_counter()
        try:
            yield handle
        finally:
            for h in hooks:
                h.remove()
            if sample:
                self._collect(handle)
            self._sync()
            self._calibrate(sample, time.perf_counter() - t0)
            self.step_count += 1

    def _sync(self) -> None:
        if self._auto and self.every is None and torch.cuda.is_available():  # timing a GPU step needs a sync
            torch.cuda.synchronize()

    def _calibrate(self, sampled: bool, seconds: float) -> None:
        if not self._auto or self.every is not None or self.step_count < _WARMUP_STEPS:
            return
        self._times["sampled" if sampled else "base"].append(seconds)
        if len(self._times["sampled"]) >= _CALIBRATION_PAIRS:
            base = sorted(self._times["base"])[len(self._times["base"]) // 2]
            sampled_t = sorted(self._times["sampled"])[len(self._times["sampled"]) // 2]
            extra = max(sampled_t - base, 0.0)
            wanted = math.ceil(extra / (self.budget * base)) if base > 0 else 1
            # never sample so rarely that the readings go stale: a model whose step is tiny next to the hooks' cost
            # is sampled every MAX_AUTO_EVERY steps, over budget, and the report says so
            self.every = min(max(1, wanted), MAX_AUTO_EVERY)
            self.calibrated_cost = extra / (self.every * base) if base > 0 else 0.0

    # -- hooks (sampled steps only) ----------------------------------------------------------

    def _attach(self) -> list:
        self._order = 0
        self._weight_order = {}
        handles = []
        for name, module in self._weighted:
            handles.append(module.register_forward_pre_hook(self._weight_pre_hook(name)))
        for layer in self._layers:
            layer.pending = {}
            handles.append(layer.module.register_forward_pre_hook(self._pre_hook(layer)))
            handles.append(layer.module.register_forward_hook(self._post_hook(layer)))
        return handles

    def _weight_pre_hook(self, name: str):
        def hook(module, inputs):
            self._weight_order[name] = self._order
            self._order += 1
        return hook

    def _pre_hook(self, layer: _Layer):
        def hook(module, inputs):
            z = inputs[0]
            if not torch.is_floating_point(z):
                return
            layer.order = self._order
            self._order += 1
            preceding = [n for n, o in self._weight_order.items() if o < layer.order]
            layer.weight_module = max(preceding, key=self._weight_order.get) if preceding else None
            with torch.no_grad():
                d = derivative(layer.record, module, z.detach())
            dims = _reduce_dims(d)
            ad = d.abs()  # one pass; every derivative statistic reduces it
            active = ad.amax(dim=dims) > 0 if dims else ad > 0
            mean_abs = ad.mean(dim=dims) if dims else ad
            width = active.numel()
            if layer.active_window is None or layer.width != width:
                layer.width = width
                layer.active_window = torch.zeros((self.window, width), dtype=torch.bool, device=d.device)
                layer.filled = 0
            layer.active_window[layer.filled % self.window] = active
            layer.filled += 1
            rows = min(layer.filled, self.window)
            limit = SATURATION_FRACTION * (layer.record.deriv_max if math.isfinite(layer.record.deriv_max) else 1.0)
            layer.pending.update(
                zero=1 - torch.count_nonzero(d) / d.numel(),
                saturated=(mean_abs < limit).sum(),
                dead=(~layer.active_window[:rows].any(dim=0)).sum(),
            )
        return hook

    def _post_hook(self, layer: _Layer):
        def hook(module, inputs, output):
            if not torch.is_tensor(output) or not torch.is_floating_point(output):
                return
            a = output.detach()
            dims = _reduce_dims(a)
            activity = a.abs().mean(dim=dims) if dims else a.abs()
            n = a.numel()
            mean = a.mean()
            # std from the mean square: two light passes (torch.std_mean costs several times more here)
            var = (torch.linalg.vector_norm(a) ** 2 / n - mean * mean).clamp(min=0) * (n / max(n - 1, 1))
            std = var.sqrt()
            layer.pending.update(
                mean=mean, std=std,
                dormant=(activity <= DORMANT_TAU * activity.mean()).sum(),
                non_finite=~torch.isfinite(mean),  # a NaN or infinity anywhere makes the mean non-finite
                act_grad=torch.zeros((), device=a.device),
            )
            if output.requires_grad:
                def grad_hook(g):
                    layer.pending["act_grad"] = torch.linalg.vector_norm(g.detach())
                output.register_hook(grad_hook)
        return hook

    # -- after backward: one transfer, one report --------------------------------------------

    def _collect(self, handle: _StepHandle) -> None:
        self.sampled_steps += 1
        names = [n for n, _ in self._weighted]
        grads = [m.weight.grad for _, m in self._weighted]
        present = [g for g in grads if g is not None]
        norms_present = torch._foreach_norm(present) if present else []
        keys = ("act_grad", "mean", "std", "zero", "saturated", "dead", "dormant", "non_finite")
        device = next(iter(self.model.parameters())).device if any(True for _ in self.model.parameters()) else "cpu"
        zero = torch.zeros((), device=device)
        # float64 for the transfer: a float32 norm of a float64 model would lose digits the report shows
        values = [t.double().to(device) for t in norms_present]
        for layer in self._layers:
            values += [layer.pending.get(k, zero).double().to(device) for k in keys]
        loss = handle.loss
        if torch.is_tensor(loss):
            values.append(loss.detach().double().reshape(()).to(device))
        host = torch.stack(values).tolist() if values else []  # the one host transfer of the step
        it = iter(host)
        weight_norm = {}
        for name, g in zip(names, grads, strict=True):
            weight_norm[name] = next(it) if g is not None else 0.0
        raw = [dict(zip(keys, (next(it) for _ in keys), strict=True)) for _ in self._layers]
        if torch.is_tensor(loss):
            self._loss = next(it)
        elif loss is not None:
            self._loss = float(loss)
        self._last = self._report(raw, weight_norm)
        if self._log_path is not None:
            with self._log_path.open("a") as fh:
                fh.write(json.dumps(self._last.to_dict(), allow_nan=False) + "\n")

    def _report(self, raw: list[dict], weight_norm: dict[str, float]) -> MonitorReport:
        seen = [(layer, r) for layer, r in zip(self._layers, raw, strict=True) if layer.order >= 0 and layer.width]
        seen.sort(key=lambda p: p[0].order)
        ran = sorted(self._weight_order, key=self._weight_order.get)
        output = ran[-1] if ran else None
        output_norm = weight_norm.get(output, math.nan) if output else math.nan
        last_act = seen[-1][1]["act_grad"] if seen else math.nan
        if self._unmatched:  # once, from the first sampled step's order: name where an activation may be hidden
            self._unmatched = False
            acts = sorted(layer.order for layer, _ in seen)
            bare = [(a, b) for a, b in zip(ran, ran[1:], strict=False)
                    if not any(self._weight_order[a] < o < self._weight_order[b] for o in acts)]
            if bare:
                pairs = "; ".join(f"{a} -> {b}" for a, b in bare[:5])
                self.notes.append(f"no activation module runs between {pairs}: if forward() applies one there as a "
                                  "function (F.relu, F.gelu, torch.tanh), use its module (nn.ReLU(), ...) to watch it")
        rows, notes = [], list(self.notes)
        first_bad = next((layer.name for layer, r in seen if r["non_finite"]), None)
        if first_bad is not None:
            notes.append(f"non-finite activations first appear at {first_bad}")
        for layer, r in seen:
            w = weight_norm.get(layer.weight_module, math.nan) if layer.weight_module else math.nan
            # saturated units this batch include the dead ones (f' = 0): each unit is counted once, as dead
            dead, sat_all = int(r["dead"]), int(r["saturated"])
            sat = max(sat_all - dead, 0)
            words = layer_reading(_label(layer.name), "the output layer", grad_ratio(w, output_norm), dead,
                                  max(sat_all, dead), layer.width, w)
            if dead:  # dead here means: over the window of sampled batches, not one batch
                words = words.replace(" dead", f" dead over the last {min(layer.filled, self.window)} sampled "
                                               "batches", 1)
            rows.append(LayerStats(layer.name, layer.record.name, type(layer.module).__name__, layer.width,
                                   r["act_grad"], grad_ratio(r["act_grad"], last_act), w, r["mean"], r["std"],
                                   r["zero"], sat, dead, int(r["dormant"]), min(layer.filled, self.window),
                                   bool(r["non_finite"]), words))
        summary = RunSummary(
            tuple(LayerSummary(l.activation, l.width, l.weight_grad_norm, l.dead, l.saturated + l.dead,
                               l.act_grad_norm, _label(l.name)) for l in rows),
            output_norm, self._loss, self.chance_loss, None, self.step_count + 1,
            output_signal_norm=last_act if rows else None,
            signal_reference=f"the last watched activation ({_label(rows[-1].name)})" if rows else "")
        reading = diagnose(summary) if rows or len(self._weighted) <= 1 else _unwatched_reading()
        return MonitorReport(self.step_count + 1, self.sampled_steps, self.every, tuple(rows), output_norm,
                             self._loss, reading, tuple(notes))

    def report(self) -> MonitorReport:
        """The latest sampled step's report, with how many steps have run since (it says so before any sample)."""
        notes = []
        if self._auto and self.calibrated_cost is not None and self.calibrated_cost > self.budget:
            notes.append(f"sampling every {self.every} steps costs about {self.calibrated_cost:.0%} of the step time, "
                         f"over the {self.budget:.0%} budget: the model's steps are short next to the hooks' cost")
        if self._last is None:
            reading = Reading((Finding(Status.STARTING, f"no step has been sampled yet ({self.step_count} run)", "",
                                       {}),))
            return MonitorReport(self.step_count, 0, self.every, (), math.nan, None, reading,
                                 tuple(self.notes + notes), self.step_count)
        return dataclasses.replace(self._last, steps_run=self.step_count, every=self.every,
                                   notes=self._last.notes + tuple(notes))
