"""Confirmatory factor analysis, factor scores and the paper's expressiveness labels.

``cfa`` fits a model written in lavaan syntax on semopy or on R's lavaan (via
rpy2) and returns a :class:`CFAResult` with tidy tables and Bartlett or
regression factor scores.  ``expressiveness_scores`` builds the labels of
Lin, Girard & Morency (2020) from crowd ratings, and ``rater_scores`` the
per-rater loading-weighted scores of their human baseline.
"""

from .cfa import CFAResult, CFAWarning, cfa
from .labels import ExpressivenessScores, expressiveness_scores, rater_scores
from .scores import factor_scores
from .syntax import parse_model

__all__ = [
    "CFAResult",
    "CFAWarning",
    "ExpressivenessScores",
    "cfa",
    "expressiveness_scores",
    "factor_scores",
    "parse_model",
    "rater_scores",
]
