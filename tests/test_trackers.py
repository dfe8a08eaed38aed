"""Tests of bitbox_stats.trackers.read_frames: every format, as each tool writes it.

References: files written here byte for byte the way each tool writes them
(FaceReader's detailed log with its metadata lines, CR line ends, tabs,
FIT_FAILED/FIND_FAILED rows and NotActive/A-E action units; iMotions' FACET
export with '#' metadata and interleaved eye-tracker rows; py-feat's CSV as
pandas writes it, index included; Live Link Face's CSV with its HH:MM:SS:FF.fff
timecode), whose values are known; and the real samples shipped with the
package and the tests (iMotions 5 and 6, py-feat), parsed independently here
with the standard library's csv module.
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bitbox_stats import example_file, read_frames, read_openface

DATA = Path(__file__).parent / "data"
FACET_V6 = example_file("iMotions_Test_v6.txt")
FACET_V5 = DATA / "iMotions_Test_v5.txt"
FEAT = example_file("Feat_Test.csv")


def _silent(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read_frames(path, **kw)


# --------------------------------------------------------------------------- FaceReader

FR_AUS = ["01 - Inner Brow Raiser", "02 - Outer Brow Raiser", "04 - Brow Lowerer", "06 - Cheek Raiser",
          "12 - Lip Corner Puller", "25 - Lips Part", "43 - Eyes Closed"]
FR_EMOTIONS = ["Neutral", "Happy", "Sad", "Angry", "Surprised", "Scared", "Disgusted", "Contempt"]
FR_HEADER = (["Video Time"] + FR_EMOTIONS + ["Valence", "Arousal", "Gender", "Age", "Beard", "Moustache",
              "Glasses", "Ethnicity", "Y - Head Orientation", "X - Head Orientation", "Z - Head Orientation",
              "Landmarks", "Quality", "Mouth", "Left Eye", "Right Eye", "Left Eyebrow", "Right Eyebrow",
              "Gaze Direction", "Identity"] + [f"Action Unit {a}" for a in FR_AUS]
             + ["Action Unit 12 - Left - Lip Corner Puller", "Action Unit 12 - Right - Lip Corner Puller",
                "Heart Rate", "Stimulus", "Event Marker"])
LETTERS = ["NotActive", "A", "B", "C", "D", "E"]


def _facereader(n=30, fps=25, failed=(3, 4), not_found=(10,), time_format="hms", comma=False, seed=0,
                skip=None, frame_rate_line=True, newline="\r"):
    """A FaceReader 'Video analysis detailed log' as FaceReader writes it, and the values in it."""
    rng = np.random.default_rng(seed)
    rows_at = np.arange(n) if skip is None else np.arange(0, n * skip, skip)
    t = rows_at / fps
    emo = rng.dirichlet(np.ones(8), size=n).round(4)
    valence = (emo[:, 1] - emo[:, 2:8].max(axis=1)).round(4)
    arousal = rng.uniform(0, 1, n).round(4)
    head = rng.normal(0, 5, (n, 3)).round(4)
    quality = rng.uniform(0.6, 1, n).round(4)
    mouth = rng.integers(0, 2, n)
    eyebrow = rng.integers(-1, 2, n)
    aus = rng.integers(0, 6, (n, len(FR_AUS) + 2))
    lines = ["Video analysis detailed log", "", "Face Model:\tGeneral", "Calibration:\tContinuous",
             "Start time:\t16-3-2021 14:35:07.123", "Filename:\tC:\\Users\\lab\\Müller_pain.avi"]
    if frame_rate_line:
        lines.append(f"Frame rate:\t{fps}")
    lines += ["", "\t".join(FR_HEADER)]

    def num(x):
        s = f"{x:.4f}"
        return s.replace(".", ",") if comma else s

    for i in range(n):
        if time_format == "hms":
            stamp = f"{int(t[i] // 3600):02d}:{int(t[i] // 60 % 60):02d}:{t[i] % 60:06.3f}"
        else:  # mm:ss.s
            stamp = f"{int(t[i] // 60):02d}:{t[i] % 60:04.1f}"
        if i in failed or i in not_found:
            word = "FIT_FAILED" if i in failed else "FIND_FAILED"
            lines.append("\t".join([stamp] + [word] * (len(FR_HEADER) - 4) + ["", "", ""]))
            continue
        cells = [stamp] + [num(x) for x in emo[i]] + [num(valence[i]), num(arousal[i]), "Female", "20 - 30",
                                                      "None", "None", "No", "Caucasian"]
        cells += [num(x) for x in head[i]] + ["375,4739 - 121,6879 - 383,2627", num(quality[i])]
        cells += ["Open" if mouth[i] else "Closed", "Open", "Closed" if i == 7 else "Open",
                  {1: "Raised", 0: "Neutral", -1: "Lowered"}[int(eyebrow[i])], "Neutral", "Forward", "NoIdentity"]
        cells += [LETTERS[a] for a in aus[i]] + ["", "Pain video", ""]
        lines.append("\t".join(cells))
    text = newline.join(lines) + newline
    truth = {"t": t, "emo": emo, "valence": valence, "arousal": arousal, "head": head, "quality": quality,
             "mouth": mouth, "eyebrow": eyebrow, "aus": aus,
             "invalid": np.isin(np.arange(n), list(failed) + list(not_found))}
    return text, truth


def test_facereader_log_as_facereader_writes_it(tmp_path):
    text, truth = _facereader()
    path = tmp_path / "P01_pain.txt"
    path.write_bytes(text.encode("utf-8"))
    f = _silent(path)
    a = f.attrs
    assert (a["format"], a["fps"], a["fps_source"]) == ("facereader", 25.0, "the file's 'Frame rate' line")
    assert (a["face_model"], a["calibration"], a["video_file"]) == ("General", "Continuous",
                                                                    "C:\\Users\\lab\\Müller_pain.avi")
    assert (a["n_fit_failed"], a["n_find_failed"], a["n_invalid"], a["n_frames"]) == (2, 1, 3, 30)
    assert a["frame_numbering"] == "time" and not a["decimal_comma"]
    assert f["frame"].tolist() == list(range(1, 31))
    np.testing.assert_allclose(f["timestamp"], truth["t"], atol=5e-4)
    assert f["valid"].tolist() == (~truth["invalid"]).tolist()
    ok = ~truth["invalid"]
    for j, name in enumerate(FR_EMOTIONS):
        np.testing.assert_array_equal(f[name.lower()][ok], truth["emo"][ok, j])
    np.testing.assert_array_equal(f["valence"][ok], truth["valence"][ok])
    np.testing.assert_array_equal(f["head_orientation_y"][ok], truth["head"][ok, 0])
    np.testing.assert_array_equal(f["head_orientation_z"][ok], truth["head"][ok, 2])
    np.testing.assert_array_equal(f["quality"][ok], truth["quality"][ok])
    np.testing.assert_array_equal(f["mouth_open"][ok], truth["mouth"][ok])
    np.testing.assert_array_equal(f["left_eyebrow"][ok], truth["eyebrow"][ok])
    assert f.loc[7, "right_eye_open"] == 0 and f.loc[8, "right_eye_open"] == 1
    au_names = ["AU01_r", "AU02_r", "AU04_r", "AU06_r", "AU12_r", "AU25_r", "AU43_r", "AU12_r_left",
                "AU12_r_right"]
    assert [c for c in f.columns if c.startswith("AU")] == au_names
    for j, name in enumerate(au_names):  # NotActive -> 0, A..E -> 1..5
        np.testing.assert_array_equal(f[name][ok], truth["aus"][ok, j])
    assert f.loc[~ok, ["neutral", "AU12_r", "mouth_open"]].isna().all().all()
    # words, and a column FaceReader left empty, are listed, not kept
    assert a["text_columns"] == "Gender; Age; Beard; Moustache; Glasses; Ethnicity; Landmarks; Gaze Direction; " \
                                "Identity; Stimulus"
    assert a["empty_columns"] == "Heart Rate; Event Marker"
    for c in f.columns:
        assert f[c].dtype != object


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_facereader_line_ends_and_encodings_give_the_same_table(tmp_path, newline):
    text, _ = _facereader(newline=newline)
    ref = read_frames(io.BytesIO(_facereader()[0].encode()))
    for enc in ("utf-8", "utf-8-sig", "utf-16", "cp1252"):
        path = tmp_path / f"log_{enc}.txt"
        path.write_bytes(text.encode(enc))
        got = read_frames(path)
        pd.testing.assert_frame_equal(got, ref)
        assert got.attrs["encoding"] == enc and got.attrs["video_file"].endswith("Müller_pain.avi")


def test_facereader_decimal_comma_and_coarse_times(tmp_path):
    text, truth = _facereader(comma=True, time_format="ms")
    f = read_frames(io.BytesIO(text.encode()))
    assert f.attrs["decimal_comma"] and f.attrs["frame_numbering"] == "row"
    assert f["frame"].tolist() == list(range(1, 31))  # 0.1-s times cannot tell 25-fps frames apart
    ok = ~truth["invalid"]
    np.testing.assert_array_equal(f["happy"][ok], truth["emo"][ok, 1])
    np.testing.assert_allclose(f["timestamp"], np.round(truth["t"], 1), atol=1e-9)


def test_facereader_skipped_frames_become_gaps():
    text, _ = _facereader(skip=3, failed=(), not_found=())  # FaceReader analysing every 3rd frame
    f = read_frames(io.BytesIO(text.encode()))
    assert f["frame"].tolist() == list(range(1, 90, 3)) and f.attrs["frame_numbering"] == "time"


def test_facereader_frame_rate_and_errors(tmp_path):
    text, _ = _facereader(frame_rate_line=False)
    with pytest.raises(ValueError, match="frame rate is unknown .*pass fps="):
        read_frames(io.BytesIO(text.encode()))
    assert read_frames(io.BytesIO(text.encode()), fps=25).attrs["fps_source"] == "argument"
    text, _ = _facereader()
    with pytest.warns(UserWarning, match="'Frame rate' line gives 25 frames per second but fps=30"):
        f = read_frames(io.BytesIO(text.encode()), fps=30)
    assert f.attrs["fps"] == 30
    bad = text.replace("\tC\t", "\tX\t", 1)
    with pytest.raises(ValueError, match=r"column 'Action Unit .*' holds 'X' at line 1\d, not a number; "
                                         "FaceReader writes NotActive or A-E"):
        read_frames(io.BytesIO(bad.encode()))
    lines = text.split("\r")  # data row k is line 10 + k
    lines[15] += "\t0.5"
    with pytest.raises(ValueError, match=f"line 16 has {len(FR_HEADER) + 1} fields but the header has "
                                         f"{len(FR_HEADER)}"):
        read_frames(io.BytesIO("\r".join(lines).encode()))
    with pytest.raises(ValueError, match="face_id applies to OpenFace and py-feat"):
        read_frames(io.BytesIO(text.encode()), face_id=1)
    with pytest.raises(ValueError, match="confidence applies to OpenFace files only"):
        read_frames(io.BytesIO(text.encode()), confidence=0.5)
    gap = text.split("\r")
    row = gap[15].split("\t")
    row[2] = ""
    gap[15] = "\t".join(row)
    with pytest.raises(ValueError, match=r"column 'happy' has a missing value at line 16 \(frame 7\), a frame "
                                         "the tracker did not mark as failed"):
        read_frames(io.BytesIO("\r".join(gap).encode()))


def test_facereader_failure_rows_without_their_empty_fields():
    text, _ = _facereader()
    lines = text.split("\r")
    lines[13] = lines[13].split("\t")[0] + "\tFIT_FAILED"  # data row 4, written short
    f = read_frames(io.BytesIO("\r".join(lines).encode()))
    pd.testing.assert_frame_equal(f, read_frames(io.BytesIO(text.encode())))


def test_facereader_truncated_last_line(tmp_path):
    text, _ = _facereader()
    cut = text[: text.rstrip("\r").rfind("\t", 0, len(text) - 200)]
    with pytest.warns(UserWarning, match=r"the last line \(line 39\) is truncated"):
        f = read_frames(io.BytesIO(cut.encode()))
    assert len(f) == 29 and f.attrs["truncated_line"] == 39
    ref = read_frames(io.BytesIO(text.encode()))
    pd.testing.assert_frame_equal(f, ref.iloc[:29], check_like=False)


# --------------------------------------------------------------------------- iMotions (FACET)


def _csv_rows(path, header_starts):
    text = Path(path).read_bytes().decode().replace("\r\n", "\n")
    lines = text.split("\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith(header_starts))
    rows = list(csv.reader(lines[k:], delimiter="\t"))
    return rows[0], [r for r in rows[1:] if r]


@pytest.mark.parametrize("path", [FACET_V6, FACET_V5], ids=["v6", "v5"])
def test_real_imotions_exports_match_an_independent_parse(path):
    header, rows = _csv_rows(path, "StudyName")
    col = {n: j for j, n in enumerate(header)}
    facet = [r for r in rows if "FACET" in r[col["EventSource"]]]
    f = _silent(path)
    assert len(f) == len(facet) and f.attrs["n_other_rows"] == len(rows) - len(facet)
    assert f.attrs["n_rows_in_file"] == len(rows)
    faces = np.array([float(r[col["NoOfFaces"]]) for r in facet])
    assert f["valid"].tolist() == (faces >= 1).tolist()
    for name, new in [("AU12 Evidence", "AU12_evidence"), ("AU1 Evidence", "AU01_evidence"),
                      ("Joy Evidence", "joy_evidence"), ("Joy Intensity", "joy_intensity"),
                      ("Yaw Degrees", "yaw_degrees"), ("FaceRect Width", "face_rect_width"),
                      ("NOSE_TIP X", "nose_tip_x"), ("7 Y", "point_7_y")]:
        want = np.array([float(r[col[name]]) if r[col[name]] else np.nan for r in facet])
        np.testing.assert_array_equal(f[new].to_numpy(), want, err_msg=name)
    np.testing.assert_array_equal(f["timestamp"], [float(r[col["Timestamp"]]) / 1000 for r in facet])
    assert f.filter(like="_evidence").shape[1] == 20 + 12 - (0 if "Confusion Evidence" in col else 2)
    assert f.attrs["fps"] == pytest.approx(30, rel=0.002)


def test_real_imotions_v6_frames_are_frameno_plus_one_and_v5_samples_are_numbered():
    v6 = read_frames(FACET_V6)
    assert v6["frame"].tolist() == list(range(1, 520)) and v6.attrs["frame_numbering"] == "FrameNo + 1"
    assert v6.attrs["imotions_version"] == "6.1.2667.3" and v6.attrs["study"] == "RotationTest"
    assert (v6["stimulus"] == "gopro").all() and "frame_no" not in v6.columns
    v5 = read_frames(FACET_V5)
    # FrameNo restarts with each stimulus and is -1 before a video starts: the samples are numbered
    assert v5.attrs["frame_numbering"] == "sample order" and v5["frame"].tolist() == list(range(1, 265))
    assert v5["frame_no"].iloc[:4].tolist() == [-1, 0, 1, 2]
    assert v5["stimulus"].unique().tolist() == ["Emotient_Baseline", "screen_data"]
    assert v5.attrs["n_other_rows"] == 255 and v5.attrs["n_invalid"] == 34


def test_facet_export_written_like_imotions(tmp_path):
    # metadata with trailing tabs, a blank line of tabs, CR LF, eye-tracker rows in between, a lost face
    header = ["StudyName", "EventSource", "Timestamp", "FrameNo", "FrameTime", "NoOfFaces", "FaceRect X",
              "Joy Evidence", "Joy Intensity", "AU1 Evidence", "AU12 Evidence", "Yaw Degrees", "GazeX"]
    pad = "\t" * (len(header) - 1)
    lines = [f"#Study : S{pad}", f"#Date : 20210316 10:00:00{pad}", f"#Version : 6.4.1{pad}", pad,
             "\t".join(header)]
    rows, want = [], []
    for k in range(8):
        stamp = 1000 + 40 * k
        if k == 5:  # no face found
            rows.append(["S", "Emotient FACET", str(stamp), str(k), str(40 * k), "0"] + [""] * 6 + [""])
            want.append(None)
        else:
            vals = [100 + k, -1.5 + k / 10, 0.1 * k, -0.25 * k, 0.5 + k, 3.25 - k]
            rows.append(["S", "Emotient FACET", str(stamp), str(k), str(40 * k), "1"] + [f"{v:g}" for v in vals]
                        + [""])
            want.append(vals)
        rows.append(["S", "ET", str(stamp + 10), str(k), str(40 * k), rows[-1][5]] + rows[-1][6:12] + ["512"])
    path = tmp_path / "export.txt"
    path.write_bytes(("\r\n".join(lines + ["\t".join(r) for r in rows]) + "\r\n").encode())
    f = _silent(path)
    assert (len(f), f.attrs["n_other_rows"], f.attrs["fps"]) == (8, 8, 25.0)
    assert f["frame"].tolist() == list(range(1, 9)) and f["valid"].tolist() == [k != 5 for k in range(8)]
    assert list(f.columns) == ["frame", "no_of_faces", "timestamp", "valid", "face_rect_x", "joy_evidence",
                               "joy_intensity", "AU01_evidence", "AU12_evidence", "yaw_degrees"]
    for k, vals in enumerate(want):
        got = f.iloc[k, 4:].to_numpy(dtype=float)
        if vals is None:
            assert np.isnan(got).all()
        else:
            np.testing.assert_allclose(got, vals, rtol=1e-15)
    assert f.attrs["text_columns"] == "StudyName; EventSource; GazeX" and f.attrs["imotions_version"] == "6.4.1"


# --------------------------------------------------------------------------- py-feat


def test_real_pyfeat_file_matches_an_independent_parse():
    with open(FEAT, newline="") as fh:
        header, row = list(csv.reader(fh))
    f = _silent(FEAT)
    assert f.attrs["format"] == "pyfeat" and f["frame"].tolist() == [int(row[0]) + 1] == [1]
    values = dict(zip(header, row, strict=True))
    renamed = {"FaceRectX": "face_rect_x", "FaceRectY": "face_rect_y", "FaceRectWidth": "face_rect_width",
               "FaceRectHeight": "face_rect_height", "FaceScore": "face_score", "Pitch": "pitch",
               "Roll": "roll", "Yaw": "yaw"}
    for name, value in values.items():
        if name in ("frame", "input"):
            continue
        assert f[renamed.get(name, name)].iloc[0] == float(value), name
    assert f.attrs["text_columns"] == "input" and bool(f["valid"].iloc[0])
    assert np.isnan(f.attrs["fps"]) and np.isnan(f["timestamp"].iloc[0])


def _pyfeat_video(tmp_path):
    """py-feat's detector output for 6 frames as Fex.to_csv writes it (index kept): two faces in frame 2,
    none in frame 4."""
    header = pd.read_csv(FEAT, nrows=0).columns.tolist()
    rng = np.random.default_rng(5)
    rows = []
    for frame in range(6):
        faces = 2 if frame == 2 else 1
        for k in range(faces):
            r = dict(zip(header, rng.uniform(0, 1, len(header)), strict=True))
            r.update(frame=frame, input="clip.mp4", FaceRectWidth=100 - 40 * k, FaceRectHeight=120 - 40 * k)
            if frame == 4:
                r.update({c: np.nan for c in header if c not in ("frame", "input")})
            rows.append(r)
    df = pd.DataFrame(rows, columns=header)
    path = tmp_path / "video.csv"
    df.to_csv(path)  # the index comes along, as in many lab scripts
    return path, df


def test_pyfeat_video_faces_index_and_empty_frames(tmp_path):
    path, df = _pyfeat_video(tmp_path)
    with pytest.raises(ValueError, match=r"1 frame\(s\) hold several faces \(py-feat frames 2\); .*"
                                         "face_id='largest'"):
        read_frames(path)
    f = read_frames(path, face_id="largest", fps=30)
    assert f.attrs["index_column_dropped"] and f.attrs["n_other_faces"] == 1
    assert f["frame"].tolist() == [1, 2, 3, 4, 5, 6] and f["valid"].tolist() == [True] * 4 + [False, True]
    kept = df.drop(index=3).reset_index(drop=True)  # the smaller face of frame 2
    np.testing.assert_array_equal(f["AU12"], np.where(f["valid"], kept["AU12"], np.nan))
    np.testing.assert_array_equal(f["face_rect_width"][f["valid"]], kept["FaceRectWidth"][f["valid"]])
    np.testing.assert_allclose(f["timestamp"], np.arange(6) / 30)
    with pytest.raises(ValueError, match="face_id must be None or 'largest'"):
        read_frames(path, face_id=0)


def test_unnamed_column_that_is_not_an_index_is_refused(tmp_path):
    path, df = _pyfeat_video(tmp_path)
    bad = tmp_path / "bad.csv"
    df.set_axis(np.arange(1, len(df) + 1)).to_csv(bad)
    with pytest.raises(ValueError, match=r"column 1 of the header has no name, and it is not a row index"):
        read_frames(bad)


# --------------------------------------------------------------------------- ARKit (Live Link Face)

ARKIT = ("EyeBlinkLeft EyeLookDownLeft EyeLookInLeft EyeLookOutLeft EyeLookUpLeft EyeSquintLeft EyeWideLeft "
         "EyeBlinkRight EyeLookDownRight EyeLookInRight EyeLookOutRight EyeLookUpRight EyeSquintRight "
         "EyeWideRight JawForward JawRight JawLeft JawOpen MouthClose MouthFunnel MouthPucker MouthRight "
         "MouthLeft MouthSmileLeft MouthSmileRight MouthFrownLeft MouthFrownRight MouthDimpleLeft "
         "MouthDimpleRight MouthStretchLeft MouthStretchRight MouthRollLower MouthRollUpper MouthShrugLower "
         "MouthShrugUpper MouthPressLeft MouthPressRight MouthLowerDownLeft MouthLowerDownRight "
         "MouthUpperUpLeft MouthUpperUpRight BrowDownLeft BrowDownRight BrowInnerUp BrowOuterUpLeft "
         "BrowOuterUpRight CheekPuff CheekSquintLeft CheekSquintRight NoseSneerLeft NoseSneerRight "
         "TongueOut").split()
ROTATIONS = ["HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll", "RightEyeYaw",
             "RightEyePitch", "RightEyeRoll"]


def _live_link(n=150, rate=60, start=(23, 59, 58, 40), drop=(), seed=1):
    """A Live Link Face CSV: HH:MM:SS:FF.fff timecode counted at ``rate``, 61 values per row."""
    assert len(ARKIT) == 52
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, (n, 61)).round(6)
    values[:, 52:] = rng.normal(0, 0.3, (n, 9)).round(6)
    h, m, s, ff = start
    first = ((h * 60 + m) * 60 + s) * rate + ff
    lines = ["Timecode,BlendShapeCount," + ",".join(ARKIT + ROTATIONS)]
    kept = [i for i in range(n) if i not in drop]
    for i in kept:
        tot = (first + i) % (86400 * rate)
        sec, f = divmod(tot, rate)
        code = f"{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}:{f:02d}.{200 + i:03d}"  # drifting
        lines.append(f"{code},61," + ",".join(f"{v:.6f}" for v in values[i]))
    return "\n".join(lines) + "\n", values[kept], np.array(kept)


def test_live_link_face_take_across_midnight_with_a_dropped_sample():
    text, values, kept = _live_link(drop=(7,))
    f = _silent(io.BytesIO(text.encode()))
    a = f.attrs
    assert (a["format"], a["fps"], a["fps_source"], a["blendshape_count"]) == (
        "arkit", 60.0, "the timecode's frame count", 61)
    assert f["frame"].tolist() == (kept + 1).tolist()  # frame 8 was dropped: a gap
    sub = (200 + kept) / 1000
    np.testing.assert_allclose(f["timestamp"], (kept + sub - sub[0]) / 60, atol=1e-9)
    names = [c for c in f.columns if c not in ("frame", "timestamp", "valid")]
    assert names[:3] == ["eye_blink_left", "eye_look_down_left", "eye_look_in_left"]
    assert names[17] == "jaw_open" and names[51] == "tongue_out" and names[52:55] == [
        "head_yaw", "head_pitch", "head_roll"] and names[-1] == "right_eye_roll"
    np.testing.assert_array_equal(f[names].to_numpy(), values)
    assert f["valid"].all()


def test_live_link_face_30_fps_take_and_fps_checks():
    text, _, kept = _live_link(rate=30, n=90)
    f = read_frames(io.BytesIO(text.encode()))
    assert f.attrs["fps"] == 30 and f["frame"].tolist() == list(range(1, 91))
    text60, _, _ = _live_link(rate=60, n=150)
    with pytest.raises(ValueError, match=r"counts frame \d+, which a 30-fps timecode does not have; pass the "
                                         "take's frame rate with fps="):
        with pytest.warns(UserWarning):
            read_frames(io.BytesIO(text60.encode()), fps=30)
    short, _, _ = _live_link(rate=60, n=20, start=(10, 0, 0, 5))
    assert read_frames(io.BytesIO(short.encode())).attrs["fps_source"] == "Live Link Face's default (60 fps)"
    lines = text.split("\n")
    lines[5] = lines[5].replace(",61,", ",61,0.5,", 1)
    with pytest.raises(ValueError, match="line 6 has 64 fields but the header has 63"):
        read_frames(io.BytesIO("\n".join(lines).encode()))
    lines = text.split("\n")
    lines[5] = "00:00:00,61," + lines[5].split(",", 2)[2]
    with pytest.raises(ValueError, match=r"column 'Timecode' holds '00:00:00' at line 6, not a timecode"):
        read_frames(io.BytesIO("\n".join(lines).encode()))


# --------------------------------------------------------------------------- detection and OpenFace


def test_format_is_recognised_from_content_not_name(tmp_path):
    text, _ = _facereader()
    arkit, _, _ = _live_link()
    cases = {"a.csv": (text.encode(), "facereader"), "b.txt": (arkit.encode(), "arkit"),
             "c.dat": (FEAT.read_bytes(), "pyfeat"), "d.csv": (FACET_V6.read_bytes(), "facet"),
             "e.txt": (example_file().read_bytes(), "openface")}
    for name, (data, fmt) in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        assert read_frames(p).attrs["format"] == fmt, name
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"x\.csv: not an export read_frames recognises"):
        read_frames(tmp_path / "x.csv")
    (tmp_path / "y.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    with pytest.raises(ValueError, match="zip file \\(an Excel workbook\\?\\)"):
        read_frames(tmp_path / "y.xlsx", format="facereader")
    with pytest.raises(ValueError, match="format must be one of"):
        read_frames(FEAT, format="noldus")
    with pytest.raises(ValueError, match="no header line starting with 'Video Time'"):
        read_frames(FEAT, format="facereader")


def test_openface_through_read_frames_is_read_openface():
    with pytest.warns(UserWarning, match="timestamps imply 1000 frames per second"):
        f = read_frames(example_file(), fps=25)
    with pytest.warns(UserWarning, match="timestamps imply 1000 frames per second"):
        ref = read_openface(example_file(), fps=25)
    pd.testing.assert_frame_equal(f, ref)
    assert f.attrs["format"] == "openface" and f.attrs["fps"] == 25 and f.attrs["fps_source"] == "argument"
    with pytest.raises(ValueError, match="face_id='largest' applies to py-feat files"):
        read_frames(example_file(), face_id="largest")


def test_input_files_are_not_modified(tmp_path):
    text, _ = _facereader()
    p = tmp_path / "log.txt"
    p.write_bytes(text.encode())
    before = p.read_bytes()
    read_frames(p)
    assert p.read_bytes() == before
