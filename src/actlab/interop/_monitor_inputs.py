"""Whether the model's inputs tell its samples apart. One part of the Monitor class (interop/torch.py), kept apart
because it is one idea: Monitor inherits it.

A batch whose samples all reach the first weighted module with the same values (all 0, from a transform that zeroes
them, or one sample repeated) leaves nothing to learn but the labels' frequencies, and what follows reads as a
failure of the network: with BatchNorm after the first convolution, every unit after it is 0, every weight's gradient
is 0, and the readings said 'vanishing', then 'dying layer', then 'dead layer' with remedies about the activation and
the learning rate (W54 walkthrough finding 2: inputs replaced by zeros). On a sampled step, the first weighted
module's forward pre-hook takes the input's spread over the batch (the largest of max - min over the samples, per
value) and its largest magnitude in one small tensor, read with the step's other numbers.
"""

from __future__ import annotations

import contextlib
import functools
import math

import numpy as np
import torch

from . import _torch_stats
from ._torch_stats import SPREAD_COLUMN_STEP, SPREAD_ROW_STEP

# sampled batches in a row whose samples were all alike before the reading says so
ALIKE_BATCHES = 2
# sampled batches in a row with the same inputs (first sample's sum, root mean square, mark) before the reading says so
SAME_BATCHES = 3
# the relative difference under which one batch's figures from the torch path and from the compiled pass are the
# same (the torch path sums in float32, the pass in float64: 3e-6 apart on a 4 x 3 x 224 x 224 batch's root mean
# square). Figures from one path are compared exactly: batches of 32 bar images that differ in one sample had marks
# as little as 2.9e-5 apart (median 1.6e-3, 198 pairs)
SAME_TOLERANCE = 1e-4


def _spread(x) -> tuple | None:
    """(the largest spread of one input value over the batch, the largest |value|, the first sample's sum, the root
    mean square of the values, the batch's mark) of a floating input with a batch of 2 or more; None for anything else
    (token ids, a single sample). The sum tells batches of one sample repeated, a different one each step, from the
    same values on every step. The mark is the sum of the values weighted by place (1 + frac(i g)) (1 + frac(j h)) for
    sample i and value j: batches of images whose every sample has the same sum and energy (one bar across and one
    down, 15 pixels on) differ in it (W67 walkthrough finding 1: fresh batches of such images read 'the same batch').
    As five floats where the compiled pass reads x (a contiguous float32 or float64 CPU tensor, the kernels
    loaded: _torch_stats_numba.input_spread), in one pass; else as five 0-d tensors, read with the step's other
    numbers. The eight torch calls cost a sampled step of the benchmark's MLP about 0.18 ms (4.7% of its bare step,
    measured by leaving the figures out), the pass about 0.01 ms."""
    if not torch.is_tensor(x) or not x.is_floating_point() or x.dim() < 2 or x.shape[0] < 2:
        return None
    x = x.detach()
    kernels = _torch_stats.kernels()
    if kernels is not None and x.is_cpu and x.dtype in _HOST_DTYPES and x.is_contiguous() and x.numel() > 0:
        out = np.empty(5)
        kernels.input_spread(x.numpy().reshape(x.shape[0], -1), out)
        return tuple(out.tolist())
    # in float32 at least: float16's squares overflow past 256
    low = x.dtype in (torch.float16, torch.bfloat16)
    rms = torch.linalg.vector_norm(x, dtype=torch.float32 if low else None) / math.sqrt(x.numel())
    rows = x.reshape(x.shape[0], -1).to(torch.float32 if low else x.dtype)
    across = _place_weights(rows.shape[1], SPREAD_COLUMN_STEP, rows.device, rows.dtype)
    down = _place_weights(rows.shape[0], SPREAD_ROW_STEP, rows.device, rows.dtype)
    kind = x.device.type
    # the pre-hook runs inside the user's autocast, which would make the product bfloat16 and the dot raise (W68
    # walkthrough finding 1: 'dot : expected both vectors to have same dtype, but found BFloat16 and Float', from
    # inside the user's forward): the mark is made in the batch's own precision, as without autocast
    with torch.autocast(kind, enabled=False) if torch.is_autocast_enabled(kind) else contextlib.nullcontext():
        mark = torch.dot(rows @ across, down)
    return (x.amax(0) - x.amin(0)).amax(), x.abs().amax(), x[0].sum(), rms, mark


_HOST_DTYPES = (torch.float32, torch.float64)


@functools.lru_cache(maxsize=8)
def _place_weights(n: int, step: float, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """The mark's weights 1 + frac(k step), k < n, made in float64 on the host as the compiled pass makes them (in
    float32, k step loses the fraction's digits past k = 1e4), then moved: one tensor per shape, device and dtype,
    kept for the next sampled steps."""
    return (torch.arange(n, dtype=torch.float64) * step % 1.0 + 1.0).to(device=device, dtype=dtype)


class _Inputs:
    # this sampled step's (the first weighted module's label, its input's _spread); None: not read yet
    _first_input: tuple | None = None
    # the samples alike on the latest sampled batches in a row: (module label, first training step, batches, all 0,
    # whether the batches differed from one another, the latest one's first sample's sum)
    _alike: tuple[str, int, int, bool, bool, float] | None = None
    _input_label: str | None = None  # the label of the module whose input figures this step sends to the host
    _input_name: str | None = None  # and its name
    # the root mean square of the latest sampled batch's inputs to that module, and the module's name (None: not read)
    _input_rms: tuple[float, str] | None = None
    # the latest sampled batches with the same inputs: (the first one's training step, how many, the module's label,
    # their first sample's sum, root mean square and mark, whether the compiled pass made them)
    _same: tuple[int, int, str, float, float, float, bool] | None = None
    # (first weighted module, first activation's place) -> the norm module between them in words, "" for none, False
    # where they are not both modules of the model: found once (the Monitor's __init__ gives each its own dict)
    _norm_between: dict
    # the first sampled step whose inputs held a NaN or an inf, and the module that got them (W56 walkthrough: a
    # column of NaN read 'diverged ... Lower the learning rate', the NaN named at the ReLU after the first layer)
    _input_bad: tuple[int, str] | None = None
    # this sampled step's first weighted module, in words, where its input held no value (a batch of no samples); its
    # step is not read (_Stepping._drop_empty). None: it held values, or was not read
    _empty_input: str | None = None
    _input_ids = False  # the latest sampled step's first weighted module took integers (token ids), not values
    # this sampled step's five input figures where the compiled pass made them on the host (_spread), else None
    _input_host: list[float] | None = None

    def _read_input(self, name: str, module, inputs: tuple) -> None:
        """In the first weighted module's forward pre-hook of a sampled step's forward."""
        self._first_input = (f"'{name}' ({type(module).__name__})", _spread(inputs[0]) if inputs else None, name)
        # token ids (an embedding's lookup): no scale to check (W67 walkthrough finding 6: 'check that the inputs are
        # scaled to mean 0 and variance 1' of a language model's character ids)
        self._input_ids = bool(inputs) and torch.is_tensor(inputs[0]) and not inputs[0].is_floating_point() \
            and not inputs[0].is_complex()
        if inputs and torch.is_tensor(inputs[0]) and inputs[0].numel() == 0:  # a batch of no samples
            self._empty_input = f"'{name}' ({type(module).__name__})"

    def _input_scalars(self, like: list) -> list:
        """The sampled step's five input figures as 0-d tensors to go to the host with the step's other figures (in
        the dtype of ``like``'s first, so that they stack with them), or none: not read, or made on the host by the
        compiled pass (kept in self._input_host); the step's label is kept for _judge_inputs."""
        held, self._first_input = self._first_input, None
        self._input_host = None
        if held is None or held[1] is None:
            self._input_label = None
            return []
        self._input_label, self._input_name = held[0], held[2]
        if isinstance(held[1][0], float):  # on the host already (the compiled pass): none to send
            self._input_host = list(held[1])
            return []
        return [t.to(like[0].dtype) for t in held[1]] if like else [t.float() for t in held[1]]

    def _judge_inputs(self, figures: list[float]) -> None:
        """As the sampled step is collected, from its five input figures (none: not read, and no judgement): its
        batch's samples alike or not (a NaN spread is not alike), whether it differs from the last alike one, and the
        inputs' root mean square."""
        if len(figures) != 5 or self._input_label is None:
            self._input_rms = self._same = None
            return
        name, (gap, top, first, rms, mark) = self._input_label, figures
        path = self._input_host is not None  # made by the compiled pass
        self._input_rms = (rms, self._input_name)
        if not math.isfinite(top) and self._input_bad is None:  # a NaN or an inf in the inputs themselves
            self._input_bad = (self.step_count + 1, name)
        step = self.step_count + 1
        same = self._same
        # (exactly, from one path; to SAME_TOLERANCE across the two: the first steps take the torch path while the pass
        # loads, and the switch restarted a repeated batch's count)
        tolerance = 0.0 if same is None or same[6] == path else SAME_TOLERANCE
        self._same = ((same[0], same[1] + 1, name, first, rms, mark, path) if same is not None and same[2] == name
                      and all(math.isclose(a, b, rel_tol=tolerance, abs_tol=0.0)
                              for a, b in zip(same[3:6], (first, rms, mark), strict=True))
                      and gap > 0 and math.isfinite(rms) else (step, 1, name, first, rms, mark, path))
        if gap == 0:
            run = self._alike
            self._alike = ((name, run[1], run[2] + 1, run[3] and top == 0, run[4] or first != run[5], first)
                           if run is not None and run[0] == name else (name, step, 1, top == 0, False, first))
        else:
            self._alike = None

    def _rms_read(self, seen: list) -> tuple[float | None, str]:
        """(RunSummary.input_rms, RunSummary.input_normalised): the latest sampled batch's root mean square of the
        first weighted module's inputs, where the first watched activation acts on that module's output (W57
        walkthrough finding 9: inputs of root mean square 112 into Linear and Tanh read 'healthy', at 35 times the loss
        the same model reached on standardised ones); and, where a normalisation runs between them (Linear, LayerNorm,
        Tanh), that normalisation in words: it rescales what the activation gets, not the input columns against one
        another (W58 walkthrough finding 5: columns of scales up to 3e4 under a LayerNorm read 'healthy' at 67%
        accuracy, 98% with the columns standardised)."""
        rms = self._input_rms
        layer, weighted = next(((layer, fixed[1]) for layer, fixed, _ in seen if fixed[1] is not None), (None, None))
        if rms is None or layer is None or weighted != rms[1]:
            return None, ""
        if layer.functional:  # F.tanh(self.fc(x)), or F.tanh(F.layer_norm(self.fc(x))); not a sum or a product
            if layer.acts_on in ("output", "scaled"):
                return rms[0], ""
            return (rms[0], layer.acts_on_words) if "norm" in layer.acts_on_words.lower() else (None, "")
        between = self._norm_before(weighted, layer.name)
        return (None, "") if between is False else (rms[0], between)

    def _norm_before(self, weighted: str, place: str) -> str | bool:
        """A norm module (BatchNorm1d, LayerNorm, a hand-written RMSNorm) registered between the weighted module
        ``weighted`` and the activation module ``place``, in words ("'4' (BatchNorm1d)"); "" where none is; False
        where either is no module of the model (a function's place). The weighted module before the activation is
        still the one before the norm (norm weights are vectors), but the norm ran between them."""
        key = (weighted, place)
        between = self._norm_between.get(key)  # (the modules do not change: a model changed is read anew)
        if between is None:
            names = list(self._named)
            if weighted not in names or place not in names:
                between = self._norm_between[key] = False
            else:
                start, end = sorted((names.index(weighted), names.index(place)))
                norm = next((n for n in names[start + 1:end] if "Norm" in self._named[n][1]), None)
                between = self._norm_between[key] = "" if norm is None else f"'{norm}' ({self._named[norm][1]})"
        return between

    def _inputs_alike(self) -> tuple[str, int, int, bool, bool] | None:
        """RunSummary.inputs_alike: the run of alike batches, where it is ALIKE_BATCHES long or more."""
        run = self._alike
        return run[:5] if run is not None and run[2] >= ALIKE_BATCHES else None

    def _same_batch(self) -> tuple[int, int] | None:
        """RunSummary.same_batch: the run of sampled batches with the same inputs, where it is SAME_BATCHES long or
        more."""
        same = self._same
        return same[:2] if same is not None and same[1] >= SAME_BATCHES else None
