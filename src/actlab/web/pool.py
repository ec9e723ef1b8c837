"""Playground training off the event loop: each session lives in one of a few training processes.

The lab's event loop answers pages, API calls and sockets; a playground frame (train k epochs, evaluate, draw the
surfaces) is a few milliseconds of NumPy that holds the GIL most of the time. Run on the loop, 30 playing learners
made a plain check wait 0.5-0.8 s; run in a thread, the loop and the thread fight over the GIL. So every session
is kept in a training process (one of a few "slots", each a process with a pipe: a session's state stays where it
was made) and the loop only sends it small commands and forwards the encoded frames it returns. A plain pipe per
slot, not a ProcessPoolExecutor: the executor's queue threads cost the lab about 1 ms of CPU per frame here.

- Order: a tab awaits each command before it sends the next, so its frames come back in the order asked.
- Bounded: a tab has at most one command waiting, and each slot refuses more than MAX_QUEUED waiting commands.
- Cancellation: when the socket goes, ``close()`` queues a drop behind whatever the slot is doing for the tab;
  a frame still being made is thrown away when it arrives.
- A slot's process that dies (killed, out of memory) is replaced; its tabs are told to press Reset.
- The registry: activations registered by hand in the lab's process (activations.register, from a notebook or a
  test) are sent to a training process before the next run starts there; plugins load in every process by
  themselves. A record whose functions cannot be pickled (a lambda) is refused, by name, when a run names it.

The lab's settings (web/settings.LabSettings: ``training`` and ``training_processes``, given to ``configure``
by create_app) pick the mode, ``process`` (the default on a machine with two or more cores) or ``thread`` (one
thread per slot, for one core or a platform without processes), and the number of slots (default: the cores
this process may use, at most 8).
"""

from __future__ import annotations

import asyncio
import contextlib
import copyreg
import dataclasses
import io
import os
import pickle
import secrets
import threading
import types
from concurrent.futures import ThreadPoolExecutor

from ..errors import ConfigError
from ..reading_record import PLAYGROUND_RESTART

MODES = ("process", "thread")
MAX_SLOTS = 8
MAX_QUEUED = 128  # waiting commands per slot; a tab has at most one waiting, and the lab caps its tabs
NICE = 10  # training processes yield the CPU to the lab's requests (measured: see bench/classroom.py)

# -- the training side (runs in the slot's process or thread) ----------------------------------------------------

_sessions: dict = {}  # session key -> PlaygroundSession, in the process that trains it


def _start_child() -> None:
    """A training process: a lower priority than the lab's own process (NICE), so a page or a check is served
    first and training takes the CPU that is left; BLAS on one thread (its spinning threads fight the other
    slots); Ctrl+C left to the lab (which shuts the pool down); the engine imported, its compiled kernels and its
    matrix-product library (actlab._gemm) loaded now, not on the first frame."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.nice(NICE)
    except (AttributeError, OSError):  # not on this platform: frames and requests then share the CPU evenly
        pass
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
    except ImportError:
        pass
    from .. import playground  # noqa: F401
    from ..activations import _compiled

    with contextlib.suppress(RuntimeError):  # the compiled kernels now, not in the first frame (none: NumPy's)
        _compiled.warm()
    from .. import _gemm

    with contextlib.suppress(Exception):  # the engine's matrix products chosen now (loading MKL took 0.7-0.8 s): a
        _gemm.library()  # failure leaves the choice to the first product, which falls back to NumPy and says why


def _summary(frame):
    """A frame without its readings: what the stop rule and the lab need on the loop's side, small to send back."""
    return dataclasses.replace(frame, reading=None, diagnosis=None)


def _start(key: str, config, csv_bytes: bytes | None) -> dict:
    from ..playground import PlaygroundSession

    session = PlaygroundSession(config, csv_bytes)  # a refused config keeps the run it would have replaced
    _sessions[key] = session
    session.last_frame = session.trainer.frame()
    t = session.trainer
    return {"points": session.points(), "updates_per_epoch": -(-len(t.x_train) // t.batch_size),
            "frame": _summary(session.last_frame), "data": session.frame_data().encode()}


def _advance(key: str, epochs: int) -> tuple:
    session = _sessions[key]
    if not session.trainer.diverged:
        session.train(epochs)
    frame = session.finish_frame()
    return _summary(frame), session.frame_data(rolling=True).encode()  # a big network's thumbnails over frames


def _settle(key: str) -> tuple:
    """The run paused or stopped: its numbers at the weights it has now (PlaygroundSession.settle)."""
    session = _sessions[key]
    frame = session.settle()
    return _summary(frame), session.frame_data().encode()


def _step(key: str) -> tuple:
    session = _sessions[key]
    frame = session.step_once()
    return _summary(frame), session.frame_data().encode()


def _set_lr(key: str, lr: float) -> None:
    _sessions[key].set_lr(lr)


def _export(key: str, fmt: str) -> str:
    import json

    from ..playground import export_json, export_torch

    session = _sessions[key]
    return json.dumps(export_json(session)) if fmt == "json" else export_torch(session)


def _drop(key: str) -> None:
    _sessions.pop(key, None)


def _adopt(key: str, records: bytes) -> None:
    """Take the lab's hand-registered activations (pickled there: see TrainingPool._share_registry)."""
    from ..activations.extension import adopt_registered

    try:
        adopt_registered(pickle.loads(records))
    except (ValueError, TypeError):
        raise
    except Exception as exc:  # noqa: BLE001  (a module this process cannot import: said in words, not a crash)
        raise ValueError(f"the training processes cannot load the activations registered in this lab: "
                         f"{type(exc).__name__}: {exc}; define their functions in a module both can import, or "
                         "start the lab with --training thread") from None


def _ready() -> int:
    return os.getpid()


_OPS = {"start": _start, "advance": _advance, "step": _step, "settle": _settle, "set_lr": _set_lr, "export": _export,
        "drop": _drop, "adopt": _adopt}
_PASSED_ON = (ValueError, TypeError, OverflowError, KeyError)  # what the socket answers in the learner's words


def _run(key: str, op: str, args: tuple):
    """One command; an error comes back as data (an exception with its own __init__ may not survive pickling)."""
    try:
        return "ok", _OPS[op](key, *args)
    except ConfigError as exc:
        return "config", (exc.field, exc.message)
    except _PASSED_ON as exc:
        return "error", (type(exc).__name__, str(exc))


# -- the loop's side -----------------------------------------------------------------------------------------------


def _serve(conn) -> None:
    """A training process: read (call id, key, op, args) commands off the pipe, one at a time, and write back
    (call id, kind, value); a command without a call id (a drop) gets no answer. Ends when the lab's end of the
    pipe closes, so a killed lab worker leaves no training process behind."""
    _start_child()
    while True:
        try:
            call_id, key, op, args = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        result = _run(key, op, args)
        if call_id is not None:
            try:
                conn.send_bytes(pickle.dumps((call_id, *result), protocol=pickle.HIGHEST_PROTOCOL))
            except (BrokenPipeError, OSError):
                return


class SlotLost(ConfigError):
    """The training process that held a session stopped."""


_MAIN_LOCK = threading.Lock()


def _start_without_main(process) -> None:
    """Start a spawned process without running the lab's main script in it again. Spawn re-imports `__main__` in
    the child; under `actlab lab` that is the console script, which imports the whole CLI (measured: 114 MB a
    process against 66 MB, before the process can lower its priority). The target, `_serve`, lives here, so the
    child needs nothing from it: for the moment of the start `__main__` is an empty module with no file."""
    import sys

    with _MAIN_LOCK:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            process.start()
        finally:
            sys.modules["__main__"] = main


class _Slot:
    """One training process and its pipe. The event loop writes commands (a large one, such as a CSV, from a
    thread so the loop never waits on a full pipe); a reader thread hands each answer to the future that waits."""

    LARGE = 32 * 1024

    def __init__(self, index: int):
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: forking a server with threads is unsafe
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_serve, args=(child,), name=f"actlab-playground-{index}", daemon=True)
        _start_without_main(self.process)
        child.close()
        self._pending: dict[int, tuple] = {}  # call id -> (future, its loop)
        self._send_lock = threading.Lock()
        self._next = 0
        self.alive = True
        self.registry_changes = None  # the lab's registry (extension.registered_here) as this process last took it
        threading.Thread(target=self._read, name=f"actlab-playground-reader-{index}", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                call_id, kind, value = pickle.loads(self.conn.recv_bytes())
            except (EOFError, OSError):
                break
            future, loop = self._pending.pop(call_id, (None, None))
            if future is not None:
                _settle_from_thread(loop, future, (kind, value))
        self.alive = False
        for future, loop in list(self._pending.values()):
            _settle_from_thread(loop, future, None)
        self._pending.clear()

    def _send(self, payload: bytes) -> None:
        with self._send_lock:
            self.conn.send_bytes(payload)

    async def call(self, key: str, op: str, args: tuple):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._send_lock:
            self._next += 1
            call_id = self._next
        self._pending[call_id] = (future, loop)
        payload = pickle.dumps((call_id, key, op, args), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            if len(payload) > self.LARGE:
                await asyncio.to_thread(self._send, payload)
            else:
                self._send(payload)
        except (BrokenPipeError, OSError):
            self._pending.pop(call_id, None)
            self.alive = False
            return None
        try:
            return await future
        finally:
            self._pending.pop(call_id, None)

    def post(self, key: str, op: str, args: tuple) -> None:
        """A command with no answer (a drop)."""
        try:
            self._send(pickle.dumps((None, key, op, args)))
        except (BrokenPipeError, OSError):
            self.alive = False

    def close(self) -> None:
        self.alive = False
        try:
            self.conn.close()
        except OSError:
            pass
        self.process.join(timeout=0.5)
        if self.process.is_alive():
            self.process.kill()


def _settle(future: asyncio.Future, result) -> None:
    if not future.done():  # a tab that went away cancelled its wait: the frame is dropped
        future.set_result(result)


def _settle_from_thread(loop, future: asyncio.Future, result) -> None:
    try:
        loop.call_soon_threadsafe(_settle, future, result)
    except RuntimeError:  # that event loop has closed (a test's client): nobody waits any more
        pass


class _ThreadSlot:
    """A slot in one of the lab's own threads (thread mode): the same interface, no process."""

    def __init__(self, index: int):
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"actlab-playground-{index}")
        self.alive = True

    async def call(self, key: str, op: str, args: tuple):
        return await asyncio.wrap_future(self.executor.submit(_run, key, op, args))

    def post(self, key: str, op: str, args: tuple) -> None:
        self.executor.submit(_run, key, op, args)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


class RemoteSession:
    """One tab's session as the event loop holds it: a key and the slot that trains it."""

    def __init__(self, pool: TrainingPool, slot: int):
        self.pool, self.slot, self.key = pool, slot, secrets.token_hex(8)
        self.closed = False
        self.home = None  # the slot (its process) that holds the run; a new process there does not

    async def call(self, op: str, *args):
        if self.closed:
            raise ConfigError("session", f"this playground session has ended; {PLAYGROUND_RESTART}")
        if op == "start":
            self.home = None
        elif self.home is not None and self.pool._ready_slot(self.slot) is not self.home:
            raise SlotLost("session", f"the process training this run stopped; {PLAYGROUND_RESTART} to start again")
        value, self.home = await self.pool.call_in(self.slot, self.key, op, *args)
        return value

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.pool.close(self.slot, self.key)


class TrainingPool:
    def __init__(self, slots: int | None = None, mode: str | None = None):
        mode = mode or ("process" if _cores() > 1 else "thread")
        if mode not in MODES:
            raise ConfigError("training", f"{' or '.join(MODES)}; got {mode!r}")
        if slots is None:
            slots = min(_cores(), MAX_SLOTS)
        self.mode, self.slots = mode, max(1, min(int(slots), 64))
        self._slots: list[_Slot | _ThreadSlot | None] = [None] * self.slots
        self._sessions = [0] * self.slots  # open sessions per slot: a new one goes to the least loaded
        self._waiting = [0] * self.slots
        self._lock = threading.Lock()  # the counts above; never held while a process starts
        self._starting = [threading.Lock() for _ in range(self.slots)]

    def __repr__(self) -> str:
        return f"TrainingPool({self.slots} {self.mode} slots, {sum(self._sessions)} sessions)"

    def _ready_slot(self, index: int):
        slot = self._slots[index]
        return slot if slot is not None and slot.alive else None

    def _slot(self, index: int):
        """The slot, started (again) if need be. Starting a process blocks for a while: never on the event loop."""
        with self._starting[index]:
            slot = self._slots[index]
            if slot is None or not slot.alive:
                if slot is not None:
                    slot.close()
                slot = _Slot(index) if self.mode == "process" else _ThreadSlot(index)
                self._slots[index] = slot
            return slot

    def warm(self) -> None:
        """Start every slot's process now, in the background (a page is loading), so that its first run does not
        wait for a process to start."""
        if all(self._ready_slot(i) for i in range(self.slots)):
            return
        threading.Thread(target=lambda: [self._slot(i) for i in range(self.slots)], name="actlab-playground-warm",
                         daemon=True).start()

    def open(self) -> RemoteSession:
        with self._lock:
            index = min(range(self.slots), key=lambda i: (self._sessions[i], i))
            self._sessions[index] += 1
        return RemoteSession(self, index)

    def close(self, index: int, key: str) -> None:
        with self._lock:
            self._sessions[index] = max(0, self._sessions[index] - 1)
        slot = self._ready_slot(index)
        if slot is not None:
            slot.post(key, "drop", ())  # behind anything still queued for the key

    async def call(self, index: int, key: str, op: str, *args):
        """Run one command for ``key`` in slot ``index``; its value, or the error it raised there."""
        return (await self.call_in(index, key, op, *args))[0]

    async def call_in(self, index: int, key: str, op: str, *args):
        """(value, the slot that ran it)."""
        with self._lock:
            if self._waiting[index] >= MAX_QUEUED:
                raise ConfigError("session", "the lab's training queue is full; wait a moment and press play again")
            self._waiting[index] += 1
        try:
            slot = self._ready_slot(index) or await asyncio.to_thread(self._slot, index)
            if op == "start" and isinstance(slot, _Slot):
                await self._share_registry(slot, key, args[0])
            result = await slot.call(key, op, args)
        finally:
            with self._lock:
                self._waiting[index] -= 1
        return _value_of(result), slot

    async def _share_registry(self, slot: _Slot, key: str, config) -> None:
        """Before a run starts in a training process: activations registered in the lab's own process since that
        process last took them (activations.register in a notebook or a test; plugins load everywhere by
        themselves) are sent to it. A record whose functions cannot be sent (a lambda, a closure) is refused when a
        run names it, with what to do."""
        from ..activation_spec import layer_field
        from ..activations.extension import registered_here

        changes, records = registered_here()
        sendable, unsendable = [], {}
        for record, aliases in records:
            try:
                _pickled(record)
                sendable.append((record, aliases))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                unsendable[record.name] = f"{type(exc).__name__}: {exc}"
        for i, spec in enumerate(getattr(config, "activations", ())):
            if spec.name in unsendable:
                raise ConfigError(layer_field("activations", i), (
                    f"{spec.name} was registered in this lab with functions its training processes cannot receive "
                    f"({unsendable[spec.name]}); define them at module level in an importable module (no lambda or "
                    "closure), or start the lab with --training thread"))
        if slot.registry_changes != changes:
            _value_of(await slot.call(key, "adopt", (_pickled(sendable),)))
            slot.registry_changes = changes

    def shutdown(self) -> None:
        with self._lock:
            slots, self._slots = self._slots, [None] * self.slots
        for slot in slots:
            if slot is not None:
                slot.close()

    @property
    def parallel(self) -> int:
        """How many sessions train at the same moment: the slots, up to the cores (threads share one core)."""
        return min(self.slots, _cores()) if self.mode == "process" else 1

    @property
    def pids(self) -> list[int]:
        """The training processes' ids (process mode, once started): for tests and benchmarks."""
        return [s.process.pid for s in self._slots if isinstance(s, _Slot) and s.alive]


def _mapping_proxy(items: dict):
    return types.MappingProxyType(items)


def _pickled(obj) -> bytes:
    """``obj`` pickled, read-only mappings included (a record's param_specs is one, which pickle refuses)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, types.MappingProxyType: lambda m: (_mapping_proxy, (dict(m),))}
    pickler.dump(obj)
    return out.getvalue()


def _value_of(result):
    """A slot's answer as a value, or the error it stands for raised here."""
    if result is None:
        raise SlotLost("session", f"the process training this run stopped; {PLAYGROUND_RESTART} to start again")
    kind, value = result
    if kind == "ok":
        return value
    if kind == "config":
        raise ConfigError(*value)
    name, message = value
    raise next(e for e in _PASSED_ON if e.__name__ == name)(message)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_pool: TrainingPool | None = None
_wanted: tuple[str | None, int | None] = (None, None)  # (mode, slots) from the lab's settings; None: the default
_pool_lock = threading.Lock()


def configure(mode: str | None = None, slots: int | None = None) -> None:
    """The mode and slots the process's pool is made with (create_app passes the lab's settings). A pool already
    made with other values and no session open is replaced; one with sessions open keeps running as it is."""
    global _pool, _wanted
    if mode is not None and mode not in MODES:
        raise ConfigError("training", f"{' or '.join(MODES)}; got {mode!r}")
    with _pool_lock:
        _wanted = (mode, slots)
        old = _pool
        if old is not None and not sum(old._sessions) and (
                (mode is not None and mode != old.mode) or (slots is not None and slots != old.slots)):
            _pool = None
            old.shutdown()


def pool() -> TrainingPool:
    """The process's one training pool, made on first use with the configured mode and slots."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = TrainingPool(_wanted[1], _wanted[0])
        return _pool
