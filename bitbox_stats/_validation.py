"""Argument checks shared by more than one module.

Each message is written once here, so that the same mistake gets the same
words everywhere: the argument's name, what was expected and what was given.
Functions raise ``TypeError`` for a wrong type and ``ValueError`` for a wrong
value; none of them uses ``assert``.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "check_choice",
    "check_columns",
    "check_dataframe",
    "check_finite_array",
    "check_int",
    "check_numeric_columns",
    "check_positive",
    "check_probability",
    "check_rng",
]


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_real(name: str, value, *, expected: str = "a number") -> float:
    """Return ``value`` as a float after checking that it is a finite real number (bool excluded)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__} {value!r}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value}")
    return v


def check_column_name(name: str, value, *, allow_none: bool = False) -> None:
    """Check that ``value`` is a str column name (or None when ``allow_none``)."""
    if value is None and allow_none:
        return
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a column name, got {type(value).__name__}")


def check_positive(name: str, value, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking that it is a finite number > 0.

    >>> check_positive("fps", 25)
    25.0
    >>> check_positive("fps", -5)
    Traceback (most recent call last):
    ...
    ValueError: fps must be > 0, got -5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {_show(value)}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value}")
    if allow_zero:
        if v < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    elif v <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return v


def check_int(name: str, value, *, minimum: int | None = None) -> int:
    """Return ``value`` as an int after checking its type and lower bound.

    >>> check_int("n_boot", 200, minimum=1)
    200
    >>> check_int("n_boot", 0, minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: n_boot must be >= 1, got 0
    >>> check_int("n_boot", True)
    Traceback (most recent call last):
    ...
    TypeError: n_boot must be an integer, got bool True
    """
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be an integer, got bool {value}")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be an integer, got {type(value).__name__} {_show(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_n_jobs(value) -> int:
    """Number of worker processes: an int >= 1, or -1 for all cores."""
    n_jobs = check_int("n_jobs", value)
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1 or -1 (all cores), got {n_jobs}")
    return n_jobs


def check_probability(name: str, value) -> float:
    """Check a level strictly between 0 and 1 (a confidence level, a split size).

    >>> check_probability("confidence", 0.95)
    0.95
    >>> check_probability("confidence", 95)
    Traceback (most recent call last):
    ...
    ValueError: confidence must be strictly between 0 and 1, got 95
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {_show(value)}")
    v = float(value)
    if not (0.0 < v < 1.0):
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value}")
    return v


def check_choice(name: str, value, choices: Iterable[str]) -> str:
    """Check that ``value`` is one of ``choices``.

    >>> check_choice("ci", "bca", ["percentile", "bca"])
    'bca'
    >>> check_choice("ci", "normal", ["percentile", "bca"])
    Traceback (most recent call last):
    ...
    ValueError: ci must be one of 'percentile', 'bca'; got 'normal'
    """
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}; got {_show(value)}")
    return value


def check_rng(seed) -> np.random.Generator:
    """Turn ``seed`` (None, an int or a Generator) into a NumPy Generator.

    >>> check_rng(1).integers(10) == check_rng(1).integers(10)
    np.True_
    >>> check_rng("a")
    Traceback (most recent call last):
    ...
    TypeError: seed must be None, an integer or a numpy.random.Generator, got str 'a'
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            "seed must be None, an integer or a numpy.random.Generator, "
            f"got {type(seed).__name__} {_show(seed)}"
        )
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return np.random.default_rng(int(seed))


def check_dataframe(name: str, data) -> pd.DataFrame:
    """Check that ``data`` is a non-empty pandas DataFrame.

    >>> check_dataframe("data", [1, 2])
    Traceback (most recent call last):
    ...
    TypeError: data must be a pandas DataFrame, got list
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(data).__name__}")
    if data.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 rows)")
    return data


def check_columns(name: str, data: pd.DataFrame, columns: Sequence[str], *, what: str = "column") -> None:
    """Check that every name in ``columns`` is a column of ``data``.

    >>> check_columns("data", pd.DataFrame({"a": [1]}), ["a", "b"])
    Traceback (most recent call last):
    ...
    ValueError: data has no column 'b' (columns: 'a')
    """
    missing = [c for c in columns if c not in data.columns]
    if missing:
        shown = ", ".join(repr(c) for c in list(data.columns)[:20])
        if data.shape[1] > 20:
            shown += ", ..."
        which = ", ".join(repr(c) for c in missing)
        plural = "s" if len(missing) > 1 else ""
        raise ValueError(f"{name} has no {what}{plural} {which} (columns: {shown})")


def is_numeric_dtype(dtype) -> bool:
    """True for a numeric dtype other than bool (the dtypes ``check_numeric_columns`` accepts)."""
    return (isinstance(dtype, np.dtype) and dtype.kind in "iuf") or (
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    )


def check_numeric_columns(name: str, data: pd.DataFrame, columns: Sequence[str]) -> None:
    """Check that the given columns exist and hold numbers (bool excluded).

    >>> check_numeric_columns("data", pd.DataFrame({"a": ["x"]}), ["a"])
    Traceback (most recent call last):
    ...
    TypeError: data column 'a' must be numeric, got dtype str
    """
    check_columns(name, data, columns)
    dtypes = data.dtypes
    for c in dict.fromkeys(columns):  # one dtype look-up per distinct column, no Series built
        dtype = dtypes[c]
        if isinstance(dtype, pd.Series):  # duplicated column names
            dtype = dtype.iloc[0]
        if not is_numeric_dtype(dtype):
            raise TypeError(f"{name} column {c!r} must be numeric, got dtype {dtype}")


def check_finite_array(name: str, values: np.ndarray, labels: Sequence[str] | None = None) -> None:
    """Raise a ValueError naming the first NaN or inf in a 2-D (frames x signals) array.

    >>> check_finite_array("activations", np.array([[1.0, np.nan]]), ["a", "b"])
    Traceback (most recent call last):
    ...
    ValueError: activations: signal 'b' has a missing or infinite value (nan) in row 0 (0-based); clean it first or pass nan_policy='interpolate'
    """
    bad = ~np.isfinite(values)
    if bad.any():
        frame, col = np.argwhere(bad)[0]
        label = labels[col] if labels is not None else col
        raise ValueError(
            f"{name}: signal {label!r} has a missing or infinite value ({values[frame, col]}) "
            f"in row {frame} (0-based); clean it first or pass nan_policy='interpolate'"
        )


def first_nonfinite(values: np.ndarray, rows: np.ndarray | None = None):
    """``(row, column)`` of the first NaN or inf of a 2-D array (only among ``rows``), or None."""
    bad = ~np.isfinite(values)
    if rows is not None:
        bad &= rows[:, None]
    if not bad.any():
        return None
    i, j = np.argwhere(bad)[0]
    return int(i), int(j)

