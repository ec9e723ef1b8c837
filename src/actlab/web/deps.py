"""Shared dependencies of the routers, declared once as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection  # the common base of Request and WebSocket

from ..store import Store
from .sessions import SessionManager


def get_store(conn: HTTPConnection) -> Store:
    return conn.app.state.store


def get_sessions(conn: HTTPConnection) -> SessionManager:
    return conn.app.state.sessions


StoreDep = Annotated[Store, Depends(get_store)]
SessionsDep = Annotated[SessionManager, Depends(get_sessions)]
