"""The live playground: one WebSocket per tab, training server-side, frames as compact binary."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import math
import time

from fastapi import APIRouter, HTTPException, Request, UploadFile, WebSocket, WebSocketDisconnect

from ..._json import dumps
from ...classroom import CONTROLS, ClassPlayground, PinnedError, Pins
from ...datasets import MAX_CSV_BYTES, load_csv
from ...errors import ConfigError, given
from ...options import check_control
from ...reading_record import PLAYGROUND_RESTART
from ...session import RunConfig
from ...store import UploadQuota
from ...training import Frame, Stop, StopRule
from ..deps import IdentityDep, SessionsDep, get_identity, identify
from ..pool import RemoteSession, pool
from ..problems import problem
from ..sessions import FRAME_BUDGET, TAB_FULL, UNKNOWN_TAB
from ..settings import limits as lab_limits

router = APIRouter(tags=["playground"])
ws_router = APIRouter()  # the WebSocket sits outside the /api prefix
FRAME_SECONDS = 1 / 64  # a little above 60 Hz, so the page never waits a whole vsync for a frame
CATCH_UP = 2  # frames a late frame may be made up by (the page's queue holds 3)
# Training runs in the lab's training processes (web/pool.py), not on the event loop: the loop only forwards
# each tab's commands and the frames that come back, so pages and checks are answered while 30 learners play.
MAX_MESSAGE_CHARS = 100_000
SEND_SECONDS = 30
MAX_UPDATES_PER_FRAME = 10_000  # a frame's work: 50 epochs of 2,000 updates each (the most allowed) took minutes
PINS_READ_SECONDS = 5  # the longest a message waits for the class's pins (one read by key; a stuck store is said)
# In a class, how often an open socket checks that its cookie (or token) still lets it in: a class archived, a
# learner given a new rejoin code, merged or forgotten, a teacher token rotated all end the run within this time
# (the page's own poll of the pins says so sooner; this holds for any client). One read by key, on the loop.
RECHECK_SECONDS = 10
SIGNED_OUT_REASON = "This browser is no longer signed in to the class: open /join or /teacher/login again."
log = logging.getLogger(__name__)


@router.post("/playground/tab")
def new_tab(sessions: SessionsDep) -> dict:
    """A token for one playground page: its sockets (/ws/playground?tab=TOKEN) may hold at most a few of the lab's
    playground sessions. A POST, so a page on another site cannot obtain one."""
    pool().warm()  # a playground page is loading: start the training processes before its first run
    return {"tab": sessions.new_tab(), "max_per_tab": sessions.max_per_tab}


QUOTA = {409: problem("The class's teacher pinned the data set, so a CSV cannot be used"),
         429: problem("Past the learner's or the class's upload quota (Retry-After says when room frees)")}


@router.post("/playground/csv", responses=QUOTA)
async def upload_csv(file: UploadFile, sessions: SessionsDep, request: Request, who: IdentityDep) -> dict:
    """Validate a learner's CSV with the engine; on success return a token the WebSocket can use. In a class,
    uploads count against quotas per learner and per class (files and bytes of the last hour).

    The file is parsed in a worker thread (a 5 MB file takes a good part of a second, which the event loop spends
    on the other tabs' frames instead), and parsing stops at the row limit."""
    if who is not None and not who.is_teacher:
        saved = request.app.state.store.class_playground(who.class_id)
        if saved is not None and "dataset" in saved["pinned"]:
            raise HTTPException(409, f"dataset: pinned by your teacher at {saved['config']['dataset']!r} for this "
                                     "class, so an uploaded CSV cannot be trained here")
    data = await file.read(MAX_CSV_BYTES + 1)
    try:
        ds = await asyncio.to_thread(load_csv, data, name=file.filename or "csv")
    except ConfigError as exc:
        raise HTTPException(422, str(exc)) from None
    owner = None if who is None else ("teacher" if who.is_teacher else str(who.learner_id))
    try:
        token = sessions.store_upload(data, who.class_id if who else None, owner)
    except UploadQuota as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    return {"token": token, "rows": len(ds.labels), "columns": list(ds.columns), "task": ds.task,
            "classes": list(ds.class_names), "two_d": ds.points.shape[1] == 2}


class _Tab:
    """The state of one connected tab; its run lives in a training process (web/pool.py)."""

    def __init__(self, ws: WebSocket, sessions, load_pins=None):
        self.ws = ws
        self.sessions = sessions
        self.load_pins = load_pins  # a coroutine function: the class's pins as saved now (classroom.Pins); None: none
        self.pins = Pins()  # the pins as last read: at the run's start, or at a later message
        self.run_pins = Pins()  # the pins the run on screen started with
        self.config: dict = {}  # the run's settings as it started (RunConfig.to_dict), and its CSV's token
        self.csv_token: str | None = None
        self.session: RemoteSession | None = None
        self.frame = None  # the last frame sent (a Frame): where the run is, which a Play asks the stop rule about
        self.updates_per_epoch = 1
        self.playing = False
        self.epochs_per_frame = 1
        # the core's rule: epochs, divergence, target loss (the test loss when there is one); Reset is the page's button
        self.stop = StopRule(restart=PLAYGROUND_RESTART)
        self.lock = asyncio.Lock()

    async def send_error(self, exc: Exception | str, field: str | None = None) -> None:
        """The page writes "field: message", so a ConfigError's message goes without its field in front; a refusal
        by the class's pins carries the values they require (``fix``), which a page whose learner did not ask for
        the change (the teacher moved a pin since the page loaded) takes before it starts its run again."""
        message = exc.message if isinstance(exc, ConfigError) else str(exc)
        body = {"type": "error", "field": getattr(exc, "field", field), "message": message}
        if isinstance(exc, PinnedError):
            body["fix"] = exc.fix
        await self.ws.send_text(dumps(body))

    async def start(self, config: dict, csv_token: str | None, restarted: str | None = None) -> None:
        cfg = RunConfig.from_dict(self.pins.apply(config))  # validated here, on the lab's own limits
        lab_limits(self.ws.app).check(cfg)
        csv_bytes = None
        if csv_token:
            csv_bytes = self.sessions.upload(csv_token)
            if csv_bytes is None:
                raise ConfigError("csv", "the uploaded file has expired; upload it again")
        if self.session is None:
            self.session = pool().open()
        async with self.lock:
            started = await self.session.call("start", cfg, csv_bytes)
            self.frame = started["frame"]
            self.updates_per_epoch = started["updates_per_epoch"]
            self.playing = False
            self.config, self.csv_token, self.run_pins = cfg.to_dict(), csv_token, self.pins
            ready = {"type": "ready", "config": self.config, "points": started["points"], "pinned": self.pins.names,
                     "pins": self.pins.values,
                     # a class's learner: the page watches the pins for a teacher's change
                     "class_pins": self.load_pins is not None}
            if restarted:  # a Play on a run that the teacher's new pins no longer allow: a new run, and why
                ready["restarted"] = restarted
            await self.ws.send_text(dumps(ready))
            await self.send_frame(started["data"])

    async def send_frame(self, data: bytes) -> None:
        # a page that reads nothing fills the socket's buffers and the send waits; after SEND_SECONDS the session
        # ends and its slot is freed (the page, if it is still there, reconnects)
        async with asyncio.timeout(SEND_SECONDS):  # no extra task per frame, unlike wait_for
            await self.ws.send_bytes(data)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    async def advance(self) -> None:
        met = self.stop.check(self.frame)
        if met is not None:  # a rule met before this frame (a stop epoch lowered below the playing run): no more
            await self.stop_playing(met)  # training, where one more epoch was trained and the stop said at its end
            return
        k = self.epochs_per_frame
        k = min(k, max(1, MAX_UPDATES_PER_FRAME // self.updates_per_epoch))  # big data sets: fewer epochs a frame
        left = self.stop.epochs_left(self.frame.epoch)
        if left is not None:
            k = max(1, min(k, left))
        async with self.lock:
            frame, data = await self.session.call("advance", k)
            self.frame = frame
            await self.send_frame(data)
        stop = self.stop.check(frame)
        if stop is not None:
            await self.stop_playing(stop)

    async def stop_playing(self, stop: Stop) -> None:
        self.playing = False
        await self.settle()
        await self.send_stopped(stop)

    async def settle(self) -> None:
        """A run that stops moving shows its numbers at the weights it has (a big network's trail training)."""
        async with self.lock:
            frame, data = await self.session.call("settle")
            self.frame = frame
            await self.send_frame(data)

    async def send_stopped(self, stop: Stop, again: bool = False) -> None:
        """Say that the run stopped (``again``: that a Play found its stop rule met and trained nothing), why, and
        what to change to train on; "again" tells the page which."""
        message = stop_words(stop, self.stop, self.frame, self.pins, again)
        await self.ws.send_text(dumps({"type": "stopped", "reason": stop.reason, "message": message, "again": again}))

    async def handle(self, msg: dict) -> None:
        kind = msg.get("type")
        if not isinstance(kind, str):
            raise ConfigError("type", f"a message type such as \"init\" or \"play\"; got {given(kind)}")
        if kind in ("init", "reset"):
            self.playing = False  # the page stops on a reset; a refused one must not leave the old run playing
            config, token = msg.get("config", {}), msg.get("csv_token")
            if not isinstance(config, dict):
                raise ConfigError("config", f"a JSON object of settings such as {{\"lr\": 0.03}}; got {given(config)}")
            if token is not None and not isinstance(token, str):
                raise ConfigError("csv_token", f"the token the CSV upload returned (text); got {given(token)}")
            self.pins = await self.current_pins()
            await self.apply_pinned_controls()
            await self.start(config, token)
        elif kind == "set":  # run controls hold for the tab, so they may come before its first run
            self.pins = await self.current_pins()  # the pins as the teacher saved them now, not at the run's start
            await self.set_controls(msg)
        elif kind == "ping":  # a paused page says it is still there, so the idle timeout does not close it
            pass
        elif self.frame is None and kind in ("play", "pause", "step", "export"):
            # no run yet: none asked for, or the first one refused (its training process has no run: a Play then
            # failed on the socket's loop and closed it)
            raise ConfigError("type", f"send 'init' with a config first: there is no run to {kind} yet")
        elif kind == "play":
            await self.hold_to_pins()
            met = self.stop.check(self.frame)
            if met is None:
                self.playing = True
            else:  # the rule holds already: a Play trained one more epoch and stopped again, with the same words
                await self.send_stopped(met, again=True)
        elif kind == "pause":
            if self.playing:
                self.playing = False
                await self.settle()
        elif kind == "step":
            self.playing = False
            await self.hold_to_pins()  # a step trains too: on a run the new pins allow, or on a new one with them
            if self.frame.status == "diverged":  # nothing can train: a Step sent the same frame again, silently
                await self.send_stopped(self.stop.check(self.frame), again=True)
                return
            async with self.lock:
                frame, data = await self.session.call("step")
                self.frame = frame
                await self.send_frame(data)
        elif kind == "export":
            fmt = msg.get("format", "json")
            if fmt not in ("json", "torch"):
                raise ConfigError("format", f"json or torch; got {fmt!r}")
            body = await self.session.call("export", fmt)
            await self.ws.send_text(dumps({"type": "export", "format": fmt, "body": body}))
        else:
            raise ConfigError("type", f"unknown message type {given(kind)}; allowed: init, reset, play, pause, "
                                      "step, set, export, ping")

    async def current_pins(self) -> Pins:
        """The class's pins as the teacher saved them now: read at every init, reset, set and play, so a pin saved
        while a learner's socket is open holds from that learner's next message. One read by the class's key, on
        the event loop (Store.class_playground_async); a tab handles one message at a time, so it has at most one
        read waiting, and that for at most PINS_READ_SECONDS."""
        if self.load_pins is None:
            return self.pins
        try:
            async with asyncio.timeout(PINS_READ_SECONDS):
                return await self.load_pins()
        except TimeoutError:
            raise ConfigError("pins", f"your class's pinned settings could not be read within {PINS_READ_SECONDS} s "
                                      "(the lab's database is slow); nothing changed: try again in a moment") from None

    async def hold_to_pins(self) -> None:
        """Before a Play or a Step: when the teacher changed the pins since the run started and the run's settings
        are not what the new pins say, a new run starts from the run's own settings with the pinned ones replaced
        (the page hides a pinned control, so its learner could not see the old value the run would train with);
        the "ready" says so. Pinned run controls take their pinned value. A run the new pins allow goes on."""
        fresh = await self.current_pins()
        if fresh == self.run_pins and fresh == self.pins:
            return
        self.pins = fresh
        await self.apply_pinned_controls()
        if fresh == self.run_pins:
            return
        kept = {k: v for k, v in self.config.items() if k not in fresh.values}
        for _ in range(2):  # activations pinned one per layer may fix the layer count: the count they need, once
            try:
                wanted = RunConfig.from_dict(fresh.apply(kept)).to_dict()
                break
            except PinnedError as exc:
                kept.update(exc.fix)
        if wanted == self.config:
            self.run_pins = fresh
            return
        changed = [k for k in wanted if wanted[k] != self.config.get(k)]  # the pinned ones (and layers refitted)
        await self.start(kept, self.csv_token, restarted=(
            f"Your teacher pinned {', '.join(changed)} after this run started, so a new run started with the "
            "class's values; your other settings stayed"))

    async def set_controls(self, msg: dict) -> None:
        """The run controls a 'set' message carries; each is checked against the class's pins before any applies."""
        if not isinstance(msg, dict):
            raise ConfigError("controls", f"a JSON object such as {{\"epochs_per_frame\": 5}}; got {given(msg)}")
        if "config" in msg:  # {"type": "set", "config": {"lr": 0.9}} changed nothing and got no answer
            raise ConfigError("config", "'set' takes run controls beside its type, as {\"type\": \"set\", \"lr\": "
                                        "0.9}; a new config (data set, network, ...) goes in a 'reset' message")
        unknown = sorted(k for k in msg if k not in SET_KEYS)
        if unknown:
            raise ConfigError(unknown[0], f"'set' changes only {', '.join(k for k in SET_KEYS if k != 'type')}; "
                                          f"{given(unknown[0])} is not one of them (other settings go in a 'reset' "
                                          "message's config)")
        self.pins.check_controls(msg)
        if "lr" in msg:
            lr = _number(msg["lr"], "lr")
            if self.session is not None:
                async with self.lock:
                    await self.session.call("set_lr", lr)
        if "epochs_per_frame" in msg:
            self.epochs_per_frame = check_control("epochs_per_frame", msg["epochs_per_frame"])
        if "stop_epoch" in msg:
            self.stop = dataclasses.replace(self.stop, max_epochs=check_control("stop_epoch", msg["stop_epoch"]))
        if "target_loss" in msg:
            self.stop = dataclasses.replace(self.stop, target_loss=check_control("target_loss", msg["target_loss"]))

    async def apply_pinned_controls(self) -> None:
        """A class's pinned run controls (epochs per frame, stop epoch, target loss) hold from the start."""
        controls = {k: v for k, v in self.pins.values.items() if k in CONTROLS}
        if controls:
            await self.set_controls(controls)


def stop_words(stop: Stop, rule: StopRule, frame: Frame, pins: Pins, again: bool = False) -> str:
    """The words of a "stopped" message: the core's reason, then the setting that holds the run there and what to do
    to train on (a Play past a stop epoch trained one epoch and stopped again, saying only "Stopped at epoch 21.").
    ``again``: a Play found the rule met already and trained nothing. A divergence says its own remedy."""
    if stop.reason == "diverged" and again:  # the core's words say what to do; these say that nothing trained
        return (f"Nothing trained: this run diverged at step {frame.diverged_at_step:,} (its loss became NaN or "
                "infinite) and cannot train on. Lower the learning rate, then press Reset for a new run.")
    if stop.reason not in ("epochs", "target"):
        return stop.message
    if stop.reason == "epochs":
        at = "at" if frame.epoch == rule.max_epochs else "past"
        where = f"the run is at epoch {frame.epoch:,}, {at} its stop epoch ({rule.max_epochs:,})"
        setting, name, change = "stop_epoch", "stop epoch", "raise the stop epoch or clear it"
    else:
        which, loss = StopRule.watched_loss(frame)
        where = f"the {which} loss, {loss:.4f}, is at or below the target loss ({rule.target_loss:g})"
        setting, name, change = "target_loss", "target loss", "lower the target loss or clear it"
    if setting in pins.values:  # the class's teacher set it: the learner cannot move it
        todo = f"Your teacher pinned the {name} for the class, so this run ends here; Reset starts a new one."
    else:
        todo = f"To train on, {change}, then press Play."
    return f"Nothing trained: {where}. {todo}" if again else f"{stop.message} {todo}"


SET_KEYS = ("type", "lr", "epochs_per_frame", "stop_epoch", "target_loss")  # what a 'set' message may carry


def _number(v, field: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ConfigError(field, f"a finite number; got {given(v)}")
    return float(v)


_CLOSED = object()


def _refusal(why: str, sessions) -> tuple[str | None, str, int]:
    """(field, message, close code) for a socket that gets no session."""
    if why == UNKNOWN_TAB:
        return "tab", "This page's tab token is unknown (the lab restarted?): reload the page.", 1008
    if why == TAB_FULL:
        return "tab", (f"This page already has {sessions.max_per_tab} playground connections open; close one (or "
                       "wait a moment after a reconnect) before opening another."), 1013
    n = sessions.max_sessions
    running = f"{n} playground session is running" if n == 1 else f"{n} playground sessions are running"
    return None, (f"The lab is full: {running}. Close another playground tab, or try again in a minute."), 1013


@ws_router.websocket("/ws/playground")
async def playground_ws(ws: WebSocket, sessions: SessionsDep, tab: str | None = None) -> None:
    # The slot is taken before the handshake is answered, so a client whose connect has returned is counted: a page
    # that opens its sockets one after another meets its share in that order (taken after the accept, a later
    # socket's thread could win a slot an earlier one then lost, and the earlier one waited out the idle timeout).
    # The shared count is a write transaction in the store: in a thread, so the event loop never waits on its lock.
    sid = await asyncio.to_thread(sessions.acquire, tab)
    try:
        await ws.accept()
    except BaseException:  # the client left during the handshake
        if not isinstance(sid, str):
            sessions.release(sid)
        raise
    if isinstance(sid, str):
        field, message, code = _refusal(sid, sessions)
        await ws.send_text(dumps({"type": "error", "field": field, "message": message}))
        await ws.close(code=code)
        return
    tab = _Tab(ws, sessions, _pins_loader(ws))  # the tab token's job is done: from here, `tab` is this socket's
    recheck = _still_let_in(ws)
    checked = time.monotonic()
    inbox: asyncio.Queue = asyncio.Queue(maxsize=256)
    reader = asyncio.create_task(_read(ws, inbox))
    deadline = time.monotonic()
    budget = FRAME_BUDGET * pool().parallel  # frames a second the lab's training processes make in all
    released = False
    try:
        while True:
            if sessions.keepalive_due(sid):
                await asyncio.to_thread(sessions.keepalive, sid)
            if recheck is not None and time.monotonic() - checked >= RECHECK_SECONDS:
                checked = time.monotonic()
                try:
                    refused = await recheck()
                except Exception:  # the store did not answer (a restart, a blip): the run goes on, checked again
                    log.warning("could not check a class playground socket's sign-in; trying again", exc_info=True)
                    refused = None
                if refused is not None:  # the run stops now, whatever the client does; the page shows the reason
                    tab.playing = False
                    await ws.close(code=1008, reason=refused.encode()[:123].decode(errors="ignore"))
                    return
            if tab.playing and tab.session is not None:
                try:
                    await tab.advance()
                except ValueError as exc:  # the run cannot go on (its training process stopped): say so, pause
                    tab.playing = False
                    await tab.send_error(exc)
                while not inbox.empty():  # control messages apply between frames, without a restart
                    if not await _process(tab, inbox.get_nowait()):
                        return
                # frames on a fixed schedule (not "sleep what is left"), so sleep overshoot does not add up;
                # a frame that ran late is made up by the next ones, up to CATCH_UP frames (the page queues a
                # few), and beyond that the schedule restarts instead of bursting
                period = sessions.frame_seconds(FRAME_SECONDS, budget)  # longer as the lab fills
                deadline = max(deadline + period, time.monotonic() - CATCH_UP * period)
                await asyncio.sleep(deadline - time.monotonic())
                continue
            deadline = time.monotonic()
            try:
                raw = await asyncio.wait_for(inbox.get(), timeout=sessions.idle_seconds)
            except TimeoutError:
                # free the slot before the page hears of it: a page that reconnects at once fits
                tab.close()
                await asyncio.to_thread(sessions.release, sid)
                released = True
                await ws.close(code=1000, reason="idle")
                return
            if not await _process(tab, raw):
                return
    except (WebSocketDisconnect, TimeoutError):  # TimeoutError: a page that stopped reading its frames
        pass
    finally:
        reader.cancel()
        if not released:
            tab.close()  # the training process drops the run and its arrays once it has finished any frame in hand
            sessions.release(sid)


def _still_let_in(ws: WebSocket):
    """In class mode: a coroutine function answering None while the socket's cookie or token still proves the
    identity it opened with, else the reason to close it with (the one the learner's other pages are given: class
    archived, new rejoin code, merged, forgotten). None outside class mode, where nobody signs in."""
    who = get_identity(ws)
    if who is None or not getattr(ws.app.state, "classroom", False):
        return None
    from . import classroom as gate  # the class gate's own reasons (imported here: that module imports much)

    app = ws.app

    async def check() -> str | None:
        now = await identify(app.state.store, app.state.signing_key, ws.cookies, ws.headers.get("authorization"))
        if now is not None and (now.class_id, now.learner_id) == (who.class_id, who.learner_id):
            return None  # the same learner (renamed perhaps) or the same class's teacher
        if who.is_teacher:
            klass = await asyncio.to_thread(app.state.store.class_by_id, who.class_id)
            return gate.ARCHIVED_TEACHER_REASON if klass is not None and klass.archived else SIGNED_OUT_REASON
        note = await asyncio.to_thread(gate.why_signed_out, app, ws)
        return note.reason if note is not None else SIGNED_OUT_REASON

    return check


def _pins_loader(ws: WebSocket):
    """For a learner in a class: a coroutine function that reads the class's pinned settings (None elsewhere: the
    teacher and the local lab pin nothing)."""
    who = get_identity(ws)
    if who is None or who.is_teacher:
        return None
    store = ws.app.state.store

    async def load() -> Pins:
        saved = await store.class_playground_async(who.class_id)
        return Pins() if saved is None else ClassPlayground(saved["config"], tuple(saved["pinned"])).pins

    return load


_BINARY = object()  # a binary frame: answered with an error, the session kept


async def _read(ws: WebSocket, inbox: asyncio.Queue) -> None:
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            await inbox.put(text if text is not None else _BINARY)
    except (WebSocketDisconnect, RuntimeError):
        pass
    await inbox.put(_CLOSED)


def _no_constant(name: str):
    raise ConfigError("message", f"{name} is not a JSON number; send a finite number, or null for none")


async def _process(tab: _Tab, raw) -> bool:
    """Handle one message; False when the tab has gone."""
    if raw is _CLOSED:
        return False
    if raw is _BINARY:
        await tab.send_error("binary frames are not read; send JSON text such as {\"type\": \"play\"}",
                             "message")
        return True
    if len(raw) > MAX_MESSAGE_CHARS:
        await tab.send_error(f"{len(raw):,} characters; the limit is {MAX_MESSAGE_CHARS:,}", "message")
        return True
    try:
        msg = json.loads(raw, parse_constant=_no_constant)
        if not isinstance(msg, dict):
            raise ConfigError("message", f"a JSON object such as {{\"type\": \"play\"}}; got {given(msg)}")
        await tab.handle(msg)
    except json.JSONDecodeError as exc:
        await tab.send_error(f"not JSON (unreadable from character {exc.pos}); send one JSON object",
                             "message")
    except RecursionError:
        await tab.send_error("nested too deeply; a message is one flat object of settings", "message")
    except ValueError as exc:  # ConfigError and the registry's errors: written for the learner
        await tab.send_error(exc)
    except (TypeError, OverflowError, KeyError) as exc:  # a gap in the checks: say so, keep the session
        log.warning("playground message refused: %r", exc)
        await tab.send_error(f"a value could not be used ({type(exc).__name__}); check the settings",
                             "message")
    return True
