"""Coordination and imitation: Bitbox itself (live, float32: to 1e-4), a float64
brute-force reference (to 1e-12), known lags, blocking and threads, bad input.

Bitbox's windowed correlation is slow and memory-hungry: recordings here are short
and have few signals.
"""

import importlib
import warnings

import bitbox.social as bitbox_social  # the released Bitbox (test-only dependency, from the Makefile)
import numpy as np
import pandas as pd
import pytest
from bitbox.signal_processing import windowed_cross_correlation_lagged_one_sided as bb_one_sided
from bitbox.signal_processing import windowed_cross_correlation_lagged_two_sided as bb_two_sided

import bitbox_stats as bs
from bitbox_stats.coordination import Windows, window_frames, windowed_correlation

coord = importlib.import_module("bitbox_stats.coordination")  # the module (its name is also a function)


def expression(values):
    return {"data": pd.DataFrame(values), "type": "expression", "dimension": 3}


def signals(T, n, seed, smooth=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T + smooth, n))
    return np.cumsum(x, axis=0)[smooth:] - np.cumsum(x, axis=0)[:-smooth]  # moving sums: some memory


def with_gaps(x, seed, missing=True):
    """Missing values, a constant stretch and an all-zero stretch."""
    x = x.copy()
    rng = np.random.default_rng(seed)
    T, n = x.shape
    if missing:
        x[rng.integers(T), 0] = np.nan
    start = rng.integers(T - 60)
    x[start : start + 40, n - 1] = 1.0
    x[T // 2 : T // 2 + 30, min(1, n - 1)] = 0.0
    return x


def brute_force(x, y, W, L, S, mode, polarity):
    """Bitbox's definition, one window, pair and shift at a time, in float64."""
    T = min(len(x), len(y))
    starts = np.arange(L, T - W - L + 1, S)
    lxs = range(-L, L + 1) if mode == "two" else [0]
    lys = range(-L, 1) if mode == "causal" else range(-L, L + 1)
    r = np.empty((len(starts), x.shape[1], y.shape[1]))
    lag = np.empty_like(r)

    def corr(a, b):
        a, b = a - a.mean(), b - b.mean()
        return (a @ b) / (len(a) * max(a.std(), 1e-12) * max(b.std(), 1e-12))

    for w, s in enumerate(starts):
        for i in range(x.shape[1]):
            for j in range(y.shape[1]):
                best, best_lag = (0.0 if polarity else -np.inf), None
                for lx in lxs:
                    for ly in lys:
                        v = corr(x[s + lx : s + lx + W, i], y[s + ly : s + ly + W, j])
                        if (abs(v) > abs(best)) if polarity else (v > best):
                            best, best_lag = v, ly - lx
                r[w, i, j] = best
                lag[w, i, j] = best_lag if best_lag is not None else -L
    return r, lag


def assert_like_bitbox(r, lag, r_bb, lag_bb, fps):
    """|r| to 1e-4 (Bitbox is float32); r itself and the lag equal except where float32
    rounding reorders two nearly equal correlations (possibly of opposite signs: with
    polarity, +0.36356772 and -0.36356768 are Bitbox's near-tie), in at most 0.2% of them."""
    r_bb = r_bb.astype(float)
    assert (np.isnan(r) == np.isnan(r_bb)).all()
    np.testing.assert_array_equal(np.isinf(r), np.isinf(r_bb))
    fin = np.isfinite(r_bb)
    np.testing.assert_allclose(np.abs(r[fin]), np.abs(r_bb[fin]), rtol=0, atol=1e-4)
    flipped = np.abs(r[fin] - r_bb[fin]) > 1e-4
    assert flipped.mean() <= 0.002, flipped.mean()
    differ = np.abs(lag - lag_bb.astype(float)) > 0.5 / fps
    assert differ.mean() <= 0.002, differ.mean()


def assert_stats_like_bitbox(got, want, n_windows, max_lag_s):
    """Means and SDs to 1e-4, mean lags to 1e-5, but where a float32 near-tie changed one
    window's value (a sign, with polarity) or lag, in at most 1% of the pairs: then the
    mean moves by at most 2 / windows, the lag by 2 L frames / windows."""
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
    for g, w, tol, most in zip(got, want, [1e-4, 1e-4, 1e-5],
                               [2 / n_windows, 2 / n_windows**0.5, 2 * max_lag_s / n_windows], strict=True):
        d = np.abs(g - w.astype(float))
        d = d[np.isfinite(d)]
        assert (d > tol).mean() <= 0.01
        assert d.max(initial=0) <= most + 1e-6


# ---------------------------------------------------------------- float64 reference


@pytest.mark.parametrize("mode,screen", [("two", True), ("two", False), ("one", False), ("causal", False)])
@pytest.mark.parametrize("polarity", [True, False])
def test_equals_float64_brute_force(monkeypatch, mode, screen, polarity):
    # the screened search and the plain float64 one (used for small searches), on every lag
    monkeypatch.setattr(coord, "_SCREEN_MIN_SHIFTS", 1 if screen else 10**9)
    x = with_gaps(signals(140, 2, 1), 2, missing=False)
    y = with_gaps(signals(140, 3, 3), 4, missing=False)
    for W, L, S in [(12, 3, 6), (10, 0, 4), (16, 5, 3)]:
        spec = Windows(W, L, S, mode, polarity)
        r, lag = windowed_correlation(x, y, spec, keep_windows=True)
        want_r, want_lag = brute_force(x, y, W, L, S, mode, polarity)
        np.testing.assert_allclose(r, want_r, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(lag, want_lag)


@pytest.mark.parametrize("polarity", [True, False])
def test_exact_ties_are_broken_in_bitbox_order(polarity):
    """Values repeated exactly across shifts: the first in (lx, ly) order wins, as in Bitbox's
    loop over lx with argmax over ly (strictly better to replace)."""
    rng = np.random.default_rng(40)
    r = np.round(rng.uniform(-1, 1, size=(6, 7, 4, 5, 3)), 1)  # (window, ly, j, lx, i); many exact ties
    r[0, :, 0, :, 0] = 0.0  # nothing better than the start value (0, with polarity)
    r[1, :, 2, :, 1] = -0.9
    r[1, 5, 2, 3, 1] = 0.9  # |r| ties between signs: the first in order is -0.9 at (0, 0)
    val, lx, ly = coord._select(r, polarity)  # (window, j, i)
    flat = r.transpose(0, 2, 4, 3, 1).reshape(6, 4, 3, 35)  # (window, j, i, lx * ly)
    k = (np.abs(flat) if polarity else flat).argmax(axis=3)
    np.testing.assert_array_equal(lx, k // 7)
    np.testing.assert_array_equal(ly, k % 7)
    np.testing.assert_array_equal(val, np.take_along_axis(flat, k[..., None], axis=3)[..., 0])


def test_missing_values_follow_bitbox_rules_in_float64():
    """Where the brute force (which skips nothing) and Bitbox's missing-value rules agree."""
    x, y = signals(120, 2, 5), signals(120, 2, 6)
    spec = Windows(12, 3, 6, "two", True)
    clean = windowed_correlation(x, y, spec, keep_windows=True)[0]
    y_bad = y.copy()
    y_bad[40, 1] = np.nan
    r, lag = windowed_correlation(x, y_bad, spec, keep_windows=True)
    starts = spec.starts(120)
    hit = (starts - 3 <= 40) & (40 < starts + 3 + 12)  # windows whose Y shifts reach frame 40
    assert (r[hit][:, :, 1] == 0).all() and (lag[hit][:, :, 1] == -3).all()
    np.testing.assert_array_equal(r[~hit], clean[~hit])
    np.testing.assert_array_equal(r[:, :, 0], clean[:, :, 0])


# ---------------------------------------------------------------- Bitbox, live


@pytest.mark.parametrize("polarity", [True, False])
@pytest.mark.parametrize("width,lag,step,fps", [(0.5, None, None, 30), (1.0, 0.3, 0.2, 25), (0.4, 0, None, 30),
                                                (2.0, 1.0, None, 30)])
def test_windows_equal_bitbox_two_sided(polarity, width, lag, step, fps):
    x = with_gaps(signals(420, 3, 7), 8)
    y = with_gaps(signals(400, 2, 9), 10)
    r_bb, lag_bb = bb_two_sided(x, y, width=width, lag=lag, step=step, fps=fps, polarity=polarity)
    with pytest.warns(UserWarning, match="only the first 400 frames"):  # Bitbox cuts silently
        corrs, lags = bs.coordination(x, y, width=width, lag=lag, step=step, fps=fps, stats=False,
                                      polarity=polarity)
    assert corrs.shape == r_bb.shape
    assert_like_bitbox(corrs, lags, r_bb, lag_bb, fps)


@pytest.mark.parametrize("polarity", [True, False])
@pytest.mark.parametrize("causality", [True, False])
@pytest.mark.parametrize("width,lag,step,fps", [(0.5, None, None, 30), (1.0, 0.3, 0.2, 25), (2.0, 1.0, None, 30)])
def test_windows_equal_bitbox_one_sided(polarity, causality, width, lag, step, fps):
    x = with_gaps(signals(400, 2, 11), 12)
    y = with_gaps(signals(400, 3, 13), 14)
    r_bb, lag_bb = bb_one_sided(x, y, width=width, lag=lag, step=step, fps=fps, polarity=polarity,
                                causality=causality)
    corrs, lags = bs.imitation(x, y, width=width, lag=lag, step=step, fps=fps, stats=False, polarity=polarity,
                               causality=causality)
    assert_like_bitbox(corrs, lags, r_bb, lag_bb, fps)


@pytest.mark.parametrize("kind", ["expression", "landmark", "pose"])
def test_statistics_equal_bitbox_coordination(kind):
    rng = np.random.default_rng(15)
    T = 360
    if kind == "expression":
        X = expression(with_gaps(signals(T, 3, 16), 17))
        Y = expression(signals(T, 2, 18))
    elif kind == "landmark":
        X = {"data": pd.DataFrame(signals(T, 102, 19) + 50), "type": "landmark", "dimension": 2, "schema": "ibug51"}
        Y = {"data": pd.DataFrame(signals(T, 102, 20) + 50), "type": "landmark", "dimension": 2, "schema": "ibug51"}
    else:
        walk = rng.normal(size=(T, 6)).cumsum(axis=0) * 0.05
        X = {"data": pd.DataFrame(walk), "type": "pose", "dimension": 3}
        Y = {"data": pd.DataFrame(np.roll(walk, 4, axis=0) + rng.normal(size=(T, 6)) * 0.01), "type": "pose",
             "dimension": 3}
    for angular in (True, False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = bitbox_social.coordination(X, Y, width=1.0, lag=0.2, angular=angular)
        got = bs.coordination(X, Y, width=1.0, lag=0.2, angular=angular)
        assert_stats_like_bitbox(got, want, n_windows=22, max_lag_s=0.2)


def test_bitbox_imitation_raises_and_ours_gives_its_intended_numbers(monkeypatch):
    x, y = signals(300, 2, 21), signals(300, 2, 22)
    X, Y = expression(x), expression(y)
    with pytest.raises(TypeError, match="casuality"):
        bitbox_social.imitation(X, Y)

    def fixed(*args, casuality=False, **kwargs):  # Bitbox's call, with its keyword spelled right
        return bb_one_sided(*args, causality=casuality, **kwargs)

    monkeypatch.setattr(bitbox_social, "windowed_cross_correlation_lagged_one_sided", fixed)
    for causality in (True, False):
        want = bitbox_social.imitation(X, Y, width=1.0, lag=0.3, casuality=causality)
        for got in (bs.imitation(X, Y, width=1.0, lag=0.3, causality=causality),
                    bs.imitation(X, Y, width=1.0, lag=0.3, casuality=causality)):
            assert_stats_like_bitbox(got, want, n_windows=18, max_lag_s=0.3)


# ---------------------------------------------------------------- known lags, statistics


def test_known_lag_is_recovered_with_its_sign():
    x = signals(900, 1, 23)
    y = np.roll(x, 6, axis=0)  # Y repeats X 6 frames (0.2 s) later: Y follows X
    mean, sd, lag = bs.coordination(x, y, width=2.0, lag=0.5, fps=30)
    assert mean[0, 0] == pytest.approx(1.0) and lag[0, 0] == pytest.approx(0.2)
    mean, sd, lag = bs.coordination(y, x, width=2.0, lag=0.5, fps=30)
    assert lag[0, 0] == pytest.approx(-0.2)
    # imitation: X's window stays; with causality only Y's past is searched
    mean, _, lag = bs.imitation(y, x, width=2.0, lag=0.5, fps=30)  # X (here y) follows Y (here x)
    assert mean[0, 0] == pytest.approx(1.0) and lag[0, 0] == pytest.approx(-0.2)
    mean, _, _ = bs.imitation(x, y, width=2.0, lag=0.5, fps=30)  # Y's future is not searched
    assert mean[0, 0] < 0.99


def test_statistics_of_the_windows():
    x, y = with_gaps(signals(300, 2, 24), 25), signals(300, 2, 26)
    corrs, lags = bs.coordination(x, y, width=1.0, lag=0.2, stats=False)
    mean, sd, lag = bs.coordination(x, y, width=1.0, lag=0.2)
    used = np.isfinite(corrs) & (corrs != 0)
    for i in range(2):
        for j in range(2):
            u = used[:, i, j]
            assert mean[i, j] == pytest.approx(corrs[u, i, j].mean(), abs=1e-14)
            assert sd[i, j] == pytest.approx(corrs[u, i, j].std(), abs=1e-14)
            assert lag[i, j] == pytest.approx(lags[u, i, j].mean(), abs=1e-14)


def test_a_pair_without_windows_gives_nan_without_warnings():
    x = np.zeros((200, 1))
    y = signals(200, 1, 27)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mean, sd, lag = bs.coordination(x, y)
    assert np.isnan(mean[0, 0]) and np.isnan(sd[0, 0]) and np.isnan(lag[0, 0])
    out = bs.coordination(x, y, tidy=True)
    assert out.loc[0, "n_used"] == 0 and out.loc[0, "n_windows"] > 0


# ---------------------------------------------------------------- blocks, threads, memory


def test_blocks_and_threads_change_nothing(monkeypatch):
    x, y = with_gaps(signals(500, 4, 28), 29), with_gaps(signals(500, 3, 30), 31)
    cases = [(15, "two", True, (1, 2)), (15, "two", False, (1, 2)), (3, "two", True, (1, 4)),
             (15, "causal", True, (1, 1))]
    for L, mode, polarity, sizes in cases:
        plain = L == 3  # the float64 search without screening, chunked too
        monkeypatch.setattr(coord, "_SCREEN_MIN_SHIFTS", 10**9 if plain else 9)
        spec = Windows(30, L, 15, mode, polarity)
        ref = windowed_correlation(x, y, spec, keep_windows=True, threads=1)
        two = windowed_correlation(x, y, spec, keep_windows=True, threads=2)
        np.testing.assert_array_equal(ref[0], two[0])
        np.testing.assert_array_equal(ref[1], two[1])
        # tiny blocks: one window at a time, a few lx rows per product (float32 products when
        # screened, float64 otherwise)
        monkeypatch.setattr(coord, "_BLOCK_BYTES", 4 * 3 * 31 * 4 * 2)
        assert coord._block_sizes(spec, 4, 3, 10) == sizes
        small = windowed_correlation(x, y, spec, keep_windows=True, threads=2)
        monkeypatch.setattr(coord, "_BLOCK_BYTES", 24 * 2**20)
        np.testing.assert_array_equal(ref[1], small[1])
        np.testing.assert_allclose(ref[0], small[0], rtol=0, atol=1e-14)


@pytest.mark.parametrize("polarity", [True, False])
def test_float32_screening_gives_the_float64_search(monkeypatch, polarity):
    """Screened (float32 products, float64 candidates) and plain float64 searches agree,
    also where many shifts are within float32 rounding of the best (Y repeats X exactly)."""
    x = with_gaps(signals(400, 3, 35), 36)
    y = np.column_stack([np.roll(x[:, 0], 4), with_gaps(signals(400, 2, 37), 38)])
    calls = []
    resolve = coord._resolve_rows
    monkeypatch.setattr(coord, "_resolve_rows", lambda *a: calls.append(1) or resolve(*a))
    spec = Windows(24, 8, 6, "two", polarity)
    assert coord._screened(spec)
    screened = windowed_correlation(x, y, spec, keep_windows=True)
    assert calls  # pairs with several candidates were resolved in float64
    monkeypatch.setattr(coord, "_SCREEN_MIN_SHIFTS", 10**9)
    plain = windowed_correlation(x, y, spec, keep_windows=True)
    np.testing.assert_allclose(screened[0], plain[0], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(screened[1], plain[1])


def test_screening_keeps_candidates_within_float32_rounding():
    """float32 ranks X shift 0 first by 1e-7, float64 ranks shift 1 first by 1e-10: both are
    candidates, and the float64 values decide."""
    e = np.eye(4)
    v0, v1 = 0.5, 0.5 + 1e-10
    a0 = v0 * e[0] + np.sqrt(1 - v0**2) * e[1]
    a1 = v1 * e[0] + np.sqrt(1 - v1**2) * e[1]
    zx = np.stack([a0, a1, e[2]])[:, None, :]  # (positions, signals, W): X at shifts 0, 1, 2
    zy = np.stack([e[0], e[3], e[3]])[:, None, :]  # Y at shifts 0, 1, 2
    r32 = np.zeros((1, 3, 1, 3, 1), dtype=np.float32)  # (window, ly, j, lx, i)
    r32[0, 0, 0, 0, 0] = v0 + 1e-7  # float32's view: shift (0, 0) first
    r32[0, 0, 0, 1, 0] = v0
    for polarity in (True, False):
        row_best = coord._row_best(r32, polarity)
        val, lx, ly = coord._pick(row_best, polarity, zx, zx[None], zy[None], 1, 1)
        assert (lx[0, 0, 0], ly[0, 0, 0]) == (1, 0) and val[0, 0, 0] == pytest.approx(v1, abs=1e-15)


def test_window_frames_follow_bitbox_rounding():
    assert window_frames(0.5, None, None, 30)[:3] == (15, 3, 7)
    assert window_frames(0.5, None, None, 25)[:3] == (12, 3, 6)  # 12.5 rounds to even
    assert window_frames(2.0, 1.0, None, 30)[:3] == (60, 30, 30)
    assert window_frames(1.0, 0.0, 0.01, 30)[:3] == (30, 0, 1)  # a step below a frame is one frame


# ---------------------------------------------------------------- tidy output, bad input


def test_tidy_outputs():
    x = pd.DataFrame(signals(200, 2, 32), columns=["smile", "brow"])
    y = pd.DataFrame(signals(200, 1, 33), columns=["smile"])
    out = bs.coordination(x, y, tidy=True)
    assert list(out.columns) == ["x_signal", "y_signal", "corr_mean", "corr_std", "lag_mean_s", "n_windows",
                                 "n_used"]
    assert out["x_signal"].tolist() == ["smile", "brow"] and out["y_signal"].tolist() == ["smile", "smile"]
    assert out["n_used"].dtype == np.int64 and isinstance(out.index, pd.RangeIndex)
    win = bs.imitation(x, y, stats=False, tidy=True)
    corrs, lags = bs.imitation(x, y, stats=False)
    assert list(win.columns) == ["window", "start_s", "x_signal", "y_signal", "corr", "lag_s", "used"]
    np.testing.assert_array_equal(win["corr"].to_numpy(), corrs.ravel())
    np.testing.assert_array_equal(win["lag_s"].to_numpy(), lags.ravel())
    assert win["start_s"].iloc[0] == pytest.approx(3 / 30)
    assert win.attrs["width_frames"] == 15 and win.attrs["n_windows"] == corrs.shape[0]


def test_bad_input_is_named():
    x = signals(100, 2, 34)
    with pytest.raises(ValueError, match="too short for one window.*needs 90"):
        bs.coordination(x[:80], x[:80], width=2.0, lag=0.5)
    with pytest.raises(ValueError, match="width is shorter than a frame"):
        bs.coordination(x, x, width=0.01)
    with pytest.raises(ValueError, match="lag must be >= 0"):
        bs.coordination(x, x, lag=-0.1)
    with pytest.raises(ValueError, match="step must be > 0"):
        bs.coordination(x, x, step=0)
    with pytest.raises(ValueError, match="only Bitbox 'landmark', 'landmark-can', 'pose', 'expression' data"):
        bs.coordination({"data": pd.DataFrame(x), "type": "rectangle"}, x)
    with pytest.raises(TypeError, match="polarity must be True or False"):
        bs.coordination(x, x, polarity="yes")
    with pytest.raises(TypeError, match="causality must be True or False"):
        bs.imitation(x, x, causality=None)
    with pytest.warns(UserWarning, match="X has 100 frames and Y 90: only the first 90"):
        bs.coordination(x, x[:90])
