"""The gradient-flow findings of a reading: how the gradient reaches each layer (vanishing, exploding), layers
whose units are all off, and dead units that stop the signal passed back, with the ratios the faces show beside
them. readings.diagnose() gathers these with the loss's findings; every face imports the names from readings."""

from __future__ import annotations

import math

from .activations.registry import get
from .reading_record import (
    GRAD_NORM,
    SIGNAL_NORM,
    Finding,
    LossSteps,
    RunSummary,
    Status,
    layers_in_words,
    names_in_order,
    sci,
    share,
)
from .reading_remedies import (
    ZERO_RECTIFIERS,
    exploding_remedy,
    off_remedy,
    vanishing_remedy,
)

VANISHING_RATIO = 1e-3  # layer 1 gets under 1e-3 of the output layer's gradient
EXPLODING_RATIO = 1e3
# A weight gradient whose norm is below GRAD_FLOOR x max(1, loss) is round-off, not a direction: a step of it
# cannot change a loss of that size, and a ratio of two such norms (4e-16 over 3e-20) means nothing. Ratios are
# not read when the output layer's gradient is below the floor, and every norm below it reads "no gradient".
GRAD_FLOOR = 1e-12
# a layer with dead units across which ||dL/dz|| falls below this share of the next layer's stops the signal there
# (W16: 5.5e-8 at layer 4); a layer of a chain of mild falls loses far less (a ReLU stack of 30 layers of 32 under
# xavier_normal, seed 3, at initialisation: median 0.79, lowest 0.59, with dead units in 28 of its layers)
DEAD_DROP = 0.1


def grad_floor(loss: float | None = None) -> float:
    """The norm below which a weight gradient counts as none: GRAD_FLOOR times the loss when the loss is above 1."""
    if loss is None or not math.isfinite(loss) or loss <= 1:
        return GRAD_FLOOR
    return GRAD_FLOOR * loss


def grad_ratio(norm: float, last: float, floor: float = GRAD_FLOOR) -> float:
    """||dL/dW_l|| / ||dW_out||; NaN (shown as no number) when the output layer has no gradient: 0, or a norm below
    ``floor``, whose quotients are of round-off (0/0 is no ratio of 1, 4e-16 / 3e-20 no ratio of 1e4)."""
    if not (math.isfinite(norm) and math.isfinite(last)) or abs(last) < floor or last == 0:
        return math.nan
    return norm / last


def ratio_texts(s: RunSummary) -> tuple[tuple[str, str], ...]:
    """Each hidden layer's ||dL/dW|| and ||dL/dz|| over the output layer's, written as the words write them (sci), then
    the output's own ("1" where some layer's ratio is a number): the one copy of that format, which the page's layer
    table shows as it comes (it kept a JavaScript copy of sci() before R14). "—": no number (grad_ratio's NaN)."""
    def text(v: float) -> str:
        return "—" if math.isnan(v) else sci(v)

    rows = [(text(grad_ratio(l.grad_norm, s.output_grad_norm)),
             text(grad_ratio(l.signal_norm, s.output_signal_norm) if l.signal_norm is not None
                  and s.output_signal_norm is not None else math.nan)) for l in s.layers]
    output = tuple("1" if any(r[k] != "—" for r in rows) else "—" for k in (0, 1))
    return (*rows, output) if rows else ()


def _off_layers(s: RunSummary) -> list[int]:
    """Hidden layers (1-based) where every unit is dead or saturated: nothing passes back through them."""
    return [i + 1 for i, l in enumerate(s.layers) if l.width and max(l.saturated, l.dead) >= l.width]


def _off_on(s: RunSummary) -> str:
    """What a layer's units were seen off on: a monitor's batch, whether or not every step's loss is given (W37
    walkthrough: a monitor at every=1 said 'off on the training set' after 4 batches); the engine's training set."""
    if s.gradients_of:
        return f"on {s.gradients_of}"
    return "on the sampled batch" if s.loss_steps == LossSteps.SAMPLED else "on the training set"


def floor_of(s: RunSummary) -> float:
    """grad_floor of the loss the latest gradients are of: the latest of recent_losses (this step's, where it is
    finite), not the loss the reading judges, a mean over a window that a blow-up before may hold far up (W73
    walkthrough finding 4: a loss of 0.69 on a step whose window mean was 2.85e14 read 'no gradient ... every norm
    below 280' of gradients of 0.47 and 0.32)."""
    latest = s.recent_losses[-1] if s.recent_losses else None
    return grad_floor(latest if latest is not None and math.isfinite(latest) else s.loss)


def _below_floor(norm: float, s: RunSummary) -> bool:
    return math.isfinite(norm) and abs(norm) < floor_of(s)


def low_gradient_word(act) -> str:
    """What a unit whose mean |f'| over the batch is below 1% of its maximum is called, for an activation record.
    A function that flattens out (sigmoid's and tanh's tails, GELU's and SiLU's left tail, ELU's -alpha, ReLU6's
    clip at 6) has "saturated" units. A rectifier whose only flat part is exactly 0 (ReLU: f' is 0 or 1) cannot
    saturate: such a unit is off on more than 99% of the inputs, "rarely active", one step short of dead."""
    return "rarely active" if act.has_zero_region and not act.saturates_at else "saturated"


def _off_word(s: RunSummary, off: list[int]) -> str:
    """What every unit of the hidden layers ``off`` (1-based) is, in one word: "off" for rectifiers whose flat part
    is exactly 0; "dead" where each unit is; where none is dead, their low-gradient word (an ELU or tanh layer is
    "saturated": neither has dead units); else "dead or saturated"."""
    layers = [s.layers[i - 1] for i in off]
    if all(l.activation in ZERO_RECTIFIERS for l in layers):
        return "off"
    if all(l.dead >= l.width for l in layers):
        return "dead"
    words = set()
    for l in layers:
        try:
            words.add(low_gradient_word(get(l.activation)) if l.dead == 0 else "")
        except ValueError:  # a name the registry does not know (a monitor's unusual module)
            words.add("")
    return words.pop() if len(words) == 1 and "" not in words else "dead or saturated"


def _dead_layer_numbers(s: RunSummary) -> list[int]:
    return [i + 1 for i, l in enumerate(s.layers) if l.width and l.dead == l.width]


def _dead_layers(s: RunSummary) -> list[Finding]:
    dead = _dead_layer_numbers(s)
    if not dead:
        return []
    names = layers_in_words([s.name(i - 1) for i in dead])
    return [Finding(Status.DEAD_LAYER,
                    f"dead layer: every unit of {names} has derivative 0 {s.dead_over}, so no gradient "
                    f"passes below", f"{off_remedy(s, dead)}; then {s.restart}.", {"dead_layers": dead})]


def _output_dw_near_zero(s: RunSummary) -> bool:
    """The output layer's ||dL/dW|| is under VANISHING_RATIO of its ||dL/dz|| (where both are the output layer's: the
    engine): ||dL/dW|| is its inputs times that signal, so its inputs are near 0 where the signal is, and a ratio over
    that ||dL/dW|| says nothing of how the gradient flows (W16: layer 1's 14.9 over 1.8e-9, its ||dL/dz|| 0.012)."""
    out, signal = s.output_grad_norm, s.output_signal_norm
    return (s.signal_reference == "the output layer" and signal is not None and math.isfinite(signal)
            and math.isfinite(out) and 0 < out < VANISHING_RATIO * signal and not _below_floor(out, s))


def _near_zero_words(s: RunSummary) -> str:
    """What the dW ratios are where _output_dw_near_zero: the norm they divide by and why it is near 0."""
    last = s.name(len(s.layers) - 1)
    first = sci(grad_ratio(s.layers[0].grad_norm, s.output_grad_norm))
    return (f"the {GRAD_NORM} ratios ({s.name(0)}'s is {first}) are over the output layer's {GRAD_NORM} of "
            f"{sci(s.output_grad_norm)}, near 0 because its inputs ({last}'s outputs) are near 0 on the points that "
            f"send it a gradient, while its {SIGNAL_NORM} is {sci(s.output_signal_norm)}: read the {SIGNAL_NORM} "
            "column")


def _dead_stop(s: RunSummary) -> Finding | None:
    """Dead units, not a chain of small derivatives, stop the signal passed back (W16: a ReLU 8,8,8,8 net at lr 3 read
    'vanishing: the gradient passed back to layer 1 is 1.0e-6 of the one at the output layer' with the vanishing
    remedy, where ||dL/dz|| fell from 0.012 at the output layer to 6.7e-10 at layer 4, 5 of whose 8 units were dead,
    and grew from there to layer 1). The test: the layers with dead units where the signal falls by over
    DEAD_DROP take it below VANISHING_RATIO on their own. A long chain of mild falls (a deep ReLU stack under Xavier
    weights: about 0.8 a layer) stays vanishing, whatever dead units its layers have. A squashing stack has no dead
    units, so its vanishing reads as it did."""
    # the engine's signals are ||dL/dz|| up to the output layer's, so the fall from layer l+1's to layer l's is made
    # at layer l's units (f' multiplies dL/dz_l); a monitor's are ||dL/da|| up to the last watched activation's (the
    # reference), where that fall is made at layer l+1's units (dL/da_l = W^T (f'_{l+1} * dL/da_{l+1}))
    if not s.layers or s.output_signal_norm is None or _off_layers(s):
        return None
    engine = s.signal_reference == "the output layer"
    if engine:
        signals = [l.signal_norm for l in s.layers] + [s.output_signal_norm]
    else:
        ref = next((i for i, l in enumerate(s.layers) if l.signal_norm == s.output_signal_norm), None)
        if ref is None:
            return None
        signals = [l.signal_norm for l in s.layers[:ref + 1]]
    if len(signals) < 2 or any(g is None or not math.isfinite(g) or g <= 0 for g in signals):
        return None
    ratio = grad_ratio(signals[0], signals[-1])
    if math.isnan(ratio) or ratio >= VANISHING_RATIO or _below_floor(s.output_grad_norm, s):
        return None
    # one sampled batch's fall, the median with the steps before within the line, is not the run's, as for
    # _signal_ratio (a 15-layer ReLU net learning well, one batch's gradient to its first ReLU 1e-5 of the usual,
    # read 'dead units stop the gradient ... it stops at module '3'' between 'healthy' ones)
    if typical_ratio(s, ratio, s.earlier_signal_ratios) is not None:
        return None
    # each fall, signals[i + 1] to signals[i], by the layer whose units make it
    falls = [(i if engine else i + 1, i) for i in range(len(signals) - 1)]
    drops = [(k, i) for k, i in falls if s.layers[k].dead and signals[i] < DEAD_DROP * signals[i + 1]]
    if not drops or math.prod(signals[i] / signals[i + 1] for _, i in drops) >= VANISHING_RATIO:
        return None
    stop, at = max(drops)  # the drop nearest the output: below it, the signal that is left is what the others pass on
    dead = f"{s.layers[stop].dead} of its {s.layers[stop].width} units are dead (derivative 0 {s.dead_over})"
    if engine:
        above = "the output layer" if stop == len(s.layers) - 1 else s.name(stop + 1)
        where = f"it stops at {s.name(stop)}, from {sci(signals[at + 1])} at {above} to {sci(signals[at])}: {dead}"
    else:
        where = (f"it stops at {s.name(stop)}: the gradient reaching its output is {sci(signals[at + 1])}, and the "
                 f"one it passes back to {s.name(at)} is {sci(signals[at])}: {dead}")
    words = (f"dead units stop the gradient: the gradient passed back to {s.name(0)} is {sci(ratio)} of the one at "
             f"{s.signal_reference}, and {where}, not a long chain of small derivatives")
    others = [i for i, l in enumerate(s.layers) if l.dead and i != stop]
    if others:
        words += "; dead units elsewhere: " + ", ".join(
            f"{s.layers[i].dead} of {s.layers[i].width} in {s.name(i)}" for i in reversed(others))
    evidence = {"first_to_last_signal_ratio": ratio, "stop_layer": stop + 1,
                "dead_by_layer": [l.dead for l in s.layers]}
    if _output_dw_near_zero(s):
        near = _near_zero_words(s)
        words += f". {near[0].upper()}{near[1:]}"
        evidence["first_to_last_ratio"] = grad_ratio(s.layers[0].grad_norm, s.output_grad_norm)
    return Finding(Status.DEAD_LAYER, words, f"{off_remedy(s, [stop + 1, *(i + 1 for i in others)])}; "
                   f"then {s.restart}.", evidence)


def typical_ratio(s: RunSummary, ratio: float, earlier: tuple[float, ...] | None = None) -> float | None:
    """Where the first layer's weight-gradient ratio on this sampled batch is beyond VANISHING_RATIO or EXPLODING_RATIO
    but the median of it and the ratios at the monitor's sampled steps before (RunSummary.earlier_ratios, two at
    least) is within them, that median: one batch's ratio, which the reading does not call vanishing or exploding (W34
    walkthrough: a 2-layer GELU transformer under Adam, learning well, read 'vanishing: ... gets 6.6e-4 of the output
    layer's gradient' on 24 of 500 steps at every=1, scattered among 'healthy' ones, the run's median ratio 1.8e-2).
    None otherwise, and for a ratio of exactly 0 (every unit of a layer off: said as that batch's). ``earlier``: the
    ratios to take the median with, where they are not the weight ratios' (the signal's, _signal_ratio)."""
    earlier = [r for r in (s.earlier_ratios if earlier is None else earlier) if math.isfinite(r) and r > 0]
    if len(earlier) < 2 or not math.isfinite(ratio) or ratio == 0 or VANISHING_RATIO <= ratio <= EXPLODING_RATIO:
        return None
    ordered = sorted([ratio, *earlier])
    n = len(ordered)
    middle = ordered[n // 2] if n % 2 else math.sqrt(ordered[n // 2 - 1] * ordered[n // 2])
    return middle if VANISHING_RATIO <= middle <= EXPLODING_RATIO else None


def _ratio(s: RunSummary) -> Finding | None:
    if not s.layers or s.summed_gradients:  # (unlike sums: RunSummary.summed_gradients)
        return None
    ratio = grad_ratio(s.layers[0].grad_norm, s.output_grad_norm)
    first, out = s.weights_name(0), s.output_name
    evidence = {"first_to_last_ratio": ratio}
    stopped = _stopped_branch(s, ratio)
    if stopped is not None:
        return stopped
    # the floor that grows with the loss keeps quotients of round-off from being read; a gradient of exactly 0 under
    # an output gradient above the loss-free floor is no such quotient (R18: an ELU run at lr 10 blown up to a loss
    # of 2.4e8 and more, every hidden weight's gradient exactly 0 and layer 2's units all saturated, the output
    # layer's 0.7: at a loss above 7e11 the floor passed 0.7 and nothing read as vanishing)
    exact_zero = ratio == 0 and math.isfinite(s.output_grad_norm) and abs(s.output_grad_norm) >= GRAD_FLOOR
    if (math.isnan(ratio) or VANISHING_RATIO <= ratio <= EXPLODING_RATIO
            or (_below_floor(s.output_grad_norm, s) and not exact_zero)):
        return None
    if ratio > EXPLODING_RATIO and _output_dw_near_zero(s):  # a huge quotient of a tiny divisor is no explosion
        return None
    if typical_ratio(s, ratio) is not None:  # one sampled batch's ratio, not the run's
        return None
    if ratio == 0:
        off = _off_layers(s)
        if off:  # every unit of a layer is off: that, not a long chain of small derivatives, stops the gradient
            # (every such layer named: a diverged headline's 'also' said only the first of two)
            which = layers_in_words([s.name(i - 1) for i in off])
            remedy = f"{off_remedy(s, off)}; then {s.restart}."
            return Finding(Status.VANISHING, f"vanishing: no gradient reaches {first} while {out} gets "
                           f"{sci(s.output_grad_norm)}: every unit of {which} is "
                           f"{_off_word(s, off)} "
                           f"{_off_on(s)}"
                           ", so nothing passes back "
                           f"through {'it' if len(off) == 1 else 'them'}", remedy, {**evidence, "off_layers": off})
        return Finding(Status.VANISHING, f"vanishing: no gradient reaches {first} while {out} gets "
                       f"{sci(s.output_grad_norm)}", vanishing_remedy(s), evidence)
    if ratio < VANISHING_RATIO:
        return Finding(Status.VANISHING, f"vanishing: {first} gets {sci(ratio)} of {out}'s gradient",
                       vanishing_remedy(s), evidence)
    return Finding(Status.EXPLODING, f"exploding: {first} gets {sci(ratio)} times {out}'s gradient",
                   exploding_remedy(s), evidence)


def _stopped_branch(s: RunSummary, first_ratio: float) -> Finding | None:
    """A hidden layer other than the first whose every unit is off (dead or saturated) and whose weights get under
    VANISHING_RATIO of the output layer's gradient, while the first layer's gradient is within the lines: a layer on a
    branch the first layer's gradient does not pass through (a second head), whose stop the first layer's ratio cannot
    show. Read over a monitor's latest sampled steps where it keeps them (RunSummary.stopped_branches), else on this
    batch. W51 walkthrough: a regression head's Tanh layer, its 32 units all saturated after a blow-up, passed no
    gradient to 'reg.0.weight' on 607 of 800 steps, and the reading said 'healthy: gradients reach every layer
    ('trunk.0.weight' gets 0.089 of the output layer's)' beside the row's 'no gradient reaches 'reg.0.weight''."""
    if not (VANISHING_RATIO <= first_ratio <= EXPLODING_RATIO) or _below_floor(s.output_grad_norm, s):
        return None
    if s.stopped_branches is not None:
        held = {i: (n, m) for i, n, m in s.stopped_branches if 1 < i <= len(s.layers)}
    else:
        held = {i: None for i in _off_layers(s)
                if i > 1 and grad_ratio(s.layers[i - 1].grad_norm, s.output_grad_norm) < VANISHING_RATIO}
    if not held:
        return None
    off = sorted(held)
    one = len(off) == 1
    weights = names_in_order([s.weights_name(i - 1) for i in off])
    which = layers_in_words([s.name(i - 1) for i in off])
    ratios = [grad_ratio(s.layers[i - 1].grad_norm, s.output_grad_norm) for i in off]
    said = [("none" if r == 0 else f"{sci(r)} of it") for r in ratios]
    now = said[0] if one else "; ".join(f"{s.weights_name(i - 1)} {w}" for i, w in zip(off, said, strict=True))
    if s.stopped_branches is None:
        when = _off_on(s)
        gets = f"{'gets' if one else 'get'} under {sci(VANISHING_RATIO)} of {s.output_name}'s gradient ({now})"
    else:
        counts = sorted({f"{n} of the latest {m}" for n, m in held.values()})
        when = f"on {' and '.join(counts)} sampled batches"
        gets = (f"{'gets' if one else 'get'} under {sci(VANISHING_RATIO)} of {s.output_name}'s gradient on "
                f"those batches (on this one: {now})")
    return Finding(Status.VANISHING,
                   f"vanishing at {'a layer' if one else 'layers'} off the path to {s.weights_name(0)}: every unit "
                   f"of {which} was {_off_word(s, off)} {when}, so nothing passes back through "
                   f"{'it' if one else 'them'}, and {weights} {gets}, while {s.weights_name(0)} gets "
                   f"{share(first_ratio, s.output_name + chr(39) + 's')}",
                   f"{off_remedy(s, off)}; then {s.restart}.",
                   {"first_to_last_ratio": first_ratio, "off_layers": off, "branch_ratios": ratios})


def _signal_ratio(s: RunSummary) -> Finding | None:
    """The signal passed back, ||dL/dz_1|| / ||dL/dz_out||: it can vanish while the weight gradients' ratio looks
    fine, when the forward activations shrink too (ReLU with Xavier weights at depth)."""
    if not s.layers or s.layers[0].signal_norm is None or s.output_signal_norm is None:
        return None
    ratio = grad_ratio(s.layers[0].signal_norm, s.output_signal_norm)
    evidence = {"first_to_last_signal_ratio": ratio}
    if math.isnan(ratio) or VANISHING_RATIO <= ratio <= EXPLODING_RATIO or _below_floor(s.output_grad_norm, s):
        return None
    # one sampled batch's ratio beyond the line, the median with the steps before within it, is not the run's (W71
    # walkthrough finding 1: a 15-layer ReLU net learning well, its ratio 5.4e-3, 7.5e-4 and 1.2 on three sampled
    # steps in a row, read 'vanishing' at steps 531 and 591 between 'healthy' ones, orange over a falling loss)
    if typical_ratio(s, ratio, s.earlier_signal_ratios) is not None:
        return None
    weights = grad_ratio(s.layers[0].grad_norm, s.output_grad_norm)
    off = _off_layers(s) if ratio == 0 and math.isfinite(weights) and weights > 0 else []
    if off:  # every unit of a layer off: that, not a chain of small derivatives, stops it, as _ratio says of a weight
        # gradient of 0 (W79 walkthrough finding 5: a loop with no zero_grad() kept the weight ratios up, and module
        # '3', all 64 units off, read 'vanishing: the gradient passed back to module '1' is 0 of the one at the last
        # watched activation')
        which = layers_in_words([s.name(i - 1) for i in off])
        return Finding(Status.VANISHING, f"vanishing: no gradient is passed back to {s.name(0)} while the one at "
                       f"{s.signal_reference} is {sci(s.output_signal_norm)}: every unit of {which} is "
                       f"{_off_word(s, off)} {_off_on(s)}, so nothing passes back through "
                       f"{'it' if len(off) == 1 else 'them'}", f"{off_remedy(s, off)}; then {s.restart}.",
                       {**evidence, "off_layers": off})
    if ratio < VANISHING_RATIO:
        return Finding(Status.VANISHING, f"vanishing: the gradient passed back to {s.name(0)} is {sci(ratio)} of "
                       f"the one at {s.signal_reference}", vanishing_remedy(s), evidence)
    return Finding(Status.EXPLODING, f"exploding: the gradient passed back to {s.name(0)} is {sci(ratio)} times "
                   f"the one at {s.signal_reference}",
                   exploding_remedy(s), evidence)
