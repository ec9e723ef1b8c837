"""The weights' side of a sampled step: which gradients backward wrote, their norms, and the loss.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import math
import weakref

import torch

from ._monitor_parts import _listed
from ._monitor_places import _NO_WEIGHT, _held_weight, grad_norms

ZEROED_PROBE = 8  # the first values of a .grad read to tell a zeroed one (_watch_zeroed_before_backward)

# a weight its optimiser writes has its values compared on the first sampled step VALUE_STEPS training steps or more
# after the last such comparison. Counted in training steps, not sampled ones: sampled every 50 steps (every="auto"
# on W15's lr=0 run), a read every 10th sampled step came 500 steps apart and said 'weights not changing' only after
# step 400 had read 'starting'; sampled every step, a read every 10th cost 1.3% of the benchmark MLP's step, and
# the reading that uses it waits WEIGHTS_STILL_STEPS (100) steps anyway
VALUE_STEPS = 50
# a trained weight matrix this many times smaller than at its largest counts as shrunk (_shrunk_each): half of them or
# more so, in a run that is not learning, is something pulling them to 0 (W84 walkthrough finding 1: weight decay 100
# shrank each decayed matrix 6.7 to 13.6 times; healthy runs kept their size together within 2 times, W53)
WEIGHTS_SHRUNK_EACH = 5.0


def _norms(weights: list, dtype) -> list[float]:
    """The 2-norms of ``weights``, in one fused call and one copy to the host; NaN for all where the fused norm does
    not take a weight's kind (so none is said to be kept: a NaN equals nothing)."""
    try:
        norms = torch._foreach_norm([w.detach() for w in weights], 2, dtype=dtype)
        return torch.stack(norms).tolist() if len({n.device for n in norms}) == 1 else [float(n) for n in norms]
    except (RuntimeError, TypeError, NotImplementedError):
        return [math.nan] * len(weights)


class _Weights:
    """Which weight gradients this step's backward wrote (not a leftover), their norms in one fused call, and the
    loss as the block gave it; and whether the trained weights change at all from one sampled step to the next."""

    # trained matrices that are no module's .weight, (name, parameter), as _note_what_cannot_be_seen finds them
    _matrices: list = []
    _computed_noted: tuple = ()  # the weighted modules whose weights are computed, as last noted
    _computed_note_at: int | None = None  # where in self.notes that note stands
    _weights_read: list | None = None  # this step's trained weights (_weights_now)

    # by weighted module's name, each trained weight's record (_fingerprint_weights): its version counter, its norm in
    # its own dtype and its norm summed in float64 (None: not taken) when its values were last read, the sampled step
    # since which it has kept its value, and whether it had at the last read
    _prints: dict | None = None
    _values_read_at = 0  # the training step of the last sampled step that read them (or was to)
    # the sampled step since which every trained weight has kept its value, and () (None: one did not keep it, or is
    # not known to have, since the last sampled step); where only some kept theirs, the step since which all of
    # those have, and their modules' names (the optimiser steps, but not these; or their gradient is 0)
    _weights_still_since: int | None = None
    _weights_first_seen = 1  # the sampled step whose forward first read the trained weights' values
    _still_weights: tuple[str, ...] = ()
    _param_marks: tuple | list = ()  # (name, parameter, version counter) of every trained parameter at the first read
    # the weights whose .grad held a gradient as the sampled step's forward began while other trained weights' was
    # cleared (None): their |dL/dW| sums earlier steps', the others' do not (RunSummary.summed_gradients)
    _summed_now: tuple[str, ...] = ()
    # the trained weight matrices' size (root sum of squares of their norms) where the reads every VALUE_STEPS steps
    # found it largest, and at the latest of them, as (training step, size): RunSummary.weights_size_high and _now
    _size_high: tuple[int, float] | None = None
    _size_now: tuple[int, float] | None = None
    # and each trained weight's own largest norm over those reads, (training step, norm), by module name: most of them
    # shrunk is told where their size together is held up by weights that did not shrink (_shrunk_each)
    _sizes_high: dict | None = None

    def _shrunk_each(self) -> tuple | None:
        """RunSummary.weights_shrunk_each: where half or more of the trained weight matrices (two at least) are
        WEIGHTS_SHRUNK_EACH times smaller or more than at their largest at the latest read, (how many, of how many,
        the one fallen most as (name, its largest (step, norm), its norm now (step, norm)), the names of those that
        fell under 2 times); None otherwise. W84 walkthrough finding 1: AdamW with weight_decay=100 on a transformer's
        matrices, not on its embeddings (as is usual), shrank every decayed matrix 6.7 to 13.6 times, while the size of
        all of them together, held up by the embeddings, fell from 104 to 91.8: the run read 'vanishing' and was sent
        to He initialisation and fewer layers."""
        highs, prints, now = self._sizes_high, self._prints, self._size_now
        if not highs or not prints or now is None or len(prints) < 2:
            return None
        falls = {n: highs[n][1] / r[1] for n, r in prints.items() if n in highs and r[1] is not None and r[1] > 0
                 and math.isfinite(r[1])}
        fell = [n for n, f in falls.items() if f >= WEIGHTS_SHRUNK_EACH]
        if not fell or 2 * len(fell) < len(prints):
            return None
        most = max(fell, key=falls.get)
        held = tuple(n for n, f in falls.items() if f < 2)
        return len(fell), len(prints), (most, highs[most], (now[0], prints[most][1])), held

    def _fingerprint_weights(self) -> None:
        """Whether each trained weight kept its value since the last sampled step, as its forward begins. A weight whose
        version counter did not move was written by nothing (no opt.step(), or an optimiser that does not hold it):
        kept, exactly, at the cost of reading an attribute. One that was written (an optimiser steps it in place) has
        its values read on the first sampled step VALUE_STEPS steps or more after the last such read, and at every
        sampled step while the last read found it kept; between, a written weight counts as changed. A read takes the
        norms in the weights' own dtype, in one fused call: a norm that differs means values that differ. The read
        every VALUE_STEPS steps also sums each norm in float64, compared bit for bit with the last such sum: an
        optimiser whose learning rate is 0 writes the same values back, and an update too small to move a float32 norm
        still moves the float64 sum. The sum is taken on every such read, the changing weights' too, so that the first
        read after the weights stop has a sum to compare with at the next (W46 finding 5: taken only where the float32
        norm was the same, the stop was dated from the second read after it, up to 2 x VALUE_STEPS steps late). Between
        those reads, a weight found kept pays the cheap read alone at each sampled step: about 80 us CPU against 420 us
        for the float64 sum on the 8 x 256 x 256 MLP of bench/torch_monitor.py. A weight seen for the first time
        has its values read then (one more transfer on the step where a weight first appears), so that one never changed
        reads as kept from that step on. W14: a loop with no opt.step() held the loss at 2.3831605911254883 for 1,200
        steps and read 'not learning ... raise the learning rate'; with lr=0 it read 'starting'."""
        step = self.step_count + 1
        trained = [(name, w) for (name, _), w in zip(self._weighted, self._weights_now(), strict=True)
                   if w is not None and w.requires_grad and not torch.nn.parameter.is_lazy(w)]
        if not trained:
            self._prints, self._weights_still_since, self._still_weights = None, None, ()
            return
        every = not self._values_read_at or step - self._values_read_at >= VALUE_STEPS
        if every:
            self._values_read_at = step
        if not self._prints:
            self._weights_first_seen = step
            # every trained parameter's version counter now: one nothing writes from here on is named beside the
            # watched weights that keep their values (W54 walkthrough: an optimiser given the head alone kept 14
            # parameters still, the embedding and the attention's among them, and the words named 2)
            self._param_marks = [(n, p, p._version) for n, p in self.model.named_parameters() if p.requires_grad]
        before = self._prints or {}
        records, read = {}, []
        for name, w in trained:
            old = before.get(name)
            if old is None:  # first seen: its values are read now, so that a weight never changed reads as kept
                # from this step on (an optimiser with lr 0 writes the same values back: it was read as kept only from
                # the first comparison, some sampled steps later, and the words could not say it never changed)
                read.append((name, w, (None, None, None, step, False)))
            elif old[0] != w._version and (every or old[4]):
                read.append((name, w, old))
            elif old[0] == w._version:  # nothing wrote it
                records[name] = old if old[4] else (*old[:4], True)
            else:  # written, and not read on this step: counted as changed; its record waits for the next read
                records[name] = (*old[:4], False) if old[4] else old
        if read:
            self._read_values(read, records, step, every)
        self._prints = {name: records[name] for name, _ in trained} if read else records
        if every:  # every weight's record holds its norm now (those written since were read on this step)
            norms = [r[1] for r in self._prints.values()]
            if norms and all(v is not None and math.isfinite(v) for v in norms):
                self._size_now = (step, math.sqrt(sum(v * v for v in norms)))
                if self._size_high is None or self._size_now[1] > self._size_high[1]:
                    self._size_high = self._size_now
                highs = self._sizes_high = {} if self._sizes_high is None else self._sizes_high
                for name, r in self._prints.items():
                    if name not in highs or r[1] > highs[name][1]:
                        highs[name] = (step, r[1])
        kept = {name: r[3] for name, r in self._prints.items() if r[4]}
        if len(kept) == len(self._prints):
            self._weights_still_since, self._still_weights = max(kept.values()), ()
        else:  # some kept theirs: since when, all of those together (None: none did)
            self._weights_still_since = max(kept.values()) if kept else None
            self._still_weights = tuple(name for name in self._prints if name in kept)

    def _unwritten(self) -> tuple[str, ...]:
        """RunSummary.unwritten_params: where some watched weights keep their values, the other trained parameters
        that nothing has written since the first read (their version counters unmoved), by name."""
        if not self._still_weights:
            return ()
        watched = {f"{name}.weight" for name in self._still_weights}
        return tuple(n for n, p, v in self._param_marks if p._version == v and n not in watched)

    @staticmethod
    def _read_values(read: list, records: dict, step: int, every: bool) -> None:
        """The records of the weights in ``read`` ((name, weight, last record)), from their values: see
        _fingerprint_weights. A NaN never equals itself, and an inf is no value a weight keeps: neither is kept."""
        quick = _norms([w for _, w, _ in read], None)
        exact = [i for i, ((_, _, old), q) in enumerate(zip(read, quick, strict=True))
                 if every or old[1] is None or (old[1] == q and old[2] is None)]
        full = dict(zip(exact, _norms([read[i][1] for i in exact], torch.float64), strict=True)) if exact else {}
        for i, ((name, w, old), q) in enumerate(zip(read, quick, strict=True)):
            if i in full:
                v = full[i]
                same = math.isfinite(v) and old[2] == v
                records[name] = (w._version, q, v, old[3] if same else step, same)
            elif old[1] == q:  # read while kept, between the float64 reads: the same norm, still kept
                records[name] = (w._version, q, old[2], old[3], True)
            else:  # another norm: other values
                records[name] = (w._version, q, None, step, False)

    def _checked_loss(self, loss):
        """s.loss as the reading can use it: one number. Anything else is set aside with a note saying what to set."""
        if loss is None:
            return None
        if torch.is_tensor(loss):
            if loss.numel() == 1:
                return loss
            what = f"a tensor of {loss.numel()} values"
        else:
            try:
                return float(loss)
            except (TypeError, ValueError):
                what = f"a {type(loss).__name__}"
        if not self._noted_loss_shape:
            self._noted_loss_shape = True
            self.notes.append(f"s.loss was {what}, not one number, so the loss is not judged; set s.loss to the "
                              "scalar that backward() was called on (with reduction='none', s.loss = loss.mean())")
        return None

    def _weights_now(self) -> list:
        """Each weighted module's trained weight (_held_weight), in the order of self._weighted: read once a step
        (the step's hooks, as they are attached, clear it), the checks of a step all reading the one list."""
        found = self._weights_read
        if found is not None:
            return found
        found, computed = [], []
        for n, m in self._weighted:
            w = m._parameters.get("weight")
            if w is None:  # (computed as the model runs: pruning, a parametrization)
                w = _held_weight(m)
                if w is not _NO_WEIGHT:
                    computed.append(n)
            found.append(w)
        self._weights_read = found
        if computed:
            self._note_computed_weights(tuple(computed))
        return found

    def _note_computed_weights(self, computed: tuple[str, ...]) -> None:
        """Says once, for each new set of them, which weighted modules' weights are computed from other parameters
        (``computed``: pruning's weight_orig times a mask, a parametrization's original): their |dL/dW| is read from
        the parameter that trains (_weight_of), which the optimiser steps with. Checked at each sampled step, since
        pruning is often applied mid-run (W93 walkthrough finding 2)."""
        if computed == self._computed_noted:
            return
        self._computed_noted = computed
        names = {id(p): n for n, p in self.model.named_parameters()}
        shown = [f"'{n}.weight' from '{names.get(id(_held_weight(self._weighted_by_name[n])), '?')}'"
                 for n in computed[:6]]
        rows = []  # rows a mask prunes away whole: their units get the bias alone (W93 walkthrough finding 1)
        for n in computed:
            mask = self._weighted_by_name[n]._buffers.get("weight_mask")
            if mask is not None and mask.dim() >= 2:
                whole = int((mask.detach().flatten(1) == 0).all(1).sum())
                if whole:
                    rows.append(f"{whole:,} of {mask.shape[0]:,} in '{n}'")
        pruned = (f". Rows pruned away whole ({', '.join(rows)}) leave their units the bias alone: the activation "
                  "after them reads such a unit off on every input where that bias is 0 or below, and counts it dead "
                  "once its silence is past chance: one that was often on before the pruning reads as gone silent "
                  "first" if rows else "")
        # (W102 walkthrough finding 5: the note had said such units are counted dead, beside 2 of 32, on in 11% of
        # their batches before, that read 'gone silent ... not yet counted dead' 60 sampled batches on)
        # a new set's note takes the place of the last one's, which it repeats with the new modules added (W102
        # walkthrough finding 5: pruning at step 301 left two notes, one naming '0' and '2', then one naming '0' to '6')
        at = self._computed_note_at
        if at is None or at >= len(self.notes):
            at = self._computed_note_at = len(self.notes)
            self.notes.append("")
        self.notes[at] = (
            f"the weights of modules {_listed(list(computed[:6]))}{' ...' if len(computed) > 6 else ''} are "
            f"computed from other parameters (pruning: weight_orig times a mask; a parametrization: weight_norm, "
            f"spectral_norm, orthogonal): their |dL/dW| is read from the parameter that trains, "
            f"{', '.join(shown)}, which the optimiser steps with: for a pruned weight, the gradient on the entries "
            "kept; for a parametrized one, the gradient that reaches the original through the parametrization. The "
            "computed weight's own gradient, which autograd does not store, may be larger (a pruned weight's "
            f"masked entries get one too, though they never change){pruned}")

    def _mark_gradients(self) -> None:
        """Remembers each weight's .grad as the step's forward begins (the tensor and its version counter), so that
        a gradient autograd never wrote on this step is told from one it computed, zero or not."""
        self._fingerprint_weights()
        weights = self._weights_now()
        grads = [w.grad for w in weights]
        self._grad_marks = [(g, g._version) if g is not None else None for g in grads]
        # some trained weights' .grad cleared (None) and others' kept: zero_grad() of an optimiser that holds only
        # some of them (it clears its own), so the others' gradients sum over the steps since the run began, and the
        # ratios between layers compare a step's gradient with a sum of hundreds (W55 walkthrough: an AdamW given
        # 'fcs.0' alone read 'vanishing: 'fcs.0.weight' gets 9.1e-4 of the output layer's gradient', 0.13 on freshly
        # zeroed gradients)
        trained = [(name, g) for (name, _), g, w in zip(self._weighted, grads, weights, strict=True)
                   if w.requires_grad]
        kept = tuple(name for name, g in trained if g is not None)
        self._summed_now = kept if kept and len(kept) < len(trained) else ()
        # a .grad already there may hold an earlier step's gradient, which this step's backward adds to: its norm,
        # read after the step (_note_leftover_gradients), until one is found nonzero. None after zero_grad()'s
        # default (set_to_none=True): nothing to check
        # (a frozen weight's .grad is none of it: backward adds nothing there. W80 walkthrough finding 3: a backbone
        # frozen with its pretraining's gradients in .grad read 'zero_grad() is missing from the loop' from step 1)
        self._leftover = None
        if not self._noted_leftover:
            held = [(name, g) for (name, _), g, w in zip(self._weighted, grads, weights, strict=True)
                    if g is not None and w.requires_grad]
            if held:
                # (and those frozen at the sampled step before: _note_leftover_gradients says them apart)
                self._leftover = ([n for n, _ in held], grad_norms([g.detach() for _, g in held]),
                                  frozenset(n for n, _ in held if n in self._frozen_now))
                self._watch_zeroed_before_backward(next(w for (name, _), w in zip(self._weighted, weights,
                                                                                    strict=True) if name == held[0][0]))

    def _watch_zeroed_before_backward(self, w) -> None:
        """A one-shot hook on ``w`` that keeps what its .grad holds as this step's backward reaches it, before the
        gradient is added: a .grad left at the forward's start and zeroed after it, before backward (opt.zero_grad()
        between the forward and loss.backward()), is no gradient carried over (W100 walkthrough finding 1: that loop
        read 'zero_grad() is missing from the loop'). Its first values are kept as a tensor (no read from the device
        here); _note_leftover_gradients reads them."""
        self._drop_zeroed_watch()
        seen: dict = {}
        ref = weakref.ref(self)

        def hook(grad):
            mon = ref()
            if "pre" in seen or mon is None or mon._open_step is None:
                return None
            held = w.grad
            seen["pre"] = None if held is None else held.detach().reshape(-1)[:ZEROED_PROBE].clone()
            return None

        self._zeroed_watch = (w.register_hook(hook), seen)

    def _drop_zeroed_watch(self) -> dict | None:
        """Removes _watch_zeroed_before_backward's hook; what it saw."""
        watch = getattr(self, "_zeroed_watch", None)
        self._zeroed_watch = None
        if watch is None:
            return None
        watch[0].remove()
        return watch[1]

    _zeroed_watch: tuple | None = None

    def _note_leftover_gradients(self) -> None:
        """Says once that the weights' gradients accumulate across steps: a weight's .grad held a nonzero value when
        the step's forward began, so what backward wrote there is this step's gradient plus the earlier ones (W12: the
        same batch read |dL/dW| 0.196, 0.294, 0.392, 0.49 on successive steps without zero_grad()). Micro-batches
        accumulated inside one step are not this: the marks are taken when the step's first forward begins."""
        seen = self._drop_zeroed_watch()
        if self._leftover is None:
            return
        names, norms, was_frozen = self._leftover
        self._leftover = None
        if seen and "pre" in seen and (seen["pre"] is None or not any(seen["pre"].tolist())):
            return  # zeroed after the forward began and before backward reached it (_watch_zeroed_before_backward)
        held = [n for n, v in zip(names, torch.stack(norms).tolist(), strict=True) if v != 0]
        # a weight frozen at the sampled step before and trained now: its .grad is left from before the freeze (a
        # pretraining's), added to once, not a loop with no zero_grad() (W80 walkthrough finding 3: unfrozen at step
        # 201 with opt.add_param_group, its old gradient added to that step's)
        thawed = [n for n in held if n in was_frozen]
        held = [n for n in held if n not in thawed]
        if thawed and not getattr(self, "_noted_thawed", False):
            self._noted_thawed = True
            one = len(thawed) == 1
            self.notes.append(
                f"{_listed([f'{n}.weight' for n in thawed])}, frozen at the sampled step before, "
                f"{'was' if one else 'were'} trained on step {self.step_count + 1} with a .grad still holding a "
                "gradient from before the freeze (a pretraining's, or an earlier run's): backward added this step's "
                f"to it, so the first update after unfreezing moved {'it' if one else 'them'} by both; set .grad to "
                "None (optimizer.zero_grad() over every group, or p.grad = None) as the weights are unfrozen")
        if not held:
            return
        self._say_leftover(held, f"when step {self.step_count + 1}'s forward began, {{which}} already held a nonzero "
                                 "gradient from before, and backward adds to it")

    def _say_leftover(self, held: list[str], seen: str) -> None:
        """The note that gradients accumulate across steps, once: ``seen`` says how it was seen, its {which} the
        weights ``held`` names."""
        self._noted_leftover = True
        self._probe = None
        total = len(self._weighted)
        if self._in_no_optimiser(held):  # (W83 walkthrough finding 8: an optimiser built without one block's
            # parameters read 'zero_grad() is missing from the loop')
            one = len(held) == 1
            it, it_is, its = ("it", "it is", "its") if one else ("them", "they are", "their")
            opts = ("the optimisers that step the model, whose zero_grad() clears only their own parameters' gradients "
                    "and whose step() never updates" if len(self._rate_opts) > 1 else
                    "the optimiser that steps the model, whose zero_grad() clears only its own parameters' gradients "
                    "and whose step() never updates")
            self.notes.append(
                f"gradients accumulate across steps: {seen.format(which=_listed([f'{n}.weight' for n in held]))}: "
                f"{it_is} in no parameter group of {opts} {it}: add {it} to the optimiser, or freeze {it} with "
                f"requires_grad_(False) if {it_is} meant to stay as {it_is}. Until then {its} |dL/dW| and W/out read "
                "the gradients summed since the run began")
            return
        which = (f"'{held[0]}.weight'" if len(held) == 1 else
                 f"{len(held)} of the {total} weights ('{held[0]}.weight', ...)" if len(held) < total else
                 f"every weight ('{held[0]}.weight', ...)")
        self.notes.append(f"gradients accumulate across steps: {seen.format(which=which)}: zero_grad() is missing "
                          "from the loop, or gradients are accumulated over several steps on purpose. |dL/dW| and "
                          "W/out then read the gradients summed since the last zero_grad() up to the sampled step (a "
                          "step right after it: its own micro-batch's alone), not what the optimiser steps with; "
                          "|dL/da| and a/last are this step's. Where each step is one micro-batch and s.loss its loss "
                          "divided by their number (loss / K), the loss judged against chance_loss is that share: give "
                          "s.loss the micro-batch's own loss, before dividing")
        # (W44 walkthrough, finding 4: one run read 89% below chance with s.loss = loss / 4, and 49% with its four
        # micro-batches in one step)

    def _in_no_optimiser(self, held: list[str]) -> bool:
        """Whether every weight of the modules ``held`` names is in no parameter group of the optimisers seen stepping
        this model's weights (_monitor_cut reads each as it steps); False where none was seen yet."""
        opts = list(self._rate_opts.keys())
        if not opts:
            return False
        stepped = {id(p) for opt in opts for g in opt.param_groups for p in g["params"]}
        modules = dict(self._weighted)
        return all(id(_held_weight(modules[n])) not in stepped for n in held if n in modules)

    def _set_probe(self) -> None:
        """After one of the first PROBED_SAMPLES sampled steps, while no accumulation was seen: each weight's .grad (a
        weak reference) and its version, for the next step's end to compare (_read_probe). W29 walkthrough: with 4
        micro-batches a step and every=4, each sampled step was the first block after zero_grad(), so no .grad was
        ever found set as its forward began, and |dL/dW| read one micro-batch's gradient with no note."""
        if self._noted_leftover or self._probes_left <= 0:
            return
        self._probes_left -= 1
        marks = [(name, m, _held_weight(m).grad) for name, m in self._weighted]
        self._probe = (self.step_count + 1, [(n, m, weakref.ref(g), g._version) for n, m, g in marks if g is not None])

    def _read_probe(self) -> None:
        """At the end of the step after a sampled one (not itself sampled): a .grad that is the same tensor as at the
        sampled step's end, its version one higher (backward's one add; zero_grad()'s zero_() would add another, its
        default set_to_none a new tensor) still held the sampled step's gradient when backward added this step's."""
        step, marks = self._probe
        self._probe = None
        if self.step_count + 1 != step + 1:
            return
        held = [n for n, m, ref, version in marks
                if (g := _held_weight(m).grad) is not None and g is ref() and g._version == version + 1]
        if held:
            self._say_leftover(held, f"at the end of step {step + 1}, {{which}} still held step {step}'s gradient "
                                     "(no zero_grad() between the two), and backward added step "
                                     f"{step + 1}'s to it")

    def _weight_grad_norms(self) -> list[tuple[str, torch.Tensor | None]]:
        """||dL/dW|| of each weighted module's weight, in one fused call (hooks that take each as its gradient is
        accumulated cost more: a Python call and a dispatch per module); None where no gradient was computed on this
        step, and the frozen ones (requires_grad=False) are noted in self._frozen_now.

        A .grad that is the same tensor, unchanged, as when the step's forward began was not written by this step's
        backward (autograd accumulates into it in place, bumping its version, or puts a new tensor there): it holds
        an earlier step's gradient, or zero_grad(set_to_none=False)'s zeros, for a part backward never reached (a
        detached backbone, backward(inputs=...) on the head, backward after the block). It is not computed, not 0;
        a gradient autograd did compute stays whatever it is, exactly 0 included (a layer behind dead units)."""
        marks = self._grad_marks or ()
        grads, frozen = [], []
        for i, ((name, _), w) in enumerate(zip(self._weighted, self._weights_now(), strict=True)):
            g = w.grad
            if not w.requires_grad:
                frozen.append(name)
                g = None
            elif g is not None and i < len(marks):
                mark = marks[i]
                if mark is not None and g is mark[0] and g._version == mark[1]:  # not written on this step
                    g = None
            grads.append(g)
        present = [t for t in grads if t is not None]
        self._grads_written = bool(present)
        # the trained matrices that are no module's .weight (an LSTM's weight_ih_l0, an attention's in_proj_weight):
        # their norms in the same fused call, for a note (W74 walkthrough finding 7: an nn.LSTM's weight_hh_l0 got 0.34
        # of the output layer's gradient, on no row and in no figure)
        extra = [(n, p.grad) for n, p in self._matrices if p.requires_grad and p.grad is not None]
        found = grad_norms(present + [g for _, g in extra])
        if extra:
            self._matrix_norms = list(zip([n for n, _ in extra], found[len(present):], strict=True))
            found = found[:len(present)]
        else:
            self._matrix_norms = []
        # kept for the optimiser's step, which may see them cut (_monitor_cut)
        self._grads_read = ([w for w, g in zip(self._weights_now(), grads, strict=True)
                             if g is not None], present, [g._version for g in present], found) if present else None
        norms = iter(found)
        self._frozen_now = frozenset(frozen)
        return [(name, None if grad is None else next(norms)) for (name, _), grad in zip(self._weighted, grads,
                                                                                         strict=True)]

    def _read_weights_when_backward_ends(self) -> None:
        """Called from a gradient hook of ours during backward: the weight norms are read once the whole backward
        has run (every weight's gradient is then accumulated), before the script can step or zero them."""
        if not self._weight_read_queued:
            self._weight_read_queued = True
            torch.autograd.Variable._execution_engine.queue_callback(self._read_weights)

    def _read_weights(self) -> None:
        self._weight_read_queued = False  # a second backward in the same step queues its own read, the later wins
        self._weight_norms = self._weight_grad_norms()
        self._zeroed_between_backwards()

    # per watched weight, (a weak reference to .grad, its version, the weight's) as a backward ended
    _after_backward: list | None = None
    _zeroed_between: tuple | None = None  # (the training step, the weights) of the note, once
    _micro_read = False

    def _zeroed_between_backwards(self) -> None:
        """As each backward of a sampled step ends: a watched weight whose .grad this backward wrote as a new tensor,
        or changed beyond its own add, after an earlier backward of the same step had left one there, with no update of
        the weight between (an optimiser step inside the block: its own), was zeroed between the two: the optimiser
        steps with the later micro-batches' gradient alone (W108 walkthrough finding 3: opt.zero_grad() before each
        of 4 micro-batches' backward read 'healthy' with the note that .grad holds their sum, where |dL/dW| was the
        last micro-batch's, 0.301 against 0.782 accumulated). Python objects and version counters: no device read."""
        # (the .grad held weakly: a strong reference kept a replaced gradient alive up to the next sampled step)
        now = [(None if w.grad is None else weakref.ref(w.grad), w.grad._version if w.grad is not None else -1,
                w._version) for w in self._weights_now()]
        before, self._after_backward = self._after_backward, now
        micro, self._micro_read = self._micro_read, False
        # (a later micro-batch's backward alone: forwards of other kinds, a GAN's two models in one block, may zero
        # one model's gradient that the other's loss wrote, on purpose)
        if before is None or not micro or self._zeroed_between is not None:
            return
        zeroed = [name for (name, _), (g0, v0, w0), (g1, v1, w1) in zip(self._weighted, before, now, strict=True)
                  if g0 is not None and g1 is not None and w0 == w1 and (g1() is not g0() or v1 > v0 + 1)]
        if zeroed:
            self._zeroed_between = (self.step_count + 1, tuple(zeroed))

    def _renorm_overflowed(self, weight_norm: dict[str, float]) -> None:
        """A float32 gradient's norm is summed in float32 by torch: finite values near 1e19 square past its range
        and the norm reads inf. Such a norm (rare: a run about to diverge) is taken again in float64 from .grad, which
        still holds this step's gradient unless the script changed it inside the block: kept only where it is above
        float32's range, as an overflowed norm is, so a zeroed or stepped .grad is never read instead."""
        if math.inf not in weight_norm.values():  # the common step: one scan in C, not a look-up per module
            return
        for name, module in self._weighted:
            if weight_norm.get(name) != math.inf:
                continue
            grad = _held_weight(module).grad
            if grad is None or grad.dtype == torch.float64:
                continue
            again = float(torch.linalg.vector_norm(grad.detach(), dtype=torch.float64))
            if math.isfinite(again) and again > float(torch.finfo(torch.float32).max) ** 0.5:
                weight_norm[name] = again
