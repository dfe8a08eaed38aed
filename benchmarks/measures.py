"""Time bitbox_stats' asymmetry and coordination against Bitbox's, with peak memory.

Cases (targets from issue 12, same-run ratios against Bitbox 2025.10.dev2):

- asymmetry of 10 minutes of 3-D canonical landmarks (51 points, 30 fps): >= 50x;
- coordination of 79 x 79 expression signals (simulate_signals), 10 minutes at width
  0.5 s (default lag and step): >= 20x;
- the same over 2 minutes at width 2 s, lag 1 s: >= 50x; and over 10 minutes with
  ``--long`` (Bitbox: minutes and about 6 GB);
- peak memory at most 1/8 of Bitbox's, and not growing with the number of lags (the
  last rows: ours only, lags 0.25, 0.5 and 1 s at width 2 s).

Peak memory is what tracemalloc sees (NumPy's arrays; BLAS work buffers are not
counted) beyond the inputs. Agreement: largest absolute difference from Bitbox
(asymmetry: scores; coordination: mean and SD of the windowed correlations), and
for coordination the percentage of signal pairs whose mean and SD are within 1e-4
(the others hold a window where Bitbox's float32 ranks two nearly equal |r| of
opposite sign the other way round).
Prints one table and the core count.

Run by hand:  .venv/bin/python benchmarks/measures.py [--long] [--repeats 3] [--skip-bitbox]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

import bitbox_stats as bs

try:  # the released Bitbox, for the comparison
    from bitbox.expressions import asymmetry as bitbox_asymmetry
    from bitbox.social import coordination as bitbox_coordination
except Exception:  # noqa: BLE001 - optional, any import failure means "not there"
    bitbox_asymmetry = bitbox_coordination = None

FPS = 30


def _time(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _peak(fn):
    """Seconds and peak traced memory (MB) of one call, and its result."""
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, result


def _landmarks(minutes):
    rng = np.random.default_rng(1)
    T = int(minutes * 60 * FPS)
    base = rng.normal(size=(1, 51, 3)) * 30
    values = (base + np.cumsum(rng.normal(size=(T, 51, 3)) * 0.05, axis=0)).reshape(T, -1)
    cols = [f"{c}{i}" for i in range(51) for c in "xyz"]
    return {"data": pd.DataFrame(values, columns=cols), "type": "landmark-can", "dimension": 3,
            "backend": "3DI", "schema": "ibug51"}


def _signals(minutes, n):
    data = bs.simulate_signals(2 * n, seconds=minutes * 60, fps=FPS, seed=1)
    x = {"data": data.iloc[:, :n].reset_index(drop=True), "type": "expression", "dimension": 3}
    y = {"data": data.iloc[:, n:].reset_index(drop=True), "type": "expression", "dimension": 3}
    return x, y


def _row(case, t_ours, mem_ours, t_bb=np.nan, mem_bb=np.nan, diff=np.nan, target="", within=np.nan):
    return {"case": case, "bitbox_stats_s": round(t_ours, 3), "bitbox_s": round(t_bb, 2),
            "speedup": round(t_bb / t_ours, 1) if np.isfinite(t_bb) else np.nan,
            "target": target, "peak_mb": round(mem_ours, 1), "bitbox_peak_mb": round(mem_bb, 1),
            "memory_ratio": round(mem_bb / mem_ours, 1) if np.isfinite(mem_bb) else np.nan,
            "max_abs_diff": diff, "pct_within_1e-4": within}


def bench_asymmetry(args):
    data = _landmarks(10)
    ours = lambda: bs.asymmetry(data)  # noqa: E731
    ours()
    t_ours, res = _time(ours, args.repeats)
    _, mem, _ = _peak(ours)
    if bitbox_asymmetry is None or args.skip_bitbox:
        return _row("asymmetry, 10 min 3-D", t_ours, mem, target=">= 50x")
    t_bb, mem_bb, ref = _peak(lambda: bitbox_asymmetry(data))
    diff = float(np.max(np.abs(ref.to_numpy() - res.to_numpy())))
    return _row("asymmetry, 10 min 3-D", t_ours, mem, t_bb, mem_bb, f"{diff:.1e}", ">= 50x")


def bench_coordination(args, minutes, width, lag, target, bitbox=True):
    x, y = _signals(minutes, args.signals)
    case = f"coordination {args.signals}x{args.signals}, {minutes:g} min, width {width:g} s" + (
        f", lag {lag:g} s" if lag is not None else "")
    ours = lambda: bs.coordination(x, y, width=width, lag=lag, fps=FPS)  # noqa: E731
    t_ours, res = _time(ours, args.repeats)
    _, mem, _ = _peak(ours)
    if not bitbox or bitbox_coordination is None or args.skip_bitbox:
        return _row(case, t_ours, mem, target=target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        t_bb, mem_bb, ref = _peak(lambda: bitbox_coordination(x, y, width=width, lag=lag, fps=FPS))
    d = np.stack([np.abs(ref[k].astype(float) - res[k]) for k in (0, 1)])
    within = round(100 * float(np.mean(np.nan_to_num(d, nan=0.0).max(axis=0) <= 1e-4)), 2)
    # a pair beyond 1e-4: one window where Bitbox's float32 ranked two nearly equal |r| of
    # opposite sign the other way (see tests/test_coordination.py)
    return _row(case, t_ours, mem, t_bb, mem_bb, f"{float(np.nanmax(d)):.1e}", target, within)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--signals", type=int, default=79)
    parser.add_argument("--long", action="store_true", help="also 10 minutes at width 2 s, lag 1 s")
    parser.add_argument("--skip-bitbox", action="store_true")
    parser.add_argument("--quick", action="store_true", help="short recordings, to try the script")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    rows = [bench_asymmetry(args)]
    rows.append(bench_coordination(args, 10 * scale, 0.5, None, ">= 20x"))
    rows.append(bench_coordination(args, 2 * scale, 2.0, 1.0, ">= 50x"))
    if args.long:
        rows.append(bench_coordination(args, 10 * scale, 2.0, 1.0, ">= 50x"))
    for lag in (0.25, 0.5, 1.0):  # memory must not grow with the lags
        rows.append(bench_coordination(args, 2 * scale, 2.0, lag, "memory flat", bitbox=False))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))
    print(f"cores: {os.cpu_count()}; fps {FPS}; our times: median of {args.repeats} runs, Bitbox's: one run; "
          "peak memory: tracemalloc, MB")


if __name__ == "__main__":
    main()
