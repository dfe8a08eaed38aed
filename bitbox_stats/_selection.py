"""Choosing the signals of a frames table for the expression measures.

:func:`select_signals` is the argument layer of :func:`bitbox_stats.expressivity`
and :func:`bitbox_stats.diversity`: it turns a frames table from
:func:`bitbox_stats.read_frames` or :func:`bitbox_stats.read_openface` and a
column selection into the plain frames x signals table those functions
compute on, and takes the frame rate from the reader's ``attrs``. It adds no
statistics.
"""

from __future__ import annotations

import fnmatch

import numpy as np
import pandas as pd

#: Columns of a frames table that are never signals.
_NOT_SIGNALS = ("frame", "face_id", "timestamp", "confidence", "success", "valid", "no_of_faces", "frame_no")
#: The frame rate Bitbox's functions default to.
BITBOX_FPS = 30.0


def _is_frames_table(x) -> bool:
    return isinstance(x, pd.DataFrame) and "format" in x.attrs


def _pick(table: pd.DataFrame, signals) -> list[str]:
    if isinstance(signals, str):
        patterns = [signals]
    elif isinstance(signals, list | tuple) and signals and all(isinstance(s, str) for s in signals):
        patterns = list(signals)
    else:
        raise TypeError("signals must be a column name, a glob pattern such as 'AU*_r', or a list of them, "
                        f"got {signals!r}")
    chosen: list[str] = []
    columns = [str(c) for c in table.columns]
    for p in patterns:
        if any(ch in p for ch in "*?["):
            hits = [c for c in columns if fnmatch.fnmatchcase(c, p) and c not in _NOT_SIGNALS]
        else:
            hits = [p] if p in columns else []
        if not hits:
            shown = ", ".join(c for c in columns if c not in _NOT_SIGNALS)
            shown = shown if len(shown) <= 300 else shown[:300] + ", ..."
            raise ValueError(f"signals: {p!r} matches no column of the frames table (columns: {shown})")
        chosen += [c for c in hits if c not in chosen]
    bad = [c for c in chosen if not pd.api.types.is_numeric_dtype(table[c].dtype)
           or pd.api.types.is_bool_dtype(table[c].dtype)]
    if bad:
        raise TypeError(f"signals: column {bad[0]!r} is not numeric (dtype {table[bad[0]].dtype})")
    return chosen


def _on_frame_grid(table: pd.DataFrame, chosen: list[str]) -> pd.DataFrame:
    """The chosen columns with one row per frame from the first to the last: frames a tracker skipped
    come back as missing rows, so that the time axis stays uniform."""
    out = table[chosen]
    if "frame" not in table.columns:
        return out.reset_index(drop=True)
    fr = table["frame"].to_numpy()
    if fr.size and (np.diff(fr) != 1).any():
        if (np.diff(fr) <= 0).any():
            raise ValueError("activations: column 'frame' must increase (one row per frame, in order)")
        full = np.arange(fr[0], fr[-1] + 1)
        out = out.set_axis(fr).reindex(full)
    return out.reset_index(drop=True)


def select_signals(activations, signals, fps, nan_policy, axis=0):
    """``(activations, fps)`` for the expression measures.

    ``signals``: None, or the columns of a DataFrame to use (names or glob
    patterns). ``fps``: None takes ``activations.attrs["fps"]`` of a reader's
    table, else Bitbox's 30.
    """
    table = activations if isinstance(activations, pd.DataFrame) else None
    from_reader = _is_frames_table(activations)
    if signals is None:
        if from_reader and any(c in _NOT_SIGNALS for c in activations.columns):
            raise ValueError(
                f"activations is a frames table read from a {activations.attrs['format']} file; choose its "
                "signals with signals= (for example signals='AU*_r' or a list of columns)"
            )
    else:
        if table is None:
            raise TypeError(f"signals selects columns of a DataFrame; activations is a "
                            f"{type(activations).__name__}")
        if not isinstance(axis, int | np.integer) or isinstance(axis, bool) or axis != 0:
            raise ValueError(f"signals selects columns of a table whose rows are frames; axis must be 0, "
                             f"got {axis!r}")
        if "face_id" in table.columns and table["face_id"].nunique() > 1:
            raise ValueError("activations holds several faces (column 'face_id'); select one face's frames first")
        chosen = _pick(table, signals)
        activations = _on_frame_grid(table, chosen)
        if nan_policy == "raise" and "valid" in table.columns:
            n_invalid = int((~table["valid"].to_numpy(dtype=bool)).sum())
            n_gap = len(activations) - len(table)
            if n_invalid or n_gap:
                raise ValueError(
                    f"activations: {n_invalid} frame(s) the tracker did not track (valid=False) and "
                    f"{n_gap} frame(s) missing from the table have no values; pass nan_policy='interpolate' "
                    "to fill them by linear interpolation (counted in n_missing), or choose a stretch of "
                    "valid frames"
                )
    if fps is None:
        known = float(table.attrs.get("fps", np.nan)) if table is not None else np.nan
        if np.isfinite(known):
            fps = known
        elif from_reader:
            raise ValueError(f"fps: the frame rate of this {table.attrs['format']} file is unknown "
                             "(attrs['fps'] is missing); pass fps=")
        else:
            fps = BITBOX_FPS
    return activations, fps
