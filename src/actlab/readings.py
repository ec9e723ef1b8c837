"""The reading of a network: one record, computed from a small per-layer summary.

The findings are here; what each tells the learner to change is in reading_remedies.py, how the headline is made
from them in reading_headline.py, the loss's findings in reading_loss.py, the gradient flow's in reading_flow.py and
the records in reading_record.py.

Any backend fills a RunSummary (the NumPy engine from its trace and gradients, the PyTorch monitor
in interop/torch.py from hooks) and ``diagnose()`` turns it into a Reading: a status, the evidence
behind it, a remedy and the words. Every way a small network fails that the summary shows is a
Finding; the Reading's status is the most serious finding. "healthy" needs positive evidence:
finite gradients that reach every layer within a factor of 1e3 of the output layer's (weight
gradients and, where measured, the signal passed back), and a training loss, and a test loss where
there is one, clearly below chance. A finite loss that has grown far above chance (DIVERGING_LOSS) reads
"diverged" as a NaN does: its gradients are enormous, and no ratio or floor of them is read as vanishing. The loss's
thresholds and the findings of a run that blows up, with what its recent sampled losses tell, are in reading_loss.py.
A cause whose words say nothing of the loss (vanishing, a dead layer ...) adds to its headline where the loss stands
when it has not moved from chance: a reader of the headline alone learns both the cause and that nothing is learned.

Chance is the loss of the best constant prediction for the head and the training labels
(network.chance_loss). Every run starts near it, so for its first JUDGE_AFTER_STEPS updates a run
whose loss has not yet moved reads "starting", not "not learning". The judgement counts updates,
not epochs: an update is what moves the weights (the playground's default run makes 25 an epoch). A run whose
sampled loss came down below chance and then rose past twice chance learned and lost it: it reads "not learning any
more" at any step (reading_loss.unlearned).
"""

from __future__ import annotations

import dataclasses
import math

from .activations.registry import get
from .reading_flow import (  # noqa: F401  (re-exported: the gradient-flow thresholds, ratios and findings)
    DEAD_DROP,
    EXPLODING_RATIO,
    GRAD_FLOOR,
    VANISHING_RATIO,
    _below_floor,
    _dead_layer_numbers,
    _dead_layers,
    _dead_stop,
    _near_zero_words,
    _off_layers,
    _off_word,
    _output_dw_near_zero,
    _ratio,
    _signal_ratio,
    floor_of,
    grad_floor,
    grad_ratio,
    low_gradient_word,
    ratio_texts,
    typical_ratio,
)
from .reading_headline import (
    began_at,
    began_below,
    began_by_mean,
    began_line,
    began_words,
    chance_fits,
    headline_first,
)
from .reading_headline import has_moved as _has_moved
from .reading_headline import loss_text as _loss_text  # noqa: F401  (the Monitor's report words the loss by it)
from .reading_held_out import HELD_OUT_LAG, HELD_OUT_RISE, given_after, held_out_learns, held_out_rise
from .reading_held_out import age as held_age
from .reading_held_out import keep_step as held_keep_step
from .reading_held_out import latest as held_latest
from .reading_held_out import lowest_given as held_lowest_given
from .reading_held_out import rise_remedy as held_rise_remedy
from .reading_held_out import rise_words as held_rise_words
from .reading_held_out import still_falling as held_still_falling
from .reading_held_out import stopped_words as held_stopped_words
from .reading_held_out import trend as held_trend
from .reading_held_out import was_low as held_was_low
from .reading_loss import (  # noqa: F401  (re-exported: the loss thresholds and the blow-up findings)
    CHANCE_EXAMPLES,
    DIVERGING_LOSS,
    LOSS_BATCHES,
    MOVED_FRACTION,
    RISE_FACTOR,
    RISING_FACTOR,
    SCHEDULE_RESTART,
    SWITCH_SPAN,
    UNLEARNED,
    UNSCALED_INPUT_RMS,
    above_chance,
    at_zero_output,
    blown_checkpoint,
    blown_start,
    blown_up_words,
    clearly_below,
    climb,
    climbed_from_first,
    climbed_from_first_remedy,
    coming_back,
    decay_words,
    diverged,
    diverging,
    diverging_loss,
    fresh_jump,
    judged_over,
    judged_window,
    largest_grad,
    lower_lr,
    numbered_step,
    rate_around,
    rate_before,
    rate_fallen,
    rate_fallen_remedy,
    rate_since_low,
    recent,
    rise,
    rise_remedy,
    rising,
    sampled_step,
    spike,
    spike_remedy,
    started_far,
    started_far_remedy,
    step_name,
    switch_words,
    unlearned,
    within_noise,
    written_words,
)
from .reading_loss import norms as _norms
from .reading_record import (  # noqa: F401  (re-exported: every face imports them from readings)
    _ORDER,
    ENGINE_LEVERS,
    FAILURES,
    GRAD_NORM,
    SCALED_INPUT_RMS,
    TORCH_LEVERS,
    Finding,
    LayerSummary,
    Lever,
    LossSteps,
    OutputAtEnd,
    OutputBeyond,
    OutputCollapse,
    Reading,
    RunSummary,
    Status,
    layers_in_words,
    names_in_order,
    percent_below,
    said_low,
    sci,
    share,
    times,
)
from .reading_remedies import (  # noqa: F401  (re-exported: the activation families the remedies tell apart)
    LINEAR,
    SMALLER_LR_KEEPS,
    SQUASHING,
    ZERO_RECTIFIERS,
    can_offer,
    exploding_remedy,
    from_start_words,
    no_gradient_remedy,
    off_remedy,
    offers_lower_lr,
    output_saturated_remedy,
    rate_restored,
    vanishing_remedy,
)

# a not-learning loss this close to chance, relative (W77 walkthrough: 0.05% over ln 8 with labels shuffled; W78:
# targets shifted by one sample, 5% below chance after the model memorised some of them)
PINNED_AT_CHANCE = 0.1
JUDGE_AFTER_STEPS = 1000  # learning (MOVED_FRACTION below chance) is judged after at most this many minibatch updates
FAR_JUDGE_STEPS = 200  # ... after this many where the loss is past RISING_FACTOR x chance and not falling (_learning)
# a bounded output asked for values beyond its range on fewer outputs than that is said where the loss that cannot go
# is this share of the loss or more
BEYOND_LOSS_SHARE = 0.25
OUTPUT_STUCK_FRACTION = 0.25  # output saturated: a quarter of the samples wrong with f' below 1% of its maximum
# outputs exactly at an end with the loss asking them back in (RunSummary.output_at_end), fewer than
# OUTPUT_STUCK_FRACTION: said after the status from this share of the outputs (1 in 100 points no longer learnt from)
AT_END_SAID = 0.01
# Weights that kept their values exactly over this many updates, while they get gradients, are not being stepped:
# gradients accumulated over a few steps before one opt.step() keep them still for those few steps only
WEIGHTS_STILL_STEPS = 100
# a monitor reads the weights' values about this often (interop/_monitor_weights.VALUE_STEPS, the same number: the core
# does not import the torch layer), so a date it gives for weights that stopped changing may be this late or more
WEIGHTS_READ_STEPS = 50
# a last update that carried weights holding more than half of the weights' size (sum |w|) across 0 swung the network
# to the other side instead of moving it along: L1 at rate 10 and lr 1 moves every weight by 10 per update, and every
# weight of a tanh net flipped sign on every update while its loss read healthy (R21). A run that L1 trains well
# flips only the weights it holds near 0, a small share of the size (rate 1e-3 at lr 0.03: under 1%)
FLIP_SHARE = 0.5
# a loss at most this share of chance with no gradient left is a fit (xor learned to a loss of 0), not a failure
FIT_FRACTION = 0.01
# every learning rate read at or under this is small for any optimiser: a loss above chance is not its steps' doing
SMALL_RATE = 1e-5
# a held-out loss past this many times chance, under a training loss below it: the targets differ, not only the points
HELD_OUT_FAR = 3.0


def _shrunk_past_dead(stopped: Finding, s: RunSummary) -> bool:
    """Weights shrunk (shrunk()) carry the gradient passed back through matrices near 0: a fall at a layer under half
    of whose units are dead is theirs, not the dead units' (W101 walkthrough finding 7: Adam whose coupled decay took
    the weights from 12.6 to under 0.01 read 'dead units stop the gradient ... 1 of its 64 units are dead' under a
    status of dead_layer, the gradient falling 2.5e-6 times across a layer whose other 63 units were on)."""
    layer = s.layers[stopped.evidence["stop_layer"] - 1]
    return shrunk(s) is not None and 2 * layer.dead < layer.width


def diagnose(s: RunSummary) -> Reading:
    """Every finding the summary supports, most serious first; see the module docstring."""
    findings = [f for f in (diverged(s), diverging(s), _unscaled(s), _no_gradient(s), _output_saturated(s))
                if f is not None]
    findings += _dead_layers(s)
    stopped = _dead_stop(s)
    if stopped is not None and _shrunk_past_dead(stopped, s):
        stopped = None
    findings += [f for f in (stopped, _calls_exploding(s), _calls_saturated(s), _ratio(s), _signal_ratio(s),
                             _calls_vanishing(s),
                             _zero_learning_rate(s),
                             _weights_still(s),
                             _oscillating(s), _learning(s), _with_forgetting(_generalising(s), s)) if f is not None]
    if any(f.status == Status.DIVERGED for f in findings):
        # a blown-up run's gradients are enormous: their ratios say nothing of vanishing, and the floor, which grows
        # with the loss, nothing of round-off; "no gradient" stays only for norms below the loss-free floor
        tiny = all(g == 0 or (math.isfinite(g) and abs(g) < GRAD_FLOOR) for g in _norms(s))
        # a ratio of exactly 0 behind a layer whose every unit is off is no ratio of enormous numbers: it is a second
        # cause (W14: tanh units all saturated at lr 1e5, no hidden weight getting a gradient), and it stays
        findings = [f for f in findings
                    if (f.status != Status.VANISHING or f.evidence.get("off_layers"))
                    and (f.status != Status.NO_GRADIENT or tiny)]
    if stopped is not None:  # dead units stop the signal: the vanishing its ratios show is theirs, not a chain's
        findings = [f for f in findings if f.status != Status.VANISHING or f.evidence.get("off_layers")]
    seen, unique = set(), []
    for f in findings:  # the weight and signal ratios may both say vanishing: keep the first
        if f.status not in seen:
            seen.add(f.status)
            unique.append(f)
    findings = unique
    if not any(f.status in FAILURES or f.status in (Status.HEALTHY, Status.WEIGHTS_STILL) for f in findings):
        findings.append(_healthy_or_waiting(s))
    findings.sort(key=lambda f: _ORDER[f.status])
    findings = with_causes(_with_far_start(headline_first(_recall_blow_up(findings, s), s), s), s)
    findings = _with_unstandardised(_with_rate(_with_spike(_linear_stack(findings, s), s), s), s)
    findings = _with_collapse(_with_past_climb(_with_loop_exploded(findings, s), s), s)
    return Reading(tuple(said_once(findings)), ratio_texts(s))


def said_once(findings: list[Finding]) -> list[Finding]:
    """The findings after the first, each less a '; also ...' that says another of them (W102 walkthrough, s10: 'also:
    vanishing: no gradient reaches ...' stood under 'also: not learning any more: ...; also vanishing: no gradient
    reaches ...'). Each keeps its own remedy; the headline's own 'also' stays, for a reader of the headline alone."""
    if len(findings) < 3:
        return findings
    rest = findings[1:]
    out = []
    for f in rest:
        words = f.words
        for o in rest:
            if o is not f and f"; also {o.words}" in words:
                words = words.replace(f"; also {o.words}", "")
        out.append(f if words == f.words else dataclasses.replace(f, words=words))
    return [findings[0], *out]


# the failures after which a collapse of the outputs is said, not in their place
_COLLAPSE_BESIDE = (Status.DEAD_LAYER, Status.EXPLODING, Status.OSCILLATING, Status.VANISHING, Status.NOT_LEARNING,
                    Status.WEIGHTS_STILL, Status.OUTPUT_SATURATED)


def collapse_beside(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A failure of its own (_COLLAPSE_BESIDE) heading a run whose outputs collapsed, with no layer wholly dead (which
    gives every input one output by itself): the collapse is said after it, and a finding that said it alone is
    dropped (W96 walkthrough finding 2: SimSiam through its parts read 'dying layer' of its predictor, with no word
    of outputs whose spread fell from 0.23 to 0.015)."""
    collapse, head = s.output_collapse, findings[0] if findings else None
    if collapse is None or head is None or head.status not in _COLLAPSE_BESIDE or "output_spread" in head.evidence \
            or any(l.width and l.dead >= l.width for l in s.layers):
        return findings
    evidence = {**head.evidence, "output_spread": collapse.spread, "first_output_spread": collapse.first}
    if head.status == Status.DEAD_LAYER:  # units a collapse left off: the collapse first, and its remedy (W97
        # walkthrough finding 1: 'dying layer ... Lower the learning rate' led for SimSiam with no stop-gradient,
        # which collapsed at a tenth of the rate too)
        said = Finding(head.status, f"{collapse.words()}; with it, {head.words}",
                       f"{collapse.remedy()} For the dead units, once the outputs stay apart: {head.remedy}"
                       if head.remedy else collapse.remedy(), evidence)
    else:
        said = Finding(head.status, f"{head.words}; besides, {collapse.words()}",
                       f"{head.remedy} For the outputs' collapse: {collapse.remedy()}" if head.remedy else
                       collapse.remedy(), evidence)
    return [said, *(f for f in findings[1:] if "output_spread" not in f.evidence)]


def _with_collapse(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """Outputs collapsed onto one direction (RunSummary.output_collapse) under a headline that finds nothing wrong
    (healthy, starting, flowing) make it 'not learning', with the collapse first in its words and its remedy: the
    loss such a run brought down says nothing of learning (W87 walkthrough finding 8). A failure already read keeps
    its place, the collapse said after it (_COLLAPSE_BESIDE); where a layer is wholly dead, which gives every input
    one output by itself, its own finding says why, and the collapse is not said."""
    collapse = s.output_collapse
    if collapse is None or not findings:
        return findings
    head = findings[0]
    if head.status in _COLLAPSE_BESIDE:
        return collapse_beside(findings, s)
    if head.status not in (Status.HEALTHY, Status.STARTING, Status.FLOWING):
        return findings
    words = head.words.removeprefix(f"{head.status.value}: ")  # ('healthy: ...' read on under 'not learning')
    said = Finding(Status.NOT_LEARNING, f"{collapse.words()}; {words}", collapse.remedy(),
                   {**head.evidence, "output_spread": collapse.spread, "first_output_spread": collapse.first})
    return [said, *findings[1:]]


def _with_past_climb(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A healthy run whose loss blew up (RunSummary.blown_up) or climbed from its first (RunSummary.climbed_peak) and
    came back says so in its headline, with a remedy on the learning rate: it learns, but from where the large steps
    threw its weights, and a run at a lower rate may go further (W88 walkthrough finding 7: Adam at lr 1 took a
    classifier from 3.4 to 80 times chance over its first steps and back to 42% below it, with 37 units dead and 121
    saturated, and the reading said 'healthy' with no word of the climb; at lr 0.3 the same run ended 85% below)."""
    if not findings or findings[0].status != Status.HEALTHY or s.chance_loss is None or not s.chance_loss > 0:
        return findings
    head = findings[0]
    if "blew up" in head.words or "climbed" in head.words:
        return findings
    if s.blown_up is not None:
        words, lead = _blow_up_words(s)
        evidence = {"blown_up_step": s.blown_up[0], "blown_up_loss": s.blown_up[1]}
        said = f"earlier, {words}, and it came back down"
    elif s.climbed_peak is not None:
        t, first, level, at = s.climbed_peak
        said = (f"earlier, the loss climbed from its first, {first:.3g} at training step {t:,}, to a median of "
                f"{level:.3g} over {LOSS_BATCHES} losses up to training step {at:,} "
                f"({times(level / s.chance_loss)} times chance), and it came back down")
        lead = climbed_from_first_remedy(s, first)
        evidence = {"first_loss": first, "first_loss_step": t, "climbed_to": level, "climbed_step": at}
        after = s.climbed_after
        if after is not None and after[2] < (1 - MOVED_FRACTION) * s.chance_loss and RISING_FACTOR * after[2] < first:
            # it had learned first: the climb is from that low, not from the first loss, and the rate around its
            # start is the likeliest cause where it was raised (W107 walkthrough finding 2)
            start, low_at, low = after
            said = (f"earlier, after the loss had come down to {low:.3g} (the batch of training step {low_at:,}), it "
                    f"climbed from training step {start:,} to a median of {level:.3g} over {LOSS_BATCHES} losses up "
                    f"to training step {at:,} ({times(level / s.chance_loss)} times chance), and it came back down")
            rate = rate_around(s, start, "the climb")
            lead = rate if "the likeliest cause" in rate else (
                "A loss that climbs after the run has learned usually means steps too large for where the weights "
                f"are: lower the learning rate (a tenth is a good first try) and {s.restart}.")
            evidence |= {"climbed_from_step": start, "lowest_before_climb": low}
    else:
        return findings
    pushed = ("; the units read dead or saturated here are likely where its large steps pushed them"
              if any(layer.dead for layer in s.layers) or _saturated_units(s) else "")
    remedy = (f"The run learns, but from where the climb's large steps threw its weights{pushed}. For a lower loss: "
              f"{lead[0].lower()}{lead[1:]}")
    if head.remedy:
        remedy = f"{head.remedy} {remedy}"
    return [dataclasses.replace(head, words=f"{head.words}; {said}", remedy=remedy,
                                evidence={**head.evidence, **evidence}), *findings[1:]]


def _loop_grew(loop: tuple[str, int, str, float, bool]) -> tuple[str, str]:
    """RunSummary.loop_exploded in words: (its recurrent weight, named; what grew through its calls, and how much)."""
    name, _, weights, growth, std = loop
    weight = f"'{weights}'" if weights and not weights.startswith("'") else weights or "the recurrent weight"
    grew = (f"the activations' std grew {growth:.2g} times through the calls of {name}" if std else
            f"the gradient grew {growth:.2g} times back through the calls of {name}")
    return weight, grew


def _with_loop_exploded(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A run that diverged after a loop's gradient grew back through its calls (RunSummary.loop_exploded) says so, and
    its remedy leads with clipping and the recurrent weight: a lower learning rate scales every update by the same
    factor, while the growth through the calls is many orders of magnitude (W75 walkthrough finding 5: lr 0.05 to
    0.005 diverged all the same at step 3, and clipping at 1 kept the run finite)."""
    loop = s.loop_exploded
    if loop is None or not findings:
        return findings
    head = findings[0]
    step = loop[1]
    # a loop read vanishing or saturated through time after it exploded: an update that large pushed its state to
    # the flat ends, and clipping is what keeps the next from doing it (W76 walkthrough finding 3: exploding 2e4 times
    # at step 1, then 'vanishing' from step 11 with a remedy of gated cells and orthogonal weights, clipping unsaid)
    through = head.status == Status.VANISHING and ("calls_vanish" in head.evidence or
                                                   "calls_saturated" in head.evidence)
    if head.status != Status.DIVERGED and not through:
        return findings
    weight, grew = _loop_grew(loop)
    lead_words = f"{head.words}; at training step {step:,} {grew} (exploding through time)"
    # (clipping on already, where the monitor saw the optimiser step with a cut gradient: a tighter limit, W76
    # walkthrough finding 5: a loop clipped at 1 was told to clip)
    clip = (f"{s.clip[0].upper()}{s.clip[1:]}" if s.clip.startswith(CLIPPING_ON) else
            "Clip the gradients' norm (torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0) between backward() "
            "and opt.step())")
    remedy = (f"{clip}: it bounds every update however far the loop grows the gradient, where a lower "
              f"learning rate only scales it down; and initialise {weight} so that its largest singular value is at "
              f"most 1 (torch.nn.init.orthogonal_ makes every one 1), or use a gated cell (nn.LSTM, nn.GRU). "
              + (head.remedy.replace(f" or {s.clip}", "", 1) if s.clip else head.remedy))  # (clipping said once)
    return [dataclasses.replace(head, words=lead_words, remedy=remedy.strip(),
                                evidence={**head.evidence, "loop_exploded": list(loop)}), *findings[1:]]


def _with_unscaled_first(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A divergence, or a blow-up, beside inputs past UNSCALED_INPUT_RMS: the inputs lead the headline's cause and
    the remedy. W78 walkthrough finding 6: columns of scales up to 8,000 (root mean square 2.95e3) diverged at step 3,
    the remedy led with 'Lower the learning rate (a tenth is a good first try)', the inputs only in an 'also'; a tenth
    of the rate diverged at step 3 all the same, and standardising alone made the run healthy."""
    if not findings:
        return findings
    first = findings[0]
    unscaled = next((f for f in findings[1:] if f.status == Status.UNSCALED_INPUTS), None)
    blew = first.status == Status.DIVERGED or "blew up" in first.words
    if unscaled is None or not blew or unscaled.evidence.get("input_rms", 0) <= UNSCALED_INPUT_RMS:
        return findings
    rms = unscaled.evidence["input_rms"]
    words = (f"{first.words}; the inputs are unscaled (their root mean square is {rms:.3g}), so the first layer's "
             "weights get gradients that much larger than standardised inputs give them: a learning rate that suits "
             "the other layers is far too large for the first, and columns of unequal scales leave no one rate right "
             "for all of them")
    remedy = f"{unscaled.remedy} Then, if it still blows up: {first.remedy}"
    return [dataclasses.replace(first, words=words, remedy=remedy, evidence={**first.evidence, "input_rms": rms}),
            *findings[1:]]


def _with_unstandardised(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """Inputs measured past SCALED_INPUT_RMS that no finding names (under the lines of _unscaled): a run that is
    healthy, starting or flowing says so after its words, and its remedy adds standardising them. W75 walkthrough
    finding 3: a Tanh MLP on inputs offset by 5 (root mean square 5.1) reached 45% accuracy where standardised ones
    reached 90%, and on columns of scales 1 to 30 (17.8) 75%, both read 'healthy' with no remedy."""
    rms = s.input_rms
    if (not findings or findings[0].status not in (Status.HEALTHY, Status.STARTING, Status.FLOWING) or rms is None
            or not math.isfinite(rms) or rms <= SCALED_INPUT_RMS or s.input_ids or not can_offer(s, Lever.INPUTS)
            or any(f.status == Status.UNSCALED_INPUTS or "input_rms" in f.evidence for f in findings)):
        return findings
    head = findings[0]
    where = (_IN_A_SCRIPT if can_offer(s, Lever.ARCHITECTURE) else
             "in the CSV file itself for the lab and for `actlab train --csv`; in the data pipeline for a script.")
    advice = (f"The inputs are not standardised (their root mean square is {rms:.3g}, where standardised columns give "
              f"1): a network learns best at the scale its initialisation is made for, and columns of unequal scales "
              f"weigh unequally from the first step. {_STANDARDISE} {where}")
    return [dataclasses.replace(head, words=f"{head.words}; the inputs are not standardised (root mean square "
                                f"{rms:.3g})", remedy=f"{head.remedy} {advice}".strip(),
                                evidence={**head.evidence, "input_rms": rms}), *findings[1:]]


def underflow_words(zeros: int, calls: int, first: float) -> str:
    """A gradient through a loop's ``calls`` calls that is exactly 0 at the first ``zeros`` of them and ``first`` at
    the one after, in words."""
    if zeros == 1:
        return f"{first:.3g} at call 2 of the {calls:,} and exactly 0 at the first"
    return f"{first:.3g} at call {zeros + 1:,} of the {calls:,} and exactly 0 at the {zeros:,} before it"


def _calls_vanishing(s: RunSummary) -> Finding | None:
    """Vanishing through time: the gradient through the calls of one module or function in one forward (a loop over
    a sequence) falls under VANISHING_RATIO of the last call's at the first (RunSummary.calls_vanish), and the loss
    has not moved from chance. The weights still get their gradient from the latest calls, so the weights' ratios read
    'gradients reach every layer' (W66 walkthrough finding 2: a tanh RNN on copy-first-token over 40 steps, 1.4e-17 at
    the first step, read 'starting ... so the reading waits'). A run whose loss has moved learns from the later calls,
    and the notes say the chain."""
    chain = s.calls_vanish
    if chain is None or _has_moved(s) or s.loss is None or not math.isfinite(s.loss):
        return None
    name, calls, first, last, gated, zeros = chain
    # a cell already gated (a sigmoid gate in the loop: a hand-written LSTM): its gradient vanishes where the forget
    # gates sit near 0 or the gates are saturated, which steps too large bring about
    remedy = (f"Let the cell keep its state: {KEEPING_GATE}, a lower learning rate (gates pushed to 0 or 1 pass no "
              f"gradient), {SHORTER_SEQUENCES}" if gated else _plain_loop_remedy(s))
    return Finding(Status.VANISHING,
                   f"vanishing through time: through the {calls:,} calls of {name} in one forward, |dL/da| falls from "
                   f"{last:.3g} at the last call to "
                   + (f"{first:.3g} at the first, {first / last:.2g} of it" if not zeros else
                      underflow_words(zeros, calls, first))
                   + ", so what the earliest calls see barely trains; the weights get their gradient from the latest "
                   "calls",
                   f"{remedy}; then {s.restart}.",
                   {"calls_vanish": list(chain), "first_to_last_ratio": first / last})


# a gate that keeps a recurrent cell's state at initialisation, for either form of the update (W89 walkthrough finding
# 7: 'a forget-gate bias of 1' to a hand-written GRU whose h = (1 - z) h + z c keeps h at z near 0, where +1 forgets)
KEEPING_GATE = ("a gate bias at initialisation that keeps the state (an LSTM's forget gate at +1; a GRU's update gate "
                "toward the old state: +1 in nn.GRU's form h' = (1 - z) n + z h, -1 where z weighs the new candidate)")
# shorter sequences carry no gradient further back: they help where the task's dependencies are short, and cut the
# longer ones out (W89 walkthrough finding 6: offered to a task that recalls a token 40 steps back)
SHORTER_SEQUENCES = ("or, where what the task must carry spans fewer steps than a sequence, shorter sequences "
                     "(truncated backpropagation through time, which cuts longer dependencies out of the gradient)")
# how RunSummary.clip begins where the monitor saw clipping on (its remedies then ask for a tighter limit)
CLIPPING_ON = "clip tighter: clipping is on already"
CLIP_TIGHTER = ", so lower its limit"  # ... and ends so
# singular values this close together (relative to the largest) make a weight orthogonal up to its scale, or nearly:
# every="auto" first reads a loop at step 4, after three updates (W79 walkthrough finding 3: an orthogonal weight read
# 0.978 to 1.017 there and was offered an orthogonal initialisation)
ORTHOGONAL_SPREAD = 0.1


def _orthogonal(low: float | None, high: float | None) -> bool:
    """Singular values all within ORTHOGONAL_SPREAD of the largest, which is 1 or more (1 - ORTHOGONAL_SPREAD)."""
    return low is not None and high is not None and high >= 1 - ORTHOGONAL_SPREAD \
        and low >= (1 - ORTHOGONAL_SPREAD) * high


def _values_words(low: float, high: float) -> str:
    return f"all {high:.3g}" if high - low < 0.0005 * high else f"from {low:.3g} to {high:.3g}"


def _plain_loop_remedy(s: RunSummary) -> str:
    """What carries a plain recurrence's gradient further back, by its recurrent weight's singular values where they
    were read (RunSummary.loop_spectrum): one orthogonal already, at a scale of 1 or more, now or as the run began,
    is not offered an orthogonal initialisation (W75 walkthrough finding 7, W76 finding 4: a tanh RNN whose weight was
    initialised orthogonal read 'an orthogonal initialisation of the recurrent weight'): each call's activation slope,
    under 1, shrinks the gradient then, which only a gate or shorter sequences get round."""
    rest = SHORTER_SEQUENCES
    spectrum = s.loop_spectrum
    if spectrum is None:
        return (f"Carry the gradient further back: a gated cell (nn.LSTM, nn.GRU) in place of the plain recurrence, an "
                f"orthogonal initialisation of the recurrent weight, {rest}")
    words, low, high, at, low0, high0 = spectrum
    now = f"its singular values are {_values_words(low, high)}"
    gate = f"use a gated cell (nn.LSTM, nn.GRU) in place of the plain recurrence, {rest}"
    if _orthogonal(low, high) or _orthogonal(low0, high0):
        nearly = "" if (low0 if not _orthogonal(low, high) else low) >= 0.99 * (
            high0 if not _orthogonal(low, high) else high) else "nearly "
        was = (f"is {nearly}orthogonal already ({now})" if _orthogonal(low, high) else
               f"was {nearly}orthogonal at training step {at:,} (its singular values {_values_words(low0, high0)}; "
               f"{low:.3g} to {high:.3g} now)")
        return (f"Carry the gradient further back: the recurrent weight {words} {was}, so "
                "what shrinks the gradient at each call is the activation's slope, under 1 wherever the state is away "
                f"from 0: {gate}")
    if high < 1:
        return (f"Carry the gradient further back: the recurrent weight {words} has its largest singular value at "
                f"{high:.3g}, under 1, so each call shrinks the gradient by that at least: initialise it orthogonally "
                f"(torch.nn.init.orthogonal_ makes every singular value 1), use a gated cell (nn.LSTM, nn.GRU), {rest}")
    return (f"Carry the gradient further back: a gated cell (nn.LSTM, nn.GRU) in place of the plain recurrence, an "
            f"orthogonal initialisation of the recurrent weight {words} ({now}; torch.nn.init.orthogonal_ makes every "
            f"one 1), {rest}")


def _calls_exploding(s: RunSummary) -> Finding | None:
    """Exploding through time: the gradient through the calls of one module or function in one forward (a loop over
    a sequence) grows past EXPLODING_RATIO times the last call's at the first (RunSummary.calls_explode). The
    recurrence multiplies the gradient, and the state, at every step; a layer's ratio to the last watched activation
    does not say that where the loop is the only hidden layer: it set the loop's calls, merged, against the last of
    them (W74 walkthrough finding 3), and its remedy led with the output layer's initialisation (finding 5)."""
    chain = s.calls_explode
    if chain is None:
        return None
    name, calls, first, last, std_first, std_last, weights, grad, std = chain
    said = []
    if grad:
        said.append(f"|dL/da| grows from {last:.3g} at the last call to {first:.3g} at the first, {first / last:.2g} "
                    "times it")
    if std or (math.isfinite(std_first) and math.isfinite(std_last) and std_first > 0
               and std_last > RISING_FACTOR * std_first):
        per = (std_last / std_first) ** (1 / (calls - 1))
        said.append(f"the activations' std grows{' with it,' if grad else ''} from {std_first:.3g} at the first call "
                    f"to {std_last:.3g} at the last, about {per:.2g} times a call")
    weight = f"the recurrent weight '{weights}'" if weights and not weights.startswith("'") else \
        f"the recurrent weight {weights}" if weights else "the recurrent weight"
    # clipping on already holds what the loop grows, where the run goes on finite: kept, not tightened (W89
    # walkthrough finding 1: a clip at 1 cut the gradients to 1e-4 of their size on every step, and the remedy said
    # to lower its limit)
    clip = (f"keep the clipping, which is on already{s.clip.removeprefix(CLIPPING_ON).removesuffix(CLIP_TIGHTER)} "
            "and holds the updates while the loop grows the gradient" if s.clip.startswith(CLIPPING_ON) else
            "clip the gradients' norm (torch.nn.utils.clip_grad_norm_ between backward() and opt.step())")
    return Finding(Status.EXPLODING,
                   f"exploding through time: through the {calls:,} calls of {name} in one forward, "
                   + "; ".join(said) + ": the recurrence multiplies what it carries by more than 1 at every step",
                   f"Make the recurrence shrink what it carries: initialise {weight} so that its largest singular "
                   "value is at most 1 (torch.nn.init.orthogonal_ makes every one 1; or scale it down), or use a gated "
                   f"cell (nn.LSTM, nn.GRU); {clip}; {SHORTER_SEQUENCES.removeprefix('or, ')}; then {s.restart}.",
                   {"calls_explode": list(chain), "first_to_last_ratio": first / last if last > 0 else math.nan})


def _calls_saturated(s: RunSummary) -> Finding | None:
    """Saturated through time: half or more of a loop's units saturated at every one of its calls
    (RunSummary.calls_saturated), the loss not moved from chance. The state sits at its activation's flat ends, where
    little gradient passes back, and what holds it there is a recurrent weight too large, not too small (W75
    walkthrough finding 6: a tanh recurrence at 4 times PyTorch's default read 'vanishing through time' with a remedy
    of orthogonal initialisation, and 'starting' with none)."""
    chain = s.calls_saturated
    if chain is None or _has_moved(s):
        return None
    name, calls, low, high, width, weights = chain
    weight = f"the recurrent weight '{weights}'" if weights and not weights.startswith("'") else \
        f"the recurrent weight {weights}" if weights else "the recurrent weight"
    count = f"{low} to {high}" if low != high else f"{low}"
    return Finding(Status.VANISHING,
                   f"saturated through time: {count} of the {width} units of {name} are saturated at each of its "
                   f"{calls:,} calls in one forward: the state sits at the flat ends of its activation, where little "
                   "gradient passes back through the calls",
                   f"Scale {weight} down, so that its largest singular value is at most 1 (torch.nn.init.orthogonal_ "
                   "makes every one 1, or multiply it by a factor under 1): one larger pushes the state to the flat "
                   "ends at every call; or use a gated cell (nn.LSTM, nn.GRU); a lower learning rate keeps training "
                   f"from growing it there; then {s.restart}.",
                   {"calls_saturated": list(chain)})


def lead(words: str, clause: str, but: bool = True) -> str:
    """A reading's words with ``clause`` said right after its status ('healthy, but part 'reg' ... : gradients
    reach ...'; without ``but``, 'dead layer: <clause>; <the rest>'), where the page's fold of a long headline would
    otherwise hide it at the end (W49 walkthrough; W55: a clipping cut said at the end of 725 characters)."""
    status, colon, rest = words.partition(": ")
    if not colon:
        return f"{words}; {'but ' if but else ''}{clause}"
    return f"{status}, but {clause}: {rest}" if but else f"{status}: {clause}; {rest}"


def with_causes(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """The headline with the causes the run's history shows put in it: weights pulled to 0 (_with_shrink), gradients
    cut before the optimiser steps (_with_cut), gradients never zeroed (_with_unzeroed), targets a bounded output
    cannot reach (_with_beyond), outputs stuck at an end of a bounded output's range (_with_at_end), unscaled inputs
    under a normalisation (_with_normalised), a training and a held-out loss risen together (_with_worse_on_both), the
    learning rate around a jump or since the run's low (_with_rate), in that order; last, so that it leads, a loss
    that broadcast the outputs against targets of another shape (_with_broadcast). A face that adds findings after
    diagnose applies it again."""
    findings = list(findings)
    for cause in (_with_shrink, _with_cut, _with_unzeroed, _with_beyond, _with_at_end, _with_normalised,
                  _with_worse_on_both, _with_rate, _with_unscaled_first, _with_same_batch, _with_rate_fallen,
                  _with_trained_in_eval, _with_same_units, _with_broadcast):
        findings = cause(findings, s)
    return findings


# the statuses whose remedy a layer of copies makes wrong (a smaller rate, a restart from the same weights): the
# initialisation's remedy takes their place; under the others it comes first
_SAME_UNITS_REPLACES = frozenset({Status.NO_GRADIENT, Status.NOT_LEARNING, Status.STARTING, Status.HEALTHY,
                                  Status.WEIGHTS_STILL, Status.VANISHING, Status.FLOWING})


def same_unit_layers(s: RunSummary) -> list[int]:
    """The hidden layers (0-based) whose units are copies of one another (LayerSummary.same_units), not counting one
    right after a layer all of whose units are dead or flat (a ReLU layer all off on the batch: its inputs all 0, its
    units then differ only by their biases, which zeros make alike)."""
    return [i for i, layer in enumerate(s.layers) if layer.same_units and layer.width >= 2
            and not (i and s.layers[i - 1].width
                     and max(s.layers[i - 1].dead, s.layers[i - 1].saturated) >= s.layers[i - 1].width)]


def _with_same_units(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """Hidden layers whose units are copies of one another (same_unit_layers) lead the headline, whatever it is, and
    the remedy: weights initialised to one value (zeros, or a constant) give every unit of a layer the same output and
    the same gradient, so no update makes them differ, and each layer works as one unit. W106 walkthrough findings 2
    and 3: weights all 0 read 'no gradient ... Lower the learning rate and restart from the weights the run began
    with'; weights all 0.01 read 'healthy' at 0.50 accuracy against the same net's 0.86 at PyTorch's initialisation."""
    same = same_unit_layers(s)
    if not findings or not same or "same_units" in findings[0].evidence:
        return findings
    first = findings[0]
    one = len(same) == 1
    named = (f"the {s.layers[same[0]].width} units of {s.name(same[0])}" if one else
             f"the units of {names_in_order([s.name(i) for i in same])} ("
             f"{names_in_order([str(s.layers[i].width) for i in same])})")
    said = (f"{named} are copies of one another{'' if one else ' within each layer'}: each gives the "
            "same output as the others on every point of the latest sampled batch, as weights initialised to one "
            "value (all zeros, or a constant) make them; an update moves copies alike, so "
            + ("the layer works as a single unit" if one else "each such layer works as a single unit"))
    remedy = ("Initialise the weights randomly (each layer's own default, which reset_parameters() restores, or "
              "nn.init.kaiming_uniform_ / xavier_uniform_), not to zeros or one value for all, and train again from "
              "those fresh weights: restarting from the weights this run began with starts from the same copies.")
    keep = first.status not in _SAME_UNITS_REPLACES and first.remedy
    return [dataclasses.replace(first, words=lead(first.words, said, but=first.status == Status.HEALTHY),
                                remedy=f"{remedy} {first.remedy}" if keep else remedy,
                                evidence={**first.evidence, "same_units": [s.name(i) for i in same]}),
            *findings[1:]]


def _with_rate_fallen(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A learning rate fallen under a thousandth of its highest for a while (reading_loss.rate_fallen): said right
    after the status, with where a scheduler does that, unless the run diverged or its gradients explode."""
    if not findings or findings[0].status in (Status.DIVERGED, Status.EXPLODING) or \
            "rate_fallen" in findings[0].evidence or "learning_rate_zero_since" in findings[0].evidence:
        return findings  # (weights still under rates at 0: that finding says when they reached it)
    said = rate_fallen(s)
    if not said:
        return findings
    first = findings[0]
    # (a schedule that ended at 0 under weights that stopped: that finding's remedy says so first, W46)
    remedy = first.remedy if first.remedy.startswith(("If a scheduler brought", rate_fallen_remedy())) else \
        f"{rate_fallen_remedy()} {first.remedy}".strip()
    return [dataclasses.replace(first, words=lead(first.words, said, but=first.status == Status.HEALTHY),
                                remedy=remedy, evidence={**first.evidence, "rate_fallen": True}), *findings[1:]]


def _with_trained_in_eval(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """Training from forwards in eval mode up to the latest sampled step (RunSummary.trained_in_eval), under any
    reading but a healthy one: said right after the status, and the remedy leads with model.train(). BatchNorm with
    its running statistics and no batch statistics can leave units off and the loss at chance, and the remedies for
    those (another activation, He initialisation) do nothing for it (W66 walkthrough finding 4: units died from step
    30 on, four steps after the validation pass's model.eval() at step 26, and the reading led with 'dead layer ... Use
    Leaky ReLU or GELU'). A healthy run is left to the note: freezing BatchNorm so is a way to fine-tune."""
    run = s.trained_in_eval
    if not findings or run is None or findings[0].status is Status.HEALTHY or "trained_in_eval" in findings[0].evidence:
        return findings
    first = findings[0]
    since, count, names = run
    how = [h for k, h in (("Norm", "BatchNorm normalises with its running statistics and stops updating them"),
                          ("Dropout", "Dropout drops nothing")) if k in names]
    said = (f"the model has trained in eval mode since training step {since:,} (its latest {count:,} sampled steps, "
            f"model.eval() with no model.train() after it), where {names} compute otherwise"
            + (f" ({'; '.join(how)})" if how else "") + ", so what follows may be that mode's doing")
    remedy = (f"If eval mode is not meant for training, call model.train() after the validation pass (the model has "
              f"trained in eval mode since training step {since:,}) and look again")
    return [dataclasses.replace(first, words=lead(first.words, said, but=False),
                                remedy=f"{remedy}; then: {first.remedy}" if first.remedy else f"{remedy}.",
                                evidence={**first.evidence, "trained_in_eval": since}), *findings[1:]]


def _with_same_batch(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """The same batch read at the latest sampled steps (RunSummary.same_batch): said right after the status, the
    loss being that one batch's, with where a loader repeats one and what tells learning when it is all the data."""
    same = s.same_batch
    if not findings or same is None or "same_batch" in findings[0].evidence:
        return findings
    first = findings[0]
    # where the loss reads as learning, or the held-out loss as memorising: a failure's cause lies elsewhere, and a
    # held-out loss given beside a healthy reading already judges the data as a whole (full-batch training)
    if not (first.status is Status.NOT_GENERALISING or first.status is Status.STARTING
            or first.status is Status.HEALTHY and s.test_loss is None):
        return findings
    since, count = same
    said = (f"every one of the last {count} sampled steps, from training step {since:,}, read the same batch (its "
            "inputs to the first weighted layer equal: their sums, root mean squares and sums weighted by place): "
            "the loss judged is that one "
            "batch's, which a model can fit without learning the data")
    remedy = ("If the data is more than that batch, the loader gives the same batch on every step (a `next(iter("
              "loader))` taken once, a DataLoader made anew inside the loop without shuffling, an index that does not "
              "advance); if it is all the data (full-batch training), judge learning by a held-out loss "
              "(mon.held_out(...)). A policy whose episodes visit the same states at every step reads so too: it has "
              "stopped exploring.")
    return [dataclasses.replace(first, words=lead(first.words, said, but=first.status == Status.HEALTHY),
                                remedy=f"{remedy} {first.remedy}".strip(),
                                evidence={**first.evidence, "same_batch": list(same)}), *findings[1:]]


def _with_normalised(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """Inputs above UNSCALED_INPUT_RMS where a normalisation runs between the first layer and its activation
    (RunSummary.input_normalised): said right after the status, with the remedy to standardise the columns."""
    rms = s.input_rms
    if not findings or not s.input_normalised or rms is None or not math.isfinite(rms) or rms <= UNSCALED_INPUT_RMS \
            or "input_rms" in findings[0].evidence:
        return findings
    first = findings[0]
    said = (f"the inputs are unscaled: their root mean square is {rms:.3g}; {s.input_normalised}, between the first "
            "layer and its activation, rescales that layer's outputs, not the input columns against one another, so "
            "columns of small scale count for little")
    remedy = f"{_STANDARDISE} {_IN_A_SCRIPT}"
    return [dataclasses.replace(first, words=lead(first.words, said, but=first.status == Status.HEALTHY),
                                remedy=f"{remedy} {first.remedy}".strip(),
                                evidence={**first.evidence, "input_rms": rms}), *findings[1:]]


def _fresh_jump_words(s: RunSummary, jumped: tuple[int, float, float, int], lead: str = ", moved there by") -> str:
    """What a jump too new to tell from one unusual batch (reading_loss.fresh_jump) says after a run's mean (an
    unsettled one's: what moved it; a healthy one's, ``lead`` ", but ... in"), and that the next steps tell."""
    t, v, highest, count = jumped
    last = s.step_losses[-1][0] == t
    return (f"{lead} its latest batch{'' if last else 'es'}: the loss jumped to {v:.3g} at training step "
            f"{t:,}, {times(v / s.chance_loss)} times chance and {times(v / highest)} times the highest of the "
            f"{count} training steps' losses before it ({highest:.3g})"
            + ("" if last else ", and has stayed above that since")
            + "; one unusual batch leaves the next steps' losses where they were, weights thrown off by an update "
            "keep them up: the next steps tell which")


def _fresh_jump_remedy(s: RunSummary) -> str:
    return (f"If the next steps' losses stay up, the update was too large for where the weights were: {lower_lr(s)}; "
            "if they come back down, it was one unusual batch: look at that step's batch.")


def own_updates(s: RunSummary) -> int:
    """The updates the reading has seen: a run resumed under Monitor(first_step=N) counts its own, not the steps
    before it (s.first_loss's step is N)."""
    return s.steps - (s.first_loss[0] - 1 if s.first_loss is not None and s.first_loss[0] > 1 else 0)


def _with_rate(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """Where the headline or its remedy tells of a jump in the loss (a spike, a blow-up, a diverging climb's jump),
    the learning rate around it as a monitor read it (reading_loss.rate_around) leads the remedy: raised there, the
    likeliest cause; the same on both sides, a pointer to the data (W57 walkthrough: labels replaced at step 401 at a
    constant rate read 'steps too large ... lower the learning rate'; a rate raised 40 times at step 501 was never
    named)."""
    if not findings or not s.learning_rates or "gradients_unzeroed" in findings[0].evidence:
        # (gradients never zeroed lead the remedy with the fix: the rates' sentence before it, 'if the data changed
        # at training step 75 ... look there first', sent the reader elsewhere, W78 walkthrough finding 2)
        return findings
    first = findings[0]
    t = first.evidence.get("spike_step") or first.evidence.get("jump_step")
    if t is None and first.evidence.get("climb_from") is not None:  # a NaN's climb: the step after its start (W61
        # walkthrough finding 5: a warm-up's rise of 1.4 times before a climb to NaN went unsaid)
        t = first.evidence["climb_from"] + 1
    if t is None and s.blown_up is not None and "blew up" in first.words + first.remedy:
        t = s.blown_from or s.blown_up[0]
    follows = first.status in FAILURES or first.words.startswith(UNLEARNED) or "risen_from" in first.evidence
    if t is None and s.jump_step is not None and follows and s.lowest_judged_step is not None \
            and s.lowest_judged_step < s.jump_step:
        t = s.jump_step  # an earlier reading's jump, out of the judged window now, the run never back at its low
    # no jump to date it by, where the run had come down and its loss is up from there (lost, or risen, or a failure
    # after that): the rate since the run's low (W60 walkthrough findings 10, 11: a rate raised 1.004 times a step
    # read 'healthy ... the mean loss has risen from 0.277 to 1.08 ... if it keeps rising, lower the learning rate',
    # and a scheduler's rise named at step 400 was gone from the reports after 600, the run still failing)
    risen = (first.words.startswith(UNLEARNED) or "risen_from" in first.evidence or follows and
             s.lowest_judged_loss is not None and s.loss is not None and s.chance_loss is not None
             and s.lowest_judged_loss < (1 - MOVED_FRACTION) * s.chance_loss
             and s.loss > RISE_FACTOR * s.lowest_judged_loss)
    # no jump, where units stopped (a dying layer's finding, under this headline or heading it): the rate raised
    # before they went (W62 walkthrough finding 2: lr 0.02 raised to 2 at step 80, units off from step 82 and every
    # weight's gradient 0 from 97; the no-gradient reading led with 'Use Leaky ReLU ... or He initialisation')
    stopping = next((f.evidence for f in findings if f.evidence.get("stopped_after") is not None), {})
    stopped = stopping.get("stopped_after")
    said = ((rate_around(s, t) if t is not None else "") or (rate_since_low(s) if risen else "")
            or (rate_around(s, stopped + 1, "the units stopped") if t is None and stopped is not None else ""))
    end = first.evidence.get("diverged_at_step")
    if first.evidence.get("climb_from") is not None and end is not None and "the likeliest cause" not in said:
        # a rate raised during the climb to the NaN, after the step the climb is dated from: the climb's first
        # losses may be its batches' noise (W102 walkthrough finding 1: SGD's rate set from 0.05 to 3 at step 201,
        # the losses 0.88, 0.94, 1.17, then 14.9 at 202 and NaN at 209, read 'The learning rate was 0.05 at every
        # optimiser step from training step 189 to 199 ... if the data changed at training step 200, look there')
        during = rate_around(s, end, "the first NaN or inf")
        if "the likeliest cause" in during:
            said = during
    # besides the rate, what else changed after the low (a loss lost), before a jump, or shortly before the units
    # stopped: weights written between updates, an optimiser switched, a weight decay raised (W99 walkthrough findings
    # 4, 5 and s8, each read 'lower the learning rate'), in that order; where the loss was lost or the weights shrank,
    # that change's remedy is the remedy, not the headline's rate advice
    shrank = "weights_size_high" in first.evidence
    lost = risen or shrank
    until = t if t is not None else stopped + 1 if stopped is not None else None
    # (a switch after the low where nothing dates the failure: one long before it is no cause)
    since = said_low(s)[1] if until is None else until - SWITCH_SPAN
    change, then = "", ""
    # units stopped between the sampled step they were last on and the one they were first seen off at: a write of the
    # weights in that gap is dated at an update after the first (W102 walkthrough finding 3: a bias shifted by -20
    # before step 301's update, the units on at 291 and off from 301, read 'Lower the learning rate')
    by = stopping.get("stopped_by")
    written_by = by if t is None and stopped is not None and by is not None else until
    if risen or follows or shrank:
        # (the writes alone: a rate raised before them and put back read 'and is 0.002 now ... keep it nearer 0.002'
        # beside a checkpoint loaded, W101 walkthrough finding 1)
        change, then = written_words(s, written_by), ""
        if change and stopped is not None and t is None:
            lost = True  # (the units' own remedy, 'lower the learning rate', is not the write's)
    if not change and since is not None and (risen or follows or stopped is not None or t is not None):
        change, then = switch_words(s, until, since), f"If the loss does not come back down, {s.restart}."
    if not change and "the likeliest cause" not in said and (risen or follows or shrank):
        change, then = decay_words(s, until), f"If the loss does not come back down with it there, {s.restart}."
    if change and change not in first.remedy:
        remedy = f"{change} {then}".strip() if lost else f"{change} {first.remedy}".strip()
        return [dataclasses.replace(first, remedy=remedy), *findings[1:]]
    if change:  # said already (with_causes may apply this again): the rate's words are not added on a second pass
        return findings
    if not said or said in first.remedy:
        return findings
    remedy = first.remedy
    if said.endswith(SCHEDULE_RESTART) and (risen or "risen_from" in first.evidence):  # a restart: no 'lower the
        # learning rate' beside it
        return [dataclasses.replace(first, remedy=said), *findings[1:]]
    if "the likeliest cause" in said:  # a raised rate and the rate to go back to: no tenth of the raised one beside
        # it (W76 walkthrough: 'go back to 0.05' and 'a tenth, 5' in one remedy)
        remedy = remedy.replace(" (a tenth is a good first try)", "")
    return [dataclasses.replace(first, remedy=f"{said} {remedy}".strip()), *findings[1:]]


def beyond_words(b: OutputBeyond) -> str:
    """What a bounded output asked for values outside its range is told (RunSummary.output_beyond)."""
    return (f"the loss asks {b.where} for values outside its range, {b.low:g} to {b.high:g}, on "
            f"{'at least ' if b.at_least else ''}{b.share:.0%} of the outputs (their targets lie beyond it), so at "
            f"least {b.floor:.3g} of the loss "
            # (a bound only where a Huber or smooth L1 clamp bit: no share of the loss from it, W60 walkthrough: 'at
            # least 0.0188 of the loss (6% of 0.302)' of a smooth L1 loss 65% of which could not go)
            + (f"(a batch's mean is {b.loss:.3g}, over {_batches(b)}; a bound only: where the loss's clamp bites, its "
               "gradient tells that a target lies beyond a set distance from its output, not how far)"
               if b.at_least else
               f"({b.floor / b.loss:.0%} of {b.loss:.3g}, a batch's mean over {_batches(b)})")
            + f" cannot go whatever the training; {b.pinned:.0%} of the outputs sit within "
            f"{b.margin:g} of an end, where its slope is about 0 and little gradient passes back")


def beyond_remedy(b: OutputBeyond) -> str:
    return (f"Scale the targets into {b.low:g} to {b.high:g} (and the model's outputs back by the same map), or take "
            "the activation off the output layer, so that the output can reach every target.")


def _batches(b: OutputBeyond) -> str:
    return (f"the sampled batch at training step {b.since:,}" if b.batches == 1 else
            f"the last {b.batches} sampled batches, from training step {b.since:,}")


def _with_beyond(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """Fewer than OUTPUT_STUCK_FRACTION of the outputs asked for values beyond a bounded output's range, where the
    loss that cannot go is BEYOND_LOSS_SHARE of the loss or more: said right after the status, with the remedy."""
    b = s.output_beyond
    if b is None or not findings or b.share >= OUTPUT_STUCK_FRACTION or b.floor < BEYOND_LOSS_SHARE * b.loss or \
            "output_beyond_share" in findings[0].evidence:
        return findings
    first = findings[0]
    words = lead(first.words, beyond_words(b), but=first.status == Status.HEALTHY)
    remedy = f"{first.remedy} {beyond_remedy(b)}".strip()
    return [dataclasses.replace(first, words=words, remedy=remedy,
                                evidence={**first.evidence, "output_beyond_share": b.share}), *findings[1:]]


def at_end_words(e: OutputAtEnd) -> str:
    """What a bounded output stuck at the ends of its range is told (RunSummary.output_at_end)."""
    over = (f"the sampled batch at training step {e.since:,}" if e.batches == 1 else
            f"the last {e.batches} sampled batches, from training step {e.since:,}")
    return (f"{e.where} gives exactly {e.low:g} or {e.high:g}, an end of its range where its slope is exactly 0, on "
            f"{e.share:.0%} of the outputs of {over} ({round(e.share * e.outputs):,} of {e.outputs:,}), while the "
            "loss asks those outputs back into the range: no gradient at all passes back from them, so the training "
            "no longer learns from their points")


def at_end_remedy(e: OutputAtEnd, after_beyond: bool = False) -> str:
    """What to do about outputs stuck at an end; ``after_beyond``: said after beyond_remedy, which already takes the
    activation off the output layer."""
    first = "" if after_beyond else (
        "Take the Sigmoid off the output layer and give its result, the logit, to nn.BCEWithLogitsLoss "
        "(F.binary_cross_entropy_with_logits) in place of nn.BCELoss: it reads the loss from the logit, so its "
        "gradient there, sigmoid(logit) - target, never rounds to 0." if e.activation == "sigmoid" else
        "Take the activation off the output layer, or keep the output layer's results small enough that it does not "
        "round to an end.")
    if e.flat:  # (W60 walkthrough: a Hardtanh head's outputs clipped at inputs of about 2 were told 'grow very
        # large, most often from steps too large: lower the learning rate')
        return (f"{first} {e.where[0].upper()}{e.where[1:]} is flat beyond its ends, so any result of the output "
                "layer past them gives an end and passes no gradient back: a bounded output whose slope never "
                "reaches 0 (Tanh, Sigmoid) keeps a gradient for such points, and a linear output has no ends at "
                "all.").strip()
    return (f"{first} Outputs round to an end when the output layer's results grow very large, most often from "
            "steps too large: lower the learning rate, and restart from weights from before they grew (an output "
            "stuck there gets no gradient to bring it back).").strip()


def _with_at_end(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """Outputs stuck at an end of a bounded output's range (RunSummary.output_at_end) on AT_END_SAID of the outputs
    or more, fewer than the OUTPUT_STUCK_FRACTION that leads: said right after the status, with the remedy."""
    e = s.output_at_end
    if e is None or not findings or not AT_END_SAID <= e.share < OUTPUT_STUCK_FRACTION or \
            "output_at_end_share" in findings[0].evidence:
        return findings
    first = findings[0]
    beyond = "output_beyond_share" in first.evidence  # the head's targets beyond its range lead: this after them
    words = f"{first.words}; and {at_end_words(e)}" if beyond else \
        lead(first.words, at_end_words(e), but=first.status == Status.HEALTHY)
    return [dataclasses.replace(first, words=words, remedy=f"{first.remedy} {at_end_remedy(e, beyond)}".strip(),
                                evidence={**first.evidence, "output_at_end_share": e.share}), *findings[1:]]


def _with_broadcast(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A loss that broadcast the model's outputs against targets of another shape (RunSummary.loss_broadcast) leads
    the headline, whatever it is, and the remedy: it compares every output with every target, so no model can fit
    the targets; torch's own warning ('Using a target size ... different to the input size') is easy to miss."""
    shape = s.loss_broadcast
    if shape is None or not findings or "loss_broadcast" in findings[0].evidence:
        return findings
    first = findings[0]
    dims = ", ".join(str(v) for v in shape) + ("," if len(shape) == 1 else "")
    pairs = (f" (a ({shape[0]},) target against ({shape[0]}, 1) outputs makes {shape[0]} x {shape[0]} pairs)"
             if len(shape) == 2 and shape[1] == 1 else "")
    said = (f"the loss broadcasts the model's outputs, of shape ({dims}), against targets of another shape: it "
            f"compares every output with every target{pairs}, so the model can learn no more than the targets' mean")
    remedy = ("Give the targets the outputs' shape before the loss (y.view_as(out), or out.squeeze(-1) against a "
              "target of shape (N,)): torch's warning 'Using a target size that is different to the input size' "
              "says the same.")
    return [dataclasses.replace(first, words=lead(first.words, said, but=first.status == Status.HEALTHY),
                                remedy=f"{remedy} {first.remedy}".strip(),
                                evidence={**first.evidence, "loss_broadcast": list(shape)}), *findings[1:]]


def _with_unzeroed(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """Gradients never zeroed between optimiser steps (RunSummary.gradients_unzeroed) lead the headline, whatever it
    is, and the remedy: every update steps with the sum of all the gradients so far, which no learning rate, activation
    or initialisation can mend (W56 walkthrough: SGD with momentum and no zero_grad() read 'dying layer ... Lower the
    learning rate', then 'dead layer ... Use Leaky ReLU or GELU', while its loss went from 2.17 to 155)."""
    step = s.gradients_unzeroed
    if step is None or not findings or "gradients_unzeroed" in findings[0].evidence:
        return findings
    first = findings[0]
    # an adaptive optimiser (Adam) divides each update by the gradients' own running size: the sum steers the updates,
    # it does not grow them (W77 walkthrough finding 5: 'and grows with it' of Adam, whose run reached 99.9% accuracy)
    grows = ("follows the sum of the gradients since the run began: Adam and its kin keep each update's size, but its "
             "direction leans more and more on the old gradients" if s.optimiser_adaptive else
             "steps with the sum of the gradients since the run began, and grows with it")
    said = (f"the gradients are never zeroed: after the optimiser's step at training step {step:,} (and the sampled "
            "one before it), the next backward added its gradient to the one already in .grad, so every update "
            + grows)
    words = lead(first.words, said, but=first.status == Status.HEALTHY)  # not at the end of a long line
    remedy = ("Call opt.zero_grad() once per optimiser step (after opt.step(), or before loss.backward()); where "
              "gradients are accumulated over micro-batches on purpose, zero them after each optimiser step. "
              # a run that learned all the same keeps its weights: the fix is for the steps from here
              + ("The run learned all the same: the fix makes each update follow its own batch's gradient from here."
                 if first.status == Status.HEALTHY else
                 f"The updates so far followed those sums: {s.restart}."))
    return [dataclasses.replace(first, words=words, remedy=remedy,
                                evidence={**first.evidence, "gradients_unzeroed": step}), *findings[1:]]


# the weights' size fallen this many times from its largest, in a run that is not learning or fails, is the cause
# read first: something pulls them to 0 harder than the gradient pushes (W53 walkthrough finding 2: AdamW with
# weight_decay=50 took the size from 11.4 to 0.0003 by step 1,001 and read 'starting', then 'dead layer', then
# 'exploding activations' from stds near 1e-18 with 'add weight decay'; SGD with weight_decay=5, 'no gradient' with
# 'Lower the learning rate'). Healthy runs here kept it within 2 times (AdamW at weight_decay 0.05: 11.4 to 17.6)
WEIGHTS_SHRUNK = 10.0
# the findings a shrinking of the weights can be behind (a divergence, inputs off scale and a held-out rise are not)
_SHRINK_CAUSES = frozenset({Status.NO_GRADIENT, Status.OUTPUT_SATURATED, Status.DEAD_LAYER, Status.EXPLODING,
                            Status.OSCILLATING, Status.VANISHING, Status.NOT_LEARNING, Status.STARTING})


_PULL = ("so something pulls them toward 0 harder than the loss's gradient pushes them: weight decay set too large "
         "does this (an optimiser's weight_decay, or an L2 penalty added to the loss)")


def shrunk(s: RunSummary) -> str | None:
    """The words for weights whose size fell WEIGHTS_SHRUNK times or more from its largest, or half or more of whose
    matrices each fell 5 times or more (RunSummary.weights_shrunk_each), or None."""
    high, now = s.weights_size_high, s.weights_size_now
    if high is None or now is None or now[0] <= high[0] or not high[1] > 0 or not math.isfinite(now[1]) \
            or now[1] * WEIGHTS_SHRUNK > high[1]:
        return _shrunk_each(s)
    times = high[1] / now[1] if now[1] > 0 else math.inf
    times = f"{times:.0f}" if times < 1000 else sci(times)
    by = (f"to 0 at training step {now[0]:,}" if now[1] == 0 else
          f"to {now[1]:.3g} at training step {now[0]:,}, {times} times smaller")
    return (f"the weights have shrunk: the size of the trained weight matrices (the root of their squares' sum) fell "
            f"from {high[1]:.3g} at training step {high[0]:,} {by}, {_PULL}")


def _shrunk_each(s: RunSummary) -> str | None:
    """shrunk()'s words where half or more of the matrices each fell 5 times or more while their size together fell
    less (held up by matrices that did not shrink: embeddings left out of the decay, W84 walkthrough finding 1)."""
    each = s.weights_shrunk_each
    if each is None:
        return None
    count, total, (name, (high_step, high), (now_step, now)), held = each
    together = ""
    if s.weights_size_high is not None and s.weights_size_now is not None:
        together = (f"; the size of them all together fell less, from {s.weights_size_high[1]:.3g} to "
                    f"{s.weights_size_now[1]:.3g}" + (f", held up by {_listed_names(held)}, which did not shrink"
                                                      if held else ""))
    return (f"the weights have shrunk: {count} of the {total} trained weight matrices are each 5 times smaller or more "
            f"than at their largest (the most, '{name}.weight', from {high:.3g} at training step {high_step:,} to "
            f"{now:.3g} at training step {now_step:,}, {times(high / now)} times smaller){together}: {_PULL}")


def _listed_names(names: tuple[str, ...]) -> str:
    """Weight names in words: "'tok.weight' and 'pos.weight'", the first four and how many more."""
    said = [f"'{n}.weight'" for n in names[:4]] + ([f"{len(names) - 4} more"] if len(names) > 4 else [])
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"


def _with_shrink(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A run that is not learning or fails while its weights shrank (shrunk): the headline says so, and its remedy
    leads with the weight decay. A run still 'starting' reads not learning: its weights are being pulled to 0."""
    if not findings or findings[0].status not in _SHRINK_CAUSES or "weights_size_high" in findings[0].evidence:
        return findings  # (said already: with_causes may be applied again)
    found = shrunk(s)
    if found is None:
        return findings
    first = findings[0]
    remedy = ("Lower the weight decay (the optimiser's weight_decay: with AdamW, 0.01 to 0.1 is usual, with SGD 1e-4 "
              "to 5e-4; or the coefficient of an L2 penalty in the loss): the decay takes a share of every weight on "
              f"every update, and a gradient this small cannot make up for it; then {s.restart}.")
    evidence = {**first.evidence, "weights_size_high": list(s.weights_size_high or ()),
                "weights_size_now": list(s.weights_size_now or ()),
                **({"weights_shrunk_each": s.weights_shrunk_each[:2]} if s.weights_shrunk_each else {})}
    if first.status == Status.STARTING:
        said = Finding(Status.NOT_LEARNING, f"not learning: {found}{_loss_text(s)}", remedy, evidence)
    else:
        said = dataclasses.replace(first, words=f"{first.words}; {found}", remedy=remedy, evidence=evidence)
    return [said, *findings[1:]]


# the median of the gradients' ratio at the optimiser's step to their size after backward, at or below which a run that
# is not learning is read as clipped to a standstill (W53 walkthrough finding 7: SGD at lr 0.1 with clip_grad_norm_'s
# max_norm=1e-4 cut the gradients' norm from about 1 to 1e-4 on every step and read 'not learning ... raise the learning
# rate'). Clipping meant for spikes cuts a step now and then, and far less: its median stays near 1
GRADIENT_CUT = 0.01


def _with_cut(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A run not learning (or still 'starting') whose gradients reach the optimiser cut to GRADIENT_CUT of their size
    or less, on the median sampled step: the headline says the cut, and the remedy leads with the clipping limit. A
    run still 'starting' reads not learning: its updates are a hundredth of their size or less (W55 walkthrough: SGD
    with max_norm 1e-4 read 'starting' for 400 steps, the cut said at the end of a 725-character headline); a
    healthy one stays so, the cut said and its remedy saying how it would learn faster (W54 walkthrough: SGD with
    momentum and max_norm 1e-3 on gradients of norm 0.66 read 'healthy ... 23% below chance' with nothing on the
    clip). Weights that shrank (_with_shrink) keep that headline: a weight decay too large is said first."""
    cut = s.gradient_cut
    if (cut is None or not cut[1] <= GRADIENT_CUT or not findings or shrunk(s) is not None
            or "gradient_cut" in findings[0].evidence
            or findings[0].status not in (Status.NOT_LEARNING, Status.STARTING, Status.HEALTHY)):
        return findings
    step, ratio, before, after, seen = cut
    times = f"{1 / ratio:,.0f}" if ratio > 0 else "infinitely many"
    said = (f"the gradients reach the optimiser cut to {sci(ratio)} of their size (the median over the latest {seen} "
            f"sampled steps; on training step {step:,} backward gave them a norm of {before:.3g}, and the optimiser "
            f"stepped with {after:.3g}), so every update is {times} times smaller than the learning rate makes it: "
            "clipping with a limit far below the gradients' norm does this (clip_grad_norm_'s max_norm, "
            "clip_grad_value_'s clip_value)")
    loop = s.loop_exploded
    if loop is not None:  # the gradients are large because a loop grew them: the clip holds the run, and the
        # recurrence is what to change (W89 walkthrough finding 1: a ReLU recurrence at 1.15 I, clipped at 1, was
        # told to raise the limit toward 8.73e3; at 1e4 it went NaN at step 2)
        weight, grew = _loop_grew(loop)
        said += f"; at training step {loop[1]:,} {grew} (exploding through time), which is what makes them this large"
    first = findings[0]
    # a loss far above chance and come down to half its first or less is learning, however slowly: 'starting', not
    # 'not learning' (W89 walkthrough finding 1: 838 to 65 over 60 steps, clipped to 1e-4 of the gradients' size)
    falling = (first.status == Status.STARTING and s.first_loss is not None and s.first_loss[1] > 0
               and s.loss is not None and s.loss <= s.first_loss[1] / 2)
    words = (f"{first.words}; it learns, but {said}" if first.status == Status.HEALTHY or falling else
             f"not learning: {said}{_loss_text(s)}")
    # a few times at a time, and not 'or drop the clipping' (W73 walkthrough finding 4: a ReLU RNN whose gradient
    # grew through time, cut from 154 to 1, went NaN at step 2 unclipped and to a loss of 2.85e14 clipped at 154)
    remedy = ("To learn faster: r" if first.status == Status.HEALTHY else "R") + (
        f"aise the clipping limit toward the gradients' usual norm ({before:.3g} on step {step:,}) a few times at a "
        "time, watching the loss: clipping is for the rare step whose gradient spikes, and one that cuts every step "
        f"works as a learning rate {times} times smaller than the one set. If the loss blows up as the limit rises, "
        "the gradients themselves are too large (grown through the layers, or through time in a recurrent loop): "
        "keep the clipping and lower the learning rate instead.")
    if loop is not None:
        remedy = (f"Keep the clipping, which holds the run while the loop grows the gradient, and make the recurrence "
                  f"shrink what it carries: initialise {weight} so that its largest singular value is at most 1 "
                  "(torch.nn.init.orthogonal_ makes every one 1; or scale it down), or use a gated cell (nn.LSTM, "
                  f"nn.GRU); then {s.restart}. Raise the limit only once the gradients' norm after backward has come "
                  "down toward it.")
    evidence = {**first.evidence, "gradient_cut": list(cut)}
    status = first.status if first.status == Status.HEALTHY or falling else Status.NOT_LEARNING
    return [Finding(status, words, remedy, evidence), *findings[1:]]


_ALIKE_REMEDY = ("Check what reaches the model, not the model: print x.abs().max() and x.std(0).max() of a batch as "
                 "the loop gets it. A transform that zeroes the data (a mask, a normalisation by an infinite or huge "
                 "std), the wrong tensor passed to the model (a buffer never filled), or a batch made of one sample "
                 "repeated does this; the activations, the learning rate and the initialisation are not the cause.")


def with_alike_inputs(reading: Reading, s: RunSummary) -> Reading:
    """A reading whose latest sampled batches' samples all reached the first weighted module alike (inputs_alike):
    the headline says so, as the cause of whatever else is found (which follows it), and the remedy sends the reader to
    the data. A divergence keeps its headline: its NaN is the first thing to find. Called by a face once its findings
    are all in (a monitor adds some after diagnose)."""
    alike = s.inputs_alike
    if alike is None or not reading.findings or reading.status == Status.DIVERGED:
        return reading
    module, since, batches, zero, varies = alike
    if varies:  # one sample repeated, another each batch: the run learns from one sample a step (W55 walkthrough: it
        # read 'can learn no more than how often each target comes' beside a loss 68% below chance)
        said = (f"every batch is one sample repeated: all of the latest {batches} sampled batches reached the first "
                f"weighted module, {module}, as copies of one sample, another each batch (since training step "
                f"{since:,}), so each step learns from one sample at the cost of a whole batch, a batch norm sees "
                "no spread between samples, and the unit counts here are of one sample a batch (a unit off for it "
                "counts as off)")
        head = reading.findings[0]
        if reading.status in (Status.HEALTHY, Status.WEIGHTS_STILL):  # said right after the status
            return Reading((dataclasses.replace(head, words=lead(head.words, said),
                                                remedy=head.remedy or _ALIKE_REMEDY),
                            *reading.findings[1:]), reading.ratios)
        words = f"not learning: {said}{_loss_text(s)}"
        return Reading((Finding(Status.NOT_LEARNING, words, _ALIKE_REMEDY, {"inputs_alike": list(alike)}),
                        *(f for f in reading.findings if f.status != Status.HEALTHY)), reading.ratios)
    values = "all 0" if zero else "the same values"
    words = (f"not learning: the inputs do not tell the samples apart: every sample of the latest {batches} sampled "
             f"batches reached the first weighted module, {module}, {'with its inputs ' if zero else 'with '}{values} "
             f"(since training step {since:,}), so the model can learn no more than how often each target comes, and "
             f"what else is read here follows from that{_loss_text(s)}")
    head = Finding(Status.NOT_LEARNING, words, _ALIKE_REMEDY, {"inputs_alike": list(alike)})
    return Reading((head, *(f for f in reading.findings if f.status != Status.HEALTHY)), reading.ratios)


# gradient findings that targets far from the outputs' scale can cause: the weights grow to reach them and push units
# to the flat ends of their activations (W40 walkthrough: a tanh regression on targets of mean 1,000 read 'vanishing'
# from step 71 with 'Try ReLU, GELU or SiLU instead of tanh'; with the targets standardised, the same model had no
# saturated unit and a ratio of 0.1-0.3)
_FAR_START_CAUSES = frozenset({Status.VANISHING, Status.OUTPUT_SATURATED, Status.EXPLODING, Status.DEAD_LAYER,
                               Status.NO_GRADIENT})


def _with_far_start(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A gradient headline of a run that began far above chance (reading_loss.started_far) and is still above it says
    that start, and its remedy leads with the targets' scale."""
    if not findings or findings[0].status not in _FAR_START_CAUSES or s.loss is None or not s.chance_loss or \
            "output_at_end_share" in findings[0].evidence:  # (outputs stuck at the ends of a bounded range: the
        # loss's size comes from them, not from targets far from the outputs' scale)
        return findings
    far = started_far(s)
    if far is None or s.loss <= (1 + MOVED_FRACTION) * s.chance_loss:
        return findings
    first = findings[0]
    regression = not s.loss_summed and s.loss_kind != "classification"  # (a sum, or logits: not the targets' scale)
    # (said once: a not-learning finding joined to the headline says the start already; W72 walkthrough finding 5:
    # a Tanh regression on targets of mean 500 said 'the first loss, 2.47e+05 ... was already 79 times chance' twice)
    words = (first.words if far in first.words else f"{first.words}; {far}") + (
        "; to reach targets this far the weights grow, which can push units to the flat ends of their activations, so "
        "the targets' scale may be the cause" if regression else "")
    once = "once the targets are at the network's scale" if regression else "once the logits start near 0"
    # (a loop that grows what it carries made the start: its remedy is the start's; W74 walkthrough finding 5)
    remedy = (first.remedy if "calls_explode" in first.evidence and not s.loss_summed else
              f"{first.remedy} {started_far_remedy(s)}".strip() if s.loss_summed else
              # (a chance that does not fit the loss is no cause of the headline: said after its remedy)
              started_far_remedy(s) + (f" If it stays {once}: {first.remedy}" if first.remedy else ""))
    return [dataclasses.replace(first, words=words, remedy=remedy,
                                evidence={**first.evidence, "first_loss": s.first_loss[1]}), *findings[1:]]


def _with_spike(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A loss that jumped above those before it (reading_loss.spike), said in the headline for as long as
    the judged mean holds it, and its remedy where the headline has none (W32 walkthrough: lr 5 on one update, a loss
    of 10.4 at the sampled step 201, 4.5 times chance, read 'healthy' and nothing more). Not beside a divergence or a
    blow-up, whose words name the loss already."""
    found = spike(s)
    if found is None or s.chance_loss is None or not findings or findings[0].status == Status.DIVERGED:
        return _with_rise(findings, s)
    first = findings[0]
    said = dataclasses.replace(first, words=f"{first.words}; {found.words(s.chance_loss)}",
                               remedy=first.remedy or spike_remedy(s),
                               evidence={**first.evidence, "spike_step": found.step, "spike_loss": found.loss})
    return [said, *findings[1:]]


def _with_rise(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A judged mean risen from the run's low beyond its noise (reading_loss.rise), said in the headline of a reading
    that says nothing of it (healthy, or a gradient finding), with its remedy where the headline has none. Not beside
    a divergence or a loss reading, whose words name the loss already. After a blow-up it is said too, with the
    blow-up where the headline does not recall it (W51 walkthrough: after one head's blow-up the mean went from 0.391
    to 1.07 and stayed near 0.76, 2.7 times the run's low, and 795 readings said 'healthy ... 68% below chance' and no
    more)."""
    if not findings or s.chance_loss is None:
        return findings
    first = findings[0]
    if (first.status in (Status.DIVERGED, Status.NOT_LEARNING, Status.STARTING)
            or first.words.startswith(UNLEARNED)):  # (a headline led by the loss lost says the rise: W40)
        return findings
    found = rise(s)
    if found is None:
        return findings
    if s.blown_up is not None and "blew up" not in first.words:
        step, loss = blown_start(s)
        found += f", after the loss blew up to {loss:.3g} at training step {step:,}"
    said = dataclasses.replace(first, words=f"{first.words}; {found}", remedy=first.remedy or rise_remedy(s),
                               evidence={**first.evidence, "risen_from": s.lowest_judged_loss, "risen_to": s.loss})
    return [said, *findings[1:]]


# what a loss that blew up earlier in the run leaves behind: units pushed off (dead, saturated) and no gradient
_AFTER_BLOW_UP = (Status.NO_GRADIENT, Status.DEAD_LAYER, Status.OUTPUT_SATURATED, Status.VANISHING)


def _blow_up_words(s: RunSummary) -> tuple[str, str]:
    """The run's blow-up (RunSummary.blown_up) in words, and the start of a remedy that leads with it."""
    step, loss = blown_start(s)
    blew = f"the loss blew up to {loss:.3g} at training step {step:,}"
    # a rate raised before it, named by the remedy's sentence on the rate (rate_around) with the rate to go back to:
    # no tenth of the raised one beside it (W76 walkthrough: 'go back to 0.05' and 'a tenth, 5' in one remedy)
    if "the likeliest cause" in rate_around(s, s.blown_from or s.blown_up[0]):
        back = rate_restored(s)  # (put back since the raise: kept there, not lowered, W99 walkthrough finding 2)
        return blown_up_words(s), (f"Keep the learning rate at {back[0]:.3g}, where it is again: {blew}." if back
                                   else f"Lower the learning rate: {blew}.")
    # the rate of the update before the climb, where one parameter group's was read (W63 walkthrough finding 2: 'a
    # tenth is a good first try' with no word that the rate was 1), not the rate a schedule has moved to since
    rates = rate_before(s, step)
    if rates is None:
        tenth = "a tenth"
    elif math.isclose(rates[0], rates[1], rel_tol=1e-6):
        tenth = f"it is {rates[1]:.3g} now; a tenth, {rates[1] / 10:.3g},"
    else:
        tenth = (f"it was {rates[0]:.3g} at the optimiser's step before it, {rates[1]:.3g} now; a tenth of "
                 f"{rates[0]:.3g}, {rates[0] / 10:.3g},")
    return blown_up_words(s), f"Lower the learning rate ({tenth} is a good first try): {blew}."


def _back_from_blow_up(s: RunSummary, above: bool, evidence: dict) -> Finding:
    """A run whose loss blew up and came back, not below chance by the reading's measure: not 'starting' (W27: lr 1
    took the loss to 2.27e5 at step 17 and back to 3.36 at step 18, which read 'starting: ... the loss is 2.4 times
    chance, above where a run begins ... whether it learns shows over the first 1,000 updates'). The weights are
    where the blow-up's steps left them, not where a run starts from."""
    blew, lead = _blow_up_words(s)
    now = f"it is {times(s.loss / s.chance_loss)} times chance" if above else "it is back near chance"
    step = blown_checkpoint(s)  # the checkpoint comes before the climb's first step
    noise = within_noise(s)
    if noise:  # below chance by its mean, within its batches' noise of it: not 'back near chance' (W35 finding 1: lr
        # 3,000 on one update; at step 243, a mean of 0.49 against a chance of 1.39 read 'not learning: ... back near
        # chance', and the status went between that and 'healthy' five times over steps 213-400 as the run recovered)
        return Finding(Status.STARTING,
                       f"unsettled: {blew}, and since then the loss is {percent_below(s.loss, s.chance_loss)} below "
                       f"chance{_loss_text(s)}{noise}",
                       f"{lead} If it does not keep coming down, {s.restart} (one from before training step {step:,}).",
                       {**evidence, "blown_up_step": s.blown_up[0], "blown_up_loss": s.blown_up[1]})
    back_down = coming_back(s)
    if back_down is not None:  # learning again, the mean held up by the batches just after the blow-up (W32)
        return Finding(Status.STARTING,
                       f"unsettled: {blew}, and since then {now}{_loss_text(s)}, held up by the batches just after "
                       f"it: the latest {LOSS_BATCHES} are all {MOVED_FRACTION:.0%} or more below chance (at most "
                       f"{back_down:.3g}), so it is coming back down",
                       f"{lead} If it does not keep coming down, {s.restart} (one from before training step {step:,}).",
                       {**evidence, "blown_up_step": s.blown_up[0], "blown_up_loss": s.blown_up[1]})
    return Finding(Status.NOT_LEARNING,
                   f"not learning: {blew}, and since then {now}{_loss_text(s)}; a blow-up leaves the weights where "
                   "its large steps threw them, so this is no run starting near chance",
                   f"{lead} Then {s.restart} (one from before training step {step:,}).",
                   {**evidence, "blown_up_step": s.blown_up[0], "blown_up_loss": s.blown_up[1]})


def _recall_blow_up(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """W26 finding 3: SGD at lr 5 took a run's loss to 176,217 (127,000 times chance) at step 4 and back near chance,
    with a ReLU layer left dead; from then on it read 'no gradient ... every unit of module '3' is dead', its remedy
    leading with Leaky ReLU, and nothing recalled the blow-up that killed the layer. The most serious of those findings
    now says it and its remedy leads with the learning rate (the other findings keep their words)."""
    if s.chance_loss is None and s.loss_scale_chance is not None and s.blown_up is not None:
        # a chance_loss the loss is not judged against (targets far from balanced, a loss of another scale): the
        # blow-up is still the run's own, said against the chance_loss given (W76 walkthrough finding 1)
        s = dataclasses.replace(s, chance_loss=s.loss_scale_chance)
    if s.blown_up is None or any(f.status == Status.DIVERGED for f in findings) or s.chance_loss is None:
        return findings
    first = next((f for f in findings if f.status in _AFTER_BLOW_UP), None)
    if first is not None and "blew up" in first.words:  # said already (the Monitor asks again once a dying layer
        # joins the findings)
        return findings
    why = ", which is how units are usually pushed there"
    if first is None:  # a loss not coming down after a blow-up: said beside it, unless its words already say it;
        # and beside a loss not judged against chance (a chance_loss that does not fit it): the blow-up is the run's
        # own, from its own level (W76 walkthrough finding 1: a loss from 0.77 to 1.78e36 under targets far from
        # balanced read 'flowing ... the loss is not judged', the blow-up said nowhere)
        first, why = next((f for f in findings if "blew up" not in f.words and (
            f.status == Status.NOT_LEARNING or f.status == Status.FLOWING and "the loss is not judged" in f.words)),
            None), ""
    if first is None:
        return findings
    blew, lead = _blow_up_words(s)
    step, loss = s.blown_up
    # the learning rate said once: the lead asks for it, so off_remedy's closing reason for it goes (W28: 'Lower the
    # learning rate (...): the loss blew up ... Use Leaky ReLU ...; a smaller learning rate keeps units from being
    # pushed there; then restart')
    remedy = f"{lead} {first.remedy.replace('; ' + SMALLER_LR_KEEPS, '')}".rstrip()
    if first.remedy.startswith("Lower the learning rate ("):  # one lead, not two (a dying layer's remedy has its own)
        at, went = blown_start(s)
        # (no tenth of a rate raised before the blow-up, whose rate to go back to the rate's words give: W106
        # walkthrough finding 6, 'go back to 0.05' then 'a tenth is a good first try' of a rate raised to 5)
        tenth = ("" if "the likeliest cause" in rate_around(s, s.blown_from or s.blown_up[0]) else
                 "a tenth is a good first try; ")
        remedy = first.remedy.replace("Lower the learning rate (", f"Lower the learning rate ({tenth}the loss blew up "
                                      f"to {went:.3g} at training step {at:,}; ", 1)
    said = dataclasses.replace(
        first, words=f"{first.words}; earlier, {blew}{why}", remedy=remedy,
        evidence={**first.evidence, "blown_up_step": step, "blown_up_loss": loss})
    return [said if f is first else f for f in findings]


# every weight's gradient exactly 0 on this many latest sampled batches in a row is the run's zero, not one batch's
# (RunSummary.zero_gradient_batches): where half the batches give a zero, ten in a row come by chance about one time in
# a thousand
ZERO_GRADIENT_RUN = 10


def _no_gradient(s: RunSummary) -> Finding | None:
    norms = _norms(s)
    # NaN fails both tests: a non-finite gradient is the diverged finding
    if not norms or not all(g == 0 or _below_floor(g, s) for g in norms):
        return None
    if s.output_at_end is not None and s.output_at_end.share >= AT_END_SAID:  # outputs stuck at the ends of the
        # output's range are why (W58 walkthrough finding 6: a sigmoid rounded to 0 and 1 under BCELoss read 'no
        # gradient ... the weights may still get a gradient on other batches'): _output_saturated says it
        return None
    exact = all(g == 0 for g in norms)
    learned = _has_moved(s)
    off = _off_layers(s)
    stuck = (s.output_stuck_fraction or 0) > 0
    fit = learned and s.loss is not None and s.chance_loss and s.loss <= FIT_FRACTION * s.chance_loss
    if fit and not off and not stuck:
        # W16: xor learned to a loss of 0 (accuracy 100%, lr raised to 10 after it learned) read 'no gradient ... it
        # fits the training data' as a failure, with 'lower the learning rate and reset': a perfect fit is done
        size = "exactly 0" if exact else "0 up to round-off"
        return Finding(Status.HEALTHY, f"learned: the network fits the training data, so every weight's gradient "
                       f"is {size} and no update changes it any more{_loss_text(s)}", "",
                       {"grad_norms": norms, "loss": s.loss, "chance_loss": s.chance_loss,
                        "grad_floor": floor_of(s)})
    names = layers_in_words([s.name(i - 1) for i in off])
    living = [i for i in off if s.layers[i - 1].dead < s.layers[i - 1].width]
    # the run's zero, not one batch's, and not one that gradients broke within the window
    lasting = s.zero_gradient_batches >= ZERO_GRADIENT_RUN and not s.zero_gradient_leaked
    if s.gradients_of and not stuck and not fit and not lasting:
        if s.dying:  # the face's dying-layer finding says this batch (W33: not a second status that comes and goes
            # with the batches sampled)
            return None
        if living or not off:
            return _no_gradient_on_batch(s, norms, off, living, exact)
    why = (", because the output is saturated" if stuck else
           f": every unit of {names} is {_off_word(s, off)}, so nothing passes back through "
           f"{'it' if len(off) == 1 else 'them'}" if off else "")
    # no gradient to learn from, which is not 'no weight moves': an optimiser's momentum or weight decay moves the
    # weights on for a while (W38 walkthrough: under Adam, units of a layer read all dead were on again 30 steps later)
    tail = ("; the loss had come down below chance, and no weight matrix gets a gradient to learn from any more"
            if learned else "; no weight matrix gets a gradient to learn from")
    unread = s.dead_unsampled if not lasting else (  # read on the sampled batches only (W40 walkthrough: one unit
        # fired on 8 of the unsampled steps, its weights getting a gradient there)
        s.steps - s.zero_gradient_from + 1 - s.zero_gradient_batches
        if s.steps is not None and s.zero_gradient_from is not None else 0)
    if off and unread > 0:
        tail += (f" on the sampled batches ({unread:,} training steps between them were not read: a unit that fires "
                 "on one of them gives its weights a little gradient)")
    size = "exactly 0" if exact else f"0 or round-off (every norm below {sci(floor_of(s))})"
    # the weight matrices read, by name: the biases are not, and an output bias may still get a gradient
    hidden = [s.weights_name(i) for i in range(len(s.layers))] + list(s.unseen_weights)
    grouped = layers_in_words(hidden) if len(hidden) > 1 else ""
    which = (f"{grouped} and {s.output_name}" if grouped.startswith("layers ") else
             names_in_order([*hidden, s.output_name]))
    size += f" (the weight matrices of {which}; biases are not read)"
    if lasting and s.zero_gradient_from is not None:
        size += (f", on each of the last {s.zero_gradient_batches:,} sampled batches (from training step "
                 f"{s.zero_gradient_from:,})")
    return Finding(Status.NO_GRADIENT, f"no gradient: every weight's gradient is {size}{why}{tail}"
                   f"{_loss_text(s)}", no_gradient_remedy(s, stuck, off),
                   {"grad_norms": norms, "loss": s.loss, "chance_loss": s.chance_loss, "off_layers": off,
                    "grad_floor": floor_of(s)})


def _no_gradient_on_batch(s: RunSummary, norms: list[float], off: list[int], living: list[int],
                          exact: bool) -> Finding:
    """Every weight gradient of one sampled batch exactly 0 because every unit of a layer was off on it, where some of
    those units are not dead over the window (on in one of the last sampled batches): the batch's, not the run's for
    good (W33 walkthrough: SGD at lr 0.12 with momentum left module '3' nearly dead; steps 312, 462, 562 read 'no
    gradient ... no learning rate moves a weight again' from one batch of 32, and 412 and 512 'dying layer', while 135
    of the 300 steps after 300 had nonzero weight gradients and 11 of the units were on at some step). A dying layer's
    finding, where there is one, takes this batch in (diagnose)."""
    size = "exactly 0" if exact else f"0 or round-off (every norm below {sci(floor_of(s))})"
    if not off:  # no layer whose every unit was off on it, by the counts: the batch's zero is all that is known
        return Finding(Status.NO_GRADIENT, f"no gradient on {s.gradients_of}: every weight's gradient is {size} "
                       "on it, and no watched layer's units are all dead over the last sampled batches, so the "
                       f"weights may still get a gradient on other batches{_loss_text(s)}",
                       "Look at what makes the loss independent of the weights on such a batch (every unit of a "
                       "layer off on it, a loss that is constant there, a detached tensor); if it recurs, sample "
                       "every step (every=1) to see how often.",
                       {"grad_norms": norms, "loss": s.loss, "chance_loss": s.chance_loss, "batch_only": True})
    names = layers_in_words([s.name(i - 1) for i in off])
    counts = "; ".join(f"{s.layers[i - 1].dead} of the {s.layers[i - 1].width} units of {s.name(i - 1)} are dead "
                       f"({s.dead_over})" if s.layers[i - 1].dead else
                       f"none of the {s.layers[i - 1].width} units of {s.name(i - 1)} is dead over the last sampled "
                       "batches" for i in living)
    one = len(off) == 1
    # 'off' only of rectifiers, whose flat part is exactly 0: a Hardswish or Softplus unit is flat there, its slope
    # under 1% of its largest (W73 walkthrough finding 7: 'every unit of module '5' (Hardswish) ... was off' of units
    # none of which had a slope of 0 on every point)
    flat = "off" if all(s.layers[i - 1].activation in ZERO_RECTIFIERS for i in off) else \
        "on a flat part (a slope of 0, or under 1% of its largest)"
    # and how long it has held, where it held on the sampled batches before (W73: 150 steps, every sampled batch's
    # gradient under 1.4e-12, read as one batch's)
    runs, since = max((s.zero_gradient_batches, s.zero_gradient_from), (s.tiny_gradient_batches, s.tiny_gradient_from),
                      key=lambda r: r[0])
    held = (f", as on each of the last {runs:,} sampled batches (from training step {since:,})"
            if runs >= 2 and since is not None else "")
    words = (f"no gradient on {s.gradients_of}: every unit of {names} was {flat} on that batch, so nothing passed "
             f"back through {'it' if one else 'them'} and every weight's gradient is {size} on it{held}; not known "
             f"to be for good: {counts}, so the weights may still get a gradient on batches that turn "
             f"{'the others' if any(s.layers[i - 1].dead for i in living) else 'them'} on{_loss_text(s)}")
    return Finding(Status.NO_GRADIENT, words, f"{off_remedy(s, off)}; then {s.restart}.",
                   {"grad_norms": norms, "loss": s.loss, "chance_loss": s.chance_loss, "off_layers": off,
                    "batch_only": True})


# what a saturated unit is, as the words say it (instruments.saturated_mask, the monitor's _Counting): either rule
# counts; the second alone takes a sigmoid whose mean output is 0.996, its mean f' 1.6% of its peak (W74 walkthrough
# finding 2: the words gave the first rule only, where units of 1% to 3.6% were counted)
# (the distance of each output to its nearest level, averaged: not the mean output's, W91 walkthrough finding 1)
SATURATED_RULE = ("a mean |f'| under 1% of its peak, or outputs nearer a level it flattens at than 1% of half its "
                  "range, on average")


_STANDARDISE = ("Standardise each input column to mean 0 and variance 1 before training (subtract its mean, divide by "
                "its standard deviation):")
# where a script's inputs are standardised: a normalisation after the first layer rescales that layer's outputs, not
# the input columns against one another (W58 walkthrough finding 5), so only one on the inputs themselves serves
_IN_A_SCRIPT = ("in the data pipeline, with the training set's mean and standard deviation applied to every batch "
                "(torchvision's Normalize for images), or with a normalisation of the inputs themselves before the "
                "first layer (BatchNorm1d before a Linear one, BatchNorm2d before a Conv2d one).")


def _unscaled(s: RunSummary) -> Finding | None:
    """Inputs past UNSCALED_INPUT_RMS; or past SCALED_INPUT_RMS where half or more of the first layer's units (acting
    on the first weighted module's output, as input_rms is read) are saturated. W74 walkthrough finding 10: inputs
    offset by 60 (root mean square 60) held 59 of a first Tanh layer's 64 units in its tails, and the reading said
    only '60 of 128 hidden units are saturated', with no remedy, at 53% accuracy where standardised ones reached 90%."""
    rms = s.input_rms
    if rms is None or not math.isfinite(rms) or s.input_normalised or rms <= SCALED_INPUT_RMS:
        return None
    held = _mostly_saturated(s)
    first = held[0] == 0 if held else False
    # or half or more of the first layer's units dead (W105 walkthrough finding 1: raw pixels, root mean square 77, into
    # a CNN with no normalisation killed every unit of its first ReLU layer on 3 seeds of 3, and the reading blamed the
    # learning rate and the initialisation, the inputs said once in passing; standardised, the same net reached 100%)
    dead = s.layers[0].dead if s.layers and rms <= UNSCALED_INPUT_RMS else 0
    died = bool(dead) and dead >= MOSTLY_DEAD * s.layers[0].width
    if rms <= UNSCALED_INPUT_RMS and not first and not died:
        return None
    # (past the RMS-100 line a model may have no hidden layer at all; under it, the first layer's count is the cause)
    saturated = _saturated_of(s.layers[0]) if rms <= UNSCALED_INPUT_RMS and first else 0
    # (a function that cannot saturate, ReLU's, is not said to: W105 walkthrough finding 14)
    flat = not s.layers or _saturates(s.layers[0])
    words = (f"unscaled inputs: their root mean square is {rms:.3g}, so the first layer's inputs to its activation "
             f"are huge ({'saturated, or enormous steps' if flat else 'enormous steps'})") if rms > UNSCALED_INPUT_RMS \
        else (
        f"unscaled inputs: their root mean square is {rms:.3g}, and {saturated} of the {s.layers[0].width} units of "
        f"{s.name(0)} are saturated ({SATURATED_RULE}), their inputs far out in the flat tails, "
        "where little gradient passes back") if first else (
        f"unscaled inputs: their root mean square is {rms:.3g}, and {dead} of the {s.layers[0].width} units of "
        f"{s.name(0)} are dead: the first layer's weight gradient grows with its inputs, so inputs this large make "
        "its steps that much larger than standardised ones would, and a step that large pushes a unit below 0 on "
        "every input for good")
    return Finding(Status.UNSCALED_INPUTS, words,
                   f"{_STANDARDISE} " + (
                       _IN_A_SCRIPT if can_offer(s, Lever.ARCHITECTURE) else
                       "in the CSV file itself for the lab and for `actlab train --csv`, which train on the columns "
                       "as they are; in the data pipeline for a script."),
                   {"input_rms": rms, "limit": UNSCALED_INPUT_RMS if rms > UNSCALED_INPUT_RMS else SCALED_INPUT_RMS,
                    **({"saturated_units": saturated} if rms <= UNSCALED_INPUT_RMS and first else {}),
                    **({"dead_units": dead} if rms <= UNSCALED_INPUT_RMS and not first else {})})


def _output_saturated(s: RunSummary) -> Finding | None:
    at_end, norms = s.output_at_end, _norms(s)
    none = bool(norms) and all(g == 0 or _below_floor(g, s) for g in norms)  # and no weight got a gradient
    # it leads where a quarter of the outputs are stuck, where no weight gets a gradient, or where the loss is above
    # chance (W59 walkthrough finding 7: 12% of a sigmoid's outputs wrong at exactly 0 or 1 under nn.BCELoss, the loss
    # 18 times chance after 500 updates, read 'starting ... so the reading waits'; BCELoss counts each such point 100)
    above = s.loss is not None and bool(s.chance_loss) and s.loss > s.chance_loss
    if at_end is not None and (at_end.share >= OUTPUT_STUCK_FRACTION or (none or above) and
                               at_end.share >= AT_END_SAID):
        # (no gradient at all from them: before the targets beyond the range)
        nothing = (f"; and every weight's gradient is {'exactly 0' if all(g == 0 for g in norms) else 'round-off'} "
                   f"on {s.gradients_of}, so nothing at all is learnt from it" if none else "")
        return Finding(Status.OUTPUT_SATURATED, f"output saturated: {at_end_words(at_end)}{nothing}",
                       at_end_remedy(at_end), {"output_at_end_share": at_end.share, "grad_norms": norms})
    beyond = s.output_beyond
    if beyond is not None and beyond.share >= OUTPUT_STUCK_FRACTION:
        return Finding(Status.OUTPUT_SATURATED, f"output saturated: {beyond_words(beyond)}", beyond_remedy(beyond),
                       {"output_beyond_share": beyond.share, "output_beyond_floor": beyond.floor})
    stuck = s.output_stuck_fraction
    if stuck is None or stuck < OUTPUT_STUCK_FRACTION:
        return None
    return Finding(Status.OUTPUT_SATURATED,
                   f"output saturated: on {stuck:.0%} of the training points the output is wrong and pinned "
                   "where its derivative is almost 0, so those points send almost no gradient back",
                   output_saturated_remedy(s), {"output_stuck_fraction": stuck})


def _zero_learning_rate(s: RunSummary) -> Finding | None:
    """The face's learning rate is 0: no update changes a weight (W15: `actlab train --lr 0` read 'not learning ...
    If the loss is flat, raise the learning rate', which named no cause; before 1,000 updates it read 'starting')."""
    if s.learning_rate != 0 or not s.steps or s.diverged_at_step is not None:
        return None
    # R11: a run that learned and was then stopped on purpose (Trainer.set_lr(0)) is no failure; a run at lr 0 from
    # its first update learned nothing, whatever its initial loss (W18: `actlab train --lr 0` on a ReLU net whose
    # random weights happened to sit 11% below chance read 'learned, and stopped')
    if _has_moved(s) and s.stepped_updates != 0:
        return Finding(Status.HEALTHY,
                       f"learned, and stopped: the learning rate is 0 now, so no update changes a weight and the loss "
                       f"stays where the training left it, {percent_below(s.loss, s.chance_loss)} below chance"
                       f"{_loss_text(s)}; set the learning rate above 0 to train on", "",
                       {"stopped_learning_rate": 0.0, "steps": s.steps, "loss": s.loss,
                        "chance_loss": s.chance_loss})
    return Finding(Status.NOT_LEARNING,
                   f"weights not changing: the learning rate is 0, so no update changes a weight and the loss cannot "
                   f"come down{_loss_text(s)}",
                   "Set the learning rate above 0: every optimiser's step is proportional to it, so a rate of 0 "
                   "leaves each weight where it is.",
                   {"learning_rate": 0.0, "steps": s.steps, "loss": s.loss, "chance_loss": s.chance_loss})


def _oscillating(s: RunSummary) -> Finding | None:
    """The last update carried most of the weights (by size, FLIP_SHARE) across 0: the weights swing from one side
    to the other on every update, and a loss read at either side says nothing of training that settles. Named where
    the regularisation's own step does it: L1 moves every weight by lr x rate, L2 multiplies it by 1 - lr x rate."""
    swing = s.weight_swing
    if swing is None or swing.flip_share <= FLIP_SHARE or s.diverged_at_step is not None:
        return None
    lr, rate = s.learning_rate, s.reg_rate
    step = lr * rate if lr is not None else math.nan
    cause, fix = "", ""
    if s.reg == "l1" and step >= swing.mean_size:
        cause = (f": the L1 term alone moves every weight by the learning rate times the L1 rate, {lr:g} × {rate:g} "
                 f"= {step:g}, on every update, more than the weights' mean size ({swing.mean_size:.3g})")
        fix = (f"lower the L1 rate so that the learning rate times it is well under the weights' mean size (under "
               f"{swing.mean_size / 10:.2g} here: a rate of {swing.mean_size / 10 / lr:.2g} or less at this learning "
               "rate)")
    elif s.reg == "l2" and step > 1:
        cause = (f": the L2 term alone multiplies every weight by 1 − {lr:g} × {rate:g} = {1 - step:g} on every "
                 "update, which is below 0")
        fix = f"lower the L2 rate so that the learning rate times it is well under 1 (under {0.1 / lr:.2g} here)"
    words = (f"oscillating: the last update carried weights holding {swing.flip_share:.0%} of the weights' size "
             f"across 0 and moved them by {sci(swing.step_ratio)} times their own size{cause}, so the weights swing "
             f"from one side to the other on every update instead of settling, and the loss read here is of one side "
             f"of the swing{_loss_text(s)}")
    # the regularisation's own step is the cause: a lower learning rate shrinks it by as much as it shrinks the data's
    # step, so it is named only where the regularisation is not the cause
    parts = [fix] if fix and can_offer(s, Lever.REGULARISATION) else []
    if not fix and offers_lower_lr(s):
        parts.append(lower_lr(s))
    remedy = "; or ".join(parts)
    remedy = f"{remedy[0].upper()}{remedy[1:]}; then {s.restart}." if remedy else ""
    return Finding(Status.OSCILLATING, words, remedy,
                   {"flip_share": swing.flip_share, "step_ratio": swing.step_ratio, "mean_size": swing.mean_size,
                    "reg": s.reg, "reg_rate": rate, "learning_rate": lr})


def _weights_still(s: RunSummary) -> Finding | None:
    """Trained weights that have not changed for WEIGHTS_STILL_STEPS updates or more although they get gradients: the
    optimiser does not step them. Read before the loss: such a run's flat loss is no call for a larger learning rate
    (W14: a loop with no opt.step() read 'not learning ... If the loss is flat, raise the learning rate'; with lr=0,
    'starting')."""
    since = s.weights_still_since
    if since is None or s.steps is None or s.steps - since < WEIGHTS_STILL_STEPS:
        return None
    floor = floor_of(s)
    # weights still in a network whose gradient vanishes (under VANISHING_RATIO of the output layer's somewhere): the
    # optimiser steps them by updates that round away in float32 (a 12-layer sigmoid stack at lr 0.05, gradient norms
    # of 2e-10; with the values compared every 50 steps, its whole stack, output layer included, kept its weights
    # from step 901 to 1,001, its largest gradient 5.1e-9), and 'is the optimiser stepping' would send the learner
    # the wrong way: the vanishing finding says why these weights do not move
    # (W17: a 10-layer sigmoid stack under the Monitor, whose weight ratios read 0.009 at the lowest while the signal
    # passed back read 1.9e-8, and '0.weight' kept its values at a gradient norm of 1.5e-9: the signal ratios count)
    # (weight gradients summed over unlike spans, RunSummary.summed_gradients, have no ratio to read)
    weights_vanish = not s.summed_gradients and any(
        math.isfinite(l.grad_norm) and grad_ratio(l.grad_norm, s.output_grad_norm) < VANISHING_RATIO for l in s.layers)
    if weights_vanish or any(l.signal_norm is not None and s.output_signal_norm is not None
                             and math.isfinite(l.signal_norm)
                             and grad_ratio(l.signal_norm, s.output_signal_norm) < VANISHING_RATIO
                             for l in s.layers):
        return None
    if s.still_weights:  # only some: those whose layer's weights got a gradient
        named = {f"'{n}.weight'" for n in s.still_weights}
        rows = [(l.weights, l.grad_norm) for l in s.layers] + [(s.output_weights, s.output_grad_norm),
                                                                  *s.still_unrowed]
        kept = [(w, g) for w, g in rows if w and w in named and math.isfinite(g) and g > floor]
        if not kept:
            return None
        got, grads = [w for w, _ in kept], [g for _, g in kept]
        which = (f"the weights {', '.join(got[:-1])} and {got[-1]} have" if len(got) > 1 else
                 f"the weight {got[0]} has")
        get = "get" if len(got) > 1 else "gets"
    else:
        grads = [g for g in _norms(s) if math.isfinite(g) and g > floor]
        if not grads:
            return None
        which, get = "the weights have", "get"
    updates = s.steps - since
    top, top_norm = max(kept, key=lambda r: r[1]) if s.still_weights else (None, None)
    summed = ", a sum over the steps since its .grad was last cleared" if top in _summed_names(s) else ""
    largest = (f"the largest weight gradient's norm is {sci(top_norm)}, at {top}{summed}" if s.still_weights else
               largest_grad(s, floor))  # (named weights: the largest of those it names)
    # W15 finding 6: 'since sampled step 11' read as if the weights had moved until then, where step 11 was only the
    # first step the monitor compared their values at (it reads them every tenth sampled step): the words say so
    # ('training steps', not 'updates': weights that have not changed had no update; W106 walkthrough finding 5, '(312
    # updates)' beside a note that no optimiser step of the watched weights was seen)
    span = (f"at any {step_name(s)} from the first to step {s.steps:,} ({updates:,} training steps)"
            if since <= s.weights_first_seen else
            f"from {numbered_step(s, since)} to step {s.steps:,} ({updates:,} training steps; their values are "
            f"compared exactly only every {WEIGHTS_READ_STEPS} training steps or so, so they may have stopped "
            f"changing some steps before step {since:,})")
    # R18: a body left out of the optimiser under a trained head, its loss 33% below chance, read not_learning: a loss
    # clearly below chance is no 'not learning'. Nor is it healthy (W54: status 'healthy' hid a body that never moved
    # from a script that gates on it): weights_still, no failure, and the words ask after the optimiser
    # the still weights of no row (a module no watched activation follows: an embedding, a projection), and the
    # other parameters nothing wrote
    rest = (*(f"{n}.weight" for n in s.still_weights if f"'{n}.weight'" not in got), *s.unwritten_params) \
        if s.still_weights else ()
    others = "" if not rest else (
        f"; nothing has written {len(rest)} other trained parameter{'s' if len(rest) > 1 else ''} either since the "
        "weights were first read (" + ", ".join(f"'{n}'" for n in rest[:6])
        + (f" and {len(rest) - 6} more" if len(rest) > 6 else "") + ")")
    moved = _has_moved(s)
    # every group's rate fallen under a thousandth of its highest, not to 0: the rate is why, said as such (W65
    # walkthrough finding 3: a StepLR stepped per batch read '(the weights that are stepped learn)' and 'If a
    # scheduler brought the learning rate to 0 (a cosine or linear decay ends there)', its rate 5e-21, every weight
    # in the optimiser)
    fallen = bool(rate_fallen(s)) and not all(series[3] and series[3][-1][1] == 0 for series in s.learning_rates)
    zero = None if s.still_weights else _rates_at_zero(s)
    learns = (f", while the loss is {percent_below(s.loss, s.chance_loss)} below chance "
              + ("(from the steps before the rate fell)" if fallen or zero else "(the weights that are stepped learn)")
              if moved else "")
    if zero is not None:  # the rates read say why: no question to ask (W85 walkthrough finding 10: Adam at lr 0 read
        # 'is its learning rate 0?' beside a log whose rates were 0 at every step)
        return Finding(Status.WEIGHTS_STILL if moved else Status.NOT_LEARNING,
                       f"weights not changing: {which} not changed {span} although they get gradients ({largest})"
                       f"{learns}: {_zero_rate_words(s, *zero)}{_loss_text(s)}",
                       "Set the learning rate above 0: every optimiser's step is proportional to it, so a rate of 0 "
                       "leaves each weight where it is." if zero[1] else
                       f"Training ended where the learning rate reached 0, at training step {zero[0]:,}: the steps "
                       "since change no weight, so end the run there, or give the schedule as many steps as the run "
                       "takes (a rate set to 0 by hand: set it above 0).",
                       {"weights_still_since": since, "still_weights": [], "updates": updates,
                        "largest_grad_norm": max(grads), "weights_still_steps": WEIGHTS_STILL_STEPS,
                        "learning_rate_zero_since": zero[0]})
    return Finding(Status.WEIGHTS_STILL if moved else Status.NOT_LEARNING,
                   f"weights not changing: {which} not changed {span} "
                   f"although {'they' if get == 'get' else 'it'} {get} gradients ({largest}){others}{learns}: is the "
                   "optimiser stepping (opt.step()), does it hold these "
                   f"parameters, is its learning rate 0?{_loss_text(s)}",
                   # a run that learned and then stopped: most often a schedule that ends at 0 (cosine, linear decay),
                   # said first (W46 walkthrough: a cosine schedule ended at step 400, the run went on to 700, and the
                   # remedy began 'Call opt.step()', which the script did). Only where every trained weight keeps
                   # its values: a schedule stops them all, not some (W56 walkthrough: an optimiser holding 2 of 4
                   # layers read 'training ended where it reached 0, by step 4' of a loss falling from 2.27 to 1.19)
                   rate_fallen_remedy() if fallen and not s.still_weights else
                   (f"If a scheduler brought the learning rate to 0 (a cosine or linear decay ends there), training "
                    f"ended where it reached 0, by step {since:,} at the latest: the steps since change no weight, so "
                    "end the run there, or give the schedule as many steps as the run takes. Otherwise: c"
                    if moved and not s.still_weights else "C") +
                   "all opt.step() after loss.backward() on every step, and opt.zero_grad() before the next backward; "
                   "build the optimiser from this model's parameters (model.parameters(), after the model is built "
                   "and moved, not from a copy or another model); check that its learning rate "
                   "(opt.param_groups[i]['lr']) is above 0 and that no scheduler brought it to 0.",
                   {"weights_still_since": since, "still_weights": list(s.still_weights), "updates": updates,
                    "largest_grad_norm": max(grads), "weights_still_steps": WEIGHTS_STILL_STEPS})


def _rates_at_zero(s: RunSummary) -> tuple[int, bool] | None:
    """Where a monitor read every parameter group's learning rate and each is 0 now: (the training step since which
    all of them have been 0, whether each was 0 at every step read); None otherwise."""
    if not s.learning_rates:
        return None
    since, always = 0, True
    for *_, changes in s.learning_rates:
        if not changes or changes[-1][1] != 0:
            return None
        k = len(changes)
        while k > 0 and changes[k - 1][1] == 0:
            k -= 1
        since, always = max(since, changes[k][0]), always and k == 0
    return since, always


def _zero_rate_words(s: RunSummary, since: int, always: bool) -> str:
    groups = len(s.learning_rates)
    every = "the optimiser's learning rate is" if groups == 1 else f"each of the {groups} parameter groups' rates is"
    if always:
        return f"{every} 0, read at every optimiser step from training step {s.learning_rates[0][1]:,}"
    before = max((c for *_, changes in s.learning_rates for c in changes if c[0] < since and c[1] != 0),
                 key=lambda c: c[0])
    return (f"{every} 0 since training step {since:,} ({before[1]:.3g} at training step {before[0]:,}): a schedule "
            "that ends at 0, or a rate set to 0")


def _held_said(s: RunSummary) -> tuple[str, float] | None:
    """A monitor's held-out losses, said beside the training loss they are judged against (Monitor.held_out), and
    the level said: several given, the median of the latest few with the latest beside it (W42 walkthrough: 'healthy:
    ... the held-out loss given after training step 200 is 2.44, against a chance of 1.61', one batch's); one, or an
    old one, itself, with its age. None where none is read."""
    if s.test_loss_step is None or s.test_loss is None or not s.test_chance_loss:
        return None
    window = held_latest(s)
    level = s.test_loss if window is None or window[2] == 1 or held_age(s) is not None else window[0]
    said = (f"{given_after(s)} is {s.test_loss:.3g}" if level is s.test_loss else
            f"the latest {window[2]} held-out losses (given after training steps {window[1]:,} to "
            f"{s.test_loss_step:,}) have a median of {level:.3g} (the latest, {s.test_loss:.3g})")
    up = held_trend(s) if level is not s.test_loss else None
    # (a rise short of the one that reads not generalising, said beside the level: W108 walkthrough finding 5)
    trend = ("" if up is None else
             f"; over them it has risen, from {up[0]:.3g} to {up[1]:.3g}, up at {up[2]} of the "
             f"{up[3]} steps from one to the next: a sign of overfitting to watch (a rise of "
             f"{HELD_OUT_RISE:.0%} from its lowest, beyond its noise, reads as not generalising)")
    # (within half a percent of chance: 'against' it, not '0% below chance', W98 walkthrough)
    return (f"{said}, " + (f"{percent_below(level, s.test_chance_loss)} below chance"
                           if level < 0.995 * s.test_chance_loss else f"against a chance of {s.test_chance_loss:.3g}")
            + ("" if held_age(s) is None else ": too old to judge the weights of this step, and none given since")
            + trend, level)


def _held_none_below(s: RunSummary) -> bool:
    """Held-out losses are read (_held_said), recent, and their level is not 1% below the held-out chance: nothing
    the training batches gave holds on new points."""
    said = _held_said(s)
    return said is not None and held_age(s) is None and said[1] >= 0.99 * s.test_chance_loss


# what a run whose training loss is near chance and whose held-out losses are not below it is told first
_HELD_NONE_BELOW_REMEDY = (
    "The held-out losses are not below chance: whatever the network gained on its training batches holds on no new "
    "point, as on targets that do not follow their inputs. Check that each batch's targets are its own inputs' (not "
    "shuffled apart, nor misaligned by a sort, a split or an augmentation; a teacher's outputs for the same inputs), "
    "and train on one small batch alone until its loss falls near 0 (a model that cannot fit it has a bug; one that "
    "can, but not the data, has targets the inputs do not predict).")


def _learning(s: RunSummary) -> Finding | None:
    if s.loss is None or s.chance_loss is None or s.steps is None or not math.isfinite(s.loss):
        return None
    lost = unlearned(s)  # had learned, and the latest losses are far above chance: at any step, mean or not
    if lost is not None:
        return lost
    # a loss past twice chance that has not come down to half its first after FAR_JUDGE_STEPS updates is judged then:
    # no run waits there for 1,000 (W59 walkthrough finding 7: a classifier whose first loss was 10 times chance read
    # 'starting ... 13 times chance, above where a run begins ... so the reading waits' at 500 updates, no remedy)
    # (a loss climbing there is read as the climb it is: _starting says it and names the learning rate)
    # (the updates the reading has seen: a run resumed under Monitor(first_step=N) is judged after its own, not the
    # steps before it, W100 walkthrough finding 3: 'not learning: after 611 updates' of a fine-tune 11 updates in)
    seen = own_updates(s)
    far_up = (s.chance_loss > 0 and s.loss > RISING_FACTOR * s.chance_loss and s.first_loss is not None
              and s.loss >= s.first_loss[1] / RISING_FACTOR and seen >= FAR_JUDGE_STEPS
              and getattr(climb(s), "kind", None) != "rose")
    if _has_moved(s) or seen < JUDGE_AFTER_STEPS and not far_up:
        return None
    after = f"not learning: after {s.steps:,} updates{f' ({s.epochs:,} epochs)' if s.epochs is not None else ''}"
    # clearly worse than the constant guess (by as much as learning asks it to be better): say so, not "not 10%
    # below"; a flat loss at chance, a hair above it or below, keeps the words for a flat loss
    if s.chance_loss > 0 and s.loss > (1 + MOVED_FRACTION) * s.chance_loss:
        words = f"{after} the loss is above chance, {times(s.loss / s.chance_loss)} times it{_loss_text(s)}"
        remedy = ("A loss above chance after this many updates usually means steps too large for the network: lower "
                  f"the learning rate and {s.restart}. If it is already small, check the labels and the loss "
                  "function.")
        rates = [changes[-1][1] for *_, changes in s.learning_rates if changes] or (
            [s.learning_rate] if s.learning_rate is not None else [])
        if rates and max(rates) <= SMALL_RATE:  # the rates read are small already: not the steps (W67 walkthrough
            # finding 3: a GAN's generator at lr 1e-6 was told to lower it, beside a page saying 'was 1.00e-6')
            said = f"{rates[0]:.3g}" if len(set(rates)) == 1 else f"at most {max(rates):.3g}"
            remedy = (f"The learning rate is already small ({said}), so steps too large are not the cause: check the "
                      "labels and the loss function (the targets given, their shift and scale). A loss that plays "
                      "against another model, a GAN's, moves with its opponent: chance does not judge it, so leave "
                      "chance_loss out there.")
        far = started_far(s)
        first = s.first_loss if s.first_loss is not None and math.isfinite(s.first_loss[1]) else None
        if far is not None:  # it began far above chance and has not climbed: the targets, not the steps
            words, remedy = f"{words}; {far}", started_far_remedy(s)
        elif first is not None and first[1] > RISING_FACTOR * s.chance_loss and s.loss <= first[1] / RISING_FACTOR \
                and s.loss <= RISING_FACTOR * s.chance_loss:
            # it began far above chance and came down near it, no further: the outputs came to the targets' level,
            # and no step took the loss up (W98 walkthrough finding 4: L1 on targets of pure noise about 50, its
            # first loss 6 times chance and down to 1.1 times it, read 'the outputs began far from the targets and
            # have not come to them', with 'raise the learning rate')
            t, v = first
            words = (f"{words}; its first loss, {v:.3g} at training step {t:,}, was {times(v / s.chance_loss)} times "
                     "chance, and the loss came down from it to near chance and no further: the outputs came to the "
                     "targets' level, and learned nothing past a constant guess")
            remedy = ("A loss that came down to chance and stays there, while the gradients flow, often means "
                      "targets that the inputs do not predict: check that each batch's targets are its own inputs' "
                      "(not shuffled apart, nor misaligned by a sort, a split or an augmentation), and train on one "
                      "small batch alone until its loss falls near 0. Small batches under large steps hold a loss a "
                      "little above chance: a smaller learning rate brings it to chance, not under it, where the "
                      "inputs predict nothing of the targets.")
        elif first is not None and (1 + MOVED_FRACTION) * s.chance_loss < first[1] <= RISING_FACTOR * s.chance_loss \
                and (1 - MOVED_FRACTION) * first[1] <= s.loss <= (1 + MOVED_FRACTION) * first[1]:
            # it began above chance and stayed where it began: no step took it up, and steps too large are no story
            # (W98 walkthrough finding 6: a class-weighted cross-entropy on labels of pure noise, given the classes'
            # entropy as chance_loss, 0.92, stayed at ln 4 from its first step and was told to lower the learning
            # rate)
            t, v = first
            words = (f"{words}; its first loss, {v:.3g} at training step {t:,}, was already "
                     f"{times(v / s.chance_loss)} times chance, and the loss has stayed there: no step took it up")
            remedy = ("A loss that began above chance and has not moved was not taken there by steps too large: "
                      "check chance_loss against the loss a fresh model begins at, which is its loss's chance or "
                      f"above it ({CHANCE_EXAMPLES}; a cross-entropy with class weights begins near ln C whatever the "
                      "weights, and its chance is the best constant guess's loss under those weights, not the "
                      "classes' entropy). One too low reads a flat loss as above chance. If it is right, the targets "
                      "may not follow the inputs: check that each batch's targets are its own inputs', and train on "
                      "one small batch alone until its loss falls near 0.")
        elif s.first_loss is not None and s.first_loss[1] > RISING_FACTOR * s.chance_loss \
                and s.loss <= s.first_loss[1]:
            # it began above chance (if not past the blow-up line) and has not risen from there: no step took it up,
            # so steps too large are no story (W81 walkthrough finding 4: Huber on targets near 1e4 under Adam at
            # 1e-3, first loss 11 times chance and barely lower at step 200, was told to lower the learning rate; at
            # 1e-2 it came down to a third of chance, at 1e-4 it stayed)
            t, first = s.first_loss
            words = (f"{words}; the first loss, {first:.3g} at training step {t:,}, was already "
                     f"{times(first / s.chance_loss)} times chance, and the loss has not risen from it: the outputs "
                     "began far from the targets and have not come to them")
            remedy = started_far_remedy(s) + ("" if s.loss_kind == "classification" else (
                " Where the targets must keep their scale, steps too small to cover that distance are the other "
                "cause (under Adam an update moves each weight by about the learning rate): raise the learning rate "
                "rather than lower it."))
    elif s.layers and all(l.activation in LINEAR for l in s.layers):
        # W15: a linear network read 'a harder data set may need more units, more layers', which cannot help it
        words = f"{after} the loss is not {MOVED_FRACTION:.0%} below chance{_loss_text(s)}"
        remedy = ("Every hidden layer is linear, so the whole network computes one linear function of its inputs: "
                  "more units or more layers cannot bend its decision boundary. Give the hidden layers a "
                  f"non-linear activation (ReLU, tanh or GELU), or add input features that the classes can be told "
                  f"apart by with a straight line; then {s.restart}.")
    elif began_below(s) and s.loss < (1 - MOVED_FRACTION) * s.chance_loss:  # far below chance, where it began: the
        # learning line is a fall from that first loss (W94 walkthrough finding 8: L1 on shuffled targets, chance_loss
        # the targets' variance, read '59.7% below chance, ... short of the 10% the reading takes as learning')
        first = began_at(s)
        words = (f"{after} the loss is {percent_below(s.loss, s.chance_loss)} below chance, but it began there: "
                 f"{began_words(s)} was already {percent_below(first, s.chance_loss)} below it, and it has not come "
                 + (f"{MOVED_FRACTION:.0%} down from that first loss, which the reading takes as learning where a run "
                    "begins under half of chance" if not began_by_mean(s) else
                    f"{MOVED_FRACTION:.0%} down from there, which the reading takes as learning where a run's first "
                    "losses are past the learning line") + _loss_text(s))
        fits = chance_fits(s)
        if fits:
            words += fits
            remedy = (f"A model trained before begins below chance: give it Monitor(first_step=...) where it resumes, "
                      "and its learning is read from chance from there on. If it was trained before this run, this "
                      f"run has not lowered its loss {MOVED_FRACTION:.0%} from where it began: a learning rate too "
                      "small for the fine-tune, or a model already at its best on these data.")
        else:
            remedy = ("Check chance_loss against the loss a fresh model begins at: it is the loss of the best "
                      "constant guess under this loss (for a squared error, the targets' variance; for an L1 loss, "
                      "their mean absolute deviation from their median; for a cross-entropy, the entropy of the "
                      "classes' frequencies; for a focal loss, which weighs each example's cross-entropy by "
                      "(1 - p)^gamma, (1 - 1/C)^gamma ln C over C balanced classes), and one too high makes any loss "
                      "look far below it. A model trained before begins below chance too: give it "
                      "Monitor(first_step=...) where it resumes. If the loss is flat from its first step, the targets "
                      "may not follow the inputs (shuffled apart, misaligned): train on one small batch alone until "
                      "its loss falls near 0.")
    elif s.chance_loss > 0 and s.loss < 0.99 * s.chance_loss and clearly_below(s):  # below chance beyond its noise,
        # 1% at least, short of the learning line (W36 walkthrough: a regression whose best possible MSE was 8.4%
        # below chance reached it and read 'not learning ... the loss is not 10% below chance', with a remedy to
        # change the run)
        beyond = ", beyond the noise of its batches," if judged_window(s) is not None else ","
        words = (f"{after} the loss is {(1 - s.loss / s.chance_loss) * 100:.1f}% below chance{beyond} short of the "
                 f"{MOVED_FRACTION:.0%} the reading takes as learning{_loss_text(s)}")
        said = _held_said(s)  # (held-out losses given: said, W98 walkthrough finding 5: a distillation on shuffled
        # soft targets, its training mean 4.9% below chance and its held-out losses above it, was told to 'compare
        # with a held-out loss')
        words += "" if said is None else f"; {said[0]}"
        # (W47 walkthrough: label smoothing 0.8 over 10 classes puts the best possible loss 5.5% below ln 10; the
        # run had gone 90% of the way there and read 'not learning')
        # (said only where the data and targets are the script's own: actlab's own runs smooth no labels)
        own = Lever.INPUTS in s.levers
        remedy = ("Where the targets are mostly noise (a regression on a weak signal, labels partly random)"
                  + (" or smoothed (label smoothing: with 0.8 over 10 classes the best possible cross-entropy is 5.5% "
                     "below ln 10)" if own else "")
                  + ", the best possible loss can sit this close to chance, and the run may be at it: compare "
                  + ("with a held-out loss, or " if said is None else "")
                  + "with a simple model's (a linear one), before changing the run"
                  + ("; under label smoothing, give s.loss the cross-entropy against the unsmoothed labels (computed "
                     "under torch.no_grad()), which chance_loss ln C fits" if own else "")
                  + ". Otherwise, if the loss is flat, raise the learning rate; if it wobbles, lower it; a harder data "
                  "set may need more units, more layers or other input features.")
        if _held_none_below(s):  # below chance on its training batches alone: memorised, or targets apart
            remedy = f"{_HELD_NONE_BELOW_REMEDY} If they are right, the inputs may predict nothing of the targets."
    else:  # 10% below chance within its batches' noise is not clearly below it: said so
        noise = within_noise(s)
        below = "clearly" if noise else f"{MOVED_FRACTION:.0%}"
        words = f"{after} the loss is not {below} below chance{_loss_text(s)}{noise}"
        said = _held_said(s)
        words += "" if said is None else f"; {said[0]}"
        remedy = ("If the loss is flat, raise the learning rate; if it wobbles, lower it. A harder data set may "
                  "need more units, more layers or other input features.")
        if _pinned(s):
            remedy = _pinned_remedy(s, remedy)
    words, remedy = _with_left_out(s, words, remedy)
    return Finding(Status.NOT_LEARNING, words, remedy,
                   {"loss": s.loss, "chance_loss": s.chance_loss, "epochs": s.epochs, "steps": s.steps,
                    "moved_fraction": MOVED_FRACTION, "judge_after_steps": JUDGE_AFTER_STEPS})


def _pinned(s: RunSummary) -> bool:
    """A monitor's loss (the targets the script's own) within PINNED_AT_CHANCE of chance."""
    return Lever.INPUTS in s.levers and s.loss is not None and s.chance_loss is not None and s.chance_loss > 0 \
        and abs(s.loss / s.chance_loss - 1) <= PINNED_AT_CHANCE


def _pinned_remedy(s: RunSummary, then: str) -> str:
    """What a loss pinned at chance (_pinned) calls for: a learning rate too small to move the weights first where
    every rate read was (_tiny_rate), then targets that do not follow their inputs, then ``then``."""
    # pinned at chance, the targets the script's own: the likeliest cause is targets that do not follow the inputs (W77
    # walkthrough finding 4: labels shuffled within each batch read 2.0805 against ln 8 = 2.0794 after 1,100 updates,
    # and the remedy began 'raise the learning rate')
    remedy = (f"A loss still at chance (within {PINNED_AT_CHANCE:.0%} of it) after {s.steps or 0:,} updates, while the "
              "gradients flow, often means targets that do not follow their inputs: check that each batch's targets "
              "are its own inputs' (not shuffled apart, nor misaligned by a sort, a split or an augmentation), and "
              "train on one small batch alone until its loss falls near 0 (a model that cannot fit it has a bug; one "
              "that can, but not the data, has targets the inputs do not predict). If they are right: "
              f"{then[0].lower()}{then[1:]}")
    tiny = _tiny_rate(s)
    if tiny is not None:  # a rate too small to move the weights leads (W105 walkthrough finding 3: Adam at 1e-7 read
        # 'not learning' with the remedy 'check that each batch's targets are its own inputs' first, the rate never
        # quoted, where shuffled labels at a usual rate read the same remedy)
        remedy = (f"The learning rate is {tiny:.3g} at every optimiser step read, too small to move the weights: an "
                  "update moves each weight by about the rate under Adam, and by the rate times its gradient under "
                  f"SGD, so {s.steps or 0:,} updates have moved them by very little. Raise it (Adam's default is 1e-3; "
                  "SGD takes 0.01 to 0.1 on most networks) and see whether the loss leaves chance. If it still does "
                  f"not: {remedy[0].lower()}{remedy[1:]}")
    return remedy


def _lowered(text: str) -> str:
    """A sentence to follow a colon: its first letter lower-case."""
    return text[:1].lower() + text[1:]


# a loss pinned at chance after this many updates gets the remedy it would get at JUDGE_AFTER_STEPS, said as no verdict
# yet (W105 walkthrough finding 10: a run of 500 updates at chance read 'starting ... the reading waits' with no
# remedy to the end)
PINNED_HINT_STEPS = 200
NO_VERDICT_YET = "No verdict yet:"  # how that remedy begins (its finding's evidence holds "pinned_at_chance")


# a learning rate this small or smaller in every parameter group read, at every optimiser step, moves no weight far
# enough to leave chance in the updates a reading waits for (Adam's default is 1e-3)
TINY_RATE = 1e-5


def _tiny_rate(s: RunSummary) -> float | None:
    """The highest learning rate a monitor read, where every parameter group's was TINY_RATE or less at every
    optimiser step read; None otherwise (none read, or one larger)."""
    rates = [rate for series in s.learning_rates for _, rate in series[3]]
    return max(rates) if rates and 0 < max(rates) <= TINY_RATE else None


def _with_left_out(s: RunSummary, words: str, remedy: str) -> tuple[str, str]:
    """A not-learning reading of a run whose hidden layers are left out of training (frozen, or no gradient reached
    their weights) names them, and its remedy begins with them (W37 walkthrough: a regression with both hidden Linear
    layers frozen read 'starting: only the output layer trains: every hidden layer is left out ...' until update
    1,000, then only 'not learning: ... not 10% below chance', with 'raise the learning rate', which cannot help)."""
    if not s.left_out:
        return words, remedy
    shown = "; ".join(s.left_out[:4]) + (" ..." if len(s.left_out) > 4 else "")
    if not s.layers:
        words += f"; only {s.output_name} trains: every hidden layer is left out ({shown})"
    else:
        words += f"; left out of training: {shown}"
    if not any("frozen" in w or "no gradient" in w for w in s.left_out):  # (an activation before any weight)
        return words, remedy
    which = ("Every hidden layer sits after a weight that is frozen or gets no gradient, so only the output layer "
             "learns, one linear map of features that never change" if not s.layers else
             "Some hidden layers sit after a weight that is frozen or gets no gradient, so they never change")
    return words, (f"{which}: if that is not meant, let those weights train (requires_grad=True, in the optimiser, "
                   f"and no .detach() or torch.no_grad() on the way to them) and {s.restart}. {remedy}")


def _worse_on_both(s: RunSummary, found) -> bool:
    """Whether the training mean is up from its low beyond that low's noise bound, by half the held-out loss's rise
    (``found``, held_out_rise's) or more: the network got worse on its training batches too, and fits no training
    point at the cost of new ones (W60 walkthrough finding 7: a rate ramped 0.4% a step took the training mean from
    0.277 to 0.458 and the held-out median from 0.405 to 0.642, which read 'not generalising ... fits its training
    points at the cost of new ones'; rise() waits for a rise of a tenth of chance, 0.23 there)."""
    low, bound = s.lowest_judged_loss, s.lowest_judged_bound
    return (found is not None and low is not None and bound is not None and low > 0 and s.loss is not None
            and s.loss > bound and s.loss / low - 1 >= 0.5 * (found.median / found.lowest.median - 1))


def _with_worse_on_both(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A healthy headline of a run whose training mean and held-out loss both rose from their lows (_worse_on_both),
    short of what rise() says: said right after the status, with the rise's remedy (the learning rate since the run's
    low leads it, _with_rate)."""
    if not findings or findings[0].status != Status.HEALTHY or "risen_from" in findings[0].evidence or \
            s.test_chance_loss is None or rise(s) is not None:
        return findings
    found = held_out_rise(s)
    if not _worse_on_both(s, found):
        return findings
    first = findings[0]
    said = (f"the mean loss has risen from {s.lowest_judged_loss:.3g} at "
            f"{numbered_step(s, s.lowest_judged_step)} to {s.loss:.3g}, past the noise of that low, and the held-out "
            f"loss with it, from a median of {found.lowest.median:.3g} to {found.median:.3g}: the network "
            + _worse_or_back(s, found))
    return [dataclasses.replace(first, words=lead(first.words, said), remedy=f"{rise_remedy(s)} {first.remedy}".strip(),
                                evidence={**first.evidence, "risen_from": s.lowest_judged_loss,
                                          "risen_to": s.loss}), *findings[1:]]


def _worse_or_back(s: RunSummary, found) -> str:
    """How _with_worse_on_both's words end: getting worse, or, where the latest held-out loss is back within
    HELD_OUT_RISE of the lowest median (short of a rise from it), got worse and may be coming back, the latest held-out
    loss said, and the latest batches where each is under the mean (coming_back). The windows' medians and the mean
    lag a run on its way back (W101 walkthrough finding 1: a weight decay raised to 5 and put back read 'from a median
    of 0.698 to 0.886: the network is getting worse' while the latest held-out loss was 0.722)."""
    latest = s.test_loss
    if latest is None or s.test_loss_step is None or s.test_loss_step < found.first_step or \
            not latest < found.lowest.median * (1 + HELD_OUT_RISE):
        return "is getting worse on its training batches and on new points alike"
    batches = coming_back(s)
    return ("got worse on its training batches and on new points alike, and may be coming back: the latest held-out "
            f"loss, {latest:.3g} (given after training step {s.test_loss_step:,}), is within "
            f"{HELD_OUT_RISE:.0%} of that lowest median"
            + ("" if batches is None else f", and the latest {LOSS_BATCHES} batch losses are all under the mean "
                                          f"(the highest {batches:.3g})"))


def _generalising(s: RunSummary) -> Finding | None:
    if s.test_loss is None or s.test_chance_loss is None or not _has_moved(s) or not math.isfinite(s.test_loss):
        return None
    fewer = ("a smaller model, regularisation (weight decay, dropout)" if can_offer(s, Lever.ARCHITECTURE) else
             "fewer units, regularisation (L2)")  # (dropout is a layer: a face that can add one)
    trained = f"the training loss is {percent_below(s.loss, s.chance_loss)} below chance{_loss_text(s)}"
    if held_age(s) is not None:  # the weights it was of are long gone: it judges nothing (said beside healthy; W40
        return None  # walkthrough: one given at step 3 read 'not generalising' at step 1,000 of a run that generalised)
    # a held-out loss back up while the training loss has risen from its low as well is no fitting of the training
    # points at the cost of new ones: the network got worse on both, which the rise's own finding says (W54
    # walkthrough: lr 1.5 for 20 steps took the whole training set's loss from 0.41 to 1.02 and the held-out loss to
    # 1.07, and the reading added 'not generalising: ... fits its training points at the cost of new ones')
    both = rise(s) is not None
    found = held_out_rise(s)
    if found is not None and _worse_on_both(s, found):  # worse on both: said beside the headline (_with_worse_on_both)
        found = None
    elif found is not None:  # the held-out loss rose far more than the training mean did: it is no rise of both (W99
        # walkthrough finding 1: labels shuffled from step 601, the training mean back down to 0.267 from its low of
        # 0.084, the held-out median up from 0.69 to 4.03, 1.75 times chance, read with no word of the held-out loss)
        both = False
    keep = held_keep_step(s)  # the step whose weights to keep: the lowest given, or the lowest window's middle
    if found is not None:  # it came down and went back up: the lowest is the point to stop at (W39 walkthrough)
        return Finding(Status.NOT_GENERALISING, f"not generalising: {trained}, but {held_rise_words(s, found)}",
                       held_rise_remedy(keep or found.lowest.best_step, fewer),
                       {"loss": s.loss, "test_loss": s.test_loss, "test_chance_loss": s.test_chance_loss,
                        "test_loss_step": s.test_loss_step, "held_out_median": found.median,
                        "held_out_lowest_median": found.lowest.median,
                        "held_out_best_step": keep.step if keep else found.lowest.best_step})
    window = held_latest(s)  # a monitor's: the median of the latest few given, not one batch's swing
    level = s.test_loss if window is None or window[2] == 1 else window[0]
    if level < (1 - MOVED_FRACTION) * s.test_chance_loss or s.test_loss_step == 0:
        return None  # (a held-out loss given before any training step is the initial weights': it judges nothing)
    then = _trained_then(s)
    if then is not None and then > (1 - MOVED_FRACTION) * s.chance_loss:
        # the training loss had not come down yet when the held-out loss was given: that one judges nothing (W53
        # walkthrough finding 5: a run warming up read 'the network memorises the training points' at steps 86-96,
        # from a held-out loss given after step 50 against the training mean of steps 37-86; on the whole data sets
        # at step 86 the two differed by 0.039)
        return None
    if held_still_falling(s) is not None:  # still coming down: the window's older losses are of weights not yet
        # trained, and say nothing of memorising (W70 walkthrough finding 3)
        return None
    if 1 - level / s.test_chance_loss >= HELD_OUT_LAG * (1 - (then if then is not None else s.loss) / s.chance_loss):
        # the held-out loss came down about as far as the training loss: early in a run both are near the line, and
        # the held-out median, over losses given a little earlier, lags (W43 check: a run learning on 20,000 points
        # read 'not generalising' at step 61, its training mean 11% below chance, the held-out median 9%)
        return None
    # a monitor's held-out loss is the script's own, given after a training step (W36/W37 walkthroughs: a model
    # memorising random labels read 'healthy', the monitor having no loss but the training batches')
    said = (f"{given_after(s)} is {s.test_loss:.3g}" if window is None or window[2] == 1 else
            f"the latest {window[2]} held-out losses (given after training steps {window[1]:,} to "
            f"{s.test_loss_step:,}) have a median of {level:.3g} (the latest, {s.test_loss:.3g})")
    if held_was_low(s):  # it came down and is back near chance: the lowest is the point to stop at (W41 walkthrough:
        # a held-out loss down to 0.946, 32% below chance, read 'the network memorises the training points' with no
        # word of that low, before the rise rule had the 14 losses it needs)
        if both:  # (the training loss rose too: both got worse)
            return None
        best_step, best = held_lowest_given(s)
        if window is not None and best_step >= window[1]:  # the low is among the latest: not back up from it
            return None
        return Finding(Status.NOT_GENERALISING,
                       f"not generalising: {trained}, but the held-out loss, down to {best:.3g} after training step "
                       f"{best_step:,} ({percent_below(best, s.test_chance_loss)} below chance), is no longer 10% "
                       f"below it: {said} against a chance of {s.test_chance_loss:.3g}: past training step "
                       f"{keep.step:,} the network fits its training points at the cost of new ones",
                       held_rise_remedy(keep, fewer),
                       {"loss": s.loss, "test_loss": s.test_loss, "test_chance_loss": s.test_chance_loss,
                        "test_loss_step": s.test_loss_step, "held_out_best_step": keep.step})
    far = s.test_loss is not None and s.test_chance_loss > 0 and s.test_loss > HELD_OUT_FAR * s.test_chance_loss
    # a held-out loss far above the constant guess's: the model is sure of answers that are wrong there, which a
    # memorising network's confidence makes, and so do training targets built otherwise than the held-out ones (W67
    # walkthrough finding 5: next-token targets not shifted, 'y = x', trained to 3.6e-8 while the held-out next-token
    # loss was 43, 14 times chance, read as memorising with only a remedy of regularisation)
    check = (f"; at {times(s.test_loss / s.test_chance_loss)} times chance the network is sure of wrong answers "
             "there, as either of the two makes it" if far else "")
    above = None if far else _held_never_below(s)
    if above is not None:  # worse than the constant guess on new points at every read since training began: so a
        # network trained on targets built otherwise is from its first steps, where a memorising one that learned
        # anything first came below chance there (W84 walkthrough finding 6: next-token targets not shifted, the
        # held-out loss 5.02 to 7.97 against a chance of 3.18, read 'memorises' with a remedy of regularisation alone
        # until it passed 3 times chance, 190 steps later)
        check = (f"; every held-out loss given since training began is above chance (the lowest, {above[1]:.3g} "
                 f"after training step {above[0]:,}): on new points the network does worse than the constant guess, "
                 "as one trained on targets built otherwise than the held-out ones does from its first steps")
    late = above is not None and _held_late(s)
    if late:  # none given before the training loss came down: its first steps' held-out loss is not known (W103
        # walkthrough finding 2: a first held-out loss at step 300, of a net that had memorised 256 points by then,
        # read 'every held-out loss given since training began is above chance ... Check first that the training
        # targets are built as the held-out ones are', on targets built alike)
        check = (f"; every held-out loss given is above chance (the lowest, {above[1]:.3g} after training step "
                 f"{above[0]:,}), but none was given before the training loss came 10% below chance, at training step "
                 f"{s.moved_at:,}: a network sure of the training points it memorised can do worse than the constant "
                 "guess on new points, and so does one trained on targets built otherwise than the held-out ones")
    first = ("Give a held-out loss from the first steps on: one that comes below chance and rises back is "
             f"memorising (use {fewer} or more data); one that never comes below chance points at the targets: "
             "check that they are built as the held-out ones are (a next-token target shifted by one, the same "
             "labels in the same order). " if late else
             "Check first that the training targets are built as the held-out ones are (a next-token target "
             "shifted by one, the same labels in the same order); if they are, use " if check else "Use ")
    return Finding(Status.NOT_GENERALISING,
                   f"not generalising: {trained}, but {said} against a chance of {s.test_chance_loss:.3g}: the "
                   # (where the held-out loss is above chance, targets built otherwise than the held-out ones read the
                   # same from the losses alone, and are named beside memorising, not after it; W105 walkthrough
                   # finding 4: held-out labels shuffled read 'the network memorises the training points' first)
                   f"network memorises the training points{OR_OTHER_TARGETS if check else ''}{check}",
                   (f"{first}If the labels are random, nothing can be learned that holds on new points." if late else
                    f"{first}{fewer} or more data; if the labels are random, nothing can be learned that holds on new "
                    "points."),
                   {"loss": s.loss, "test_loss": s.test_loss, "test_chance_loss": s.test_chance_loss,
                    "test_loss_step": s.test_loss_step})


OR_OTHER_TARGETS = (", or was trained on targets built otherwise than the held-out ones (shuffled, shifted or "
                    "relabelled)")


def _given_in_training(s: RunSummary) -> list[tuple[int, float]]:
    """The held-out losses given after a training step (not before any: the initial weights'), as (step, loss)."""
    return [(t, v) for t, v in s.held_out if v is not None and t >= 1]


def _held_late(s: RunSummary) -> bool:
    """Whether the first held-out loss given after a training step came after the training mean was first
    MOVED_FRACTION below chance (RunSummary.moved_at): the held-out loss of the first steps is then not known."""
    given = _given_in_training(s)
    return bool(given) and s.moved_at is not None and min(t for t, _ in given) > s.moved_at


def _held_never_below(s: RunSummary) -> tuple[int, float] | None:
    """Where every held-out loss given after a training step is above the held-out chance (the lowest window's lowest
    too), the lowest of them as (training step given after, loss); None otherwise, or where none was given."""
    given = _given_in_training(s)
    window = s.held_out_lowest
    if window is not None and window.best_step >= 1:
        given.append((window.best_step, window.best))
    low = min(given, key=lambda g: g[1], default=None)
    return low if low is not None and s.test_chance_loss is not None and low[1] > s.test_chance_loss else None


def _with_forgetting(found: Finding | None, s: RunSummary) -> Finding | None:
    """A held-out loss back up from its low where that low was its first read (3 given at least, the first after a
    training step): so an earlier task's loss rises while a fine-tuning forgets it, from the first steps, where a
    memorising network first comes down on new points. Said beside the rise, and the remedy for forgetting after its
    own (W86 walkthrough finding 3: the first task's held-out loss, 0.588 before fine-tuning, rose from 1.05 to 2.13
    and read only 'the network fits its training points at the cost of new ones')."""
    if found is None or "held_out_best_step" not in found.evidence:
        return found
    given = _given_in_training(s)
    low = s.held_out_lowest
    if len(given) < 3 or min(given, key=lambda g: g[1]) != given[0] or (low is not None and low.best < given[0][1]):
        return found
    return dataclasses.replace(
        found, words=f"{found.words}; it was lowest at its first read, after training step {given[0][0]:,}, and rose "
                     "from there, as an earlier task's held-out loss rises while a fine-tuning forgets that task",
        remedy=f"{found.remedy} If the held-out loss is an earlier task's (a fine-tuning's), that task is being "
               "forgotten: lower the learning rate, train fewer steps, freeze more of the network, or mix that "
               "task's data into the training.")


def _trained_then(s: RunSummary) -> float | None:
    """The training loss as it stood when the latest held-out loss was given: the mean of the training steps' losses
    up to that step (as many as the judged mean takes), where a monitor still holds at least half of them
    (RunSummary.step_losses); None where it does not (the judged loss stands for it)."""
    if s.test_loss_step is None or not s.step_losses:
        return None
    n = len(s.judged_losses) if s.judged_losses else 0
    then = [v for t, v in s.step_losses if t <= s.test_loss_step and v is not None and math.isfinite(v)][-n:]
    if not n or 2 * len(then) < n:
        return None
    return sum(then) / len(then)


LINEAR_REMEDY = ("If the model should fit relations that are not linear, put an activation (nn.ReLU, nn.GELU, ...) "
                 "between its layers.")


def _linear_words(s: RunSummary) -> str:
    """A model with no hidden layer, in words; a provably linear stack of weighted layers (s.affine_between, a
    monitor's) is said to compose into one affine map (W17: 'Linear -> Linear' was told its non-linearity is applied
    by other means)."""
    if not s.affine_between:
        return "a linear model: no hidden layers"
    pairs = s.affine_between
    between = "; ".join(f"'{a}' -> '{b}'" for a, b in pairs[:5]) + (" ..." if len(pairs) > 5 else "")
    return (f"a linear model: no activation runs between its weighted layers ({between}), so together they compute "
            "one affine map, which a single layer could compute (W2(W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2))")


def _linear_stack(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A provably linear stack is said whatever the reading is of: where no finding's words carry it (a diverged or
    not-learning headline), a finding of its own follows them, with the remedy."""
    if not s.affine_between or s.layers:
        return findings
    if any("a linear model: " in f.words for f in findings):  # the flow words carry it: the remedy, where none is
        return [dataclasses.replace(f, remedy=LINEAR_REMEDY) if "a linear model: " in f.words and not f.remedy
                and f.status != Status.HEALTHY else f for f in findings]
    return [*findings, Finding(Status.FLOWING, _linear_words(s), LINEAR_REMEDY,
                               {"linear_between": [list(p) for p in s.affine_between]})]


def _flat_ends(s: RunSummary) -> list[str]:
    """The functions of the layers with dead units whose flat parts include a level other than 0 (hardtanh's -1 and
    1, ReLU6's 6, hardsigmoid's 1): a unit dead there may be held at that level, not at 0."""
    names = []
    for l in s.layers:
        try:
            act = get(l.activation)
        except ValueError:
            continue
        if l.dead and act.has_zero_region and any(v != 0 for v in act.saturates_at) and act.name not in names:
            names.append(act.name)
    return names


def _saturates(l: LayerSummary) -> bool:
    """Whether a hidden layer's function saturates (tanh's, sigmoid's tails; a ReLU's units are 'rarely active'
    instead); False for a name the registry does not know."""
    try:
        return low_gradient_word(get(l.activation)) == "saturated"
    except ValueError:
        return False


def _saturated_of(l: LayerSummary) -> int:
    """A hidden layer's units saturated and not dead, where its function saturates (_saturates; a ReLU's are said on
    its layer's line); 0 otherwise."""
    return max(l.saturated - l.dead, 0) if _saturates(l) else 0


def _saturated_units(s: RunSummary) -> int:
    """The hidden units saturated and not dead, over the layers whose function saturates."""
    return sum(_saturated_of(l) for l in s.layers)


def _summed_names(s: RunSummary) -> set[str]:
    """RunSummary.summed_gradients as the words name weights ("'head.weight'")."""
    return {f"'{n}.weight'" for n in s.summed_gradients}


def _mostly_saturated(s: RunSummary) -> list[int]:
    """The hidden layers (0-based) with MOSTLY_DEAD of their units saturated or more: a pooled count over the layers
    hides one (W74 walkthrough finding 10: '59 of 128 hidden units are saturated', 59 of them in the first layer's
    64)."""
    return [i for i, l in enumerate(s.layers) if l.width and _saturated_of(l) >= MOSTLY_DEAD * l.width]


def _healthy_or_waiting(s: RunSummary) -> Finding:
    ratio = grad_ratio(s.layers[0].grad_norm, s.output_grad_norm) if s.layers else math.nan
    whose = f"{s.output_name}'s"
    every = ("every trained layer" if s.left_out else "every layer") + (" read" if s.not_read else "")
    # (where one of the two sums unlike spans of steps, no share is read: W84 walkthrough finding 8, '0.02 of the
    # output layer's' against a head's .grad summed since the run began)
    unlike = bool(s.summed_gradients) and s.layers and (s.weights_name(0) in _summed_names(s)) != (
        s.output_weights in _summed_names(s))
    flow = (f"gradients reach {every} ({s.weights_name(0)} is not compared with {s.output_name}'s: one of their .grad "
            "sums several steps)" if unlike else
            f"gradients reach {every} ({s.weights_name(0)} gets {share(ratio, whose)})" if s.layers else
            # a model whose activations the monitor cannot see (an LSTM's fused kernel): not a linear one (W108)
            f"its activations are not seen ({', '.join(s.not_read[:3])}{' ...' if len(s.not_read) > 3 else ''}: the "
            "finding after this one says why)" if s.not_read else
            "its activations are not seen (the finding after this one says why)" if s.unseen_weights else
            _linear_words(s))
    typical = typical_ratio(s, ratio) if s.layers else None
    if typical is not None:  # one sampled batch's ratio beyond the line, the run's median within it (W34)
        n = 1 + len([r for r in s.earlier_ratios if math.isfinite(r) and r > 0])
        flow = (f"gradients reach {every} ({s.weights_name(0)} gets {share(ratio, whose)} on this sampled batch, "
                f"{share(typical, whose)} at the median of the last {n} sampled steps)")
    none = s.layers and s.output_grad_norm == 0 and all(l.grad_norm == 0 for l in s.layers)
    if s.layers and math.isnan(ratio):  # no ratio to an output gradient of 0 (it wrote "layer 1 gets nan of ...")
        hidden = "every trained hidden layer" if s.left_out else "every hidden layer"
        flow = (f"gradients reach {hidden} ({s.weights_name(0)}'s {GRAD_NORM} is "
                f"{sci(s.layers[0].grad_norm)}), but {s.output_name}'s weights get "
                + ("none" if s.output_grad_norm == 0
                   else f"only {sci(s.output_grad_norm)}, too little to compare with"))
        if none:  # (W104 walkthrough finding 2: "gradients reach every hidden layer ('stem.0.weight''s |dL/dW| is
            # 0)" of a batch on which every weight gradient was exactly 0)
            flow = (f"no weight gets a gradient on this sampled batch: {GRAD_NORM} is exactly 0 for {hidden} and for "
                    f"{s.output_name}")
    evidence = {"first_to_last_ratio": ratio}
    if s.layers and _output_dw_near_zero(s) and s.layers[0].signal_norm is not None:
        # the dW ratio divides by a norm near 0: the signal passed back says how the gradient flows
        passed = grad_ratio(s.layers[0].signal_norm, s.output_signal_norm)
        flow = (f"gradients reach {every} (the gradient passed back to {s.name(0)} is "
                f"{share(passed, 'the one at the output layer')}); {_near_zero_words(s)}")
        evidence["first_to_last_signal_ratio"] = passed  # the words quote both: the faces mark both cells (CI on
        # 043b14f: the playground's table marked only the dW cell of a reading that quoted the dz one)
    shown = "; ".join(s.left_out[:4]) + (" ..." if len(s.left_out) > 4 else "")
    if s.left_out and not s.layers:
        flow = f"only {s.output_name} trains: every hidden layer is left out ({shown})"
    if s.output_fell is not None and s.layers and not none:  # every gradient small alike, which no ratio shows (W92
        # finding 8)
        now, first = s.output_fell
        fallen = (f"{first / now:,.0f} times less than its median over the first sampled steps, {first:.3g}"
                  if now > 0 else f"0, against a median of {first:.3g} over the first sampled steps")
        flow += (f", but all of them are small: {s.output_name}'s weight gradient is {fallen} (a note says what may "
                 "cause it)")
        evidence["output_gradient_fell"] = first / now if now > 0 else math.inf
    dead, total = sum(l.dead for l in s.layers), sum(l.width for l in s.layers)
    mostly = _mostly_dead(s)
    repeats = sum(l.repeats for l in s.layers)
    # a loop's calls each count their units: said, or '811 of 2400 hidden units' reads as a layer of 2400 (W66)
    per_call = (f"units counted at each call: {repeats:,} of the places are later calls, in one forward, of a "
                "function called before them, as a loop over time steps makes them") if repeats else ""
    if dead:
        flow += f"; {dead} of {total} hidden units {'is' if dead == 1 else 'are'} dead" + (f" ({per_call})" if per_call
                                                                                          else "")
        per_call = ""
        if mostly and len(s.layers) > 1:  # the pooled count hides a layer half dead or more (W37: 41 of 128, 40 in
            # one layer of 64)
            flow += ", " + ", ".join(f"{s.layers[i].dead} of {s.layers[i].width} in {s.name(i)}" for i in mostly)
        # counted from samples: the steps between them were not read (W41), nor a step's later forwards (W104)
        missed = [w for w, said in (("on the steps between", s.dead_between),
                                    ("on each step's later forwards, which are not read", s.dead_first_forward))
                  if said]
        if missed:
            of = " of each step's first forward" if s.dead_first_forward else ""
            flow += f" (off on every sampled batch{of}; some may fire {' or '.join(missed)})"
        if s.left_out:
            flow += f" (counted over the layers whose weights are trained; not counted: {shown})"
        ends = _flat_ends(s)
        if ends:  # a dead unit of a function whose flat parts are levels other than 0 is held at one of them (W46
            # walkthrough: hardtanh units stuck at +1 read 'dead', as tanh's at 1 read 'saturated'), said after the
            # counts (W47: it came between the total and a ReLU layer's count)
            flow += (f"; a dead {' or '.join(ends)} unit's every input falls on a flat part, at one of the levels it "
                     "clips to, where no gradient passes")
    elif s.left_out and s.layers:
        flow += f"; left out: {shown}"
    saturated = _saturated_units(s)
    if saturated:  # said as dead units are (W46 walkthrough: 12 of 32 tanh units saturated on the layer's line, and a
        # headline 'starting' with nothing of them)
        flow += (f"; {saturated} of {total} hidden units {'is' if saturated == 1 else 'are'} saturated "
                 f"({SATURATED_RULE}: little gradient passes back through them{'; ' if per_call else ''}{per_call})")
        held = _mostly_saturated(s)
        if held and len(s.layers) > 1:
            flow += ", " + ", ".join(f"{_saturated_of(s.layers[i])} of {s.layers[i].width} in {s.name(i)}"
                                     for i in held)
    if s.not_read and s.layers:
        flow += "; not read: " + ", ".join(s.not_read[:4]) + (" ..." if len(s.not_read) > 4 else "")
    evidence |= {"loss": s.loss, "chance_loss": s.chance_loss, "epochs": s.epochs, "steps": s.steps,
                 "dead_units": dead}
    if s.probabilities_given is not None:  # a softmax before a loss that applies its own (W105 walkthrough finding
        # 5: 'healthy ... 37% below chance' of a loss that cannot go under 0.744 on 4 classes)
        t, classes, factor = s.probabilities_given
        floor = factor * (math.log(math.e + classes - 1) - 1)  # the loss of rows one-hot and right
        return Finding(Status.FLOWING, f"{flow}; the loss is not judged: the outputs given to the cross-entropy are "
                       f"probabilities, not logits (every row of the batch read at training step {t:,} is 0 or more "
                       "and sums to 1: a softmax at the model's end), and the cross-entropy applies its own softmax "
                       f"to them: its loss cannot fall below {floor:.3g} for {classes} classes however right the model "
                       "is, and it sends back a fraction of the gradient that logits get",
                       "Take the softmax off the model's end: nn.CrossEntropyLoss (F.cross_entropy) takes logits and "
                       "applies its own log-softmax. Where the model must give probabilities, train on nn.NLLLoss of "
                       "their log (log_softmax at the model's end, or torch.log of the probabilities).",
                       {**evidence, "probabilities_given_step": t, "probabilities_floor": floor})
    if s.sigmoid_given is not None:  # a sigmoid before a loss that applies its own (W106 walkthrough finding 4)
        t, ones, factor, outputs = s.sigmoid_given
        floor = factor * (ones * math.log1p(math.exp(-1.0)) + (1 - ones) * math.log(2.0))  # outputs at 1 and at 0
        return Finding(Status.FLOWING, f"{flow}; the loss is not judged: the outputs given to the binary "
                       "cross-entropy on logits are probabilities (every one of the "
                       f"{outputs:,} read at training step {t:,}, and at the read before it, is between 0 and 1: a "
                       "sigmoid at the model's end), and the loss applies its own sigmoid to them: each prediction "
                       "stays between 0.5 and 0.73 (the sigmoid of 0 and of 1), so the loss of that batch cannot "
                       f"fall below {floor:.3g} for its targets ({ones:.0%} of them 1) however right the model is (a "
                       f"batch's floor falls with its share of 1s: {factor * math.log1p(math.exp(-1.0)):.3g} for all "
                       f"1s, {factor * math.log(2.0):.3g} for none), and it sends back a fraction of the gradient that "
                       "logits get",
                       "Take the sigmoid off the model's end: nn.BCEWithLogitsLoss "
                       "(F.binary_cross_entropy_with_logits) takes logits and applies its own sigmoid; apply "
                       "torch.sigmoid only where predictions are read. "
                       "Where the model must give probabilities, train on nn.BCELoss of them instead.",
                       {**evidence, "sigmoid_given_step": t, "sigmoid_floor": floor})
    if s.loss_scale is not None and s.loss_scale_chance is not None:  # the loss and chance_loss do not compare
        scale, chance = s.loss_scale, s.loss_scale_chance
        now = ""
        if s.loss is not None and math.isfinite(s.loss) and scale.factor > 0 and s.steps and scale.step < s.steps:
            # the judged mean on the measure's scale, where the read back is older than this step (W83 walkthrough
            # finding 6: 'the batch's mean cross-entropy there was 2.26, 2% below chance' of training step 8, read
            # at step 362, where the cross-entropy was 0.0907, 96% below it)
            value = s.loss / scale.factor
            where = (f"{percent_below(value, chance)} below chance" if value < chance else
                     f"{value / chance - 1:.0%} above chance" if value < 2 * chance else
                     f"{times(value / chance)} times chance")
            now = (f"; the mean of s.loss over {judged_over(s)}, {s.loss:.3g}, is {value:.3g} on the {scale.kind}'s "
                   f"scale (divided by {scale.factor:.3g}), {where}")
        return Finding(Status.FLOWING, f"{flow}; the loss is not judged: {scale.words(chance)}{now}",
                       s.loss_scale.remedy(s.loss_scale_chance),
                       {**evidence, "loss_scale": s.loss_scale.factor, "loss_measured": s.loss_scale.value})
    if s.targets_skewed is not None and s.loss_scale_chance is not None:  # a constant guess far under chance_loss
        return Finding(Status.FLOWING, f"{flow}; the loss is not judged: "
                       f"{s.targets_skewed.words(s.loss_scale_chance)}", s.targets_skewed.remedy(),
                       {**evidence, ("constant_guess_loss" if s.targets_skewed.squared else "target_entropy"):
                        s.targets_skewed.entropy})
    if s.loss_below_zero is not None and s.loss_scale_chance is not None:  # a loss no chance level is of
        t, v, first = s.loss_below_zero
        return Finding(Status.FLOWING, f"{flow}; the loss is not judged: it began at {first:.3g}, under half of "
                       f"chance_loss ({s.loss_scale_chance:.3g}), and went below 0 ({v:.3g} at training step {t:,}): "
                       "a fresh model begins near the chance level of its loss, so this loss is on another scale "
                       "than chance_loss, and the two do not compare",
                       "Judge such a run by what it is for (a policy's return, a held-out accuracy): a loss such as "
                       "a policy gradient (-log p times a return) or a negative cosine has no chance level, so give "
                       "the monitor none. Where the loss does have one (a likelihood whose best constant guess gets "
                       "a loss above 0), check chance_loss against the loss a fresh model begins at.",
                       {**evidence, "loss_below_zero": v, "loss_below_zero_step": t, "first_loss": first})
    if s.loss is None or s.chance_loss is None:
        return Finding(Status.FLOWING, flow, "", evidence)
    if _has_moved(s):
        # at least MOVED_FRACTION: said as it is, not as "well below", and never rounded up to 100%
        below = percent_below(s.loss, s.chance_loss)
        # after a list of the layers left out ('...; left out: module '3' (ReLU), after the frozen '2.weight''), the
        # loss is a clause of its own, not one more item of that list (W27 walkthrough)
        join = "; " if s.left_out and s.layers else ", and "
        said = _held_said(s)
        held = "" if said is None else f"; {said[0]}"
        if said is not None:
            evidence |= {"test_loss": s.test_loss, "test_loss_step": s.test_loss_step}
        held += held_stopped_words(s)  # a script that stopped giving them: the reading says it judges without one
        if s.loss >= (1 - MOVED_FRACTION) * s.chance_loss and held_out_learns(s) is not None:  # (has_moved's)
            held += (f": the training loss is short of the {MOVED_FRACTION:.0%} below chance the reading takes as "
                     "learning from the training batches alone, but the held-out losses, below chance beyond their "
                     "noise, show that the network learns what holds on new points. Where the inputs predict the "
                     "targets only in part (a weak signal, noisy targets), the best possible loss sits this near "
                     "chance")
        jumped = fresh_jump(s)
        if jumped is not None:  # the mean still low, its latest batches far above it: not yet healthy (lr 0.02 raised
            # to 1 at step 5 and a loss of 40 at step 83, 17 times chance, read 'healthy ... 45% below chance')
            return Finding(Status.STARTING, f"unsettled: {flow}{join}the mean loss is {below} below chance"
                           f"{_loss_text(s)}{held}" + _fresh_jump_words(s, jumped, ", but not"),
                           _fresh_jump_remedy(s), {**evidence, "jump_step": jumped[0]})
        if began_below(s):  # (W81 walkthrough finding 5: a chance_loss too high reads far below it from the start)
            fits = chance_fits(s)  # (chance_loss fits the targets read back: it was trained before)
            held += (f"; it began {percent_below(began_at(s), s.chance_loss)} below chance ("
                     f"{began_words(s).removesuffix(',')}), as a model trained before does" + (fits or (
                         ": if this one was not, chance_loss may be too high for this loss, or the loss lets an "
                         "untrained model start there (a contrastive loss at a small temperature tells two views of "
                         "one input apart before any training; a focal loss weighs each example's cross-entropy down "
                         "by (1 - p)^gamma)")))
        remedy = " ".join(r for r in (_mostly_dead_remedy(s, mostly), _mostly_saturated_remedy(s),
                                      _unreached_remedy(s)) if r)
        cut = _ungraded(s) if s.layers else []  # (where every hidden layer is, the flow words say only the output
        # layer trains)
        head = ("healthy" if not cut else
                f"healthy where it trains, but {len(cut)} hidden layer{'' if len(cut) == 1 else 's'} ("
                f"{names_in_order(cut)}) get{'s' if len(cut) == 1 else ''} no gradient, though not frozen")
        return Finding(Status.HEALTHY, f"{head}: {flow}{join}the loss is {below} below chance{_loss_text(s)}{held}",
                       remedy, evidence)
    above = s.chance_loss > 0 and s.loss > (1 + MOVED_FRACTION) * s.chance_loss
    if s.blown_up is not None and math.isfinite(s.loss) and s.chance_loss > 0:
        return _back_from_blow_up(s, above, evidence)
    if s.blowing_up is not None and above and math.isfinite(s.loss):  # still up there: said as the blow-up it is
        peak, start, low, first = s.blowing_up
        return _back_from_blow_up(dataclasses.replace(s, blown_up=peak, blown_from=start, blown_low=low,
                                                      blown_first=first), above, evidence)
    judged, bound = s.lowest_judged_loss, s.lowest_judged_bound
    # (a run that began far below chance has learned once it came down from its first: began_below)
    unmoved = began_below(s) and judged is not None and judged >= began_line(s)
    if (judged is not None and math.isfinite(judged) and judged < (1 - MOVED_FRACTION) * s.chance_loss
            and (bound is None or bound < s.chance_loss) and s.lowest_judged_step is not None and not unmoved):
        # the run had learned, beyond its batches' noise: it is not starting (W30 walkthrough: lr 3 on three steps
        # after the mean had come down to 0.344 read 'starting: ... every run begins near chance, so the reading
        # waits' at steps 221 and 231, the window's mean back near chance while its batches' noise, one of them at
        # 16.2, kept 'not learning any more' from being told)
        what = "the mean loss" if s.loss_steps == LossSteps.SAMPLED else "the training loss"
        now = f"{times(s.loss / s.chance_loss)} times chance" if above else "back near chance"
        back_down, jumped = coming_back(s), fresh_jump(s)
        low, at = said_low(s)
        # (the loss's story first, the flow after it: a page folds a long headline, and the jump said last was
        # behind the fold; W107 walkthrough finding 3, a rate raised to 5 whose jump to 32.1 came after the flow and
        # 15 saturated units)
        words = (f"unsettled: {what} had come down to {low:.3g} at {numbered_step(s, at)}"
                 f", {percent_below(low, s.chance_loss)} below chance, and is {now}{_loss_text(s)}"
                 + (f", held up by older batches: the latest {LOSS_BATCHES} are all {MOVED_FRACTION:.0%} or more below "
                    f"chance (at most {back_down:.3g}), so it is coming back down" if back_down is not None else
                    _fresh_jump_words(s, jumped) if jumped is not None else
                    ": not yet beyond the noise of its batches to say the run lost what it learned")
                 + f"; {flow}")
        return Finding(Status.STARTING, words, _fresh_jump_remedy(s) if jumped is not None else "",
                       {**evidence, "lowest_judged_loss": judged, "lowest_judged_step": s.lowest_judged_step,
                        **({"jump_step": jumped[0]} if jumped is not None else {})})
    far = started_far(s) if above else None
    if far is not None:  # it began up there (a regression on targets of mean 500: reading_loss.started_far)
        return Finding(Status.STARTING, f"starting far from chance: {flow}; {far}{_loss_text(s)}",
                       started_far_remedy(s), {**evidence, "first_loss": s.first_loss[1]})
    noise = within_noise(s)  # 10% below chance, within its batches' noise of it: said, and not read as learning
    # a run whose first loss was already far below chance began trained (resumed from a checkpoint, fine-tuned): not
    # 'every run begins near chance' (W46 walkthrough: steps 301-303 of a resumed run at 0.15 against a chance of 1.39)
    first = s.first_loss
    # (under half of chance, or the first losses' mean past the learning line beyond its noise: a first batch 20%
    # below it is one batch's noise, W78 walkthrough finding 4: a fresh model's 0.798 against 1.0 read 'as a model
    # trained before begins', 27% of its batches as low)
    at = began_at(s)
    by_mean = began_by_mean(s)  # (the first losses' mean)
    began = (f", and it began there: {began_words(s)} was {percent_below(at, s.chance_loss)} below chance, as a "
             "model trained before (a run resumed from a checkpoint) begins"
             + (chance_fits(s) or ", or one whose loss is on another scale than chance_loss (a focal loss)")
             if by_mean and not above else
             f", and it began there: its first loss, at training step {first[0]:,}, was {first[1]:.3g}, "
             f"{percent_below(first[1], s.chance_loss)} below chance, as a model trained before (a run resumed from "
             "a checkpoint) begins" if first is not None and math.isfinite(first[1]) and not above
             and first[1] < s.chance_loss / RISING_FACTOR and (s.first_step > 1 or began_below(s)) else "")
    since = "there" if by_mean else "that first loss"
    # a run whose monitor began after training step 1 (Monitor(first_step=N)) was resumed: its loss need not begin near
    # chance (W84 walkthrough finding 9: step 301 of a resumed run read 'every run begins near chance')
    begins = (f"the monitor began at training step {s.first_step:,}, in a run resumed, whose loss need not begin "
              "near chance" if s.first_step > 1 else "every run begins near chance")
    # a first loss well above chance, under started_far's line, that has come down: the run did not begin near
    # chance, and its start says where to look (W70 walkthrough finding 4: a tied embedding's logits began a character
    # model at 61.9, 19 times chance, and the reading said 'every run begins near chance' with no remedy)
    far_start = (first is not None and math.isfinite(first[1]) and not s.loss_summed
                 and first[1] > RISING_FACTOR * s.chance_loss
                 and not at_zero_output(s, first[1]))  # (outputs at 0: where any classifier begins)
    # and one that has not come down yet, the first reading's included: the start is said with its remedy (W72
    # walkthrough finding 4: a classifier's output layer initialised 50 times too large began at 3.9 times chance and
    # read 'the loss is 3.9 times chance, above where a run begins ... so the reading waits', with no remedy)
    if not far_start:
        came = ""
    elif s.loss < first[1] / RISING_FACTOR:
        came = (f"its first loss, {first[1]:.3g} at training step {first[0]:,}, was "
                f"{times(first[1] / s.chance_loss)} times chance (the outputs began far from the targets), and the "
                "loss has come down to " + (f"{times(s.loss / s.chance_loss)} times chance" if above else
                                            "near chance") + " since")
    elif s.loss == first[1]:  # the first reading: the loss is the first
        came = (f"the loss is {times(s.loss / s.chance_loss)} times chance at training step {first[0]:,}, the "
                "run's first: the outputs begin far from the targets")
    else:
        came = (f"the loss is {times(s.loss / s.chance_loss)} times chance, and its first, {first[1]:.3g} at "
                f"training step {first[0]:,}, was {times(first[1] / s.chance_loss)} times chance: the outputs began "
                "far from the targets")
    if above:
        where = came or f"the loss is {times(s.loss / s.chance_loss)} times chance, above where a run begins"
    elif noise:
        where = (f"the loss is {percent_below(s.loss, s.chance_loss)} below chance{_loss_text(s)}{noise}"
                 + (began or (f", and {came}" if came else f", and {begins}")))
    elif began and unmoved:  # clearly below chance, where it began: no learning read yet (began_below)
        where = (f"the loss is {percent_below(s.loss, s.chance_loss)} below chance{began}, and it has not come "
                 f"{MOVED_FRACTION:.0%} down from {since} since")
    else:
        where = came or begins
    # the rule the wait is for, said (W28 finding 6: 'whether it learns shows over the first 1,000 updates' read as a
    # claim about the run, with nothing to say where the figure came from)
    # (one above twice chance is judged after FAR_JUDGE_STEPS where it has not come down to half its first: _learning;
    # said so, or the rule said broke its word, W81 walkthrough finding 4: 'not learning' at 200 after '1,000')
    far_rule = (f", or one above {RISING_FACTOR:g} times chance that has not come down to half its first after "
                f"{FAR_JUDGE_STEPS:,}" if s.chance_loss > 0 and s.loss > RISING_FACTOR * s.chance_loss else "")
    if began and unmoved:
        rule = (f"learning is read once the loss has come {MOVED_FRACTION:.0%} down from "
                + ("where it began" if by_mean else "its first"))
    else:
        rule = (f"a loss not {MOVED_FRACTION:.0%} below chance after {JUDGE_AFTER_STEPS:,} updates{far_rule} reads "
                "as not learning")
    # (a resumed run's own updates: W101 walkthrough finding 7, '(601 updates so far)' one update after first_step=601)
    own = own_updates(s) if s.steps else 0
    resumed = f" since training step {s.first_loss[0]:,}" if own != (s.steps or 0) else ""
    words = (f"starting: {flow}; {where}{'' if noise else _loss_text(s)}, so the reading waits: {rule} "
             f"({own:,} update{'' if own == 1 else 's'} so far{resumed})")
    # above chance and climbing over the recent losses (W13: a ReLU MLP at lr 5 went 0.70, 1.26, 2.81 and on to 17.7
    # against a chance of 0.69 and read 'starting' with nothing to do): not yet a divergence (DIVERGING_LOSS), but the
    # way one begins, so the words say it and name the usual cause; a climb is rising() over the window, not one
    # noisy batch at either end of it
    c = climb(s)
    # and still climbing: a loss fallen back from a peak more than RISING_FACTOR above it is no climb now (W31: one
    # update at lr 40 took the loss to 129 at step 62, and at step 81, back down to 2.82, it read 'it has risen from
    # 1.02 to 2.82 ... if it keeps rising, lower the learning rate')
    peak = max((v for _, v in recent(s)), default=math.nan)
    if above and c is not None and c.kind == "rose" and c.count >= 3 and RISING_FACTOR * c.last > peak:
        words += f"; it has risen from {c.first:.3g} to {c.last:.3g}{c.over()}"
        evidence = {**evidence, "recent_losses": list(s.recent_losses or ())}
        return Finding(Status.STARTING, words,
                       "A loss climbing above chance this early usually means steps too large: if it keeps rising, "
                       f"lower the learning rate (a tenth is a good first try) and {s.restart}.", evidence)
    rose = climbed_from_first(s) if above else None
    if rose is not None:  # a steady climb from the first loss, too slow to double inside the recent window
        t, first, level = rose
        words = (f"climbed: {flow}; the loss has risen from its first, {first:.3g} at training step {t:,}, to a "
                 f"median of {level:.3g} over the latest {len(recent(s))} losses, {times(level / first)} times it and "
                 f"{times(level / s.chance_loss)} times chance{_loss_text(s)}")
        # a failure, not a wait: the loss has gone the wrong way, well past chance (W77 walkthrough finding 1: a
        # transformer's climb to 9.9 times chance read 'starting' at every sampled step, and the page drew no change)
        return Finding(Status.NOT_LEARNING, words, climbed_from_first_remedy(s, first),
                       {**evidence, "first_loss": first, "first_loss_step": t})
    back = s.climbed_peak
    if back is not None and not came and not noise:  # climbed, and come back to chance or near it: the climb is the
        # run's story, not 'every run begins near chance' (W77 walkthrough finding 1)
        t, first, level, at = back
        now = f"is {times(s.loss / s.chance_loss)} times chance now" if above else "is back near chance"
        return Finding(Status.NOT_LEARNING,
                       f"not learning: {flow}; the loss climbed from its first, {first:.3g} at training step {t:,}, to "
                       f"a median of {level:.3g} over {LOSS_BATCHES} losses up to training step {at:,} "
                       f"({times(level / s.chance_loss)} times chance), and {now}{_loss_text(s)}; a climb leaves the "
                       "weights where its large steps threw them, so this is no run starting near chance",
                       climbed_from_first_remedy(s, first),
                       {**evidence, "first_loss": first, "first_loss_step": t, "climbed_to": level,
                        "climbed_step": at})
    remedy = _mostly_dead_remedy(s, mostly)
    if not came and not (began and unmoved) and not above and own >= PINNED_HINT_STEPS and _pinned(s):
        remedy = (f"{NO_VERDICT_YET} a loss at chance is read as not learning after {JUDGE_AFTER_STEPS:,} updates, and "
                  f"{own:,} have run. If it stays there: " + _lowered(_pinned_remedy(s, "if the loss is flat, "
                                                                                         "raise the learning rate; if "
                                                                                         "it wobbles, lower it."))
                  + (f" {remedy}" if remedy else ""))
        evidence = {**evidence, "pinned_at_chance": own}  # (what a face reads the hint by: its words are the learner's)
    if came:
        remedy = f"{started_far_remedy(s)} {remedy}".strip()
        evidence = {**evidence, "first_loss": first[1], "first_loss_step": first[0]}
    elif began and unmoved:
        remedy = ("If the model was trained before (fine-tuned, or resumed: Monitor(first_step=N + 1) says so), "
                  "nothing to change. If not, a fresh model begins near chance, so chance_loss is too high for this "
                  "loss: give it the loss of the best constant guess on the training targets (their variance for a "
                  "mean squared error; for L1, Huber or another loss, that loss at the constant that minimises it). "
                  + remedy).strip()
        evidence = {**evidence, "first_loss": first[1], "first_loss_step": first[0]}
    return Finding(Status.STARTING, words, remedy, evidence)


# a hidden layer with this share of its units dead or more is named beside the run's pooled count, and a reading that
# finds nothing wrong with the run says what those units cost and what brings them back (W37 walkthrough: 40 of a
# ReLU layer's 64 units held off from the first step by biases of -8 read 'healthy: ... 41 of 128 hidden units are
# dead, and the loss is 63% below chance', with no remedy)
MOSTLY_DEAD = 0.5


def _mostly_dead(s: RunSummary) -> list[int]:
    """The hidden layers (0-based) with MOSTLY_DEAD of their units dead or more, not all of them (a layer all dead is
    a finding of its own)."""
    return [i for i, l in enumerate(s.layers) if l.width and MOSTLY_DEAD * l.width <= l.dead < l.width]


def _mostly_saturated_remedy(s: RunSummary) -> str:
    """What half a layer or more saturated costs a run that learns, and what brings its units back; "" where no layer
    is. W84 walkthrough finding 3: a transformer at 30 times its learning rate read 'healthy ... 334 of 768 hidden
    units are saturated, 165 of 256 in ...' with no remedy at any of 60 sampled steps; its units had gone flat as the
    rate peaked, and at the usual rate none was."""
    held = _mostly_saturated(s)
    if not held:
        return ""
    named = names_in_order([s.name(i) for i in held])
    acts = {s.layers[i].activation for i in held}
    levers = []
    if offers_lower_lr(s):
        levers.append("a lower learning rate (steps too large push a unit's inputs far out, where its function is "
                      "flat)")
    if can_offer(s, Lever.ARCHITECTURE) and not all(s.layers[i].normed for i in held):
        levers.append("inputs normalised before the layer (LayerNorm or BatchNorm)")
    if acts & SQUASHING and can_offer(s, Lever.ACTIVATION):
        levers.append(f"ReLU, GELU or SiLU instead of {', '.join(sorted(acts & SQUASHING))}, which flattens at both "
                      "ends")
    fix = f" Where it needs them, try {' or '.join(levers)}." if levers else ""
    return (f"Half or more of the units of {named} are saturated: little gradient passes back through them, so the "
            f"layer learns with the rest.{fix}")


def _unreached_remedy(s: RunSummary) -> str:
    """Where every hidden layer is left out and one of them because its trained weights got no gradient (not frozen),
    what to do if they should learn; "" otherwise. W105 walkthrough finding 8: an encoder's output detached by mistake
    read 'healthy: only the output layer trains ... which got no gradient' with no remedy, at 0.60 accuracy where the
    control reached 0.85; the fix stood in a note alone."""
    cut = _ungraded(s)
    if not cut:
        return ""
    # (and where other hidden layers train, the ones cut off named: W106 walkthrough finding 1, an encoder detached
    # before a head with a hidden layer of its own read 'healthy: gradients reach every trained layer' with no remedy,
    # at 0.67 accuracy against its control's 0.85)
    which = ("the hidden layers" if not s.layers else
             f"{names_in_order(cut)} (and the weights before {'it' if len(cut) == 1 else 'them'})")
    return (f"If {which} should learn, the loss does not reach their weights through autograd: look for a "
            ".detach(), a torch.no_grad() block, .data or a round trip through NumPy between them and the output "
            "layer, and compute their outputs with gradients enabled. If they are meant to stay as they are, set "
            "requires_grad_(False) on their parameters: the reading then calls them frozen.")


def _ungraded(s: RunSummary) -> list[str]:
    """The hidden layers left out of the reading because the weights before them got no gradient, though they are
    not frozen (RunSummary.left_out's "..., which got no gradient"), by name."""
    return [w.split(", after ")[0] for w in s.left_out if w.endswith("which got no gradient")]


def _mostly_dead_remedy(s: RunSummary, mostly: list[int]) -> str:
    """What half a layer or more dead costs, and what brings its units back (off_remedy's levers); "" where no layer
    is."""
    if not mostly:
        return ""
    named = names_in_order([s.name(i) for i in mostly])
    # dead from the first sampled step on, every one of them: the initialisation's doing, not the learning rate's
    # (W83 walkthrough finding 4: weights at 0.01 of PyTorch's default, the dead channels exactly those whose bias was
    # below 0, and 'a smaller learning rate keeps units from being pushed there')
    start = max(s.layers[i].dead_from_start for i in mostly) if all(s.layers[i].dead_from_start for i in mostly) \
        else 0
    fix = off_remedy(s, [i + 1 for i in mostly], pushed=not start)
    zero = any(s.layers[i].activation in ZERO_RECTIFIERS for i in mostly)
    bias = "; a bias far below 0 holds a unit off from the first step" if zero and not start else ""
    cost = (f"Half or more of the units of {named} are dead: they pass no gradient back, so their weights stay where "
            f"they are and the layer works with the rest.")
    if start:
        one = len(mostly) == 1
        seen = sum(s.layers[i].dead_seen_on for i in mostly)
        which = "Every one of the dead units was" if not seen else f"All but {seen:,} of the dead units were"
        return (f"{cost} {which} off on every sampled batch {from_start_words(start)}: check the "
                f"biases of {'that layer' if one else 'those layers'} and the weights before "
                f"{'it' if one else 'them'} (a bias far below what the weights give a unit keeps it off on every "
                "input; weights scaled far down leave the biases to decide which units are on). If it needs them, "
                f"{fix[0].lower()}{fix[1:]}.")
    return f"{cost} If it needs them, {fix[0].lower()}{fix[1:]}{bias}."
