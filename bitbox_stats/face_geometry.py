"""Facial asymmetry from landmarks: Bitbox's mirror error, for all frames at once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .bitbox_data import IBUG51, coords, read_data

__all__ = ["asymmetry"]

REGIONS = ("eye", "brow", "nose", "mouth")

# ibug51 points of the left and right halves of each region; the right half is
# listed in mirror order of the left (Bitbox's landmarks_left_right). Points on
# the midline (nose bridge, lip centres) belong to neither half.
_LEFT = {
    "eye": [19, 20, 21, 22, 23, 24],
    "brow": [0, 1, 2, 3, 4],
    "nose": [14, 15],
    "mouth": [31, 32, 33, 43, 44, 50, 42, 41],
}
_RIGHT = {
    "eye": [28, 27, 26, 25, 30, 29],
    "brow": [9, 8, 7, 6, 5],
    "nose": [18, 17],
    "mouth": [37, 36, 35, 47, 46, 48, 38, 39],
}

# Bitbox's normalisation constants (bitbox.expressions.asymmetry, 2025.10.dev2):
# the median score of symmetric faces and the 99th percentile on extreme faces.
_SYM_3D = {
    "3DI": (0.5801, 0.7857, 0.0965, 1.0076, 0.6172),
    "3DIl": (0.5321, 0.8457, 0.1585, 1.0731, 0.6547),
}
_MAX_3D = {
    "3DI": (3.1310, 2.2180, 1.4357, 5.5638, 2.4260),
    "3DIl": (1.4455, 2.3044, 0.7789, 3.1907, 1.4160),
}
_SYM_2D = (0.9330, 1.1110, 0.0001, 0.7021, 0.7689)
#: centroids closer than this are treated as coinciding (no reflection), as in Bitbox
_DEGENERATE = 1e-8
_FRAMES_PER_BLOCK = 4096


def _mirror_error(xl: np.ndarray, xr: np.ndarray) -> np.ndarray:
    """Mean distance between the left points and the reflected right points, per frame.

    ``xl``, ``xr``: (frames, points, dimension). The right half is reflected
    across the plane (line in 2-D) that bisects the segment between the two
    halves' centroids (a Householder reflection); frames whose centroids
    coincide are compared unreflected.
    """
    cl = xl.mean(axis=1)
    cr = xr.mean(axis=1)
    n = cr - cl
    norm = np.sqrt(np.einsum("td,td->t", n, n))
    ok = norm > _DEGENERATE  # False for NaN too
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = np.where(ok[:, None], n / np.where(ok, norm, 1.0)[:, None], 0.0)
    centre = 0.5 * (cl + cr)
    along = np.einsum("tkd,td->tk", xr - centre[:, None, :], unit)
    mirrored = xr - 2.0 * along[:, :, None] * unit[:, None, :]
    diff = xl - mirrored
    return np.sqrt(np.einsum("tkd,tkd->tk", diff, diff)).mean(axis=1)


def _normalise(scores: np.ndarray, dimension: int, backend) -> np.ndarray:
    if dimension == 3:
        if backend not in _SYM_3D:
            raise ValueError(
                "asymmetry: Bitbox has normalisation constants for 3-D landmarks only from its 3DI "
                f"and 3DI-lite backends (backend '3DI' or '3DIl'), got backend={backend!r}. Other 3-D "
                "landmarks (for example OpenFace's, in millimetres in camera space) have no such "
                "constants: pass normalize=False for the raw mirror error"
            )
        lo = np.asarray(_SYM_3D[backend])
        hi = np.asarray(_MAX_3D[backend])
        out = (scores - lo) / (hi - lo)
    else:
        out = scores - np.asarray(_SYM_2D)
    # pandas' clip(lower=0): NaN stays NaN
    return np.where(out < 0, 0.0, out)


def asymmetry(landmarks, axis=0, normalize=True, *, dimension=None, backend=None, schema="ibug51",
              tidy=False):
    """Facial asymmetry per frame: the mirror error of eyes, brows, nose and mouth.

    For each frame and region, the right half of the region is reflected onto
    the left across the plane half-way between the two halves and
    perpendicular to the line joining their centroids; the score is the mean
    distance between the left points and their reflected partners. The
    arguments, defaults and numbers are those of Bitbox's
    ``bitbox.expressions.asymmetry``, computed for all frames at once.

    Parameters
    ----------
    landmarks : dict, array_like or pandas.DataFrame
        Landmarks of Bitbox's ``ibug51`` schema (the 68 iBUG points without
        the 17 jaw points): a Bitbox ``'landmark'`` or ``'landmark-can'``
        dict; a (frames x 102) or (frames x 153) array or DataFrame (values
        ``x0, y0, x1, y1, ...`` or ``x0, y0, z0, ...``); a (frames, 51, 2 or
        3) array; or an OpenFace table (its 68 points are mapped to ibug51,
        see :func:`bitbox_stats.openface_to_bitbox`; 3-D with
        ``dimension=3``).
    axis : {0, 1}, default 0
        Whether rows are frames (0) or coordinates (1), for 2-D input.
    normalize : bool, default True
        Rescale with Bitbox's constants (see Notes). 2-D landmarks: the
        median score of symmetric faces is subtracted. 3-D landmarks from
        Bitbox's 3DI (``backend='3DI'``) or 3DI-lite (``'3DIl'``): rescaled
        so that 0 is that median and 1 the 99th percentile on extreme faces.
        Other 3-D sources have no constants and need ``normalize=False``.
    dimension : {2, 3}, optional
        For arrays and DataFrames: the landmarks' dimension (inferred from
        102 or 153 values per frame when not given).
    backend : str, optional
        For arrays and DataFrames: the source (``'3DI'``, ``'3DIl'``), which
        chooses the 3-D normalisation constants.
    schema : {"ibug51"}, default "ibug51"
        The landmark schema (Bitbox knows no other).
    tidy : bool, default False
        Return one long DataFrame (see Returns).

    Returns
    -------
    pandas.DataFrame
        Default: one row per frame, as Bitbox returns it, with columns
        ``eye``, ``brow``, ``nose``, ``mouth`` (float: the regions' scores)
        and ``overall`` (their mean). A frame with a missing coordinate gets
        NaN. With ``tidy=True``: one row per frame and region with columns
        ``frame`` (int, 0-based), ``region`` (str: eye, brow, nose, mouth,
        overall) and ``asymmetry`` (float). ``attrs`` holds ``normalized``
        (bool) and ``n_missing`` (frames with a missing coordinate).

    Notes
    -----
    For a region with left points :math:`l_k` and right points :math:`r_k`
    (in mirror order) and centroids :math:`\\bar l, \\bar r`, let
    :math:`n = (\\bar r - \\bar l) / \\lVert \\bar r - \\bar l \\rVert` and
    :math:`c = (\\bar l + \\bar r) / 2`. The reflected right points are
    :math:`r'_k = r_k - 2\\,((r_k - c) \\cdot n)\\, n` (a Householder
    reflection; when the centroids are closer than 1e-8 the points are not
    reflected) and the score is :math:`\\frac{1}{K} \\sum_k \\lVert l_k - r'_k \\rVert`.
    ``overall`` is the mean of the four region scores.

    Normalisation (Bitbox's constants, per region eye, brow, nose, mouth,
    overall): 2-D, :math:`\\max(s - m, 0)` with
    :math:`m = (0.9330, 1.1110, 0.0001, 0.7021, 0.7689)`; 3-D,
    :math:`\\max((s - m) / (M - m), 0)` with, for 3DI,
    :math:`m = (0.5801, 0.7857, 0.0965, 1.0076, 0.6172)` and
    :math:`M = (3.1310, 2.2180, 1.4357, 5.5638, 2.4260)`, for 3DI-lite
    :math:`m = (0.5321, 0.8457, 0.1585, 1.0731, 0.6547)` and
    :math:`M = (1.4455, 2.3044, 0.7789, 3.1907, 1.4160)`. The 2-D constants
    are in the pixels of Bitbox's videos; 2-D landmarks from other trackers
    (OpenFace's are also ibug points in pixels) get the same constants, as
    in Bitbox, but their meaning depends on the image size.

    References
    ----------
    1. Bitbox: behavioral imaging toolbox, ``bitbox.expressions.asymmetry``
       (release 2025.10.dev2).
    2. Householder, A. S. (1958). Unitary triangularization of a
       nonsymmetric matrix. Journal of the ACM, 5(4), 339-342.

    Examples
    --------
    >>> import numpy as np
    >>> from bitbox_stats.face_geometry import _LEFT, _RIGHT
    >>> face = np.zeros((51, 2))
    >>> for region in _LEFT:                  # a face symmetric about x = 0 ...
    ...     for k, (l, r) in enumerate(zip(_LEFT[region], _RIGHT[region])):
    ...         face[l] = [-10 - k, 5 * k]; face[r] = [10 + k, 5 * k]
    >>> frames = np.stack([face, face])
    >>> frames[1, 37, 1] += 4.0               # ... with one mouth corner raised in frame 1
    >>> asymmetry(frames, normalize=False).round(3)
       eye  brow  nose  mouth  overall
    0  0.0   0.0   0.0  0.000    0.000
    1  0.0   0.0   0.0  1.013    0.253
    >>> asymmetry(frames, normalize=False, tidy=True).head(2)
       frame region  asymmetry
    0      0    eye        0.0
    1      0   brow        0.0
    """
    if not isinstance(normalize, bool | np.bool_):
        raise TypeError(f"normalize must be True or False, got {normalize!r}")
    if not isinstance(tidy, bool | np.bool_):
        raise TypeError(f"tidy must be True or False, got {tidy!r}")
    d = read_data(landmarks, name="landmarks", allowed=("landmark", "landmark-can"), dimension=dimension,
                  backend=backend, schema=None if isinstance(landmarks, dict) else schema, axis=axis,
                  default_type="landmark")
    if d.schema not in (None, "ibug51"):
        raise ValueError(f"landmarks: schema {d.schema!r} is not recognised; asymmetry needs Bitbox's "
                         "'ibug51' landmarks")
    xyz, _ = coords(d, angular=False, name="landmarks")
    if xyz.shape[1] != IBUG51:
        hint = (" (68-point OpenFace landmarks: pass the OpenFace table itself, or "
                "bitbox_stats.openface_to_bitbox, which drops the 17 jaw points)" if xyz.shape[1] == 68 else "")
        raise ValueError(f"landmarks: the ibug51 schema has 51 landmarks, got {xyz.shape[1]}{hint}")
    scores = np.empty((xyz.shape[0], len(REGIONS) + 1))
    for t0 in range(0, xyz.shape[0], _FRAMES_PER_BLOCK):  # blocks of frames: small temporaries
        block = xyz[t0 : t0 + _FRAMES_PER_BLOCK]
        for j, region in enumerate(REGIONS):
            scores[t0 : t0 + block.shape[0], j] = _mirror_error(block[:, _LEFT[region]], block[:, _RIGHT[region]])
    scores[:, -1] = scores[:, :-1].mean(axis=1)
    if normalize:
        scores = _normalise(scores, xyz.shape[2], d.backend)
    n_missing = int((~np.isfinite(xyz)).any(axis=(1, 2)).sum())
    columns = [*REGIONS, "overall"]
    if tidy:
        T = scores.shape[0]
        out = pd.DataFrame({
            "frame": np.repeat(np.arange(T, dtype=np.int64), len(columns)),
            "region": np.tile(np.asarray(columns, dtype=object), T).astype(str),
            "asymmetry": scores.ravel(),
        })
    else:
        out = pd.DataFrame(scores, columns=columns)
    out.attrs.update(normalized=bool(normalize), n_missing=n_missing)
    return out
