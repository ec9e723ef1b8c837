"""The core imports only NumPy, SciPy and the standard library."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import actlab

# the faces on top of the core: everything else in the package is core and is imported below
FACES = ("actlab.cli", "actlab.web", "actlab.interop", "actlab.torch", "actlab.plots", "actlab.llm")
CORE = ["actlab"] + sorted(m.name for m in pkgutil.walk_packages(actlab.__path__, "actlab.")
                           if not m.name.startswith(FACES))
FORBIDDEN = ["fastapi", "starlette", "uvicorn", "typer", "rich", "torch", "plotly", "matplotlib"]


def test_core_imports_no_interface_or_torch_module():
    code = (
        "import importlib, importlib.util, sys\n"
        f"for m in {CORE!r}:\n"
        "    if importlib.util.find_spec(m) is not None:\n"
        "        importlib.import_module(m)\n"
        f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_core_module_is_checked():
    assert {"actlab.session", "actlab.playground", "actlab.readings", "actlab.monitor_log", "actlab.training",
            "actlab.exercises.checker"} <= set(CORE)
