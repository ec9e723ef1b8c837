"""The hooks of a sampled step: attached at its start, taken off at its end.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import torch

from ._monitor_base import RELEARN_EVERY
from ._monitor_flow import _Flow
from ._monitor_functions import _FunctionWatch
from ._monitor_places import _Layer, _outside_graph, _weight_sources
from ._monitor_report import _dynamo_compiled
from ._monitor_words import _label
from .torch_recipes import record_for

_nn_module = torch.nn.modules.module  # its global hook tables (register_module_forward_hook)

# the id of the backward running on this thread, -1 outside one. A module's forward that runs inside backward is a
# forward recomputed by activation checkpointing (torch.utils.checkpoint), never a forward of the step of its own
_graph_task = getattr(torch._C, "_current_graph_task_id", lambda: -1)


def _relu_forward(module: torch.nn.ReLU, post):
    """nn.ReLU's own forward (F.relu(input, inplace=module.inplace)) followed by the monitor's post-hook for it, set
    as the module's forward on a sampled step (_attach) and taken away as the step ends. Module calls a module with
    no hook straight through its forward; one with a hook goes through its hook dispatch, which cost a sampled step
    some 7 us a ReLU alone (6.7 us against 0 here for nn.ReLU on a 128 x 256 batch) and more among the model's own
    calls. The hook sees what it saw as a hook: the module, its input and its output."""
    relu = torch.nn.functional.relu

    def forward(input):
        output = relu(input, inplace=module.inplace)
        post(module, (input,), output)
        return output
    return forward


# a packed sequence whose padding is this share of its padded positions or more is noted (_packed_hook)
PACKED_PADDING = 0.05


def _first_grad_tensor(output, depth: int = 0, vector: bool = False) -> torch.Tensor | None:
    """The first tensor that needs a gradient in a model's output (a tensor, or one inside a tuple, a list or a dict,
    two levels deep at most: a Hugging Face output is a dict); None where there is none. ``vector``: the first of
    floating point with one dimension at least (the outputs a loss is read back from: a recurrent model's (logits,
    state), a Hugging Face output's logits after its 0-d loss)."""
    if isinstance(output, torch.Tensor):
        return output if output.requires_grad and (
            not vector or output.dim() >= 1 and output.is_floating_point()) else None
    if depth >= 2:
        return None
    items = output.values() if isinstance(output, dict) else output if isinstance(output, (tuple, list)) else ()
    for item in items:
        found = _first_grad_tensor(item, depth + 1, vector)
        if found is not None:
            return found
    return None


def _rank(module: torch.nn.Module) -> int:
    """How a forward through ``module`` ranks as the step's training forward: 2 in train mode with gradients, 1 in
    eval mode with gradients, 0 with gradients disabled (backward cannot run through it)."""
    return (2 if module.training else 1) if torch.is_grad_enabled() else 0


def _parts_words(parts: list | tuple, kinds: dict) -> str:
    """The parts a script called by themselves, as the notes name them: "module 'body' (model.body(...))"."""
    said = [f"{_label(p, kinds.get(p, ''))} (model.{p}(...))" if p.isidentifier() else _label(p, kinds.get(p, ''))
            for p in parts]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and then " + said[-1]


class _Hooks:
    """Attaching a sampled step's hooks, and what they do as the forward runs: which places ran, in what order,
    after which weighted module."""

    # set on the first forward of a sampled step: every forward so far ran with gradients disabled (torch.no_grad(),
    # an evaluation batch), so a forward with gradients that follows is read in its place (_forward_started)
    _no_grad_only = False
    _noted_no_grad = False
    # the first weighted module's input pre-hook on a step that reuses the structure, as (its name, the hook): kept
    # across sampled steps (it holds no state of a step)
    _input_hook_made: tuple | None = None
    # the forward the step is read from, ranked: 2 in train mode with gradients, 1 in eval mode with gradients (a
    # validation batch without torch.no_grad()), 0 with gradients disabled; a later forward of a higher rank is read
    # in its place, one of a lower rank is not read (_forward_started, _part_call)
    _read_rank = 2
    _noted_eval = False
    # the model's own forward is running (its pre-hook ran, its hook not yet): a hook that runs outside it is of a
    # part called by itself (model.body(x), model.head(h)), which _part_call weighs
    _in_model = False
    _parts = False  # this step's forward is read from parts of the model called by themselves, not from model(x)
    _parts_called: list | tuple = ()  # the model's top-level modules those parts belong to, in the order they ran
    _part_ignored = False  # the latest part call was not read (eval mode or gradients disabled after a training one)
    _skip_model = False  # the model's forward now running is not read (eval mode after parts' training calls)
    _micro_batch = False  # the model's forward now running is a later micro-batch of the step's (_forward_started)
    _noted_parts = False
    _transformed_step = 0  # the latest step whose forward ran inside a torch.func transform
    _swapped = False  # the weighted modules ran with parameters swapped in (functional_call)
    _noted_swapped = False
    _noted_transformed = False  # the note on a forward inside a torch.func transform, said
    _noted_blind: frozenset = frozenset()  # the modules run several times inside a reentrant checkpoint, noted
    _blind_notes: tuple = ()  # this sampled step's notes on places whose ||dL/da|| is not read (_note_blind)
    _blind: list | tuple = ()  # this step's places whose output needed no gradient, as a forward with one ran
    _parts_seen = False  # a sampled step was driven through the model's parts (_hook_parts)

    def _attach(self) -> list:
        self._weight_norms = self._weights_read = None
        self._loss_held = self._loss_node = self._spread_held = None  # (an earlier step's, where that step was not
        # collected)
        self._grad_marks = None  # taken when the model's forward begins (_forward_started)
        self._weight_read_queued = False
        self._after_backward = None  # what the step's latest backward left in .grad (_zeroed_between_backwards)
        self._micro_read = False  # the backward now running is a later micro-batch's (_micro_backward)
        self._grad_watched = False
        # the structure (which weighted module each place follows, in what order) is learned with a pre-hook on every
        # weighted module; once known, and with no activation functions to watch, later sampled steps reuse it and
        # attach no such hook (nine hooks cost about 0.4 ms a step on the benchmark's MLP). A step whose places run
        # in another sequence, and every RELEARN_EVERY-th sampled step, learn it again.
        self._reuse = (self._functional is False and self._known is not None
                       and self._since_learned < RELEARN_EVERY)
        # the function watch: on every sampled step where functions were found; where none was, only on a step that
        # learns the structure, which also watches the gaps where no activation ran (_choose_windows)
        self._watching = self._functional is not False or (not self._reuse and bool(self._windows))
        self._forget_forward()
        # the first step that learns the structure reads, from the autograd graph, which weighted module's output feeds
        # which (the note on where an activation may hide, _note_hidden)
        if self._unmatched and not self._reuse:  # (the weights computed as they run: made from their sources)
            sources = {n: _weight_sources(m) for n, m in self._weighted}
            made = {id(p): n for n, found in sources.items() for p in found}
            self._flow = _Flow({k: n for k, n in self._weight_ids.items() if not sources.get(n)}, made)
        else:
            self._flow = None
        self._fed = []
        # the hooks go straight into each module's hook tables under keys of this monitor's own, and come out of them
        # at the end of the step: register_forward_hook() and its handle's remove() cost some 3 us a hook (a quarter
        # of a 128 x 256 ReLU's whole measurement), for bookkeeping (keyword hooks, always-called hooks) these hooks
        # do not use; Module calls them from the same tables in the same order
        keys = self._hook_keys
        # first in the model's table: counts the model's forwards, so that a second one in the step (gradient
        # accumulation's micro-batches) is not read as new layers ('1#2', '1#3', ...)
        self._forwards, self._skip = 0, False
        self._in_model = self._parts = self._part_ignored = self._skip_model = self._micro_batch = False
        self._read_rank, self._parts_called = 2, []
        self.model._forward_pre_hooks[keys[5]] = self._started_hook
        self.model._forward_hooks[keys[7]] = self._ended_hook
        attached = [(self.model._forward_pre_hooks, keys[5]), (self.model._forward_hooks, keys[7])]
        self._attached = attached  # (a step driven through the model's parts adds their hooks: _part_call)
        if self._parts_seen:  # (from a step's start, so that the first part's first call is held too)
            self._hook_parts()
        if not self._reuse:
            for m, hook in self._weight_pre_hooks:
                m._forward_pre_hooks[keys[0]] = hook
                attached.append((m._forward_pre_hooks, keys[0]))
        elif self._weight_order:  # the first weighted module alone: do the inputs tell the samples apart
            first = min(self._weight_order, key=self._weight_order.get)
            module = self._weighted_by_name.get(first)
            if module is not None:
                # (made once per module: torch.compiler.disable's wrapper, made with it, cost some 18 us a step)
                made = self._input_hook_made
                if made is None or made[0] != first:
                    made = self._input_hook_made = (first, self._input_hook(first))
                module._forward_pre_hooks[keys[0]] = made[1]
                attached.append((module._forward_pre_hooks, keys[0]))
        if self._flow is not None:  # where each softmax module runs: inside the model, or on its output
            for name, module in self._softmaxes:
                module._forward_hooks[keys[6]] = self._softmax_hook(name)
                attached.append((module._forward_hooks, keys[6]))
        if not self._reuse and not self._packed_noted:  # a recurrent module given a packed sequence: its padding
            for name, module in self._recurrent:
                module._forward_pre_hooks[keys[6]] = self._packed_hook(name)
                attached.append((module._forward_pre_hooks, keys[6]))
        functional = self._watching
        # nn.ReLU's post-hook called from inside its forward (_relu_forward) where nothing else would hook the call:
        # no function watched, no global module hook, and no frame compiled by torch.compile in this process, before
        # the monitor or since (Dynamo guards on a module's forward, not on its hooks: code compiled without the
        # monitor's hooks would be compiled again on every change between sampled and unsampled steps)
        relu_forwards = {} if functional or self._compiled or self._compiles_seen or _nn_module._global_forward_hooks \
            or _nn_module._global_forward_pre_hooks or _dynamo_compiled() else self._relu_forwards
        for module, layer, pre, post in self._module_hooks:
            # a pre-hook only where f' needs the input, or to tell a module's own F.relu from a functional one
            if functional or not layer.from_output:
                module._forward_pre_hooks[keys[1]] = pre
                attached.append((module._forward_pre_hooks, keys[1]))
            forward = relu_forwards.get(id(module))
            if forward is not None and not module._forward_hooks and not module._forward_pre_hooks \
                    and "forward" not in module.__dict__:  # (the script's own hooks or forward: they keep their order)
                module.__dict__["forward"] = forward
                attached.append((module.__dict__, "forward"))
                continue
            module._forward_hooks[keys[2]] = post
            attached.append((module._forward_hooks, keys[2]))
        if functional and (self._functional is None or None in self._windows):
            self.model._forward_pre_hooks[keys[3]] = self._enter_hook
            attached.append((self.model._forward_pre_hooks, keys[3]))
        if functional:
            self.model._forward_hooks[keys[4]] = self._leave_hook
            attached.append((self.model._forward_hooks, keys[4]))
        return attached

    def _forget_forward(self) -> None:
        """What a forward of the step has measured so far, and the order it ran in, cleared: as a sampled step
        begins, and when a forward with gradients follows forwards without (_forward_started)."""
        self._order = 0
        self._seq = []
        self._held, self._held_bytes = [], 0
        self._first_input = None
        if not self._reuse:
            self._weight_order = {}
            self._last_weighted = None
        self._calls = {}
        self._open = {}
        self._inside = 0
        self._blind = []
        self._blind_notes = ()
        for layer in self._layers:
            layer.ran = layer.blind = False
            layer.dsum = layer.nz = layer.asum = layer.ssum = layer.sumsq = layer.grad_sq = layer.dist = None
            layer.sumsq_host = layer.grad_sq_host = None
            layer.centered = False
            layer.kept, layer.input_version = None, -1
            layer.grad_sum, layer.grad_calls, layer.grad_summed = None, 0, False
        self._summed_backwards = 0

    def _forward_started(self, module, inputs) -> None:
        """The model's forward begins: from its second call in a step on, the hooks watch nothing (the step's
        readings are those of its first forward and the gradients that reach it). A forward that is no training
        forward (gradients disabled, as under torch.no_grad(), which backward cannot run through; or the model in eval
        mode, a validation batch) is read only while no training forward comes: one of a higher rank (_rank) that
        follows it in the step is read instead (W17: a validation batch's ReLU mean 1.79 was read for the training
        batch's 0.402), and one of a lower rank after it is not read and not counted. A step whose only forward is
        such a one is read from that forward. Parts called by themselves before model(x) (_part_call) give way to
        model(x)'s forward, unless it is of a lower rank."""
        if _graph_task() != -1:  # the whole model recomputed by a checkpoint in backward: no forward of the step
            return
        self._in_model = True
        if torch._C._functorch.peek_interpreter_stack() is not None:  # under torch.func's vmap, grad, jacrev: its
            # tensors are wrapped, and the figures' kernels have no batching rules (W93 walkthrough finding 8: an
            # ensemble through stack_module_state, functional_call and vmap raised from the hooks on its first step)
            self._note_transformed()
            self._transformed_step = self.step_count + 1
            self._skip = self._skip_model = True
            self._leave_mode()
            return
        rank = _rank(module)
        if self._parts:  # parts of the model ran by themselves before model(x) in this step
            if rank >= self._read_rank:
                parts, self._parts = self._parts_called, False
                self._read_this_forward(self._read_rank, parts)
                self._read_rank = rank
            else:  # model(x) in eval mode or without gradients after the parts' training calls: not read
                if rank == 1:
                    self._note_eval(after=True)
                self._skip = self._skip_model = True
                self._leave_mode()
            return
        self._forwards += 1
        if self._forwards == 1:  # here, not as the block opens: a zero_grad() in the block before the forward
            self._mark_gradients()  # is not a gradient written
            self._read_rank = rank
            self._no_grad_only = rank == 0
            return
        if rank > self._read_rank:
            dropped, self._read_rank = self._read_rank, rank
            self._read_this_forward(dropped)
            return
        if rank < self._read_rank:  # an evaluation batch after the training forward: not read, and not counted
            self._forwards -= 1  # among the forwards that the note on accumulation's micro-batches counts
            if rank == 1:
                self._note_eval(after=True)
        else:  # a micro-batch of the same kind: its backward adds to the weights' gradients (_forward_ended)
            self._micro_batch = True
        if not self._skip:
            self._skip = True
            self._leave_mode()

    def _forward_ended(self, module, inputs, output) -> None:
        if _graph_task() != -1:
            return
        self._in_model = False
        if self._forwards == 1 and not self._skip and self._read_rank:  # the training forward's output: the
            # loss read back from it and its gradient (_monitor_lossread); from the first such tensor of a tuple or a
            # dict (W89 walkthrough finding 2: a recurrent cell's (logits, state) was never read, and a loss divided
            # by 4 micro-batches read '75% below chance' from the first step, and 'healthy' where it was 13% below)
            self._hold_output(_first_grad_tensor(output, vector=True))
        if self._micro_batch:  # the weights' gradients are read again when its backward ends: what the optimiser
            # steps with is their sum over the micro-batches (W37 walkthrough: with 4 micro-batches a step, |dL/dW|
            # read 0.0481, the first micro-batch's, where the accumulated gradient was 0.0915)
            self._micro_batch = False
            out = _first_grad_tensor(output)
            if out is not None:
                out.register_hook(self._micro_backward)
        if self._skip_model:  # (parts called after it are weighed again)
            self._skip = self._skip_model = False

    def _micro_backward(self, grad) -> None:
        """A later micro-batch's backward reached the model's output: the weights' gradients are read again once it
        ends (the later read wins, _read_weights), and compared with what the backward before left in .grad
        (_zeroed_between_backwards)."""
        self._micro_read = True
        self._read_weights_when_backward_ends()

    def _part_call(self, module) -> bool:
        """A hook ran outside the model's own forward: a part of the model called by itself (model.body(x),
        model.head(h)). The first such call, before any forward of the model, begins the step's forward as the
        model's pre-hook would: the weights' gradients are marked there, so that gradients left from earlier steps,
        and those backward never writes, are told apart as for model(x). A call of a higher rank (_rank) than the
        forward read so far is read in its place, and one of a lower rank (an evaluation batch through the parts after
        the training calls, or after model(x)) is not read. Returns whether this call is left unread."""
        rank = _rank(module)
        top = self._tops.get(id(module), "")
        if self._forwards == 0:
            self._forwards, self._parts, self._read_rank, self._parts_called = 1, True, rank, [top]
            self._hook_parts()
            self._mark_gradients()
            self._no_grad_only = rank == 0
            if self._watching and (self._functional is None or None in self._windows):
                self._enter_mode(module, ())
            ignored = False
        elif rank > self._read_rank:
            dropped, self._read_rank = self._read_rank, rank
            self._read_this_forward(dropped)
            self._parts, self._parts_called = True, [top]
            ignored = False
        else:
            ignored = rank < self._read_rank
            if ignored and rank == 1:
                self._note_eval(after=True)
            elif not ignored and self._parts and top not in self._parts_called:
                self._parts_called.append(top)
        self._part_ignored = ignored
        return ignored

    def _hook_parts(self) -> None:
        """A step driven through the model's parts: a hook at the end of each top-level module's forward, for the
        rest of the step, holds the output of the latest part to run as the model's (_part_ended). A part already
        running as this is called (the one whose module called _part_call) took Module's path without hooks: its
        call is not held, the later ones are."""
        self._parts_seen = True
        key, attached = self._hook_keys[7], self._attached
        for child in self._children:
            if key not in child._forward_hooks:
                child._forward_hooks[key] = self._part_ended_hook
                attached.append((child._forward_hooks, key))

    def _part_ended(self, module, inputs, output) -> None:
        """A top-level module of the model ended a forward called by the script itself, in a step driven through the
        parts: its output is held as the model's output would be (_hold_output), the latest such call's winning, and
        the loss is read back from it; each part's first output in the step gives that part's spread (W96
        walkthrough finding 2: SimSiam through model['enc'] and model['pred'] read 'healthy' after its outputs
        collapsed, no output having been held)."""
        if _graph_task() != -1 or self._in_model or not self._parts or self._skip or self._part_ignored:
            return
        self._hold_output(_first_grad_tensor(output, vector=True), self._tops.get(id(module), "?"))

    def _read_this_forward(self, dropped: int, parts: list | tuple = ()) -> None:
        """A forward of a higher rank after those read so far (of rank ``dropped``; or ``parts`` called by
        themselves before model(x)): what those measured is dropped, and the step is read from this one, as if it
        were the step's first."""
        skipped = self._forwards - (0 if parts else 1)
        self._leave_mode()
        self._forget_forward()
        self._skip, self._no_grad_only, self._forwards = False, False, 1
        self._mark_gradients()
        if parts:
            if not self._noted_parts:
                self._noted_parts = True
                self.notes.append(
                    f"on step {self.step_count + 1} the script called {_parts_words(parts, self._kinds_top)} by "
                    f"{'itself' if len(parts) == 1 else 'themselves'} before model(x): the readings are of model(x)'s "
                    "forward, and what those earlier calls measured is left out (said once, for the first such step)")
        elif dropped == 1:
            self._note_eval(after=False)
        elif not self._noted_no_grad:
            self._noted_no_grad = True
            runs = "a forward" if skipped == 1 else f"{skipped} forwards"
            self.notes.append(
                f"on step {self.step_count + 1} the model ran {runs} with gradients disabled (torch.no_grad(), as for "
                "an evaluation batch) before the forward with gradients: backward cannot run through such a forward, "
                "so the readings leave it out and read the forward with gradients (said once, for the first such "
                "step)")

    def _note_transformed(self) -> None:
        """Said once: the model ran inside a torch.func transform, where nothing is read."""
        if self._noted_transformed:
            return
        self._noted_transformed = True
        self.notes.append("the model ran inside a torch.func transform (vmap, grad, jacrev: an ensemble stacked with "
                          "stack_module_state and run through functional_call under vmap): nothing is read there, "
                          "so a step whose forward ran only so has no activation or gradient figures. To watch one "
                          "member, run it as a module of its own in a diagnostic run")

    def _note_eval(self, after: bool) -> None:
        """Said once: a forward in eval mode with gradients enabled ran in the step beside the train-mode one, and
        is not what the readings are of."""
        if self._noted_eval:
            return
        self._noted_eval = True
        when = "after" if after else "before"
        self.notes.append(
            f"on step {self.step_count + 1} the model ran in eval mode (model.eval(), as for a validation batch) with "
            f"gradients enabled, {when} its train-mode forward: that eval-mode forward is not read, nor counted "
            "among the step's forwards; the readings are the train-mode forward's (said once; under torch.no_grad() "
            "it would keep no graph)")

    def _note_parts(self) -> None:
        """Said once, as a step read from parts called by themselves ends: the model itself was not called."""
        if not self._parts or self._noted_parts:
            return
        self._noted_parts = True
        parts = self._parts_called
        self.notes.append(
            f"on step {self.step_count + 1} the model itself was not called: the script called "
            f"{_parts_words(parts, self._kinds_top)}, so the step's forward is read from those calls, from the first "
            "call of a watched module on (the weights' gradients are marked there, as for model(x)); modules the "
            "script did not call get no reading (said once)")

    def _enter_mode(self, module, inputs) -> None:
        if self._skip or _graph_task() != -1:
            return
        if self._mode is None:
            self._mode = _FunctionWatch(self)
            self._mode.__enter__()

    def _leave_mode_hook(self, module, inputs, output) -> None:
        if _graph_task() == -1:  # (not the end of a forward recomputed in backward)
            self._leave_mode()

    def _leave_mode(self) -> None:
        if self._mode is not None:
            mode, self._mode = self._mode, None
            mode.__exit__(None, None, None)

    def _input_hook(self, name: str):
        def hook(module, inputs):
            if self._first_input is None and not self._skip and _graph_task() == -1:
                self._read_input(name, module, inputs)
        return _outside_graph(hook)

    def _weight_pre_hook(self, name: str):
        def hook(module, inputs):
            if self._skip or _graph_task() != -1:  # (a forward recomputed in backward: no place of this step)
                return
            if not self._in_model and self._part_call(module):
                return
            self._weight_order[name] = self._order
            self._order += 1
            self._last_weighted = name
            w = module._parameters.get("weight")
            if w is not None:  # its parameters swapped for others as it runs (torch.func.functional_call: those get
                # the .grad), as the latest step that learned the structure found them (this hook runs on those)
                self._swapped = id(w) not in self._weight_ids
                if self._swapped and not self._noted_swapped:
                    self._noted_swapped = True
                    self.notes.append(
                        "the weighted modules ran with parameters other than their own (torch.func.functional_call, "
                        "or module.weight set anew as the model runs): |dL/dW| and the weights' changes are read from "
                        "the tensors they ran with, as the step's forward began, which is what an optimiser given "
                        "those tensors steps")
            if self._first_input is None:  # the forward's first weighted module: do its inputs differ (_monitor_inputs)
                self._read_input(name, module, inputs)
            if self._flow is not None and inputs:
                fed_by = self._flow.producer(inputs[0])
                if fed_by is not None and fed_by != name:
                    self._fed.append((fed_by, name))
                self._read_series(name, inputs[0])
            # after the first sampled step (which watches the whole forward): a window for the functions found
            # after this module (or, on a step that learns the structure, a gap where none ran) opens, any other closes
            if self._watching and self._functional is not None:
                if name in self._windows:
                    self._enter_mode(module, inputs)
                else:
                    self._leave_mode()
        return _outside_graph(hook)

    def _read_series(self, name: str, z) -> None:
        """On the step that reads the data flow: which weighted modules run since the last watched place feed this
        one's input z (through anything, a residual sum or a norm too), kept for the note on modules after the last
        watched activation (_heads: 'blocks.1.out' -> residual -> lnf -> 'head' is no pair of heads, W21 finding 4)."""
        last = self._seq[-1].order if self._seq else -1
        since = {n for n, o in self._weight_order.items() if last < o < self._weight_order[name] and n != name}
        if not since:
            return
        found = self._flow.upstream(z, since)
        if found is not None:
            self._series_read[name] = (frozenset(since), frozenset(found))

    def _packed_hook(self, name: str):
        """A pre-hook on a recurrent module that notes, once, a packed sequence given to it with a share of padding:
        the layers after pad_packed_sequence see the padded positions too, and count them in their figures (W89
        walkthrough finding 5: padding 43% of the points, a ReLU layer after the GRU read a mean of 0.0753 and 15
        dead units over all positions, 0.0987 and 16 over the sequences' own, and nothing said so)."""
        def hook(module, args):
            packed = args[0] if args else None
            if self._packed_noted or not isinstance(packed, torch.nn.utils.rnn.PackedSequence):
                return
            sizes = packed.batch_sizes
            steps, batch = len(sizes), int(sizes[0]) if len(sizes) else 0
            share = 1 - int(sizes.sum()) / (steps * batch) if steps and batch else 0.0
            if share < PACKED_PADDING:
                return
            self._packed_noted = True
            self.notes.append(f"'{name}' ({type(module).__name__}) takes a packed sequence: on training step "
                              f"{self.step_count + 1:,}, {int(sizes.sum()):,} of the {steps:,} x {batch:,} positions "
                              f"it pads back to were the sequences' own, so {share:.0%} of them are padding (more "
                              "where total_length pads further). Layers after pad_packed_sequence see those positions "
                              "too, filled with its padding_value, and count them in their figures (mean, std, dead, "
                              "saturated and dormant units): a layer's figures mix the sequences with their padding")
        return _outside_graph(hook)

    def _softmax_hook(self, name: str):
        def hook(module, inputs, output):
            if self._flow is not None and not self._skip:
                self._flow.softmax_at.append((name, self._order))
        return _outside_graph(hook)

    def _place(self, base: _Layer) -> _Layer:
        """The place of this call of an activation module: its first call is the module's own; later calls in the
        same forward are places of their own (a shared nn.ReLU() after three Linears is three layers)."""
        k = self._calls.get(base.module, 0)
        self._calls[base.module] = k + 1
        if k == 0:
            return base
        key = (base.name, k)
        layer = self._calls_of.get(key)
        if layer is None:
            name = f"{base.name}#{k + 1}"
            layer = _Layer(name, _label(base.name, type(base.module).__name__, k + 1), base.module, base.record)
            self._calls_of[key] = layer
            self._layers.append(layer)
            self._note_repeated(base, k + 1)
        return layer

    def _note_repeated(self, base: _Layer, calls: int) -> None:
        """Says that a module ran several times in one forward and how each call is read: one note for every such
        module, each kept up to the most calls seen (W97 walkthrough finding 5: an encoder, a projector and a
        predictor on two views gave four notes of some 80 words each, alike but for the module's name)."""
        def later(name: str, calls: int) -> str:  # (a long loop's as a range: W97 walkthrough finding 5)
            return ", ".join(f"'{name}#{i}'" for i in range(2, calls + 1)) if calls <= 4 else \
                f"'{name}#2' to '{name}#{calls}'"

        self._repeat_notes[base.name] = (base.label, max(calls, self._repeat_notes.get(base.name, ("", 0))[1]))
        (name, (label, most)), *others = self._repeat_notes.items()
        # M21 item 2: not 'as in a siamese network' for one nn.ReLU() reused after three layers; the note does not
        # tell the two uses apart, so it names both
        note = (f"{label} ran {most} times in one forward (one activation module called at several places: "
                f"reused after several layers, or inside a block applied to several inputs): each call is read as a "
                f"place of its own, over its own input and the gradient "
                f"that reaches its own output: '{name}' is the first call, {later(name, most)} the later ones")
        if others:
            note += "; so did " + ", ".join(f"{label} ({most} times: {later(name, most)})"
                                            for name, (label, most) in others[:8])
            note += f" and {len(others) - 8} more" if len(others) > 8 else ""
        note += ("; where calls follow the same weight (one encoder on two views, a recurrent cell), the reading's "
                 "counts take each unit once, dead or saturated where it is so at every call")
        if self._repeat_note_at is None:
            self._repeat_note_at = len(self.notes)
            self.notes.append(note)
        else:
            self.notes[self._repeat_note_at] = note

    def _claim(self, layer: _Layer) -> None:
        self._seq.append(layer)
        if self._reuse:
            if layer.order < 0:  # a place first seen now: placed after the one before it (this step only; the
                # changed sequence makes the next sampled step learn the structure again)
                prev = self._seq[-2] if len(self._seq) > 1 else None
                layer.order = prev.order + 0.5 if prev is not None else -0.5
                layer.weight_module = prev.weight_module if prev is not None else None
                layer.feeds = self._feeds.get(layer.weight_module)
            return  # otherwise its order and weighted module are those learned
        layer.order = self._order
        self._order += 1
        layer.weight_module = self._last_weighted
        layer.feeds = self._feeds.get(layer.weight_module)

    def _pre_hook(self, base: _Layer):
        def hook(module, inputs):
            if self._skip or _graph_task() != -1:
                return
            if not self._in_model and self._part_call(module):
                return
            layer = self._place(base)
            self._open.setdefault(id(module), []).append(layer)
            self._inside += 1
            self._claim(layer)
            z = inputs[0] if inputs else None
            if not torch.is_tensor(z) or not torch.is_floating_point(z):
                return
            if not layer.from_output:
                if layer.derive_early or getattr(module, "inplace", False):
                    self._measure_derivative(layer, z.detach())
                else:  # after the forward, from the same input (see _post_hook)
                    layer.input_version = z._version
        return _outside_graph(hook)

    def _post_hook(self, base: _Layer):
        relu = base.binary_deriv and base.from_output  # nn.ReLU: its commonest step has a path of its own

        def hook(module, inputs, output):
            if self._skip:
                return
            if _graph_task() != -1:
                self._recomputed(base, module, output)
                return
            if not self._in_model and self._part_call(module):
                return
            if relu and self._reuse and base.defer_ok and not self._watching and self._relu_fast(base, output):
                return
            opened = self._open.get(id(module))
            if opened:
                layer = opened.pop()
                if layer.input_version >= 0:  # (still inside: derivative() may call the module's own F.elu)
                    # f' from the input the forward just read, rather than before the forward: z is still in the
                    # cache then, and the module's own pass over z did not follow one that pushed it out (on the
                    # benchmark's transformer the forward cost 2.2 ms more with f' taken before it). A module that
                    # wrote into its input without an inplace attribute is found by z's version, and its f' is
                    # taken before the forward from the next sampled step on
                    z, version, layer.input_version = inputs[0], layer.input_version, -1
                    if z._version == version:
                        self._measure_derivative(layer, z.detach(), hold=True)
                    else:
                        layer.derive_early = True
                self._inside -= 1
            else:
                layer = self._place(base)
                if torch.is_tensor(output) and torch.is_floating_point(output):
                    self._claim(layer)
            self._measure_output(layer, output)
            if torch.is_tensor(output) and not output.requires_grad:  # a recompute may give its gradient
                # gradients enabled here: nothing before the place needs one (frozen weights), not no_grad()
                layer.blind = "frozen" if torch.is_grad_enabled() else True
                self._blind.append(layer)
        return _outside_graph(hook)

    def _recomputed(self, base: _Layer, module, output) -> None:
        """An activation module's forward run again in backward by activation checkpointing. Its figures are those
        of the step's forward, so nothing is measured again (W17: the recompute was read as a second forward: the
        first block's weight taken for the output layer, a ReLU said to run twice, and the function mode popped from
        an empty stack). checkpoint(use_reentrant=True) runs the first forward with gradients disabled, so only here
        does the output have a gradient: ||dL/da|| is read from it. A module called more than once in the forward
        cannot be matched to its calls here (the blocks are recomputed in reverse), and its gradient is noted as
        not read."""
        calls = self._calls.get(module, 0)
        places = [base, *(self._calls_of.get((base.name, k)) for k in range(1, calls))]
        if not any(p is not None and p.blind for p in places):
            return
        if not torch.is_tensor(output) or not output.requires_grad:  # (a checkpoint nested in this one, run with
            return  # gradients disabled: its own recompute follows)
        if calls != 1:
            for p in places:
                if p is not None:
                    p.blind = False  # said here, not again by _note_blind
            if base.name not in self._noted_blind:
                self._noted_blind = self._noted_blind | {base.name}
                self.notes.append(
                    f"{base.label} runs inside torch.utils.checkpoint(use_reentrant=True) and more than once in one "
                    "forward: its outputs get their gradient only when backward recomputes them, and those recomputed "
                    "calls cannot be told apart, so ||dL/da|| is not read for it (use_reentrant=False keeps it)")
            return
        base.blind = False
        self._read_weights_when_backward_ends()  # queued on this backward, not on the checkpoint's own inner one
        self._watch_gradient(base, output)

    def _note_blind(self) -> None:
        """As a sampled step ends: the places whose output needed no gradient although the forward ran with gradients,
        and that no recompute gave a gradient to (_recomputed): their ||dL/da|| reads '-'. Said in this step's notes
        (_blind_notes), not kept: a backbone unfrozen later reads its gradients, and the note goes (W21 finding 2:
        kept in self.notes, it stayed on every step after). The cause is told apart as the hook saw it: gradients
        disabled around the place (torch.no_grad(), or checkpoint(use_reentrant=True), whose forward runs with them
        disabled), or enabled with nothing before the place needing one (every weight before it frozen, the input
        needing none). A step whose only forward ran without gradients says so in its reading instead."""
        if self._no_grad_only:
            return
        places = [l for l in self._blind if l.blind and l.ran]
        if not places:
            return
        notes = []
        frozen = [l for l in places if l.blind == "frozen"]
        if frozen:
            # whether every weighted module run before the last of them has a frozen weight, or something else (a
            # .detach(), an input made under no_grad) cut the graph
            last = max(l.order for l in frozen)
            modules = dict(self._weighted)
            before = [modules[n] for n, o in self._weight_order.items() if o < last and n in modules]
            weights = [getattr(m, "weight", None) for m in before]
            all_frozen = bool(before) and all(w is not None and not w.requires_grad for w in weights)
            why = ("every weight before them has requires_grad=False, and the model's input needs none" if all_frozen
                   else "what they were computed from was detached, or made from frozen weights and inputs only")
            names = ", ".join(repr(l.name) for l in frozen)
            notes.append(
                f"{names}: computed with gradients enabled, but from nothing that needs a gradient ({why}), so "
                f"backward does not reach {'it' if len(frozen) == 1 else 'them'} on this step: no ||dL/da|| is read"
                + (" (by design for a frozen backbone; once a weight before them trains, it is read)" if all_frozen
                   else ""))
        disabled = [l for l in places if l.blind != "frozen"]
        functions = ", ".join(repr(l.name) for l in disabled if l.functional)
        modules = ", ".join(repr(l.name) for l in disabled if not l.functional)
        if functions:
            notes.append(
                f"{functions}: made with gradients disabled inside a forward run with them (under torch.no_grad(), "
                "or inside torch.utils.checkpoint(use_reentrant=True), which gives gradients only to the forward it "
                "runs again in backward, where activations applied as functions are not watched): no ||dL/da|| is "
                "read for them (use_reentrant=False, or the activation as a module such as nn.GELU(), keeps it)")
        if modules:
            notes.append(
                f"{modules}: made with gradients disabled inside a forward run with them (under torch.no_grad(), or "
                "inside torch.utils.checkpoint(use_reentrant=True) where no input of the checkpointed block needs a "
                "gradient, so that torch gives the block none), and no gradient reached them: no ||dL/da|| is read")
        self._blind_notes = tuple(notes)

    def _functional_call(self, spec, func, args, kwargs):
        if self._skip or _graph_task() != -1 or (self._part_ignored and not self._in_model):
            return func(*args, **kwargs)
        name, make = spec
        after = self._last_weighted
        k = self._calls.get((after, name), 0)
        self._calls[(after, name)] = k + 1
        key = (after, name, k)
        layer = self._calls_of.get(key)
        if layer is None:
            module = make(args, kwargs)
            record = record_for(module)
            if record is None:
                return func(*args, **kwargs)
            site = f"{after or 'input'}:{record.name}" + (f"#{k + 1}" if k else "")
            where = f"the output of {_label(after, self._kinds.get(after, ''))}" if after else "the model's input"
            layer = _Layer(site, f"{record.name} applied as a function to {where}", module, record, functional=True)
            self._calls_of[key] = layer
            self._layers.append(layer)
        self._claim(layer)
        z = args[0]
        if not layer.from_output:
            self._measure_derivative(layer, z.detach())
        out = func(*args, **kwargs)
        self._measure_output(layer, out)
        if torch.is_tensor(out) and not out.requires_grad:
            layer.blind = "frozen" if torch.is_grad_enabled() else True
            self._blind.append(layer)
        return out
