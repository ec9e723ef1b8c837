"""Benchmark the papers' reproductions: each claim's time and verdict, full (the default) or --quick.

    .venv/bin/python bench/reproduce.py                    every claim in full
    .venv/bin/python bench/reproduce.py --quick            the reduced runs `actlab reproduce --quick` makes
    .venv/bin/python bench/reproduce.py --write-table      in full, and store each record in the lab's table
    .venv/bin/python bench/reproduce.py he2015 --write-table    one claim again after changing it
    .venv/bin/python bench/reproduce.py shazeer2020 --seeds 2   fewer seeds than the claim's default
    .venv/bin/python bench/reproduce.py --quick --jobs 1   one claim after another in this process (default: 2
                                                           worker processes, as `actlab reproduce` runs them)

With --write-table each claim's record goes into src/actlab/data/reproduce.json as soon as it finishes, with the
fingerprint of its code (a test fails when a claim's code no longer matches its stored record). CPU time is
reported beside wall time: on a shared machine the two differ by the load. With workers (--jobs, default 2) the
claims run side by side and print in order as they are ready; each claim's wall and CPU time are its own (in its
worker), the last line's are the whole run's, CPU time of this process and its workers together.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "src" / "actlab" / "data" / "reproduce.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="claims to run (all when none)")
    parser.add_argument("--quick", action="store_true", help="the reduced runs")
    parser.add_argument("--seeds", type=int, help="seeds per part instead of each claim's default")
    parser.add_argument("--write-table", action="store_true", help="store each full record in the lab's table")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (1: every claim in this process)")
    args = parser.parse_args()
    if args.quick and args.write_table:
        parser.error("the stored table holds full runs only; drop --quick")
    from actlab.experiments import papers

    names = papers.check_names(args.names)
    print(f"{'claim':<15}{'verdict':<16}{'wall s':>9}{'cpu s':>9}  load {os.getloadavg()[0]:.1f}", flush=True)
    total_wall, total_cpu = time.perf_counter(), _cpu()
    for record, cpu in papers.run_claims(names, quick=args.quick, seeds=args.seeds, workers=args.jobs):
        name, wall = record.name, 0.0 if record.stored else record.seconds
        note = " (stored)" if record.stored else ""
        print(f"{name:<15}{record.verdict + note:<16}{wall:9.1f}{cpu:9.1f}", flush=True)
        for f in record.findings:
            print(f"    {f.verdict:<15} {f.measured_text:>20}  {f.what}", flush=True)
        if args.write_table:  # read again just before writing: another run may have stored a claim meanwhile
            table = json.loads(TABLE.read_text()) if TABLE.exists() else {"claims": []}
            entry = {**papers.table_entry(record), "cpu_seconds": cpu}
            table["claims"] = [c for c in table["claims"] if c["name"] != name] + [entry]
            order = papers.names()
            table["claims"].sort(key=lambda c: order.index(c["name"]) if c["name"] in order else len(order))
            TABLE.write_text(json.dumps(table, indent=1, ensure_ascii=False, allow_nan=False) + "\n")
    print(f"{'all':<31}{time.perf_counter() - total_wall:9.1f}{_cpu() - total_cpu:9.1f}"
          f"  load {os.getloadavg()[0]:.1f}", flush=True)


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the workers, once the pool closes)."""
    own, children = os.times(), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.user + own.system + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    sys.exit(main())
