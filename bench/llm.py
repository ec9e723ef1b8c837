"""SmolLM2-135M in actlab.llm: load time, memory and forward-pass speed, NumPy against torch (one thread each).

Usage: python bench/llm.py [--lengths 64 420] [--runs 3] [--cold]

--cold also times the first read of the GGUF file (parse and dequantise, into a temporary cache) before the
cached read every later run makes. Memory is the process's peak resident set (ru_maxrss) after each phase. The
forward pass is timed on the shipped evaluation text cut to each length, best and median of --runs; tokens/s is
length / median. llama.cpp's own Python binding (llama-cpp-python) is timed when it is importable; it is not a
dependency, because installing it builds llama.cpp from source (about half an hour on two cores).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from actlab.llm import llama, measure, use_cache_folder  # noqa: E402
from actlab.llm._packages import model_file  # noqa: E402
from actlab.llm.gguf_file import read_llama  # noqa: E402
from actlab.web.settings import llm_cache_location  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", type=int, nargs="+", default=[64, 420])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args()
    use_cache_folder(llm_cache_location(None))  # $ACTLAB_CACHE or $XDG_CACHE_HOME/actlab, as the CLI reads them
    path = model_file("smollm2")
    if args.cold:
        with tempfile.TemporaryDirectory() as tmp:
            use_cache_folder(tmp)
            start = time.perf_counter()
            read_llama(path)
            print(f"first read (parse + dequantise + write cache): {time.perf_counter() - start:.1f} s, "
                  f"peak {peak_mb():.0f} MB")
            start = time.perf_counter()
            read_llama(path)
            print(f"cached read: {time.perf_counter() - start:.1f} s")
        use_cache_folder(llm_cache_location(None))  # back to the folder the CLI would use
    start = time.perf_counter()
    model = read_llama(path)
    print(f"load ({'cache' if model.loaded_from_cache else 'parse'}): {time.perf_counter() - start:.1f} s, weights "
          f"{model.nbytes / 1e6:.0f} MB, peak {peak_mb():.0f} MB")
    ids = model.encode(measure.eval_text())
    backends = ["numpy"] + (["torch"] if importlib.util.find_spec("torch") else [])
    for n in args.lengths:
        part = ids[:n]
        for backend in backends:
            llama.forward(model, part[:8], backend=backend)  # warm: torch's views, first-call costs
            times = timed(lambda part=part, backend=backend: llama.forward(model, part, backend=backend), args.runs)
            med = statistics.median(times)
            print(f"{backend:6} {len(part):4} tokens: best {min(times):.2f} s, median {med:.2f} s, "
                  f"{len(part) / med:.0f} tokens/s, peak {peak_mb():.0f} MB")
    if importlib.util.find_spec("llama_cpp") is None:
        print("llama.cpp: not measured (llama-cpp-python is not installed; building it from source takes about "
              "half an hour here)")
    else:
        from llama_cpp import Llama

        lm = Llama(model_path=str(path), n_threads=1, logits_all=True, verbose=False)
        for n in args.lengths:
            part = ids[:n]

            def run(part=part):
                lm.reset()
                lm.eval(part)

            times = timed(run, args.runs)
            print(f"llama.cpp {len(part):4} tokens: median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
