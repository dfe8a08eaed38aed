"""Time bitbox_stats.reliability.icc on 1 million ratings, with pingouin for comparison.

Three designs of 1,000,000 ratings: a balanced crossed design (100,000 clips x
10 raters, all six forms), the same with string ids, and an unbalanced
one-way design (clips rated 4 to 7 times, the one-way forms).  pingouin's
``intraclass_corr`` is timed on the balanced design where it applies (it
cannot do unbalanced data); on 1 million ratings it is slow, so it runs
fewer times, and at a smaller size too.
Prints one table: median seconds over several runs, and the core count.

Run by hand:  .venv/bin/python benchmarks/icc.py [--repeats 7] [--pingouin-repeats 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import pandas as pd

from bitbox_stats.reliability import icc

try:  # optional comparison
    import pingouin
except Exception:  # noqa: BLE001 - any import failure means "not there"
    pingouin = None


def _time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _balanced(n_targets, k, rng):
    return pd.DataFrame({
        "target": np.repeat(np.arange(n_targets), k),
        "rater": np.tile(np.arange(k), n_targets),
        "rating": np.repeat(rng.normal(size=n_targets), k) + rng.normal(size=n_targets * k),
    })


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pingouin-repeats", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    balanced = _balanced(100_000, 10, rng)
    strings = balanced.assign(target="clip" + balanced["target"].astype(str),
                              rater="w" + balanced["rater"].astype(str))
    sizes = rng.integers(4, 8, size=250_000)
    sizes = sizes[np.cumsum(sizes) <= 1_000_000]
    sizes = np.append(sizes, 1_000_000 - sizes.sum()) if sizes.sum() < 1_000_000 else sizes
    target = np.repeat(np.arange(sizes.size), sizes)
    unbalanced = pd.DataFrame({"target": target,
                               "rating": rng.normal(size=sizes.size)[target] + rng.normal(size=target.size)})
    small = _balanced(10_000, 10, rng)

    rows = []

    def add(design, n, tool, forms, fn, repeats):
        rows.append({"design": design, "ratings": n, "tool": tool, "forms": forms,
                     "median_s": _time(fn, repeats)})

    add("balanced crossed, int ids", len(balanced), "bitbox_stats", "all six",
        lambda: icc(balanced, "target", "rater", "rating"), args.repeats)
    add("balanced crossed, str ids", len(strings), "bitbox_stats", "all six",
        lambda: icc(strings, "target", "rater", "rating"), args.repeats)
    add("unbalanced one-way (4-7/clip)", len(unbalanced), "bitbox_stats", "ICC(1,1), ICC(1,k)",
        lambda: icc(unbalanced, "target", ratings="rating"), args.repeats)
    add("balanced crossed, int ids", len(small), "bitbox_stats", "all six",
        lambda: icc(small, "target", "rater", "rating"), args.repeats)
    if pingouin is not None:
        def ping(frame):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return pingouin.intraclass_corr(data=frame, targets="target", raters="rater",
                                                ratings="rating")
        add("balanced crossed, int ids", len(small), "pingouin", "all six",
            lambda: ping(small), args.repeats)
        add("balanced crossed, int ids", len(balanced), "pingouin", "all six",
            lambda: ping(balanced), args.pingouin_repeats)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 120, "display.max_columns", 10):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
