"""Bookkeeping for live playground sessions: a cap on how many run at once, per page and in all, and uploaded CSVs.

Each playground page asks for a tab token when it loads (a POST, so only the lab's own pages get one) and opens its
socket with it; one token may hold at most MAX_PER_TAB sessions of the global cap, so a page that opens sockets in
a loop (or reconnects before the server has seen the old socket close) cannot fill the lab. A program may connect
without a token: it shares the global cap only.

With the lab's store attached (``shared``), the caps count the sessions of every worker on that store: each
session is a row that its worker refreshes every TOUCH_SECONDS while the socket lives, and a row not refreshed for
stale_seconds (its worker was killed) stops counting.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter, OrderedDict

MAX_SESSIONS = 60  # a class of 30 with a tab each, and room for reloads and second tabs
MAX_SESSIONS_LIMIT = 1000  # the most `actlab lab --max-sessions` (LabSettings.max_sessions) accepts
# Frames per second that one core can train and send in all (measured: about 320 on one core with the default
# network at 1 epoch a frame). The playground's socket asks for FRAME_BUDGET times the cores its training processes
# use (web/pool.py); past that many sessions / 64 each session's frame rate falls so that the total stays there,
# instead of the 25th being refused. On 2 cores: 10 sessions may have 60 frames/s each, 30 may have 20, 60 may have 10.
# Those are ceilings; the training processes make what the cores allow. Measured on a 2-core machine with every
# learner also answering (bench/classroom.py, default network, 1 epoch a frame): 30 learners got 4.6-5.2 frames/s
# each with one worker on SQLite (3.8 with two workers, 2.2-3.4 on PostgreSQL, whose server shares the cores), and at
# 100 learners the 60 sessions under the cap got 1-1.5 frames/s each while the other 40 were refused with a message.
FRAME_BUDGET = 300.0
MAX_PER_TAB = 3
IDLE_SECONDS = 90  # a paused page pings every 25 s; a socket silent this long is closed and its slot freed
MAX_UPLOADS = 64
TOUCH_SECONDS = 10  # how often a worker refreshes its live sessions' rows in the shared store
COUNT_SECONDS = 1.0  # how long a worker reuses the shared session count it read for the frame rate
MAX_TABS = 4096  # tokens remembered; the oldest is forgotten first (its page reloads to get a new one)

FULL = "full"
TAB_FULL = "tab_full"
UNKNOWN_TAB = "unknown_tab"


class SessionManager:
    # When set (routes/classroom.install sets the lab's store), uploads, tab tokens and the count of running
    # sessions are kept in the store, so with several workers a page's socket may land on another worker than its
    # upload or its tab token did, and the caps hold for the lab as a whole.
    shared = None

    def __init__(self, max_sessions: int = MAX_SESSIONS, idle_seconds: float = IDLE_SECONDS,
                 max_per_tab: int = MAX_PER_TAB):
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self.max_per_tab = max_per_tab
        self._active: dict[int, str | None] = {}  # session id -> its tab token
        self._per_tab: Counter[str] = Counter()
        self._tabs: OrderedDict[str, None] = OrderedDict()
        self._uploads: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._next = 0
        self._worker = secrets.token_hex(6)  # this process's part of a session's key in the shared store
        self._touched: dict[int, float] = {}
        self._count: tuple[float, int] = (0.0, 0)  # (when read, the shared count)

    @property
    def stale_seconds(self) -> float:
        """A shared session row not refreshed for this long no longer counts (a paused page pings every 25 s,
        and a socket silent for idle_seconds is closed)."""
        return max(60.0, self.idle_seconds + 3 * TOUCH_SECONDS)

    def _key(self, sid: int) -> str:
        return f"{self._worker}:{sid}"

    def new_tab(self) -> str:
        token = secrets.token_urlsafe(12)
        if self.shared is not None:
            self.shared.put_tab(token)
        with self._lock:
            self._tabs[token] = None
            while len(self._tabs) > MAX_TABS:
                self._tabs.popitem(last=False)
        return token

    def acquire(self, tab: str | None = None) -> int | str:
        """A session id, or why not: FULL (the global cap), TAB_FULL (this page's share), UNKNOWN_TAB."""
        known_elsewhere = tab is not None and tab not in self._tabs and self.shared is not None and \
            self.shared.has_tab(tab)  # another worker gave it out
        with self._lock:
            if known_elsewhere:
                self._tabs[tab] = None
            if tab is not None and tab not in self._tabs:
                return UNKNOWN_TAB
            if len(self._active) >= self.max_sessions:
                return FULL
            if tab is not None and self._per_tab[tab] >= self.max_per_tab:
                return TAB_FULL
            self._next += 1
            sid = self._next
        if self.shared is not None:
            refused = self.shared.acquire_play_session(self._key(sid), tab, self.max_sessions, self.max_per_tab,
                                                       self.stale_seconds)
            if refused is not None:
                return FULL if refused == "full" else TAB_FULL
        with self._lock:
            self._active[sid] = tab
            self._touched[sid] = time.monotonic()
            if tab is not None:
                self._per_tab[tab] += 1
        return sid

    def keepalive_due(self, sid: int) -> bool:
        """Whether a live session's shared row should be refreshed now (every TOUCH_SECONDS)."""
        return self.shared is not None and time.monotonic() - self._touched.get(sid, 0.0) >= TOUCH_SECONDS

    def keepalive(self, sid: int) -> None:
        """Refresh a live session's shared row, so that it keeps counting (a write: the socket calls it from a
        thread when keepalive_due says so)."""
        if self.shared is None:
            return
        self._touched[sid] = time.monotonic()
        self.shared.touch_play_sessions([self._key(sid)])

    def release(self, sid: int) -> None:
        with self._lock:
            self._touched.pop(sid, None)
            tab = self._active.pop(sid, None)
            if tab is not None:
                self._per_tab[tab] -= 1
                if self._per_tab[tab] <= 0:
                    del self._per_tab[tab]
        if self.shared is not None:
            self.shared.release_play_session(self._key(sid))

    @property
    def active(self) -> int:
        """Running sessions: of every worker on the shared store, else of this process."""
        if self.shared is None:
            return len(self._active)
        read_at, count = self._count
        if time.monotonic() - read_at > COUNT_SECONDS:
            count = self.shared.play_sessions(self.stale_seconds)
            self._count = (time.monotonic(), count)
        return max(count, len(self._active))

    def frame_seconds(self, fastest: float, budget: float = FRAME_BUDGET) -> float:
        """The time between one session's frames now: ``fastest`` while the lab has room, longer as sessions
        are added, so that all of them together send about ``budget`` frames a second."""
        return max(fastest, self.active / budget)

    def store_upload(self, data: bytes, class_id: int | None = None, owner: str | None = None) -> str:
        """Keep an upload and return its token; in a class the store's quotas apply (store.UploadQuota)."""
        token = secrets.token_urlsafe(12)
        if self.shared is not None:
            self.shared.put_upload(token, data, class_id=class_id, owner=owner)
            return token
        with self._lock:
            self._uploads[token] = data
            while len(self._uploads) > MAX_UPLOADS:  # oldest first: bounded memory
                self._uploads.popitem(last=False)
        return token

    def upload(self, token: str) -> bytes | None:
        if self.shared is not None:
            return self.shared.get_upload(token)
        with self._lock:
            return self._uploads.get(token)
