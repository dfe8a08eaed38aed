"""Does the study pipeline recover the simulated truth? A rate over seeds.

For each seed: simulate the full 140-subject study, run the pipeline, and check
(a) per task, the three largest absolute ElasticNet weights belong to the
generating channels and carry their signs (``top_ok``), (b) every generating
channel's weight has its sign, (c) ICC(1,k) and the CFA loadings are near the
generating values, (d) the test correlations per task are in a sensible range.
Prints one row per seed and the rates. Target: (a) for at least 9 of 10 seeds.

Run by hand:  .venv/bin/python benchmarks/recovery.py [--seeds 10] [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd

from bitbox_stats.simulate import simulate_study
from bitbox_stats.study import run_study


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--subjects", type=int, default=140)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for seed in range(1, args.seeds + 1):
        start = time.perf_counter()
        study = simulate_study(args.subjects, seed=seed)
        res = run_study(study, seed=seed, n_boot=200, n_jobs=args.n_jobs, progress=False)
        rec = res.truth["recovery"]
        t3 = res.table3[res.table3["model"] == "ElasticNet"].set_index("context")
        loadings = res.table2[res.table2["fit"] != "all"]
        rows.append({
            "seed": seed,
            "top3_signs_ok": bool(rec.groupby("task")["top_ok"].first().all()),
            "all_channel_signs_ok": bool(rec["sign_ok"].all()),
            "icc_min": round(res.table1["icc"].min(), 3),
            "icc_max": round(res.table1["icc"].max(), 3),
            "loading_min": round(loadings["loading"].min(), 3),
            **{f"r_{c}": round(t3.loc[c, "r"], 3) for c in t3.index},
            "seconds": round(time.perf_counter() - start, 1),
        })
        print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1), flush=True)
    table = pd.DataFrame(rows)
    print()
    print(f"top-3 weights from the generating channels, with their signs: "
          f"{table['top3_signs_ok'].sum()} of {len(table)} seeds")
    print(f"every generating channel's sign recovered: {table['all_channel_signs_ok'].sum()} of {len(table)}")
    r_cols = [c for c in table.columns if c.startswith("r_")]
    print("test r per context (min-max over seeds): "
          + ", ".join(f"{c[2:]} {table[c].min():.2f}-{table[c].max():.2f}" for c in r_cols))
    print(f"ICC(1,k) range {table['icc_min'].min():.3f}-{table['icc_max'].max():.3f}; "
          f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
