"""The full 140-subject demo study end to end, with the time of every step.

Median over ``--repeats`` runs of ``run_study`` on a freshly simulated study
(simulation included), then the time to save the CSVs, PNGs and HTML report.
Target: under 60 s on the 2-core machine.

Run by hand:  .venv/bin/python benchmarks/study.py [--repeats 3] [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import pandas as pd

from bitbox_stats.study import run_study


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--subjects", type=int, default=140)
    args = parser.parse_args()
    steps, totals = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        res = run_study(None, n_subjects=args.subjects, seed=2020, n_jobs=args.n_jobs, progress=False)
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            res.save(os.path.join(tmp, "out"))
        save = time.perf_counter() - t0
        totals.append(time.perf_counter() - start)
        steps.append(pd.concat([res.timings, pd.DataFrame({"step": ["save CSV, PNG, HTML"],
                                                           "seconds": [save]})], ignore_index=True))
    table = pd.concat(steps).groupby("step", sort=False)["seconds"].median().round(2).reset_index()
    print(table.to_string(index=False))
    print(f"total (median of {args.repeats}): {statistics.median(totals):.1f} s; "
          f"subjects: {args.subjects}; n_jobs: {args.n_jobs}; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
