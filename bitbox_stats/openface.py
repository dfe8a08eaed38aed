"""Reading and writing OpenFace 2.0 / 2.2 FeatureExtraction CSV files.

OpenFace (Baltrusaitis et al., 2018) writes one CSV file per video: one row per frame (per face, for
the multi-face tracker), a header whose column names after the first carry a
leading space, and per-frame landmarks, head pose, gaze and action units.
:func:`read_openface` reads such a file into a validated DataFrame in which
every frame is kept and frames OpenFace did not track well are marked
invalid; :func:`write_openface` writes a DataFrame in OpenFace's own layout;
:func:`openface_columns` lists that layout.
"""

from __future__ import annotations

import io
import math
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ._io import atomic_file
from ._validation import check_choice, check_dataframe, check_int, check_positive, first_nonfinite

__all__ = ["example_file", "openface_columns", "openface_summary", "read_openface", "write_openface"]

#: Columns that describe a frame rather than measure the face; they are never set missing.
META_COLUMNS = ("frame", "face_id", "timestamp", "confidence", "success")
#: Columns every file must have.
REQUIRED_COLUMNS = ("frame", "timestamp", "confidence", "success")

_AU_R = ["01", "02", "04", "05", "06", "07", "09", "10", "12", "14", "15", "17", "20", "23",
         "25", "26", "45"]
_AU_C = _AU_R[:-1] + ["28", "45"]
_N_LANDMARKS = 68
_N_EYE_LANDMARKS = 56
_N_MODES = 34
_GAZE_VECTORS = ["gaze_0_x", "gaze_0_y", "gaze_0_z", "gaze_1_x", "gaze_1_y", "gaze_1_z"]
_VERSIONS = ("2.0", "2.2")


def _layout(version: str) -> list[tuple[str, str, str]]:
    """``(name, OpenFace 2.2 format, OpenFace 2.0 format)`` for every column of a layout."""
    cols: list[tuple[str, str, str]] = []

    def add(names, fmt22, fmt20="%.6G"):
        cols.extend((n, fmt22, fmt20) for n in names)

    add(["frame"], "%d", "%d")
    if version == "2.2":
        add(["face_id"], "%d", "%d")
    add(["timestamp"], "%.3f")
    add(["confidence"], "%.2f")
    add(["success"], "%d", "%d")
    add(_GAZE_VECTORS, "%.6f")
    if version == "2.2":
        add(["gaze_angle_x", "gaze_angle_y"], "%.3f")
        for axis in ("x", "y", "X", "Y", "Z"):
            add([f"eye_lmk_{axis}_{i}" for i in range(_N_EYE_LANDMARKS)], "%.1f")
    add(["pose_Tx", "pose_Ty", "pose_Tz"], "%.1f")
    add(["pose_Rx", "pose_Ry", "pose_Rz"], "%.3f")
    for axis in ("x", "y", "X", "Y", "Z"):
        add([f"{axis}_{i}" for i in range(_N_LANDMARKS)], "%.1f")
    add(["p_scale", "p_rx", "p_ry", "p_rz", "p_tx", "p_ty"], "%.3f")
    add([f"p_{i}" for i in range(_N_MODES)], "%.3f")
    add([f"AU{a}_r" for a in _AU_R], "%.2f")
    add([f"AU{a}_c" for a in _AU_C], "%.1f")
    return cols


def openface_columns(version="2.2") -> list[str]:
    """The exact list of columns OpenFace's FeatureExtraction writes, in its order.

    Parameters
    ----------
    version : {"2.2", "2.0"}, default "2.2"
        ``"2.2"``: the 714 columns of OpenFace 2.2 with every output switched
        on (``frame, face_id, timestamp, confidence, success``, the two eye gaze
        vectors ``gaze_0_x .. gaze_1_z``, ``gaze_angle_x, gaze_angle_y``, 56 eye
        landmarks in 2-D (``eye_lmk_x_i, eye_lmk_y_i``) and 3-D
        (``eye_lmk_X_i, eye_lmk_Y_i, eye_lmk_Z_i``), head pose
        ``pose_Tx .. pose_Rz``, 68 face landmarks in 2-D (``x_i, y_i``) and 3-D
        (``X_i, Y_i, Z_i``), the shape model's rigid (``p_scale, p_rx, p_ry,
        p_rz, p_tx, p_ty``) and 34 non-rigid (``p_0 .. p_33``) parameters, 17
        action-unit intensities ``AUxx_r`` and 18 presences ``AUxx_c``).
        ``"2.0"``: the 431 columns of the OpenFace 2.0 file kept as this
        package's test fixture (no ``face_id``, gaze angles or eye landmarks).

    Returns
    -------
    list of str
        Column names without OpenFace's leading spaces.

    Notes
    -----
    The 2.2 order follows ``RecorderCSV::Open`` of OpenFace 2.2 [1]_: action
    units are sorted by name within the intensity and the presence blocks,
    and the presence block has ``AU28_c``, which has no intensity.

    References
    ----------
    .. [1] Baltrusaitis, T., Zadeh, A., Lim, Y. C., & Morency, L.-P. (2018).
       OpenFace 2.0: Facial behavior analysis toolkit. *13th IEEE International
       Conference on Automatic Face & Gesture Recognition*, 59-66.

    Examples
    --------
    >>> cols = openface_columns("2.2")
    >>> len(cols), cols[:5]
    (714, ['frame', 'face_id', 'timestamp', 'confidence', 'success'])
    >>> len(openface_columns("2.0")), openface_columns("2.0")[-3:]
    (431, ['AU26_c', 'AU28_c', 'AU45_c'])
    """
    check_choice("version", version, _VERSIONS)
    return [name for name, _, _ in _layout(version)]


# --------------------------------------------------------------------------- reading


def _load(path_or_buffer) -> tuple[bytes, str]:
    """The file's bytes and a name for messages. Never modifies the input."""
    if isinstance(path_or_buffer, str | os.PathLike):
        path = Path(path_or_buffer)
        with open(path, "rb") as fh:  # FileNotFoundError names the file itself
            return fh.read(), str(path)
    if hasattr(path_or_buffer, "read"):
        data = path_or_buffer.read()
        source = str(getattr(path_or_buffer, "name", "<buffer>"))
        if isinstance(data, str):
            data = data.encode("utf-8")
        if not isinstance(data, bytes | bytearray):
            raise TypeError(f"path_or_buffer.read() must return str or bytes, got {type(data).__name__}")
        return bytes(data), source
    raise TypeError(
        "path_or_buffer must be a path (str or os.PathLike) or a file-like object, "
        f"got {type(path_or_buffer).__name__}"
    )


_NON_SPACE = re.compile(rb"\S")
#: Name given to an unnamed first column until it is recognised as a pandas index (or refused).
_INDEX = "\x00index"


def _line_ends(data: bytes) -> bytes:
    """Old-Mac files end their lines with CR only: make them LF (CR LF stays as it is)."""
    if b"\n" not in data and b"\r" in data:
        return data.replace(b"\r", b"\n")
    return data


def _header(data: bytes, source: str) -> list[str]:
    """Stripped column names; errors for an empty file or one without data rows.

    An unnamed first column (what ``DataFrame.to_csv`` writes for the index)
    is named ``_INDEX`` here and checked once parsed; any other unnamed
    column is an error.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _NON_SPACE.search(data) is None:
        raise ValueError(f"{source}: the file is empty (no header, no frames)")
    end = data.find(b"\n")
    line = data if end < 0 else data[:end]
    try:
        text = line.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise ValueError(f"{source}: the header is not text; is this an OpenFace CSV file?") from None
    names = [n.strip() for n in text.split(",")]
    names = [n[1:-1].strip() if len(n) >= 2 and n[0] == n[-1] == '"' else n for n in names]  # R's write.csv
    if len(names) > 1 and not names[0]:
        names[0] = _INDEX
    for i, n in enumerate(names):
        if not n:
            raise ValueError(f"{source}: column {i + 1} of the header has no name")
    seen: set[str] = set()
    dup = [n for n in names if n in seen or seen.add(n)]
    if dup:
        raise ValueError(f"{source}: duplicate column name(s) in the header: {', '.join(map(repr, dup))}")
    if end < 0 or _NON_SPACE.search(data, end + 1) is None:
        raise ValueError(f"{source}: the file has a header but no frames (0 data rows)")
    return names


def _truncated_tail(data: bytes, n_fields: int, source: str) -> tuple[bytes, int | None]:
    """Cut a truncated final line off; return the data and its 1-based line number (or None).

    The final line is truncated when it has fewer fields than the header, or
    when the file stops without a line end right after a separator (an empty
    last field): what an interrupted run leaves. Damage anywhere else is left
    for the parser to report.
    """
    end = len(data)
    while end and data[end - 1] in b" \t\r\n":
        end -= 1
    start = data.rfind(b"\n", 0, end) + 1
    if start == 0:
        return data, None  # the header is the only line
    line = data[start:end]
    n_seps = line.count(b",")
    ends_cleanly = end < len(data) and b"\n" in data[end:]
    short = n_seps + 1 < n_fields
    cut_after_separator = not ends_cleanly and n_seps + 1 == n_fields and line.rstrip().endswith(b",")
    if not (short or cut_after_separator):
        return data, None
    line_no = data.count(b"\n", 0, start) + 1
    if _NON_SPACE.search(data, data.find(b"\n") + 1, start) is None:
        raise ValueError(
            f"{source}: the only data row (line {line_no}) is truncated ({n_seps + 1} of {n_fields} "
            "fields); the file holds no complete frame"
        )
    return data[:start], line_no


def _check_field_counts(data: bytes, n_fields: int, source: str) -> None:
    """Every data line has as many fields as the header (pandas' C parser would fill a short
    line with missing values without a word)."""
    start = data.find(b"\n") + 1
    n_lines = data.count(b"\n", start) + (0 if data.endswith(b"\n") else 1)
    if data.count(b",", start) == (n_fields - 1) * n_lines:
        return  # the usual case, checked in one pass (a longer line is the parser's error)
    for k, line in enumerate(data[start:].split(b"\n"), start=2):
        if line.strip() and line.count(b",") + 1 != n_fields:
            raise ValueError(f"{source}: not a well-formed CSV file: line {k} has {line.count(b',') + 1} fields "
                             f"but the header has {n_fields}")


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is installed in development
        return None
    return pa, pacsv


def _parse(data: bytes, names: list[str], wanted: list[str], source: str, engine: str,
           use_threads: bool) -> dict[str, object]:
    """Parse the data rows; return ``{name: numpy array or list of str}`` for ``wanted``."""
    mods = _pyarrow() if engine in ("auto", "pyarrow") else None
    if engine == "pyarrow" and mods is None:  # pragma: no cover
        raise ImportError("engine='pyarrow' needs the pyarrow package; install it or use engine='c'")
    body = io.BytesIO(data)
    if mods is not None:
        pa, pacsv = mods
        try:
            table = pacsv.read_csv(
                body,
                # one block for the whole file: one chunk per column, no concatenation
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=use_threads,
                                               block_size=max(1 << 20, len(data) + 1)),
                parse_options=pacsv.ParseOptions(delimiter=","),
                convert_options=pacsv.ConvertOptions(include_columns=wanted),
            )
        except pa.ArrowInvalid as err:
            msg = str(err).splitlines()[0]
            raise ValueError(f"{source}: not a well-formed CSV file: {msg[:300]}") from None
        out: dict[str, object] = {}
        for name in wanted:
            col = table.column(name)
            t = col.type
            if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_null(t):
                out[name] = col.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
            else:
                out[name] = [None if v is None else str(v) for v in col.to_pylist()]
        return out
    try:
        df = pd.read_csv(body, header=None, skiprows=1, names=names, usecols=wanted,
                         skipinitialspace=True, engine="c", low_memory=False)
    except (pd.errors.ParserError, ValueError) as err:
        msg = str(err).splitlines()[0]
        raise ValueError(f"{source}: not a well-formed CSV file: {msg[:300]}") from None
    out = {}
    for name in wanted:
        s = df[name]
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            out[name] = s.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            out[name] = [None if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v)
                         for v in s.tolist()]
    return out


def _to_float(name: str, values, source: str, frames_hint) -> np.ndarray:
    """Convert a parsed column to float64; text that is not a number is an error."""
    if isinstance(values, np.ndarray):
        return values
    out = np.empty(len(values))
    for i, v in enumerate(values):
        s = "" if v is None else v.strip()
        if s == "":
            out[i] = np.nan
            continue
        try:
            out[i] = float(s)
        except ValueError:
            where = f"data row {i + 1} (line {i + 2} of the file"
            if frames_hint is not None and isinstance(frames_hint, np.ndarray) and i < len(frames_hint) \
                    and np.isfinite(frames_hint[i]):
                where += f", frame {int(frames_hint[i])}"
            shown = "the unnamed first column" if name == _INDEX else f"column {name!r}"
            raise ValueError(f"{source}: {shown} holds a non-numeric value {s!r} at {where})") from None
    return out


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _check_confidence(confidence) -> float:
    """The confidence threshold: a number in [0, 1]."""
    confidence = check_positive("confidence", confidence, allow_zero=True)
    if confidence > 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return confidence


def _valid_frames(success, confidence, threshold) -> np.ndarray:
    """OpenFace's rule for a usable frame: tracked (``success == 1``) with
    ``confidence`` at least ``threshold``."""
    return (np.asarray(success) == 1) & (np.asarray(confidence) >= threshold)


#: The choices of ``face_id`` besides a face's number.
FACE_CHOICES = ("most_frames", "all")


def check_face_id(face_id):
    """``face_id``: None, a face number (int >= 0), ``"most_frames"`` or ``"all"``."""
    if face_id is None or (isinstance(face_id, str) and face_id in FACE_CHOICES):
        return face_id
    if isinstance(face_id, str):
        raise ValueError(f"face_id must be a face number, 'most_frames' or 'all', got {face_id!r}")
    return check_int("face_id", face_id, minimum=0)


def _check_read_args(confidence, face_id, engine):
    confidence = _check_confidence(confidence)
    face_id = check_face_id(face_id)
    check_choice("engine", engine, ["auto", "pyarrow", "c"])
    return confidence, face_id


def _counts(valid, success) -> dict:
    n_failed = int((np.asarray(success) == 0).sum())
    n_invalid = int(valid.size - valid.sum())
    return {"n_frames": int(valid.size), "n_valid": int(valid.sum()), "n_invalid": n_invalid,
            "n_tracking_failed": n_failed, "n_low_confidence": n_invalid - n_failed}


def _wanted_columns(names, columns, also, optional, source):
    """Which columns of the file to parse; returns ``(wanted, requested, absent, derive)``.

    ``requested`` is None when every column is read; ``absent`` lists requested
    columns the file lacks (only with ``optional``; otherwise they are an error).
    """
    has_angles = "gaze_angle_x" in names and "gaze_angle_y" in names
    derive = (not has_angles) and all(c in names for c in _GAZE_VECTORS)
    identity = set(REQUIRED_COLUMNS) | ({"face_id"} if "face_id" in names else set()) | (
        {_INDEX} if _INDEX in names else set())
    if columns is None:
        return list(names), None, [], derive
    if isinstance(columns, str) or not hasattr(columns, "__iter__"):
        raise TypeError(f"columns must be a list of column names or None, got {type(columns).__name__}")
    requested = list(dict.fromkeys(columns))
    if also is not None:
        requested += [c for c in names if also(c) and c not in requested]
    angle_cols = {"gaze_angle_x", "gaze_angle_y"}
    absent = [c for c in requested if c not in names and not (derive and c in angle_cols)]
    if absent and not optional:
        shown = ", ".join(map(repr, absent[:10])) + (", ..." if len(absent) > 10 else "")
        raise ValueError(f"{source}: required column(s) {shown} missing ({len(absent)} in all)")
    requested = [c for c in requested if c not in absent]
    keep = set(requested) | identity
    derive = derive and bool(angle_cols & set(requested))
    if derive:
        keep |= set(_GAZE_VECTORS)
    return [c for c in names if c in keep], requested, absent, derive


def _check_identity(arrays, has_face, source):
    """Missing values, whole numbers and ranges of ``frame, face_id, timestamp, confidence, success``."""
    for name in REQUIRED_COLUMNS + (("face_id",) if has_face else ()):
        bad = ~np.isfinite(arrays[name])
        if bad.any():
            i = _first_bad(bad)
            raise ValueError(f"{source}: column {name!r} has a missing or infinite value at data row {i + 1}")
    for name in ("frame", "face_id"):
        if name in arrays and (arrays[name] != np.round(arrays[name])).any():
            i = _first_bad(arrays[name] != np.round(arrays[name]))
            raise ValueError(
                f"{source}: column {name!r} must hold whole numbers, got {arrays[name][i]} at data row {i + 1}"
            )
    for name, what in (("frame", "frame numbers start at 1"), ("face_id", "faces are numbered from 0")):
        if name in arrays and (arrays[name] < 0).any():
            i = _first_bad(arrays[name] < 0)
            raise ValueError(f"{source}: column {name!r} holds a negative number, {int(arrays[name][i])}, at "
                             f"data row {i + 1}; OpenFace's {what}")
    conf = arrays["confidence"]
    outside = (conf < 0) | (conf > 1)
    if outside.any():
        i = _first_bad(outside)
        raise ValueError(f"{source}: column 'confidence' must be between 0 and 1 (OpenFace's tracking "
                         f"confidence), got {conf[i]} at data row {i + 1}")
    succ = arrays["success"]
    if not np.isin(succ, (0.0, 1.0)).all():
        i = _first_bad(~np.isin(succ, (0.0, 1.0)))
        raise ValueError(f"{source}: column 'success' must be 0 or 1, got {succ[i]} at data row {i + 1}")


def _drop_index(arrays, source) -> bool:
    """Recognise an unnamed first column numbering the rows 0..n-1 (a pandas index) and drop it."""
    if _INDEX not in arrays:
        return False
    idx = _to_float(_INDEX, arrays.pop(_INDEX), source, None)
    if not np.array_equal(idx, np.arange(idx.size, dtype=float)):
        bad = np.flatnonzero(idx != np.arange(idx.size))
        i = int(bad[0]) if bad.size else 0
        raise ValueError(
            f"{source}: column 1 of the header has no name, and it is not a row index 0..n-1 (as "
            f"DataFrame.to_csv writes one): data row {i + 1} holds {idx[i]:g}; name the column or remove it"
        )
    return True


def _choose_face(ids, success, conf, threshold, face_id, source):
    """Rows of the chosen face(s) and a description of the choice."""
    uniq, counts = np.unique(ids, return_counts=True)
    listing = ", ".join(f"{u} ({c} rows)" for u, c in zip(uniq.tolist(), counts.tolist(), strict=True))
    if face_id == "all":
        return np.arange(ids.size), "all"
    if face_id == "most_frames":
        valid = _valid_frames(success, conf, threshold)
        n_valid = np.array([int(valid[ids == u].sum()) for u in uniq])
        chosen = int(uniq[int(np.argmax(n_valid))])  # ties: the smallest face_id
        return np.flatnonzero(ids == chosen), "most_frames"
    if face_id is None:
        if len(uniq) > 1:
            raise ValueError(
                f"{source}: the file holds {len(uniq)} faces, face_id {listing}; choose one with face_id= "
                "(a number, 'most_frames' for the face with the most valid frames, or 'all')"
            )
        return np.arange(ids.size), "only"
    if face_id not in set(uniq.tolist()):
        raise ValueError(f"{source}: face_id={face_id} is not in the file; it holds face_id {listing}")
    return np.flatnonzero(ids == face_id), "given"


def _order_rows(rows, fr, face, has_face, source):
    """Rows sorted by (face, frame); duplicate frame numbers of one face are an error."""
    f = fr[rows]
    k = face[rows] if face is not None else np.zeros(rows.size, dtype=np.int64)
    order = np.lexsort((f, k))  # stable
    if (np.diff(order) != 1).any():
        rows, f, k = rows[order], f[order], k[order]
    dup = f[1:][(np.diff(f) == 0) & (np.diff(k) == 0)]
    if dup.size:
        shown = ", ".join(str(v) for v in np.unique(dup)[:5])
        raise ValueError(
            f"{source}: duplicate frame numbers in column 'frame' ({np.unique(dup).size} frames repeat, "
            f"e.g. {shown})" + ("; one face per frame is expected" if not has_face else "")
        )
    return rows


def _backwards_timestamps(ts, fr, face, source) -> int:
    """Count the places where the timestamp decreases from one frame of a face to its next; warn."""
    same = np.ones(max(ts.size - 1, 0), dtype=bool) if face is None else np.diff(face) == 0
    back = (np.diff(ts) < 0) & same
    n = int(back.sum())
    if n:
        i = int(np.flatnonzero(back)[0])
        warnings.warn(
            f"{source}: the timestamps run backwards at {n} place(s), first from frame {fr[i]} "
            f"({ts[i]:g} s) to frame {fr[i + 1]} ({ts[i + 1]:g} s); they are reported as written and "
            "never used to time frames (see attrs['n_timestamps_backwards'])",
            UserWarning,
            stacklevel=4,
        )
    return n


def _read(path_or_buffer, confidence, face_id, fps, columns, engine, use_threads=True, also=None,
          optional=False):
    """Read and validate; return ``(DataFrame, info dict)``.

    ``also``: a predicate on column names; columns of the file it accepts are
    read too (used by the feature extraction for the AU columns).
    ``optional``: requested columns the file lacks are skipped (listed in
    ``info["absent_columns"]``) instead of being an error.
    """
    confidence, face_id = _check_read_args(confidence, face_id, engine)
    if fps is not None:
        fps = check_positive("fps", fps)
    data, source = _load(path_or_buffer)
    data = _line_ends(data)
    names = _header(data, source)
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise ValueError(
            f"{source}: required column(s) {', '.join(map(repr, missing))} missing; "
            "is this an OpenFace FeatureExtraction CSV file?"
        )
    data, truncated_line = _truncated_tail(data, len(names), source)
    if truncated_line is not None:
        warnings.warn(
            f"{source}: the last line (line {truncated_line}) is truncated, as an interrupted OpenFace run "
            "leaves it; it was left out and every complete row before it was read "
            "(see attrs['truncated_line'])",
            UserWarning,
            stacklevel=3,
        )
    has_face = "face_id" in names
    wanted, requested, absent, derive = _wanted_columns(names, columns, also, optional, source)
    if engine == "c" or (engine == "auto" and _pyarrow() is None):
        _check_field_counts(data, len(names), source)
    raw = _parse(data, names, wanted, source, engine, use_threads)
    frame = _to_float("frame", raw["frame"], source, None)
    arrays = {name: (frame if name == "frame" else _to_float(name, raw[name], source, frame))
              for name in wanted}
    index_dropped = _drop_index(arrays, source)
    wanted = [c for c in wanted if c != _INDEX]
    _check_identity(arrays, has_face, source)

    # ---- face(s) and frame order
    ids = arrays["face_id"].astype(np.int64) if has_face else None
    fr_all = arrays["frame"].astype(np.int64)
    if has_face:
        rows, choice = _choose_face(ids, arrays["success"], arrays["confidence"], confidence, face_id, source)
    else:
        if isinstance(face_id, int) and face_id != 0:
            raise ValueError(f"{source}: the file has no face_id column (one face); got face_id={face_id}")
        rows, choice = np.arange(fr_all.size), "only"
    rows = _order_rows(rows, fr_all, ids, has_face, source)
    fr = fr_all[rows]
    face = ids[rows] if has_face else (np.zeros(rows.size, dtype=np.int64) if face_id == "all" else None)

    # ---- validity and measurements
    conf = arrays["confidence"][rows]
    success = arrays["success"][rows].astype(np.int64)
    valid = _valid_frames(success, conf, confidence)
    meas_names = [c for c in wanted if c not in META_COLUMNS]
    n = rows.size
    m = np.empty((n, len(meas_names)))
    for j, name in enumerate(meas_names):
        m[:, j] = arrays[name][rows]  # the parsed arrays are not touched
    hit = first_nonfinite(m, valid)
    if hit is not None:
        i, j = hit
        raise ValueError(
            f"{source}: column {meas_names[j]!r} has a missing or infinite value at frame {fr[i]}"
            + (f" of face {face[i]}" if has_face and face_id == "all" else "")
            + ", a frame OpenFace tracked successfully; the file may be edited"
        )
    m[~valid] = np.nan
    derived = False
    if derive:
        g = {c: m[:, meas_names.index(c)] for c in _GAZE_VECTORS}
        mx = (g["gaze_0_x"] + g["gaze_1_x"]) / 2
        my = (g["gaze_0_y"] + g["gaze_1_y"]) / 2
        mz = (g["gaze_0_z"] + g["gaze_1_z"]) / 2
        at = meas_names.index("gaze_1_z") + 1
        m = np.concatenate([m[:, :at], np.arctan2(mx, -mz)[:, None], np.arctan2(my, -mz)[:, None],
                            m[:, at:]], axis=1)
        meas_names = meas_names[:at] + ["gaze_angle_x", "gaze_angle_y"] + meas_names[at:]
        derived = True
    if requested is not None:
        # gaze vectors read only to derive the angles are not returned
        keep = [j for j, c in enumerate(meas_names) if c in set(requested)]
        if len(keep) < len(meas_names):
            m = m[:, keep]
            meas_names = [meas_names[j] for j in keep]

    # ---- assemble: identity columns, ``valid``, then the measurements in the file's order
    ident: dict[str, np.ndarray] = {"frame": fr}
    if face is not None:
        ident["face_id"] = face
    ident["timestamp"] = arrays["timestamp"][rows]
    ident["confidence"] = conf
    ident["success"] = success
    ident["valid"] = valid
    df = pd.concat([pd.DataFrame(ident), pd.DataFrame(m, columns=meas_names, copy=False)], axis=1)

    ts = ident["timestamp"]
    n_back = _backwards_timestamps(ts, fr, face, source)
    same_face = np.ones(max(fr.size - 1, 0), dtype=bool) if face is None else np.diff(face) == 0
    step = np.diff(ts)[(np.diff(fr) == 1) & same_face]
    step = step[np.isfinite(step) & (step > 0)]
    timestamp_fps = float(1.0 / np.median(step)) if step.size else float("nan")
    if fps is not None and np.isfinite(timestamp_fps) and abs(timestamp_fps / fps - 1) > 0.05:
        warnings.warn(
            f"{source}: the timestamps imply {timestamp_fps:.4g} frames per second but fps={fps:g}; "
            f"fps={fps:g} is used (timestamps are reported, never used)",
            UserWarning,
            stacklevel=3,
        )
    n_faces = int(np.unique(ids).size) if has_face else 1
    info = {
        "format": "openface",
        "source": source,
        "version": "2.2" if has_face else "2.0",
        "fps": float("nan") if fps is None else float(fps),
        "timestamp_fps": timestamp_fps,
        "confidence_threshold": float(confidence),
        "face_id": (-1 if not has_face or choice == "all" else int(face[0]) if rows.size else -1),
        "face_choice": choice,
        "n_faces": n_faces,
        **_counts(valid, success),
        "gaze_angle_derived": derived,
        "index_column_dropped": index_dropped,
        "truncated_line": -1 if truncated_line is None else int(truncated_line),
        "n_timestamps_backwards": n_back,
    }
    if optional:
        info["absent_columns"] = list(absent)
    return df, info


def read_openface(path_or_buffer, *, confidence=0.75, face_id=None, fps=None, columns=None,
                  engine="auto") -> pd.DataFrame:
    """Read one OpenFace 2.0 or 2.2 FeatureExtraction CSV file into a validated DataFrame.

    Every frame of the file (of the chosen face) is kept. Frames that OpenFace
    [1]_ did not track (``success == 0``) or tracked with low ``confidence`` are
    marked ``valid = False`` and their measurements are set missing; nothing
    is dropped.

    Parameters
    ----------
    path_or_buffer : str, os.PathLike or file-like
        The CSV file. It is read, never modified.
    confidence : float, default 0.75
        A frame with ``confidence`` below this value is invalid. Between 0 and 1.
    face_id : int, "most_frames" or "all", optional
        Which face to keep when the file holds several (``face_id`` column
        with more than one value, as OpenFace's multi-face tracker writes
        it): a face's number; ``"most_frames"``, the face with the most
        valid frames (ties go to the smaller ``face_id``); or ``"all"``, every
        face, sorted by ``face_id`` and then ``frame`` (the clip and feature
        functions then work per face). By default a file with several faces
        is refused with an error that lists the ids and their row counts:
        the participant is usually, but not always, the face with the most
        frames, so the choice is left to the user.
    fps : float, optional
        The video's frame rate. Recorded in ``attrs["fps"]``; when given and
        the timestamps imply a rate more than 5% away, a ``UserWarning`` says
        so. The ``timestamp`` column is never used to time frames.
    columns : list of str, optional
        Read only these columns (plus ``frame, face_id, timestamp,
        confidence, success``). Faster for wide files; a requested column the
        file lacks is an error. ``gaze_angle_x``/``gaze_angle_y`` may be
        requested from a 2.0 file: they are derived as described below.
    engine : {"auto", "pyarrow", "c"}, default "auto"
        CSV parser: pyarrow's (the fastest here, used when installed) or
        pandas' C parser. Both give the same numbers.

    Returns
    -------
    pandas.DataFrame
        One row per frame (per face and frame with ``face_id="all"``),
        sorted by ``face_id`` and ``frame``, columns named as OpenFace names
        them (leading spaces stripped) in the file's order, plus:

        - ``frame`` (int): OpenFace's 1-based frame number.
        - ``face_id`` (int): when the file has it (OpenFace 2.2), and always
          with ``face_id="all"`` (0 for a file without the column).
        - ``timestamp`` (s): as written by OpenFace; reported, not trusted.
        - ``confidence`` (0-1) and ``success`` (0/1): as written.
        - ``valid`` (bool, inserted after ``success``): ``success == 1`` and
          ``confidence >= confidence``.
        - every other column (landmarks in pixels ``x_i, y_i`` and millimetres
          ``X_i, Y_i, Z_i``; ``pose_Tx, pose_Ty, pose_Tz`` in mm;
          ``pose_Rx, pose_Ry, pose_Rz`` and gaze angles in radians; ``AUxx_r``
          intensities 0-5; ``AUxx_c`` presence 0/1; ...) as float64, missing
          (NaN) on invalid frames.
        - ``gaze_angle_x, gaze_angle_y`` (rad): derived after ``gaze_1_z``
          when a 2.0 file lacks them.

        ``attrs`` holds the reading's facts: ``format`` ("openface"), ``source, version ("2.0" or
        "2.2", from the header), fps, timestamp_fps, confidence_threshold,
        face_id`` (the face kept; -1 when the file has no ``face_id`` column
        or with ``"all"``), ``face_choice`` (``"only"``, ``"given"``,
        ``"most_frames"`` or ``"all"``), ``n_faces`` (faces in the file),
        ``n_frames, n_valid, n_invalid, n_tracking_failed, n_low_confidence,
        gaze_angle_derived``, ``index_column_dropped`` (True when an unnamed
        first column numbering the rows 0..n-1, a pandas index written by
        ``DataFrame.to_csv``, was recognised and dropped),
        ``truncated_line`` (the 1-based line number of a truncated last line
        that was left out, -1 when none) and ``n_timestamps_backwards``.
        pandas may drop ``attrs`` in later operations; the counts can always
        be recomputed from the columns with :func:`openface_summary`.

    Raises
    ------
    ValueError
        An empty file or one with a header only; a missing required column
        (``frame, timestamp, confidence, success`` or a requested one); an
        unnamed column other than a first column numbering the rows 0..n-1;
        a non-numeric value (the message names the column, the data row and
        the frame); a missing value in an identity column or on a valid
        frame; a ``confidence`` outside [0, 1]; a negative ``frame`` or
        ``face_id``; duplicate frame numbers (of one face); several faces
        without ``face_id``; a damaged line anywhere but at the end. Every
        message starts with the file's name.

    Warns
    -----
    UserWarning
        When the last line is truncated (an interrupted OpenFace run): it is
        left out, the complete rows are kept and the line number is recorded
        in ``attrs["truncated_line"]``. When the timestamps run backwards
        between consecutive frames of a face (counted in
        ``attrs["n_timestamps_backwards"]``; they are never used to time
        frames). When ``fps`` disagrees with the timestamps.

    Notes
    -----
    Validity of frame :math:`t`: :math:`v_t = [s_t = 1] \\wedge [c_t \\ge c_{min}]`
    with :math:`s_t` OpenFace's ``success`` and :math:`c_t` its ``confidence``.

    Gaze angles missing from a 2.0 file are computed as OpenFace 2.2 does
    (``GazeAnalysis::GetGazeAngle`` in ``GazeEstimation.cpp`` [2]_): with
    :math:`g = (g_0 + g_1)/2` the mean of the two eyes' unit gaze vectors,
    ``gaze_angle_x`` :math:`= \\operatorname{atan2}(g_x, -g_z)` and
    ``gaze_angle_y`` :math:`= \\operatorname{atan2}(g_y, -g_z)`, radians, 0
    when looking straight at the camera.

    ``timestamp_fps`` is :math:`1/\\operatorname{median}(\\Delta \\text{timestamp})`
    over consecutive frames; in the package's 2.0 fixture it is 1000 (an
    image sequence), which is why the frame rate is an argument.

    References
    ----------
    .. [1] Baltrusaitis, T., Zadeh, A., Lim, Y. C., & Morency, L.-P. (2018).
       OpenFace 2.0: Facial behavior analysis toolkit. *13th IEEE International
       Conference on Automatic Face & Gesture Recognition*, 59-66.
    .. [2] OpenFace 2.2.0 source, ``lib/local/GazeAnalyser/src/GazeEstimation.cpp``
       and ``lib/local/Utilities/src/RecorderCSV.cpp``,
       https://github.com/TadasBaltrusaitis/OpenFace

    Examples
    --------
    >>> import io
    >>> text = (
    ...     "frame, timestamp, confidence, success, pose_Rx\\n"
    ...     "1,0,0.98,1,0.10\\n2,0.04,0.50,1,0.12\\n3,0.08,0.97,0,0\\n4,0.12,0.98,1,0.16\\n")
    >>> of = read_openface(io.StringIO(text))
    >>> of[["frame", "valid", "pose_Rx"]]
       frame  valid  pose_Rx
    0      1   True     0.10
    1      2  False      NaN
    2      3  False      NaN
    3      4   True     0.16
    >>> of.attrs["n_invalid"], of.attrs["n_low_confidence"], of.attrs["n_tracking_failed"]
    (2, 1, 1)

    Two faces, the second a brief false detection; a pandas index in front:

    >>> two = (",frame, face_id, timestamp, confidence, success, pose_Rx\\n"
    ...        "0,1,0,0,0.98,1,0.1\\n1,1,1,0,0.90,1,0.5\\n2,2,0,0.04,0.98,1,0.2\\n")
    >>> of = read_openface(io.StringIO(two), face_id="most_frames")
    >>> of[["frame", "face_id", "pose_Rx"]]
       frame  face_id  pose_Rx
    0      1        0      0.1
    1      2        0      0.2
    >>> of.attrs["index_column_dropped"], of.attrs["n_faces"]
    (True, 2)
    """
    df, info = _read(path_or_buffer, confidence, face_id, fps, columns, engine)
    df.attrs.update(info)
    return df


def openface_summary(frames) -> pd.DataFrame:
    """One-row summary of a :func:`read_openface` result: frames, validity, reading facts.

    The counts are recomputed from the columns, so they stay right after
    pandas operations that lose ``attrs``; the reading facts (``source,
    version, fps, timestamp_fps, confidence_threshold, gaze_angle_derived``)
    come from ``attrs`` and are missing when pandas dropped them.

    Parameters
    ----------
    frames : pandas.DataFrame
        A result of :func:`read_openface` (needs ``success`` and ``valid``).

    Returns
    -------
    pandas.DataFrame
        One row: ``source`` (str), ``version`` (str), ``n_frames``,
        ``n_valid``, ``n_invalid``, ``n_tracking_failed`` (``success == 0``),
        ``n_low_confidence`` (tracked but below the threshold),
        ``valid_fraction`` (n_valid / n_frames), ``confidence_threshold``,
        ``fps`` (the argument given to the reader, frames/s),
        ``timestamp_fps`` (implied by the timestamps, frames/s),
        ``gaze_angle_derived`` (bool).

    Examples
    --------
    >>> import io
    >>> of = read_openface(io.StringIO(
    ...     "frame, timestamp, confidence, success\\n1,0,0.9,1\\n2,0.04,0.9,0\\n"))
    >>> openface_summary(of)[["n_frames", "n_valid", "n_tracking_failed", "valid_fraction"]]
       n_frames  n_valid  n_tracking_failed  valid_fraction
    0         2        1                  1             0.5
    """
    check_dataframe("frames", frames)
    missing = [c for c in ("success", "valid") if c not in frames.columns]
    if missing:
        raise ValueError(
            f"frames has no column(s) {', '.join(map(repr, missing))}; pass a result of read_openface"
        )
    valid = frames["valid"].to_numpy(dtype=bool)
    a = frames.attrs
    row = {
        "source": a.get("source"),
        "version": a.get("version"),
        **_counts(valid, frames["success"].to_numpy()),
        "valid_fraction": float(valid.mean()),
        "confidence_threshold": float(a.get("confidence_threshold", np.nan)),
        "fps": float(a.get("fps", np.nan)),
        "timestamp_fps": float(a.get("timestamp_fps", np.nan)),
        "gaze_angle_derived": bool(a.get("gaze_angle_derived", False)),
    }
    out = pd.DataFrame([row])
    for c in ("source", "version"):
        out[c] = out[c].astype("str")
    return out


# --------------------------------------------------------------------------- writing


def write_openface(frames, path, *, version="2.2", precision="openface"):
    """Write a DataFrame as an OpenFace FeatureExtraction CSV file, whole or not at all.

    Parameters
    ----------
    frames : pandas.DataFrame
        One row per frame with every column of :func:`openface_columns`
        ``(version)`` (names without leading spaces). Other columns, such as
        :func:`read_openface`'s ``valid``, are not written. ``frame``,
        ``face_id`` and ``success`` must be whole numbers.
    path : str, os.PathLike or writable file-like
        Destination. A path is written through a temporary file in the same
        folder that is renamed into place at the end, so a reader never sees
        a half-written file and an error leaves no file behind.
    version : {"2.2", "2.0"}, default "2.2"
        Layout and number format. ``"2.2"``: OpenFace 2.2's header and its
        fixed decimals, values separated by ``", "``. ``"2.0"``: the 2.0
        layout of the package's fixture, 6 significant digits (``%.6G``), values
        separated by ``","``. Both headers separate names by ``", "``.
    precision : {"openface", "full"}, default "openface"
        ``"openface"`` rounds as OpenFace does (2.2: 0.1 px for landmarks,
        0.001 rad for angles, 0.01 for AU intensities, ...). ``"full"``
        writes 17 significant digits, so reading the file back gives the
        same floats.

    Returns
    -------
    pathlib.Path or None
        The path written (None for a file-like destination).

    Notes
    -----
    The 2.2 number formats follow ``RecorderCSV::WriteLine`` of OpenFace 2.2:
    ``timestamp`` %.3f, ``confidence`` %.2f, gaze vectors %.6f, gaze angles
    %.3f, eye and face landmarks and ``pose_T*`` %.1f, ``pose_R*`` %.3f,
    shape parameters %.3f, ``AUxx_r`` %.2f, ``AUxx_c`` %.1f. Missing values
    are written as ``nan``, which OpenFace itself never writes.

    Examples
    --------
    >>> import io
    >>> cols = openface_columns("2.2")
    >>> df = pd.DataFrame(0.0, index=range(2), columns=cols)
    >>> df["frame"] = [1, 2]; df["confidence"] = 0.98; df["success"] = 1
    >>> buf = io.StringIO()
    >>> write_openface(df, buf)
    >>> buf.getvalue().splitlines()[1][:40]
    '1, 0, 0.000, 0.98, 1, 0.000000, 0.000000'
    >>> back = read_openface(io.StringIO(buf.getvalue()))
    >>> back.shape, bool(back["valid"].all())
    ((2, 715), True)
    """
    check_dataframe("frames", frames)
    check_choice("version", version, _VERSIONS)
    check_choice("precision", precision, ["openface", "full"])
    layout = _layout(version)
    names = [n for n, _, _ in layout]
    missing = [n for n in names if n not in frames.columns]
    if missing:
        shown = ", ".join(map(repr, missing[:10])) + (", ..." if len(missing) > 10 else "")
        raise ValueError(
            f"frames lacks {len(missing)} column(s) of the OpenFace {version} layout: {shown}"
        )
    bad = [n for n in names if not pd.api.types.is_numeric_dtype(frames[n].dtype)]
    if bad:
        raise TypeError(f"frames column {bad[0]!r} must be numeric, got dtype {frames[bad[0]].dtype}")
    values = frames[names].to_numpy(dtype=np.float64)
    for j, n in enumerate(names):
        if n in ("frame", "face_id", "success"):
            col = values[:, j]
            if not np.isfinite(col).all() or (col != np.round(col)).any():
                raise ValueError(f"frames column {n!r} must hold whole numbers without missing values")
    if precision == "full":
        fmts = ["%d" if n in ("frame", "face_id", "success") else "%.17g" for n in names]
    else:
        fmts = [f22 if version == "2.2" else f20 for _, f22, f20 in layout]
    sep = ", " if version == "2.2" else ","
    row_fmt = sep.join(fmts) + "\n"
    header = ", ".join(names) + "\n"
    text = header + "".join(row_fmt % tuple(r) for r in values.tolist())
    # '-0.000' is what C++ prints too, but '%d' of -0.0 is '0': nothing to fix.
    if hasattr(path, "write"):
        path.write(text if not isinstance(path, io.RawIOBase | io.BufferedIOBase) else text.encode())
        return None
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a path or a writable file-like object, got {type(path).__name__}")
    target = Path(path)
    with atomic_file(target) as tmp, open(tmp, "x", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return target



def example_file(name="OpenFace_Test.csv"):
    """Path of an example data file shipped with the package.

    Parameters
    ----------
    name : str, default "OpenFace_Test.csv"
        The file, all three real tracker output from the py-feat project (MIT
        License; see ``data/README.md`` beside them):
        ``"OpenFace_Test.csv"``, OpenFace 2.0 FeatureExtraction output (100
        frames of one face); ``"Feat_Test.csv"``, py-feat's detector output
        (one frame); ``"iMotions_Test_v6.txt"``, an iMotions 6 export of
        Emotient FACET (519 frames). Read the last two with
        :func:`bitbox_stats.read_frames`.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> frames = read_openface(example_file())
    >>> frames.shape[0]
    100
    """
    path = Path(__file__).parent / "data" / str(name)
    if not path.is_file():
        shipped = sorted(p.name for p in path.parent.iterdir() if p.suffix in (".csv", ".txt"))
        raise ValueError(f"name must be one of the example files {shipped}, got {name!r}")
    return path
