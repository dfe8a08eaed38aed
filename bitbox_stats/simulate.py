"""Simulated data with a known truth: expression signals, and (later) whole studies."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import check_int, check_positive, check_rng

__all__ = ["simulate_signals"]


def simulate_signals(n_signals=10, seconds=120.0, fps=30, *, rate=0.2, noise=0.05,
                     min_duration=0.2, max_duration=3.0, seed=None) -> pd.DataFrame:
    """Expression-like signals: slow drift and noise plus activation bumps.

    Parameters
    ----------
    n_signals : int, default 10
        Number of signals (columns), named ``exp_00``, ``exp_01``, ...
    seconds : float, default 120
        Length of each signal in seconds.
    fps : float, default 30
        Frame rate.
    rate : float, default 0.2
        Mean number of activations per second per signal (Poisson).
    noise : float, default 0.05
        Standard deviation of the white measurement noise.
    min_duration, max_duration : float
        Activation durations (seconds, start to end) are uniform in this range.
    seed : int or numpy.random.Generator, optional
        Seed for reproducible output.

    Returns
    -------
    pandas.DataFrame
        ``round(seconds * fps)`` rows (frames) and one float column per signal.

    Notes
    -----
    Each activation is a raised-cosine bump :math:`h\\,(1 - \\cos(2\\pi u))/2`,
    :math:`u \\in [0, 1]` over its duration, with height :math:`h` drawn from a
    gamma distribution (shape 2, scale 0.4) and a random sign in 20% of cases
    (a relaxation below baseline). A random walk of small steps gives drift.

    Examples
    --------
    >>> x = simulate_signals(3, seconds=10, fps=25, seed=1)
    >>> x.shape
    (250, 3)
    >>> bool((simulate_signals(3, 10, 25, seed=1) == x).all().all())
    True
    """
    n_signals = check_int("n_signals", n_signals, minimum=1)
    seconds = check_positive("seconds", seconds)
    fps = check_positive("fps", fps)
    rate = check_positive("rate", rate, allow_zero=True)
    noise = check_positive("noise", noise, allow_zero=True)
    min_duration = check_positive("min_duration", min_duration)
    max_duration = check_positive("max_duration", max_duration)
    if max_duration < min_duration:
        raise ValueError(f"max_duration ({max_duration}) must be >= min_duration ({min_duration})")
    rng = check_rng(seed)
    T = int(round(seconds * fps))
    if T < 3:
        raise ValueError(f"seconds * fps must give at least 3 frames, got {T}")
    x = rng.normal(0.0, noise, size=(T, n_signals))
    x += np.cumsum(rng.normal(0.0, noise * 0.05, size=(T, n_signals)), axis=0)
    counts = rng.poisson(rate * seconds, size=n_signals)
    total = int(counts.sum())
    col = np.repeat(np.arange(n_signals), counts)
    start = rng.uniform(0, seconds, size=total) * fps
    length = np.maximum(rng.uniform(min_duration, max_duration, size=total) * fps, 2.0)
    height = rng.gamma(2.0, 0.4, size=total) * np.where(rng.random(total) < 0.2, -1.0, 1.0)
    # add every bump at once: frames covered by each bump, flattened
    width = int(np.ceil(length.max())) + 1 if total else 0
    offs = np.arange(width)
    frames = np.floor(start)[:, None] + offs[None, :]
    u = (frames - start[:, None]) / length[:, None]
    inside = (u >= 0) & (u <= 1) & (frames < T)
    shape = height[:, None] * (1 - np.cos(2 * np.pi * u)) / 2
    np.add.at(x, (frames[inside].astype(np.int64), np.broadcast_to(col[:, None], u.shape)[inside]), shape[inside])
    return pd.DataFrame(x, columns=[f"exp_{i:02d}" for i in range(n_signals)])
