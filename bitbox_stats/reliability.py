"""Inter-rater reliability: intraclass correlation coefficients (ICC).

:func:`icc` gives the six Shrout & Fleiss (1979) forms with F tests and
confidence intervals (McGraw & Wong, 1996), at full precision, for long or
wide data, including the unbalanced one-way design (targets rated by
different numbers of raters).  :func:`icc_table` gives one form per item and
task, as in Table 1 of Lin, Girard & Morency (2020).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._validation import (
    check_choice,
    check_columns,
    check_dataframe,
    check_probability,
    is_numeric_dtype,
)

__all__ = ["icc", "icc_table"]

FORMS = ["ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"]
ONE_WAY = ["ICC(1,1)", "ICC(1,k)"]
_DESCRIPTIONS = {
    "ICC(1,1)": "one-way random, single rater, absolute agreement",
    "ICC(2,1)": "two-way random, single rater, absolute agreement",
    "ICC(3,1)": "two-way mixed, single rater, consistency",
    "ICC(1,k)": "one-way random, mean of k raters, absolute agreement",
    "ICC(2,k)": "two-way random, mean of k raters, absolute agreement",
    "ICC(3,k)": "two-way mixed, mean of k raters, consistency",
}
_ALIASES = {
    "icc1": "ICC(1,1)", "icc2": "ICC(2,1)", "icc3": "ICC(3,1)",
    "icc1k": "ICC(1,k)", "icc2k": "ICC(2,k)", "icc3k": "ICC(3,k)",
    # McGraw & Wong's labels, as pingouin prints them: A = absolute agreement, C = consistency
    "icc(a,1)": "ICC(2,1)", "icc(c,1)": "ICC(3,1)", "icc(a,k)": "ICC(2,k)", "icc(c,k)": "ICC(3,k)",
}
COLUMNS = [
    "type", "description", "icc", "f", "df1", "df2", "pval", "ci_low", "ci_high",
    "n_targets", "k", "n_ratings", "n_missing", "n_dropped",
]
NAN_POLICIES = ["available", "omit", "raise"]


def _form(label) -> str:
    if not isinstance(label, str):
        raise TypeError(f"forms must be ICC labels such as 'ICC(1,k)', got {type(label).__name__} {label!r}")
    key = label.replace(" ", "")
    if key.upper() in (f.upper() for f in FORMS):
        return next(f for f in FORMS if f.upper() == key.upper())
    alias = _ALIASES.get(key.lower())
    if alias is None:
        raise ValueError(
            f"forms: unknown ICC form {label!r}; use one of {', '.join(FORMS)} "
            "(or ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k)"
        )
    return alias


def _forms(forms, has_raters: bool) -> list[str]:
    if forms is None:
        return list(FORMS) if has_raters else list(ONE_WAY)
    if isinstance(forms, str):
        forms = [forms]
    chosen = []
    for label in forms:
        f = _form(label)
        if f not in chosen:
            chosen.append(f)
    if not chosen:
        raise ValueError("forms is empty; give at least one ICC form")
    return chosen


def _codes(data: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Integer codes 0..a-1 for the distinct (combinations of) values of ``columns``."""
    for c in columns:
        if data[c].isna().any():
            raise ValueError(
                f"data column {c!r} has {int(data[c].isna().sum())} missing value(s); every rating "
                "needs its target (and rater)"
            )
    if len(columns) == 1:
        codes, _ = pd.factorize(data[columns[0]])
    else:
        codes = data.groupby(columns, sort=False).ngroup().to_numpy()
    return codes.astype(np.int64, copy=False)


def _read(data, targets, raters, ratings):
    """Return (y, target codes, rater codes or None, n_missing, n_targets_in).

    Missing ratings are removed; ``n_targets_in`` counts the targets in the
    input, including any whose ratings are all missing.
    """
    if targets is None and raters is None and ratings is None:
        if isinstance(data, pd.DataFrame):
            bad = [c for c in data.columns if not is_numeric_dtype(data[c].dtype)]
            if bad:
                raise TypeError(
                    f"data: wide ratings (targets x raters) must be numeric, but column {bad[0]!r} has "
                    f"dtype {data[bad[0]].dtype}; for long data give targets=, raters= and ratings="
                )
            values = data.to_numpy(dtype=float)
        else:
            try:
                values = np.asarray(data)
            except Exception as err:  # noqa: BLE001 - ragged input
                raise TypeError(f"data could not be read as a targets x raters matrix: {err}") from None
            if values.dtype == bool or not np.issubdtype(values.dtype, np.number):
                raise TypeError(f"data must be a numeric targets x raters matrix, got dtype {values.dtype}")
            values = values.astype(float)
        if values.ndim != 2:
            raise ValueError(f"data: a wide matrix must be 2-D (targets x raters), got {values.ndim} dimensions")
        if values.size == 0:
            raise ValueError(f"data is empty (shape {values.shape})")
        a, k = values.shape
        t = np.repeat(np.arange(a, dtype=np.int64), k)
        r = np.tile(np.arange(k, dtype=np.int64), a)
        y = values.ravel()
        keep = ~np.isnan(y)
        if np.isinf(y).any():
            raise ValueError("data has infinite ratings")
        return y[keep], t[keep], r[keep], int((~keep).sum()), a
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"data must be a pandas DataFrame when targets, raters and ratings name its columns, "
            f"got {type(data).__name__}"
        )
    check_dataframe("data", data)
    if targets is None or ratings is None:
        raise ValueError("long data need both targets= and ratings= (column names); raters= is optional")
    targets = [targets] if isinstance(targets, str) else list(targets)
    if not targets or not all(isinstance(c, str) for c in targets):
        raise TypeError(f"targets must be a column name or a list of column names, got {targets!r}")
    if not isinstance(ratings, str):
        raise TypeError(f"ratings must be a column name, got {type(ratings).__name__} {ratings!r}")
    if raters is not None and not isinstance(raters, str):
        raise TypeError(f"raters must be a column name or None, got {type(raters).__name__} {raters!r}")
    check_columns("data", data, [*targets, ratings] + ([raters] if raters else []))
    dtype = data[ratings].dtype
    if not is_numeric_dtype(dtype):
        raise TypeError(f"data column {ratings!r} (ratings) must be numeric, got dtype {dtype}")
    y = data[ratings].to_numpy(dtype=float)
    if np.isinf(y).any():
        raise ValueError(f"data column {ratings!r} has infinite ratings")
    t = _codes(data, targets)
    r = _codes(data, [raters]) if raters else None
    n_targets_in = int(t.max()) + 1
    keep = ~np.isnan(y)
    n_missing = int((~keep).sum())
    if n_missing:
        y, t = y[keep], t[keep]
        r = r[keep] if r is not None else None
    return y, t, r, n_missing, n_targets_in


def _recode(codes: np.ndarray):
    """Compress codes to 0..a-1 (drops codes with no ratings); return (codes, a)."""
    present = np.bincount(codes)
    if (present > 0).all():
        return codes, present.size
    lookup = np.cumsum(present > 0) - 1
    return lookup[codes], int((present > 0).sum())


def _design(t, r, a, big_r):
    """Return (number of target-rater pairs rated more than once, complete) for codes 0..a-1, 0..big_r-1."""
    cell = t * big_r + r
    if a * big_r <= 8 * t.size + 1024:
        counts = np.bincount(cell, minlength=a * big_r)
    else:  # a sparse design: sort instead of a dense table
        counts = np.unique(cell, return_counts=True)[1]
        if not (counts > 1).any():
            return 0, False
    n_repeated = int((counts > 1).sum())
    return n_repeated, n_repeated == 0 and bool((counts == 1).all())


def _standardise(y: np.ndarray) -> np.ndarray:
    """``(y - c) / s`` with c the median and s the largest distance from it.

    Every ICC, F ratio, p-value and interval is unchanged by y -> (y - c) / s
    (s > 0), so this changes no result in exact arithmetic; in floating point it
    keeps the sums of squares away from overflow (ratings near 1e154), underflow
    (near 1e-300) and cancellation (a large common offset such as 1e12, which
    the subtraction of an exactly representable rating removes exactly).
    """
    y = np.asarray(y, dtype=float)
    big = float(np.max(np.abs(y)))
    if big > 1e300:  # y - c could overflow: bring the values down first
        y = y / big
    centred = y - np.median(y)
    return centred / float(np.max(np.abs(centred)))


def _oneway(y, t, a):
    n_i = np.bincount(t, minlength=a).astype(float)
    total = y.size
    mean = y.mean()
    m_i = np.bincount(t, weights=y, minlength=a) / n_i
    ssb = float(np.sum(n_i * (m_i - mean) ** 2))
    ssw = float(np.sum((y - m_i[t]) ** 2))
    df1, df2 = a - 1, total - a
    balanced = bool((n_i == n_i[0]).all())
    k = float(n_i[0]) if balanced else (total - np.sum(n_i**2) / total) / (a - 1)
    return ssb / df1, ssw / df2, df1, df2, k


def _twoway(y, t, r, a, k):
    mean = y.mean()
    m_i = np.bincount(t, weights=y, minlength=a) / k
    m_j = np.bincount(r, weights=y, minlength=k) / a
    ssr = float(k * np.sum((m_i - mean) ** 2))
    ssc = float(a * np.sum((m_j - mean) ** 2))
    sse = float(np.sum((y - m_i[t] - m_j[r] + mean) ** 2))
    df_e = (a - 1) * (k - 1)
    return ssr / (a - 1), ssc / (k - 1), sse / df_e, df_e


def _ratio(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.float64(num) / np.float64(den)


def _f_limits(f, df1, df2, alpha):
    low = _ratio(f, stats.f.ppf(1 - alpha / 2, df1, df2))
    high = f * stats.f.ppf(1 - alpha / 2, df2, df1)
    return low, high


def _single(f, k):
    """(F - 1) / (F + k - 1), with the limit 1 for F = inf."""
    return 1.0 if np.isinf(f) else (f - 1) / (f + k - 1)


def _average(f):
    return 1.0 if np.isinf(f) else 1 - _ratio(1.0, f)


def _rows_consistency(ms_t, ms_e, df1, df2, k, alpha, wanted, single, average):
    """F test and the two rows (MS_t - MS_e) / (MS_t + (k-1) MS_e) and (MS_t - MS_e) / MS_t."""
    f = _ratio(ms_t, ms_e)
    p = stats.f.sf(f, df1, df2)
    f_low, f_high = _f_limits(f, df1, df2, alpha)
    rows = {}
    if single in wanted:
        rows[single] = (_ratio(ms_t - ms_e, ms_t + (k - 1) * ms_e), f, df1, df2, p,
                        _single(f_low, k), _single(f_high, k))
    if average in wanted:
        rows[average] = (_ratio(ms_t - ms_e, ms_t), f, df1, df2, p, _average(f_low), _average(f_high))
    return rows, f, p


def _rows_oneway(msb, msw, df1, df2, k, alpha, wanted):
    return _rows_consistency(msb, msw, df1, df2, k, alpha, wanted, "ICC(1,1)", "ICC(1,k)")[0]


def _rows_twoway(msr, msc, mse, df_e, a, k, alpha, wanted):
    df1 = a - 1
    rows, f, p = _rows_consistency(msr, mse, df1, df_e, k, alpha, wanted, "ICC(3,1)", "ICC(3,k)")
    if "ICC(2,1)" in wanted or "ICC(2,k)" in wanted:
        icc2 = _ratio(msr - mse, msr + (k - 1) * mse + k * (msc - mse) / a)
        # McGraw & Wong (1996), Table 7, case 2A: Satterthwaite df of the
        # denominator, v = (c MSC + d MSE)^2 / ((c MSC)^2/(k-1) + (d MSE)^2/((a-1)(k-1)))
        with np.errstate(divide="ignore", invalid="ignore"):
            c = k * icc2 / (a * (1 - icc2))
            d = 1 + k * icc2 * (a - 1) / (a * (1 - icc2))
            v = _ratio((c * msc + d * mse) ** 2, (c * msc) ** 2 / (k - 1) + (d * mse) ** 2 / df_e)
            f_star_low = stats.f.ppf(1 - alpha / 2, df1, v)
            f_star_high = stats.f.ppf(1 - alpha / 2, v, df1)
        base = k * msc + (k * a - k - a) * mse
        low = _ratio(a * (msr - f_star_low * mse), f_star_low * base + a * msr)
        high = _ratio(a * (f_star_high * msr - mse), base + a * f_star_high * msr)
        if mse == 0 and msc == 0:  # perfect agreement: the limits tend to 1
            low = high = 1.0
        if "ICC(2,1)" in wanted:
            rows["ICC(2,1)"] = (icc2, f, df1, df_e, p, low, high)
        if "ICC(2,k)" in wanted:
            rows["ICC(2,k)"] = (_ratio(msr - mse, msr + (msc - mse) / a), f, df1, df_e, p,
                                _ratio(low * k, 1 + low * (k - 1)), _ratio(high * k, 1 + high * (k - 1)))
    return rows


def icc(data, targets=None, raters=None, ratings=None, *, forms=None, confidence=0.95,
        nan_policy="available") -> pd.DataFrame:
    """Intraclass correlation coefficients with F tests and confidence intervals.

    Parameters
    ----------
    data : pandas.DataFrame or array-like
        Long data (one row per rating, with the columns named by ``targets``,
        ``ratings`` and optionally ``raters``), or, when those three are None,
        a wide targets x raters matrix (DataFrame or 2-D array; NaN marks a
        missing rating).
    targets : str or list of str, optional
        Column(s) identifying what is rated (e.g. ``"clip"``, or
        ``["task", "clip"]`` when clip ids repeat across tasks).
    raters : str, optional
        Column identifying the rater.  Needed for the two-way forms; without
        it only the one-way forms are computed.
    ratings : str, optional
        Column of numeric ratings.
    forms : str or list of str, optional
        Which forms to return: ``"ICC(1,1)"``, ``"ICC(2,1)"``, ``"ICC(3,1)"``,
        ``"ICC(1,k)"``, ``"ICC(2,k)"``, ``"ICC(3,k)"`` (psych's labels ``"ICC1"``
        ... ``"ICC3k"`` are accepted too).  Default: all six, or the two
        one-way forms when there are no raters.
    confidence : float, default 0.95
        Level of the confidence intervals.
    nan_policy : {"available", "omit", "raise"}, default "available"
        Missing ratings (NaN, or target-rater pairs absent from long data).
        "available": every available rating is used; the one-way forms
        handle unbalanced data (no target is dropped), and the two-way forms,
        which need every rater on every target, are NaN (with a warning) if
        the data are incomplete, or an error if asked for in ``forms``.
        "omit": listwise deletion: targets without a rating from every rater
        are dropped first (counted in ``n_dropped``) and all forms are
        computed on the rest (long data without ``raters`` have no rater set
        to complete, so "omit" then only leaves out missing ratings, as
        "available" does).  "raise": an error if any rating is missing.

    Returns
    -------
    pandas.DataFrame
        One row per form, in the order of ``forms`` (default: psych's order
        ICC(1,1), ICC(2,1), ICC(3,1), ICC(1,k), ICC(2,k), ICC(3,k)), columns:

        - ``type``: the form, e.g. ``"ICC(1,k)"``.
        - ``description``: model, unit and definition in words.
        - ``icc``: the coefficient (unitless; at most 1, may be negative).
        - ``f``: the F statistic (MS between targets / MS error).
        - ``df1``, ``df2``: its degrees of freedom.
        - ``pval``: P(F(df1, df2) >= f), the test of icc = 0.
        - ``ci_low``, ``ci_high``: the confidence interval at ``confidence``.
        - ``n_targets``: targets used.
        - ``k``: raters per target (n0, the adjusted mean, when unbalanced).
        - ``n_ratings``: ratings used.
        - ``n_missing``: missing ratings in the input (NaN ratings; in a wide
          matrix, NaN cells), not used.
        - ``n_dropped``: targets dropped (listwise deletion with
          ``nan_policy="omit"``; targets with no rating at all).

    Raises
    ------
    ValueError
        For unknown forms or options, missing columns, duplicated
        target-rater pairs, fewer than 2 targets, no target with 2 ratings,
        constant ratings, missing data under ``nan_policy="raise"``, or
        two-way forms requested on incomplete data without ``"omit"``.
    TypeError
        For non-numeric ratings or a wrongly typed argument.

    Warns
    -----
    UserWarning
        With ``nan_policy="available"``, when the two-way forms are NaN
        because the data are incomplete.

    Notes
    -----
    With a targets, k raters, MS_B (between targets) and MS_W (within
    targets) from the one-way ANOVA, and MS_R (targets), MS_C (raters), MS_E
    (residual) from the two-way ANOVA without interaction:

    - ICC(1,1) = (MS_B - MS_W) / (MS_B + (k-1) MS_W), ICC(1,k) = (MS_B - MS_W) / MS_B
    - ICC(2,1) = (MS_R - MS_E) / (MS_R + (k-1) MS_E + k (MS_C - MS_E) / a),
      ICC(2,k) = (MS_R - MS_E) / (MS_R + (MS_C - MS_E) / a)
    - ICC(3,1) = (MS_R - MS_E) / (MS_R + (k-1) MS_E), ICC(3,k) = (MS_R - MS_E) / MS_R

    F = MS_B / MS_W on (a-1, N-a) df for the one-way forms, MS_R / MS_E on
    (a-1, (a-1)(k-1)) df for the two-way forms.  Confidence intervals (McGraw
    & Wong 1996): with F_L = F / F_{1-alpha/2}(df1, df2) and F_U = F
    F_{1-alpha/2}(df2, df1), ICC(1,1) and ICC(3,1) have limits (F_L - 1) /
    (F_L + k - 1) and (F_U - 1) / (F_U + k - 1), ICC(1,k) and ICC(3,k) have
    1 - 1/F_L and 1 - 1/F_U; ICC(2,1) uses the Satterthwaite approximation
    of McGraw & Wong's Table 7 and ICC(2,k) its Spearman-Brown step-up.  On
    complete data these are the numbers of R's ``psych::ICC(x, lmer =
    FALSE)`` (checked to 1e-10).

    The one-way model is the right one when each target is rated by its own
    set of raters (the rater label carries no meaning), as in the paper.  For
    unbalanced one-way data (target i rated n_i times, N ratings) the ANOVA
    estimator uses the adjusted mean group size n0 = (N - sum n_i^2 / N) /
    (a - 1) in place of k (Searle, Casella & McCulloch 1992, sec. 3.6), and
    ``k`` reports n0.  The F test is then still exact under the null, but the
    confidence limits, computed with n0 in place of k in the formulas above,
    are an approximation (Donner 1986) that is close when the n_i are
    similar; ICC(1,k) is then the reliability of the mean of n0 ratings.
    The two-way forms need every rater on every target; with incomplete
    data, only listwise deletion (``nan_policy="omit"``) gives them.

    The mean squares are computed with grouped sums (``np.bincount``), with
    no loop over targets, on the ratings centred at their median and scaled
    by the largest distance from it: the ICCs, F and the limits are invariant
    to y -> (y - c) / s, and this keeps them exact for ratings of any
    magnitude or offset (``icc(x * 1e154)``, ``icc(x + 1e12)`` equal
    ``icc(x)`` to rounding).

    References
    ----------
    .. [1] Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations:
       Uses in assessing rater reliability. Psychological Bulletin, 86(2),
       420-428.
    .. [2] McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some
       intraclass correlation coefficients. Psychological Methods, 1(1), 30-46.
    .. [3] Searle, S. R., Casella, G., & McCulloch, C. E. (1992). Variance
       Components. Wiley.
    .. [4] Donner, A. (1986). A review of inference procedures for the
       intraclass correlation coefficient in the one-way random effects
       model. International Statistical Review, 54(1), 67-82.
    .. [5] Revelle, W. psych: Procedures for Psychological, Psychometric, and
       Personality Research (R package), function ``ICC``.

    Examples
    --------
    The example of Shrout & Fleiss (1979): 6 targets, 4 judges.

    >>> x = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    >>> res = icc(x)
    >>> res[["type", "icc", "ci_low", "ci_high"]].round(2)
           type   icc  ci_low  ci_high
    0  ICC(1,1)  0.17   -0.13     0.72
    1  ICC(2,1)  0.29    0.02     0.76
    2  ICC(3,1)  0.71    0.34     0.95
    3  ICC(1,k)  0.44   -0.88     0.91
    4  ICC(2,k)  0.62    0.07     0.93
    5  ICC(3,k)  0.91    0.68     0.99

    Long data, each clip rated by its own raters, some by fewer:

    >>> long = pd.DataFrame({
    ...     "clip": [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4],
    ...     "score": [3, 4, 3, 1, 0, 1, 2, 2, 4, 4, 3],
    ... })
    >>> out = icc(long, targets="clip", ratings="score")
    >>> out[["type", "icc", "k", "n_targets"]].round(3)
           type    icc      k  n_targets
    0  ICC(1,1)  0.872  2.727          4
    1  ICC(1,k)  0.949  2.727          4
    """
    confidence = check_probability("confidence", confidence)
    nan_policy = check_choice("nan_policy", nan_policy, NAN_POLICIES)
    y, t, r, n_missing, n_input_targets = _read(data, targets, raters, ratings)
    has_raters = r is not None
    wanted = _forms(forms, has_raters)
    two_way = [f for f in wanted if f not in ONE_WAY]
    if two_way and not has_raters:
        raise ValueError(f"forms {two_way} are two-way forms and need raters= (the rater column)")
    if y.size == 0:
        raise ValueError("data has no ratings (all missing)")
    if n_missing and nan_policy == "raise":
        raise ValueError(
            f"data has {n_missing} missing rating{'s' if n_missing > 1 else ''}; use "
            "nan_policy='available' (one-way forms use every rating) or 'omit' (listwise deletion)"
        )
    t, a = _recode(t)
    n_dropped = n_input_targets - a
    complete = False
    if has_raters:
        r, k_raters = _recode(r)
        n_repeated, complete = _design(t, r, a, k_raters)
        if n_repeated:
            raise ValueError(
                f"data has {n_repeated} target-rater pair(s) rated more than once; "
                "each rater may rate each target once (average repeated ratings first)"
            )
        if not complete:
            if nan_policy == "raise" and two_way:
                raise ValueError(
                    "data are incomplete: not every rater rated every target; the two-way forms need "
                    "complete data (use nan_policy='omit' for listwise deletion, or only the one-way "
                    "forms ICC(1,1), ICC(1,k))"
                )
            if nan_policy == "omit":
                per_target = np.bincount(t, minlength=a)
                full = per_target == k_raters
                if full.sum() < 2:
                    raise ValueError(
                        f"nan_policy='omit': only {int(full.sum())} target(s) have a rating from all "
                        f"{k_raters} raters; at least 2 are needed"
                    )
                keep = full[t]
                y, t, r = y[keep], t[keep], r[keep]
                t, a_new = _recode(t)
                n_dropped += a - a_new
                a = a_new
                complete = True
            elif two_way and forms is not None:
                raise ValueError(
                    f"forms {two_way} need every rater on every target, but the data are incomplete; "
                    "pass nan_policy='omit' for listwise deletion"
                )
    if a < 2:
        raise ValueError(f"ICC needs at least 2 targets, got {a}")
    if y.size - a < 1:
        raise ValueError("ICC needs at least one target with 2 or more ratings")
    if np.ptp(y) == 0:
        raise ValueError(f"all {y.size} ratings are equal ({y[0]:g}); the ICC is undefined")
    y = _standardise(y)
    alpha = 1 - confidence
    msb, msw, df1, df2, k = _oneway(y, t, a)
    rows = _rows_oneway(msb, msw, df1, df2, k, alpha, wanted)
    if two_way:
        if complete:
            msr, msc, mse, df_e = _twoway(y, t, r, a, k_raters)
            rows.update(_rows_twoway(msr, msc, mse, df_e, a, k_raters, alpha, wanted))
        else:
            warnings.warn(
                "the data are incomplete (not every rater rated every target), so the two-way "
                "forms ICC(2,*) and ICC(3,*) are NaN; the one-way forms use every rating. Pass "
                "nan_policy='omit' for two-way forms by listwise deletion, or forms=['ICC(1,1)', "
                "'ICC(1,k)'] to ask only for the one-way forms",
                UserWarning,
                stacklevel=2,
            )
            nan_row = (np.nan,) * 7
            rows.update({f: nan_row for f in two_way})
    out = pd.DataFrame(
        [(f, _DESCRIPTIONS[f], *(float(v) for v in rows[f])) for f in wanted],
        columns=COLUMNS[:9],
    )
    out["n_targets"] = a
    out["k"] = float(k)
    out["n_ratings"] = int(y.size)
    out["n_missing"] = n_missing
    out["n_dropped"] = int(n_dropped)
    return out


def icc_table(data, items: Sequence[str], *, by="task", targets="clip", raters=None,
              form="ICC(1,k)", confidence=0.95, nan_policy="available", all_label="all") -> pd.DataFrame:
    """ICC of several items, per group (task) and over all groups: the paper's Table 1.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings: one row per target x rater, a column per item.
    items : list of str
        Item (question) columns, e.g. ``["response", "emotion", "motion"]``.
    by : str or None, default "task"
        Column of groups; an ICC is computed within each group (in order of
        first appearance) and over all of them.  None: only over all data.
    targets : str or list of str, default "clip"
        Column(s) identifying what is rated.  Over all groups, a target is
        identified by ``by`` and ``targets`` together, so clip ids that repeat
        across tasks are not merged.
    raters : str, optional
        Rater column; needed only for two-way forms.
    form : str or list of str, default "ICC(1,k)"
        Form(s) to report (the paper's one-way average-score ICC by default).
    confidence : float, default 0.95
        Level of the confidence intervals.
    nan_policy : {"available", "omit", "raise"}, default "available"
        As in :func:`icc`, applied to each item separately.
    all_label : str, default "all"
        Group label of the rows computed over all groups.

    Returns
    -------
    pandas.DataFrame
        One row per group x item x form (groups first, then ``all_label``),
        with the column named by ``by`` (the group, as a string; absent if
        ``by`` is None), ``item``, and the columns of :func:`icc` except
        ``description``: ``type``, ``icc``, ``ci_low``, ``ci_high``, ``f``,
        ``df1``, ``df2``, ``pval``, ``n_targets``, ``k``, ``n_ratings``,
        ``n_missing``, ``n_dropped``.

    Notes
    -----
    Each cell is ``icc(data[group], targets, raters, item, forms=form)``;
    see :func:`icc` for the formulas and for the unbalanced one-way design.

    References
    ----------
    .. [1] Lin, V., Girard, J. M., & Morency, L.-P. (2020). Context-dependent
       models for predicting and characterizing facial expressiveness
       (Table 1).
    .. [2] McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some
       intraclass correlation coefficients. Psychological Methods, 1(1), 30-46.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clip_level = rng.normal(size=40)
    >>> long = pd.DataFrame({
    ...     "task": np.repeat(["startle", "pain"], 120),
    ...     "clip": np.repeat(np.arange(40), 6),
    ...     "emotion": np.repeat(clip_level, 6) + rng.normal(scale=0.5, size=240),
    ...     "motion": np.repeat(clip_level, 6) + rng.normal(scale=1.0, size=240),
    ... })
    >>> tab = icc_table(long, ["emotion", "motion"])
    >>> tab[["task", "item", "type", "n_targets"]]
          task     item      type  n_targets
    0  startle  emotion  ICC(1,k)         20
    1  startle   motion  ICC(1,k)         20
    2     pain  emotion  ICC(1,k)         20
    3     pain   motion  ICC(1,k)         20
    4      all  emotion  ICC(1,k)         40
    5      all   motion  ICC(1,k)         40
    """
    data = check_dataframe("data", data)
    if isinstance(items, str):
        items = [items]
    items = list(items)
    if not items:
        raise ValueError("items is empty; name at least one item column")
    targets = [targets] if isinstance(targets, str) else list(targets)
    if by is not None and not isinstance(by, str):
        raise TypeError(f"by must be a column name or None, got {type(by).__name__} {by!r}")
    if not isinstance(all_label, str):
        raise TypeError(f"all_label must be a string, got {type(all_label).__name__}")
    check_columns("data", data, [*items, *targets] + ([by] if by else []) + ([raters] if raters else []))
    forms = [form] if isinstance(form, str) else list(form)
    groups = []
    if by is not None:
        if data[by].isna().any():
            raise ValueError(f"data column {by!r} (by) has missing values")
        labels = pd.unique(data[by])
        if any(str(g) == all_label for g in labels):
            raise ValueError(f"data column {by!r} has a group called {all_label!r}; pass another all_label")
        for g in labels:
            groups.append((str(g), data[data[by] == g], targets))
        groups.append((all_label, data, [by, *targets]))
    else:
        groups.append((all_label, data, targets))
    pieces = []
    for label, frame, tcols in groups:
        for item in items:
            res = icc(frame, targets=tcols, raters=raters, ratings=item, forms=forms,
                      confidence=confidence, nan_policy=nan_policy)
            res = res.drop(columns="description")
            res.insert(0, "item", item)
            if by is not None:
                res.insert(0, by, label)
            pieces.append(res)
    out = pd.concat(pieces, ignore_index=True)
    lead = ([by] if by is not None else []) + ["item", "type", "icc", "ci_low", "ci_high"]
    rest = [c for c in out.columns if c not in lead]
    return out[lead + rest]
