"""Predicting expressiveness: subject-grouped splits, the ElasticNet grid search, baselines.

The paper's models (section 4) and baselines (section 5): a 60/20/20
train/validation/test split that never puts one subject in two partitions,
an ElasticNet tuned over a fixed grid of penalties and L1 ratios (l1_ratio = 0
being the exact ridge solution), one model per task and one over all tasks,
and the uniform, normal and human baselines.

The models' test predictions come back as *long predictions*: one row per
model and scored row, with the columns ``model``, ``row`` (the row's position
in the input data), the subject column, any carried id columns, ``y`` (truth)
and ``yhat`` (prediction), plus ``context`` from :func:`fit_by_context`. That
table is what :mod:`bitbox_stats.tables` and :func:`bitbox_stats.bootstrap.cluster_bootstrap`
take.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.linear_model import ElasticNet, Ridge
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._validation import (
    check_choice,
    check_column_name,
    check_columns,
    check_dataframe,
    check_int,
    check_numeric_columns,
    check_positive,
    check_probability,
    check_real,
    check_rng,
)
from .metrics import nrmse, pearson_r, rmse

__all__ = [
    "ContextResult",
    "ElasticNetResult",
    "GridCell",
    "HumanBaselineResult",
    "baseline_predictions",
    "elasticnet_grid",
    "fit_by_context",
    "group_split",
    "group_split_labels",
    "human_baseline",
    "normal_baseline",
    "uniform_baseline",
]

PARTITIONS = ("train", "validation", "test")
DEFAULT_ALPHAS = (0.01, 0.05, 0.1, 0.5, 1.0)
DEFAULT_L1_RATIOS = tuple(round(0.1 * i, 1) for i in range(11))


# --- splits -------------------------------------------------------------------------------------


def _check_sizes(sizes) -> tuple[float, float, float]:
    if isinstance(sizes, str) or not isinstance(sizes, Sequence) or len(sizes) != 3:
        raise ValueError(f"sizes must be three fractions (train, validation, test), got {sizes!r}")
    out = tuple(check_probability(f"sizes[{i}]", s) for i, s in enumerate(sizes))
    if abs(sum(out) - 1.0) > 1e-8:
        raise ValueError(f"sizes must sum to 1, got {sizes!r} (sum {sum(out):.6g})")
    return out


def _check_groups(name, values) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` of a group vector; missing groups are an error."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if series.isna().any():
        raise ValueError(f"{name} has {int(series.isna().sum())} missing value(s); every row needs a group")
    try:
        codes, uniques = pd.factorize(series, sort=True)
    except TypeError:  # mixed, unorderable labels: order of appearance
        codes, uniques = pd.factorize(series, sort=False)
    return codes.astype(np.intp), np.asarray(uniques)


_SPLIT_TRIES = 64


def group_split_labels(groups, sizes=(0.6, 0.2, 0.2), seed=None, *, balance="rows", min_groups=1) -> np.ndarray:
    """Train/validation/test labels for rows, keeping each group in one partition.

    The array form of :func:`group_split`.

    Parameters
    ----------
    groups : array_like or pandas.Series
        The group (subject) of each row; no missing values.
    sizes : tuple of 3 floats, default (0.6, 0.2, 0.2)
        Target shares of the train, validation and test partitions, each
        strictly between 0 and 1, summing to 1.
    seed : int or numpy.random.Generator, optional
        Seed for a reproducible split.
    balance : {"rows", "groups"}, default "rows"
        Whether ``sizes`` are shares of rows or of groups.
    min_groups : int, default 1
        Fewest groups per partition.

    Returns
    -------
    numpy.ndarray of str
        ``"train"``, ``"validation"`` or ``"test"`` for each row, in the order
        of ``groups``.

    Notes
    -----
    The groups (sorted by label, so that the row order does not matter) are
    put in a random order; the partitions take consecutive runs of that order.
    With :math:`c_k` the share of rows (or of groups) of the first :math:`k`
    groups, the train/validation boundary is the :math:`k` minimising
    :math:`|c_k - s_1|` and the validation/test boundary the :math:`k`
    minimising :math:`|c_k - (s_1 + s_2)|` (the first such :math:`k` on ties),
    with at least ``min_groups`` groups on each side. Up to 64 random orders
    are drawn and the first with the smallest total distance to the targets
    is kept (a large group drawn last could otherwise be forced into the test
    part). Each boundary is within half a group of its target whenever the
    largest group is at most half of the smaller of the validation and test
    shares.

    Examples
    --------
    >>> subjects = np.repeat(["s1", "s2", "s3", "s4", "s5"], 2)
    >>> labels = group_split_labels(subjects, seed=1, balance="groups")
    >>> pd.Series(labels).value_counts().sort_index().to_dict()
    {'test': 2, 'train': 6, 'validation': 2}
    """
    sizes = _check_sizes(sizes)
    check_choice("balance", balance, ["rows", "groups"])
    min_groups = check_int("min_groups", min_groups, minimum=1)
    codes, uniques = _check_groups("groups", groups)
    G = len(uniques)
    if G < 3 * min_groups:
        raise ValueError(
            f"a train/validation/test split needs at least {3 * min_groups} groups "
            f"({min_groups} per partition), got {G}"
        )
    rng = check_rng(seed)
    weights = np.bincount(codes, minlength=G).astype(float) if balance == "rows" else np.ones(G)
    k = np.arange(G + 1)

    def boundary(cum, target, lo, hi):
        ok = (k >= lo) & (k <= hi)
        return int(k[ok][np.argmin(np.abs(cum[ok] - target))])

    best = None
    for _ in range(_SPLIT_TRIES):  # a few random orders; the first closest to the targets wins
        order = rng.permutation(G)
        cum = np.concatenate([[0.0], np.cumsum(weights[order])]) / weights.sum()
        b1 = boundary(cum, sizes[0], min_groups, G - 2 * min_groups)
        b2 = boundary(cum, sizes[0] + sizes[1], b1 + min_groups, G - min_groups)
        error = abs(cum[b1] - sizes[0]) + abs(cum[b2] - sizes[0] - sizes[1])
        if best is None or error < best[0] - 1e-12:
            best = (error, order, b1, b2)
        if error < 1e-12:
            break
    _, order, b1, b2 = best
    part_of_group = np.empty(G, dtype=np.intp)
    part_of_group[order[:b1]] = 0
    part_of_group[order[b1:b2]] = 1
    part_of_group[order[b2:]] = 2
    return np.array(PARTITIONS, dtype=object)[part_of_group[codes]].astype(str)


def group_split(data, groups="subject", sizes=(0.6, 0.2, 0.2), seed=None, *, balance="rows") -> pd.DataFrame:
    """Split rows into train, validation and test with no subject in two partitions.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data, one row per clip (or other unit).
    groups : str, default "subject"
        Column whose values must not be split across partitions.
    sizes : tuple of 3 floats, default (0.6, 0.2, 0.2)
        Target shares of train, validation and test, summing to 1 (the paper's
        60/20/20).
    seed : int or numpy.random.Generator, optional
        Seed for a reproducible split.
    balance : {"rows", "groups"}, default "rows"
        Balance the partitions on rows (clips; the default, since subjects can
        have different numbers of clips) or on the number of groups.

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` (with a fresh RangeIndex, rows in the same order)
        plus a ``partition`` column (str): ``"train"``, ``"validation"`` or
        ``"test"``.

    Notes
    -----
    See :func:`group_split_labels` for how the boundaries are placed. Every
    partition gets at least one group; fewer than 3 groups is an error.

    Examples
    --------
    >>> data = pd.DataFrame({"subject": np.repeat(np.arange(10), 4), "x": np.arange(40.0)})
    >>> split = group_split(data, "subject", seed=3)
    >>> split.groupby("partition")["subject"].nunique().to_dict()
    {'test': 2, 'train': 6, 'validation': 2}
    >>> int(split.groupby("subject")["partition"].nunique().max())
    1
    """
    data = check_dataframe("data", data)
    check_column_name("groups", groups)
    check_columns("data", data, [groups])
    if "partition" in data.columns:
        raise ValueError("data already has a 'partition' column; drop or rename it first")
    labels = group_split_labels(data[groups], sizes, seed, balance=balance)
    out = data.reset_index(drop=True)
    out["partition"] = labels
    return out


# --- ElasticNet grid ---------------------------------------------------------------------------


class GridCell(NamedTuple):
    """One cell of the hyper-parameter grid.

    Attributes
    ----------
    alpha : float
        Penalty strength.
    l1_ratio : float
        Share of the L1 penalty (0 is ridge, 1 is lasso).
    """

    alpha: float
    l1_ratio: float


@dataclass(frozen=True, repr=False, eq=False)
class ElasticNetResult:
    """Result of :func:`elasticnet_grid`.

    Attributes
    ----------
    grid : pandas.DataFrame
        One row per grid cell: ``alpha``, ``l1_ratio``, ``validation_rmse``,
        ``validation_r``, ``n_nonzero`` and ``chosen``.
    best : GridCell
        The chosen ``(alpha, l1_ratio)``.
    weights : pandas.DataFrame
        ``feature`` (str) and ``weight`` (float): the refitted model's
        coefficients on the standardised features (the paper's Figure 4).
    predictions : pandas.DataFrame
        Long predictions for the test rows (see the module docstring).
    test_metrics : pandas.DataFrame
        One row: ``n``, ``n_groups``, ``rmse``, ``nrmse``, ``r`` on the test rows.
    split : pandas.DataFrame
        ``row``, the group column and ``partition`` for every row of the data.
    estimator_ : sklearn.pipeline.Pipeline
        The refitted standardiser and model (``ElasticNet``, or ``Ridge`` for
        l1_ratio = 0).
    selection : str
        ``"validation"`` or ``"group_kfold"``.
    """

    grid: pd.DataFrame
    best: GridCell
    weights: pd.DataFrame
    predictions: pd.DataFrame
    test_metrics: pd.DataFrame
    split: pd.DataFrame
    estimator_: Pipeline
    selection: str

    def summary(self) -> pd.DataFrame:
        """One row: the chosen cell, partition sizes, intercept and test metrics.

        Returns
        -------
        pandas.DataFrame
            Columns: ``alpha``, ``l1_ratio``, ``selection``, ``n_train``,
            ``n_validation``, ``n_test`` (rows), ``n_features``, ``n_nonzero``
            (features with a non-zero weight), ``intercept`` (prediction at the
            training means of all features), ``test_rmse``, ``test_nrmse``, ``test_r``.
        """
        sizes = self.split["partition"].value_counts()
        tm = self.test_metrics.iloc[0]
        return pd.DataFrame({
            "alpha": [self.best.alpha],
            "l1_ratio": [self.best.l1_ratio],
            "selection": [self.selection],
            "n_train": [int(sizes.get("train", 0))],
            "n_validation": [int(sizes.get("validation", 0))],
            "n_test": [int(sizes.get("test", 0))],
            "n_features": [self.weights.shape[0]],
            "n_nonzero": [int((self.weights["weight"] != 0).sum())],
            "intercept": [float(self.estimator_[-1].intercept_)],
            "test_rmse": [float(tm["rmse"])],
            "test_nrmse": [float(tm["nrmse"])],
            "test_r": [float(tm["r"])],
        })

    def __repr__(self) -> str:
        tm = self.test_metrics.iloc[0]
        return (
            f"ElasticNetResult(alpha={self.best.alpha:g}, l1_ratio={self.best.l1_ratio:g}, "
            f"{self.weights.shape[0]} features, test n={int(tm['n'])}: "
            f"nrmse={tm['nrmse']:.3f}, r={tm['r']:.3f})"
        )


def _power_of_two_factors(X: np.ndarray) -> np.ndarray:
    """Per column, 2^-e with 2^e <= max|x| < 2^(e+1) (1 for an all-zero column)."""
    big = np.max(np.abs(X), axis=0) if X.size else np.zeros(X.shape[1])
    _, exponent = np.frexp(np.where(big > 0, big, 1.0))
    return np.ldexp(1.0, -(exponent - 1))


class _StandardScaler(StandardScaler):
    """scikit-learn's StandardScaler, with statistics that cannot overflow or underflow.

    The means and standard deviations are computed on the features multiplied
    by a power of two that brings each to a magnitude of about 1, then divided
    by it again. Multiplying by a power of two changes no digit of a number,
    so every statistic, weight and prediction is bit for bit that of
    StandardScaler, except that features near 1e200 (whose squares overflow)
    or 1e-200 (whose squares underflow) are standardised correctly too.
    ``var_`` is kept in the scaled units (it may not be representable in the
    feature's own).
    """

    def fit(self, X, y=None, sample_weight=None):
        X = np.asarray(X, dtype=float)
        factors = _power_of_two_factors(X)
        super().fit(X * factors, y, sample_weight=sample_weight)
        if self.with_mean:
            self.mean_ = self.mean_ / factors
        if self.with_std:
            self.scale_ = self.scale_ / factors
        return self


def _estimator(alpha, l1_ratio, n_fit, max_iter, tol) -> Pipeline:
    """Standardiser + ElasticNet, or the exact ridge solution of the same objective for l1_ratio 0."""
    if l1_ratio == 0:
        # ElasticNet: (1/(2n))||y - Xb||^2 + (alpha/2)||b||^2; times 2n: Ridge with alpha * n
        model = Ridge(alpha=alpha * n_fit)
    else:
        model = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, max_iter=max_iter, tol=tol)
    return Pipeline([("scale", _StandardScaler()), ("model", model)])


def _score(y, yhat) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # r of a constant prediction is NaN
        return rmse(y, yhat), pearson_r(y, yhat)


def _check_grid_values(name, values, *, lo_open, hi=None) -> list[float]:
    if isinstance(values, numbers.Real) and not isinstance(values, bool):
        values = [values]
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray) or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty list of numbers, got {values!r}")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise TypeError(f"{name} must hold finite numbers, got {v!r}")
        v = float(v)
        if (lo_open and v <= 0) or (not lo_open and v < 0) or (hi is not None and v > hi):
            bound = "> 0" if lo_open else f"in [0, {hi}]"
            raise ValueError(f"{name} values must be {bound}, got {v}")
        out.append(v)
    if len(set(out)) != len(out):
        raise ValueError(f"{name} has repeated values: {values!r}")
    return out


def _check_split_column(data, split, groups) -> np.ndarray:
    check_columns("data", data, [split])
    labels = data[split]
    if labels.isna().any():
        raise ValueError(f"split column {split!r} has {int(labels.isna().sum())} missing value(s)")
    labels = labels.astype(str).to_numpy()
    bad = sorted(set(labels) - set(PARTITIONS))
    if bad:
        raise ValueError(f"split column {split!r} must hold 'train', 'validation' or 'test', got {bad[0]!r}")
    crossing = pd.DataFrame({"g": data[groups].to_numpy(), "p": labels}).groupby("g")["p"].nunique()
    if (crossing > 1).any():
        g = crossing.index[crossing > 1][0]
        raise ValueError(f"split column {split!r} puts group {g!r} in more than one partition")
    return labels


def _check_partition_groups(labels, group_codes, selection, n_splits):
    counts = {p: len(np.unique(group_codes[labels == p])) for p in PARTITIONS}
    needed = ["train", "test"] + (["validation"] if selection == "validation" else [])
    for p in needed:
        if counts[p] < 2:
            raise ValueError(
                f"elasticnet_grid needs at least 2 groups in each partition; the split has "
                f"{counts[p]} in {p!r} ({counts}); use more subjects or other sizes"
            )
    if selection == "group_kfold":
        fit_groups = len(np.unique(group_codes[labels != "test"]))
        if fit_groups < n_splits:
            raise ValueError(
                f"selection='group_kfold' with n_splits={n_splits} needs at least {n_splits} "
                f"groups in train + validation, got {fit_groups}"
            )


def elasticnet_grid(data, features, target, groups="subject", *, alphas=DEFAULT_ALPHAS,
                    l1_ratios=DEFAULT_L1_RATIOS, selection="validation", sizes=(0.6, 0.2, 0.2),
                    split=None, balance="rows", n_splits=5, refit="train+validation",
                    id_columns=None, max_iter=100_000, tol=1e-7, score_range=7.0,
                    seed=None) -> ElasticNetResult:
    """ElasticNet tuned over a fixed grid with subject-grouped train/validation/test splits.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per clip: the features, the target and the group column.
    features : list of str
        Numeric feature columns (no missing values).
    target : str
        Numeric target column (e.g. the CFA expressiveness score).
    groups : str, default "subject"
        Group column; no group is in two partitions.
    alphas : sequence of float, default (0.01, 0.05, 0.1, 0.5, 1.0)
        Penalty strengths, > 0 (the paper's grid).
    l1_ratios : sequence of float, default (0.0, 0.1, ..., 1.0)
        L1 shares of the penalty in [0, 1]; 0 is ridge, 1 the lasso.
    selection : {"validation", "group_kfold"}, default "validation"
        Score each cell on the validation partition (fit on train), or by
        group k-fold cross-validation over train + validation.
    sizes : tuple of 3 floats, default (0.6, 0.2, 0.2)
        Target train/validation/test shares for the split (see :func:`group_split`).
    split : str, optional
        A column of ``data`` that already holds ``"train"``/``"validation"``/
        ``"test"`` (e.g. from :func:`group_split`); then ``sizes`` and
        ``balance`` are not used.
    balance : {"rows", "groups"}, default "rows"
        Passed to :func:`group_split_labels`.
    n_splits : int, default 5
        Folds for ``selection="group_kfold"``.
    refit : {"train+validation", "train"}, default "train+validation"
        Rows the chosen cell is refitted on (standardiser included).
    id_columns : list of str, optional
        Columns carried into ``predictions`` (e.g. ``["clip", "task"]``).
    max_iter, tol : int, float
        Coordinate-descent settings of scikit-learn's ``ElasticNet``
        (tighter than its defaults, so that weights are accurate to about 1e-6).
    score_range : float, default 7.0
        Theoretical score range for the test NRMSE.
    seed : int or numpy.random.Generator, optional
        Seed for the split (the fits themselves are deterministic).

    Returns
    -------
    ElasticNetResult
        ``grid`` (one row per cell: ``alpha``, ``l1_ratio``, ``validation_rmse``
        and ``validation_r`` — on the validation rows, or the means over folds —,
        ``n_nonzero`` features with non-zero weight when fitted for scoring,
        ``chosen`` bool), ``best``, ``weights`` (``feature``, ``weight``),
        ``predictions`` (test rows: ``model`` = "ElasticNet", ``row`` = position
        in ``data``, the group column, the ``id_columns``, ``y``, ``yhat``),
        ``test_metrics`` (``n``, ``n_groups``, ``rmse`` in target units, ``nrmse``,
        ``r``), ``split`` (``row``, group, ``partition`` for all rows),
        ``estimator_`` and ``summary()``.

    Notes
    -----
    scikit-learn's ElasticNet minimises

    .. math:: \\frac{1}{2n}\\lVert y - b_0 - Xb\\rVert^2 + \\alpha\\rho\\lVert b\\rVert_1
              + \\frac{\\alpha(1-\\rho)}{2}\\lVert b\\rVert_2^2

    with :math:`\\rho` the ``l1_ratio``. Coordinate descent is not meant for
    :math:`\\rho = 0`; that cell is fitted with the exact ridge solution of the
    same objective, ``Ridge(alpha = n * alpha)`` (multiply the objective by
    :math:`2n`), with the same unpenalised intercept.

    Features are standardised (mean 0, population SD 1) on the rows a model is
    fitted on only, inside the pipeline; a constant feature stays 0 and gets a
    weight of 0. The weights are the coefficients on the standardised features
    (the target is not rescaled). The chosen cell has the lowest
    ``validation_rmse``; cells equal to 12 significant digits are ordered by
    larger ``alpha``, then smaller ``l1_ratio`` (the more strongly penalised,
    less sparse model wins). For ``"group_kfold"`` the folds are scikit-learn's
    ``GroupKFold`` (deterministic, groups balanced over folds) over train +
    validation, and ``validation_rmse`` is the mean of the fold RMSEs. The
    chosen cell is then refitted (``refit``) and the test rows are predicted
    once.

    References
    ----------
    1. Zou, H., Hastie, T. (2005). Regularization and variable selection via the
       elastic net. Journal of the Royal Statistical Society B, 67(2), 301-320.
    2. Pedregosa, F. et al. (2011). Scikit-learn: machine learning in Python.
       JMLR 12, 2825-2830 (``ElasticNet``, ``Ridge``).
    3. Lin, V., Girard, J. M., Morency, L.-P. Context-dependent models for
       predicting and characterizing facial expressiveness (sections 4-5).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"subject": np.repeat(np.arange(40), 5)})
    >>> data["au"] = rng.normal(size=200)
    >>> data["head"] = rng.normal(size=200)
    >>> data["score"] = 0.8 * data["au"] + rng.normal(0, 0.5, 200)
    >>> res = elasticnet_grid(data, ["au", "head"], "score", seed=1)
    >>> res.grid.shape
    (55, 6)
    >>> res.weights.round(1)
      feature  weight
    0      au     0.7
    1    head     0.0
    >>> res.predictions.columns.tolist()
    ['model', 'row', 'subject', 'y', 'yhat']
    """
    data = check_dataframe("data", data)
    features = _feature_list(features)
    check_column_name("target", target)
    check_column_name("groups", groups)
    check_numeric_columns("data", data, features + [target])
    check_columns("data", data, [groups])
    id_columns = [] if id_columns is None else _feature_list(id_columns, "id_columns")
    check_columns("data", data, id_columns)
    _check_no_missing(data, features + [target])
    check_choice("selection", selection, ["validation", "group_kfold"])
    check_choice("refit", refit, ["train+validation", "train"])
    alphas = _check_grid_values("alphas", alphas, lo_open=True)
    l1_ratios = _check_grid_values("l1_ratios", l1_ratios, lo_open=False, hi=1.0)
    n_splits = check_int("n_splits", n_splits, minimum=2)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    tol = check_positive("tol", tol)
    score_range = check_positive("score_range", score_range)
    rng = check_rng(seed)

    group_codes, _ = _check_groups(f"data column {groups!r}", data[groups])
    if split is None:
        labels = group_split_labels(data[groups], sizes, rng, balance=balance, min_groups=2)
    else:
        labels = _check_split_column(data, split, groups)
    _check_partition_groups(labels, group_codes, selection, n_splits)

    X = data[features].to_numpy(dtype=float)
    y = data[target].to_numpy(dtype=float)
    train, val, test = (labels == p for p in PARTITIONS)
    fit_rows = train | val

    cells = [(a, r) for a in alphas for r in l1_ratios]
    grid_rows, cell_fits = [], []
    if selection == "group_kfold":
        idx = np.flatnonzero(fit_rows)
        folds = [(idx[tr], idx[va]) for tr, va in
                 GroupKFold(n_splits=n_splits).split(X[idx], y[idx], group_codes[idx])]
    for a, r in cells:
        if selection == "validation":
            est = _estimator(a, r, int(train.sum()), max_iter, tol).fit(X[train], y[train])
            v_rmse, v_r = _score(y[val], est.predict(X[val]))
        else:
            fold_scores = []
            for tr, va in folds:
                f_est = _estimator(a, r, len(tr), max_iter, tol).fit(X[tr], y[tr])
                fold_scores.append(_score(y[va], f_est.predict(X[va])))
            v_rmse, v_r = (float(np.mean(s)) for s in zip(*fold_scores, strict=True))
            est = _estimator(a, r, int(fit_rows.sum()), max_iter, tol).fit(X[fit_rows], y[fit_rows])
        nonzero = int(np.count_nonzero(est[-1].coef_))
        cell_fits.append(est)
        grid_rows.append((a, r, v_rmse, v_r, nonzero))
    grid = pd.DataFrame(grid_rows, columns=["alpha", "l1_ratio", "validation_rmse", "validation_r", "n_nonzero"])
    rounded = grid["validation_rmse"].map(lambda v: float(f"{v:.12g}"))
    order = np.lexsort((grid["l1_ratio"].to_numpy(), -grid["alpha"].to_numpy(), rounded.to_numpy()))
    chosen = int(order[0])
    grid["chosen"] = np.arange(len(grid)) == chosen
    best = GridCell(float(grid.loc[chosen, "alpha"]), float(grid.loc[chosen, "l1_ratio"]))

    refit_rows = fit_rows if refit == "train+validation" else train
    scored_on = train if selection == "validation" else fit_rows
    if refit_rows is scored_on:  # the chosen cell was already fitted on exactly these rows
        final = cell_fits[chosen]
    else:
        final = _estimator(best.alpha, best.l1_ratio, int(refit_rows.sum()), max_iter, tol)
        final.fit(X[refit_rows], y[refit_rows])
    yhat = final.predict(X[test])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        test_r = pearson_r(y[test], yhat)
    if not np.isfinite(test_r):
        warnings.warn("test correlation is undefined: the chosen model predicts a constant "
                      "(all weights 0) or the test target is constant; r is NaN",
                      RuntimeWarning, stacklevel=2)
    test_rmse = rmse(y[test], yhat)
    rows = np.flatnonzero(test)
    predictions = pd.DataFrame({"model": "ElasticNet", "row": rows})
    predictions[groups] = data[groups].to_numpy()[rows]
    for c in id_columns:
        if c not in (groups, "model", "row", "y", "yhat"):
            predictions[c] = data[c].to_numpy()[rows]
    predictions["y"] = y[test]
    predictions["yhat"] = yhat
    test_metrics = pd.DataFrame({
        "n": [int(test.sum())],
        "n_groups": [len(np.unique(group_codes[test]))],
        "rmse": [test_rmse],
        "nrmse": [test_rmse / score_range],
        "r": [test_r],
    })
    weights = pd.DataFrame({"feature": features, "weight": np.asarray(final[-1].coef_, dtype=float)})
    split_table = pd.DataFrame({"row": np.arange(data.shape[0]), groups: data[groups].to_numpy(),
                                "partition": labels})
    return ElasticNetResult(grid=grid, best=best, weights=weights, predictions=predictions,
                            test_metrics=test_metrics, split=split_table, estimator_=final,
                            selection=selection)


def _feature_list(features, name="features") -> list[str]:
    if isinstance(features, str):
        return [features]
    if not isinstance(features, Sequence) or len(features) == 0 \
            or not all(isinstance(f, str) for f in features):
        raise TypeError(f"{name} must be a non-empty list of column names, got {features!r}")
    if len(set(features)) != len(features):
        raise ValueError(f"{name} has repeated names: {list(features)!r}")
    return list(features)


def _check_no_missing(data, columns):
    for c in columns:
        bad = ~np.isfinite(data[c].to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            raise ValueError(
                f"data column {c!r} has {int(bad.sum())} missing or infinite value(s); "
                "drop or impute those rows first"
            )


# --- one model per context ------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class ContextResult:
    """Result of :func:`fit_by_context`.

    Attributes
    ----------
    results : dict of str to ElasticNetResult
        One fit per context, in order (the contexts, then ``"all"``).
    grid, weights, predictions, test_metrics : pandas.DataFrame
        The per-context tables of :class:`ElasticNetResult` stacked, with a
        ``context`` column (str) first.
    """

    results: dict
    grid: pd.DataFrame
    weights: pd.DataFrame
    predictions: pd.DataFrame
    test_metrics: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """One row per context.

        Returns
        -------
        pandas.DataFrame
            ``context`` plus the columns of :meth:`ElasticNetResult.summary`.
        """
        return _stack({k: v.summary() for k, v in self.results.items()})

    def __repr__(self) -> str:
        return f"ContextResult(contexts={list(self.results)})"


def _stack(frames: dict) -> pd.DataFrame:
    parts = [f.assign(context=k)[["context", *f.columns]] for k, f in frames.items()]
    return pd.concat(parts, ignore_index=True)


def fit_by_context(data, features, target, context="task", groups="subject", *, include_all=True,
                   all_label="all", all_target=None, seed=None, **kwargs) -> ContextResult:
    """One ElasticNet grid search per context (task) and one over all contexts.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per clip with the features, target, context and group columns.
    features : list of str
        Feature columns.
    target : str
        Target column.
    context : str, default "task"
        Column naming the context of each row; contexts are taken in order of
        first appearance and shown as str.
    groups : str, default "subject"
        Group column.
    include_all : bool, default True
        Also fit one model over all rows.
    all_label : str, default "all"
        Context label of that model; must not be a context value.
    all_target : str, optional
        Target column of the model over all contexts, when it differs from
        ``target`` (the paper's labels come from one CFA per task and one over
        all tasks); default ``target``.
    seed : int or numpy.random.Generator, optional
        Seed; each context gets its own split from an independent child
        generator (``Generator.spawn``), so contexts do not share draws.
    **kwargs
        Passed to :func:`elasticnet_grid` (``alphas``, ``l1_ratios``,
        ``selection``, ``sizes``, ``id_columns``, ...).

    Returns
    -------
    ContextResult
        ``results`` (dict of :class:`ElasticNetResult`), and ``grid``,
        ``weights``, ``predictions`` and ``test_metrics`` stacked with a
        ``context`` column. In ``predictions``, ``row`` is the position in
        ``data`` (not in the context's subset).

    Notes
    -----
    As in the paper, each context gets its own 60/20/20 split by subject and
    the all-context model its own split over everything, so a subject can be
    in the test partition of one context and the training partition of another.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"subject": np.tile(np.repeat(np.arange(20), 3), 2),
    ...                      "task": np.repeat(["startle", "pain"], 60)})
    >>> data["au"] = rng.normal(size=120)
    >>> data["score"] = np.where(data["task"] == "pain", -0.5, 0.9) * data["au"] + rng.normal(0, .3, 120)
    >>> res = fit_by_context(data, ["au"], "score", seed=1, alphas=[0.01], l1_ratios=[0.0, 0.5])
    >>> res.weights.round(1)
       context feature  weight
    0  startle      au     0.9
    1     pain      au    -0.5
    2      all      au     0.2
    """
    data = check_dataframe("data", data)
    check_column_name("context", context)
    check_columns("data", data, [context])
    if data[context].isna().any():
        raise ValueError(f"context column {context!r} has {int(data[context].isna().sum())} missing value(s)")
    if not isinstance(include_all, bool | np.bool_):
        raise TypeError(f"include_all must be True or False, got {include_all!r}")
    labels = data[context].astype(str).to_numpy()
    contexts = list(pd.unique(labels))
    if include_all and all_label in contexts:
        raise ValueError(f"all_label {all_label!r} is also a value of the context column; pick another")
    if "seed" in kwargs or "split" in kwargs:
        raise TypeError("fit_by_context makes its own splits; pass seed= directly and no split=")
    rng = check_rng(seed)
    todo = [(c, np.flatnonzero(labels == c), target) for c in contexts]
    if include_all:
        todo.append((all_label, np.arange(data.shape[0]), target if all_target is None else all_target))
    children = rng.spawn(len(todo))
    results = {}
    for (label, pos, column), child in zip(todo, children, strict=True):
        sub = data.iloc[pos]
        try:
            res = elasticnet_grid(sub, features, column, groups, seed=child, **kwargs)
        except ValueError as err:
            raise ValueError(f"context {label!r}: {err}") from None
        preds = res.predictions.assign(row=pos[res.predictions["row"].to_numpy()])
        split = res.split.assign(row=pos)
        results[label] = replace(res, predictions=preds, split=split)
    return ContextResult(
        results=results,
        grid=_stack({k: v.grid for k, v in results.items()}),
        weights=_stack({k: v.weights for k, v in results.items()}),
        predictions=_stack({k: v.predictions for k, v in results.items()}),
        test_metrics=_stack({k: v.test_metrics for k, v in results.items()}),
    )


# --- baselines ----------------------------------------------------------------------------------


def _count(n_or_y) -> int:
    if isinstance(n_or_y, numbers.Integral) and not isinstance(n_or_y, bool):
        return check_int("n", n_or_y, minimum=1)
    if isinstance(n_or_y, str | bytes) or not hasattr(n_or_y, "__len__"):
        raise TypeError(f"n_or_y must be a count or an array of true scores, got {type(n_or_y).__name__}")
    n = len(n_or_y)
    if n == 0:
        raise ValueError("n_or_y is empty")
    return n


def uniform_baseline(n_or_y, low=-3.5, high=3.5, seed=None) -> np.ndarray:
    """Predictions drawn uniformly over the theoretical score range.

    Parameters
    ----------
    n_or_y : int or array_like
        Number of predictions, or the true scores (one prediction each).
    low, high : float, default -3.5, 3.5
        The range (the paper's theoretical range of the expressiveness score).
    seed : int or numpy.random.Generator, optional
        Seed for reproducible draws.

    Returns
    -------
    numpy.ndarray
        ``n`` float predictions, in score units.

    Notes
    -----
    :math:`\\hat y_i \\sim U(\\text{low}, \\text{high})` independently
    (``Generator.uniform``).

    References
    ----------
    1. Lin, V., Girard, J. M., Morency, L.-P. Context-dependent models for
       predicting and characterizing facial expressiveness (section 5, baselines).

    Examples
    --------
    >>> yhat = uniform_baseline(1000, seed=1)
    >>> bool(yhat.min() >= -3.5 and yhat.max() < 3.5), yhat.shape
    (True, (1000,))
    """
    n = _count(n_or_y)
    low = check_real("low", low)
    high = check_real("high", high)
    if not low < high:
        raise ValueError(f"low must be < high, got low={low}, high={high}")
    return check_rng(seed).uniform(low, high, size=n)


def normal_baseline(n_or_y, mean=0.0, sd=1.0, seed=None) -> np.ndarray:
    """Predictions drawn from a normal distribution with the scores' theoretical moments.

    Parameters
    ----------
    n_or_y : int or array_like
        Number of predictions, or the true scores (one prediction each).
    mean, sd : float, default 0, 1
        The theoretical mean and standard deviation of the scores (factor
        scores of a latent variable with mean 0 and variance 1).
    seed : int or numpy.random.Generator, optional
        Seed for reproducible draws.

    Returns
    -------
    numpy.ndarray
        ``n`` float predictions, in score units.

    Notes
    -----
    :math:`\\hat y_i \\sim N(\\text{mean}, \\text{sd}^2)` independently.

    References
    ----------
    1. Lin, V., Girard, J. M., Morency, L.-P. Context-dependent models for
       predicting and characterizing facial expressiveness (section 5, baselines).

    Examples
    --------
    >>> yhat = normal_baseline(5, seed=1)
    >>> yhat.shape, bool((normal_baseline(5, seed=1) == yhat).all())
    ((5,), True)
    """
    n = _count(n_or_y)
    mean = check_real("mean", mean)
    sd = check_positive("sd", sd)
    return check_rng(seed).normal(mean, sd, size=n)


def baseline_predictions(predictions, seed=None, *, low=-3.5, high=3.5, mean=0.0, sd=1.0) -> pd.DataFrame:
    """Uniform and normal baseline predictions for the rows a model was tested on.

    Parameters
    ----------
    predictions : pandas.DataFrame
        Long predictions of one model (e.g. ``ElasticNetResult.predictions`` or
        ``ContextResult.predictions``), with ``model``, ``y`` and ``yhat`` columns.
    seed : int or numpy.random.Generator, optional
        Seed; the uniform draws come first, then the normal draws.
    low, high : float
        Range of the uniform baseline (:func:`uniform_baseline`).
    mean, sd : float
        Moments of the normal baseline (:func:`normal_baseline`).

    Returns
    -------
    pandas.DataFrame
        The rows of ``predictions`` twice, with ``model`` set to
        ``"Uniform baseline"`` and ``"Normal baseline"`` and ``yhat`` replaced by
        the draws; all other columns (``context``, ``row``, subject, ``y``, ...)
        are kept, so the result can be stacked with ``predictions``.

    Examples
    --------
    >>> preds = pd.DataFrame({"model": "ElasticNet", "row": [0, 1, 2], "subject": [1, 1, 2],
    ...                       "y": [0.1, -0.4, 1.2], "yhat": [0.0, -0.2, 0.9]})
    >>> baseline_predictions(preds, seed=1)[["model", "row"]]
                  model  row
    0  Uniform baseline    0
    1  Uniform baseline    1
    2  Uniform baseline    2
    3   Normal baseline    0
    4   Normal baseline    1
    5   Normal baseline    2
    """
    predictions = check_dataframe("predictions", predictions)
    check_columns("predictions", predictions, ["model", "y", "yhat"])
    models = pd.unique(predictions["model"])
    if len(models) != 1:
        raise ValueError(f"predictions must hold one model, got {len(models)}: {list(models)[:5]}")
    rng = check_rng(seed)
    n = predictions.shape[0]
    uni = predictions.assign(model="Uniform baseline", yhat=uniform_baseline(n, low, high, rng))
    nor = predictions.assign(model="Normal baseline", yhat=normal_baseline(n, mean, sd, rng))
    return pd.concat([uni, nor], ignore_index=True)


# --- human baseline ------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class HumanBaselineResult:
    """Result of :func:`human_baseline`.

    Attributes
    ----------
    per_rater : pandas.DataFrame
        ``rater``, ``n`` (clips), ``nrmse`` and ``r`` of each rater against the
        other raters.
    predictions : pandas.DataFrame
        One row per clip and rater: ``clip``, ``rater``, ``y`` (the other raters'
        standardised mean), ``yhat`` (this rater's standardised score).
    clip_predictions : pandas.DataFrame
        One row per clip, for the bootstrap: ``model`` = "Human baseline",
        ``clip``, ``rater`` (one rater drawn at random per clip), ``y``, ``yhat``.
    n_rows_dropped, n_raters_dropped, n_clips_dropped : int
        Rows, raters and clips left out: rows with a missing score
        (``nan_policy="omit"``), raters that could not be standardised (fewer
        than 2 clips, or constant scores), and clips left with fewer than 2
        raters (no leave-one-out mean).
    """

    per_rater: pd.DataFrame
    predictions: pd.DataFrame
    clip_predictions: pd.DataFrame
    n_rows_dropped: int
    n_raters_dropped: int
    n_clips_dropped: int
    clip: str = "clip"

    def summary(self) -> pd.DataFrame:
        """One row: raters, clips and the mean performance of a single rater.

        Returns
        -------
        pandas.DataFrame
            ``n_raters``, ``n_clips``, ``nrmse`` and ``r`` averaged over raters
            (raters with an undefined r are left out of its mean; ``n_raters_r``
            counts the rest), and the ``n_*_dropped`` counts.
        """
        pr = self.per_rater
        return pd.DataFrame({
            "n_raters": [pr.shape[0]],
            "n_clips": [self.predictions[self.clip].nunique()],
            "nrmse": [float(pr["nrmse"].mean())],
            "r": [float(pr["r"].mean()) if pr["r"].notna().any() else np.nan],
            "n_raters_r": [int(pr["r"].notna().sum())],
            "n_rows_dropped": [self.n_rows_dropped],
            "n_raters_dropped": [self.n_raters_dropped],
            "n_clips_dropped": [self.n_clips_dropped],
        })

    def __repr__(self) -> str:
        s = self.summary().iloc[0]
        return (f"HumanBaselineResult({int(s['n_raters'])} raters, {int(s['n_clips'])} clips: "
                f"nrmse={s['nrmse']:.3f}, r={s['r']:.3f})")


def _zscore(v) -> np.ndarray:
    return (v - v.mean()) / v.std(ddof=1)


def human_baseline(rater_scores, clip="clip", rater="rater", score="score", *, standardize="rater",
                   standardize_reference=True, id_columns=None, nan_policy="raise",
                   score_range=7.0, seed=None) -> HumanBaselineResult:
    """Performance of a single human rater against the other raters (the paper's human baseline).

    Parameters
    ----------
    rater_scores : pandas.DataFrame
        One row per clip and rater, with the rater's loading-weighted sum of
        answers (an estimated factor score) in ``score``.
    clip, rater, score : str
        Column names. ``score`` must be numeric without missing values; a
        (clip, rater) pair may appear once.
    standardize : {"rater", "all"}, default "rater"
        Standardise each rater's scores over the clips that rater rated
        (``"rater"``), or over the whole table (``"all"``; use it when rater ids
        are positions per clip rather than persons).
    standardize_reference : bool, default True
        Standardise the leave-one-out reference over all rows, putting it on the
        unit-variance scale of the factor-score ground truth.
    id_columns : list of str, optional
        Per-clip columns (e.g. ``["subject", "task"]``) carried into
        ``predictions`` and ``clip_predictions``; each must be constant within
        a clip.
    nan_policy : {"raise", "omit"}, default "raise"
        A missing score is an error, or its row is left out (counted in
        ``n_rows_dropped``; e.g. a rater who skipped a question).
    score_range : float, default 7.0
        Theoretical score range for NRMSE.
    seed : int or numpy.random.Generator, optional
        Seed for drawing one rater per clip in ``clip_predictions``.

    Returns
    -------
    HumanBaselineResult
        ``per_rater`` (the rater column, ``n``: clips, ``nrmse``, ``r``),
        ``predictions`` (clip, ``id_columns``, rater, ``y``, ``yhat``),
        ``clip_predictions`` (``model`` = "Human baseline", then as
        ``predictions``, one row per clip), the dropped counts and ``summary()``
        (nrmse and r averaged over raters: the paper's human baseline). The clip
        and rater columns keep the names given.

    Notes
    -----
    For rater :math:`k` and clip :math:`c`, :math:`z_{kc}` is the rater's
    standardised score, :math:`(s_{kc} - \\bar s_k)/\\mathrm{sd}_k` (SD with
    ddof 1). The reference is the mean of the *other* raters of the clip,
    :math:`\\bar z_{-k,c} = \\frac{1}{m_c - 1}\\sum_{j \\ne k} z_{jc}`, which is
    then standardised over all (clip, rater) rows if ``standardize_reference``
    (the mean of several raters varies less than one rater). Each rater's
    :func:`~bitbox_stats.metrics.nrmse` and :func:`~bitbox_stats.metrics.pearson_r`
    of :math:`z_{k\\cdot}` against :math:`\\bar z_{-k,\\cdot}` over their clips
    are averaged over raters. Leaving the rater out of the reference keeps
    their own answers from inflating the agreement.

    Raters that cannot be standardised (fewer than 2 clips, or the same score
    everywhere) and clips with fewer than 2 remaining raters are left out and
    counted in the result.

    References
    ----------
    1. Lin, V., Girard, J. M., Morency, L.-P. Context-dependent models for
       predicting and characterizing facial expressiveness (section 5, human baseline).
    2. DiStefano, C., Zhu, M., Mindrila, D. (2009). Understanding and using
       factor scores. Practical Assessment, Research & Evaluation, 14(20).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.normal(size=50)
    >>> ratings = pd.DataFrame([(c, k, truth[c] + rng.normal(0, 0.5))
    ...                         for c in range(50) for k in range(6)],
    ...                        columns=["clip", "rater", "score"])
    >>> hb = human_baseline(ratings, seed=1)
    >>> hb.per_rater.shape
    (6, 4)
    >>> hb.summary()[["n_raters", "n_clips"]]
       n_raters  n_clips
    0         6       50
    >>> bool(hb.summary().loc[0, "r"] > 0.8)
    True
    """
    df = check_dataframe("rater_scores", rater_scores)
    for arg, name in (("clip", clip), ("rater", rater), ("score", score)):
        check_column_name(arg, name)
    check_numeric_columns("rater_scores", df, [score])
    check_columns("rater_scores", df, [clip, rater])
    id_columns = [] if id_columns is None else _feature_list(id_columns, "id_columns")
    check_columns("rater_scores", df, id_columns)
    id_columns = [c for c in id_columns if c not in (clip, rater, score)]
    for c in id_columns:
        varies = df.groupby(clip, sort=False)[c].nunique(dropna=False)
        if (varies > 1).any():
            raise ValueError(f"id column {c!r} must be constant within a clip; clip "
                             f"{varies.index[varies > 1][0]!r} has {int(varies.max())} values")
    check_choice("standardize", standardize, ["rater", "all"])
    if not isinstance(standardize_reference, bool | np.bool_):
        raise TypeError(f"standardize_reference must be True or False, got {standardize_reference!r}")
    score_range = check_positive("score_range", score_range)
    rng = check_rng(seed)
    for c in (clip, rater):
        if df[c].isna().any():
            raise ValueError(f"rater_scores column {c!r} has {int(df[c].isna().sum())} missing value(s)")
    check_choice("nan_policy", nan_policy, ["raise", "omit"])
    n_input = df.shape[0]
    raters0, clips0 = df[rater].nunique(), df[clip].nunique()
    missing = df[score].isna().to_numpy()
    if missing.any() and nan_policy == "omit":
        df = df.loc[~missing]
        if df.empty:
            raise ValueError(f"rater_scores column {score!r} has no non-missing value")
    elif missing.any():
        raise ValueError(f"rater_scores column {score!r} has {int(missing.sum())} missing value(s); "
                         "drop them or pass nan_policy='omit'")
    _check_no_missing(df, [score])
    dup = df.duplicated([clip, rater])
    if dup.any():
        first = df[[clip, rater]].iloc[int(np.argmax(dup.to_numpy()))].tolist()
        raise ValueError(f"rater_scores has {int(dup.sum())} repeated (clip, rater) pair(s), e.g. {first}")

    work = pd.DataFrame({"clip": df[clip].to_numpy(), "rater": df[rater].to_numpy(),
                         "s": df[score].to_numpy(dtype=float), "_pos": np.arange(df.shape[0])})
    ids = df[id_columns].reset_index(drop=True)
    if standardize == "rater":
        g = work.groupby("rater", sort=False)["s"]
        sd = g.transform("std")  # ddof 1; NaN for a rater with one clip
        ok = np.isfinite(sd.to_numpy()) & (sd.to_numpy() > 0)
        z = ((work["s"] - g.transform("mean")) / sd)[ok]
        work = work.loc[ok].reset_index(drop=True)
        if work.empty:
            raise ValueError("no rater could be standardised (each needs at least 2 clips with different "
                             "scores); use standardize='all'")
        work["z"] = z.to_numpy()
    else:
        if work.shape[0] < 2 or work["s"].std(ddof=1) == 0:
            raise ValueError("rater_scores: score is constant, it cannot be standardised")
        work["z"] = _zscore(work["s"])

    m = work.groupby("clip", sort=False)["z"].transform("size").to_numpy()
    keep = m >= 2
    work, m = work.loc[keep].reset_index(drop=True), m[keep]
    if work.empty:
        raise ValueError("no clip has 2 or more raters; a leave-one-out reference needs at least 2")
    n_clips_dropped = clips0 - work["clip"].nunique()
    n_raters_dropped = raters0 - work["rater"].nunique()
    total = work.groupby("clip", sort=False)["z"].transform("sum").to_numpy()
    ref = (total - work["z"].to_numpy()) / (m - 1)
    if standardize_reference:
        if np.std(ref) == 0:
            raise ValueError("the leave-one-out reference is constant; it cannot be standardised")
        ref = _zscore(ref)
    work["y"] = ref

    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for key, part in work.groupby("rater", sort=False):
            rows.append((key, part.shape[0], nrmse(part["y"], part["z"], score_range),
                         pearson_r(part["y"], part["z"])))
    per_rater = pd.DataFrame(rows, columns=["rater", "n", "nrmse", "r"])
    per_rater = per_rater.rename(columns={"rater": rater})
    predictions = pd.DataFrame({clip: work["clip"].to_numpy()})
    for c in id_columns:
        predictions[c] = ids[c].to_numpy()[work["_pos"].to_numpy()]
    predictions[rater] = work["rater"].to_numpy()
    predictions["y"] = work["y"].to_numpy()
    predictions["yhat"] = work["z"].to_numpy()
    key = rng.random(predictions.shape[0])
    first = pd.Series(key).groupby(work["clip"].to_numpy(), sort=False).idxmin().to_numpy()
    clip_predictions = predictions.iloc[first].reset_index(drop=True)
    clip_predictions.insert(0, "model", "Human baseline")
    return HumanBaselineResult(per_rater=per_rater, predictions=predictions,
                               clip_predictions=clip_predictions, n_rows_dropped=n_input - work.shape[0],
                               n_raters_dropped=n_raters_dropped, n_clips_dropped=n_clips_dropped,
                               clip=clip)
