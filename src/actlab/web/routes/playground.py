"""The live playground: one WebSocket per tab, training server-side, frames as compact binary."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time

from fastapi import APIRouter, HTTPException, UploadFile, WebSocket, WebSocketDisconnect

from ...datasets import MAX_CSV_BYTES, load_csv
from ...errors import ConfigError, given
from ...playground import MAX_EPOCHS_PER_FRAME, PlaygroundSession, export_json, export_torch
from ...session import RunConfig, size_limits
from ..deps import SessionsDep
from ..sessions import TAB_FULL, UNKNOWN_TAB

router = APIRouter(tags=["playground"])
ws_router = APIRouter()  # the WebSocket sits outside the /api prefix
FRAME_SECONDS = 1 / 64  # a little above 60 Hz, so the page never waits a whole vsync for a frame
CATCH_UP = 2  # frames a late frame may be made up by (the page's queue holds 3)
# Training runs on the event loop's own thread, in slices of about this long with the other tabs and requests
# let in between. A worker thread per frame was slower: on small networks every NumPy call is short and holds the
# GIL, so the worker and the event loop handed the GIL back and forth thousands of times a second (measured:
# 57-59 frames/s at 10 epochs per frame on the default network, against 62 on the loop). Work too long for one
# slice (one epoch of a very large network) still goes to a worker thread, so the server never stalls on it.
SLICE_SECONDS = 0.012
MAX_MESSAGE_CHARS = 100_000
MAX_STOP_EPOCH = 1_000_000
SEND_SECONDS = 30
MAX_UPDATES_PER_FRAME = 10_000  # a frame's work: 50 epochs of 2,000 updates each (the most allowed) took minutes
log = logging.getLogger(__name__)


@router.get("/playground/limits")
def limits() -> dict:
    """The network size the playground allows (set with actlab lab --max-layers / --max-width)."""
    max_layers, max_width = size_limits()
    return {"max_layers": max_layers, "max_width": max_width}


@router.post("/playground/tab")
def new_tab(sessions: SessionsDep) -> dict:
    """A token for one playground page: its sockets (/ws/playground?tab=TOKEN) may hold at most a few of the lab's
    playground sessions. A POST, so a page on another site cannot obtain one."""
    return {"tab": sessions.new_tab(), "max_per_tab": sessions.max_per_tab}


@router.post("/playground/csv")
async def upload_csv(file: UploadFile, sessions: SessionsDep) -> dict:
    """Validate a learner's CSV with the engine; on success return a token the WebSocket can use.

    The file is parsed in a worker thread (a 5 MB file takes a good part of a second, which the event loop spends
    on the other tabs' frames instead), and parsing stops at the row limit."""
    data = await file.read(MAX_CSV_BYTES + 1)
    try:
        ds = await asyncio.to_thread(load_csv, data, name=file.filename or "csv")
    except ConfigError as exc:
        raise HTTPException(422, str(exc)) from None
    token = sessions.store_upload(data)
    return {"token": token, "rows": len(ds.labels), "columns": list(ds.columns), "task": ds.task,
            "classes": list(ds.class_names), "two_d": ds.points.shape[1] == 2}


class _Tab:
    """The state of one connected tab."""

    def __init__(self, ws: WebSocket, sessions):
        self.ws = ws
        self.sessions = sessions
        self.session: PlaygroundSession | None = None
        self.playing = False
        self.epochs_per_frame = 1
        self.stop_epoch: int | None = None
        self.target_loss: float | None = None
        self.lock = asyncio.Lock()
        self._forget_timings()

    def _forget_timings(self) -> None:
        """Running estimates that decide between the loop and a worker thread; None until measured, so a new run's
        first epoch, evaluation and frame go to a thread (an 8 x 32 network on 20,000 points stalled every other
        client for seconds when its first slice ran on the loop at a small network's estimate)."""
        self.epoch_seconds: float | None = None
        self.seconds: dict[str, float | None] = {"eval": None, "frame": None}  # the last evaluation's and frame's

    async def send_error(self, exc: Exception | str, field: str | None = None) -> None:
        message = str(exc)
        await self.ws.send_text(json.dumps({"type": "error", "field": getattr(exc, "field", field),
                                            "message": message}))

    async def start(self, config: dict, csv_token: str | None) -> None:
        cfg = RunConfig.from_dict(config)
        csv_bytes = None
        if csv_token:
            csv_bytes = self.sessions.upload(csv_token)
            if csv_bytes is None:
                raise ConfigError("csv", "the uploaded file has expired; upload it again")
        session = await asyncio.to_thread(PlaygroundSession, cfg, csv_bytes)
        self.session = session
        self.playing = False
        self._forget_timings()
        await self.ws.send_text(json.dumps({"type": "ready", "config": cfg.to_dict(), "points": session.points()}))
        session.last_frame = await self._timed("eval", session.trainer.frame)
        await self.send_frame()

    async def send_frame(self) -> None:
        data = await self._timed("frame", self.session.frame_data)
        # a page that reads nothing fills the socket's buffers and the send waits; after SEND_SECONDS the session
        # ends and its slot is freed (the page, if it is still there, reconnects)
        async with asyncio.timeout(SEND_SECONDS):  # no extra task per frame, unlike wait_for
            await self.ws.send_bytes(data.encode())

    async def _timed(self, kind: str, fn):
        """fn() on the loop when its last run was short, else in a worker thread; records how long it took."""
        started = time.perf_counter()
        last = self.seconds[kind]
        result = await asyncio.to_thread(fn) if last is None or last > SLICE_SECONDS else fn()
        self.seconds[kind] = time.perf_counter() - started
        return result

    async def train(self, epochs: int) -> None:
        """One frame's epochs, in slices of about SLICE_SECONDS with the event loop let go between them."""
        s, done = self.session, 0
        while done < epochs and not s.trainer.diverged:
            estimate = self.epoch_seconds
            n = 1 if estimate is None else max(1, min(epochs - done, int(SLICE_SECONDS / estimate)))
            started = time.perf_counter()
            if estimate is None or estimate > SLICE_SECONDS:
                await asyncio.to_thread(s.train, n)
            else:
                s.train(n)
            per_epoch = (time.perf_counter() - started) / n
            self.epoch_seconds = per_epoch if estimate is None else 0.5 * estimate + 0.5 * per_epoch
            done += n
            if done < epochs:
                await asyncio.sleep(0)

    async def advance(self) -> None:
        s = self.session
        k = self.epochs_per_frame
        updates = -(-len(s.trainer.x_train) // s.trainer.batch_size)  # minibatch updates in one epoch
        k = min(k, max(1, MAX_UPDATES_PER_FRAME // updates))  # big data sets: fewer epochs in a frame
        if self.stop_epoch is not None:
            k = max(1, min(k, self.stop_epoch - s.trainer.epoch_count))
        async with self.lock:
            await self.train(k)
            frame = await self._timed("eval", s.finish_frame)
            await self.send_frame()
        if frame.status == "diverged":
            self.playing = False
            await self.ws.send_text(json.dumps({"type": "stopped", "reason": "diverged",
                                                "message": f"Diverged at step {frame.diverged_at_step}: the loss "
                                                           "became NaN or infinite. Lower the learning rate and "
                                                           "press reset."}))
        elif self.stop_epoch is not None and frame.epoch >= self.stop_epoch:
            self.playing = False
            await self.ws.send_text(json.dumps({"type": "stopped", "reason": "epochs",
                                                "message": f"Stopped at epoch {frame.epoch}."}))
        elif self.target_loss is not None and frame.test_loss is not None and frame.test_loss <= self.target_loss:
            self.playing = False
            await self.ws.send_text(json.dumps({"type": "stopped", "reason": "target",
                                                "message": f"Test loss {frame.test_loss:.4f} reached the target "
                                                           f"{self.target_loss:g} at epoch {frame.epoch}."}))

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
            await self.start(config, token)
        elif self.session is None:
            raise ConfigError("type", "send 'init' with a config first")
        elif kind == "play":
            self.playing = True
        elif kind == "ping":  # a paused page says it is still there, so the idle timeout does not close it
            pass
        elif kind == "pause":
            self.playing = False
        elif kind == "step":
            self.playing = False
            async with self.lock:
                await asyncio.to_thread(self.session.step_once)
                await self.send_frame()
        elif kind == "set":
            if "lr" in msg:
                self.session.set_lr(_number(msg["lr"], "lr"))
            if "epochs_per_frame" in msg:
                k = msg["epochs_per_frame"]
                if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_EPOCHS_PER_FRAME:
                    raise ConfigError("epochs_per_frame", f"1 to {MAX_EPOCHS_PER_FRAME}; got {k!r}")
                self.epochs_per_frame = k
            if "stop_epoch" in msg:
                v = msg["stop_epoch"]
                self.stop_epoch = None if v in (None, 0) else _whole(v, "stop_epoch", MAX_STOP_EPOCH)
            if "target_loss" in msg:
                v = msg["target_loss"]
                self.target_loss = None if v in (None, "") else _number(v, "target_loss")
        elif kind == "export":
            fmt = msg.get("format", "json")
            if fmt == "json":
                body = json.dumps(export_json(self.session))
            elif fmt == "torch":
                body = export_torch(self.session)
            else:
                raise ConfigError("format", f"json or torch; got {fmt!r}")
            await self.ws.send_text(json.dumps({"type": "export", "format": fmt, "body": body}))
        else:
            raise ConfigError("type", f"unknown message type {given(kind)}; allowed: init, reset, play, pause, "
                                      "step, set, export, ping")


def _number(v, field: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ConfigError(field, f"a finite number; got {given(v)}")
    return float(v)


def _whole(v, field: str, high: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v != int(v) or \
            not 1 <= v <= high:
        raise ConfigError(field, f"a whole number from 1 to {high:,} (or 0 for none); got {given(v)}")
    return int(v)


_CLOSED = object()


def _refusal(why: str, sessions) -> tuple[str | None, str, int]:
    """(field, message, close code) for a socket that gets no session."""
    if why == UNKNOWN_TAB:
        return "tab", "This page's tab token is unknown (the lab restarted?): reload the page.", 1008
    if why == TAB_FULL:
        return "tab", (f"This page already has {sessions.max_per_tab} playground connections open; close one (or "
                       "wait a moment after a reconnect) before opening another."), 1013
    return None, (f"The lab is full: {sessions.max_sessions} playground sessions are running. Close another "
                  "playground tab, or try again in a minute."), 1013


@ws_router.websocket("/ws/playground")
async def playground_ws(ws: WebSocket, sessions: SessionsDep, tab: str | None = None) -> None:
    await ws.accept()
    sid = sessions.acquire(tab)
    if isinstance(sid, str):
        field, message, code = _refusal(sid, sessions)
        await ws.send_text(json.dumps({"type": "error", "field": field, "message": message}))
        await ws.close(code=code)
        return
    tab = _Tab(ws, sessions)  # the tab token's job is done: from here, `tab` is this socket's state
    inbox: asyncio.Queue = asyncio.Queue(maxsize=256)
    reader = asyncio.create_task(_read(ws, inbox))
    deadline = time.monotonic()
    try:
        while True:
            if tab.playing and tab.session is not None:
                await tab.advance()
                while not inbox.empty():  # control messages apply between frames, without a restart
                    if not await _process(tab, inbox.get_nowait()):
                        return
                # frames on a fixed schedule (not "sleep what is left"), so sleep overshoot does not add up;
                # a frame that ran late is made up by the next ones, up to CATCH_UP frames (the page queues a
                # few), and beyond that the schedule restarts instead of bursting
                period = sessions.frame_seconds(FRAME_SECONDS)  # longer as the lab fills (sessions.FRAME_BUDGET)
                deadline = max(deadline + period, time.monotonic() - CATCH_UP * period)
                await asyncio.sleep(deadline - time.monotonic())
                continue
            deadline = time.monotonic()
            try:
                raw = await asyncio.wait_for(inbox.get(), timeout=sessions.idle_seconds)
            except TimeoutError:
                await ws.close(code=1000, reason="idle")
                return
            if not await _process(tab, raw):
                return
    except (WebSocketDisconnect, TimeoutError):  # TimeoutError: a page that stopped reading its frames
        pass
    finally:
        reader.cancel()
        sessions.release(sid)  # the session and its arrays go with the tab


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
        await tab.send_error("message: binary frames are not read; send JSON text such as {\"type\": \"play\"}",
                             "message")
        return True
    if len(raw) > MAX_MESSAGE_CHARS:
        await tab.send_error(f"message: {len(raw):,} characters; the limit is {MAX_MESSAGE_CHARS:,}", "message")
        return True
    try:
        msg = json.loads(raw, parse_constant=_no_constant)
        if not isinstance(msg, dict):
            raise ConfigError("message", f"a JSON object such as {{\"type\": \"play\"}}; got {given(msg)}")
        await tab.handle(msg)
    except json.JSONDecodeError as exc:
        await tab.send_error(f"message: not JSON (unreadable from character {exc.pos}); send one JSON object",
                             "message")
    except RecursionError:
        await tab.send_error("message: nested too deeply; a message is one flat object of settings", "message")
    except ValueError as exc:  # ConfigError and the registry's errors: written for the learner
        await tab.send_error(exc)
    except (TypeError, OverflowError, KeyError) as exc:  # a gap in the checks: say so, keep the session
        log.warning("playground message refused: %r", exc)
        await tab.send_error(f"message: a value could not be used ({type(exc).__name__}); check the settings",
                             "message")
    return True
