"""Coverage of cluster-bootstrap intervals for a difference between two models' NRMSE.

Clustered data with a known truth: 140 subjects with 10-22 clips each
(about 2,240 clips). Each model's prediction error has a subject part and a
clip part, so errors are correlated within subjects:

    error_A = a_s + e,  a_s ~ N(0, 0.30), e ~ N(0, 0.10)   (variances)
    error_B = b_s + e', b_s ~ N(0, 0.50), e' ~ N(0, 0.20)

The population NRMSE of a model is sqrt(total error variance) / 7, so the
true difference is (sqrt(0.40) - sqrt(0.70)) / 7. Each run simulates a new
study, bootstraps the difference with cluster_bootstrap (subjects resampled;
percentile and BCa intervals) and with the ordinary row bootstrap
(``cluster=None``), and records whether each 95% interval covers the truth.
Prints one table: coverage, its Monte Carlo standard error and the mean
interval width per method, plus the machine's core count.

Run by hand:  .venv/bin/python benchmarks/coverage.py [--runs 1000] [--n-boot 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from bitbox_stats.bootstrap import cluster_bootstrap

VAR_A = (0.30, 0.10)  # subject, clip
VAR_B = (0.50, 0.20)
SCORE_RANGE = 7.0
TRUE_DIFF = (np.sqrt(sum(VAR_A)) - np.sqrt(sum(VAR_B))) / SCORE_RANGE


def simulate(rng, n_subjects=140):
    sizes = rng.integers(10, 23, n_subjects)
    subject = np.repeat(np.arange(n_subjects), sizes)
    n = subject.size
    y = rng.normal(0, 0.7, n_subjects)[subject] + rng.normal(0, 0.7, n)
    err_a = rng.normal(0, np.sqrt(VAR_A[0]), n_subjects)[subject] + rng.normal(0, np.sqrt(VAR_A[1]), n)
    err_b = rng.normal(0, np.sqrt(VAR_B[0]), n_subjects)[subject] + rng.normal(0, np.sqrt(VAR_B[1]), n)
    return pd.DataFrame({"subject": subject, "y": y, "a": y + err_a, "b": y + err_b})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    methods = {
        "cluster, percentile": dict(cluster="subject", ci="percentile"),
        "cluster, bca": dict(cluster="subject", ci="bca"),
        "cluster, boot_perc": dict(cluster="subject", ci="boot_perc"),
        "row (ordinary), percentile": dict(cluster=None, ci="percentile"),
    }
    covered = {m: [] for m in methods}
    width = {m: [] for m in methods}
    start = time.perf_counter()
    for _ in range(args.runs):
        data = simulate(rng)
        for name, kw in methods.items():
            res = cluster_bootstrap(data, "y", ["a", "b"], metrics="nrmse", n_boot=args.n_boot,
                                    seed=rng, pairwise=True, **kw)
            row = res.table.iloc[2]  # "a - b"
            covered[name].append(row["ci_low"] <= TRUE_DIFF <= row["ci_high"])
            width[name].append(row["ci_high"] - row["ci_low"])
    elapsed = time.perf_counter() - start
    rows = []
    for name in methods:
        c = np.mean(covered[name])
        rows.append({
            "interval": name,
            "coverage_pct": round(100 * c, 1),
            "mc_se_pct": round(100 * np.sqrt(c * (1 - c) / args.runs), 1),
            "mean_width": round(float(np.mean(width[name])), 5),
        })
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"cores: {os.cpu_count()}; runs: {args.runs}; n_boot: {args.n_boot}; nominal 95%; "
          f"true NRMSE difference {TRUE_DIFF:.5f}; 140 subjects, 10-22 clips each; "
          f"{elapsed:.0f} s")


if __name__ == "__main__":
    main()
