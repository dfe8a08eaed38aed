"""The paper's expressiveness labels: CFA factor scores from averaged ratings.

Lin, Girard & Morency (2020), section 3 "Expressiveness Scores": each clip's
answers to each question are averaged over its raters; a one-factor CFA with
the factor's mean 0 and variance 1 is fitted per task and over all tasks
(Table 2); Bartlett factor scores of the clips are the labels.  For the
human baseline (section 5), each rater's answers are weighted by the
questions' factor loadings and summed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validation import check_choice, check_columns, check_dataframe, check_numeric_columns
from .cfa import BACKENDS, CFAResult, CFAWarning, cfa

__all__ = ["ExpressivenessScores", "expressiveness_scores", "rater_scores"]

WEIGHTS = ["standardized", "unstandardized"]
HEYWOOD = ["bound", "regression", "raise"]
HEYWOOD_FLOOR = 0.01
"""Standardised value at which an improper residual variance is bounded (``heywood="bound"``)."""


@dataclass(frozen=True, eq=False, repr=False)
class ExpressivenessScores:
    """Expressiveness labels and the CFA fits behind them.

    Attributes
    ----------
    loadings : pandas.DataFrame
        The paper's Table 2, tidy: one row per fit x item, columns ``fit``
        (the task, or the ``all_label`` of the fit over all tasks), ``item``,
        ``loading`` (standardised loading), ``residual_variance``
        (standardised residual variance, 1 - loading^2), ``loading_unstd``
        (loading in the item's units, factor variance 1), ``loading_se``
        (its standard error), ``residual_variance_unstd`` (in squared item
        units).
    fit : pandas.DataFrame
        One row per fit: ``fit`` and the columns of :attr:`CFAResult.fit`
        (with 3 items the model is saturated: chi2 = 0, df = 0).
    scores : pandas.DataFrame
        One row per clip (order of first appearance): the ``by`` and ``clip``
        columns, each item's mean over the clip's raters (item units),
        ``n_raters`` (rating rows of the clip), ``score_<by>`` (the clip's
        factor score from its task's fit) and ``score_all`` (from the fit over
        all tasks); scores are in standard deviations of the factor.
    rater_scores : pandas.DataFrame
        One row per rating row: see :func:`rater_scores`.
    fits : dict of str to CFAResult
        The fitted models, by fit label.
    warnings : tuple of str
        Warnings of the fits, each prefixed by its fit label.
    adjustments : pandas.DataFrame
        One row per improper residual variance that was handled (see
        ``heywood`` in :func:`expressiveness_scores`); empty when every fit
        was proper. Columns ``fit``, ``item``, ``estimate`` (the residual
        variance first estimated, item units; 0 when held at semopy's bound),
        ``action`` (``"bounded"`` or ``"regression scores"``), ``fixed_at``
        (the value it was fixed to, item units; NaN for regression scores) and
        ``note`` (one sentence for a report).
    """

    loadings: pd.DataFrame
    fit: pd.DataFrame
    scores: pd.DataFrame
    rater_scores: pd.DataFrame
    fits: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    adjustments: pd.DataFrame = field(default_factory=lambda: _empty_adjustments())

    def summary(self) -> pd.DataFrame:
        """Table 2 as printed in the paper: parameters in rows, fits in columns.

        Returns
        -------
        pandas.DataFrame
            Columns ``parameter`` (``"loading"`` or ``"residual_variance"``,
            both standardised), ``item``, then one column per fit.
        """
        long = self.loadings.melt(
            id_vars=["fit", "item"], value_vars=["loading", "residual_variance"],
            var_name="parameter", value_name="value",
        )
        wide = long.pivot_table(index=["parameter", "item"], columns="fit", values="value", sort=False)
        wide = wide[list(self.fits)].reset_index()
        wide.columns.name = None
        return wide

    def __repr__(self) -> str:
        return (
            f"ExpressivenessScores(fits={list(self.fits)}, clips={len(self.scores)}, "
            f"rater_rows={len(self.rater_scores)}, warnings={len(self.warnings)})"
        )


_ADJUSTMENT_COLUMNS = ["fit", "item", "estimate", "action", "fixed_at", "note"]


def _empty_adjustments() -> pd.DataFrame:
    return pd.DataFrame({"fit": pd.Series(dtype=str), "item": pd.Series(dtype=str),
                         "estimate": pd.Series(dtype=float), "action": pd.Series(dtype=str),
                         "fixed_at": pd.Series(dtype=float), "note": pd.Series(dtype=str)})


def _improper_items(res: CFAResult, sub: pd.DataFrame, items) -> list[tuple[str, float]]:
    """Items whose free residual variance is negative or held at 0: ``(item, estimate)``."""
    resid = res.variances[(res.variances["kind"] == "residual") & res.variances["free"]]
    resid = resid.set_index("variable")["estimate"]
    out = []
    for item in items:
        if item in resid.index:
            var = float(np.var(sub[item].to_numpy(dtype=float)))
            if resid[item] <= 1e-8 * var:
                out.append((item, float(resid[item])))
    return out


def _estimated(est: float) -> str:
    return f"estimated at {est:.3g}" if est < 0 else "held at its lower bound 0"


def _fit_with_heywood_rule(sub, items, factor, label, *, backend, nan_policy, method, heywood):
    """Fit one one-factor CFA; handle an improper residual variance by the ``heywood`` rule.

    Returns ``(result, score_method, adjustment_rows)``.
    """
    model = f"{factor} =~ " + " + ".join(items)
    fixed: dict[str, float] = {}
    first: dict[str, float] = {}
    rows = []
    for _ in range(len(items)):
        text = model + "".join(f"\n{item} ~~ {value!r}*{item}" for item, value in fixed.items())
        with warnings.catch_warnings():
            # the caller reports the final fit's warnings (res.warnings) and the adjustments
            warnings.simplefilter("ignore", CFAWarning)
            try:
                res = cfa(sub, text, backend=backend, std_lv=True, nan_policy=nan_policy)
            except ValueError as err:
                raise ValueError(f"fit {label!r}: {err}") from None
        improper = _improper_items(res, sub, items)
        if not improper or heywood == "raise":
            break
        if heywood == "regression":
            for item, est in improper:
                rows.append((label, item, est, "regression scores", np.nan,
                             f"fit {label!r}: the residual variance of {item!r} was {_estimated(est)} "
                             "(a Heywood case); the fit was kept and its labels are regression scores"))
            return res, "regression", rows
        for item, est in improper:
            first.setdefault(item, est)
            values = sub[item].to_numpy(dtype=float)
            fixed[item] = HEYWOOD_FLOOR * float(np.var(values[np.isfinite(values)]))
    else:
        raise ValueError(f"fit {label!r}: the CFA stays improper with every residual variance bounded")
    for item, value in fixed.items():
        rows.append((label, item, first[item], "bounded", value,
                     f"fit {label!r}: the residual variance of {item!r} was {_estimated(first[item])} "
                     f"(a Heywood case); it was bounded at {HEYWOOD_FLOOR:g} of the item's variance "
                     f"({value:.3g}) and the model refitted"))
    return res, method, rows


def _as_list(name, value):
    if isinstance(value, str):
        return [value]
    try:
        out = list(value)
    except TypeError:
        raise TypeError(f"{name} must be a column name or a list of column names, got {value!r}") from None
    if not out or not all(isinstance(v, str) for v in out):
        raise TypeError(f"{name} must be a column name or a non-empty list of column names, got {value!r}")
    return out


def _check_keys(data, columns):
    for c in columns:
        if data[c].isna().any():
            raise ValueError(f"data column {c!r} has missing values; every rating needs its clip and task")


def expressiveness_scores(ratings, items=("response", "emotion", "motion"), *, by="task",
                          clip="clip", rater="rater", backend="semopy", factor="expressiveness",
                          method="bartlett", weights="standardized", nan_policy="raise",
                          all_label="all", heywood="bound") -> ExpressivenessScores:
    """Expressiveness labels: Bartlett scores of a one-factor CFA on averaged ratings.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings: one row per clip x rater, with a numeric column per item
        (the paper: 0-4 answers to three questions) and the ``by``, ``clip``
        and ``rater`` columns.
    items : list of str, default ("response", "emotion", "motion")
        Item columns (at least 3: a one-factor model with fewer is not
        identified).
    by : str or None, default "task"
        Column of tasks (contexts); a CFA is fitted per task and over all
        tasks.  None: only over all clips.
    clip : str or list of str, default "clip"
        Column(s) identifying a clip within a task (e.g. ``["subject",
        "clip"]``).  A clip is identified by ``by`` and ``clip`` together.
    rater : str, default "rater"
        Rater column (kept in ``rater_scores``).
    backend : {"semopy", "lavaan"}, default "semopy"
        CFA backend (see :func:`bitbox_stats.factor.cfa`).
    factor : str, default "expressiveness"
        Name of the factor in the model.
    method : {"bartlett", "regression"}, default "bartlett"
        Factor scores used as labels (the paper: Bartlett).
    weights : {"standardized", "unstandardized"}, default "standardized"
        Loadings that weight each rater's answers in ``rater_scores``.
    nan_policy : {"raise", "omit"}, default "raise"
        Clips whose mean of an item is missing (no rater answered it): an
        error, or left out of the fit (their scores are NaN).
    all_label : str, default "all"
        Label of the fit over all tasks.
    heywood : {"bound", "regression", "raise"}, default "bound"
        What to do when a fit is improper (a Heywood case: a residual variance
        estimated below 0, or held at semopy's bound 0), which is common in
        small samples and leaves Bartlett scores undefined. ``"bound"``: refit
        with that residual variance fixed at ``HEYWOOD_FLOOR`` (1%) of the
        item's variance; ``"regression"``: keep the fit and use regression
        scores for that fit's labels; ``"raise"``: an error (for Bartlett
        scores). Each handled case is warned about and listed in
        ``adjustments``.

    Returns
    -------
    ExpressivenessScores
        ``loadings`` (Table 2, tidy), ``fit``, ``scores`` (per clip),
        ``rater_scores`` (per rating row), ``fits``, ``warnings`` and
        ``adjustments``; every column is described in
        :class:`ExpressivenessScores`.

    Raises
    ------
    ValueError
        For missing columns, missing clip or task labels, fewer than 3 items,
        a task called ``all_label``, or a CFA that cannot be fitted.
    TypeError
        For non-numeric items.

    Notes
    -----
    For each clip c and item j, x_cj is the mean of the clip's ratings of
    item j.  The model is x_j = mu_j + lambda_j eta + e_j with Var(eta) = 1
    (lavaan's ``std.lv``; the mean of eta is 0 because the item means are
    reproduced exactly), fitted by maximum likelihood separately per task and
    over all tasks.  The labels are Bartlett scores
    eta_hat = (L' T^-1 L)^-1 L' T^-1 (x - mu), unbiased for eta.

    A Heywood case (an estimated residual variance theta_j <= 0) makes the
    solution improper and T singular. With ``heywood="bound"`` the model is
    refitted with theta_j fixed at c_j = 0.01 s_jj (s_jj the sample variance
    of the item's clip means), repeated until no free residual variance is
    improper. Fixing at c_j is what a lower bound theta_j >= c_j gives when
    the unbounded estimate lies below it (lavaan users write
    ``x ~~ a*x; a > c``); the item then has a reliability of about .99 in
    that fit, and the Bartlett weights stay finite. The loadings of Table 2
    for that fit are those of the refitted model.

    The per-rater scores of the human baseline follow the paper: "weighting
    their answers to each question by that question's factor loading and
    summing the weighted values", with the standardised loadings of Table 2
    (``weights="standardized"``), those of the rater's task for
    ``score_<by>`` and those of the fit over all tasks for ``score_all``;
    see :func:`rater_scores`.

    References
    ----------
    .. [1] Lin, V., Girard, J. M., & Morency, L.-P. (2020). Context-dependent
       models for predicting and characterizing facial expressiveness
       (section 3, Table 2; section 5, human baseline).
    .. [2] DiStefano, C., Zhu, M., & Mindrila, D. (2009). Understanding and
       using factor scores. Practical Assessment, Research & Evaluation, 14(20).
    .. [3] Rosseel, Y. (2012). lavaan: An R package for structural equation
       modeling. Journal of Statistical Software, 48(2), 1-36.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n_clips, n_raters = 100, 6
    >>> eta = np.repeat(rng.normal(size=n_clips), n_raters)
    >>> def answer(loading):
    ...     x = 2 + loading * eta + rng.normal(scale=0.8, size=eta.size)
    ...     return np.clip(np.round(x), 0, 4)
    >>> ratings = pd.DataFrame({
    ...     "task": np.repeat(["startle", "pain"], n_clips * n_raters // 2),
    ...     "clip": np.repeat(np.arange(n_clips), n_raters),
    ...     "rater": np.tile(np.arange(n_raters), n_clips),
    ...     "response": answer(1.0), "emotion": answer(0.9), "motion": answer(0.6),
    ... })
    >>> res = expressiveness_scores(ratings)
    >>> res.summary().round(2)
               parameter      item  startle  pain   all
    0            loading  response     0.98  0.98  0.98
    1            loading   emotion     0.91  0.89  0.90
    2            loading    motion     0.83  0.85  0.83
    3  residual_variance  response     0.03  0.04  0.04
    4  residual_variance   emotion     0.17  0.20  0.19
    5  residual_variance    motion     0.31  0.28  0.31
    >>> res.scores.columns.tolist()
    ['task', 'clip', 'response', 'emotion', 'motion', 'n_raters', 'score_task', 'score_all']
    >>> len(res.rater_scores)
    600
    """
    ratings = check_dataframe("ratings", ratings)
    items = _as_list("items", list(items) if isinstance(items, tuple) else items)
    if len(items) < 3:
        raise ValueError(
            f"items: a one-factor model needs at least 3 items to be identified, got {len(items)} ({items})"
        )
    clip = _as_list("clip", clip)
    if by is not None and not isinstance(by, str):
        raise TypeError(f"by must be a column name or None, got {type(by).__name__} {by!r}")
    if not isinstance(rater, str):
        raise TypeError(f"rater must be a column name, got {type(rater).__name__} {rater!r}")
    check_choice("backend", backend, BACKENDS)
    check_choice("weights", weights, WEIGHTS)
    check_choice("heywood", heywood, HEYWOOD)
    if not isinstance(factor, str):
        raise TypeError(f"factor must be a string, got {type(factor).__name__}")
    key = ([by] if by else []) + clip
    check_columns("ratings", ratings, [*key, rater])
    check_numeric_columns("ratings", ratings, items)
    _check_keys(ratings, key)
    if by is not None and f"score_{by}" in (*key, *items):
        raise ValueError(f"column name 'score_{by}' is taken; rename it")

    grouped = ratings.groupby(key, sort=False)
    means = grouped[items].mean().reset_index()
    means["n_raters"] = grouped.size().to_numpy()
    subsets: list[tuple[str, np.ndarray]] = []
    if by is not None:
        labels = pd.unique(means[by])
        if any(str(g) == all_label for g in labels):
            raise ValueError(f"ratings column {by!r} has a task called {all_label!r}; pass another all_label")
        for g in labels:
            subsets.append((str(g), (means[by] == g).to_numpy()))
    subsets.append((all_label, np.ones(len(means), dtype=bool)))

    fits: dict[str, CFAResult] = {}
    notes: list[str] = []
    adjustments: list[tuple] = []
    table_rows, fit_rows = [], []
    score_task = np.full(len(means), np.nan)
    score_all = np.full(len(means), np.nan)
    for label, mask in subsets:
        sub = means.loc[mask, items].reset_index(drop=True)
        res, score_method, adjusted = _fit_with_heywood_rule(
            sub, items, factor, label, backend=backend, nan_policy=nan_policy, method=method,
            heywood=heywood)
        fit_notes = [f"{label}: {w}" for w in res.warnings] + [row[-1] for row in adjusted]
        for note in fit_notes:
            warnings.warn(note, CFAWarning, stacklevel=2)
        notes.extend(fit_notes)
        adjustments.extend(adjusted)
        fits[label] = res
        load = res.loadings.set_index("indicator")
        resid = res.variances[res.variances["kind"] == "residual"].set_index("variable")
        for item in items:
            table_rows.append({
                "fit": label, "item": item,
                "loading": load.loc[item, "std_all"],
                "residual_variance": resid.loc[item, "std_all"],
                "loading_unstd": load.loc[item, "estimate"],
                "loading_se": load.loc[item, "se"],
                "residual_variance_unstd": resid.loc[item, "estimate"],
            })
        fit_rows.append(res.fit.assign(fit=label))
        try:
            scores = res.factor_scores(method=score_method)[factor].to_numpy()
        except ValueError as err:
            raise ValueError(f"fit {label!r}: {err}") from None
        if label == all_label:
            score_all[mask] = scores
        else:
            score_task[mask] = scores

    loadings = pd.DataFrame(table_rows)
    fit_table = pd.concat(fit_rows, ignore_index=True)
    fit_table = fit_table[["fit", *[c for c in fit_table.columns if c != "fit"]]]
    scores_out = means.copy()
    if by is not None:
        scores_out[f"score_{by}"] = score_task
    scores_out["score_all"] = score_all
    per_rater = rater_scores(ratings, loadings, items=items, by=by, clip=clip, rater=rater,
                             weights=weights, all_label=all_label)
    adjustment_table = (pd.DataFrame(adjustments, columns=_ADJUSTMENT_COLUMNS) if adjustments
                        else _empty_adjustments())
    return ExpressivenessScores(
        loadings=loadings, fit=fit_table, scores=scores_out, rater_scores=per_rater,
        fits=fits, warnings=tuple(notes), adjustments=adjustment_table,
    )


def rater_scores(ratings, loadings, *, items=("response", "emotion", "motion"), by="task",
                 clip="clip", rater="rater", weights="standardized", all_label="all") -> pd.DataFrame:
    """Each rater's loading-weighted sum of answers (the paper's human baseline).

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings, one row per clip x rater, with the item columns.
    loadings : pandas.DataFrame
        Loadings per fit and item, as ``expressiveness_scores(...).loadings``:
        columns ``fit``, ``item`` and ``loading`` (and ``loading_unstd`` for
        ``weights="unstandardized"``); ``fit`` holds task labels (as
        strings) and ``all_label``.
    items : list of str, default ("response", "emotion", "motion")
        Item columns.
    by : str or None, default "task"
        Task column; each row is weighted by its task's loadings.
    clip : str or list of str, default "clip"
        Clip column(s), copied to the output.
    rater : str, default "rater"
        Rater column, copied to the output.
    weights : {"standardized", "unstandardized"}, default "standardized"
        Which loadings weight the answers (column ``loading`` or
        ``loading_unstd``).
    all_label : str, default "all"
        Fit label of the loadings over all tasks.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``ratings``, in order, with the ``by``, ``clip``
        and ``rater`` columns, then ``score_<by>`` (sum over items of answer x
        the task's loading; item units x loading), ``z_<by>`` (that score
        standardised within the task: mean 0, SD 1 with ddof 1),
        ``score_all`` and ``z_all`` (the same with the loadings of the fit
        over all tasks, standardised over all rows).  A row with a missing
        answer has NaN scores; the standardisation ignores NaN.

    Notes
    -----
    score = sum_j lambda_j x_j, the paper's "estimated factor score for each
    rater ... by weighting their answers to each question by that question's
    factor loading and summing the weighted values"; the paper then
    standardises these sums and compares them with the mean of the other
    raters' scores.  With ``weights="standardized"`` the loadings are those
    reported in Table 2.

    References
    ----------
    .. [1] Lin, V., Girard, J. M., & Morency, L.-P. (2020). Context-dependent
       models for predicting and characterizing facial expressiveness
       (section 5, human baseline).

    Examples
    --------
    >>> ratings = pd.DataFrame({"task": ["a", "a", "b"], "clip": [1, 1, 2], "rater": [1, 2, 3],
    ...                         "q1": [1, 2, 3], "q2": [0, 1, 4]})
    >>> loadings = pd.DataFrame({"fit": ["a", "a", "b", "b", "all", "all"],
    ...                          "item": ["q1", "q2"] * 3,
    ...                          "loading": [0.5, 1.0, 1.0, 1.0, 0.8, 0.6]})
    >>> rater_scores(ratings, loadings, items=["q1", "q2"])[["rater", "score_task", "score_all"]]
       rater  score_task  score_all
    0      1         0.5        0.8
    1      2         2.0        2.2
    2      3         7.0        4.8
    """
    ratings = check_dataframe("ratings", ratings)
    if not isinstance(loadings, pd.DataFrame):
        raise TypeError(f"loadings must be a pandas DataFrame, got {type(loadings).__name__}")
    items = _as_list("items", list(items) if isinstance(items, tuple) else items)
    clip = _as_list("clip", clip)
    weights = check_choice("weights", weights, WEIGHTS)
    column = "loading" if weights == "standardized" else "loading_unstd"
    check_columns("loadings", loadings, ["fit", "item", column])
    key = ([by] if by else []) + clip
    check_columns("ratings", ratings, [*key, rater])
    check_numeric_columns("ratings", ratings, items)
    table = loadings.pivot_table(index="fit", columns="item", values=column, aggfunc="first")
    missing = [i for i in items if i not in table.columns]
    if missing:
        raise ValueError(f"loadings has no loading for item {missing[0]!r}")
    x = ratings[items].to_numpy(dtype=float)
    out = ratings[[*key, rater]].reset_index(drop=True)

    def standardise(values, groups=None):
        s = pd.Series(values)
        if groups is None:
            return ((s - s.mean()) / s.std(ddof=1)).to_numpy()
        g = s.groupby(groups, sort=False)
        return ((s - g.transform("mean")) / g.transform("std")).to_numpy()

    if by is not None:
        task = ratings[by].astype(str).to_numpy()
        unknown = sorted(set(task) - set(table.index))
        if unknown:
            raise ValueError(f"loadings has no fit for task {unknown[0]!r} (fits: {list(table.index)})")
        w = table.loc[task, items].to_numpy(dtype=float)
        out[f"score_{by}"] = np.sum(x * w, axis=1)
        out[f"z_{by}"] = standardise(out[f"score_{by}"].to_numpy(), task)
    if all_label in table.index:
        w_all = table.loc[all_label, items].to_numpy(dtype=float)
        out["score_all"] = x @ w_all
        out["z_all"] = standardise(out["score_all"].to_numpy())
    elif by is None:
        raise ValueError(f"loadings has no fit {all_label!r} (fits: {list(table.index)})")
    return out
