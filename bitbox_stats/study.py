"""The whole expressiveness study in one call: from OpenFace files and ratings to Tables 1-4.

:func:`run_study` strings together the package's public functions, in the
order of Lin, Girard & Morency (2020):

1. clip features from the OpenFace output (:func:`~bitbox_stats.extract_features`,
   or :func:`~bitbox_stats.features.video_features` for a simulated study);
2. inter-rater reliability per task and question (:func:`~bitbox_stats.icc_table`, Table 1);
3. the one-factor CFA per task and over all tasks with Bartlett scores as
   labels (:func:`~bitbox_stats.expressiveness_scores`, Table 2);
4. an ElasticNet grid search per task and over all tasks with subject-grouped
   60/20/20 splits (:func:`~bitbox_stats.fit_by_context`);
5. uniform, normal and human baselines on the same test clips
   (:func:`~bitbox_stats.baseline_predictions`, :func:`~bitbox_stats.human_baseline`);
6. test performance (:func:`~bitbox_stats.performance_table`, Table 3) and cluster-bootstrap
   comparisons of the ElasticNet with every baseline (:func:`~bitbox_stats.comparison_table`, Table 4);
7. Figures 3 and 4, and a self-contained HTML report.

This module adds the orchestration only; every statistic comes from the
functions above.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._io import atomic_folder
from ._validation import (
    check_choice,
    check_columns,
    check_dataframe,
    check_int,
    check_n_jobs,
    check_positive,
    check_probability,
    check_rng,
)
from .factor import expressiveness_scores
from .features import (
    FEATURE_GROUPS,
    FEATURES,
    MissingFeaturesWarning,
    extract_features,
    video_features,
)
from .models import baseline_predictions, fit_by_context, human_baseline
from .plots import plot_feature_weights, plot_performance
from .reliability import icc_table
from .report import ReportSection, package_versions, write_report
from .simulate import ITEMS, SimulatedStudy, simulate_study
from .tables import comparison_table, performance_table

__all__ = ["StudyResult", "read_study", "run_study", "weight_recovery"]

_KEY = ["subject", "task", "clip"]
_MODEL_ORDER = ["Uniform baseline", "Normal baseline", "Human baseline", "ElasticNet"]

_TEXT = {
    "table1": (
        "One-way random, average-score intraclass correlation ICC(1,k) of each question, per task "
        "and over all tasks, with 95% confidence intervals from the F distribution. Each clip was "
        "rated by its own group of raters, so the rater label carries no meaning; values at or "
        "above 0.75 are usually read as excellent reliability (Cicchetti, 1994)."
    ),
    "table2": (
        "Standardised loadings and residual variances of the one-factor CFA (latent variance 1) "
        "fitted to the clip means of the three questions, per task and over all tasks. The "
        "clips' factor scores (Bartlett scores in the paper) are the expressiveness labels used "
        "below: the per-task fit labels the per-task models, the all-task fit the model over all "
        "tasks."
    ),
    "table3": (
        "Test-set performance per task and over all tasks: normalised RMSE (RMSE / 7, the range "
        "of the scores from -3.5 to 3.5; lower is better) and Pearson correlation with the labels "
        "(higher is better). The human baseline is a single rater's loading-weighted answers "
        "against the mean of the other raters of the same clip, averaged over raters; it needs no "
        "training, so every rater is scored on all the clips of the context they rated (Table 4 "
        "compares it with the ElasticNet on the test clips)."
    ),
    "table4": (
        "ElasticNet minus each baseline on the test clips, with cluster-bootstrap confidence "
        "intervals and p-values (clusters: subjects). Negative differences in NRMSE and positive "
        "differences in correlation favour the ElasticNet. p-values use the (count + 1) / "
        "(replicates + 1) correction and are never 0."
    ),
    "figures": (
        "Figure 3 compares the models per task; Figure 4 shows the ElasticNet weights on "
        "standardised features, per task and over all tasks: the signals that go with more "
        "expressive clips in each context (the paper interprets weights near or above 0.2 in "
        "absolute value)."
    ),
}


@dataclass(frozen=True, repr=False)
class StudyResult:
    """Every table and figure of the study, and how they were made.

    Attributes
    ----------
    features : pandas.DataFrame
        One row per clip: ``subject``, ``task``, ``clip``, ``start_s``, ``end_s``,
        the 14 :data:`~bitbox_stats.FEATURES` and the quality columns of
        :func:`~bitbox_stats.extract_features`.
    failures : pandas.DataFrame
        Files that could not be read (``path, subject, task, error, message``);
        empty for a simulated study or when every file was read.
    table1 : pandas.DataFrame
        :func:`~bitbox_stats.icc_table` (ICC(1,k) per task and question).
    table2 : pandas.DataFrame
        The ``loadings`` of :func:`~bitbox_stats.expressiveness_scores`.
    labels : pandas.DataFrame
        One row per clip: ``subject, task, clip``, the items' clip means,
        ``n_raters``, ``score_task`` and ``score_all`` (Bartlett scores).
    data : pandas.DataFrame
        The modelling table: features and labels of the clips used.
    excluded : pandas.DataFrame
        Clips left out of the models and why: ``reason`` and ``n_clips``.
    models : bitbox_stats.ContextResult
        The ElasticNet fits per task and over all tasks.
    human : dict of str to bitbox_stats.HumanBaselineResult
        The human baseline per context.
    predictions : pandas.DataFrame
        Long test predictions of every model: ``context``, ``model``,
        ``clip_id``, ``subject``, ``task``, ``clip``, ``y``, ``yhat``.
    table3 : pandas.DataFrame
        Test performance: ``context``, ``model``, ``n``, ``nrmse``, ``r``.
    table4 : pandas.DataFrame
        :func:`~bitbox_stats.comparison_table` per context.
    figures : dict of str to matplotlib.figure.Figure
        ``"figure3"`` and ``"figure4"``.
    timings : pandas.DataFrame
        ``step`` and ``seconds``.
    settings : dict
        The arguments of :func:`run_study` and the source.
    truth : dict
        For a simulated study: ``weights`` (the generating channels) and
        ``recovery`` (:func:`weight_recovery`); empty otherwise.
    adjustments : pandas.DataFrame
        Improper CFA fits (Heywood cases) and what was done about them, as
        :attr:`ExpressivenessScores.adjustments <bitbox_stats.ExpressivenessScores>`
        (``fit``, ``item``, ``estimate``, ``action``, ``fixed_at``, ``note``);
        empty when every fit was proper.
    missing_inputs : pandas.DataFrame
        Feature groups that could not be computed because the files lack
        their columns: the ``missing`` table of
        :class:`~bitbox_stats.FeatureExtraction` (``path, subject, task,
        group, features, columns``); empty when every file has every column.
        The features missing for every clip are left out of the models
        (``settings["features_dropped"]``).
    """

    features: pd.DataFrame
    failures: pd.DataFrame
    table1: pd.DataFrame
    table2: pd.DataFrame
    labels: pd.DataFrame
    data: pd.DataFrame
    excluded: pd.DataFrame
    models: object
    human: dict
    predictions: pd.DataFrame
    table3: pd.DataFrame
    table4: pd.DataFrame
    figures: dict
    timings: pd.DataFrame
    settings: dict
    truth: dict = field(default_factory=dict)
    adjustments: pd.DataFrame = field(default_factory=pd.DataFrame)
    missing_inputs: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __repr__(self) -> str:
        return (f"StudyResult({self.features.shape[0]} clips with features, {self.data.shape[0]} modelled, "
                f"contexts={list(self.models.results)}, seed={self.settings.get('seed')})")

    def summary(self) -> pd.DataFrame:
        """Table 3 with the test correlations and NRMSE side by side, one row per model.

        Returns
        -------
        pandas.DataFrame
            ``model``, then ``nrmse_<context>`` and ``r_<context>`` for every context.
        """
        wide = self.table3.pivot(index="model", columns="context", values=["nrmse", "r"])
        contexts = list(self.models.results)
        wide = wide.reindex(columns=[(m, c) for m in ("nrmse", "r") for c in contexts])
        wide.columns = [f"{m}_{c}" for m, c in wide.columns]
        order = [m for m in _MODEL_ORDER if m in wide.index]
        return wide.loc[order].reset_index()

    def tables(self) -> dict:
        """Every table by file stem.

        Returns
        -------
        dict of str to pandas.DataFrame
            What :meth:`save` writes as CSV.
        """
        out = {
            "table1_icc": self.table1,
            "table2_cfa": self.table2,
            "table3_performance": self.table3,
            "table4_comparisons": self.table4,
            "features": self.features,
            "labels": self.labels,
            "excluded": self.excluded,
            "predictions": self.predictions,
            "cfa_adjustments": self.adjustments,
            "grid": self.models.grid,
            "weights": self.models.weights,
            "timings": self.timings,
        }
        if not self.failures.empty:
            out["failures"] = self.failures
        if not self.missing_inputs.empty:
            out["missing_inputs"] = self.missing_inputs
        for name, table in self.truth.items():
            out[f"truth_{name}"] = table
        return out

    def report_sections(self):
        """The report's sections, in order.

        Returns
        -------
        list of bitbox_stats.ReportSection
            What :meth:`save` writes to ``report.html``.
        """
        t1 = self.table1
        t2 = self.table2[["fit", "item", "loading", "residual_variance"]]
        data_tables = {"Clips left out of the models": self.excluded}
        if not self.missing_inputs.empty:
            data_tables["Feature inputs missing from the files"] = self.missing_inputs
        sections = [
            ReportSection("Data", self._data_text(), data_tables),
            ReportSection("Table 1. Inter-rater reliability", _TEXT["table1"], {"ICC(1,k)": t1}),
            ReportSection("Table 2. Confirmatory factor analysis", self._table2_text(), {
                "Table 2": t2,
                **({"Improper fits (Heywood cases) and what was done": self.adjustments}
                   if len(self.adjustments) else {})}),
            ReportSection("Table 3. Test performance", _TEXT["table3"],
                          {"Table 3 (wide)": self.summary(), "Table 3 (long)": self.table3}),
            ReportSection("Table 4. ElasticNet against the baselines", _TEXT["table4"],
                          {"Table 4": self.table4}),
            ReportSection("Figures 3 and 4", _TEXT["figures"],
                          figures={"Figure 3. Performance per task": self.figures["figure3"],
                                   "Figure 4. ElasticNet feature weights": self.figures["figure4"]}),
        ]
        if "recovery" in self.truth:
            sections.append(ReportSection(
                "Known truth (simulated study)",
                "The simulated study's generating channels and the estimated weights of the "
                "features they move: a sign that matches means the pipeline recovered the channel.",
                {"Recovery of the generating channels": self.truth["recovery"]}))
        sections.append(ReportSection("Timings", "", {"Seconds per step": self.timings}))
        return sections

    def _table2_text(self) -> str:
        s = self.settings
        text = _TEXT["table2"] + f" Labels here: {s.get('scores', 'bartlett')} scores."
        if len(self.adjustments):
            text += (" " + " ".join(f"{n}." for n in self.adjustments["note"])
                     + f" (rule: heywood={s.get('heywood', 'bound')!r}).")
        return text

    def _data_text(self) -> str:
        s = self.settings
        n_failed = len(self.failures)
        dropped = s.get("features_dropped") or []
        n_partial = int(self.missing_inputs["path"].nunique()) if not self.missing_inputs.empty else 0
        return (f"{s['n_videos']} task videos ({s['source']}), {self.features.shape[0]} clips with "
                f"features, {s['n_ratings']} ratings, {self.data.shape[0]} clips in the models"
                + (f"; {n_failed} file(s) could not be read (see failures.csv)" if n_failed else "")
                + (f"; {n_partial} file(s) lack the columns of some features (see missing_inputs.csv)"
                   if n_partial else "")
                + (f". Features that no file has the columns for were left out of the models: "
                   f"{', '.join(dropped)}" if dropped else "")
                + f". Seed {s['seed']}, {s['n_boot']} bootstrap replicates.")

    def save(self, folder, *, overwrite=False, report=True) -> Path:
        """Write every table (CSV), the figures (PNG) and the HTML report.

        Parameters
        ----------
        folder : str or os.PathLike
            Destination; must not exist or be empty unless ``overwrite``.
        overwrite : bool, default False
            Replace a folder bitbox-stats wrote earlier (it holds the marker
            ``.bitbox-stats-output.json``) that holds nothing else; any other
            non-empty folder is refused, and nothing the package did not write
            is ever deleted.
        report : bool, default True
            Also write ``report.html``.

        Returns
        -------
        pathlib.Path
            The folder. Everything is written to a temporary folder first and
            renamed into place, so a failure leaves no half-written results.
        """
        folder = Path(folder)
        with atomic_folder(folder, overwrite=overwrite) as tmp:
            for name, table in self.tables().items():
                table.to_csv(tmp / f"{name}.csv", index=False)
            for name, fig in self.figures.items():
                fig.savefig(tmp / f"{name}.png", dpi=150, bbox_inches="tight")
            (tmp / "settings.json").write_text(json.dumps(_jsonable(self.settings), indent=2))
            package_versions().to_csv(tmp / "versions.csv", index=False)
            if report:
                write_report(tmp / "report.html", "Expressiveness study: bitbox-stats report",
                             self.report_sections(), settings=self.settings)
        return folder


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj if obj is None or isinstance(obj, bool | int | float | str) else str(obj)


def read_study(folder):
    """Read a study folder written by :func:`~bitbox_stats.write_study` (or laid out like one).

    Parameters
    ----------
    folder : str or os.PathLike
        A folder with ``manifest.csv`` (``path, subject, task``; paths relative
        to the folder or absolute) and ``ratings.csv``.

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.DataFrame)
        The manifest with absolute paths, and the ratings.

    Examples
    --------
    >>> import tempfile, os
    >>> from bitbox_stats import simulate_study, write_study
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write_study(simulate_study(2, tasks=("disgust",), seed=1), os.path.join(tmp, "s"))
    ...     manifest, ratings = read_study(os.path.join(tmp, "s"))
    ...     manifest.shape[0], ratings.shape[0]
    (2, 48)
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"study folder {str(folder)!r} does not exist")
    for name in ("manifest.csv", "ratings.csv"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"study folder {str(folder)!r} has no {name}")
    manifest = _read_manifest(folder / "manifest.csv")
    ratings = pd.read_csv(folder / "ratings.csv")
    return manifest, ratings


def _read_manifest(path: Path) -> pd.DataFrame:
    manifest = pd.read_csv(path)
    check_columns(f"manifest {str(path)!r}", manifest, ["path", "subject", "task"])
    base = path.parent
    manifest["path"] = [str(p if Path(p).is_absolute() else (base / p)) for p in manifest["path"].astype(str)]
    return manifest


def _simulated_features(study: SimulatedStudy, keys, fps) -> pd.DataFrame:
    """Clip features of some videos of a simulated study (rendered one at a time)."""
    rows = []
    for subject, task in keys:
        f = video_features(study.frames(subject, task), task, fps=fps)
        f.insert(0, "task", task)
        f.insert(0, "subject", subject)
        rows.append(f)
    return pd.concat(rows, ignore_index=True)


def _features_of_simulation(study: SimulatedStudy, fps, progress, n_jobs) -> pd.DataFrame:
    from tqdm.auto import tqdm

    keys = list(zip(study.manifest["subject"], study.manifest["task"], strict=True))
    size = min(20, len(keys) // (4 * n_jobs) or 1)
    chunks = [keys[i:i + size] for i in range(0, len(keys), size)]
    bar = tqdm(total=len(keys), desc="simulated videos", unit="video", file=sys.stderr, disable=not progress)
    parts = []
    try:
        if n_jobs == 1 or len(chunks) == 1:
            for chunk in chunks:
                parts.append(_simulated_features(study, chunk, fps))
                bar.update(len(chunk))
        else:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=n_jobs) as pool:
                futures = [pool.submit(_simulated_features, study, chunk, fps) for chunk in chunks]
                for chunk, fut in zip(chunks, futures, strict=True):  # in order: reproducible
                    parts.append(fut.result())
                    bar.update(len(chunk))
    finally:
        bar.close()
    return pd.concat(parts, ignore_index=True)


def _clip_id(frame: pd.DataFrame) -> pd.Series:
    return (frame["subject"].astype(str) + "/" + frame["task"].astype(str) + "/"
            + frame["clip"].astype(int).astype(str))


def weight_recovery(weights: pd.DataFrame, truth: pd.DataFrame, *, top=3) -> pd.DataFrame:
    """Compare estimated per-task feature weights with a simulation's generating channels.

    Parameters
    ----------
    weights : pandas.DataFrame
        Estimated weights: ``context``, ``feature``, ``weight`` (e.g.
        ``StudyResult.models.weights``).
    truth : pandas.DataFrame
        Generating channels: ``task``, ``feature``, ``weight`` (e.g.
        ``SimulatedStudy.weights``).
    top : int, default 3
        How many of a task's largest absolute estimates must be generating
        features with the generating sign (at most the task's number of
        generating features).

    Returns
    -------
    pandas.DataFrame
        One row per task and generating feature: ``task``, ``feature``,
        ``true_weight``, ``estimate``, ``rank`` (1 = the largest absolute
        estimate of the task), ``sign_ok`` (the estimate has the generating
        sign), and ``top_ok`` (the same for every row of a task: the task's
        ``top`` largest absolute estimates all belong to generating features
        and have their signs).

    Examples
    --------
    >>> est = pd.DataFrame({"context": "pain", "feature": ["au_count", "yaw_velocity"],
    ...                     "weight": [0.4, -0.05]})
    >>> true = pd.DataFrame({"task": ["pain"], "feature": ["au_count"], "weight": [0.5]})
    >>> weight_recovery(est, true)[["feature", "rank", "sign_ok", "top_ok"]]
        feature  rank  sign_ok  top_ok
    0  au_count     1     True    True
    """
    top = check_int("top", top, minimum=1)
    rows = []
    for task, gen in truth.groupby("task", sort=False):
        est = weights[weights["context"] == task].copy()
        est["rank"] = est["weight"].abs().rank(ascending=False, method="first").astype(int)
        merged = gen.merge(est[["feature", "weight", "rank"]], on="feature", how="left",
                           suffixes=("_true", ""))
        sign_ok = np.sign(merged["weight"]) == np.sign(merged["weight_true"])
        k = min(top, len(merged))
        leaders = est.nsmallest(k, "rank")
        true_sign = dict(zip(gen["feature"], np.sign(gen["weight"]), strict=True))
        top_ok = all(true_sign.get(f) == np.sign(w) for f, w in zip(leaders["feature"], leaders["weight"],
                                                                     strict=True))
        for r, ok in zip(merged.itertuples(index=False), sign_ok, strict=True):
            rows.append((task, r.feature, r.weight_true, r.weight, int(r.rank), bool(ok), top_ok))
    return pd.DataFrame(rows, columns=["task", "feature", "true_weight", "estimate", "rank", "sign_ok",
                                       "top_ok"])


def _usable_features(extraction) -> tuple[list[str], list[str]]:
    """The features the models can use, and those dropped because no file has their columns.

    A feature whose columns only some files lack is an error that names the files.
    """
    miss = extraction.missing
    if miss.empty:
        return list(FEATURES), []
    read = set(extraction.manifest["path"]) - set(extraction.failures["path"])
    dropped, partial = [], {}
    for feature in FEATURES:
        paths = set(miss.loc[miss["group"] == FEATURE_GROUPS[feature], "path"])
        if paths and paths >= read:
            dropped.append(feature)
        elif paths:
            partial[feature] = sorted(paths)
    if partial:
        first = next(iter(partial.values()))
        shown = ", ".join(first[:5]) + (", ..." if len(first) > 5 else "")
        raise ValueError(
            f"feature(s) {', '.join(partial)} cannot be computed for {len(first)} of {len(read)} files, which "
            f"lack their columns: {shown}; a model needs every feature for every clip, so run OpenFace "
            "with the same outputs for every video (see FeatureExtraction.missing for the columns)"
        )
    used = [f for f in FEATURES if f not in dropped]
    if not used:
        raise ValueError("no feature can be computed: every file lacks the columns of every feature")
    return used, dropped


def run_study(source=None, ratings=None, *, fps=25, items=ITEMS, seed=2020, n_boot=2000, ci="percentile",
              confidence=0.95, backend="semopy", n_jobs=1, client=None, errors="raise", progress=None,
              n_subjects=140, scores="bartlett", heywood="bound") -> StudyResult:
    """Run the study of Lin, Girard & Morency (2020) end to end.

    Parameters
    ----------
    source : SimulatedStudy, pandas.DataFrame, str or os.PathLike, optional
        What to analyse: a :class:`~bitbox_stats.SimulatedStudy`; a manifest
        (DataFrame or CSV path with ``path, subject, task``; relative paths in a
        CSV are taken relative to its folder); or a study folder holding
        ``manifest.csv`` and ``ratings.csv`` (see :func:`read_study`). None
        simulates a study of ``n_subjects`` subjects with ``seed``.
    ratings : pandas.DataFrame or str, optional
        Long ratings (CSV path or DataFrame): ``subject, task, clip, rater`` and
        one column per item. Taken from the study when ``source`` is a
        simulated study or a study folder.
    fps : float, default 25
        Frame rate of the videos.
    items : sequence of str, default ("response", "emotion", "motion")
        Rating questions.
    seed : int, default 2020
        Seed for the splits, baselines and bootstrap (and the simulation when
        ``source`` is None). The same seed gives the same results.
    n_boot : int, default 2000
        Bootstrap replicates for Table 4.
    ci : {"percentile", "bca", "boot_perc"}, default "percentile"
        Bootstrap interval (see :func:`~bitbox_stats.cluster_bootstrap`).
    confidence : float, default 0.95
        Level of the intervals.
    backend : {"semopy", "lavaan"}, default "semopy"
        CFA backend.
    n_jobs : int, default 1
        Processes for the clip features (files, or the videos of a simulated
        study); -1 uses every core.
    client, errors
        Passed to :func:`~bitbox_stats.extract_features` (files only).
    progress : bool, optional
        Progress bars on long steps; default: when the session is interactive.
    n_subjects : int, default 140
        Subjects of the simulated study when ``source`` is None.
    scores : {"bartlett", "regression"}, default "bartlett"
        Factor scores used as the expressiveness labels (the paper: Bartlett).
    heywood : {"bound", "regression", "raise"}, default "bound"
        What to do when a CFA fit is improper (a Heywood case, common in small
        samples): bound the residual variance at 1% of the item's variance and
        refit, use regression scores for that fit, or stop with an error (see
        :func:`~bitbox_stats.expressiveness_scores`). Every case handled is
        warned about and listed in ``adjustments`` and the report.

    Returns
    -------
    StudyResult
        Tables 1-4, the labels, models, predictions, Figures 3 and 4, timings
        and settings; ``save(folder)`` writes CSVs, PNGs and an HTML report.

    Notes
    -----
    Clips are identified by ``subject``, ``task`` and ``clip`` (1-based within
    the task's segment table). A clip enters the models when it has every
    feature (enough valid frames) and a label; the others are counted in
    ``excluded``. Each task gets its own subject-grouped 60/20/20 split, and
    the model over all tasks its own, as in the paper. The uniform and normal
    baselines are scored on the test clips of their context. The human
    baseline needs no training: each rater is standardised and scored over all
    the modelled clips of the context they rated (Table 3), and Table 4
    compares one randomly drawn rater per clip with the ElasticNet on the test
    clips (a clip without a human prediction, e.g. all its raters rated only
    one clip, is left out of every model's bootstrap and counted in ``n``).

    References
    ----------
    1. Lin, V., Girard, J. M., & Morency, L.-P. (2020). Context-dependent models
       for predicting and characterizing facial expressiveness.
    2. Field, C. A., & Welsh, A. H. (2007). Bootstrapping clustered data. JRSS B, 69(3), 369-390.

    Examples
    --------
    >>> res = run_study(simulate_study(n_subjects=24, seed=3), seed=1, n_boot=200, progress=False)
    >>> res.table3.columns.tolist()
    ['context', 'model', 'n', 'nrmse', 'r']
    >>> sorted(res.table3["context"].unique())
    ['all', 'disgust', 'pain', 'startle']
    """
    fps = check_positive("fps", fps)
    n_boot = check_int("n_boot", n_boot, minimum=1)
    n_jobs = check_n_jobs(n_jobs)
    check_choice("ci", ci, ["percentile", "bca", "boot_perc"])
    check_choice("backend", backend, ["semopy", "lavaan"])
    check_choice("scores", scores, ["bartlett", "regression"])
    check_choice("heywood", heywood, ["bound", "regression", "raise"])
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an integer (it is recorded in the report), got {type(seed).__name__}")
    rng = check_rng(seed)
    check_probability("confidence", confidence)
    items = [str(i) for i in items]
    if progress is None:
        progress = sys.stderr.isatty()
    timings = []
    clock = time.perf_counter()

    def tick(step):
        nonlocal clock
        now = time.perf_counter()
        timings.append((step, now - clock))
        clock = now

    # ---------------------------------------------------------------- the data
    study = None
    failures = pd.DataFrame(columns=["path", "subject", "task", "error", "message"])
    missing_inputs = pd.DataFrame(columns=["path", "subject", "task", "group", "features", "columns"])
    used, dropped = list(FEATURES), []
    if source is None:
        study = simulate_study(n_subjects=n_subjects, fps=fps, seed=seed)
        tick("simulate the study")
    elif isinstance(source, SimulatedStudy):
        study = source
    if study is not None:
        if ratings is not None:
            raise ValueError("ratings: a simulated study brings its own ratings; pass ratings=None")
        if study.settings["fps"] != fps:
            raise ValueError(f"fps={fps:g} but the simulated study's videos are at {study.settings['fps']:g} fps")
        ratings = study.ratings
        features = _features_of_simulation(study, fps, progress, n_jobs)
        n_videos = len(study.manifest)
        described = f"simulated, {study.settings['n_subjects']} subjects, seed {study.settings['seed']}"
    else:
        if isinstance(source, str | Path) and Path(source).is_dir():
            manifest, folder_ratings = read_study(source)
            ratings = folder_ratings if ratings is None else ratings
            described = f"study folder {source}"
        elif isinstance(source, str | Path):
            manifest = _read_manifest(Path(source))
            described = f"manifest {source}"
        elif isinstance(source, pd.DataFrame):
            manifest = source
            described = "manifest DataFrame"
        else:
            raise TypeError("source must be a SimulatedStudy, a manifest (DataFrame or CSV path), a study "
                            f"folder, or None; got {type(source).__name__}")
        if ratings is None:
            raise ValueError("ratings are needed: pass ratings= (a DataFrame or a CSV path)")
        if isinstance(ratings, str | Path):
            ratings = pd.read_csv(ratings)
        with warnings.catch_warnings():  # run_study gives its own, single warning
            warnings.simplefilter("ignore", MissingFeaturesWarning)
            extraction = extract_features(manifest, fps=fps, n_jobs=n_jobs, client=client, errors=errors,
                                          progress=progress)
        features = extraction.features
        failures = extraction.failures
        missing_inputs = extraction.missing
        used, dropped = _usable_features(extraction)
        if dropped:
            warnings.warn(
                f"run_study: {len(dropped)} feature(s) could not be computed for any clip, because no file "
                f"has their columns, and were left out of the models: {', '.join(dropped)} (see "
                "StudyResult.missing_inputs)",
                MissingFeaturesWarning,
                stacklevel=2,
            )
        n_videos = len(extraction.manifest)
    tick("clip features")
    ratings = check_dataframe("ratings", ratings)
    check_columns("ratings", ratings, ["subject", "task", "clip", "rater", *items])
    ratings = ratings.copy()
    for col in ("subject", "task", "rater"):
        ratings[col] = ratings[col].astype(str)
    features = features.copy()
    features["subject"] = features["subject"].astype(str)
    features["task"] = features["task"].astype(str)

    # ---------------------------------------------------------------- Tables 1 and 2, labels
    table1 = icc_table(ratings, items, by="task", targets=["subject", "clip"], confidence=confidence)
    tick("Table 1: ICC")
    labelled = expressiveness_scores(ratings, items, by="task", clip=["subject", "clip"], rater="rater",
                                     backend=backend, method=scores, heywood=heywood)
    tick("Table 2: CFA and labels")
    labels = labelled.scores[["subject", "task", "clip", *items, "n_raters", "score_task", "score_all"]]

    # ---------------------------------------------------------------- modelling table
    merged = features.merge(labels, on=_KEY, how="outer", indicator=True, validate="one_to_one")
    reasons = pd.Series("", index=merged.index, dtype=object)
    reasons[merged["_merge"] == "left_only"] = "features but no ratings"
    reasons[merged["_merge"] == "right_only"] = "ratings but no video"
    both = merged["_merge"] == "both"
    no_features = both & merged[used].isna().any(axis=1)
    reasons[no_features] = "too few valid frames"
    no_label = both & ~no_features & merged[["score_task", "score_all"]].isna().any(axis=1)
    reasons[no_label] = "no label (missing ratings)"
    use = reasons == ""
    excluded = (reasons[~use].value_counts().rename_axis("reason").reset_index(name="n_clips")
                if (~use).any() else pd.DataFrame({"reason": pd.Series(dtype=str),
                                                    "n_clips": pd.Series(dtype=np.int64)}))
    data = merged.loc[use].drop(columns="_merge").reset_index(drop=True)
    data["clip_id"] = _clip_id(data)
    tick("modelling table")

    # ---------------------------------------------------------------- ElasticNet per task and overall
    fit_rng, base_rng, human_rng, boot_rng = rng.spawn(4)
    models = fit_by_context(data, used, "score_task", context="task", groups="subject",
                            all_target="score_all", seed=fit_rng,
                            id_columns=["clip_id", "subject", "task", "clip"])
    tick("ElasticNet grid searches")
    en = models.predictions.copy()
    en["model"] = "ElasticNet"

    # ---------------------------------------------------------------- baselines on the same test clips
    simple = baseline_predictions(en, seed=base_rng)
    rs = labelled.rater_scores.copy()
    rs["clip_id"] = _clip_id(rs)
    human, human_preds, human_rows = {}, [], []
    modelled = rs["clip_id"].isin(set(data["clip_id"]))
    for context, child in zip(models.results, human_rng.spawn(len(models.results)), strict=True):
        # every rater over all the modelled clips of the context they rated; compared with the
        # models on the test clips
        sub = rs[modelled & ((rs["task"] == context) | (context == "all"))]
        score = "score_all" if context == "all" else "score_task"
        res = human_baseline(sub, clip="clip_id", rater="rater", score=score,
                             id_columns=["subject", "task", "clip"], nan_policy="omit", seed=child)
        human[context] = res
        test_ids = set(en.loc[en["context"] == context, "clip_id"])
        cp = res.clip_predictions[res.clip_predictions["clip_id"].isin(test_ids)].copy()
        cp["context"] = context
        human_preds.append(cp)
        s = res.summary()
        human_rows.append({"context": context, "model": "Human baseline", "n": int(s["n_clips"].iloc[0]),
                           "nrmse": float(s["nrmse"].iloc[0]), "r": float(s["r"].iloc[0])})
    tick("baselines")
    keep = ["context", "model", "clip_id", "subject", "task", "clip", "y", "yhat"]
    predictions = pd.concat([en[keep], simple[keep], *[p[keep] for p in human_preds]], ignore_index=True)

    # ---------------------------------------------------------------- Tables 3 and 4, figures
    auto = performance_table(pd.concat([en[keep], simple[keep]], ignore_index=True), by="context")
    table3 = pd.concat([auto[["context", "model", "n", "nrmse", "r"]], pd.DataFrame(human_rows)],
                       ignore_index=True)
    order = {m: i for i, m in enumerate(_MODEL_ORDER)}
    ctx_order = {c: i for i, c in enumerate(models.results)}
    table3 = table3.sort_values(by=["context", "model"], key=lambda s: s.map(ctx_order if s.name == "context"
                                                                             else order),
                                ignore_index=True)
    tick("Table 3")
    table4 = comparison_table(predictions, reference="ElasticNet", by="context", id="clip_id",
                              cluster="subject", n_boot=n_boot, confidence=confidence, ci=ci, seed=boot_rng,
                              nan_policy="omit")
    tick("Table 4: cluster bootstrap")
    figures = {
        "figure3": plot_performance(table3, model="model", context="context"),
        "figure4": plot_feature_weights(models.weights, context="context"),
    }
    tick("Figures 3 and 4")
    truth = {}
    if study is not None:
        truth = {"weights": study.weights, "recovery": weight_recovery(models.weights, study.weights)}
    settings = {
        "source": described, "fps": fps, "items": list(items), "seed": int(seed), "n_boot": n_boot,
        "ci": ci, "confidence": confidence, "backend": backend, "scores": scores, "heywood": heywood,
        "n_videos": int(n_videos), "n_ratings": int(len(ratings)), "features_used": used,
        "features_dropped": dropped,
    }
    return StudyResult(
        features=features, failures=failures.reset_index(drop=True), table1=table1,
        table2=labelled.loadings, labels=labels, data=data, excluded=excluded, models=models, human=human,
        predictions=predictions, table3=table3, table4=table4, figures=figures,
        timings=pd.DataFrame(timings, columns=["step", "seconds"]), settings=settings, truth=truth,
        adjustments=labelled.adjustments,
        missing_inputs=missing_inputs.reset_index(drop=True),
    )
