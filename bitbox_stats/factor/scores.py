"""Factor scores (Bartlett and regression) computed from CFA estimates.

For an observation x (the indicators) with the means mu used by the fit
(the sample means; a CFA without a mean structure reproduces them exactly):

* Bartlett:   f = (L' T^-1 L)^-1 L' T^-1 (x - mu)
* regression: f = P L' S^-1 (x - mu),   S = L P L' + T

with L the loadings (indicators x factors), P the factor covariance matrix
and T the residual covariance matrix.  These are the formulas of lavaan's
``lavPredict(fit, method = "Bartlett")`` and ``method = "regression"``.
Bartlett scores are unbiased for the factor (E[f | factor] = factor), the
property the expressiveness labels rely on [1]_; regression scores are
shrunk towards 0 but have the least mean squared error.

References
----------
.. [1] DiStefano, C., Zhu, M., & Mindrila, D. (2009). Understanding and using
   factor scores: Considerations for the applied researcher. Practical
   Assessment, Research & Evaluation, 14(20), 1-11.
.. [2] Bartlett, M. S. (1937). The statistical conception of mental factors.
   British Journal of Psychology, 28(1), 97-104.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._validation import check_choice

__all__ = ["factor_scores", "score_weights"]

METHODS = ["bartlett", "regression"]


def score_weights(lam: np.ndarray, psi: np.ndarray, theta: np.ndarray, method: str,
                  names=None) -> np.ndarray:
    """Return the factors x indicators matrix W with scores f = W (x - mu).

    Parameters
    ----------
    lam : ndarray, shape (p, m)
        Loadings.
    psi : ndarray, shape (m, m)
        Factor covariance matrix.
    theta : ndarray, shape (p, p)
        Residual covariance matrix.
    method : {"bartlett", "regression"}
        Which scores.
    names : list of str, optional
        Indicator names, for error messages.

    Returns
    -------
    ndarray, shape (m, p)

    Raises
    ------
    ValueError
        If a matrix the method must invert is singular (for Bartlett scores:
        a residual variance of 0, as in a Heywood case held at the boundary).

    Examples
    --------
    >>> lam = np.array([[1.0], [1.0]]); theta = np.diag([1.0, 3.0])
    >>> score_weights(lam, np.eye(1), theta, "bartlett").round(3)
    array([[0.75, 0.25]])
    """
    check_choice("method", method, METHODS)
    if method == "bartlett":
        implied = np.diag(lam @ psi @ lam.T + theta)
        at_zero = (np.diag(theta) <= 1e-10 * np.abs(implied)) & (np.diag(theta) >= 0)
        if at_zero.any():
            i = int(np.argmax(at_zero))
            label = repr(names[i]) if names is not None else f"number {i}"
            raise ValueError(
                f"Bartlett scores need positive residual variances, but indicator {label} has a "
                "residual variance of (nearly) 0 (a Heywood case held at the boundary); use "
                "method='regression' or fix the model"
            )
    try:
        if method == "bartlett":
            t_inv_l = np.linalg.solve(theta, lam)  # T^-1 L, p x m
            return np.linalg.solve(lam.T @ t_inv_l, t_inv_l.T)
        sigma = lam @ psi @ lam.T + theta
        return psi @ np.linalg.solve(sigma, lam).T
    except np.linalg.LinAlgError:
        if method == "bartlett":
            raise ValueError(
                "Bartlett scores need an invertible residual covariance matrix, but it is "
                "singular (a residual variance of 0, e.g. a Heywood case at the boundary); "
                "use method='regression' or fix the model"
            ) from None
        raise ValueError(
            "regression scores need an invertible model-implied covariance matrix, but it is singular"
        ) from None


def factor_scores(result, data=None, *, method: str = "bartlett", id=None) -> pd.DataFrame:
    """Factor scores of each row from a fitted CFA.

    Parameters
    ----------
    result : CFAResult
        A fitted model from :func:`bitbox_stats.factor.cfa`.
    data : pandas.DataFrame, optional
        Rows to score; it needs the model's indicator columns.  By default the
        data the model was fitted to, every input row included (rows dropped
        from the fit for a missing value are returned as not scored).
    method : {"bartlett", "regression"}, default "bartlett"
        Bartlett (unbiased) or regression (least squares) scores.
    id : str or list of str, optional
        Columns of ``data`` to copy in front of the scores, to identify rows.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``data``, in the same order, with a RangeIndex and
        the columns: the ``id`` columns if given; one column per factor (its
        score, in the factor's units: standard deviations when the factor
        variance is 1); ``method`` (``"bartlett"`` or ``"regression"``); and
        ``scored`` (False where an indicator is missing, in which case the
        scores are NaN).  A warning says how many rows could not be scored.

    Notes
    -----
    The centring uses the indicator means of the data the model was fitted
    to, also when new ``data`` are scored (as lavaan's ``lavPredict`` with
    ``newdata``).  See the module documentation for the formulas.

    References
    ----------
    .. [1] DiStefano, C., Zhu, M., & Mindrila, D. (2009). Understanding and
       using factor scores. Practical Assessment, Research & Evaluation, 14(20).
    .. [2] Bartlett, M. S. (1937). The statistical conception of mental factors.
       British Journal of Psychology, 28(1), 97-104.

    Examples
    --------
    >>> from bitbox_stats.factor import cfa
    >>> rng = np.random.default_rng(0)
    >>> eta = rng.normal(size=300)
    >>> df = pd.DataFrame({f"x{i}": eta + rng.normal(scale=0.5, size=300) for i in range(3)})
    >>> fit = cfa(df, "f =~ x0 + x1 + x2", std_lv=True)
    >>> scores = factor_scores(fit)
    >>> list(scores.columns), len(scores)
    (['f', 'method', 'scored'], 300)
    >>> bool(np.corrcoef(scores["f"], eta)[0, 1] > 0.9)
    True
    """
    from .cfa import CFAResult

    if not isinstance(result, CFAResult):
        raise TypeError(f"result must be a CFAResult from cfa(), got {type(result).__name__}")
    return result.factor_scores(data, method=method, id=id)


def _compute(result, data, method, id_cols):
    """Shared by CFAResult.factor_scores: validate, score, assemble the table."""
    method = check_choice("method", method, METHODS)
    if data is None:
        data = result._data
    elif not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    indicators = list(result.indicators)
    from .cfa import _check_indicator_columns

    _check_indicator_columns(data, indicators, what="data")
    if id_cols is None:
        id_cols = []
    elif isinstance(id_cols, str):
        id_cols = [id_cols]
    else:
        id_cols = list(id_cols)
    missing = [c for c in id_cols if c not in data.columns]
    if missing:
        raise ValueError(f"id: data has no column {missing[0]!r}")
    clash = [c for c in id_cols if c in (*result.factors, "method", "scored")]
    if clash:
        raise ValueError(f"id column {clash[0]!r} has the name of a score column; rename it")
    x = data[indicators].to_numpy(dtype=float)
    ok = np.isfinite(x).all(axis=1)
    w = score_weights(result.lambda_, result.psi_, result.theta_, method, names=indicators)
    if result.warnings:
        from .cfa import CFAWarning

        warnings.warn(
            "these scores come from a fit with problems: " + "; ".join(result.warnings),
            CFAWarning,
            stacklevel=3,
        )
    scores = np.full((x.shape[0], len(result.factors)), np.nan)
    scores[ok] = (x[ok] - result.means_) @ w.T
    out = data[id_cols].reset_index(drop=True) if id_cols else pd.DataFrame(index=range(len(data)))
    for j, f in enumerate(result.factors):
        out[f] = scores[:, j]
    out["method"] = method
    out["scored"] = ok
    n_bad = int((~ok).sum())
    if n_bad:
        warnings.warn(
            f"{n_bad} of {len(ok)} rows have a missing or non-finite indicator value and could not "
            "be scored; their scores are NaN (column 'scored' is False)",
            stacklevel=3,
        )
    return out
