"""Bookkeeping for live playground sessions: a cap on how many run at once, per page and in all, and uploaded CSVs.

Each playground page asks for a tab token when it loads (a POST, so only the lab's own pages get one) and opens its
socket with it; one token may hold at most MAX_PER_TAB sessions of the global cap, so a page that opens sockets in
a loop (or reconnects before the server has seen the old socket close) cannot fill the lab. A program may connect
without a token: it shares the global cap only.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter, OrderedDict

MAX_SESSIONS = 60  # a class of 30 with a tab each, and room for reloads and second tabs
# Frames per second that one process can train and send in all (measured: about 320 on one core with the default
# network at 1 epoch a frame). Past FRAME_BUDGET / 64 sessions each session's frame rate falls so that the total
# stays here, instead of the 25th being refused: 10 sessions get 30 frames/s each, 30 get 10, 60 get 5.
FRAME_BUDGET = 300.0
MAX_PER_TAB = 3
IDLE_SECONDS = 90  # a paused page pings every 25 s; a socket silent this long is closed and its slot freed
MAX_UPLOADS = 64
MAX_TABS = 4096  # tokens remembered; the oldest is forgotten first (its page reloads to get a new one)

FULL = "full"
TAB_FULL = "tab_full"
UNKNOWN_TAB = "unknown_tab"


class SessionManager:
    # When set (routes/classroom.install sets the lab's store), uploads and tab tokens are kept in the store, so
    # with several workers a page's socket may land on another worker than its upload or its tab token did.
    # The counts of running sessions stay per process: each worker caps its own.
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
            self._active[self._next] = tab
            if tab is not None:
                self._per_tab[tab] += 1
            return self._next

    def release(self, sid: int) -> None:
        with self._lock:
            tab = self._active.pop(sid, None)
            if tab is not None:
                self._per_tab[tab] -= 1
                if self._per_tab[tab] <= 0:
                    del self._per_tab[tab]

    @property
    def active(self) -> int:
        return len(self._active)

    def frame_seconds(self, fastest: float) -> float:
        """The time between one session's frames now: ``fastest`` while the lab has room, longer as sessions
        are added, so that all of them together send about FRAME_BUDGET frames a second."""
        return max(fastest, len(self._active) / FRAME_BUDGET)

    def store_upload(self, data: bytes) -> str:
        token = secrets.token_urlsafe(12)
        if self.shared is not None:
            self.shared.put_upload(token, data)
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
