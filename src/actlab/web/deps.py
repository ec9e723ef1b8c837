"""Shared dependencies of the routers, declared once as Annotated aliases, and who is asking.

In class mode (the lab's store holds a class; see routes/classroom.py) every request carries an identity read from
a signed cookie, or, for a teacher's script, from `Authorization: Bearer TOKEN`:

- a learner's cookie names the learner's id, class and session version; it stops working when the learner is
  forgotten, and when the teacher gives them a new rejoin code (Store.new_rejoin_code moves the version on, in the
  store, so every worker refuses the old cookies at once, and after a restart too);
- a teacher's cookie names the class and the first characters of the token's hash, so rotating the token logs
  every teacher out.

A cookie's value is ``kind.id.extra.mac``, the mac an HMAC-SHA256 of the rest under the key kept in the store
(Store.secret()), so every worker on the same store accepts the same cookies and a restart logs nobody out.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection  # the common base of Request and WebSocket

from ..classroom import ScopedStore
from ..store import Store, hash_token
from .sessions import SessionManager

LEARNER_COOKIE = "actlab_learner"
TEACHER_COOKIE = "actlab_teacher"
LEARNER_MAX_AGE = 30 * 24 * 3600  # a term's lessons on one device without rejoining
TEACHER_MAX_AGE = 12 * 3600


@dataclass(frozen=True)
class Identity:
    """Who a class-mode request comes from: a learner (``learner`` set) or the class's teacher."""

    class_id: int
    learner: str | None = None
    learner_id: int | None = None

    @property
    def is_teacher(self) -> bool:
        return self.learner is None


def _mac(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]


def sign(key: bytes, kind: str, id_: int, extra: str) -> str:
    payload = f"{kind}.{id_}.{extra}"
    return f"{payload}.{_mac(key, payload)}"


def _unsign(key: bytes, value: str | None) -> tuple[str, int, str] | None:
    parts = (value or "").split(".")
    if len(parts) != 4 or not parts[1].isdigit() or len(value) > 200:
        return None
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _mac(key, payload)):
        return None
    return parts[0], int(parts[1]), parts[2]


def token_tag(token_hash: str) -> str:
    """What a teacher's cookie keeps of the token's hash: enough to notice a rotated token."""
    return token_hash[:16]


def learner_cookie(key: bytes, learner_id: int, class_id: int, session: int = 1) -> str:
    """``class_id`` and the learner's session version, "3v2" (a cookie from before versions says "3": version 1)."""
    return sign(key, "l", learner_id, f"{class_id}v{session}")


def cookie_session(extra: str) -> tuple[str, int]:
    """(class id, session version) from a learner cookie's ``extra`` (learner_cookie)."""
    class_part, _, version = extra.partition("v")
    return class_part, int(version) if version.isdigit() else 1


def teacher_cookie(key: bytes, class_id: int, token: str) -> str:
    return sign(key, "t", class_id, token_tag(hash_token(token)))


async def identify(store: Store, key: bytes, cookies: dict[str, str], authorization: str | None) -> Identity | None:
    """The identity a request proves, the teacher's first (a teacher may also have joined as a learner). It runs
    for every request, on the event loop: a cookie costs one read that does not block the loop (on PostgreSQL
    an asynchronous query; Store.joined_learner_async), so a learner's check still makes one thread hop, its own.
    A teacher's script with a token reads every class's hash: that goes to a worker thread."""
    if authorization and authorization[:7].lower() == "bearer ":
        found = await asyncio.to_thread(store.class_for_token, authorization[7:].strip())
        return Identity(found.id) if found is not None and not found.archived else None
    teacher = _unsign(key, cookies.get(TEACHER_COOKIE))
    if teacher is not None and teacher[0] == "t":
        row = await store.teacher_class_async(teacher[1])
        if row is not None and not row[1] and hmac.compare_digest(token_tag(row[0]), teacher[2]):
            return Identity(teacher[1])
    learner = _unsign(key, cookies.get(LEARNER_COOKIE))
    if learner is not None and learner[0] == "l":
        found = await store.joined_learner_async(learner[1])  # the same one read, with the session version
        if found is not None and cookie_session(learner[2]) == (str(found.class_id), found.session):
            return Identity(found.class_id, found.name, found.id)
    return None


def get_identity(conn: HTTPConnection) -> Identity | None:
    """The identity the class gate found (None outside class mode, and for a request it let through unproven)."""
    return conn.scope.get("state", {}).get("actlab_identity")


async def get_store(conn: HTTPConnection) -> Store:
    """The store, or in class mode the store as the asking identity may see it (classroom.ScopedStore). A
    client may send `Idempotency-Key: <id>` with an answer: sent again after a lost reply, it is stored once.

    The dependencies here are coroutines because they only read the connection: FastAPI runs a plain-def
    dependency in its thread pool, so each one cost every request a hop to a worker thread and back (measured
    under load with 30 learners playing: up to a few hundred ms a hop, see bench/classroom.py)."""
    store = conn.app.state.store
    who = get_identity(conn)
    if who is None:
        return store
    return ScopedStore(store, who.class_id, who.learner, conn.headers.get("idempotency-key"))


async def get_sessions(conn: HTTPConnection) -> SessionManager:
    return conn.app.state.sessions


async def _identity(conn: HTTPConnection) -> Identity | None:
    return get_identity(conn)  # get_identity stays a plain function: the playground's socket calls it directly


StoreDep = Annotated[Store, Depends(get_store)]
SessionsDep = Annotated[SessionManager, Depends(get_sessions)]
IdentityDep = Annotated[Identity | None, Depends(_identity)]
