"""Targets a bounded output cannot reach. One part of the Monitor class (interop/torch.py), kept apart because it is
one idea: Monitor inherits it.

A Tanh or a Sigmoid on the output layer's result, trained with a squared error against targets outside its range,
pins those outputs at its bounds: the error there cannot shrink, and the pinned outputs, where the function's slope is
about 0, pass back almost no gradient. The per-unit figures cannot see it (the head's mean |f'| over the batch is
fine while most outputs sit at +-1), and the run read 'healthy' with 84% of the targets beyond +-1 (W54 walkthrough,
finding 5).

Where the loss is a positive multiple of a sum of squared differences between the head's output and values that
need no gradient (nn.MSELoss, F.mse_loss, ``((out - y) ** 2).mean()``, ``(d * d).sum() / n``: found by following
the loss's autograd graph down to the head), its gradient at each output is 2 s (a - t) with one factor s for all
of them, and the loss is s times the sum of (a - t)^2; so s = sum(g^2) / (4 L), and each output's goal, the value
that would zero its error, is t = a - g / (2 s). No target is needed, and a head under any other loss
(BCELoss after a Sigmoid, whose outputs rightly sit near 0 and 1) is not read at all.
"""

from __future__ import annotations

import math
from collections import deque

import torch

from ..reading_record import OutputAtEnd, OutputBeyond

HEAD_BATCHES = 10  # the latest sampled batches the figures are taken over
HEAD_MOST = 1 << 22  # a head with more outputs is not read (its output and gradient are held to the step's end)

# autograd nodes that move or drop values without changing any: an output's goal reads through them
_SHAPE = frozenset({"ViewBackward0", "UnsafeViewBackward0", "ReshapeAliasBackward0", "SqueezeBackward0",
                    "SqueezeBackward1", "SqueezeBackward2", "UnsqueezeBackward0", "TBackward0", "TransposeBackward0",
                    "PermuteBackward0", "SelectBackward0", "SliceBackward0", "CloneBackward0", "AliasBackward0",
                    "ToCopyBackward0", "FlattenBackward0"})
_SCALAR = frozenset({"MulBackward0", "DivBackward0", "NegBackward0"})  # applied to the 0-d loss: one factor for all
_FULL = frozenset({"MeanBackward0", "SumBackward0"})  # .mean(), .sum(): to 0-d
_PARTIAL = frozenset({"MeanBackward1", "SumBackward1"})  # over some dims: every element weighed alike all the same


def _one_input(node):
    """The one input of ``node`` that carries a gradient, or None where there is not exactly one."""
    inputs = [n for n, _ in node.next_functions if n is not None]
    return inputs[0] if len(inputs) == 1 else None


def _through_shape(node):
    while node is not None and type(node).__name__ in _SHAPE:
        node = _one_input(node)
    return node


def squared_error_of(loss: torch.Tensor, head, outputs: int) -> float | None:
    """Whether ``loss`` is a multiple of a sum of squared differences between the ``outputs`` values the autograd
    node ``head`` made and values that need no gradient. None where it is anything else (or where the differences
    outnumber the outputs: a target broadcast against them); else the factor s it must have where that is known (1
    for a bare sum, 1 over the count for a mean; -1.0: 1 over the outputs the loss reads, nn.MSELoss's mean), 0.0
    where a number multiplies it (not known, not checked)."""
    form = squared_error_form(loss, head, outputs)
    return None if form is None else 0.0 if form[1] else form[0]


_BINARY = {"BinaryCrossEntropyBackward0": False, "BinaryCrossEntropyWithLogitsBackward0": True}


def binary_form(loss: torch.Tensor, head) -> tuple[bool, bool] | None:
    """Where ``loss`` is itself F.binary_cross_entropy or F.binary_cross_entropy_with_logits (their nn modules too,
    no number multiplying it) of the output whose autograd node is ``head`` against targets that need no gradient,
    with no weight or pos_weight, and a mean or a sum over every value: (whether it takes logits, whether it is a
    mean); None otherwise."""
    node = loss.grad_fn
    logits = _BINARY.get(type(node).__name__)
    if logits is None or node._saved_reduction not in (1, 2):
        return None
    inputs = [n for n, _ in node.next_functions]
    if len(inputs) < 2 or any(n is not None for n in inputs[1:]) or _through_shape(inputs[0]) is not head:
        return None
    for name in ("_saved_weight", "_saved_pos_weight") if logits else ("_saved_weight",):
        try:  # (a weight saved is freed by backward: reading it raises, which says one was given)
            if getattr(node, name) is not None:
                return None
        except RuntimeError:
            return None
    return logits, node._saved_reduction == 1


def squared_error_form(loss: torch.Tensor, head, outputs: int) -> tuple[float, bool] | None:
    """squared_error_of's factor before any number multiplying the loss (1, 1 over the count, -1.0, or 0.0 where a
    mean over some dimensions hides it), and whether a number multiplies it; None as there."""
    node, scaled = loss.grad_fn, False
    while node is not None and type(node).__name__ in _SCALAR:
        node, scaled = _one_input(node), True
    name = type(node).__name__ if node is not None else ""
    if name == "MseLossBackward0":
        (first, _), (second, _) = node.next_functions
        if second is not None or _through_shape(first) is not head or node._saved_reduction not in (1, 2):
            return None
        return (-1.0 if node._saved_reduction == 1 else 1.0), scaled
    if name not in _FULL:
        return None
    count = node._saved_self_sym_numel if name == "MeanBackward0" else math.prod(node._saved_self_sym_sizes)
    factor = 1 / count if name == "MeanBackward0" else 1.0
    node = _one_input(node)
    while node is not None and type(node).__name__ in _PARTIAL | _SHAPE:
        if type(node).__name__ == "MeanBackward1":
            factor = 0.0  # (its count is not kept)
        node = _one_input(node)
    name = type(node).__name__ if node is not None else ""
    if name == "PowBackward0" and node._saved_exponent == 2:
        node = _through_shape(_one_input(node))
    elif name == "MulBackward0" and node.next_functions[0][0] is not None and \
            node.next_functions[0][0] is node.next_functions[1][0]:  # d * d
        node = _through_shape(node.next_functions[0][0])
    else:
        return None
    if node is None or type(node).__name__ != "SubBackward0" or node._saved_alpha != 1:
        return None
    sides = [n for n, _ in node.next_functions if n is not None]
    if len(sides) != 1 or _through_shape(sides[0]) is not head or count > outputs:
        return None
    return factor, scaled


# the robust losses read (nn.HuberLoss / F.huber_loss, nn.SmoothL1Loss / F.smooth_l1_loss): their autograd node, and
# the attribute that holds their delta or beta
_ROBUST = {"HuberLossBackward0": ("huber", "_saved_delta"), "SmoothL1LossBackward0": ("smooth_l1", "_saved_beta")}


def robust_loss_of(loss: torch.Tensor, head, outputs: int) -> tuple[str, float, float] | None:
    """Where ``loss`` is a Huber or a smooth L1 loss of the ``outputs`` values the autograd node ``head`` made against
    values that need no gradient, unscaled, by mean or sum: (its kind, its delta or beta, the factor c each output's
    loss is weighed by: 1 over the outputs for a mean, 1 for a sum); else None. Its gradient at each output is then
    c clamp(a - t, -delta, delta) for Huber, c clamp((a - t) / beta, -1, 1) for smooth L1: the target itself where
    the clamp does not bite, its nearest bound where it does (the target lies further out)."""
    node = loss.grad_fn
    kind = _ROBUST.get(type(node).__name__) if node is not None else None
    if kind is None:
        return None
    (first, _), (second, _) = node.next_functions
    if second is not None or _through_shape(first) is not head or node._saved_reduction not in (1, 2):
        return None
    param = float(getattr(node, kind[1]))
    if not param > 0 or not math.isfinite(param):  # (smooth L1 with beta 0 is an L1 loss: no target to read)
        return None
    return kind[0], param, 1 / outputs if node._saved_reduction == 1 else 1.0


# loss nodes whose reduction a loss function's autograd node keeps (_saved_reduction: 1 mean, 2 sum), and what their
# loss measures: the errors of a classifier's outputs, or of a regression's
_LOSS_NODES = {"NllLossBackward0": "classification", "NllLoss2DBackward0": "classification",
               "BinaryCrossEntropyBackward0": "classification",
               "BinaryCrossEntropyWithLogitsBackward0": "classification", "MseLossBackward0": "regression",
               "HuberLossBackward0": "regression", "SmoothL1LossBackward0": "regression",
               "L1LossBackward0": "regression"}


def loss_form(loss) -> tuple[str | None, bool]:
    """(what the loss measures, "classification" or "regression", or None where not known; whether it is summed over
    its values, reduction='sum'), from the 0-d ``loss``'s autograd node, through numbers multiplying it. Cross-entropy
    is nn.CrossEntropyLoss's or F.cross_entropy's log-softmax and NLL (NllLossBackward0)."""
    node = loss.grad_fn if torch.is_tensor(loss) and loss.dim() == 0 else None
    while node is not None and type(node).__name__ in _SCALAR:
        node = _one_input(node)
    kind = _LOSS_NODES.get(type(node).__name__) if node is not None else None
    if kind is None:
        return None, False
    return kind, getattr(node, "_saved_reduction", 1) == 2


# how a regression loss grows with the error: squared (its constant guess's loss is the targets' variance about their
# mean), or about as its size past a small error (L1; Huber and smooth L1 past their delta, or beta: the mean distance
# of the targets from their middle)
_MEASURES = {"MseLossBackward0": "squared", "L1LossBackward0": "absolute", "HuberLossBackward0": "absolute",
             "SmoothL1LossBackward0": "absolute"}


def loss_measure(loss) -> str | None:
    """"squared" or "absolute" (_MEASURES) for a 0-d ``loss`` made by a regression loss function, through numbers
    multiplying it, or written as the mean or sum of a difference's size or square (F.l1_loss is
    (a - t).abs().mean() to autograd); None for any other."""
    node = loss.grad_fn if torch.is_tensor(loss) and loss.dim() == 0 else None
    while node is not None and type(node).__name__ in _SCALAR:
        node = _one_input(node)
    if node is None:
        return None
    if type(node).__name__ in _FULL:
        inner = _one_input(node)
        name = type(inner).__name__ if inner is not None else ""
        if name == "AbsBackward0":
            return "absolute"
        if name == "PowBackward0" and getattr(inner, "_saved_exponent", None) == 2:
            return "squared"
        return None
    return _MEASURES.get(type(node).__name__)


GRAPH_NODES = 64  # autograd nodes looked at from a loss back, at most, for a cross-entropy in it (ignore_index_of)


def ignore_index_of(loss) -> int | None:
    """The target a cross-entropy in ``loss`` ignores (its NLL node's ignore_index, readable after backward), looked
    for among the GRAPH_NODES nodes nearest the loss (label smoothing, a sum of parts: no longer the loss's own node);
    None where none is found."""
    node = loss.grad_fn if torch.is_tensor(loss) else None
    seen, queue = set(), [node] if node is not None else []
    while queue and len(seen) < GRAPH_NODES:
        node = queue.pop(0)
        if node in seen:
            continue
        seen.add(node)
        if type(node).__name__ in ("NllLossBackward0", "NllLoss2DBackward0"):
            return int(node._saved_ignore_index)
        queue.extend(f for f, _ in node.next_functions if f is not None)
    return None


# the element-wise losses whose functions broadcast their input against the target (and warn) before the loss
_BROADCASTING = frozenset({"MseLossBackward0", "HuberLossBackward0", "SmoothL1LossBackward0"})


def broadcast_of(loss) -> tuple[int, ...] | None:
    """The shape of the model's outputs where ``loss`` is F.mse_loss, F.huber_loss or F.smooth_l1_loss (their nn
    modules too) of outputs expanded to another shape on the way in, as those functions expand an input whose shape
    differs from the target's (a (128,) target against (128, 1) outputs compares all 128 x 128 pairs); else None."""
    node = loss.grad_fn if torch.is_tensor(loss) and loss.dim() == 0 else None
    while node is not None and type(node).__name__ in _SCALAR:
        node = _one_input(node)
    if node is None or type(node).__name__ not in _BROADCASTING:
        return None
    first = node.next_functions[0][0]
    if first is None or type(first).__name__ != "ExpandBackward0":
        return None
    return tuple(int(v) for v in first._saved_self_sym_sizes)


def held_with_gradient(output: torch.Tensor) -> list:
    """[``output`` detached, its version, the gradient that reaches it once backward has run (None till then)]: a
    hook on the output fills the last. The output's autograd node is not to go in the list: the graph holds the hook,
    and a hook holding the graph's node back made a cycle through autograd's C++ nodes that kept the graph, and the
    monitor, alive (a monitor on a sigmoid head dropped unclosed was never collected)."""
    held = [output.detach(), output._version, None]

    def keep(g):
        held[2] = g.detach()
    output.register_hook(keep)
    return held


class _HeadGoals:
    # the place whose outputs are read (a bounded activation on the output layer's result, as the latest report
    # found it), and this step's (output, its version, gradient) once its forward and backward ran
    _head_place = None
    _head_held: list | None = None
    _head_node = None  # the autograd node that made the held output
    _head_host: list | None = None  # the figures, read on the host where the head is on a CPU
    _head_form: tuple | None = None  # this step's (squared_error_of, the head's outputs), its figures sent to the host
    # per sampled batch read: (training step, outputs the loss reads, goals beyond the range, outputs pinned at an end,
    # the loss that cannot go, the loss)
    _head_batches: deque | None = None
    # per sampled batch read, under any loss: (training step, its outputs, those exactly at an end of the range with
    # the loss's gradient asking them back in, where no gradient passes)
    _end_batches: deque | None = None
    _loss_form: tuple[str | None, bool] = (None, False)  # the latest sampled step's loss, as loss_form reads it
    _loss_measure: str | None = None  # and a regression loss's growth with the error, as loss_measure reads it
    _broadcast: tuple[int, ...] | None = None  # and the outputs' shape, where it broadcast them (broadcast_of)

    def _watch_head(self, layer) -> None:
        """From the report: ``layer`` is a bounded activation on the output layer's result (None: there is none)."""
        if layer is not self._head_place:
            self._head_place, self._head_batches, self._end_batches = layer, None, None

    def _hold_head(self, output) -> None:
        """In the head place's forward on a sampled step: its output, and a hook that keeps the gradient reaching it."""
        if not torch.is_tensor(output) or not output.requires_grad or output.numel() > HEAD_MOST or \
                not output.is_floating_point():
            return
        self._head_held = held_with_gradient(output)
        self._head_node = output.grad_fn  # (beside the list, not in it: held_with_gradient says why)

    def _head_scalars(self, like: list, loss) -> list:
        """The sampled step's head figures as 0-d tensors to go to the host with its other figures: under any loss,
        the outputs stuck at an end (_at_end); and where the loss is a squared error of the head, the
        outputs the loss reads, those whose goal lies beyond the range (by more than the saturation limit), those
        within it of an end, the loss that cannot go, and the factor s (with the count it should be 1 over, for a
        mean). None where nothing was held."""
        held, self._head_held, self._head_form = self._head_held, None, None
        node, self._head_node = self._head_node, None
        layer = self._head_place
        if held is None or layer is None or held[2] is None or held[0]._version != held[1] or \
                layer.saturation_rule is None or layer.saturation_rule[0] != "ends":
            return []
        outputs, scalar = held[0].numel(), torch.is_tensor(loss) and loss.dim() == 0
        form = squared_error_of(loss, node, outputs) if scalar else None
        if form is None and scalar:
            form = robust_loss_of(loss, node, outputs)
        self._head_form = (form, outputs)
        rule = (*layer.saturation_rule[1:], layer.saturation_limit)
        a, g = held[0].reshape(-1), held[2].reshape(-1)

        def figures(a, g, value) -> list:
            return [] if form is None else _figures(a, g, value, *rule) if isinstance(form, float) else \
                _robust_figures(a, g, value, *form, *rule)
        if a.is_cpu and g.is_cpu and (form is None or loss.is_cpu):  # read here: NumPy on a few hundred numbers
            # costs a fraction of torch's dispatch for each call (100-200 us a sampled step on a 0.1 ms model with
            # torch's) (through float64 in torch: NumPy has no bfloat16)
            a, g = a.double().numpy(force=True), g.double().numpy(force=True)
            self._head_host = [float(v) for v in _at_end(a, g, *rule[:2]) + figures(
                a, g, loss.item() if form is not None else None)]
            return []
        dtype = like[0].dtype if like else torch.float64
        a, g = a.double(), g.double()
        return [t.to(dtype) for t in _at_end(a, g, *rule[:2]) + figures(
            a, g, loss.detach().double() if form is not None else None)]

    def _judge_head(self, figures: list[float], loss: float | None) -> None:
        """As the sampled step is collected: its head figures joined to the latest batches'. Where the loss's form
        fixes the factor s (a mean, a sum) and s is not that (a target broadcast against the outputs, a loss scaler's
        scale in the gradient), the loss is no squared error of each output as given: not read."""
        if self._head_host is not None:
            figures, self._head_host = self._head_host, None
        if not figures or self._head_form is None:
            return
        if self._end_batches is None:
            self._end_batches = deque(maxlen=HEAD_BATCHES)
        self._end_batches.append((self.step_count + 1, self._head_form[1], figures[0]))
        figures = figures[1:]
        form, outputs = self._head_form
        if len(figures) == 6 and isinstance(form, tuple) and loss is not None and loss > 0 and \
                all(map(math.isfinite, figures)) and figures[0]:
            # a Huber or smooth L1 loss: the loss its outputs' distances give (each the least it can be where the
            # clamp bites) must be the loss itself, or under it where a clamp bit; else the factor c is not the
            # loss's (a target broadcast against the outputs, a slice of them) and nothing is read
            used, beyond, pinned, floor, made, clamped = figures
            if made <= loss * (1 + 1e-3) and (clamped or made >= loss * (1 - 1e-3)):
                if self._head_batches is None:
                    self._head_batches = deque(maxlen=HEAD_BATCHES)
                self._head_batches.append((self.step_count + 1, used, beyond, pinned, floor, loss, bool(clamped)))
            return
        if len(figures) != 5 or loss is None or not loss > 0:
            return
        used, beyond, pinned, floor, s = figures
        if not used or not all(map(math.isfinite, figures)):
            return
        # nn.MSELoss's mean is over the outputs it reads: all of them, or a slice; those it reads with no error (an
        # output at exactly its target) get no gradient and are not among those counted (used)
        low, high = (1 / outputs, 1 / used) if form == -1.0 else (form, form)
        if form and not low * (1 - 1e-3) <= s <= high * (1 + 1e-3):
            return
        if self._head_batches is None:
            self._head_batches = deque(maxlen=HEAD_BATCHES)
        self._head_batches.append((self.step_count + 1, used, beyond, pinned, floor, loss, False))

    def _output_beyond(self) -> OutputBeyond | None:
        """RunSummary.output_beyond, from the latest sampled batches read."""
        batches, layer = self._head_batches, self._head_place
        if not batches or layer is None:
            return None
        used = sum(b[1] for b in batches)
        _, mid, half = layer.saturation_rule
        return OutputBeyond(
            layer.label, mid - half, mid + half, layer.saturation_limit, len(batches), batches[0][0],
            sum(b[2] for b in batches) / used, sum(b[3] for b in batches) / used,
            sum(b[4] for b in batches) / len(batches), sum(b[5] for b in batches) / len(batches),
            at_least=any(b[6] for b in batches))

    def _output_at_end(self) -> OutputAtEnd | None:
        """RunSummary.output_at_end, from the latest sampled batches read: None where no output of them was stuck."""
        batches, layer = self._end_batches, self._head_place
        if not batches or layer is None:
            return None
        outputs, stuck = sum(b[1] for b in batches), sum(b[2] for b in batches)
        if not stuck or not outputs or not math.isfinite(stuck):
            return None
        _, mid, half = layer.saturation_rule
        return OutputAtEnd(layer.label, layer.record.name, mid - half, mid + half, len(batches), batches[0][0],
                           stuck / outputs, int(outputs), flat=layer.record.has_zero_region)


def _at_end(a, g, mid: float, half: float) -> list:
    """[the outputs exactly at an end of mid +- half with the gradient ``g`` asking them back into the range]:
    gradient descent moves an output against its gradient, so one at the top end with a positive gradient is asked
    down; from the outputs ``a`` and the gradient reaching them, flat (NumPy or torch)."""
    return [(((a == mid + half) & (g > 0)) | ((a == mid - half) & (g < 0))).sum()]


def _figures(a, g, loss, mid: float, half: float, margin: float) -> list:
    """(outputs the loss reads, those whose goal lies beyond the range by more than ``margin``, those within
    ``margin`` of an end, the loss that cannot go, the factor s) from the outputs ``a`` and the gradient ``g`` reaching
    them (NumPy arrays, or torch tensors to stay on their device), flat, in float64."""
    s = (g * g).sum() / (4 * loss)
    goal = a - g / (2 * s)
    used = g != 0
    over = abs(goal - mid) - half
    over = over * (over > 0)
    return [used.sum(), (used & (over > margin)).sum(), (used & (half - abs(a - mid) < margin)).sum(),
            s * (over * over * used).sum(), s]


def _robust_figures(a, g, loss, kind: str, param: float, c: float, mid: float, half: float, margin: float) -> list:
    """(outputs the loss reads, those whose target lies beyond the range by more than ``margin``, those within it of
    an end, the loss that cannot go, the loss the outputs' distances to their targets give, the outputs whose gradient
    the clamp bounds) for a Huber (``param`` its delta) or smooth L1 (its beta) loss weighed by ``c``, from the
    outputs ``a`` and the gradient ``g`` reaching them (robust_loss_of). Where the clamp bounds an output's gradient,
    its target lies ``param`` from it or further, and that nearest one is taken: the figures are then the least they
    can be."""
    r = g / c  # Huber: clamp(a - t, +-delta); smooth L1: clamp((a - t) / beta, +-1)
    bound = param if kind == "huber" else 1.0
    d = r if kind == "huber" else r * param  # a - t, or its least size where the clamp bites
    clamped = abs(r) >= bound * (1 - 1e-6)
    goal = a - d
    used = g != 0
    over = abs(goal - mid) - half
    over = over * (over > 0)

    def each(x):  # the loss of one output at distance x from its target, before c
        size = abs(x)
        inside = size <= param
        value = inside * (0.5 * x * x) + (~inside) * (param * (size - 0.5 * param))
        return value if kind == "huber" else value / param
    return [used.sum(), (used & (over > margin)).sum(), (used & (half - abs(a - mid) < margin)).sum(),
            c * (each(over) * used).sum(), c * each(d).sum(), (used & clamped).sum()]
