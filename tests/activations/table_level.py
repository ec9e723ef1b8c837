"""The NumPy SIMD level the shipped accuracy table is measured at, and measuring the registry there.

NumPy chooses its exp, expm1, log1p, tanh... loops by CPU when it is imported: on x86-64 its X86_V3 (AVX2 and FMA)
routines, or AVX-512 ones (SVML among them) where the CPU has AVX-512. The two agree to a few ULP but not bit for
bit, so an error measured on one CPU is not the error on another (sigmoid's float64 derivative: 3 ULP with the AVX2
routines, 4 with the AVX-512 ones). docs/accuracy.md and src/actlab/data/accuracy.json are therefore measured with
NumPy held to X86_V3 (NPY_ENABLE_CPU_FEATURES, in a child process), the level nearly every x86-64 machine since
2015 can run, and tests/activations/test_accuracy.py compares them with a measurement made the same way.

Run as ``python -m tests.activations.table_level OUT.npz [--torch]`` from the repository root (with TABLE_ENV set,
as outputs_at_table_level does) it writes every registry entry's outputs on the test grid, both kernel paths, and
the level NumPy really ran at.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
TABLE_LEVEL = "X86_V3"
# NumPy held to its X86_V3 routines (only the dispatch targets named here are enabled); PyTorch, for its own columns
# in the table, held to its AVX2 kernels the same way.
TABLE_ENV = {"NPY_ENABLE_CPU_FEATURES": TABLE_LEVEL, "ATEN_CPU_CAPABILITY": "avx2"}
PATHS = ("numpy", "compiled")
DTYPES = ("float64", "float32")
# what each entry is evaluated as: the separate calls (the table's figures) and the one-pass pair (the engine's)
CALLS = ("value", "deriv", "pair_value", "pair_deriv")


def _cpu() -> tuple[list[str], list[str], dict[str, bool]]:
    """NumPy's baseline features, its dispatch targets, and which features this process has enabled."""
    try:
        from numpy._core import _multiarray_umath as m
    except ImportError:  # NumPy 1.x
        from numpy.core import _multiarray_umath as m
    return list(m.__cpu_baseline__), list(m.__cpu_dispatch__), dict(m.__cpu_features__)


def numpy_level() -> str:
    """The highest dispatch target this process's NumPy runs (for example 'AVX512_SPR' or 'X86_V3'), 'baseline'
    when none is enabled."""
    _, __cpu_dispatch__, __cpu_features__ = _cpu()
    enabled = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    return enabled[-1] if enabled else "baseline"


def environment() -> dict:
    """What the measured figures depend on besides actlab's code: the NumPy level and the libraries."""
    import scipy

    libc, libc_version = platform.libc_ver()
    return {"numpy_simd": numpy_level(), "numpy": np.__version__, "scipy": scipy.__version__,
            "libc": f"{libc} {libc_version}".strip() or "unknown", "machine": platform.machine()}


def why_table_level_unavailable() -> str | None:
    """None where this machine and NumPy can run the table's level; otherwise why not, in a sentence."""
    __cpu_baseline__, __cpu_dispatch__, __cpu_features__ = _cpu()
    machine = platform.machine()
    if machine.lower() not in ("x86_64", "amd64"):
        return (f"the accuracy table is measured with NumPy's x86-64 {TABLE_LEVEL} (AVX2) routines, and this is "
                f"a {machine} machine, where NumPy runs other routines: compare the table on an x86-64 machine")
    if TABLE_LEVEL not in __cpu_dispatch__:
        where = "its baseline" if TABLE_LEVEL in __cpu_baseline__ else "none of its targets"
        return (f"NumPy {np.__version__} cannot be held to {TABLE_LEVEL}: it is {where} (baseline "
                f"{' '.join(__cpu_baseline__)}, dispatch targets {' '.join(__cpu_dispatch__) or 'none'}); the "
                f"table was measured with NumPy 2.4, whose dispatch targets include {TABLE_LEVEL}")
    if not __cpu_features__.get(TABLE_LEVEL):
        return (f"this CPU cannot run NumPy's {TABLE_LEVEL} routines (it lacks AVX2, FMA3 or BMI2), so the "
                "table's figures cannot be reproduced here")
    return None


def outputs(*, with_torch: bool = False) -> dict[str, np.ndarray]:
    """Every reference entry's outputs on the test grid in this process: keys 'name/dtype/path/call' (path
    'compiled' only where numba is installed; 'torch' paths with ``with_torch``, value and deriv only)."""
    import reference_mp as R
    from actlab import activations
    from actlab.activations import _compiled

    paths = [p for p in PATHS if p == "numpy" or _compiled.installed()]
    out = {}
    for name in R.REFERENCES:
        act = activations.get(name)
        for dtype in DTYPES:
            xs = R.grid(np.dtype(dtype))
            for path in paths:
                with _compiled.using(path):
                    pair = act.value_and_derivative(xs)
                    got = (act(xs), act.derivative(xs), *pair)
                for call, arr in zip(CALLS, got, strict=True):
                    out[f"{name}/{dtype}/{path}/{call}"] = arr
    if with_torch:
        out.update(_torch_outputs())
    return out


def _torch_outputs() -> dict[str, np.ndarray]:
    """PyTorch's value and derivative for every entry it has a module for (at the entry's default parameters)."""
    import torch

    import reference_mp as R
    from actlab import activations
    from actlab.interop.torch_recipes import module_for

    out = {}
    for name in R.REFERENCES:
        r = activations.get(name)
        if not (r.torch_recipe and r.torch_recipe.uses_module(r.params) and not r.is_gated):
            continue
        module = module_for(r)
        for dtype in DTYPES:
            t = torch.tensor(R.grid(np.dtype(dtype)), requires_grad=True)
            y = module(t)
            (g,) = torch.autograd.grad(y.sum(), t)
            out[f"{name}/{dtype}/torch/value"] = y.detach().numpy()
            out[f"{name}/{dtype}/torch/deriv"] = g.numpy()
    out["torch_cpu_capability"] = np.array(torch.backends.cpu.get_cpu_capability())
    out["torch_version"] = np.array(torch.__version__)
    return out


class TableLevelError(RuntimeError):
    """This machine or NumPy cannot run the table's level (the message says why)."""


@functools.cache
def outputs_at_table_level(with_torch: bool = False) -> tuple[dict[str, np.ndarray], dict]:
    """outputs() from a child Python with TABLE_ENV, and the environment it reports. Raises TableLevelError where
    the level cannot be reached here (see why_table_level_unavailable), RuntimeError where the child fails or its
    NumPy did not run at that level."""
    reason = why_table_level_unavailable()
    if reason:
        raise TableLevelError(reason)
    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"} | TABLE_ENV
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "outputs.npz"
        cmd = [sys.executable, "-m", "tests.activations.table_level", str(path)] + (["--torch"] if with_torch else [])
        run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        if run.returncode != 0:
            raise RuntimeError(f"the measurement with {TABLE_ENV} failed (exit {run.returncode}): "
                                  f"{run.stderr.strip()[-1500:]}")
        with np.load(path) as data:
            got = {k: data[k] for k in data.files}
    child = json.loads(str(got.pop("environment")))
    if child["numpy_simd"] != TABLE_LEVEL:
        raise RuntimeError(f"NumPy in the child process ran {child['numpy_simd']} routines, not {TABLE_LEVEL}, "
                              f"under {TABLE_ENV}")
    return got, child


def main(argv: list[str]) -> None:
    target = Path(argv[0])
    got = outputs(with_torch="--torch" in argv)
    got["environment"] = np.array(json.dumps(environment()))
    np.savez(target, **got)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "tests"))  # reference_mp
    main(sys.argv[1:])
