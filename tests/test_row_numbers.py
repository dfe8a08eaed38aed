"""Messages that point at a frame name it as the file numbers it (the ``frame`` column), or
say that a row number is 0-based, so that R users (who count from 1) are not off by one."""

import numpy as np
import pandas as pd
import pytest

import bitbox_stats as bs
from bitbox_stats.features import video_features


def _still_clip(n, first_frame=None):
    data = {f"x_{i}": np.full(n, 100.0 + i) for i in range(68)}
    data.update({f"y_{i}": np.full(n, 200.0 + i) for i in range(68)})
    data.update(gaze_angle_x=np.zeros(n), gaze_angle_y=np.zeros(n), pose_Tx=np.zeros(n),
                pose_Ty=np.zeros(n), pose_Tz=np.full(n, 500.0), pose_Rx=np.zeros(n),
                pose_Ry=np.zeros(n), pose_Rz=np.zeros(n), AU01_c=np.zeros(n), AU01_r=np.zeros(n))
    df = pd.DataFrame(data)
    if first_frame is not None:
        df.insert(0, "frame", np.arange(first_frame, first_frame + n))
    return df


def test_clip_features_names_the_frame_number_when_the_clip_has_one():
    clip = _still_clip(10, first_frame=101)
    clip.loc[3, "x_5"] = np.nan
    with pytest.raises(ValueError, match=r"'x_5' has a missing or infinite value at frame 104, a valid frame"):
        bs.clip_features(clip)


def test_clip_features_says_the_row_is_0_based_without_frame_numbers():
    clip = _still_clip(10)
    clip.loc[3, "x_5"] = np.nan
    with pytest.raises(ValueError, match=r"'x_5' has a missing or infinite value in row 3 \(0-based\)"):
        bs.clip_features(clip)


def test_video_features_names_the_file_frame_number():
    frames = bs.simulate_study(n_subjects=1, tasks=("pain",), seed=4).frames("S001", "pain")
    frames = frames.assign(valid=True, frame=frames["frame"] + 1000)  # numbers unlike row positions
    frames.loc[10, "x_3"] = np.nan
    with pytest.raises(ValueError, match="'x_3' has a missing or infinite value at frame 1011, a valid frame"):
        video_features(frames, "pain")


def test_expressivity_says_the_row_is_0_based():
    x = pd.DataFrame({"a": np.sin(np.arange(200) / 5.0), "b": np.cos(np.arange(200) / 5.0)})
    x.loc[9, "b"] = np.nan
    with pytest.raises(ValueError, match=r"signal 'b' has a missing or infinite value \(nan\) in row 9 \(0-based\)"):
        bs.expressivity(x, scales=3, fps=30)


def test_manifest_row_is_said_to_be_0_based(tmp_path):
    manifest = pd.DataFrame({"path": ["a.csv", "b.csv"], "subject": ["S1", None], "task": ["pain", "pain"]})
    with pytest.raises(ValueError, match=r"manifest column 'subject' has a missing value in row 1 \(0-based\)"):
        bs.extract_features(manifest, fps=25)
