"""Cutting task videos into fixed clips: the study's segment tables and ``segment_clips``.

In the expressiveness study (Lin, Girard & Morency, 2020) every task video was cut into 3-second clips
at fixed places (the paper's appendix, "Video Segmentation"); a negative time
counts from the end of the video, and clips do not share frames.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import check_columns, check_dataframe, check_int, check_positive, is_numeric_dtype

__all__ = ["Clips", "segment_clips", "segment_table"]

#: The paper's appendix, seconds; a negative start counts from the end of the video.
PAPER_SEGMENTS: dict[str, list[tuple[float, float]]] = {
    "sadness": [(0, 3), (3, 6), (30, 33), (33, 36), (-12, -9), (-9, -6), (-6, -3), (-3, 0)],
    "startle": [(3, 6), (6, 9), (9, 12), (12, 15), (15, 18)],
    "fear": [(0, 3), (3, 6), (6, 9), (9, 12), (12, 15), (15, 18), (18, 21)],
    "pain": [(0, 3), (3, 6), (6, 9), (-12, -9), (-9, -6), (-6, -3), (-3, 0)],
    "disgust": [(3, 6), (6, 9), (9, 12), (12, 15)],
}

_TABLE_COLUMNS = ["task", "clip", "start_s", "end_s", "from_end", "duration_s"]


def _table_from_pairs(task, pairs) -> pd.DataFrame:
    if isinstance(pairs, str | bytes) or not isinstance(pairs, Sequence | np.ndarray):
        raise TypeError(f"segments for task {task!r} must be a sequence of (start_s, end_s) pairs, "
                        f"got {type(pairs).__name__}")
    rows = []
    for k, pair in enumerate(pairs, start=1):
        if isinstance(pair, str | bytes) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(f"segments for task {task!r}: item {k} must be a (start_s, end_s) pair, "
                             f"got {pair!r}")
        rows.append({"task": task, "clip": k, "start_s": pair[0], "end_s": pair[1]})
    if not rows:
        raise ValueError(f"segments for task {task!r} is empty")
    return pd.DataFrame(rows)


def _normalise(table: pd.DataFrame) -> pd.DataFrame:
    """Validate a (task, clip, start_s, end_s) table and add from_end and duration_s."""
    for c in ("start_s", "end_s"):
        v = table[c]
        if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in v.tolist()):
            raise TypeError(f"segments column {c!r} must hold numbers (seconds)")
    start = table["start_s"].to_numpy(dtype=float)
    end = table["end_s"].to_numpy(dtype=float)
    clip = table["clip"].to_numpy()
    task = table["task"].astype(str).to_numpy()
    for i in range(len(table)):
        where = f"segments: task {task[i]!r} clip {clip[i]!r} [{start[i]:g}, {end[i]:g}]"
        if not (np.isfinite(start[i]) and np.isfinite(end[i])):
            raise ValueError(f"{where}: start_s and end_s must be finite")
        if not start[i] < end[i]:
            raise ValueError(f"{where}: start_s must be < end_s")
        if start[i] < 0 and end[i] > 0:
            raise ValueError(
                f"{where}: a clip counted from the end (negative start_s) must end at or before "
                "the end of the video (end_s <= 0)"
            )
    from_end = start < 0
    out = pd.DataFrame({
        "task": pd.array(task, dtype="str"),
        "clip": clip,
        "start_s": start,
        "end_s": end,
        "from_end": from_end,
        "duration_s": end - start,
    })
    for t, grp in out.groupby("task", sort=False):
        ids = grp["clip"].tolist()
        if not all(isinstance(c, numbers.Integral) and not isinstance(c, bool) and c >= 1 for c in ids):
            raise ValueError(f"segments: clip numbers of task {t!r} must be integers >= 1, got {ids}")
        if len(set(ids)) != len(ids):
            raise ValueError(f"segments: task {t!r} repeats a clip number: {ids}")
        for side, part in grp.groupby("from_end"):
            part = part.sort_values("start_s")
            s, e = part["start_s"].to_numpy(), part["end_s"].to_numpy()
            over = np.flatnonzero(s[1:] < e[:-1])
            if over.size:
                i = over[0]
                raise ValueError(
                    f"segments: task {t!r} clips overlap: [{s[i]:g}, {e[i]:g}] and "
                    f"[{s[i + 1]:g}, {e[i + 1]:g}] s" + (" (from the end)" if side else "")
                )
    out["clip"] = out["clip"].astype(np.int64)
    return out.reset_index(drop=True)


def _resolve_segments(segments, task) -> pd.DataFrame:
    """Turn ``segments`` (None, DataFrame, mapping or pairs) into a validated table for ``task``."""
    if segments is None:
        table = segment_table(None)
    elif isinstance(segments, pd.DataFrame):
        check_dataframe("segments", segments)
        check_columns("segments", segments, ["start_s", "end_s"])
        table = segments.copy()
        if "clip" not in table.columns:
            if "task" in table.columns:
                table["clip"] = table.groupby("task", sort=False).cumcount() + 1
            else:
                table["clip"] = np.arange(1, len(table) + 1)
        if "task" not in table.columns:
            table["task"] = "" if task is None else task
        if "from_end" in table.columns:
            given = table["from_end"].to_numpy(dtype=bool)
            if (given != (table["start_s"].to_numpy(dtype=float) < 0)).any():
                raise ValueError(
                    "segments: from_end must be True exactly where start_s is negative "
                    "(a negative time counts from the end of the video)"
                )
        table = _normalise(table[["task", "clip", "start_s", "end_s"]])
    elif isinstance(segments, Mapping):
        if not segments:
            raise ValueError("segments is an empty mapping")
        table = _normalise(pd.concat([_table_from_pairs(str(t), p) for t, p in segments.items()],
                                     ignore_index=True))
    else:
        table = _normalise(_table_from_pairs("" if task is None else task, segments))
    if task is None:
        tasks = table["task"].unique().tolist()
        if len(tasks) > 1:
            raise ValueError(f"the segment table holds several tasks ({', '.join(map(repr, tasks))}); "
                             "choose one with task=")
        return table
    if not isinstance(task, str):
        raise TypeError(f"task must be a string, got {type(task).__name__}")
    sub = table[table["task"] == task]
    if sub.empty:
        known = ", ".join(repr(t) for t in table["task"].unique().tolist())
        raise ValueError(f"task {task!r} is not in the segment table (tasks: {known})")
    return sub.reset_index(drop=True)


def segment_table(task=None) -> pd.DataFrame:
    """The study's clip segments per task (the paper's appendix, "Video Segmentation").

    Parameters
    ----------
    task : str or list of str, optional
        ``"sadness"``, ``"startle"``, ``"fear"``, ``"pain"``, ``"disgust"``;
        all five by default.

    Returns
    -------
    pandas.DataFrame
        One row per clip:

        - ``task`` (str).
        - ``clip`` (int): 1-based clip number within the task, in the
          paper's order.
        - ``start_s``, ``end_s`` (s): the clip's bounds as the paper writes
          them; for clips counted from the end they are negative or zero
          (``[-3, 0]`` is the paper's ``[-03, -00]``, the last 3 seconds).
        - ``from_end`` (bool): ``start_s < 0``, both bounds count from the
          end of the video.
        - ``duration_s`` (s): ``end_s - start_s``; 3 for every clip of the paper.

    Notes
    -----
    The startle clips span seconds 3-18, the disgust clips seconds 3-15, the
    pain clips the first 9 and the last 12 seconds [1]_. Sadness and fear
    were segmented too but dropped from the study for poor rater reliability.

    References
    ----------
    .. [1] Lin, V., Girard, J. M., & Morency, L.-P. (2020). Context-dependent
       models for predicting and characterizing facial expressiveness.
       *Proceedings of the 3rd Workshop on Affective Content Analysis*, AAAI.
       Appendix, "Video Segmentation".

    Examples
    --------
    >>> segment_table("pain")
       task  clip  start_s  end_s  from_end  duration_s
    0  pain     1      0.0    3.0     False         3.0
    1  pain     2      3.0    6.0     False         3.0
    2  pain     3      6.0    9.0     False         3.0
    3  pain     4    -12.0   -9.0      True         3.0
    4  pain     5     -9.0   -6.0      True         3.0
    5  pain     6     -6.0   -3.0      True         3.0
    6  pain     7     -3.0    0.0      True         3.0
    >>> segment_table().groupby("task", sort=False).size().to_dict()
    {'sadness': 8, 'startle': 5, 'fear': 7, 'pain': 7, 'disgust': 4}
    """
    if task is None:
        tasks = list(PAPER_SEGMENTS)
    elif isinstance(task, str):
        tasks = [task]
    elif isinstance(task, Sequence):
        tasks = list(task)
    else:
        raise TypeError(f"task must be a string, a list of strings or None, got {type(task).__name__}")
    unknown = [t for t in tasks if t not in PAPER_SEGMENTS]
    if unknown:
        raise ValueError(f"task {unknown[0]!r} is not in the paper's segment table "
                         f"(tasks: {', '.join(map(repr, PAPER_SEGMENTS))})")
    table = pd.concat([_table_from_pairs(t, PAPER_SEGMENTS[t]) for t in tasks], ignore_index=True)
    return _normalise(table)


def _round_half_up(x: np.ndarray) -> np.ndarray:
    # a small tolerance so that e.g. 0.1 * 30 = 3.0000000000000004 rounds like 3
    return np.floor(np.asarray(x, dtype=float) + 0.5 + 1e-9).astype(np.int64)


def _clip_bounds(table: pd.DataFrame, fps: float, n_video: int) -> tuple[np.ndarray, np.ndarray]:
    """0-based ``[first, stop)`` frame indices of every clip of a normalised table."""
    first = _round_half_up(table["start_s"].to_numpy() * fps)
    stop = _round_half_up(table["end_s"].to_numpy() * fps)
    from_end = table["from_end"].to_numpy()
    first = np.where(from_end, n_video + first, first)
    stop = np.where(from_end, n_video + stop, stop)
    return first, stop


def _clip_rows(fr: np.ndarray, n_video: int, first: np.ndarray, stop: np.ndarray):
    """For each clip, its 0-based frame indices and the rows of ``fr`` holding them (-1: padded).

    ``fr``: the 1-based frame numbers present, one per row.
    """
    pos = np.full(n_video, -1, dtype=np.int64)
    pos[fr - 1] = np.arange(fr.size)
    idx_all, rows_all = [], []
    for a, b in zip(first.tolist(), stop.tolist(), strict=True):
        idx = np.arange(a, b)
        inside = (idx >= 0) & (idx < n_video)
        r = np.full(idx.size, -1, dtype=np.int64)
        r[inside] = pos[idx[inside]]
        idx_all.append(idx)
        rows_all.append(r)
    return idx_all, rows_all


def _n_shared(idx_all, n_video: int) -> list[int]:
    """Per clip, how many of its in-video frames also belong to another clip."""
    inside = [i[(i >= 0) & (i < n_video)] for i in idx_all]
    counts = np.bincount(np.concatenate(inside), minlength=n_video)
    return [int((counts[i] > 1).sum()) for i in inside]


def valid_mask(name: str, frames: pd.DataFrame) -> np.ndarray:
    """The boolean ``valid`` column (checked), or all True without one."""
    if "valid" not in frames.columns:
        return np.ones(len(frames), dtype=bool)
    if not pd.api.types.is_bool_dtype(frames["valid"].dtype):
        raise TypeError(f"{name} column 'valid' must be boolean, got dtype {frames['valid'].dtype}")
    return frames["valid"].to_numpy(dtype=bool)


def _frame_numbers(frames: pd.DataFrame, n_video_frames) -> tuple[np.ndarray, int]:
    """Checked 1-based frame numbers (int64) and the video's length in frames."""
    check_columns("frames", frames, ["frame"])
    col = frames["frame"]
    if not is_numeric_dtype(col.dtype):
        raise TypeError(f"frames column 'frame' must hold whole frame numbers, got dtype {col.dtype}")
    frf = col.to_numpy(dtype=float)
    if not np.isfinite(frf).all() or (frf != np.round(frf)).any():
        raise ValueError("frames column 'frame' must hold whole frame numbers without missing values")
    fr = frf.astype(np.int64)
    if fr.min() < 1:
        raise ValueError(f"frames column 'frame' must be 1-based (OpenFace's numbering), got frame {fr.min()}")
    if np.unique(fr).size != fr.size:
        raise ValueError("frames column 'frame' has duplicate frame numbers")
    if n_video_frames is None:
        return fr, int(fr.max())
    n_video = check_int("n_video_frames", n_video_frames, minimum=1)
    if n_video < fr.max():
        raise ValueError(f"n_video_frames ({n_video}) is smaller than the largest frame number "
                         f"({int(fr.max())})")
    return fr, n_video


@dataclass(frozen=True, repr=False)
class Clips:
    """Clips cut from one task video by :func:`segment_clips`.

    Attributes
    ----------
    frames : pandas.DataFrame
        One row per (clip, frame): ``clip``, ``padded`` and the video's
        columns (``frame``, ``valid``, measurements ...), clip after clip.
    clips : pandas.DataFrame
        One row per clip (see :func:`segment_clips`).
    task : str
    fps : float
    n_video_frames : int
    """

    frames: pd.DataFrame
    clips: pd.DataFrame
    task: str
    fps: float
    n_video_frames: int

    def summary(self) -> pd.DataFrame:
        """The per-clip table.

        Returns
        -------
        pandas.DataFrame
            A copy of ``clips``.
        """
        return self.clips.copy()

    def clip(self, number, face_id=None) -> pd.DataFrame:
        """The frames of one clip, in time order, with a fresh RangeIndex.

        Parameters
        ----------
        number : int
            The clip's number (1-based), one of ``clips["clip"]``.
        face_id : int, optional
            The face, when the clips were cut from several faces (then it is
            required).

        Returns
        -------
        pandas.DataFrame
            The rows of ``frames`` that belong to the clip (and face).
        """
        number = check_int("number", number)
        numbers = list(dict.fromkeys(self.clips["clip"].tolist()))
        if number not in set(numbers):
            raise ValueError(f"number must be one of the clips {numbers}, got {number}")
        rows = self.frames["clip"] == number
        if "face_id" in self.clips.columns:
            faces = list(dict.fromkeys(self.clips["face_id"].tolist()))
            if face_id is None:
                raise ValueError(f"the clips hold {len(faces)} faces ({', '.join(map(str, faces))}); "
                                 "choose one with face_id=")
            face_id = check_int("face_id", face_id)
            if face_id not in set(faces):
                raise ValueError(f"face_id must be one of {faces}, got {face_id}")
            rows &= self.frames["face_id"] == face_id
        elif face_id is not None:
            raise ValueError("face_id is given but the clips hold one face")
        return self.frames[rows].reset_index(drop=True)

    def __repr__(self) -> str:
        n = len(self.clips)
        faces = self.clips["face_id"].nunique() if "face_id" in self.clips.columns else 1
        n_clips = n // faces
        return (f"Clips(task={self.task!r}, {n_clips} clip{'s' if n_clips != 1 else ''} at {self.fps:g} fps"
                + (f" for each of {faces} faces" if faces > 1 else "")
                + f", video {self.n_video_frames} frames, {int(self.clips['n_padded'].sum())} padded frames)")


def segment_clips(frames, task=None, *, fps=25, segments=None, n_video_frames=None) -> Clips:
    """Cut a task video's frames into the study's clips, padding what is missing.

    Parameters
    ----------
    frames : pandas.DataFrame
        One row per video frame, such as a :func:`bitbox_stats.openface.read_openface`
        result: a ``frame`` column with 1-based frame numbers (OpenFace's) and,
        optionally, a boolean ``valid`` column (every frame counts as valid
        without it). Other columns are carried along. With a ``face_id``
        column holding several faces (``read_openface(..., face_id="all")``)
        each face is cut into the same clips of the same video (whose length
        is the largest frame number of any face), one face after the other.
    task : str, optional
        Which task's segments to use; needed unless ``segments`` holds a
        single task.
    fps : float, default 25
        Frame rate of the video (frames per second). The ``timestamp``
        column is not used.
    segments : DataFrame, mapping or sequence of pairs, optional
        A custom segment table: a DataFrame with ``start_s, end_s`` and
        optionally ``task, clip``; a mapping ``{task: [(start_s, end_s), ...]}``;
        or a list of ``(start_s, end_s)`` pairs. A negative ``start_s`` counts
        from the end (then ``end_s <= 0``, 0 being the end). Checked: finite
        bounds, ``start_s < end_s``, no overlap among the clips counted from
        the start nor among those counted from the end, unique clip numbers.
        Default: :func:`segment_table`, the paper's appendix.
    n_video_frames : int, optional
        The video's length in frames, the origin of clips counted from the
        end. Default: the largest ``frame`` number. Give it when tracking
        stopped before the video's last frame.

    Returns
    -------
    Clips
        ``frames``: the clips' frames stacked, one row per (clip, frame), with
        ``clip`` (int) and ``padded`` (bool) first and then the columns of
        ``frames``. A padded frame (outside the video, or a frame number
        missing from ``frames``) has its ``frame`` number, ``valid = False``,
        ``success = 0`` and the video's ``face_id`` when those columns exist,
        and missing values elsewhere (integer columns become float, as pandas
        does for missing values).

        ``clips`` (also ``summary()``): one row per clip (per face and clip
        with several faces, ``face_id`` after ``task``) with ``task``,
        ``clip``, ``start_s`` and ``end_s`` (seconds from the start of the
        video, resolved for clips counted from the end), ``first_frame`` and
        ``last_frame`` (1-based frame numbers; outside ``1 .. n_video_frames``
        where padded), ``from_end`` (bool), ``n_frames`` (clip length),
        ``n_valid`` (valid frames), ``n_padded`` (padded frames), ``n_shared``
        (frames that also belong to another clip, possible only when a video
        is too short for both its first and its last clips).

    Notes
    -----
    With :math:`N` the video's length in frames and :math:`r(x) = \\lfloor x + 1/2 \\rfloor`,
    a clip :math:`[a, b)` seconds covers the 0-based frame indices
    :math:`r(a f) \\ldots r(b f) - 1`, i.e. the 1-based OpenFace frames
    :math:`r(a f) + 1 \\ldots r(b f)`; for a clip counted from the end both
    bounds are shifted by :math:`N`: :math:`N + r(a f) \\ldots N + r(b f) - 1`.
    Adjacent clips therefore never share a frame (the last frame of a clip
    ending at 3 s is the one before the first frame of a clip starting at
    3 s), and a clip has exactly :math:`(b - a) f` frames whenever that is a
    whole number (75 at 25 fps for the paper's 3-second clips).

    A video that ends early is padded with invalid frames, as the paper
    padded missing frames with black images [1]_; a clip that starts after
    the end of the video is kept, entirely padded (its features come out
    missing, with a reason), so a batch never loses track of a clip.

    References
    ----------
    .. [1] Lin, V., Girard, J. M., & Morency, L.-P. (2020). Context-dependent
       models for predicting and characterizing facial expressiveness.
       *Proceedings of the 3rd Workshop on Affective Content Analysis*, AAAI.

    Examples
    --------
    A 10-second video at 25 fps, cut with the paper's disgust segments (3-15 s):

    >>> video = pd.DataFrame({"frame": range(1, 251), "valid": True, "au": 0.0})
    >>> cl = segment_clips(video, "disgust", fps=25)
    >>> cl
    Clips(task='disgust', 4 clips at 25 fps, video 250 frames, 125 padded frames)
    >>> cl.clips[["clip", "start_s", "end_s", "first_frame", "last_frame", "n_valid", "n_padded"]]
       clip  start_s  end_s  first_frame  last_frame  n_valid  n_padded
    0     1      3.0    6.0           76         150       75         0
    1     2      6.0    9.0          151         225       75         0
    2     3      9.0   12.0          226         300       25        50
    3     4     12.0   15.0          301         375        0        75
    """
    check_dataframe("frames", frames)
    fps = check_positive("fps", fps)
    clash = [c for c in ("clip", "padded") if c in frames.columns]
    if clash:
        raise ValueError(f"frames already has a column {clash[0]!r}; pass one video's frames, "
                         "not clips")
    if "face_id" in frames.columns and frames["face_id"].nunique(dropna=False) > 1:
        return _segment_faces(frames, task, fps, segments, n_video_frames)
    fr, n_video = _frame_numbers(frames, n_video_frames)
    valid_all = valid_mask("frames", frames)
    table = _resolve_segments(segments, task)
    if task is None:
        task = str(table["task"].iloc[0])
    first, stop = _clip_bounds(table, fps, n_video)
    short = np.flatnonzero(stop - first < 1)
    if short.size:
        k = short[0]
        raise ValueError(
            f"segments: clip {int(table['clip'].iloc[k])} [{table['start_s'].iloc[k]:g}, "
            f"{table['end_s'].iloc[k]:g}] s is shorter than one frame at fps={fps:g}"
        )

    idx_all, take = _clip_rows(fr, n_video, first, stop)
    clip_no = [np.full(i.size, c, dtype=np.int64) for i, c in zip(idx_all, table["clip"], strict=True)]
    r = np.concatenate(take)
    idx = np.concatenate(idx_all)
    padded = r < 0
    # missing rows come out of reindex as NaN (int columns become float, as pandas does)
    body = frames.reset_index(drop=True).reindex(r).reset_index(drop=True)
    if padded.any():
        if "success" in body.columns:
            body["success"] = body["success"].fillna(0).astype(frames["success"].dtype)
        if "face_id" in body.columns:
            ids = frames["face_id"].unique()
            if ids.size == 1:
                body["face_id"] = body["face_id"].fillna(ids[0]).astype(frames["face_id"].dtype)
    body["frame"] = idx + 1
    valid = np.where(padded, False, valid_all[np.where(padded, 0, r)])
    body["valid"] = valid
    out = pd.concat([pd.DataFrame({"clip": np.concatenate(clip_no), "padded": padded}), body], axis=1)

    shared = _n_shared(idx_all, n_video)
    rows = []
    offset = 0
    for k in range(len(table)):
        n = int(stop[k] - first[k])
        sl = slice(offset, offset + n)
        rows.append({
            "task": str(table["task"].iloc[k]) or task,
            "clip": int(table["clip"].iloc[k]),
            "start_s": first[k] / fps,
            "end_s": stop[k] / fps,
            "first_frame": int(first[k] + 1),
            "last_frame": int(stop[k]),
            "from_end": bool(table["from_end"].iloc[k]),
            "n_frames": n,
            "n_valid": int(valid[sl].sum()),
            "n_padded": int(padded[sl].sum()),
            "n_shared": shared[k],
        })
        offset += n
    clips = pd.DataFrame(rows)
    clips["task"] = clips["task"].astype("str")
    return Clips(frames=out, clips=clips, task=task, fps=fps, n_video_frames=n_video)


def _segment_faces(frames, task, fps, segments, n_video_frames) -> Clips:
    """:func:`segment_clips` for each face of a video; the video's length is shared by the faces."""
    if frames["face_id"].isna().any():
        raise ValueError("frames column 'face_id' has a missing value")
    faces = pd.unique(frames["face_id"])
    parts = [frames[(frames["face_id"] == f).to_numpy()] for f in faces]
    if n_video_frames is None:
        n_video_frames = max(_frame_numbers(part, None)[1] for part in parts)
    cut = [segment_clips(part, task, fps=fps, segments=segments, n_video_frames=n_video_frames)
           for part in parts]
    clips = []
    for f, c in zip(faces, cut, strict=True):
        table = c.clips.copy()
        table.insert(1, "face_id", f)
        clips.append(table)
    return Clips(frames=pd.concat([c.frames for c in cut], ignore_index=True),
                 clips=pd.concat(clips, ignore_index=True), task=cut[0].task, fps=cut[0].fps,
                 n_video_frames=cut[0].n_video_frames)
