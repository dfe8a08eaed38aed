"""Expressivity and diversity of expression signals across temporal scales.

The statistics follow the Bitbox toolbox's ``bitbox.expressions.expressivity``
and ``diversity`` (same arguments, defaults and numbers), computed for all
signals and scales at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._selection import select_signals
from .signals import _block_peaks, _map_blocks, _prepare, _Scales

__all__ = ["expressivity", "diversity"]

_STAT_COLUMNS = ["frequency", "density", "mean", "std", "min", "max"]


def _lerp(a, b, frac):
    """NumPy's linear interpolation between order statistics, with its own rounding."""
    diff = b - a
    return np.where(frac >= 0.5, b - diff * (1 - frac), a + diff * frac)


def _group_quartiles(v, starts, counts, groups):
    """First and third quartiles (NumPy's default linear method) of the values of
    each group in ``groups``; group ``g`` holds ``v[starts[g]:starts[g] + counts[g]]``.

    Only the four order statistics needed are selected (``np.partition``), which
    is several times cheaper than sorting the values.
    """
    c = counts[groups]
    pos = np.column_stack([(c - 1) * 0.25, (c - 1) * 0.75])
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, (c - 1)[:, None])
    low_val = np.empty(pos.shape)
    high_val = np.empty(pos.shape)
    for j, g in enumerate(groups.tolist()):
        kth = np.concatenate((lo[j], hi[j]))
        part = np.partition(v[starts[g] : starts[g] + c[j]], kth)
        low_val[j] = part[lo[j]]
        high_val[j] = part[hi[j]]
    q = _lerp(low_val, high_val, pos - lo)
    return q[:, 0], q[:, 1]


def _group_stats(v, group, n_groups, n_frames, robust):
    """Statistics of the peak values ``v`` per group (signal x row), all groups at once.

    ``group`` must be non-decreasing (each group's values contiguous). Returns
    the (n_groups, 6) statistics (frequency, density, mean, std, min, max) and
    the mask of the values the robust filter keeps.
    """
    counts = np.bincount(group, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    keep = np.ones(v.size, dtype=bool)
    if robust:
        big = np.flatnonzero(counts > 5)
        if big.size:
            q1, q3 = _group_quartiles(v, starts, counts, big)
            lower = np.full(n_groups, -np.inf)
            upper = np.full(n_groups, np.inf)
            lower[big] = q1 - 1.5 * (q3 - q1)
            upper[big] = q3 + 1.5 * (q3 - q1)
            keep = (v >= lower[group]) & (v <= upper[group])
    kv, kg = (v, group) if keep.all() else (v[keep], group[keep])
    freq = np.bincount(kg, minlength=n_groups)
    has = freq > 0
    total = np.bincount(kg, weights=kv, minlength=n_groups)
    mean = np.divide(total, freq, out=np.zeros(n_groups), where=has)
    sq = np.bincount(kg, weights=(kv - mean[kg]) ** 2, minlength=n_groups)
    std = np.sqrt(np.divide(sq, freq, out=np.zeros(n_groups), where=has))
    vmin = np.zeros(n_groups)
    vmax = np.zeros(n_groups)
    if kv.size:  # kept values of each group are contiguous in kv: reduce segment-wise
        first = np.concatenate(([0], np.cumsum(freq)[:-1]))[has]
        vmin[has] = np.minimum.reduceat(kv, first)
        vmax[has] = np.maximum.reduceat(kv, first)
    density = np.where(has, total / n_frames, 0.0)
    return np.column_stack([freq, density, mean, std, vmin, vmax]), keep


def _expressivity_arrays(values, spec: _Scales, fps, robust):
    """Per-signal, per-row statistics (n, rows, 6) and the kept peaks (sig, row, t)."""
    R = spec.n_rows

    def work(i0, block):
        n, T = block.shape
        pos, _ = _block_peaks(block, spec, fps)
        sig = np.concatenate([p[0] for p in pos])
        t = np.concatenate([p[1] for p in pos])
        row = np.repeat(np.arange(R), [p[0].size for p in pos])
        # each row's peaks come sorted by signal, so row * n + signal is non-decreasing
        stats, keep = _group_stats(block.ravel()[sig * T + t], row * n + sig, n * R, T, robust)
        return stats.reshape(R, n, 6).transpose(1, 0, 2), (sig[keep] + i0, row[keep], t[keep])

    parts = _map_blocks(values, work, scales_free=spec.durations is None)
    stats = np.concatenate([p[0] for p in parts])
    kept = tuple(np.concatenate([p[1][j] for p in parts]) for j in range(3))
    return stats, kept


def _check_common(activations, axis, scales, aggregate, robust, fps, nan_policy):
    if not isinstance(robust, bool | np.bool_):
        raise TypeError(f"robust must be True or False, got {robust!r}")
    return _prepare(activations, axis, scales, aggregate, fps, nan_policy)


def _tidy_scale_columns(spec: _Scales):
    if spec.durations is None:
        return ["raw"], [np.nan], [np.nan], [np.nan]
    if spec.aggregate:
        lo, hi = float(spec.durations.min()), float(spec.durations.max())
        return ["aggregate"], [np.nan], [lo], [hi]
    d = spec.durations.tolist()
    return ["scale"] * len(d), d, d, d


def expressivity(activations, axis=0, scales=None, aggregate=False, robust=True, fps=None, *,
                 tidy=False, nan_policy="raise", signals=None):
    """Expressivity statistics of expression signals at one or more temporal scales.

    How often, how strongly and over what range each signal activates: the
    number of activation peaks, their total height per frame, and the mean,
    standard deviation, minimum and maximum of the signal at its peaks. The
    arguments and defaults are those of Bitbox's
    ``bitbox.expressions.expressivity``, and so are the numbers.

    Parameters
    ----------
    activations : array_like, pandas.DataFrame or dict
        The signals: a 2-D array (frames x signals for ``axis=0``, signals x
        frames for ``axis=1``), a 1-D array (one signal), a DataFrame whose
        column names name the signals, a Bitbox expression dict
        (``{'data': DataFrame, 'type': 'expression', ...}``), or a frames
        table from :func:`bitbox_stats.read_frames` or
        :func:`bitbox_stats.read_openface` with ``signals``.
    axis : {0, 1}, default 0
        Whether rows are frames (0) or signals (1).
    scales : None, int, list, tuple or 1-D array, default None
        ``None``: peaks of the signal itself. ``n``: ``n`` durations evenly
        spaced from 0.1 s to 4.0 s inclusive (``n=6`` gives 0.1, 0.88, 1.66,
        2.44, 3.22, 4.0). A sequence: those durations in seconds.
    aggregate : bool, default False
        Merge the peaks of all scales into one row (ignored with one scale).
    robust : bool, default True
        With more than 5 peaks, drop peak values outside
        :math:`[Q_1 - 1.5\\,IQR,\\ Q_3 + 1.5\\,IQR]` first.
    fps : float, optional
        Frame rate, which turns durations in seconds into frames. Default:
        ``activations.attrs["fps"]`` of a reader's frames table (an error when
        the reader could not know it), otherwise 30, Bitbox's default.
    tidy : bool, default False
        Return one long DataFrame instead of Bitbox's list (see Returns).
    nan_policy : {"raise", "interpolate"}, default "raise"
        ``"raise"``: a missing or infinite value is an error naming the signal
        and frame. ``"interpolate"``: such frames are filled by linear
        interpolation (the ends by the nearest value) and counted in the tidy
        output's ``n_missing``.
    signals : str or list of str, optional
        The columns of a DataFrame ``activations`` to use: names, or glob
        patterns such as ``"AU*_r"`` (which never match ``frame``,
        ``timestamp``, ``valid`` and the other identity columns). Frames the
        tracker skipped (gaps in ``frame``) come back as missing rows, and
        with ``nan_policy="raise"`` a table with invalid or skipped frames is
        an error that says how many there are. Needed for a reader's frames
        table.

    Returns
    -------
    list of pandas.DataFrame, or pandas.DataFrame
        Default: a list with one DataFrame per signal, one row per scale, as
        Bitbox returns it, with columns

        - ``scale``: the duration in seconds, None for ``scales=None``, or a
          label like ``"Agg 0.1-4.0"`` for the aggregate row;
        - ``frequency`` (int): number of (kept) activation peaks;
        - ``density`` (float): sum of the signal at the peaks / number of frames;
        - ``mean``, ``std``, ``min``, ``max`` (float): of the signal at the
          peaks (``std`` with ddof 0).

        No peaks gives zeros. With ``tidy=True``: one DataFrame with a row per
        signal and scale and the columns

        - ``signal`` (str): column name, or ``signal_<i>`` for arrays;
        - ``level`` (str): ``"raw"``, ``"scale"`` or ``"aggregate"``;
        - ``scale`` (float): duration in seconds (NaN for raw and aggregate rows);
        - ``scale_min``, ``scale_max`` (float): the durations a row covers
          (NaN for raw rows);
        - ``frequency`` ... ``max`` as above;
        - ``n_frames`` (int): frames in the signal;
        - ``n_missing`` (int): frames filled by ``nan_policy="interpolate"``.

    Notes
    -----
    Each signal :math:`x` is centred and smoothed with a Gaussian of sigma 1
    frame. For a duration :math:`d` the Mexican-hat continuous wavelet
    transform is taken at scale :math:`a = f_{ps} d / 4` (PyWavelets' ``mexh``,
    pseudo-frequency :math:`0.25 / (a\\,\\Delta t)`), and each scale's
    coefficients are smoothed again with sigma 1. With ``scales=None`` the
    smoothed signal itself is used.

    A positive peak is a frame :math:`t` where the positive part
    :math:`p = \\max(c, 0)` of that series has a strict local maximum,
    :math:`p_{t-1} < p_t > p_{t+1}`. The statistics use the *original*
    signal's values :math:`x_t` at the peaks :math:`P`:
    frequency :math:`|P|`, density :math:`\\sum_{t \\in P} x_t / T`, and the
    mean, population standard deviation, minimum and maximum of
    :math:`\\{x_t\\}`.

    Aggregation (``aggregate=True``, several scales): each scale's series is
    scored robustly, :math:`z = (c - \\mathrm{median}) / \\mathrm{MAD}` (raw MAD,
    a zero MAD replaced by 1e-12). Candidates are the positive peaks whose
    score is the largest among the positive peaks within 3 neighbouring scales
    and :math:`\\pm w` frames (edges extended), and the valleys (strict minima
    of the negative part) whose score is the smallest among valleys in that
    window, with :math:`w = \\max(1, \\mathrm{round}((d_{min} - 0.01) f_{ps}))`
    (halves to even). All candidates are taken in order of decreasing
    :math:`|z|`; one is kept only if no kept candidate lies within
    :math:`2w` frames. The row's statistics use the kept positive candidates.

    The transform is computed by FFT for blocks of signals and all scales at
    once (recordings longer than about 27 minutes at 30 fps by overlap-save,
    in segments of at least 8192 frames), on all cores. Bitbox compares its
    directly computed coefficients exactly, and on sparse signals (AU
    intensities that are 0 on most frames) many of its comparisons are
    decided by its own rounding: its coefficients are exactly 0 over long
    stretches, its MADs are 0 or at rounding level, neighbours and scores tie
    to the last bit. Every comparison is therefore decided as Bitbox decides
    it: frames where Bitbox's coefficient is exactly 0 by construction are
    set to 0; a coefficient within a proven bound of the FFT's error of 0,
    neighbours within twice the bound of each other, the order statistics
    behind a MAD at rounding level, and aggregation scores closer than their
    error bounds are recomputed with Bitbox's own arithmetic (only those);
    exactly tied aggregation candidates are ranked by Bitbox's own sort.

    Intended difference from Bitbox 2025.10.dev2: an exactly constant signal
    has no peaks (Bitbox finds 0-2 at the edges, from the rounding residue of
    the mean subtraction). Everywhere else the peak frames, and so the
    statistics, are Bitbox's.

    References
    ----------
    1. Bitbox: behavioral imaging toolbox, ``bitbox.expressions.expressivity``
       (release 2025.10.dev2).
    2. Torrence, C., Compo, G. P. (1998). A practical guide to wavelet analysis.
       Bulletin of the American Meteorological Society, 79(1), 61-78.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(600)
    >>> bumps = sum(h * np.exp(-0.5 * ((t - c) / 6) ** 2)
    ...             for c, h in [(100, 1.0), (300, 2.0), (500, 1.5)])
    >>> out = expressivity(bumps, fps=30)
    >>> out[0][["frequency", "density", "max"]]
       frequency  density  max
    0          3    0.0075  2.0
    >>> tidy = expressivity(bumps, scales=[0.5, 1.0], fps=30, tidy=True)
    >>> tidy[["signal", "scale", "frequency"]]
         signal  scale  frequency
    0  signal_0    0.5          3
    1  signal_0    1.0          3

    The action units of a tracker's export, at the file's frame rate:

    >>> from bitbox_stats import example_file, read_frames
    >>> facet = read_frames(example_file("iMotions_Test_v6.txt"))
    >>> out = expressivity(facet, signals=["AU12_evidence", "AU06_evidence"], tidy=True,
    ...                    nan_policy="interpolate")
    >>> out[["signal", "frequency", "n_frames", "n_missing"]]
              signal  frequency  n_frames  n_missing
    0  AU12_evidence         11       519        215
    1  AU06_evidence         14       519        215
    """
    activations, fps = select_signals(activations, signals, fps, nan_policy, axis)
    values, names, n_missing, fps, spec = _check_common(
        activations, axis, scales, aggregate, robust, fps, nan_policy
    )
    stats, _ = _expressivity_arrays(values, spec, fps, bool(robust))
    n, R = len(names), spec.n_rows
    freq = stats[:, :, 0].astype(np.int64)
    if tidy:
        level, scale, smin, smax = _tidy_scale_columns(spec)
        out = pd.DataFrame(
            {
                "signal": np.repeat(np.asarray(names, dtype=object), R).astype(str),
                "level": np.tile(level, n),
                "scale": np.tile(np.asarray(scale, dtype=float), n),
                "scale_min": np.tile(np.asarray(smin, dtype=float), n),
                "scale_max": np.tile(np.asarray(smax, dtype=float), n),
                "frequency": freq.ravel(),
            }
        )
        for k, col in enumerate(_STAT_COLUMNS[1:], start=1):
            out[col] = stats[:, :, k].ravel()
        out["n_frames"] = np.int64(values.shape[0])
        out["n_missing"] = np.repeat(n_missing, R)
        return out
    labels = np.asarray(spec.labels, dtype=_label_dtype(spec))
    return _signal_frames(labels, freq, stats)


def _signal_frames(labels, freq, stats) -> list:
    """Bitbox's output: one small DataFrame per signal (columns ``scale`` + statistics).

    This is output assembly only, but with hundreds of signals pandas' general
    constructor costs more than the statistics; all frames share one column
    index and one RangeIndex, built once, and pandas' array constructor is used
    directly where this pandas has it.
    """
    n = freq.shape[0]

    def frame_columns(i):
        return {"scale": labels, "frequency": freq[i],
                **{c: stats[i, :, k] for k, c in enumerate(_STAT_COLUMNS[1:], start=1)}}

    first = pd.DataFrame(frame_columns(0))
    make = getattr(pd.DataFrame, "_from_arrays", None)
    if make is None:  # pragma: no cover - other pandas versions: the public constructor
        return [first] + [pd.DataFrame(frame_columns(i)) for i in range(1, n)]
    columns, index = first.columns, first.index
    scale = first["scale"].array  # the column as pandas itself stores it
    values = np.ascontiguousarray(stats[:, :, 1:].transpose(0, 2, 1))  # (n, 5, R): rows of each column
    return [first] + [make([scale, freq[i], *values[i]], columns=columns, index=index, verify_integrity=False)
                      for i in range(1, n)]


def _label_dtype(spec: _Scales):
    return float if spec.durations is not None and not spec.aggregate else object


def diversity(activations, axis=0, magnitude=True, scales=None, aggregate=False, robust=True, fps=None, *,
              tidy=False, nan_policy="raise", signals=None):
    """Entropy of peak activity across signals, per temporal scale.

    How evenly the activation peaks are spread over the signals (for example
    over the expression coefficients of a face): 1 when every signal is
    equally active, 0 when one signal carries all peaks. Follows Bitbox's
    ``bitbox.expressions.diversity``.

    Parameters
    ----------
    activations, axis, scales, aggregate, robust, fps, nan_policy, signals
        As in :func:`expressivity`; at least two signals are needed.
    magnitude : bool, default True
        Weigh each peak by the absolute value of the signal there; if False,
        every peak counts 1.
    tidy : bool, default False
        Return numeric scale columns as in :func:`expressivity` (``tidy=True``).

    Returns
    -------
    pandas.DataFrame
        One row per scale (or one aggregate row) with

        - ``scale``: as in :func:`expressivity` (with ``tidy=True``: ``level``,
          ``scale``, ``scale_min``, ``scale_max`` instead);
        - ``overall`` (float): entropy of the signals' shares of all peak
          activity over the whole recording;
        - ``frame_wise`` (float): entropy of the signals' shares at each frame,
          averaged over all frames (frames without peaks count as 0).

    Notes
    -----
    With :math:`a_{it}` the weight of a (kept) peak of signal :math:`i` at
    frame :math:`t` (0 elsewhere) and :math:`n` signals,
    :math:`p_i = \\sum_t |a_{it}| / \\sum_{i,t} |a_{it}|` and
    overall :math:`= -\\sum_i p_i \\log_n p_i`; frame-wise, with
    :math:`p_{it} = |a_{it}| / \\sum_i |a_{it}|`,
    :math:`\\frac{1}{T} \\sum_t -\\sum_i p_{it} \\log_n p_{it}`. Terms with
    :math:`p = 0` are 0. Peaks and the robust filter are those of
    :func:`expressivity`.

    References
    ----------
    1. Bitbox: behavioral imaging toolbox, ``bitbox.expressions.diversity``
       (release 2025.10.dev2).
    2. Shannon, C. E. (1948). A mathematical theory of communication. Bell
       System Technical Journal, 27(3), 379-423.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(600)
    >>> bump = lambda c: np.exp(-0.5 * ((t - c) / 6) ** 2)
    >>> x = np.column_stack([bump(100) + bump(400), bump(250) + bump(500)])
    >>> diversity(x, fps=30)
      scale  overall  frame_wise
    0  None      1.0         0.0
    """
    activations, fps = select_signals(activations, signals, fps, nan_policy, axis)
    values, names, _n_missing, fps, spec = _check_common(
        activations, axis, scales, aggregate, robust, fps, nan_policy
    )
    if not isinstance(magnitude, bool | np.bool_):
        raise TypeError(f"magnitude must be True or False, got {magnitude!r}")
    n = len(names)
    if n < 2:
        raise ValueError("diversity needs at least 2 signals (the entropy is taken across signals), got 1")
    T = values.shape[0]
    _, (sig, row, t) = _expressivity_arrays(values, spec, fps, bool(robust))
    R = spec.n_rows
    weight = np.abs(values[t, sig]) if magnitude else np.ones(t.size)
    log_n = np.log(n)

    def plogp(p):
        out = np.zeros_like(p)
        pos = p > 0
        out[pos] = p[pos] * np.log(p[pos]) / log_n
        return out

    # overall: shares of each signal within each row
    per_signal = np.bincount(row * n + sig, weights=weight, minlength=R * n).reshape(R, n)
    total = per_signal.sum(axis=1, keepdims=True)
    share = np.divide(per_signal, total, out=np.zeros_like(per_signal), where=total > 0)
    overall = -plogp(share).sum(axis=1)
    # frame-wise: shares within each (row, frame), only frames with activity contribute
    cell = row * T + t
    frame_total = np.bincount(cell, weights=weight, minlength=R * T)
    p = np.divide(weight, frame_total[cell], out=np.zeros_like(weight), where=frame_total[cell] > 0)
    frame_entropy = -np.bincount(row, weights=plogp(p), minlength=R)
    frame_wise = frame_entropy / T
    if tidy:
        level, scale, smin, smax = _tidy_scale_columns(spec)
        return pd.DataFrame({"level": level, "scale": np.asarray(scale, float),
                             "scale_min": np.asarray(smin, float), "scale_max": np.asarray(smax, float),
                             "overall": overall, "frame_wise": frame_wise})
    return pd.DataFrame({"scale": pd.Series(spec.labels, dtype=_label_dtype(spec)),
                         "overall": overall, "frame_wise": frame_wise})
