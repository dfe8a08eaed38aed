"""Tests of bitbox_stats.clips against the paper's appendix ("Video Segmentation").

Reference: the appendix text of Lin, Girard & Morency (2020), copied verbatim
below and parsed here (``-SS`` counts from the end), and the rule stated there
that the last frame of a segment ending at 03 is the frame before the first
frame of a segment starting at 03.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from bitbox_stats.clips import segment_clips, segment_table

APPENDIX = """\
- Sadness: [00, 03], [03, 06], [30, 33], [33, 36], [-12, -09], [-09, -06], [-06, -03], [-03, -00]
- Startle: [03, 06], [06, 09], [09, 12], [12, 15], [15, 18]
- Fear: [00, 03], [03, 06], [06, 09], [09, 12], [12, 15], [15, 18], [18, 21]
- Pain: [00, 03], [03, 06], [06, 09], [-12, -09], [-09, -06], [-06, -03], [-03, -00]
- Disgust: [03, 06], [06, 09], [09, 12], [12, 15]
"""


def _appendix():
    rows = []
    for line in APPENDIX.splitlines():
        task, spans = line[2:].split(": ")
        for k, (a, b) in enumerate(re.findall(r"\[(-?\d+), (-?\d+)\]", spans), start=1):
            rows.append((task.lower(), k, a.startswith("-"), abs(int(a)), abs(int(b))))
    return rows


def _video(n, fps=25, valid=True):
    return pd.DataFrame({"frame": np.arange(1, n + 1), "valid": valid,
                         "success": 1, "x_0": np.arange(n, dtype=float)})


def test_table_is_the_papers_appendix():
    t = segment_table()
    expected = _appendix()
    assert len(t) == len(expected) == 31
    for row, (task, k, neg, a, b) in zip(t.itertuples(index=False), expected, strict=True):
        assert (row.task, row.clip, row.from_end) == (task, k, neg)
        if neg:
            assert (row.start_s, row.end_s) == (-a, -b)
        else:
            assert (row.start_s, row.end_s) == (a, b)
        assert row.duration_s == 3
    assert list(t.columns) == ["task", "clip", "start_s", "end_s", "from_end", "duration_s"]
    assert t["clip"].dtype == np.int64 and t["from_end"].dtype == bool


def test_segment_table_task_selection():
    assert segment_table(["startle", "disgust"])["task"].unique().tolist() == ["startle", "disgust"]
    with pytest.raises(ValueError, match="task 'joy' is not in the paper's segment table"):
        segment_table("joy")


def test_startle_frames_at_25_fps():
    cl = segment_clips(_video(1000), "startle", fps=25)
    c = cl.clips
    assert c["first_frame"].tolist() == [76, 151, 226, 301, 376]
    assert c["last_frame"].tolist() == [150, 225, 300, 375, 450]
    assert (c["n_frames"] == 75).all() and (c["n_padded"] == 0).all() and (c["n_shared"] == 0).all()
    assert c["start_s"].tolist() == [3.0, 6.0, 9.0, 12.0, 15.0]
    # clips do not share frames: the last frame of one is the one before the next's first
    f = cl.frames
    assert f["frame"].is_unique
    assert f.loc[f["clip"] == 1, "frame"].max() + 1 == f.loc[f["clip"] == 2, "frame"].min()
    np.testing.assert_array_equal(cl.clip(1)["x_0"], np.arange(75, 150, dtype=float))


def test_negative_offsets_count_from_the_end():
    cl = segment_clips(_video(1000), "pain", fps=25)
    c = cl.clips.set_index("clip")
    # [-12, -09] ... [-03, -00] of a 40-second video: seconds 28-31 ... 37-40
    assert c.loc[4, ["first_frame", "last_frame"]].tolist() == [701, 775]
    assert c.loc[7, ["first_frame", "last_frame"]].tolist() == [926, 1000]
    assert c.loc[4:7, "start_s"].tolist() == [28.0, 31.0, 34.0, 37.0]
    assert c.loc[4:7, "end_s"].tolist() == [31.0, 34.0, 37.0, 40.0]
    assert c["from_end"].tolist() == [False] * 3 + [True] * 4
    assert (c["n_frames"] == 75).all() and (c["n_padded"] == 0).all()
    assert cl.frames["frame"].is_unique


def test_short_video_is_padded_and_counted():
    v = _video(250)  # 10 s
    v.loc[v["frame"] == 230, "valid"] = False
    cl = segment_clips(v, "disgust", fps=25)
    c = cl.clips
    assert c["n_frames"].tolist() == [75, 75, 75, 75]
    assert c["n_padded"].tolist() == [0, 0, 50, 75]
    assert c["n_valid"].tolist() == [75, 75, 24, 0]
    clip3 = cl.clip(3)
    pad = clip3[clip3["padded"]]
    assert pad["frame"].tolist() == list(range(251, 301))
    assert not pad["valid"].any() and pad["x_0"].isna().all() and (pad["success"] == 0).all()
    assert clip3["success"].dtype == v["success"].dtype
    real = clip3[~clip3["padded"]]
    assert real["x_0"].tolist() == [float(i) for i in range(225, 250)]
    assert real["valid"].sum() == 24  # frame 230 stays invalid


def test_short_video_from_both_ends_shares_frames():
    # a 10-s pain video: the first 9 s and the last 12 s overlap
    cl = segment_clips(_video(250), "pain", fps=25)
    c = cl.clips.set_index("clip")
    assert c.loc[4, ["first_frame", "last_frame", "n_padded"]].tolist() == [-49, 25, 50]
    assert c.loc[1, "n_shared"] == 75 and c.loc[4, "n_shared"] == 25
    assert c.loc[4, "start_s"] == -2.0
    pad = cl.clip(4)
    assert pad.loc[pad["padded"], "frame"].tolist() == list(range(-49, 1))


def test_gaps_inside_the_video_are_padded():
    v = _video(600).query("frame < 100 or frame > 104").reset_index(drop=True)
    cl = segment_clips(v, "startle", fps=25)
    c = cl.clips
    assert c["n_padded"].tolist() == [5, 0, 0, 0, 0]
    clip1 = cl.clip(1)
    assert clip1.loc[clip1["padded"], "frame"].tolist() == [100, 101, 102, 103, 104]
    assert clip1["frame"].tolist() == list(range(76, 151))


def test_other_frame_rate():
    cl = segment_clips(_video(1000), "startle", fps=30)
    assert cl.clips["first_frame"].tolist()[:2] == [91, 181]
    assert (cl.clips["n_frames"] == 90).all()


def test_non_whole_frame_rate_never_overlaps():
    cl = segment_clips(_video(2000), "fear", fps=29.97)
    c = cl.clips
    assert (c["first_frame"].to_numpy()[1:] == c["last_frame"].to_numpy()[:-1] + 1).all()
    assert set(c["n_frames"]) <= {89, 90} and cl.frames["frame"].is_unique


def test_custom_segments():
    v = _video(500)
    cl = segment_clips(v, fps=25, segments=[(0, 2), (2, 4), (-2, 0)])
    assert cl.clips["first_frame"].tolist() == [1, 51, 451]
    assert cl.clips["n_frames"].tolist() == [50, 50, 50]
    t = pd.DataFrame({"task": ["a", "a", "b"], "start_s": [0, 1, 5], "end_s": [1, 2, 6]})
    cl = segment_clips(v, "b", fps=25, segments=t)
    assert cl.clips[["task", "clip", "first_frame"]].iloc[0].tolist() == ["b", 1, 126]
    cl = segment_clips(v, "x", fps=25, segments={"x": [(1, 2)], "y": [(0, 1)]})
    assert cl.clips["first_frame"].tolist() == [26]
    cl = segment_clips(v, "pain", fps=25, n_video_frames=1000)  # tracking stopped at frame 500
    assert cl.clips["last_frame"].iloc[-1] == 1000 and cl.clips["n_padded"].iloc[-1] == 75


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        ([(3, 3)], "start_s must be < end_s"),
        ([(0, 3), (2, 5)], "clips overlap: \\[0, 3\\] and \\[2, 5\\]"),
        ([(-6, -2), (-3, 0)], "clips overlap.*from the end"),
        ([(-3, 2)], "must end at or before the end of the video"),
        ([(0, np.inf)], "must be finite"),
        ([(0, 0.01)], "shorter than one frame"),
        ([(0, 1, 2)], "must be a \\(start_s, end_s\\) pair"),
        ([], "is empty"),
        (pd.DataFrame({"clip": [1, 1], "start_s": [0, 3], "end_s": [3, 6]}), "repeats a clip number"),
        (pd.DataFrame({"start_s": [0, -3], "end_s": [3, 0], "from_end": [False, False]}),
         "from_end must be True exactly where start_s is negative"),
        ({"a": [(0, 1)], "b": [(0, 1)]}, "holds several tasks"),
    ],
)
def test_bad_segments(segments, message):
    with pytest.raises(ValueError, match=message):
        segment_clips(_video(500), fps=25, segments=segments)


def test_bad_arguments():
    v = _video(100)
    with pytest.raises(ValueError, match="task 'joy' is not in the segment table"):
        segment_clips(v, "joy")
    with pytest.raises(ValueError, match="holds several tasks"):
        segment_clips(v)
    with pytest.raises(ValueError, match="fps must be > 0, got 0"):
        segment_clips(v, "pain", fps=0)
    with pytest.raises(ValueError, match="must be 1-based"):
        segment_clips(v.assign(frame=v["frame"] - 1), "pain")
    with pytest.raises(ValueError, match="duplicate frame numbers"):
        segment_clips(pd.concat([v, v.tail(1)]), "pain")
    with pytest.raises(TypeError, match="'valid' must be boolean"):
        segment_clips(v.assign(valid=1), "pain")
    with pytest.raises(ValueError, match="n_video_frames \\(50\\) is smaller"):
        segment_clips(v, "pain", n_video_frames=50)
    with pytest.raises(ValueError, match="frames has no column 'frame'"):
        segment_clips(v.drop(columns="frame"), "pain")
    cl = segment_clips(v, "pain")
    with pytest.raises(ValueError, match="already has a column 'clip'"):
        segment_clips(cl.frames, "pain")
    with pytest.raises(ValueError, match="number must be one of the clips"):
        cl.clip(9)


def test_valid_column_is_optional_and_repr():
    v = _video(500).drop(columns="valid")
    cl = segment_clips(v, "startle")
    assert cl.clips["n_valid"].tolist() == [75, 75, 75, 75, 75]
    assert repr(cl) == "Clips(task='startle', 5 clips at 25 fps, video 500 frames, 0 padded frames)"
    s = cl.summary()
    s.loc[0, "n_valid"] = -1
    assert cl.clips.loc[0, "n_valid"] == 75  # summary() is a copy
    assert isinstance(cl.frames.index, pd.RangeIndex)
