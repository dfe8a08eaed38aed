"""Figures of the results, returned as matplotlib Figures (never shown).

One function per figure, each built with matplotlib's object API
(``matplotlib.figure.Figure``) so that no global pyplot state is touched:

- :func:`plot_performance`: NRMSE and correlation per model and task (the
  paper's Figure 3);
- :func:`plot_feature_weights`: standardised ElasticNet weights per feature,
  one panel per task and one for all tasks (Figure 4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ._validation import check_columns, check_dataframe, check_numeric_columns, check_positive

__all__ = ["plot_feature_weights", "plot_peaks", "plot_performance"]

_METRIC_LABELS = {
    "nrmse": "Normalized RMSE (lower is better)",
    "r": "Correlation (higher is better)",
    "pearson_r": "Correlation (higher is better)",
}


# --- Figure 3: performance ------------------------------------------------------------------------


def plot_performance(table, *, metrics=("nrmse", "r"), model="model", context="context",
                     figsize=None) -> Figure:
    """Grouped bar chart of each model's performance per context (the paper's Figure 3).

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy performance table, e.g. from
        :func:`bitbox_stats.tables.performance_table`: one row per model and
        context with a column per metric.
    metrics : sequence of str, default ("nrmse", "r")
        Metric columns, one panel each.
    model : str, default "model"
        Column of the model names (one bar colour each, in order of appearance).
    context : str or None, default "context"
        Column of the contexts (groups of bars on the x axis, in order of
        appearance); ``None`` for one group.
    figsize : tuple of float, optional
        Figure size in inches; by default 5 x 4 per panel.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per metric, bars grouped by context, a legend of the models.

    Notes
    -----
    NRMSE runs from 0 (best) to 1; correlations from -1 to 1 (a line marks 0).
    A missing value (e.g. an undefined correlation) leaves its bar out.

    References
    ----------
    1. Lin, V., Girard, J. M., Morency, L.-P. Context-dependent models for
       predicting and characterizing facial expressiveness (Figure 3).

    Examples
    --------
    >>> table = pd.DataFrame({"model": ["EN", "EN", "Normal", "Normal"],
    ...                       "context": ["pain", "all"] * 2,
    ...                       "nrmse": [0.10, 0.12, 0.20, 0.21], "r": [0.5, 0.5, 0.0, 0.02]})
    >>> fig = plot_performance(table)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['Normalized RMSE (lower is better)', 'Correlation (higher is better)']
    >>> len(fig.axes[0].patches)
    4
    """
    table = check_dataframe("table", table)
    if isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    if not metrics:
        raise ValueError("metrics is empty; give at least one metric column")
    check_columns("table", table, [model] + ([] if context is None else [context]))
    check_numeric_columns("table", table, metrics)
    models = list(pd.unique(table[model].astype(str)))
    contexts = [None] if context is None else list(pd.unique(table[context].astype(str)))
    keys = [model] if context is None else [model, context]
    if table.duplicated(keys).any():
        raise ValueError(f"table has more than one row for some {' and '.join(keys)}; one row each is expected")
    if figsize is None:
        figsize = (5.0 * len(metrics), 4.0)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    width = 0.8 / len(models)
    x = np.arange(len(contexts))
    colors = [f"C{i % 10}" for i in range(len(models))]
    lookup = table.assign(**{model: table[model].astype(str)})
    if context is not None:
        lookup[context] = lookup[context].astype(str)
    lookup = lookup.set_index(keys)
    for ax, metric in zip(axes, metrics, strict=True):
        for i, m in enumerate(models):
            values = [lookup[metric].get(m if c is None else (m, c), np.nan) for c in contexts]
            ax.bar(x - 0.4 + width * (i + 0.5), values, width, label=m, color=colors[i])
        ax.set_xticks(x, ["" if c is None else c for c in contexts])
        ax.set_ylabel(_METRIC_LABELS.get(metric, metric))
        if metric in ("r", "pearson_r"):
            ax.axhline(0.0, color="0.3", linewidth=0.8)
        ax.set_xlim(-0.6, len(contexts) - 0.4)
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, title=model, fontsize="small", frameon=False, loc="outside lower center",
               ncols=min(len(labels), 4))
    return fig


# --- Figure 4: feature weights ---------------------------------------------------------------------


def plot_feature_weights(weights, *, feature="feature", weight="weight", context="context",
                         threshold=0.2, figsize=None) -> Figure:
    """Standardised feature weights, one panel per context (the paper's Figure 4).

    Parameters
    ----------
    weights : pandas.DataFrame
        Tidy weights, e.g. ``fit_by_context(...).weights`` (context, feature,
        weight) or ``elasticnet_grid(...).weights`` with ``context=None``.
    feature, weight : str
        Columns of the feature names and the weights.
    context : str or None, default "context"
        Column of the contexts, one panel each in order of appearance (the
        paper: startle, pain, disgust, all); ``None`` for one panel.
    threshold : float, default 0.2
        Dashed lines at plus and minus this weight (the paper interprets
        features with \\|weight\\| near or above 0.2); 0 draws none.
    figsize : tuple of float, optional
        Figure size in inches; by default 3.2 per panel wide.

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal bars per feature (same feature order in every panel, as
        first seen), positive weights in one colour and negative in another,
        sharing the weight axis.

    Notes
    -----
    The weights are coefficients on standardised features: the change in the
    predicted score for one standard deviation of the feature, others fixed.

    References
    ----------
    1. Lin, V., Girard, J. M., Morency, L.-P. Context-dependent models for
       predicting and characterizing facial expressiveness (Figure 4).

    Examples
    --------
    >>> w = pd.DataFrame({"context": ["pain", "pain", "all", "all"],
    ...                   "feature": ["au_count", "head", "au_count", "head"],
    ...                   "weight": [0.4, -0.1, 0.3, 0.0]})
    >>> fig = plot_feature_weights(w)
    >>> [ax.get_title() for ax in fig.axes]
    ['pain', 'all']
    """
    weights = check_dataframe("weights", weights)
    check_columns("weights", weights, [feature] + ([] if context is None else [context]))
    check_numeric_columns("weights", weights, [weight])
    threshold = check_positive("threshold", threshold, allow_zero=True)
    features = list(pd.unique(weights[feature].astype(str)))
    contexts = [None] if context is None else list(pd.unique(weights[context].astype(str)))
    keys = [feature] if context is None else [context, feature]
    if weights.duplicated(keys).any():
        raise ValueError(f"weights has more than one row for some {' and '.join(keys)}")
    if figsize is None:
        figsize = (0.8 + 3.2 * len(contexts), 1.0 + 0.35 * len(features))
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, len(contexts), squeeze=False, sharex=True, sharey=True)[0]
    y = np.arange(len(features))
    for ax, c in zip(axes, contexts, strict=True):
        part = weights if c is None else weights[weights[context].astype(str) == c]
        w = part.set_index(part[feature].astype(str))[weight].reindex(features).to_numpy(dtype=float)
        ax.barh(y, w, color=np.where(w >= 0, "C0", "C3"), height=0.7)
        ax.axvline(0.0, color="0.3", linewidth=0.8)
        if threshold > 0:
            for t in (-threshold, threshold):
                ax.axvline(t, color="0.5", linewidth=0.8, linestyle="--")
        ax.set_title("" if c is None else c)
        ax.set_xlabel("standardised weight")
    axes[0].set_yticks(y, features)
    axes[0].invert_yaxis()
    return fig


# --- expressivity: a signal, its wavelet decomposition and the peaks per scale -----------------


def plot_peaks(signal, scales=6, fps=30, *, aggregate=True, name=None, figsize=None) -> Figure:
    """One signal, its wavelet decomposition and the activation peaks per scale.

    The top panel shows the signal with its peaks (the aggregated peaks when
    there are several scales and ``aggregate`` is True, else the peaks of the
    signal itself); one panel per scale shows the smoothed wavelet
    coefficients with that scale's positive peaks, as in Bitbox's figure.

    Parameters
    ----------
    signal : array_like or pandas.Series
        One expression signal (frames).
    scales : None, int or sequence of float, default 6
        Temporal scales, as in :func:`bitbox_stats.expressivity`.
    fps : float, default 30
        Frame rate.
    aggregate : bool, default True
        Mark the aggregated peaks in the top panel.
    name : str, optional
        Signal name for the title (a Series' name by default).
    figsize : tuple, optional
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        ``1 + n_scales`` stacked panels sharing the time axis (seconds).

    Notes
    -----
    The peaks are those of :func:`bitbox_stats.detect_peaks`; the coefficients
    those of :func:`bitbox_stats.wavelet_transform` (centred, smoothed
    signal; Mexican-hat CWT at scale :math:`f_{ps} d / 4`; smoothed again).

    Examples
    --------
    >>> from bitbox_stats.simulate import simulate_signals
    >>> x = simulate_signals(1, seconds=30, fps=30, seed=1)["exp_00"]
    >>> fig = plot_peaks(x, scales=[0.5, 1, 2], fps=30)
    >>> len(fig.axes)
    4
    """
    from .signals import detect_peaks, scale_durations, wavelet_transform

    if name is None:
        name = str(signal.name) if isinstance(signal, pd.Series) and signal.name is not None else "signal"
    x = np.asarray(signal, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"signal must be one-dimensional, got shape {x.shape}")
    fps = check_positive("fps", fps)
    durations = scale_durations(scales, fps)
    frame = pd.DataFrame({name: x})
    t = np.arange(x.size) / fps
    n_rows = 1 + (0 if durations is None else durations.size)
    fig = Figure(figsize=figsize or (10, 1.6 * n_rows + 0.6), layout="constrained")
    axes = fig.subplots(n_rows, 1, sharex=True, squeeze=False)[:, 0]

    def mark(ax, series, frames, color):
        ax.plot(t, series, lw=0.8, color="0.25")
        if len(frames):
            ax.plot(t[frames], series[frames], "v", color=color, ms=4)

    if durations is None or durations.size == 1 or not aggregate:
        top = detect_peaks(frame, scales=None, fps=fps)
        label = "peaks of the signal"
    else:
        top = detect_peaks(frame, scales=durations, aggregate=True, fps=fps)
        label = f"aggregated peaks ({durations.min():g}-{durations.max():g} s)"
    mark(axes[0], x, top.loc[top["kind"] == "peak", "frame"].to_numpy(), "C3")
    axes[0].set_title(f"{name}: {label}", loc="left", fontsize=10)
    if durations is not None:
        coefs = wavelet_transform(x, durations, fps=fps)
        per_scale = detect_peaks(frame, scales=durations, fps=fps)
        for k, d in enumerate(durations):
            sel = per_scale[(per_scale["kind"] == "peak") & np.isclose(per_scale["scale"], d)]
            mark(axes[k + 1], coefs[k], sel["frame"].to_numpy(), "C0")
            axes[k + 1].set_title(f"scale {d:g} s: {len(sel)} peaks", loc="left", fontsize=9)
    axes[-1].set_xlabel("time (s)")
    return fig
