"""How diagnose()'s findings, sorted by Status, become a Reading's headline: the exceptions to that order (a learning
rate of 0 heads; a run that had learned and lost it heads the gradient failure that came with it) and the second
cause or the loss that a headline adds, so that a reader of the headline alone learns them (readings.py)."""

from __future__ import annotations

import dataclasses
import math

from .reading_held_out import held_out_learns
from .reading_loss import (
    MOVED_FRACTION,
    RISING_FACTOR,
    UNLEARNED,
    above_chance,
    clearly_below,
    judged_over,
    numbered_step,
    within_noise,
)
from .reading_record import Finding, RunSummary, Status, layers_in_words, percent_below, said_low, times


def loss_text(s: RunSummary) -> str:
    if s.loss is None or s.chance_loss is None:
        return ""
    what = (f"mean loss of {judged_over(s)}" if s.judged_losses is not None else
            f"mean loss over the last {s.loss_batches} sampled batches" if (s.loss_batches or 0) > 1 else "loss")
    return f" ({what} {s.loss:.3g}; chance, the best constant guess, is {s.chance_loss:.3g})"


FIRST_LOSSES = 10  # the run's first losses whose mean tells where it began (RunSummary.first_losses)
NOISE_SE = 2  # that mean is below the learning line beyond its noise where this many standard errors over it are


def _began(s: RunSummary) -> tuple[str, float] | None:
    """Where the run began, where that was already past the learning line, as ('first', its first loss) or ('mean',
    its first losses' mean): the loss learning is then read from (it must come MOVED_FRACTION down from it). A fresh
    model begins near chance; one that begins far below it was trained before, or chance_loss is too high for the
    loss, or the loss is on another scale than chance_loss. Its first loss, at its first step (not a resumed run's:
    Monitor(first_step=...)), under half of chance (W81 walkthrough finding 5: a Huber loss given the targets' variance
    as chance_loss, 9.99e3 against 1.1e6, read 'healthy ... 99% below chance' from step 2, the loss at 9.95e3 at the
    end and R^2 -61.6); or the mean of its first FIRST_LOSSES losses below the learning line by more than NOISE_SE of
    its standard errors (W96 walkthrough finding 5: a focal loss over 10 classes begins near (1 - 1/10)^2 ln 10, 19%
    under ln 10, and on labels of pure noise read 'healthy ... 19% below chance'). None otherwise.

    Where the first losses are known and do not fall beyond their noise (first_losses_slope), their mean stands for
    where the run began, the first loss alone not: a fine-tune not given first_step read 'not learning ... its first
    loss, 0.237' from one lucky batch where its first 10 losses' mean was 0.321 (W98 walkthrough finding 3). Where
    they fall, the run learns from its first steps and their mean is no place where it began: a fresh network at a
    learning rate of 0.03, its first 10 losses from 2.3 down to 1.5, read 'it began 22% below chance (the mean of its
    first 10 losses, 1.8), as a model trained before does'."""
    first, chance = s.first_loss, s.chance_loss
    if first is None or first[0] != 1 or chance is None or not math.isfinite(first[1]):
        return None
    early, slope = s.first_losses, s.first_losses_slope
    if early is not None and early[0] >= FIRST_LOSSES and chance > 0 and math.isfinite(early[1]) and not (
            slope is not None and slope[0] + NOISE_SE * slope[1] < 0):
        return ("mean", early[1]) if early[1] + NOISE_SE * early[2] < (1 - MOVED_FRACTION) * chance else None
    if first[1] < chance / RISING_FACTOR:
        return "first", first[1]
    return None


def began_at(s: RunSummary) -> float | None:
    """The loss learning is read from, where the run began past the learning line (_began); None otherwise."""
    began = _began(s)
    return None if began is None else began[1]


def began_line(s: RunSummary) -> float | None:
    """The loss under which a run that began past the learning line (_began) is read as learning: MOVED_FRACTION
    under where it began, and where that is the first losses' mean, under the low end of its noise (NOISE_SE
    standard errors under it): a mean of 10 batches' losses of a model trained before, 0.491, was high by its noise,
    and the same model, its weights barely moved, read 'healthy' at 0.434. None where the run did not begin so."""
    began = _began(s)
    if began is None:
        return None
    low = began[1] - NOISE_SE * s.first_losses[2] if began[0] == "mean" else began[1]
    return (1 - MOVED_FRACTION) * low


def began_by_mean(s: RunSummary) -> bool:
    """Whether began_at is the first losses' mean (not the first loss)."""
    began = _began(s)
    return began is not None and began[0] == "mean"


def began_below(s: RunSummary) -> bool:
    """Whether the run began past the learning line (_began)."""
    return _began(s) is not None


def began_words(s: RunSummary) -> str:
    """Where the run began (began_at) in words: "its first loss, 1.54 at training step 1," or "the mean of its first
    10 losses, 1.91,"."""
    began = _began(s)
    if began is None:
        return ""
    if began[0] == "first":
        return f"its first loss, {began[1]:.3g} at training step {s.first_loss[0]:,},"
    return f"the mean of its first {s.first_losses[0]} losses, {began[1]:.3g},"


def chance_fits(s: RunSummary) -> str:
    """Where chance_loss is within MOVED_FRACTION of the loss a constant guess of the targets read back gets
    (RunSummary.chance_guess), that in words, to follow a reading that the run began below chance: a fresh model,
    which knows nothing of the targets, begins near that guess's loss, so one that began far under it was trained
    before (W98 walkthrough finding 3: a fine-tune not given first_step, ln 10 its chance and its classes near
    balanced, was told first to check chance_loss); "" otherwise."""
    guess, chance = s.chance_guess, s.chance_loss
    if guess is None or chance is None or not guess[0] > 0 or abs(chance / guess[0] - 1) > MOVED_FRACTION:
        return ""
    return (f"; chance_loss fits the targets (a constant guess of the {guess[1]:,} read back from the outputs' "
            f"gradient gets a loss of {guess[0]:.3g}), and a fresh model, which knows nothing of them, begins near "
            "it: this one was trained before")


def has_moved(s: RunSummary) -> bool:
    """The judged loss is MOVED_FRACTION below chance, and below chance beyond its batches' noise where it is a mean
    of a few (reading_loss.clearly_below), or the reading before this one found it so (RunSummary.was_learning). A run
    the reading before found learning keeps it, while its loss is below chance beyond its noise, until the loss is
    back within half of MOVED_FRACTION of chance: a mean that wobbles about the line does not flip the status at each
    sample (W78 walkthrough finding 8: a mean of 0.897 to 0.907 against a chance of 1 changed the status 13 times
    between healthy and not learning), and one within its noise of chance is not held there (heavy-tailed batches
    about chance, once below the line by luck, would be)."""
    if s.loss is None or s.chance_loss is None or not math.isfinite(s.loss):
        return False
    if not s.was_learning and began_below(s) and s.loss >= began_line(s):
        return False  # began far below chance at the run's first step, and not come down from there (began_below)
    if s.loss < (1 - MOVED_FRACTION) * s.chance_loss:
        return s.was_learning or clearly_below(s)
    floor = s.loss_floor  # soft targets' own entropy: MOVED_FRACTION of the way from chance down to it is learning
    if floor is not None and 0 <= floor < s.chance_loss and s.loss < s.chance_loss - MOVED_FRACTION * (
            s.chance_loss - floor):
        return s.was_learning or clearly_below(s)
    if held_out_learns(s) is not None:  # (short of the line on the training batches; their held-out losses show it)
        return True
    return s.was_learning and s.loss < (1 - MOVED_FRACTION / 2) * s.chance_loss and clearly_below(s)


def _zero_rate_first(findings: list[Finding]) -> list[Finding]:
    """A learning rate of 0 heads the reading, whatever else is found: until it is raised no other remedy can act. A
    run that had learned before it was stopped (R11) reads so, and not as a failure."""
    zero = next((f for f in findings if f.evidence.get("learning_rate", 1) == 0
                 or f.evidence.get("stopped_learning_rate", 1) == 0), None)
    return findings if zero is None else [zero, *(f for f in findings if f is not zero)]


# gradient failures that a run which had learned can fall into when its steps grow too large: where the loss had come
# down and has climbed back far above chance, that climb is the headline and these follow it
_AFTER_LOST = frozenset({Status.NO_GRADIENT, Status.OUTPUT_SATURATED, Status.DEAD_LAYER, Status.EXPLODING,
                         Status.VANISHING})


# the status of a run that learned and lost it, where it is one of _NO_WAY_BACK's, in the words' first clause
_WITH = {Status.DEAD_LAYER: "a dead layer", Status.NO_GRADIENT: "no gradient",
         Status.OUTPUT_SATURATED: "its output saturated"}


# the gradient failures that no smaller step undoes, and why, said before their remedy when they come with a loss
# that had come down and went back up
_NO_WAY_BACK = {
    # (a unit counted dead from sampled batches may still fire on a rare input between them: W36 walkthrough, 28 of
    # 46 units counted dead at batch 32 under every=25 fired on 1 to 23 of the 250 training steps between samples)
    Status.DEAD_LAYER: "A dead unit gets no gradient at any learning rate (one counted dead from the sampled batches "
                       "may still fire on a rare input, which gives it little), so smaller steps alone do not bring "
                       "the dead units back",
    Status.NO_GRADIENT: "Every weight's gradient is exactly 0, so the gradient moves no weight at any learning rate "
                        "(an optimiser's momentum or weight decay may still move them for a while, and bring a unit "
                        "back by chance): smaller steps alone do not bring the loss back",
    Status.OUTPUT_SATURATED: "A saturated output passes back almost no gradient at any learning rate, so smaller "
                             "steps alone do not bring the loss back",
}


def _lost_first(findings: list[Finding]) -> list[Finding]:
    """A run that had learned and lost it heads its reading, before the gradient failure that came with the loss
    (the one exception to the order of Status). CI at e6a5a5e: a playground run trained to 0.005 and then set to the
    learning rate 10 read 'Vanishing: layer 1 gets 9.2e-4 of the output layer's gradient; and the network is not
    learning any more ...' with the vanishing remedy (ReLU, He initialisation), although the raised learning rate
    had saturated those tanh units; the remedy a learner needs is the lower learning rate."""
    lost = next((f for f in findings if f.status == Status.NOT_LEARNING and f.words.startswith(UNLEARNED)), None)
    head = findings[0]
    if lost is None or head.status not in _AFTER_LOST:
        return findings
    words = f"{lost.words}; also {head.words}"
    evidence = {**lost.evidence, "also": head.status.value}
    remedy = lost.remedy
    # (not for one sampled batch's gradient of 0: the run's other batches still move the weights)
    why = None if head.evidence.get("batch_only") else _NO_WAY_BACK.get(head.status)
    if why is not None and head.remedy:  # 'the loss may come back down once the steps are small again' is not true
        # where the gradient is 0 whatever the step (R14: dead units; W18: a tanh output at exactly +-1 after lr 10,
        # whose loss stayed at 0.984 through 2,000 epochs at lr 0.003): the head's remedy is the one that acts
        # 'with a restart' (W27: 'smaller steps alone do not bring the loss back: lower the learning rate' read as
        # a contradiction where a recalled blow-up put the learning rate first in the head's remedy)
        remedy = f"{why}; with a restart: {head.remedy[0].lower()}{head.remedy[1:]}"
    # where no smaller step undoes the failure (_NO_WAY_BACK: dead units, a gradient of exactly 0, a saturated output)
    # the status stays the failure's, the most serious finding, and the words lead with the loss (W27: a run that
    # learned, had its rate raised and ended with every gradient 0 read 'not_learning', where the same state from a
    # blow-up at the start read 'no_gradient'; a script checking report.status == "no_gradient" missed it). A
    # vanishing or exploding ratio that a lower rate may undo stays under the climb's status
    status = head.status if why is not None else lost.status
    if status != lost.status:  # the words' first clause names the status too (W103 walkthrough finding 4: a run
        # whose every gradient went to 0 read the status 'no_gradient' above words that began 'not learning any more:
        # the mean loss had come down ...', and its reader looked for the status in them)
        words = f"{UNLEARNED}, with {_WITH[status]}{words[len(UNLEARNED):]}"
    return [dataclasses.replace(lost, status=status, words=words, evidence=evidence, remedy=remedy),
            *(f for f in findings if f is not lost)]


def _with_the_second_cause(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """A blown-up run whose hidden layer is all off: the headline says that too (W14 item 7: the diverging headline
    said nothing of 64 of 64 tanh units saturated, which only the table showed), so a reader of the headline alone
    learns that those weights get no gradient and cannot train back by themselves."""
    head = findings[0]
    off = next((f for f in findings[1:] if f.status == Status.VANISHING and f.evidence.get("off_layers")), None)
    if head.status != Status.DIVERGED or off is None:
        return findings
    also = off.words.removeprefix("vanishing: ")
    words = f"{head.words}; also, {also}"
    evidence = {**head.evidence, "off_layers": off.evidence["off_layers"]}
    remedy = head.remedy
    if s.layers and all(l.grad_norm == 0 for l in s.layers):
        # R18: an ELU run blown up to a loss of 2.4e8 and stuck there named no reason it could not come back, and
        # offered only a lower learning rate: no step of any size moves a weight whose gradient is exactly 0
        hidden = layers_in_words([s.weights_name(i) for i in range(len(s.layers))])
        words += (f"; the weight gradient of {'every hidden layer' if len(s.layers) > 1 else 'the hidden layer'} "
                  f"({hidden}) is exactly 0, so no update moves a hidden weight and the run cannot train its way "
                  "back")
        if remedy:
            remedy = ("No hidden weight gets a gradient at any learning rate, so smaller steps alone do not bring "
                      f"this run back: {remedy[0].lower()}{remedy[1:]}")
        evidence["zero_gradient_layers"] = list(range(1, len(s.layers) + 1))
    return [dataclasses.replace(head, words=words, evidence=evidence, remedy=remedy), *findings[1:]]


# causes whose words say nothing of the loss: where the loss has not moved from chance, their headline says that too,
# so the headline alone tells that the network does not learn (W13: a vanishing network stuck at chance read only
# 'vanishing'); the not-learning finding stays in the list, for the faces that list every finding
_SILENT_ON_LOSS = frozenset({Status.UNSCALED_INPUTS, Status.OUTPUT_SATURATED, Status.DEAD_LAYER, Status.EXPLODING,
                             Status.VANISHING})


def with_the_loss(findings: list[Finding], s: RunSummary) -> list[Finding]:
    head = findings[0]
    if (head.status not in _SILENT_ON_LOSS or s.loss is None or s.chance_loss is None or not math.isfinite(s.loss)
            or s.chance_loss <= 0 or has_moved(s) or head.words.startswith(UNLEARNED)):
        return findings  # (a headline that leads with the loss lost (_lost_first) says it: W40 walkthrough, 'the loss
        # had come down to 0.664 at training step 1,421' twice in one headline)
    stuck = next((f for f in findings if f.status == Status.NOT_LEARNING and f.words.startswith("not learning")),
                 None)
    if stuck is not None:
        tail = f"; and the network is {stuck.words}"
    elif s.steps is not None and s.steps <= 1:  # no update, or one, behind the loss: nothing to say of it yet
        return findings
    else:  # too early to judge learning: say where the loss stands, not a verdict
        after = f" after {s.steps:,} update{'' if s.steps == 1 else 's'}" if s.steps is not None else ""
        judged, bound = s.lowest_judged_loss, s.lowest_judged_bound
        if above_chance(s.loss, s.chance_loss):
            tail = f"; the loss is {times(s.loss / s.chance_loss)} times chance{after}{loss_text(s)}"
        elif s.loss < (1 - MOVED_FRACTION) * s.chance_loss:  # below chance, within its batches' noise of it
            tail = (f"; the loss is {percent_below(s.loss, s.chance_loss)} below chance{after}{loss_text(s)}"
                    f"{within_noise(s)}")
        elif (judged is not None and math.isfinite(judged) and judged < (1 - MOVED_FRACTION) * s.chance_loss
              and (bound is None or bound < s.chance_loss) and s.lowest_judged_step is not None):
            # it had come down beyond its noise, and is back near chance: not 'not yet moved' (W35 walkthrough: a
            # transformer at lr 3e-2 read healthy at steps 104-109, 18% below chance, then 'vanishing: ...; the loss
            # has not yet moved from chance after 118 updates', which points at a learning rate too low)
            low, at = said_low(s)
            tail = (f"; the loss had come down to {low:.3g} at {numbered_step(s, at)}, "
                    f"{percent_below(low, s.chance_loss)} below chance, and is back near chance{after}"
                    f"{loss_text(s)}")
        else:
            tail = f"; the loss has not yet moved from chance{after}{loss_text(s)}"
    evidence = {**head.evidence, "loss": s.loss, "chance_loss": s.chance_loss, "steps": s.steps}
    return [dataclasses.replace(head, words=head.words + tail, evidence=evidence), *findings[1:]]


def headline_first(findings: list[Finding], s: RunSummary) -> list[Finding]:
    """The findings, sorted by Status, with the headline each exception makes first and what it adds to it."""
    return _with_the_second_cause(with_the_loss(_lost_first(_zero_rate_first(findings)), s), s)
