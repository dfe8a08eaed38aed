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
per signal or per peak in the hot path.
"""

from __future__ import annotations

import numbers
import os
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
#: A difference between neighbouring wavelet coefficients smaller than this
#: multiple of the largest coefficient the signal can produce (max|z| times the
#: kernel's L1 norm) is rounding residue and counts as zero (a flat stretch, not
#: a peak). The FFT transform differs from direct convolution by about 10
#: machine epsilons of that bound at most (the tests allow 450).
FLAT_TOLERANCE = 64 * np.finfo(float).eps
#: Working-memory budget (bytes) for one block of signals in the transform.
_BLOCK_BYTES = 48 * 2**20
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


def _strict_peaks(z: np.ndarray, tol, *, negatives: bool = True):
    """Strict local maxima of the positive part and minima of the negative part.

    A peak at frame t has :math:`z_t > 0` and a rise before it and a fall after
    it (``sign(diff)`` changes from +1 to -1 directly); a valley is the mirror
    image with :math:`z_t < 0`. On the positive part :math:`\\max(z, 0)` this
    is exactly Bitbox's rule. ``tol`` (broadcastable to ``z[..., :1]``) is the
    size below which a difference between neighbours counts as zero. Returns
    boolean masks shaped like ``z`` (``neg`` is None unless ``negatives``).
    """
    pos = np.zeros(z.shape, dtype=bool)
    neg = np.zeros(z.shape, dtype=bool) if negatives else None
    if z.shape[-1] < 3:
        return pos, neg
    mid = z[..., 1:-1]
    if np.isscalar(tol) and tol == 0:
        # no tolerance: compare the neighbours directly (x - y > 0 exactly when x > y)
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
    d = np.diff(z, axis=-1)
    up = d > tol
    down = d < -tol
    np.logical_and(up[..., :-1], down[..., 1:], out=pos[..., 1:-1])
    pos[..., 1:-1] &= mid > 0
    if negatives:
        np.logical_and(down[..., :-1], up[..., 1:], out=neg[..., 1:-1])
        neg[..., 1:-1] &= mid < 0
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


def _window_best(position, scale, value, half_window):
    """Is each peak's value the largest among the peaks within 3 neighbouring
    scales and +-half_window positions (the value itself included)?

    ``position`` is sorted; peaks that must not meet (other signals, other
    kinds) lie more than ``half_window`` apart in it.
    """
    best = value.copy()
    for i, j in _scan_pairs(position, half_window):
        close = np.abs(scale[j] - scale[i]) <= AGGREGATE_SCALE_WINDOW // 2
        i, j = i[close], j[close]
        best[i] = np.maximum(best[i], value[j])  # i and j are unique within one offset
        best[j] = np.maximum(best[j], value[i])
    return value == best


def _aggregate(peaks, valleys, n_scales: int, n_frames: int, half_window: int):
    """Merge the peaks of several scales into one series per signal.

    ``peaks`` and ``valleys`` are tuples ``(sig, scale, frame, score)`` with the
    robust score of each, each a concatenation of runs sorted by signal and
    frame. Returns ``(sig, t, sign)`` of the kept candidates, sorted by signal
    and frame (sign 1 for a peak, -1 for a valley). See
    :func:`bitbox_stats.expressivity` (Notes).

    The greedy suppression in order of decreasing strength is computed in
    rounds: a candidate that no undecided candidate within 2w frames beats is
    kept (nothing stronger nearby can still be kept), and the undecided
    candidates within 2w of it are dropped. This gives exactly the sequential
    greedy result with no loop over candidates. Equal strengths are ordered as
    Bitbox lists its candidates (peaks by scale and frame, then valleys).
    """
    S, T = n_scales, n_frames
    stride = T + 2 * half_window + 1  # positions of different signals are > 2w apart
    (ip, sp, kp, zp), (iv, sv, kv, zv) = peaks, valleys
    n_sig = int(max(ip.max(initial=-1), iv.max(initial=-1))) + 1
    # one sorted line for both kinds: valleys after all peaks, scored as -score
    valley_base = n_sig * stride
    key = np.concatenate((ip.astype(np.int64) * stride + kp, valley_base + iv.astype(np.int64) * stride + kv))
    order = np.argsort(key, kind="stable")  # merges the sorted runs
    position = key[order]
    scale = np.concatenate((sp, sv))[order]
    value = np.concatenate((zp, -zv))[order]
    best = _window_best(position, scale, value, half_window)
    position, scale, strength = position[best], scale[best], np.abs(value[best])
    valley = position >= valley_base
    position[valley] -= valley_base
    tiebreak = (valley * S + scale) * T + position % stride
    order = np.argsort(position, kind="stable")  # merges the peak and valley runs
    position, strength, tiebreak, valley = (a[order] for a in (position, strength, tiebreak, valley))
    sig, t = np.divmod(position, stride)
    sign = np.where(valley, -1, 1).astype(np.int8)
    m = t.size
    if m == 0:
        return sig, t, sign

    # pairs of candidates within 2w frames (their +-w windows overlap); for each
    # pair, which one wins the greedy order
    first, second, second_wins = [], [], []
    for i, j in _scan_pairs(position, 2 * half_window):
        first.append(i)
        second.append(j)
        second_wins.append((strength[j] > strength[i]) | ((strength[j] == strength[i]) & (tiebreak[j] < tiebreak[i])))
    kept = np.zeros(m, dtype=bool)
    if not first:
        kept[:] = True
        return sig, t, sign
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
    return sig[kept], t[kept], sign[kept]


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
    of all threads together stays near the input's own size (the transform
    needs about 64 bytes per signal and frame, the raw peaks without scales
    about 24); results come back in signal order.
    """
    T, n = values.shape
    threads = _threads()
    per_signal = (24 if scales_free else 64) * (T + 1024)
    budget = min(_BLOCK_BYTES, max(4 * 2**20, values.nbytes // threads))
    step = int(max(1, min(-(-n // threads), budget // per_signal)))

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
    """Yield ``(s, coefs, tol)`` per scale: the smoothed (n, T) coefficients of a
    centred, smoothed block ``z`` and the per-signal flatness tolerance.

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
    zmax = np.max(np.abs(z), axis=1, keepdims=True)
    kernels = [_smoothed_kernel(float(a)) for a in wavelet_scales]
    if T < 4 * r + 2:  # very short signals: smooth the plain transform instead
        coefs = ndimage.gaussian_filter1d(_wavelet_rows(z, wavelet_scales, workers=1), SMOOTH_SIGMA, axis=-1)
        for s, (_, _, l1) in enumerate(kernels):
            yield s, coefs[:, s, :], FLAT_TOLERANCE * l1 * zmax
        return
    longest = max(k[0].size for k in kernels)
    nfft, segmented = _convolution_plan(T, longest)
    if not segmented:
        spectrum = scipy.fft.rfft(z, n=nfft, axis=-1, workers=1)

        def convolve(kernel):  # linear convolution: index j is output j
            return scipy.fft.irfft(spectrum * kernel, n=nfft, axis=-1, workers=1)
    else:
        segment = nfft
        lead = longest - 1  # the first ``lead`` outputs of each segment wrap around
        hop = segment - lead
        n_seg = -(-(max(k[1] for k in kernels) + r + T) // hop)
        padded = np.zeros((n, (n_seg - 1) * hop + segment))
        padded[:, lead : lead + T] = z
        spectrum = scipy.fft.rfft(sliding_window_view(padded, segment, axis=-1)[:, ::hop], axis=-1, workers=1)

        def convolve(kernel):
            out = scipy.fft.irfft(spectrum * kernel, n=segment, axis=-1, workers=1)
            return out[:, :, lead:].reshape(n, n_seg * hop)
    for s, (a, (_, offset, l1)) in enumerate(zip(wavelet_scales, kernels, strict=True)):
        coefs = convolve(_kernel_spectrum(float(a), nfft, smoothed=True)[0])[:, offset + r : offset + r + T]  # a view; the edges are replaced below
        k_head, H, k_tail, E = _edge_operators(float(a), T)
        coefs[:, :r] = z[:, :k_head] @ H.T
        coefs[:, T - r :] = z[:, k_tail:] @ E.T
        yield s, coefs, FLAT_TOLERANCE * l1 * zmax


def _nonzero(mask: np.ndarray):
    """``np.nonzero`` of a 2-D mask (faster through the flat index)."""
    return np.divmod(np.flatnonzero(mask), mask.shape[1])


def _median_rows(a: np.ndarray) -> np.ndarray:
    """Median of each row, as ``np.median`` computes it; partitions ``a`` in place."""
    h = a.shape[1] // 2
    if a.shape[1] % 2:
        a.partition(h, axis=1)
        return a[:, h].copy()
    a.partition([h - 1, h], axis=1)
    return (a[:, h - 1] + a[:, h]) / 2.0


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
        # a constant signal stays exactly constant here (the same sum at every
        # frame), so it has no peaks without a special case
        p, v = _strict_peaks(z, 0.0, negatives=negatives)
        return [_nonzero(p)], ([_nonzero(v)] if negatives else None)
    z[np.ptp(block, axis=1) == 0] = 0.0  # an exactly constant signal has no activation
    pos, neg, scored = [], [], ([], [])
    for s, coefs, tol in _scale_rows(z, spec.durations, fps):
        p, v = _strict_peaks(coefs, tol, negatives=want_neg)
        pos.append(_nonzero(p))
        if want_neg:
            neg.append(_nonzero(v))
        if spec.aggregate:  # robust score of each peak and valley within its scale
            at_peaks = [coefs[i, k] for i, k in (pos[-1], neg[-1])]
            med = _median_rows(coefs)  # reorders coefs, which are not needed after this
            np.subtract(coefs, med[:, None], out=coefs)
            mad = _median_rows(np.abs(coefs, out=coefs))
            mad[mad == 0] = 1e-12
            for (i, k), c, out in zip((pos[-1], neg[-1]), at_peaks, scored, strict=True):
                out.append((i, np.full(i.size, s), k, (c - med[i]) / mad[i]))
    if not spec.aggregate:
        return pos, (neg if negatives else None)
    lists = [tuple(np.concatenate(x) for x in zip(*parts, strict=True)) for parts in scored]
    sig, t, sign = _aggregate(lists[0], lists[1], spec.durations.size, T, _half_window(spec.durations, fps))
    up = sign > 0
    return [(sig[up], t[up])], ([(sig[~up], t[~up])] if negatives else None)


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
