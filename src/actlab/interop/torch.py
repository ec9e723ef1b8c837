"""actlab's instruments on any torch.nn.Module: gradient flow, dead, saturated and dormant units, and the reading.

The one home of PyTorch in actlab, imported only by whoever asks for it (the core never imports torch).

    from actlab.torch import Monitor
    mon = Monitor(model, every="auto", budget=0.03, log="runs/exp1.jsonl")
    for x, y in loader:
        with mon.step() as s:
            loss = loss_fn(model(x), y)
            loss.backward()
            s.loss = loss            # optional: lets the reading judge learning against chance
        opt.step(); opt.zero_grad()
    print(mon.report())

How it measures, on a sampled step only (no hook stays attached in between, so eval fast paths and compiled
graphs are untouched):
- each activation module that maps to a registry record (nn.ReLU, nn.GELU, nn.LeakyReLU, ...) gets a forward hook
  that reduces its output at once to per-unit sums (|a|, a, and the distance to a saturation level where the record
  has one), ||a|| and a tensor hook for ||dL/da||; f' comes from the output where torch's own backward takes it
  from there (ReLU, Leaky ReLU, tanh, sigmoid) and otherwise from a forward pre-hook on the input, before an
  in-place module overwrites it, through torch's backward kernels, reduced to per-unit sums of |f'| and of
  nonzero f' (units: the last axis, or the channel axis of an image). A module called twice in one forward is two
  places. Module full-backward hooks are never used (in-place ReLU breaks them);
- activations applied as functions (F.gelu, torch.tanh, TransformerEncoderLayer(activation="gelu")) are watched
  where they are called, by a torch function mode; the first sampled step looks for them through the whole
  forward, and later steps turn the mode on only from the start of a weighted module a function was found after
  to the start of the next weighted module (none at all when none was found); the gaps where no activation ran
  (where a function that first runs later would be) are watched too on every RELEARN_EVERY-th sampled step;
- the weight gradients of the weighted modules (a 2-D or larger "weight") are normed in one fused call after
  backward; each activation is paired with the weighted module that ran just before it, and the last weighted
  module to run is the output layer;
- after backward, dead (each unit keeps the sampled step it was last active at), saturated and dormant counts are
  computed for every layer at once, and every number of the step is brought to the host in one transfer (on a
  CPU, where reading a number costs no synchronisation, the per-unit sums in one and each 0-d figure by itself);
  the words and the reading are built only when a report is asked for or logged.
The per-layer summary feeds readings.diagnose(), the same function that reads actlab's own networks, so
"vanishing", "dead layer" and the rest mean the same thing everywhere.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import sys
import weakref
from collections import deque
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .._json import jsonable
from ..monitor_log import LOG_FORMAT, read_log
from ..reading_held_out import HELD_OUT_KEPT, lowest_windows
from ..reading_loss import CLIMB_LOSSES
from ..reading_record import HeldOutLow
from . import _torch_stats
from ._monitor_base import (  # noqa: F401  (some re-exported: tests import them from here)
    _BASE_STEPS,
    _CALIBRATION_PAIRS,
    _MIN_AUTO_EVERY,
    _WARMUP_STEPS,
    AUTO_AIM,
    DEAD_EVIDENCE,
    DEAD_POINTS,
    DEFAULT_BUDGET,
    JUDGED_STEPS,
    LOSS_BATCHES,
    MAX_AUTO_EVERY,
    PROBED_SAMPLES,
    RELEARN_EVERY,
    SampledSteps,
    _end_log,
    _ends_a_run,
    _exception_words,
    _has_lazy,
    _is_number,
    _log_file,
    _script_module,
    _step_after_close,
    _StepHandle,
    _structure_of,
    _watch_exit,
    _what,
)
from ._monitor_collect import _Collecting
from ._monitor_compile import _CompileWatch
from ._monitor_cost import LOOP_KEPT, _Costing
from ._monitor_counts import _Counting
from ._monitor_cut import WRITES_KEPT, _Cut
from ._monitor_functions import _functions, _FunctionWatch  # noqa: F401  (re-exported: tests import them here)
from ._monitor_head import _HeadGoals
from ._monitor_hooks import _Hooks, _relu_forward
from ._monitor_inputs import _Inputs
from ._monitor_lossread import _LossRead
from ._monitor_measure import _Measures
from ._monitor_notes import _Noting
from ._monitor_parts import _Parts, checked_part_chance
from ._monitor_places import (  # noqa: F401  (some re-exported: tests import them from here)
    _feeds,
    _is_weighted,
    _Layer,
    _outside_graph,
    _weight_of,
    derivative,
)
from ._monitor_relu import _ReluMeasures
from ._monitor_report import _Reporting
from ._monitor_scaler import Skips, checked_scaler
from ._monitor_step import _Step, _Stepping
from ._monitor_weights import _Weights
from ._monitor_words import (  # noqa: F401  (some re-exported: tests import them from here)
    LayerStats,
    MonitorReport,
    _exploding_activations,
    _group_names,
    _label,
)
from .torch_recipes import RecipeModule, TorchSource, export_code, module_for, record_for, torch_source

__all__ = ["LayerStats", "Monitor", "MonitorReport", "RecipeModule", "TorchSource", "export_code", "module_for",
           "read_log", "record_for", "torch_source"]


# --- the monitor ----------------------------------------------------------------------------


# a script's mon.loss = loss (or mon.parts) went to the step's handle in its author's mind
_ON_THE_HANDLE = ("mon.{name}: the monitor takes the loss from the step's handle, `with mon.step() as s:` ... "
                  "`s.{name} = ...` inside the block, so that it belongs to that step")


class Monitor(_Stepping, _Hooks, _Measures, _ReluMeasures, _Weights, _Cut, _Inputs, _HeadGoals, _LossRead,
              _Collecting, _Counting, _Reporting, _Noting, _Costing, _CompileWatch, _Parts):
    """Watches a PyTorch model's activations and gradients while it trains, and says in words how they are doing.

        mon = Monitor(model, every="auto", budget=0.03, log="runs/exp1.jsonl", chance_loss=math.log(10))
        for x, y in loader:
            with mon.step() as s:            # forward, loss and loss.backward() go inside
                loss = loss_fn(model(x), y)
                loss.backward()
                s.loss = loss                # optional: lets the reading judge the loss against chance
            opt.step(); opt.zero_grad()
        print(mon.report())
        mon.close()                          # ends the run and its log (also done when the monitor is collected);
                                             # a mon.step() after it raises: make a new Monitor for more steps

    Only sampled steps are measured: hooks are attached for that step and taken off after it, so compiled or eval
    fast paths are left alone and a step in between costs only the monitor's bookkeeping: 0.8-1.6 us a step in an
    empty `with mon.step()` loop, and 6.2-8.2 us measured from outside the block on W12's tiny model at load 5-6 (a
    235-245 us step there; its code runs with cold caches between the model's steps; 10.6-11.1 us before M11, 13 us
    before the step became a plain context object). every="auto" counts that cost by its own clock, from the start of
    mon.step() to the end of its bookkeeping after the block; a step timed from outside took 1-2.6 times that figure
    longer than a plain step of the same small model (the model's own code runs a little slower after the monitor's,
    which no clock of the monitor's sees): auto's margin, half the budget, is for what its clock misses.

    Args:
        model: the torch.nn.Module to watch (or torch.compile(model): the model inside it is watched). Every
            activation module actlab knows (nn.ReLU, nn.GELU, nn.Tanh, nn.LeakyReLU, ...) and every activation
            applied as a function (F.relu, F.gelu, torch.tanh, ...) is a watched layer. A TorchScript module
            (torch.jit.script, torch.jit.trace) calls no hook, and is refused with a TypeError.
        every: sample every n-th step (every=1, "debug mode", samples all of them), or "auto" (the default): time
            the first steps and choose the interval (2 to 50) that keeps the monitor's share of the training time
            within ``budget``; on a CPU it keeps timing and follows the cost.
        budget: for every="auto", the share of a step's time the monitor may add, averaged over the steps: 0.03 is
            3% (the default, None, means 0.03). auto aims at half of it and keeps the rest as margin for what its own
            timing misses. With a whole-number every it is not used, and the report's notes say so.
        window: how many of the latest sampled batches the dead count looks back over: a unit is dead when it was
            inactive (derivative 0) on every one of them, counted once at least min(window, 5) were sampled; a
            layer whose every unit was inactive on each of its last 5 sampled batches reads dead at once, and so
            does a unit inactive on each of its last 5 or more whose silence, at the share of its earlier batches it
            was active on, has odds under one in a million (a unit killed mid-run, not one merely rarely active): the
            row's window then says over how many batches. Where half a layer's units or more died so after being
            active, the status reads dead_layer ("dying layer").
        log: a file to write as JSON lines, one report per sampled step (``actlab watch FILE`` shows it live in the
            lab). A file that exists is appended to, never truncated: each line carries this run's id, and a reader
            tells the runs apart by it. None (the default) writes nothing.
        chance_loss: the loss of the best constant prediction, if known (ln C for C balanced classes with
            cross-entropy, the targets' variance with MSE). Without it the status says only whether gradients
            flow; with it, whether the model is learning ("healthy", "starting", "not learning").
        first_step: the number of the first step this monitor sees (1 by default). A run resumed from a checkpoint
            saved after step N passes first_step=N + 1, so that its steps (in the report, the log and on /watch)
            continue the first run's numbers, and a fixed ``every`` samples the steps it would have sampled; the
            report's steps_run then counts the earlier run's steps too. Give the resumed run a log of its own.
        scaler: the loss scaler of float16 training (a torch.amp.GradScaler), where the script scales the loss
            before backward: the gradients read are divided by its scale, and a sampled step whose scaled gradients
            overflowed (one the scaler skips, making no update) is left out of the readings and named in a note,
            not read as a divergence. Off a CPU, reading its scale costs a synchronisation per sampled step.
        name: a short name for the run (up to 80 characters: "generator", "student"), written into the log's
            header: /watch's list of runs names it so, where two models of one class would read alike.
        part_chance: for a loss given in named parts (``s.parts``), each part's chance level, by name
            (``{"reg": float(y_reg.var())}``): the note on the parts then judges that part against it, as
            chance_loss judges the whole loss. A part without one is compared with its own first steps only.

    What report() says (print it, or read its fields; to_dict() gives the same as JSON): one row per watched
    layer, from the latest sampled step: |dL/da|, the gradient reaching the activation's output, and a/last, its
    ratio to the last watched layer's; |dL/dW|, the gradient of the weights just before the activation, and W/out,
    its ratio to the output layer's; the mean and std of the activations; dead units (over ``window``), units
    saturated (or, for ReLU, rarely active) and dormant units (Sokar et al. 2023); then a line of words per layer
    that has something to say, the status (healthy, flowing, vanishing, exploding, dead_layer, diverged, unwatched,
    ...), the reading in words with a remedy where one applies, and notes on what the monitor could not see and why.
    Several backward() calls through one forward (two losses, retain_graph=True) read |dL/da| of their summed
    gradient, as .grad sums |dL/dW|'s; an activation on the output layer's result (a sigmoid head) is the model's
    output, with a row of its own but not among the hidden layers the reading counts.

    A unit is saturated on a batch, as the NumPy engine counts it (instruments.saturated_mask), by either of two
    rules: its mean |f'| is under 1% of f''s maximum, or, for a function with saturation levels (tanh's -1 and 1,
    sigmoid's 0 and 1, ELU's -alpha), its outputs sit on average within 1% of the output's scale of a level (tanh: 1,
    sigmoid: 0.5). The second catches units whose mean f' is a little above 1% (for tanh, f' = 1 - a^2 is under 2%
    when 1 - |a| is under 1%). Dead units are counted once, as dead, not again as saturated.
    """

    # where this monitor began reading its model anew (_begin_anew): why, as its log's header says it; and how many
    # times it did (at most ANEW_MOST: a forward that assigns a new module on every call would start a run a step)
    _anew: str | None = None
    _anew_times: int = 0

    def __init__(self, model: nn.Module, every: int | str = "auto", budget: float | None = None, window: int = 100,
                 log: str | Path | None = None, chance_loss: float | None = None, first_step: int = 1,
                 scaler=None, part_chance: Mapping[str, float] | None = None, name: str | None = None):
        # as given: a model whose modules change mid-run is read anew with them (_begin_anew)
        given = {"model": model, "every": every, "budget": budget, "window": window, "log": log,
                 "chance_loss": chance_loss, "scaler": scaler, "part_chance": part_chance, "name": name}
        if not isinstance(model, nn.Module):
            raise TypeError(f"model: a torch.nn.Module; got {type(model).__name__}")
        compiled = isinstance(getattr(model, "_orig_mod", None), nn.Module) and type(model).__name__ == \
            "OptimizedModule"
        if compiled:  # torch.compile(model): its hooks would never run in the compiled graph; watch the model in it
            model = model._orig_mod
        script = _script_module(model)
        if script is not None:  # W17: AttributeError 'OrderedDictWrapper' object has no attribute 'get', from inside
            which = "a TorchScript module" if not script else f"a model holding a TorchScript module, '{script}'"
            raise TypeError(f"model: {which} (made by torch.jit.script or torch.jit.trace) cannot be watched: its "
                            "forward runs in TorchScript's interpreter, which calls no Python hook. Give Monitor the "
                            "eager nn.Module, before scripting or tracing it (or torch.compile(model), which it "
                            "watches), and script or trace it after training")
        self._compiled = compiled
        auto = isinstance(every, str) and every == "auto"
        if not auto and not (_is_number(every, whole=True) and every >= 1):
            raise ValueError(f"every: a whole number of steps, 1 or more (every=1 samples every step), or 'auto'; "
                             f"got {_what(every, whole=True)}")
        budget_given = budget is not None
        budget = DEFAULT_BUDGET if budget is None else budget
        if not (_is_number(budget) and 0 < budget < 1):
            raise ValueError(f"budget: a share of a step's time, a number between 0 and 1 (0.03 is 3%); "
                             f"got {_what(budget)}")
        if not (_is_number(window, whole=True) and window >= 1):
            raise ValueError(f"window: a whole number of sampled batches, 1 or more; got {_what(window, whole=True)}")
        if torch.is_tensor(chance_loss) and chance_loss.numel() == 1:  # a one-value tensor, as held_out takes (W83
            chance_loss = float(chance_loss.detach().reshape(()))   # walkthrough finding 8: torch.tensor(2.3) refused)
        if chance_loss is not None and not (_is_number(chance_loss) and math.isfinite(chance_loss)
                                            and chance_loss > 0):
            below = (" A loss whose best constant guess is 0 or below (a Gaussian negative log-likelihood of targets "
                     "with a small spread, a Poisson NLL with full=False) is judged only once a constant lifts it: "
                     "give s.loss the loss plus a constant, and chance_loss that guess's loss plus the same constant "
                     "(or, for the Poisson NLL, use full=True)." if _is_number(chance_loss)
                     and math.isfinite(chance_loss) else "")
            raise ValueError(f"chance_loss: the loss of the best constant guess, a finite number above 0 (ln C for "
                             f"C balanced classes with cross-entropy), or a one-value tensor of it, or None; got "
                             f"{_what(chance_loss)}.{below}")
        if not (_is_number(first_step, whole=True) and first_step >= 1):
            raise ValueError(f"first_step: the number of this monitor's first step, a whole number, 1 or more (a run "
                             f"resumed after step N passes N + 1); got {_what(first_step, whole=True)}")
        if name is not None and not (isinstance(name, str) and name.strip() and len(name.strip()) <= NAME_CHARS
                                     and name.isprintable()):
            raise ValueError(f"name: a short name for the run, a string of 1 to {NAME_CHARS} printable characters "
                             f"(\"generator\"), or None; got {_what(name)}")
        self.name = name.strip() if name is not None else None
        self._scaler = checked_scaler(scaler)
        self.part_chance = checked_part_chance(part_chance)
        self._skips = Skips()  # the sampled steps it skipped
        self._half_seen = False  # a watched activation was float16 with a gradient to read: a scaler's ground
        self._rate_series, self._rate_opts = {}, weakref.WeakKeyDictionary()  # the learning rates (_monitor_cut)
        self._decay_series = {}  # and the weight decays
        self._written = deque(maxlen=WRITES_KEPT)  # weights written between optimiser steps (_monitor_cut)
        self._label_kinds, self._switches = {}, deque(maxlen=WRITES_KEPT)  # and optimisers switched
        self._opt_steps = 0  # the training steps of this run followed by an optimiser step of watched weights
        self._opt_stepped_at = -1  # the latest of them
        self._norm_between = {}  # a norm between the first layer and its activation (_monitor_inputs._rms_read)
        log = _log_file(log)
        every = every if auto else int(every)
        window = int(window)
        budget = float(budget)
        chance_loss = float(chance_loss) if chance_loss is not None else None
        self.model = model
        self._given = given
        # the modules it holds, as the sampled steps compare them (ids, in order), and by name for the words
        self._structure = _structure_of(model)
        self._named = {n: (id(m), type(m).__name__) for n, m in model.named_modules()}
        # it holds a normalisation module (RunSummary.normalised)
        self._normalised = any(isinstance(m, _NORMS) for m in model.modules())
        self.budget = budget
        self.window = window
        self.chance_loss = chance_loss
        self.every: int | None = every if isinstance(every, int) else None
        self.calibrated_cost: float | None = None  # every="auto": the share of a step spent sampling (upper end)
        self.sampled_extra: float | None = None  # every="auto": a sampled step's extra time over an unsampled one's
        # every="auto": the monitor's own time on an unsampled step, as a share of the step (upper end) and in seconds
        self.fixed_cost: float | None = None
        self.fixed_seconds: float | None = None
        self._auto = every == "auto"
        # steps counted before this monitor's first (first_step - 1: a resumed run's); step_count counts them too
        self._step0 = int(first_step) - 1
        self.step_count = self._step0
        self._last_sample = self._step0 - 1
        self.sampled_steps = 0
        self._header_lazy = False  # the log's header was written before a lazy module's parameters existed
        # every="auto": each sampled step's extra time as a share of the unsampled steps just before it (a local
        # comparison: a shared machine's load drifts between samples); on a CPU the interval keeps following them,
        # on an accelerator only the first steps are timed (a timing there needs a synchronisation)
        self._times: dict[str, deque] = {"base": deque(maxlen=_BASE_STEPS), "extra": deque(maxlen=32),
                                         "own": deque(maxlen=_BASE_STEPS), "fixed": deque(maxlen=32),
                                         "step": deque(maxlen=32)}
        # every="auto": the times from one unsampled step's mon.step() to the next (the loop's whole step, with what
        # the script does between blocks), said beside the cost inside the block where much longer (_cost_note)
        self._loop: deque = deque(maxlen=LOOP_KEPT)
        self._recalibrate = all(p.device.type == "cpu" for p in model.parameters())
        # a CPU model: its sums take the compiled passes, loaded in a background thread (numba's import took 3.7-6.5 s
        # under load, which Monitor() used to wait for); the torch path makes the same sums until they are ready
        if self._recalibrate:
            _torch_stats.preload()
        self._layers: list[_Layer] = []  # every watched place, in the order first seen
        self._modules: list[tuple[nn.Module, _Layer]] = []  # activation modules and their first-call place
        self._calls_of: dict[tuple, _Layer] = {}  # (base name, call number) or (after, function, call) -> place
        # a module run several times in one forward -> (its label, the most calls seen), and their note's index
        self._repeat_notes: dict[str, tuple[str, int]] = {}
        self._repeat_note_at: int | None = None
        self._weighted = [(n, m) for n, m in model.named_modules() if _is_weighted(m)]
        self._module_ids = frozenset(id(m) for m in model.modules())  # (a function called by another's: not read)
        self._weighted_by_name = dict(self._weighted)
        self._kinds = {n: type(m).__name__ for n, m in self._weighted}  # how the words name a function's input
        self._feeds = {n: _feeds(m) for n, m in self._weighted}  # where each puts its units (_monitor_places._feeds)
        # made once: a closure per module and step would be made and dropped on every sampled step
        self._weight_pre_hooks = [(m, self._weight_pre_hook(n)) for n, m in self._weighted]
        self._weight_ids = {}  # each weighted module's weight, by id -> the module's name (the first, if tied)
        for n, m in self._weighted:
            self._weight_ids.setdefault(id(_weight_of(m)), n)
        self._flow = None  # on the step that reads it: which weighted module feeds which (_monitor_flow)
        # tied weights (one Parameter in several modules, as a GPT's embedding and head): each use's name -> the others
        uses: dict[int, list[str]] = {}
        for n, p in model.named_parameters(remove_duplicate=False):
            uses.setdefault(id(p), []).append(n)
        self._ties = {n: [o for o in names if o != n] for names in uses.values() if len(names) > 1 for n in names}
        self._fed: list = []  # that step's (feeding module, fed module) pairs
        # on that step, for a weighted module run after others with no watched place between: those others, and which
        # of them its input is computed from (_read_series); a module the graph could not tell of is absent
        self._series_read: dict[str, tuple[frozenset, frozenset]] = {}
        # the weighted modules the loss is computed from, none feeding another (_Flow.loss_heads), read once
        self._loss_heads: tuple[str, ...] | None = None
        self._parts_first = self._parts_latest = None  # the loss's named parts (s.parts), held: _monitor_parts
        self.notes: list[str] = []
        if budget_given and not auto:  # W17: every=1, budget=0.5 was taken silently
            sampled = "every step is" if every == 1 else f"one step in {every} is"
            self.notes.append(f"budget={budget:g} is not used: it applies to every='auto' alone. With every={every}, "
                              f"{sampled} sampled, whatever that costs; Monitor(model, every='auto', "
                              f"budget={budget:g}) keeps the cost within it")
        if compiled:
            self.notes.append("Monitor was given torch.compile(model): it watches the model inside it (the report "
                              "names its modules without '_orig_mod.'); calling the compiled model in the step works")
        for name, module in model.named_modules():
            record = record_for(module)
            if record is not None:
                layer = _Layer(name, _label(name, type(module).__name__), module, record)
                self._layers.append(layer)
                self._modules.append((module, layer))
                self._calls_of[(name, 0)] = layer
        self._module_hooks = [(m, l, self._pre_hook(l), self._post_hook(l)) for m, l in self._modules]
        # a plain nn.ReLU's forward, made to run its post-hook (see _Hooks._relu_forward): by module id
        self._relu_forwards = {id(m): _relu_forward(m, post) for m, _, _, post in self._module_hooks
                               if type(m) is nn.ReLU}
        # the model's own hooks, made once and kept out of a compiled graph like the modules' (_outside_graph)
        self._started_hook = _outside_graph(self._forward_started)
        self._ended_hook = _outside_graph(self._forward_ended)
        # each module's top-level module in the model ('body' for 'body.0'), and that one's class: the notes on parts
        # of the model called by themselves name them (_Hooks._part_call)
        self._tops = {id(m): n.partition(".")[0] for n, m in model.named_modules() if n}
        self._kinds_top = {n: type(m).__name__ for n, m in model.named_children()}
        # the model's top-level modules, and the hook that holds a part's output as the model's (_Hooks._part_ended)
        self._children = [m for _, m in model.named_children()]
        self._part_ended_hook = _outside_graph(self._part_ended)
        self._enter_hook = _outside_graph(self._enter_mode)
        self._leave_hook = _outside_graph(self._leave_mode_hook)
        # the keys of this monitor's hooks in the modules' hook tables (_attach): a weighted module's pre-hook, an
        # activation module's pre-hook and hook, the model's pre-hook and hook of the function watch, a softmax's hook
        # and the model's hook that ends its forward (distinct, since
        # one module may be several of these; objects, so that no other hook's integer id can equal them)
        self._hook_keys = tuple(object() for _ in range(8))
        _functions()
        self._functional: bool | None = None  # None: the first sampled step looks for activations called as functions
        # where they were found, or may yet appear: the weighted modules they follow (None: the model's input). Later
        # sampled steps watch functions only from such a module's start to the next weighted module's, not through
        # the whole forward (the mode intercepts every torch call it spans, in Python): _choose_windows
        self._windows: frozenset = frozenset()
        self._found_after: frozenset = frozenset()  # every weighted module a function was found after so far
        self._note_what_cannot_be_seen()
        # this monitor's run id, on every line it writes: readers tell runs sharing one log apart by it, even two
        # monitors writing the same steps at once (log_runs)
        self._run_id = secrets.token_hex(4)
        self._log_path = log
        if log is not None:
            try:
                log.parent.mkdir(parents=True, exist_ok=True)
                # appended, never truncated: a second run into the same log (the script run again, or another
                # process writing it now) adds a run of its own, which the readers tell apart by the run id
                # (log_runs); a "w" here lost the first run's lines, and two processes at once had one destroy the
                # other's header
                with log.open("a+b") as fh:
                    if fh.tell():  # a line an earlier writer left unfinished (killed mid-line) is ended, not joined
                        fh.seek(-1, os.SEEK_END)
                        if fh.read(1) != b"\n":
                            fh.write(b"\n")
                    fh.write(self._header().encode())
            except OSError as e:  # a folder on the way that is a file, no permission, a full disk: say which
                raise ValueError(f"log: cannot write {str(log)!r}: {e.strerror or e}; give a file path in a folder "
                                 "this process may write, such as 'runs/exp1.jsonl'") from e
        # the log's last line says the run ended (the watch page shows it): written by close(), or when the monitor
        # is collected or the interpreter exits; shared with the finaliser through this list: the step count, the
        # exception that ended the run (a step's block or the `with Monitor` block raised; None while none did) and
        # the uncaught exception Python held when the monitor was made (an older one is not this run's), the run id,
        # what the end line adds: the held-out losses given after the last sampled step (_end_extras), and the step
        # whose block raised the latest exception with that exception's id (the end line says the run stopped in it)
        self._steps_box = [self.step_count, None, getattr(sys, "last_value", None), self._run_id, {}, None]
        self._closer = (weakref.finalize(self, _end_log, self._log_path, self._steps_box)
                        if self._log_path is not None else None)
        if self._closer is not None:
            _watch_exit()
        self._header_layers = len(self._layers)  # how many places the log's latest header names
        self._last: MonitorReport | None = None
        self._order = 0
        self._weight_order: dict[str, int] = {}
        self._last_weighted: str | None = None
        self._calls: dict = {}
        self._open: dict[int, list[_Layer]] = {}  # module id -> places whose forward has started (pre-hook)
        self._inside = 0  # > 0 while an activation module's forward runs (its F.relu is not a functional one)
        # the model holds a lazy module's parameters with no shape yet (nn.LazyLinear before its first forward): the
        # function watch follows nothing until they have one (_FunctionWatch), looked at again after each sampled step
        self._lazy = _has_lazy(model)
        self._mode: _FunctionWatch | None = None
        self._ones: dict[tuple, torch.Tensor] = {}  # full ones for torch's backward kernels (a stride-0 one is slow)
        self._pending: tuple | None = None
        # the ReLU places whose node hooks kept their output and gradient for after backward (_reduce_held), and the
        # bytes those hold on this step (at most HELD_BYTES)
        self._held: list[tuple] = []
        self._held_bytes = 0
        self._noted_none = False
        self._noted_functional: set[str] = set()  # the function places the notes name
        self._noted_gates: set[str] = set()  # the sigmoid places found used as a hand-written SiLU's gate, noted
        self._functional_note: int | None = None  # where in self.notes
        self._loss: float | None = None
        self._losses: deque = deque(maxlen=LOSS_BATCHES)  # the latest sampled steps' finite losses
        # the latest training steps' s.loss, sampled or not, as [step, value]: a detached 0-d tensor until a sampled
        # step reads them all at once (_read_step_losses), then a float; learning is judged on their mean
        self._step_losses: deque = deque(maxlen=JUDGED_STEPS + CLIMB_LOSSES)
        self._losses_read_to = 0  # the training step of the latest of them read so
        # the peak of the highest blow-up past BLOW_UP_LOSS x chance (_moves_peak, _keep_blow_up): (step, loss)
        self._blown_up: tuple[int, float] | None = None
        self._jump_step: int | None = None  # the latest jump a report found (reading_loss.spike; _Reporting._jumped)
        self._was_learning = False  # the last report's loss had moved from chance (RunSummary.was_learning)
        self._moved_at: int | None = None  # the first sampled step whose judged mean was MOVED_FRACTION below chance
        # the first hidden layer's weight-gradient ratio at the sampled steps whose report was built, by step (up to 8)
        self._ratios: dict[int, float] = {}
        self._signal_ratios: dict[int, float] = {}  # and the first place's ||dL/da|| ratio to the last one's, alike
        self._branch_offs: dict[int, frozenset[int]] = {}  # per sampled step reported, its stopped layers
        self._off_row_zero: dict[int, frozenset[str]] = {}  # per one, its weights on no row with a gradient of 0
        self._loss_steps: deque = deque(maxlen=LOSS_BATCHES)  # the sampled step of each, in the same order
        # the lowest mean of the latest losses so far (over two or more: one batch is not learning) and its step
        # step, mean, bound, its (step, loss) pairs (reading_loss.lower_low)
        self._lowest_judged: tuple | None = None
        self._lowest_mean: tuple[int, float] | None = None  # (step, mean): RunSummary.lowest_mean
        self._ignored_target: int | None = None  # RunSummary.loss_ignore_index
        self._nan_grads_finite = False  # RunSummary.nan_loss_grads_finite
        self._latest_low: tuple | None = None  # the latest judged window within the lowest's noise (_collect)
        # where the loss was at its lowest before a rise read while layers read dying (low_point's): the dying layer's
        # checkpoint, kept while they do
        self._rose_from_low: tuple[int, str] | None = None
        self._weight_norms: list | None = None  # the weight norms read when this step's backward ended
        self._frozen_now: frozenset[str] = frozenset()  # weighted modules whose weight is frozen, at the last read
        # each weight's .grad when the sampled step's forward began, with its version (None: no .grad then), and
        # whether the last read found any gradient this step wrote (_weight_grad_norms)
        self._grad_marks: list | None = None
        self._grads_written = False
        self._leftover: tuple | None = None  # the weights whose .grad was set as the forward began, and its norms
        self._noted_leftover = False  # said once: a .grad held an earlier step's gradient (_note_leftover_gradients)
        self._dying_seen: set[str] = set()  # the layers a reading called dying (_stopping_layers reads them on)
        # the first report's forward activations' stds, with its step: a std growth training made is told apart from
        # one the initialisation made (_exploding_activations)
        self._first_stds: tuple[int, list[tuple[str, float]]] | None = None
        # each weighted module's weight-gradient norm on the first EARLY_OUTPUT sampled steps where it was finite and
        # above 0 (_Reporting._output_fall compares the output layer's latest with their median), until all have them
        self._early_output: dict[str, list[float]] = {}
        self._early_full = False
        self._unsampled_lows: set[int] = set()  # RunSummary.unsampled_lows: lows found between samples (_low_between)
        self._first_spectra: dict[str, tuple[int, float, float]] = {}  # loops' recurrent weights (_note_loop_weights)
        # the report that takes in the losses after the last sampled step, built as the run ends (_closing_report)
        self._final = None
        # the first loop read whose gradient grew back through its calls (RunSummary.loop_exploded); None: none yet
        self._loop_exploded: tuple | None = None
        # the first report's loop that grew its state, with its step (RunSummary.calls_grew); None: no report yet
        self._first_grew: tuple[int, tuple | None] | None = None
        self._probe: tuple | None = None  # the .grads at a sampled step's end, for the next step's (_read_probe)
        self._probes_left = PROBED_SAMPLES
        self._known: tuple | None = None  # the places, in the order they ran, when the structure was last learned
        self._since_learned = 0  # sampled steps since then
        self._reuse = False  # this sampled step reuses the learned structure (no weighted-module hooks)
        self._seq: list = []  # the places claimed on this sampled step, in order
        self._weight_read_queued = False
        self._first_non_finite: dict | None = None  # {"step", "place"}: the first sampled step with a NaN or inf
        # the first sampled step of the current unbroken run of sampled steps holding a NaN or an inf (None once a
        # sampled step is finite again): the step a divergence is dated from
        self._non_finite_since: dict | None = None
        self._last_finite_sample: int | None = None  # the latest sampled step with no NaN or inf
        self._open_step: _Step | None = None  # the `with mon.step()` open now: a second one there is a mistake
        # what step() returns, made once (steps do not nest): made and dropped on every step it cost about 0.3 us of
        # an empty step's 1.5 us (what an outside timer sees beyond the monitor's own clock: _monitor_cost)
        self._step_context = _Step(self)
        # steps whose block raised (the script may catch it and go on): how many, and the first and latest as
        # (step, exception in words, "unsampled" | "kept" | "dropped"); said in a note (_note_step_error)
        self._step_errors: dict | None = None
        self._noted_promoted = False  # said once: a compile made an unsampled step sampled (_finish_odd_step)
        # the sampled steps in a row trained from an eval-mode forward, (the first's training step, how many, the
        # latest's), the index of the note saying so, and the modules it names (_note_trained_in_eval)
        self._eval_run: tuple[int, int, int] | None = None
        self._eval_note: int | None = None
        self._eval_names = ""
        # said once: a sampled step whose batch held no sample was not read (_drop_empty): the note, and the latest
        # such step
        self._noted_empty: str | None = None
        self._empty_last = 0
        self._join_compile_watch()  # torch.compile's compiles are told to this monitor (_monitor_compile)
        self._forwards = 0  # the model's forwards on this sampled step
        self._skip = False  # a later forward of the step: the hooks watch nothing
        self._noted_forwards = False
        self._grad_watched = False  # this sampled step hooked a place whose output needs a gradient
        self._noted_loss_shape = False
        # the places' last_active arrays as views of one buffer, and those views in its order (_advance_history)
        self._history: np.ndarray = np.zeros(0, dtype=np.int64)
        self._history_views: tuple = ()
        self._history_starts = np.zeros(0, dtype=np.int64)
        self._sampled_at = SampledSteps()  # the training step of each sampled step
        self._first_sample: int | None = None  # the first of them, kept (_first_sampled)
        # held_out()'s latest losses, as (the training steps done when it was given, the loss or None, the lowest
        # window of each size in reading_held_out.HELD_OUT_WINDOWS given so far, kept across a held_out(None)): a
        # sampled step's report takes those given before its step, report() all of them (_with_late_held_out)
        self._held_out: deque[tuple[int, float | None, tuple[HeldOutLow | None, ...]]] = deque(maxlen=HELD_OUT_KEPT)
        # held_out()'s NaN or infinite losses, (training steps done, the loss), the latest HELD_OUT_KEPT, and how many
        # were given: left out of the held-out reading, said in a note (_Reporting._held_out_bad_note)
        self._held_out_bad: deque[tuple[int, float]] = deque(maxlen=HELD_OUT_KEPT)
        self._held_out_bad_count = 0
        # the first BatchNorm that keeps running statistics, (name, module): the version of its num_batches_tracked,
        # which each forward in train mode adds 1 to in place, read at a sampled block's entry and exit and when a
        # held-out loss is given, tells forwards in train mode outside the blocks (a held-out pass with no
        # model.eval(): W105 walkthrough finding 6, unseen). _bn_block: (the sampled step, the version at its exit,
        # how many train-mode forwards its block made); _bn_entry: the version at the open block's entry;
        # _bn_note: the index of the note, once said
        self._bn = next(((n, m) for n, m in model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
                         and m.track_running_stats and getattr(m, "num_batches_tracked", None) is not None), None)
        self._bn_block: tuple[int, int, int] | None = None
        self._bn_entry: int | None = None
        self._bn_note: int | None = None
        # laid out as _history: each unit's two weighed counts of the batches it was on (_Counting._on_weights)
        self._on: np.ndarray = np.zeros((2, 0))
        # the learning rate is read from this monitor's first step on, sampled or not (W62 walkthrough finding 7:
        # every="auto" times its first steps unsampled, and the page said 'The learning rate was 0.05 at step 4' of a
        # rate set from step 1)
        self._watch_rate()

    @property
    def loss(self):
        raise AttributeError(_ON_THE_HANDLE.format(name="loss"), name="loss", obj=self)

    @loss.setter
    def loss(self, value) -> None:  # mon.loss = loss was kept as a new attribute, and the loss never judged
        raise AttributeError(_ON_THE_HANDLE.format(name="loss"), name="loss", obj=self)

    @property
    def parts(self):
        raise AttributeError(_ON_THE_HANDLE.format(name="parts"), name="parts", obj=self)

    @parts.setter
    def parts(self, value) -> None:
        raise AttributeError(_ON_THE_HANDLE.format(name="parts"), name="parts", obj=self)

    def held_out(self, loss) -> None:
        """A loss on data the model does not train on (a validation batch or set), given between training steps:
        each sampled step's reading takes in those given before it: where the training loss came down and the
        held-out one did not (10% below chance at least), or came down and rose again beyond its swings, the status
        reads not_generalising, naming the training steps they were given after (reading_held_out). ``loss``: a
        number or a one-value tensor, 0 or more; None: no held-out loss from here on. A NaN or an infinite one is
        kept apart: left out of that reading and said in a note of the reports after it (a diverged run's validation
        must not stop its loop: W83 walkthrough finding 1). Raises TypeError or ValueError, saying what was given,
        for anything else."""
        if self._open_step is not None:
            raise RuntimeError("mon.held_out() inside `with mon.step()`: give the held-out loss between steps, after "
                               "the training step's block, so that it is not read as part of that step")
        if loss is None:  # the lowest so far is kept across the pause (W42 walkthrough: after a pause the early-
            # stopping remedy named a step from after it, the run's lowest, after step 40, forgotten)
            self._held_out.append((self.step_count, None, self._held_out[-1][2] if self._held_out else ()))
            return
        if torch.is_tensor(loss):
            if loss.numel() != 1:
                raise ValueError(f"held_out: one loss value; got a tensor of {loss.numel()} values (with "
                                 "reduction='none', pass loss.mean())")
            value = float(loss.detach().reshape(()))
        elif _is_number(loss):
            value = float(loss)
        else:
            raise TypeError(f"held_out: the held-out loss, a number or a one-value tensor; got {_what(loss)}")
        if not math.isfinite(value):
            self._held_out_bad.append((self.step_count, value))
            self._held_out_bad_count += 1
            return
        if value < 0:
            raise ValueError(f"held_out: a loss of 0 or more (NaN and inf are taken, and said in a note); got "
                             f"{value!r}")
        given = [(t, v) for t, v, _ in self._held_out]
        given = [*given[len(given) - next((i for i, (_, v) in enumerate(reversed(given)) if v is None), len(given)):],
                 (self.step_count, value)]  # those since the last held_out(None), this one last
        low = self._held_out[-1][2] if self._held_out else ()  # the lowest windows so far (kept across a pause)
        self._held_out.append((self.step_count, value, lowest_windows(low, given)))
        self._note_held_in_train_mode()
        if self._closer is not None:  # the end line carries it, until a sampled step's line does
            self._steps_box[4] = self._end_extras(reading=False)

    def _begin_anew(self) -> None:
        """The model's modules changed since the monitor was made (W43 walkthrough, finding 2: a head replaced at step
        251 read 'no gradient was computed for head.0.weight', then dead_layer, its new SiLU never read): the run so
        far ends in the log, and the monitor is made again on the model as it is, its steps going on from here, as a
        resumed run is (first_step), with a note naming what changed."""
        now = {n: (id(m), type(m).__name__) for n, m in self.model.named_modules()}
        before, step = self._named, self.step_count + 1
        last = self._step_sampled(self.sampled_steps) if self.sampled_steps else None  # (the training step)
        words = _changed_words(before, now, step, last)
        if self._closer is not None:  # the end line of the run so far; the new run's header follows it
            self._closer()
        self._drop_rate_hook()  # (the monitor made again reads the rate from its own first sampled step)
        context = self._step_context
        self._anew = f"the model's modules changed {words.split(' changed ', 1)[1].split(':', 1)[0]}"
        chance = self.chance_loss  # as set now (mon.chance_loss = ... is kept too)
        was = self._given["chance_loss"]
        self._given["chance_loss"] = chance
        self._given["part_chance"] = self.part_chance  # (as set now too)
        Monitor.__init__(self, **self._given, first_step=step)
        self._step_context = context  # the step being entered is this one's
        if chance is not None and (was is None or chance != float(was)):  # set by the script since (W45: 'stays'
            # read as if the monitor had not taken the script's own setting)
            words += f"; the loss is judged against chance_loss {chance:.3g}, as mon.chance_loss was set"
        elif chance is not None:  # W44 walkthrough, finding 5: a head of 8 classes swapped for one of 3 read
            # 'healthy, 49% below chance (2.08)' at a loss of 1.05, about ln 3
            words += (f"; chance_loss stays {chance:.3g}: where the new modules predict other classes or targets, set "
                      "mon.chance_loss to theirs (ln C for C balanced classes)")
        self._anew_times += 1
        if self._anew_times >= ANEW_MOST:  # changed again and again: the modules are made anew as it runs
            self._structure = None  # (no longer compared)
            words += (f". The modules have now changed {self._anew_times} times; a forward that assigns a new module "
                      "on each call would start a run a step, so the monitor reads the modules it holds now from here "
                      "on, and a module made later is not watched")
        self.notes.append(words)

    def close(self) -> None:
        """Ends the run: the log's last line says it finished (``actlab watch`` shows it). Idempotent. After it,
        mon.step() raises RuntimeError (a step would be logged after the end line); report() still works."""
        if self._open_step is not None:
            raise RuntimeError("mon.close() inside `with mon.step()`: close the monitor after the step's block, so "
                               "that the step is read and logged before the log's end line")
        self._end()

    def _end(self) -> None:
        ended, self._ended = getattr(self, "_ended", False), True
        self._drop_cut_hook()
        self._drop_zero_probe()
        self._drop_rate_hook()
        if not ended:  # a NaN or a blow-up after the last sampled step: the reading that takes it in, log or none
            with contextlib.suppress(Exception):  # (never raising: an exception may be on its way out of the block)
                self._final = self._closing_report()
        if self._closer is not None:
            if self._steps_box[4]:  # held-out losses given after the last sampled step: the end line carries the
                # reading that takes them in too (never raising: an exception may be on its way out of the block)
                with contextlib.suppress(Exception):
                    self._steps_box[4] = self._end_extras(reading=True)
            with contextlib.suppress(Exception):  # the losses of the steps after the last sampled one
                tail = self._tail_losses()
                if tail:
                    self._steps_box[4] = {**(self._steps_box[4] or {}), "losses_between": tail}
                # and where they hold a NaN or a blow-up, the reading that takes them in (_closing_report)
                if self._final is not None:
                    self._steps_box[4] = {**(self._steps_box[4] or {}), "reading": self._final.reading.to_dict()}
            with contextlib.suppress(Exception):  # and the learning rate's changes read since the last line
                rates = self._rates_for_line(self.step_count + 1, True)
                if rates:
                    self._steps_box[4] = {**(self._steps_box[4] or {}), "rates": {
                        label: [[t, jsonable(v)] for t, v in changes] for label, changes in rates}}
            self._closer()
        # an instance attribute shadows the class's step(): the steps of an open monitor pay nothing for this check
        self.step = _step_after_close

    def _tail_losses(self) -> list:
        """The losses given on the training steps after the last sampled step, as [step, loss] in the log's numbers
        (NaN as null), the latest JUDGED_STEPS + CLIMB_LOSSES of them at most (those the monitor holds); [] where the
        run's last step was sampled or no loss was given since. The end line carries them, as a report carries those
        before its own step (W74 walkthrough finding 12: the 49 steps after the last sampled one of 300 were in
        neither the log nor its end line)."""
        last = self._between[0]
        return [[t, jsonable(v)] for t, v in self._read_step_losses(None) if t > last and v is not None]

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        # the end line says whether the block ended by an exception, and which (one a step raised and the block
        # caught is not how the run ended)
        self._steps_box[1] = _exception_words(exc) if _ends_a_run(exc) else None
        raised = self._steps_box[5]
        if raised is not None and (exc is None or raised[1] != id(exc)):  # not a step's: raised between steps
            self._steps_box[5] = None
        self._end()  # never raises: an exception on its way out of the block is the one to see

    def _checked_loss(self, loss):
        """s.loss as the reading can use it, by chance_loss's rule: a number, never a string or a bool (float("0.7")
        took a string, W17), or a one-value tensor; anything else is set aside with a note saying what to set."""
        if isinstance(loss, str | bool):
            if not self._noted_loss_shape:
                self._noted_loss_shape = True
                self.notes.append(f"s.loss was {_what(loss)}, so the loss is not judged: set s.loss to the loss "
                                  "tensor that backward() was called on, or to its value as a number")
            return None
        return super()._checked_loss(loss)

    def _header(self) -> str:
        # the model's class and parameter count name the run in /watch's list of runs (W41 finding 9: two runs of
        # one log told apart only by line numbers); a lazy module's parameters are not counted until they exist
        params = list(self.model.parameters())
        lazy = any(isinstance(p, nn.parameter.UninitializedParameter) for p in params)
        # counted again on the first report's line, once a forward has made them (one header more, once)
        self._header_lazy = lazy and not self.sampled_steps
        return json.dumps({"format": LOG_FORMAT, "layers": [l.name for l in self._layers],
                           "activations": [l.record.name for l in self._layers], "run": self._run_id,
                           "model": type(self.model).__name__, **({"name": self.name} if self.name else {}),
                           "parameters": None if lazy else sum(p.numel() for p in params),
                           **({"anew": self._anew} if self._anew else {}),
                           # the loss's parts' chance levels: /watch draws each as a dotted line beside its part's
                           **({"part_chance": self.part_chance} if self.part_chance else {})}) + "\n"


NAME_CHARS = 80  # a run's name (Monitor(name=...)), at most: log_runs shows the header's name cut to as many
ANEW_MOST = 4  # the times a monitor begins reading its model anew before it stops comparing its modules


_NORMS = (nn.LayerNorm, nn.GroupNorm, nn.RMSNorm, nn.modules.batchnorm._NormBase)


def _changed_words(before: dict, now: dict, step: int, last: int | None) -> str:
    """A note saying which modules were replaced, added or removed (the outermost of each), and what the monitor did."""
    def outermost(names):
        kept = set(names)
        return [n for n in names if not any(n.startswith(p + ".") for p in kept if p and p != n)]

    replaced = outermost([n for n in now if n in before and before[n][0] != now[n][0]])
    added = outermost([n for n in now if n not in before])
    removed = outermost([n for n in before if n not in now])
    said = ([f"'{n}' was replaced (a {before[n][1]} by a {now[n][1]})" for n in replaced[:4]]
            + [f"'{n}' ({now[n][1]}) was added" for n in added[:4]]
            + [f"'{n}' ({before[n][1]}) was removed" for n in removed[:4]])
    more = len(replaced) + len(added) + len(removed) - len(said)
    what = "; ".join(said) + (f"; and {more} more" if more > 0 else "")
    when = (f"after training step {last:,} (the last sampled one) and before step {step:,}" if last is not None
            else f"before step {step:,}")
    return (f"the model's modules changed {when}: {what}. The monitor watches the modules a model holds when it is "
            f"made, so it began reading the model anew at step {step:,}, as a new run (in the log, the run before "
            "ends there): its dead-unit window, loss history and held-out losses start again, and the report before "
            "the change is the log's previous run")
