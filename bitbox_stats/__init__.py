"""bitbox-stats: statistics for facial-expressiveness research, from Python and R.

Expressivity of expression signals across temporal scales (compatible with the
Bitbox toolbox), OpenFace reading and clip features, rater reliability (ICC),
confirmatory factor analysis with Bartlett scores, ElasticNet models with
subject-grouped splits, and a fast cluster bootstrap for comparing models.
Also Bitbox's other behavioural measures (asymmetry, motion, coordination and
imitation) with surrogate tests of dyadic coordination.
"""

from importlib.metadata import PackageNotFoundError, version

from .bitbox_data import openface_to_bitbox
from .bootstrap import BootstrapResult, cluster_bootstrap
from .clips import Clips, segment_clips, segment_table
from .coordination import coordination, imitation
from .errors import BitboxStatsError, RBackendError
from .expressions import diversity, expressivity
from .face_geometry import asymmetry
from .factor import (
    CFAResult,
    CFAWarning,
    ExpressivenessScores,
    cfa,
    expressiveness_scores,
    factor_scores,
    parse_model,
    rater_scores,
)
from .features import (
    FEATURES,
    FeatureExtraction,
    MissingFeaturesWarning,
    clip_features,
    extract_features,
    feature_definitions,
    openface_manifest,
    video_features,
)
from .metrics import nrmse, pearson_r, rmse
from .models import (
    ContextResult,
    ElasticNetResult,
    GridCell,
    HumanBaselineResult,
    baseline_predictions,
    elasticnet_grid,
    fit_by_context,
    group_split,
    group_split_labels,
    human_baseline,
    normal_baseline,
    uniform_baseline,
)
from .motion import motion_kinematics, motion_smoothness, relative_motion
from .openface import (
    example_file,
    openface_columns,
    openface_summary,
    read_openface,
    write_openface,
)
from .plots import plot_feature_weights, plot_peaks, plot_performance
from .reliability import icc, icc_table
from .report import ReportSection, render_report, write_report
from .signals import detect_peaks, scale_durations, wavelet_transform
from .simulate import SimulatedStudy, simulate_signals, simulate_study, write_study
from .study import StudyResult, read_study, run_study, weight_recovery
from .surrogates import PseudoDyadTest, SurrogateTest, coordination_test, pseudo_dyad_test
from .tables import comparison_table, performance_table
from .trackers import read_frames

try:
    __version__ = version("bitbox-stats")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "PseudoDyadTest",
    "SurrogateTest",
    "asymmetry",
    "coordination",
    "coordination_test",
    "imitation",
    "motion_kinematics",
    "motion_smoothness",
    "openface_to_bitbox",
    "pseudo_dyad_test",
    "relative_motion",
    "FEATURES",
    "BitboxStatsError",
    "BootstrapResult",
    "CFAResult",
    "CFAWarning",
    "Clips",
    "ContextResult",
    "ElasticNetResult",
    "ExpressivenessScores",
    "FeatureExtraction",
    "GridCell",
    "HumanBaselineResult",
    "MissingFeaturesWarning",
    "RBackendError",
    "ReportSection",
    "SimulatedStudy",
    "StudyResult",
    "baseline_predictions",
    "cfa",
    "clip_features",
    "cluster_bootstrap",
    "comparison_table",
    "detect_peaks",
    "diversity",
    "elasticnet_grid",
    "example_file",
    "expressiveness_scores",
    "expressivity",
    "extract_features",
    "factor_scores",
    "feature_definitions",
    "fit_by_context",
    "group_split",
    "group_split_labels",
    "human_baseline",
    "icc",
    "icc_table",
    "normal_baseline",
    "nrmse",
    "openface_columns",
    "openface_manifest",
    "openface_summary",
    "parse_model",
    "pearson_r",
    "performance_table",
    "plot_feature_weights",
    "plot_peaks",
    "plot_performance",
    "rater_scores",
    "read_frames",
    "read_openface",
    "read_study",
    "render_report",
    "rmse",
    "run_study",
    "scale_durations",
    "segment_clips",
    "segment_table",
    "simulate_signals",
    "simulate_study",
    "uniform_baseline",
    "video_features",
    "wavelet_transform",
    "weight_recovery",
    "write_openface",
    "write_report",
    "write_study",
]
