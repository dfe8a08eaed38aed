"""Data exchange with the R package (``r/``), which calls Python through reticulate.

Debian's reticulate (1.28) converts neither pandas 3 DataFrames nor NumPy 2
arrays, and it turns R's missing integers, strings and logicals into valid
Python values (-2147483648, ``'NA'``, ``True``). Data therefore cross the
boundary as plain lists, one per column, with the missing cells marked in a
separate list of booleans. Nothing here computes statistics.

Every call from R returns an envelope ``{"value", "error", "warnings"}``: the
Python warnings raised during the call and the exception that ended it (type
and message, no traceback), so that R re-raises them as R warnings and R
errors (``r/R/python.R``).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

__all__ = ["call", "call_keep", "call_method", "frame_to_r", "frame_from_r", "result_to_r"]

_INT32 = np.iinfo(np.int32)


def _column_to_r(series: pd.Series):
    missing = series.isna().to_numpy()
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "logical", series.fillna(False).astype(bool).tolist(), missing.tolist()
    if pd.api.types.is_integer_dtype(dtype):
        filled = series.fillna(0).to_numpy(dtype=np.int64)
        if filled.size == 0 or (filled.min() >= _INT32.min + 1 and filled.max() <= _INT32.max):
            return "integer", filled.tolist(), missing.tolist()
        # beyond R's integers: a double, as any other number
    if pd.api.types.is_numeric_dtype(dtype):
        return "double", series.to_numpy(dtype=float, na_value=np.nan).tolist(), missing.tolist()
    values = ["" if m else str(v) for v, m in zip(series.tolist(), missing, strict=True)]
    return "character", values, missing.tolist()


def frame_to_r(frame: pd.DataFrame) -> dict:
    """A DataFrame as ``{names, kinds, values, missing}`` lists for R.

    ``kinds`` are R's column types (``"double"``, ``"integer"``,
    ``"logical"``, ``"character"``); ``missing[j][i]`` is True where R must
    put ``NA``.

    Examples
    --------
    >>> out = frame_to_r(pd.DataFrame({"a": [1.5, None], "b": ["x", None]}))
    >>> out["kinds"], out["values"][1], out["missing"][1]
    (['double', 'character'], ['x', ''], [False, True])
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    names, kinds, values, missing = [], [], [], []
    for name in frame.columns:
        kind, vals, miss = _column_to_r(frame[name])
        names.append(str(name))
        kinds.append(kind)
        values.append(vals)
        missing.append(miss)
    return {"names": names, "kinds": kinds, "values": values, "missing": missing, "n": int(frame.shape[0])}


def frame_from_r(names, kinds, values, missing) -> pd.DataFrame:
    """Rebuild a DataFrame from the per-column lists the R package sends.

    Examples
    --------
    >>> f = frame_from_r(["a", "s"], ["integer", "character"], [[1, 0], ["u", ""]],
    ...                  [[False, True], [False, True]])
    >>> f["a"].tolist(), f["s"].isna().tolist()
    ([1, <NA>], [False, True])
    """
    def as_list(x):
        return list(x) if isinstance(x, list | tuple) else [x]

    names, kinds, values, missing = (as_list(v) for v in (names, kinds, values, missing))
    columns = {}
    for name, kind, vals, miss in zip(names, kinds, values, missing, strict=True):
        vals = as_list(vals)
        miss = np.asarray(as_list(miss), dtype=bool)
        if kind == "double":
            col = pd.Series(np.asarray(vals, dtype=float))
            col[miss] = np.nan
        elif kind == "integer":
            col = pd.Series(pd.array(np.asarray(vals, dtype=np.int64), dtype="Int64"))
            col[miss] = pd.NA
            if not miss.any():
                col = col.astype(np.int64)
        elif kind == "logical":
            col = pd.Series(pd.array(np.asarray(vals, dtype=bool), dtype="boolean"))
            col[miss] = pd.NA
            if not miss.any():
                col = col.astype(bool)
        elif kind == "character":
            col = pd.Series([None if m else str(v) for v, m in zip(vals, miss, strict=True)], dtype="str")
        else:
            raise TypeError(f"column {name!r}: R type {kind!r} cannot be passed to Python")
        columns[str(name)] = col
    return pd.DataFrame(columns)


def result_to_r(obj):
    """Turn a result into nested plain values reticulate converts faithfully.

    DataFrames become ``{"__frame__": frame_to_r(...)}``; frozen result
    dataclasses become dicts of their convertible fields (DataFrames, numbers,
    strings, and nested results), with ``"__class__"`` naming the class;
    fitted scikit-learn objects and other Python objects are left out.
    """
    if isinstance(obj, pd.DataFrame):
        return {"__frame__": frame_to_r(obj)}
    if isinstance(obj, pd.Series):
        return {"__frame__": frame_to_r(obj.to_frame())}
    if isinstance(obj, dict):
        return {str(k): result_to_r(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [result_to_r(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {"__class__": type(obj).__name__}
        for field in dataclasses.fields(obj):
            value = result_to_r(getattr(obj, field.name))
            if value is not _SKIP:
                out[field.name] = value
        return out
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return _SKIP


_SKIP = object()


def _decode(value):
    if isinstance(value, dict):
        if set(value) == {"__int__"}:  # a whole number beyond R's integers, sent as text
            return int(value["__int__"])
        if "__frame__" in value:
            f = value["__frame__"]
            return frame_from_r(f["names"], f["kinds"], f["values"], f["missing"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _decode_kwargs(kwargs: dict | None) -> dict:
    return {str(k): _decode(v) for k, v in (kwargs or {}).items()}


def _run(name: str, kwargs: dict | None):
    """``bitbox_stats.<name>(**kwargs)`` with R's arguments decoded (frames become DataFrames)."""
    import bitbox_stats

    if name not in bitbox_stats.__all__:
        raise ValueError(f"{name!r} is not a public function of bitbox_stats")
    return getattr(bitbox_stats, name)(**_decode_kwargs(kwargs))


def _message(exc: BaseException) -> str:
    """An exception's message as the user should read it (no traceback, no type)."""
    if isinstance(exc, KeyError) and len(exc.args) == 1 and isinstance(exc.args[0], str):
        text = exc.args[0]  # str(KeyError) would add quotes
    else:
        text = str(exc)
    notes = getattr(exc, "__notes__", None) or []
    text = "\n".join([text, *map(str, notes)]).strip()
    return text or type(exc).__name__


def _guarded(fn, *args) -> dict:
    """Run ``fn(*args)`` and return ``{"value", "error", "warnings"}`` for R.

    ``warnings`` lists ``{"category", "message"}`` of every warning the call
    raised (under the active warning filters); ``error`` is None or
    ``{"type", "message"}``, with ``type`` the exception class and its bases.

    Examples
    --------
    >>> out = _guarded(int, "x")
    >>> out["value"], out["error"]["type"][0], out["error"]["message"]
    (None, 'ValueError', "invalid literal for int() with base 10: 'x'")
    >>> _guarded(lambda: warnings.warn("careful", UserWarning) or 1)["warnings"]
    [{'category': 'UserWarning', 'message': 'careful'}]
    """
    value, error = None, None
    with warnings.catch_warnings(record=True) as caught:
        try:
            value = fn(*args)
        except Exception as exc:  # every error goes back to R as an R error
            types = [c.__name__ for c in type(exc).__mro__ if issubclass(c, Exception)]
            error = {"type": types, "message": _message(exc)}
    found = [{"category": w.category.__name__, "message": str(w.message)} for w in caught]
    return {"value": value, "error": error, "warnings": found}


def call(name: str, kwargs: dict | None = None) -> dict:
    """Call the public function ``bitbox_stats.<name>`` with arguments from R;
    the envelope's value is the result through :func:`result_to_r`."""
    return _guarded(lambda: result_to_r(_run(name, kwargs)))


def call_keep(name: str, kwargs: dict | None = None) -> dict:
    """Like :func:`call`, but the value also holds the Python result
    (``"object"``), so that R can call its methods later (e.g. a CFA's factor
    scores)."""
    def run():
        result = _run(name, kwargs)
        return {"value": result_to_r(result), "object": result}

    return _guarded(run)


def call_method(obj, method: str, kwargs: dict | None = None) -> dict:
    """Call a public method of a result object kept by R (or read a property);
    the envelope's value is the converted result."""
    def run():
        if method.startswith("_") or not hasattr(obj, method):
            raise ValueError(f"{type(obj).__name__} has no method {method!r}")
        value = getattr(obj, method)
        if callable(value):
            value = value(**_decode_kwargs(kwargs))
        return result_to_r(value)

    return _guarded(run)
