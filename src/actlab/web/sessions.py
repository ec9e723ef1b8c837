"""Bookkeeping for live playground sessions: a cap on how many run at once, and uploaded CSVs."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

MAX_SESSIONS = 24
IDLE_SECONDS = 600
MAX_UPLOADS = 64


class SessionManager:
    def __init__(self, max_sessions: int = MAX_SESSIONS, idle_seconds: float = IDLE_SECONDS):
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self._active: set[int] = set()
        self._uploads: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._next = 0

    def acquire(self) -> int | None:
        """A session id, or None when the cap is reached."""
        with self._lock:
            if len(self._active) >= self.max_sessions:
                return None
            self._next += 1
            self._active.add(self._next)
            return self._next

    def release(self, sid: int) -> None:
        with self._lock:
            self._active.discard(sid)

    @property
    def active(self) -> int:
        return len(self._active)

    def store_upload(self, data: bytes) -> str:
        token = secrets.token_urlsafe(12)
        with self._lock:
            self._uploads[token] = data
            while len(self._uploads) > MAX_UPLOADS:  # oldest first: bounded memory
                self._uploads.popitem(last=False)
        return token

    def upload(self, token: str) -> bytes | None:
        with self._lock:
            return self._uploads.get(token)
