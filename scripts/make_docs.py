"""Regenerate docs/accuracy.md, docs/conventions.md and the lab's accuracy table from measurements.

Usage: python scripts/make_docs.py   (needs mpmath and numba, an x86-64 CPU with AVX2; PyTorch columns when torch is
installed)

For every registry entry and dtype: the largest error in ULP of actlab's value and derivative against 50-digit
mpmath on the test grid, on each kernel path (compiled and NumPy, each forced), and the same for PyTorch where it has
the function. The table is measured in a child process with NumPy held to its X86_V3 (AVX2) routines
(tests/activations/table_level.py says why); the figures NumPy's own choice gives on this machine, where they
differ, are recorded beside it.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from tests.activations import table_level  # noqa: E402

import reference_mp as R  # noqa: E402
from actlab.activations import _compiled, conventions  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

TARGETS = {"value": 4.0, "deriv": 8.0}  # tests/activations/test_accuracy.py's BOUNDS
# the table's columns: accuracy.json key prefix -> the outputs' path
COLUMNS = {"actlab": "compiled", "numpy": "numpy", "torch": "torch"}


def rows_from(outputs: dict[str, np.ndarray], columns: dict[str, str] = COLUMNS) -> list[dict]:
    """Largest ULP error per entry, dtype and column from outputs (as table_level.outputs gives them); a column
    whose outputs are missing (no numba, no torch, no PyTorch module) is left out of the row."""
    rows = []
    for name in R.REFERENCES:
        for dtype in table_level.DTYPES:
            xs = R.grid(np.dtype(dtype))
            row = {"name": name, "dtype": dtype}
            for which in ("value", "deriv"):
                exact = R.reference(name, which, xs)
                for column, path in columns.items():
                    got = outputs.get(f"{name}/{dtype}/{path}/{which}")
                    if got is None:
                        continue
                    with np.errstate(all="ignore"):
                        err = R.ulp_errors(name, which, xs, got.astype(dtype), exact)
                    row[f"{column}_{which}_ulp"] = float(np.nanmax(err))
            rows.append(row)
    return rows


def native_differences(table_rows: list[dict], native_rows: list[dict]) -> list[dict]:
    """Where this process's own NumPy level gives another figure than the table: name, dtype, column, both figures."""
    diffs = []
    for t, n in zip(table_rows, native_rows, strict=True):
        for key in n:
            if key.endswith("_ulp") and n[key] != t.get(key):
                diffs.append({"name": t["name"], "dtype": t["dtype"], "column": key, "table": t.get(key),
                              "native": n[key]})
    return diffs


def measure() -> dict:
    """The table at the fixed level (child process) and this machine's differences from it (this process)."""
    if not _compiled.installed():
        raise SystemExit("make_docs needs numba for the compiled columns: pip install 'actlab[fast]'")
    try:
        outputs, env = table_level.outputs_at_table_level(with_torch=torch is not None)
    except table_level.TableLevelError as exc:
        raise SystemExit(f"cannot measure the accuracy table here: {exc}") from None
    rows = rows_from(outputs)
    if torch is not None:
        env["torch_cpu_capability"] = str(outputs["torch_cpu_capability"])
    native_level = table_level.numpy_level()
    native = {"numpy_simd": native_level, "differences": []}
    if native_level != table_level.TABLE_LEVEL:
        native_rows = rows_from(table_level.outputs(), {"actlab": "compiled", "numpy": "numpy"})
        native["differences"] = native_differences(rows, native_rows)
    return {"torch": str(outputs["torch_version"]) if torch is not None else None, "measured_at": env,
            "env": table_level.TABLE_ENV, "native": native, "rows": rows, "own_kernels": own_kernels(outputs)}


def own_kernels(outputs: dict[str, np.ndarray]) -> list[str]:
    """'name dtype' of every entry whose compiled path gives other results than its NumPy path on the grid (bit for
    bit)."""
    differ = []
    for name in R.REFERENCES:
        for dtype in table_level.DTYPES:
            pair = [outputs[f"{name}/{dtype}/{path}/{call}"] for call in ("value", "deriv")
                    for path in ("compiled", "numpy")]
            if not (np.array_equal(pair[0], pair[1], equal_nan=True) and np.array_equal(pair[2], pair[3],
                                                                                          equal_nan=True)):
                differ.append(f"{name} {dtype}")
    return differ


def fmt(v) -> str:
    if v is None:
        return "—"
    if v == float("inf"):
        return "inf"
    return f"{v:.3g}" if v < 1e4 else f"{v:.2e}"


COLUMN_WORDS = {"actlab": "compiled", "numpy": "NumPy", "torch": "PyTorch"}


def column_words(key: str) -> str:
    """'numpy_deriv_ulp' -> 'NumPy derivative'."""
    column, which, _ = key.split("_")
    return f"{COLUMN_WORDS[column]} {'value' if which == 'value' else 'derivative'}"


def misses(rows: list[dict]) -> list[str]:
    """Entries over the targets on actlab's own paths, as 'gelu float64 NumPy value (5 ULP)'."""
    out = []
    for r in rows:
        for column in ("actlab", "numpy"):
            for which, target in TARGETS.items():
                if r[f"{column}_{which}_ulp"] > target:
                    out.append(f"{r['name']} {r['dtype']} {column_words(f'{column}_{which}_ulp')} "
                               f"({fmt(r[f'{column}_{which}_ulp'])} ULP)")
    return out


def level_note(data: dict) -> str:
    """One sentence for the lab: the level the table was measured at and how far other CPUs differ."""
    env, native = data["measured_at"], data["native"]
    note = (f"Measured with NumPy {env['numpy']} held to its {table_level.TABLE_LEVEL} (AVX2) routines, which nearly "
            "every x86-64 CPU since 2015 runs.")
    diffs = native["differences"]
    if diffs:
        worst = max(abs(d["native"] - d["table"]) for d in diffs)
        note += (f" Where NumPy picks its AVX-512 routines ({native['numpy_simd']} here) {len(diffs)} figures differ, "
                 f"by up to {fmt(worst)} ULP.")
    return note


def write_accuracy(data: dict) -> None:
    rows, env, native = data["rows"], data["measured_at"], data["native"]
    over = misses(rows)
    lines = [
        "# Accuracy of the activation registry",
        "",
        "Generated by `python scripts/make_docs.py`; do not edit by hand. Largest error over the test grid",
        "(2401 points on [-30, 30]; 81 points across each stretch where a gate turns subnormal while the",
        "result does not: " + ", ".join(f"[{lo:g}, {hi:g}]" for lo, hi in R.SUBNORMAL_ONSETS) + ";",
        "±1e4, ±88.7, ±709.8, ±40, subnormals and ±0) in units in the last",
        "place of the correctly rounded value, against mpmath at 50 digits. Points whose true value is not",
        "a normal number of the dtype are skipped; near the roots of silu', gelu', mish', hardswish and",
        "hardsigmoid the error is measured against the scale 1 (absolute error in ULP of 1).",
        "tests/activations/test_tails.py adds points from the whole float range (hypothesis) on both paths.",
        "",
        "Targets: value within 4 ULP, derivative within 8 ULP. "
        + (f"Over them: {'; '.join(over)}." if over else "Every entry meets both on both kernel paths."),
        "Exact GELU in float64 takes erfcx(a) = exp(a²) erfc(a) from its own table of Taylor polynomials",
        "for a ≤ 8 (within about 1.2 ULP), because SciPy's erfcx is 3 to 8 ULP off there and put GELU's",
        "value at 5 ULP (6 with NumPy's AVX-512 routines).",
        "",
        "Two columns per result, one per kernel path, each measured with that path forced: compiled (numba,",
        "`pip install 'actlab[fast]'`, the default where it is installed) and NumPy (the fallback without",
        *textwrap.wrap("numba). The two paths' results differ (bit for bit, on the grid) for "
                       f"{', '.join(data['own_kernels'])}, and are the same for every other entry and dtype. "
                       "tests/activations/test_accuracy.py checks each column against its own path.", 100),
        "",
        "## Which CPU routines these figures come from",
        "",
        "NumPy chooses its exp, expm1, log1p and tanh loops by CPU when it is imported, and its AVX-512",
        "loops round differently in the last bits from its AVX2 ones, so the same code measures a little",
        f"differently on different machines. This table is measured with NumPy {env['numpy']} held to its",
        f"{table_level.TABLE_LEVEL} routines (AVX2 and FMA: the measurement runs in a child process with",
        "`NPY_ENABLE_CPU_FEATURES=X86_V3`), which nearly every x86-64 CPU made since 2015 can run, with",
        f"SciPy {env['scipy']} and {env['libc']}. tests/activations/test_accuracy.py measures the same way and",
        "fails when a figure changes; on a machine that cannot run that level (not x86-64, or no AVX2) it",
        "says so and skips, except in CI, where it fails.",
        "",
    ]
    diffs = native["differences"]
    if native["numpy_simd"] == table_level.TABLE_LEVEL:
        lines += ["The machine that generated this file runs NumPy's X86_V3 routines itself, so the figures",
                  "NumPy's AVX-512 routines give were not measured.", ""]
    elif not diffs:
        lines += [f"On the machine that generated this file NumPy picks its {native['numpy_simd']} routines, and",
                  "every figure comes out the same with them.", ""]
    else:
        worst = max(abs(d["native"] - d["table"]) for d in diffs)
        lines += [f"On CPUs where NumPy picks its AVX-512 routines {len(diffs)} figures differ, by up to "
                  f"{fmt(worst)} ULP:",
                  "these are the ones measured on the machine that generated this file, where NumPy picks",
                  f"{native['numpy_simd']}; every other figure is the same there. The bounds tests run with whatever",
                  "NumPy picks, and once more at X86_V3, so both sets are held to the targets.",
                  "",
                  f"| function | dtype | column | X86_V3 (the table) | {native['numpy_simd']} |",
                  "|---|---|---|---|---|"]
        for d in diffs:
            lines.append(f"| {d['name']} | {d['dtype']} | {column_words(d['column'])} | {fmt(d['table'])} | "
                         f"{fmt(d['native'])} |")
        lines.append("")
    torch_words = (f"torch {data['torch']}, CPU, held to its {env.get('torch_cpu_capability', 'AVX2')} kernels "
                   "(`ATEN_CPU_CAPABILITY=avx2`)" if data["torch"] else "torch not installed")
    lines += [
        f"PyTorch columns: {torch_words}.",
        "PyTorch writes sigmoid' and tanh' from the output (y(1-y), 1-y^2) and computes GELU through 1+erf",
        "and 1+tanh, which cancel in the tails; actlab avoids each of those cancellations.",
        "",
        "| function | dtype | compiled value | compiled derivative | NumPy value | NumPy derivative | PyTorch value "
        "| PyTorch derivative |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['name']} | {r['dtype']} | {fmt(r['actlab_value_ulp'])} | {fmt(r['actlab_deriv_ulp'])} | "
                     f"{fmt(r['numpy_value_ulp'])} | {fmt(r['numpy_deriv_ulp'])} | "
                     f"{fmt(r.get('torch_value_ulp'))} | {fmt(r.get('torch_deriv_ulp'))} |")
    (ROOT / "docs" / "accuracy.md").write_text("\n".join(lines) + "\n")


def write_conventions() -> None:
    c = conventions()
    lines = ["# Framework conventions", "", "Generated by `python scripts/make_docs.py` from the registry.", "",
             "| question | actlab | PyTorch | TensorFlow |", "|---|---|---|---|"]
    torch_relu0 = "—"
    if torch is not None:
        t = torch.tensor(0.0, requires_grad=True)
        torch.relu(t).backward()
        torch_relu0 = f"{t.grad.item():g} (measured)"
    lines.append(f"| ReLU'(0) | {c.relu_deriv_at_zero:g} (subgradient range {list(c.relu_subgradient_at_zero)}) | "
                 f"{torch_relu0} | 0 (documented) |")
    for gap in c.gelu_gaps:
        lines.append(f"| max abs(gelu - {gap.approximation}) | {gap.max_abs_error:.3e} at x = ±{gap.at_x:.4f} | | |")
    lines += ["", "| registry key | names elsewhere |", "|---|---|"]
    for key, names in c.gelu_names.items():
        lines.append(f"| {key} | {', '.join(names)} |")
    (ROOT / "docs" / "conventions.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    (ROOT / "docs").mkdir(exist_ok=True)
    data = measure()
    write_accuracy(data)
    write_conventions()
    out = ROOT / "src" / "actlab" / "data" / "accuracy.json"
    with _compiled.using("compiled"):
        kernels = _compiled.status()
    # rows: actlab_* the compiled path (the default with numba), numpy_* the fallback without it, torch_* PyTorch;
    # measured_at: the NumPy level and libraries of those figures; native: where this machine's own level differs
    out.write_text(json.dumps({"torch": data["torch"], "kernels": kernels, "measured_at": data["measured_at"],
                               "env": data["env"], "note": level_note(data), "native": data["native"],
                               "rows": data["rows"]}, indent=1))
    print(f"wrote docs/accuracy.md, docs/conventions.md and {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
