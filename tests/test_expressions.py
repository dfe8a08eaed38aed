"""Expressivity and diversity: closed forms, properties, bad input, and Bitbox itself."""

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

# The released Bitbox (test-only dependency, installed by the Makefile). A
# missing package must fail these tests, not skip them.
from bitbox.expressions import diversity as bitbox_diversity
from bitbox.expressions import expressivity as bitbox_expressivity
from bitbox.signal_processing import peak_detection as bitbox_peak_detection
from hypothesis import given, settings
from hypothesis import strategies as st

import bitbox_stats as bs
from bitbox_stats.simulate import simulate_signals

STAT_COLUMNS = ["frequency", "density", "mean", "std", "min", "max"]


def bumps(T, centres, heights, width=6.0, baseline=0.0):
    t = np.arange(T)
    x = np.full(T, baseline, dtype=float)
    for c, h in zip(centres, heights, strict=True):
        x += h * np.exp(-0.5 * ((t - c) / width) ** 2)
    return x


# ---------------------------------------------------------------- closed forms


def test_single_bump_one_peak_at_centre_with_its_height():
    x = bumps(400, [200], [1.7])
    row = bs.expressivity(x, fps=30)[0].iloc[0]
    assert row["frequency"] == 1
    assert row["max"] == pytest.approx(1.7)
    assert row["mean"] == pytest.approx(1.7)
    assert row["std"] == 0
    assert row["density"] == pytest.approx(1.7 / 400)
    peaks = bs.detect_peaks(x, fps=30)
    assert peaks.loc[peaks.kind == "peak", "frame"].tolist() == [200]


@pytest.mark.parametrize("k", [1, 3, 7])
def test_k_separated_bumps_give_frequency_k_and_density(k):
    heights = np.linspace(0.5, 2.0, k)
    centres = 100 + 150 * np.arange(k)
    T = int(centres[-1] + 100)
    x = bumps(T, centres, heights)
    out = bs.expressivity(x, fps=30, robust=False)[0].iloc[0]
    assert out["frequency"] == k
    assert out["density"] == pytest.approx(heights.sum() / T)
    assert out["max"] == pytest.approx(heights.max())
    assert out["min"] == pytest.approx(heights.min())
    # at wavelet scales the discretised wavelet may move a peak by a frame; the
    # statistics are the signal's values at the frames found
    out = bs.expressivity(x, scales=[0.5, 1.0], fps=30, robust=False, tidy=True)
    peaks = bs.detect_peaks(x, scales=[0.5, 1.0], fps=30)
    for scale, row in zip([0.5, 1.0], out.itertuples(), strict=True):
        frames = peaks[(peaks.scale == scale) & (peaks.kind == "peak")]["frame"].to_numpy()
        assert row.frequency == k
        assert np.all(np.abs(frames - centres) <= 1)
        assert row.density == pytest.approx(x[frames].sum() / T)


def test_robust_rule_removes_a_planted_outlier():
    heights = [1.0] * 9 + [10.0]
    centres = 100 + 120 * np.arange(10)
    x = bumps(1400, centres, heights)
    plain = bs.expressivity(x, fps=30, robust=False)[0].iloc[0]
    robust = bs.expressivity(x, fps=30, robust=True)[0].iloc[0]
    assert plain["frequency"] == 10 and plain["max"] == pytest.approx(10.0)
    assert robust["frequency"] == 9 and robust["max"] == pytest.approx(1.0)
    assert robust["density"] == pytest.approx(9.0 / 1400)


def test_robust_rule_needs_more_than_five_peaks():
    x = bumps(1000, [100, 250, 400, 550, 700], [1, 1, 1, 1, 10])
    robust = bs.expressivity(x, fps=30, robust=True)[0].iloc[0]
    assert robust["frequency"] == 5 and robust["max"] == pytest.approx(10.0)


def test_six_scale_grid_and_scale_column():
    assert np.allclose(bs.scale_durations(6), [0.1, 0.88, 1.66, 2.44, 3.22, 4.0])
    x = simulate_signals(2, seconds=20, fps=30, seed=3)
    out = bs.expressivity(x, scales=6)
    assert len(out) == 2
    assert list(out[0].columns) == ["scale"] + STAT_COLUMNS
    assert np.allclose(out[0]["scale"], [0.1, 0.88, 1.66, 2.44, 3.22, 4.0])


def test_largest_scale_must_be_shorter_than_signal():
    x = np.random.default_rng(0).normal(size=90)  # 3 s at 30 fps
    with pytest.raises(ValueError, match=r"largest duration \(4 s\).*3\.00 s"):
        bs.expressivity(x, scales=6, fps=30)
    with pytest.raises(ValueError, match=r"largest duration \(3 s\)"):
        bs.expressivity(x, scales=[1, 3], fps=30)


def test_no_peaks_gives_zeros():
    x = np.linspace(0, 1, 300)  # monotone: no strict maximum
    row = bs.expressivity(x)[0].iloc[0]
    assert row[STAT_COLUMNS].tolist() == [0, 0, 0, 0, 0, 0]


def test_constant_signal_gives_zeros_without_warnings():
    x = np.column_stack([np.full(900, 0.3), np.full(900, 5.0), np.zeros(900)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for scales, agg in [(None, False), (6, False), (6, True)]:
            out = bs.expressivity(x, scales=scales, aggregate=agg, fps=30, tidy=True)
            assert (out[STAT_COLUMNS].to_numpy() == 0).all()


def test_flat_stretch_has_no_peaks_inside():
    x = simulate_signals(1, seconds=60, fps=30, seed=5)["exp_00"].to_numpy().copy()
    x[600:1200] = 0.4
    peaks = bs.detect_peaks(x, scales=[0.25, 0.5], fps=30)
    # far enough inside the stretch that the wavelet does not reach its ends
    inside = peaks[(peaks.frame > 700) & (peaks.frame < 1100)]
    assert inside.empty


# ---------------------------------------------------------------- output shapes


def test_tidy_output_is_numeric_and_long():
    x = simulate_signals(3, seconds=30, fps=30, seed=1)
    tidy = bs.expressivity(x, scales=[0.5, 1, 2], tidy=True)
    assert list(tidy.columns) == [
        "signal", "level", "scale", "scale_min", "scale_max", *STAT_COLUMNS, "n_frames", "n_missing"
    ]
    assert isinstance(tidy.index, pd.RangeIndex)
    assert tidy.shape[0] == 9
    assert tidy["signal"].tolist()[:3] == ["exp_00"] * 3
    for col in ["scale", "density", "mean", "std", "min", "max"]:
        assert tidy[col].dtype == np.float64
    assert tidy["frequency"].dtype == np.int64
    lists = bs.expressivity(x, scales=[0.5, 1, 2])
    assert np.allclose(tidy[STAT_COLUMNS].to_numpy(float), np.vstack([f[STAT_COLUMNS] for f in lists]))
    agg = bs.expressivity(x, scales=[0.5, 1, 2], aggregate=True, tidy=True)
    assert agg["level"].unique().tolist() == ["aggregate"]
    assert np.isnan(agg["scale"]).all() and (agg["scale_min"] == 0.5).all() and (agg["scale_max"] == 2).all()
    raw = bs.expressivity(x, tidy=True)
    assert raw["level"].unique().tolist() == ["raw"]


def test_aggregate_label_and_single_scale_ignores_aggregate():
    x = simulate_signals(1, seconds=30, fps=30, seed=2)
    out = bs.expressivity(x, scales=6, aggregate=True)[0]
    assert out["scale"].tolist() == ["Agg 0.1-4.0"]
    one = bs.expressivity(x, scales=[1.0], aggregate=True)[0]
    assert one["scale"].tolist() == [1.0]


def test_input_forms_agree():
    df = simulate_signals(3, seconds=20, fps=25, seed=4)
    ref = bs.expressivity(df, scales=3, fps=25, tidy=True)[STAT_COLUMNS]
    arr = df.to_numpy()
    for form in (arr, arr.T.copy(), {"data": df, "type": "expression"}):
        axis = 1 if form is not arr and not isinstance(form, dict) else 0
        got = bs.expressivity(form, axis=axis, scales=3, fps=25, tidy=True)[STAT_COLUMNS]
        pd.testing.assert_frame_equal(got, ref)
    one = bs.expressivity(arr[:, 1], scales=3, fps=25, tidy=True)[STAT_COLUMNS]
    pd.testing.assert_frame_equal(one, ref.iloc[3:6].reset_index(drop=True))
    tuple_scales = bs.expressivity(df, scales=(0.1, 2.05, 4.0), fps=25, tidy=True)[STAT_COLUMNS]
    pd.testing.assert_frame_equal(tuple_scales, ref)


# ---------------------------------------------------------------- properties


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), perm_seed=st.integers(0, 10_000))
def test_column_order_does_not_matter(seed, perm_seed):
    df = simulate_signals(5, seconds=15, fps=30, seed=seed)
    order = np.random.default_rng(perm_seed).permutation(df.columns)
    a = bs.expressivity(df, scales=4, aggregate=True, tidy=True).set_index("signal")
    b = bs.expressivity(df[order], scales=4, aggregate=True, tidy=True).set_index("signal")
    pd.testing.assert_frame_equal(a.loc[order], b)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.floats(-50, 50, allow_nan=False).filter(lambda s: abs(s) > 1e-3))
def test_adding_a_constant_shifts_values_not_peaks(seed, shift):
    x = simulate_signals(2, seconds=15, fps=30, seed=seed).to_numpy()
    for scales in (None, [0.3, 1.0]):
        a = bs.expressivity(x, scales=scales, tidy=True)
        b = bs.expressivity(x + shift, scales=scales, tidy=True)
        pa = bs.detect_peaks(x, scales=scales)
        pb = bs.detect_peaks(x + shift, scales=scales)
        assert pa["frame"].tolist() == pb["frame"].tolist()
        assert (a["frequency"] == b["frequency"]).all()
        has = a["frequency"] > 0
        for col in ("mean", "min", "max"):
            assert np.allclose(b.loc[has, col], a.loc[has, col] + shift, atol=1e-9)
        assert np.allclose(b.loc[has, "std"], a.loc[has, "std"], atol=1e-9)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_axis_zero_and_one_agree(seed):
    x = simulate_signals(3, seconds=12, fps=30, seed=seed).to_numpy()
    a = bs.expressivity(x, axis=0, scales=3, tidy=True)
    b = bs.expressivity(x.T, axis=1, scales=3, tidy=True)
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"activations": np.array([[1.0, np.nan, 2.0, 3.0]]).T}, ValueError, r"signal 'signal_0'.*in row 1 \(0-based\)"),
        ({"activations": np.array([1.0, np.inf, 2.0, 3.0])}, ValueError, "missing or infinite"),
        ({"activations": np.empty((0, 3))}, ValueError, "empty"),
        ({"activations": np.zeros((2, 3))}, ValueError, "at least 3 frames"),
        ({"activations": pd.DataFrame({"a": ["x", "y", "z"]})}, TypeError, "signal 'a' is not numeric"),
        ({"activations": np.zeros(100), "fps": 0}, ValueError, "fps must be > 0"),
        ({"activations": np.zeros(100), "fps": -5}, ValueError, "fps must be > 0, got -5"),
        ({"activations": np.zeros(100), "scales": [0.5, -1]}, ValueError, "positive durations"),
        ({"activations": np.zeros(100), "scales": [0.5, 0]}, ValueError, "positive durations"),
        ({"activations": np.zeros(100), "scales": [0.5, 0.5]}, ValueError, "duplicate durations"),
        ({"activations": np.zeros(100), "scales": 0}, ValueError, "positive number of scales"),
        ({"activations": np.zeros(100), "scales": "six"}, TypeError, "scales must be None, an int"),
        ({"activations": np.zeros(100), "axis": 2}, ValueError, "axis must be 0"),
        ({"activations": {"data": pd.DataFrame({"a": [1.0] * 5}), "type": "landmark"}}, ValueError,
         "only Bitbox 'expression' data"),
        ({"activations": "signal.csv"}, TypeError, "got str"),
        ({"activations": np.zeros((3, 3, 3))}, ValueError, "1-D or 2-D"),
        ({"activations": np.zeros(100), "nan_policy": "drop"}, ValueError, "nan_policy must be one of"),
        ({"activations": np.zeros(100), "robust": "yes"}, TypeError, "robust must be True or False"),
    ],
)
def test_bad_input_gets_a_clear_error(kwargs, error, match):
    with pytest.raises(error, match=match):
        bs.expressivity(**kwargs)


def test_nan_policy_interpolate_fills_and_counts():
    x = simulate_signals(2, seconds=20, fps=30, seed=8).to_numpy().copy()
    ref = bs.expressivity(x, scales=[0.5], tidy=True)
    x[10, 1] = np.nan
    x[11, 1] = np.nan
    x[0, 0] = np.nan
    out = bs.expressivity(x, scales=[0.5], tidy=True, nan_policy="interpolate")
    assert out["n_missing"].tolist() == [1, 2]
    filled = x.copy()
    filled[0, 0] = filled[1, 0]
    filled[10:12, 1] = np.interp([10, 11], [9, 12], filled[[9, 12], 1])
    np.testing.assert_allclose(
        out[STAT_COLUMNS].to_numpy(float), bs.expressivity(filled, scales=[0.5], tidy=True)[STAT_COLUMNS].to_numpy(float)
    )
    assert ref["n_missing"].tolist() == [0, 0]


# ---------------------------------------------------------------- agreement with Bitbox


def _bitbox_peak_frames(x, scales, aggregate, fps):
    durations, peaks = bitbox_peak_detection(x, scales=scales, aggregate=aggregate, fps=fps,
                                             smooth=True, noise_removal=False)
    return [np.flatnonzero(row == 1).tolist() for row in np.atleast_2d(peaks)]


BITBOX_CASES = list(itertools.product([25, 30], [None, 6, [0.2, 0.5, 1.0, 2.5], 3], [False, True]))


@pytest.mark.parametrize(("fps", "scales", "aggregate"), [c for c in BITBOX_CASES if not (c[1] is None and c[2])])
def test_same_peaks_and_statistics_as_bitbox(fps, scales, aggregate):
    data = simulate_signals(5, seconds=150, fps=fps, seed=fps + (0 if scales is None else 7))
    frame = {"data": data, "type": "expression"}
    peaks = bs.detect_peaks(data, scales=scales, aggregate=aggregate, fps=fps)
    levels = [None] if scales is None or aggregate else list(bs.scale_durations(scales))
    for name in data.columns:
        ref = _bitbox_peak_frames(data[name].to_numpy(), scales, aggregate, fps)
        mine = peaks[(peaks.signal == name) & (peaks.kind == "peak")]
        for level, ref_frames in zip(levels, ref, strict=True):
            sel = mine if level is None else mine[np.isclose(mine.scale, level)]
            assert sel["frame"].tolist() == ref_frames, (name, level)
    for robust in (True, False):
        ref = bitbox_expressivity(frame, scales=scales, aggregate=aggregate, robust=robust, fps=fps)
        got = bs.expressivity(data, scales=scales, aggregate=aggregate, robust=robust, fps=fps)
        for r, g in zip(ref, got, strict=True):
            assert r["scale"].tolist() == g["scale"].tolist()
            np.testing.assert_allclose(g[STAT_COLUMNS].to_numpy(float), r[STAT_COLUMNS].to_numpy(float),
                                       rtol=0, atol=1e-9)


@pytest.mark.parametrize(("scales", "magnitude", "aggregate"),
                         [(None, True, False), (4, True, False), (4, False, False), (4, True, True)])
def test_diversity_equals_bitbox(scales, magnitude, aggregate):
    data = simulate_signals(6, seconds=60, fps=30, seed=11)
    ref = bitbox_diversity({"data": data, "type": "expression"}, magnitude=magnitude, scales=scales,
                           aggregate=aggregate, fps=30)
    got = bs.diversity(data, magnitude=magnitude, scales=scales, aggregate=aggregate, fps=30)
    assert ref["scale"].tolist() == got["scale"].tolist()
    np.testing.assert_allclose(got[["overall", "frame_wise"]].to_numpy(float),
                               ref[["overall", "frame_wise"]].to_numpy(float), rtol=0, atol=1e-12)


def test_diversity_closed_forms_and_errors():
    t = np.arange(600)
    bump = lambda c: np.exp(-0.5 * ((t - c) / 6) ** 2)  # noqa: E731
    even = np.column_stack([bump(100) + bump(400), bump(250) + bump(500)])
    out = bs.diversity(even, fps=30)
    assert out["overall"].iloc[0] == pytest.approx(1.0)
    assert out["frame_wise"].iloc[0] == pytest.approx(0.0)  # never two signals on one frame
    one_sided = np.column_stack([bump(100) + bump(400), np.zeros(600)])
    assert bs.diversity(one_sided, fps=30)["overall"].iloc[0] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="at least 2 signals"):
        bs.diversity(even[:, 0], fps=30)
    tidy = bs.diversity(even, scales=[0.5, 1.0], fps=30, tidy=True)
    assert list(tidy.columns) == ["level", "scale", "scale_min", "scale_max", "overall", "frame_wise"]


def test_wavelet_transform_matches_pywavelets():
    import pywt

    x = simulate_signals(2, seconds=20, fps=30, seed=9).to_numpy().T
    durations = [0.2, 1.0, 3.0]
    w = bs.wavelet_transform(x, durations, fps=30, smooth=False)
    for i in range(2):
        ref, _ = pywt.cwt(x[i], 30 * np.asarray(durations) / 4, "mexh")
        np.testing.assert_allclose(w[i], ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def test_long_signals_segmented_transform_same_as_one_piece_and_bitbox(monkeypatch):
    # an hour-long recording is convolved segment-wise (overlap-save); the peaks
    # must not depend on that, and must still be Bitbox's
    from bitbox_stats import signals

    fps = 30
    data = simulate_signals(2, seconds=32 * 60, fps=fps, rate=0.5, seed=21)
    longest = max(signals._smoothed_kernel(fps * d / 4)[0].size for d in bs.scale_durations(6))
    assert signals._convolution_plan(len(data), longest)[1]  # this input is segmented
    segmented = {agg: bs.detect_peaks(data, scales=6, aggregate=agg, fps=fps) for agg in (False, True)}
    stats = bs.expressivity(data, scales=6, fps=fps, tidy=True)
    for name in data.columns:
        for agg, table in segmented.items():
            ref = _bitbox_peak_frames(data[name].to_numpy(), 6, agg, fps)
            mine = table[(table.signal == name) & (table.kind == "peak")]
            levels = [None] if agg else list(bs.scale_durations(6))
            for level, ref_frames in zip(levels, ref, strict=True):
                sel = mine if level is None else mine[np.isclose(mine.scale, level)]
                assert sel["frame"].tolist() == ref_frames, (name, agg, level)
    monkeypatch.setattr(signals, "_SEGMENTED_FROM", 10**9)
    assert not signals._convolution_plan(len(data), longest)[1]
    for agg, table in segmented.items():
        pd.testing.assert_frame_equal(bs.detect_peaks(data, scales=6, aggregate=agg, fps=fps), table)
    pd.testing.assert_frame_equal(bs.expressivity(data, scales=6, fps=fps, tidy=True), stats,
                                  check_exact=False, rtol=0, atol=1e-12)


def test_segmented_transform_equals_direct_convolution():
    # the smoothed wavelet coefficients themselves, against PyWavelets' direct
    # convolution followed by SciPy's Gaussian (Bitbox's own steps)
    import pywt
    from scipy import ndimage

    from bitbox_stats import signals

    fps = 30
    x = simulate_signals(2, seconds=32 * 60, fps=fps, seed=4).to_numpy().T
    z = ndimage.gaussian_filter1d(x - x.mean(axis=1, keepdims=True), 1.0, axis=-1)
    durations = bs.scale_durations(6)
    mine = np.stack([c.copy() for _, c, _ in signals._scale_rows(z, durations, fps)], axis=1)
    for i in range(z.shape[0]):
        ref, _ = pywt.cwt(z[i], fps * durations / 4, "mexh")
        ref = ndimage.gaussian_filter1d(ref, 1.0, axis=-1)
        bound = np.abs(z[i]).max() * np.array([signals._smoothed_kernel(fps * d / 4)[2] for d in durations])
        assert np.all(np.abs(mine[i] - ref).max(axis=1) <= 1e-13 * bound)
