"""Where each public name of bitbox_stats appears in the API reference.

Every name in ``bitbox_stats.__all__`` must be placed in exactly one group below;
the docs build (``make docs``) and ``tests/test_docs.py`` fail, naming this file,
when a name is in no group, in two groups, or in a group but not in ``__all__``.
A group's names are listed in the order they appear on its page.

To document a new public function: add its name to ``__all__`` and to the
``names`` of the group of its concern here (or add a new group).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve()


@dataclass(frozen=True)
class Group:
    slug: str  # file name of the group's page: docs/api/<slug>.rst (generated)
    title: str
    intro: str  # reStructuredText shown above the table
    names: tuple[str, ...]


GROUPS = (
    Group(
        "expressivity", "Expressivity and measures",
        "How often, how strongly and over what range expression signals activate, across "
        "temporal scales (the numbers of Bitbox's ``expressivity`` and ``diversity``), and the "
        "wavelet transform and peak detection beneath them. See the vignette "
        ":doc:`/vignettes/expressivity`.",
        ("expressivity", "diversity", "detect_peaks", "wavelet_transform", "scale_durations",
         "simulate_signals"),
    ),
    Group(
        "measures", "Asymmetry and motion",
        "Bitbox's other behavioural measures of one face: the mirror-error asymmetry of eyes, "
        "brows, nose and mouth, and the kinematics, smoothness and relative motion of "
        "landmarks, the head and the face box (the numbers of Bitbox's ``asymmetry`` and "
        "``biomechanics``), on Bitbox data dicts, arrays, DataFrames or OpenFace output.",
        ("asymmetry", "motion_kinematics", "motion_smoothness", "relative_motion",
         "openface_to_bitbox"),
    ),
    Group(
        "coordination", "Dyadic coordination",
        "Windowed lagged cross-correlation of two people's signals (Bitbox's ``coordination`` "
        "and ``imitation``) and surrogate tests against pseudo-synchrony. See the vignette "
        ":doc:`/vignettes/dyadic_coordination`.",
        ("coordination", "imitation", "coordination_test", "SurrogateTest", "pseudo_dyad_test",
         "PseudoDyadTest"),
    ),
    Group(
        "files", "OpenFace and tracker files",
        "Read and write OpenFace CSV files, read other trackers' exports (FaceReader, iMotions "
        "FACET, py-feat, Live Link Face) into the same frames table, cut task videos into the study's clips and compute "
        "the engineered clip features, for one clip, one video or a whole study. The columns "
        "each function expects are described in :doc:`/guide/data`.",
        ("read_openface", "read_frames", "write_openface", "openface_columns", "openface_summary",
         "example_file", "segment_table", "segment_clips", "Clips", "FEATURES", "feature_definitions",
         "clip_features", "video_features", "openface_manifest", "extract_features",
         "FeatureExtraction", "MissingFeaturesWarning"),
    ),
    Group(
        "reliability", "Reliability",
        "Intraclass correlations (the six Shrout & Fleiss forms, equal to ``psych::ICC``) and the "
        "paper's Table 1.",
        ("icc", "icc_table"),
    ),
    Group(
        "factor", "Factor analysis",
        "Confirmatory factor analysis from lavaan syntax on semopy or on R's lavaan, Bartlett and "
        "regression factor scores, and the paper's expressiveness labels (Table 2).",
        ("cfa", "CFAResult", "CFAWarning", "parse_model", "factor_scores", "expressiveness_scores",
         "ExpressivenessScores", "rater_scores"),
    ),
    Group(
        "models", "Models and bootstrap",
        "Subject-grouped splits, the ElasticNet grid, per-task models, the baselines, the "
        "metrics and the cluster bootstrap that compares models.",
        ("group_split", "group_split_labels", "elasticnet_grid", "ElasticNetResult", "GridCell",
         "fit_by_context", "ContextResult", "uniform_baseline", "normal_baseline",
         "baseline_predictions", "human_baseline", "HumanBaselineResult", "rmse", "nrmse",
         "pearson_r", "cluster_bootstrap", "BootstrapResult"),
    ),
    Group(
        "study", "The study",
        "Lin, Girard & Morency (2020) in one call: a simulated study with a known truth, a study "
        "folder on disk, and the whole pipeline. See the vignette :doc:`/vignettes/study`.",
        ("simulate_study", "SimulatedStudy", "write_study", "read_study", "run_study",
         "StudyResult", "weight_recovery"),
    ),
    Group(
        "report", "Plots and report",
        "The paper's Tables 3 and 4, Figures 3 and 4, the peak plot, and the self-contained "
        "HTML report.",
        ("performance_table", "comparison_table", "plot_performance", "plot_feature_weights",
         "plot_peaks", "render_report", "write_report", "ReportSection"),
    ),
    Group(
        "cli", "Command line",
        "The ``bitbox-stats`` command is a thin shell over the functions above; every subcommand "
        "and option is listed in :doc:`/cli`.",
        (),
    ),
    Group(
        "errors", "Errors",
        "Bad arguments raise :class:`ValueError` or :class:`TypeError` with a message naming the "
        "argument; the package's own exceptions are these.",
        ("BitboxStatsError", "RBackendError"),
    ),
)


def grouping_problems(public_names, groups=GROUPS) -> list[str]:
    """Every way ``groups`` fails to place each of ``public_names`` exactly once."""
    where = "docs/api_groups.py (GROUPS)"
    public = list(public_names)
    placed: dict[str, list[str]] = {}
    for group in groups:
        for name in group.names:
            placed.setdefault(name, []).append(group.title)
    problems = []
    missing = [n for n in public if n not in placed]
    if missing:
        problems.append(
            f"{len(missing)} name(s) of bitbox_stats.__all__ are in no API group: "
            f"{', '.join(missing)}. Add each to the `names` of one group in {where}, "
            f"the group of its concern (groups: {'; '.join(g.title for g in groups)})."
        )
    for name, titles in placed.items():
        if len(titles) > 1:
            problems.append(f"{name!r} is in {len(titles)} API groups ({', '.join(titles)}) in {where}; "
                            f"keep it in one.")
    extra = [n for n in placed if n not in set(public)]
    if extra:
        problems.append(f"{where} lists name(s) not in bitbox_stats.__all__: {', '.join(extra)}. "
                        f"Remove them there, or export them in bitbox_stats/__init__.py.")
    return problems


def _autosummary(names) -> str:
    lines = [".. autosummary::", "   :toctree: generated/", ""]
    lines += [f"   {name}" for name in names]
    return "\n".join(lines)


def api_pages(groups=GROUPS) -> dict[str, str]:
    """reStructuredText of the API reference: ``{relative path: text}``."""
    index = [
        ".. This file is generated from docs/api_groups.py by docs/conf.py; do not edit.",
        "",
        "API reference",
        "=============",
        "",
        "Every public name of ``bitbox_stats`` (``import bitbox_stats as bs``), by concern. "
        "Each function takes and returns pandas DataFrames (or a small result object with a "
        "``summary()``), and each page's examples run as doctests.",
        "",
        ".. currentmodule:: bitbox_stats",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "   :hidden:",
        "",
    ]
    index += [f"   {g.slug}" for g in groups]
    index.append("")
    pages = {}
    for g in groups:
        index += [g.title, "-" * len(g.title), "", g.intro, "", f"On its own page: :doc:`{g.slug}`.", ""]
        body = [
            ".. This file is generated from docs/api_groups.py by docs/conf.py; do not edit.",
            "",
            g.title,
            "=" * len(g.title),
            "",
            ".. currentmodule:: bitbox_stats",
            "",
            g.intro,
            "",
        ]
        if g.names:
            table = _autosummary(g.names)
            body += [table, ""]
            index += [table.replace("   :toctree: generated/\n", ""), ""]
        pages[f"api/{g.slug}.rst"] = "\n".join(body)
    pages["api/index.rst"] = "\n".join(index)
    return pages
