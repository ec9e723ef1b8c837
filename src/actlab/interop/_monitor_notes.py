"""The PyTorch monitor's notes: what it cannot see in the model (activations applied as functions by transformer
blocks, fused recurrent kernels, activation modules actlab has no record for, places where an activation may be
hidden), PyTorch's inference fast path, and the steps whose block raised.

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits it, and
its methods read and write the Monitor's own attributes."""

from __future__ import annotations

import torch
from torch import nn

from ._monitor_base import _exception_words, held_directly
from ._monitor_places import _held_weight, _weight_sources
from ._monitor_words import (
    STEP_ERROR_HEADS,
    _group_names,
    _is_affine,
    _natural_key,
    _opaque_words,
    _step_error_words,
)
from .torch_recipes import record_for

EVAL_RUN = 3  # sampled steps in a row trained from an eval-mode forward before the note says so


def _differs_in_eval(m: nn.Module) -> bool:
    """Whether ``m`` computes otherwise in eval mode than in train mode, as far as its class and settings tell: a batch
    or instance normalisation that tracks running statistics, a dropout of p above 0, an attention module with
    dropout (a transformer layer holds its dropouts as modules of their own)."""
    if isinstance(m, nn.modules.batchnorm._BatchNorm) or isinstance(m, nn.modules.instancenorm._InstanceNorm):
        return bool(m.track_running_stats)
    if isinstance(m, nn.modules.dropout._DropoutNd):
        return m.p > 0
    if isinstance(m, nn.MultiheadAttention):
        return m.dropout > 0
    return False


_SOFTMAX_MODULES = ("Softmax", "LogSoftmax", "Softmin", "Softmax2d")  # per row, not per unit: no unknown activation


class _Noting:
    """The notes a report carries beside its layers: said once, or kept up to date in place."""

    def _note_zero_norms(self) -> None:
        """A note where norm modules begin with their weight (gamma) all 0, as a zero-initialised residual branch
        does: the weights before them get no gradient until it moves, and little while it is small, by design (W90
        walkthrough finding 4: a ResNet's 'blocks.0.c2.weight' read 'no gradient reaches' at step 1 and 'vanishing'
        at steps 2 and 3 beside a headline 'gradients reach every layer', with no word of why)."""
        norms, last = [], None  # (name, the weighted module registered before it, whether any weight is not 0)
        for name, module in self.model.named_modules():
            weight = getattr(module, "weight", None)
            if not isinstance(weight, torch.Tensor) or nn.parameter.is_lazy(weight) or not weight.numel():
                continue  # (a lazy module's weight has no values before its first forward)
            if "Norm" in type(module).__name__ and weight.dim() == 1:
                with torch.no_grad():
                    norms.append((name, last, weight.any()))
            elif weight.dim() >= 2:
                last = name
        # one transfer per device, not one per norm module (a GPU model of hundreds of norms, at start-up)
        nonzero: dict[int, bool] = {}
        for device in {any_.device for _, _, any_ in norms}:
            held = [(k, any_) for k, (_, _, any_) in enumerate(norms) if any_.device == device]
            nonzero.update(zip((k for k, _ in held), torch.stack([a for _, a in held]).tolist(), strict=True))
        zero = [f"'{name}'" for k, (name, _, _) in enumerate(norms) if not nonzero[k]]
        before = [f"'{last}.weight'" for k, (_, last, _) in enumerate(norms) if not nonzero[k] and last is not None]
        if not zero:
            return
        shown = ", ".join(zero[:4]) + (" ..." if len(zero) > 4 else "")
        fed = (f" ({', '.join(before[:4])}{' ...' if len(before) > 4 else ''})" if before else "")
        self.notes.append(f"{shown} begin{'s' if len(zero) == 1 else ''} with {'its' if len(zero) == 1 else 'their'} "
                          "weight (gamma) all 0, as a zero-initialised residual branch does: the weights before "
                          f"{'it' if len(zero) == 1 else 'them'}{fed} get no gradient until that weight moves, and "
                          "little while it is small, by design; their rows read so over the first steps")

    def _note_what_cannot_be_seen(self) -> None:
        # one note per kind of thing said, naming every block it is said of (a 12-layer encoder: 'layers.0-11')
        by_function: dict[tuple[str, str], list[str]] = {}
        blocks: dict[str, list[str]] = {}
        for name, module in self.model.named_modules():
            fn = getattr(module, "activation", None)
            if isinstance(module, nn.TransformerEncoderLayer | nn.TransformerDecoderLayer):
                kind = type(module).__name__
                if callable(fn) and not isinstance(fn, nn.Module):
                    by_function.setdefault((getattr(fn, "__name__", str(fn)), kind), []).append(name or "model")
                blocks.setdefault(kind, []).append(name or "model")
        for (fname, kind), names in by_function.items():
            module_kind = {"relu": "ReLU", "gelu": "GELU"}.get(fname)
            as_module = f"activation=nn.{module_kind}()" if module_kind else "an activation module"
            self.notes.append(f"{_group_names(names)} ({kind}) appl{'ies' if len(names) == 1 else 'y'} {fname} as "
                              f"a function: it is watched where it is called, on linear1's output ({as_module} "
                              "would make it a module)")
        # the fast-path note is said only of blocks in eval mode, now or on a later sampled step (W12: it was shown
        # while training, when PyTorch takes no fast path anyway)
        self._blocks = [(kind, name or "model", module) for name, module in self.model.named_modules()
                        if isinstance(module, nn.TransformerEncoderLayer | nn.TransformerDecoderLayer)]
        self._note_eval_blocks()
        self._unmatched = len(self._weighted) > 1
        self._softmaxes = [(n, m) for n, m in self.model.named_modules() if type(m).__name__ in _SOFTMAX_MODULES]
        self._note_zero_norms()
        # recurrent modules apply their non-linearities inside a fused kernel: no hook sees them
        self._opaque = [_opaque_words(name, module) for name, module in self.model.named_modules()
                        if isinstance(module, nn.RNNBase | nn.RNNCellBase)]
        self._recurrent = [(name or "model", module) for name, module in self.model.named_modules()
                           if isinstance(module, nn.RNNBase)]
        self._packed_noted = False
        self._not_read = tuple(f"'{name or 'model'}' ({type(module).__name__})"
                               for name, module in self.model.named_modules()
                               if isinstance(module, nn.RNNBase | nn.RNNCellBase))
        for words in self._opaque:
            self.notes.append(f"{words} that the monitor cannot hook: its units are not read (no dead or saturated "
                              "counts there), and its weights' gradients are in no row and no reading (their |dL/dW| "
                              "is in the note on trained matrices that are no module's .weight)")
        # trained matrices that are no module's .weight (nn.MultiheadAttention's in_proj_weight, a hand-made
        # nn.Parameter matrix): no row, figure or reading has their gradient, which the notes say (W50 walkthrough: a
        # transformer layer's note on the weights read named its out_proj and linear1/linear2, never the attention's
        # query, key and value projections)
        weighted = {id(_held_weight(m)) for _, m in self._weighted} | {
            id(p) for _, m in self._weighted for p in _weight_sources(m)}  # (a weight_norm's scale too)
        unread = [(n, p) for n, p in self.model.named_parameters()
                  if p.requires_grad and not nn.parameter.is_lazy(p) and p.dim() >= 2 and id(p) not in weighted]
        self._matrices = unread  # their gradients' norms are read on each sampled step, for a note of their own
        if unread:
            shown = ", ".join(f"'{n}'" for n, _ in unread[:4])
            attention = " (an in_proj_weight holds a MultiheadAttention's query, key and value projections)" \
                if any(n.endswith("in_proj_weight") for n, _ in unread) else ""
            self.notes.append(f"trained matrices that are no module's .weight are on no row: {shown}"
                              f"{f' and {len(unread) - 4} more' if len(unread) > 4 else ''}{attention}; their "
                              "gradients are in no row and no reading, and their |dL/dW| is in a note of each report "
                              "(an nn.Linear holding such a matrix is read)")
        # activation modules of torch's own that actlab has no record for (nn.PReLU, nn.RReLU, ...): they run, unwatched
        self._unknown = [(name, type(module).__name__) for name, module in self.model.named_modules()
                         if type(module).__module__ == "torch.nn.modules.activation" and record_for(module) is None
                         and not list(module.children())
                         and type(module).__name__ not in _SOFTMAX_MODULES]
        if self._unknown:
            names = ", ".join(f"'{n}' ({k})" for n, k in self._unknown[:6]) + (" ..." if len(self._unknown) > 6 else "")
            one = len(self._unknown) == 1  # M21 item 3: 'module 'a' (PReLU), 'b' (RReLU) has no actlab record'
            self.notes.append(f"unknown activations: module{'' if one else 's'} {names} "
                              f"{'has' if one else 'have'} no actlab record, so {'it runs' if one else 'they run'} "
                              "unwatched (no units, dead or saturated counts there); the weights before "
                              f"{'it' if one else 'them'} are still read")

    def _note_eval_blocks(self) -> None:
        """The note on PyTorch's inference fast path, once, naming the transformer blocks that run in eval mode."""
        evaluating = [(kind, name) for kind, name, module in self._blocks if not module.training]
        if not evaluating:
            return
        self._blocks = []  # said once
        by_kind: dict[str, list[str]] = {}
        for kind, name in evaluating:
            by_kind.setdefault(kind, []).append(name)
        for kind, names in by_kind.items():
            self.notes.append(f"{_group_names(names)} ({kind}): in eval mode, while hooks are attached (sampled "
                              "steps only), PyTorch skips the fast path it takes for inference; the outputs are the "
                              "same, and training is not affected")

    def _note_held_in_train_mode(self) -> None:
        """Where the BatchNorm watched (_bn) counted more forwards in train mode since the last sampled block than the
        training blocks since then account for (as many each as that block made), those came outside `with
        mon.step()`: most often the held-out pass, run without model.eval(). A note says so, with the latest step,
        once per run (replaced as it changes)."""
        if self._bn is None or self._bn_block is None:
            return
        step, version, each = self._bn_block
        extra = self._bn[1].num_batches_tracked._version - version - each * (self.step_count - step)
        if each < 1 or extra < 1:  # (no train-mode forward in the block: a model trained in eval mode, its own note)
            return
        name, module = self._bn
        said = (f"the held-out loss given after training step {self.step_count:,} came after {extra:,} "
                f"forward{'s' if extra > 1 else ''} in train mode outside `with mon.step()` since training step "
                f"{step:,} (module '{name}' ({type(module).__name__}) counted {extra:,} "
                f"batch{'es' if extra > 1 else ''} more than the {self.step_count - step:,} training steps since then "
                f"account for, at {each:,} each): if the "
                "held-out pass ran so, BatchNorm normalised each held-out batch by its own statistics, not its running "
                "ones, moved the running statistics toward the held-out data, and any Dropout dropped units, so the "
                "held-out loss is not the model's in eval mode. Call model.eval() before the held-out pass and "
                "model.train() after it")
        if self._bn_note is None:
            self.notes.append(said)
            self._bn_note = len(self.notes) - 1
        else:
            self.notes[self._bn_note] = said

    def _note_trained_in_eval(self) -> None:
        """EVAL_RUN sampled steps in a row read from a forward in eval mode with gradients (no train-mode forward in
        the step), of a model whose modules compute otherwise in eval mode (BatchNorm's running statistics, Dropout):
        a validation pass's model.eval() with no model.train() after it (W62 walkthrough finding 8: every step from 40
        on trained in eval mode, and the reading stayed 'healthy' with no word of it). One note, kept up to date: the
        stretch's first and latest steps, and the step train mode came back, where it did."""
        step = self.step_count + 1
        if self._read_rank != 1 or self._no_grad_only:
            if self._eval_run is not None and self._eval_note is not None and self._read_rank == 2:
                self._say_trained_in_eval(*self._eval_run, back=step)
                self._eval_note = None  # (a later stretch is said in a note of its own)
            self._eval_run = None
            return
        first, count, _ = self._eval_run or (step, 0, step)
        self._eval_run = (first, count + 1, step)
        if count + 1 >= EVAL_RUN:
            self._say_trained_in_eval(*self._eval_run)

    def _trained_in_eval(self) -> tuple[int, int, str] | None:
        """RunSummary.trained_in_eval: the stretch said in the note (_say_trained_in_eval), while it lasts."""
        run = self._eval_run
        if run is None or self._eval_note is None or run[1] < EVAL_RUN:
            return None
        return run[0], run[1], self._eval_names

    def _say_trained_in_eval(self, first: int, count: int, last: int, back: int | None = None) -> None:
        if self._eval_note is None:
            differ = [(n, type(m).__name__) for n, m in self.model.named_modules() if _differs_in_eval(m)]
            if not differ:  # eval mode computes the same as train mode here: nothing to say
                return
            said = [f"'{n}' ({kind})" for n, kind in differ[:4]] + ([f"{len(differ) - 4} more"] if len(differ) > 4
                                                                     else [])
            self._eval_names = said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"
            self.notes.append("")
            self._eval_note = len(self.notes) - 1
        until = (f"up to training step {last:,}, and in train mode again from training step {back:,}" if back else
                 f"up to training step {last:,}, the latest")
        self.notes[self._eval_note] = (
            f"from training step {first:,}, the forwards of {count:,} sampled steps in a row ran in eval mode "
            f"(model.eval()) and backward ran through them, {until}: the model trained as it evaluates, and "
            f"{self._eval_names} compute otherwise in eval mode (BatchNorm normalises with its running statistics and "
            "no longer updates them; Dropout drops nothing). A validation pass that calls model.eval() needs "
            "model.train() after it, before the next training step")

    def _adapter_pair(self, a: str, b: str) -> bool:
        """Whether weighted modules ``a`` -> ``b`` are a low-rank adapter's two factors, linear on purpose: both within
        two levels of a module that also holds a frozen weighted module (the layer they adapt: LoRA's lora_A ->
        lora_B beside its frozen base). W88 walkthrough finding 8: every LoRA run read 'no watched activation runs
        between 0.A -> 0.B ... is not watched'."""
        pa, pb = a.split("."), b.split(".")
        common = 0
        while common < min(len(pa), len(pb)) - 1 and pa[common] == pb[common]:
            common += 1
        if not common or len(pa) - common > 2 or len(pb) - common > 2:
            return False
        holder = ".".join(pa[:common])
        if not (held_directly(self.model, holder, a) and held_directly(self.model, holder, b)):
            return False
        return any(held_directly(self.model, holder, n) and n not in (a, b) and getattr(m, "weight", None) is not None
                   and not _held_weight(m).requires_grad for n, m in self._weighted_by_name.items())

    def _note_hidden(self, seen: list, order: list[str], loss=None) -> None:
        self._note_trained_in_eval()
        self._note_parts()  # (the model itself not called: parts of it were)
        if self._blocks:
            self._note_eval_blocks()
        flow, self._flow = self._flow, None
        if flow is not None and torch.is_tensor(loss):  # the heads the loss is computed from (_output_layer)
            self._loss_heads = flow.loss_heads(loss)
        if self._unmatched and flow is not None and not self._no_grad_only:
            # once, from the first sampled step whose forward ran with gradients: where one weighted module's output
            # reaches the next through no watched activation and no op that mixes it with others (a residual sum, a
            # normalisation, attention's softmax, a gate's product), as the autograd graph shows (W19: the modules'
            # call order, read as one chain, named transformer blocks, attention's q -> k -> v and two heads)
            self._unmatched = False
            # (an embedding's lookup feeding a weighted module hides nothing: a table row fed to a layer is what an
            # input projection is; W63 walkthrough finding 6: 'no watched activation runs between emb -> ih'. Where a
            # module the monitor cannot hook runs in the model, a recurrent one, the pair stays: it may run there)
            bare = [(a, b) for a, b in dict.fromkeys(self._fed)
                    if (self._not_read or not isinstance(self._weighted_by_name.get(a), nn.Embedding))
                    and not self._adapter_pair(a, b)]
            if bare and not _is_affine(self.model):  # a linear model: the reading names the layers (_linear_reading)
                pairs = "; ".join(f"{a} -> {b}" for a, b in bare[:5])
                # a recurrent module the monitor cannot hook may be what runs between them: named first (W38
                # walkthrough: a GRU between 'emb' and 'fc1' read as 'a custom autograd function, a C++ kernel')
                rnn = (f"a recurrent module's fused kernel ({', '.join(self._not_read[:3])}"
                       f"{' ...' if len(self._not_read) > 3 else ''}, noted above), " if self._not_read else "")
                self.notes.append(f"no watched activation runs between {pairs}: the output of the first feeds the "
                                  "second, as the autograd graph shows, and an activation applied there by other "
                                  f"means than a module actlab knows or a torch function ({rnn}an expression "
                                  "written by hand, such as h * (h > 0), torch.where(h > 0, h, 0) or "
                                  "torch.maximum(h, 0), a custom autograd function, a C++ kernel"
                                  + (", or a module named in the note on unknown activations" if self._unknown else "")
                                  + ") is not watched")
            last = max(self._weight_order.values(), default=-1)
            inside = [(n, at) for n, at in flow.softmax_at if at <= last]  # a weighted module ran after it
            # a softmax applied as a function is named by what it acts on, a module by its name; the function an
            # nn.Softmax calls inside its forward is the module's (the same weighted modules ran before both)
            modules = {at for n, at in inside if " applied as a function " not in n}
            softmax = list(dict.fromkeys(n for n, at in inside if " applied as a function " not in n))
            called = list(dict.fromkeys(n for n, at in inside if " applied as a function " in n and at not in modules))
            said = "; ".join(([f"{_group_names(softmax)} (Softmax)"] if softmax else []) + called[:4]
                             + ([f"{len(called) - 4} more softmax calls"] if len(called) > 4 else []))
            if inside:
                self.notes.append(f"{said}: not a watched layer, and no row: a softmax "
                                  "makes each output from every unit of its row (attention's weights sum to 1), so a "
                                  "unit has no dead or saturated state of its own to count; the weighted modules "
                                  "it feeds are read as ever")
        functional = {layer.name for layer, _, _ in seen if layer.functional}
        if not functional <= self._noted_functional:  # places first found on this step join the note
            self._noted_functional |= functional
            names = sorted(self._noted_functional, key=_natural_key)
            note = ("activations applied as functions, watched where they are called: "
                    + ", ".join(names[:8]) + (" ..." if len(names) > 8 else ""))
            if self._functional_note is None:
                self._functional_note = len(self.notes)
                self.notes.append(note)
            else:
                self.notes[self._functional_note] = note
        if not seen and order and not self._noted_none:  # a forward ran (a step with none says so elsewhere)
            self._noted_none = True
            if self._not_read:  # a recurrent module's fused kernel ran them, as its own note says (W73 walkthrough
                # finding 2: 'no activation found ... ran in the model's forward' of an nn.GRU, which had)
                unknown = ", and in the unknown ones named above" if self._unknown else ""
                self.notes.append(f"no watched activation found: the model's activations run inside "
                                  f"{', '.join(self._not_read[:3])}{' ...' if len(self._not_read) > 3 else ''}, as "
                                  f"noted above{unknown}, and no activation module or function actlab knows ran "
                                  "outside it")
            elif self._unknown:  # those did run: the note on unknown activations names them
                self.notes.append("no watched activation found: the only activation modules in the model are the "
                                  "unknown ones named above, and no activation function actlab knows (F.relu, "
                                  "F.gelu, torch.tanh, ...) ran in the model's forward")
            else:
                self.notes.append("no activation found: neither an activation module (nn.ReLU, nn.GELU, ...) nor "
                                  "an activation function (F.relu, F.gelu, torch.tanh, ...) ran in the model's "
                                  "forward")

    def _note_step_error(self, exc: BaseException, fate: str) -> None:
        """A step's block raised (``fate``: "unsampled", or a sampled step whose measurements were "kept" or
        "dropped"): counted, and said in a note kept in self.notes (so the log's next report carries it too); the
        script may catch the exception and go on. Never raises: the script's exception is on its way."""
        try:
            errors = self._step_errors
            if errors is None:
                errors = self._step_errors = {"count": 0, "first": None, "latest": None, "unsampled": 0,
                                              "dropped": 0, "kept": 0, "at": len(self.notes)}
                self.notes.append("")
            record = (self.step_count + 1, _exception_words(exc), fate)
            errors["count"] += 1
            errors[fate] += 1
            errors["first"] = errors["first"] or record
            errors["latest"] = record
            self.notes[errors["at"]] = _step_error_words(errors)
        except Exception:  # noqa: BLE001
            pass

    def _current_notes(self, notes: tuple[str, ...]) -> list[str]:
        """A report's notes with the note on steps that raised brought up to date (a sampled step kept the version
        of its time; steps may have raised since), and how many steps ran after the latest."""
        if self._step_errors is None:
            return list(notes)
        kept = [n for n in notes if not n.startswith(STEP_ERROR_HEADS)]
        return kept + [_step_error_words(self._step_errors, self.step_count)]
