"""Bitbox data dicts: reading them, building them from OpenFace, and their coordinates.

Bitbox's analysis functions take a dict such as ``{'data': DataFrame, 'type':
'landmark', 'dimension': 2, 'schema': 'ibug51', 'backend': '3DI'}``. The
measures of this package (:func:`bitbox_stats.asymmetry`, the motion
measures, :func:`bitbox_stats.coordination`) take such dicts unchanged, and
also plain arrays or DataFrames with the few facts a dict carries given as
keyword arguments, or OpenFace frames. :func:`openface_to_bitbox` turns an
OpenFace table into a Bitbox dict (68-point landmarks into Bitbox's
51-point ``ibug51`` schema, head pose, action-unit intensities), which
Bitbox itself also accepts.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import check_choice, is_numeric_dtype

__all__ = ["openface_to_bitbox"]

#: The data types Bitbox's dicts carry.
TYPES = ("landmark", "landmark-can", "pose", "rectangle", "expression")
#: Landmarks of the ibug51 schema (the 68 iBUG points without the 17 jaw points).
IBUG51 = 51
#: OpenFace's 68 iBUG points 17..67 are ibug51's points 0..50.
_JAW = 17
_OPENFACE_POSE = ("pose_Tx", "pose_Ty", "pose_Tz", "pose_Rx", "pose_Ry", "pose_Rz")
_POSE_COLUMNS = ("Tx", "Ty", "Tz", "Rx", "Ry", "Rz")


@dataclass(frozen=True)
class Data:
    """A validated measure input: values (frames x columns) and the facts about them."""

    values: np.ndarray  # float64, (frames, columns)
    type: str
    dimension: int | None
    backend: str | None
    schema: str | None
    columns: tuple


def _check_fact(name, value, given):
    """A keyword fact given beside a dict must agree with the dict."""
    if given is not None and value is not None and given != value:
        raise ValueError(f"{name}={given!r} disagrees with the data dict's {name!r} ({value!r}); "
                         f"leave {name} out when passing a Bitbox dict")


def _openface_names(frame: pd.DataFrame) -> dict:
    """Map stripped column names to the frame's own (OpenFace 2.0 writes ' x_0')."""
    return {str(c).strip(): c for c in frame.columns}


def _has_openface_landmarks(names: dict, dimension: int) -> bool:
    axes = "xy" if dimension == 2 else "XYZ"
    return all(f"{a}_{i}" in names for a in axes for i in (0, 67))


def _is_openface(frame: pd.DataFrame) -> bool:
    names = _openface_names(frame)
    return (_has_openface_landmarks(names, 2) or _has_openface_landmarks(names, 3)
            or all(c in names for c in _OPENFACE_POSE))


def openface_to_bitbox(frames, type="landmark", *, dimension=2):  # noqa: A002 - Bitbox's key
    """An OpenFace table as a Bitbox data dict (landmarks, head pose or AU intensities).

    Parameters
    ----------
    frames : pandas.DataFrame
        OpenFace FeatureExtraction output, for example from
        :func:`bitbox_stats.read_openface` (frames it marks invalid hold
        NaN, which the measures treat as Bitbox does; see each measure) or
        from ``pandas.read_csv`` (leading spaces in column names are allowed).
    type : {"landmark", "pose", "expression"}, default "landmark"
        ``"landmark"``: the 68 iBUG landmarks without the 17 jaw points
        (points 17-67 become ibug51 points 0-50), 2-D image coordinates in
        pixels (``x_i, y_i``) or, with ``dimension=3``, 3-D camera
        coordinates in millimetres (``X_i, Y_i, Z_i``).
        ``"pose"``: head translation (mm) and rotation (radians) from
        ``pose_Tx ... pose_Rz``. ``"expression"``: the action-unit
        intensities ``AUxx_r``.
    dimension : {2, 3}, default 2
        For landmarks: 2-D or 3-D.

    Returns
    -------
    dict
        A Bitbox data dict: ``data`` (DataFrame; columns ``x0, y0, x1, ...``
        for 2-D landmarks, ``x0, y0, z0, ...`` for 3-D, ``Tx, Ty, Tz, Rx,
        Ry, Rz`` for pose, the AU names for expressions), ``type``,
        ``dimension``, ``schema`` (``"ibug51"`` for landmarks),
        ``backend`` (``"OpenFace"``), ``frame count`` and ``format``.

    Notes
    -----
    OpenFace's 3-D landmarks are in millimetres in camera space (they move
    with the head), unlike Bitbox's canonicalised 3DI landmarks; Bitbox
    has no asymmetry normalisation constants for them, so
    :func:`bitbox_stats.asymmetry` asks for ``normalize=False``. OpenFace's
    rotation order (pitch ``Rx``, yaw ``Ry``, roll ``Rz``) is Bitbox's.

    Examples
    --------
    >>> import bitbox_stats as bs
    >>> of = bs.read_openface(bs.example_file())
    >>> land = openface_to_bitbox(of, "landmark")
    >>> land["type"], land["schema"], land["data"].shape
    ('landmark', 'ibug51', (100, 102))
    >>> list(openface_to_bitbox(of, "pose")["data"].columns)
    ['Tx', 'Ty', 'Tz', 'Rx', 'Ry', 'Rz']
    """
    if not isinstance(frames, pd.DataFrame):
        raise TypeError(f"frames must be a pandas DataFrame of OpenFace output, got {type_name(frames)}")
    check_choice("type", type, ["landmark", "pose", "expression"])
    names = _openface_names(frames)
    n = frames.shape[0]
    if type == "landmark":
        if isinstance(dimension, bool) or dimension not in (2, 3):
            raise ValueError(f"dimension must be 2 or 3, got {dimension!r}")
        axes = "xy" if dimension == 2 else "XYZ"
        wanted = [f"{a}_{i}" for i in range(_JAW, 68) for a in axes]
        missing = [c for c in wanted if c not in names]
        if missing:
            raise ValueError(f"frames has no OpenFace {dimension}-D landmark column(s) "
                             f"{', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''}")
        out_names = [f"{a}{i}" for i in range(IBUG51) for a in "xyz"[:dimension]]
        data = _numeric_block(frames, [names[c] for c in wanted], out_names)
        unit = "pixels" if dimension == 2 else "millimetres, camera space"
        return {"backend": "OpenFace", "frame count": n, "type": "landmark",
                "format": f"for each frame (rows) the {dimension}-D ibug51 landmarks ({unit})",
                "schema": "ibug51", "dimension": dimension, "data": data}
    if type == "pose":
        missing = [c for c in _OPENFACE_POSE if c not in names]
        if missing:
            raise ValueError(f"frames has no OpenFace head-pose column(s) {', '.join(missing)}")
        data = _numeric_block(frames, [names[c] for c in _OPENFACE_POSE], list(_POSE_COLUMNS))
        return {"backend": "OpenFace", "frame count": n, "type": "pose",
                "format": "for each frame (rows) [Tx, Ty, Tz] (mm) and [Rx, Ry, Rz] (radians)",
                "dimension": 3, "data": data}
    aus = [c for c in names if c.startswith("AU") and c.endswith("_r")]
    if not aus:
        raise ValueError("frames has no OpenFace action-unit intensity columns (AUxx_r)")
    data = _numeric_block(frames, [names[c] for c in aus], aus)
    return {"backend": "OpenFace", "frame count": n, "type": "expression",
            "format": "for each frame (rows) the action-unit intensities (0-5)",
            "schema": "OpenFace-AU", "dimension": 3, "data": data}


def type_name(x) -> str:
    return type(x).__name__


def _numeric_block(frame: pd.DataFrame, columns, new_names) -> pd.DataFrame:
    for c in columns:
        if not is_numeric_dtype(frame[c].dtype):
            raise TypeError(f"frames column {str(c).strip()!r} must be numeric, got dtype {frame[c].dtype}")
    values = frame[columns].to_numpy(dtype=float, na_value=np.nan)
    return pd.DataFrame(values, columns=new_names)


def _as_float_array(name: str, values) -> np.ndarray:
    if isinstance(values, str | bytes):
        raise TypeError(f"{name} must be an array, a DataFrame or a Bitbox data dict, got str")
    try:
        arr = np.asarray(values)
    except Exception as err:  # ragged lists and the like
        raise TypeError(f"{name} could not be read as an array: {err}") from None
    if arr.dtype == bool or arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got complex numbers")
    return arr.astype(float, copy=False)


def _frame_values(name: str, frame: pd.DataFrame) -> np.ndarray:
    bad = [c for c in frame.columns if not is_numeric_dtype(frame[c].dtype)]
    if bad:
        raise TypeError(f"{name}: column {bad[0]!r} is not numeric (dtype {frame[bad[0]].dtype})")
    return frame.to_numpy(dtype=float, na_value=np.nan)


def _check_dimension(dimension):
    if dimension is None:
        return None
    # a whole float (R's 2) is fine
    if isinstance(dimension, bool) or not isinstance(dimension, numbers.Real) or dimension not in (2, 3):
        raise ValueError(f"dimension must be 2 or 3, got {dimension!r}")
    return int(dimension)


def read_data(data, *, name: str, allowed, type=None, dimension=None, backend=None,  # noqa: A002
              schema=None, axis=0, default_type=None) -> Data:
    """Validate a measure's input: a Bitbox dict, an OpenFace table, a DataFrame or an array.

    ``allowed`` lists the Bitbox types the measure accepts; ``type`` (and
    ``dimension``, ``backend``, ``schema``) describe plain input, or must agree
    with a dict. Returns a :class:`Data` with float64 values (frames x columns).
    """
    if type is not None:
        check_choice("type", type, list(allowed))
    dimension = _check_dimension(dimension)
    for fact, value in (("backend", backend), ("schema", schema)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{fact} must be a string, got {type_name(value)}")
    if axis is None or isinstance(axis, bool) or axis not in (0, 1):
        raise ValueError(f"axis must be 0 (rows are frames) or 1 (rows are values), got {axis!r}")

    if isinstance(data, dict):
        kind = data.get("type")
        if kind not in allowed:
            shown = ", ".join(repr(a) for a in allowed)
            raise ValueError(f"{name}: only Bitbox {shown} data can be used here, got a dict of type {kind!r}")
        _check_fact("type", kind, type)
        frame = data.get("data")
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{name}: a Bitbox dict must hold its values as a DataFrame under 'data'")
        d = data.get("dimension")
        if d is not None:
            d = _check_dimension(d)
        _check_fact("dimension", d, dimension)
        _check_fact("backend", data.get("backend"), backend)
        _check_fact("schema", data.get("schema"), schema)
        values = _frame_values(name, frame)
        columns = tuple(str(c) for c in frame.columns)
        if axis == 1:
            values, columns = values.T, None
        kind_dim = d if d is not None else dimension
        b = data.get("backend", backend)
        s = data.get("schema", schema)
    else:
        kind = type if type is not None else default_type
        if kind is None and getattr(data, "ndim", 0) == 3 and "landmark" in allowed:
            kind = "landmark"  # (frames, landmarks, dimension)
        if kind is None:
            shown = ", ".join(repr(a) for a in allowed)
            raise ValueError(f"{name}: say what the values are with type= (one of {shown}), "
                             "or pass a Bitbox data dict")
        kind_dim, b, s = dimension, backend, schema
        if isinstance(data, pd.Series):
            data = data.to_frame()
        if isinstance(data, pd.DataFrame):
            if _is_openface(data):
                if kind in ("landmark", "landmark-can"):
                    of = openface_to_bitbox(data, "landmark", dimension=kind_dim or 2)
                elif kind == "pose":
                    of = openface_to_bitbox(data, "pose")
                else:
                    of = openface_to_bitbox(data, "expression")
                if kind == "landmark-can":
                    raise ValueError(f"{name}: OpenFace landmarks are not canonicalised; use type='landmark'")
                return read_data(of, name=name, allowed=allowed, axis=0)
            frame = data if axis == 0 else data.T
            values = _frame_values(name, frame)
            columns = tuple(str(c) for c in frame.columns)
        else:
            arr = _as_float_array(name, data)
            if arr.ndim == 3 and kind in ("landmark", "landmark-can"):
                if axis != 0:
                    raise ValueError(f"{name}: a 3-D array must be (frames, landmarks, dimension) with axis=0")
                if arr.shape[2] not in (2, 3):
                    raise ValueError(f"{name}: a 3-D landmark array must be (frames, landmarks, 2 or 3), "
                                     f"got shape {arr.shape}")
                _check_fact("dimension", arr.shape[2], kind_dim)
                kind_dim = arr.shape[2]
                arr = arr.reshape(arr.shape[0], -1)
            elif arr.ndim == 1:
                arr = arr[:, None]
            elif arr.ndim != 2:
                raise ValueError(f"{name} must be a 2-D array (frames x values), got {arr.ndim} dimensions")
            elif axis == 1:
                arr = arr.T
            values = arr
            columns = None
    if values.shape[1] and columns is None:
        columns = _default_columns(kind, values.shape[1], kind_dim)
    if values.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 frames)")
    if values.shape[1] == 0:
        raise ValueError(f"{name} has no columns")
    return Data(values=values, type=kind, dimension=kind_dim, backend=b, schema=s, columns=tuple(columns))


def _default_columns(kind, n, dimension):
    if kind in ("landmark", "landmark-can") and dimension in (2, 3) and n % dimension == 0:
        return tuple(f"{a}{i}" for i in range(n // dimension) for a in "xyz"[:dimension])
    if kind == "pose" and n == 6:
        return _POSE_COLUMNS
    if kind == "pose" and n == 3:
        return _POSE_COLUMNS[3:]
    if kind == "rectangle" and n == 4:
        return ("x", "y", "w", "h")
    return tuple(f"signal_{i}" for i in range(n))


def landmark_dimension(d: Data, name: str) -> int:
    """The landmark dimension: given, or inferred from 51 ibug51 points (102 or 153 values)."""
    n = d.values.shape[1]
    dim = d.dimension
    if dim is None:
        if n == 2 * IBUG51:
            dim = 2
        elif n == 3 * IBUG51:
            dim = 3
        else:
            raise ValueError(f"{name}: say whether the landmarks are 2-D or 3-D with dimension= "
                             f"({n} values per frame)")
    if n % dim != 0:
        raise ValueError(f"{name}: landmarks are not {dim}-dimensional ({n} values per frame is not a "
                         f"multiple of {dim}); set the correct dimension")
    return dim


def coords(d: Data, *, angular: bool, name: str):
    """Bitbox's coordinates of a measure input.

    Landmarks: ``(frames, landmarks, dimension)`` and the point names; a
    face box ``(x, y, w, h)``: its centre ``(frames, 2)``; head pose: the
    rotation (``angular=True``) or the translation, ``(frames, 3)`` (pose
    with only three columns is rotation, used whatever ``angular``).
    """
    v = d.values
    if d.type in ("landmark", "landmark-can"):
        dim = landmark_dimension(d, name)
        m = v.shape[1] // dim
        return v.reshape(v.shape[0], m, dim), tuple(f"landmark_{i}" for i in range(m))
    if d.type == "rectangle":
        if v.shape[1] != 4:
            raise ValueError(f"{name}: a face box needs 4 columns (x, y, w, h), got {v.shape[1]}")
        centre = np.column_stack([v[:, 0] + v[:, 2] / 2, v[:, 1] + v[:, 3] / 2])
        return centre, ("face_box",)
    if d.type == "pose":
        if v.shape[1] == 3:
            return v, ("head_rotation",)
        if v.shape[1] != 6:
            raise ValueError(f"{name}: head pose needs 6 columns (Tx, Ty, Tz, Rx, Ry, Rz) or 3 "
                             f"(Rx, Ry, Rz), got {v.shape[1]}")
        return (v[:, 3:], ("head_rotation",)) if angular else (v[:, :3], ("head_translation",))
    raise ValueError(f"{name}: {d.type!r} data have no coordinates")  # pragma: no cover - callers check


def activations(d: Data, *, angular: bool, name: str):
    """Bitbox's signals for coordination: expressions as they are, the distance of
    each landmark from the origin, the norm of the head rotation or translation."""
    if d.type == "expression":
        return d.values, d.columns
    c, names = coords(d, angular=angular, name=name)
    if c.ndim == 3:
        return np.sqrt(np.einsum("tmd,tmd->tm", c, c)), names
    return np.sqrt(np.einsum("td,td->t", c, c))[:, None], names
