"""Wavelet transform and peak detection for expression signals.

This module holds the signal-processing core behind
:func:`bitbox_stats.expressivity` and :func:`bitbox_stats.diversity`:

* :func:`scale_durations` turns Bitbox's ``scales`` argument into durations;
* :func:`wavelet_transform` is the Mexican-hat continuous wavelet transform of
  many signals at many scales at once, computed by FFT;
* :func:`detect_peaks` lists the activation peaks of every signal at every
  scale (or the peaks of the signal itself, or the aggregated peaks) as a tidy
  table.

All of them work on whole (signals x frames) arrays; there is no Python loop
per signal or per peak in the hot path. Where the FFT's rounding could decide
a comparison differently from Bitbox's direct computation, the few
coefficients concerned are recomputed Bitbox's way (see the section "Bitbox's
direct arithmetic" below; :data:`EXACT_PATH` counts how often).
"""

from __future__ import annotations

import numbers
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pywt
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage

from ._validation import check_choice, check_finite_array, check_positive, is_numeric_dtype

__all__ = ["scale_durations", "wavelet_transform", "detect_peaks"]

#: Bitbox's grid for ``scales=int``: durations from 0.1 s to 4.0 s inclusive.
MIN_DURATION = 0.1
MAX_DURATION = 4.0
#: Gaussian smoothing (frames) applied to the signal and to every scale's coefficients.
SMOOTH_SIGMA = 1.0
#: Neighbouring scales compared when peaks of several scales are aggregated.
AGGREGATE_SCALE_WINDOW = 3
#: Working-memory budget (bytes) for one block of signals in the transform.
_BLOCK_BYTES = 48 * 2**20
#: ... and the smallest budget per thread. Larger blocks run faster on two
#: threads (fewer NumPy calls that hold the GIL: 24 MiB gave 15-20% at 10 min
#: in benchmarks/expressivity.py) but take the peak memory beyond the input
#: from 1.3-1.5x to 3-7.5x the input's size, over the 2x limit.
_MIN_BLOCK_BYTES = 4 * 2**20
#: Signals whose one-piece FFT would be longer than this many segments are
#: convolved segment-wise (overlap-save, segments of ``_SEGMENT`` frames).
_SEGMENT = 8192
_SEGMENTED_FROM = 6


@dataclass(frozen=True)
class _Scales:
    """Durations (seconds) and their display form; ``durations is None`` means raw."""

    durations: np.ndarray | None
    labels: list  # Bitbox's ``scale`` column values: None, floats, or "Agg a-b"
    aggregate: bool

    @property
    def n_rows(self) -> int:
        return len(self.labels)


def scale_durations(scales, fps: float = 30) -> np.ndarray | None:
    """Durations in seconds for Bitbox's ``scales`` argument.

    Parameters
    ----------
    scales : None, int, list, tuple or 1-D array
        ``None``: no wavelet scales (peaks of the signal itself). An int ``n``:
        ``n`` durations evenly spaced from 0.1 s to 4.0 s inclusive. A sequence:
        those durations in seconds.
    fps : float
        Frame rate; durations shorter than a quarter frame cannot be
        represented by the wavelet and are rejected.

    Returns
    -------
    numpy.ndarray or None
        The durations in seconds (float64), or None for ``scales=None``.

    Notes
    -----
    For ``scales=n`` the durations are ``numpy.linspace(0.1, 4.0, n)``, as in
    Bitbox. A duration :math:`d` maps to the Mexican-hat wavelet scale
    :math:`a = f_{ps} d / 4`, because PyWavelets' ``mexh`` has pseudo-frequency
    :math:`0.25 / (a\\,\\Delta t)`.

    Examples
    --------
    >>> scale_durations(6).round(2).tolist()
    [0.1, 0.88, 1.66, 2.44, 3.22, 4.0]
    >>> scale_durations([0.5, 1, 2]).tolist()
    [0.5, 1.0, 2.0]
    >>> scale_durations(None) is None
    True
    """
    fps = check_positive("fps", fps)
    if scales is None:
        return None
    if isinstance(scales, bool):
        raise TypeError("scales must be None, an int, or a list/tuple/1-D array of durations in seconds, got bool")
    if isinstance(scales, numbers.Integral):
        if scales < 1:
            raise ValueError(f"scales must be a positive number of scales, got {scales}")
        durations = np.linspace(MIN_DURATION, MAX_DURATION, num=int(scales))
    elif isinstance(scales, list | tuple | np.ndarray | pd.Series):
        try:
            durations = np.asarray(scales, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"scales must hold durations in seconds (numbers), got {scales!r}") from None
        if durations.ndim != 1:
            raise ValueError(f"scales must be one-dimensional, got an array of shape {durations.shape}")
        if durations.size == 0:
            raise ValueError("scales is empty; give at least one duration in seconds, or None")
        if not np.all(np.isfinite(durations)) or np.any(durations <= 0):
            raise ValueError(f"scales must be positive durations in seconds, got {durations.tolist()}")
        uniq, counts = np.unique(durations, return_counts=True)
        if np.any(counts > 1):
            raise ValueError(f"scales has duplicate durations: {uniq[counts > 1].tolist()}")
    else:
        raise TypeError(
            "scales must be None, an int, or a list/tuple/1-D array of durations in seconds, "
            f"got {type(scales).__name__}"
        )
    smallest = 0.25 / fps  # the wavelet needs at least two taps: scale*16 >= 1
    if durations.min() < smallest:
        raise ValueError(
            f"scales: the duration {durations.min()} s is shorter than the shortest the wavelet "
            f"can represent at fps={fps:g} ({smallest:g} s)"
        )
    return durations


def _resolve_scales(scales, fps: float, aggregate: bool) -> _Scales:
    durations = scale_durations(scales, fps)
    if durations is None:
        return _Scales(None, [None], False)
    if durations.size == 1:
        aggregate = False
    if aggregate:
        label = f"Agg {durations.min():.1f}-{durations.max():.1f}"
        return _Scales(durations, [label], True)
    # Bitbox keeps the user's own numbers (ints stay ints) in the scale column
    labels = list(scales) if isinstance(scales, list | tuple) else durations.tolist()
    return _Scales(durations, labels, False)


@lru_cache(maxsize=1)
def _integrated_mexh(precision: int = 12):
    int_psi, x = pywt.integrate_wavelet("mexh", precision=precision)
    return np.asarray(int_psi, dtype=float), np.asarray(x, dtype=float)


def _difference_kernel(wavelet_scale: float) -> tuple[np.ndarray, int]:
    """The kernel ``g`` with ``pywt.cwt(x, a, 'mexh')[t] == conv(x, g)[t + offset]``.

    PyWavelets convolves with the integrated wavelet sampled at the scale,
    differentiates, multiplies by ``-sqrt(a)`` and trims the centre. Folding the
    difference into the kernel lets one FFT product give the coefficients.
    """
    int_psi, x = _integrated_mexh()
    step = x[1] - x[0]
    j = (np.arange(wavelet_scale * (x[-1] - x[0]) + 1) / (wavelet_scale * step)).astype(int)
    j = j[j < int_psi.size]
    h = int_psi[j][::-1]
    g = np.diff(np.concatenate(([0.0], h, [0.0]))) * (-np.sqrt(wavelet_scale))
    offset = int(np.floor((h.size - 2) / 2.0)) + 1
    return g, offset


@lru_cache(maxsize=256)
def _kernel_spectrum(wavelet_scale: float, nfft: int, smoothed: bool = False) -> tuple[np.ndarray, int]:
    """rfft (length ``nfft``) of the wavelet kernel, or of the kernel convolved
    with the Gaussian (:func:`_smoothed_kernel`), and the output offset."""
    g, offset = _smoothed_kernel(wavelet_scale)[:2] if smoothed else _difference_kernel(wavelet_scale)
    return scipy.fft.rfft(g, n=nfft), offset


def _fft_length(n_frames: int, kernel_length: int) -> int:
    """FFT length for the full linear convolution of ``n_frames`` with a kernel."""
    return scipy.fft.next_fast_len(n_frames + kernel_length, real=True)


def _wavelet_rows(block: np.ndarray, wavelet_scales: np.ndarray, workers: int = -1) -> np.ndarray:
    """CWT of a (n, T) block at every scale: (n, S, T), by one FFT per signal."""
    n, T = block.shape
    nfft = _fft_length(T, max(_difference_kernel(float(a))[0].size for a in wavelet_scales))
    spectrum = scipy.fft.rfft(block, n=nfft, axis=-1, workers=workers)
    out = np.empty((n, len(wavelet_scales), T))
    for s, a in enumerate(wavelet_scales):
        kernel, offset = _kernel_spectrum(float(a), nfft)
        full = scipy.fft.irfft(spectrum * kernel, n=nfft, axis=-1, workers=workers)
        out[:, s, :] = full[:, offset : offset + T]
    return out


def wavelet_transform(signals, durations, fps: float = 30, *, smooth: bool = True) -> np.ndarray:
    """Mexican-hat continuous wavelet transform of many signals at once.

    Parameters
    ----------
    signals : array_like, shape (n_signals, n_frames) or (n_frames,)
        The signals, one per row.
    durations : sequence of float
        Event durations in seconds (see :func:`scale_durations`).
    fps : float
        Frame rate in frames per second.
    smooth : bool, default True
        Apply Bitbox's pre-processing: centre each signal, smooth it with a
        Gaussian of sigma 1 frame, and smooth each scale's coefficients again.

    Returns
    -------
    numpy.ndarray, shape (n_signals, n_scales, n_frames)
        Wavelet coefficients (for 1-D input the first axis is dropped).

    Notes
    -----
    The coefficient at wavelet scale :math:`a = f_{ps} d / 4` is the one of
    ``pywt.cwt(x, a, 'mexh')`` (direct convolution with the integrated
    wavelet, differentiated, times :math:`-\\sqrt{a}`), computed here as one
    FFT product with the differentiated kernel. The two agree to rounding
    (about 1e-13 of the coefficients' range).

    References
    ----------
    1. Lee, G. R., Gommers, R., Wasilewski, F., Wohlfahrt, K., O'Leary, A.
       (2019). PyWavelets: a Python package for wavelet analysis. JOSS 4(36), 1237.

    Examples
    --------
    >>> import numpy as np, pywt
    >>> x = np.sin(np.linspace(0, 20, 600))
    >>> w = wavelet_transform(x, [0.5, 1.0], fps=30, smooth=False)
    >>> ref, _ = pywt.cwt(x, [30 * 0.5 / 4, 30 * 1.0 / 4], "mexh")
    >>> bool(np.allclose(w, ref, atol=1e-12))
    True
    """
    fps = check_positive("fps", fps)
    x = np.asarray(signals, dtype=float)
    one = x.ndim == 1
    x = np.atleast_2d(x)
    if x.ndim != 2:
        raise ValueError(f"signals must be 1-D or 2-D, got shape {np.shape(signals)}")
    d = scale_durations(list(np.atleast_1d(durations)), fps)
    if smooth:
        x = ndimage.gaussian_filter1d(x - x.mean(axis=1, keepdims=True), SMOOTH_SIGMA, axis=-1)
    w = _wavelet_rows(np.ascontiguousarray(x), fps * d / 4.0)
    if smooth:
        w = ndimage.gaussian_filter1d(w, SMOOTH_SIGMA, axis=-1)
    return w[0] if one else w


def _strict_peaks(z: np.ndarray, *, negatives: bool = True):
    """Strict local maxima of the positive part and minima of the negative part.

    A peak at frame t has :math:`z_t > 0` and :math:`z_{t-1} < z_t > z_{t+1}`
    (``sign(diff)`` changes from +1 to -1 directly); a valley is the mirror
    image with :math:`z_t < 0`. On the positive part :math:`\\max(z, 0)` this
    is exactly Bitbox's rule (``x - y > 0`` exactly when ``x > y`` in IEEE
    arithmetic). Returns boolean masks shaped like ``z`` (``neg`` is None
    unless ``negatives``).
    """
    pos = np.zeros(z.shape, dtype=bool)
    neg = np.zeros(z.shape, dtype=bool) if negatives else None
    if z.shape[-1] < 3:
        return pos, neg
    mid = z[..., 1:-1]
    inner = pos[..., 1:-1]
    np.greater(mid, z[..., :-2], out=inner)
    inner &= mid > z[..., 2:]
    inner &= mid > 0
    if negatives:
        inner = neg[..., 1:-1]
        np.less(mid, z[..., :-2], out=inner)
        inner &= mid < z[..., 2:]
        inner &= mid < 0
    return pos, neg


def _scan_pairs(position: np.ndarray, reach: int):
    """Forward neighbour pairs of a sorted position array within ``reach``.

    Yields ``(i, j)`` index arrays for offsets 1, 2, ... with
    ``position[j] - position[i] <= reach``, until no pair is left.
    """
    m = position.size
    i = np.arange(m)
    d = 1
    while i.size:
        i = i[i + d < m]
        i = i[position[i + d] - position[i] <= reach]
        if i.size:
            yield i, i + d
        d += 1


def _window_best(position, scale, value, half_window, widest, err):
    """Is each peak's value the largest among the peaks within 3 neighbouring
    scales and +-half_window positions (the value itself included)?

    ``position`` is sorted; peaks that must not meet (other signals, other
    kinds) lie more than ``half_window`` apart in it. Also returns the mask of
    values compared with another closer than their error bounds (``err(idx)``,
    all at most ``widest``) allow: the answer may then differ from Bitbox's.
    """
    def pairs():
        for i, j in _scan_pairs(position, half_window):
            close = np.abs(scale[j] - scale[i]) <= AGGREGATE_SCALE_WINDOW // 2
            yield i[close], j[close]

    rival = np.full(value.size, -np.inf)  # the largest neighbour
    for i, j in pairs():
        rival[i] = np.maximum(rival[i], value[j])  # i and j are unique within one offset
        rival[j] = np.maximum(rival[j], value[i])
    unsure = np.zeros(value.size, dtype=bool)
    if widest > 0 and np.any(np.abs(value - rival) <= 2 * widest):  # rare: find the close pairs
        for i, j in pairs():
            close = np.abs(value[i] - value[j]) <= 2 * widest
            i, j = i[close], j[close]
            room = err(i) + err(j)
            u = (np.abs(value[i] - value[j]) <= room) & (room > 0)
            unsure[i[u]] = True
            unsure[j[u]] = True
    return value >= rival, unsure


def _aggregate(cands, n_scales: int, n_frames: int, half_window: int, ranked=()):
    """Merge the peaks of several scales into one series per signal.

    ``cands`` (:class:`_Candidates`) holds every peak and valley of every
    scale with its robust score and a bound on the score's distance from
    Bitbox's (0 where it is Bitbox's own). Returns
    ``(sig, t, sign, unsure, tied)``: the kept candidates sorted by signal and
    frame (sign 1 for a peak, -1 for a valley); or, when a comparison is
    closer than the error bounds allow, ``sig`` is None, ``unsure`` indexes
    the candidates to make exact and ``tied`` lists signals with exactly
    equal strengths that are not in ``ranked``. See
    :func:`bitbox_stats.expressivity` (Notes).

    The greedy suppression in order of decreasing strength is computed in
    rounds: a candidate that no undecided candidate within 2w frames beats is
    kept (nothing stronger nearby can still be kept), and the undecided
    candidates within 2w of it are dropped. This gives exactly the sequential
    greedy result with no loop over candidates. Bitbox takes candidates in the
    order of NumPy's default (unstable) ``argsort`` of their negated absolute
    scores; for the signals in ``ranked`` (exactly tied strengths, all scores
    exact) that very sort ranks them; elsewhere no two strengths are equal
    and the order follows from them.
    """
    S, T = n_scales, n_frames
    sig_in, scale_in, frame_in, score_in, valley_in = cands.sig, cands.scale, cands.frame, cands.score, cands.valley
    none = np.empty(0, dtype=np.int64)
    stride = T + 2 * half_window + 1  # positions of different signals are > 2w apart
    n_sig = int(sig_in.max(initial=-1)) + 1
    # one sorted line for both kinds: valleys after all peaks, scored as -score
    valley_base = n_sig * stride
    key = sig_in.astype(np.int64) * stride + frame_in + np.where(valley_in, valley_base, 0)
    order = np.argsort(key, kind="stable")  # merges the sorted runs
    position = key[order]
    scale = scale_in[order]
    value = np.where(valley_in, -score_in, score_in)[order]
    best, unsure = _window_best(position, scale, value, half_window, cands.widest,
                                lambda idx: cands.err(order[idx]))
    if unsure.any():
        return None, None, None, order[unsure], none
    index = order[best]
    position, scale, value = position[best], scale[best], value[best]
    strength = np.abs(value)
    valley = position >= valley_base
    position[valley] -= valley_base
    tiebreak = (valley * S + scale) * T + position % stride  # Bitbox's candidate list order
    order = np.argsort(position, kind="stable")  # merges the peak and valley runs
    position, strength, tiebreak, valley, value, index = (
        a[order] for a in (position, strength, tiebreak, valley, value, index))
    sig, t = np.divmod(position, stride)
    for g in np.asarray(ranked, dtype=np.int64).tolist():
        sel = np.flatnonzero(sig == g)
        sel = sel[np.argsort(tiebreak[sel])]  # Bitbox's list: peaks by scale and frame, then valleys
        scores = np.where(valley[sel], -value[sel], value[sel])
        rank = np.empty(sel.size, dtype=tiebreak.dtype)
        rank[np.argsort(-np.abs(scores))] = np.arange(sel.size)  # Bitbox's own call
        tiebreak[sel] = rank
    sign = np.where(valley, -1, 1).astype(np.int8)
    m = t.size
    if m == 0:
        return sig, t, sign, none, none

    # pairs of candidates within 2w frames (their +-w windows overlap); for each
    # pair, which one wins the greedy order
    first, second, second_wins = [], [], []
    unsure = np.zeros(m, dtype=bool)
    tied = np.zeros(m, dtype=bool)
    reach = 2 * cands.widest
    near = []  # pairs whose strengths are within twice the largest error bound (ties included)
    for i, j in _scan_pairs(position, 2 * half_window):
        first.append(i)
        second.append(j)
        step = strength[j] - strength[i]
        second_wins.append((step > 0) | ((step == 0) & (tiebreak[j] < tiebreak[i])))
        close = np.abs(step, out=step) <= reach
        if close.any():
            near.append((i[close], j[close]))
    kept = np.zeros(m, dtype=bool)
    if not first:
        kept[:] = True
        return sig, t, sign, none, none
    if near:
        ca, cb = (np.concatenate(x) for x in zip(*near, strict=True))
        gap = np.abs(strength[cb] - strength[ca])
        room = cands.err(index[ca]) + cands.err(index[cb])
        u = (gap <= room) & (room > 0)
        unsure[ca[u]] = True
        unsure[cb[u]] = True
        tied[ca[(gap == 0) & (room == 0)]] = True
    new_ties = np.setdiff1d(sig[tied], np.asarray(ranked, dtype=np.int64))
    if unsure.any() or new_ties.size:
        return None, None, None, index[unsure], new_ties
    a = np.concatenate(first)
    b = np.concatenate(second)
    b_wins = np.concatenate(second_wins)
    winner = np.where(b_wins, b, a)
    loser = np.where(b_wins, a, b)
    undecided = np.ones(m, dtype=bool)
    while True:
        # a candidate loses the round if an undecided candidate beats it
        live = undecided[winner] & undecided[loser]
        blocked = np.zeros(m, dtype=bool)
        blocked[loser[live]] = True
        newly = undecided & ~blocked
        kept |= newly
        undecided &= ~newly
        hit_a = newly[winner] & live  # winners' undecided neighbours are dropped
        undecided[loser[hit_a]] = False
        if not undecided.any():
            break
        still = undecided[winner] & undecided[loser]
        winner, loser = winner[still], loser[still]
    return sig[kept], t[kept], sign[kept], none, none


def _half_window(durations: np.ndarray, fps: float) -> int:
    # Python's round(): halves go to the even integer, as in Bitbox
    return max(1, int(round(float(np.min(durations - 0.01)) * fps)))


def _threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def _map_blocks(values: np.ndarray, work, *, scales_free: bool = False):
    """Run ``work(first_signal, block)`` on blocks of signals, on all cores.

    ``values`` is (frames, signals); each block is a C-contiguous (n, frames)
    copy of some of its columns. Blocks are sized so that the working memory
    of all threads together stays near the input's own size, but at least
    ``_MIN_BLOCK_BYTES`` and at most ``_BLOCK_BYTES`` per thread (the
    transform needs about 64 bytes per signal and frame, the raw peaks
    without scales about 24), and every thread gets as many blocks; results
    come back in signal order.
    """
    T, n = values.shape
    threads = _threads()
    per_signal = (24 if scales_free else 64) * (T + 1024)
    budget = min(_BLOCK_BYTES, max(_MIN_BLOCK_BYTES, values.nbytes // threads))
    step = int(max(1, min(-(-n // threads), budget // per_signal)))
    blocks = -(-n // step)
    step = -(-n // (-(-blocks // threads) * threads))  # as many blocks for every thread

    def run(i0):
        return work(i0, np.ascontiguousarray(values[:, i0 : i0 + step].T))

    starts = list(range(0, n, step))
    if len(starts) == 1 or threads == 1:
        return [run(i0) for i0 in starts]
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, starts))


def _gaussian_weights(sigma: float = SMOOTH_SIGMA, truncate: float = 4.0) -> np.ndarray:
    """The weights of ``scipy.ndimage.gaussian_filter1d`` (same formula)."""
    radius = int(truncate * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    w = np.exp(-0.5 / sigma**2 * x**2)
    return w / w.sum()


@lru_cache(maxsize=128)
def _smoothed_kernel(wavelet_scale: float) -> tuple[np.ndarray, int, float]:
    """The wavelet kernel convolved with the Gaussian, its offset and L1 norm."""
    g, offset = _difference_kernel(wavelet_scale)
    g2 = np.convolve(g, _gaussian_weights())
    return g2, offset, float(np.abs(g2).sum())


@lru_cache(maxsize=256)
def _edge_operators(wavelet_scale: float, n_frames: int):
    """Matrices giving the smoothed coefficients of the first and last ``r`` frames.

    There the Gaussian smoothing reflects the coefficient series at the edge
    (SciPy's ``mode='reflect'``), which a kernel folded into the FFT cannot do.
    Returns ``(k_head, H, k_tail, E)`` such that the smoothed head is
    ``z[:, :k_head] @ H.T`` and the smoothed tail ``z[:, k_tail:] @ E.T``.
    """
    g, offset = _difference_kernel(wavelet_scale)
    w = _gaussian_weights()
    r = w.size // 2
    T = n_frames
    head = np.arange(2 * r)
    tail = np.arange(T - 2 * r, T)
    # unsmoothed coefficient at frame f: sum_k z[k] g[f + offset - k]
    k_head = min(T, 2 * r + offset)
    k_tail = max(0, T - 2 * r + offset - g.size + 1)

    def conv_rows(frames, first, last):
        k = np.arange(first, last)
        idx = frames[:, None] + offset - k[None, :]
        return np.where((idx >= 0) & (idx < g.size), g[np.clip(idx, 0, g.size - 1)], 0.0)

    G_head = conv_rows(head, 0, k_head)
    G_tail = conv_rows(tail, k_tail, T)
    # reflect mode: -1 -> 0, -2 -> 1, ...; T -> T-1, T+1 -> T-2, ...
    R_head = np.zeros((r, 2 * r))
    R_tail = np.zeros((r, 2 * r))
    for t in range(r):
        for j, wj in zip(range(-r, r + 1), w, strict=True):
            R_head[t, -(t + j) - 1 if t + j < 0 else t + j] += wj
            f = T - r + t + j
            R_tail[t, (2 * T - 1 - f if f >= T else f) - (T - 2 * r)] += wj
    return k_head, R_head @ G_head, k_tail, R_tail @ G_tail


def _convolution_plan(n_frames: int, kernel_length: int) -> tuple[int, bool]:
    """FFT length for convolving ``n_frames`` with kernels up to ``kernel_length``
    taps, and whether to do it segment-wise (overlap-save) rather than in one piece."""
    whole = _fft_length(n_frames, kernel_length)
    segment = max(_SEGMENT, scipy.fft.next_fast_len(4 * kernel_length, real=True))
    if whole <= _SEGMENTED_FROM * segment:
        return whole, False
    return segment, True


def _scale_rows(z: np.ndarray, durations: np.ndarray, fps: float):
    """Yield ``(s, coefs, bound)`` per scale: the smoothed (n, T) coefficients of
    a centred, smoothed block ``z`` and, per signal, a bound on their distance
    from Bitbox's directly computed ones (:func:`_error_bound`; 0 where the
    coefficients are Bitbox's own).

    The Gaussian smoothing of the coefficients is folded into the FFT kernel;
    the few frames at each end, where the smoothing reflects the series at the
    edge, come from small precomputed matrices (:func:`_edge_operators`).
    Long signals are convolved by overlap-save in segments of
    :data:`_SEGMENT` frames (the FFTs then stay in the CPU cache); the
    forward transform is shared by all scales either way.
    """
    n, T = z.shape
    r = _gaussian_weights().size // 2
    wavelet_scales = fps * durations / 4.0
    kernels = [_smoothed_kernel(float(a)) for a in wavelet_scales]
    if T < 4 * r + 2:  # very short signals: Bitbox's own arithmetic, row by row
        for s, a in enumerate(wavelet_scales):
            direct = _direct_kernel(float(a))
            yield s, np.array([_direct_row(row, direct) for row in z]), np.zeros((n, 1))
        return
    zmax = np.max(np.abs(z), axis=1, keepdims=True)
    znorm = np.sqrt(np.einsum("ij,ij->i", z, z))[:, None]
    longest = max(k[0].size for k in kernels)
    nfft, segmented = _convolution_plan(T, longest)
    if not segmented:
        spectrum = scipy.fft.rfft(z, n=nfft, axis=-1, workers=1)
        product = np.empty_like(spectrum)  # one buffer for every scale's product

        def convolve(kernel):  # linear convolution: index j is output j
            np.multiply(spectrum, kernel, out=product)
            return scipy.fft.irfft(product, n=nfft, axis=-1, workers=1, overwrite_x=True)
    else:
        segment = nfft
        lead = longest - 1  # the first ``lead`` outputs of each segment wrap around
        hop = segment - lead
        n_seg = -(-(max(k[1] for k in kernels) + r + T) // hop)
        padded = np.zeros((n, (n_seg - 1) * hop + segment))
        padded[:, lead : lead + T] = z
        spectrum = scipy.fft.rfft(sliding_window_view(padded, segment, axis=-1)[:, ::hop], axis=-1, workers=1)

        product = np.empty_like(spectrum)

        def convolve(kernel):
            np.multiply(spectrum, kernel, out=product)
            out = scipy.fft.irfft(product, n=segment, axis=-1, workers=1, overwrite_x=True)
            return out[:, :, lead:].reshape(n, n_seg * hop)
    for s, (a, (_, offset, _)) in enumerate(zip(wavelet_scales, kernels, strict=True)):
        coefs = convolve(_kernel_spectrum(float(a), nfft, smoothed=True)[0])[:, offset + r : offset + r + T]  # a view; the edges are replaced below
        k_head, H, k_tail, E = _edge_operators(float(a), T)
        coefs[:, :r] = z[:, :k_head] @ H.T
        coefs[:, T - r :] = z[:, k_tail:] @ E.T
        yield s, coefs, _error_bound(float(a), zmax, znorm, nfft)


def _nonzero(mask: np.ndarray):
    """``np.nonzero`` of a 2-D mask (faster through the flat index)."""
    return np.divmod(np.flatnonzero(mask), mask.shape[1])


# ---------------------------------------------------------------------------
# Bitbox's direct arithmetic, where the FFT cannot decide
#
# The FFT gives every coefficient within a small, provable distance (the
# bound of :func:`_error_bound`) of the one Bitbox computes directly
# (PyWavelets' ``np.convolve``, differenced, then SciPy's Gaussian). Nearly
# every comparison Bitbox makes has a far larger margin than that; those that
# have not are decided with Bitbox's own arithmetic, recomputed for the few
# coefficients concerned:
#
# * frames where Bitbox's coefficient is exactly 0 *by construction* (both
#   convolution windows, and all nine smoothed frames, lie in one exactly
#   constant stretch of the smoothed signal: the same products summed in the
#   same order) are set to 0 (:func:`_structural_zeros`);
# * a coefficient within the bound of 0, or two neighbours within twice the
#   bound of each other, are recomputed (:func:`_settle`);
# * in aggregation, a median or MAD at rounding level is made exact (by
#   counting signs where it is 0, else by recomputing the order statistics
#   that could be the middle ones, :func:`_robust_scale`), and aggregation
#   candidates whose scores are closer than their error bounds get exact
#   scores (:func:`_merge_scales`, :func:`_exact_candidates`); exact ties
#   are ranked by Bitbox's own (unstable) sort.
#
# Recomputed values are bit for bit Bitbox's: they come from ``np.convolve``
# and SciPy's Gaussian themselves, applied to just the stretches needed (each
# output is the same dot product of the same numbers wherever the stretch
# starts; the tests check this against whole-signal computations).

_UNIT_ROUNDOFF = np.finfo(float).eps / 2


class _ExactPathTally:
    """How often the exact path ran (process-wide; for tests and benchmarks).

    ``signal_scales``: (signal, scale) rows checked; ``settled_rows``: rows
    with at least one coefficient recomputed for the peaks; ``settled_values``:
    those coefficients; ``zero_frames``: frames set to Bitbox's exact zero;
    ``median_rows`` / ``median_values``: aggregate rows whose median or MAD
    needed recomputed coefficients, and how many; ``robust_rows``: rows
    computed whole, Bitbox's way, for an exact median and MAD;
    ``candidate_values``: aggregation candidates recomputed for a near-tie;
    ``tie_signals``: signals ranked by Bitbox's own sort for an exact tie;
    ``signals`` / ``exact_signals``: signals checked / with anything
    recomputed. Not public API.
    """

    _FIELDS = ("signals", "exact_signals", "signal_scales", "settled_rows", "settled_values", "zero_frames",
               "median_rows", "median_values", "robust_rows", "candidate_values", "tie_signals")

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._counts = dict.fromkeys(self._FIELDS, 0)

    def add(self, counts: dict):
        with self._lock:
            for key, value in counts.items():
                self._counts[key] += int(value)

    def snapshot(self) -> dict:
        with self._lock:
            return dict(self._counts)


EXACT_PATH = _ExactPathTally()


def _gamma(k: int) -> float:
    r"""Higham's :math:`\gamma_k = k u / (1 - k u)`, the bound on a k-term sum's relative rounding."""
    ku = k * _UNIT_ROUNDOFF
    return ku / (1 - ku)


@dataclass(frozen=True)
class _Direct:
    """PyWavelets' kernel at one wavelet scale and the constants of Bitbox's arithmetic."""

    kernel: np.ndarray  # what pywt.cwt hands to np.convolve
    shift: int  # coefficient t = factor * (conv[t + shift + 1] - conv[t + shift])
    factor: float  # -sqrt(a), as PyWavelets computes it
    kernel_l1: float
    diff_l1: float  # of the differenced kernel times -sqrt(a)
    smooth_l1: float  # of that kernel convolved with the Gaussian


@lru_cache(maxsize=256)
def _direct_kernel(wavelet_scale: float) -> _Direct:
    int_psi, x = _integrated_mexh()
    step = x[1] - x[0]
    j = (np.arange(wavelet_scale * (x[-1] - x[0]) + 1) / (wavelet_scale * step)).astype(int)
    kernel = np.ascontiguousarray(int_psi[j[j < int_psi.size]][::-1])
    g, _ = _difference_kernel(wavelet_scale)
    return _Direct(kernel, (kernel.size - 2) // 2, float(-np.sqrt(np.float64(wavelet_scale))),
                   float(np.abs(kernel).sum()), float(np.abs(g).sum()), _smoothed_kernel(wavelet_scale)[2])


def _error_bound(wavelet_scale: float, zmax: np.ndarray, znorm: np.ndarray, nfft: int) -> np.ndarray:
    r"""Per signal, a bound on |FFT coefficient - Bitbox's coefficient|.

    Bitbox's side: each ``np.convolve`` output is a sum of at most L
    products, off by at most :math:`\gamma_L \sum_j |z_j h_j| \le \gamma_L
    \|z\|_\infty \|h\|_1` (Higham 2002, eq. 3.5); two are differenced and
    scaled by :math:`\sqrt{a}`, and the Gaussian's weights sum to 1. The FFT's
    side: with :math:`\epsilon` the relative error of a computed DFT (Higham
    2002, Thm 24.2; twice its :math:`\log_2 N` stages, for mixed radices), the
    forward transform of the signal (normwise), of the kernel
    (componentwise, at most :math:`\epsilon \|g\|_1`), their product and the
    inverse transform give :math:`\|\tilde y - y\|_\infty \le \|\tilde y -
    y\|_2 \le (3\epsilon + 2\gamma_2) \|z\|_2 \|g\|_1` to first order. The rest
    (the kernels' own rounding, the edge matrices, the last operations) is
    below :math:`\gamma_{L+64}` times the largest coefficient the signal can
    produce. The sum is doubled; the tests check that actual differences stay
    far below it.
    """
    per_max, per_norm = _error_factors(wavelet_scale, nfft)
    return per_max * zmax + per_norm * znorm


@lru_cache(maxsize=256)
def _error_factors(wavelet_scale: float, nfft: int) -> tuple[float, float]:
    """The factors of :func:`_error_bound` for ``zmax`` and ``znorm``, already
    doubled (the bound is twice the sum of its three parts)."""
    d = _direct_kernel(wavelet_scale)
    L = d.kernel.size
    direct = 2 * np.sqrt(wavelet_scale) * _gamma(L) * d.kernel_l1
    eta = _UNIT_ROUNDOFF + _gamma(4) * (np.sqrt(2) + _UNIT_ROUNDOFF)
    eps = 2 * np.log2(nfft) * eta
    eps = eps / (1 - eps)
    fft = 1.01 * (3 * eps + 2 * _gamma(2)) * d.smooth_l1
    rest = _gamma(L + 64) * d.diff_l1
    return 2.0 * float(direct + rest), 2.0 * float(fft)


def _direct_row(z_row: np.ndarray, d: _Direct) -> np.ndarray:
    """Bitbox's smoothed coefficients of one signal, as it computes them."""
    raw = d.factor * np.diff(np.convolve(z_row, d.kernel))
    extra = raw.size - z_row.size  # PyWavelets trims floor(extra/2) and ceil(extra/2)
    raw = raw[extra // 2 : raw.size - (extra - extra // 2)]
    return ndimage.gaussian_filter1d(raw, SMOOTH_SIGMA)


#: Stretches of convolution outputs less than this many multiply-adds apart
#: (gap times kernel length) are computed in one call (about a call's overhead).
_RUN_GAP_WORK = 8192
#: Elements per chunk when screening coefficients (a few hundred KiB: in cache).
_SCREEN_CHUNK = 1 << 15
#: Elements per chunk in :func:`_settle_dense` (fewer, larger chunks: less
#: Python overhead per row; measured).
_DENSE_CHUNK = 1 << 17


def _direct_conv(z: np.ndarray, d: _Direct, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray, out: np.ndarray):
    """``out[row, q] = np.convolve(z[row], kernel)[q]`` for ``lo <= q <= hi``, bit for bit (needs T >= L).

    ``(rows, lo, hi)`` are stretches sorted by row and start. Each stretch is
    computed by ``np.convolve`` itself on the part of the signal it covers
    (``mode='valid'``: the same full-overlap sums, each a dot product of the
    same L numbers); the ramps at the signal's ends from ``np.convolve`` of its
    first or last L frames.
    """
    T = z.shape[1]
    L = d.kernel.size
    if rows.size == 0:
        return
    # merge stretches of a row that lie close together (one call instead of two)
    gap = max(8, _RUN_GAP_WORK // L)
    line = rows.astype(np.int64) * (T + 2 * L + gap)  # rows apart on one line
    new = np.ones(rows.size, dtype=bool)
    new[1:] = lo[1:] + line[1:] > np.maximum.accumulate(hi + line)[:-1] + gap
    starts = np.flatnonzero(new)
    rows, lo = rows[starts], lo[starts]
    hi = np.maximum.reduceat(hi, starts)
    # full-overlap outputs: np.convolve(..., 'valid') on the frames each stretch covers
    m0, m1 = np.maximum(lo, L - 1), np.minimum(hi, T - 1)
    inner = m0 <= m1
    kernel = d.kernel
    for i, a, b in zip(rows[inner].tolist(), m0[inner].tolist(), m1[inner].tolist(), strict=True):
        out[i, a : b + 1] = np.convolve(z[i, a - L + 1 : b + 1], kernel, mode="valid")
    # the ramps at either end: np.convolve of the first or last L frames
    ends = (lo < L - 1) | (hi > T - 1)
    for i, a, b in zip(rows[ends].tolist(), lo[ends].tolist(), hi[ends].tolist(), strict=True):
        if a < L - 1:
            head = np.convolve(z[i, :L], kernel)
            out[i, a : min(b, L - 2) + 1] = head[a : min(b, L - 2) + 1]
        if b > T - 1:
            tail = np.convolve(z[i, T - L :], kernel)
            k = max(a, T)
            out[i, k : b + 1] = tail[k - (T - L) : b + 1 - (T - L)]


def _direct_values(z: np.ndarray, d: _Direct, rows: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Bitbox's smoothed coefficients of signals ``rows`` at ``frames``, bit for bit."""
    n, T = z.shape
    L = d.kernel.size
    r = _gaussian_weights().size // 2
    if rows.size == 0:
        return np.empty(0)
    if T < L + 2 * r + 2:  # np.convolve swaps its operands when T < L: whole rows, as Bitbox
        out = np.empty(rows.size)
        for i in np.unique(rows).tolist():
            sel = rows == i
            out[sel] = _direct_row(z[i], d)[frames[sel]]
        return out
    key = rows.astype(np.int64) * T + frames
    if np.any(key[1:] < key[:-1]):
        order = np.argsort(key, kind="stable")
        srows, sframes = rows[order], frames[order]
    else:
        srows, sframes = rows, frames
    # coefficient t needs conv[t + shift - r .. t + shift + r + 1] (the smoothing
    # reflects at the ends, onto frames inside that range)
    conv = np.empty((n, T + L - 1))
    _direct_conv(z, d, srows, np.maximum(sframes - r, 0) + d.shift,
                 np.minimum(sframes + r, T - 1) + d.shift + 1, conv)
    # the smoothing's window around each frame (reflected at the signal's ends),
    # as flat indices of the left convolution output of each difference
    span = T + L - 1
    u = (rows.astype(np.int64) * span + frames + d.shift)[:, None] + np.arange(-r, r + 1)
    edge = np.flatnonzero((frames < r) | (frames > T - 1 - r))
    if edge.size:
        f = frames[edge, None] + np.arange(-r, r + 1)
        f = np.where(f < 0, -f - 1, np.where(f >= T, 2 * T - 1 - f, f))
        u[edge] = rows[edge, None].astype(np.int64) * span + f + d.shift
    flat = conv.reshape(-1)
    raw = np.take(flat, u + 1)
    raw -= np.take(flat, u)
    raw *= d.factor
    return _smooth_centres(raw)


def _smooth_centres(windows: np.ndarray) -> np.ndarray:
    """SciPy's Gaussian smoothing (``gaussian_filter1d``) at the centre of each
    row of (m, 2r+1) windows, bit for bit.

    SciPy sums a symmetric filter as ``x0 w0``, then ``(x-k + x+k) w-k`` for
    k = r, ..., 1; where a quick check finds that this SciPy does otherwise,
    SciPy itself is called on the windows.
    """
    r = windows.shape[1] // 2
    if not _smoothing_order_agrees():  # pragma: no cover - another SciPy
        return ndimage.gaussian_filter1d(windows, SMOOTH_SIGMA, axis=1)[:, r]
    w = _gaussian_weights()
    out = windows[:, r] * w[r]
    for j in range(r):
        out += (windows[:, j] + windows[:, 2 * r - j]) * w[j]
    return out


@lru_cache(maxsize=1)
def _smoothing_order_agrees() -> bool:
    rng = np.random.default_rng(1)
    r = _gaussian_weights().size // 2
    windows = rng.standard_normal((4096, 2 * r + 1)) * np.exp(rng.uniform(-30, 30, (4096, 2 * r + 1)))
    ref = ndimage.gaussian_filter1d(windows, SMOOTH_SIGMA, axis=1)[:, r]
    w = _gaussian_weights()
    out = windows[:, r] * w[r]
    for j in range(r):
        out += (windows[:, j] + windows[:, 2 * r - j]) * w[j]
    return bool(np.array_equal(out, ref))


def _constant_runs(z: np.ndarray):
    """``runs[:, k]``: the number of changes of value before frame k (equal
    within a constant stretch); None if no two neighbouring frames are equal."""
    change = z[:, 1:] != z[:, :-1]
    if change.all():
        return None
    runs = np.zeros(z.shape, dtype=np.int64)
    np.cumsum(change, axis=1, out=runs[:, 1:])
    return runs


def _structural_zeros(runs: np.ndarray, d: _Direct):
    """Frames whose Bitbox coefficient is exactly 0, or None if there can be none.

    Frame t's smoothed coefficient uses ``conv[t+shift-r .. t+shift+r+1]``; when
    all of them are full-overlap sums over one exactly constant stretch of the
    smoothed signal, they are the same products summed in the same order, so
    equal, their differences 0, and so is the smoothed value.
    """
    n, T = runs.shape
    L = d.kernel.size
    r = _gaussian_weights().size // 2
    span = L + 2 * r  # the frames from t+shift-r-L+1 to t+shift+r+1
    if T <= span:
        return None
    first = L - 1 + r - d.shift
    zero = np.zeros(runs.shape, dtype=bool)
    np.equal(runs[:, span:], runs[:, : T - span], out=zero[:, first : first + T - span])
    return zero


@dataclass(frozen=True)
class _Settled:
    """Which coefficients of a (n, T) block are Bitbox's own after :func:`_settle`:
    the recomputed ones (``flat``, sorted flat indices), the structural zeros
    (``zero`` mask, or None), or all of them (``everything``)."""

    flat: np.ndarray | None
    zero: np.ndarray | None
    n_frames: int
    everything: bool

    def at(self, rows, frames) -> np.ndarray:
        if self.everything:
            return np.ones(rows.size, dtype=bool)
        out = np.zeros(rows.size, dtype=bool) if self.zero is None else self.zero[rows, frames]
        if self.flat.size:
            key = rows.astype(np.int64) * self.n_frames + frames
            i = np.minimum(np.searchsorted(self.flat, key), self.flat.size - 1)
            out |= self.flat[i] == key
        return out

    def touched(self, n_rows: int) -> np.ndarray:
        """Rows with any such coefficient (all rows if ``everything``)."""
        if self.everything:
            return np.ones(n_rows, dtype=bool)
        out = np.zeros(n_rows, dtype=bool)
        out[self.flat // self.n_frames] = True
        if self.zero is not None:
            out |= self.zero.any(axis=1)
        return out

    def rows(self, rows) -> np.ndarray:
        """The dense mask of the given rows."""
        T = self.n_frames
        if self.everything:
            return np.ones((len(rows), T), dtype=bool)
        out = np.zeros((len(rows), T), dtype=bool) if self.zero is None else self.zero[rows]
        r, t = np.divmod(self.flat, T)
        where = np.searchsorted(rows, r)
        hit = (where < len(rows)) & (np.asarray(rows)[np.minimum(where, len(rows) - 1)] == r)
        out[where[hit], t[hit]] = True
        return out


def _settle(z, runs, coefs, bound, d: _Direct, tally: dict, *, negatives: bool):
    """Peaks (and valleys) of ``coefs`` decided as Bitbox decides them.

    Sets Bitbox's structural zeros to 0 and recomputes, with Bitbox's
    arithmetic, every other coefficient within ``bound`` of 0 (its sign is
    open) and both members of every neighbouring pair closer than twice the
    bound (their order is open) where both could be positive (or, with
    ``negatives``, both negative; otherwise the pair's comparison is decided
    by one sign); ``coefs`` is updated in place. The screening runs over
    cache-sized chunks of rows.

    Returns ``(pos, neg, settled)``: flat indices (row * T + frame, sorted) of
    the peaks and of the valleys (None unless ``negatives``), and which
    coefficients are now Bitbox's own (a :class:`_Settled`).
    """
    n, T = coefs.shape
    tally["signal_scales"] += n
    if not np.any(bound):  # computed Bitbox's way already
        p, v = _strict_peaks(coefs, negatives=negatives)
        return np.flatnonzero(p), (np.flatnonzero(v) if negatives else None), _Settled(None, None, T, True)
    zero = None if runs is None else _structural_zeros(runs, d)
    if zero is None:
        return _settle_dense(z, coefs, bound, d, tally, negatives=negatives)
    if zero is not None:
        np.multiply(coefs, ~zero, out=coefs)  # 0 there (Bitbox's are -0.0 or 0.0: equal in every comparison)
        tally["zero_frames"] += int(np.count_nonzero(zero))
    chunk = max(1, _SCREEN_CHUNK // T)
    absolute = np.empty((chunk, T))
    small = np.empty((chunk, T), dtype=bool)
    step = np.empty((chunk, T - 1))
    close = np.empty((chunk, T - 1), dtype=bool)
    flat_small, flat_close = [], []
    for r0 in range(0, n, chunk):
        c = coefs[r0 : r0 + chunk]
        k = c.shape[0]
        b = bound[r0 : r0 + k]
        np.less_equal(np.abs(c, out=absolute[:k]), b, out=small[:k])
        np.abs(np.subtract(c[:, 1:], c[:, :-1], out=step[:k]), out=step[:k])
        np.less_equal(step[:k], 2 * b, out=close[:k])
        if zero is not None:  # exact zeros are decided; against one, the other's sign decides
            zc = zero[r0 : r0 + k]
            small[:k] &= ~zc
            close[:k] &= ~(zc[:, 1:] | zc[:, :-1])
        if not b.all():  # a bound of 0: a signal of zeros, whose coefficients are all exactly 0
            small[:k] &= b > 0
            close[:k] &= b > 0
        flat_small.append(np.flatnonzero(small[:k]) + r0 * T)
        flat_close.append(np.flatnonzero(close[:k]) + r0 * (T - 1))
    need_flat = np.concatenate(flat_small)
    ti, tt = np.divmod(np.concatenate(flat_close), T - 1)
    need_flat = _with_close_pairs(coefs, bound, need_flat, ti, tt, negatives=negatives)
    if need_flat.size:
        _recompute(z, coefs, need_flat, d, tally)
    p, v = _strict_peaks(coefs, negatives=negatives)
    return np.flatnonzero(p), (np.flatnonzero(v) if negatives else None), _Settled(need_flat, zero, T, False)


def _with_close_pairs(coefs, bound, need_flat, ti, tt, *, negatives: bool) -> np.ndarray:
    """``need_flat`` (sorted flat indices of a (n, T) ``coefs``) and both members
    of every close pair ``(ti, tt)``, ``(ti, tt + 1)`` whose order is open: both
    could be positive (or, with ``negatives``, both negative); otherwise one
    sign decides the pair's comparison. Sorted, each index once."""
    if not ti.size:
        return need_flat
    left, right, b = coefs[ti, tt], coefs[ti, tt + 1], bound[ti, 0]
    keep = np.minimum(left, right) > -b
    if negatives:
        keep |= np.maximum(left, right) < b
    T = coefs.shape[1]
    pair = ti[keep] * T + tt[keep]
    if not pair.size:
        return need_flat
    mark = np.zeros(coefs.size, dtype=bool)
    mark[need_flat] = True
    mark[pair] = True
    mark[pair + 1] = True
    return np.flatnonzero(mark)


def _recompute(z, coefs, need_flat, d: _Direct, tally: dict):
    """Replace the coefficients ``need_flat`` (sorted flat indices) of ``coefs``
    by Bitbox's own, and count them in the tally."""
    T = coefs.shape[1]
    rows, frames = np.divmod(need_flat, T)
    coefs[rows, frames] = _direct_values(z, d, rows, frames)
    tally["settled_rows"] += np.unique(rows).size
    tally["settled_values"] += rows.size
    tally["_rows"].append(rows)


def _settle_dense(z, coefs, bound, d: _Direct, tally: dict, *, negatives: bool):
    r""":func:`_settle` for a block without structural zeros, in one pass.

    The same coefficients are recomputed (those within the bound of 0, both
    members of close pairs that could be on the same side of 0), but the
    peaks come from the screening's own comparisons: with the first
    differences :math:`\Delta_t = c_{t+1} - c_t` and the bound :math:`b`,
    ``up`` is :math:`\Delta > 2b`, ``down`` is :math:`\Delta < -2b`, and
    ``P``/``N`` are :math:`c > b` / :math:`c < -b`. A frame with neither a
    small coefficient nor a close pair on either side is a peak exactly when
    ``up`` before, ``down`` after and ``P`` (a valley: the mirror image), the
    same decision :func:`_strict_peaks` makes on any values within the bound;
    the few other frames are decided on the recomputed coefficients.
    """
    n, T = coefs.shape
    chunk = max(1, _DENSE_CHUNK // T)
    step = np.empty((chunk, T - 1))
    up = np.empty((chunk, T - 1), dtype=bool)
    down = np.empty((chunk, T - 1), dtype=bool)
    close = np.empty((chunk, T - 1), dtype=bool)
    above = np.empty((chunk, T), dtype=bool)
    below = np.empty((chunk, T), dtype=bool)
    small = np.empty((chunk, T), dtype=bool)
    extreme = np.empty((chunk, T), dtype=bool)
    extreme[:, 0] = extreme[:, -1] = False  # never a peak; the inner columns are written below
    flat_pos, flat_neg, flat_small, flat_close = [], [], [], []
    for r0 in range(0, n, chunk):
        c = coefs[r0 : r0 + chunk]
        k = c.shape[0]
        b = bound[r0 : r0 + k]
        st, u, dn, cl, P, N, sm, ex = (a[:k] for a in (step, up, down, close, above, below, small, extreme))
        np.subtract(c[:, 1:], c[:, :-1], out=st)
        np.greater(st, 2 * b, out=u)
        np.less(st, -2 * b, out=dn)
        np.greater(c, b, out=P)
        np.less(c, -b, out=N)
        inner = ex[:, 1:-1]
        np.logical_and(u[:, :-1], dn[:, 1:], out=inner)
        inner &= P[:, 1:-1]
        flat_pos.append(np.flatnonzero(ex) + r0 * T)
        if negatives:
            np.logical_and(dn[:, :-1], u[:, 1:], out=inner)
            inner &= N[:, 1:-1]
            flat_neg.append(np.flatnonzero(ex) + r0 * T)
        if np.count_nonzero(P) + np.count_nonzero(N) < P.size:  # some |c| <= b
            np.logical_not(np.logical_or(P, N, out=sm), out=sm)
            if not b.all():  # a bound of 0: a signal of zeros, whose coefficients are all exactly 0
                sm &= b > 0
            flat_small.append(np.flatnonzero(sm) + r0 * T)
        if np.count_nonzero(u) + np.count_nonzero(dn) < u.size:  # some |c_t+1 - c_t| <= 2b
            np.logical_not(np.logical_or(u, dn, out=cl), out=cl)
            if not b.all():
                cl &= b > 0
            flat_close.append(np.flatnonzero(cl) + r0 * (T - 1))
    pos = np.concatenate(flat_pos)
    neg = np.concatenate(flat_neg) if negatives else None
    need_flat = np.concatenate(flat_small) if flat_small else np.empty(0, dtype=np.int64)
    ti, tt = np.divmod(np.concatenate(flat_close) if flat_close else np.empty(0, dtype=np.int64), T - 1)
    if not need_flat.size and not ti.size:
        return pos, neg, _Settled(need_flat, None, T, False)
    open_flat = np.union1d(need_flat, np.concatenate((ti * T + tt, ti * T + tt + 1)))
    need_flat = _with_close_pairs(coefs, bound, need_flat, ti, tt, negatives=negatives)
    if need_flat.size:
        _recompute(z, coefs, need_flat, d, tally)
    # the open frames, decided on the coefficients as they are now
    rows, frames = np.divmod(open_flat, T)
    inside = (frames > 0) & (frames < T - 1)
    rows, frames, flat = rows[inside], frames[inside], open_flat[inside]
    mid, left, right = coefs[rows, frames], coefs[rows, frames - 1], coefs[rows, frames + 1]
    pos = np.union1d(np.setdiff1d(pos, flat, assume_unique=True), flat[(mid > left) & (mid > right) & (mid > 0)])
    if negatives:
        neg = np.union1d(np.setdiff1d(neg, flat, assume_unique=True), flat[(mid < left) & (mid < right) & (mid < 0)])
    return pos, neg, _Settled(need_flat, None, T, False)


def _exact_median(values, exact, margin, fetch, tally: dict, row_ids=None) -> np.ndarray:
    """``np.median`` of each row of the exact values, bit for bit.

    ``values`` holds them where ``exact`` and within ``margin`` (n, 1)
    elsewhere. Inexact values that could be, or could change, the middle
    order statistics are replaced by ``fetch(rows, frames)`` (in place);
    the others lie on the same side of the middle as their exact values.
    ``row_ids`` names the rows in the tally (default: their positions).
    """
    T = values.shape[1]
    h = T // 2
    kth = [h] if T % 2 else [h - 1, h]
    part = np.partition(values, kth, axis=1)
    lo, hi = part[:, kth[0]].copy(), part[:, kth[-1]].copy()
    m = margin[:, 0]
    near = ~exact & (values >= (lo - 2 * m)[:, None]) & (values <= (hi + 2 * m)[:, None])
    rows, frames = _nonzero(near)
    if rows.size:
        values[rows, frames] = fetch(rows, frames)
        exact[rows, frames] = True
        redo = np.unique(rows)
        part = np.partition(values[redo], kth, axis=1)
        lo[redo], hi[redo] = part[:, kth[0]], part[:, kth[-1]]
        tally["median_rows"] += redo.size
        tally["median_values"] += rows.size
        tally["_rows"].append(redo if row_ids is None else row_ids[redo])
    return lo if T % 2 else (lo + hi) / 2.0


def _robust_scale_exact(z, d: _Direct, coefs, exact, bound, tally: dict, row_ids=None):
    """Bitbox's per-row median and MAD of the coefficients, bit for bit (a zero
    MAD becomes 1e-12). Coefficients recomputed on the way are written into
    ``coefs`` and marked in ``exact``."""

    def fetch(rows, frames):
        v = _direct_values(z, d, rows, frames)
        coefs[rows, frames] = v
        return v

    med = _exact_median(coefs, exact, bound, fetch, tally, row_ids)
    dev = np.abs(coefs - med[:, None])
    margin = 1.01 * bound + 4 * _UNIT_ROUNDOFF * dev.max(axis=1, keepdims=True)
    mad = _exact_median(dev, exact, margin, lambda rows, frames: np.abs(fetch(rows, frames) - med[rows]), tally,
                        row_ids)
    mad[mad == 0] = 1e-12
    return med, mad


#: An aggregate row's median and MAD are made exact at once when the MAD's
#: error bound is at least this fraction of it (a robust scale at rounding
#: level, as on sparse signals); otherwise only if a comparison needs it.
_ROUNDING_LEVEL = 1e-8


def _robust_scale(z, d: _Direct, coefs, settled: _Settled, bound, tally: dict):
    """Per row: the median and MAD of the coefficients (Bitbox's robust
    scale) and bounds on their distance from Bitbox's, 0 where exact.
    Partitions ``coefs`` in place.

    After :func:`_settle` every coefficient's sign is Bitbox's (those within
    the bound of 0 are Bitbox's own values) and every 0 is exact, so where the
    middle order statistics are 0 they are Bitbox's: then the median is
    exactly 0, and likewise the MAD (then 1e-12), as on sparse signals.
    Otherwise a median of values each within ``bound`` of Bitbox's is within
    ``bound`` of Bitbox's median, and the MAD within twice that (plus
    rounding). Rows whose MAD is at rounding level get the exact values, by
    :func:`_robust_scale_exact` where :func:`_settle` touched the row (it is
    kept for this), else from the whole row computed Bitbox's way.

    Returns ``(med, mad, e_med, e_mad, fixed)``; ``fixed`` is ``(rows,
    values, exact)``: rows made exact, with their coefficients (partly or
    wholly recomputed) and the mask of those that are Bitbox's own.
    """
    n, T = coefs.shape
    h = T // 2
    kth = [h] if T % 2 else [h - 1, h]
    kept = np.flatnonzero(settled.touched(n))
    saved = coefs[kept]  # a copy, before the partitions reorder coefs
    coefs.partition(kth, axis=1)
    lo, hi = coefs[:, kth[0]], coefs[:, kth[-1]]
    zero_med = (lo == 0) & (hi == 0)
    med = (lo + hi) / 2.0 if T % 2 == 0 else lo.copy()
    np.abs(np.subtract(coefs, med[:, None], out=coefs), out=coefs)  # the order of |c - med| is irrelevant
    coefs.partition(kth, axis=1)
    lo, hi = coefs[:, kth[0]], coefs[:, kth[-1]]
    zero_mad = zero_med & (lo == 0) & (hi == 0)
    mad = (lo + hi) / 2.0 if T % 2 == 0 else lo.copy()
    b = bound[:, 0]
    e_med = np.where(zero_med, 0.0, b)  # 0 also where the coefficients are Bitbox's own (b = 0)
    e_mad = np.where(zero_mad | (b == 0), 0.0, 1.01 * (b + e_med) + 4 * _UNIT_ROUNDOFF * mad)
    eager = np.flatnonzero((e_mad > 0) & (e_mad >= _ROUNDING_LEVEL * mad))
    fixed_rows, fixed_values, fixed_exact = [], [], []
    if eager.size:
        at = np.searchsorted(kept, eager)
        have = (at < kept.size) & (kept[np.minimum(at, kept.size - 1)] == eager)
        if have.any():  # the zone method on the rows kept
            rows = eager[have]
            sub, sub_exact = saved[at[have]], settled.rows(rows)
            med[rows], mad[rows] = _robust_scale_exact(z[rows], d, sub, sub_exact, bound[rows], tally, rows)
            fixed_rows.append(rows)
            fixed_values.append(sub)
            fixed_exact.append(sub_exact)
        for r in eager[~have].tolist():  # not expected: the whole row, Bitbox's way
            w = _direct_row(z[r], d)
            med[r] = np.median(w)
            mad[r] = np.median(np.abs(w - med[r]))
            fixed_rows.append(np.array([r]))
            fixed_values.append(w[None])
            fixed_exact.append(np.ones((1, T), dtype=bool))
            tally["robust_rows"] += 1
            tally["_rows"].append(np.array([r]))
        e_med[eager] = e_mad[eager] = 0.0
    mad[(mad == 0) & (e_mad == 0)] = 1e-12
    if fixed_rows:
        fixed = (np.concatenate(fixed_rows), np.concatenate(fixed_values), np.concatenate(fixed_exact))
    else:
        fixed = (np.empty(0, dtype=np.int64), np.empty((0, T)), np.empty((0, T), dtype=bool))
    return med, mad, e_med, e_mad, fixed


class _Candidates:
    """The aggregation candidates of a block: every peak and valley of every scale.

    Arrays ``sig``, ``scale``, ``frame``, ``score`` (the robust score),
    ``exact`` (the score is Bitbox's to the bit) and ``valley``; per kind and
    scale sorted by signal and frame. A score that is not exact is within
    ``A + B |score|`` of Bitbox's, with ``A`` and ``B`` per (scale, signal)
    from the coefficient bound and the robust scale's bounds (:meth:`err`).
    """

    def __init__(self, parts, bound, med, mad, e_med, e_mad):
        self.sig, self.scale, self.frame, self.score, self.exact, self.valley = (
            np.concatenate(x) for x in zip(*parts, strict=True))
        self.bound, self.med, self.mad, self.e_med, self.e_mad = bound, med, mad, e_med, e_mad  # (scales, n)
        self._constants()

    @classmethod
    def exact_scores(cls, sig, scale, frame, score, valley, n_scales: int):
        """Candidates whose scores are all Bitbox's own (no error)."""
        n = int(sig.max(initial=-1)) + 1
        zeros = np.zeros((n_scales, n))
        return cls([(sig, scale, frame, score, np.ones(sig.size, dtype=bool), valley)],
                   zeros, zeros, np.ones((n_scales, n)), zeros, zeros)

    def _constants(self):
        low = self.mad - self.e_mad
        unsettled = (self.e_med > 0) | (self.e_mad > 0)
        self.slope = np.where(unsettled, 1.01 * self.e_mad / low, 0.0) + 8 * _UNIT_ROUNDOFF
        self.base = 1.01 * (self.bound + self.e_med) / low  # for a recomputed coefficient, without the bound:
        self.base_exact = np.where(unsettled, 1.01 * self.e_med / low, 0.0)
        self.slope_exact = np.where(unsettled, self.slope, 0.0)
        self.widest = float(np.max(self.base, initial=0.0)
                            + np.max(self.slope, initial=0.0) * np.max(np.abs(self.score), initial=0.0))
        if self.exact.all() and not unsettled.any():
            self.widest = 0.0

    def err(self, idx) -> np.ndarray:
        """The error bounds of the scores ``idx`` (0 where exact)."""
        s, g, ex = self.scale[idx], self.sig[idx], self.exact[idx]
        size = np.abs(self.score[idx])
        return np.where(ex, self.base_exact[s, g] + self.slope_exact[s, g] * size,
                        self.base[s, g] + self.slope[s, g] * size)

    def settle_row(self, s: int, r: int, med: float, mad: float):
        """Row ``r`` of scale ``s`` has Bitbox's exact median and MAD now."""
        self.med[s, r], self.mad[s, r] = med, mad
        self.e_med[s, r] = self.e_mad[s, r] = 0.0
        self._constants()


def _exact_candidates(which, cands: _Candidates, z, directs, tally: dict):
    """Give the aggregation candidates ``which`` Bitbox's exact scores (in place).

    Where the candidate's row and scale has an open robust scale (median or
    MAD not yet exact), that whole row is computed Bitbox's way first.
    """
    sig, scale, frame = cands.sig, cands.scale, cands.frame
    which = np.unique(which[~cands.exact[which] | (cands.err(which) > 0)])
    for s in np.unique(scale[which]).tolist():
        sel = which[scale[which] == s]
        rows = sig[sel]
        for r in np.unique(rows[(cands.e_med[s, rows] > 0) | (cands.e_mad[s, rows] > 0)]).tolist():
            w = _direct_row(z[r], directs[s])
            m = np.median(w)
            md = np.median(np.abs(w - m))
            cands.settle_row(s, r, m, 1e-12 if md == 0 else md)
            row = np.flatnonzero((sig == r) & (scale == s))
            cands.score[row] = (w[frame[row]] - cands.med[s, r]) / cands.mad[s, r]
            cands.exact[row] = True
            tally["robust_rows"] += 1
            tally["_rows"].append(np.array([r]))
        rest = sel[~cands.exact[sel]]
        if rest.size:
            i = sig[rest]
            w = _direct_values(z, directs[s], i, frame[rest])
            cands.score[rest] = (w - cands.med[s, i]) / cands.mad[s, i]
            cands.exact[rest] = True
            tally["candidate_values"] += rest.size
            tally["_rows"].append(i)


def _merge_scales(cands, n_scales: int, n_frames: int, half_window: int, make_exact, tally: dict):
    """:func:`_aggregate` until every comparison it makes is decided as Bitbox decides it.

    ``make_exact(which)`` gives the candidates ``which`` Bitbox's exact scores
    (error 0) in ``cands``. Each round makes more candidates exact, or ranks
    more tied signals by Bitbox's own sort, so the loop ends.
    """
    ranked = np.empty(0, dtype=np.int64)
    while True:
        sig, t, sign, unsure, tied = _aggregate(cands, n_scales, n_frames, half_window, ranked)
        if sig is not None:
            return sig, t, sign
        if tied.size:
            unsure = np.concatenate((unsure, np.flatnonzero(np.isin(cands.sig, tied))))
            ranked = np.union1d(ranked, tied)
            tally["tie_signals"] += tied.size
        make_exact(unsure)


def _block_peaks(block: np.ndarray, spec: _Scales, fps: float, *, negatives: bool = False):
    """Peaks of a (n, T) block of original signals, per output row.

    Returns ``(pos, neg)``: lists with one ``(sig, t)`` pair of int arrays per
    output row (scale, or the single raw or aggregate row), sorted by signal
    and frame; ``neg`` (the valleys) is None unless ``negatives``.
    """
    n, T = block.shape
    z = block - block.mean(axis=1, keepdims=True)
    ndimage.gaussian_filter1d(z, SMOOTH_SIGMA, axis=-1, output=z)
    want_neg = negatives or spec.aggregate
    if spec.durations is None:
        # Bitbox's own smoothed signal, compared exactly; a constant signal
        # stays exactly constant (the same sum at every frame): no peaks
        p, v = _strict_peaks(z, negatives=negatives)
        return [_nonzero(p)], ([_nonzero(v)] if negatives else None)
    z[np.ptp(block, axis=1) == 0] = 0.0  # an exactly constant signal has no activation
    runs = _constant_runs(z)
    tally = dict.fromkeys(_ExactPathTally._FIELDS, 0)
    tally["_rows"] = []
    tally["signals"] = n
    wavelet_scales = fps * spec.durations / 4.0
    directs = [_direct_kernel(float(a)) for a in wavelet_scales]
    pos, neg, parts, robust = [], [], [], []
    for s, coefs, bound in _scale_rows(z, spec.durations, fps):
        p, v, settled = _settle(z, runs, coefs, bound, directs[s], tally, negatives=want_neg)
        pos.append(np.divmod(p, T))
        if want_neg:
            neg.append(np.divmod(v, T))
        if spec.aggregate:  # robust score of each peak and valley within its scale
            at = [(i, k, coefs[i, k], settled.at(i, k)) for i, k in (pos[-1], neg[-1])]
            med, mad, e_med, e_mad, (rows, values, exact) = _robust_scale(z, directs[s], coefs, settled, bound, tally)
            robust.append((bound[:, 0], med, mad, e_med, e_mad))
            for kind, (i, k, c, ex) in enumerate(at):
                if rows.size:  # rows made exact: their (partly) recomputed coefficients
                    where = np.searchsorted(rows, i)
                    hit = (where < rows.size) & (rows[np.minimum(where, rows.size - 1)] == i)
                    c[hit], ex[hit] = values[where[hit], k[hit]], exact[where[hit], k[hit]]
                parts.append((i, np.full(i.size, s), k, (c - med[i]) / mad[i], ex, np.full(i.size, kind == 1)))
    if spec.aggregate:
        cands = _Candidates(parts, *(np.stack(x) for x in zip(*robust, strict=True)))
        sig, t, sign = _merge_scales(cands, spec.durations.size, T, _half_window(spec.durations, fps),
                                     lambda which: _exact_candidates(which, cands, z, directs, tally), tally)
        up = sign > 0
        pos, neg = [(sig[up], t[up])], [(sig[~up], t[~up])]
    rows = tally.pop("_rows")
    tally["exact_signals"] = np.unique(np.concatenate(rows)).size if rows else 0
    EXACT_PATH.add(tally)
    return pos, (neg if negatives else None)


def _peak_table(values, names, spec: _Scales, fps: float) -> pd.DataFrame:
    def work(i0, block):
        pos, neg = _block_peaks(block, spec, fps, negatives=True)
        parts = []
        for kind, rows in ((1, pos), (-1, neg)):
            for r, (i, t) in enumerate(rows):
                parts.append(np.column_stack([i + i0, np.full(t.size, r), t, np.full(t.size, kind)]))
        return np.concatenate(parts)

    found = np.concatenate(_map_blocks(values, work))
    found = found[np.lexsort((found[:, 2], found[:, 1], found[:, 0]))]
    sig, row, t, kind = found.T
    if spec.aggregate or spec.durations is None:
        scale = np.full(t.size, np.nan)
        level = "aggregate" if spec.aggregate else "raw"
    else:
        scale = spec.durations[row]
        level = "scale"
    return pd.DataFrame(
        {
            "signal": np.asarray(names, dtype=object)[sig].astype(str),
            "level": level,
            "scale": scale,
            "frame": t.astype(np.int64),
            "time_s": t / fps,
            "kind": np.where(kind > 0, "peak", "valley").astype(object),
            "value": values[t, sig],
        }
    )


def _as_frames(activations, axis, nan_policy):
    """Validate the input and return ``(values (frames, signals) float64, names, n_missing)``."""
    check_choice("nan_policy", nan_policy, ["raise", "interpolate"])
    if isinstance(axis, bool) or axis not in (0, 1):
        raise ValueError(f"axis must be 0 (rows are frames) or 1 (rows are signals), got {axis!r}")
    if isinstance(activations, dict):
        kind = activations.get("type")
        if kind != "expression":
            raise ValueError(
                "activations: only Bitbox 'expression' data can be used for expressivity, "
                f"got a dict of type {kind!r}"
            )
        if not isinstance(activations.get("data"), pd.DataFrame):
            raise TypeError("activations: a Bitbox dict must hold its signals as a DataFrame under 'data'")
        activations = activations["data"]
    if isinstance(activations, pd.Series):
        activations = activations.to_frame()
    if isinstance(activations, pd.DataFrame):
        frame = activations if axis == 0 else activations.T
        bad = [
            c for c in frame.columns
            if not is_numeric_dtype(frame[c].dtype)
        ]
        if bad:
            raise TypeError(f"activations: signal {bad[0]!r} is not numeric (dtype {frame[bad[0]].dtype})")
        names = [str(c) for c in frame.columns]
        values = frame.to_numpy(dtype=float)
    else:
        if isinstance(activations, str | bytes):
            raise TypeError("activations must be an array, a DataFrame or a Bitbox expression dict, got str")
        try:
            values = np.asarray(activations)
        except Exception as err:  # ragged lists and the like
            raise TypeError(f"activations could not be read as an array: {err}") from None
        if values.dtype == object or not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
            raise TypeError(f"activations must be numeric, got an array of dtype {values.dtype}")
        if values.dtype == bool:
            raise TypeError("activations must be numeric, got a boolean array")
        if values.ndim == 1:
            values = values[:, None]
        elif values.ndim == 2:
            values = values if axis == 0 else values.T
        else:
            raise ValueError(f"activations must be 1-D or 2-D, got {values.ndim} dimensions")
        values = values.astype(float, copy=False)
        names = [f"signal_{i}" for i in range(values.shape[1])]
    if values.shape[1] == 0:
        raise ValueError("activations has no signals")
    if values.shape[0] == 0:
        raise ValueError("activations is empty (0 frames)")
    if values.shape[0] < 3:
        raise ValueError(f"activations needs at least 3 frames to find a peak, got {values.shape[0]}")
    n_missing = np.zeros(values.shape[1], dtype=np.int64)
    finite = np.isfinite(values)
    if not finite.all():
        if nan_policy == "raise":
            check_finite_array("activations", values, names)
        values, n_missing = _interpolate(values, finite, names)
    return values, names, n_missing


def _interpolate(values, finite, names):
    """Linear interpolation over missing frames; the ends take the nearest value."""
    values = values.copy()
    n_missing = (~finite).sum(axis=0)
    frames = np.arange(values.shape[0])
    for j in np.flatnonzero(n_missing):  # only signals with gaps
        ok = finite[:, j]
        if not ok.any():
            raise ValueError(f"activations: signal {names[j]!r} has no finite value to interpolate from")
        values[~ok, j] = np.interp(frames[~ok], frames[ok], values[ok, j])
    return values, n_missing


def _prepare(activations, axis, scales, aggregate, fps, nan_policy):
    """Check the arguments shared by the peak functions.

    Returns ``(values (frames, signals) float64, names, n_missing, fps, spec)``.
    """
    values, names, n_missing = _as_frames(activations, axis, nan_policy)
    fps = check_positive("fps", fps)
    if not isinstance(aggregate, bool | np.bool_):
        raise TypeError(f"aggregate must be True or False, got {aggregate!r}")
    spec = _resolve_scales(scales, fps, bool(aggregate))
    _check_length(values.shape[0], spec, fps)
    return values, names, n_missing, fps, spec


def detect_peaks(activations, axis: int = 0, scales=None, aggregate: bool = False, fps: float = 30,
                 nan_policy: str = "raise") -> pd.DataFrame:
    """Activation peaks (and valleys) of every signal, per temporal scale.

    Parameters
    ----------
    activations : array_like, DataFrame or Bitbox expression dict
        The signals; see :func:`bitbox_stats.expressivity`.
    axis : {0, 1}
        0 when rows are frames, 1 when rows are signals.
    scales : None, int or sequence of float
        Temporal scales; see :func:`scale_durations`.
    aggregate : bool
        Merge the scales into one series of peaks (see
        :func:`bitbox_stats.expressivity`).
    fps : float
        Frame rate.
    nan_policy : {"raise", "interpolate"}
        What to do with missing values; see :func:`bitbox_stats.expressivity`.

    Returns
    -------
    pandas.DataFrame
        One row per peak or valley, ordered by signal, scale and frame:

        - ``signal`` (str): signal name;
        - ``level`` (str): ``"raw"`` (no scales), ``"scale"`` or ``"aggregate"``;
        - ``scale`` (float): duration in seconds, NaN for raw and aggregate rows;
        - ``frame`` (int): zero-based frame index;
        - ``time_s`` (float): ``frame / fps``;
        - ``kind`` (str): ``"peak"`` (positive) or ``"valley"`` (negative);
        - ``value`` (float): the original signal's value at that frame.

    Notes
    -----
    Peaks are found as described in :func:`bitbox_stats.expressivity`; this
    table lists them before the robust (IQR) filter, and includes the valleys,
    which expressivity does not use.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(300)
    >>> x = np.exp(-0.5 * ((t - 100) / 5) ** 2) + np.exp(-0.5 * ((t - 200) / 5) ** 2)
    >>> p = detect_peaks(x, fps=30)
    >>> p.loc[p.kind == "peak", "frame"].tolist()
    [100, 200]
    """
    values, names, _, fps, spec = _prepare(activations, axis, scales, aggregate, fps, nan_policy)
    return _peak_table(values, names, spec, fps)


def _check_length(n_frames: int, spec: _Scales, fps: float) -> None:
    if spec.durations is None:
        return
    seconds = n_frames / fps
    if np.max(spec.durations) >= seconds:
        raise ValueError(
            f"scales: the largest duration ({np.max(spec.durations):g} s) must be shorter than the "
            f"signal ({n_frames} frames = {seconds:.2f} s at fps={fps:g})"
        )
