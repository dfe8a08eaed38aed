"""Cluster bootstrap for model performance and differences between models.

Clips are nested in subjects, so the resampling unit is the subject (the
cluster): each replicate draws as many clusters as there are, with
replacement, and computes each metric on all rows of the drawn clusters
pooled. For metrics that are functions of per-cluster sums (RMSE, NRMSE,
Pearson r) every replicate comes from one matrix product of a
``(n_boot x n_clusters)`` matrix of draw counts with the per-cluster sums, so
thousands of replicates take milliseconds; any other metric ``metric(y, yhat)``
is evaluated per replicate on the same draws.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from ._validation import (
    check_choice,
    check_columns,
    check_dataframe,
    check_int,
    check_numeric_columns,
    check_positive,
    check_probability,
    check_real,
    check_rng,
)
from .metrics import _SUMS, _SUMS_USED, _metric_from_sums, _pair_sums, nrmse, pearson_r, rmse

__all__ = ["BootstrapResult", "cluster_bootstrap"]

_NAMED = {"nrmse": nrmse, "pearson_r": pearson_r, "rmse": rmse}
_CI_METHODS = ("percentile", "bca", "boot_perc")
#: about this many draws (replicates x clusters) are made and summed per block
_BLOCK_DRAWS = 1 << 21
_BLAS = []  # a threadpoolctl controller, made on first use


def _one_blas_thread():
    """Context that runs BLAS single-threaded.

    The count-matrix product is small and memory-bound; waking BLAS worker
    threads costs more than it saves, and on a busy machine it costs
    milliseconds. threadpoolctl comes with scikit-learn.
    """
    if not _BLAS:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS.append(ThreadpoolController())
        except Exception:  # noqa: BLE001 - any failure: run with the default threads
            _BLAS.append(None)
    if _BLAS[0] is None:
        return contextlib.nullcontext()
    return _BLAS[0].limit(limits=1, user_api="blas")


# --- result -----------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class BootstrapResult:
    """Result of :func:`cluster_bootstrap`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per term and metric (see :func:`cluster_bootstrap`).
    replicate_values : numpy.ndarray
        The replicates, shape ``(n_boot, n_terms, n_metrics)``, in the order of
        ``terms`` and ``metrics``; NaN where a metric was undefined.
    terms, metrics : tuple of str
        Term labels (models, then differences ``"a - b"``) and metric names.
    confidence : float
        Confidence level of the intervals.
    ci : str
        Interval method.
    n : int
        Rows used.
    n_clusters : int
        Clusters used.
    n_rows_omitted, n_clusters_omitted : int
        Rows dropped by ``nan_policy="omit"`` (a missing truth or prediction
        in any model), and clusters that lost all their rows that way.
    """

    table: pd.DataFrame
    replicate_values: np.ndarray
    terms: tuple[str, ...]
    metrics: tuple[str, ...]
    confidence: float
    ci: str
    n: int
    n_clusters: int
    n_rows_omitted: int
    n_clusters_omitted: int

    @cached_property
    def replicates(self) -> pd.DataFrame:
        """The replicates as a long DataFrame.

        Columns: ``replicate`` (int, 0-based), ``term`` (str), ``metric`` (str)
        and ``value`` (float; NaN where the metric was undefined).
        """
        B, T, M = self.replicate_values.shape
        return pd.DataFrame({
            "replicate": np.repeat(np.arange(B), T * M),
            "term": np.tile(np.repeat(np.array(self.terms, dtype=object), M), B),
            "metric": np.tile(np.array(self.metrics, dtype=object), B * T),
            "value": self.replicate_values.reshape(-1),
        })

    def summary(self) -> pd.DataFrame:
        """One row describing the run.

        Returns
        -------
        pandas.DataFrame
            Columns: ``n`` (rows used), ``n_clusters``, ``n_boot`` (replicates
            drawn), ``n_terms``, ``n_metrics``, ``confidence``, ``ci`` (method),
            ``n_rows_omitted``, ``n_clusters_omitted``, ``n_undefined``
            (replicate values that were NaN, over all terms and metrics).
        """
        return pd.DataFrame({
            "n": [self.n],
            "n_clusters": [self.n_clusters],
            "n_boot": [self.replicate_values.shape[0]],
            "n_terms": [len(self.terms)],
            "n_metrics": [len(self.metrics)],
            "confidence": [self.confidence],
            "ci": [self.ci],
            "n_rows_omitted": [self.n_rows_omitted],
            "n_clusters_omitted": [self.n_clusters_omitted],
            "n_undefined": [int(np.isnan(self.replicate_values).sum())],
        })

    def __repr__(self) -> str:
        return (
            f"BootstrapResult({len(self.terms)} terms x {len(self.metrics)} metrics, "
            f"n={self.n} rows in {self.n_clusters} clusters, "
            f"n_boot={self.replicate_values.shape[0]}, ci={self.ci!r} {self.confidence:g})"
        )


# --- argument handling ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Metric:
    label: str
    fast: str | None  # name of a sum-based metric, or None for the general path
    func: Callable


def _resolve_metrics(metrics) -> list[_Metric]:
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    if isinstance(metrics, dict):
        items = list(metrics.items())
    elif isinstance(metrics, Sequence):
        items = [(None, m) for m in metrics]
    else:
        raise TypeError(f"metrics must be a name, a callable, a list or a dict, got {type(metrics).__name__}")
    if not items:
        raise ValueError("metrics is empty; give at least one metric")
    known = ", ".join(repr(k) for k in _NAMED)
    out = []
    for i, (label, spec) in enumerate(items):
        if isinstance(spec, str):
            if spec not in _NAMED:
                raise ValueError(
                    f"metrics: unknown metric {spec!r}; use one of {known} or a callable "
                    "metric(y, yhat) -> float"
                )
            out.append(_Metric(label or spec, spec, _NAMED[spec]))
        elif callable(spec):
            fast = next((k for k, f in _NAMED.items() if spec is f), None)
            name = label or fast or getattr(spec, "__name__", None) or f"metric_{i}"
            out.append(_Metric(str(name), fast, spec))
        else:
            raise TypeError(
                f"metrics: each metric must be a name ({known}) or a callable, got "
                f"{type(spec).__name__} {spec!r}"
            )
    labels = [m.label for m in out]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise ValueError(f"metrics: names must be unique, got {dup[0]!r} more than once")
    return out


def _as_names(arg, value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, bytes) and len(value) > 0 \
            and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"{arg} must be a column name or a non-empty list of column names, got {value!r}")


@dataclass(frozen=True, eq=False)
class _Prepared:
    y: np.ndarray  # (n, m) truth per model
    x: np.ndarray  # (n, m) predictions
    codes: np.ndarray  # (n,) 0-based cluster codes
    n_clusters: int
    models: list[str]
    n_rows_omitted: int
    n_clusters_omitted: int

    @cached_property
    def sums(self) -> np.ndarray:
        """Per-cluster sums ``(n_clusters, n_models, 7)`` of every model (computed on first use)."""
        return np.stack([_pair_sums(self.y[:, j], self.x[:, j], self.codes, self.n_clusters)
                         for j in range(self.y.shape[1])], axis=1)


def _prepare(data, truth, predictions, cluster, nan_policy) -> _Prepared:
    data = check_dataframe("data", data)
    models = _as_names("predictions", predictions)
    dup = sorted({m for m in models if models.count(m) > 1})
    if dup:
        raise ValueError(f"predictions: each model column may appear once, got {dup[0]!r} twice")
    truths = _as_names("truth", truth)
    if len(truths) == 1:
        truths = truths * len(models)
    elif len(truths) != len(models):
        raise ValueError(
            f"truth must be one column or one per prediction column; got {len(truths)} truth "
            f"columns for {len(models)} prediction columns"
        )
    check_columns("data", data, list(dict.fromkeys(truths + models)))
    check_numeric_columns("truth", data, truths)
    check_numeric_columns("prediction", data, models)
    y = np.column_stack([data[c].to_numpy(dtype=float, na_value=np.nan) for c in truths])
    x = np.column_stack([data[c].to_numpy(dtype=float, na_value=np.nan) for c in models])
    if cluster is None:
        labels = np.arange(data.shape[0])
    else:
        if not isinstance(cluster, str):
            raise TypeError(f"cluster must be a column name or None, got {type(cluster).__name__}")
        check_columns("data", data, [cluster])
        labels = data[cluster]
        if labels.isna().any():
            raise ValueError(
                f"cluster column {cluster!r} has {int(labels.isna().sum())} missing value(s); "
                "every row needs a cluster"
            )
        labels = labels.to_numpy()
    for arr, names in ((y, truths), (x, models)):
        inf = np.isinf(arr)
        if inf.any():
            j = int(np.argmax(inf.any(axis=0)))
            raise ValueError(f"column {names[j]!r} has {int(inf[:, j].sum())} infinite value(s)")
    missing = np.isnan(y).any(axis=1) | np.isnan(x).any(axis=1)
    n_omitted = n_clusters_omitted = 0
    if missing.any():
        if nan_policy == "raise":
            counts = {c: int(np.isnan(data[c].to_numpy(dtype=float, na_value=np.nan)).sum())
                      for c in dict.fromkeys(truths + models)}
            detail = ", ".join(f"{c!r}: {k}" for c, k in counts.items() if k)
            raise ValueError(
                f"{int(missing.sum())} row(s) have a missing truth or prediction ({detail}); "
                "drop them or pass nan_policy='omit' to drop them for all models at once"
            )
        before = len(pd.unique(labels))
        keep = ~missing
        y, x, labels = y[keep], x[keep], labels[keep]
        n_omitted = int(missing.sum())
        n_clusters_omitted = before - len(pd.unique(labels))
        if y.shape[0] == 0:
            raise ValueError("nan_policy='omit' dropped every row: each has a missing value")
    codes, uniques = pd.factorize(labels, sort=False)
    G = len(uniques)
    if G < 2:
        shown = f" ({uniques[0]!r})" if G == 1 else ""
        raise ValueError(
            f"the cluster bootstrap needs at least 2 clusters, got {G}{shown}; "
            "with one cluster there is nothing to resample"
        )
    return _Prepared(y, x, codes.astype(np.intp), G, models, n_omitted, n_clusters_omitted)


def _terms(models, pairwise, reference) -> list[tuple[str, int, int | None]]:
    """``(label, i, j)``: a model (j None) or the difference model i - model j."""
    out = [(m, i, None) for i, m in enumerate(models)]
    if reference is not None:
        if not pairwise:
            raise ValueError("reference needs pairwise=True (it picks which differences are formed)")
        if reference not in models:
            raise ValueError(f"reference {reference!r} is not one of the predictions {models}")
        r = models.index(reference)
        out += [(f"{reference} - {m}", r, j) for j, m in enumerate(models) if j != r]
    elif pairwise:
        out += [(f"{models[i]} - {models[j]}", i, j)
                for i in range(len(models)) for j in range(i + 1, len(models))]
    return out


def _null_for(arg, null, labels) -> dict[str, float | None]:
    if null is None:
        return dict.fromkeys(labels)
    if isinstance(null, dict):
        unknown = [k for k in null if k not in labels]
        if unknown:
            raise ValueError(f"{arg} names unknown metric {unknown[0]!r} (metrics: {labels})")
        out = dict.fromkeys(labels)
        for k, v in null.items():
            out[k] = None if v is None else _finite(arg, v)
        return out
    return dict.fromkeys(labels, _finite(arg, null))


def _finite(arg, v) -> float:
    return check_real(arg, v, expected="a number or a dict of numbers")


# --- resampling -------------------------------------------------------------------------------


def _draw_counts(rng, n_boot, n_clusters):
    """Yield blocks of draw counts ``(block, n_clusters)``; each row sums to ``n_clusters``.

    A replicate draws ``n_clusters`` cluster indices uniformly with replacement;
    its row holds how often each cluster was drawn. The draws are made in
    blocks, which give the same numbers as one ``rng.integers(0, n_clusters,
    size=n_clusters)`` call per replicate (the documented contract, tested).
    """
    block = max(1, _BLOCK_DRAWS // n_clusters)
    for start in range(0, n_boot, block):
        nb = min(block, n_boot - start)
        idx = rng.integers(0, n_clusters, size=(nb, n_clusters))
        idx += (np.arange(nb) * n_clusters)[:, None]
        yield np.bincount(idx.ravel(), minlength=nb * n_clusters).reshape(nb, n_clusters)


def _model_replicates(prep: _Prepared, metrics, counts_blocks, score_range) -> np.ndarray:
    """Metric of every model in every replicate, ``(n_boot, n_models, n_metrics)``."""
    m = prep.y.shape[1]
    fast = [k for k, mt in enumerate(metrics) if mt.fast is not None]
    slow = [k for k, mt in enumerate(metrics) if mt.fast is None]
    if fast:  # only the sums the metrics read enter the product
        used = sorted({c for k in fast for c in _SUMS_USED[metrics[k].fast]})
        sums = prep.sums[:, :, used].reshape(prep.n_clusters, -1)
    blocks = []
    rows = np.arange(prep.y.shape[0])
    for counts in counts_blocks:
        out = np.empty((counts.shape[0], m, len(metrics)))
        if fast:
            rep = np.zeros((counts.shape[0], m, len(_SUMS)))
            with _one_blas_thread():
                product = counts.astype(np.float64) @ sums
            rep[:, :, used] = product.reshape(counts.shape[0], m, len(used))
            for k in fast:
                out[:, :, k] = _metric_from_sums(metrics[k].fast, rep, score_range)
        if slow:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                for b in range(counts.shape[0]):
                    take = np.repeat(rows, counts[b][prep.codes])
                    for k in slow:
                        for j in range(m):
                            out[b, j, k] = _call(metrics[k], prep.y[take, j], prep.x[take, j])
        blocks.append(out)
    return np.concatenate(blocks, axis=0)


def _call(metric: _Metric, y, yhat) -> float:
    value = metric.func(y, yhat)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"metric {metric.label!r} must return one number, got {type(value).__name__}"
        ) from None


def _model_estimates(prep: _Prepared, metrics, score_range) -> np.ndarray:
    """Metric of every model on all rows, ``(n_models, n_metrics)``."""
    m = prep.y.shape[1]
    out = np.empty((m, len(metrics)))
    total = prep.sums.sum(axis=0) if any(mt.fast for mt in metrics) else None
    for k, mt in enumerate(metrics):
        if mt.fast is not None:
            out[:, k] = _metric_from_sums(mt.fast, total, score_range)
        else:
            for j in range(m):
                out[j, k] = _call(mt, prep.y[:, j], prep.x[:, j])
    return out


def _model_jackknife(prep: _Prepared, metrics, score_range) -> np.ndarray:
    """Leave-one-cluster-out metric of every model, ``(n_clusters, n_models, n_metrics)``."""
    G, m = prep.n_clusters, prep.y.shape[1]
    out = np.empty((G, m, len(metrics)))
    left_out = prep.sums.sum(axis=0) - prep.sums if any(mt.fast for mt in metrics) else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for k, mt in enumerate(metrics):
            if mt.fast is not None:
                out[:, :, k] = _metric_from_sums(mt.fast, left_out, score_range)
            else:
                for g in range(G):
                    keep = prep.codes != g
                    for j in range(m):
                        out[g, j, k] = _call(mt, prep.y[keep, j], prep.x[keep, j])
    return out


ROUNDING = 1e-12
"""Relative size below which two models' metric values count as equal (see :func:`_difference`)."""


def _difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a - b``, exactly 0 where ``a`` and ``b`` agree to rounding.

    Two models with identical (or rounding-level different) predictions give
    metric values that differ only by floating-point rounding (1e-16); such a
    difference is set to exactly 0, so that its estimate, interval and
    p-value (= 1) say what is true: no difference.
    """
    d = np.asarray(a - b, dtype=float)
    with np.errstate(invalid="ignore"):
        tol = ROUNDING * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
        return np.where(np.abs(d) <= tol, 0.0, d)


def _to_terms(model_values, terms) -> np.ndarray:
    """Map ``(..., n_models, n_metrics)`` to ``(..., n_terms, n_metrics)``."""
    parts = [model_values[..., i, :] if j is None else _difference(model_values[..., i, :], model_values[..., j, :])
             for _, i, j in terms]
    return np.stack(parts, axis=-2)


# --- intervals and p-values ---------------------------------------------------------------------


def _norm_inter(t, alpha):
    """Order-statistic quantiles with boot's ``norm.inter`` rule.

    ``t`` holds finite replicates; ``alpha`` the wanted levels. The
    :math:`(R+1)\\alpha`-th order statistic is used where that is an integer;
    otherwise the neighbouring order statistics :math:`k` and :math:`k+1` are
    interpolated on the normal quantile scale; below the first or above the
    last the extreme values are used (with a warning, as boot does).
    """
    t = np.sort(t)
    R = t.shape[0]
    alpha = np.asarray(alpha, dtype=float)
    rk = (R + 1) * alpha
    k = np.trunc(rk).astype(np.int64)
    if not np.all((rk > 1) & (rk < R)):
        warnings.warn(
            f"extreme order statistics used as interval endpoints (n_boot={R} is too small for "
            "this confidence level); increase n_boot",
            RuntimeWarning, stacklevel=4,
        )
    out = np.empty(alpha.shape)
    for i in range(alpha.shape[0]):
        if k[i] == 0:
            out[i] = t[0]
        elif k[i] >= R:
            out[i] = t[R - 1]
        elif k[i] == rk[i]:
            out[i] = t[k[i] - 1]
        else:
            z = ndtri(alpha[i])
            zk = ndtri(k[i] / (R + 1))
            zk1 = ndtri((k[i] + 1) / (R + 1))
            tk, tk1 = t[k[i] - 1], t[k[i]]
            out[i] = tk + (z - zk) / (zk1 - zk) * (tk1 - tk)
    return out


def _ci_limits(t, t0, confidence, method, jack=None):
    """``(low, high)`` of one term's replicates ``t`` (finite only) around estimate ``t0``.

    ``jack`` (the leave-one-cluster-out values) is needed for ``"bca"``.
    """
    t = t[np.isfinite(t)]
    if t.shape[0] == 0 or not np.isfinite(t0):
        return np.nan, np.nan
    if np.all(t == t[0]):
        return float(t[0]), float(t[0])
    alpha = np.array([(1 - confidence) / 2, (1 + confidence) / 2])
    if method == "percentile":
        low, high = np.quantile(t, alpha, method="linear")
        return float(low), float(high)
    if method == "boot_perc":
        low, high = _norm_inter(t, alpha)
        return float(low), float(high)
    # bca
    w = ndtri(np.sum(t < t0) / t.shape[0])
    if not np.isfinite(w):
        warnings.warn(
            "BCa interval undefined: the estimate lies outside the range of the replicates "
            "(bias correction is infinite); returning NaN. Use ci='percentile'",
            RuntimeWarning, stacklevel=3,
        )
        return np.nan, np.nan
    G = jack.shape[0]
    L = (G - 1) * (t0 - jack)
    a = np.sum(L**3) / (6 * np.sum(L**2) ** 1.5) if np.all(np.isfinite(L)) else np.nan
    if not np.isfinite(a):
        warnings.warn(
            "BCa interval undefined: the cluster jackknife gave an undefined acceleration "
            "(a leave-one-cluster-out value is missing, or all are equal); returning NaN",
            RuntimeWarning, stacklevel=3,
        )
        return np.nan, np.nan
    z = ndtri(alpha)
    adj = ndtr(w + (w + z) / (1 - a * (w + z)))
    low, high = _norm_inter(t, adj)
    return float(low), float(high)


def _pvalue(t, null) -> float:
    """Two-sided bootstrap p-value of ``null``, never exactly 0 (see cluster_bootstrap Notes)."""
    t = t[np.isfinite(t)]
    B = t.shape[0]
    if B == 0:
        return np.nan
    ties = 0.5 * np.sum(t == null)
    below = np.sum(t < null) + ties
    above = np.sum(t > null) + ties
    return float(min(1.0, 2.0 * (min(below, above) + 1.0) / (B + 1.0)))


def _warn_if_too_few(n_boot: int, confidence: float) -> None:
    """Warn when ``n_boot`` replicates cannot give an interval at ``confidence``.

    With B replicates the percentile limits are order statistics (B+1)(1-c)/2
    and (B+1)(1+c)/2; below B = 2/(1-c) - 1 (39 at 95%) they fall on the
    smallest and largest replicate, so the interval is degenerate, and no
    p-value can be below 2/(B+1) > 1-c.
    """
    needed = int(np.ceil(2.0 / (1.0 - confidence) - 1.0 - 1e-9))
    if n_boot < needed:
        warnings.warn(
            f"n_boot={n_boot} is too few for {confidence:.0%} intervals: they need at least {needed} "
            f"replicates (below that their limits are the extreme replicates, and no p-value can be "
            f"below {2 / (n_boot + 1):.3g}); use n_boot >= 1000 for results to report",
            UserWarning, stacklevel=3,
        )


# --- public function ----------------------------------------------------------------------------


def cluster_bootstrap(data, truth, predictions, cluster="subject", *, metrics=("nrmse", "pearson_r"),
                      n_boot=2000, confidence=0.95, seed=None, pairwise=True, reference=None,
                      ci="percentile", null=0.0, model_null=None, nan_policy="raise",
                      score_range=7.0) -> BootstrapResult:
    """Cluster-bootstrap confidence intervals and p-values for models and their differences.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per scored unit (e.g. a clip), wide: a truth column, one
        prediction column per model, and the cluster column.
    truth : str or list of str
        The true scores: one column for all models, or one column per model in
        the order of ``predictions`` (for a baseline scored against its own
        reference, e.g. the human baseline's leave-one-out rater mean).
    predictions : str or list of str
        One column per model; the column names are the model names in ``term``.
    cluster : str or None, default "subject"
        The column of the resampling unit. ``None`` resamples rows (the
        ordinary bootstrap, which ignores the nesting).
    metrics : name, callable, list or dict, default ("nrmse", "pearson_r")
        ``"nrmse"``, ``"pearson_r"``, ``"rmse"`` (or those functions from
        :mod:`bitbox_stats.metrics`), or any callable ``metric(y, yhat) -> float``.
        A dict maps the names to show in ``metric`` to these.
    n_boot : int, default 2000
        Number of bootstrap replicates, >= 1 (a bool is refused). Fewer than
        2/(1 - confidence) - 1 (39 at 95%) give degenerate intervals and are
        warned about; 1000 or more are advised for results to report.
    confidence : float, default 0.95
        Confidence level, strictly between 0 and 1.
    seed : int or numpy.random.Generator, optional
        Seed for reproducible replicates.
    pairwise : bool, default True
        Also form differences between models: every pair ``"a - b"``, first
        minus second in the order of ``predictions``.
    reference : str, optional
        Form only the differences ``"reference - other"`` for every other
        model (Table 4 of the paper: ElasticNet minus each model and baseline).
        Needs ``pairwise=True``.
    ci : {"percentile", "bca", "boot_perc"}, default "percentile"
        Interval method (see Notes).
    null : float, dict or None, default 0.0
        Value of a difference under the null hypothesis, for its p-value; a dict
        gives one per metric name (metrics left out get no p-value); ``None``
        gives no p-values for differences.
    model_null : dict, optional
        Null values for single models' metrics, e.g. ``{"pearson_r": 0}``; by
        default single models get a CI but no p-value.
    nan_policy : {"raise", "omit"}, default "raise"
        A missing truth or prediction is an error (``"raise"``), or its row is
        dropped for all models at once (``"omit"``); the result reports how many
        rows and clusters went (``n_rows_omitted``, ``n_clusters_omitted``).
    score_range : float, default 7.0
        Theoretical score range used by ``"nrmse"``.

    Warns
    -----
    UserWarning
        When ``n_boot`` is too small for intervals at ``confidence``.

    Returns
    -------
    BootstrapResult
        ``table`` has one row per term and metric (terms first models, then
        differences; metrics in the given order within each term):

        - ``term`` (str): a model name, or ``"a - b"`` for model a minus model b;
        - ``metric`` (str): the metric's name;
        - ``estimate`` (float): the metric on all rows (for a difference, the
          difference of the two models' metrics);
        - ``ci_low``, ``ci_high`` (float): the confidence interval;
        - ``pval`` (float): two-sided p-value of the null (NaN where no null
          applies);
        - ``n`` (int): rows used;
        - ``n_clusters`` (int): clusters used;
        - ``n_boot`` (int): replicates with a defined value (``n_boot`` minus
          replicates where the metric was undefined, which are warned about).

        ``replicates`` (long DataFrame: replicate, term, metric, value) and
        ``replicate_values`` (array ``(n_boot, n_terms, n_metrics)``) hold the
        replicates; ``summary()`` gives one row describing the run.

    Notes
    -----
    **Resampling.** With :math:`G` clusters, replicate :math:`b` draws :math:`G`
    clusters uniformly with replacement (the :math:`b`-th of successive
    ``rng.integers(0, G, size=G)`` draws; clusters are numbered in order of
    first appearance in ``data``); :math:`c_{bg}` counts how often
    cluster :math:`g` was drawn. The metric is computed on all rows of the
    drawn clusters pooled, each cluster's rows taken :math:`c_{bg}` times (the
    cluster bootstrap of references 1 and 5, the procedure the paper ran with
    mlboot, reference 4; a metric is not averaged over clusters). Differences
    use the same draws for both models.
    For RMSE, NRMSE and Pearson r the statistic depends on the data only
    through per-cluster sums :math:`s_g` (count, sums, sums of squares and
    cross-products of the centred truth and prediction, and the sum of squared
    errors), so all replicates are :math:`C S` for the
    :math:`(B \\times G)` count matrix :math:`C`; other metrics are evaluated on
    the pooled rows of each replicate (same draws, same numbers, slower).

    **Intervals** at level :math:`1 - 2\\alpha`:

    - ``"percentile"``: the :math:`\\alpha` and :math:`1-\\alpha` quantiles of the
      replicates with linear interpolation between order statistics
      (``numpy.quantile(method="linear")``, R's ``quantile(type = 7)``).
    - ``"boot_perc"``: R's ``boot::boot.ci(type = "perc")``: the
      :math:`(B+1)\\alpha`-th order statistic; for a non-integer rank
      :math:`k < (B+1)\\alpha < k+1` the order statistics :math:`t_{(k)}` and
      :math:`t_{(k+1)}` are interpolated linearly on the normal quantile scale,
      :math:`t_{(k)} + \\frac{\\Phi^{-1}(\\alpha) - \\Phi^{-1}(k/(B+1))}
      {\\Phi^{-1}((k+1)/(B+1)) - \\Phi^{-1}(k/(B+1))}(t_{(k+1)} - t_{(k)})`;
      ranks below 1 or above :math:`B` take the extreme replicate (with a
      warning).
    - ``"bca"``: bias-corrected and accelerated (reference 2) with
      :math:`z_0 = \\Phi^{-1}(\\#\\{t^*_b < \\hat t\\}/B)`, acceleration
      :math:`a = \\sum_g L_g^3 / (6 (\\sum_g L_g^2)^{3/2})` from the cluster
      jackknife, :math:`L_g = (G-1)(\\hat t - \\hat t_{(-g)})` with
      :math:`\\hat t_{(-g)}` the statistic without cluster :math:`g` (boot's
      ``empinf(type = "jack")`` on clusters), levels
      :math:`\\Phi(z_0 + (z_0 + z_\\alpha)/(1 - a(z_0 + z_\\alpha)))`, read off
      the replicates with the ``"boot_perc"`` rule, so that it equals
      ``boot.ci(type = "bca", L = empinf(type = "jack"))``.

    Replicates where a metric is undefined (e.g. r of constant predictions)
    are left out of the interval and p-value and counted in ``n_boot``. When
    every replicate equals the estimate (e.g. two identical models) the
    interval is that value for every method.

    **p-values** (two-sided, for the null value :math:`\\theta_0`):
    :math:`p = \\min\\bigl(1,\\ 2\\,(\\min(N_<, N_>) + 1)/(B + 1)\\bigr)` with
    :math:`N_< = \\#\\{t^*_b < \\theta_0\\} + \\tfrac12 \\#\\{t^*_b = \\theta_0\\}` and
    :math:`N_> = \\#\\{t^*_b > \\theta_0\\} + \\tfrac12 \\#\\{t^*_b = \\theta_0\\}`,
    i.e. twice the smaller tail of the bootstrap distribution beyond the null,
    with replicates exactly at the null counted half to each side, and the
    :math:`(\\text{count}+1)/(B+1)` correction of reference 3 so that a p-value
    is never 0 (its smallest value is :math:`2/(B+1)`). A difference whose two
    metric values agree to rounding (:math:`|a - b| \\le 10^{-12}\\max(1, |a|, |b|)`,
    as for two models with identical predictions, whose metrics can differ by
    1e-16 of floating-point rounding) is set to exactly 0, in the estimate,
    every replicate and the jackknife; two identical models therefore get the
    estimate 0, the interval [0, 0] and p = 1. The p-value
    is below :math:`1-c` essentially when the ``"percentile"`` interval at level
    :math:`c` excludes the null.

    References
    ----------
    1. Field, C. A., Welsh, A. H. (2007). Bootstrapping clustered data. Journal
       of the Royal Statistical Society B, 69(3), 369-390.
    2. Davison, A. C., Hinkley, D. V. (1997). Bootstrap Methods and their
       Application. Cambridge University Press (sections 2.7, 5.3; R package boot).
    3. Davison & Hinkley (1997), section 4.2.1 (the (count + 1)/(B + 1) Monte
       Carlo p-value); North, B. V., Curtis, D., Sham, P. C. (2002). A note on
       the calculation of empirical P values from Monte Carlo procedures.
       American Journal of Human Genetics, 71(2), 439-441.
    4. Girard, J. M., Liu, Z. mlboot: bootstrapping for machine learning
       performance estimation (R package), https://github.com/jmgirard/mlboot.
    5. Ren, S. et al. (2010). Nonparametric bootstrapping for hierarchical data.
       Journal of Applied Statistics, 37(9), 1487-1498.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> subject = np.repeat(np.arange(30), 8)
    >>> y = rng.normal(size=30)[subject] + rng.normal(size=240)
    >>> data = pd.DataFrame({"subject": subject, "y": y,
    ...                      "good": y + rng.normal(0, 0.5, 240),
    ...                      "poor": y + rng.normal(0, 1.5, 240)})
    >>> res = cluster_bootstrap(data, "y", ["good", "poor"], "subject",
    ...                         metrics="nrmse", n_boot=500, seed=1)
    >>> res.table[["term", "metric"]]
              term metric
    0         good  nrmse
    1         poor  nrmse
    2  good - poor  nrmse
    >>> bool(res.table.loc[2, "ci_high"] < 0), float(round(res.table.loc[2, "pval"], 4))
    (True, 0.004)
    >>> same = cluster_bootstrap(data.assign(copy=data["good"]), "y", ["good", "copy"],
    ...                          metrics="nrmse", n_boot=200, seed=1)
    >>> same.table.loc[2, ["estimate", "ci_low", "ci_high", "pval"]].tolist()
    [0.0, 0.0, 0.0, 1.0]
    """
    check_choice("nan_policy", nan_policy, ["raise", "omit"])
    check_choice("ci", ci, _CI_METHODS)
    n_boot = check_int("n_boot", n_boot, minimum=1)
    confidence = check_probability("confidence", confidence)
    _warn_if_too_few(n_boot, confidence)
    score_range = check_positive("score_range", score_range)
    if not isinstance(pairwise, bool | np.bool_):
        raise TypeError(f"pairwise must be True or False, got {pairwise!r}")
    metric_specs = _resolve_metrics(metrics)
    labels = [m.label for m in metric_specs]
    diff_null = _null_for("null", null, labels)
    if model_null is not None and not isinstance(model_null, dict):
        raise TypeError(f"model_null must be a dict of metric name -> value, got {type(model_null).__name__}")
    single_null = _null_for("model_null", model_null, labels)
    rng = check_rng(seed)
    prep = _prepare(data, truth, predictions, cluster, nan_policy)
    terms = _terms(prep.models, bool(pairwise), reference)

    estimates = _to_terms(_model_estimates(prep, metric_specs, score_range), terms)
    reps = _to_terms(
        _model_replicates(prep, metric_specs, _draw_counts(rng, n_boot, prep.n_clusters), score_range),
        terms,
    )
    jack = (_to_terms(_model_jackknife(prep, metric_specs, score_range), terms)
            if ci == "bca" else None)

    finite = np.isfinite(reps)
    n_bad = int((~finite).sum())
    if n_bad:
        warnings.warn(
            f"{n_bad} bootstrap replicate value(s) were undefined (NaN, e.g. a correlation of "
            "constant predictions in the drawn clusters) and were left out; see the n_boot column",
            RuntimeWarning, stacklevel=2,
        )
    rows = []
    for ti, (label, _, j) in enumerate(terms):
        for k, mlabel in enumerate(labels):
            t = reps[:, ti, k]
            est = float(estimates[ti, k])
            low, high = _ci_limits(t, est, confidence, ci, None if jack is None else jack[:, ti, k])
            null_value = single_null[mlabel] if j is None else diff_null[mlabel]
            rows.append((label, mlabel, est, low, high,
                         np.nan if null_value is None else _pvalue(t, null_value),
                         int(finite[:, ti, k].sum())))
    table = pd.DataFrame(rows, columns=["term", "metric", "estimate", "ci_low", "ci_high", "pval", "n_boot"])
    table.insert(6, "n", prep.y.shape[0])
    table.insert(7, "n_clusters", prep.n_clusters)
    return BootstrapResult(
        table=table,
        replicate_values=reps,
        terms=tuple(t[0] for t in terms),
        metrics=tuple(labels),
        confidence=confidence,
        ci=ci,
        n=int(prep.y.shape[0]),
        n_clusters=int(prep.n_clusters),
        n_rows_omitted=prep.n_rows_omitted,
        n_clusters_omitted=prep.n_clusters_omitted,
    )
