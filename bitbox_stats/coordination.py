"""Coordination and imitation: windowed, lagged cross-correlation of two people's signals.

The statistics follow Bitbox's ``bitbox.social.coordination`` and
``imitation`` (same arguments, defaults, windows, lags and NaN handling),
computed in float64. Windows are standardised once per position; the lagged
cross-products of a block of windows are one matrix product; the best lag is
found per block, so memory depends on the block size, not on the number of
lags or windows. Blocks run on all cores. The two-sided search ranks the
shifts with float32 products and recomputes in float64 every shift within
float32 rounding of the best, so its results are those of a float64 search.
"""

from __future__ import annotations

import contextlib
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from ._validation import check_positive
from .bitbox_data import activations, read_data
from .signals import _threads

__all__ = ["coordination", "imitation"]

_COORD_TYPES = ("landmark", "landmark-can", "pose", "expression")
#: Bitbox's floor on window standard deviations
_EPS = 1e-12
#: working memory of one block (GEMM output and its rearranged copy)
_BLOCK_BYTES = 24 * 2**20
_BLAS = []


def _one_blas_thread():
    """BLAS single-threaded while the blocks run on our own threads (threadpoolctl
    comes with scikit-learn); nested BLAS threads would oversubscribe the cores."""
    if not _BLAS:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS.append(ThreadpoolController())
        except Exception:  # noqa: BLE001 - any failure: keep BLAS's own threads
            _BLAS.append(None)
    if _BLAS[0] is None:
        return contextlib.nullcontext()
    return _BLAS[0].limit(limits=1, user_api="blas")


@dataclass(frozen=True)
class Windows:
    """Window width, maximum lag and step in frames, and the kind of lag search."""

    width: int
    lag: int
    step: int
    mode: str  # "two" (both partners shifted), "one" (Y shifted), "causal" (Y shifted back only)
    polarity: bool

    @property
    def n_lx(self) -> int:
        return 2 * self.lag + 1 if self.mode == "two" else 1

    @property
    def n_ly(self) -> int:
        return self.lag + 1 if self.mode == "causal" else 2 * self.lag + 1

    def starts(self, n_frames: int) -> np.ndarray:
        """Window starts, Bitbox's: every ``step`` frames from ``lag`` to ``n_frames - width - lag``."""
        return np.arange(self.lag, n_frames - self.width - self.lag + 1, self.step)


def window_frames(width, lag, step, fps):
    """Bitbox's conversion of seconds to frames: ``(W, L, S)``.

    ``W = round(width * fps)``, ``L = round(lag * fps)`` (default ``W // 4``),
    ``S = round(step * fps)`` (default ``W // 2``), with at least one frame of
    step; Python's rounding (halves to even), as in Bitbox.
    """
    fps = check_positive("fps", fps)
    width = check_positive("width", width)
    W = int(round(width * fps))
    if W < 1:
        raise ValueError(f"width is shorter than a frame: width * fps = {width * fps:g} rounds to 0 frames")
    if lag is None:
        L = max(0, W // 4)
    else:
        L = int(round(check_positive("lag", lag, allow_zero=True) * fps))
    if step is None:
        S = max(1, W // 2)
    else:
        S = max(1, int(round(check_positive("step", step) * fps)))
    return W, L, S, fps


# ------------------------------------------------------------------ the engine


def _window_counts(flags: np.ndarray, width: int) -> np.ndarray:
    """Number of True flags in each run of ``width`` consecutive rows (exact integers)."""
    c = np.zeros((flags.shape[0] + 1, flags.shape[1]), dtype=np.int64)
    np.cumsum(flags, axis=0, out=c[1:])
    return c[width:] - c[:-width]


def _standardize(block: np.ndarray, W: int):
    """Standardised windows of ``block`` (frames, signals): ``z`` (positions, signals, W) with
    ``sum_k z[p, i, k] z'[q, j, k]`` the Pearson correlation (Bitbox's std floor 1e-12), zero
    for windows without variance (every value equal) and for windows with a missing value,
    which are also flagged in ``invalid`` (positions, signals)."""
    finite = np.isfinite(block)
    invalid = _window_counts(~finite, W) > 0
    if W > 1:
        steps = np.diff(block, axis=0) != 0  # NaN counts as a change; such windows are invalid anyway
        constant = _window_counts(steps, W - 1) == 0
    else:
        constant = np.ones(invalid.shape, dtype=bool)
    clean = block if finite.all() else np.where(finite, block, 0.0)
    v = sliding_window_view(clean, W, axis=0)  # (positions, signals, W), a view
    z = v - v.mean(axis=2, keepdims=True)
    sd = np.sqrt(np.einsum("pnw,pnw->pn", z, z) / W)
    scale = 1.0 / (np.sqrt(W) * np.maximum(sd, _EPS))
    scale[invalid | constant] = 0.0
    z *= scale[:, :, None]
    return z, invalid


def _strided(a: np.ndarray, count: int, step: int, length: int) -> np.ndarray:
    """View of ``count`` runs of ``length`` rows of ``a``, one every ``step`` rows:
    shape (count, length, *a.shape[1:])."""
    s0 = a.strides[0]
    return as_strided(a, shape=(count, length, *a.shape[1:]), strides=(step * s0, s0, *a.strides[1:]),
                      writeable=False)


def _cell_bytes(spec: Windows) -> int:
    """Bytes per product: float32 (screened), float64 (two-sided), float64 and its absolute
    value (one-sided)."""
    if spec.mode == "two":
        return 4 if _screened(spec) else 8
    return 17


def _block_sizes(spec: Windows, nx: int, ny: int, n_windows: int):
    """Windows per block and lx rows per chunk, so that the products fit the budget: float32
    products when screened; else float64 products and, one-sided, their absolute values."""
    row = nx * ny * spec.n_ly * _cell_bytes(spec)  # bytes per window and lx row
    per_window = row * spec.n_lx
    if per_window <= _BLOCK_BYTES:
        nb = int(max(1, min(n_windows, _BLOCK_BYTES // per_window, 4096)))
        return nb, spec.n_lx
    return 1, int(max(1, _BLOCK_BYTES // row))


def _best_in_block(X, Y, spec: Windows, s0: int, nb: int, chunk: int):
    """Best correlation and its lag (frames) of ``nb`` windows starting at ``s0``:
    arrays (nb, nx, ny), Bitbox's choice among lags, ties and missing values.

    Products are laid out (window, ly, j, lx, i): Y's rows times X's, so that the search
    over Y's shifts reduces whole contiguous slabs.
    """
    W, L, S = spec.width, spec.lag, spec.step
    n_ly = spec.n_ly
    nx, ny = X.shape[1], Y.shape[1]
    p0 = s0 - L
    n_pos = (nb - 1) * S + 2 * L + 1
    zx, inv_x = _standardize(X[p0 : p0 + n_pos + W - 1], W)
    zy, inv_y = _standardize(Y[p0 : p0 + n_pos + W - 1], W)
    yrows = _strided(zy, nb, S, n_ly)  # (nb, n_ly, ny, W): Y's windows at every lag, a view
    inv_yb = _strided(inv_y, nb, S, n_ly)  # (nb, n_ly, ny)
    if spec.mode == "two":
        if _screened(spec):
            return _best_two_sided_screened(zx, inv_x, yrows, inv_yb, spec, nb, chunk, nx, ny)
        return _best_two_sided(zx, inv_x, yrows, inv_yb, spec, nb, chunk, nx, ny)
    # one-sided: X's window at the start, Y's at start - L ... start (+ L)
    xa = _strided(zx[L:], nb, S, 1)[:, 0]  # (nb, nx, W)
    r = np.matmul(yrows.reshape(nb, n_ly * ny, W), xa.transpose(0, 2, 1)).reshape(nb, n_ly, ny, nx)
    score = np.abs(r) if spec.polarity else r
    top = score.max(axis=1)  # (nb, ny, nx)
    k = _first(score, top)
    best = np.take_along_axis(r, k[:, None], axis=1)[:, 0].transpose(0, 2, 1)
    lag = (k - L).astype(np.float64).transpose(0, 2, 1)
    # Bitbox's argmax picks the first missing candidate: the window's value is NaN
    inv_xa = _strided(inv_x[L:], nb, S, 1)[:, 0]  # (nb, nx)
    y_bad = inv_yb.any(axis=1)  # (nb, ny)
    if inv_xa.any() or y_bad.any():
        first = np.where(y_bad, inv_yb.argmax(axis=1), 0)  # (nb, ny)
        bad = inv_xa[:, :, None] | y_bad[:, None, :]
        best[bad] = np.nan
        first_lag = np.where(inv_xa[:, :, None], 0, first[:, None, :]) - L
        lag[bad] = np.broadcast_to(first_lag, bad.shape)[bad]
    return best, lag


def _first(score: np.ndarray, top: np.ndarray, axis: int = 1) -> np.ndarray:
    """Index of the first slab of ``score`` along ``axis`` (1 or 2) equal to ``top``; 0 where
    none is. A loop over slabs: no transposed copy, as argmax over a middle axis makes."""
    k = np.zeros(top.shape, dtype=np.int64)
    for t in range(score.shape[axis] - 1, -1, -1):
        np.copyto(k, t, where=(score[:, t] if axis == 1 else score[:, :, t]) == top)
    return k


def _row_at(r: np.ndarray, lx: np.ndarray) -> np.ndarray:
    """``r[b, :, j, lx[b, j, i], i]`` for all b, j, i: (window, ly, j, i), taken by flat
    index from the C-contiguous ``r`` (cheaper than take_along_axis)."""
    nb, n, ny, c, nx = r.shape
    base = ((np.arange(nb)[:, None, None] * n + np.arange(n)[None, :, None]) * ny
            + np.arange(ny)[None, None, :]) * (c * nx)  # (nb, n, ny)
    offset = lx * nx + np.arange(nx)  # (nb, ny, nx)
    return np.take(r.reshape(-1), base[..., None] + offset[:, None])


def _best_two_sided(zx, inv_x, yrows, inv_yb, spec, nb, chunk, nx, ny):
    """Two-sided search: X's window shifted by lx and Y's by ly, both in [-L, L]; the best
    of the (2L + 1)^2 correlations, first in (lx, ly) order among equals, as Bitbox's loop.
    Chunks of lx rows at a time, so that memory does not grow with the lags."""
    W, L, S = spec.width, spec.lag, spec.step
    n = 2 * L + 1
    polarity = spec.polarity
    xa_all = _strided(zx, nb, S, n)  # (nb, n, nx, W)
    inv_xa_all = _strided(inv_x, nb, S, n)  # (nb, n, nx)
    ya = yrows.reshape(nb, n * ny, W)
    init = 0.0 if polarity else -np.inf
    best = np.full((nb, ny, nx), init)  # (window, j, i) until the end
    lag = np.full((nb, ny, nx), -float(L))
    for c0 in range(0, n, chunk):
        c = min(chunk, n - c0)
        r = _products(ya, xa_all, inv_xa_all, c0, c, polarity, np.float64)
        val, lx, ly = _select(r, polarity)
        better = (np.abs(val) > np.abs(best)) if polarity else (val > best)
        best[better] = val[better]
        lag[better] = (ly - (lx + c0))[better]
    return _y_missing(best, lag, inv_yb, init, L)


def _products(ya, xa_all, inv_xa_all, c0, c, polarity, dtype):
    """Correlations of Y's rows ``ya`` (window, ly * j, W) with the chunk of X's rows
    lx = c0 ... c0 + c - 1, laid out (window, ly, j, lx, i); without polarity, X windows
    with a missing value give -inf."""
    nb, n, nx, W = xa_all.shape
    xt = xa_all[:, c0 : c0 + c].astype(dtype, copy=False).reshape(nb, c * nx, W).transpose(0, 2, 1)
    r = np.matmul(ya, xt).reshape(nb, n, ya.shape[1] // n, c, nx)
    if not polarity:
        inv = inv_xa_all[:, c0 : c0 + c]  # (nb, c, nx)
        if inv.any():  # a window with a missing value never wins (Bitbox skips its row)
            np.putmask(r, np.broadcast_to(inv[:, None, None], r.shape), -np.inf)
    return r


def _y_missing(best, lag, inv_yb, init, L):
    """(window, j, i) results as (window, i, j); a missing value in any of Y's shifted
    windows gives Bitbox's initial value (its argmax stops at the NaN for every lx)."""
    best, lag = best.transpose(0, 2, 1), lag.transpose(0, 2, 1)
    y_bad = inv_yb.any(axis=1)  # (nb, ny)
    if y_bad.any():
        bad = np.broadcast_to(y_bad[:, None, :], best.shape)
        best[bad] = init
        lag[bad] = -float(L)
    return best, lag


def _best_two_sided_screened(zx, inv_x, yrows, inv_yb, spec, nb, chunk, nx, ny):
    """The two-sided search with float32 products: for each window and pair, the best
    (|r|) of each X shift over Y's shifts, in float32; every X shift within the float32
    rounding bound of the overall best is a candidate, and the candidates' correlations
    with all of Y's shifts are recomputed in float64. The result is the float64 search's
    (first in (lx, ly) order among equals), at float32 cost. Usually one X shift is a
    candidate: its row is one batched matrix product."""
    W, L, S = spec.width, spec.lag, spec.step
    n = 2 * L + 1
    polarity = spec.polarity
    xa_all = _strided(zx, nb, S, n)  # (nb, n, nx, W), float64
    inv_xa_all = _strided(inv_x, nb, S, n)
    ya = yrows.reshape(nb, n * ny, W).astype(np.float32)
    row_best = np.empty((nb, ny, n, nx), dtype=np.float32)  # best over ly of each (lx, i, j)
    for c0 in range(0, n, chunk):
        c = min(chunk, n - c0)
        r = _products(ya, xa_all, inv_xa_all, c0, c, polarity, np.float32)
        row_best[:, :, c0 : c0 + c] = _row_best(r, polarity)
    val, lx, ly = _pick(row_best, polarity, zx, xa_all, yrows, S, L)
    init = 0.0 if polarity else -np.inf
    return _y_missing(val, (ly - lx).astype(np.float64), inv_yb, init, L)


def _rows(z: np.ndarray, pos: np.ndarray, sig) -> np.ndarray:
    """Standardised windows ``z[pos, sig]`` (positions, signals, W) for index arrays,
    taken as whole rows (cheaper than fancy indexing)."""
    return np.take(z.reshape(-1, z.shape[2]), pos * z.shape[1] + sig, axis=0)


def _candidates(row_best, W):
    """The float32 best ``top`` (window, j, i), the threshold of the candidates, the
    candidate X shifts (window, j, lx, i) and the first of them."""
    top = row_best.max(axis=2).astype(np.float64)
    thresh = top - _screen_margin(W)
    cand = row_best >= thresh[:, :, None]
    return top, thresh, cand, _first(cand, np.broadcast_to(True, thresh.shape), axis=2)


def _finish(top, polarity, val, lx, ly, L):
    """Pairs whose best is 0 (|r|) or -inf keep the initial value, whose lag is -L."""
    dead = (top == 0) if polarity else (top == -np.inf)
    val[dead] = 0.0 if polarity else -np.inf
    lx[dead] = L
    ly[dead] = 0
    return dead


def _pick(row_best, polarity, zx, xa_all, yrows, S, L):
    """From the float32 best of each X shift ``row_best`` (window, j, lx, i), the float64
    best over (lx, ly) and its indices, (window, j, i) each: the first candidate X shift's
    row recomputed in float64 (one batched product), other candidates resolved."""
    nb, ny, n, nx = row_best.shape
    W = zx.shape[2]
    top, _, cand, lx = _candidates(row_best, W)
    b_i, i_i = np.arange(nb)[:, None, None], np.arange(nx)[None, None, :]
    x_sel = _rows(zx, b_i * S + lx, i_i)  # (nb, j, i, W): X's window at that shift
    rows = np.matmul(x_sel, yrows.transpose(0, 2, 3, 1))  # (nb, j, i, ly), float64
    score = np.abs(rows) if polarity else rows
    ly = score.argmax(axis=3)  # first of the row's best (no NaN here)
    val = np.take_along_axis(rows, ly[..., None], axis=3)[..., 0]
    dead = _finish(top, polarity, val, lx, ly, L)
    many = ~dead & (cand.sum(axis=2) > 1)
    if many.any():
        _resolve_rows(many, cand, polarity, xa_all, yrows, val, lx, ly)
    return val, lx, ly


def _resolve_rows(many, cand, polarity, xa_all, yrows, val, lx, ly):
    """Pairs with several candidate X shifts: every candidate row in float64, the first best
    in (lx, ly) order wins."""
    b, j, i = np.nonzero(many)
    k, cx = np.nonzero(cand[b, j, :, i])  # ordered by pair, then lx
    v = np.einsum("kw,klw->kl", xa_all[b[k], cx, i[k]], yrows[b[k], :, j[k]])  # (candidates, ly)
    s = np.abs(v) if polarity else v
    best_ly = s.argmax(axis=1)
    s_best = s[np.arange(k.size), best_ly]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    at_best = np.flatnonzero(s_best == np.repeat(np.maximum.reduceat(s_best, starts),
                                                 np.diff(np.r_[starts, k.size])))
    first = at_best[np.r_[True, k[at_best][1:] != k[at_best][:-1]]]
    where = (b[k[first]], j[k[first]], i[k[first]])
    val[where] = v[first, best_ly[first]]
    lx[where] = cx[first]
    ly[where] = best_ly[first]


def _row_best(r, polarity):
    """Best (|r|) over ly, axis 1 of (window, ly, j, lx, i): (window, j, lx, i)."""
    out = r.max(axis=1)
    if polarity:
        np.maximum(out, -r.min(axis=1), out=out)
    return out


def _select(r: np.ndarray, polarity: bool):
    """The best of ``r`` (window, ly, j, lx, i) over (lx, ly) for every window and pair, as
    (window, j, i) arrays of value, lx and ly: the first in (lx, ly) order among equals
    (Bitbox's loop: for each lx the first ly of the row's best, kept when strictly better).

    Each X shift's best over Y's shifts is one reduction over contiguous slabs; the first
    shift holding the overall best is found in that (ly-times smaller) array, and the
    first ly in the one row taken out for it.
    """
    row_best = _row_best(r, polarity)  # (nb, j, c, i)
    top = row_best.max(axis=2)  # (nb, j, i)
    lx = _first(row_best, top, axis=2)
    row = _row_at(r, lx)  # (nb, n, j, i)
    score = np.abs(row) if polarity else row
    ly = _first(score, top)
    val = np.take_along_axis(row, ly[:, None], axis=1)[:, 0]
    return val, lx, ly


#: screen in float32 when a window has at least this many shift combinations (see
#: _best_two_sided_screened); below, the plain float64 search is faster (measured: 49 shifts
#: 0.7 s against 0.9 s, 225 shifts 1.2 s against 1.0 s, 3721 shifts 14.9 s against 6.7 s)
_SCREEN_MIN_SHIFTS = 100


def _screened(spec: Windows) -> bool:
    return spec.n_lx * spec.n_ly >= _SCREEN_MIN_SHIFTS


def _screen_margin(W: int) -> float:
    """Twice a bound on |r32 - r64| for dot products of W-long rows of norm <= 1: float32
    rounding of the inputs (2u) and of any summation order (gamma_W), plus float64's."""
    u32, u64 = 2.0**-24, 2.0**-53
    b32 = 2 * u32 + W * u32 / (1 - W * u32)
    b64 = W * u64 / (1 - W * u64)
    return 2.0 * 1.01 * (b32 + b64)


class _Moments:
    """Per-pair count, mean, sum of squared deviations, sum of |r| and of lags over the
    windows that count (finite, non-zero correlation), combined block by block."""

    def __init__(self, shape):
        self.n = np.zeros(shape)
        self.mean = np.zeros(shape)
        self.m2 = np.zeros(shape)
        self.abs_sum = np.zeros(shape)
        self.lag_sum = np.zeros(shape)

    def add(self, r, lag):
        used = np.isfinite(r) & (r != 0)
        n_b = used.sum(axis=0).astype(float)
        if not n_b.any():
            return
        rv = np.where(used, r, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_b = np.where(n_b > 0, rv.sum(axis=0) / n_b, 0.0)
        dev = np.where(used, r - mean_b, 0.0)
        m2_b = np.einsum("wij,wij->ij", dev, dev)
        total = self.n + n_b
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = mean_b - self.mean
            frac = np.where(total > 0, n_b / total, 0.0)
            self.m2 += m2_b + delta**2 * self.n * frac
            self.mean += delta * frac
        self.n = total
        self.abs_sum += np.abs(rv).sum(axis=0)
        self.lag_sum += np.where(used, lag, 0.0).sum(axis=0)

    def result(self, fps):
        with np.errstate(invalid="ignore", divide="ignore"):
            has = self.n > 0
            mean = np.where(has, self.mean, np.nan)
            std = np.where(has, np.sqrt(self.m2 / self.n), np.nan)
            lag = np.where(has, self.lag_sum / self.n / fps, np.nan)
            abs_mean = np.where(has, self.abs_sum / self.n, np.nan)
        return mean, std, lag, abs_mean, self.n.astype(np.int64)


def windowed_correlation(X, Y, spec: Windows, *, keep_windows: bool, threads: int | None = None):
    """Best windowed correlation and lag of every signal pair.

    ``X`` (T, nx) and ``Y`` (T, ny) float64 of the same length. Returns
    ``(r, lag_frames)`` of shape (windows, nx, ny) when ``keep_windows``,
    else the per-pair moments ``(mean, std, lag_s_times_fps, abs_mean, n)``
    (lag in frames; divide by fps). The blocks of windows are the same
    whatever the number of threads, so the numbers are too.
    """
    T, nx = X.shape
    ny = Y.shape[1]
    starts = spec.starts(T)
    n_win = starts.size
    nb, chunk = _block_sizes(spec, nx, ny, n_win)
    blocks = [(int(starts[i]), min(nb, n_win - i)) for i in range(0, n_win, nb)]
    threads = _threads() if threads is None else threads

    def run(block):
        s0, count = block
        return _best_in_block(X, Y, spec, s0, count, chunk)

    with _one_blas_thread():
        if threads == 1 or len(blocks) == 1:
            parts = map(run, blocks)
            return _collect(parts, keep_windows, n_win, nx, ny)
        with ThreadPoolExecutor(min(threads, len(blocks))) as pool:
            return _collect(pool.map(run, blocks), keep_windows, n_win, nx, ny)


def _collect(parts, keep_windows, n_win, nx, ny):
    if keep_windows:
        r = np.empty((n_win, nx, ny))
        lag = np.empty((n_win, nx, ny))
        i = 0
        for best, lg in parts:
            r[i : i + best.shape[0]] = best
            lag[i : i + best.shape[0]] = lg
            i += best.shape[0]
        return r, lag
    acc = _Moments((nx, ny))
    for best, lg in parts:
        acc.add(best, lg)
    return acc


# ------------------------------------------------------------------ public functions


def _signals(X, Y, angular, type, dimension, stacklevel=4):  # noqa: A002
    """The two partners' signals (Bitbox's conversion), cut to their common length."""
    if not isinstance(angular, bool | np.bool_):
        raise TypeError(f"angular must be True or False, got {angular!r}")
    out = []
    for name, data in (("X", X), ("Y", Y)):
        d = read_data(data, name=name, allowed=_COORD_TYPES, type=type, dimension=dimension,
                      default_type="expression")
        values, names = activations(d, angular=bool(angular), name=name)
        out.append((np.ascontiguousarray(values, dtype=np.float64), [str(n) for n in names]))
    (x, xn), (y, yn) = out
    T = min(x.shape[0], y.shape[0])
    if x.shape[0] != y.shape[0]:
        warnings.warn(f"X has {x.shape[0]} frames and Y {y.shape[0]}: only the first {T} frames of both "
                      "are used (as Bitbox does)", stacklevel=stacklevel)
    return x[:T], y[:T], xn, yn


def _check_bool(name, value):
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _spec(width, lag, step, fps, mode, polarity, n_frames):
    W, L, S, fps = window_frames(width, lag, step, fps)
    spec = Windows(W, L, S, mode, _check_bool("polarity", polarity))
    if n_frames - W - L < L:
        raise ValueError(
            f"the recordings are too short for one window with its lags: {n_frames} frames, but a "
            f"window of {W} frames with lags of up to {L} frames on both sides needs {W + 2 * L} "
            f"(width={W / fps:g} s, lag={L / fps:g} s at fps={fps:g})"
        )
    return spec, fps


def _run(X, Y, width, lag, step, fps, stats, polarity, angular, mode, type, dimension, tidy):  # noqa: A002
    stats = _check_bool("stats", stats)
    tidy = _check_bool("tidy", tidy)
    x, y, xn, yn = _signals(X, Y, angular, type, dimension)
    spec, fps = _spec(width, lag, step, fps, mode, polarity, x.shape[0])
    n_win = spec.starts(x.shape[0]).size
    attrs = {"width_frames": spec.width, "lag_frames": spec.lag, "step_frames": spec.step,
             "n_frames": int(x.shape[0]), "n_windows": int(n_win)}
    if stats:
        mean, std, lag_mean, _, n_used = windowed_correlation(x, y, spec, keep_windows=False).result(fps)
        if not tidy:
            return mean, std, lag_mean
        out = pd.DataFrame({
            "x_signal": np.repeat(np.asarray(xn, dtype=object), len(yn)).astype(str),
            "y_signal": np.tile(np.asarray(yn, dtype=object), len(xn)).astype(str),
            "corr_mean": mean.ravel(), "corr_std": std.ravel(), "lag_mean_s": lag_mean.ravel(),
            "n_windows": np.int64(n_win), "n_used": n_used.ravel(),
        })
        out.attrs.update(attrs)
        return out
    r, lag_f = windowed_correlation(x, y, spec, keep_windows=True)
    lag_s = lag_f / fps
    if not tidy:
        return r, lag_s
    starts = spec.starts(x.shape[0])
    npair = len(xn) * len(yn)
    out = pd.DataFrame({
        "window": np.repeat(np.arange(n_win, dtype=np.int64), npair),
        "start_s": np.repeat(starts / fps, npair),
        "x_signal": np.tile(np.repeat(np.asarray(xn, dtype=object), len(yn)), n_win).astype(str),
        "y_signal": np.tile(np.asarray(yn, dtype=object), len(xn) * n_win).astype(str),
        "corr": r.ravel(), "lag_s": lag_s.ravel(),
        "used": (np.isfinite(r) & (r != 0)).ravel(),
    })
    out.attrs.update(attrs)
    return out


def coordination(X, Y, width=0.5, lag=None, step=None, fps=30, stats=True, polarity=True, angular=True,
                 *, type=None, dimension=None, tidy=False):  # noqa: A002 - Bitbox's key
    """Windowed, lagged cross-correlation of two people's signals (both shifted).

    For every window and every pair of a signal of X and a signal of Y,
    the largest (absolute) Pearson correlation over shifts of *both*
    windows by up to ``lag`` seconds, and the net lag at which it occurs;
    or, by default, their mean and standard deviation over windows and the
    mean lag. Arguments, defaults and numbers (to float32 precision: Bitbox
    computes in float32, this in float64) are those of Bitbox's
    ``bitbox.social.coordination``.

    Parameters
    ----------
    X, Y : dict, array_like or pandas.DataFrame
        The two partners' signals: Bitbox ``'expression'``, ``'landmark'``,
        ``'landmark-can'`` or ``'pose'`` dicts, or arrays / DataFrames
        (frames x signals; DataFrame column names name the signals). Plain
        input is taken as expression signals unless ``type`` says otherwise.
        Landmarks become each landmark's distance from the origin, head pose
        the norm of its rotation (``angular=True``) or translation, as in
        Bitbox. When the lengths differ, the first frames common to both are
        used (with a warning).
    width : float, default 0.5
        Window width in seconds (``round(width * fps)`` frames).
    lag : float, optional
        Largest shift of each window in seconds; default a quarter of the
        width (``W // 4`` frames).
    step : float, optional
        Step between windows in seconds; default half the width (``W // 2``
        frames), at least one frame.
    fps : float, default 30
        Frame rate.
    stats : bool, default True
        Return the statistics over windows (True) or every window's values.
    polarity : bool, default True
        Choose the correlation of largest absolute value (True) or the
        largest correlation.
    angular : bool, default True
        Head pose: rotation (True) or translation.
    type : {"expression", "landmark", "landmark-can", "pose"}, optional
        What plain X and Y hold (default ``"expression"``).
    dimension : {2, 3}, optional
        Landmarks' dimension for plain input.
    tidy : bool, default False
        Return one DataFrame (see Returns).

    Returns
    -------
    tuple of numpy.ndarray, or pandas.DataFrame
        ``stats=True``: ``(corr_mean, corr_std, corr_lag)``, each
        (signals of X, signals of Y): the mean and population SD over
        windows of the best correlation, and the mean lag in seconds,
        over the windows that count (see Notes); NaN for a pair with none.
        ``stats=False``: ``(corrs, lags)``, each (windows, signals of X,
        signals of Y).

        With ``tidy=True`` and ``stats=True``: one row per pair with
        ``x_signal``, ``y_signal`` (str), ``corr_mean``, ``corr_std``,
        ``lag_mean_s`` (float), ``n_windows`` (int: windows) and ``n_used``
        (int: windows that count). With ``stats=False``: one row per window
        and pair with ``window`` (int), ``start_s`` (float: the window's
        start in seconds), ``x_signal``, ``y_signal``, ``corr``, ``lag_s``
        and ``used`` (bool: counts in the statistics). ``attrs`` holds the
        window width, lag and step in frames, ``n_frames`` and ``n_windows``.

    Notes
    -----
    With :math:`W, L, S` the width, lag and step in frames, windows start at
    :math:`s = L, L + S, \\ldots \\le T - W - L`. For each window, pair
    :math:`(i, j)` and shifts :math:`l_x, l_y \\in [-L, L]`,
    :math:`r = \\mathrm{corr}(x_i[s + l_x : s + l_x + W],\\ y_j[s + l_y : s + l_y + W])`
    (population SDs floored at 1e-12). The window's value is the :math:`r` of
    largest :math:`|r|` (``polarity``) or largest :math:`r`, the first in
    :math:`(l_x, l_y)` order among equals, and its lag is
    :math:`(l_y - l_x) / f_{ps}`: positive when Y's window is later than X's,
    that is, Y follows X.

    A window in which a signal does not vary (every value equal) has
    correlation 0. As in Bitbox, windows whose value is 0 or not finite do not
    count in the statistics: no variance, or a missing value (a missing
    value in any of Y's shifted windows gives the window value 0, one in X's
    removes that shift).

    The correlations of a block of windows at all shifts are one matrix
    product of standardised windows; the best shift is found block by block.
    The shifts are ranked with float32 products; every X shift whose best is
    within the float32 rounding bound of the overall best (about
    :math:`2 (W + 2) 2^{-24}`) is recomputed in float64 with all of Y's
    shifts, so the value and lag are those of a search in float64. Bitbox
    computes in float32 (inputs included): its correlations agree to about
    1e-6, but where two shifts are within float32 rounding of each other it
    may choose the other one, with ``polarity`` possibly of opposite sign (in
    79 x 79 simulated expression signals over 2 minutes, one window-pair of
    730,197: +0.3635677 and -0.3635677, 4e-8 apart in float64).

    References
    ----------
    1. Bitbox: behavioral imaging toolbox, ``bitbox.social.coordination``
       (release 2025.10.dev2).
    2. Boker, S. M., Rotondo, J. L., Xu, M., King, K. (2002). Windowed
       cross-correlation and peak picking for the analysis of variability in
       the association between behavioral time series. Psychological
       Methods, 7(3), 338-355.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(600, 2))
    >>> y = np.roll(x, 3, axis=0)                       # Y repeats X 3 frames (0.1 s) later
    >>> mean, sd, lag = coordination(x, y, width=1.0, lag=0.2, fps=30)
    >>> np.round(np.diag(mean), 3), np.round(np.diag(lag), 3)
    (array([1., 1.]), array([0.1, 0.1]))
    >>> coordination(x, y, width=1.0, lag=0.2, fps=30, tidy=True).round(3).head(2)
       x_signal  y_signal  corr_mean  corr_std  lag_mean_s  n_windows  n_used
    0  signal_0  signal_0      1.000      0.00       0.100         38      38
    1  signal_0  signal_1      0.001      0.44      -0.005         38      38
    """
    return _run(X, Y, width, lag, step, fps, stats, polarity, angular, "two", type, dimension, tidy)


def imitation(X, Y, width=0.5, lag=None, step=None, fps=30, stats=True, polarity=True, causality=True,
              angular=True, *, casuality=None, type=None, dimension=None, tidy=False):  # noqa: A002
    """Windowed cross-correlation with only Y's window shifted: how X follows Y.

    Like :func:`coordination`, but X's window stays in place and only Y's
    is shifted: with ``causality=True`` (the default) only back in time, so
    that X's behaviour is compared with what Y did at the same time or up
    to ``lag`` seconds before. This is what Bitbox's
    ``bitbox.social.imitation`` is meant to compute (the released
    2025.10.dev2 raises a TypeError: it passes ``casuality=`` to a function
    whose keyword is ``causality``); the numbers are those of its
    ``windowed_cross_correlation_lagged_one_sided`` followed by the
    statistics of ``coordination``.

    Parameters
    ----------
    X, Y, width, lag, step, fps, stats, polarity, angular, type, dimension, tidy
        As in :func:`coordination`.
    causality : bool, default True
        Shift Y's window back only (lags in :math:`[-L, 0]`); False allows
        :math:`[-L, L]`.
    casuality : bool, optional
        Bitbox's spelling of ``causality``; used when given.

    Returns
    -------
    tuple of numpy.ndarray, or pandas.DataFrame
        As in :func:`coordination`.

    Notes
    -----
    For each window start :math:`s`, pair :math:`(i, j)` and shift
    :math:`l \\in [-L, 0]` (``causality``) or :math:`[-L, L]`,
    :math:`r = \\mathrm{corr}(x_i[s : s + W],\\ y_j[s + l : s + l + W])`;
    the window's value is the :math:`r` of largest :math:`|r|` (or largest
    :math:`r`), the first among equals, and its lag :math:`l / f_{ps}`:
    negative when Y's window is earlier than X's, that is, X follows Y.
    Windows start at :math:`s = L, L + S, \\ldots \\le T - W - L`, as in
    :func:`coordination`. A missing value in a compared window makes the
    window's value NaN (Bitbox's argmax stops at it); windows whose value is
    0 or not finite do not count in the statistics.

    References
    ----------
    1. Bitbox: behavioral imaging toolbox, ``bitbox.social.imitation`` and
       ``bitbox.signal_processing.windowed_cross_correlation_lagged_one_sided``
       (release 2025.10.dev2).
    2. Boker, S. M., Rotondo, J. L., Xu, M., King, K. (2002). Windowed
       cross-correlation and peak picking for the analysis of variability in
       the association between behavioral time series. Psychological
       Methods, 7(3), 338-355.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> y = rng.normal(size=(600, 1))
    >>> x = np.roll(y, 4, axis=0)                       # X repeats Y 4 frames later
    >>> mean, sd, lag = imitation(x, y, width=1.0, lag=0.2, fps=30)
    >>> round(float(mean[0, 0]), 3), round(float(lag[0, 0]), 3)
    (1.0, -0.133)
    """
    if casuality is not None:
        causality = casuality
    mode = "causal" if _check_bool("causality", causality) else "one"
    return _run(X, Y, width, lag, step, fps, stats, polarity, angular, mode, type, dimension, tidy)

