"""Tests for bitbox_stats.metrics: nrmse, pearson_r, rmse and the sum-based helpers."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bitbox_stats.metrics import _metric_from_sums, _pair_sums, nrmse, pearson_r, rmse


@pytest.fixture
def pair():
    rng = np.random.default_rng(42)
    y = rng.normal(size=200)
    return y, 0.7 * y + rng.normal(0, 0.5, 200)


def test_rmse_and_nrmse_closed_form():
    y = [0.0, 1.0, 2.0, 3.0]
    yhat = [1.0, 1.0, 2.0, 1.0]
    # errors 1, 0, 0, 2 -> mse 5/4
    assert rmse(y, yhat) == pytest.approx(np.sqrt(1.25), rel=1e-15)
    assert nrmse(y, yhat) == pytest.approx(np.sqrt(1.25) / 7, rel=1e-15)
    assert nrmse(y, yhat, score_range=2.5) == pytest.approx(np.sqrt(1.25) / 2.5, rel=1e-15)
    assert nrmse(y, y) == 0.0


def test_pearson_r_matches_scipy(pair):
    y, yhat = pair
    assert pearson_r(y, yhat) == pytest.approx(stats.pearsonr(y, yhat).statistic, abs=1e-14)
    # shift and scale invariance, sign under negation
    assert pearson_r(y + 1e6, 3 * yhat - 5) == pytest.approx(pearson_r(y, yhat), abs=1e-9)
    assert pearson_r(y, -yhat) == pytest.approx(-pearson_r(y, yhat), abs=1e-15)
    assert pearson_r([1, 2, 3], [2, 4, 6]) == 1.0


def test_accepts_series_lists_and_ints():
    s = pd.Series([1, 2, 3, 4])
    assert rmse(s, [1, 2, 3, 5]) == pytest.approx(0.5)
    assert np.isfinite(pearson_r(s, np.array([1.0, 3, 2, 4])))


@pytest.mark.parametrize(
    ("y", "yhat", "why"),
    [([1.0, 2.0, 3.0], [2.0, 2.0, 2.0], "yhat is constant"),
     ([5.0, 5.0, 5.0], [1.0, 2.0, 3.0], "y is constant"),
     ([1.0], [2.0], "fewer than 2 pairs")],
)
def test_pearson_r_undefined_warns_and_returns_nan(y, yhat, why):
    with pytest.warns(RuntimeWarning, match=why):
        assert np.isnan(pearson_r(y, yhat))


def test_nrmse_defined_for_constant_predictions():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nrmse([1.0, 2.0, 3.0], [2.0, 2.0, 2.0]) == pytest.approx(np.sqrt(2 / 3) / 7)


@pytest.mark.parametrize("func", [nrmse, pearson_r, rmse])
def test_bad_inputs(func):
    with pytest.raises(ValueError, match="same length"):
        func([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="empty"):
        func([], [])
    with pytest.raises(ValueError, match="yhat has 1 missing"):
        func([1.0, 2.0, 3.0], [1.0, np.nan, 3.0])
    with pytest.raises(TypeError, match="y must be numeric"):
        func(["a", "b"], [1.0, 2.0])
    with pytest.raises(TypeError, match="y must be numeric"):
        func(pd.Series(["a", "b"]), [1.0, 2.0])
    with pytest.raises(TypeError, match="numeric"):
        func([True, False], [1.0, 2.0])
    with pytest.raises(ValueError, match="1-D"):
        func(np.ones((2, 2)), np.ones((2, 2)))


def test_nrmse_bad_range():
    with pytest.raises(ValueError, match="score_range must be > 0, got 0"):
        nrmse([1.0], [1.0], score_range=0)
    with pytest.raises(TypeError, match="score_range"):
        nrmse([1.0], [1.0], score_range="7")


def test_sums_reproduce_metrics_per_cluster_and_pooled(pair):
    y, yhat = pair
    codes = np.repeat(np.arange(20), 10)
    sums = _pair_sums(y, yhat, codes, 20)
    total = sums.sum(axis=0)
    assert _metric_from_sums("rmse", total) == pytest.approx(rmse(y, yhat), rel=1e-13)
    assert _metric_from_sums("nrmse", total, 7.0) == pytest.approx(nrmse(y, yhat), rel=1e-13)
    assert _metric_from_sums("pearson_r", total) == pytest.approx(pearson_r(y, yhat), abs=1e-13)
    # any weighting of clusters = pooling the repeated rows
    w = np.random.default_rng(1).integers(0, 3, 20)
    w[0] = 2
    rows = np.repeat(np.arange(200), w[codes])
    pooled = w @ sums
    assert _metric_from_sums("pearson_r", pooled) == pytest.approx(pearson_r(y[rows], yhat[rows]), abs=1e-12)
    assert _metric_from_sums("rmse", pooled) == pytest.approx(rmse(y[rows], yhat[rows]), rel=1e-12)


def test_sums_flag_constant_predictions_as_undefined():
    y = np.arange(10.0)
    sums = _pair_sums(y, np.full(10, 0.3), np.zeros(10, dtype=np.intp), 1).sum(axis=0)
    assert np.isnan(_metric_from_sums("pearson_r", sums))
