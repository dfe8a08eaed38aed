"""Time bitbox_stats.expressivity against Bitbox's expressivity.

Two kinds of input, 79 signals each at 30 fps, for scales=None, scales=6 and
scales=6 with aggregate=True:

- ``dense``: simulated expression coefficients of a 3DI face model (always
  moving), 10 and 60 minutes;
- ``sparse AU``: OpenFace-like AU intensities (exactly 0 on most frames, bumps
  of 3-40 frames, rounded to 0.01; some never active), 10 minutes. There
  Bitbox's comparisons are decided by the rounding of its direct computation,
  and some coefficients are recomputed its way (the "exact path").

Prints one table: median seconds over several runs, Bitbox's time where the
``bitbox`` package is installed, the ratio, whether the results agree, the
peak memory beyond the input (tracemalloc) as a multiple of the input's size,
and how much took the exact path (signals with any coefficient recomputed, and
the share of coefficients recomputed).

Run by hand:  .venv/bin/python benchmarks/expressivity.py [--repeats 5] [--minutes 10 60] [--sparse-minutes 10]
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
from bitbox_stats.signals import EXACT_PATH
from bitbox_stats.simulate import simulate_signals

try:  # the released Bitbox, for the comparison
    from bitbox.expressions import expressivity as bitbox_expressivity
except Exception:  # noqa: BLE001 - optional, any import failure means "not there"
    bitbox_expressivity = None

CASES = [("None", None, False), ("6", 6, False), ("6 aggregate", 6, True)]


def openface_like(n_signals, seconds, fps, seed):
    """OpenFace-like AU intensities: exact zeros on most frames, bumps of 3-40
    frames (heights 0.05-3, a little noise), clipped at 0, rounded to 0.01;
    about one signal in seven never active, one in seven with a single bump."""
    rng = np.random.default_rng(seed)
    T = int(round(seconds * fps))
    x = np.zeros((T, n_signals))
    for j in range(n_signals):
        kind = rng.random()
        if kind < 0.15:
            continue
        n_bumps = 1 if kind < 0.3 else 1 + rng.poisson(rng.uniform(2, 20) * seconds / 60)
        for _ in range(n_bumps):
            length = int(rng.integers(3, 41))
            start = int(rng.integers(0, T - length))
            height = rng.uniform(0.05, 3.0)
            shape = np.sin(np.linspace(0, np.pi, length + 2)[1:-1]) ** rng.uniform(0.5, 2.0)
            bump = height * shape + rng.normal(0, 0.05 * height, length)
            x[start : start + length, j] = np.maximum(x[start : start + length, j], bump)
    x = np.round(np.clip(x, 0, 5), 2)
    return pd.DataFrame(x, columns=[f"AU{j:02d}_r" for j in range(n_signals)])


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
    parser.add_argument("--sparse-minutes", type=float, nargs="*", default=[10])
    parser.add_argument("--signals", type=int, default=79)
    args = parser.parse_args()
    rows = []
    inputs = [("dense", m, simulate_signals(args.signals, seconds=m * 60, fps=30, seed=1)) for m in args.minutes]
    inputs += [("sparse AU", m, openface_like(args.signals, m * 60, 30, seed=1)) for m in args.sparse_minutes]
    for kind, minutes, data in inputs:
        values = data.to_numpy()
        for label, scales, aggregate in CASES:
            ours = partial(bs.expressivity, values, scales=scales, aggregate=aggregate, fps=30)
            ours()  # warm caches (kernels, FFT plans)
            t_ours, res = _time(ours, args.repeats)
            mem = _peak_ratio(ours, values.nbytes)
            EXACT_PATH.reset()
            ours()
            counts = EXACT_PATH.snapshot()
            exact = (f"{counts['exact_signals']}/{counts['signals']}, "
                     f"{counts['settled_values'] / max(1, counts['signal_scales'] * len(values)):.2%}")
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
                    "input": kind,
                    "minutes": minutes,
                    "scales": label,
                    "bitbox_stats_s": round(t_ours, 4),
                    "bitbox_s": round(t_bb, 3),
                    "speedup": round(ratio, 1),
                    "same_results": agree,
                    "peak_memory_x_input": round(mem, 2),
                    "exact_path": exact if scales is not None else "-",
                }
            )
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"cores: {os.cpu_count()}; signals: {args.signals}; fps: 30; median of {args.repeats} runs "
          f"({args.bitbox_repeats} for Bitbox)")
    print("exact_path: signals with any coefficient recomputed with Bitbox's own arithmetic / all signals, "
          "and the share of all (signal, scale, frame) coefficients recomputed")


if __name__ == "__main__":
    main()
