"""Engineered clip features from OpenFace output, for one clip or a whole study.

The features are those of the expressiveness study's ElasticNet model
(Lin, Girard & Morency, 2020):
frame-to-frame displacement and velocity of the facial landmarks, the gaze
angles and the head pose (translation, pitch, yaw, roll) after downsampling
25 Hz to 5 Hz, and the number and intensity of the action units present.
:func:`clip_features` computes them for one clip; :func:`extract_features`
reads a folder of OpenFace files, cuts every video into the study's clips and
returns one row per clip, serially, over local processes or on Dask.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import sys
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ._validation import (
    check_choice,
    check_columns,
    check_dataframe,
    check_n_jobs,
    check_numeric_columns,
    check_positive,
    first_nonfinite,
)
from .clips import (
    PAPER_SEGMENTS,
    _clip_bounds,
    _clip_rows,
    _frame_numbers,
    _n_shared,
    _resolve_segments,
    segment_table,
    valid_mask,
)
from .openface import _check_read_args, _read, _valid_frames

__all__ = [
    "FEATURES",
    "FeatureExtraction",
    "clip_features",
    "extract_features",
    "feature_definitions",
    "openface_manifest",
    "video_features",
]

#: The engineered features, in the order of every feature table.
FEATURES = [
    "points_displacement", "points_velocity",
    "gaze_displacement", "gaze_velocity",
    "head_displacement", "head_velocity",
    "pitch_displacement", "pitch_velocity",
    "yaw_displacement", "yaw_velocity",
    "roll_displacement", "roll_velocity",
    "au_count", "au_intensity",
]
#: Quality columns that follow the features in :func:`clip_features`.
QUALITY = ["n_frames", "n_valid", "n_padded", "valid_fraction", "reason"]

_N_POINTS = 68
_POINT_COLUMNS = [f"x_{i}" for i in range(_N_POINTS)] + [f"y_{i}" for i in range(_N_POINTS)]
_GAZE = ["gaze_angle_x", "gaze_angle_y"]
_HEAD = ["pose_Tx", "pose_Ty", "pose_Tz"]
_ROTATION = ["pose_Rx", "pose_Ry", "pose_Rz"]
#: The per-frame columns the motion features use, in the order of the internal array.
MOTION_COLUMNS = _POINT_COLUMNS + _GAZE + _HEAD + _ROTATION
_AU_C = re.compile(r"^AU(\d+)_c$")
_AU_R = re.compile(r"^AU(\d+)_r$")

_DEFINITIONS = [
    ("points_displacement", "px",
     "mean over steps and the 68 landmarks of the Euclidean distance a 2-D landmark moves "
     "in one step of 1/target_fps s"),
    ("points_velocity", "px/s",
     "mean absolute change of the per-step landmark displacement between consecutive steps, "
     "times target_fps"),
    ("gaze_displacement", "rad", "mean Euclidean distance the gaze-angle vector moves in one step"),
    ("gaze_velocity", "rad/s", "mean absolute change of the per-step gaze displacement, times target_fps"),
    ("head_displacement", "mm",
     "mean Euclidean distance the head translates in one step (Tz carries the change of scale)"),
    ("head_velocity", "mm/s", "mean absolute change of the per-step head displacement, times target_fps"),
    ("pitch_displacement", "rad", "mean absolute change of pitch in one step"),
    ("pitch_velocity", "rad/s", "mean absolute change of the per-step pitch displacement, times target_fps"),
    ("yaw_displacement", "rad", "mean absolute change of yaw in one step"),
    ("yaw_velocity", "rad/s", "mean absolute change of the per-step yaw displacement, times target_fps"),
    ("roll_displacement", "rad", "mean absolute change of roll in one step"),
    ("roll_velocity", "rad/s", "mean absolute change of the per-step roll displacement, times target_fps"),
    ("au_count", "action units",
     "mean over valid frames (original rate) of the number of action units present (AUxx_c == 1)"),
    ("au_intensity", "intensity (0-5)",
     "mean intensity AUxx_r over the (valid frame, unit) pairs where the unit is present; "
     "0 when none is"),
]

#: Feature groups: features computed from the same columns, ``(group, features, columns, required)``.
#: ``columns`` is None for the action-unit groups, whose columns depend on the units in the file.
_GROUPS = [
    ("landmarks", ["points_displacement", "points_velocity"], _POINT_COLUMNS,
     "all of x_0..x_67, y_0..y_67 (OpenFace -2Dfp)"),
    ("gaze", ["gaze_displacement", "gaze_velocity"], _GAZE,
     "gaze_angle_x, gaze_angle_y (OpenFace -gaze; read_openface derives them from gaze_0_x..gaze_1_z)"),
    ("head_translation", ["head_displacement", "head_velocity"], _HEAD,
     "pose_Tx, pose_Ty, pose_Tz (OpenFace -pose)"),
    ("pitch", ["pitch_displacement", "pitch_velocity"], ["pose_Rx"], "pose_Rx (OpenFace -pose)"),
    ("yaw", ["yaw_displacement", "yaw_velocity"], ["pose_Ry"], "pose_Ry (OpenFace -pose)"),
    ("roll", ["roll_displacement", "roll_velocity"], ["pose_Rz"], "pose_Rz (OpenFace -pose)"),
    ("au_presence", ["au_count"], None, "at least one AUxx_c (OpenFace -aus)"),
    ("au_intensity", ["au_intensity"], None,
     "at least one unit with both AUxx_c and AUxx_r (OpenFace -aus)"),
]
#: Which group each feature belongs to.
FEATURE_GROUPS = {f: g for g, feats, _, _ in _GROUPS for f in feats}


class MissingFeaturesWarning(UserWarning):
    """Some features could not be computed because their input columns are not in the data.

    Issued once per call of :func:`clip_features`, :func:`video_features`,
    :func:`extract_features` and :func:`bitbox_stats.run_study`; the message
    names the feature groups and the missing columns.
    """


def feature_definitions() -> pd.DataFrame:
    """Names, units, groups, required columns and definitions of the engineered clip features.

    Returns
    -------
    pandas.DataFrame
        One row per feature, in the order of :data:`FEATURES`: ``feature``,
        ``unit``, ``group`` (features computed from the same columns; when a
        group's columns are missing, all its features are missing),
        ``columns`` (the OpenFace columns it is computed from), ``required``
        (exactly which columns must be present, and the OpenFace option that
        writes them) and ``description``. A "step" is one sample of the
        downsampled series, ``1/target_fps`` seconds (0.2 s at 5 Hz).
        Formulas: :func:`clip_features`.

    Examples
    --------
    >>> d = feature_definitions()
    >>> d.loc[d.feature == "pitch_velocity", ["unit", "group", "columns"]].to_dict("records")
    [{'unit': 'rad/s', 'group': 'pitch', 'columns': 'pose_Rx'}]
    >>> d.loc[d.feature == "au_intensity", "required"].item()
    'at least one unit with both AUxx_c and AUxx_r (OpenFace -aus)'
    >>> d["feature"].tolist() == FEATURES
    True
    """
    info = {f: (g, cols, req) for g, feats, cols, req in _GROUPS for f in feats}
    rows = []
    for feature, unit, description in _DEFINITIONS:
        group, cols, required = info[feature]
        if cols is None:
            shown = "AUxx_c" if group == "au_presence" else "AUxx_r, AUxx_c"
        elif cols == _POINT_COLUMNS:
            shown = "x_0..x_67, y_0..y_67"
        else:
            shown = ", ".join(cols)
        rows.append((feature, unit, group, shown, required, description))
    out = pd.DataFrame(rows, columns=["feature", "unit", "group", "columns", "required", "description"])
    for c in out.columns:
        out[c] = out[c].astype("str")
    return out


def _describe_absent(absent: list[str], need: list[str]) -> str:
    if len(absent) == len(need) and need == _POINT_COLUMNS:
        return "x_0..x_67, y_0..y_67"
    if len(absent) <= 6:
        return ", ".join(absent)
    return ", ".join(absent[:6]) + f", ... ({len(absent)} of {len(need)})"


def _missing_inputs(columns) -> dict[str, str]:
    """``{group: missing columns}`` for the feature groups whose inputs ``columns`` lack."""
    have = set(columns)
    out = {}
    for group, _, need, _ in _GROUPS:
        if need is not None:
            absent = [c for c in need if c not in have]
            if absent:
                out[group] = _describe_absent(absent, need)
    c_cols, _, has_r = _au_layout(list(columns))
    if not c_cols:
        out["au_presence"] = "AUxx_c (no action-unit presence column)"
        out["au_intensity"] = "AUxx_c (no action-unit presence column)"
    elif not has_r.any():
        shown = ", ".join(c_cols[:4]) + (", ..." if len(c_cols) > 4 else "")
        out["au_intensity"] = f"AUxx_r of the units present ({shown})"
    return out


def _unavailable_features(missing: dict) -> list[str]:
    return [f for g, feats, _, _ in _GROUPS if g in missing for f in feats]


def _missing_text(missing: dict) -> str:
    feats = {g: f for g, f, _, _ in _GROUPS}
    return "; ".join(f"{g} ({', '.join(feats[g])}) lacks {cols}" for g, cols in missing.items())


def _warn_missing(missing: dict, what: str, stacklevel: int = 3) -> None:
    if missing:
        warnings.warn(
            f"{what}: {len(missing)} feature group(s) could not be computed and are missing (NaN), "
            f"their input columns are absent: {_missing_text(missing)}",
            MissingFeaturesWarning,
            stacklevel=stacklevel,
        )


# --------------------------------------------------------------------------- the computation


def _bin_size(fps: float, target_fps: float) -> int:
    ratio = fps / target_fps
    k = int(round(ratio))
    if k < 1 or abs(ratio - k) > 1e-9:
        raise ValueError(
            f"fps / target_fps must be a whole number of frames per sample, got {fps:g} / "
            f"{target_fps:g} = {ratio:g}"
        )
    return k


def _downsample(motion: np.ndarray, valid: np.ndarray, k: int, method: str):
    """Samples at ``fps / k`` and their validity. ``motion`` rows of invalid frames are ignored."""
    if k == 1:
        return np.where(valid[:, None], motion, 0.0), valid.copy()
    if method == "decimate":
        v = valid[::k]
        return np.where(v[:, None], motion[::k], 0.0), v
    n, c = motion.shape
    nb = -(-n // k)
    x = np.zeros((nb * k, c))
    w = np.zeros(nb * k)
    x[:n] = np.where(valid[:, None], motion, 0.0)
    w[:n] = valid
    sums = x.reshape(nb, k, c).sum(axis=1)
    count = w.reshape(nb, k).sum(axis=1)
    ok = count >= 1
    means = np.divide(sums, count[:, None], out=np.zeros_like(sums), where=ok[:, None])
    return means, ok


def _disp_vel(step: np.ndarray, pair_ok: np.ndarray, target_fps: float) -> tuple[float, float]:
    """Mean per-step displacement and mean |change| of it per second, over valid steps."""
    disp = float(step[pair_ok].mean()) if pair_ok.any() else math.nan
    both = pair_ok[1:] & pair_ok[:-1]
    vel = float(np.abs(np.diff(step))[both].mean() * target_fps) if both.any() else math.nan
    return disp, vel


def _core(motion, valid, au_c, au_r, has_r, n_padded, k, target_fps, method, min_valid_fraction,
          unavailable=()):
    """Features of one clip from arrays; returns the row as a dict (FEATURES + QUALITY).

    ``unavailable``: features whose input columns are absent (their columns in
    ``motion`` are placeholders); they come out missing.
    """
    n = int(valid.size)
    n_valid = int(valid.sum())
    frac = n_valid / n if n else 0.0
    row = dict.fromkeys(FEATURES, math.nan)
    row.update(n_frames=n, n_valid=n_valid, n_padded=int(n_padded), valid_fraction=frac, reason=None)
    if n_valid == 0:
        row["reason"] = f"no valid frames (0 of {n})"
        return row
    if frac < min_valid_fraction:
        row["reason"] = (f"too few valid frames: {n_valid} of {n} ({100 * frac:.0f}%) < "
                         f"min_valid_fraction {min_valid_fraction:g}")
        return row

    # action units, on the valid frames at the original rate
    present = au_c[valid] == 1
    row["au_count"] = float(present.sum(axis=1).mean())
    pr = present[:, has_r]
    n_present = int(pr.sum())
    row["au_intensity"] = float(au_r[valid][:, has_r][pr].sum() / n_present) if n_present else 0.0

    # motion, on the downsampled series
    y, ok = _downsample(motion, valid, k, method)
    pair_ok = ok[1:] & ok[:-1]
    d = np.diff(y, axis=0)
    npt = _N_POINTS
    steps = {
        "points": np.sqrt(d[:, :npt] ** 2 + d[:, npt:2 * npt] ** 2).mean(axis=1),
        "gaze": np.sqrt(d[:, 136] ** 2 + d[:, 137] ** 2),
        "head": np.sqrt(d[:, 138] ** 2 + d[:, 139] ** 2 + d[:, 140] ** 2),
        "pitch": np.abs(d[:, 141]),
        "yaw": np.abs(d[:, 142]),
        "roll": np.abs(d[:, 143]),
    }
    for name, step in steps.items():
        row[f"{name}_displacement"], row[f"{name}_velocity"] = _disp_vel(step, pair_ok, target_fps)
    hz = f"{target_fps:g} Hz"
    if not pair_ok.any():
        row["reason"] = f"no two consecutive valid {hz} samples: displacement and velocity missing"
    elif not (pair_ok[1:] & pair_ok[:-1]).any():
        row["reason"] = f"no three consecutive valid {hz} samples: velocity missing"
    for name in unavailable:
        row[name] = math.nan
    return row


def _au_layout(names: list[str]) -> tuple[list[str], list[str], np.ndarray]:
    """Presence columns, intensity columns aligned with them (None where absent), has-intensity mask."""
    units = [_AU_C.match(c).group(1) for c in names if _AU_C.match(c)]
    r_names = {(_AU_R.match(c).group(1)): c for c in names if _AU_R.match(c)}
    c_cols = [f"AU{u}_c" for u in units]
    r_cols = [r_names.get(u) for u in units]
    return c_cols, r_cols, np.array([r is not None for r in r_cols], dtype=bool)


def _motion_array(df: pd.DataFrame) -> np.ndarray:
    """The :data:`MOTION_COLUMNS` of ``df`` as floats; absent columns are zeros (placeholders)."""
    have = set(df.columns)
    if have.issuperset(MOTION_COLUMNS):
        return df[MOTION_COLUMNS].to_numpy(dtype=np.float64)
    out = np.zeros((len(df), len(MOTION_COLUMNS)))
    for j, c in enumerate(MOTION_COLUMNS):
        if c in have:
            out[:, j] = df[c].to_numpy(dtype=np.float64)
    return out


def _face_ids(df: pd.DataFrame):
    """The distinct ``face_id`` values when ``df`` holds several faces, else None."""
    if "face_id" not in df.columns:
        return None
    ids = pd.unique(df["face_id"])
    return ids if len(ids) > 1 else None


def _au_arrays(df: pd.DataFrame, c_cols, r_cols):
    c = df[c_cols].to_numpy(dtype=np.float64)
    r = np.zeros_like(c)
    for j, name in enumerate(r_cols):
        if name is not None:
            r[:, j] = df[name].to_numpy(dtype=np.float64)
    return c, r


def _check_options(fps, target_fps, downsample, min_valid_fraction):
    fps = check_positive("fps", fps)
    target_fps = check_positive("target_fps", target_fps)
    check_choice("downsample", downsample, ["mean", "decimate"])
    if isinstance(min_valid_fraction, bool) or not isinstance(min_valid_fraction, int | float):
        raise TypeError(f"min_valid_fraction must be a number, got {type(min_valid_fraction).__name__}")
    if not 0 <= min_valid_fraction <= 1:
        raise ValueError(f"min_valid_fraction must be between 0 and 1, got {min_valid_fraction}")
    return fps, target_fps, _bin_size(fps, target_fps), float(min_valid_fraction)


def clip_features(clip, fps=25, target_fps=5, *, downsample="mean", min_valid_fraction=0.5) -> pd.DataFrame:
    """Engineered features of one clip: landmark, gaze and head motion and action units.

    The features of the study's ElasticNet model [1]_, computed from OpenFace
    [2]_ output.

    Parameters
    ----------
    clip : pandas.DataFrame
        One clip's frames in time order, one row per frame at ``fps``: for
        instance ``segment_clips(...).clip(1)`` or any slice of a
        :func:`bitbox_stats.openface.read_openface` result. Each feature
        needs its own columns (:func:`feature_definitions`, ``required``):
        ``x_0 .. x_67, y_0 .. y_67`` (landmarks), ``gaze_angle_x,
        gaze_angle_y``, ``pose_Tx, pose_Ty, pose_Tz`` (head translation),
        ``pose_Rx``, ``pose_Ry``, ``pose_Rz`` (pitch, yaw, roll), at least one
        ``AUxx_c`` (``au_count``) and ``AUxx_r`` of a unit present
        (``au_intensity``). Features whose columns are absent, as in an
        OpenFace run with only some outputs, are missing (NaN), and one
        :class:`MissingFeaturesWarning` names them and the columns.
        Optional: ``valid`` (bool; all frames valid without it), ``padded``
        (bool, counted), ``frame`` (checked to be consecutive), ``face_id``
        (with several faces, one row per face).
    fps : float, default 25
        Frame rate of ``clip``.
    target_fps : float, default 5
        Rate the motion is downsampled to; ``fps / target_fps`` must be a
        whole number ``k`` (5 for 25 -> 5 Hz, as in the paper).
    downsample : {"mean", "decimate"}, default "mean"
        ``"mean"``: each sample is the mean of the valid frames among ``k``
        consecutive frames (non-overlapping bins; a last, shorter bin is kept)
        and is valid when at least one of them is. ``"decimate"``: every
        ``k``-th frame, starting with the first; valid when that frame is.
    min_valid_fraction : float, default 0.5
        A clip whose fraction of valid frames is below this gets missing
        features and a ``reason``.

    Returns
    -------
    pandas.DataFrame
        One row (one per face, with ``face_id`` first, when ``clip`` holds
        several faces). The features (:data:`FEATURES`, units in
        :func:`feature_definitions`):

        - ``points_displacement`` (px per step), ``points_velocity`` (px/s):
          2-D landmarks ``x_i, y_i``.
        - ``gaze_displacement`` (rad per step), ``gaze_velocity`` (rad/s):
          the gaze-angle vector.
        - ``head_displacement`` (mm per step), ``head_velocity`` (mm/s):
          head translation ``pose_Tx, pose_Ty, pose_Tz``.
        - ``pitch_``, ``yaw_``, ``roll_displacement`` (rad per step) and
          ``_velocity`` (rad/s): ``pose_Rx``, ``pose_Ry``, ``pose_Rz``.
        - ``au_count`` (action units per frame), ``au_intensity`` (0-5).

        and the quality: ``n_frames`` (rows of the clip), ``n_valid``
        (valid frames), ``n_padded`` (padded frames, 0 without a ``padded``
        column), ``valid_fraction`` (``n_valid / n_frames``), ``reason``
        (str, missing when every feature was computed; otherwise why some or
        all are missing).

    Notes
    -----
    Downsampling. With :math:`k = f / f_t` (fps over target_fps), sample
    :math:`s = 1 .. S`, :math:`S = \\lceil n / k \\rceil`, covers frames
    :math:`(s-1)k .. sk-1`; :math:`u_s = 1` when the sample is valid.

    Displacement and velocity of a group of :math:`J` points in
    :math:`D` dimensions, :math:`p_{s,j} \\in \\mathbb{R}^D`. For each step
    :math:`s \\in P = \\{s \\ge 2 : u_s = u_{s-1} = 1\\}` (consecutive valid
    samples)

    .. math:: d_s = \\frac{1}{J} \\sum_{j=1}^{J} \\lVert p_{s,j} - p_{s-1,j} \\rVert_2

    .. math:: \\text{displacement} = \\frac{1}{|P|} \\sum_{s \\in P} d_s, \\qquad
              \\text{velocity} = f_t \\, \\frac{1}{|Q|} \\sum_{s \\in Q} |d_s - d_{s-1}|

    with :math:`Q = \\{s \\ge 3 : u_s = u_{s-1} = u_{s-2} = 1\\}`. Groups:
    points :math:`J = 68, D = 2` (``x_j, y_j``, pixels); gaze
    :math:`J = 1, D = 2` (``gaze_angle_x, gaze_angle_y``, radians); head
    :math:`J = 1, D = 3` (``pose_Tx, pose_Ty, pose_Tz``, millimetres); pitch,
    yaw, roll :math:`J = D = 1` (``pose_Rx``, ``pose_Ry``, ``pose_Rz``,
    radians). Displacement is a distance per step of :math:`1/f_t` seconds
    (an object moving at :math:`v` units/s has displacement :math:`v / f_t`);
    velocity is how fast that per-step distance changes, per second (0 for
    uniform motion).

    Action units, on the valid frames :math:`V` at the original rate (AU
    presence is binary; averaging it over bins would make it fractional):
    with :math:`c_{t,u} = [\\text{AU}u\\_c = 1]` and :math:`r_{t,u}` =
    ``AUu_r``,

    .. math:: \\text{au\\_count} = \\frac{1}{|V|} \\sum_{t \\in V} \\sum_u c_{t,u}, \\qquad
              \\text{au\\_intensity} = \\frac{\\sum_{t \\in V} \\sum_{u \\in R} c_{t,u}\\, r_{t,u}}
                                         {\\sum_{t \\in V} \\sum_{u \\in R} c_{t,u}}

    where :math:`R` are the units with an intensity column (OpenFace has no
    ``AU28_r``: AU28 counts in ``au_count`` only); ``au_intensity`` is 0 when
    no unit is present.

    Missing values: every feature is missing when the clip has no valid
    frame or fewer than ``min_valid_fraction``; displacements and velocities
    are missing without two consecutive valid samples, velocities without
    three. The ``reason`` says which. A feature whose input columns are
    absent is missing too; the warning, not ``reason``, says so.

    References
    ----------
    .. [1] Lin, V., Girard, J. M., & Morency, L.-P. (2020). Context-dependent
       models for predicting and characterizing facial expressiveness.
       *Proceedings of the 3rd Workshop on Affective Content Analysis*, AAAI.
       Section 4, "ElasticNet".
    .. [2] Baltrusaitis, T., Zadeh, A., Lim, Y. C., & Morency, L.-P. (2018).
       OpenFace 2.0: Facial behavior analysis toolkit. *FG 2018*, 59-66.

    Examples
    --------
    A face whose 68 landmarks drift right by 1 px per frame at 5 Hz, while the
    head pitches down at 0.5 rad/s; AU12 is present in every frame at
    intensity 2:

    >>> import numpy as np
    >>> t = np.arange(15)
    >>> clip = pd.DataFrame({f"x_{i}": 100.0 + i + t for i in range(68)})
    >>> for i in range(68):
    ...     clip[f"y_{i}"] = 200.0
    >>> clip = clip.assign(gaze_angle_x=0.0, gaze_angle_y=0.0, pose_Tx=0.0, pose_Ty=0.0,
    ...                    pose_Tz=500.0, pose_Rx=0.5 * t / 5, pose_Ry=0.0, pose_Rz=0.0,
    ...                    AU12_c=1.0, AU12_r=2.0)
    >>> f = clip_features(clip, fps=5, target_fps=5)
    >>> f[["points_displacement", "points_velocity", "pitch_displacement", "pitch_velocity"]].round(6)
       points_displacement  points_velocity  pitch_displacement  pitch_velocity
    0                  1.0              0.0                 0.1             0.0
    >>> f[["au_count", "au_intensity", "n_frames", "valid_fraction"]]
       au_count  au_intensity  n_frames  valid_fraction
    0       1.0           2.0        15             1.0

    An OpenFace run without ``-2Dfp`` has no landmarks: the other features
    are computed and a warning says what is missing.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     g = clip_features(clip.drop(columns=[f"x_{i}" for i in range(68)]), fps=5, target_fps=5)
    >>> g[["points_displacement", "pitch_displacement", "au_count"]]
       points_displacement  pitch_displacement  au_count
    0                  NaN                 0.1       1.0
    >>> print(caught[0].message)
    clip_features: 1 feature group(s) could not be computed and are missing (NaN), their input columns are absent: landmarks (points_displacement, points_velocity) lacks x_0, x_1, x_2, x_3, x_4, x_5, ... (68 of 136)
    """
    check_dataframe("clip", clip)
    fps, target_fps, k, min_valid_fraction = _check_options(fps, target_fps, downsample, min_valid_fraction)
    if "clip" in clip.columns and clip["clip"].nunique() > 1:
        shown = ", ".join(str(c) for c in clip["clip"].unique()[:5])
        raise ValueError(f"clip holds frames of several clips ({shown}); pass one clip, "
                         "e.g. segment_clips(...).clip(1)")
    missing = _missing_inputs(clip.columns)
    faces = _face_ids(clip)
    parts = [clip] if faces is None else [clip[clip["face_id"] == f] for f in faces]
    rows = [_clip_row(part, k, target_fps, downsample, min_valid_fraction, missing) for part in parts]
    out = _rows_frame(rows, FEATURES + QUALITY)
    if faces is not None:
        out.insert(0, "face_id", faces)
    _warn_missing(missing, "clip_features")
    return out


def _clip_row(clip, k, target_fps, downsample, min_valid_fraction, missing) -> dict:
    """One face's clip -> the feature row (a dict)."""
    if "frame" in clip.columns:
        fr = clip["frame"].to_numpy(dtype=float)
        if (np.diff(fr) != 1).any():
            raise ValueError("clip column 'frame' must number consecutive frames in order "
                             "(1 apart); segment_clips pads missing frames")
    c_cols, r_cols, has_r = _au_layout(list(clip.columns))
    present = [c for c in MOTION_COLUMNS if c in clip.columns]
    used = present + c_cols + [r for r in r_cols if r is not None]
    check_numeric_columns("clip", clip, used)
    valid = valid_mask("clip", clip)
    n_padded = int(clip["padded"].to_numpy(dtype=bool).sum()) if "padded" in clip.columns else 0
    au_c, au_r = _au_arrays(clip, c_cols, r_cols)
    hit = first_nonfinite(clip[used].to_numpy(dtype=np.float64), valid) if used else None
    if hit is not None:
        i, j = hit
        name = used[j]
        where = f"at frame {int(clip['frame'].iloc[i])}" if "frame" in clip.columns else f"in row {i} (0-based)"
        raise ValueError(f"clip column {name!r} has a missing or infinite value {where}, a valid "
                         "frame; mark the frame invalid (valid=False) or fill the value")
    return _core(_motion_array(clip), valid, au_c, au_r, has_r, n_padded, k, target_fps, downsample,
                 min_valid_fraction, _unavailable_features(missing))


def _rows_frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=columns)
    for c in FEATURES + ["valid_fraction"]:
        if c in out.columns:
            out[c] = out[c].astype(np.float64)
    for c in ("n_frames", "n_valid", "n_padded", "n_shared", "clip"):
        if c in out.columns:
            out[c] = out[c].astype(np.int64)
    if "reason" in out.columns:
        out["reason"] = pd.array([None if not isinstance(r, str) else r for r in out["reason"]],
                                 dtype="str")
    return out


# --------------------------------------------------------------------------- one file


@dataclass(frozen=True)
class _Options:
    fps: float
    target_fps: float
    k: int
    downsample: str
    min_valid_fraction: float
    confidence: float
    face_id: int | str | None
    engine: str
    segments: pd.DataFrame  # normalised table, all tasks of the manifest


_FILE_COLUMNS = ["clip", "start_s", "end_s"] + FEATURES + [
    "n_frames", "n_valid", "n_padded", "n_shared", "valid_fraction", "reason"]


def _file_features(path: str, task: str, opts: _Options) -> tuple[pd.DataFrame, dict]:
    """One OpenFace file -> one row per clip (without subject and task), and its missing inputs."""
    df, _ = _read(path, opts.confidence, opts.face_id, None, MOTION_COLUMNS, opts.engine,
                  use_threads=False, also=lambda c: bool(_AU_C.match(c) or _AU_R.match(c)), optional=True)
    return _frames_features(df, task, opts, per_face=opts.face_id == "all")


def _frames_features(df: pd.DataFrame, task: str, opts: _Options, per_face: bool = False):
    """One video's validated frames (a ``valid`` column, NaN where invalid) -> one row per clip.

    Returns the table and ``{group: missing columns}``. With ``per_face`` (or
    several faces in ``df``), each face is cut into the clips of the same
    video (its length: the largest frame number of any face) and the table
    starts with ``face_id``.
    """
    missing = _missing_inputs(df.columns)
    table = opts.segments[opts.segments["task"] == task].reset_index(drop=True)
    faces = _face_ids(df)
    if not per_face and faces is None:
        return _video_rows(df, table, opts, missing, None), missing
    if faces is None:
        faces = pd.unique(df["face_id"]) if "face_id" in df.columns else np.array([0])
    parts = [df] if len(faces) == 1 else [df[df["face_id"] == f].reset_index(drop=True) for f in faces]
    n_video = max(_frame_numbers(part, None)[1] for part in parts)
    out = []
    for f, part in zip(faces, parts, strict=True):
        rows = _video_rows(part, table, opts, missing, n_video)
        rows.insert(0, "face_id", np.int64(f))
        out.append(rows)
    return pd.concat(out, ignore_index=True), missing


def _video_rows(df, table, opts: _Options, missing: dict, n_video_frames) -> pd.DataFrame:
    """One face's frames -> one row per clip of ``table``."""
    c_cols, r_cols, has_r = _au_layout(list(df.columns))
    fr, n_video = _frame_numbers(df, n_video_frames)
    first, stop = _clip_bounds(table, opts.fps, n_video)
    if (stop - first < 1).any():
        task = table["task"].iloc[0]
        raise ValueError(f"segments of task {task!r}: a clip is shorter than one frame at fps={opts.fps:g}")
    idx_all, rows_all = _clip_rows(fr, n_video, first, stop)
    motion = _motion_array(df)
    au_c, au_r = _au_arrays(df, c_cols, r_cols)
    valid = df["valid"].to_numpy(dtype=bool)
    # one invalid, all-NaN row appended at the end stands for every padded frame
    motion = np.vstack([motion, np.full((1, motion.shape[1]), np.nan)])
    au_c = np.vstack([au_c, np.full((1, au_c.shape[1]), np.nan)])
    au_r = np.vstack([au_r, np.full((1, au_r.shape[1]), np.nan)])
    valid = np.append(valid, False)
    shared = _n_shared(idx_all, n_video)
    unavailable = _unavailable_features(missing)
    rows = []
    for k in range(len(table)):
        r = rows_all[k]
        padded = r < 0
        take = np.where(padded, -1, r)  # -1: the appended padding row
        row = _core(motion[take], valid[take], au_c[take], au_r[take], has_r, int(padded.sum()),
                    opts.k, opts.target_fps, opts.downsample, opts.min_valid_fraction, unavailable)
        row.update(clip=int(table["clip"].iloc[k]), start_s=first[k] / opts.fps,
                   end_s=stop[k] / opts.fps, n_shared=shared[k])
        rows.append(row)
    return _rows_frame(rows, _FILE_COLUMNS)


def _named(err: Exception, path: str) -> Exception:
    """The error, its message starting with the file's name (ValueError and TypeError only)."""
    if path in str(err) or type(err) not in (ValueError, TypeError):
        return err
    return type(err)(f"{path}: {err}")


def _work(i: int, path: str, task: str, opts: _Options, collect: bool):
    """Run one file; with ``collect`` an exception becomes a failure record."""
    try:
        return i, _file_features(path, task, opts), None  # (table, missing inputs)
    except Exception as err:
        named = _named(err, path)
        if not collect:
            if named is err:
                raise
            raise named from err
        return i, None, (type(err).__name__, str(named))


# --------------------------------------------------------------------------- many files


@dataclass(frozen=True, repr=False)
class FeatureExtraction:
    """Result of :func:`extract_features`.

    Attributes
    ----------
    features : pandas.DataFrame
        One row per clip (see :func:`extract_features`).
    failures : pandas.DataFrame
        One row per file that could not be used: ``path``, ``subject``,
        ``task``, ``error`` (the exception's type) and ``message``. Empty
        unless ``errors="collect"``.
    manifest : pandas.DataFrame
        The files processed: ``path``, ``subject``, ``task``.
    missing : pandas.DataFrame
        One row per file and feature group that could not be computed
        because the file lacks its columns (an OpenFace run with only some
        outputs): ``path``, ``subject``, ``task``, ``group`` (see
        :func:`feature_definitions`), ``features`` (comma-separated) and
        ``columns`` (the missing columns). Empty when every file has every
        column.
    """

    features: pd.DataFrame
    failures: pd.DataFrame
    manifest: pd.DataFrame
    missing: pd.DataFrame = field(default_factory=lambda: _missing_frame([]))

    def summary(self) -> pd.DataFrame:
        """One row per task: files read and failed, clips, clips with every feature.

        Returns
        -------
        pandas.DataFrame
            Columns: ``task``, ``n_files`` (in the manifest), ``n_failed`` (files),
            ``n_clips``, ``n_complete`` (clips without a ``reason``: every
            feature whose columns exist was computed), ``n_incomplete`` (clips
            with some or all features missing for lack of valid frames),
            ``n_padded`` (padded frames over all clips), ``mean_valid_fraction``,
            ``n_partial`` (files lacking the columns of some feature group) and
            ``missing_groups`` (str: those groups, comma-separated; missing when
            none).
        """
        f = self.features
        g = f.groupby("task", sort=False)
        out = pd.DataFrame({
            "n_clips": g.size(),
            "n_complete": f["reason"].isna().groupby(f["task"], sort=False).sum(),
            "n_padded": g["n_padded"].sum(),
            "mean_valid_fraction": g["valid_fraction"].mean(),
        })
        files = self.manifest.groupby("task", sort=False).size()
        failed = self.failures.groupby("task", sort=False).size()
        tasks = list(dict.fromkeys(self.manifest["task"].tolist()))
        out = out.reindex(tasks)
        res = pd.DataFrame({"task": pd.array(tasks, dtype="str")})
        res["n_files"] = [int(files.get(t, 0)) for t in tasks]
        res["n_failed"] = [int(failed.get(t, 0)) for t in tasks]
        res["n_clips"] = out["n_clips"].fillna(0).astype(np.int64).to_numpy()
        res["n_complete"] = out["n_complete"].fillna(0).astype(np.int64).to_numpy()
        res["n_incomplete"] = res["n_clips"] - res["n_complete"]
        res["n_padded"] = out["n_padded"].fillna(0).astype(np.int64).to_numpy()
        res["mean_valid_fraction"] = out["mean_valid_fraction"].to_numpy(dtype=float)
        miss = self.missing
        res["n_partial"] = [int(miss.loc[miss["task"] == t, "path"].nunique()) for t in tasks]
        groups = [", ".join(dict.fromkeys(miss.loc[miss["task"] == t, "group"].tolist())) for t in tasks]
        res["missing_groups"] = pd.array([g or None for g in groups], dtype="str")
        return res

    def __repr__(self) -> str:
        n_files = len(self.manifest)
        n_inc = int(self.features["reason"].notna().sum())
        n_partial = int(self.missing["path"].nunique())
        return (f"FeatureExtraction({n_files} files, {len(self.failures)} failed, "
                f"{len(self.features)} clips, {n_inc} with missing features"
                + (f", {n_partial} file(s) lacking some feature columns" if n_partial else "") + ")")


_MISSING_COLUMNS = ["path", "subject", "task", "group", "features", "columns"]


def _missing_frame(rows: list[tuple]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=_MISSING_COLUMNS)
    for c in ("path", "task", "group", "features", "columns"):
        out[c] = out[c].astype("str")
    return out


_DEFAULT_PATTERN = r"^(?P<subject>.+)_(?P<task>[^_/]+)\.csv$"


def openface_manifest(folder, pattern=_DEFAULT_PATTERN, *, glob="*.csv") -> pd.DataFrame:
    """List the OpenFace files of a folder with the subject and task each belongs to.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder to search.
    pattern : str or re.Pattern, default ``"^(?P<subject>.+)_(?P<task>[^_/]+)\\.csv$"``
        A regular expression with the named groups ``subject`` and ``task``,
        searched in each file's path relative to ``folder`` (``/``-separated).
        The default reads ``F001_startle.csv`` as subject ``F001``, task
        ``startle``; for a ``F001/startle.csv`` layout use ``glob="*/*.csv"``
        and ``pattern=r"(?P<subject>[^/]+)/(?P<task>[^/]+)\\.csv$"``.
    glob : str, default ``"*.csv"``
        Which files to consider (``pathlib`` glob, relative to ``folder``).

    Returns
    -------
    pandas.DataFrame
        One row per file, sorted by path: ``path`` (str), ``subject`` (str),
        ``task`` (str).

    Raises
    ------
    ValueError
        If no file matches ``glob``, or a file that matches ``glob`` does
        not match ``pattern`` (files are never skipped silently: narrow
        ``glob`` or widen ``pattern``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for name in ["F001_startle.csv", "F001_pain.csv", "M002_pain.csv"]:
    ...         _ = (pathlib.Path(d) / name).write_text("frame\\n")
    ...     openface_manifest(d)[["subject", "task"]]
      subject     task
    0    F001     pain
    1    F001  startle
    2    M002     pain
    """
    if not isinstance(folder, str | os.PathLike):
        raise TypeError(f"folder must be a path, got {type(folder).__name__}")
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"folder {str(root)!r} is not a folder")
    rx = re.compile(pattern) if isinstance(pattern, str) else pattern
    if not isinstance(rx, re.Pattern):
        raise TypeError(f"pattern must be a regular expression, got {type(pattern).__name__}")
    if not {"subject", "task"} <= set(rx.groupindex):
        raise ValueError(f"pattern must have the named groups (?P<subject>...) and (?P<task>...), "
                         f"got {rx.pattern!r}")
    files = sorted(p for p in root.glob(glob) if p.is_file())
    if not files:
        raise ValueError(f"no file in {str(root)!r} matches glob {glob!r}")
    rows, unmatched = [], []
    for p in files:
        rel = p.relative_to(root).as_posix()
        m = rx.search(rel)
        if m is None:
            unmatched.append(rel)
        else:
            rows.append({"path": str(p), "subject": m.group("subject"), "task": m.group("task")})
    if unmatched:
        shown = ", ".join(map(repr, unmatched[:5])) + (", ..." if len(unmatched) > 5 else "")
        raise ValueError(f"{len(unmatched)} file(s) in {str(root)!r} do not match pattern "
                         f"{rx.pattern!r}: {shown}; narrow glob or change pattern")
    out = pd.DataFrame(rows)
    for c in out.columns:
        out[c] = out[c].astype("str")
    return out


def _check_manifest(manifest, pattern) -> pd.DataFrame:
    if isinstance(manifest, str | os.PathLike):
        return openface_manifest(manifest) if pattern is None else openface_manifest(manifest, pattern)
    if pattern is not None:
        raise ValueError("pattern is used only when manifest is a folder")
    check_dataframe("manifest", manifest)
    check_columns("manifest", manifest, ["path", "subject", "task"])
    m = manifest[["path", "subject", "task"]].reset_index(drop=True)
    for c in ("path", "task"):
        bad = [v for v in m[c].tolist() if not isinstance(v, str | os.PathLike)]
        if bad:
            raise TypeError(f"manifest column {c!r} must hold strings, got {bad[0]!r}")
    if m["subject"].isna().any():
        raise ValueError(f"manifest column 'subject' has a missing value in row "
                         f"{int(m['subject'].isna().idxmax())} (0-based)")
    m["path"] = pd.array([os.fspath(p) for p in m["path"]], dtype="str")
    m["task"] = m["task"].astype("str")
    dup = m.duplicated(["subject", "task"], keep=False)
    if dup.any():
        ex = m.loc[dup].iloc[0]
        raise ValueError(f"manifest has {int(dup.sum())} rows sharing a (subject, task) pair, e.g. "
                         f"subject {ex['subject']!r}, task {ex['task']!r}; each video must be listed once")
    return m


def _want_progress(progress) -> bool:
    if progress is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None, got {progress!r}")
    return progress


def _run_serial(jobs, opts, collect, done: Callable):
    for i, path, task in jobs:
        done(_work(i, path, task, opts, collect))


def _run_processes(jobs, opts, collect, done: Callable, n_jobs: int):
    ctx = multiprocessing.get_context()
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as ex:
        futures = [ex.submit(_work, i, path, task, opts, collect) for i, path, task in jobs]
        try:
            # in manifest order, so that errors="raise" reports the first bad file
            # whatever order the workers finish in
            for fut in futures:
                done(fut.result())
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _run_dask(jobs, opts, collect, done: Callable, client):
    try:
        from distributed import Client
        from distributed import as_completed as dask_as_completed
    except ImportError:  # pragma: no cover - dask is installed in development
        raise ImportError("client= needs dask.distributed; install bitbox-stats[dask]") from None
    own = isinstance(client, str)
    if own:
        client = Client(client)
    elif not isinstance(client, Client):
        raise TypeError(f"client must be a dask.distributed.Client or a scheduler address, "
                        f"got {type(client).__name__}")
    try:
        idx, paths, tasks = (list(x) for x in zip(*jobs, strict=True))
        futures = client.map(_work, idx, paths, tasks, opts=opts, collect=collect, pure=False)
        try:
            for fut in dask_as_completed(futures):
                done(fut.result())
                fut.release()
        except BaseException:
            client.cancel(futures)
            raise
    finally:
        if own:
            client.close()


@lru_cache(maxsize=32)
def _default_segments(tasks: tuple) -> pd.DataFrame:
    """The paper's segment table of ``tasks`` (cached; callers only read it)."""
    return segment_table(list(tasks))


def _make_options(tasks, *, fps, target_fps, downsample, confidence, face_id, segments,
                  min_valid_fraction, engine, what) -> _Options:
    """Check the extraction settings and resolve the segment table of ``tasks``."""
    fps, target_fps, k, min_valid_fraction = _check_options(fps, target_fps, downsample, min_valid_fraction)
    confidence, face_id = _check_read_args(confidence, face_id, engine)
    if segments is None:
        known = set(PAPER_SEGMENTS)
        unknown = [t for t in tasks if t not in known]
        if unknown:
            raise ValueError(f"{what} {', '.join(map(repr, unknown))} are not in the paper's "
                             f"segment table ({', '.join(sorted(known))}); rename them or pass segments=")
        table = _default_segments(tuple(tasks))
    else:
        if not isinstance(segments, pd.DataFrame | dict):
            raise TypeError("segments must be a DataFrame with a task column or a mapping {task: pairs} "
                            f"when extracting many tasks, got {type(segments).__name__}")
        table = pd.concat([_resolve_segments(segments, t) for t in tasks], ignore_index=True)
    return _Options(fps=fps, target_fps=target_fps, k=k, downsample=downsample,
                    min_valid_fraction=min_valid_fraction, confidence=confidence, face_id=face_id,
                    engine=engine, segments=table)


def video_features(frames, task, *, fps=25, target_fps=5, downsample="mean", confidence=0.75,
                   segments=None, min_valid_fraction=0.5) -> pd.DataFrame:
    """Clip features of one task video held in memory: segment it, then one row per clip.

    The in-memory counterpart of one file of :func:`extract_features`, for
    frames that are already a DataFrame (e.g. from
    :meth:`bitbox_stats.SimulatedStudy.frames` or from another reader).

    Parameters
    ----------
    frames : pandas.DataFrame
        One row per frame with OpenFace's columns (``frame``, ``success``,
        ``confidence``, and the landmarks, pose, gaze angles and AUs that
        :func:`clip_features` uses: features whose columns are absent are
        missing, with one :class:`MissingFeaturesWarning`). With several
        faces (a ``face_id`` column with several values, e.g.
        ``read_openface(..., face_id="all")``), each face is cut into the
        clips of the same video and the result has one row per face and
        clip. With a boolean ``valid`` column (as
        :func:`bitbox_stats.read_openface` returns) validity is taken from it,
        and a missing or infinite measurement on a valid frame is an error (as
        in :func:`clip_features`); without, a frame is valid when ``success == 1`` and ``confidence`` is at
        least ``confidence``, and the measurements of invalid frames are set
        missing, as :func:`bitbox_stats.read_openface` does. ``frames`` itself
        is not modified.
    task : str
        The task, which selects the segment table.
    fps, target_fps, downsample, confidence, segments, min_valid_fraction
        As in :func:`extract_features`.

    Returns
    -------
    pandas.DataFrame
        One row per clip with the columns of :func:`extract_features` after
        ``subject`` and ``task``: (``face_id`` with several faces,) ``clip``,
        ``start_s``, ``end_s``, the
        :data:`FEATURES`, ``n_frames``, ``n_valid``, ``n_padded``, ``n_shared``,
        ``valid_fraction``, ``reason``.

    Notes
    -----
    Identical to what :func:`extract_features` computes for the same frames
    read from a file (the same code runs after reading).

    Examples
    --------
    >>> from bitbox_stats.simulate import simulate_study
    >>> study = simulate_study(n_subjects=1, tasks=("disgust",), seed=2)
    >>> out = video_features(study.frames("S001", "disgust"), "disgust")
    >>> out[["clip", "start_s", "end_s", "n_frames"]]
       clip  start_s  end_s  n_frames
    0     1      3.0    6.0        75
    1     2      6.0    9.0        75
    2     3      9.0   12.0        75
    3     4     12.0   15.0        75
    """
    check_dataframe("frames", frames)
    task = str(task)
    opts = _make_options([task], fps=fps, target_fps=target_fps, downsample=downsample,
                         confidence=confidence, face_id=None, segments=segments,
                         min_valid_fraction=min_valid_fraction, engine="auto", what="task")
    check_columns("frames", frames, ["frame"])
    measured = [c for c in MOTION_COLUMNS if c in frames.columns] + [
        c for c in frames.columns if _AU_C.match(c) or _AU_R.match(c)]
    check_numeric_columns("frames", frames, measured)
    if "valid" in frames.columns:
        valid = valid_mask("frames", frames)
        hit = first_nonfinite(frames[measured].to_numpy(dtype=np.float64), valid) if measured else None
        if hit is not None:
            raise ValueError(f"frames column {measured[hit[1]]!r} has a missing or infinite value at frame "
                             f"{int(frames['frame'].iloc[hit[0]])}, a valid frame; mark the frame invalid "
                             "(valid=False) or fill the value")
        df = frames
    else:
        check_numeric_columns("frames", frames, ["success", "confidence"])
        valid = _valid_frames(frames["success"].to_numpy(), frames["confidence"].to_numpy(), opts.confidence)
        # only the columns the features use, with invalid frames' measurements missing
        values = frames[measured].to_numpy(dtype=np.float64, copy=True)
        values[~valid] = np.nan
        df = pd.DataFrame(values, columns=measured)
        df.insert(0, "frame", frames["frame"].to_numpy())
        if "face_id" in frames.columns:
            df.insert(1, "face_id", frames["face_id"].to_numpy())
        df["valid"] = valid
    out, missing = _frames_features(df, task, opts)
    _warn_missing(missing, "video_features")
    return out


def extract_features(manifest, *, pattern=None, fps=25, target_fps=5, downsample="mean",
                     confidence=0.75, face_id=None, segments=None, min_valid_fraction=0.5,
                     n_jobs=1, client=None, errors="raise", progress=None,
                     engine="auto") -> FeatureExtraction:
    """Clip features for a whole study of OpenFace files, serially, on processes or on Dask.

    Each file is read (:func:`bitbox_stats.openface.read_openface`, only the
    columns the features need), cut into its task's clips
    (:func:`bitbox_stats.clips.segment_clips`) and summarised
    (:func:`clip_features`); the numbers are the same as calling those
    functions one by one, and the same serially, with ``n_jobs`` processes
    or on a Dask cluster.

    Parameters
    ----------
    manifest : pandas.DataFrame or str or os.PathLike
        A table with columns ``path``, ``subject``, ``task`` (one row per
        video; a (subject, task) pair once), or a folder whose files are
        listed by :func:`openface_manifest` with ``pattern``.
    pattern : str, optional
        File-name pattern for a folder (see :func:`openface_manifest`).
    fps : float, default 25
        Frame rate of the videos.
    target_fps : float, default 5
        Rate the motion is downsampled to (see :func:`clip_features`).
    downsample : {"mean", "decimate"}, default "mean"
        See :func:`clip_features`.
    confidence : float, default 0.75
        Frames with a lower OpenFace confidence are invalid.
    face_id : int, "most_frames" or "all", optional
        Face to use in multi-face files (see :func:`read_openface`). With
        ``"all"`` every face of every file is cut into clips and
        ``features`` gets a ``face_id`` column after ``task``.
    segments : optional
        Segment table(s) (see :func:`bitbox_stats.clips.segment_clips`); a
        DataFrame with a ``task`` column or a mapping ``{task: pairs}``.
        Default: the paper's appendix. Every task of the manifest must be in it.
    min_valid_fraction : float, default 0.5
        See :func:`clip_features`.
    n_jobs : int, default 1
        Local worker processes (-1: one per core). Each reads one file at a
        time, so memory holds a few files, not the study.
    client : dask.distributed.Client or str, optional
        Run on this Dask cluster (or the scheduler at this address) instead
        of local processes; workers need bitbox-stats installed and must see
        the files' paths.
    errors : {"raise", "collect"}, default "raise"
        ``"raise"``: stop at the first file that fails, with its error.
        ``"collect"``: process every file and report the failures in
        ``failures``.
    progress : bool, optional
        Show a progress bar (tqdm, on stderr). Default: only when stderr is a
        terminal.
    engine : {"auto", "pyarrow", "c"}, default "auto"
        CSV parser (see :func:`read_openface`).

    Returns
    -------
    FeatureExtraction
        ``features``: one row per clip, files in manifest order, clips in
        segment-table order, with

        - ``subject``, ``task`` (from the manifest), ``clip`` (int, 1-based),
        - ``start_s``, ``end_s`` (s): the clip's bounds in seconds from the
          start of the video (resolved for clips counted from the end),
        - the features :data:`FEATURES` (see :func:`clip_features` and
          :func:`feature_definitions` for units),
        - ``n_frames``, ``n_valid``, ``n_padded``, ``n_shared`` (frames
          shared with another clip of a video too short for all its clips),
          ``valid_fraction`` and ``reason`` (see :func:`clip_features`).

        ``failures``: ``path, subject, task, error, message`` per failed file
        (``errors="collect"``). ``missing``: the feature groups each file
        lacks the columns of (an OpenFace run with only some outputs); their
        features are missing for that file's clips and one
        :class:`MissingFeaturesWarning` summarises them. ``summary()``: one
        row per task.

    Notes
    -----
    Local processes use Python's default start method (``fork`` on Linux).
    Files are independent tasks: ``client.map`` on Dask, a
    ``ProcessPoolExecutor`` locally; results are put back in manifest order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from bitbox_stats.openface import openface_columns, write_openface
    >>> cols = openface_columns("2.2")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for subject in ["F001", "M002"]:
    ...         video = pd.DataFrame(0.0, index=range(500), columns=cols)
    ...         video["frame"] = np.arange(1, 501); video["confidence"] = 0.98
    ...         video["success"] = 1; video["x_0"] = np.arange(500) * 0.2
    ...         _ = write_openface(video, pathlib.Path(d) / f"{subject}_disgust.csv")
    ...     res = extract_features(d, fps=25, progress=False)
    >>> res
    FeatureExtraction(2 files, 0 failed, 8 clips, 0 with missing features)
    >>> res.features[["subject", "clip", "start_s", "end_s", "points_displacement"]].head(3)
      subject  clip  start_s  end_s  points_displacement
    0    F001     1      3.0    6.0             0.014706
    1    F001     2      6.0    9.0             0.014706
    2    F001     3      9.0   12.0             0.014706
    """
    check_choice("errors", errors, ["raise", "collect"])
    n_jobs = check_n_jobs(n_jobs)
    if client is not None and n_jobs != 1:
        raise ValueError("give either client (Dask) or n_jobs (local processes), not both")
    show = _want_progress(progress)
    m = _check_manifest(manifest, pattern)
    tasks = list(dict.fromkeys(m["task"].tolist()))
    opts = _make_options(tasks, fps=fps, target_fps=target_fps, downsample=downsample,
                         confidence=confidence, face_id=face_id, segments=segments,
                         min_valid_fraction=min_valid_fraction, engine=engine, what="manifest task(s)")
    collect = errors == "collect"
    jobs = list(zip(range(len(m)), m["path"].tolist(), m["task"].tolist(), strict=True))
    results: dict[int, pd.DataFrame] = {}
    absent: dict[int, dict] = {}
    failed: dict[int, tuple[str, str]] = {}

    from tqdm import tqdm

    bar = tqdm(total=len(jobs), disable=not show, desc="OpenFace files", unit="file", file=sys.stderr)

    def done(res):
        i, frame, failure = res
        if failure is None:
            results[i], absent[i] = frame
        else:
            failed[i] = failure
        bar.update(1)

    try:
        if client is not None:
            _run_dask(jobs, opts, collect, done, client)
        elif n_jobs == 1 or len(jobs) == 1:
            _run_serial(jobs, opts, collect, done)
        else:
            _run_processes(jobs, opts, collect, done, min(n_jobs, len(jobs)))
    finally:
        bar.close()

    order = sorted(results)
    if order:
        parts = [results[i] for i in order]
        body = pd.concat(parts, ignore_index=True)
        which = np.repeat(order, [len(p) for p in parts])
    else:
        body = _rows_frame([], (["face_id"] if opts.face_id == "all" else []) + _FILE_COLUMNS)
        which = np.zeros(0, dtype=np.int64)
    keys = m.iloc[which][["subject", "task"]].reset_index(drop=True)
    features = pd.concat([keys, body], axis=1)
    fail_idx = sorted(failed)
    failures = pd.DataFrame({
        "path": pd.array(m["path"].iloc[fail_idx].tolist(), dtype="str"),
        "subject": m["subject"].iloc[fail_idx].reset_index(drop=True),
        "task": pd.array(m["task"].iloc[fail_idx].tolist(), dtype="str"),
        "error": pd.array([failed[i][0] for i in fail_idx], dtype="str"),
        "message": pd.array([failed[i][1] for i in fail_idx], dtype="str"),
    })
    feats = {g: f for g, f, _, _ in _GROUPS}
    missing = _missing_frame([
        (m["path"].iloc[i], m["subject"].iloc[i], m["task"].iloc[i], g, ", ".join(feats[g]), cols)
        for i in order for g, cols in absent[i].items()])
    if not missing.empty:
        by_group = missing.groupby("group", sort=False)
        text = "; ".join(f"{g} ({part['features'].iloc[0]}) in {part['path'].nunique()} file(s), "
                         f"e.g. {part['path'].iloc[0]} lacks {part['columns'].iloc[0]}"
                         for g, part in by_group)
        warnings.warn(
            f"extract_features: {missing['path'].nunique()} of {len(order)} file(s) lack the columns of some "
            f"features, which are missing (NaN) for their clips: {text}; see FeatureExtraction.missing",
            MissingFeaturesWarning,
            stacklevel=2,
        )
    return FeatureExtraction(features=features, failures=failures, manifest=m, missing=missing)
