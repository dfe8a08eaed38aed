"""Surrogate tests of coordination: each surrogate rebuilt by hand, p-values, seeds, and the
same numbers serially, on processes and on a Dask cluster."""

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import bitbox_stats as bs


def smooth_noise(T, n, seed, k=9):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(T + k, n))
    c = np.cumsum(z, axis=0)
    return (c[k:] - c[:-k]) / k


def follower(x, shift, noise, seed):
    return np.roll(x, shift, axis=0) + noise * np.random.default_rng(seed).normal(size=x.shape)


def abs_mean(x, y, **kw):
    """The test statistic from the public per-window output."""
    corrs, _ = bs.coordination(x, y, stats=False, **kw)
    used = np.isfinite(corrs) & (corrs != 0)
    return np.where(used, np.abs(corrs), 0).sum(axis=0) / used.sum(axis=0)


KW = {"width": 1.0, "lag": 0.2, "fps": 30}


# ---------------------------------------------------------------- surrogates rebuilt by hand


def test_shift_surrogates_are_circular_shifts_of_y():
    x = smooth_noise(600, 2, 1)
    y = follower(x[:, :1], 4, 0.1, 2)
    res = bs.coordination_test(x, y, method="shift", n_surrogates=5, seed=3, progress=False, **KW)
    assert res.surrogates.shape == (5,)
    m = 30 + 2 * 6  # default minimum shift: a window with its lags, in frames
    assert ((res.surrogates >= m) & (res.surrogates <= 600 - m)).all()
    np.testing.assert_allclose(res.table["observed"], abs_mean(x, y, **KW).ravel(), rtol=0, atol=1e-14)
    for k, shift in enumerate(res.surrogates):
        want = abs_mean(x, np.roll(y, shift, axis=0), **KW)
        np.testing.assert_allclose(res.null[k], want, rtol=0, atol=1e-14)
    np.testing.assert_allclose(res.null_overall, res.null.reshape(5, -1).mean(axis=1))


def test_segment_surrogates_are_reordered_segments_of_y():
    x = smooth_noise(610, 1, 4)
    y = follower(x, 4, 0.1, 5)
    res = bs.coordination_test(x, y, method="segments", segment=2.0, n_surrogates=4, seed=6, progress=False,
                               measure="imitation", **KW)
    seg = 60
    pieces = [y[i : i + seg] for i in range(0, 610, seg)]  # 11 segments, the last of 10 frames
    assert res.surrogates.shape == (4, 11)
    for k, order in enumerate(res.surrogates):
        assert sorted(order) == list(range(11)) and list(order) != list(range(11))
        surrogate = np.concatenate([pieces[j] for j in order])
        corrs, _ = bs.imitation(x, surrogate, stats=False, **KW)
        used = np.isfinite(corrs) & (corrs != 0)
        assert res.null[k, 0, 0] == pytest.approx(np.abs(corrs[used]).mean(), abs=1e-14)


def test_pseudo_dyads_pair_each_x_with_the_other_dyads_y():
    xs = [smooth_noise(400 + 20 * d, 2, 10 + d) for d in range(4)]
    dyads = {f"d{d}": (x, follower(x, 5, 0.2, 20 + d)) for d, x in enumerate(xs)}
    res = bs.pseudo_dyad_test(dyads, progress=False, **KW)
    assert len(res.pseudo_dyads) == 12
    assert res.pseudo_dyads[["dyad", "partner"]].iloc[0].tolist() == ["d0", "d1"]
    a, b = dyads["d2"], dyads["d0"]
    T = min(len(a[0]), len(b[1]))
    want = abs_mean(a[0][:T], b[1][:T], **KW)
    row = res.pseudo_dyads.index[(res.pseudo_dyads.dyad == "d2") & (res.pseudo_dyads.partner == "d0")][0]
    np.testing.assert_allclose(res.null[row], want, rtol=0, atol=1e-14)
    obs = res.table[res.table.dyad == "d1"]["observed"].to_numpy()
    np.testing.assert_allclose(obs, abs_mean(*dyads["d1"], **KW).ravel(), rtol=0, atol=1e-14)
    # every real dyad beats its three pseudo-dyads: the smallest p-value, 1 / 4
    assert (res.overall["p_value"] == 0.25).all() and (res.overall["n_null"] == 3).all()
    s = res.summary()
    assert s["dyad"].tolist()[-1] == "all" and s["n_null"].iloc[-1] == 12
    sub = bs.pseudo_dyad_test(dyads, n_pseudo=2, seed=1, progress=False, **KW)
    assert len(sub.pseudo_dyads) == 8 and (sub.overall["n_null"] == 2).all()


# ---------------------------------------------------------------- p-values and percentiles


def test_p_value_is_never_zero_and_counts_ties_and_exceedances():
    x = smooth_noise(900, 1, 30)
    real = bs.coordination_test(x, follower(x, 3, 0.05, 31), method="shift", n_surrogates=49, seed=1,
                                progress=False, **KW)
    row = real.table.iloc[0]
    assert row["p_value"] == pytest.approx(1 / 50) and row["percentile"] == 100.0
    assert row["effect_size"] > 3
    null = real.null[:, 0, 0]
    assert row["null_mean"] == pytest.approx(null.mean()) and row["null_sd"] == pytest.approx(null.std(ddof=1))
    unrelated = bs.coordination_test(x, smooth_noise(900, 1, 32), method="shift", n_surrogates=49, seed=1,
                                     progress=False, **KW)
    r = unrelated.table.iloc[0]
    k = int((unrelated.null[:, 0, 0] >= r["observed"]).sum())
    assert r["p_value"] == pytest.approx((1 + k) / 50) and 0.02 < r["p_value"]
    below = (unrelated.null[:, 0, 0] < r["observed"]).sum()
    assert r["percentile"] == pytest.approx(100 * below / 49)
    assert "p = " in repr(unrelated) and unrelated.summary().shape == (1, 9)


def test_same_seed_same_surrogates_and_generators_work():
    x = smooth_noise(500, 1, 40)
    y = follower(x, 2, 0.3, 41)
    a = bs.coordination_test(x, y, n_surrogates=6, seed=7, progress=False, **KW)
    b = bs.coordination_test(x, y, n_surrogates=6, seed=np.random.default_rng(7), progress=False, **KW)
    c = bs.coordination_test(x, y, n_surrogates=6, seed=8, progress=False, **KW)
    np.testing.assert_array_equal(a.surrogates, b.surrogates)
    np.testing.assert_array_equal(a.null, b.null)
    assert not np.array_equal(a.surrogates, c.surrogates)


# ---------------------------------------------------------------- serial, processes, Dask


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
            Client(lc) as c:
        yield c


def test_processes_and_dask_give_the_same_numbers(client):
    x = smooth_noise(400, 2, 50)
    y = follower(x, 3, 0.2, 51)
    kw = dict(n_surrogates=8, seed=9, progress=False, **KW)
    serial = bs.coordination_test(x, y, **kw)
    procs = bs.coordination_test(x, y, n_jobs=2, **kw)
    dask = bs.coordination_test(x, y, client=client, **kw)
    for other in (procs, dask):
        np.testing.assert_array_equal(serial.null, other.null)
        pd.testing.assert_frame_equal(serial.table, other.table)
    dyads = [(smooth_noise(300, 1, s), smooth_noise(300, 1, s + 100)) for s in range(3)]
    p1 = bs.pseudo_dyad_test(dyads, progress=False, **KW)
    p2 = bs.pseudo_dyad_test(dyads, client=client, progress=False, **KW)
    pd.testing.assert_frame_equal(p1.table, p2.table)


# ---------------------------------------------------------------- bad input


def test_bad_input_is_named():
    x = smooth_noise(300, 1, 60)
    with pytest.raises(ValueError, match="method must be one of 'segments', 'shift'"):
        bs.coordination_test(x, x, method="phase")
    with pytest.raises(ValueError, match="segment must hold a window with its lags"):
        bs.coordination_test(x, x, segment=0.5, **KW)
    with pytest.raises(ValueError, match="at least 2 segments"):
        bs.coordination_test(x, x, segment=10.0, **KW)
    with pytest.raises(ValueError, match="too short for circular shifts"):
        bs.coordination_test(x, x, method="shift", min_shift=6.0, **KW)
    with pytest.raises(ValueError, match="n_surrogates must be >= 1"):
        bs.coordination_test(x, x, n_surrogates=0)
    with pytest.raises(ValueError, match="either client .* or n_jobs"):
        bs.coordination_test(x, x, n_jobs=2, client="tcp://nowhere:1")
    with pytest.raises(ValueError, match="measure must be one of"):
        bs.coordination_test(x, x, measure="synchrony")
    with pytest.raises(ValueError, match="at least 2 dyads"):
        bs.pseudo_dyad_test([(x, x)])
    with pytest.raises(ValueError, match="n_pseudo must be at most 1"):
        bs.pseudo_dyad_test([(x, x), (x, x)], n_pseudo=2)
    with pytest.raises(ValueError, match="every dyad needs the same signals"):
        bs.pseudo_dyad_test([(x, x), (smooth_noise(300, 2, 1), x)])
    with pytest.raises(TypeError, match="must be a pair"):
        bs.pseudo_dyad_test([(x, x), x])
