"""Motion of landmarks, the head and the face box: kinematics, smoothness, relative motion.

The measures follow Bitbox's ``bitbox.biomechanics`` (same arguments,
defaults, list-shaped results and numbers); each also takes plain arrays or
DataFrames and can return one tidy table.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ._validation import check_choice, check_positive
from .bitbox_data import coords, read_data

__all__ = ["motion_kinematics", "motion_smoothness", "relative_motion"]

_MOTION_TYPES = ("landmark", "landmark-can", "pose", "rectangle")
_NAN_POLICIES = ("propagate", "raise", "interpolate")


def _norm(x: np.ndarray) -> np.ndarray:
    """Euclidean norm over the last axis."""
    return np.sqrt(np.einsum("...d,...d->...", x, x))


def _prepare(data, angular, type, dimension, nan_policy, tidy, name="data"):  # noqa: A002
    """Coordinates ``(frames, points, dim)``, point names, whether Bitbox gives scalars,
    and the number of frames with a missing coordinate per point."""
    if not isinstance(angular, bool | np.bool_):
        raise TypeError(f"angular must be True or False, got {angular!r}")
    if not isinstance(tidy, bool | np.bool_):
        raise TypeError(f"tidy must be True or False, got {tidy!r}")
    check_choice("nan_policy", nan_policy, _NAN_POLICIES)
    d = read_data(data, name=name, allowed=_MOTION_TYPES, type=type, dimension=dimension)
    c, names = coords(d, angular=bool(angular), name=name)
    scalar = c.ndim == 2  # pose and face box: Bitbox returns one number per measure
    if scalar:
        c = c[:, None, :]
    bad = ~np.isfinite(c).all(axis=2)  # (frames, points)
    n_missing = bad.sum(axis=0)
    if n_missing.any():
        if nan_policy == "raise":
            t, m = np.argwhere(bad)[0]
            raise ValueError(f"{name}: {names[m]} has a missing or infinite coordinate at frame {t}; "
                             "clean it first, or pass nan_policy='interpolate' (or 'propagate')")
        if nan_policy == "interpolate":
            c = _interpolate(c, bad, names, name)
    return c, names, scalar, n_missing


def _interpolate(c, bad, names, name):
    """Linear interpolation of each missing coordinate; the ends take the nearest value."""
    c = c.copy()
    frames = np.arange(c.shape[0])
    for m in np.flatnonzero(bad.any(axis=0)):
        for k in range(c.shape[2]):
            ok = np.isfinite(c[:, m, k])
            if ok.all():
                continue
            if not ok.any():
                raise ValueError(f"{name}: {names[m]} has no finite value to interpolate from")
            c[~ok, m, k] = np.interp(frames[~ok], frames[ok], c[ok, m, k])
    return c


def _check_fps(fps) -> float:
    return check_positive("fps", fps)


def _bitbox_shape(values, scalar):
    """Bitbox's result items: an array per landmark, or a NumPy scalar for pose and box."""
    return [v[0] if scalar else v for v in values]


def _tidy(names, columns: dict, n_frames, n_missing) -> pd.DataFrame:
    out = pd.DataFrame({"point": np.asarray(names, dtype=object).astype(str), **columns})
    out["n_frames"] = np.int64(n_frames)
    out["n_missing"] = n_missing.astype(np.int64)
    return out


def motion_kinematics(data, fps=30, angular=False, *, type=None, dimension=None, tidy=False,  # noqa: A002
                      nan_policy="propagate"):
    """Range, path length, mean speed and mean acceleration of each point's motion.

    Points are the landmarks, the head (translation or rotation) or the
    centre of the face box. Arguments, defaults and numbers are those of
    Bitbox's ``bitbox.biomechanics.motion_kinematics``.

    Parameters
    ----------
    data : dict, array_like or pandas.DataFrame
        A Bitbox ``'landmark'``, ``'landmark-can'``, ``'pose'`` or
        ``'rectangle'`` dict; or an array / DataFrame (frames x values) with
        ``type`` (and ``dimension`` for landmarks); or a (frames, points, 2
        or 3) landmark array; or an OpenFace table with ``type='landmark'``
        (ibug51 points; ``dimension=3`` for the 3-D ones) or ``'pose'``.
    fps : float, default 30
        Frame rate.
    angular : bool, default False
        Head pose: use the rotation (radians) instead of the translation.
        Pose with only three columns (Bitbox's 3DI-lite) is rotation.
    type : {"landmark", "landmark-can", "pose", "rectangle"}, optional
        What plain input holds (a dict says it itself).
    dimension : {2, 3}, optional
        Landmarks' dimension for plain input (inferred for 51 points).
    tidy : bool, default False
        Return one DataFrame with a row per point (see Returns).
    nan_policy : {"propagate", "raise", "interpolate"}, default "propagate"
        Missing coordinates: ``"propagate"`` (as Bitbox: a point with a
        missing frame gets NaN), ``"raise"`` (an error naming the point and
        frame) or ``"interpolate"`` (linearly, ends by the nearest value).

    Returns
    -------
    list or pandas.DataFrame
        Default, as Bitbox: ``[range, path, speed, acceleration]``, each an
        array with one value per landmark, or one number for pose and face
        box. With ``tidy=True``, a DataFrame with one row per point and the
        columns ``point`` (str: ``landmark_<i>``, ``head_translation``,
        ``head_rotation`` or ``face_box``), ``range``, ``path_length``,
        ``speed``, ``acceleration`` (float), ``n_frames`` and ``n_missing``
        (frames with a missing coordinate, before interpolation).

    Notes
    -----
    With positions :math:`x_t` (:math:`t = 1..N`, :math:`N \\ge 4`),
    velocity :math:`v_t = f_{ps}(x_{t+1} - x_t)` and its change per frame
    :math:`a_t = v_{t+1} - v_t`:
    range :math:`= \\lVert \\max_t x_t - \\min_t x_t \\rVert` (per-axis
    extremes), path length :math:`= \\sum_t \\lVert x_{t+1} - x_t \\rVert`,
    speed :math:`= \\mathrm{mean}_t \\lVert v_t \\rVert` (units per second),
    acceleration :math:`= \\mathrm{mean}_t \\lVert a_t \\rVert`. As in
    Bitbox, :math:`a_t` is the change of velocity per frame (units per
    second per frame); multiply by ``fps`` for units per second squared.

    References
    ----------
    1. Bitbox: behavioral imaging toolbox, ``bitbox.biomechanics.motion_kinematics``
       (release 2025.10.dev2).
    2. Hammal, Z., Cohn, J. F., Messinger, D. S. (2015). Head movement
       dynamics during play and perturbed mother-infant interaction. IEEE
       Transactions on Affective Computing, 6(4), 361-370.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(31) / 30
    >>> pose = np.column_stack([10 * t, np.zeros(31), np.zeros(31), np.zeros((31, 3))])
    >>> motion_kinematics(pose, fps=30, type="pose")          # 10 mm/s along x for 1 s
    [np.float64(10.0), np.float64(10.0), np.float64(10.0), np.float64(0.0)]
    >>> motion_kinematics(pose, fps=30, type="pose", tidy=True)[["point", "range", "speed"]]
                  point  range  speed
    0  head_translation   10.0   10.0
    """
    fps = _check_fps(fps)
    c, names, scalar, n_missing = _prepare(data, angular, type, dimension, nan_policy, tidy)
    N = c.shape[0]
    if N < 4:
        raise ValueError(f"data: not enough frames for a motion profile; at least 4 are needed, got {N}")
    rng = _norm(c.max(axis=0) - c.min(axis=0))
    dx = np.diff(c, axis=0)
    step = _norm(dx)
    path = step.sum(axis=0)
    v = dx * fps
    speed = _norm(v).mean(axis=0)
    accel = _norm(np.diff(v, axis=0)).mean(axis=0)
    if tidy:
        return _tidy(names, {"range": rng, "path_length": path, "speed": speed, "acceleration": accel},
                     N, n_missing)
    return _bitbox_shape([rng, path, speed, accel], scalar)


def motion_smoothness(data, fps=30, angular=False, *, type=None, dimension=None, tidy=False,  # noqa: A002
                      nan_policy="propagate"):
    """Mean jerk and log dimensionless jerk of each point's motion.

    Arguments, defaults and numbers are those of Bitbox's
    ``bitbox.biomechanics.motion_smoothness``.

    Parameters
    ----------
    data, fps, angular, type, dimension, nan_policy
        As in :func:`motion_kinematics`.
    tidy : bool, default False
        Return one DataFrame with a row per point.

    Returns
    -------
    list or pandas.DataFrame
        Default, as Bitbox: ``[jerk, ldj]`` (arrays per landmark, or numbers
        for pose and face box). With ``tidy=True``: columns ``point``,
        ``jerk``, ``log_dimensionless_jerk`` (float), ``n_frames``,
        ``n_missing``.

    Notes
    -----
    With :math:`v_t = f_{ps}(x_{t+1} - x_t)`, :math:`a_t = v_{t+1} - v_t`
    and :math:`j_t = a_{t+1} - a_t` (changes per frame, as in Bitbox),
    jerk :math:`= \\mathrm{mean}_t \\lVert j_t \\rVert` and, with duration
    :math:`D = N / f_{ps}` and :math:`\\Delta t = 1 / f_{ps}`,

    .. math:: \\mathrm{LDJ} = -\\ln \\frac{D^3 \\sum_t \\lVert a_t \\rVert^2 \\Delta t}
              {\\max_t \\lVert v_t \\rVert^2}.

    This is Bitbox's definition. The published log dimensionless jerk
    (Balasubramanian et al.) integrates the squared *jerk* (the second
    derivative of velocity, in units per second cubed); Bitbox's uses the
    per-frame velocity change, so its value depends on the frame rate and
    is not dimensionless. A point that never moves gives NaN (0/0), one
    moving at constant velocity gives infinity.

    References
    ----------
    1. Bitbox: behavioral imaging toolbox, ``bitbox.biomechanics.motion_smoothness``
       (release 2025.10.dev2).
    2. Balasubramanian, S., Melendez-Calderon, A., Roby-Brami, A., Burdet, E.
       (2015). On the analysis of movement smoothness. Journal of
       NeuroEngineering and Rehabilitation, 12, 112.
    3. Hogan, N., Sternad, D. (2009). Sensitivity of smoothness measures to
       movement duration, amplitude, and arrests. Journal of Motor Behavior,
       41(6), 529-534.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(60) / 30
    >>> box = np.column_stack([100 + 5 * np.sin(2 * np.pi * t), np.full(60, 50.0),
    ...                        np.full(60, 80.0), np.full(60, 80.0)])
    >>> out = motion_smoothness(box, fps=30, type="rectangle", tidy=True)
    >>> out[["point", "jerk", "log_dimensionless_jerk"]].round(4)
          point    jerk  log_dimensionless_jerk
    0  face_box  0.8444                  1.0413
    """
    fps = _check_fps(fps)
    c, names, scalar, n_missing = _prepare(data, angular, type, dimension, nan_policy, tidy)
    N = c.shape[0]
    if N < 4:
        raise ValueError(f"data: not enough frames for a motion profile; at least 4 are needed, got {N}")
    dt = 1.0 / fps
    duration = N * dt
    v = np.diff(c, axis=0) * fps
    a = np.diff(v, axis=0)
    jerk = _norm(np.diff(a, axis=0)).mean(axis=0)
    a_norm = _norm(a)
    integral = (a_norm**2).sum(axis=0) * dt
    v_peak2 = _norm(v).max(axis=0) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        ldj = -np.log((duration**3 * integral) / v_peak2)
    if tidy:
        return _tidy(names, {"jerk": jerk, "log_dimensionless_jerk": ldj}, N, n_missing)
    return _bitbox_shape([jerk, ldj], scalar)


def _check_reference(reference, n_frames):
    """'mean', or a non-empty list of frame indices (ints; negative count from the end)."""
    if isinstance(reference, str):
        if reference != "mean":
            raise ValueError(f"reference must be 'mean' or a list of frame indices, got {reference!r}")
        return None
    if isinstance(reference, numbers.Integral) and not isinstance(reference, bool):
        raise TypeError("reference must be 'mean' or a list of frame indices; put a single frame in a "
                        f"list: [{reference}]")
    if not isinstance(reference, list | tuple | np.ndarray | pd.Index | pd.Series):
        raise TypeError(f"reference must be 'mean' or a list of frame indices, got {type(reference).__name__}")
    idx = list(reference)
    if not idx:
        raise ValueError("reference: the list of frame indices is empty")
    for i in idx:
        if isinstance(i, bool | np.bool_) or not isinstance(i, numbers.Integral):
            raise TypeError(f"reference: frame indices must be integers, got {i!r}")
    idx = np.asarray(idx, dtype=np.int64)
    out = idx[(idx >= n_frames) | (idx < -n_frames)]
    if out.size:
        raise ValueError(f"reference: frame index {int(out[0])} is out of bounds for {n_frames} frames")
    return idx


def relative_motion(data, reference="mean", angular=False, *, type=None, dimension=None,  # noqa: A002
                    tidy=False, nan_policy="propagate"):
    """Minimum, mean, SD and maximum distance of each point from a reference position.

    The reference is the point's mean position, or its position in chosen
    reference frames (the statistics are then averaged over those frames).
    Arguments, defaults and numbers are those of Bitbox's
    ``bitbox.biomechanics.relative_motion``.

    Parameters
    ----------
    data, angular, type, dimension, nan_policy
        As in :func:`motion_kinematics`.
    reference : "mean" or list of int, default "mean"
        ``"mean"``: distances of every frame from the mean position.
        Frame indices (0-based; negative ones count from the end): for each
        reference frame, distances of all *other* frames (the reference
        frames left out) from the position in that frame; the four
        statistics are averaged over the reference frames (a frame listed
        twice counts twice, as in Bitbox).
    tidy : bool, default False
        Return one DataFrame with a row per point.

    Returns
    -------
    list or pandas.DataFrame
        Default, as Bitbox: ``[min, mean, std, max]`` (arrays per landmark,
        or numbers for pose and face box). With ``tidy=True``: columns
        ``point``, ``min``, ``mean``, ``std``, ``max`` (float; ``std`` with
        ddof 0), ``n_reference`` (reference frames, 0 for the mean),
        ``n_frames``, ``n_missing``.

    Notes
    -----
    With reference position :math:`r` and distances
    :math:`d_t = \\lVert x_t - r \\rVert` over the compared frames, the
    statistics are :math:`\\min_t d_t`, :math:`\\bar d`,
    :math:`\\sqrt{\\mathrm{mean}_t (d_t - \\bar d)^2}` and :math:`\\max_t d_t`.

    References
    ----------
    1. Bitbox: behavioral imaging toolbox, ``bitbox.biomechanics.relative_motion``
       (release 2025.10.dev2).

    Examples
    --------
    >>> import numpy as np
    >>> pose = np.zeros((4, 6))
    >>> pose[:, 0] = [0.0, 3.0, 0.0, 3.0]                 # Tx moves 3 mm back and forth
    >>> relative_motion(pose, type="pose")
    [np.float64(1.5), np.float64(1.5), np.float64(0.0), np.float64(1.5)]
    >>> relative_motion(pose, reference=[0], type="pose", tidy=True)[["min", "mean", "max"]]
       min  mean  max
    0  0.0   2.0  3.0
    """
    c, names, scalar, n_missing = _prepare(data, angular, type, dimension, nan_policy, tidy)
    N = c.shape[0]
    idx = _check_reference(reference, N)
    if idx is None:
        dist = _norm(c - c.mean(axis=0))
        stats = [dist.min(axis=0), dist.mean(axis=0), dist.std(axis=0), dist.max(axis=0)]
        n_ref = 0
    else:
        keep = np.ones(N, dtype=bool)
        keep[idx] = False
        others = c[keep]
        if others.shape[0] == 0:
            raise ValueError("reference: every frame is a reference frame; no frame is left to compare")
        stats = [np.zeros(c.shape[1]) for _ in range(4)]
        for r in idx:  # one reference frame at a time: memory stays at one distance table
            dist = _norm(others - c[r])
            stats[0] += dist.min(axis=0)
            stats[1] += dist.mean(axis=0)
            stats[2] += dist.std(axis=0)
            stats[3] += dist.max(axis=0)
        stats = [s / idx.size for s in stats]
        n_ref = int(idx.size)
    if tidy:
        out = _tidy(names, dict(zip(["min", "mean", "std", "max"], stats, strict=True)), N, n_missing)
        out.insert(5, "n_reference", np.int64(n_ref))
        return out
    return _bitbox_shape(stats, scalar)
