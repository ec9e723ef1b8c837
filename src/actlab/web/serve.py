"""The lab as several server processes: the app factory each worker calls, and how `actlab lab --workers N` starts them.

A worker is a fresh interpreter, so everything it must know travels in the environment: the store in
ACTLAB_DB (a file or a postgresql:// URL), the address in ACTLAB_LAB_HOST and ACTLAB_LAB_PORT, the other
host names in ACTLAB_ALLOW_HOSTS (comma-separated), the playground's limits in ACTLAB_MAX_LAYERS and
ACTLAB_MAX_WIDTH. What workers share lives in the store (progress, classes, the cookies' signing key); each
worker has its own playground sessions and failure counters.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

ENV_HOST, ENV_PORT, ENV_ALLOW = "ACTLAB_LAB_HOST", "ACTLAB_LAB_PORT", "ACTLAB_ALLOW_HOSTS"


def app_from_env() -> FastAPI:
    """The app one worker serves, configured from the environment (see the module docstring)."""
    from .app import create_app

    port = os.environ.get(ENV_PORT)
    allow = tuple(n for n in os.environ.get(ENV_ALLOW, "").split(",") if n)
    return create_app(host=os.environ.get(ENV_HOST, "127.0.0.1"), port=int(port) if port else None,
                      allow_hosts=allow)


def run_workers(workers: int, host: str, port: int, allow_hosts: tuple[str, ...], log_level: str = "warning") -> None:
    """Serve the lab from ``workers`` processes on one address (uvicorn's supervisor; the port is shared)."""
    import uvicorn

    from .app import WS_MAX_BYTES

    os.environ[ENV_HOST], os.environ[ENV_PORT], os.environ[ENV_ALLOW] = host, str(port), ",".join(allow_hosts)
    uvicorn.run("actlab.web.serve:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, ws_per_message_deflate=False, ws_max_size=WS_MAX_BYTES)
