"""The lab as several server processes: the app factory each worker calls, and how `actlab lab --workers N` starts them.

A worker is a fresh interpreter, so the lab's settings travel to it in one environment variable, ACTLAB_SETTINGS,
holding the LabSettings record as JSON (web/settings.py documents every field); each worker's factory reads it back
and builds its app from it. What workers share lives in the store (progress, classes, the cookies' signing key,
uploads, the count of running playground sessions and of failed joins); each worker trains its own playground
sessions, in training processes of its own (web/pool.py).
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from .settings import ENV_SETTINGS, LabSettings


def app_from_env() -> FastAPI:
    """The app one worker serves, from the settings in $ACTLAB_SETTINGS (the defaults when it is unset)."""
    from .app import create_app

    raw = os.environ.get(ENV_SETTINGS)
    return create_app(LabSettings.from_json(raw) if raw else LabSettings())


def run_workers(workers: int, settings: LabSettings, log_level: str = "warning") -> None:
    """Serve the lab from ``workers`` processes on one address (uvicorn's supervisor; the port is shared)."""
    import uvicorn

    from .app import WS_MAX_BYTES

    os.environ[ENV_SETTINGS] = settings.to_json()  # the one channel to the workers
    uvicorn.run("actlab.web.serve:app_from_env", factory=True, host=settings.host, port=settings.port, workers=workers,
                log_level=log_level, ws_per_message_deflate=False, ws_max_size=WS_MAX_BYTES)
