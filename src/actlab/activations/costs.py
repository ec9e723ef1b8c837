"""The lesson's cost table: what value + derivative of ReLU and the GELU family cost per element.

The figures are measured by ``python bench/activations.py --lesson-table`` (interleaved with PyTorch,
CPU time, several runs) and shipped in ``data/lesson_costs.json``; the lab shows them with where and
when they were taken instead of timing kernels while the same server computes other demonstrations.

The table is stale when its inputs change: the benchmark's method (METHOD_VERSION, which the benchmark
writes and this module compares) or the code of the kernels (a hash of functions.py, _numerics.py and
_numba_kernels.py, the compiled kernels).
A new measurement that merely differs does not make it stale. tests/activations/test_costs.py fails on a
stale table, so a kernel change comes with a new measurement.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources

# Bump when bench/activations.py measures the lesson table differently (sizes, dtype, what a call does).
METHOD_VERSION = 1
NAMES = ("relu", "gelu", "gelu_tanh", "quick_gelu")
# in actlab/activations: the code the figures time
KERNEL_FILES = ("functions.py", "_numerics.py", "_numba_kernels.py", "_erfcx_table.py")
TABLE_FILE = "lesson_costs.json"  # in actlab/data


def kernel_hash() -> str:
    """SHA-256 (first 16 hex digits) of the kernels' source, line endings normalised."""
    digest = hashlib.sha256()
    package = resources.files("actlab") / "activations"
    for name in KERNEL_FILES:
        digest.update(name.encode())
        digest.update((package / name).read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class CostTable:
    """One measurement of the lesson's costs: ns per element (CPU time) by activation, median and range."""

    ns_per_element: dict  # name -> median over runs of actlab's value + derivative, ns per element
    ns_range: dict  # name -> [lowest, highest] over runs
    torch_ns_per_element: dict  # name -> PyTorch forward + backward on the same input (median); {} without torch
    ratio_range: dict  # name -> [median, lowest, highest] of actlab / PyTorch CPU-time ratio over runs
    n: int
    dtype: str
    runs: int
    calls: int
    machine: str  # processor and CPU count, as the benchmark saw them
    load_before: float  # 1-minute load average before and after the measurement
    load_after: float
    measured_at: str  # UTC date and time
    torch_version: str | None
    method_version: int
    kernel_hash: str
    kernels: str  # which kernels ran: "compiled (numba X)" or "NumPy" (actlab.activations._compiled.status())

    @property
    def cost_order(self) -> list[str]:
        """The names, cheapest first as measured."""
        return sorted(self.ns_per_element, key=self.ns_per_element.get)

    @property
    def stale_reasons(self) -> list[str]:
        """Why the table no longer describes this code (empty when current)."""
        reasons = []
        if self.method_version != METHOD_VERSION:
            reasons.append(f"the benchmark's method is version {METHOD_VERSION}, the table was measured with "
                           f"version {self.method_version}")
        if self.kernel_hash != kernel_hash():
            reasons.append("the kernels' code changed since the measurement (kernel hash "
                           f"{self.kernel_hash} measured, {kernel_hash()} now)")
        return reasons

    @property
    def is_current(self) -> bool:
        return not self.stale_reasons

    def source(self) -> str:
        """One sentence saying where the figures come from."""
        load = f"load average {self.load_before:.1f} before, {self.load_after:.1f} after"
        return (f"bench/activations.py --lesson-table, {self.measured_at}, {self.machine} ({load}); "
                f"value + derivative of {self.n:,} {self.dtype} values ({self.kernels}), CPU time, median of "
                f"{self.runs} runs interleaved with PyTorch {self.torch_version or '(not installed)'}")

    def to_dict(self) -> dict:
        return {**{k: getattr(self, k) for k in self.__dataclass_fields__}, "cost_order": self.cost_order,
                "source": self.source(), "is_current": self.is_current, "stale_reasons": self.stale_reasons}


def from_dict(data: dict) -> CostTable:
    fields = CostTable.__dataclass_fields__
    missing = sorted(set(fields) - set(data))
    if missing:
        raise ValueError(f"{TABLE_FILE}: missing {', '.join(missing)}; regenerate it with "
                         "python bench/activations.py --lesson-table")
    return CostTable(**{k: data[k] for k in fields})


def shipped() -> CostTable | None:
    """The shipped table, or None where the package has none."""
    path = resources.files("actlab") / "data" / TABLE_FILE
    if not path.is_file():
        return None
    return from_dict(json.loads(path.read_text(encoding="utf-8")))
