"""Reading the output of several face trackers into one frames table.

Labs record facial behaviour with OpenFace, Noldus FaceReader, iMotions
(Emotient FACET), py-feat and Apple ARKit (Epic's Live Link Face app).
:func:`read_frames` reads any of their exports, recognised from the content,
into the frames table the rest of the package uses: one row per frame with
``frame``, ``timestamp``, a boolean ``valid`` and the tracker's measures as
float columns, with the same guarantees as
:func:`~bitbox_stats.openface.read_openface` (every frame kept, invalid frames
marked and their measures missing, clear errors that name the file and line).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings

import numpy as np
import pandas as pd

from ._validation import check_choice, check_positive, first_nonfinite
from .openface import FACE_CHOICES, _load, check_face_id, read_openface

__all__ = ["FORMATS", "read_frames"]

#: The formats :func:`read_frames` reads.
FORMATS = ("openface", "facereader", "facet", "pyfeat", "arkit")

#: Columns of a frames table that are not measures.
IDENTITY_COLUMNS = ("frame", "face_id", "timestamp", "confidence", "success", "valid")

_LIVE_LINK_FPS = 60.0  # Live Link Face's default capture rate
_FR_FAILURES = ("FIT_FAILED", "FIND_FAILED")
_FACS_LETTERS = {"NotActive": 0.0, "A": 1.0, "B": 2.0, "C": 3.0, "D": 4.0, "E": 5.0}
_FR_AU = re.compile(r"^Action Unit (\d+)(?:\s*\+\s*(\d+))?\s*-\s*(?:(Left|Right)\s*-\s*)?.+$")
_FR_STATES = {
    "Mouth": ("mouth_open", {"Open": 1.0, "Closed": 0.0}),
    "Left Eye": ("left_eye_open", {"Open": 1.0, "Closed": 0.0}),
    "Right Eye": ("right_eye_open", {"Open": 1.0, "Closed": 0.0}),
    "Left Eyebrow": ("left_eyebrow", {"Raised": 1.0, "Neutral": 0.0, "Lowered": -1.0}),
    "Right Eyebrow": ("right_eyebrow", {"Raised": 1.0, "Neutral": 0.0, "Lowered": -1.0}),
}
_FR_META = re.compile(r"^\s*(Face Model|Calibration|Start time|Filename|Frame rate)\s*:?[ \t]*(.*?)\s*$")
_NUMBER_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_NUMBER_DOT = re.compile(r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$")


# --------------------------------------------------------------------------- text and tables


def _text(data: bytes, source: str) -> tuple[str, str]:
    """Decoded text with LF line ends, and the encoding used."""
    if data.startswith(b"PK\x03\x04"):
        raise ValueError(f"{source}: this is a zip file (an Excel workbook?), not a text export; export the "
                         "tracker's log as text (tab- or comma-separated)")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = data.decode("utf-16"), "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        text, encoding = data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    elif b"\x00" in data[:4096]:
        raise ValueError(f"{source}: the file is binary, not a text export of a face tracker")
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:  # Windows exports in the system's code page
            text, encoding = data.decode("cp1252", errors="replace"), "cp1252"
    # CR LF (Windows) and CR alone (old Mac, as FaceReader may write) become LF
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


class _Table:
    """A delimited table: column names, data rows (lists of str) and their 1-based line numbers."""

    def __init__(self, names, rows, lines, truncated_line):
        self.names = names
        self.rows = rows
        self.lines = np.asarray(lines, dtype=np.int64)
        self.truncated_line = truncated_line

    def column(self, name) -> list[str]:
        j = self.names.index(name)
        return [r[j] for r in self.rows]

    def subset(self, keep: np.ndarray) -> _Table:
        idx = np.flatnonzero(keep)
        return _Table(self.names, [self.rows[i] for i in idx], self.lines[idx], self.truncated_line)


def _blank(line: str, sep: str) -> bool:
    return not line.replace(sep, "").strip()


def _table(lines: list[str], header_at: int, sep: str, source: str, pad=None) -> _Table:
    """Split the lines after ``header_at`` into fields; the last line may be truncated (left out, warned).

    ``pad``: a predicate on a row's fields; a short row it accepts (a failure row written without its
    empty trailing fields) is padded with empty fields.
    """
    names = [n.strip() for n in next(csv.reader([lines[header_at]], delimiter=sep))]
    while len(names) > 1 and names[-1] == "":  # a trailing separator on the header
        names.pop()
    last = len(lines)
    while last > header_at + 1 and _blank(lines[last - 1], sep):
        last -= 1
    rows, numbers = [], []
    truncated = None
    n = len(names)
    for k in range(header_at + 1, last):
        line = lines[k]
        if _blank(line, sep):
            if rows:
                raise ValueError(f"{source}: line {k + 1} is empty, in the middle of the data")
            continue
        fields = next(csv.reader([line], delimiter=sep))
        while len(fields) > n and fields[-1].strip() == "":
            fields.pop()
        if len(fields) < n and pad is not None and pad(fields):
            fields += [""] * (n - len(fields))
        if len(fields) != n:
            if k == last - 1 and len(fields) < n and rows:
                truncated = k + 1
                break
            raise ValueError(f"{source}: line {k + 1} has {len(fields)} fields but the header has {n}; "
                             "the file is damaged or not one tracker's export")
        rows.append([f.strip() for f in fields])
        numbers.append(k + 1)
    if not rows:
        raise ValueError(f"{source}: the file has a header but no frames (0 data rows)")
    if truncated is not None:
        warnings.warn(
            f"{source}: the last line (line {truncated}) is truncated, as an interrupted export leaves it; it "
            "was left out and every complete row before it was read (see attrs['truncated_line'])",
            UserWarning,
            stacklevel=4,
        )
    return _Table(names, rows, numbers, truncated)


def _drop_index(table: _Table, source: str) -> bool:
    """An unnamed first column numbering the rows 0..n-1 (``DataFrame.to_csv``'s index) is dropped."""
    if not table.names or table.names[0] != "":
        unnamed = [i + 1 for i, nm in enumerate(table.names) if nm == ""]
        if unnamed:
            raise ValueError(f"{source}: column {unnamed[0]} of the header has no name")
        return False
    values = table.column("")
    want = [str(i) for i in range(len(values))]
    if values != want:
        bad = next(i for i, (a, b) in enumerate(zip(values, want, strict=True)) if a != b)
        raise ValueError(
            f"{source}: column 1 of the header has no name, and it is not a row index 0..n-1 (as "
            f"DataFrame.to_csv writes one): line {table.lines[bad]} holds {values[bad]!r}; name the column "
            "or remove it"
        )
    table.names = table.names[1:]
    table.rows = [r[1:] for r in table.rows]
    unnamed = [i + 1 for i, nm in enumerate(table.names) if nm == ""]
    if unnamed:
        raise ValueError(f"{source}: column {unnamed[0] + 1} of the header has no name")
    return True


def _floats(name, values, table: _Table, source, *, tokens=None, comma=False, what=None) -> np.ndarray:
    """Parse a column to floats: '' is missing, ``tokens`` maps words; anything else is an error."""
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if v == "":
            continue
        if tokens is not None and v in tokens:
            out[i] = tokens[v]
            continue
        try:
            out[i] = float(v.replace(",", ".") if comma else v)
        except ValueError:
            hint = f"; {what}" if what else ""
            raise ValueError(f"{source}: column {name!r} holds {v!r} at line {table.lines[i]}, not a number"
                             f"{hint}") from None
    return out


def _numeric(values, comma=False) -> bool:
    """True when every non-empty value is a number."""
    for v in values:
        if v == "":
            continue
        try:
            float(v.replace(",", ".") if comma else v)
        except ValueError:
            return False
    return True


def _decimal_comma(table: _Table, columns) -> bool:
    """Whether numbers are written with a decimal comma (European Windows locales)."""
    comma = dot = 0
    for name in columns:
        for v in table.column(name)[:200]:
            comma += bool(_NUMBER_COMMA.match(v))
            dot += bool(_NUMBER_DOT.match(v))
    return comma > 0 and dot == 0


def _snake(name: str) -> str:
    """A tracker's column name in snake_case (``FaceRect X`` -> ``face_rect_x``)."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    s = re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_").lower()
    return f"point_{s}" if s[:1].isdigit() else s


def _clock(text: str) -> tuple[float, int]:
    """Seconds of ``[[hh:]mm:]ss[.fff]`` and the number of decimals written."""
    parts = text.replace(",", ".").split(":")
    if not 1 <= len(parts) <= 3:
        raise ValueError(text)
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + float(p)
    decimals = len(parts[-1].split(".")[1]) if "." in parts[-1] else 0
    return seconds, decimals


# --------------------------------------------------------------------------- detection


def _detect(text: str, source: str) -> str:
    lines = text[:65536].split("\n")[:80]
    if any(ln.lstrip().startswith("Video analysis detailed log") for ln in lines[:20]) or any(
            re.match(r"\s*Video Time(\t|$)", ln) for ln in lines):
        return "facereader"
    body = [ln for ln in lines if ln.strip(" \t,") and not ln.startswith("#")]
    header = body[0] if body else ""
    cols = {c.strip().strip('"') for c in re.split(r"[\t,]", header)}
    lower = {c.lower() for c in cols}
    if "FrameNo" in cols and any(c.endswith(" Evidence") for c in cols):
        return "facet"
    if "timecode" in lower and "blendshapecount" in lower:
        return "arkit"
    if {"FaceScore", "FaceRectX"} <= cols:
        return "pyfeat"
    if {"frame", "timestamp", "confidence", "success"} <= cols:
        return "openface"
    raise ValueError(
        f"{source}: not an export read_frames recognises (formats: {', '.join(FORMATS)}): expected an OpenFace "
        "header (frame, timestamp, confidence, success), a FaceReader 'Video analysis detailed log', an "
        "iMotions export with FrameNo and 'AU1 Evidence' columns, a py-feat CSV (FaceRectX, FaceScore) or a "
        "Live Link Face CSV (Timecode, BlendShapeCount); give format= if the file is one of these"
    )


# --------------------------------------------------------------------------- the formats


def _read_facereader(text, source, fps, face_id):
    lines = text.split("\n")
    header_at = next((k for k, ln in enumerate(lines) if re.match(r"\s*Video Time(\t|$)", ln)), None)
    if header_at is None:
        raise ValueError(f"{source}: no header line starting with 'Video Time'; is this a FaceReader "
                         "'Video analysis detailed log' exported as text?")
    meta = {}
    for ln in lines[:header_at]:
        for key, value in re.findall(r"(Face Model|Calibration)\s*:\s*(.*?)(?=\s+-\s+[A-Z][\w ]*:|\t|$)", ln):
            meta[key] = value.strip()
        m = _FR_META.match(ln)
        if m and m.group(2):
            meta[m.group(1)] = m.group(2).strip().strip("\t")
    table = _table(lines, header_at, "\t", source, pad=lambda f: any(v.strip() in _FR_FAILURES for v in f))
    if table.names[0] != "Video Time":
        raise ValueError(f"{source}: the first column must be 'Video Time', got {table.names[0]!r}")
    attrs = {"face_model": meta.get("Face Model", ""), "calibration": meta.get("Calibration", ""),
             "start_time": meta.get("Start time", ""), "video_file": meta.get("Filename", "")}
    file_fps = np.nan
    if "Frame rate" in meta:
        try:
            file_fps = float(meta["Frame rate"].replace(",", "."))
        except ValueError:
            raise ValueError(f"{source}: the 'Frame rate' line holds {meta['Frame rate']!r}, not a number") from None
    fps, fps_source = _resolve_fps(fps, file_fps, "the file's 'Frame rate' line", source)
    if not np.isfinite(fps):
        raise ValueError(f"{source}: the frame rate is unknown (the file has no 'Frame rate' line); pass fps=")
    if face_id is not None:
        raise ValueError(f"{source}: face_id applies to OpenFace and py-feat files; FaceReader logs hold one face")

    n = len(table.rows)
    failed = {tok: np.array([tok in r for r in table.rows]) for tok in _FR_FAILURES}
    invalid = failed["FIT_FAILED"] | failed["FIND_FAILED"]
    valid = ~invalid
    ok_rows = table.subset(valid)
    comma = _decimal_comma(ok_rows, [c for c in table.names[1:] if not _FR_AU.match(c)])

    times, decimals = np.empty(n), 0
    for i, v in enumerate(table.column("Video Time")):
        try:
            times[i], d = _clock(v)
        except ValueError:
            raise ValueError(f"{source}: column 'Video Time' holds {v!r} at line {table.lines[i]}, not a time "
                             "(mm:ss.s or hh:mm:ss.fff)") from None
        decimals = max(decimals, d)
    frame, numbering = _frames_from_times(times, fps, decimals, table, source)

    measures, text_cols, empty_cols = [], [], []
    for name in table.names[1:]:
        values = table.column(name)
        cleaned = ["" if v in _FR_FAILURES else v for v in values]
        au = _FR_AU.match(name)
        if au:
            unit = f"AU{int(au.group(1)):02d}" + (f"_{int(au.group(2)):02d}" if au.group(2) else "")
            side = f"_{au.group(3).lower()}" if au.group(3) else ""
            measures.append((f"{unit}_r{side}", _floats(name, cleaned, table, source, tokens=_FACS_LETTERS,
                                                        what="FaceReader writes NotActive or A-E")))
            continue
        if all(v == "" for v in cleaned):
            empty_cols.append(name)
            continue
        if name in _FR_STATES:
            new, words = _FR_STATES[name]
            if all(v in words for v in cleaned if v):
                measures.append((new, _floats(name, cleaned, table, source, tokens=words)))
                continue
        if _numeric(cleaned, comma):
            hm = re.match(r"^([XYZ]) - Head Orientation$", name)
            new = f"head_orientation_{hm.group(1).lower()}" if hm else _snake(name)
            measures.append((new, _floats(name, cleaned, table, source, comma=comma)))
        else:
            text_cols.append(name)
    attrs.update(n_fit_failed=int(failed["FIT_FAILED"].sum()), n_find_failed=int(failed["FIND_FAILED"].sum()),
                 frame_numbering=numbering, decimal_comma=comma)
    return dict(frame=frame, timestamp=times, valid=valid, measures=measures, ident=[], table=table,
                fps=fps, fps_source=fps_source, text_columns=text_cols, empty_columns=empty_cols,
                attrs=attrs)


def _frames_from_times(times, fps, decimals, table, source):
    """1-based video frames of the rows from their times, or the row order when the times are too coarse."""
    frame = np.floor(times * fps + 0.5 + 1e-9).astype(np.int64) + 1
    if (np.diff(frame) > 0).all():
        return frame, "time"
    resolution = 10.0 ** -decimals
    expected = times[0] + np.arange(times.size) / fps
    if (np.diff(times) >= 0).all() and np.abs(times - expected).max() <= resolution / 2 + 0.5 / fps:
        # times written too coarsely to tell frames apart (e.g. 0.1 s at 25 fps), but consistent with
        # one row per frame: number the rows
        return frame[0] + np.arange(times.size), "row"
    i = int(np.flatnonzero(np.diff(frame) <= 0)[0])
    raise ValueError(
        f"{source}: lines {table.lines[i]} and {table.lines[i + 1]} fall on the same or an earlier video frame "
        f"({frame[i]} then {frame[i + 1]}) at {fps:g} frames per second; the times must increase by about "
        "one frame per row (check fps=)"
    )


_FACET_MEASURE = [
    (re.compile(r"^FaceRect (X|Y|Width|Height)$"), lambda m: f"face_rect_{m.group(1).lower()}"),
    (re.compile(r"^AU(\d+) Evidence$"), lambda m: f"AU{int(m.group(1)):02d}_evidence"),
    (re.compile(r"^(.+) (Evidence|Intensity|Probability)$"), lambda m: f"{_snake(m.group(1))}_{m.group(2).lower()}"),
    (re.compile(r"^(Yaw|Pitch|Roll) Degrees$"), lambda m: f"{m.group(1).lower()}_degrees"),
    (re.compile(r"^(\S+) ([XY])$"), lambda m: f"{_snake(m.group(1))}_{m.group(2).lower()}"),
]


def _read_facet(text, source, fps, face_id):
    lines = text.split("\n")
    meta = {}
    k = 0
    while k < len(lines) and (lines[k].startswith("#") or _blank(lines[k], "\t")):
        m = re.match(r"^#\s*([^:]+?)\s*:\s*(.*?)[\t\s]*$", lines[k])
        if m:
            meta[m.group(1)] = m.group(2)
        k += 1
    if k == len(lines):
        raise ValueError(f"{source}: the file has metadata but no table")
    sep = "\t" if "\t" in lines[k] else ","
    table = _table(lines, k, sep, source)
    for need in ("FrameNo",):
        if need not in table.names:
            raise ValueError(f"{source}: no {need!r} column; is this an iMotions export of Emotient FACET?")
    if face_id is not None:
        raise ValueError(f"{source}: face_id applies to OpenFace and py-feat files; FACET reports one face")
    n_rows = len(table.rows)
    n_other = 0
    if "EventSource" in table.names:
        facet = np.array(["FACET" in v.upper() for v in table.column("EventSource")])
        if not facet.any():
            raise ValueError(f"{source}: no row comes from Emotient FACET (column 'EventSource'); only FACET "
                             "exports are read")
        n_other = int((~facet).sum())
        table = table.subset(facet)
    n = len(table.rows)
    comma = False
    frame_no = _floats("FrameNo", table.column("FrameNo"), table, source)
    if "NoOfFaces" in table.names:
        faces = _floats("NoOfFaces", table.column("NoOfFaces"), table, source)
        valid = np.nan_to_num(faces, nan=0) >= 1
    else:
        faces = None
        valid = None
    if "Timestamp" in table.names:
        timestamp = _floats("Timestamp", table.column("Timestamp"), table, source) / 1000
    elif "FrameTime" in table.names:
        timestamp = _floats("FrameTime", table.column("FrameTime"), table, source) / 1000
    else:
        timestamp = np.full(n, np.nan)
    frame_time = (_floats("FrameTime", table.column("FrameTime"), table, source)
                  if "FrameTime" in table.names else None)

    measures, other = [], []
    for name in table.names:
        new = None
        for rx, make in _FACET_MEASURE:
            m = rx.match(name)
            if m:
                new = make(m)
                break
        if new is None:
            if name not in ("FrameNo", "NoOfFaces", "Timestamp", "FrameTime", "StimulusName"):
                other.append(name)
            continue
        measures.append((new, _floats(name, table.column(name), table, source, comma=comma)))
    if valid is None:  # no NoOfFaces column: a frame is valid when FACET wrote its values
        valid = np.isfinite(np.column_stack([v for _, v in measures])).all(axis=1) if measures else \
            np.ones(n, dtype=bool)

    ok = np.isfinite(frame_no)
    increasing = ok.all() and (frame_no >= 0).all() and (np.diff(frame_no) > 0).all()
    ident = []
    if increasing:
        frame = frame_no.astype(np.int64) + 1
        numbering = "FrameNo + 1"
    else:
        frame = np.arange(1, n + 1)
        numbering = "sample order"
        ident.append(("frame_no", frame_no))
    if "StimulusName" in table.names:
        ident.append(("stimulus", np.array(table.column("StimulusName"), dtype=object)))
    if faces is not None:
        ident.append(("no_of_faces", faces))
    file_fps = _facet_fps(frame_no, frame_time, timestamp)
    fps, fps_source = _resolve_fps(fps, file_fps, "FrameTime over FrameNo" if frame_time is not None
                                   else "the timestamps", source)
    attrs = {"imotions_version": meta.get("Version", ""), "study": meta.get("Study", ""),
             "n_other_rows": n_other, "n_rows_in_file": n_rows, "frame_numbering": numbering}
    return dict(frame=frame, timestamp=timestamp, valid=valid, measures=measures, ident=ident, table=table,
                fps=fps, fps_source=fps_source, text_columns=other, empty_columns=[], attrs=attrs)


def _facet_fps(frame_no, frame_time, timestamp) -> float:
    """Frames per second from FrameTime (ms) over FrameNo within runs of increasing frame numbers."""
    if frame_time is not None:
        ok = np.isfinite(frame_no) & np.isfinite(frame_time) & (frame_no >= 0)
        f, t = frame_no[ok], frame_time[ok]
        step = np.diff(f)
        run = step > 0
        dt = np.diff(t)[run].sum()
        df = step[run].sum()
        if df > 0 and dt > 0:
            return float(1000 * df / dt)
    d = np.diff(timestamp[np.isfinite(timestamp)])
    d = d[d > 0]
    return float(1 / np.median(d)) if d.size else float("nan")


def _read_pyfeat(text, source, fps, face_id):
    lines = text.split("\n")
    k = next(i for i, ln in enumerate(lines) if not _blank(ln, ","))
    table = _table(lines, k, ",", source)
    index_dropped = _drop_index(table, source)
    if "frame" not in table.names:
        raise ValueError(f"{source}: no 'frame' column; is this py-feat's detector output?")
    if face_id not in (None, "largest"):
        raise ValueError(f"{source}: py-feat files carry no face identity; face_id must be None or 'largest' "
                         f"(the largest face box of each frame), got {face_id!r}")
    raw_frame = _floats("frame", table.column("frame"), table, source)
    if not np.isfinite(raw_frame).all() or (raw_frame != np.round(raw_frame)).any():
        i = int(np.flatnonzero(~np.isfinite(raw_frame) | (raw_frame != np.round(raw_frame)))[0])
        raise ValueError(f"{source}: column 'frame' must hold whole frame numbers, got "
                         f"{table.column('frame')[i]!r} at line {table.lines[i]}")
    frame0 = raw_frame.astype(np.int64)
    if (frame0 < 0).any():
        i = int(np.flatnonzero(frame0 < 0)[0])
        raise ValueError(f"{source}: column 'frame' holds a negative frame number at line {table.lines[i]}")
    score = (_floats("FaceScore", table.column("FaceScore"), table, source)
             if "FaceScore" in table.names else np.ones(frame0.size))
    face = np.isfinite(score)
    counts = pd.Series(frame0).value_counts()
    several = counts[counts > 1]
    if several.size:
        if face_id is None:
            shown = ", ".join(str(f) for f in sorted(several.index.tolist())[:5])
            raise ValueError(
                f"{source}: {several.size} frame(s) hold several faces (py-feat frames {shown}"
                f"{', ...' if several.size > 5 else ''}); py-feat does not track identities: choose "
                "face_id='largest' for the largest face box of each frame")
        if not {"FaceRectWidth", "FaceRectHeight"} <= set(table.names):
            raise ValueError(f"{source}: face_id='largest' needs the FaceRectWidth and FaceRectHeight columns")
        w = _floats("FaceRectWidth", table.column("FaceRectWidth"), table, source)
        h = _floats("FaceRectHeight", table.column("FaceRectHeight"), table, source)
        area = np.where(face, np.nan_to_num(w * h, nan=-1.0), -np.inf)
        order = np.lexsort((-area, frame0))  # per frame, the largest first
        first = np.ones(order.size, dtype=bool)
        first[1:] = frame0[order][1:] != frame0[order][:-1]
        keep = np.zeros(frame0.size, dtype=bool)
        keep[order[first]] = True
        n_dropped = int((~keep).sum())
        table = table.subset(keep)
        frame0, score, face = frame0[keep], score[keep], face[keep]
    else:
        n_dropped = 0
    names = {"FaceRectX": "face_rect_x", "FaceRectY": "face_rect_y", "FaceRectWidth": "face_rect_width",
             "FaceRectHeight": "face_rect_height", "FaceScore": "face_score"}
    measures, text_cols, empty_cols = _plain_measures(
        table, ("frame", "approx_time"), source,
        lambda name: names.get(name) or (name if re.match(r"^(AU\d+|[xyz]_\d+)$", name) else _snake(name)))
    timestamp = _pyfeat_time(table.column("approx_time"), table, source) if "approx_time" in table.names else None
    fps, fps_source = _resolve_fps(fps, np.nan, "", source)
    frame = frame0 + 1
    if timestamp is None:
        timestamp = (frame - 1) / fps if np.isfinite(fps) else np.full(frame.size, np.nan)
    attrs = {"frame_numbering": "py-feat frame + 1", "n_other_faces": n_dropped,
             "index_column_dropped": index_dropped}
    return dict(frame=frame, timestamp=timestamp, valid=face, measures=measures, ident=[], table=table,
                fps=fps, fps_source=fps_source, text_columns=text_cols, empty_columns=empty_cols, attrs=attrs)


def _plain_measures(table, skip, source, rename):
    """``(measures, text_columns, empty_columns)`` of a plain numeric export: every
    column not in ``skip`` that is all empty, holds text, or becomes the measure
    ``(rename(name), values)``."""
    measures, text_cols, empty_cols = [], [], []
    for name in table.names:
        if name in skip:
            continue
        values = table.column(name)
        if all(v == "" for v in values):
            empty_cols.append(name)
        elif not _numeric(values):
            text_cols.append(name)
        else:
            measures.append((rename(name), _floats(name, values, table, source)))
    return measures, text_cols, empty_cols


def _pyfeat_time(values, table, source) -> np.ndarray:
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if v:
            try:
                out[i] = _clock(v)[0]
            except ValueError:
                raise ValueError(f"{source}: column 'approx_time' holds {v!r} at line {table.lines[i]}, not a "
                                 "time") from None
    return out


_TIMECODE = re.compile(r"^(\d+):(\d+):(\d+)[:;.](\d+)(?:\.(\d+))?$")


def _read_arkit(text, source, fps, face_id):
    lines = text.split("\n")
    k = next(i for i, ln in enumerate(lines) if not _blank(ln, ","))
    table = _table(lines, k, ",", source)
    index_dropped = _drop_index(table, source)
    lower = {nm.lower(): nm for nm in table.names}
    if "timecode" not in lower:
        raise ValueError(f"{source}: no 'Timecode' column; is this a Live Link Face CSV?")
    if face_id is not None:
        raise ValueError(f"{source}: face_id applies to OpenFace and py-feat files; ARKit tracks one face")
    code = table.column(lower["timecode"])
    parsed = np.empty((len(code), 5))
    for i, v in enumerate(code):
        m = _TIMECODE.match(v)
        if not m:
            raise ValueError(f"{source}: column 'Timecode' holds {v!r} at line {table.lines[i]}, not a timecode "
                             "HH:MM:SS:FF.fff")
        parsed[i, :4] = [int(m.group(j)) for j in range(1, 5)]
        parsed[i, 4] = float("0." + m.group(5)) if m.group(5) else 0.0
    fps, fps_source = _resolve_fps(fps, _timecode_rate(parsed), "the timecode's frame count", source)
    if not np.isfinite(fps):
        fps, fps_source = _LIVE_LINK_FPS, "Live Link Face's default (60 fps)"
    bad = np.flatnonzero(parsed[:, 3] >= fps)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{source}: the timecode {code[i]!r} at line {table.lines[i]} counts frame "
                         f"{int(parsed[i, 3])}, which a {fps:g}-fps timecode does not have; pass the take's "
                         "frame rate with fps=")
    h, mi, s, ff, sub = parsed.T
    t = h * 3600 + mi * 60 + s + (ff + sub) / fps
    t = t + 86400 * np.concatenate([[0], np.cumsum(np.diff(t) < -43200)])  # a take across midnight
    timestamp = t - t[0]
    frame = np.floor(timestamp * fps + 0.5 + 1e-9).astype(np.int64) + 1
    back = np.flatnonzero(np.diff(frame) <= 0)
    if back.size:
        i = int(back[0])
        raise ValueError(f"{source}: the timecodes of lines {table.lines[i]} and {table.lines[i + 1]} fall on "
                         f"the same or an earlier frame at {fps:g} fps ({code[i]}, {code[i + 1]}); pass the "
                         "take's frame rate with fps=")
    count_name = lower.get("blendshapecount")
    measures, text_cols, empty_cols = _plain_measures(table, (lower["timecode"], count_name), source, _snake)
    values = np.column_stack([v for _, v in measures]) if measures else np.zeros((frame.size, 0))
    valid = ~np.isnan(values).all(axis=1) if measures else np.ones(frame.size, dtype=bool)
    counts = _floats(count_name, table.column(count_name), table, source) if count_name else np.array([])
    attrs = {"frame_numbering": "timecode", "index_column_dropped": index_dropped,
             "blendshape_count": int(np.nanmax(counts)) if counts.size and np.isfinite(counts).any() else -1}
    return dict(frame=frame, timestamp=timestamp, valid=valid, measures=measures, ident=[], table=table,
                fps=fps, fps_source=fps_source, text_columns=text_cols, empty_columns=empty_cols, attrs=attrs)


_TIMECODE_RATES = (24.0, 25.0, 30.0, 48.0, 50.0, 60.0)


def _timecode_rate(parsed: np.ndarray) -> float:
    """The timecode's frame rate from its frame counts: the smallest standard rate above the largest
    frame count, when the take holds at least one whole second; NaN for shorter takes."""
    seconds = parsed[:, 0] * 3600 + parsed[:, 1] * 60 + parsed[:, 2]
    if np.unique(seconds).size < 3:
        return float("nan")
    top = parsed[:, 3].max() + 1
    return next((r for r in _TIMECODE_RATES if r >= top), float("nan"))


# --------------------------------------------------------------------------- assembly


def _resolve_fps(fps, file_fps, where, source):
    if fps is not None:
        fps = check_positive("fps", fps)
        if np.isfinite(file_fps) and abs(file_fps / fps - 1) > 0.05:
            warnings.warn(f"{source}: {where} gives {file_fps:.4g} frames per second but fps={fps:g}; "
                          f"fps={fps:g} is used", UserWarning, stacklevel=4)
        return fps, "argument"
    if np.isfinite(file_fps):
        return float(file_fps), where
    return float("nan"), "unknown"


def _assemble(fmt, source, parts) -> pd.DataFrame:
    """The frames table: sorted by frame, duplicates refused, measures missing on invalid frames."""
    frame = np.asarray(parts["frame"], dtype=np.int64)
    table = parts["table"]
    if (frame < 1).any():
        i = int(np.flatnonzero(frame < 1)[0])
        raise ValueError(f"{source}: line {table.lines[i]} gives frame {frame[i]}; frames are numbered from 1")
    order = np.argsort(frame, kind="stable")
    frame = frame[order]
    lines = table.lines[order]
    dup = np.flatnonzero(np.diff(frame) == 0)
    if dup.size:
        i = int(dup[0])
        raise ValueError(f"{source}: lines {lines[i]} and {lines[i + 1]} are both frame {frame[i]} "
                         f"({dup.size} repeated frame(s))")
    valid = np.asarray(parts["valid"], dtype=bool)[order]
    names = [nm for nm, _ in parts["measures"]]
    seen: set[str] = set()
    clash = [nm for nm in names if nm in seen or seen.add(nm)]
    clash += [nm for nm in names if nm in IDENTITY_COLUMNS or nm in {k for k, _ in parts["ident"]}]
    if clash:
        raise ValueError(f"{source}: two of the file's columns map to the same name {clash[0]!r}")
    m = (np.column_stack([v for _, v in parts["measures"]])[order] if names
         else np.zeros((frame.size, 0)))
    hit = first_nonfinite(m, valid)
    if hit is not None:
        i, j = hit
        raise ValueError(f"{source}: column {names[j]!r} has a missing value at line {lines[i]} (frame "
                         f"{frame[i]}), a frame the tracker did not mark as failed; the file may be damaged")
    m[~valid] = np.nan
    ts = np.asarray(parts["timestamp"], dtype=float)[order]
    back = np.diff(ts) < 0
    n_back = int(back.sum())
    if n_back:
        i = int(np.flatnonzero(back)[0])
        warnings.warn(f"{source}: the timestamps run backwards at {n_back} place(s), first from line {lines[i]} "
                      f"({ts[i]:g} s) to line {lines[i + 1]} ({ts[i + 1]:g} s); they are reported, not used "
                      "(see attrs['n_timestamps_backwards'])", UserWarning, stacklevel=3)
    cols = {"frame": frame}
    for nm, v in parts["ident"]:
        v = np.asarray(v)[order]
        cols[nm] = pd.array(v.tolist(), dtype="str") if v.dtype == object else v
    cols["timestamp"] = ts
    cols["valid"] = valid
    out = pd.concat([pd.DataFrame(cols), pd.DataFrame(m, columns=names, copy=False)], axis=1)
    out.attrs.update({
        "format": fmt, "source": source, "fps": float(parts["fps"]), "fps_source": parts["fps_source"],
        "n_frames": int(frame.size), "n_valid": int(valid.sum()), "n_invalid": int((~valid).sum()),
        "index_column_dropped": False,
        "truncated_line": -1 if table.truncated_line is None else int(table.truncated_line),
        "n_timestamps_backwards": n_back,
        "text_columns": "; ".join(parts["text_columns"]),
        "empty_columns": "; ".join(parts["empty_columns"]),
        **parts["attrs"],
    })
    return out


_READERS = {"facereader": _read_facereader, "facet": _read_facet, "pyfeat": _read_pyfeat, "arkit": _read_arkit}


def read_frames(path_or_buffer, format="auto", *, fps=None, face_id=None, confidence=None) -> pd.DataFrame:
    """Read a face tracker's export (OpenFace, FaceReader, FACET, py-feat, ARKit) into a frames table.

    The format is recognised from the file's content, not its name. Every
    frame is kept; frames the tracker could not track are marked
    ``valid = False`` and their measures set missing; nothing is dropped
    silently (what is left out is counted or listed in ``attrs``).

    Parameters
    ----------
    path_or_buffer : str, os.PathLike or file-like
        The export. It is read, never modified.
    format : {"auto", "openface", "facereader", "facet", "pyfeat", "arkit"}, default "auto"
        ``"auto"`` recognises the format from the content (see Notes).
    fps : float, optional
        Frame rate. By default it comes from the file where the file states
        or implies it (FaceReader's ``Frame rate`` line; FACET's ``FrameTime``
        per ``FrameNo``; the ARKit timecode's frame count, else Live Link
        Face's 60 fps), and unknown
        (NaN) for OpenFace and py-feat, whose files do not carry it. Given,
        it is used, with a warning when the file disagrees by more than 5%.
        Recorded in ``attrs["fps"]`` (and how in ``attrs["fps_source"]``),
        where :func:`bitbox_stats.expressivity` and
        :func:`bitbox_stats.diversity` find it.
    face_id : optional
        OpenFace: as in :func:`bitbox_stats.read_openface` (a face's number,
        ``"most_frames"`` or ``"all"``). py-feat: ``"largest"`` keeps the
        largest face box of each frame (py-feat does not track identities);
        by default a frame with several faces is an error. Other formats
        hold one face.
    confidence : float, optional
        OpenFace only: the confidence threshold (default 0.75).

    Returns
    -------
    pandas.DataFrame
        One row per frame, sorted by ``frame``:

        - ``frame`` (int): 1-based frame number (see Notes for each format).
        - identity columns of some formats (OpenFace: ``face_id``,
          ``confidence``, ``success``; FACET: ``stimulus`` (str),
          ``no_of_faces``, and ``frame_no`` when frames are numbered by
          sample order).
        - ``timestamp`` (s): as the tracker wrote it; reported, not used.
        - ``valid`` (bool): the tracker tracked the face in this frame.
        - the measures, float, missing on invalid frames: OpenFace's columns
          as :func:`~bitbox_stats.read_openface` returns them; FaceReader's
          emotions, ``valence``, ``arousal``, ``head_orientation_x/_y/_z``
          (degrees), states (``mouth_open``, ``left_eye_open``,
          ``right_eye_open`` 1/0; ``left_eyebrow``, ``right_eyebrow``
          raised 1, neutral 0, lowered -1) and action units ``AUxx_r``
          (intensity 0 = NotActive, 1-5 = FACS A-E; ``AUxx_r_left``,
          ``AUxx_r_right`` for one side); FACET's ``AUxx_evidence`` and
          ``<emotion>_evidence``/``_intensity`` (log-odds evidence, not
          intensities), ``face_rect_*``, ``yaw/pitch/roll_degrees``,
          landmark ``*_x, *_y``; py-feat's ``face_rect_*``, ``face_score``,
          landmarks ``x_i, y_i``, ``AUxx`` (py-feat's AU outputs, named as
          py-feat names them: detector probabilities, not FACS intensities),
          ``pitch, roll, yaw``, emotions; ARKit's 52 blendshapes (0-1) and
          ``head_yaw`` ... ``right_eye_roll`` in snake_case
          (``EyeBlinkLeft`` -> ``eye_blink_left``).

        ``attrs``: ``format``, ``source``, ``fps``, ``fps_source``,
        ``n_frames``, ``n_valid``, ``n_invalid``, ``truncated_line`` (-1
        when none), ``n_timestamps_backwards``, ``index_column_dropped``,
        ``text_columns`` and ``empty_columns`` (the file's columns left out
        because they hold words or nothing, ``"; "``-separated), and per
        format: FaceReader ``face_model, calibration, start_time,
        video_file, n_fit_failed, n_find_failed, frame_numbering,
        decimal_comma``; FACET ``imotions_version, study, n_rows_in_file,
        n_other_rows`` (rows of other sensors, e.g. an eye tracker, left
        out), ``frame_numbering``; py-feat ``n_other_faces`` (faces left out
        by ``face_id="largest"``); ARKit ``blendshape_count``; OpenFace
        those of :func:`~bitbox_stats.read_openface`.

    Raises
    ------
    ValueError
        A file not in a known format; an empty file; a line with the wrong
        number of fields (except a truncated last line); a value that is not
        a number where the format has numbers (the message names the file,
        the column and the line); a missing value on a valid frame;
        repeated frames; several faces without ``face_id``.

    Warns
    -----
    UserWarning
        A truncated last line (left out, ``attrs["truncated_line"]``);
        timestamps that run backwards; an ``fps`` that disagrees with the
        file.

    Notes
    -----
    Recognition and the quirks each reader handles:

    - ``openface``: a header with ``frame, timestamp, confidence, success``
      (read by :func:`~bitbox_stats.read_openface`: leading spaces in names,
      2.0 and 2.2 layouts, several faces, a pandas index column, a truncated
      last line, CR-only line ends).
    - ``facereader``: a ``Video analysis detailed log`` or a ``Video Time``
      header. Metadata lines before the header (``Face Model``,
      ``Calibration``, ``Start time``, ``Filename``, ``Frame rate``, with or
      without colons, on one line or several); tab-separated; CR-only, CR LF
      or LF line ends; UTF-8, UTF-16 or Windows-1252 text; decimal commas;
      ``FIT_FAILED``/``FIND_FAILED`` rows are tracking failures (counted;
      such a row may stop after the failure word);
      ``NotActive``/A-E action units; ``Video Time`` as ``mm:ss.s`` or
      ``hh:mm:ss.fff``. The frame of a row is
      :math:`\\lfloor t f + 1/2 \\rfloor + 1` for time :math:`t` and frame
      rate :math:`f` (frames FaceReader skipped become gaps); when the times
      are written too coarsely to tell frames apart but agree with one row
      per frame, the rows are numbered from the first one's frame
      (``attrs["frame_numbering"]`` says which).
    - ``facet``: an iMotions export with ``FrameNo`` and ``AUn Evidence``
      columns: ``#`` metadata lines and blank lines before a tab-separated
      header; rows of other sensors interleaved by iMotions (``EventSource``
      other than Emotient FACET, e.g. an eye tracker repeating the last
      FACET values) are left out and counted; ``NoOfFaces`` below 1 marks
      a frame without a face; frames are ``FrameNo + 1`` when FrameNo
      increases, otherwise (several stimuli, each restarting FrameNo, and
      ``-1`` before the video starts) the samples are numbered in order and
      ``frame_no`` and ``stimulus`` are kept; ``Timestamp`` in ms becomes
      seconds; the frame rate is FrameTime's slope over FrameNo.
    - ``pyfeat``: a CSV with ``FaceRectX`` and ``FaceScore``: py-feat's
      0-based ``frame`` becomes 1-based; a frame without a face (empty
      ``FaceScore``) is invalid; a pandas index column (``to_csv`` without
      ``index=False``) is dropped; text columns (``input``) are listed.
    - ``arkit``: a Live Link Face CSV with ``Timecode`` and
      ``BlendShapeCount`` (or ``BlendshapeCount``): the timecode
      ``HH:MM:SS:FF.fff`` gives the time
      :math:`3600h + 60m + s + (F + \\text{sub}) / f` with the frame
      :math:`F` and its fraction counted at the take's frame rate :math:`f`
      (the smallest of 24, 25, 30, 48, 50, 60 above the largest frame count
      when the take spans a whole second, else Live Link Face's 60; a frame
      count at or above ``fps`` is an error that asks for the take's rate);
      frames are counted from the first row (dropped samples become gaps);
      a take across midnight is handled; PascalCase or camelCase
      blendshape names.

    Examples
    --------
    A FaceReader log as FaceReader writes it (CR line ends, a failed frame):

    >>> text = ("Video analysis detailed log\\r\\rFace Model:\\tGeneral\\rCalibration:\\tNone\\r"
    ...         "Start time:\\t1-3-2021 10:00:00\\rFilename:\\tP01.avi\\rFrame rate:\\t25\\r\\r"
    ...         "Video Time\\tNeutral\\tHappy\\tValence\\tMouth\\tAction Unit 12 - Lip Corner Puller\\r"
    ...         "00:00:00.000\\t0.9\\t0.1\\t0.1\\tClosed\\tNotActive\\r"
    ...         "00:00:00.040\\tFIT_FAILED\\tFIT_FAILED\\tFIT_FAILED\\tFIT_FAILED\\tFIT_FAILED\\r"
    ...         "00:00:00.080\\t0.2\\t0.8\\t0.7\\tOpen\\tC\\r")
    >>> frames = read_frames(io.BytesIO(text.encode()))
    >>> frames
       frame  timestamp  valid  neutral  happy  valence  mouth_open  AU12_r
    0      1       0.00   True      0.9    0.1      0.1         0.0     0.0
    1      2       0.04  False      NaN    NaN      NaN         NaN     NaN
    2      3       0.08   True      0.2    0.8      0.7         1.0     3.0
    >>> frames.attrs["format"], frames.attrs["fps"], frames.attrs["n_fit_failed"]
    ('facereader', 25.0, 1)
    """
    fmt = check_choice("format", format, ("auto",) + FORMATS)
    if fps is not None:
        fps = check_positive("fps", fps)
    data, source = _load(path_or_buffer)
    if fmt == "auto":
        head, _ = _text(data[:65536], source) if len(data) > 65536 else _text(data, source)
        fmt = _detect(head, source)
    if fmt == "openface":
        return _openface(data, source, fps, face_id, confidence)
    if confidence is not None:
        raise ValueError(f"confidence applies to OpenFace files only; {source} is a {fmt} export")
    if face_id is not None and face_id != "largest":
        check_face_id(face_id)
    text, encoding = _text(data, source)
    parts = _READERS[fmt](text, source, fps, face_id)
    out = _assemble(fmt, source, parts)
    out.attrs["encoding"] = encoding
    return out


def _openface(data, source, fps, face_id, confidence):
    if face_id == "largest":
        raise ValueError(f"face_id='largest' applies to py-feat files; for OpenFace use a face's number, "
                         f"{' or '.join(map(repr, FACE_CHOICES))}")
    buf = io.BytesIO(data)
    buf.name = source
    out = read_openface(buf, confidence=0.75 if confidence is None else confidence, face_id=face_id, fps=fps)
    out.attrs["fps_source"] = "argument" if fps is not None else "unknown"
    return out
