"""Tests of bitbox_stats.features: clip features in closed form, and batch extraction.

References: hand-built frames whose features are known in closed form
(uniform and accelerating motion, constant angular speed, AU patterns); an
independent, loop-by-loop implementation of the definitions applied to the
real OpenFace 2.0 fixture; and the step-by-step public path (read_openface ->
segment_clips -> clip_features), which extract_features must reproduce
exactly, serially and on processes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bitbox_stats as bs
from bitbox_stats import example_file
from bitbox_stats.clips import segment_clips
from bitbox_stats.features import (
    FEATURES,
    clip_features,
    extract_features,
    feature_definitions,
    openface_manifest,
)
from bitbox_stats.openface import openface_columns, read_openface, write_openface

# real OpenFace 2.0 output shipped with the package (see bitbox_stats/data/README.md)
FIXTURE = example_file("OpenFace_Test.csv")

X = [f"x_{i}" for i in range(68)]
Y = [f"y_{i}" for i in range(68)]


def _clip(n, **columns):
    """A still face over ``n`` frames; keyword arguments replace columns."""
    data = {f"x_{i}": np.full(n, 100.0 + i) for i in range(68)}
    data.update({f"y_{i}": np.full(n, 200.0 + i) for i in range(68)})
    data.update(gaze_angle_x=np.zeros(n), gaze_angle_y=np.zeros(n), pose_Tx=np.zeros(n),
                pose_Ty=np.zeros(n), pose_Tz=np.full(n, 500.0), pose_Rx=np.zeros(n),
                pose_Ry=np.zeros(n), pose_Rz=np.zeros(n), AU01_c=np.zeros(n), AU01_r=np.zeros(n))
    df = pd.DataFrame(data)
    for name, value in columns.items():
        df[name] = value
    return df


def _row(df, **kw):
    out = clip_features(df, **kw)
    assert out.shape[0] == 1 and list(out.columns) == FEATURES + [
        "n_frames", "n_valid", "n_padded", "valid_fraction", "reason"]
    return out.iloc[0]


# --------------------------------------------------------------------------- closed forms


def test_landmarks_moving_one_pixel_per_frame_at_5_hz():
    t = np.arange(15.0)
    df = _clip(15)
    for c in X:
        df[c] = df[c] + t
    r = _row(df, fps=5, target_fps=5)
    assert r["points_displacement"] == pytest.approx(1.0, abs=1e-12)
    assert r["points_velocity"] == pytest.approx(0.0, abs=1e-12)
    for name in ("gaze", "head", "pitch", "yaw", "roll"):
        assert r[f"{name}_displacement"] == 0 and r[f"{name}_velocity"] == 0
    assert pd.isna(r["reason"]) and r["n_frames"] == 15 and r["valid_fraction"] == 1.0


def test_one_landmark_of_68_moving():
    df = _clip(10, x_7=np.arange(10.0) * 3, y_7=np.arange(10.0) * 4)  # 5 px per frame
    r = _row(df, fps=5, target_fps=5)
    assert r["points_displacement"] == pytest.approx(5 / 68, rel=1e-12)


@pytest.mark.parametrize("method", ["mean", "decimate"])
def test_downsampling_25_to_5_hz(method):
    # 1 px per frame at 25 Hz = 5 px per 5-Hz step; uniform motion has velocity 0
    df = _clip(75)
    for c in Y:
        df[c] = df[c] + np.arange(75.0)
    r = _row(df, fps=25, target_fps=5, downsample=method)
    assert r["points_displacement"] == pytest.approx(5.0, rel=1e-12)
    assert r["points_velocity"] == pytest.approx(0.0, abs=1e-9)


def test_accelerating_landmarks_have_constant_velocity():
    # x_t = t^2 / 2 at 5 Hz: d_s = s - 1/2, |d_s - d_(s-1)| = 1 px per step -> 5 px/s
    t = np.arange(15.0)
    df = _clip(15)
    for c in X:
        df[c] = df[c] + t ** 2 / 2
    r = _row(df, fps=5, target_fps=5)
    assert r["points_displacement"] == pytest.approx(7.0, rel=1e-12)  # mean of 0.5 .. 13.5
    assert r["points_velocity"] == pytest.approx(5.0, rel=1e-12)


def test_head_turning_at_constant_angular_speed():
    omega = 0.5  # rad/s
    t = np.arange(75) / 25
    df = _clip(75, pose_Rx=omega * t, pose_Ry=-2 * omega * t, pose_Rz=0.01 * np.ones(75))
    r = _row(df, fps=25, target_fps=5)
    assert r["pitch_displacement"] == pytest.approx(omega / 5, rel=1e-12)
    assert r["yaw_displacement"] == pytest.approx(2 * omega / 5, rel=1e-12)
    assert r["roll_displacement"] == 0
    for name in ("pitch", "yaw", "roll"):
        assert r[f"{name}_velocity"] == pytest.approx(0.0, abs=1e-12)


def test_head_translation_and_gaze_are_euclidean():
    s = np.arange(10.0)
    df = _clip(10, pose_Tx=1 * s, pose_Ty=2 * s, pose_Tz=500 + 2 * s,
               gaze_angle_x=0.03 * s, gaze_angle_y=0.04 * s)
    r = _row(df, fps=5, target_fps=5)
    assert r["head_displacement"] == pytest.approx(3.0, rel=1e-12)  # |(1, 2, 2)| mm per step
    assert r["gaze_displacement"] == pytest.approx(0.05, rel=1e-12)  # |(0.03, 0.04)| rad per step


def test_velocity_of_a_speeding_up_head():
    # steps of 1, 2, 1, 2 ... mm: |change| is always 1 mm per step -> 5 mm/s at 5 Hz
    steps = np.array([0, 1, 2, 1, 2, 1, 2, 1, 2, 1], dtype=float)
    r = _row(_clip(10, pose_Tx=np.cumsum(steps)), fps=5, target_fps=5)
    assert r["head_displacement"] == pytest.approx(13 / 9, rel=1e-12)
    assert r["head_velocity"] == pytest.approx(5.0, rel=1e-12)


def test_action_unit_patterns():
    n = 10
    df = _clip(n)
    df["AU01_c"] = [1.0] * 5 + [0.0] * 5
    df["AU01_r"] = 2.0
    df["AU02_c"] = 1.0
    df["AU02_r"] = 1.0
    df["AU28_c"] = [0.0] * 8 + [1.0] * 2  # OpenFace has no AU28_r
    r = _row(df, fps=5, target_fps=5)
    assert r["au_count"] == pytest.approx((5 * 2 + 3 * 1 + 2 * 2) / 10)
    # (frame, unit) pairs present with an intensity: 5 x AU01 at 2, 10 x AU02 at 1
    assert r["au_intensity"] == pytest.approx((5 * 2 + 10 * 1) / 15)


def test_no_action_unit_present_gives_zero_intensity():
    r = _row(_clip(10, AU01_r=3.0), fps=5, target_fps=5)
    assert r["au_count"] == 0 and r["au_intensity"] == 0


def test_action_units_use_valid_frames_at_the_original_rate():
    df = _clip(10, AU01_c=[1.0, 1, 1, 0, 0, 0, 0, 0, 0, 0], AU01_r=4.0)
    df["valid"] = [False, True, True, True, True, True, True, True, True, True]
    r = _row(df, fps=25, target_fps=5)
    assert r["au_count"] == pytest.approx(2 / 9)
    assert r["au_intensity"] == pytest.approx(4.0)


def test_invalid_frames_break_the_steps():
    # 1 px per frame, but the face 'jumps' 100 px across an invalid frame
    x = np.r_[np.arange(5.0), np.nan, 100 + np.arange(4.0)]
    df = _clip(10)
    for c in X:
        df[c] = df[c] + x
    df["valid"] = ~np.isnan(x)
    r = _row(df, fps=5, target_fps=5)
    assert r["points_displacement"] == pytest.approx(1.0, rel=1e-12)  # 4 + 3 steps of 1 px
    assert r["points_velocity"] == pytest.approx(0.0, abs=1e-12)
    assert r["n_valid"] == 9 and r["valid_fraction"] == pytest.approx(0.9)


def test_mean_downsampling_uses_the_valid_frames_of_each_bin():
    x = np.arange(15.0)
    df = _clip(15)
    for c in X:
        df[c] = df[c] + x
    valid = np.ones(15, bool)
    valid[4] = False  # first bin: mean of 0..3 = 1.5; then 7 and 12
    df["valid"] = valid
    r = _row(df, fps=25, target_fps=5)
    assert r["points_displacement"] == pytest.approx((5.5 + 5.0) / 2, rel=1e-12)
    assert r["points_velocity"] == pytest.approx(0.5 * 5, rel=1e-12)
    d = _row(df, fps=25, target_fps=5, downsample="decimate")  # frames 0, 5, 10
    assert d["points_displacement"] == pytest.approx(5.0, rel=1e-12)


def test_too_few_valid_frames_give_missing_features_and_a_reason():
    df = _clip(20, valid=[True] * 8 + [False] * 12)
    r = _row(df, fps=5, target_fps=5)
    assert all(math.isnan(r[f]) for f in FEATURES)
    assert r["reason"] == "too few valid frames: 8 of 20 (40%) < min_valid_fraction 0.5"
    r = _row(df, fps=5, target_fps=5, min_valid_fraction=0.4)
    assert not math.isnan(r["points_displacement"]) and pd.isna(r["reason"])
    r = _row(_clip(5, valid=False), fps=5, target_fps=5, min_valid_fraction=0)
    assert r["reason"] == "no valid frames (0 of 5)" and math.isnan(r["au_count"])


def test_reasons_when_steps_are_missing():
    r = _row(_clip(4, valid=[True, False, True, False]), fps=5, target_fps=5)
    assert r["reason"] == "no two consecutive valid 5 Hz samples: displacement and velocity missing"
    assert math.isnan(r["points_displacement"]) and r["au_count"] == 0
    r = _row(_clip(4, valid=[True, True, False, True]), fps=5, target_fps=5)
    assert r["reason"] == "no three consecutive valid 5 Hz samples: velocity missing"
    assert r["points_displacement"] == 0 and math.isnan(r["points_velocity"])


def test_padded_frames_are_counted():
    v = _clip(100)
    v.insert(0, "frame", np.arange(1, 101))
    v["valid"] = True
    cl = segment_clips(v, "startle", fps=25)
    r = _row(cl.clip(1), fps=25)
    assert (r["n_frames"], r["n_valid"], r["n_padded"]) == (75, 25, 50)
    assert r["reason"].startswith("too few valid frames: 25 of 75")


def test_clip_feature_errors():
    df = _clip(10)
    with pytest.raises(ValueError, match="fps / target_fps must be a whole number .* 25 / 4 = 6.25"):
        clip_features(df, fps=25, target_fps=4)
    with pytest.raises(ValueError, match="several clips"):
        clip_features(df.assign(clip=[1] * 5 + [2] * 5))
    with pytest.raises(ValueError, match="consecutive frames"):
        clip_features(df.assign(frame=[1, 2, 3, 5, 6, 7, 8, 9, 10, 11]))
    bad = df.copy()
    bad.loc[3, "x_5"] = np.nan
    with pytest.raises(ValueError, match=r"clip column 'x_5' has a missing or infinite value in row 3 \(0-based\)"):
        clip_features(bad)
    assert not math.isnan(clip_features(bad.assign(valid=np.arange(10) != 3))["au_count"].iloc[0])
    with pytest.raises(TypeError, match="'valid' must be boolean"):
        clip_features(df.assign(valid=1))
    with pytest.raises(ValueError, match="downsample must be one of"):
        clip_features(df, downsample="median")
    with pytest.raises(ValueError, match="min_valid_fraction must be between 0 and 1, got 50"):
        clip_features(df, min_valid_fraction=50)


def test_feature_definitions():
    d = feature_definitions()
    assert d["feature"].tolist() == FEATURES and d.notna().all().all()
    units = dict(zip(d["feature"], d["unit"], strict=True))
    assert units["points_displacement"] == "px" and units["head_velocity"] == "mm/s"
    assert units["roll_displacement"] == "rad"


# --------------------------------------------------------------------------- the real file


def _naive_features(of, fps=25, target=5):
    """The definitions, one loop at a time (independent of the vectorised code)."""
    k = fps // target
    rows = of.to_dict("records")
    motion = X + Y + ["gaze_angle_x", "gaze_angle_y", "pose_Tx", "pose_Ty", "pose_Tz",
                      "pose_Rx", "pose_Ry", "pose_Rz"]
    samples = []
    for b in range(0, len(rows), k):
        group = [r for r in rows[b:b + k] if r["valid"]]
        samples.append({c: sum(r[c] for r in group) / len(group) for c in motion} if group else None)
    groups = {
        "points": [((f"x_{j}", f"y_{j}"),) for j in range(68)],
        "gaze": [(("gaze_angle_x", "gaze_angle_y"),)],
        "head": [(("pose_Tx", "pose_Ty", "pose_Tz"),)],
        "pitch": [(("pose_Rx",),)], "yaw": [(("pose_Ry",),)], "roll": [(("pose_Rz",),)],
    }
    out = {}
    for name, points in groups.items():
        d = []
        for s in range(1, len(samples)):
            a, b = samples[s - 1], samples[s]
            if a is None or b is None:
                d.append(None)
                continue
            dist = [math.dist([b[c] for c in cols], [a[c] for c in cols]) for (cols,) in points]
            d.append(sum(dist) / len(dist))
        steps = [x for x in d if x is not None]
        changes = [abs(d[i] - d[i - 1]) for i in range(1, len(d)) if d[i] is not None and d[i - 1] is not None]
        out[f"{name}_displacement"] = sum(steps) / len(steps)
        out[f"{name}_velocity"] = sum(changes) / len(changes) * target
    valid = [r for r in rows if r["valid"]]
    units = [c[:-2] for c in of.columns if c.startswith("AU") and c.endswith("_c")]
    out["au_count"] = sum(sum(r[u + "_c"] == 1 for u in units) for r in valid) / len(valid)
    present = [(r[u + "_r"]) for r in valid for u in units if r[u + "_c"] == 1 and u + "_r" in r]
    out["au_intensity"] = sum(present) / len(present) if present else 0.0
    return out


def test_fixture_features_match_an_independent_implementation():
    of = read_openface(FIXTURE).iloc[:75]  # 3 seconds at 25 fps
    got = _row(of, fps=25, target_fps=5)
    want = _naive_features(of)
    for name in FEATURES:
        assert got[name] == pytest.approx(want[name], rel=1e-12, abs=1e-15), name
    assert got["n_frames"] == 75 and got["n_valid"] == 75


# --------------------------------------------------------------------------- batch extraction


def _video22(n, seed):
    """A plausible OpenFace 2.2 video: random-walk face, head and gaze, AU bursts."""
    rng = np.random.default_rng(seed)
    cols = openface_columns("2.2")
    v = pd.DataFrame(0.0, index=range(n), columns=cols)
    v["frame"] = np.arange(1, n + 1)
    v["timestamp"] = np.arange(n) / 25
    v["confidence"] = np.where(rng.random(n) < 0.05, 0.4, 0.97)
    v["success"] = (rng.random(n) > 0.02).astype(int)
    walk = np.cumsum(rng.normal(0, 0.3, size=(n, 1)), axis=0)
    v[X] = 300 + np.arange(68) * 2 + walk + rng.normal(0, 0.2, size=(n, 68))
    v[Y] = 250 + np.arange(68) + walk + rng.normal(0, 0.2, size=(n, 68))
    v[["pose_Tx", "pose_Ty", "pose_Tz"]] = [10, 40, 600] + np.cumsum(rng.normal(0, 0.3, (n, 3)), 0)
    v[["pose_Rx", "pose_Ry", "pose_Rz"]] = np.cumsum(rng.normal(0, 0.002, (n, 3)), 0)
    v[["gaze_angle_x", "gaze_angle_y"]] = rng.normal(0, 0.05, (n, 2))
    for c in cols:
        if c.startswith("AU") and c.endswith("_c"):
            v[c] = (rng.random(n) < 0.3).astype(float)
        elif c.startswith("AU") and c.endswith("_r"):
            v[c] = rng.uniform(0, 3, n)
    return v


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    lengths = {"S01": 500, "S02": 300, "S03": 150}
    for k, (subject, n) in enumerate(lengths.items()):
        for j, task in enumerate(["startle", "pain"]):
            write_openface(_video22(n, seed=10 * k + j), root / f"{subject}_{task}.csv")
    return root


def _step_by_step(manifest, **kw):
    parts = []
    for path, subject, task in manifest.itertuples(index=False):
        cl = segment_clips(read_openface(path), task, fps=25)
        for k in cl.clips["clip"]:
            f = clip_features(cl.clip(k), fps=25, **kw)
            meta = cl.clips[cl.clips["clip"] == k][["clip", "start_s", "end_s", "n_shared"]]
            parts.append(pd.concat([pd.DataFrame({"subject": [subject], "task": [task]}),
                                    meta.reset_index(drop=True), f], axis=1))
    return pd.concat(parts, ignore_index=True)


def test_extract_equals_the_step_by_step_path(study):
    res = extract_features(study, progress=False)
    assert res.failures.empty
    f = res.features
    assert list(f.columns) == ["subject", "task", "clip", "start_s", "end_s"] + FEATURES + [
        "n_frames", "n_valid", "n_padded", "n_shared", "valid_fraction", "reason"]
    assert len(f) == 3 * (5 + 7)
    ref = _step_by_step(res.manifest)
    pd.testing.assert_frame_equal(f, ref[f.columns], check_exact=True, check_dtype=False)
    assert isinstance(f.index, pd.RangeIndex)
    # the short videos are padded and say so
    s03 = f[(f["subject"] == "S03") & (f["task"] == "startle")]
    assert s03["n_padded"].tolist() == [0, 75, 75, 75, 75]


def test_serial_and_processes_are_identical(study):
    serial = extract_features(study, progress=False)
    parallel = extract_features(study, progress=False, n_jobs=2)
    pd.testing.assert_frame_equal(serial.features, parallel.features, check_exact=True)


def test_manifest_table_and_options(study):
    m = openface_manifest(study)
    assert m["subject"].tolist() == ["S01", "S01", "S02", "S02", "S03", "S03"]
    sub = m[m["task"] == "pain"].iloc[::-1]
    res = extract_features(sub, progress=False, downsample="decimate", confidence=0.9)
    assert res.features["subject"].unique().tolist() == ["S03", "S02", "S01"]  # manifest order
    ref = _step_by_step(sub.reset_index(drop=True), downsample="decimate")
    # confidence=0.9 vs the reader's default 0.75: the 0.97 frames stay valid, the 0.4 ones not
    cols = ["points_displacement", "au_count"]
    np.testing.assert_array_equal(res.features[cols].to_numpy(), ref[cols].to_numpy())
    s = res.summary()
    assert s[["task", "n_files", "n_failed", "n_clips"]].iloc[0].tolist() == ["pain", 3, 0, 21]
    custom = extract_features(sub, progress=False, segments={"pain": [(0, 2), (-2, 0)]})
    assert custom.features["clip"].tolist() == [1, 2] * 3
    assert (custom.features["n_frames"] == 50).all()


def _bad_files(root: Path, good: Path):
    text = good.read_text()
    lines = text.splitlines(keepends=True)
    head = lines[0]
    (root / "E1_pain.csv").write_text("")
    (root / "E2_pain.csv").write_text(head)
    (root / "E3_pain.csv").write_text(head.replace(", pose_Rz", ", ") + "".join(lines[1:]))
    cells = lines[5].split(", ")
    cells[300] = "oops"
    (root / "E4_pain.csv").write_text("".join(lines[:5]) + ", ".join(cells) + "".join(lines[6:]))
    (root / "E5_pain.csv").write_text("".join(lines[:5]) + lines[4] + "".join(lines[5:]))
    second = [ln.replace(", 0, ", ", 1, ", 1) for ln in lines[1:]]
    (root / "E6_pain.csv").write_text(head + "".join(lines[1:]) + "".join(second))
    return {
        "E1": ("ValueError", "the file is empty"),
        "E2": ("ValueError", "header but no frames"),
        "E3": ("ValueError", "of the header has no name"),
        "E4": ("ValueError", "non-numeric value 'oops'"),
        "E5": ("ValueError", "duplicate frame numbers"),
        "E6": ("ValueError", "holds 2 faces"),
    }


def test_errors_collect_and_raise(study, tmp_path):
    good = study / "S02_pain.csv"
    expected = _bad_files(tmp_path, good)
    (tmp_path / "S02_pain.csv").write_bytes(good.read_bytes())
    res = extract_features(tmp_path, progress=False, errors="collect")
    fl = res.failures
    assert list(fl.columns) == ["path", "subject", "task", "error", "message"]
    assert fl["subject"].tolist() == sorted(expected)
    for row in fl.itertuples(index=False):
        kind, text = expected[row.subject]
        assert row.error == kind and text in row.message, row.message
        assert row.message.startswith(row.path)
    assert res.features["subject"].unique().tolist() == ["S02"]
    ref = extract_features(study, progress=False).features
    ref = ref[(ref["subject"] == "S02") & (ref["task"] == "pain")].reset_index(drop=True)
    pd.testing.assert_frame_equal(res.features, ref, check_exact=True)
    assert res.summary()[["n_files", "n_failed", "n_clips"]].iloc[0].tolist() == [7, 6, 7]
    assert repr(res).startswith("FeatureExtraction(7 files, 6 failed, 7 clips")
    with pytest.raises(ValueError, match=r"E1_pain\.csv: the file is empty"):
        extract_features(tmp_path, progress=False)
    with pytest.raises(ValueError, match=r"E1_pain\.csv: the file is empty"):
        extract_features(tmp_path, progress=False, n_jobs=2)


def test_all_files_failing(tmp_path):
    (tmp_path / "A_pain.csv").write_text("")
    res = extract_features(tmp_path, progress=False, errors="collect")
    assert res.features.empty and len(res.failures) == 1
    assert list(res.features.columns)[:5] == ["subject", "task", "clip", "start_s", "end_s"]
    assert res.summary()[["n_files", "n_failed", "n_clips"]].iloc[0].tolist() == [1, 1, 0]


def test_missing_file_is_named(tmp_path):
    m = pd.DataFrame({"path": [str(tmp_path / "gone.csv")], "subject": ["S9"], "task": ["pain"]})
    with pytest.raises(FileNotFoundError, match="gone.csv"):
        extract_features(m, progress=False)
    res = extract_features(m, progress=False, errors="collect")
    assert res.failures["error"].tolist() == ["FileNotFoundError"]


def test_progress_bar(study, capsys):
    m = openface_manifest(study).head(2)
    extract_features(m, progress=True)
    assert "OpenFace files" in capsys.readouterr().err
    extract_features(m, progress=False)
    assert capsys.readouterr().err == ""


def test_manifest_errors(study, tmp_path):
    m = openface_manifest(study)
    with pytest.raises(ValueError, match="not in the paper's segment table"):
        extract_features(m.assign(task=m["task"].replace("pain", "joy")), progress=False)
    with pytest.raises(ValueError, match="sharing a \\(subject, task\\) pair"):
        extract_features(pd.concat([m, m.head(1)]), progress=False)
    with pytest.raises(ValueError, match="manifest has no column 'task'"):
        extract_features(m.drop(columns="task"), progress=False)
    with pytest.raises(ValueError, match="either client .* or n_jobs"):
        extract_features(m, progress=False, n_jobs=2, client="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="errors must be one of"):
        extract_features(m, errors="ignore")
    with pytest.raises(TypeError, match="progress must be True, False or None"):
        extract_features(m, progress="yes")
    (tmp_path / "notes.csv").write_text("x\n")
    (tmp_path / "S1_pain.csv").write_text("x\n")
    with pytest.raises(ValueError, match="1 file\\(s\\) .* do not match pattern.*'notes.csv'"):
        openface_manifest(tmp_path, r"^(?P<subject>S\d+)_(?P<task>\w+)\.csv$")
    with pytest.raises(ValueError, match="named groups"):
        openface_manifest(tmp_path, r"(?P<who>\w+)\.csv")
    with pytest.raises(ValueError, match="no file in"):
        openface_manifest(tmp_path, glob="*.txt")


def test_video_features_equal_extract_features_on_the_written_file(tmp_path):
    """The in-memory path gives what extract_features gives for the same frames on disk."""
    from bitbox_stats.features import video_features
    from bitbox_stats.simulate import simulate_study

    study = simulate_study(n_subjects=2, tasks=("pain", "startle"), seed=4)
    rows = []
    for subject, task, frames in study.videos():
        write_openface(frames, tmp_path / f"{subject}_{task}.csv", precision="full")
        got = video_features(frames, task)
        assert frames.columns[-1] == "AU45_c"  # the input is not modified
        got.insert(0, "task", task)
        got.insert(0, "subject", subject)
        rows.append(got)
    mine = pd.concat(rows, ignore_index=True)
    files = extract_features(tmp_path, progress=False).features
    key = ["subject", "task", "clip"]
    files = files.sort_values(key, ignore_index=True)
    mine = mine.sort_values(key, ignore_index=True)
    files["task"] = files["task"].astype(object)
    mine["task"] = mine["task"].astype(object)
    pd.testing.assert_frame_equal(mine.drop(columns=["subject", "task"]),
                                  files.drop(columns=["subject", "task"]), check_exact=False, rtol=1e-12)
    assert (mine[key].astype(str).to_numpy() == files[key].astype(str).to_numpy()).all()


def test_video_features_with_a_valid_column_refuses_a_missing_value_on_a_valid_frame():
    from bitbox_stats.features import video_features
    from bitbox_stats.simulate import simulate_study

    frames = simulate_study(n_subjects=1, tasks=("pain",), seed=4).frames("S001", "pain")
    frames = frames.assign(valid=frames["success"] == 1)
    frames.loc[10, "x_3"] = np.nan
    with pytest.raises(ValueError, match=f"column 'x_3' has a missing or infinite value at frame {frames.loc[10, 'frame']}, a valid frame"):
        video_features(frames, "pain")
    frames.loc[10, "valid"] = False  # marked invalid, it is simply not used
    assert len(video_features(frames, "pain")) > 0


# --------------------------------------------------------------------------- partial OpenFace outputs


def _keep_columns(src, dst, keep):
    """Rewrite an OpenFace CSV with only the columns ``keep(name)`` accepts, as OpenFace writes a run
    with fewer outputs (``-aus -pose``, ``-gaze``, no ``-2Dfp`` ...)."""
    lines = Path(src).read_text().splitlines()
    names = [n.strip() for n in lines[0].split(",")]
    idx = [j for j, n in enumerate(names) if keep(n)]
    out = []
    for line in lines:
        cells = line.split(",")
        out.append(",".join(cells[j] for j in idx))
    Path(dst).write_text("\n".join(out) + "\n")


_IDENTITY = {"frame", "face_id", "timestamp", "confidence", "success"}
_GROUP_OF = {f: g for g, fs in {
    "landmarks": ["points_displacement", "points_velocity"], "gaze": ["gaze_displacement", "gaze_velocity"],
    "head_translation": ["head_displacement", "head_velocity"], "pitch": ["pitch_displacement", "pitch_velocity"],
    "yaw": ["yaw_displacement", "yaw_velocity"], "roll": ["roll_displacement", "roll_velocity"],
    "au_presence": ["au_count"], "au_intensity": ["au_intensity"]}.items() for f in fs}

PARTIAL = {
    # an OpenFace run without -2Dfp (36 of 150 real files had no 2D landmarks)
    "no_2d_landmarks": (lambda n: not (n.startswith("x_") or n.startswith("y_")), {"landmarks"}),
    # -aus -pose
    "aus_and_pose": (lambda n: n in _IDENTITY or n.startswith("AU") or n.startswith("pose_"),
                     {"landmarks", "gaze"}),
    # -gaze only: gaze vectors and angles, no AUs
    "gaze_only": (lambda n: n in _IDENTITY or n.startswith("gaze_"),
                  {"landmarks", "head_translation", "pitch", "yaw", "roll", "au_presence", "au_intensity"}),
    # intensities trimmed afterwards, presences kept
    "no_intensities": (lambda n: not n.endswith("_r"), {"au_intensity"}),
}


@pytest.mark.parametrize("variant", sorted(PARTIAL))
def test_partial_outputs_give_every_feature_their_columns_allow(study, tmp_path, variant):
    keep, missing_groups = PARTIAL[variant]
    full = extract_features(openface_manifest(study).head(2), progress=False).features
    for src in sorted(study.glob("*.csv"))[:2]:
        _keep_columns(src, tmp_path / src.name, keep)
    with pytest.warns(bs.MissingFeaturesWarning) as caught:
        res = extract_features(tmp_path, progress=False)
    assert len([w for w in caught if issubclass(w.category, bs.MissingFeaturesWarning)]) == 1
    message = str(caught[0].message)
    assert "2 of 2 file(s) lack the columns of some features" in message
    for g in missing_groups:
        assert g in message
    got = res.features
    pd.testing.assert_frame_equal(got[["subject", "task", "clip"]], full[["subject", "task", "clip"]])
    for f in FEATURES:
        if _GROUP_OF[f] in missing_groups:
            assert got[f].isna().all(), f
        else:  # the same numbers as from the complete file
            np.testing.assert_array_equal(got[f].to_numpy(), full[f].to_numpy(), err_msg=f)
    pd.testing.assert_frame_equal(got[["n_frames", "n_valid", "reason"]], full[["n_frames", "n_valid", "reason"]])
    m = res.missing
    assert list(m.columns) == ["path", "subject", "task", "group", "features", "columns"]
    assert set(m["group"]) == missing_groups and m["path"].nunique() == 2
    s = res.summary()
    assert s["n_partial"].sum() == 2 and set(", ".join(s["missing_groups"]).split(", ")) == missing_groups
    assert "2 file(s) lacking some feature columns" in repr(res)


def test_missing_inputs_name_the_columns(study, tmp_path):
    src = sorted(study.glob("*.csv"))[0]
    _keep_columns(src, tmp_path / src.name, lambda n: n not in ("y_5", "y_6", "pose_Rz"))
    with pytest.warns(bs.MissingFeaturesWarning):
        res = extract_features(tmp_path, progress=False)
    m = res.missing.set_index("group")
    assert m.loc["landmarks", "columns"] == "y_5, y_6" and m.loc["roll", "columns"] == "pose_Rz"
    assert m.loc["roll", "features"] == "roll_displacement, roll_velocity"
    assert res.missing["path"].iloc[0] == str(tmp_path / src.name)


def test_clip_features_of_a_partial_clip_warn_once():
    df = _clip(10).drop(columns=X + ["AU01_r"])
    with pytest.warns(bs.MissingFeaturesWarning) as caught:
        r = clip_features(df, fps=5, target_fps=5).iloc[0]
    assert len(caught) == 1
    text = str(caught[0].message)
    assert text.startswith("clip_features: 2 feature group(s) could not be computed")
    assert "landmarks (points_displacement, points_velocity) lacks x_0, x_1" in text
    assert "au_intensity (au_intensity) lacks AUxx_r of the units present (AU01_c)" in text
    assert math.isnan(r["points_displacement"]) and math.isnan(r["au_intensity"])
    assert r["au_count"] == 0 and r["head_displacement"] == 0 and pd.isna(r["reason"])
    # without any intensity column au_intensity is unknown, not 0 (0 means: units present, none active)
    with pytest.warns(bs.MissingFeaturesWarning, match="au_presence .* lacks AUxx_c"):
        r = clip_features(_clip(10).drop(columns=["AU01_c", "AU01_r"]), fps=5, target_fps=5).iloc[0]
    assert math.isnan(r["au_count"]) and r["points_displacement"] == 0


def test_feature_definitions_state_groups_and_required_columns():
    d = feature_definitions().set_index("feature")
    assert list(d.columns) == ["unit", "group", "columns", "required", "description"]
    assert d.loc["points_velocity", "group"] == "landmarks"
    assert d.loc["points_velocity", "required"] == "all of x_0..x_67, y_0..y_67 (OpenFace -2Dfp)"
    assert d.loc["roll_velocity", "required"] == "pose_Rz (OpenFace -pose)"
    assert d.loc["au_count", "required"] == "at least one AUxx_c (OpenFace -aus)"
    assert d["group"].map(lambda g: g in set(_GROUP_OF.values())).all()
    for f, g in _GROUP_OF.items():
        assert d.loc[f, "group"] == g


# --------------------------------------------------------------------------- several faces


def _two_faces(tmp_path):
    """An OpenFace 2.2 multi-face file: face 0 for the whole video (400 frames), face 1 from frame 101
    to 300 (a second person passing by)."""
    a = _video22(400, seed=1)
    b = _video22(400, seed=2).iloc[100:300]
    b["face_id"] = 1
    both = pd.concat([a, b]).sort_values(["frame", "face_id"], kind="stable")
    path = tmp_path / "S09_pain.csv"
    write_openface(both, path)
    return path


def test_all_faces_are_cut_into_the_same_clips(tmp_path):
    path = _two_faces(tmp_path)
    frames = read_openface(path, face_id="all")
    got = bs.video_features(frames, "pain")
    assert got["face_id"].tolist() == [0] * 7 + [1] * 7 and got.columns[0] == "face_id"
    for face in (0, 1):
        # the step-by-step path on the face alone, in the 400-frame video (clips counted from its end)
        cl = segment_clips(read_openface(path, face_id=face), "pain", fps=25, n_video_frames=400)
        want = pd.concat([clip_features(cl.clip(k), fps=25) for k in cl.clips["clip"]], ignore_index=True)
        mine = got[got["face_id"] == face].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[FEATURES + ["n_frames", "n_valid", "n_padded", "reason"]],
                                      want[FEATURES + ["n_frames", "n_valid", "n_padded", "reason"]])
    res = extract_features(tmp_path, face_id="all", progress=False)
    assert list(res.features.columns[:4]) == ["subject", "task", "face_id", "clip"]
    pd.testing.assert_frame_equal(res.features.drop(columns=["subject", "task"]), got)
    most = extract_features(tmp_path, face_id="most_frames", progress=False).features
    pd.testing.assert_frame_equal(most.drop(columns=["subject", "task"]),
                                  got[got["face_id"] == 0].drop(columns="face_id").reset_index(drop=True))


def test_clips_of_several_faces(tmp_path):
    frames = read_openface(_two_faces(tmp_path), face_id="all")
    cl = segment_clips(frames, "pain", fps=25)
    assert cl.n_video_frames == 400 and cl.clips["face_id"].tolist() == [0] * 7 + [1] * 7
    assert repr(cl).startswith("Clips(task='pain', 7 clips at 25 fps for each of 2 faces, video 400 frames")
    last = cl.clips[(cl.clips["face_id"] == 1) & (cl.clips["clip"] == 7)].iloc[0]
    assert (last["first_frame"], last["n_valid"], last["n_padded"]) == (326, 0, 75)  # face 1 left at 300
    one = cl.clip(2, face_id=1)
    assert one["face_id"].eq(1).all() and one["frame"].tolist() == list(range(76, 151))
    with pytest.raises(ValueError, match="the clips hold 2 faces \\(0, 1\\); choose one with face_id="):
        cl.clip(2)
    rows = clip_features(pd.concat([cl.clip(2, face_id=0), cl.clip(2, face_id=1)]).drop(columns="clip"))
    assert rows["face_id"].tolist() == [0, 1]
    pd.testing.assert_frame_equal(rows.iloc[[1]].drop(columns="face_id").reset_index(drop=True),
                                  clip_features(cl.clip(2, face_id=1)))
