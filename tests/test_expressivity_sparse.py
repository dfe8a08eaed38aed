"""Expressivity on sparse, rounded signals (real AU intensities) against Bitbox, live.

OpenFace writes AU intensities that are exactly 0 on most frames, with short
bumps, rounded to 2-3 decimals. There Bitbox's wavelet coefficients are
exactly 0 over long stretches, its robust scales are at rounding level, and
its exact comparisons are decided by the rounding of its direct convolution.
These tests compare every mode with the installed Bitbox, and check the parts
that make the FFT transform decide those comparisons as Bitbox does.
"""

import io
import itertools

import numpy as np
import pandas as pd
import pytest
import pywt

# The released Bitbox (test-only dependency, installed by the Makefile). A
# missing package must fail these tests, not skip them.
from bitbox.expressions import diversity as bitbox_diversity
from bitbox.expressions import expressivity as bitbox_expressivity
from bitbox.signal_processing import peak_detection as bitbox_peak_detection
from bitbox.signal_processing.wavelets import _aggregate_peaks as bitbox_aggregate_peaks
from scipy import ndimage

import bitbox_stats as bs
from bitbox_stats import signals
from bitbox_stats.simulate import simulate_signals

STAT_COLUMNS = ["frequency", "density", "mean", "std", "min", "max"]
FIXTURES = "/work/shared/fixtures"


def openface_like(n_signals, seconds, fps, decimals, seed):
    """OpenFace-like AU intensities: exact zeros on most frames, bumps of 3-40
    frames with heights 0.05-3 (OpenFace's scale is 0-5) and a little noise,
    clipped at 0 and rounded to ``decimals``. Signal 0 is never active, signal
    1 has one bump; the others have 2-20 bumps a minute."""
    rng = np.random.default_rng(seed)
    T = int(round(seconds * fps))
    x = np.zeros((T, n_signals))
    for j in range(1, n_signals):
        n_bumps = 1 if j == 1 else 1 + rng.poisson(rng.uniform(2, 20) * seconds / 60)
        for _ in range(n_bumps):
            length = int(rng.integers(3, 41))
            start = int(rng.integers(0, T - length))
            height = rng.uniform(0.05, 3.0)
            shape = np.sin(np.linspace(0, np.pi, length + 2)[1:-1]) ** rng.uniform(0.5, 2.0)
            bump = height * shape + rng.normal(0, 0.05 * height, length)
            x[start : start + length, j] = np.maximum(x[start : start + length, j], bump)
    x = np.round(np.clip(x, 0, 5), decimals)
    return pd.DataFrame(x, columns=[f"AU{j:02d}_r" for j in range(n_signals)])


def bitbox_frames(x, scales, aggregate, fps):
    """Bitbox's peak and valley frames per output row."""
    _, peaks = bitbox_peak_detection(x, scales=scales, aggregate=aggregate, fps=fps, smooth=True,
                                     noise_removal=False)
    rows = np.atleast_2d(peaks)
    return [(np.flatnonzero(r == 1).tolist(), np.flatnonzero(r == -1).tolist()) for r in rows]


def assert_same_as_bitbox(data, fps, modes, robusts=(True, False)):
    """Statistics (every robust setting) and peak/valley frames equal to Bitbox's."""
    frame = {"data": data, "type": "expression"}
    for scales, aggregate in modes:
        for robust in robusts:
            ref = bitbox_expressivity(frame, scales=scales, aggregate=aggregate, robust=robust, fps=fps)
            got = bs.expressivity(data, scales=scales, aggregate=aggregate, robust=robust, fps=fps)
            for name, r, g in zip(data.columns, ref, got, strict=True):
                assert r["scale"].tolist() == g["scale"].tolist()
                np.testing.assert_allclose(g[STAT_COLUMNS].to_numpy(float), r[STAT_COLUMNS].to_numpy(float),
                                           rtol=0, atol=1e-12, err_msg=f"{name} scales={scales} "
                                           f"aggregate={aggregate} robust={robust}")
        table = bs.detect_peaks(data, scales=scales, aggregate=aggregate, fps=fps)
        levels = [None] if scales is None or aggregate else list(bs.scale_durations(scales))
        for name in data.columns:
            ref = bitbox_frames(data[name].to_numpy(), scales, aggregate, fps)
            mine = table[table.signal == name]
            for level, (ref_peaks, ref_valleys) in zip(levels, ref, strict=True):
                sel = mine if level is None else mine[np.isclose(mine.scale, level)]
                assert sel.loc[sel.kind == "peak", "frame"].tolist() == ref_peaks, (name, scales, level)
                if not aggregate:  # aggregation keeps valleys only to suppress peaks
                    assert sel.loc[sel.kind == "valley", "frame"].tolist() == ref_valleys, (name, scales, level)


MODES = [(None, False), (6, False), ([0.2, 0.5, 1.0, 2.5], False),
         (6, True), ([0.2, 0.5, 1.0, 2.5], True), ([0.1, 0.3], True), (3, True)]


@pytest.mark.parametrize(("fps", "decimals"), [(25, 2), (30, 2), (30, 3), (60, 2), (60, 3)])
def test_sparse_au_intensities_same_as_bitbox_in_every_mode(fps, decimals):
    data = openface_like(7, 120, fps, decimals, seed=fps * 10 + decimals)
    assert (data == 0).to_numpy().mean() > 0.8
    signals.EXACT_PATH.reset()
    assert_same_as_bitbox(data, fps, MODES)
    counts = signals.EXACT_PATH.snapshot()
    # the exact path ran for these signals, and only for some of their coefficients
    assert counts["exact_signals"] > 0 and counts["settled_values"] > 0
    assert counts["settled_values"] < 0.2 * counts["signal_scales"] * len(data)


def test_ten_minutes_at_30_fps_same_as_bitbox():
    data = openface_like(6, 600, 30, 2, seed=7)
    assert_same_as_bitbox(data, 30, [(6, False), (6, True)], robusts=(True,))


def test_short_recordings_with_kernels_longer_than_the_signal():
    # 2 s: the 1.5 s kernel (181 taps) is longer than the signal, where
    # np.convolve swaps its operands; at 20 fps the 0.1 s kernel has 9 taps
    # (NumPy's small_correlate)
    for fps in (20, 30):
        data = openface_like(5, 2.0, fps, 2, seed=fps)
        assert_same_as_bitbox(data, fps, [([0.1, 0.5, 1.5], False), ([0.1, 0.5, 1.5], True)])


def test_openface_fixture_au_columns_same_as_bitbox():
    raw = pd.read_csv(f"{FIXTURES}/openface/OpenFace_Test.csv", skipinitialspace=True)
    data = raw[[c for c in raw.columns if c.endswith("_r")]].astype(float)
    assert data.shape == (100, 17)
    assert_same_as_bitbox(data, 20, [(None, False), (6, False), (6, True), (3, True)])
    assert_same_as_bitbox(data, 30, [([0.1, 0.5, 1.0, 3.0], False), ([0.1, 0.5, 1.0, 3.0], True)])
    assert_same_as_bitbox(data, 60, [([0.1, 0.4, 1.5], False), ([0.1, 0.4, 1.5], True)])


@pytest.mark.parametrize("version", ["v5", "v6"])
def test_imotions_fixture_evidence_and_intensity_same_as_bitbox(version):
    # FACET's per-frame AU and emotion evidence (log-odds) and intensities (all
    # 0 in these files), on the frames with a face
    text = open(f"{FIXTURES}/pyfeat/iMotions_Test_{version}.txt", encoding="utf-8").read()
    table = pd.read_csv(io.StringIO(text[text.index("StudyName"):]), sep="\t")
    cols = [c for c in table.columns if c.endswith((" Evidence", " Intensity"))]
    data = table[cols].apply(pd.to_numeric, errors="coerce").dropna().reset_index(drop=True)
    assert len(data) > 300 and len(cols) > 30
    assert_same_as_bitbox(data, 30, [(None, False), (6, False), (6, True)], robusts=(True,))


@pytest.mark.parametrize(("scales", "aggregate"), [(None, False), (6, False), (6, True)])
def test_diversity_of_sparse_au_intensities_same_as_bitbox(scales, aggregate):
    data = openface_like(8, 90, 30, 2, seed=77)
    for magnitude in (True, False):
        ref = bitbox_diversity({"data": data, "type": "expression"}, magnitude=magnitude, scales=scales,
                               aggregate=aggregate, fps=30)
        got = bs.diversity(data, magnitude=magnitude, scales=scales, aggregate=aggregate, fps=30)
        np.testing.assert_allclose(got[["overall", "frame_wise"]].to_numpy(float),
                                   ref[["overall", "frame_wise"]].to_numpy(float), rtol=0, atol=1e-12)


def test_without_the_exact_path_sparse_signals_differ_from_bitbox(monkeypatch):
    # the FFT values taken as they are: the aggregate disagrees with Bitbox
    data = openface_like(8, 150, 30, 2, seed=302)
    frame = {"data": data, "type": "expression"}
    ref = bitbox_expressivity(frame, scales=6, aggregate=True, fps=30)
    same = lambda: all(np.allclose(r[STAT_COLUMNS].to_numpy(float), g[STAT_COLUMNS].to_numpy(float),  # noqa: E731
                                   rtol=0, atol=1e-12)
                       for r, g in zip(ref, bs.expressivity(data, scales=6, aggregate=True, fps=30), strict=True))
    assert same()
    monkeypatch.setattr(signals, "_error_bound", lambda a, zmax, znorm, nfft: np.zeros_like(zmax))
    assert not same()


# ---------------------------------------------------------------- Bitbox's arithmetic


def bitbox_coefficients(z, durations, fps):
    """Bitbox's smoothed wavelet coefficients of one centred, smoothed signal."""
    w, _ = pywt.cwt(z, fps * np.asarray(durations) / 4.0, "mexh")
    return np.array([ndimage.gaussian_filter(row, sigma=1) for row in w])


def smoothed(x):
    return ndimage.gaussian_filter1d(x - x.mean(axis=-1, keepdims=True), 1.0, axis=-1)


@pytest.mark.parametrize(("fps", "durations", "seconds"),
                         [(20, [0.1, 0.5, 2.0], 60), (30, [0.1, 0.88, 4.0], 60), (60, [0.1, 1.0], 20),
                          (30, [0.1, 1.5], 2.0)])
def test_direct_values_are_bitbox_coefficients_bit_for_bit(fps, durations, seconds):
    data = openface_like(4, seconds, fps, 2, seed=11).to_numpy().T.copy()
    data[0] = simulate_signals(1, seconds=seconds, fps=fps, seed=3).to_numpy()[:, 0]  # one dense signal
    z = smoothed(data)
    T = z.shape[1]
    rng = np.random.default_rng(0)
    frames = np.unique(np.concatenate([np.arange(6), T - 6 + np.arange(6), rng.integers(0, T, 200)]))
    for s, d in enumerate(durations):
        direct = signals._direct_kernel(fps * d / 4)
        rows = np.repeat(np.arange(z.shape[0]), frames.size)
        got = signals._direct_values(z, direct, rows, np.tile(frames, z.shape[0])).reshape(z.shape[0], -1)
        for i in range(z.shape[0]):
            ref = bitbox_coefficients(z[i], durations, fps)[s]
            assert np.array_equal(signals._direct_row(z[i], direct), ref)
            assert np.array_equal(got[i], ref[frames]), (d, i)


@pytest.mark.parametrize("fps", [25, 30, 60])
def test_structural_zeros_are_exact_zeros_and_fft_stays_within_its_bound(fps):
    data = openface_like(5, 120, fps, 3, seed=fps).to_numpy().T.copy()
    data[0] = simulate_signals(1, seconds=120, fps=fps, seed=5).to_numpy()[:, 0]
    z = smoothed(data)
    runs = signals._constant_runs(z)
    durations = bs.scale_durations(6)
    worst = 0.0
    for s, coefs, bound in signals._scale_rows(z, durations, fps):
        direct = signals._direct_kernel(fps * durations[s] / 4)
        zero = signals._structural_zeros(runs, direct)
        for i in range(z.shape[0]):
            ref = bitbox_coefficients(z[i], durations, fps)[s]
            assert np.all(ref[zero[i]] == 0)
            worst = max(worst, np.max(np.abs(coefs[i] - ref)) / bound[i, 0])
        assert zero[1:].mean() > 0.05 if s == 0 else True  # sparse signals have them
    assert 0 < worst < 1e-3  # the bound holds with a margin of 1000 at least


def test_segmented_long_sparse_signal_within_bound_and_same_peaks_as_bitbox():
    fps = 30
    data = openface_like(2, 30 * 60, fps, 2, seed=9)
    longest = max(signals._smoothed_kernel(fps * d / 4)[0].size for d in bs.scale_durations(6))
    assert signals._convolution_plan(len(data), longest)[1]  # overlap-save
    z = smoothed(data.to_numpy().T)
    durations = bs.scale_durations(6)
    ref = [bitbox_coefficients(z[i], durations, fps) for i in range(z.shape[0])]
    for s, coefs, bound in signals._scale_rows(z, durations, fps):
        for i in range(z.shape[0]):
            assert np.max(np.abs(coefs[i] - ref[i][s])) <= 1e-3 * bound[i, 0]
    assert_same_as_bitbox(data, fps, [(6, False), (6, True)], robusts=(True,))


@pytest.mark.parametrize("negatives", [False, True])
def test_dense_screening_decides_every_peak_as_on_the_exact_coefficients(monkeypatch, negatives):
    # exact coefficients with many ties, near-ties, plateaus and zeros,
    # seen through errors of up to the bound: the one-pass screening must give
    # the peaks of the exact values, recomputing what it cannot decide
    rng = np.random.default_rng(3)
    n, T = 12, 400
    steps = rng.integers(-2, 3, size=(n, T)) * rng.choice([1.0, 0.05], size=(n, T))  # ties and near-ties
    exact = np.cumsum(steps, axis=1)
    exact[3] = 0.0  # a signal of zeros: bound 0, nothing to decide
    exact[5, 100:200] = 0.0  # a zero stretch inside a moving signal
    bound = np.full((n, 1), 0.1)
    bound[3] = 0.0
    coefs = exact + rng.uniform(-1, 1, size=(n, T)) * bound
    recomputed = []

    def direct_values(z, d, rows, frames):
        recomputed.append(rows.size)
        return exact[rows, frames]

    monkeypatch.setattr(signals, "_direct_values", direct_values)
    tally = dict.fromkeys(signals._ExactPathTally._FIELDS, 0)
    tally["_rows"] = []
    pos, neg, settled = signals._settle_dense(None, coefs, bound, None, tally, negatives=negatives)
    want_pos, want_neg = signals._strict_peaks(exact, negatives=negatives)
    assert np.array_equal(pos, np.flatnonzero(want_pos))
    assert (neg is None) if not negatives else np.array_equal(neg, np.flatnonzero(want_neg))
    # what was recomputed is exact, and it is what the generic screening recomputes
    rows, frames = np.divmod(settled.flat, T)
    assert np.array_equal(coefs[rows, frames], exact[rows, frames])
    assert 0 < sum(recomputed) < n * T
    assert settled.at(*np.nonzero((exact == 0) & (bound > 0))).all()  # every exact zero of a moving signal


def test_exact_median_and_mad_are_numpys_on_bitbox_coefficients():
    fps = 30
    data = openface_like(6, 120, fps, 2, seed=4).to_numpy().T.copy()
    data[1] = simulate_signals(1, seconds=120, fps=fps, seed=8).to_numpy()[:, 0]  # one dense signal
    z = smoothed(data)
    durations = bs.scale_durations(6)
    runs = signals._constant_runs(z)
    for s, coefs, bound in signals._scale_rows(z, durations, fps):
        direct = signals._direct_kernel(fps * durations[s] / 4)
        tally = dict.fromkeys(signals._ExactPathTally._FIELDS, 0)
        tally["_rows"] = []
        _, _, settled = signals._settle(z, runs, coefs, bound, direct, tally, negatives=True)
        exact = settled.rows(np.arange(z.shape[0]))
        med, mad = signals._robust_scale_exact(z, direct, coefs.copy(), exact, bound, tally)
        # the fast version: exact, or within its stated bounds
        fmed, fmad, e_med, e_mad, _ = signals._robust_scale(z, direct, coefs.copy(), settled, bound, tally)
        for i in range(z.shape[0]):
            w = bitbox_coefficients(z[i], durations, fps)[s]
            m = np.median(w)
            md = np.median(np.abs(w - m))
            md = 1e-12 if md == 0 else md
            assert med[i] == m and mad[i] == md, (s, i)
            assert abs(fmed[i] - m) <= e_med[i] and abs(fmad[i] - md) <= e_mad[i], (s, i)


def test_ties_are_ranked_by_bitboxs_own_sort():
    # integer coefficients: many exactly equal scores, ranked by NumPy's
    # (unstable) default argsort in Bitbox; compare with its own function
    rng = np.random.default_rng(0)
    for trial in range(150):
        n_scales, T = int(rng.integers(2, 6)), int(rng.integers(30, 300))
        w = rng.integers(-4, 5, size=(n_scales, T)).astype(float)
        if trial % 2:
            w[:, rng.random(T) < 0.5] = 0.0
        pos, neg = signals._strict_peaks(w, negatives=True)
        peaks = np.zeros((n_scales, T))
        peaks[pos], peaks[neg] = 1, -1
        fps, smallest = int(rng.choice([25, 30, 60])), float(rng.choice([0.1, 0.2, 0.3]))
        ref = bitbox_aggregate_peaks(peaks, w, fps=fps, t_suppress=smallest - 0.01, scale_win=3)
        med = np.median(w, axis=1)
        mad = np.median(np.abs(w - med[:, None]), axis=1)
        mad[mad == 0] = 1e-12
        parts = []
        for s, (kind, mask) in itertools.product(range(n_scales), enumerate((pos, neg))):
            k = np.flatnonzero(mask[s])
            parts.append((np.zeros(k.size, dtype=np.int64), np.full(k.size, s), k, (w[s, k] - med[s]) / mad[s],
                          np.full(k.size, kind == 1)))
        cands = signals._Candidates.exact_scores(*(np.concatenate(x) for x in zip(*parts, strict=True)), n_scales)
        half_window = max(1, int(round((smallest - 0.01) * fps)))
        tally = {"tie_signals": 0}
        sig, t, sign = signals._merge_scales(cands, n_scales, T, half_window, lambda which: None, tally)
        got = np.zeros(T, dtype=int)
        got[t] = sign
        assert np.array_equal(got, ref), trial


def test_exact_path_tally_counts_and_resets():
    signals.EXACT_PATH.reset()
    assert set(signals.EXACT_PATH.snapshot().values()) == {0}
    bs.expressivity(openface_like(3, 60, 30, 2, seed=1), scales=[0.2, 1.0], aggregate=True, fps=30)
    counts = signals.EXACT_PATH.snapshot()
    assert counts["signals"] == 3 and counts["signal_scales"] == 6
    assert 0 < counts["exact_signals"] <= 2  # the never-active signal needs nothing
    assert counts["zero_frames"] > 0
    signals.EXACT_PATH.reset()
    assert signals.EXACT_PATH.snapshot()["settled_values"] == 0
