"""Benchmark the papers' reproductions: each claim's time and verdict, full (the default) or --quick.

    .venv/bin/python bench/reproduce.py                    every claim in full
    .venv/bin/python bench/reproduce.py --quick            the reduced runs `actlab reproduce --quick` makes
    .venv/bin/python bench/reproduce.py --write-table      in full, and store each record in the lab's table
    .venv/bin/python bench/reproduce.py he2015 --write-table    one claim again after changing it
    .venv/bin/python bench/reproduce.py shazeer2020 --seeds 2   fewer seeds than the claim's default
    .venv/bin/python bench/reproduce.py --quick --jobs 2   the claims side by side in 2 worker processes (default:
                                                           1, every claim in this process, as `actlab reproduce`)
    .venv/bin/python bench/reproduce.py --quick --jobs 2 --versus-jobs 1 --rounds 2
                                       the whole quick set with --jobs against --versus-jobs, interleaved (A B A B),
                                       each round's wall and CPU time and the wall-time ratio's range

With --write-table each claim's record goes into src/actlab/data/reproduce.json as soon as it finishes, with the
fingerprint of its code (a test fails when a claim's code no longer matches its stored record). CPU time is
reported beside wall time: on a shared machine the two differ by the load. With workers (--jobs 2 or more) the
claims run side by side and print in order as they are ready; each claim's wall and CPU time are its own (in its
worker), the last line's are the whole run's, CPU time of this process and its workers together. Measured on the
shared 2-core machine (--versus-jobs, 4 interleaved rounds, load 1.7-5.2): the quick set took 35-68 s wall and
54-59 s CPU in 2 workers against 36-46 s wall and 36-43 s CPU in one process (each claim's own CPU time rose about
1.4x beside the other, and each worker pays its imports), so one process is the default.
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
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (1: every claim in this process)")
    parser.add_argument("--versus-jobs", type=int, help="compare with this many workers, interleaved (no table)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the comparison")
    args = parser.parse_args()
    if args.quick and args.write_table:
        parser.error("the stored table holds full runs only; drop --quick")
    from actlab.experiments import papers

    names = papers.check_names(args.names)
    if args.versus_jobs is not None:
        if args.write_table:
            parser.error("a comparison stores nothing; drop --write-table")
        return compare(papers, names, args)
    print(f"{'claim':<15}{'verdict':<16}{'wall s':>9}{'cpu s':>9}  load {os.getloadavg()[0]:.1f}", flush=True)
    total_wall, total_cpu = time.perf_counter(), _cpu()
    for record, cpu in papers.run_claims(names, quick=args.quick, seeds=args.seeds, workers=args.jobs):
        name, wall = record.name, 0.0 if record.stored else record.seconds
        # a quick run's verdict is the one it gets beside the stored full run (rerun.py), as actlab reproduce shows
        verdict = papers.beside_stored(record).verdict if args.quick else record.verdict
        note = " (stored)" if record.stored else ""
        print(f"{name:<15}{verdict + note:<16}{wall:9.1f}{cpu:9.1f}", flush=True)
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


def compare(papers, names: list[str], args) -> None:
    """Whole runs with --jobs and --versus-jobs workers, alternating; the ratio is versus over jobs, wall time."""
    ratios = []
    for r in range(args.rounds):
        walls = {}
        for jobs in (args.jobs, args.versus_jobs):
            wall, cpu = time.perf_counter(), _cpu()
            verdicts = [rec.verdict for rec, _ in papers.run_claims(names, args.quick, args.seeds, workers=jobs)]
            walls[jobs] = time.perf_counter() - wall
            print(f"round {r + 1}  jobs {jobs}: wall {walls[jobs]:6.1f} s  cpu {_cpu() - cpu:6.1f} s  load "
                  f"{os.getloadavg()[0]:.1f}  {', '.join(verdicts)}", flush=True)
        ratios.append(walls[args.versus_jobs] / walls[args.jobs])
    print(f"wall time, jobs {args.versus_jobs} over jobs {args.jobs}: {min(ratios):.2f}-{max(ratios):.2f} "
          f"({args.rounds} rounds)", flush=True)


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the workers, once the pool closes)."""
    own, children = os.times(), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.user + own.system + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    sys.exit(main())
