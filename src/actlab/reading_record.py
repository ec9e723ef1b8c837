"""The reading record's vocabulary: a status, the per-layer and per-run summary a backend fills, a finding, and
the Reading that diagnose() (readings.py) makes of them; with the small number words the readings share.

Kept apart from the rules in readings.py, which import these and re-export them: ``readings.Status`` and the rest
stay where every face has always found them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from . import _html
from ._json import jsonable


class Status(StrEnum):
    """Most serious first: a Reading's status is the first of these that its findings contain, with one exception:
    a run that had learned and whose loss climbed back far above chance reads NOT_LEARNING ('not learning any more')
    ahead of EXPLODING and VANISHING, which its headline then adds. Beside NO_GRADIENT, OUTPUT_SATURATED or DEAD_LAYER,
    which no smaller step undoes, the status stays theirs, and the words begin 'not learning any more, with no
    gradient' (a dead layer, its output saturated)."""

    DIVERGED = "diverged"
    UNSCALED_INPUTS = "unscaled_inputs"
    NO_GRADIENT = "no_gradient"
    OUTPUT_SATURATED = "output_saturated"
    DEAD_LAYER = "dead_layer"
    EXPLODING = "exploding"
    OSCILLATING = "oscillating"  # the last update carried most of the weights (by size) across 0
    VANISHING = "vanishing"
    NOT_LEARNING = "not_learning"
    NOT_GENERALISING = "not_generalising"  # the training loss moved, the test loss did not
    # the loss came down, and trained weights that get gradients keep their values: the optimiser does not step them
    # (left out of it, or its learning rate at 0). Not a failure (what is stepped learns), never healthy (W54
    # walkthrough: an AdamW given the head alone read 'healthy' over a body that never moved)
    WEIGHTS_STILL = "weights_still"
    STARTING = "starting"  # gradients flow; too early to say whether it learns
    FLOWING = "flowing"  # gradients flow; no loss to judge (a network at initialisation)
    UNWATCHED = "unwatched"  # the backend cannot see the model's activations (a fused recurrent kernel, ...)
    HEALTHY = "healthy"


class LossSteps(StrEnum):
    """Which steps a summary's recent losses were taken at, so that the words name those steps truly."""

    SAMPLED = "sampled"  # some steps only (a monitor's samples): a step between two of them was not seen
    EVERY = "every"  # every update: each one's minibatch loss, taken before that update (the engine before a NaN)
    FRAMES = "frames"  # the whole training set's loss at each frame's step (the engine's other frames)


class Lever(StrEnum):
    """A change a remedy may ask for. A face offers some of them (RunSummary.levers), and a remedy names only those:
    actlab's own network is a plain MLP, so the lab and `actlab train` have no residual connections to add (W15)."""

    ACTIVATION = "activation"
    INIT = "init"  # the weights' initialiser
    LEARNING_RATE = "learning_rate"
    LAYERS = "layers"  # how many hidden layers, and their widths
    LOSS = "loss"
    ARCHITECTURE = "architecture"  # residual connections, normalisation layers (LayerNorm, BatchNorm)
    INPUTS = "inputs"  # scaling the input columns: only where the inputs are the user's own
    REGULARISATION = "regularisation"  # L1 or L2 and its rate


# the settings of actlab's own runs (the lab's playground, `actlab train`, a Trainer): the summary's default
ENGINE_LEVERS = frozenset({Lever.ACTIVATION, Lever.INIT, Lever.LEARNING_RATE, Lever.LAYERS, Lever.LOSS,
                           Lever.REGULARISATION})
# a PyTorch script can change anything in its model and its data
TORCH_LEVERS = frozenset(Lever)

# the layer ratios a finding's words may quote, by the evidence key that holds the number: "dW", layer 1's weight
# gradient over the output layer's (LayerReading.grad_ratio_to_last); "dz", the gradient passed back to layer 1 over
# the output layer's (LayerReading.signal_ratio_to_last)
# The notation of the two gradient norms that every face writes (tables' heads, charts' legends, the words), and its
# one description, which every face reads: the CLI's and the notebook's tables from here, the pages from
# GET /api/options ("notation"). Before R21 some faces wrote the weight gradient's norm as ‖dW‖.
GRAD_NORM = "‖dL/dW‖"
SIGNAL_NORM = "‖dL/dz‖"
NOTATION = (f"{GRAD_NORM}: a layer's weight gradient, the size (root sum of squares) of the loss's gradient with "
            f"respect to the layer's weight matrix. {SIGNAL_NORM}: the gradient passed back to a layer's units, "
            "before the activation.")
# what "saturated" means wherever a learner reads it (the CLI's table note, GET /api/options "notation", the README
# says the same): the one meaning, true to the math of each activation's flat tails (Activation.saturation_text)
SATURATED = ("Saturated: units whose mean |f′| is under 1% of its maximum, or whose outputs sit at a level the "
             "activation flattens to (tanh's ±1, ELU's −α), so little gradient passes; GELU's and SiLU's far left "
             "tail, where output and f′ are both near 0 but never exactly 0, is such a place: saturated, not dead. "
             "Off and dead are for f′ exactly 0 (ReLU below 0).")
# how the playground's remedies and stop messages say "start again": its button is labelled Reset
PLAYGROUND_RESTART = "press Reset"
QUOTED_RATIOS = {"first_to_last_ratio": "dW", "first_to_last_signal_ratio": "dz"}

# inputs standardised column by column have a root mean square of about 1: at or below this no remedy tells the
# learner to scale them
SCALED_INPUT_RMS = 3.0

_ORDER = {s: i for i, s in enumerate(Status)}
FAILURES = frozenset({Status.DIVERGED, Status.UNSCALED_INPUTS, Status.NO_GRADIENT, Status.OUTPUT_SATURATED,
                      Status.DEAD_LAYER, Status.EXPLODING, Status.OSCILLATING, Status.VANISHING, Status.NOT_LEARNING,
                      Status.NOT_GENERALISING})


@dataclass(frozen=True)
class WeightSwing:
    """What one update did to the weights (not the biases), read from their values before and after it."""

    flip_share: float  # the share of the weights' size (sum |w| after) carried by weights whose sign it changed
    step_ratio: float  # ||W_after - W_before|| / ||W_before||: the update's size against the weights'
    mean_size: float  # mean |w| after the update


@dataclass(frozen=True)
class HeldOutLow:
    """The lowest window of a monitor's held-out losses (reading_held_out.HELD_OUT_WINDOW given in a row): their
    median, the training steps the first and last were given after, and the lowest of them with its step."""

    median: float
    first_step: int
    last_step: int
    best_step: int
    best: float
    size: int = 7  # how many held-out losses the window holds (reading_held_out.HELD_OUT_WINDOWS)
    mid_step: int | None = None  # the training step its middle loss was given after (reading_held_out.keep_step)


@dataclass(frozen=True)
class OutputBeyond:
    """A bounded output (tanh, sigmoid) whose squared-error, Huber or smooth L1 loss asks it for values outside its
    range, over a monitor's latest sampled batches: each output's goal, the value that would zero its error, read
    from the loss's gradient (interop/_monitor_head.py). The error beyond the range cannot go, whatever the
    training."""

    where: str  # the activation, in words ("module '5' (Tanh)")
    low: float  # its range
    high: float
    margin: float  # how far past an end a goal lies, and how near one an output sits, to count
    batches: int  # the sampled batches read
    since: int  # the training step of the first of them
    share: float  # of the outputs the loss reads, those whose goal lies beyond the range
    pinned: float  # of those outputs, those within margin of an end
    floor: float  # the loss that cannot go (a batch's, mean over the batches)
    loss: float  # the loss on the same batches (mean)
    # share and floor are the least they can be: under a Huber or smooth L1 loss whose clamp bit, a target is known
    # only to lie delta (beta) from its output or further
    at_least: bool = False


@dataclass(frozen=True)
class OutputAtEnd:
    """A bounded output (sigmoid, tanh, hardtanh) whose value is exactly at an end of its range, where its slope is
    exactly 0, while the loss asks it to move back into the range: such an output passes no gradient back at all,
    under any loss (a sigmoid rounded to exactly 0 or 1 under nn.BCELoss: W58 walkthrough finding 6), so the training
    no longer learns from its point. Over a monitor's latest sampled batches (interop/_monitor_head.py)."""

    where: str  # the activation, in words ("module '3' (Sigmoid)")
    activation: str  # its registry record's name ("sigmoid")
    low: float  # its range
    high: float
    batches: int  # the sampled batches read
    since: int  # the training step of the first of them
    share: float  # of all their outputs, those at an end with the loss asking them back in
    outputs: int  # how many outputs the batches held
    # its ends are flat stretches reached at finite inputs (hardtanh, hardsigmoid: Activation.has_zero_region), not
    # limits that only large inputs round to
    flat: bool = False


@dataclass(frozen=True)
class LossScale:
    """The loss given is ``factor`` times the batch's mean cross-entropy of the model's outputs, or their mean squared
    error, read back from the outputs and their gradient (interop/_monitor_lossread.py), while chance_loss is on the
    measure's own scale: the two do not compare (W64 walkthrough: a loss divided by 1000 read 'healthy ... 99.9%
    below chance' on a model that learned nothing; a loss summed over 64 rows, 'not learning ... 1.4 times chance' on
    one at 98.5%; half a mean squared error, 'healthy ... 49% below chance' at R^2 = 0.0035)."""

    factor: float
    value: float  # the batch's mean cross-entropy, or mean squared error, at ``step``
    step: int  # the training step of the latest read
    rows: int  # the rows (samples, or tokens) it was taken over; the outputs, for a squared error
    classes: int  # (0 for a squared error)
    summed: bool  # the factor is the rows' count: a sum over the batch
    kind: str = "cross-entropy"  # or "binary cross-entropy", "squared error"

    def words(self, chance: float) -> str:
        v = self.value
        where = (f"{percent_below(v, chance)} below chance" if v < chance else
                 f"{v / chance - 1:.0%} above chance" if v < 2 * chance else f"{times(v / chance)} times chance")
        each = {"cross-entropy": "cross-entropies", "binary cross-entropy": "binary cross-entropies"}.get(
            self.kind, "squared errors")
        what = (f"the sum of the {each} of the batch's {self.rows:,} {self._noun()}, not "
                "their mean (reduction='sum', or a .sum())" if self.summed else
                f"{self.factor:.3g} times the batch's mean {self.kind}")
        return (f"s.loss is {what} (read back from the model's outputs and their gradient, at training step "
                f"{self.step:,}), while chance_loss ({chance:.3g}) is on the {self.kind}'s scale, so the two do not "
                f"compare; the batch's mean {self.kind} there was {v:.3g}, {where}")

    def _noun(self) -> str:
        """What a sum runs over: a cross-entropy's rows, each output of a binary cross-entropy or a squared error."""
        return "rows" if self.kind == "cross-entropy" else "outputs"

    def remedy(self, chance: float) -> str:
        if self.summed:
            what = self._noun()
            return (f"Give s.loss the batch's mean (reduction='mean', or the sum divided by the batch's {what}), or "
                    f"Monitor(chance_loss=...) the chance of the sum ({self.rows:,} x {chance:.3g} = "
                    f"{self.rows * chance:.3g} for batches of {self.rows:,} {what}).")
        return (f"Give s.loss the batch's mean {self.kind} itself, before it is multiplied by {self.factor:.3g} "
                "(divided, for gradient accumulation, by the micro-batches' count: the micro-batch's own loss), or "
                f"Monitor(chance_loss=...) the chance on the loss's scale ({self.factor:.3g} x {chance:.3g} = "
                f"{self.factor * chance:.3g}).")


@dataclass(frozen=True)
class TargetSkew:
    """The targets of a monitor's latest cross-entropy reads (read back from the outputs' gradient) are far from
    balanced: a constant guess of their frequencies gets a cross-entropy well under chance_loss, which then says more
    learning than there is (W63 walkthrough finding 3: padding counted as a target read 'healthy' against ln V; W65
    finding 1: 62% of the labels one class read 'healthy ... 40% below chance' on inputs of pure noise)."""

    target: int  # the commonest class
    classes: int
    share: float  # its share of the targets read
    entropy: float  # a constant guess of their frequencies: its cross-entropy (their entropy)
    reads: int  # the batches read
    since: int  # the training steps of the first and the latest read
    step: int
    targets: int  # the targets read, over those batches
    # a binary cross-entropy's targets (W68 walkthrough finding 2: eight labels all 0 read 'healthy ... 99.9% below
    # chance' against ln 2): ``target`` is then the commoner value, 0 or 1, over every label, ``classes`` the labels,
    # and ``entropy`` the mean of each label's
    binary: bool = False
    # the targets are near balanced over the outputs' own classes (their entropy 0.9 of ln C or more): chance_loss fits
    # another number of classes, not this head (W72 walkthrough finding 2: a head of 4 classes swapped in under a
    # chance_loss of ln 10 read 'far from balanced: the commonest, class 3 of 4, is 33%' and 'ignore_index=3')
    balanced: bool = False
    # a squared error's targets (W82 walkthrough finding 5: chance_loss a tenth of the targets' variance read a batch's
    # wiggle as 'risen ... lower the learning rate'; a model whose loss came down 5 times from its first read 'not
    # learning ... 1.6 times chance'): ``entropy`` is then the loss a constant guess of their mean gets, on the loss's
    # scale (its factor times their variance), far above chance_loss; ``classes`` the outputs per row
    squared: bool = False
    # a binary cross-entropy on a map's (N, C, H, W) logits: ``classes`` are its channels, each one's targets pooled
    # over this many positions a row (W95 walkthrough finding 3: a mask of 32 x 32 read as '32 labels a row'); 0: none
    positions: int = 0
    # a cross-entropy's batches read each hold one class alone: batches drawn in order from a data set sorted by label
    # (W105 walkthrough finding 2: an unshuffled data set read 'the commonest, class 0 of 4, is 100% of the 192 read'
    # and was told to leave class 0 out of the loss, where the whole set was 14/21/34/30%)
    one_class: bool = False

    def words(self, chance: float) -> str:
        if self.squared:
            return (f"the targets, read back from the outputs and their gradient ({self.targets:,} values, "
                    f"{self.reads} batches from training step {self.since:,} to {self.step:,}), vary so much that "
                    f"a constant guess of their mean gets a loss of about {self.entropy:.3g}, "
                    f"{times(self.entropy / chance)} times chance_loss ({chance:.3g}): chance_loss is below what "
                    "any constant guess reaches, and judged against it a model that learned reads as one that did "
                    "not")
        if self.balanced:
            return (f"the outputs have {self.classes:,} classes, and the targets read back from their gradient are "
                    f"near balanced over them (the commonest, class {self.target}, is {self.share:.0%} of the "
                    f"{self.targets:,} read, {self.reads} batches from training step {self.since:,} to "
                    f"{self.step:,}), so a constant guess gets a cross-entropy of about {self.entropy:.3g}, near "
                    f"ln {self.classes} = {math.log(self.classes):.3g}, while chance_loss is {chance:.3g}: it does "
                    "not fit this head, and any loss judged against it would read wrong")
        if self.binary:
            labels = (f"a map of {self.classes:,} channel{'' if self.classes == 1 else 's'} over "
                      f"{self.positions:,} positions a row" if self.positions else
                      f"{self.classes:,} label{'' if self.classes == 1 else 's'} a row")
            each = "each channel's frequency over every position" if self.positions else "each label's frequency"
            return (f"the targets, read back from the outputs' gradient, are far from balanced: {self.share:.0%} of "
                    f"the {self.targets:,} read ({labels}, {self.reads} batches, from training step {self.since:,} "
                    f"to {self.step:,}) are {self.target}, so a constant guess of {each} gets a "
                    f"binary cross-entropy of about {self.entropy:.3g}, while chance_loss is {chance:.3g}: judged "
                    "against it, any loss would read as more learning than there is")
        if self.one_class:
            return (f"each of the {self.reads} batches read (from training step {self.since:,} to {self.step:,}) "
                    f"holds one class alone, by the targets read back from the outputs' gradient (class {self.target} "
                    f"is {self.share:.0%} of the {self.targets:,} read), as batches drawn in order from a data set "
                    "sorted by its labels do: the classes these batches hold are not the data set's, and judged "
                    f"against chance_loss ({chance:.3g}) any loss would read as more learning than there is")
        return (f"the targets, read back from the outputs' gradient, are far from balanced: the commonest, class "
                f"{self.target} of {self.classes:,}, is {self.share:.0%} of the {self.targets:,} read ({self.reads} "
                f"batches, from training step {self.since:,} to {self.step:,}), so a constant guess of their "
                f"frequencies gets a cross-entropy of about {self.entropy:.3g}, while chance_loss is {chance:.3g}: "
                "judged against it, any loss would read as more learning than there is")

    def remedy(self) -> str:
        if self.squared:
            return ("Give Monitor(chance_loss=...) the loss of the best constant guess: for a mean squared error, the "
                    "targets' variance over the whole training set (the mean of each output's, for several; about "
                    f"{self.entropy:.3g} from the {self.targets:,} targets read here).")
        if self.balanced:
            return (f"Set mon.chance_loss = math.log({self.classes}) ({math.log(self.classes):.3g}), the chance of a "
                    f"head of {self.classes} balanced classes (or the entropy of the classes' frequencies over the "
                    "whole training set, where they are not balanced).")
        if self.binary:
            over = ("the mean over the channels of each one's binary entropy over every position of the whole "
                    "training set" if self.positions else
                    "the mean over the labels of each one's binary entropy over the whole training set")
            return (f"Give Monitor(chance_loss=...) {over}, -(f log(f) + (1 - f) log(1 - f)) with f its share of 1s "
                    "(about "
                    f"{self.entropy:.3g} from the {self.targets:,} targets read here)" + (
                        "." if self.positions else "; and check the targets: a label that is the same on every row "
                        "teaches nothing, and can be left out."))
        if self.one_class:
            return ("Shuffle the training data (DataLoader(..., shuffle=True), or a fresh torch.randperm each epoch): "
                    "a model given one class at a time learns to say that class, then the next, and forgets the one "
                    "before. If the data set does hold one class alone, give Monitor(chance_loss=...) the entropy of "
                    "the classes' frequencies over the whole training set.")
        return (f"If class {self.target} is padding or a filler, leave it out of the loss (ignore_index={self.target} "
                "in the cross-entropy); otherwise give Monitor(chance_loss=...) the entropy of the targets' "
                "frequencies over the whole training set, -sum(f * log(f)) over each class's share f (about "
                f"{self.entropy:.3g} from the {self.targets:,} targets read here).")


@dataclass(frozen=True)
class OutputCollapse:
    """The model's outputs have collapsed onto one direction: the spread of their unit vectors over a batch's rows
    (the std of each output over the rows, their mean times the root of the outputs' count: 1 for directions spread
    evenly, 0 for one direction; Chen & He 2021's measure of collapse, scaled) fell far under its first reads', where
    the loss is of no kind a monitor reads back (W87 walkthrough finding 8: an encoder trained on a negative cosine
    between two views, its spread from 0.45 to 0.007, read 'flowing' with a note that its loss at its floor was
    'learning done')."""

    spread: float  # the latest read's
    step: int  # the training step it was read at
    first: float  # the first read's
    first_step: int  # its training step
    rows: int
    outputs: int
    # the part of the model whose outputs these are, where the script drives it through its parts (model['enc'](x)):
    # its name; "": the model's own output
    part: str = ""

    def words(self) -> str:
        whose = f"the outputs of the model's part '{self.part}'" if self.part else "the model's outputs"
        return (f"{whose} have collapsed onto one direction: at training step {self.step:,} the spread "
                f"of their unit vectors over the batch's {self.rows:,} rows was {self.spread:.2g} (1 for directions "
                f"spread evenly over the {self.outputs:,} outputs, 0 for one), against {self.first:.2g} at training "
                f"step {self.first_step:,}: every input gets nearly the same output, and a loss that such an output "
                "meets says nothing of learning")

    def remedy(self) -> str:
        return ("Where the targets are themselves nearly one vector, or differ by under 7% of their size (around a "
                "large common offset), standardise them (subtract their mean, divide by their std). Otherwise a loss "
                "that a constant output meets pulls every output together (a negative cosine or a squared distance "
                "between two views of an input, with nothing that keeps the outputs apart): stop the gradient "
                "through one view's branch and add a predictor head (SimSiam), take the target from a momentum copy "
                "of the encoder (BYOL), add a term that keeps each output's variance up (VICReg), or compare against "
                "other inputs' outputs (a contrastive loss such as InfoNCE). A GAN's generator whose samples "
                "collapsed onto one mode: a Wasserstein loss with a gradient penalty, or a discriminator that sees "
                "the batch (minibatch discrimination).")


@dataclass(frozen=True)
class LayerSummary:
    """One hidden layer, as any backend can measure it."""

    activation: str
    width: int
    grad_norm: float  # ||dL/dW|| of the layer's weights
    dead: int = 0  # units with f' = 0 on every sample
    saturated: int = 0  # units whose mean |f'| is below 1% of the maximum (dead ones included)
    signal_norm: float | None = None  # ||dL/dz|| (or ||dL/da||): the gradient passed back to the layer
    label: str = ""  # how the words name it ("layer 2", "module 'encoder.3'"); empty: "layer k"
    weights: str = ""  # how the words name its weights where they are not the label's ("'fc1.weight'"); empty: label
    # an activation applied to another's output in the same layer (a monitor's tanh on softplus): the same units,
    # which a layer's count takes once
    chained: bool = False
    # of its places, how many are a later call of a function called before in the same forward (a loop over time
    # steps: its units counted again at each call, W66 walkthrough finding 3: '811 of 2400 hidden units are saturated'
    # in a cell of 16 units called 150 times); 0: none
    repeats: int = 0
    # a normalisation module between the layer's weights and its activation, in words ("'4' (BatchNorm1d)"): its own
    # bias and weight set where the units sit, whatever the weights before it do (W73 walkthrough finding 7: a conv
    # net flat behind a BatchNorm whose bias was far below 0 was told to 'normalise the layer's inputs'); "" where
    # none runs there, or it is not known
    normed: str = ""
    # no unit of it was on at any sampled batch from the run's first sampled step on: that step's training step (1:
    # before any update), where the losses before it did not blow up; 0: not so. The initialisation put them off, not
    # the training (W77 walkthrough finding 3: hidden biases of -2 read 'dead ... a smaller learning rate keeps units
    # from being pushed there; then restart ... from a checkpoint saved before the problem began' at step 1; W78
    # finding 1: under every="auto", first sampled at step 4, the same run read so where every=1's named the biases)
    never_on: int = 0
    # as never_on, of the units counted dead (some of the layer's others on): nine in ten of them or more were on at
    # no sampled batch from the run's first sampled step on (W83 walkthrough finding 4: weights at 0.01 of PyTorch's
    # default left the biases to decide, and the units with a bias below 0 were dead from the first step, the remedy
    # blaming the learning rate); 0: not so, or none dead. dead_seen_on: how many of the dead units were on at an
    # earlier sampled batch (the others never were)
    dead_from_start: int = 0
    dead_seen_on: int = 0
    # every unit gave the same output as every other on each point of the latest sampled batch (with some slope):
    # copies of one unit, as weights initialised to one value make them, and no update makes them differ
    same_units: bool = False


@dataclass(frozen=True)
class RunSummary:
    """What the reading is computed from. Loss, chance and epochs are None for a network that is
    measured without training (the lesson's vanishing-gradient chart)."""

    layers: tuple[LayerSummary, ...]  # hidden layers, input side first
    output_grad_norm: float  # ||dL/dW|| of the output layer
    loss: float | None = None
    chance_loss: float | None = None
    epochs: int | None = None
    steps: int | None = None  # minibatch updates so far
    output_stuck_fraction: float | None = None  # samples the output gets wrong while its f' is ~0 (MSE heads)
    diverged_at_step: int | None = None
    # the sampled step before diverged_at_step whose numbers were finite: below diverged_at_step - 1 the steps between
    # were not sampled, so diverged_at_step is where the NaN was first seen, not where it began (None: not known)
    last_finite_step: int | None = None
    output_signal_norm: float | None = None  # the signal norm that layer signals are compared with
    signal_reference: str = "the output layer"  # what output_signal_norm belongs to, in words
    test_loss: float | None = None
    test_chance_loss: float | None = None
    # the training step a held-out loss was given after (a monitor's Monitor.held_out); None: the test loss is of the
    # weights the reading is of (the lab's test set, measured with them)
    test_loss_step: int | None = None
    # the first training step whose judged mean was MOVED_FRACTION below chance (a monitor's); None: not yet, or not
    # known (the engine's test loss is read from the first epoch on)
    moved_at: int | None = None
    # a monitor's held-out losses as given up to the step the reading is of, oldest first, as (the training steps done
    # when each was given, the loss; None where held_out(None) stopped them), up to HELD_OUT_KEPT of them, and the
    # lowest window of them since the last stop (reading_held_out.lowest_window): a held-out loss risen from its lowest
    # while the training loss kept falling is a network that stopped generalising (W39 walkthrough: 0.343 to 0.976
    # over 1,400 steps read 'healthy' throughout, since it stayed below chance); empty and None: none given
    held_out: tuple[tuple[int, float | None], ...] = ()
    held_out_lowest: HeldOutLow | None = None
    # the lowest windows of more held-out losses in a row (reading_held_out.HELD_OUT_WINDOWS after the first), where
    # so many were given: their medians swing less, so a rise that one of 7 cannot tell from the noise shows in them
    held_out_wider: tuple[HeldOutLow, ...] = ()
    input_rms: float | None = None  # root mean square of the inputs
    input_ids: bool = False  # the inputs are integers (token ids into an embedding): there is no scale to check
    # a normalisation between the first layer and its activation, in words (a monitor: "'1' (LayerNorm)"): inputs
    # above UNSCALED_INPUT_RMS are then said after the status, not as a failure of the first layer's activation
    input_normalised: str = ""
    has_output_head_saturation: bool = False  # the head can saturate (MSE on a tanh or sigmoid output)
    keeps_last_finite: bool = True  # actlab's engine stops at a non-finite loss; a watched torch model does not
    # how a remedy says "start again": the lab's Reset button (the default, PLAYGROUND_RESTART); `actlab train` run
    # again; a script re-initialises its weights
    restart: str = PLAYGROUND_RESTART
    # how a remedy offers to clip the gradients' norm, where the face can ("": it cannot; the lab's runs have no
    # clipping setting, a torch script has torch.nn.utils.clip_grad_norm_)
    clip: str = ""
    # the loss is the mean over this many recent batches (a monitor judges learning on more than one batch's loss);
    # None: one loss, as given
    loss_batches: int | None = None
    # what the weight-gradient ratios are taken against, in words, where it is not the output layer (a monitor whose
    # model's output layer is frozen measures against the last trained layer)
    reference_name: str = ""
    # the output layer's weight as the words name it ("'4.weight'": a monitor), so that an output layer whose weights
    # stay still is told as a hidden layer's are (W17: a head left out of the optimiser read 'healthy'); "": unnamed
    output_weights: str = ""
    # the hidden places the reading leaves out, in words (a monitor: each after a frozen weight, or one that got no
    # gradient on the step): the flow words say "every trained layer" and name them, and a model whose every hidden
    # place is left out is no linear model (W17: a frozen backbone under a trained head read 'no hidden layers')
    left_out: tuple[str, ...] = ()
    # modules whose units and weights no hook reads (a monitor: an LSTM's fused kernel, "'rnn' (LSTM)"): the flow
    # words say "every layer read" and name them (W28: 'gradients reach every layer' beside a note that the LSTM's
    # weights are not read)
    not_read: tuple[str, ...] = ()
    # trained weights no row stands for, in words ("'fc1.weight'": a monitor that sees none of the model's activations,
    # a ReLU written as h * (h > 0)): a no-gradient reading's list of the weight matrices read names them too
    unseen_weights: tuple[str, ...] = ()
    # a model the monitor found provably linear (only affine modules): its weighted layers' names in pairs with no
    # activation between them; the reading says they compose into one affine map (empty: not known to be)
    affine_between: tuple[tuple[str, str], ...] = ()
    # the batch the weight gradients are of, in words, where they are one sampled batch's ("the batch of training step
    # 312 (a sampled one)": a monitor); "": the whole training set's (the engine), so an exact 0 holds for every point
    gradients_of: str = ""
    # the first hidden layer's weight-gradient ratio to the output layer's at a monitor's latest sampled steps before
    # this one (up to 4, oldest first): one batch's ratio beyond the vanishing or exploding line is not the run's
    # (reading_flow.typical_ratio); empty: not kept (the engine's gradient is the whole training set's)
    earlier_ratios: tuple[float, ...] = ()
    # and the first watched activation's ||dL/da|| ratio to the last one's at those steps (the signal's,
    # reading_flow._signal_ratio), kept alike
    earlier_signal_ratios: tuple[float, ...] = ()
    # hidden layers past the first whose every unit was off and whose weights got under VANISHING_RATIO of the output
    # layer's gradient on 3 or more of a monitor's latest sampled steps (up to 9 read, this one's included), each as
    # (layer, 1-based; the steps it was so; the steps read): a branch's stop is read over steps, not one batch (W51: a
    # head's saturated Tanh layer, off on most batches, read vanishing and healthy by turns); None: this batch's alone
    stopped_branches: tuple[tuple[int, int, int], ...] | None = None
    # the hidden layers, by name, that a monitor found dying (units stopped after being on) and whose finding it adds
    # to the reading: a batch on which every unit of one was off is said in that finding, not as 'no gradient'
    dying: tuple[str, ...] = ()
    # what a dead unit's f' = 0 was measured on, in words (the lab: its training points; a monitor: sampled batches)
    dead_over: str = "on every training point"
    # the training steps not sampled among those a layer counted wholly dead spans (a monitor sampling one step in
    # several): its units may fire on them, and a reading does not call the zero gradient the run's for certain; 0:
    # every step was read (the engine; a monitor at every=1)
    dead_unsampled: int = 0
    # some layer's dead units were counted over sampled batches with training steps between them that were not read
    # (a monitor sampling one step in several): the headline's count says so (W41 walkthrough: '8 of 56 hidden units
    # are dead' where the layer lines said some may fire between samples, and some did)
    dead_between: bool = False
    # the model ran several times in a sampled step (a GAN's discriminator on real data, then on fakes; gradient
    # accumulation's micro-batches), and its units were read from each step's first forward: a unit counted dead may
    # fire on the later ones (W104 walkthrough finding 4: 2 of 21 units counted dead fired on the fake batches)
    dead_first_forward: bool = False
    # the batch losses whose mean is the judged loss (a monitor's last JUDGED_STEPS training steps with a loss, sampled
    # or not), oldest first, as (step, loss): a loss None or not finite is left out of the mean and named by the words
    # (reading_loss.judged_over); None: the judged loss is recent_losses' mean where it is one (or exact)
    judged_losses: tuple[tuple[int, float | None], ...] | None = None
    # the highest loss a monitor saw on a training step, sampled or not, where it passed DIVERGING_LOSS x chance, and
    # that step: a run that blew up and came back with dead or saturated units says so (W26 finding 3); None: none
    blown_up: tuple[int, float] | None = None
    # the highest climb from the run's first loss a monitor saw (reading_loss.climbed_from_first's rule on every
    # LOSS_BATCHES losses given in a row), kept after the losses came back: (the first loss's step, the first loss,
    # their median, the training step of the last of them); None: none. W77 walkthrough finding 1: a transformer at
    # AdamW lr 1 climbed to a median of 34 (9.9 times chance) by step 100 and was back at 3.53 by step 200, where the
    # reading said 'starting ... every run begins near chance ... so the reading waits', the climb forgotten
    climbed_peak: tuple[int, float, float, int] | None = None
    # where that climb began: (the first training step of its losses past the line in a row, the step and value of the
    # lowest loss given before it); None where not known. A lowest loss far under the first is a run that had learned
    # and then climbed (W107 walkthrough finding 2: a rate raised from 0.05 to 5 at step 300 took the loss from 0.06 to
    # a median of 10.4, and the reading said 'the loss climbed from its first, 2.31 at training step 1')
    climbed_after: tuple[int, int, float] | None = None
    # where a monitor's first sampled step came after updates it did not sample (every="auto" first samples the
    # fourth): (that step's training step, how many updates came before it); None: the first step was sampled, or
    # not a monitor's. Units off there may have been pushed off by those updates or left off by the initialisation
    first_sampled: tuple[int, int] | None = None
    # the first step of that blow-up's climb past the line (its peak may come a step or more after the update that
    # made it, which a checkpoint must come before); None: the peak's step is all that is known
    blown_from: int | None = None
    # the last loss at or below that line before the climb, as (step, loss); None: not known
    blown_low: tuple[int, float] | None = None
    # that climb's first loss past BLOW_UP_LOSS x chance, as (step, loss), where a loss under that line came between it
    # and the peak (W66 walkthrough finding 1: up in more than one go); None: not known, or none came between
    blown_first: tuple[int, float] | None = None
    # the highest finite loss a monitor was given on a training step, sampled or not, as (step, loss); None: not known
    loss_top: tuple[int, float] | None = None
    # a blow-up still under way (a monitor's): the loss climbed from near chance past BLOW_UP_LOSS x chance and has not
    # come back under that line, as (its peak so far (step, loss), the climb's first step, the last loss at its level
    # before it (step, loss)); None: none. W63 walkthrough finding 2: AdamW at lr 1 took the loss from 2.69 to 165 by
    # step 13, and every reading to step 14 said 'starting ... above where a run begins ... so the reading waits'
    # (a fourth member: the climb's first loss past the line, as (step, loss), or None, as blown_first)
    blowing_up: tuple[tuple[int, float], int, tuple[int, float] | None, tuple[int, float] | None] | None = None
    # the training step at which the losses since that blow-up's peak came down off the plateau: the median of the
    # latest PLATEAU_LOSSES of them (fewer just after the peak) first at or under BLOW_UP_LOSS x chance, or one back at
    # its level, RISING_FACTOR x chance (a monitor's, which reads every step's loss); None: not yet, or not known. Once
    # it has, the run no longer reads as staying up
    plateau_left: int | None = None
    # the run's first FIRST_LOSSES finite losses from training step 1, as (how many, their mean, its standard error),
    # a monitor's; None: not known, or the run did not begin at step 1. A fresh model begins near chance: one whose
    # first losses sit below the learning line beyond their noise began there (reading_headline.began_at)
    first_losses: tuple[int, float, float] | None = None
    # the least-squares slope of those first losses over their steps, with its standard error, as (slope, se); None:
    # not known. A run whose first losses fall beyond their noise learns from its first steps, and their mean is no
    # place where it began (reading_headline._began)
    first_losses_slope: tuple[float, float] | None = None
    # the loss a constant guess of the targets read back from the outputs' gradient gets, and how many were read (a
    # monitor's, over its latest reads of a cross-entropy, a binary one or a squared error at the loss's own scale:
    # their entropy, or their variance); None: not read. chance_loss near it fits the targets
    chance_guess: tuple[float, int] | None = None
    # the run's first finite loss, as (step, loss) (a monitor's); None: not known. A run whose first loss is far above
    # chance began far from its targets (reading_loss.started_far), which is no divergence
    first_loss: tuple[int, float] | None = None
    # the first training step the monitor counts (Monitor(first_step=N): a run resumed after step N - 1); a first loss
    # given later than it (the first steps raised, or set no s.loss) is no resumed run's (W104 walkthrough finding 3:
    # two batches that raised made a fresh run read 'the monitor began at training step 3, in a run resumed')
    first_step: int = 1
    # the reading made before this one (a monitor's last report) found the loss moved from chance beyond its noise:
    # a mean still MOVED_FRACTION below chance keeps it so, though its batches' noise widens (reading_headline.
    # has_moved; W35 walkthrough: after a blow-up, batches from 1e-4 to 5.5 and a mean 59-65% below chance went
    # between 'healthy' and 'unsettled' five times over steps 213-400 as the noise bound crossed chance)
    was_learning: bool = False
    # the latest sampled batches in a row, this one included, on which every weight's gradient was exactly 0, and the
    # training step of the first of them (a monitor's; 0 and None: not kept): a zero that holds over ZERO_GRADIENT_RUN
    # of them is the run's, not one batch's (W36 walkthrough: a GELU layer pushed to pre-activations near -160 gave
    # exactly 0 on each of 350 steps, and every reading said 'not known to be for good')
    zero_gradient_batches: int = 0
    zero_gradient_from: int | None = None
    # the same count of batches on which every weight's gradient was under the round-off floor of that batch's own loss
    # (reading_flow.grad_floor), 0 or not, and its first step: said beside one batch's zero (W73 walkthrough finding 7:
    # every gradient under 1.4e-12 for 150 steps, a Softplus slope of 1e-13, read as one batch's)
    tiny_gradient_batches: int = 0
    tiny_gradient_from: int | None = None
    # a sampled batch with a gradient ended such a zero (of a monitor's DEAD_EVIDENCE batches in a row at least)
    # within its window of sampled batches: the zero that holds now is not the run's for good yet (W52 walkthrough
    # finding 3: a layer whose last units fired on about one batch in 30 read 'no gradient' after each 10 batches of
    # zero and 'dying layer' on each batch with a gradient, 34 changes in 400 steps)
    zero_gradient_leaked: bool = False
    # the step a monitor's judged_losses start after where it cut them after a blow-up (its peak, or the last loss
    # still past DIVERGING_LOSS x chance after it); None: not cut
    judged_since: int | None = None
    # the latest losses, oldest first, the last being this step's (a monitor keeps its last LOSS_BATCHES finite sampled
    # ones, actlab's engine its newest frames' or updates'; loss_steps says which); None: not kept
    recent_losses: tuple[float, ...] | None = None
    # the step of each of recent_losses, in the same order; None: not known, and no step is named for them
    recent_loss_steps: tuple[int, ...] | None = None
    # the finite losses of the same kind before recent_losses, oldest first, as (step, loss), and each step's where
    # they are one a step: a climb that began before the recent window is dated from its own start in them
    # (reading_loss.climb; up to CLIMB_LOSSES of them); empty: none kept
    earlier_losses: tuple[tuple[int, float], ...] = ()
    # a monitor's latest training steps' finite losses, sampled or not, as (step, loss), oldest first, where the script
    # gives its loss on each step (up to JUDGED_STEPS + CLIMB_LOSSES): a climb that recent_losses show between two
    # sampled steps is dated on the step it began (reading_loss.trend: 'rose from 0.834 at training step 200', not
    # from the sampled step 191 before it), and a spike between samples is seen; empty: none held
    step_losses: tuple[tuple[int, float], ...] = ()
    # the lowest loss the run was judged at so far (a monitor: the lowest mean of judged_losses at a sampled step; the
    # engine: the lowest frame's training loss) and the step it was judged at: a run that once learned and whose loss
    # then climbs is not starting, whatever its recent losses say (None: not kept; only the recent losses are looked at)
    lowest_judged_loss: float | None = None
    lowest_judged_step: int | None = None
    # of the steps the words name as the run's low (lowest_judged_step, lowest_mean's), those a monitor did not sample:
    # their windows are of the losses held between samples (W82 walkthrough finding 1), and numbered_step names them
    # without "(a sampled one)"
    unsampled_lows: frozenset[int] = frozenset()
    # that judged loss's upper noise bound (reading_loss.noise_bound: a monitor's mean of batches, whose low is kept by
    # it); None: the judged loss is exact (the engine's whole training set's)
    lowest_judged_bound: float | None = None
    # the lowest judged mean over a window at least half full (a monitor's), (step, mean): what the words quote as
    # the run's low (lowest_judged_loss is the window of the lowest noise bound, which the claims about a rise stand
    # on; W62 walkthrough finding 3: 'had come down to 0.336 at training step 143' where the mean reached 0.286 at 150)
    lowest_mean: tuple[int, float] | None = None
    # the sampled step since which the trained weights have kept their values exactly (a monitor compares a fingerprint
    # of each at every sampled step; None: they changed, or not known), and the modules whose weights these are where
    # only some kept theirs (empty: every trained weight); a reading says it once the run is WEIGHTS_STILL_STEPS past
    # that step and the weights get gradients (no opt.step(), an optimiser given other parameters, a learning rate of 0)
    weights_still_since: int | None = None
    still_weights: tuple[str, ...] = ()
    # of those, the ones on no row (an embedding, a weight no watched activation follows), each with its gradient's norm
    # on this step, in words ("'tok.weight'"): read as the others are (W84 walkthrough finding 7: an embedding left out
    # of the optimiser read 'healthy', bit for bit its first values after 400 steps, where a head left out read
    # 'weights_still')
    still_unrowed: tuple[tuple[str, float], ...] = ()
    # where some weights keep their values (still_weights), the other trained parameters nothing has written since the
    # weights were first read (a monitor compares version counters), by their names in the model
    unwritten_params: tuple[str, ...] = ()
    # the weights whose gradient norm sums earlier steps' while other layers' is the step's own (a monitor: their .grad
    # was kept while others' were cleared, as by the zero_grad() of an optimiser holding only some weights): the
    # ratios between layers' weight gradients compare unlike sums and are not read
    summed_gradients: tuple[str, ...] = ()
    # the training step of the latest optimiser step after which the next backward added its gradient to the one the
    # optimiser had stepped with (a monitor probes it after sampled steps), where two probes in a row found so: no
    # zero_grad() between steps (W56 walkthrough finding 2); None: not found, or not probed
    gradients_unzeroed: int | None = None
    # the optimiser that stepped the watched weights scales each update by its own gradient statistics (an eps among
    # its defaults: Adam, AdamW, RMSprop, Adagrad), so an update's size does not follow the gradient's (a monitor reads
    # it at the optimiser's step after a sampled one); False: not such an optimiser, or not seen
    optimiser_adaptive: bool = False
    # the trained weight matrices' size (the root of the sum of their squares) where a monitor read it largest, and
    # where it read it last, as (training step, size); None: not read. A size fallen WEIGHTS_SHRUNK times from its
    # largest is something pulling the weights to 0 (weight decay too large: W53 walkthrough finding 2)
    weights_size_high: tuple[int, float] | None = None
    weights_size_now: tuple[int, float] | None = None
    # where half or more of those matrices are each 5 times smaller or more than at their largest: (how many, of how
    # many, the one fallen most as (its name, its largest (step, norm), its norm now (step, norm)), the names of those
    # that fell under 2 times); None otherwise. Their size together can stay up where some are not decayed (a
    # transformer's embeddings: W84 walkthrough finding 1)
    weights_shrunk_each: tuple | None = None
    # how much smaller the gradients were as the optimiser stepped with them than as backward computed them (a
    # monitor compares their norms at opt.step() with those after backward): (the latest such step, the median of that
    # ratio over the latest sampled steps, the latest's norm after backward and at the optimiser's step, how many
    # steps); None: not seen, or an optimiser whose update does not scale with the gradient (Adam). A median at or
    # below GRADIENT_CUT is clipping far tighter than the gradients' norm (W53 walkthrough finding 7)
    gradient_cut: tuple[int, float, float, float, int] | None = None
    # every sample of the latest sampled batches reached the first weighted module with the same values (a monitor
    # reads the input's spread over the batch): (that module, the first training step of the run of such batches, how
    # many, whether all of them were 0, whether the batches differed from one another: one sample repeated, another
    # each step); None: the samples differ, or not read. From the same values on every batch nothing can be learned
    # but the labels' frequencies (W54 walkthrough finding 2)
    inputs_alike: tuple[str, int, int, bool, bool] | None = None
    # the same batch at the latest sampled steps: their inputs to the first weighted module equal (a monitor compares
    # each sampled batch's first sample's sum, root mean square and a sum weighted by place with the one before): (the
    # training step of the first of them, how many in a row); None: they differ, or not read. A loader that repeats
    # one batch read 'healthy ... 99.99% below chance' on a model whose whole-data loss was above chance (W64
    # walkthrough finding 4)
    same_batch: tuple[int, int] | None = None
    # the latest sampled steps trained from forwards in eval mode, up to the latest, of a model with modules that
    # compute otherwise in eval mode (BatchNorm, Dropout): (the training step of the first, how many sampled steps,
    # those modules in words); None: not so. W66 walkthrough finding 4: a validation pass's model.eval() with no
    # model.train() after it, and the reading led with 'dead layer ... Use Leaky ReLU or GELU', the cause in a note
    trained_in_eval: tuple[int, int, str] | None = None
    # the module or function called 3 or more times in one forward (a loop over time steps) whose |dL/da| at the first
    # call is furthest under VANISHING_RATIO of the last's: (its calls in words, how many, |dL/da| at the first, at the
    # last, whether a sigmoid gate runs in the same loop: a gated cell); None: none. W66 walkthrough finding 2: a tanh
    # RNN over 40 steps, 1.4e-17 of the last step's gradient at the first, read 'starting: gradients reach every layer
    # ... so the reading waits' on copy-first-token. A sixth item: the calls at the start whose gradient is exactly 0
    # (rounded to 0 on the way back; 0 where none is), the first figure then the first call's not 0
    calls_vanish: tuple[str, int, float, float, bool, int] | None = None
    # the recurrent weight of that loop (the one weight its calls follow, square): (its name in words, its smallest
    # singular value and its largest now, the training step they were first read at (the loop's first report: as
    # initialised, where the run began there), its smallest and largest then, or None, None, None); None: none such,
    # or not read. One orthogonal at the start (every singular value 1) cannot be offered an orthogonal initialisation
    # (W75 walkthrough finding 7, W76 finding 4)
    loop_spectrum: tuple[str, float, float, int | None, float | None, float | None] | None = None
    # the loop that grows what it carries the most: its |dL/da| at the first call over EXPLODING_RATIO times the
    # last's (first), or its activations' std growing call by call by the layers' rule: (its calls in words, how many,
    # |dL/da| at the first call, at the last, the activations' std at the first call and at the last, the weight its
    # calls follow or '', whether the gradient grew so, whether the std did); None: none. W74 walkthrough findings 3
    # and 4: a ReLU recurrence 3 times PyTorch's default scale read as its own merged gradient set against its last
    # call, and its calls as layers
    calls_explode: tuple[str, int, float, float, float, float, str, bool, bool] | None = None
    # the loop whose activations' std grew the most from its first call to its last at the first report, where it
    # grew 10 times or more: (its calls in words, how many, the std at the first call, at the last, the weight its
    # calls follow or '', that report's training step); None: none. A far start's remedy leads with it (W74
    # walkthrough finding 5)
    calls_grew: tuple[str, int, float, float, str, int] | None = None
    # the loop half or more of whose units are saturated at every call: (its calls in words, how many, the fewest units
    # saturated at a call, the most, the width, the weight its calls follow or ''); None: none (W75 finding 6)
    calls_saturated: tuple[str, int, int, int, int, str] | None = None
    # the first loop a monitor read whose gradient grew back through its calls past EXPLODING_RATIO, or whose
    # activations' std grew through them by the loop's rule: (its calls in words, the training step it was read at,
    # the weight its calls follow or '', the growth, whether that is the std's rather than the gradient's); None: none.
    # A divergence
    # after it leads its remedy with clipping and the recurrent weight (W75 walkthrough finding 5: a ReLU recurrence 3
    # times the default scale, told at step 11 only to lower the learning rate, diverged at lr 0.005 and was rescued by
    # clipping at 1)
    loop_exploded: tuple[str, int, str, float, bool] | None = None
    # a bounded output whose squared-error loss asks for values outside its range (a monitor reads each output's goal
    # from the loss's gradient); None: none, or not read (W54 walkthrough finding 5: a tanh head 'healthy' with 84% of
    # its targets beyond +-1)
    output_beyond: OutputBeyond | None = None
    # a bounded output sitting exactly at an end of its range on the points the loss asks it back in, where no
    # gradient passes at all (OutputAtEnd); None: none such, or not read
    output_at_end: OutputAtEnd | None = None
    # what a monitor's loss measures, read from its autograd node ("classification": cross-entropy, binary or not;
    # "regression": a squared, absolute, Huber or smooth L1 error; None: not known), and whether it is summed over the
    # batch (reduction='sum'), where chance_loss must be a sum's too (W60 walkthrough: a per-sample chance against a
    # summed loss read 'the outputs began far from the targets ... standardise the targets')
    loss_kind: str | None = None
    loss_summed: bool = False
    # the model's outputs' shape where the loss (F.mse_loss, F.huber_loss, F.smooth_l1_loss) broadcast them against
    # targets of another shape, comparing every output with every target (W60 walkthrough: (64, 1) outputs against
    # (64,) targets read 'starting ... every run begins near chance', the model able to learn only the targets' mean)
    loss_broadcast: tuple[int, ...] | None = None
    # the target a cross-entropy in a non-finite loss ignores (its ignore_index), where a monitor found one: a batch
    # whose every target is that one makes the mean over its counted targets 0/0 (W63 walkthrough finding 1)
    loss_ignore_index: int | None = None
    # the latest sampled step's loss is NaN or infinite and its backward left every weight's gradient finite (a
    # monitor reads both on that step): the NaN did not pass back through the model
    nan_loss_grads_finite: bool = False
    # the loss given and chance_loss on different scales, read back from a cross-entropy's gradient (LossScale): the
    # loss is then not judged against chance (a monitor gives no chance_loss beside it)
    loss_scale: LossScale | None = None
    loss_scale_chance: float | None = None  # the chance_loss given, which the loss is not judged against
    # the targets mostly one class, and a constant guess far under chance_loss (TargetSkew): the loss is not judged
    targets_skewed: TargetSkew | None = None
    # the first loss under 0 a monitor held, as (training step, loss, the run's first loss), where chance_loss is
    # above 0 and the run's first loss was under half of it: a fresh model starts near chance, so a loss that starts
    # far under it and goes below 0 (a policy gradient, a negative cosine) is on no scale chance_loss is on, and is not
    # judged (loss_scale_chance holds the chance_loss given; W92 walkthrough finding 5: REINFORCE's -0.428 against
    # ln 2 read 'just under 100% below chance', and 'healthy'). A Gaussian negative log-likelihood, which begins
    # near its chance and goes below 0 as it learns, is judged (W94 walkthrough finding 6); None: none
    loss_below_zero: tuple[int, float, float] | None = None
    # the output layer's weight gradient now and its median over a monitor's first sampled steps, where it has fallen
    # under 1% of that median and the loss is not read as learned (the monitor's note says what may cause it): said in
    # a headline that finds gradients reaching every layer, which a ratio between layers cannot show (W92 walkthrough
    # finding 8: a starved generator's bold line read 'gradients reach every layer' over a gradient 10,964 times
    # smaller than its first ones); None: not so
    output_fell: tuple[float, float] | None = None
    # the outputs collapsed onto one direction, under a loss of no kind a monitor reads back (OutputCollapse); None:
    # not seen, or not read
    output_collapse: OutputCollapse | None = None
    # the loss a classifier whose outputs are all 0 gets, where a monitor read the loss back as one (ln C for a
    # cross-entropy over C classes, ln 2 for a binary one): a first loss near it is where any classifier begins, not a
    # start far from the targets, whatever chance_loss says (W72 walkthrough finding 1); None: not read
    zero_output_loss: float | None = None
    # the lowest loss any model reaches on the targets a monitor read back, where they are soft (probabilities, smoothed
    # labels, intensities between 0 and 1): their own entropy, on the loss's scale; None where not read. A loss at it
    # has learned all there is, however near chance it sits (W87 walkthrough: label smoothing 0.8 over 10 classes, its
    # floor 5.5% below ln 10, reached at 100% accuracy, read 'not learning')
    loss_floor: float | None = None
    # the outputs a cross-entropy was read back from were probabilities (every row 0 or more, summing to 1: nn.Softmax
    # at the model's end, before a loss that applies its own): (training step of the read, classes, the loss's factor
    # on the mean cross-entropy); None where they were logits, or none was read. Such a loss cannot fall below
    # ln(e + C - 1) - 1 (W105 walkthrough finding 5: 'healthy ... 37% below chance' on 4 classes, floor 0.744)
    probabilities_given: tuple[int, int, float] | None = None
    # the same under a binary cross-entropy on logits: every output of its latest reads between 0 and 1 (nn.Sigmoid at
    # the model's end, before BCEWithLogitsLoss): (training step of the read, the share of its targets that are 1, the
    # loss's factor on the mean binary cross-entropy, outputs read). Each prediction then stays between sigmoid(0) and
    # sigmoid(1), and the loss cannot fall below p softplus(-1) + (1 - p) ln 2 (W106 walkthrough finding 4: 'healthy
    # ... 23% below chance' of a loss whose floor is 27% below it)
    sigmoid_given: tuple[int, float, float, int] | None = None
    # the learning rates a monitor read at every optimiser step from its first step on, per parameter group
    # holding watched weights: (the first watched weight it holds, in words, the first training step read, the latest,
    # its changes as (training step, rate), oldest first); () where none was read (actlab's own runs have
    # learning_rate). Whether it changed around a jump
    # in the loss (W57 walkthrough: labels replaced at a constant rate read 'steps too large ... lower the learning
    # rate'; a rate raised 40 times at step 501 was never named)
    learning_rates: tuple = ()
    # the parameter groups' weight_decay as a monitor read them, in learning_rates' form, and the class name of the
    # optimiser that stepped the group last ("SGD", "AdamW", "Adam"; its decay works its own way); () where none read
    weight_decays: tuple = ()
    # the weights a monitor saw written between optimiser steps after its first step (load_state_dict,
    # reset_parameters(), a copy by hand, a constraint such as weight clipping), as runs of writes each within 20
    # training steps of the one before: (the training step of the update the first came before, of the last, how many,
    # the names of the weighted modules written, () where all were, the median of the 10 training steps' losses from
    # the first write over that of the 10 before it, or None where not weighed), oldest first
    weights_written: tuple = ()
    # the optimisers a monitor saw replace another of another kind on the same weights: (the training step of the new
    # one's first update, the kind before, its latest rate, whether it scales its updates per weight (eps in its
    # defaults: Adam, AdamW, RMSprop), the new kind, its rate, whether it does), oldest first
    optimiser_switches: tuple = ()
    # the model holds a normalisation module (LayerNorm, RMSNorm, GroupNorm, a BatchNorm): a network that has one and
    # loses its gradient was most often thrown there by its first updates (W84 walkthrough finding 2: a post-LN
    # transformer at lr 3e-2 with no warm-up read 'vanishing' with 'Try ... residual connections or normalisation')
    normalised: bool = False
    # the latest jump in the loss (reading_loss.spike) a monitor's earlier readings found, kept after it left the
    # judged window: a reading that follows from it still says what the rate did around it (W58 walkthrough: labels
    # shuffled at step 400 read 'if the data changed at training step 400, look there first' at step 430, and 'lower
    # the learning rate' alone from step 500 on)
    jump_step: int | None = None
    # the step at which the weights' values were first seen (a monitor: its first sampled step, 4 under every="auto"'s
    # warm-up): weights kept since then never changed at all
    weights_first_seen: int = 1
    # which steps recent_losses were taken at (reading_loss.py words each kind); the default is a monitor's
    loss_steps: LossSteps = LossSteps.SAMPLED
    # what the learner can change where they read this (the default: actlab's own runs; the Monitor: TORCH_LEVERS)
    levers: frozenset[Lever] = ENGINE_LEVERS
    # the weights' initialiser, by actlab's names (network.INITS: "he_normal", "xavier_uniform", ...); "": not known
    # (the Monitor cannot see how a model was initialised). A remedy never offers the one in use
    init: str = ""
    # the learning rate in use now; None: not known (the Monitor does not see the optimiser)
    learning_rate: float | None = None
    # the updates made at a learning rate above 0 so far (a run at lr 0 from its start has none: its loss is the
    # initial weights'); None: not known (the Monitor does not see the optimiser)
    stepped_updates: int | None = None
    # the face keeps one learning rate from a run's first update to its last (`actlab train`): its steps never become
    # smaller by themselves, and a remedy does not promise they will
    rate_fixed: bool = False
    # what the last update did to the weights (instruments.WeightSwing: the share of their size it carried across 0,
    # its size against theirs, their mean size); None: not measured (a monitor, a network not yet updated)
    weight_swing: WeightSwing | None = None
    # the regularisation in use ("none", "l1", "l2") and its rate; "" where not known (the Monitor)
    reg: str = ""
    reg_rate: float = 0.0

    def name(self, i: int) -> str:
        """How the words name hidden layer i (0-based)."""
        return self.layers[i].label or f"layer {i + 1}"

    def weights_name(self, i: int) -> str:
        """How the words name hidden layer i's weights, which the weight-gradient ratios are of."""
        return self.layers[i].weights or self.name(i)

    @property
    def output_name(self) -> str:
        # not "layer N+1": the layer tables list the hidden layers only, so that number is nowhere on screen
        return self.reference_name or "the output layer"


@dataclass(frozen=True)
class Finding:
    status: Status
    words: str
    remedy: str
    evidence: dict = field(default_factory=dict)

    @property
    def quotes(self) -> tuple[str, ...]:
        """Which of layer 1's ratios its words quote (QUOTED_RATIOS): the faces mark that cell of their layer
        tables, so a learner finds the number the reading names."""
        return tuple(QUOTED_RATIOS[k] for k, v in self.evidence.items()
                     if k in QUOTED_RATIOS and not (isinstance(v, float) and math.isnan(v)))  # NaN: shown as "—"

    def to_dict(self) -> dict:
        return {"status": self.status.value, "words": self.words, "remedy": self.remedy,
                "evidence": jsonable(self.evidence), "quotes": list(self.quotes)}

    def __str__(self) -> str:
        # words that begin with their status already say it once (W108 walkthrough: print(finding) read 'unwatched:
        # unwatched: the monitor cannot see ...')
        said = self.status.value.replace("_", " ")
        return self.words if self.words.startswith(f"{said}:") else f"{self.status.value}: {self.words}"

    def _repr_html_(self) -> str:
        return _html.key_value_table([("status", self.status.value), ("reading", self.words),
                                      ("remedy", self.remedy or None), *self.evidence.items()], caption="Finding")


@dataclass(frozen=True)
class Reading:
    """The verdict on a network: its most serious finding first, then the rest; and each hidden layer's ratios to the
    output layer's as the words write them (sci), the output's own last, for the faces' layer tables."""

    findings: tuple[Finding, ...]
    # per hidden layer, then the output layer: (||dL/dW|| vs output, ||dL/dz|| vs output) written as sci() writes them,
    # "—" where there is no number (ratio_texts); empty where the reading was not made from a summary's layers
    ratios: tuple[tuple[str, str], ...] = ()

    @property
    def status(self) -> Status:
        return self.findings[0].status

    @property
    def words(self) -> str:
        return self.findings[0].words

    @property
    def remedy(self) -> str:
        return self.findings[0].remedy

    @property
    def evidence(self) -> dict:
        return self.findings[0].evidence

    @property
    def is_failure(self) -> bool:
        return self.status in FAILURES

    @property
    def others(self) -> tuple[Finding, ...]:
        """The findings after the headline that a face lists below it ("Also ..."): those the headline's words do
        not already say (a headline may carry a second finding, 'and the network is not learning: ...', which
        stays in ``findings`` for whoever reads every finding). W15: the CLI, the page and the monitor's report
        printed such a finding twice, word for word. A headline may carry one without its status word (a blown-up
        run's 'also, no gradient reaches layer 1 ...', R18): that one is said already too."""
        head = self.findings[0].words
        return tuple(f for f in self.findings[1:]
                     if f.words not in head and (f.words.partition(": ")[2] or f.words) not in head)

    def to_dict(self) -> dict:
        return {"status": self.status.value, "words": self.words, "remedy": self.remedy,
                "evidence": jsonable(self.evidence), "is_failure": self.is_failure,
                "findings": [f.to_dict() for f in self.findings], "others": [f.to_dict() for f in self.others],
                "ratios": [{"dW": w, "dz": z} for w, z in self.ratios]}

    def __str__(self) -> str:
        return self.words

    def _repr_html_(self) -> str:
        """The reading, its remedy and evidence, then every other finding (a notebook shows this table)."""
        rows = [("status", self.status.value), ("reading", self.words), ("remedy", self.remedy or None),
                *self.evidence.items()]
        others = [(f.status.value, f.words) for f in self.others]
        also = _html.grid(("also", "reading"), others) if others else ""
        return _html.key_value_table(rows, caption="Reading" + (" (a failure)" if self.is_failure else "")) + also


def sci(v: float) -> str:
    """1.2e-7 style, for ratios in sentences: two significant digits, plain from 0.01 to under 1,000 (0.55, 14,
    140: Python's '{:.2g}' writes 140 as '1.4e+02'), else with an exponent (3.5e8)."""
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    if 0.01 <= abs(v) and abs(float(f"{v:.2g}")) < 1000:
        return f"{float(f'{v:.2g}'):g}"
    mantissa, exponent = f"{v:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"  # 3.5e8, 3.0e20, 1.2e-7: no '+' and no leading 0 at any size


def said_low(s: RunSummary) -> tuple[float, int | None]:
    """The run's low as the words quote it, (mean, step): the lowest judged mean (RunSummary.lowest_mean) where it is
    at or under the low the claims stand on (lowest_judged_loss), else that low."""
    m = s.lowest_mean
    if m is not None and s.lowest_judged_loss is not None and m[1] <= s.lowest_judged_loss:
        return m[1], m[0]
    return s.lowest_judged_loss, s.lowest_judged_step


def times(v: float) -> str:
    """How many times one loss is another ("the loss is N times chance") as a person writes it: two significant
    digits, plain up to a million with a comma every three (1.3, 140, 3,600, 350,000), an exponent past it (sci:
    3.5e8), and more digits where two would read 1 for a multiple that is not 1 (1.04, not '1 times chance')."""
    if not math.isfinite(v) or v <= 0 or float(f"{v:.2g}") >= 1e6:
        return sci(v)
    for digits in range(2, 8):
        rounded = float(f"{v:.{digits}g}")
        if rounded != 1 or v == 1:
            break
    return f"{rounded:,.0f}" if rounded >= 100 else f"{rounded:g}"


def names_in_order(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c' ('' for none)."""
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def layers_in_words(names: list[str]) -> str:
    """Layers named as a person lists them: 'layer 5', 'layers 5 and 6', 'layers 1, 2 and 5' where every name is
    actlab's own 'layer k'; names of other kinds (a monitor's "module 'fc1'") one by one."""
    numbers = [n.removeprefix("layer ") for n in names]
    if len(names) > 1 and all(n.startswith("layer ") and k.isdigit() for n, k in zip(names, numbers, strict=True)):
        return f"layers {names_in_order(numbers)}"
    return names_in_order(names)


def share(ratio: float, whose: str) -> str:
    """A gradient ratio against ``whose`` gradient in words: "0.9 of the output layer's", "47 times the output
    layer's" (a ratio above 1 is not a share), "as much as" where the two are equal to the digits shown."""
    if sci(ratio) == "1":
        return f"as much as {whose}"
    return f"{sci(ratio)} times {whose}" if ratio > 1 else f"{sci(ratio)} of {whose}"


def percent_below(loss: float, chance: float) -> str:
    """How far below chance a loss is, as a percentage that is never rounded up to 100% (0.000545 against 0.693 is
    "99.9%"): only a loss of exactly 0 is 100% below. Nor up to the learning line, 10%: 9.5% below is "9.5%", not
    "10%" (W100 walkthrough finding 6: 'the loss is 10% below chance ... short of the 10% below chance the reading
    takes as learning', of 0.627 against 0.693)."""
    below = 1 - loss / chance
    if loss == 0:
        return "100%"
    if loss < 0:  # past 100%, as a loss below 0 is (a likelihood of a density: W94 walkthrough finding 6)
        return f"{below * 100:,.0f}%"
    under = LEARNING_LINE - below > 1e-9  # (under the line by more than round-off: 1 - 0.9 is 0.0999...)
    for digits in range(10):
        text = f"{below * 100:.{digits}f}"
        if float(text) < 100 and not (under and float(text) / 100 >= LEARNING_LINE):
            return f"{text}%"
    return f"just under {LEARNING_LINE:.0%}" if under and below < LEARNING_LINE else "just under 100%"


LEARNING_LINE = 0.1  # the share below chance learning is read at (reading_loss.MOVED_FRACTION), never rounded up to
