"""Class mode: joining with a code, the teacher's login, the per-learner view and exports, and the gate.

The lab is in class mode when its store holds a class (`actlab class create NAME`) at start. Then:

- a learner joins at /join with the class's code and a display name and gets a signed cookie (deps.py); the
  same name on another device needs the personal rejoin code shown at joining;
- a teacher logs in at /teacher/login with the token (a cookie), or sends `Authorization: Bearer TOKEN`;
- ClassGate lets a request through only with one of them: /teacher, the class summary and everything under
  /api/class/teacher/ need the teacher (401 otherwise); every other page, API and socket needs a learner or the
  teacher (pages redirect to /join, APIs and sockets are refused); /join, the login and static files are open;
- the exercise routes record into the learner's class under the joined name (deps.get_store).

Cookies are HttpOnly and SameSite=Strict (Secure behind TLS); the two forms carry a CSRF token that must equal
a cookie set with the form (double submit), on top of the Origin check every POST already passes (guard.py).
Joining and logging in are rate-limited per client address, counting only failures (in the store, so the limit
holds across workers), so a class behind one school address can join at once while guessing a 6-character code
(31^6 of them) stays hopeless. Outside class
mode none of this applies and the lab is the single-learner local app.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import math
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import HTTPConnection

from ...classroom import (
    LINK_EXAMPLE,
    LINK_EXAMPLE_ORIGIN,
    ClassPlayground,
    LinkSettings,
    attempt_log,
    export_json,
    export_table,
    learner_rows,
    log_csv,
    merge_playground,
    playground_changes,
    read_link,
    shown_value,
    to_csv,
)
from ...errors import ConfigError
from ...exercises import all_exercises
from ...store import REJOIN_FIELD, Store, WrongRejoinCode, fold_name, name_key, normalise_code
from ..deps import (
    LEARNER_COOKIE,
    LEARNER_MAX_AGE,
    TEACHER_COOKIE,
    TEACHER_MAX_AGE,
    Identity,
    IdentityDep,
    _unsign,
    cookie_session,
    get_identity,
    identify,
    learner_cookie,
    teacher_cookie,
    token_tag,
)
from ..problems import INVALID, problem
from ..settings import limits as lab_limits

STATIC = Path(__file__).resolve().parent.parent / "static"
CSRF_COOKIE = "actlab_csrf"
# The guessing bound: at most this many failures from one client address in any 60 s (distinct wrong class codes,
# wrong rejoin codes and teacher tokens; a taken name is not one); a join code is one of 31^6 (store.JOIN_CODE_CHARS)
FAILURES_PER_MINUTE = 10
# The rejoin codes' bound: an address at its limit of wrong rejoin codes still has a code checked for a name while
# that name got fewer than this many wrong codes from the address in the last 60 s (a right code passes: the limit
# slows guessing and must not lock out a learner after classmates' typos). So an address gets at most
# FAILURES_PER_MINUTE + REJOIN_TRIES_PER_NAME x (names tried) rejoin codes checked in any 60 s, each name at most
# max(FAILURES_PER_MINUTE, REJOIN_TRIES_PER_NAME) + REJOIN_TRIES_PER_NAME; a code is one of 31^6 (REJOIN_CODE_CHARS)
REJOIN_TRIES_PER_NAME = 3
KNOWN_CODE_SECONDS = 3600  # a class code that let someone at an address join passes that address's limit this long
OPEN_EXACT = frozenset({"/join", "/teacher/login", "/api/class/join", "/api/class/me", "/api/class/logout",
                        "/favicon.ico", "/openapi.json", "/docs", "/redoc"})
OPEN_PREFIXES = ("/static/", "/vendor/")
TEACHER_EXACT = frozenset({"/teacher", "/api/class-summary"})
TEACHER_PREFIX = "/api/class/teacher/"
CSV = {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV with a header row"}
UNAUTHORIZED = {401: problem("Class mode: this needs the class's teacher (a login cookie or Authorization: "
                             "Bearer TOKEN), or a joined learner for the learner's own data")}


class FailureLimit:
    """At most ``per_minute`` failures per client address in any 60 s, counted in the store, so every worker on
    it counts the same failures (a guesser cannot multiply the limit by the number of workers). Each kind of
    credential has its own count (``scope``: join for class codes, rejoin for rejoin codes, login for teacher
    tokens), so a run of wrong class codes from a school's one address does not stop a learner who rejoins with
    the right class code and rejoin code, nor the teacher with the right token (a right one is not a guess)."""

    WORDS = {"join": ("class codes", "A class code someone at this address joined with in the last hour still "
                                     "works, and a learner who joined before can rejoin now with the class code, "
                                     "their name and their rejoin code."),
             "rejoin": ("rejoin codes", "Then check the code: the 6 letters and digits shown when you joined (your "
                                        "teacher can make you a new one)."),
             "login": ("teacher tokens", "The right token still works: check it, or make a new one with 'actlab "
                                         "class token NAME --rotate'.")}

    def __init__(self, store: Store, scope: str, per_minute: int = FAILURES_PER_MINUTE):
        self.store, self.scope, self.per_minute = store, scope, per_minute

    def wait(self, client: str) -> int | None:
        """Seconds until the address is under its limit again; None when it is under it now."""
        recent = self.store.recent_failures(self.scope, client, 60)
        if len(recent) < self.per_minute:
            return None
        return int(60 - (time.time() - recent[-self.per_minute])) + 1

    def refusal(self, wait: int) -> HTTPException:
        what, note = self.WORDS.get(self.scope, ("tries", ""))
        return HTTPException(429, f"Too many wrong {what} from this address in the last minute; wait {wait} s. "
                                  f"{note}".strip(), headers={"Retry-After": str(wait)})

    def check(self, client: str) -> None:
        wait = self.wait(client)
        if wait is not None:
            raise self.refusal(wait)

    def failed(self, client: str, tried: str | None = None) -> None:
        """Count a failure. A wrong class code (``tried``) the address already sent within the minute counts once:
        several learners behind one NAT who misread the board the same way are one failure, and a guesser gains
        nothing by sending a code again."""
        if tried is not None:
            if self.store.recent_failures(self.scope + ":tried", f"{client} {tried}", 60):
                return
            self.store.record_failure(self.scope + ":tried", f"{client} {tried}")
        self.store.record_failure(self.scope, client)

    # An address that joined with a code knows it, so the limit tells it nothing by letting that code through:
    # learners behind one NAT still join after classmates' typos, while a guesser at the limit learns nothing new
    # (any code the address has not joined with is refused with 429, right or wrong). Kept in the failures table,
    # so every worker sees it, and forgotten with it.
    def succeeded(self, client: str, code: str) -> None:
        self.store.record_failure(self.scope + ":known", f"{client} {code}")

    def name_spent(self, client: str, class_id: int, key: str) -> bool:
        """Whether this address sent REJOIN_TRIES_PER_NAME wrong rejoin codes for this name in the last 60 s."""
        return len(self.store.recent_failures(self.scope + ":name", f"{client} {class_id} {key}", 60)) \
            >= REJOIN_TRIES_PER_NAME

    def name_failed(self, client: str, class_id: int, key: str) -> None:
        self.store.record_failure(self.scope + ":name", f"{client} {class_id} {key}")

    def knows(self, client: str, code: str) -> bool:
        return bool(code) and bool(self.store.recent_failures(self.scope + ":known", f"{client} {code}",
                                                              KNOWN_CODE_SECONDS))


def _client(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"


def _secure(conn: HTTPConnection) -> bool:
    return conn.url.scheme in ("https", "wss")  # behind a TLS proxy, run uvicorn with --proxy-headers


def _set(response: Response, conn: HTTPConnection, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", secure=_secure(conn),
                        path="/")


# -- the gate ------------------------------------------------------------------------------------------------

ARCHIVED_READ_ONLY = ("this class is archived: its teacher can read the class and export its records, and nothing "
                      "can be changed; 'actlab class archive NAME --undo' opens it again")
# a socket's close reason holds at most 123 bytes: the learner's and the teacher's playground sockets of an archived
# class are closed with these (code 1008)
ARCHIVED_REASON = "Your class was archived by its teacher: your answers are kept, and it takes no new ones or runs."
ARCHIVED_TEACHER_REASON = ("This class is archived, so its playground is closed; read and export it at /teacher "
                           "(class archive --undo reopens)")


async def _archived_teacher(store: Store, key: bytes, conn: HTTPConnection) -> int | None:
    """The id of an archived class whose teacher this request proves (the token, or a login cookie), else None.
    deps.identify takes only open classes; this is asked only when it found nobody and the request carries
    a teacher's credential, so other requests cost nothing more."""
    authorization = conn.headers.get("authorization")
    if authorization and authorization[:7].lower() == "bearer ":
        found = await asyncio.to_thread(store.class_for_token, authorization[7:].strip())
        return found.id if found is not None and found.archived else None
    teacher = _unsign(key, conn.cookies.get(TEACHER_COOKIE))
    if teacher is not None and teacher[0] == "t":
        row = await store.teacher_class_async(teacher[1])
        if row is not None and row[1] and hmac.compare_digest(token_tag(row[0]), teacher[2]):
            return teacher[1]
    return None



@dataclass(frozen=True)
class SignedOutNote:
    """Why a learner's cookie no longer lets them in, for their open pages: ``detail`` for the API's JSON and the
    join page, ``reason`` for a socket's close frame (at most 123 bytes, so short), ``status`` for the API."""

    status: int
    detail: str
    reason: str


FORGOTTEN_NOTE = ("Your teacher removed your name and your answers from this class (both are deleted), so "
                  "this browser is signed out. You can join the class again as a new learner at /join with the class "
                  "code; your old rejoin code no longer works.")
FORGOTTEN_REASON = "Your teacher removed your name and answers: join again at /join as a new learner."


def why_signed_out(app, conn: HTTPConnection) -> SignedOutNote | None:
    """Why a learner's cookie no longer lets them in, when it is genuine and names a learner the class knew: their
    name was merged into another (`actlab class merge`), their class was archived (409: they did join, and their
    answers are kept), their teacher gave them a new rejoin code, which signed out every device joined before
    (Store.new_rejoin_code), or their teacher forgot them (`actlab class forget`: said without their name, which
    is not kept). None for anything else (no learner cookie, a forged one, a learner still let in): they are told
    to join. The class gate asks it for a refused request's answer and the join page's note; the playground asks
    it when an open socket's re-check finds its learner gone (routes/playground.py). It reads the store: call it
    off the event loop (asyncio.to_thread) where the loop serves others."""
    learner = _unsign(app.state.signing_key, conn.cookies.get(LEARNER_COOKIE))
    if learner is None or learner[0] != "l":
        return None
    store = app.state.store
    into = store.merged_into(learner[1])
    if into is not None:
        return SignedOutNote(401, f"Your teacher merged the name {store.merged_name(learner[1])} into {into} (one "
                                  f"person who had joined twice): your answers are now under {into}. Join again as "
                                  f"{into} with that name's rejoin code, or ask your teacher for a new one.",
                             "Your teacher merged your name into another: open /join to join again.")
    found = store.learner_by_id(learner[1])
    class_part, session = cookie_session(learner[2])
    if found is None and str(store.forgotten_in(learner[1])) == class_part:
        return SignedOutNote(401, FORGOTTEN_NOTE, FORGOTTEN_REASON)
    if found is None or str(found.class_id) != class_part:
        return None
    klass = store.class_by_id(found.class_id)
    if klass is not None and klass.archived:  # the learner joined: "join the class first" was wrong
        return SignedOutNote(409, f"Your class, {klass.name}, was archived by its teacher: your answers are kept and "
                                  "your teacher can still read them, but the class takes no new answers, hints or "
                                  "playground runs now. Ask your teacher if it opens again.", ARCHIVED_REASON)
    if found.session != session:
        return SignedOutNote(401, "Your teacher gave you a new rejoin code, so this browser was signed out (anyone "
                                  "who had your old code is signed out too). Join again at /join with your name, "
                                  f"{found.name}, and the new code from your teacher. Your answers are kept.",
                             "Your teacher gave you a new rejoin code: join again at /join with it.")
    return None


async def _close_socket(receive, send, reason: str) -> None:
    """Accept a socket and close it at once with code 1008 and ``reason`` (a close before the handshake is answered
    403 and carries no reason, so the page could not say why). A close frame's reason holds at most 123 bytes."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": 1008,
                "reason": reason.encode()[:123].decode(errors="ignore")})


class ClassGate:
    """In class mode, who may reach what (the module docstring); the identity found goes to deps.get_identity."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        lab = scope.get("app")
        if scope["type"] not in ("http", "websocket") or lab is None or not getattr(lab.state, "classroom", False):
            return await self.app(scope, receive, send)
        conn = HTTPConnection(scope)
        who = await identify(lab.state.store, lab.state.signing_key, conn.cookies, conn.headers.get("authorization"))
        archived = None if who is not None else await _archived_teacher(lab.state.store, lab.state.signing_key, conn)
        reading = scope["type"] == "http" and scope.get("method") in ("GET", "HEAD")
        if archived is not None and reading:
            who = Identity(archived)  # the teacher of an archived class reads it (the page, the exports) read-only
        scope.setdefault("state", {})["actlab_identity"] = who
        path = scope["path"]
        if path in OPEN_EXACT or path.startswith(OPEN_PREFIXES):
            return await self.app(scope, receive, send)
        if archived is not None and not reading:
            return await self._read_only(scope, receive, send)
        if path in TEACHER_EXACT or path.startswith(TEACHER_PREFIX):
            if who is not None and who.is_teacher:
                return await self.app(scope, receive, send)
            return await self._refuse(scope, receive, send, teacher=True)
        if who is not None:
            if path == "/playground" and scope["type"] == "http" and not who.is_teacher:
                # a page load reads the class's playground: in a thread, off the event loop
                target = await asyncio.to_thread(_class_playground_link, lab.state.store, who.class_id,
                                                 scope.get("query_string", b""))
                if target is not None:
                    return await RedirectResponse(target, status_code=303)(scope, receive, send)
            return await self.app(scope, receive, send)
        return await self._refuse(scope, receive, send, teacher=False)

    @staticmethod
    async def _read_only(scope, receive, send):
        if scope["type"] == "websocket":  # the playground runs nothing for an archived class, its teacher's neither
            return await _close_socket(receive, send, ARCHIVED_TEACHER_REASON)
        response = JSONResponse({"detail": ARCHIVED_READ_ONLY}, status_code=409)
        return await response(scope, receive, send)

    @staticmethod
    async def _refuse(scope, receive, send, teacher: bool):
        path = scope["path"]
        note = None
        if not teacher and LEARNER_COOKIE in HTTPConnection(scope).cookies:  # an open page of a learner let in before
            note = await asyncio.to_thread(why_signed_out, scope["app"], HTTPConnection(scope))
        if scope["type"] == "websocket":
            if note is not None:  # accepted, to be closed with the reason the page can show
                return await _close_socket(receive, send, note.reason)
            return await send({"type": "websocket.close", "code": 1008})  # answered 403: join the class first
        if path.startswith("/api/"):
            detail = ("this needs the class's teacher: log in at /teacher/login or send Authorization: Bearer "
                      "TOKEN" if teacher else "join the class first (/join) or log in as its teacher")
            status = 401
            if note is not None:
                detail, status = note.detail, note.status
            response = JSONResponse({"detail": detail}, status_code=status,
                                    headers={"WWW-Authenticate": "Bearer"} if status == 401 else None)
        elif teacher:
            response = HTMLResponse(_page("teacher-denied.html"), status_code=401)
        else:
            response = RedirectResponse("/join", status_code=303)
        return await response(scope, receive, send)


# The class's playground as a link: the page reads its state from the URL (static/js/state.js), so a learner's
# /playground is sent to a link that carries the class's settings and hides the pinned ones. RunConfig field ->
# (the page's URL key or None, how the page writes the value, the page's hide= keys). The server refuses a change
# to a pinned setting whatever the page does (routes/playground.py); this only makes the page start right.
_PAGE_KEYS = {
    "dataset": ("dataset", str, ("dataset", "csv")),
    "noise": ("noise", lambda v: str(round(100 * v)), ("noise",)),
    "train_fraction": ("train", lambda v: str(round(100 * v)), ("train",)),
    "batch_size": ("batch", str, ("batch",)),
    "lr": ("lr", lambda v: f"{v:g}", ("lr",)),
    "layers": ("layers", lambda v: ",".join(str(w) for w in v), ("layers",)),
    "activations": ("activations", lambda v: ",".join(_page_activation(a) for a in v), ("activation", "slope")),
    "features": ("features", lambda v: ",".join(v), ("features",)),
    "reg": ("reg", str, ("reg",)), "reg_rate": ("reg_rate", lambda v: f"{v:g}", ("reg_rate",)),
    "optimizer": ("optimizer", str, ("optimizer",)), "loss": ("loss", str, ("loss",)),
    "init": ("init", str, ("init",)), "seed": ("seed", str, ("problem",)),
    "weight_seed": ("wseed", lambda v: "" if v is None else str(v), ()),
    "epochs_per_frame": ("speed", str, ("speed",)),
    # the stop rule, under the link keys the page reads (a saved rule that is not pinned fills in a link without one:
    # it was left out, and a learner's run went on past the class's stop epoch)
    "stop_epoch": ("stop_epoch", str, ("stop",)), "target_loss": ("target_loss", lambda v: f"{v:g}", ("target",)),
}

_PIN_HIDE_KEYS = {h for _, _, keys in _PAGE_KEYS.values() for h in keys}  # hide= keys that follow a class's pins


def _page_activation(a) -> str:
    if isinstance(a, str):
        return a
    params = ",".join(f"{k}={'none' if v is None else v}" for k, v in (a.get("params") or {}).items())
    return f"{a['name']}({params})" if params else a["name"]


def _same_text(sent: str, pinned: str) -> bool:
    """Whether a link's text is the pinned value as the page writes it ("0.10" is "0.1", "4, 2" is "4,2")."""
    try:
        return float(sent) == float(pinned)
    except ValueError:
        return sent.replace(" ", "") == pinned.replace(" ", "")


def _fitted_layers(saved: dict, layers: str | None) -> str | None:
    """The link's layers cut or extended to the count that activations pinned one per layer require; None when they
    already fit or nothing fixes the count."""
    acts = saved["config"].get("activations")
    if "activations" not in saved["pinned"] or "layers" in saved["pinned"] or not isinstance(acts, list) or not layers:
        return None
    if len({json.dumps(a) for a in acts}) == 1:
        return None
    try:
        widths = [int(w) for w in layers.split(",") if w.strip()]
    except ValueError:
        return None  # not a layer list the page writes: its own check names it
    if not widths or len(widths) == len(acts):
        return None
    # the learner's own widths, cut to the count or the last repeated (the class's saved layers are only a
    # starting point, and replacing a learner's 8,8,8 by the saved 3,3 lost widths the pins never fixed)
    fitted = (widths + widths[-1:] * len(acts))[:len(acts)]
    return ",".join(str(w) for w in fitted)


# The run's own names that a learner's link may use instead of the page's keys (batch_size=5 for batch=5,
# train_fraction=0.8 for train=80), as a class link may (classroom.read_link reads both): from _PAGE_KEYS, the one table
_RUN_NAMES = {name: key for name, (key, _, _) in _PAGE_KEYS.items() if key is not None and key != name}
# the page-only key that carries the learner's values the pins replaced ("layers:8,8,8;lr:0.03", the page's keys and
# texts), so the page can offer them back when the teacher unpins (static/js/playground.js)
OWN_KEY = "pinned_own"


def _page_text(name: str, text: str) -> str | None:
    """A link's value under the run's name written as the page writes its key ("0.8" for train_fraction -> "80");
    None when it is not a finite number (the page names it as given)."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return _PAGE_KEYS[name][1](int(value) if value.is_integer() else value)


def _as_page_keys(params: dict) -> dict:
    """The link with each run name under the page's key and in its units (batch_size=5 -> batch=5); a value that is
    not a number, or one given beside the page's key with another value, stays as given for the page to name."""
    out = dict(params)
    for name, key in _RUN_NAMES.items():
        text = _page_text(name, params[name]) if name in params else None
        if text is None or (key in params and not _same_text(params[key], text)):
            continue
        del out[name]
        out.setdefault(key, text)
    return out


def _class_playground_link(store: Store, class_id: int, query: bytes) -> str | None:
    """Where a learner's /playground should go: the same link with the class's saved settings (pinned ones
    overriding what the link says, the others filling in what it leaves out) and the pinned controls hidden;
    None when the link already says all that. The link's keys may be the page's or the run's names (batch=5 or
    batch_size=5); the learner's values the pins replaced are named (pinned_overrides) and kept (pinned_own)."""
    from urllib.parse import parse_qsl, urlencode

    saved = store.class_playground(class_id) or {"config": {}, "pinned": []}
    link = _as_page_keys(dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True)))
    wanted = dict(link)
    # In a class the hidden setting controls are the pinned ones, as the teacher pins them now: an address kept from
    # older pins (hide=...,layers) loses what is no longer pinned; view keys (gradient, export) stay the link's.
    hide = [h for h in link.get("hide", "").split(",") if h and h not in _PIN_HIDE_KEYS]
    replaced = []  # the settings whose value in the link the pins replaced: the page names them to the learner
    own = {}  # their values in the link, under the page's keys: the page offers them back when they are unpinned
    for name, value in saved["config"].items():
        key, write, _ = _PAGE_KEYS.get(name, (None, str, ()))
        if name == "activations" and isinstance(value, list) and len({json.dumps(a) for a in value}) == 1:
            value = value[:1]  # one activation for every layer: a link with more (or fewer) layers keeps it
        if key is None or value is None:
            continue
        given = {k: link[k] for k in dict.fromkeys((key, name)) if k in link}  # the page's key, or the run's name
        if name not in saved["pinned"] and given:
            continue  # the learner's own value
        wanted[key] = write(value)
        if name != key:
            wanted.pop(name, None)  # the run's name for it: the page's key now says the pinned value
        sent = [text if k == key else _page_text(name, text) for k, text in given.items()]
        if any(text is None or not _same_text(text, wanted[key]) for text in sent):
            replaced.append(name)
            mine = sent[0]  # the page's key's value when both are given (the page would have used it)
            if mine is not None:
                own[key] = mine
    fitted = _fitted_layers(saved, wanted.get("layers"))
    if fitted is not None:  # one activation pinned per layer: the learner's own layers, to that count
        if "layers" in link:
            own["layers"] = link["layers"]
        wanted["layers"] = fitted
        replaced.append("layers")
    if replaced:
        wanted["pinned_overrides"] = ",".join(replaced)
    if own:
        wanted[OWN_KEY] = ";".join(f"{key}:{text}" for key, text in own.items())
    for name in saved["pinned"]:
        hide += [h for h in _PAGE_KEYS.get(name, (None, str, ()))[2] if h not in hide]
    if hide:
        wanted["hide"] = ",".join(hide)
    else:
        wanted.pop("hide", None)
    if wanted == link:
        return None
    return "/playground?" + urlencode(wanted, safe=",()=")


# -- pages: the join and login forms -------------------------------------------------------------------------

pages = APIRouter(include_in_schema=False)


def _page(filename: str, **values: str) -> str:
    text = (STATIC / filename).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(value))
    return text


def _form(request: Request, filename: str, status: int = 200, **values: str) -> HTMLResponse:
    """A form page with a fresh CSRF token in the page and in a cookie (the POST must bring both, equal)."""
    token = secrets.token_urlsafe(24)
    values = {"message": "", "code": "", "name": "", **values}
    # a refusal is shown as an error (red, bold); a note on a page that worked (a closed class) too: it needs reading
    values["message_class"] = "error" if values["message"] else ""
    response = HTMLResponse(_page(filename, csrf=token, **values), status_code=status)
    _set(response, request, CSRF_COOKIE, token, 3600)
    return response


def _csrf_ok(request: Request, sent: str) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie) and secrets.compare_digest(cookie.encode(), (sent or "").encode())


def _store(request: HTTPConnection) -> Store:
    return request.app.state.store


@pages.get("/join")
def join_page(request: Request, code: str = "", another: str = ""):
    if not request.app.state.classroom:
        return RedirectResponse("/lesson", status_code=303)
    joined = None if another else _joined_page(request)  # ?another=1: the form, for someone else on this browser
    if joined is not None:
        return joined
    closed = _closed_class(request)
    if closed is not None:
        return _form(request, "join.html", code=code[:16], message=f"Your class, {closed}, is closed: its teacher "
                     "archived it, so it takes no answers now. Your work is kept; ask your teacher if it opens again.")
    note = why_signed_out(request.app, request)
    if note is not None:
        return _form(request, "join.html", code=code[:16], message=note.detail)
    return _form(request, "join.html", code=code[:16])


def _joined_page(request: Request, code: str | None = None, name: str | None = None) -> HTMLResponse | None:
    """The welcome page again, for a browser whose learner has joined (a reload of the welcome page sends the form
    again; /join opened while joined): that they are in, and under which name, never "the name is taken". With
    ``code`` and ``name`` (the form sent), only when they are this learner's; another name joins as usual."""
    who = get_identity(request)
    if who is None or who.is_teacher:
        return None
    klass = _store(request).class_by_id(who.class_id)
    if klass is None:
        return None
    if code is not None and (normalise_code(code) != klass.code or _key_or_none(name) != _key_or_none(who.learner)):
        return None
    return HTMLResponse(_page("joined.html", klass=klass.name, name=who.learner, rejoin_code="", rejoin_note="hidden",
                              again_note="", renamed_note="hidden", renamed_from=""))


def _key_or_none(name: str | None) -> str | None:
    try:
        return name_key(name)
    except ConfigError:
        return None


class _Refused(HTTPException):
    """A join refused for a ConfigError: the API's detail keeps the field ("rejoin_code: ..."), and the join form
    shows ``plain``, the sentence alone, starting with a capital."""

    def __init__(self, status: int, exc: ConfigError):
        super().__init__(status, str(exc))
        self.plain = exc.message[:1].upper() + exc.message[1:]


def _plain(exc: HTTPException) -> str:
    """A refusal as the join form shows it: a sentence, no field name in front, starting with a capital."""
    text = getattr(exc, "plain", None) or str(exc.detail)
    return text[:1].upper() + text[1:]


def _closed_class(request: Request) -> str | None:
    """The name of the archived class this browser's learner cookie belongs to, if it does (the gate sends such
    a learner here), else None."""
    learner = _unsign(request.app.state.signing_key, request.cookies.get(LEARNER_COOKIE))
    if learner is None or learner[0] != "l":
        return None
    store = _store(request)
    found = store.learner_by_id(learner[1])
    klass = store.class_by_id(found.class_id) if found is not None else None
    return klass.name if klass is not None and klass.archived and str(klass.id) == cookie_session(learner[2])[0] \
        else None


@pages.post("/join")
def join_form(request: Request, code: Annotated[str, Form(max_length=16)] = "",
              name: Annotated[str, Form(max_length=64)] = "", rejoin_code: Annotated[str, Form(max_length=16)] = "",
              csrf: Annotated[str, Form(max_length=64)] = ""):
    if not request.app.state.classroom:
        return RedirectResponse("/lesson", status_code=303)
    joined = _joined_page(request, code, name)  # the welcome page reloaded: it changes nothing, so no CSRF check
    if joined is not None:
        return joined
    if not _csrf_ok(request, csrf):
        return _form(request, "join.html", 403, code=code, name=name,
                     message="The form was stale or sent from elsewhere; it has been renewed: send it again.")
    try:
        # the form's CSRF value, new at each showing of the form, is its nonce: pressing Join again after a lost
        # reply sends the same one
        klass, learner, new_code = _join(request, code, name, rejoin_code or None, nonce=csrf)
    except HTTPException as exc:
        return _form(request, "join.html", exc.status_code, code=code, name=name, message=_plain(exc))
    body = _page("joined.html", klass=klass, name=learner.name, rejoin_code=new_code or "",
                 rejoin_note="" if new_code else "hidden", again_note="hidden",
                 renamed_note="" if learner.renamed_from else "hidden", renamed_from=learner.renamed_from or "")
    response = HTMLResponse(body)
    _set(response, request, LEARNER_COOKIE, learner_cookie(request.app.state.signing_key, learner.id, learner.class_id,
                                                           learner.session), LEARNER_MAX_AGE)
    return response


@pages.get("/teacher/login")
def login_page(request: Request):
    if not request.app.state.classroom:
        return RedirectResponse("/teacher", status_code=303)
    return _form(request, "teacher-login.html")


@pages.post("/teacher/login")
def login_form(request: Request, token: Annotated[str, Form(max_length=200)] = "",
               csrf: Annotated[str, Form(max_length=64)] = ""):
    if not request.app.state.classroom:
        return RedirectResponse("/teacher", status_code=303)
    if not _csrf_ok(request, csrf):
        return _form(request, "teacher-login.html", 403,
                     message="The form was stale or sent from elsewhere; it has been renewed: send it again.")
    limit: FailureLimit = request.app.state.login_failures
    # the right token logs in whatever this address tried before: 32 random bytes are never guessed, so the limit
    # only bounds the cost of wrong ones (a hash and a read of the classes' hashes each, as a Bearer request)
    klass = _store(request).class_for_token(token.strip())
    if klass is None:  # an archived class's teacher logs in too: to read the class and export it (ClassGate)
        try:
            limit.check(_client(request))
        except HTTPException as exc:
            return _form(request, "teacher-login.html", 429, message=str(exc.detail))
        limit.failed(_client(request))
        return _form(request, "teacher-login.html", 401, message="That is not the teacher token of any class "
                     "here; check it, or make a new one with 'actlab class token NAME --rotate'.")
    response = RedirectResponse("/teacher", status_code=303)
    _set(response, request, TEACHER_COOKIE, teacher_cookie(request.app.state.signing_key, klass.id, token.strip()),
         TEACHER_MAX_AGE)
    return response


# -- the API -------------------------------------------------------------------------------------------------

router = APIRouter(tags=["classroom"])


def _join(conn: HTTPConnection, code: str, name: str, rejoin_code: str | None, nonce: str | None = None):
    """Join or rejoin; counts failures against the client's address. Returns (class name, learner, new code).
    ``nonce``: the join form's own value (Store.join): the same form sent again gets the same learner and code.

    Wrong class codes and wrong rejoin codes have each their own limit per address. At the rejoin codes' limit a
    code is still checked for a name that got fewer than REJOIN_TRIES_PER_NAME wrong ones from the address in the
    minute (the right one gets in, a wrong one is refused with 429 and counts); past that, the name's codes are
    refused unchecked, so guessing stays bounded (REJOIN_TRIES_PER_NAME's comment). An address at its class-code
    limit is refused any class code it has not joined with, right or wrong (no oracle), except a right class code
    with the right rejoin code for the name: a returning learner, whom the classmates' typos must not lock out.
    That pair is no easier to guess (the rejoin code's own limit counts every wrong one)."""
    codes: FailureLimit = conn.app.state.join_failures
    rejoins: FailureLimit = conn.app.state.rejoin_failures
    client, wanted = _client(conn), normalise_code(code)
    rejoin_wait = rejoins.wait(client) if rejoin_code else None
    over = None if codes.knows(client, wanted) else codes.wait(client)

    def refused_over_the_limit() -> HTTPException:
        if rejoin_code:
            rejoins.failed(client)
        return codes.refusal(over)

    store = _store(conn)
    klass = store.class_by_code(code) if code.strip() else None  # by its code only: names are easy to guess
    if klass is None or klass.code != wanted:
        if over is not None:
            raise refused_over_the_limit()
        codes.failed(client, wanted)  # a class is joined by its code only: names are easy to guess
        raise HTTPException(404, "no open class has that code; check it with your teacher")
    if klass.archived:
        if over is not None:
            raise refused_over_the_limit()
        codes.failed(client)
        raise HTTPException(404, "the class with that code is archived: it takes no new learners or answers; "
                                 "ask your teacher")
    if over is not None and not rejoin_code:
        raise codes.refusal(over)  # a right code not joined with from here answers as a wrong one would
    key = _key_or_none(name) or ""
    if rejoin_wait is not None and rejoins.name_spent(client, klass.id, key):
        raise rejoins.refusal(rejoin_wait)
    try:
        learner, new_code = store.join(klass.id, name, rejoin_code, nonce=nonce)
    except ConfigError as exc:
        if rejoin_code and exc.field == REJOIN_FIELD:
            rejoins.name_failed(client, klass.id, key)
        # a wrong rejoin code, or one sent with a new name, is a try at guessing a code: it counts. A taken name
        # guesses nothing (the class code was right, and the name is the learner's own choice): it does not count,
        # so a learner trying names in a full class is never locked out
        if over is not None:
            raise refused_over_the_limit() from None
        if exc.field == REJOIN_FIELD:
            rejoins.failed(client)
            if rejoin_wait is not None:
                raise rejoins.refusal(rejoin_wait) from None
            raise _Refused(403 if isinstance(exc, WrongRejoinCode) else 422, exc) from None
        if exc.field == "name" and "taken" in str(exc):
            raise _Refused(409, exc) from None
        raise _Refused(422, exc) from None
    codes.succeeded(client, klass.code)
    return klass.name, learner, new_code


def renamed_note(learner) -> str:
    """What a learner who rejoined with a name they had before a rename is told."""
    return (f"You typed {learner.renamed_from}, a name you had before: your teacher has renamed you {learner.name} "
            f"since, and your answers are under {learner.name} now. Your rejoin code stays the same; next time "
            f"rejoin as {learner.name}.")


class JoinRequest(BaseModel):
    code: str = Field(max_length=16)
    name: str = Field(max_length=64)
    rejoin_code: str | None = Field(default=None, max_length=16)
    # a random value the client makes once per join and sends again with a retry (its reply lost): the same learner,
    # cookie and rejoin code come back within store.JOIN_RETRY_SECONDS
    nonce: str | None = Field(default=None, min_length=16, max_length=64)


@router.post("/class/join", responses={**UNAUTHORIZED, 404: problem("No open class has that code"),
                                       409: problem("The name is taken in the class (send its rejoin code)"),
                                       429: problem("Too many failed tries from this address")})
def join(request: Request, body: JoinRequest) -> JSONResponse:
    """Join a class (class mode only) with its code and a display name; the answer's rejoin_code is shown once
    and lets the same name join from another device. Sets the learner's cookie."""
    if not request.app.state.classroom:
        raise HTTPException(404, "this lab serves no class: it is a single learner's lab")
    klass, learner, new_code = _join(request, body.code, body.name, body.rejoin_code, body.nonce)
    body = {"class": klass, "learner": learner.name, "rejoin_code": new_code, "renamed_from": learner.renamed_from}
    if learner.renamed_from:
        body["note"] = renamed_note(learner)
    response = JSONResponse(body)
    _set(response, request, LEARNER_COOKIE, learner_cookie(request.app.state.signing_key, learner.id,
                                                           learner.class_id, learner.session), LEARNER_MAX_AGE)
    return response


@router.get("/class/me")
def me(request: Request, who: IdentityDep) -> dict:
    """Who the lab takes this browser for: mode "local" (no classes), or the class and the learner or teacher."""
    if not request.app.state.classroom:
        return {"mode": "local", "class": None, "learner": None, "teacher": False}
    klass = _store(request).class_by_id(who.class_id) if who else None
    return {"mode": "class", "class": klass.name if klass else None, "learner": who.learner if who else None,
            "teacher": bool(who and who.is_teacher)}


@router.post("/class/logout", status_code=204)
def logout() -> Response:
    """Forget this browser's learner and teacher cookies (the learner can rejoin with the rejoin code)."""
    response = Response(status_code=204)
    for name in (LEARNER_COOKIE, TEACHER_COOKIE):
        response.delete_cookie(name, path="/", httponly=True, samesite="strict")
    return response


def _teacher(request: Request, who: Identity | None) -> Identity:
    if not request.app.state.classroom or who is None or not who.is_teacher:
        raise HTTPException(401, "this needs the class's teacher", headers={"WWW-Authenticate": "Bearer"})
    return who


@router.get("/class/teacher/learners", responses=UNAUTHORIZED)
def learners(request: Request, who: IdentityDep) -> dict:
    """The teacher's live view: per exercise the summary counted by learner, and a row per learner with a cell
    per exercise (best status, attempts, highest hint, solution seen and whether before solving)."""
    who = _teacher(request, who)
    store = _store(request)
    klass = store.class_by_id(who.class_id)
    rows = [r.to_dict() for r in learner_rows(store, who.class_id)]
    return {"class": klass.name, "code": klass.code, "archived": klass.archived, "learners": len(rows),
            "exercises": [{"key": e.key, "title": e.title} for e in all_exercises()],
            "summary": store.class_summary(who.class_id), "rows": rows}


@router.get("/class/teacher/export.csv", response_class=Response, responses={200: CSV})
def export_csv(request: Request, who: IdentityDep) -> Response:
    """One row per learner, one column per exercise plus attempts, hints and solution flags."""
    who = _teacher(request, who)
    store = _store(request)
    text = to_csv(*export_table(store, who.class_id, words=True))
    name = "".join(c if c.isalnum() else "-" for c in store.class_by_id(who.class_id).name)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="actlab-{name}.csv"'})


@router.get("/class/teacher/attempts", response_class=Response, responses={200: {
    "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}, **CSV["content"]},
    "description": "The attempt log, as JSON or CSV"}})
def attempts(request: Request, who: IdentityDep,
             fmt: Annotated[str, Query(alias="format", pattern="^(csv|json)$")] = "json") -> Response:
    """The raw attempt log, oldest first, with today's verdicts (format=csv or json)."""
    who = _teacher(request, who)
    log = attempt_log(_store(request), who.class_id)
    if fmt == "csv":
        return Response(log_csv(log), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="actlab-attempts.csv"'})
    return Response(export_json(log), media_type="application/json")  # names and answers as typed, in UTF-8


class RejoinRequest(BaseModel):
    learner: str = Field(max_length=64, description="The learner's display name (matched ignoring case)")


def _close_name(store: Store, class_id: int, typed: str) -> str | None:
    """The class's learner whose name is closest to ``typed`` (compared as keys), if one is close ("Fin" -> "Finn"):
    for the teacher, who may read every name; never said to a learner (names of others are private)."""
    import difflib

    names = {fold_name(learner.name): learner.name for learner in store.learners(class_id)}
    close = difflib.get_close_matches(fold_name(str(typed)), list(names), n=1, cutoff=0.7)
    return names[close[0]] if close else None


@router.post("/class/teacher/rejoin-code", responses={**UNAUTHORIZED, 404: problem("No learner by that name")})
def new_rejoin_code(request: Request, who: IdentityDep, body: RejoinRequest) -> dict:
    """A new rejoin code for a learner of the teacher's class who lost theirs (or whose code others saw), in this
    answer only; the old code stops working at once, and every device that joined as this learner is signed out
    (its pages are told why), so whoever used a leaked code is out too (as `actlab class rejoin-code`)."""
    who = _teacher(request, who)
    store = _store(request)
    found = store.learner(who.class_id, body.learner)  # a name that could never have joined: 422, its own words
    if found is None:
        close = _close_name(store, who.class_id, body.learner)  # the teacher's page only: learners see no names
        raise HTTPException(404, f"nobody named {body.learner!r} has joined this class; "
                                 + (f"did you mean {close!r}? " if close else "")
                                 + "check the spelling in the learners table")
    found, code = store.new_rejoin_code(who.class_id, found.name)
    return {"learner": found.name, "rejoin_code": code}


class PlaygroundSettings(BaseModel):
    # kept to be refused by name (save_class_playground): {"lr": 500} beside config was dropped and the save said 200
    model_config = ConfigDict(extra="allow")

    config: dict = Field(default_factory=dict, description="Playground settings (RunConfig's names, plus "
                         "epochs_per_frame, stop_epoch and target_loss), e.g. {\"dataset\": \"xor\", \"lr\": 0.1}")
    pinned: list[str] = Field(default_factory=list, max_length=64,
                              description="Names of settings the class's learners cannot change")
    link: str | None = Field(default=None, max_length=4000, description="A playground link whose settings the "
                             "class starts from (config's own values win over the link's)")
    merge: bool = Field(default=False, description="Lay the link's and config's settings over what is saved "
                        "(as `actlab class playground` does; settings they do not name keep their saved value) "
                        "instead of replacing it; pinned is then the whole list of pins. The answer lists the "
                        "changes")


def _saved_playground(store: Store, class_id: int) -> dict:
    """What is saved, and the link a learner's /playground opens (None: the page as it is), which the teacher's
    page shows; a learner's own link that says otherwise for a pinned setting gets pinned_overrides=NAMES."""
    saved = store.class_playground(class_id)
    saved = saved if saved is not None else {"config": {}, "pinned": []}
    return {**saved, "learner_link": _class_playground_link(store, class_id, b"")}


@router.get("/class/playground", responses=UNAUTHORIZED)
def class_playground(request: Request, who: IdentityDep) -> dict:
    """The class's playground settings and which are pinned (a learner's playground starts from them, and the
    lab refuses any change to a pinned one); outside a class, none."""
    if not request.app.state.classroom or who is None:
        return {"config": {}, "pinned": [], "learner_link": None}
    return _saved_playground(_store(request), who.class_id)


@router.put("/class/teacher/playground", responses=UNAUTHORIZED)
def save_class_playground(request: Request, who: IdentityDep, body: PlaygroundSettings) -> dict:
    """Save the class's playground settings and pins (the teacher's); they apply from each learner's next run.
    Every setting is checked as a run would check it; a pinned name without a value is pinned at its default.
    The answer's changes list what the save changed ("lr: 0.03 -> 0.1", "pinned: lr", "unpinned: dataset"),
    merged or replaced; empty only when nothing changed."""
    who = _teacher(request, who)
    if body.model_extra:
        name = next(iter(body.model_extra))
        raise ConfigError(name, f"a setting goes inside \"config\", as in {{\"config\": {{\"{name[:40]}\": ...}}, "
                                "\"pinned\": [...]}; the body's own keys are config, pinned and link")
    try:
        link = read_link(body.link) if body.link else LinkSettings({})
    except ConfigError as exc:  # its example address is this lab's, as the teacher's page opened it
        origin = str(request.base_url).rstrip("/")
        example = LINK_EXAMPLE.replace(LINK_EXAMPLE_ORIGIN, origin, 1)
        raise ConfigError(exc.field, exc.message.replace(LINK_EXAMPLE, example)) from None
    config = {**link.config, **body.config}
    store = _store(request)
    changes: list[str] = []
    notes: list[str] = []
    if body.merge:
        before = store.class_playground(who.class_id) or {"config": {}, "pinned": []}
        merged, changes = merge_playground(before, config, list(body.pinned),
                                           [p for p in before["pinned"] if p not in body.pinned],
                                           lab_limits(request.app))
        saved = merged.to_dict()
        given = body.link is not None or bool(body.config)  # the page's untouched Save sends neither: nothing left out
        for name in merged.pinned if given else ():  # ticked, and the link or config sent leaves its value out
            if name not in config:
                kept = "kept at its saved value" if name in before["config"] else "pinned at its default"
                value = saved["config"].get(name)
                notes.append(f"{name} is ticked but the link does not give it: {kept}"
                             + (f" {shown_value(value)}" if value is not None else ""))
    else:  # replaced: what changed is still said (it answered "changes": [] whatever the save did)
        replaced = ClassPlayground.validate(config, body.pinned, lab_limits(request.app))
        changes = playground_changes(store.class_playground(who.class_id), replaced)
        saved = replaced.to_dict()
    store.save_class_playground(who.class_id, saved)
    return {**_saved_playground(store, who.class_id), "link_notes": list(link.notes), "changes": changes,
            "pin_notes": notes}


# -- assembly ------------------------------------------------------------------------------------------------


def install(app, classroom: bool | None = None) -> None:
    """Add class mode to the lab (called once by create_app, after app.state.store and app.state.sessions are
    set): the routes, the gate, the signing key, the failure limits, and the playground's uploads and tab tokens
    kept in the store. ``classroom`` None: on when the store holds a class."""
    store: Store = app.state.store
    app.state.classroom = bool(store.classes()) if classroom is None else classroom
    app.state.signing_key = store.secret()
    app.state.sessions.shared = store  # uploads and tab tokens, seen by every worker (sessions.py)
    app.state.join_failures = FailureLimit(store, "join")
    app.state.rejoin_failures = FailureLimit(store, "rejoin")
    app.state.login_failures = FailureLimit(store, "login")
    app.include_router(router, prefix="/api", responses={**INVALID, **UNAUTHORIZED})
    app.include_router(pages)
    app.add_middleware(ClassGate)
