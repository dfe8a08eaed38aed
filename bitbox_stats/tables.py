"""The paper's result tables: performance per model and task (Table 3) and
bootstrap comparisons with the chosen model (Table 4).

Both take *long predictions*: one row per model and scored unit, with

- ``model`` (str): the model or baseline name;
- ``context`` (str, optional): the task, or ``"all"``;
- an id column (default ``row``) naming the scored unit, the same for every
  model that scored it (e.g. the row position from
  :func:`bitbox_stats.models.elasticnet_grid`, or a clip id);
- the cluster column (default ``subject``);
- ``y`` (the truth for that model) and ``yhat`` (its prediction).

:func:`bitbox_stats.models.fit_by_context`, :func:`bitbox_stats.models.baseline_predictions`
and :class:`bitbox_stats.models.HumanBaselineResult` (``clip_predictions``)
produce tables of this shape; stack them with ``pandas.concat``. To compare
the human baseline with the models, carry the clip id into the model
predictions (``id_columns=["clip"]``) and pass ``id="clip"``.
"""

from __future__ import annotations

import warnings

import pandas as pd

from ._validation import (
    check_column_name,
    check_columns,
    check_dataframe,
    check_positive,
    check_rng,
)
from .bootstrap import BootstrapResult, cluster_bootstrap
from .metrics import nrmse, pearson_r

__all__ = ["comparison_table", "performance_table"]

_TABLE_COLUMNS = ["term", "metric", "estimate", "ci_low", "ci_high", "pval", "n", "n_clusters", "n_boot"]


def _check_names(**names):
    for arg, value in names.items():
        check_column_name(arg, value, allow_none=True)


def performance_table(predictions, *, by="context", model="model", truth="y", estimate="yhat",
                      score_range=7.0) -> pd.DataFrame:
    """NRMSE and correlation of each model in each context (the paper's Table 3).

    Parameters
    ----------
    predictions : pandas.DataFrame
        Long predictions (see the module docstring).
    by : str or None, default "context"
        Column of the contexts (tasks); ``None`` gives one row per model.
    model, truth, estimate : str
        Columns of the model name, the truth and the prediction.
    score_range : float, default 7.0
        Theoretical score range for NRMSE.

    Returns
    -------
    pandas.DataFrame
        One row per model and context, models and contexts in order of first
        appearance: ``model`` (str), the ``by`` column, ``n`` (int, rows),
        ``nrmse`` (float, RMSE / ``score_range``) and ``r`` (float, Pearson r;
        NaN with a warning where undefined).

    Notes
    -----
    :func:`~bitbox_stats.metrics.nrmse` and :func:`~bitbox_stats.metrics.pearson_r`
    on each model's rows in each context. Missing values are an error.

    References
    ----------
    1. Lin, V., Girard, J. M., Morency, L.-P. Context-dependent models for
       predicting and characterizing facial expressiveness (Table 3).

    Examples
    --------
    >>> preds = pd.DataFrame({"model": ["EN"] * 4 + ["Uniform"] * 4,
    ...                       "context": ["pain", "pain", "all", "all"] * 2,
    ...                       "y": [0.0, 1.0, 0.5, -1.0] * 2,
    ...                       "yhat": [0.1, 0.8, 0.4, -0.7, 2.0, -3.0, 1.0, 0.0]})
    >>> performance_table(preds).round(3)
         model context  n  nrmse    r
    0       EN    pain  2  0.023  1.0
    1       EN     all  2  0.032  1.0
    2  Uniform    pain  2  0.452 -1.0
    3  Uniform     all  2  0.113  1.0
    """
    predictions = check_dataframe("predictions", predictions)
    _check_names(by=by, model=model, truth=truth, estimate=estimate)
    score_range = check_positive("score_range", score_range)
    keys = [model] if by is None else [model, by]
    check_columns("predictions", predictions, keys + [truth, estimate])
    rank = {k: {v: i for i, v in enumerate(pd.unique(predictions[k]))} for k in keys}
    groups = sorted(predictions.groupby(keys, sort=False),
                    key=lambda item: tuple(rank[k][v] for k, v in zip(keys, _key(item[0]), strict=True)))
    rows = []
    for key, part in groups:
        y, yhat = part[truth], part[estimate]
        rows.append((*_key(key), part.shape[0], nrmse(y, yhat, score_range), _r(y, yhat, _key(key))))
    return pd.DataFrame(rows, columns=keys + ["n", "nrmse", "r"])


def _key(key) -> tuple:
    return key if isinstance(key, tuple) else (key,)


def _r(y, yhat, key):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        value = pearson_r(y, yhat)
    for w in caught:
        warnings.warn(f"{' / '.join(map(str, key))}: {w.message}", RuntimeWarning, stacklevel=3)
    return value


def _wide(part, *, model, id, cluster, truth, estimate):
    """One row per id: the cluster, each model's truth and prediction."""
    dup = part.duplicated([id, model])
    if dup.any():
        first = part[[model, id]].iloc[int(dup.to_numpy().argmax())].tolist()
        raise ValueError(f"predictions has repeated (model, {id}) pairs, e.g. {first}; "
                         f"each model may score each {id} once")
    models = list(pd.unique(part[model].astype(str)))
    part = part.assign(**{model: part[model].astype(str)})
    n_cl = part.groupby(id, sort=False)[cluster].nunique()
    if (n_cl > 1).any():
        raise ValueError(f"{id} {n_cl.index[n_cl > 1][0]!r} has more than one {cluster!r} across models")
    yhat = part.pivot(index=id, columns=model, values=estimate)[models]
    y = part.pivot(index=id, columns=model, values=truth)[models]
    clusters = part.groupby(id, sort=False)[cluster].first()
    wide = pd.DataFrame({"__cluster__": clusters.reindex(yhat.index).to_numpy()})
    for m in models:
        wide[f"__truth__{m}"] = y[m].to_numpy()
        wide[m] = yhat[m].to_numpy()
    return wide, models


def comparison_table(source, reference="ElasticNet", *, by="context", model="model", id="row",
                     cluster="subject", truth="y", estimate="yhat", metrics=("nrmse", "pearson_r"),
                     n_boot=2000, confidence=0.95, ci="percentile", null=0.0, nan_policy="raise",
                     score_range=7.0, seed=None) -> pd.DataFrame:
    """The reference model minus every other model, with bootstrap CI and p-value (Table 4).

    Parameters
    ----------
    source : pandas.DataFrame, BootstrapResult or dict of BootstrapResult
        Long predictions (see the module docstring), bootstrapped here per
        context; or finished :func:`~bitbox_stats.bootstrap.cluster_bootstrap`
        results (a dict maps context to result), whose ``reference - other``
        rows are taken as they are.
    reference : str, default "ElasticNet"
        The model every other model is compared with.
    by : str or None, default "context"
        Context column (``None``: all predictions together).
    model, id, cluster, truth, estimate : str
        Columns of the long predictions: model name, scored unit, cluster,
        truth and prediction. Each model's own ``truth`` is used, so a baseline
        scored against its own reference (the human baseline) can be compared.
    metrics, n_boot, confidence, ci, null, nan_policy, score_range, seed
        Passed to :func:`~bitbox_stats.bootstrap.cluster_bootstrap` (the seed
        is split into one independent child generator per context). A unit
        that some model did not score is a missing value (``nan_policy``).

    Returns
    -------
    pandas.DataFrame
        One row per context, difference and metric: the ``by`` column (if any,
        str), ``term`` (``"reference - other"``), ``metric``, ``estimate``,
        ``ci_low``, ``ci_high``, ``pval``, ``n``, ``n_clusters``, ``n_boot``, as
        in :func:`~bitbox_stats.bootstrap.cluster_bootstrap`. A negative NRMSE
        difference or a positive r difference favours the reference.

    Notes
    -----
    Each context is bootstrapped separately over its clusters, with
    ``reference=`` so that only the differences with the reference are formed.

    References
    ----------
    1. Lin, V., Girard, J. M., Morency, L.-P. Context-dependent models for
       predicting and characterizing facial expressiveness (Table 4).
    2. Field, C. A., Welsh, A. H. (2007). Bootstrapping clustered data. Journal
       of the Royal Statistical Society B, 69(3), 369-390.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> subject = np.repeat(np.arange(20), 6)
    >>> y = rng.normal(size=20)[subject] + rng.normal(size=120)
    >>> preds = pd.concat([
    ...     pd.DataFrame({"model": m, "context": "all", "row": np.arange(120),
    ...                   "subject": subject, "y": y, "yhat": yhat})
    ...     for m, yhat in [("ElasticNet", y + rng.normal(0, .6, 120)),
    ...                     ("Normal baseline", rng.normal(size=120))]])
    >>> tab = comparison_table(preds, n_boot=500, seed=1)
    >>> tab[["context", "term", "metric"]]
      context                          term     metric
    0     all  ElasticNet - Normal baseline      nrmse
    1     all  ElasticNet - Normal baseline  pearson_r
    >>> bool((tab["pval"] < 0.01).all())
    True
    """
    _check_names(by=by, model=model, id=id, cluster=cluster, truth=truth, estimate=estimate)
    if not isinstance(reference, str):
        raise TypeError(f"reference must be a model name, got {type(reference).__name__}")
    prefix = f"{reference} - "
    if isinstance(source, BootstrapResult | dict):
        results = source if isinstance(source, dict) else {None: source}
        parts = []
        for ctx, res in results.items():
            if not isinstance(res, BootstrapResult):
                raise TypeError(f"source[{ctx!r}] must be a BootstrapResult, got {type(res).__name__}")
            rows = res.table[res.table["term"].str.startswith(prefix)]
            if rows.empty:
                raise ValueError(f"the bootstrap result has no difference {prefix!r}...; run "
                                 f"cluster_bootstrap with pairwise=True and {reference!r} first")
            parts.append(rows.assign(context=ctx) if ctx is not None else rows)
        out = pd.concat(parts, ignore_index=True)
        if isinstance(source, dict):
            label = by or "context"
            out = out.rename(columns={"context": label})[[label, *_TABLE_COLUMNS]]
        return out.reset_index(drop=True)
    predictions = check_dataframe("source", source)
    keys = [model, id, cluster, truth, estimate] + ([] if by is None else [by])
    check_columns("source", predictions, keys)
    models_all = set(predictions[model].astype(str))
    if reference not in models_all:
        raise ValueError(f"reference {reference!r} is not a model in the predictions: {sorted(models_all)}")
    contexts = [None] if by is None else list(pd.unique(predictions[by].astype(str)))
    rng = check_rng(seed)
    children = rng.spawn(len(contexts))
    parts = []
    for ctx, child in zip(contexts, children, strict=True):
        part = predictions if ctx is None else predictions[predictions[by].astype(str) == ctx]
        wide, models = _wide(part, model=model, id=id, cluster=cluster, truth=truth, estimate=estimate)
        if reference not in models:
            raise ValueError(f"context {ctx!r} has no predictions of the reference {reference!r}")
        if len(models) < 2:
            raise ValueError(f"context {ctx!r} has only the reference model; nothing to compare")
        try:
            res = cluster_bootstrap(
                wide, truth=[f"__truth__{m}" for m in models], predictions=models,
                cluster="__cluster__", metrics=metrics, n_boot=n_boot, confidence=confidence,
                seed=child, pairwise=True, reference=reference, ci=ci, null=null,
                nan_policy=nan_policy, score_range=score_range,
            )
        except ValueError as err:
            where = "" if ctx is None else f"context {ctx!r}: "
            raise ValueError(f"{where}{err}") from None
        rows = res.table[res.table["term"].str.startswith(prefix)]
        if ctx is not None:
            rows = rows.assign(**{by: ctx})[[by, *_TABLE_COLUMNS]]
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)
