"""Settings the PyTorch monitor shares between its parts, the checks of its arguments, its step handle and its
log's small helpers.

Part of actlab.torch (interop/torch.py holds the Monitor and re-exports the public names)."""

from __future__ import annotations

import atexit
import bisect
import contextlib
import json
import numbers
import os
import sys
from pathlib import Path

import torch
from torch import nn

from ..monitor_log import end_line
from ..reading_loss import LOSS_BATCHES  # noqa: F401  (the monitor's: _monitor_collect and _monitor_report)

# how a remedy says "start again" to a script (the lab's own words say "reset", its button)
TORCH_CLIP = "clip the gradients' norm (torch.nn.utils.clip_grad_norm_ between backward() and opt.step())"


# the weights a script starts again from, said once: the initial ones are fresh only where the run did not load them
# (W86 walkthrough finding 4: a fine-tuning run at too high a rate was told to restart from freshly initialised
# weights, which would throw the pretraining away)
START_WEIGHTS = "the weights the run began with (fresh ones, or the pretrained ones a fine-tuning loads)"


def held_directly(model, holder: str, name: str) -> bool:
    """Whether module ``name`` is a child of module ``holder`` in ``model``, or a child of a container child of it (an
    nn.ModuleDict or nn.ModuleList: peft keeps lora_A['default'] so): an adapter's place beside the layer it adapts,
    not any module further down (a transformer block's attention beside its frozen MLP is no adapter of it)."""
    if not holder or not name.startswith(f"{holder}."):
        return False
    rest = name[len(holder) + 1:].split(".")
    if len(rest) == 1:
        return True
    if len(rest) != 2:
        return False
    try:
        middle = model.get_submodule(f"{holder}.{rest[0]}")
    except AttributeError:
        return False
    return isinstance(middle, torch.nn.ModuleDict | torch.nn.ModuleList)


def torch_restart(checkpoint: str = "saved before the problem began", step: int | None = None) -> str:
    """How a remedy says "start again" to a script, with which checkpoint ('saved before step 101', where the step the
    problem began on is known): an argument, not a phrase replaced inside the words (M21 item 6). ``step``: the
    training step the checkpoint must come before; at the first, the only weights from before it are the fresh ones
    (W67 walkthrough finding 8: 'freshly initialised weights or ... a checkpoint saved before training step 1')."""
    if step is not None and step <= 1:
        return f"restart from {START_WEIGHTS} (the trouble began at the first training step)"
    return f"restart from {START_WEIGHTS} or from a checkpoint {checkpoint}"


TORCH_RESTART = torch_restart()


RELEARN_EVERY = 32  # sampled steps that reuse a learned structure before the next one learns it again


# the output layer's weight gradient on the first this-many sampled steps is what a later one is compared with, and a
# fall under OUTPUT_FALL of their median is said (_Reporting._output_fall)
EARLY_OUTPUT = 5
OUTPUT_FALL = 0.01


MAX_AUTO_EVERY = 50  # every="auto" samples at least this often, whatever the budget


DEFAULT_BUDGET = 0.03  # every="auto"'s share of a step's time when no budget is given


_MIN_AUTO_EVERY = 2  # every="auto" keeps an unsampled step between samples to time them against


# every="auto" chooses the interval that spends this share of the budget by its own timing: the rest is margin for
# what the timing of a sampled step inside the block cannot see or gets wrong (an outside measurement's own noise,
# the step's work outside the block slowed by a sampled step's traffic), so that the amortised overhead measured
# from outside, at the upper end of its interval, still stays within the budget
AUTO_AIM = 0.5


# dead needs evidence: a unit is dead when it was off on every sampled batch of the window, and the window holds at
# least this many (min(window, DEAD_EVIDENCE)); a unit off on the first batch or two is not dead. A layer whose every
# unit has been off on each of at least this many latest sampled batches is dead at once, not a full window later:
# nothing passes back through it, so nothing below it (and none of its own weights) can bring it back
DEAD_EVIDENCE = 5


# a unit that was on in most of its sampled batches and then off on every one of at least DEAD_EVIDENCE latest ones is
# dead before its window turns over, once a silence that long, at the rate it was on before, has a chance under this
# (_Counting._dead): killed units read dead within DEAD_EVIDENCE samples, a unit on in 15% of its batches needs 85
DEAD_ODDS = 1e-6


# a unit off on every point of the window is dead only where the window holds this many points (rows) at least, and one
# that went silent after being on only once its silence holds them: a unit on at 3% of points misses 100 in a row under
# 1 time in 20 (0.97 ** 100 = 0.048). At batch size 1, 36 sampled batches are 36 points, which a unit on at 8% of them
# misses 1 time in 20: W34 finding 5, a unit on at 144 of the first 1,559 training steps read dead for 2,000 steps
DEAD_POINTS = 100


# the first sampled steps after which the next step's end checks whether the weights' .grad was zeroed between the
# two (_Weights._set_probe): gradients accumulated across steps are a loop's habit, seen on its first steps
PROBED_SAMPLES = 3
# learning is judged on the mean loss of this many latest training steps' batches with a loss, sampled or not, not on
# one batch's (one batch's loss wobbles around the 10%-below-chance line, and the status flickered between healthy and
# starting). The sampled steps' losses alone, under every="auto" or every=10, spanned up to 500 steps of a falling loss
# and read 'starting' to the end of a run that had plainly learned (L25); 10 training steps' batches of 8 (a
# batch-to-batch CV of 0.72) could not tell a loss 66% below chance from chance, and after 1,000 updates 187 of 1,000
# sampled steps read 'not learning' (walkthrough W26, finding 1). Fifty hold a few bytes each
JUDGED_STEPS = 50


def _held_loss(loss):
    """An unsampled step's s.loss as the monitor holds it until the next sampled step reads it: a tensor detached
    (its graph not kept alive; no value read, so no synchronisation), a real number as a float; None for what the
    reading cannot use (a string, a bool: the sampled step's own check words those)."""
    if isinstance(loss, torch.Tensor):
        return loss.detach()
    if isinstance(loss, numbers.Real) and not isinstance(loss, bool):
        return float(loss)
    return None


_WARMUP_STEPS = 2  # untimed: first calls allocate and pick kernels
# every="auto" compares a sampled step with the median of the unsampled steps just before it, this many
_BASE_STEPS = 8


_CALIBRATION_PAIRS = 4  # then unsampled and sampled steps alternate, so a slow patch of the machine hits both


EXCEPTION_CHARS = 200  # the end line's "exception" field gives at most this much of the exception's message


def _exception_words(exc: BaseException) -> str:
    """How the end line names an exception: "<type name>: <message>", the message cut to EXCEPTION_CHARS."""
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not stop the log from ending
        message = ""
    if len(message) > EXCEPTION_CHARS:
        message = message[:EXCEPTION_CHARS - 3] + "..."
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _ends_a_run(exc: BaseException | None) -> bool:
    """An exception that ends a run abnormally: not sys.exit() or sys.exit(0), nor a generator being closed."""
    if exc is None or isinstance(exc, GeneratorExit):
        return False
    return not (isinstance(exc, SystemExit) and exc.code in (None, 0))


_EXITING: list = []  # holds True once the interpreter has begun to exit (_note_exit)


def _note_exit() -> None:
    _EXITING.append(True)


def _watch_exit() -> None:
    """Registers _note_exit with atexit once, after a weakref.finalize exists: atexit calls the latest registered
    first, so _EXITING is set before weakref's exit hook runs the monitors' finalisers (_end_log)."""
    if not _watch_exit.done:
        _watch_exit.done = True
        atexit.register(_note_exit)


_watch_exit.done = False


def _end_log(path: Path, box: list) -> None:
    """The finaliser of a monitor with a log: appends the end line (never raises: it may run at exit). ``box`` is
    [steps run, the exception that ended the run's block or None, sys.last_value when the monitor was made, the run
    id its lines carry (absent: none)]. Run at the interpreter's exit, the exception named is the one Python
    reported uncaught (a script that crashed without close() has set sys.last_value), never a step's that the
    script caught."""
    line = end_line(box[0], box[3] if len(box) > 3 else None, box[4] if len(box) > 4 else None)
    # at the interpreter's exit the script has run to its end: a step's exception it caught did not end the run (W21
    # finding 8: a script that caught one in its last step and exited with rc 0 was shown as "stopped with" it), and
    # one it did not catch is sys.last_value, below
    exception = None if _EXITING else box[1]
    last = getattr(sys, "last_value", None)
    if exception is None and last is not None and last is not box[2] and not hasattr(sys, "ps1") \
            and _ends_a_run(last):
        exception = _exception_words(last)
    if exception is not None:
        record = json.loads(line)
        record["exception"] = exception
        raised = box[5] if len(box) > 5 else None
        if raised is not None and (exception is box[1] or raised[1] == id(last)):  # raised inside a step's block:
            record["during_step"] = raised[0]  # that step did not end (W43: 'after 398 steps', 397 whole)
        line = json.dumps(record) + "\n"
    with contextlib.suppress(OSError):
        with path.open("a") as fh:
            fh.write(line)


def _what(value, whole: bool = False) -> str:
    """How a refused argument is described: its value and, for what is not a number, its kind."""
    if isinstance(value, bool):
        return f"{value!r}, a bool (True and False are not numbers here)"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return f"{value!r}, a string"
        return f"{value!r}, a string (give the number itself, without quotes)"
    if isinstance(value, numbers.Integral) or (isinstance(value, numbers.Real) and not whole):
        return repr(value)
    return f"{value!r}, a {type(value).__name__}"


def _is_number(value, whole: bool = False) -> bool:
    """A real number (a whole one where ``whole``): int, float or NumPy's, never a bool or a string."""
    kind = numbers.Integral if whole else numbers.Real
    return isinstance(value, kind) and not isinstance(value, bool)


def _step_after_close(sample: bool = False) -> None:
    """What mon.step() is once the monitor is closed: a step then would be sampled and logged after the log's end
    line (W17: read_log kept those reports with no warning, and the watch page said the run was going on)."""
    raise RuntimeError("mon.step() after the monitor was closed (by mon.close(), or at the end of `with "
                       "Monitor(...)`): its run has ended, and its log, if any, ends with a line saying so. For more "
                       "steps, make a new Monitor(model, ..., first_step=N + 1) after step N, with a log= of its own. "
                       "mon.report() still gives this run's last reading")


def _script_module(model: nn.Module) -> str | None:
    """The name of the first TorchScript module in ``model`` (itself: ''), or None. torch.jit.script and
    torch.jit.trace give modules whose forward runs in TorchScript's interpreter, which calls no Python hook."""
    return next((name for name, module in model.named_modules() if isinstance(module, torch.jit.ScriptModule)), None)


def _log_file(log) -> Path | None:
    """The log argument as a path, checked before the monitor touches anything: a str or a path-like object naming
    a file (not a folder), or None."""
    if log is None:
        return None
    if isinstance(log, bool) or not isinstance(log, str | os.PathLike):
        raise TypeError(f"log: a file path (a str or a pathlib.Path) or None; got {log!r}, of type "
                        f"{type(log).__name__}")
    path = Path(log)
    if not str(log).strip() or path.is_dir():
        raise ValueError(f"log: a file to write, not a folder; got {str(log)!r} (give a file in it, such as "
                         f"{str(path / 'run.jsonl')!r})")
    above = next((p for p in path.parents if p.exists()), None)  # the folders on the way are made if missing
    if above is not None and not above.is_dir():
        raise ValueError(f"log: cannot write {str(log)!r}: {str(above)!r} is a file, not a folder")
    return path


def _short(value) -> str:
    """A value as an error message quotes it: its repr on one line, cut to 80 characters."""
    try:
        words = " ".join(repr(value).split())
    except Exception:  # noqa: BLE001  (a broken __repr__ must not hide the message about the name)
        words = f"a {type(value).__name__}"
    return words if len(words) <= 80 else words[:77] + "..."


class SampledSteps:
    """The training step of every sampled step (the first sampled is 1), kept as runs of equal spacing: a fixed
    interval is one run, each of every="auto"'s intervals a run while it holds. W29 walkthrough: a dying layer's words
    lost the step its units went off once that step left the dead window (only the latest window's steps were kept),
    and the remedy's checkpoint went from 'saved before step 199' to 'saved before the problem began'. Bounded: past
    MAX_RUNS runs, the older half is dropped, and a step among them reads as not known (None)."""

    MAX_RUNS = 4096

    def __init__(self) -> None:
        self.count = 0
        self._runs: list[list[int]] = []  # [first sampled step, its training step, spacing, length]

    def append(self, step: int) -> None:
        self.count += 1
        run = self._runs[-1] if self._runs else None
        if run is not None and run[3] == 1 and step > run[1]:
            run[2], run[3] = step - run[1], 2
        elif run is not None and step == run[1] + run[2] * run[3]:
            run[3] += 1
        else:
            if len(self._runs) >= self.MAX_RUNS:
                del self._runs[:self.MAX_RUNS // 2]
            self._runs.append([self.count, step, 0, 1])

    def at(self, g: int) -> int | None:
        """The training step sampled step ``g`` was taken at; None where it is not kept."""
        k = bisect.bisect_right(self._runs, g, key=lambda r: r[0]) - 1
        if k < 0 or not self._runs[k][0] <= g < self._runs[k][0] + self._runs[k][3]:
            return None
        first, step, spacing, _ = self._runs[k]
        return step + spacing * (g - first)


class _StepHandle:
    """What ``with mon.step() as s`` gives: set ``s.loss`` to let the reading weigh the loss."""

    # loss alone: a misspelt name (s.los = loss) raises AttributeError at that line, where it was set silently and the
    # loss never judged (W17). No __init__: one is made on every step, and an unset slot reads as None (loss below)
    __slots__ = ("_loss", "_parts")

    @property
    def loss(self) -> torch.Tensor | float | None:
        try:
            return self._loss
        except AttributeError:
            return None

    @property
    def parts(self) -> dict | None:
        """The loss's named parts as given (s.parts = {"cls": loss_cls, "reg": loss_reg}), held detached; None."""
        try:
            return self._parts
        except AttributeError:
            return None

    def __setattr__(self, name: str, value) -> None:
        # Python 3.11 said "'_StepHandle' object has no attribute 'los'", which names a private class and not the
        # name the handle takes (R17)
        if name == "parts":
            from ._monitor_parts import checked_parts
            _set_parts(self, checked_parts(value))
            return
        if name != "loss":
            raise AttributeError(f"s.{name} = {_short(value)}: the step handle (`with mon.step() as s`) takes two "
                                 f"names, s.loss (the loss tensor that backward() was called on, or its value as a "
                                 f"number) and s.parts (a dict of its named parts, {{'cls': loss_cls, 'reg': "
                                 f"loss_reg}}); {name!r} is neither", name=name, obj=self)
        _set_loss(self, value)


_set_loss = _StepHandle._loss.__set__
_set_parts = _StepHandle._parts.__set__


def _has_lazy(model) -> bool:
    """Whether the model holds a parameter with no shape yet (a lazy module's before its first forward)."""
    return any(isinstance(p, nn.parameter.UninitializedParameter) for p in model.parameters())


def _structure_of(model) -> tuple[int, ...]:
    """The modules a model holds, as a sampled step compares them: their ids, in order (25 us for a 4-layer
    TransformerEncoder's 42 modules, 270 us for 481)."""
    return tuple(map(id, model.modules()))
