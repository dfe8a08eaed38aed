"""Confirmatory factor analysis on semopy or on lavaan, with one result type."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import check_choice, check_dataframe, is_numeric_dtype
from . import _ml
from .syntax import parameter_table, parse_model

__all__ = ["CFAResult", "CFAWarning", "cfa"]

BACKENDS = ["semopy", "lavaan"]
FIT_COLUMNS = [
    "n", "n_dropped", "n_parameters", "chi2", "df", "pval", "baseline_chi2", "baseline_df",
    "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr", "loglik", "aic", "bic",
]
_EST_COLUMNS = ["estimate", "se", "z", "pval", "std_all", "free"]


class CFAWarning(UserWarning):
    """A fitted CFA has a problem its numbers do not show (no convergence, a Heywood case...)."""


@dataclass(frozen=True, eq=False, repr=False)
class CFAResult:
    """A fitted confirmatory factor analysis.

    Attributes
    ----------
    model : str
        The model text.
    backend : str
        ``"semopy"`` or ``"lavaan"``.
    std_lv : bool
        Whether factors were identified by a variance of 1 (all loadings free).
    factors, indicators : tuple of str
        Names in model order.
    loadings : pandas.DataFrame
        One row per loading: ``factor``, ``indicator``, ``estimate``
        (unstandardised), ``se``, ``z``, ``pval`` (two-sided, normal), ``std_all``
        (standardised: factor and indicator variances 1), ``free`` (bool).
        ``se``, ``z`` and ``pval`` are NaN for fixed parameters.
    variances : pandas.DataFrame
        One row per variance: ``variable``, ``kind`` (``"residual"`` for an
        indicator's residual variance, ``"latent"`` for a factor's variance),
        then the estimate columns as in ``loadings``.  ``std_all`` of a
        residual variance is the share of the indicator's variance the factors
        do not explain.
    covariances : pandas.DataFrame
        One row per covariance: ``lhs``, ``rhs``, ``kind`` (``"latent"`` or
        ``"residual"``), then the estimate columns; ``std_all`` is a
        correlation (between factors, or between residuals).
    fit : pandas.DataFrame
        One row: ``n`` (rows used), ``n_dropped`` (rows left out for a missing
        value), ``n_parameters``, ``chi2`` (N times the ML discrepancy),
        ``df``, ``pval``, ``baseline_chi2``, ``baseline_df`` (independence
        model), ``cfi``, ``tli``, ``rmsea`` (N denominator), ``rmsea_ci_low``
        and ``rmsea_ci_high`` (90% interval), ``srmr`` (Bentler's), ``loglik``,
        ``aic``, ``bic``.
    warnings : tuple of str
        Problems found (non-convergence, Heywood cases, unidentified
        parameters, R's warnings); empty when none.  Each was also issued as a
        :class:`CFAWarning`.
    converged : bool
        Whether the optimiser reported convergence.
    lambda_, psi_, theta_ : ndarray
        Fitted loadings (indicators x factors), factor covariance matrix and
        residual covariance matrix.
    means_ : ndarray
        Indicator means of the data used in the fit (the centring of scores).
    """

    model: str
    backend: str
    std_lv: bool
    factors: tuple[str, ...]
    indicators: tuple[str, ...]
    loadings: pd.DataFrame
    variances: pd.DataFrame
    covariances: pd.DataFrame
    fit: pd.DataFrame
    warnings: tuple[str, ...]
    converged: bool
    lambda_: np.ndarray
    psi_: np.ndarray
    theta_: np.ndarray
    means_: np.ndarray
    _data: pd.DataFrame = field(repr=False)

    def factor_scores(self, data=None, *, method: str = "bartlett", id=None) -> pd.DataFrame:
        """Factor scores of each row; see :func:`bitbox_stats.factor.factor_scores`.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            Rows to score; by default the data the model was fitted to.
        method : {"bartlett", "regression"}, default "bartlett"
            Bartlett (unbiased) or regression (least squares) scores.
        id : str or list of str, optional
            Columns of ``data`` to copy in front of the scores.

        Returns
        -------
        pandas.DataFrame
            As :func:`~bitbox_stats.factor_scores`: the ``id`` columns, one
            column per factor, ``method`` and ``scored``.

        Examples
        --------
        >>> rng = np.random.default_rng(1)
        >>> eta = rng.normal(size=200)
        >>> df = pd.DataFrame({f"x{i}": eta + rng.normal(scale=0.5, size=200) for i in range(3)})
        >>> cfa(df, "f =~ x0 + x1 + x2").factor_scores(method="regression").shape
        (200, 3)
        """
        from .scores import _compute

        return _compute(self, data, method, id)

    def summary(self) -> pd.DataFrame:
        """All parameters in one lavaan-like table.

        Returns
        -------
        pandas.DataFrame
            Columns ``lhs``, ``op`` (``"=~"`` loading, ``"~~"`` (co)variance),
            ``rhs``, ``kind``, ``estimate``, ``se``, ``z``, ``pval``,
            ``std_all``, ``free``; loadings first, then variances, then
            covariances.

        Examples
        --------
        >>> rng = np.random.default_rng(2)
        >>> eta = rng.normal(size=200)
        >>> df = pd.DataFrame({f"x{i}": eta + rng.normal(scale=0.5, size=200) for i in range(3)})
        >>> cfa(df, "f =~ x0 + x1 + x2").summary()[["lhs", "op", "rhs"]].head(2)
          lhs  op rhs
        0   f  =~  x0
        1   f  =~  x1
        """
        loads = self.loadings.rename(columns={"factor": "lhs", "indicator": "rhs"})
        loads.insert(1, "op", "=~")
        loads.insert(3, "kind", "loading")
        var = self.variances.rename(columns={"variable": "lhs"})
        var.insert(1, "op", "~~")
        var.insert(2, "rhs", var["lhs"])
        var["kind"] = var["kind"] + "_variance"
        cov = self.covariances.copy()
        cov.insert(1, "op", "~~")
        cov["kind"] = cov["kind"] + "_covariance"
        cols = ["lhs", "op", "rhs", "kind", *_EST_COLUMNS]
        return pd.concat([loads[cols], var[cols], cov[cols]], ignore_index=True)

    def __repr__(self) -> str:
        f = self.fit.iloc[0]
        return (
            f"CFAResult(backend={self.backend!r}, factors={len(self.factors)}, "
            f"indicators={len(self.indicators)}, n={int(f['n'])}, chi2={f['chi2']:.3f}, "
            f"df={int(f['df'])}, cfi={f['cfi']:.3f}, rmsea={f['rmsea']:.3f}, "
            f"warnings={len(self.warnings)})"
        )


def _check_indicator_columns(data: pd.DataFrame, indicators, *, what: str = "data") -> None:
    missing = [x for x in indicators if x not in data.columns]
    if missing:
        shown = ", ".join(repr(c) for c in list(data.columns)[:20])
        raise ValueError(
            f"{what} has no column {missing[0]!r} for the model's indicator"
            f"{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} (columns: {shown})"
        )
    for x in indicators:
        dtype = data[x].dtype
        if not is_numeric_dtype(dtype):
            raise TypeError(f"{what} column {x!r} (an indicator) must be numeric, got dtype {dtype}")


def _estimate_frames(table, est, se, z, pval, std):
    t = table.assign(estimate=est, se=se, z=z, pval=pval, std_all=std)
    fixed = ~t["free"]
    t.loc[fixed, ["se", "z", "pval"]] = np.nan
    loads = t[t["kind"] == "loading"].rename(columns={"lhs": "factor", "rhs": "indicator"})
    loads = loads[["factor", "indicator", *_EST_COLUMNS]].reset_index(drop=True)
    var = t[t["kind"].isin(["residual_variance", "latent_variance"])]
    var = var.assign(kind=var["kind"].str.replace("_variance", ""), variable=var["lhs"])
    var = var[["variable", "kind", *_EST_COLUMNS]].reset_index(drop=True)
    cov = t[t["kind"].isin(["latent_covariance", "residual_covariance"])]
    cov = cov.assign(kind=cov["kind"].str.replace("_covariance", ""))
    cov = cov[["lhs", "rhs", "kind", *_EST_COLUMNS]].reset_index(drop=True)
    for frame in (loads, var, cov):
        frame["free"] = frame["free"].astype(bool)
        for c in ("estimate", "se", "z", "pval", "std_all"):
            frame[c] = frame[c].astype(float)
    return loads, var, cov


def _problems(table, values, lam, psi, theta, s, factors, indicators, backend):
    notes = []
    for x, v, sv in zip(indicators, np.diag(theta), np.diag(s), strict=True):
        if v < 0:
            notes.append(
                f"Heywood case: the residual variance of {x!r} is negative ({v:.4g}); the solution "
                "is improper (a standardised loading above 1) and its scores are not trustworthy"
            )
        elif backend == "semopy" and v <= 1e-10 * sv:
            row = table[(table["kind"] == "residual_variance") & (table["lhs"] == x)]
            if bool(row["free"].iloc[0]):
                notes.append(
                    f"Heywood case: the residual variance of {x!r} is at semopy's lower bound 0 "
                    "(lavaan would estimate it as negative); the solution is improper, Bartlett "
                    "scores cannot be computed and the other estimates are not trustworthy"
                )
    eig = np.linalg.eigvalsh(psi) if psi.size else np.array([1.0])
    if eig.min() <= 0:
        notes.append(
            "the factor covariance matrix is not positive definite (a factor variance <= 0 or a "
            "factor correlation beyond +-1); the solution is improper"
        )
    return notes


def cfa(data, model, *, backend="semopy", std_lv=False, nan_policy="raise") -> CFAResult:
    """Fit a confirmatory factor analysis by maximum likelihood.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation, with a numeric column for every indicator.
    model : str
        The model in lavaan syntax: ``f =~ x1 + x2 + x3`` per factor,
        ``x1 ~~ x2`` for a residual covariance (or a factor covariance),
        numbers to fix a parameter (``1*x1``, ``0*f2``), ``NA`` to free one
        (see :mod:`bitbox_stats.factor.syntax` for the subset understood).
        As in lavaan's ``cfa()``, the first loading of each factor is fixed to
        1 unless ``std_lv``, residual variances are free and factors covary.
    backend : {"semopy", "lavaan"}, default "semopy"
        Which program estimates the model.  "lavaan" runs R's lavaan through
        rpy2 (``pip install "bitbox-stats[r]"`` and R's lavaan package).
    std_lv : bool, default False
        Identify factors by a variance of 1 with all loadings free (lavaan's
        ``std.lv = TRUE``, the paper's "zero mean and unit variance").
    nan_policy : {"raise", "omit"}, default "raise"
        What to do with rows that have a missing indicator: raise an error,
        or leave them out of the fit (listwise deletion; the number left out
        is ``fit["n_dropped"]``, and their factor scores are NaN).

    Returns
    -------
    CFAResult
        Tables ``loadings``, ``variances``, ``covariances``, ``fit``, the
        ``warnings`` found, and ``factor_scores()`` / ``summary()`` methods.
        Every column is described in :class:`CFAResult`.

    Raises
    ------
    ValueError
        For a model outside the supported syntax or not identified (a
        one-factor model needs 3 indicators), an indicator column absent from
        ``data``, missing values with ``nan_policy="raise"``, a constant
        indicator or a singular sample covariance matrix.
    TypeError
        For a non-numeric indicator column.
    bitbox_stats.errors.RBackendError
        With ``backend="lavaan"`` when rpy2, R or lavaan is missing (the
        message says which, and how to install it).

    Warns
    -----
    CFAWarning
        When the optimiser did not converge, for a Heywood case (a negative
        or zero residual variance), a factor covariance matrix that is not
        positive definite, standard errors that cannot be computed, or a
        warning from lavaan.  The same messages are kept in ``warnings``.

    Notes
    -----
    The model-implied covariance matrix is Sigma = L P L' + T (loadings L,
    factor covariances P, residual covariances T).  Estimates minimise the
    ML discrepancy F = log|Sigma| + tr(S Sigma^-1) - log|S| - p, where S is
    the sample covariance matrix with denominator N (lavaan's
    ``likelihood = "normal"``).

    On the semopy backend the numbers other than the estimates are computed
    here, as lavaan computes them: standard errors from the expected
    information I = (1/2) D' (Sigma^-1 (x) Sigma^-1) D (D the derivatives of
    Sigma) as sqrt(diag((N I)^-1)); chi2 = N F; CFI = 1 - max(chi2 - df, 0) /
    max(chi2 - df, chi2_0 - df_0, 0); TLI = 1 - (chi2 - df) df_0 / ((chi2_0 -
    df_0) df); RMSEA = sqrt(max(chi2 / N / df - 1 / N, 0)) with its 90%
    interval from the noncentral chi-square (solved to machine precision; lavaan
    solves it to a tolerance of about 1e-4 in the noncentrality); SRMR =
    sqrt(mean over i >= j of ((s_ij - sigma_ij) / sqrt(s_ii s_jj))^2);
    log-likelihood -N/2 (p log 2 pi + log|Sigma| + tr(S Sigma^-1)), AIC and
    BIC from it.  semopy's SLSQP tolerance is tightened (``ftol=1e-12``):
    its default stops about 5e-4 from the optimum in standardised loadings.
    Every semopy answer is then checked for optimality (the chi2 decrease one
    Fisher-scoring step would bring must be below 1e-10): with nearly
    error-free indicators SLSQP can report success far from the optimum,
    and such answers are refined by Fisher scoring, or reported as not
    converged (see :mod:`bitbox_stats.factor.semopy_backend`).  Factors
    identified by their variance (``std_lv``) are fitted on semopy in the
    marker-variable form and rescaled exactly (same likelihood; a model with
    a fixed factor variance can make semopy's fit loop forever), with a
    positive first loading.  Standard errors are computed directly in the
    reported parameterisation, which equals the delta method for expected
    information.  p-values are the exact normal tails (lavaan's are 0 below
    about 1e-16).

    On the lavaan backend everything in the tables is lavaan's own
    (``parameterEstimates``, ``fitMeasures``); factor scores are computed
    here from its estimates with lavPredict's formulas.

    References
    ----------
    .. [1] Rosseel, Y. (2012). lavaan: An R package for structural equation
       modeling. Journal of Statistical Software, 48(2), 1-36.
    .. [2] Igolkina, A. A., & Meshcheryakov, G. (2020). semopy: A Python
       package for structural equation modeling. Structural Equation
       Modeling, 27(6), 952-963.
    .. [3] Kline, R. B. (2015). Principles and Practice of Structural
       Equation Modeling (4th ed.). Guilford Press.
    .. [4] Bentler, P. M. (1990). Comparative fit indexes in structural
       models. Psychological Bulletin, 107(2), 238-246.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> eta = rng.normal(size=500)
    >>> df = pd.DataFrame({
    ...     "q1": 0.9 * eta + rng.normal(scale=0.4, size=500),
    ...     "q2": 0.8 * eta + rng.normal(scale=0.6, size=500),
    ...     "q3": 0.7 * eta + rng.normal(scale=0.7, size=500),
    ... })
    >>> fit = cfa(df, "f =~ q1 + q2 + q3", std_lv=True)
    >>> fit.loadings[["indicator", "std_all"]].round(2)
      indicator  std_all
    0        q1     0.93
    1        q2     0.79
    2        q3     0.72
    >>> int(fit.fit["df"].iloc[0])
    0
    """
    data = check_dataframe("data", data)
    backend = check_choice("backend", backend, BACKENDS)
    nan_policy = check_choice("nan_policy", nan_policy, ["raise", "omit"])
    spec = parse_model(model)
    table = parameter_table(spec, std_lv=std_lv)
    factors, indicators = spec.factors, spec.indicators
    _check_indicator_columns(data, indicators)

    x_all = data[list(indicators)].to_numpy(dtype=float)
    ok = np.isfinite(x_all).all(axis=1)
    n_dropped = int((~ok).sum())
    if n_dropped and nan_policy == "raise":
        bad = np.isfinite(x_all)
        col = indicators[int(np.argmin(bad.all(axis=0)))]
        raise ValueError(
            f"data has {n_dropped} row{'s' if n_dropped > 1 else ''} with a missing or non-finite "
            f"indicator value (first in column {col!r}); pass nan_policy='omit' to leave "
            "them out of the fit (listwise deletion)"
        )
    x = x_all[ok]
    n, p = x.shape
    if n < 2:
        raise ValueError(f"data needs at least 2 complete rows to fit a CFA, got {n}")
    means = x.mean(axis=0)
    s = np.cov(x, rowvar=False, bias=True).reshape(p, p)
    constant = [ind for ind, v in zip(indicators, np.diag(s), strict=True) if v <= 0]
    if constant:
        raise ValueError(f"indicator {constant[0]!r} is constant in data; it carries no information")
    sd = np.sqrt(np.diag(s))
    if np.linalg.eigvalsh(s / np.outer(sd, sd)).min() <= 1e-12:
        raise ValueError(
            f"the sample covariance matrix of the {p} indicators is singular (collinear "
            f"indicators, or too few rows: {n}); the ML fit is not defined"
        )

    notes: list[str] = []
    if backend == "semopy":
        from . import semopy_backend

        values, converged, message = semopy_backend.fit(table, x, s, factors, indicators)
        lam, psi, theta = _ml.matrices(table, values, factors, indicators)
        if not converged:
            notes.append(f"semopy's optimiser did not converge ({message}); the estimates are not reliable")
        se_free, se_ok = _ml.standard_errors(table, lam, psi, theta, factors, indicators, n)
        if not se_ok:
            notes.append(
                "standard errors could not be computed: the information matrix is singular or "
                "nearly so (the model may not be identified with these data)"
            )
        se = np.full(len(table), np.nan)
        se[table["free"].to_numpy()] = se_free
        z = values / se
        pval = 2 * stats.norm.sf(np.abs(z))
        std = _ml.std_all(table, lam, psi, theta, factors, indicators)
        sigma = _ml.implied_cov(lam, psi, theta)
        fit_row = _ml.fit_measures(s, sigma, n, int(table["free"].sum()))
    else:
        from . import lavaan_backend

        out = lavaan_backend.fit(table, x, indicators)
        values, se, z, pval, std = _from_lavaan(table, out)
        lam, psi, theta = _ml.matrices(table, values, factors, indicators)
        converged = out["converged"]
        if not converged:
            notes.append("lavaan did not converge; the estimates are not reliable")
        notes.extend(f"lavaan: {w}" for w in out["warnings"])
        fit_row = dict(out["fit"])
    notes.extend(_problems(table, values, lam, psi, theta, s, factors, indicators, backend))

    fit_row["n_dropped"] = n_dropped
    fit_frame = pd.DataFrame([{c: fit_row[c] for c in FIT_COLUMNS}])
    for c in ("n", "n_dropped", "n_parameters", "df", "baseline_df"):
        if np.isfinite(fit_frame[c].iloc[0]):
            fit_frame[c] = fit_frame[c].astype(np.int64)
    loads, var, cov = _estimate_frames(table, values, se, z, pval, std)
    for note in notes:
        warnings.warn(note, CFAWarning, stacklevel=2)
    for arr in (lam, psi, theta, means):
        arr.setflags(write=False)
    return CFAResult(
        model=model,
        backend=backend,
        std_lv=std_lv,
        factors=tuple(factors),
        indicators=tuple(indicators),
        loadings=loads,
        variances=var,
        covariances=cov,
        fit=fit_frame,
        warnings=tuple(notes),
        converged=bool(converged),
        lambda_=lam,
        psi_=psi,
        theta_=theta,
        means_=means,
        _data=data,
    )


def _from_lavaan(table, out):
    """Match lavaan's parameter rows to ours; check that both read the model the same way."""
    index = {}
    for i, (lhs, op, rhs) in enumerate(zip(out["lhs"], out["op"], out["rhs"], strict=True)):
        index[(lhs, op, rhs)] = i
    rows = []
    for kind, lhs, rhs, free in zip(table["kind"], table["lhs"], table["rhs"], table["free"], strict=True):
        op = "=~" if kind == "loading" else "~~"
        i = index.get((lhs, op, rhs), index.get((rhs, op, lhs)) if op == "~~" else None)
        if i is None:
            raise RuntimeError(
                f"lavaan's parameter table has no row {lhs} {op} {rhs}; bitbox_stats and lavaan "
                "read the model differently (please report this)"
            )
        if bool(out["free"][i]) != bool(free):
            raise RuntimeError(
                f"lavaan treats {lhs} {op} {rhs} as {'free' if out['free'][i] else 'fixed'}, "
                "bitbox_stats as the opposite (please report this)"
            )
        rows.append(i)
    if len(rows) != len(out["lhs"]):
        extra = sorted(set(range(len(out["lhs"]))) - set(rows))
        first = extra[0]
        raise RuntimeError(
            f"lavaan's model has a parameter bitbox_stats did not expect: "
            f"{out['lhs'][first]} {out['op'][first]} {out['rhs'][first]} (please report this)"
        )
    pick = np.asarray(rows)
    return (out["est"][pick], out["se"][pick], out["z"][pick], out["pvalue"][pick],
            out["std_all"][pick])
