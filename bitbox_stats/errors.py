"""Exceptions a caller may need to catch specifically.

Bad arguments raise the built-in ``ValueError`` or ``TypeError``; the classes
here are for conditions outside the caller's arguments.
"""

__all__ = ["BitboxStatsError", "RBackendError"]


class BitboxStatsError(Exception):
    """Base class of the package's own exceptions."""


class RBackendError(BitboxStatsError, ImportError):
    """R, an R package or rpy2 needed by a backend is missing or unusable.

    The message says which piece is missing and how to install it.
    """
