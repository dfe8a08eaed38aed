"""Agreement between predicted and true expressiveness scores.

``nrmse`` (root mean squared error over the theoretical score range) and
``pearson_r`` are the paper's two evaluation metrics; ``rmse`` is the
unnormalised error. The private helpers at the end compute each metric from
sums (counts, sums, sums of squares and cross-products), which is what lets
:func:`bitbox_stats.bootstrap.cluster_bootstrap` get every bootstrap replicate
from one matrix product.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._validation import check_positive, is_numeric_dtype

__all__ = ["nrmse", "pearson_r", "rmse"]


def _as_vector(name, values) -> np.ndarray:
    """A 1-D float array from a list, array or Series, with clear errors."""
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise TypeError(f"{name} must be 1-D, got a DataFrame with {values.shape[1]} columns")
        values = values.iloc[:, 0]
    if isinstance(values, str | bytes):
        raise TypeError(f"{name} must be numeric values, got str")
    if isinstance(values, pd.Series):
        dtype = values.dtype
        if not is_numeric_dtype(dtype):
            raise TypeError(f"{name} must be numeric, got dtype {dtype}")
        return values.to_numpy(dtype=float, na_value=np.nan)
    try:
        arr = np.asarray(values)
    except Exception as err:  # ragged input and the like
        raise TypeError(f"{name} could not be read as an array: {err}") from None
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got {arr.ndim} dimensions")
    return arr.astype(float, copy=False)


def _check_pair(y, yhat) -> tuple[np.ndarray, np.ndarray]:
    y = _as_vector("y", y)
    yhat = _as_vector("yhat", yhat)
    if y.shape[0] != yhat.shape[0]:
        raise ValueError(f"y and yhat must have the same length, got {y.shape[0]} and {yhat.shape[0]}")
    if y.shape[0] == 0:
        raise ValueError("y and yhat are empty")
    for name, v in (("y", y), ("yhat", yhat)):
        bad = ~np.isfinite(v)
        if bad.any():
            raise ValueError(
                f"{name} has {int(bad.sum())} missing or infinite value(s) (first at position "
                f"{int(np.argmax(bad))}); drop those rows first"
            )
    return y, yhat


def rmse(y, yhat) -> float:
    """Root mean squared error of predictions.

    Parameters
    ----------
    y, yhat : array_like
        True and predicted scores, 1-D, same length, finite.

    Returns
    -------
    float
        :math:`\\sqrt{\\frac1n \\sum_i (y_i - \\hat y_i)^2}`, in the unit of ``y``.

    Notes
    -----
    Missing or infinite values are an error (nothing is dropped silently).

    References
    ----------
    1. Hyndman, R. J., Koehler, A. B. (2006). Another look at measures of
       forecast accuracy. International Journal of Forecasting, 22(4), 679-688.

    Examples
    --------
    >>> rmse([0.0, 1.0, 2.0], [0.0, 1.0, 5.0])
    1.7320508075688772
    """
    y, yhat = _check_pair(y, yhat)
    return float(np.sqrt(np.mean((y - yhat) ** 2)))


def nrmse(y, yhat, score_range=7.0) -> float:
    """Root mean squared error divided by the theoretical range of the scores.

    Parameters
    ----------
    y, yhat : array_like
        True and predicted scores, 1-D, same length, finite.
    score_range : float, default 7.0
        Width of the theoretical score range. The paper's expressiveness
        scores are factor scores with mean 0 and variance 1, whose theoretical
        range is taken as -3.5 to 3.5, hence 7.

    Returns
    -------
    float
        :math:`\\mathrm{RMSE} / \\text{score\\_range}`, unitless; 0 is a perfect
        prediction.

    Notes
    -----
    :math:`\\mathrm{NRMSE} = \\sqrt{\\frac1n \\sum_i (y_i - \\hat y_i)^2} \\,/\\, R`
    with :math:`R` the ``score_range`` (normalisation by the range, reference 1).
    It is defined for every non-empty input. Missing or infinite values are
    an error.

    References
    ----------
    1. Luo, W. et al. (2016). Guidelines for developing and reporting machine
       learning predictive models in biomedical research: a multidisciplinary
       view. Journal of Medical Internet Research, 18(12), e323.
    2. Lin, V., Girard, J. M., Morency, L.-P. Context-dependent models for
       predicting and characterizing facial expressiveness (section 5).

    Examples
    --------
    >>> nrmse([0.0, 1.0, 2.0], [0.0, 1.0, 5.0])
    0.24743582965269675
    >>> nrmse([0.0, 1.0], [1.0, 2.0], score_range=10)
    0.1
    """
    score_range = check_positive("score_range", score_range)
    return rmse(y, yhat) / score_range


def pearson_r(y, yhat) -> float:
    """Pearson correlation between true and predicted scores.

    Parameters
    ----------
    y, yhat : array_like
        True and predicted scores, 1-D, same length, finite.

    Returns
    -------
    float
        The product-moment correlation in [-1, 1]; NaN, with a
        ``RuntimeWarning`` saying why, when it is undefined: fewer than 2
        pairs, or constant ``y`` or ``yhat`` (zero variance, e.g. a model that
        predicts the mean for every clip).

    Notes
    -----
    :math:`r = \\sum_i (y_i - \\bar y)(\\hat y_i - \\bar{\\hat y}) /
    \\sqrt{\\sum_i (y_i - \\bar y)^2 \\sum_i (\\hat y_i - \\bar{\\hat y})^2}`,
    computed on centred values and clipped to [-1, 1] against rounding.
    Missing or infinite values are an error.

    References
    ----------
    1. Pearson, K. (1895). Notes on regression and inheritance in the case of
       two parents. Proceedings of the Royal Society of London, 58, 240-242.

    Examples
    --------
    >>> round(pearson_r([1, 2, 3, 4], [1.1, 1.9, 3.2, 3.8]), 6)
    0.990847
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = pearson_r([1, 2, 3], [0, 0, 0])
    >>> value
    nan
    >>> print(caught[0].message)
    pearson_r is undefined: yhat is constant (zero variance); returning NaN
    """
    y, yhat = _check_pair(y, yhat)
    if y.shape[0] < 2:
        warnings.warn("pearson_r is undefined for fewer than 2 pairs; returning NaN",
                      RuntimeWarning, stacklevel=2)
        return float("nan")
    for name, v in (("y", y), ("yhat", yhat)):
        if np.all(v == v[0]):
            warnings.warn(f"pearson_r is undefined: {name} is constant (zero variance); returning NaN",
                          RuntimeWarning, stacklevel=2)
            return float("nan")
    dy = y - y.mean()
    dx = yhat - yhat.mean()
    r = np.dot(dy, dx) / np.sqrt(np.dot(dy, dy) * np.dot(dx, dx))
    return float(np.clip(r, -1.0, 1.0))


# --- sufficient statistics for the cluster bootstrap (private) ------------------------------
#
# One (truth, prediction) pair is summarised per cluster by seven sums, in this
# order. The truth and prediction are centred by their overall means first;
# RMSE and r do not change under a shift, and centring keeps the variance
# formulas below free of cancellation.

_SUMS = ("n", "sy", "syy", "sx", "sxx", "sxy", "sse")
_N, _SY, _SYY, _SX, _SXX, _SXY, _SSE = range(7)
#: the sums each metric of :func:`_metric_from_sums` reads
_SUMS_USED = {"rmse": (_N, _SSE), "nrmse": (_N, _SSE), "pearson_r": (_N, _SY, _SYY, _SX, _SXX, _SXY)}


def _pair_sums(y, yhat, codes, n_clusters) -> np.ndarray:
    """Per-cluster sums ``(n_clusters, 7)`` of one pair; ``codes`` are 0-based cluster ids."""
    dy = y - y.mean()
    dx = yhat - yhat.mean()
    resid = y - yhat
    columns = (None, dy, dy * dy, dx, dx * dx, dx * dy, resid * resid)
    out = np.empty((n_clusters, len(_SUMS)))
    for j, w in enumerate(columns):
        out[:, j] = np.bincount(codes, weights=w, minlength=n_clusters)
    return out


def _metric_from_sums(name, sums, score_range=7.0) -> np.ndarray:
    """A sum-based metric from ``sums[..., 7]`` (any leading shape); NaN where undefined."""
    n = sums[..., _N]
    if name in ("rmse", "nrmse"):
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.sqrt(np.maximum(sums[..., _SSE], 0.0) / n)
        return value / score_range if name == "nrmse" else value
    if name == "pearson_r":
        with np.errstate(invalid="ignore", divide="ignore"):
            vy = sums[..., _SYY] - sums[..., _SY] ** 2 / n
            vx = sums[..., _SXX] - sums[..., _SX] ** 2 / n
            cov = sums[..., _SXY] - sums[..., _SX] * sums[..., _SY] / n
            # a constant side leaves only rounding residue of its sum of squares
            flat = (vy <= 1e-12 * sums[..., _SYY]) | (vx <= 1e-12 * sums[..., _SXX]) | (n < 2)
            r = cov / np.sqrt(vx * vy)
        return np.where(flat, np.nan, np.clip(r, -1.0, 1.0))
    raise ValueError(f"metric {name!r} is not a sum-based metric")  # pragma: no cover - internal
