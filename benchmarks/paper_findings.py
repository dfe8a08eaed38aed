"""Does the built-in study tell the paper's story? Its findings over seeds, beside the paper's.

For each seed: the default ``run_study(seed=seed, n_subjects=140)`` (a freshly
simulated study, 2000 bootstrap replicates). Prints one row per seed, then one
row per finding of Lin, Girard & Morency (2020): the paper's value, the range
and median over seeds, the criterion, and how many seeds meet it (issue 16):

- every ICC(1,k) of Table 1 in [.78, .90] with its lower CI bound >= .75;
- Table 2: the motion question has the lowest loading in every fit, every loading >= .80;
- the human baseline over all tasks: r in [.74, .84] and NRMSE in [.06, .10];
- over all tasks, the ElasticNet beats the uniform and normal baselines (CI of
  Delta r above 0, CI of Delta NRMSE below 0) and is worse than the human baseline
  (CI of Delta r below 0, CI of Delta NRMSE above 0);
- the per-task models' mean test r exceeds the all-task model's by >= .05;
- truth recovery: every task's three largest weights are generating channels with
  their signs (as benchmarks/recovery.py).

Targets: Table 1, beating the guessing baselines: every seed; recovery: >= 9 of 10;
the rest: >= 8 of 10.

Run by hand:  .venv/bin/python benchmarks/paper_findings.py [--seeds 10] [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

from bitbox_stats._paper import GAIN_ROW, paper_values
from bitbox_stats.study import run_study


def seed_row(seed, subjects=140, n_jobs=1, n_boot=2000):
    """The findings of one seed (one dict)."""
    start = time.perf_counter()
    res = run_study(None, seed=seed, n_subjects=subjects, n_boot=n_boot, n_jobs=n_jobs, progress=False)
    t1, t2, t3 = res.table1, res.table2, res.table3.set_index(["context", "model"])
    t4 = res.table4[res.table4["context"] == "all"].set_index(["term", "metric"])
    motion_lowest = all(g.set_index("item")["loading"].idxmin() == "motion" for _, g in t2.groupby("fit"))
    rec = res.truth["recovery"].groupby("task")["top_ok"].first()
    cmp = res.paper_comparison()
    row = {
        "seed": seed,
        "icc_min": t1["icc"].min(), "icc_max": t1["icc"].max(), "icc_ci_low_min": t1["ci_low"].min(),
        "loading_min": t2["loading"].min(), "motion_lowest": motion_lowest,
        "human_r": t3.loc[("all", "Human baseline"), "r"], "human_nrmse": t3.loc[("all", "Human baseline"), "nrmse"],
        "en_r": t3.loc[("all", "ElasticNet"), "r"], "en_nrmse": t3.loc[("all", "ElasticNet"), "nrmse"],
        **{f"en_r_{c}": t3.loc[(c, "ElasticNet"), "r"] for c in ("startle", "pain", "disgust")},
        "gain": float(cmp.loc[cmp["row"] == GAIN_ROW, "run"].iloc[0]),
        "top3_ok": bool(rec.all()), "top3_failed": ",".join(rec.index[~rec.to_numpy()]),
    }
    for other, tag in (("Uniform baseline", "uni"), ("Normal baseline", "nor"), ("Human baseline", "hum")):
        for metric, m in (("pearson_r", "r"), ("nrmse", "nrmse")):
            est, lo, hi = t4.loc[(f"ElasticNet - {other}", metric), ["estimate", "ci_low", "ci_high"]]
            row[f"d{m}_{tag}"], row[f"d{m}_{tag}_lo"], row[f"d{m}_{tag}_hi"] = est, lo, hi
    row["seconds"] = time.perf_counter() - start
    return row


def findings(table: pd.DataFrame) -> pd.DataFrame:
    """One row per finding: paper value, range and median over seeds, criterion, seeds meeting it."""
    paper = paper_values().set_index(["table", "context", "row", "statistic"])

    def pv(t, ctx, row, stat, col="value"):
        return paper.loc[(t, ctx, row, stat), col]

    def ci(t, ctx, row, stat):
        return f"{pv(t, ctx, row, stat):.3f} [{pv(t, ctx, row, stat, 'ci_low'):.3f}, " \
               f"{pv(t, ctx, row, stat, 'ci_high'):.3f}]"

    p1 = paper.xs(1, level="table")
    p2 = paper.xs((2, "loading"), level=("table", "statistic"))
    en = paper.xs((3, "ElasticNet", "r"), level=("table", "row", "statistic"))["value"]
    rows = [
        ("Table 1: ICC(1,k), min-max", f"{p1['value'].min():.2f}-{p1['value'].max():.2f}", "icc_min", "icc_max",
         (table["icc_min"] >= .78) & (table["icc_max"] <= .90), "all in [.78, .90]"),
        ("Table 1: lowest lower CI bound", f"{p1['ci_low'].min():.2f}", "icc_ci_low_min", None,
         table["icc_ci_low_min"] >= .75, ">= .75"),
        ("Table 2: lowest loading (motion lowest in every fit)", f"{p2['value'].min():.2f} (yes)", "loading_min",
         None, (table["loading_min"] >= .80) & table["motion_lowest"], ">= .80, motion lowest"),
        ("Human baseline r, all tasks", f"{pv(3, 'all', 'Human baseline', 'r'):.3f}", "human_r", None,
         table["human_r"].between(.74, .84), "in [.74, .84]"),
        ("Human baseline NRMSE, all tasks", f"{pv(3, 'all', 'Human baseline', 'nrmse'):.3f}", "human_nrmse", None,
         table["human_nrmse"].between(.06, .10), "in [.06, .10]"),
        ("ElasticNet r, all tasks", f"{en['all']:.3f}", "en_r", None, None, ""),
        ("ElasticNet NRMSE, all tasks", f"{pv(3, 'all', 'ElasticNet', 'nrmse'):.3f}", "en_nrmse", None, None, ""),
    ]
    for other, tag in (("Uniform baseline", "uni"), ("Normal baseline", "nor")):
        rows.append((f"EN - {other}: Delta r", ci(4, "all", f"ElasticNet - {other}", "r"), f"dr_{tag}", None,
                     table[f"dr_{tag}_lo"] > 0, "CI above 0"))
        rows.append((f"EN - {other}: Delta NRMSE", ci(4, "all", f"ElasticNet - {other}", "nrmse"),
                     f"dnrmse_{tag}", None, table[f"dnrmse_{tag}_hi"] < 0, "CI below 0"))
    rows += [
        ("EN - Human baseline: Delta r", ci(4, "all", "ElasticNet - Human baseline", "r"), "dr_hum", None,
         table["dr_hum_hi"] < 0, "CI below 0"),
        ("EN - Human baseline: Delta NRMSE", ci(4, "all", "ElasticNet - Human baseline", "nrmse"), "dnrmse_hum",
         None, table["dnrmse_hum_lo"] > 0, "CI above 0"),
        ("EN per task (mean r) - all tasks", f"{en[['startle', 'pain', 'disgust']].mean() - en['all']:.3f}",
         "gain", None, table["gain"] >= .05, ">= .05"),
        ("Recovery: top-3 weights generating, signs right", "-", None, None, table["top3_ok"],
         "every task"),
    ]
    out = []
    for name, paper_value, lo_col, hi_col, ok, criterion in rows:
        if lo_col is None:
            spread, median = "-", "-"
        else:
            hi = table[hi_col] if hi_col else table[lo_col]
            spread = f"{table[lo_col].min():.3f} to {hi.max():.3f}"
            median = f"{table[lo_col].median():.3f}"
        meet = "-" if ok is None else f"{int(np.sum(ok))} of {len(table)}"
        out.append({"finding": name, "paper": paper_value, "seeds (min to max)": spread, "median": median,
                    "criterion": criterion or "-", "seeds meeting": meet})
    return pd.DataFrame(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--subjects", type=int, default=140)
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    rows = []
    cols = ["seed", "icc_min", "icc_ci_low_min", "loading_min", "human_r", "human_nrmse", "en_r", "en_r_startle",
            "en_r_pain", "en_r_disgust", "gain", "dr_hum", "dr_hum_hi", "dnrmse_hum", "dnrmse_hum_lo", "top3_ok",
            "seconds"]
    for seed in range(args.first, args.first + args.seeds):
        rows.append(seed_row(seed, args.subjects, args.n_jobs, args.n_boot))
        print(f"seed {seed} done in {rows[-1]['seconds']:.0f} s", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    print(table[cols].round(3).to_string(index=False))
    print()
    print(findings(table).to_string(index=False))
    print(f"seeds {args.first}-{args.first + args.seeds - 1}; subjects: {args.subjects}; "
          f"n_boot: {args.n_boot}; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
