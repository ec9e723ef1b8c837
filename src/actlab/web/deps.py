"""Shared dependencies of the routers, declared once as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..store import Store
from .sessions import SessionManager


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_sessions(request: Request) -> SessionManager:
    return request.app.state.sessions


StoreDep = Annotated[Store, Depends(get_store)]
SessionsDep = Annotated[SessionManager, Depends(get_sessions)]
