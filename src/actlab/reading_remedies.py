"""What a reading tells the learner to change: the remedies that depend on the network, the face and the settings.

A remedy names only what the learner can change where they are (RunSummary.levers: the lab and `actlab train` train a
plain MLP, with no residual connections or normalisation layers to add), only changes that apply to the activations
the network uses (W12: an all-ReLU net was told to use ReLU instead of sigmoid or tanh), and never what is already in
use (W15: a run with He initialisation was offered He initialisation). readings.py calls these; its findings say why.
"""

from __future__ import annotations

from .activations.registry import get
from .reading_record import SCALED_INPUT_RMS, Lever, RunSummary, layers_in_words, names_in_order

SQUASHING = frozenset({"sigmoid", "tanh", "hardtanh", "hardsigmoid", "softsign"})  # bounded: both tails flat
ZERO_RECTIFIERS = frozenset({"relu", "relu6", "relu_squared"})  # f' exactly 0 for every negative input
LINEAR = frozenset({"identity", "linear"})  # no activation: the layers compose to one linear map


def _names(acts) -> str:
    return names_in_order(sorted(acts))


def uses_he(s: RunSummary) -> bool:
    return s.init.startswith("he_")


def uses_xavier(s: RunSummary) -> bool:
    return s.init.startswith("xavier_")


def can_offer(s: RunSummary, lever: Lever) -> bool:
    return lever in s.levers


def offers_he(s: RunSummary) -> bool:
    """He initialisation may be offered: the face has an initialiser setting and He is not the one in use."""
    return can_offer(s, Lever.INIT) and not uses_he(s)


def offers_xavier(s: RunSummary) -> bool:
    return can_offer(s, Lever.INIT) and not uses_xavier(s)


def offers_lower_lr(s: RunSummary) -> bool:
    """A lower learning rate may be offered: the face has the setting, the rate in use is not 0 already, and not back
    where it was before a raise that came before the failure (rate_restored), nor lowered since an optimiser switch
    (switch_lowered)."""
    return (can_offer(s, Lever.LEARNING_RATE) and s.learning_rate != 0 and rate_restored(s) is None
            and switch_lowered(s) is None)


def switch_lowered(s: RunSummary) -> tuple[int, float] | None:
    """Where a monitor saw an optimiser switch (RunSummary.optimiser_switches) and every parameter group's rate has
    been lowered since to a third of the new optimiser's first rate or less: (the training step of the latest such
    change, its rate); None otherwise. W99 walkthrough s8: Adam at 0.03 after SGD, then Adam at 1e-3 from step 1,201,
    read 'keep it there' and 'Lower the learning rate' in one remedy."""
    if not s.optimiser_switches or not s.learning_rates:
        return None
    step, *_, rate, _adaptive = s.optimiser_switches[-1]
    lowered = [c[-1] for *_, c in s.learning_rates if c and c[-1][0] > step]
    if len(lowered) == len(s.learning_rates) and all(lr * 3 <= rate for _, lr in lowered):
        return max(lowered)
    return None


RATE_RAISED = 1.5  # a learning rate this many times the one read before a jump in the loss is said as its likely cause


def rate_restored(s: RunSummary) -> tuple[float, float, int, int] | None:
    """Where a monitor read the learning rates (RunSummary.learning_rates) and one change raised a parameter group's
    rate RATE_RAISED times or more, and a later change brought it back to where it was or under, where it has stayed
    (its latest rate at most that): (the rate before the raise, the raised rate, the step of the raise, the step it
    came back) of the latest such raise; None otherwise. The rate before the raise is one the run held, not reached
    by a rise (a warm-up's climb and a schedule's decay below where it began are no raise put back). W99 walkthrough
    finding 2: SGD at 0.05 raised to 5 for steps 601 to 650 and put back, a layer dead since, was told 'go back to
    0.05' and 'lower the learning rate' three times from step 700 to 1,800."""
    found = None
    for _, _, _, changes in s.learning_rates:
        if not changes:
            continue
        latest = changes[-1][1]
        # from the latest change back, the first raise put back is this group's latest (a schedule's thousands of
        # changes are walked once, not once for each)
        for k in range(len(changes) - 1, 0, -1):
            was, (j, to) = changes[k - 1][1], changes[k]
            # (a rate the run held, not one a warm-up climbed through: the change into it was no rise)
            if not (was > 0 and to >= RATE_RAISED * was and latest <= was) or k >= 2 and changes[k - 2][1] < was:
                continue
            # the first change after it back to where it was or under (one there is: the latest rate is), and the
            # rate there since (stayed: no change rose above it again)
            back = next(i for i in range(k + 1, len(changes)) if changes[i][1] <= was)
            if all(lr <= was for _, lr in changes[back:]):
                if found is None or j > found[2]:
                    found = (was, to, j, changes[back][0])
                break
    return found


def scale_inputs(s: RunSummary, lead: str = "; ") -> str:
    """The advice to scale the inputs, where the inputs are the learner's own and not measured scaled; "" where they
    are not the learner's, or measured at SCALED_INPUT_RMS or below. Where they were not measured (input_rms None:
    the PyTorch Monitor judges the inputs only where the first activation acts on the first layer's output with no
    normalisation between) it is a check to make, not a claim that they are unscaled."""
    if not can_offer(s, Lever.INPUTS) or s.input_ids:
        return ""
    if s.input_rms is None and s.blown_up is not None:  # a blow-up on record explains what a check would look for
        # (W27 walkthrough: 'check that the inputs are scaled' after 'the loss blew up to 6.53e+08 at step 308')
        return ""
    if s.input_rms is None:
        return f"{lead}check that the inputs are scaled to mean 0 and variance 1 (they were not measured here)"
    if s.input_rms <= SCALED_INPUT_RMS:  # measured, and scaled: no advice to do what is done (a monitor reads it)
        return ""
    return f"{lead}scale the inputs to mean 0 and variance 1"


def _try(steps: list[str]) -> str:
    if not steps:
        return ""
    listed = steps[0] if len(steps) == 1 else f"{', '.join(steps[:-1])}, or {steps[-1]}"
    return f"Try {listed}"


def vanishing_remedy(s: RunSummary) -> str:
    """What shortens or steadies the chain of small factors, for the activations this network uses."""
    acts = {l.activation for l in s.layers}
    squash = acts & SQUASHING
    steps = []
    # a network that normalises its layers, its rates read: the rate leads (below)
    rate_leads = s.normalised and offers_lower_lr(s) and top_rate(s) is not None
    # Xavier initialisation keeps a squashing function in its slope-1 regime (Glorot and Bengio: tanh); one whose
    # slope is under 1 everywhere (the registry's deriv_max: sigmoid 0.25) shrinks the gradient at every layer at
    # Xavier's scale (W16: an 8-layer sigmoid net stayed at loss 0.502 with xavier_uniform, with xavier_normal, and at
    # lr 1); weights larger by about 1 / deriv_max make up for it (W71 walkthrough finding 2: a 15-layer sigmoid net
    # with orthogonal weights of gain 4 read healthy and learned, where the words said no initialisation helps)
    shallow = sorted(n for n in squash if get(n).deriv_max < 1)
    centred = not shallow
    if squash and can_offer(s, Lever.ACTIVATION):
        keep = "it" if len(squash) == 1 else "them"
        slopes = " and ".join(f"{get(n).deriv_max:.3g}" for n in shallow)
        xavier = (f" (or, keeping {keep}, Xavier initialisation)" if centred and offers_xavier(s) else
                  "" if centred else f" ({_names(set(shallow))}: "
                  f"{'its slope is' if len(shallow) == 1 else 'their slopes are'} at most {slopes}, so under the usual "
                  "initialisations the gradient shrinks at every layer; only weights several times larger, "
                  "such as orthogonal ones with gain 4 and biases that centre what each layer takes in (its "
                  "outputs sit around 0.5), make up for it)")
        steps.append(f"ReLU, GELU or SiLU instead of {_names(squash)}{xavier}")
    elif squash and centred and offers_xavier(s):
        steps.append("Xavier initialisation")
    if acts - SQUASHING and offers_he(s):
        steps.append(f"He initialisation{' for the other layers' if squash else ''}")
    if len(s.layers) > 2:
        if can_offer(s, Lever.ARCHITECTURE):
            steps.append("residual connections between layers, where there are none" if s.normalised else
                         "residual connections or normalisation (LayerNorm or BatchNorm) between layers")
        if can_offer(s, Lever.LAYERS):
            steps.append("fewer layers")
    elif offers_lower_lr(s) and not rate_leads:  # depth is not what stops the gradient in one or two hidden layers
        # (W15: a 2-layer ReLU net at lr 3 was told 'or fewer layers'); units pushed off, dead or saturated, by steps
        # too large are (said once: where the rate leads the remedy, below, not again here)
        steps.append("a lower learning rate (steps too large push units off, dead or saturated, and the gradient "
                     "stops at them)")
    text = _try(steps) + scale_inputs(s, "; " if steps else "")
    text = text[0].upper() + text[1:] + "." if text else ""
    start = no_warm_up(s) if s.normalised and offers_lower_lr(s) else None
    if start is not None:  # (W84 walkthrough finding 2: a warm-up, or a third of the rate, trained it)
        rate, step = start
        warm = (f"Start with a warm-up: the learning rate was {rate:.3g} from training step {step:,}, its highest, "
                "and in a network that normalises its layers a gradient lost is most often one the first large "
                "updates threw there; raise the rate from near 0 over the first few hundred steps, or lower it.")
        text = f"{warm} If it still vanishes: {text[0].lower()}{text[1:]}" if text else warm
    elif rate_leads:
        # warmed up, and still lost: the rate it rose to leads too (W90 walkthrough finding 2: a small vision
        # transformer under OneCycle to 0.5 read 'Try He initialisation, or a lower learning rate'; at 3e-3 it learned)
        rate, step = top_rate(s)
        lower = (f"Lower the learning rate: it rose to {rate:.3g} at training step {step:,}, its highest, and in a "
                 "network that normalises its layers a gradient lost is most often one large updates threw there.")
        text = f"{lower} If it still vanishes: {text[0].lower()}{text[1:]}" if text else lower
    return text


def top_rate(s: RunSummary) -> tuple[float, int] | None:
    """(the highest learning rate read in any parameter group, the training step it was first read at); None where
    none was read."""
    found = None
    for _label, _first, _last, changes in s.learning_rates:
        for step, rate in changes:
            if found is None or rate > found[0]:
                found = (rate, step)
    return found


def no_warm_up(s: RunSummary) -> tuple[float, int] | None:
    """(the rate, the training step) where every parameter group's learning rate read (RunSummary.learning_rates) was
    at its highest from the first step read, the run's first (no warm-up), taking the group whose rate is highest;
    None where a rate rose after its first step, or none was read."""
    found = None
    for _label, first, _last, changes in s.learning_rates:
        if not changes or first != 1 or changes[0][0] > first:
            return None
        top = max(r for _, r in changes)
        if changes[0][1] < 0.99 * top:  # it rose after its first step: a warm-up
            return None
        if found is None or changes[0][1] > found[0]:
            found = (changes[0][1], changes[0][0])
    return found


# off_remedy's last part, which a remedy that already leads with the learning rate leaves out (readings._recall_blow_up)
SMALLER_LR_KEEPS = "a smaller learning rate keeps units from being pushed there"


def off_remedy(s: RunSummary, layers: list[int], pushed: bool = True) -> str:
    """For hidden layers (1-based) whose every unit is dead or saturated: what brings units of their kind back.
    ``pushed``: False where the units were off from the initialisation (no learning rate pushed them there)."""
    acts = {s.layers[i - 1].activation for i in layers}
    parts = []
    # a normalisation before every one of them (a monitor reads where one is registered)
    normed = [s.layers[i - 1].normed for i in layers] if all(s.layers[i - 1].normed for i in layers) else []
    he = ", or He initialisation" if offers_he(s) else ""
    if acts & ZERO_RECTIFIERS and can_offer(s, Lever.ACTIVATION):
        parts.append(f"use Leaky ReLU or GELU instead of {_names(acts & ZERO_RECTIFIERS)}, whose units get no "
                     f"gradient once their input is negative on every point{he}")
    if acts & SQUASHING and can_offer(s, Lever.ACTIVATION):
        xavier = ", or Xavier initialisation" if offers_xavier(s) else ""
        parts.append(f"use ReLU, GELU or SiLU instead of {_names(acts & SQUASHING)}, which flattens out at both "
                     f"ends{xavier}")
    others = acts - ZERO_RECTIFIERS - SQUASHING
    if others:  # GELU, SiLU, ELU...: f' is exactly 0 only where the input is so far out that it rounds to 0
        init = (f" and the weights' initialisation (He suits {_names(others)})" if offers_he(s) else
                " and the weights' initialisation" if can_offer(s, Lever.INIT) else "")
        part = (f"check the biases{init}: every unit's input sits so far into {_names(others)}'s flat tail "
                "that its slope rounds to 0")
        if can_offer(s, Lever.ARCHITECTURE) and not normed:
            part += "; normalise the layer's inputs (LayerNorm or BatchNorm)"
        parts.append(part)
    if normed:  # a normalisation runs just before each: its own bias and weight set where the units sit
        norms = sorted(set(normed))
        parts.append(f"{' and '.join('module ' + n for n in norms)} {'runs' if len(norms) == 1 else 'run'} just before "
                     f"{'it' if len(layers) == 1 else 'them'}, so {'its' if len(norms) == 1 else 'their'} own bias "
                     "(beta) and weight (gamma) set where the units sit, whatever the weights before do: check them "
                     "(reset_parameters() restores 0 and 1)")
    start = off_from_start(s, layers)
    if start:  # off before any update: the initialisation's doing, not the learning rate's (and a checkpoint holds
        # them off too)
        one = len(start) == 1
        names = layers_in_words([s.name(i - 1) for i in start])
        at = max(s.layers[i - 1].never_on for i in start)
        since = from_start_words(at)
        parts.insert(0, f"every unit of {names} was off on every sampled batch {since}: check "
                        f"{'its' if one else 'their'} biases and the weights before {'it' if one else 'them'} (a bias "
                        "far below what the weights give a unit keeps it off on every input)")
    # most of the dead units were on earlier in the run: updates pushed them off, so the learning rate leads (W83
    # walkthrough finding 3: lr 100 times too high killed a layer whose units had been on, and 'Use Leaky ReLU or
    # GELU instead' came first; at that rate the Leaky ReLU network diverged, and a tenth of it trained)
    dead = [i for i in layers if 0 < i <= len(s.layers) and s.layers[i - 1].dead]
    seen_on = dead and all(2 * s.layers[i - 1].dead_seen_on >= s.layers[i - 1].dead for i in dead)
    # dead units never seen on, where the first sampled step came after updates: those updates may have pushed them
    # off as well as the initialisation left them so, and the remedy says both (W90 walkthrough finding 1: SGD at lr 1
    # with momentum killed most of a CNN's units over steps 1 to 3 with no blow-up; every="auto" first sampled step 4,
    # and the remedy led with Leaky ReLU where the learning rate was the cause)
    first = s.first_sampled
    unseen = sum(s.layers[i - 1].dead - s.layers[i - 1].dead_seen_on for i in dead)
    unsure = first is not None and unseen and not seen_on
    if offers_lower_lr(s) and not start and pushed and seen_on:
        names = layers_in_words([s.name(i - 1) for i in dead])
        # (and where some were never seen on, how many, so that the words agree with an earlier reading that said
        # of those that what put them off is not known; W105 walkthrough finding 14: Adam at lr 1 read 'not known'
        # of 30 units at step 62 and 'the units ... were on earlier in the run' of all 64 at step 462)
        who = (f"the units of {names} were" if not unseen else
               f"{sum(s.layers[i - 1].dead for i in dead) - unseen:,} of the dead units of {names} were")
        rest = ("" if not unseen else
                f"; the other {unseen:,} were off on every sampled batch from the first training step on, "
                f"{FROM_START}, so the initialisation put them there" if first is None else
                f"; the other {unseen:,} were off on every sampled batch from training step {first[0]:,}, the first "
                f"sampled, after {first[1]:,} update{'' if first[1] == 1 else 's'} not sampled, and what put them off "
                "is not known")
        parts.insert(0, f"lower the learning rate: {who} on earlier in the run and updates pushed them off (steps too "
                        f"large push a unit below 0 on every input for good){rest}")
    elif offers_lower_lr(s) and not start and pushed and unsure:
        names = layers_in_words([s.name(i - 1) for i in dead])
        updates = f"{first[1]:,} update{'' if first[1] == 1 else 's'}"
        parts.insert(0, f"lower the learning rate, or check the biases and the weights' initialisation: {unseen:,} of "
                        f"the dead units of {names} were off on every sampled batch from training step {first[0]:,}, "
                        f"the first sampled, after {updates} not sampled, so whether those updates pushed them off or "
                        "the initialisation left them so is not known (mon.step(sample=True) on the first step reads "
                        "the units as the initialisation left them)")
    elif offers_lower_lr(s) and not start and pushed:
        parts.append(SMALLER_LR_KEEPS)
    text = "; ".join(parts) or "reinitialise the network"
    return text[0].upper() + text[1:]


FROM_START = "before any update changed a weight"  # off_remedy's words for units off from the initialisation


def from_start_words(at: int) -> str:
    """How units off on every sampled batch from training step ``at`` (LayerSummary.never_on, dead_from_start) came to
    be off: "from the first training step on, before any update changed a weight, so the initialisation put them
    there", or, where the first sampled step came later, that it most likely did."""
    return (f"from the first training step on, {FROM_START}, so the initialisation put them there" if at == 1 else
            f"from training step {at:,}, the first sampled, on, and the loss did not blow up before it, so the "
            f"initialisation most likely put them there (the steps before it were not sampled: what the units did "
            f"{FROM_START} is not known)")


def off_from_start(s: RunSummary, layers: list[int]) -> list[int]:
    """Those of the hidden layers ``layers`` (1-based) that had no unit on at any sampled batch from the run's first
    training step on (LayerSummary.never_on): off from the initialisation."""
    return [i for i in layers if 0 < i <= len(s.layers) and s.layers[i - 1].never_on]


def exploding_remedy(s: RunSummary) -> str:
    """A smaller initialisation, naming none that is in use, or a lower learning rate."""
    lower = " or a lower learning rate" if offers_lower_lr(s) else ""
    if not can_offer(s, Lever.INIT):
        return "Use a lower learning rate." if lower else ""
    if uses_he(s) or uses_xavier(s):
        return f"Use a smaller initialisation than {'He' if uses_he(s) else 'Xavier'}{lower}."
    return f"Use a smaller initialisation (Xavier or He){lower}."


def output_saturated_remedy(s: RunSummary) -> str:
    """For an MSE head on a tanh or sigmoid output pinned where it is wrong: smaller steps, or cross-entropy."""
    parts = [f"lower the learning rate and {s.restart}"] if offers_lower_lr(s) else []
    if can_offer(s, Lever.LOSS):
        parts.append("train with cross-entropy, whose gradient stays large when the output is confidently wrong")
    text = ", or ".join(parts)
    return text[0].upper() + text[1:] + "." if text else ""


def no_gradient_remedy(s: RunSummary, stuck: bool, off: list[int]) -> str:
    """For a network no weight of which gets a gradient: its output is saturated (``stuck``), hidden layers (1-based,
    ``off``) have every unit dead or saturated, or neither is seen."""
    if stuck:
        text = ("cross-entropy, unlike MSE on a tanh or sigmoid output, does not saturate at the output."
                if can_offer(s, Lever.LOSS) else "")
        lower = f"lower the learning rate and {s.restart}" if offers_lower_lr(s) else ""
        text = f"{lower}; {text}" if lower and text else lower + "." if lower else text
        return text[0].upper() + text[1:] if text else ""
    if off:
        return f"{off_remedy(s, off)}{scale_inputs(s)}; then {s.restart}."
    steps = [*(["lower the learning rate"] if offers_lower_lr(s) else []), *([scale_inputs(s, "")] if
                                                                             scale_inputs(s) else []), s.restart]
    text = f"{', '.join(steps[:-1])} and {steps[-1]}." if len(steps) > 1 else f"{steps[0]}."
    return text[0].upper() + text[1:]
