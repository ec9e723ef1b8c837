"""Who may talk to the lab: the Host a request names, and the Origin of anything that writes or opens a socket.

The lab listens on loopback, yet every page the learner opens in the same browser can send it requests. Two
checks keep those pages out, as Jupyter Server does:

- Host. A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) reaches the lab with
  its own name in the Host header. Only the names the lab serves are answered: 127.0.0.1, localhost, [::1],
  the bound address and any name given with ``actlab lab --allow-host``. A loopback name must carry the lab's
  own port; another name the lab was told to answer to (``--allow-host lab.school.example``, or the address it is
  bound to) may also come with no port or a standard one (80, 443), as a TLS proxy in front of the lab forwards
  it. The name is what keeps a rebinding page out (its Host is its own name), so the port adds nothing there.
- Origin. A foreign page may still send a request to 127.0.0.1 by its real name; the browser then says where
  the request came from. A WebSocket, or any request other than GET and HEAD, is refused unless its Origin
  (or, when a browser leaves that out, its Referer) is the lab itself. A request with neither comes from a
  program, not from a page in a browser (browsers send Origin on every cross-site write and socket), and is
  allowed; the Host check still applies to it.

A third rule keeps the lab's pages out of other pages: every answer says it may not be shown in a frame
(X-Frame-Options and CSP frame-ancestors). Framed, a lab page's own buttons send requests whose Origin is the
lab, so a page on another site could lay it under a decoy and have a click record "show solution".
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
SAFE_METHODS = ("GET", "HEAD")
# on every HTTP answer: no page of the lab may be framed, by another site or by itself, and no answer may be read as
# another type than it says (a foreign page loading a JSON API as a <script> gets it refused, not run)
EVERY_ANSWER = ((b"x-frame-options", b"DENY"), (b"content-security-policy", b"frame-ancestors 'none'"),
                (b"x-content-type-options", b"nosniff"))
WILDCARDS = ("0.0.0.0", "::", "[::]", "")
PROXY_PORTS = (None, 80, 443)  # a non-loopback name the lab answers to, as a proxy forwards it: no port, http, https
_log = logging.getLogger("uvicorn.error")  # the server's own log: its lines and the lab's read as one


def is_loopback(host: str) -> bool:
    """True for localhost and for any loopback address (127.0.0.0/8, ::1)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _bracketed(name: str) -> str:
    """A host name as it appears in a Host header: IPv6 addresses in brackets, lower case."""
    name = name.strip().lower()
    if ":" in name and not name.startswith("["):
        return f"[{name}]"
    return name


def _split_host(value: str) -> tuple[str, int | None] | None:
    """'name:port' -> (name, port); None when the value is not a host at all."""
    try:
        parts = urlsplit(f"//{value}")
        return _bracketed(parts.hostname or ""), parts.port
    except ValueError:  # a port that is not a number, or stray brackets
        return None


def _shown(value: str) -> str:
    """A header value quoted for a message, cut short: it came from the caller."""
    return repr(value if len(value) <= 80 else value[:80] + "...")


class Guard:
    """Plain ASGI middleware: 403 for a foreign Host, and for a foreign Origin on a socket or a write."""

    def __init__(self, app, hosts: Iterable[str], port: int | None = None):
        self.app = app
        self.names = frozenset(_bracketed(h) for h in hosts if h not in WILDCARDS)
        self.port = port  # None: any port (an app served in-process by the tests)

    def allowed(self) -> str:
        suffix = f":{self.port}" if self.port else ""
        names = ", ".join(sorted(n + suffix for n in self.names))
        proxied = sorted(n for n in self.names if not is_loopback(n))
        if self.port and proxied:
            names += f" ({', '.join(proxied)} also with no port, or 80 or 443, as a proxy forwards it)"
        return names

    def host_problem(self, host: str) -> str | None:
        split = _split_host(host)
        if split is not None:
            name, port = split
            if name in self.names:
                if self.port is None or (port or 80) == self.port or (not is_loopback(name) and port in PROXY_PORTS):
                    return None
                return self._port_problem(host, name, port)
        name = split[0] if split else host
        return (f"Host {_shown(host)} is not a name this lab answers to; it answers to {self.allowed()}. "
                f"Another name (a page resolving its own name to this machine) is refused. To reach the lab by "
                f"that name on purpose, start it with: actlab lab --allow-host {name or 'NAME'}")

    def _port_problem(self, host: str, name: str, port: int | None) -> str:
        """A name the lab answers to, with a port it does not: the name needs no flag, the port is the problem."""
        if is_loopback(name):
            return (f"Host {_shown(host)} names this machine on port {port or 80}, but the lab listens on port "
                    f"{self.port}: open http://{name}:{self.port}/")
        return (f"Host {_shown(host)}: the lab answers to {name}, but on port {self.port}, or with no port or port "
                f"80 or 443 as a proxy in front of it forwards the name, not on port {port}. Open "
                f"http://{name}:{self.port}/, or have the proxy forward the Host header without the port")

    @staticmethod
    def origin_problem(host: str, origin: str | None, referer: str | None) -> str | None:
        """None when the request comes from the lab's own pages (or from a program, which sends neither)."""
        for header, value in (("Origin", origin), ("Referer", referer)):
            if value is None:
                continue
            try:
                parts = urlsplit(value)
                same = parts.scheme in ("http", "https") and _without_standard_port(parts.netloc) == \
                    _without_standard_port(host)
            except ValueError:
                same = False
            if same:
                return None
            return (f"{header} {_shown(value)} is not this lab: a page on another site may not change the lab's "
                    f"data or open a playground. Open the lab itself at http://{host}/")
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {}
        for key, value in scope.get("headers", ()):
            headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
        host = headers.get("host", "")
        problem = self.host_problem(host)
        if problem is None and (scope["type"] == "websocket" or scope.get("method") not in SAFE_METHODS):
            problem = self.origin_problem(host, headers.get("origin"), headers.get("referer"))
        if problem is None:
            if scope["type"] == "http":
                return await self.app(scope, receive, _every_answer_headers(send))
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            # Closed before the handshake (the server answers 403), with one line in the server's log saying why.
            # Not a denial response with a body: uvicorn logs every such response as "ASGI callable returned without
            # completing handshake", and a browser shows a page's script no body of a refused socket anyway.
            _log.warning("refused a WebSocket to %s: %s", scope.get("path", "?"), problem)
            return await send({"type": "websocket.close", "code": 1008})
        body = json.dumps({"detail": problem}).encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                *EVERY_ANSWER]})
        await send({"type": "http.response.body", "body": body})


def _without_standard_port(netloc: str) -> str:
    """A host and port as a browser writes them in an Origin: without :80 or :443 (behind a TLS proxy, a Host of
    lab.school.example:443 and an Origin of https://lab.school.example are the same place)."""
    netloc = netloc.lower()
    for suffix in (":80", ":443"):
        if netloc.endswith(suffix):
            return netloc.removesuffix(suffix)
    return netloc


def _every_answer_headers(send):
    """``send`` with EVERY_ANSWER added to the response's headers (unless a route set its own)."""
    async def sending(message):
        if message["type"] == "http.response.start":
            have = {k.lower() for k, _ in message.get("headers", ())}
            message = {**message, "headers": [*message.get("headers", ()),
                                              *(h for h in EVERY_ANSWER if h[0] not in have)]}
        await send(message)
    return sending
