"""The stepping of a Monitor: what ``with mon.step()`` does as a step begins and ends, which steps are sampled, and
the end of a sampled step that raised.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from . import _monitor_compile
from ._monitor_base import (
    _BASE_STEPS,
    _WARMUP_STEPS,
    _ends_a_run,
    _exception_words,
    _has_lazy,
    _held_loss,
    _set_parts,
    _StepHandle,
    _structure_of,
    _what,
)
from ._monitor_compile import _compile_started, _watch_compiles
from ._monitor_cut import ZERO_PROBE_GAP

if TYPE_CHECKING:
    from .torch import Monitor


_NOT_ENTERED = ("`s = mon.step()` makes a step but does not enter it, so nothing of it is read: write `with "
                "mon.step() as s:` and put the forward, the loss and loss.backward() inside its block")


class _Step:
    """What ``mon.step()`` returns: a context whose unsampled path is two method calls and a counter (a generator-based
    context manager cost about 4 us a step on its own, W12 saw 15-30 us a step on a 126 us model)."""

    __slots__ = ("mon", "handle", "sample", "timed", "w0", "t0", "outside", "first", "places", "hooks", "promoted",
                 "made", "force")

    def __init__(self, mon: Monitor) -> None:
        self.mon = mon
        self.made = -1  # the step count when mon.step() last gave this context: equal to it still, never entered
        self.force = False  # mon.step(sample=True): this step is sampled whatever the interval

    @property
    def loss(self):
        raise AttributeError(_NOT_ENTERED)

    @loss.setter
    def loss(self, value) -> None:  # s = mon.step(); ...; s.loss = loss: the one line such a script surely has
        raise AttributeError(_NOT_ENTERED)

    def __enter__(self) -> _StepHandle:
        return self.mon._enter(self)

    def __exit__(self, kind, exc, traceback) -> None:
        try:
            self.mon._exit(self, exc)
        finally:  # the handle holds s.loss, whose graph holds the hooks' closures over the monitor: a cycle through
            # autograd's C++ nodes that the collector cannot see, which kept a monitor dropped unclosed alive with
            # its hooks and held graph (the script's own `s` keeps its handle as long as it likes)
            self.handle = None


class _Stepping:
    """Which steps are sampled, and what a step does as it begins and ends."""

    def _should_sample(self) -> bool:
        s = self.step_count - self._step0  # the warm-up and calibration count this monitor's own steps
        if self._auto and self.every is None:  # calibrating: warm-up, then unsampled and sampled in turn
            # a compiled model's first step is sampled: Dynamo compiles the forward as it first runs, and code
            # compiled with no hook attached never calls one later (it does not guard on module hooks), so an
            # unsampled first step left every sampled step after it blind (0 layers read, M10)
            return (s == 0 and self._compiled) or (s >= _WARMUP_STEPS and (s - _WARMUP_STEPS) % 2 == 1)
        if self._auto:  # counted from the last sample, so a new interval never puts two samples side by side
            return self.step_count - self._last_sample >= self.every
        return self.step_count % self.every == 0

    def step(self, sample: bool = False) -> _Step:
        """One training step: forward, loss and backward go inside; the optimiser step may go after. ``sample=True``
        samples this step whatever the interval: a run's last step, so that the final report is of the end of the
        run (W29: 'sampled at step 362 of 400', the 38 steps after it never read)."""
        if not isinstance(sample, bool):
            raise TypeError(f"mon.step(sample=...): True or False; got {_what(sample)}")
        st = self._step_context  # one per monitor, reused: steps do not nest (a second one open raises in _enter)
        st.force = sample
        if self._auto:  # the monitor's own time on this step starts here, before its checks (_enter, _exit)
            now = time.perf_counter()
            if not getattr(st, "sample", True) and st.made == self.step_count - 1:  # the step before was unsampled
                # and ended: from its start to this one is the loop's whole step (st is reused: w0 is still its)
                self._loop.append(now - st.w0)
            st.w0 = now
        # the last step made was never entered (and none is open, where _enter says steps do not nest): a script that
        # forgot the `with` ran steps the monitor never saw, and its report said only that none had been sampled
        if st.made == self.step_count and self._open_step is None:
            raise RuntimeError(f"mon.step() was called again, but the step it gave before was never entered: "
                               f"{_NOT_ENTERED}")
        st.made = self.step_count
        return st

    def _timed(self) -> bool:
        """Whether this unsampled step is timed for every="auto": while calibrating, every step after the warm-up;
        after, on a CPU, only the unsampled steps a sampled step is compared with (the last _BASE_STEPS before it);
        an untimed step costs the monitor a counter's update and little else."""
        if not self._auto or self.step_count - self._step0 < _WARMUP_STEPS:
            return False
        if self.every is None:
            return True
        return self._recalibrate and self._last_sample + self.every - self.step_count <= _BASE_STEPS

    def _unread_step(self) -> str | None:
        """Words for a step report() cannot see, or None: one open now (report() called inside its block), or one
        made by mon.step() and never entered (the `with` forgotten)."""
        if self._open_step is not None:
            return (f"report() was called inside `with mon.step()`: step {self.step_count + 1}, open now, is read "
                    "when its block ends, so this report leaves it out; call report() after the block")
        if self._step_context.made == self.step_count:
            return f"mon.step() was called for step {self.step_count + 1}, but that step was never entered: " \
                + _NOT_ENTERED
        return None

    def _enter(self, st: _Step) -> _StepHandle:
        if self._cut_hook is not None:  # the last sampled step's optimiser step has come, or will not now
            self._drop_cut_hook()
        elif self._zero_probe is not None and self.step_count > self._cut_step + ZERO_PROBE_GAP:  # its weight's
            self._drop_zero_probe()  # optimiser has not stepped it since (_settle_zero_probe): no finding
        if self._open_step is not None:
            raise RuntimeError("mon.step() is already open: steps do not nest. Open one `with mon.step()` per "
                               "training step, with the forward, the loss and loss.backward() inside it")
        if st.made != self.step_count:  # `s = mon.step()` once, then `with s:` again: a step read in pieces
            raise RuntimeError(f"this step (step {st.made + 1}) was entered before, and a step is entered once: "
                               "call `with mon.step() as s:` anew on each training step, with the forward, the "
                               "loss and loss.backward() all inside that one block")
        self._open_step = st
        # the first step, or torch.compiler.reset() emptied Dynamo's callbacks (_monitor_compile rebinds its list)
        if _compile_started not in _monitor_compile._START_CALLBACKS:
            _watch_compiles()
        st.handle = handle = _StepHandle()
        _set_parts(handle, None)  # (read on every step's exit: an unset slot would raise there, 1-3 us a step)
        if not self._auto and self.step_count % self.every and not st.force:  # a fixed interval's unsampled step:
            st.sample = st.timed = False  # nothing else to do
            return handle
        due = self._should_sample()
        st.sample = sample = st.force or due
        if not sample:
            st.timed = self._timed()
            if st.timed:
                self._sync()
                st.t0 = t0 = time.perf_counter()
                st.outside = t0 - st.w0  # the monitor's own time in this step, before the block
            return handle
        st.timed = True
        st.promoted = False
        self._empty_input = None  # (set by the first weighted module's pre-hook where its input holds no value)
        self._last_sample = self.step_count
        # a one-off step: the first sampled step (the search for activation functions, first allocations) or one that
        # finds a new place; its time says nothing about what the sampled steps after it cost
        st.first = self.sampled_steps == 0 or not due  # (not due: sampled by mon.step(sample=True), out of turn)
        st.places = len(self._layers)
        self._sync()
        st.t0 = time.perf_counter()  # before the hooks are attached: attaching them is part of a sampled step's cost
        if self._structure is not None and self._structure != _structure_of(self.model):  # modules replaced, added
            # or removed since it was made
            self._open_step = None
            self._begin_anew()
            return self._enter(st)
        st.hooks = self._attach()
        if self._bn is not None:  # (a version counter read, no device sync: _note_held_in_train_mode)
            self._bn_entry = self._bn[1].num_batches_tracked._version
        return handle

    def _exit(self, st: _Step, exc: BaseException | None) -> None:
        if exc is None and not st.sample:  # an unsampled step's loss, held for the next sampled step's judgement
            loss = st.handle.loss
            if loss is not None:
                self._step_losses.append([self.step_count + 1, _held_loss(loss)])
            parts = st.handle.parts
            if parts:  # and its named parts (s.parts), as they are
                self._hold_parts(self.step_count + 1, parts)
        if self._probe is not None:  # the step after one of the first sampled ones: was .grad zeroed between?
            if exc is None and not st.sample:
                self._read_probe()
            else:
                self._probe = None
        if exc is None and not st.sample and not st.timed and self._mode is None:  # an untimed unsampled step
            self._open_step = None
            box = self._steps_box
            box[1] = None
            self.step_count = box[0] = self.step_count + 1
            return
        t1 = time.perf_counter() if st.timed else 0.0
        # kept for the end line: a run that stops here ends its log saying so; a later step that ends normally clears
        # it (the script caught the exception and went on)
        if exc is None:
            self._steps_box[1] = None
        elif _ends_a_run(exc):
            self._steps_box[1] = _exception_words(exc)
            self._steps_box[5] = (self.step_count + 1, id(exc))  # the step it was raised in (W43 finding 7)
        self._open_step = None
        kept = False
        if st.sample:
            for table, key in st.hooks:
                table.pop(key, None)
            self._leave_mode()
            if self._blind:
                self._note_blind()
            if exc is None and not st.promoted and self._empty_input is not None:
                self._drop_empty(st)
            elif exc is None and not st.promoted:
                self._collect(st.handle)
                self._set_probe()
                self._await_optimiser()
                if self._bn is not None and self._bn_entry is not None:
                    version = self._bn[1].num_batches_tracked._version
                    self._bn_block = (self.step_count + 1, version, version - self._bn_entry)
            else:
                kept = self._finish_odd_step(st, exc)
            if self._lazy:  # a lazy module's parameters made on this step: the function watch follows from the next
                self._lazy = _has_lazy(self.model)
        elif self._mode is not None:
            self._leave_mode()
        if exc is not None:  # the script may catch it and go on: the report says which step raised, and what
            # the monitor kept of it; its time is no step's cost
            if _ends_a_run(exc):
                self._note_step_error(exc, "kept" if kept else "dropped" if st.sample else "unsampled")
            st.timed = False
        own = False
        if st.timed:
            self._sync()
            t2 = time.perf_counter()
            if st.sample:  # with the log line's write, which follows the timing: the last write's time stands in
                self._calibrate(True, t2 - st.t0 + self._write_seconds,
                                one_off=st.first or len(self._layers) != st.places)
            else:  # kept for the next sampled step's comparison, as _calibrate(False, ...) keeps it, but with no call
                # (whose checks took 10-14 us with the caches cold from the model's step: a timed step then cost
                # more than an untimed one, and the clock, stopped before it, saw 0.36-0.59 of an outside timing)
                self._times["base"].append(t2 - st.t0)
                own = True
        if self._log_due is not None:  # after the timing, so that the line's cost note counts this step; the write
            # itself (the reading built, its JSON, the append: a share of a sampled step's cost) is timed here and
            # counted in the next sampled step's timing, so every="auto"'s budget still covers it
            step, self._log_due = self._log_due, None
            w = time.perf_counter()
            self._write_log(step)
            self._write_seconds = time.perf_counter() - w
        elif st.sample and self._first_stds is None and self._pending is not None:
            # no log: the first sampled steps' reports are built anyway, until one holds the activations' stds, so that
            # a growth training makes later is told apart from the initialisation's (W41: a report first asked for at
            # the end of a run had no earlier stds to compare with)
            self._built()
        self.step_count += 1
        self._steps_box[0] = self.step_count
        if own:  # the monitor's own time on this step ends here, its bookkeeping counted
            self._times["own"].append(st.outside + time.perf_counter() - t1)

    def _finish_odd_step(self, st: _Step, exc: BaseException | None) -> bool:
        """The end of a sampled step that raised, or of one made sampled by a compile begun inside it: kept (read as
        any sampled step) when it is whole: the hooks saw its forward begin, and, if it raised, its backward had
        ended (the weights' gradients were read). Otherwise what it had measured is dropped, and the dead history,
        the counts and the readings leave it out. Never raises while the script's exception is on its way."""
        if self._forwards > 0 and (exc is None or self._weight_norms is not None):
            if st.promoted and not self._noted_promoted:
                self._noted_promoted = True
                self.notes.append(f"torch.compile compiled code on step {self.step_count + 1}, which was not to be "
                                  "sampled: the monitor sampled it, so that the code compiled then calls its hooks "
                                  "on later sampled steps (code compiled with no hook attached never calls one)")
            if exc is None:
                self._collect(st.handle)
                return True
            try:
                self._collect(st.handle)
                return True
            except Exception:  # noqa: BLE001  (the script's exception, not the monitor's, is what it should see)
                pass
        self._drop_measures()
        return False

    def _drop_measures(self) -> None:
        """What a sampled step measured, dropped: its reports and readings leave it out."""
        for layer in self._layers:
            layer.dsum = layer.nz = layer.asum = layer.ssum = layer.sumsq = layer.grad_sq = layer.dist = None
            layer.sumsq_host = layer.grad_sq_host = layer.kept = layer.grad_sum = None
            layer.centered = False
            layer.grad_calls, layer.grad_summed = 0, False
        self._weight_norms = self._leftover = self._grad_marks = None
        self._held, self._held_bytes = [], 0
        self._first_input = self._head_held = self._head_node = None

    def _drop_empty(self, st: _Step) -> None:
        """A sampled step whose batch held no sample (the first weighted module's input had no value): nothing of it
        is read, and a note says so once (W59 walkthrough: a batch of none, whose mean loss is NaN, read 'diverged at
        step 1 ... the optimiser may already have written non-finite values into the weights', though a batch of
        none gives every weight a gradient of 0 and the weights were as they were)."""
        where, self._empty_input = self._empty_input, None
        self._drop_measures()
        said = (f"training step {self.step_count + 1}'s batch held no sample (the input to {where} had no value), so "
                "the monitor did not read that step, nor will it read such a step again: a mean loss over no sample "
                "is NaN and every weight's gradient is 0. Skip empty batches in the loop (`if len(x) == 0: "
                "continue`); a filter or a mask that can leave none is where they come from")
        if self._noted_empty is None:
            self.notes.append(said)
            self._noted_empty = said
        self._empty_last = self.step_count + 1  # (report() between samples says it of its own step: _Reporting)
