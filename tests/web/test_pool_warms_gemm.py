"""A playground training process chooses (and loads) the engine's matrix-product library when it starts, so the
first frame of the first run does not pay for loading MKL (0.7-0.8 s measured by E2 at load 10)."""

from __future__ import annotations

import os
import subprocess
import sys

from actlab import _gemm

CODE = """
from actlab import _gemm
from actlab.web import pool
before = _gemm._product is _gemm._first_product
pool._start_child()
print(before, _gemm._product is not _gemm._first_product, _gemm.library())
"""


def test_a_training_process_has_chosen_its_matrix_products_before_its_first_frame():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert out.returncode == 0, out.stderr
    expected = "mkl" if _gemm.installed() else "numpy"
    if os.environ.get("ACTLAB_REQUIRE_MKL") == "1":
        expected = "mkl"
    assert out.stdout.split() == ["True", "True", expected], out.stdout + out.stderr
