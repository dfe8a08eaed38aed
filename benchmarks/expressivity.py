"""Time bitbox_stats.expressivity against Bitbox's expressivity.

79 signals (the expression coefficients of a 3DI face model) of 10 and 60
minutes at 30 fps, for scales=None, scales=6 and scales=6 with aggregate=True.
Prints one table: median seconds over several runs, Bitbox's time where the
``bitbox`` package is installed, the ratio, whether the results agree, and the
peak memory beyond the input (tracemalloc) as a multiple of the input's size.

Run by hand:  .venv/bin/python benchmarks/expressivity.py [--repeats 5] [--minutes 10 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc
from functools import partial

import numpy as np
import pandas as pd

import bitbox_stats as bs
from bitbox_stats.simulate import simulate_signals

try:  # the released Bitbox, for the comparison
    from bitbox.expressions import expressivity as bitbox_expressivity
except Exception:  # noqa: BLE001 - optional, any import failure means "not there"
    bitbox_expressivity = None

CASES = [("None", None, False), ("6", 6, False), ("6 aggregate", 6, True)]


def _time(fn, repeats):
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _peak_ratio(fn, input_bytes):
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / input_bytes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--bitbox-repeats", type=int, default=3)
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 60])
    parser.add_argument("--signals", type=int, default=79)
    args = parser.parse_args()
    rows = []
    for minutes in args.minutes:
        data = simulate_signals(args.signals, seconds=minutes * 60, fps=30, seed=1)
        values = data.to_numpy()
        for label, scales, aggregate in CASES:
            ours = partial(bs.expressivity, values, scales=scales, aggregate=aggregate, fps=30)
            ours()  # warm caches (kernels, FFT plans)
            t_ours, res = _time(ours, args.repeats)
            mem = _peak_ratio(ours, values.nbytes)
            t_bb = ratio = np.nan
            agree = "n/a"
            if bitbox_expressivity is not None:
                frame = {"data": data, "type": "expression"}
                theirs = partial(bitbox_expressivity, frame, scales=scales, aggregate=aggregate, fps=30)
                t_bb, ref = _time(theirs, args.bitbox_repeats)
                ratio = t_bb / t_ours
                worst = max(
                    float(np.max(np.abs(r.iloc[:, 1:].to_numpy(float) - g.iloc[:, 1:].to_numpy(float))))
                    for r, g in zip(ref, res, strict=True)
                )
                agree = "yes" if worst < 1e-9 else f"NO ({worst:.2g})"
            rows.append(
                {
                    "minutes": minutes,
                    "scales": label,
                    "bitbox_stats_s": round(t_ours, 4),
                    "bitbox_s": round(t_bb, 3),
                    "speedup": round(ratio, 1),
                    "same_results": agree,
                    "peak_memory_x_input": round(mem, 2),
                }
            )
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"cores: {os.cpu_count()}; signals: {args.signals}; fps: 30; median of {args.repeats} runs "
          f"({args.bitbox_repeats} for Bitbox)")


if __name__ == "__main__":
    main()
