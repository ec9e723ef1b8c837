"""The core imports only NumPy, SciPy and the standard library."""

from __future__ import annotations

import subprocess
import sys

CORE = ["actlab", "actlab.activations", "actlab.network", "actlab.instruments", "actlab.training",
        "actlab.datasets", "actlab.experiments", "actlab.exercises", "actlab.store"]
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
