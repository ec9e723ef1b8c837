"""The gradients the optimiser steps with, against those backward computed. One part of the Monitor class
(interop/torch.py), kept apart because it is one idea: Monitor inherits it.

The monitor reads the weights' gradients as backward ends, and the script may change them before opt.step():
torch.nn.utils.clip_grad_norm_ scales them all down in place when their norm is above max_norm, clip_grad_value_
clamps them. Clipping meant for the rare spike is harmless; a limit far below the gradients' usual norm cuts every
update, and with plain SGD a run then moves by the learning rate times that cut (W53 walkthrough finding 7: SGD with
max_norm=1e-4 read 'not learning ... raise the learning rate', the clip unseen). After a sampled step, an optimiser
step pre-hook (torch.optim's global one, attached until the next step begins) finds whether the watched weights'
gradients were changed in place since backward, and if so takes their norm again: the cut is the ratio of the two.
An optimiser that scales each update by its own gradient statistics (Adam, RMSprop, Adagrad: an ``eps`` among its
defaults) takes out a uniform cut, which is then not held against the run.
"""

from __future__ import annotations

import math
import statistics
import weakref
from collections import deque

from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

from ..readings import CLIP_TIGHTER, CLIPPING_ON
from ..run_points import RATE_CHANGES_MOST, evenly
from ._monitor_base import TORCH_CLIP
from ._monitor_places import _held_weight, grad_norms
from ._monitor_scaler import scale_of

CUT_KEPT = 8  # the latest sampled steps' cuts the reading looks at
CUT_STEPS = 3  # sampled steps whose optimiser step was seen before a cut is said
ZERO_PROBE = 8  # values of the first watched weight's gradient the zeroing probe compares
# the fewest training steps from one zeroing probe to the next: every sampled step's at an interval of 5 or more; under
# every=1 its two hooks' registration and removal (30-40 us of each step, measured on the benchmark's MLP) are paid
# one step in five, and UNZEROED_PROBES in a row take that many more steps to say a missing zero_grad()
ZERO_PROBE_GAP = 5
CLIPPED = 0.99  # a gradient this much smaller at opt.step() than after backward was clipped (RunSummary.clip)
UNZEROED_PROBES = 2  # probes in a row that found the gradient added to the old one before it is said
# the latest changes of the learning rate kept, per parameter group: a schedule that changes it every step (cosine,
# OneCycleLR, a slow ramp) is known over this many steps back (W60 walkthrough: 512 had lost the rate at the run's low,
# step 431, by step 1,190 of a ramp, and the reading said nothing of a rise to 24 times it)
LR_CHANGES = 8192
WRITES_KEPT = 64  # the latest runs of writes of the weights between optimiser steps a monitor keeps (_note_written)
WRITES_ROUTINE = 20  # a write within this many training steps of the one before is of its run (_note_written)
WRITE_LOSSES = 10  # the training steps' losses on each side of a run's first write that weigh it (_weigh_writes)
# the rate's changes one log line carries per group (a schedule's, every step: evenly thinned): the cap a log's reader
# keeps them to, from its one home
RATE_LINE_MOST = RATE_CHANGES_MOST


def _is_loss_scale(ratio: float) -> bool:
    """A cut by a power of 2 of 256 or more, to float precision: a loss scaler's unscale_ (a GradScaler not given to
    the monitor), not a clip."""
    if not 0 < ratio <= 1 / 256:
        return False
    power = -math.log2(ratio)
    return abs(power - round(power)) < 1e-4


# the monitors waiting for the optimiser's step after a sampled step (_await_optimiser) and those reading the
# learning rate at every optimiser step (_watch_rate), held weakly; one global optimiser pre-hook serves them all,
# registered once and never removed. torch iterates its global hooks as it calls them: a hook registered or removed
# meanwhile (a monitor's first read of the rate, from inside the probe's hook, or a weakref finalizer of a monitor the
# garbage collector took during the step) raised 'OrderedDict mutated during iteration' from the script's opt.step()
_AWAITING: weakref.WeakSet = weakref.WeakSet()
_PROBING: weakref.WeakSet = weakref.WeakSet()  # the monitors whose zeroing probe waits for its weight's next step
_READING_RATES: weakref.WeakSet = weakref.WeakSet()
_LISTENING: list = []  # the hook's handle, once registered


def _dispatch(opt, args, kwargs) -> None:
    reading = list(_READING_RATES)  # (a monitor that starts reading the rates in its probe reads this step itself)
    for mon in reading:
        mon._note_written()
    for mon in list(_PROBING):  # (before a new probe can begin at this step)
        mon._settle_zero_probe(opt)
    for mon in list(_AWAITING):
        mon._at_optimiser(opt)
    for mon in reading:
        mon._note_rates(opt)


def _stepped(opt, args, kwargs) -> None:
    for mon in list(_READING_RATES):
        mon._note_versions()


def _listen() -> None:
    if not _LISTENING:
        _LISTENING.append(register_optimizer_step_pre_hook(_dispatch))
        _LISTENING.append(register_optimizer_step_post_hook(_stepped))


def _note_change(kept: dict, label: str, step: int, value: float) -> None:
    """One parameter group's setting (its rate, its weight decay) at an optimiser's step of training ``step``, in
    ``kept``'s series for its label: [first step read, latest, its changes as (step, value), the latest LR_CHANGES]."""
    series = kept.get(label)
    if series is None:
        series = kept[label] = [step, step, deque(maxlen=LR_CHANGES)]
    changes = series[2]
    if not changes or changes[-1][1] != value:
        changes.append((step, value))
    series[1] = step


def _versions_of(weighted: list) -> list[int]:
    """Each watched weighted module's version count: its weight's and its bias's added (each only grows, so the sum
    moves where either was written). W102 walkthrough finding 3: a bias shifted by -20 under no_grad killed every
    unit after it, and the reading blamed the learning rate, the weight's counter unmoved."""
    out = []
    for _, m in weighted:
        bias = m.__dict__["_parameters"].get("bias") if "_parameters" in m.__dict__ else None
        out.append(_held_weight(m)._version + (bias._version if bias is not None else 0))
    return out


class _Cut:
    # set as backward ends (_Weights._weight_grad_norms): the trained weights whose gradient this step wrote, those
    # gradients, their version counters and norms then; None: none read, or already compared
    _grads_read: tuple | None = None
    _cut_hook = None  # True while this monitor waits for this sampled step's opt.step() (in _AWAITING)
    _cut_step = 0  # the training step (1-based) whose gradients it waits for
    _cuts: deque | None = None  # (training step, cut, norm at backward, norm at opt.step()), the latest CUT_KEPT
    _cut_adaptive = False  # the optimiser that stepped the watched weights scales its updates (eps in its defaults)
    _probed_at = -ZERO_PROBE_GAP  # the training step whose optimiser step began the latest zeroing probe
    _zero_probe: tuple | None = None  # the hooks that watch the next backward's gradient land (_probe_zeroing)
    # per optimiser (weakly), (the training step of the latest optimiser step whose next backward added to the old
    # gradient, how many of its probes in a row found so); none: its latest probe found the gradient zeroed. Per
    # optimiser: a GAN's two models under one monitor are probed in turn, and the discriminator's zeroed gradient
    # says nothing of the generator's loop
    _unzeroed: weakref.WeakKeyDictionary | None = None
    # the learning rates of every optimiser step from the monitor's first step on (_watch_rate): whether it reads them
    # (True while in _READING_RATES), and each group's changes, (training step, rate), the latest LR_CHANGES
    _rate_hook = None
    # per parameter group read (by the first watched weight it holds): [first step read, latest, changes]; and per
    # optimiser seen, weakly, its groups that hold watched weights, as (index, label) (the Monitor's __init__ gives
    # each monitor its own)
    _rate_series: dict
    _decay_series: dict  # the parameter groups' weight_decay, as _rate_series (RunSummary.weight_decays)
    _versions: list | None = None  # the watched weights' version counters as the latest optimiser step ended
    _label_kinds: dict  # per group label (as _rate_series's), the kind of the optimiser that stepped it last, adaptive
    _switches: deque  # the optimiser switches _note_switch saw
    _written: deque  # the runs of writes _note_written saw: [first training step, last, how many, the modules]
    _rates_logged = 0  # the step of the latest report whose line carried the rates' changes (_rates_for_line)
    _rates_line: tuple = (0, ())  # and that step with what it carried
    _rate_opts: weakref.WeakKeyDictionary

    def _await_optimiser(self) -> None:
        """At the end of a sampled step whose gradients were read: the next opt.step() before another step begins
        compares them (_at_optimiser), through the one optimiser hook (_dispatch), which holds the monitor weakly."""
        self._drop_cut_hook()
        if self._grads_read is None:
            return
        self._cut_step = self.step_count + 1
        _listen()
        _AWAITING.add(self)
        self._cut_hook = True

    def _drop_cut_hook(self) -> None:
        """As the next step begins, and as the run ends."""
        if self._cut_hook is not None:
            _AWAITING.discard(self)
            self._cut_hook = None

    def _at_optimiser(self, opt) -> None:
        held = self._grads_read
        if held is None or self._open_step is not None or self.step_count != self._cut_step:
            return
        weights, grads, versions, norms = held
        if not any(p is weights[0] for g in opt.param_groups for p in g["params"]):
            return  # another optimiser's step: this one's may follow
        if self._rate_hook is None:  # (_dispatch reads the rates of those reading them before this step's probes)
            self._watch_rate()
            self._note_rates(opt)
        self._grads_read = None
        if self._cut_step - self._probed_at >= ZERO_PROBE_GAP:
            self._probed_at = self._cut_step
            self._probe_zeroing(weights[0])
        now = [w.grad for w in weights]
        if any(n is not g for n, g in zip(now, grads, strict=True)):  # set anew (zeroed, or replaced): not a cut of
            return  # this step's gradient
        self._cut_adaptive = "eps" in getattr(opt, "defaults", {})
        before = math.sqrt(sum(float(n) ** 2 for n in norms))
        if not (math.isfinite(before) and before > 0):
            return
        if self._scaler is None and all(g._version == v for g, v in zip(grads, versions, strict=True)):
            after = before  # (a GradScaler's unscale_ leaves the version counters as they were: read where given)
        else:
            after = math.sqrt(sum(float(n) ** 2 for n in grad_norms(now)))
        scale = scale_of(self._scaler)  # the scaler's unscale_ (before the optimiser's step) is no cut
        before /= scale
        ratio = after / before
        if not math.isfinite(ratio) or (self._scaler is None and _is_loss_scale(ratio)):
            return
        if self._cuts is None:
            self._cuts = deque(maxlen=CUT_KEPT)
        self._cuts.append((self._cut_step, ratio, before, after))

    def _watch_rate(self) -> None:
        """From the monitor's first step on, every optimiser step of an optimiser holding watched
        weights notes the learning rate of each of its parameter groups that holds one, where it changes, through a
        global step pre-hook held weakly (about a microsecond a step): RunSummary.learning_rates. Two optimisers on one
        model, or parameter groups of their own rates, are read each (W58 walkthrough finding 13: a rate raised in the
        later layers' group went unsaid). A rate held in a tensor is not read (its read would wait for the device)."""
        if self._rate_hook is not None:
            return
        _listen()
        _READING_RATES.add(self)  # (held weakly: a monitor collected unclosed leaves it)
        self._rate_hook = True

    def _note_written(self) -> None:
        """At an optimiser's step (its pre-hook): which watched weights were written since the last optimiser step
        ended (their version counters moved: load_state_dict, reset_parameters(), an in-place copy under no_grad;
        forward and backward write none), noted with the training step of this update in the runs of writes (one
        within WRITES_ROUTINE steps of the one before joins its run). A few integers a step, read on the host. W99
        walkthrough finding 5: the initial weights loaded back at step 801 read 'the mean loss has risen ... lower the
        learning rate'."""
        before = self._versions
        if before is None:
            return
        self._versions = None
        now = _versions_of(self._weighted)
        if now == before:
            return
        names = [n for (n, _), a, b in zip(self._weighted, now, before, strict=True) if a != b]
        step = self.step_count + (self._open_step is not None)  # (as _note_rates dates an update)
        if step <= self._step0:
            return
        runs = self._written  # as runs of writes, each within WRITES_ROUTINE steps of the one before
        if runs and step - runs[-1][1] <= WRITES_ROUTINE:
            run = runs[-1]
            run[1], run[2] = step, run[2] + 1
            run[3].extend(n for n in names if n not in run[3])
        else:
            runs.append([step, step, 1, names])

    def _weigh_writes(self, held) -> None:
        """At a sampled step, its losses read (``held``: (training step, float or None), oldest first): each run of
        writes not yet weighed whose first has WRITE_LOSSES training steps after it held, the median of their losses
        over that of the WRITE_LOSSES before it, kept as the run's fifth item (None where fewer than 3 of either are
        held). Averaged weights swapped in for an evaluation and the trained ones back, between two updates, move no
        loss; a checkpoint loaded does (RunSummary.weights_written)."""
        latest = held[-1][0] if held else None
        for run in self._written:
            if len(run) > 4 or latest is None or latest < run[0] + WRITE_LOSSES - 1:
                continue
            first = run[0]
            after = [v for t, v in held if first <= t < first + WRITE_LOSSES and v is not None]
            before = [v for t, v in held if first - WRITE_LOSSES <= t < first and v is not None]
            low = statistics.median(before) if len(before) >= 3 else 0.0
            run.append(statistics.median(after) / low if len(after) >= 3 and low > 0 else None)

    def _note_versions(self) -> None:
        """As an optimiser's step ends (its post-hook): the watched weights' version counters, for _note_written."""
        self._versions = _versions_of(self._weighted)

    def _note_rates(self, opt) -> None:
        groups = self._rate_opts.get(opt)
        if groups is None:  # an optimiser not seen before: which of its groups hold watched weights, once
            ids = self._weight_ids
            groups = self._rate_opts[opt] = [
                (i, next(f"'{ids[id(p)]}.weight'" for p in g["params"] if id(p) in ids))
                for i, g in enumerate(opt.param_groups) if any(id(p) in ids for p in g["params"])]
            if not groups:  # no watched weight in it (BitFit: biases and norms alone train): the groups holding
                # the model's parameters, named by their first (W88 walkthrough finding 1: lr 0 went unread)
                names = {id(p): n for n, p in self.model.named_parameters()}
                groups = self._rate_opts[opt] = [
                    (i, next(f"'{names[id(p)]}'" for p in g["params"] if id(p) in names))
                    for i, g in enumerate(opt.param_groups) if any(id(p) in names for p in g["params"])]
            self._note_switch(opt, groups)
        # the training step this update follows (its block ended; inside an open block, that block's step)
        step = self.step_count + (self._open_step is not None)
        if step <= self._step0:  # an update before this monitor's first step: none of its run's
            return
        if groups and step != self._opt_stepped_at:  # the training steps followed by an update of watched weights
            # (the note on blocks and updates says how many): one however many optimisers stepped after that block
            # (W108 walkthrough finding 1: a GAN's two optimisers under one monitor, each stepping after every
            # other block, read 'stepped the watched weights 1,498 times' of 2,996 blocks, 'accumulated over
            # micro-batches')
            self._opt_stepped_at = step
            self._opt_steps += 1
        for index, label in groups:
            group = opt.param_groups[index] if index < len(opt.param_groups) else {}
            lr = group.get("lr")
            if lr.__class__ is not float and lr.__class__ is not int:
                continue
            _note_change(self._rate_series, label, step, lr)
            decay = group.get("weight_decay")  # the same way (W99 walkthrough finding 4: a weight decay raised
            # 5,000 times at step 601 read 'lower the learning rate', the rate unchanged)
            if decay.__class__ is float or decay.__class__ is int:
                _note_change(self._decay_series, label, step, decay)

    def _note_switch(self, opt, groups: list) -> None:
        """An optimiser seen for the first time: where a group of it holds weights another optimiser of another kind
        stepped before (its label among those that one's groups had), a switch, noted as (the training step of its
        first update, the kind before, its latest rate there, whether it scales its updates (eps in its defaults), the
        new kind, its rate, whether it does). W99 walkthrough s8: SGD at 0.05 replaced by Adam at 0.03 at step 601
        read 'lower the learning rate', the switch never named. Two optimisers stepping two parts of one model (a
        GAN's) hold different weights: no switch."""
        kind, adaptive = type(opt).__name__, "eps" in getattr(opt, "defaults", {})
        step = self.step_count + (self._open_step is not None)
        said = False
        for index, label in groups:
            was = self._label_kinds.get(label)
            self._label_kinds[label] = (kind, adaptive)
            series = self._rate_series.get(label)
            if said or was is None or was[0] == kind or not series or not series[2] or step <= self._step0:
                continue
            lr = opt.param_groups[index].get("lr") if index < len(opt.param_groups) else None
            if lr.__class__ is float or lr.__class__ is int:
                self._switches.append((step, was[0], series[2][-1][1], was[1], kind, lr, adaptive))
                said = True

    def _optimiser_switches(self) -> tuple:
        """RunSummary.optimiser_switches (_note_switch), oldest first."""
        return tuple(self._switches)

    def _rates_for_line(self, step: int, first_build: bool) -> tuple:
        """MonitorReport.rates: per group, the changes read from the last report's step to the one before ``step``
        (an optimiser step follows its training step's report, so the rate of step t is read after t's report: the
        next line carries it), at most RATE_LINE_MOST, evenly thinned, the first and last kept; on a report built
        again for report(), the same ones as its first build (kept with it)."""
        if not first_build:
            return self._rates_line[1] if self._rates_line[0] == step else ()
        since, out = self._rates_logged, []
        for label, (_, _, changes) in self._rate_series.items():
            new = []
            for t, lr in reversed(changes):  # (the newest last: few a line, so a walk from the end)
                if t < since:
                    break
                if t < step:
                    new.append((t, lr))
            new.reverse()
            keep = evenly(len(new), RATE_LINE_MOST)
            new = [c for k, c in enumerate(new) if k in keep]
            if new:
                out.append((label, tuple(new)))
        self._rates_logged = step
        self._rates_line = (step, tuple(out))
        return self._rates_line[1]

    def _drop_rate_hook(self) -> None:
        if self._rate_hook is not None:
            _READING_RATES.discard(self)
            self._rate_hook = None
        self._versions = None

    def _weights_written(self) -> tuple:
        """RunSummary.weights_written: the runs of writes _note_written saw, each within WRITES_ROUTINE training steps
        of the one before (one write alone: a load, a reset; many: a constraint applied after each update, as weight
        clipping), as (the training step of the update the first came before, of the last, how many, the modules
        written, () where every watched weighted module was, how the loss moved with the first: _weigh_writes's ratio,
        or None)."""
        every = len(self._weighted)
        return tuple((run[0], run[1], run[2], () if len(run[3]) == every else tuple(run[3]),
                      run[4] if len(run) > 4 else None) for run in self._written)

    def _learning_rates(self) -> tuple:
        """RunSummary.learning_rates: per parameter group read, (the first watched weight it holds, the first
        training step read, the latest, the changes as (step, rate))."""
        # (where the oldest changes were dropped, the rates are known from the oldest one kept)
        return tuple((label, changes[0][0] if len(changes) == changes.maxlen else first, last, tuple(changes))
                     for label, (first, last, changes) in self._rate_series.items() if changes)

    def _weight_decays(self) -> tuple:
        """RunSummary.weight_decays: the parameter groups' weight_decay as _learning_rates has their rates, with the
        kind of the optimiser that stepped the group last (its decay works its own way: W101 walkthrough finding 5)."""
        return tuple((label, changes[0][0] if len(changes) == changes.maxlen else first, last, tuple(changes),
                      self._label_kinds.get(label, ("", False))[0])
                     for label, (first, last, changes) in self._decay_series.items() if changes)

    def _probe_zeroing(self, w) -> None:
        """At the optimiser's step after a sampled step: whether that optimiser's next step of ``w`` follows a
        gradient summed with the one it stepped with now. A few of its values are copied now; a hook on w takes each
        later backward's own gradient there and what .grad held as it began, and one after its accumulation marks it
        zeroed (.grad None or 0 as the backward began) or summed (W56 walkthrough: a loop with no zero_grad() read
        'dying layer ... Lower the learning rate', then 'dead layer ... Use Leaky ReLU', the cause only in a note).
        The finding waits for w's next optimiser step (_settle_zero_probe): summed where no backward since found .grad
        zeroed. A backward that adds to a .grad its own optimiser clears before it steps is no missing zero_grad()
        (W108 walkthrough finding 1: one monitor over a GAN's two models, the generator's backward adding to the
        discriminator's .grad, which the discriminator's block then zeroed, read 'the gradients are never zeroed ...
        restart'). Two hooks, from the optimiser's step after a sampled step to w's next one (at most
        ZERO_PROBE_GAP steps)."""
        self._drop_zero_probe()
        g = w.grad
        if g is None or g.numel() == 0 or g.is_sparse:  # (a sparse .grad has no first values to compare)
            return
        # (read as Python floats, compared as such: torch's clone, any and two allclose calls on these 8 values cost
        # 70 us of every sampled step, a list and a loop 7 us)
        before = g.detach().reshape(-1)[:ZERO_PROBE].tolist()
        if not any(before):  # all 0 there: no telling a sum from the gradient alone
            return
        seen: dict = {}
        step, ref = self._cut_step, weakref.ref(self)  # (held weakly, as the optimiser hook is)

        def own(grad):  # (a monitor collected meanwhile left these two on w: they then do nothing)
            mon = ref()
            # only a backward inside a step block: another network's backward through this one, outside it (a GAN's
            # generator step through the discriminator), lands in a .grad its own loop zeroes before its next
            # backward (W81 walkthrough finding 1: the DCGAN loop read 'the gradients are never zeroed')
            if mon is None or mon._open_step is None:
                return None
            # what .grad held as this backward began, before it accumulates: zeroed (None, or zeros) or not
            held = w.grad
            seen["pending"] = (None if held is None else held.detach().reshape(-1)[:ZERO_PROBE].tolist(),
                               grad.detach().reshape(-1)[:ZERO_PROBE].clone())
            return None

        def after(p):
            pending = seen.pop("pending", None)
            if pending is None or p.grad is None:
                return
            pre, own = pending[0], pending[1].tolist()
            if not all(map(math.isfinite, (pre or []) + own + before)):  # a NaN or an inf tells neither way: the
                # finding stands as it was (W78 walkthrough finding 2: a loop with no zero_grad() whose loss went NaN
                # lost 'never zeroed' from its reading at the next probe)
                return
            # .grad held a nonzero value as the backward began: it was not zeroed since, however small that value is
            # beside the new gradient (W79 walkthrough finding 1: a loop with no zero_grad() climbing to NaN, each
            # gradient 1e4 times the last, lost 'never zeroed' when a sum was compared)
            seen["summed" if pre is not None and any(pre) else "zeroed"] = True

        self._zero_probe = (w.register_hook(own), w.register_post_accumulate_grad_hook(after), weakref.ref(w), seen,
                            step)
        _PROBING.add(self)

    def _settle_zero_probe(self, opt) -> None:
        """At an optimiser's step while a zeroing probe waits (_probe_zeroing): where that optimiser steps the probed
        weight and a backward reached it since the probe began, the finding: summed where none of those backwards
        found its .grad zeroed, else zeroed (RunSummary.gradients_unzeroed counts the probes in a row found summed)."""
        probe = self._zero_probe
        if probe is None:
            _PROBING.discard(self)
            return
        w, seen, step = probe[2](), probe[3], probe[4]
        if w is None or not ("summed" in seen or "zeroed" in seen):
            return  # no backward reached it yet (the step that began the probe), or none read: it waits
        if not any(p is w for g in opt.param_groups for p in g["params"]):
            return  # another optimiser's step (a GAN's other model): w's own may follow
        self._drop_zero_probe()
        if self._unzeroed is None:
            self._unzeroed = weakref.WeakKeyDictionary()
        if "zeroed" in seen:
            self._unzeroed.pop(opt, None)
        else:
            run = self._unzeroed.get(opt)
            self._unzeroed[opt] = (step, run[1] + 1 if run else 1)

    def _drop_zero_probe(self) -> None:
        _PROBING.discard(self)
        if self._zero_probe is not None:
            for h in self._zero_probe[:2]:
                h.remove()
            self._zero_probe = None

    def _gradients_unzeroed(self) -> int | None:
        """RunSummary.gradients_unzeroed: the training step of the latest optimiser step whose next backward added to
        the gradient it had stepped with, where UNZEROED_PROBES probes of one optimiser in a row found it so; None
        otherwise."""
        found = [step for step, probes in (self._unzeroed or {}).values() if probes >= UNZEROED_PROBES]
        return max(found) if found else None

    def _clip_words(self) -> str:
        """RunSummary.clip: how a remedy offers clipping. Where the latest sampled step's gradient reached the
        optimiser cut (clipping is on), a tighter limit, with the figures; else clip_grad_norm_ (W76 walkthrough
        finding 5: a run clipped at 1 that diverged was told to 'clip the gradients' norm')."""
        cuts = self._cuts
        if not cuts or self._cut_adaptive:
            return TORCH_CLIP
        step, ratio, before, after = cuts[-1]
        if not ratio < CLIPPED:
            return TORCH_CLIP
        return (f"{CLIPPING_ON} (at training step {step:,} the gradients' norm was {before:.3g} after backward and "
                f"{after:.3g} at opt.step()){CLIP_TIGHTER}")

    def _gradient_cut(self) -> tuple[int, float, float, float, int] | None:
        """RunSummary.gradient_cut: (the latest cut's training step, the median cut over the latest CUT_KEPT, the
        latest's norms at backward and at opt.step(), how many), or None: fewer than CUT_STEPS seen, or an optimiser
        whose updates do not scale with the gradient's size."""
        cuts = self._cuts
        if not cuts or len(cuts) < CUT_STEPS or self._cut_adaptive:
            return None
        step, _, before, after = cuts[-1]
        return step, statistics.median(c[1] for c in cuts), before, after, len(cuts)
