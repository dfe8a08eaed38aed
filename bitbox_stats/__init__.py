"""bitbox-stats: statistics for facial-expressiveness research, from Python and R.

Expressivity of expression signals across temporal scales (compatible with the
Bitbox toolbox), OpenFace reading and clip features, rater reliability (ICC),
confirmatory factor analysis with Bartlett scores, ElasticNet models with
subject-grouped splits, and a fast cluster bootstrap for comparing models.
"""

from importlib.metadata import PackageNotFoundError, version

from .errors import BitboxStatsError, RBackendError
from .expressions import diversity, expressivity
from .signals import detect_peaks, scale_durations, wavelet_transform

try:
    __version__ = version("bitbox-stats")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "BitboxStatsError",
    "RBackendError",
    "detect_peaks",
    "diversity",
    "expressivity",
    "scale_durations",
    "wavelet_transform",
]
