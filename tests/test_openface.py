"""Tests of bitbox_stats.openface: reading, validating and writing OpenFace CSV files.

References: the real OpenFace 2.0 file kept as a fixture (parsed independently
here with the standard library's csv module), OpenFace 2.2's RecorderCSV.cpp
for the 2.2 layout and number formats, and GazeEstimation.cpp's GetGazeAngle
for the gaze angles.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import warnings

import numpy as np
import pandas as pd
import pytest

from bitbox_stats import example_file
from bitbox_stats.openface import (
    openface_columns,
    openface_summary,
    read_openface,
    write_openface,
)

# real OpenFace 2.0 output shipped with the package (see bitbox_stats/data/README.md)
FIXTURE = example_file("OpenFace_Test.csv")


def _fixture_by_csv_module():
    """The fixture parsed with the standard library only: stripped names, float values."""
    with open(FIXTURE, newline="") as fh:
        rows = list(csv.reader(fh))
    names = [n.strip() for n in rows[0]]
    values = np.array([[float(v) for v in r] for r in rows[1:]])
    return names, values


def _video22(n=60, seed=0, face_id=0):
    """A plausible OpenFace 2.2 frame table with every one of its 714 columns."""
    rng = np.random.default_rng(seed)
    cols = openface_columns("2.2")
    df = pd.DataFrame(rng.normal(0.0, 1.0, size=(n, len(cols))), columns=cols)
    df["frame"] = np.arange(1, n + 1)
    df["face_id"] = face_id
    df["timestamp"] = np.arange(n) / 25
    df["confidence"] = 0.98
    df["success"] = 1
    for c in cols:
        if c.endswith("_c"):
            df[c] = (rng.random(n) < 0.3).astype(float)
        elif c.endswith("_r"):
            df[c] = rng.uniform(0, 5, n)
    return df


def _text(df, version="2.2", precision="full"):
    buf = io.StringIO()
    write_openface(df, buf, version=version, precision=precision)
    return buf.getvalue()


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


# --------------------------------------------------------------------------- the real 2.0 file


def test_fixture_reads_every_frame_and_value_exactly():
    names, values = _fixture_by_csv_module()
    of = read_openface(FIXTURE)
    assert of.shape == (100, 431 + 3)  # + valid, gaze_angle_x, gaze_angle_y
    assert not any(c != c.strip() for c in of.columns)
    for j, name in enumerate(names):
        np.testing.assert_array_equal(of[name].to_numpy(dtype=float), values[:, j], err_msg=name)
    assert of["frame"].tolist() == list(range(1, 101))
    assert of["frame"].dtype == np.int64 and of["success"].dtype == np.int64
    assert of["valid"].dtype == bool and bool(of["valid"].all())
    a = of.attrs
    assert (a["version"], a["n_frames"], a["n_invalid"], a["face_id"]) == ("2.0", 100, 0, -1)
    assert a["gaze_angle_derived"] is True


def test_fixture_units_and_counts():
    of = read_openface(FIXTURE)
    # first row as written in the file: pixels, millimetres, radians
    first = of.iloc[0]
    assert first["x_0"] == 277.276 and first["pose_Tz"] == 597.876 and first["pose_Rx"] == 0.29759
    assert of[[f"x_{i}" for i in range(68)]].to_numpy().min() > 200  # pixel coordinates
    assert of["pose_Tz"].between(500, 700).all()  # mm from the camera
    assert of[["pose_Rx", "pose_Ry", "pose_Rz"]].abs().max().max() < math.pi
    # AU presence counts over the 100 frames (independent parse)
    names, values = _fixture_by_csv_module()
    expected = {n: int(values[:, names.index(n)].sum()) for n in names if n.endswith("_c")}
    assert {"AU05_c": 100, "AU23_c": 100, "AU04_c": 34, "AU45_c": 22, "AU28_c": 0}.items() <= \
        expected.items()
    got = {n: int(of[n].sum()) for n in expected}
    assert got == expected
    assert "AU28_c" in of.columns and "AU28_r" not in of.columns


def test_fixture_gaze_angles_follow_openface():
    names, values = _fixture_by_csv_module()
    of = read_openface(FIXTURE)
    g = {n: values[:, names.index(n)] for n in names if n.startswith("gaze_")}
    for t in range(100):
        mx = (g["gaze_0_x"][t] + g["gaze_1_x"][t]) / 2
        my = (g["gaze_0_y"][t] + g["gaze_1_y"][t]) / 2
        mz = (g["gaze_0_z"][t] + g["gaze_1_z"][t]) / 2
        assert of["gaze_angle_x"].iloc[t] == pytest.approx(math.atan2(mx, -mz), abs=1e-15)
        assert of["gaze_angle_y"].iloc[t] == pytest.approx(math.atan2(my, -mz), abs=1e-15)
    cols = list(of.columns)
    assert cols.index("gaze_angle_x") == cols.index("gaze_1_z") + 1


def test_gaze_angle_closed_form():
    # both eyes turned by a = 0.3 rad to the right and b = 0.1 rad down
    a, b = 0.3, -0.1
    v = np.array([math.sin(a), math.sin(b), -math.cos(a)])  # not unit length: atan2 does not care
    text = ("frame, timestamp, confidence, success, gaze_0_x, gaze_0_y, gaze_0_z, gaze_1_x, "
            "gaze_1_y, gaze_1_z\n" + "1,0,0.9,1," + ",".join([repr(float(x)) for x in v] * 2) + "\n"
            + "2,0.04,0.9,1,0,0,-1,0,0,-1\n")
    of = read_openface(io.StringIO(text))
    assert of["gaze_angle_x"].iloc[0] == pytest.approx(math.atan2(math.sin(a), math.cos(a)))
    assert of["gaze_angle_y"].iloc[0] == pytest.approx(math.atan2(math.sin(b), math.cos(a)))
    assert of[["gaze_angle_x", "gaze_angle_y"]].iloc[1].tolist() == [0.0, 0.0]


def test_fixture_confidence_threshold_marks_but_keeps_frames():
    of = read_openface(FIXTURE, confidence=0.9)
    assert len(of) == 100
    assert int((~of["valid"]).sum()) == 99  # 99 frames at 0.883333, one at 0.983333
    assert of.attrs["n_low_confidence"] == 99 and of.attrs["n_tracking_failed"] == 0
    bad = of[~of["valid"]]
    meas = [c for c in of.columns if c not in ("frame", "timestamp", "confidence", "success", "valid")]
    assert bad[meas].isna().all().all()
    assert bad[["frame", "timestamp", "confidence", "success"]].notna().all().all()
    good = of[of["valid"]]
    assert good["confidence"].tolist() == [0.983333] and good[meas].notna().all().all()


def test_timestamp_is_reported_not_used():
    of = read_openface(FIXTURE)
    assert of.attrs["timestamp_fps"] == pytest.approx(1000)
    assert math.isnan(of.attrs["fps"])
    with pytest.warns(UserWarning, match="timestamps imply 1000 frames per second but fps=25"):
        of25 = read_openface(FIXTURE, fps=25)
    assert of25.attrs["fps"] == 25.0
    pd.testing.assert_frame_equal(of, of25)


def test_engines_agree():
    pd.testing.assert_frame_equal(read_openface(FIXTURE, engine="pyarrow"),
                                  read_openface(FIXTURE, engine="c"), check_exact=True)
    text = _text(_video22(30), precision="openface")
    a = read_openface(io.StringIO(text), engine="pyarrow")
    b = read_openface(io.StringIO(text), engine="c")
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_input_file_is_not_modified(tmp_path):
    p = tmp_path / "copy.csv"
    p.write_bytes(FIXTURE.read_bytes())
    before = hashlib.sha256(p.read_bytes()).hexdigest(), os.stat(p).st_mtime_ns
    read_openface(p, confidence=0.9, columns=["x_0"])
    assert (hashlib.sha256(p.read_bytes()).hexdigest(), os.stat(p).st_mtime_ns) == before


def test_summary_survives_lost_attrs():
    of = read_openface(FIXTURE, confidence=0.9)
    s = openface_summary(of)
    assert s[["n_frames", "n_valid", "n_invalid", "n_low_confidence"]].iloc[0].tolist() == [100, 1, 99, 99]
    assert s["version"].iloc[0] == "2.0" and s["timestamp_fps"].iloc[0] == pytest.approx(1000)
    part = pd.concat([of.iloc[:50], of.iloc[50:].assign(extra=1)])  # pandas may drop attrs
    s2 = openface_summary(part)
    assert s2[["n_frames", "n_valid", "n_invalid"]].iloc[0].tolist() == [100, 1, 99]


# --------------------------------------------------------------------------- the 2.2 layout


def test_openface_columns_22_layout():
    cols = openface_columns("2.2")
    assert len(cols) == 714 and len(set(cols)) == 714
    assert cols[:13] == ["frame", "face_id", "timestamp", "confidence", "success", "gaze_0_x",
                         "gaze_0_y", "gaze_0_z", "gaze_1_x", "gaze_1_y", "gaze_1_z",
                         "gaze_angle_x", "gaze_angle_y"]
    assert cols[13] == "eye_lmk_x_0" and cols[13 + 5 * 56 - 1] == "eye_lmk_Z_55"
    assert cols[cols.index("eye_lmk_Z_55") + 1] == "pose_Tx"
    assert cols[cols.index("pose_Rz") + 1:][:2] == ["x_0", "x_1"]
    assert cols.index("p_scale") == cols.index("Z_67") + 1
    aus_r = [c for c in cols if c.endswith("_r") and c.startswith("AU")]
    aus_c = [c for c in cols if c.endswith("_c") and c.startswith("AU")]
    assert len(aus_r) == 17 and len(aus_c) == 18
    assert aus_c[-3:] == ["AU26_c", "AU28_c", "AU45_c"] and "AU28_r" not in cols
    assert cols[-35:-18] == aus_r and cols[-18:] == aus_c


def test_openface_columns_20_is_the_fixture_layout():
    with open(FIXTURE) as fh:
        header = [n.strip() for n in fh.readline().split(",")]
    assert openface_columns("2.0") == header
    with pytest.raises(ValueError, match="version must be one of"):
        openface_columns("3.0")


def test_read_22_file_with_face_id(tmp_path):
    df = _video22(40, face_id=0)
    p = tmp_path / "v.csv"
    write_openface(df, p)
    of = read_openface(p)
    assert of.attrs["version"] == "2.2" and of.attrs["gaze_angle_derived"] is False
    assert list(of.columns[:6]) == ["frame", "face_id", "timestamp", "confidence", "success", "valid"]
    assert of.shape == (40, 715)
    # the file's own gaze angles are kept (rounded to 0.001 rad by OpenFace's format)
    np.testing.assert_allclose(of["gaze_angle_x"], df["gaze_angle_x"], atol=5e-4 + 1e-12)


# --------------------------------------------------------------------------- writing


def test_write_22_uses_openface_formats():
    df = _video22(3)
    df.loc[0, ["timestamp", "confidence", "gaze_0_x", "gaze_angle_x", "x_0", "pose_Rx", "p_0",
               "AU01_r", "AU01_c"]] = [0.04, 0.975, 0.123456789, 0.12345, 277.26, -0.0126, 1.23456,
                                         2.345, 1.0]
    text = _text(df, precision="openface")
    lines = text.splitlines()
    assert lines[0].startswith("frame, face_id, timestamp, confidence, success, gaze_0_x")
    cells = lines[1].split(", ")
    assert len(cells) == 714
    cols = openface_columns("2.2")
    got = dict(zip(cols, cells, strict=True))
    assert got["frame"] == "1" and got["face_id"] == "0" and got["success"] == "1"
    assert got["timestamp"] == "0.040" and got["gaze_0_x"] == "0.123457"
    assert got["gaze_angle_x"] == "0.123" and got["x_0"] == "277.3" and got["pose_Rx"] == "-0.013"
    assert got["p_0"] == "1.235" and got["AU01_r"] in ("2.35", "2.34") and got["AU01_c"] == "1.0"
    assert got["confidence"] in ("0.97", "0.98")


def test_write_20_reproduces_the_fixture_text():
    of = read_openface(FIXTURE)
    text = _text(of, version="2.0", precision="openface")
    original = FIXTURE.read_text()
    assert text.splitlines() == original.splitlines()


def test_write_full_precision_round_trips(tmp_path):
    df = _video22(25, seed=3)
    p = tmp_path / "v.csv"
    assert write_openface(df, p, precision="full") == p
    back = read_openface(p)
    cols = openface_columns("2.2")
    for c in cols:
        np.testing.assert_array_equal(back[c].to_numpy(dtype=float), df[c].to_numpy(dtype=float),
                                      err_msg=c)


def test_write_is_atomic(tmp_path, monkeypatch):
    df = _video22(5)
    p = tmp_path / "v.csv"
    p.write_text("old content\n")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_openface(df, p)
    assert p.read_text() == "old content\n"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["v.csv"]  # no temporary file left


def test_write_checks_its_input(tmp_path):
    df = _video22(5)
    with pytest.raises(ValueError, match="lacks 1 column.*'AU45_c'"):
        write_openface(df.drop(columns="AU45_c"), tmp_path / "a.csv")
    bad = df.copy()
    bad["frame"] = bad["frame"].astype(float)
    bad.loc[2, "frame"] = np.nan
    with pytest.raises(ValueError, match="'frame' must hold whole numbers"):
        write_openface(bad, tmp_path / "a.csv")
    with pytest.raises(ValueError, match="precision must be one of"):
        write_openface(df, tmp_path / "a.csv", precision="half")
    assert not (tmp_path / "a.csv").exists()


# --------------------------------------------------------------------------- bad files


HEAD = "frame, timestamp, confidence, success, x_0, AU01_c\n"


def test_empty_file(tmp_path):
    p = _write(tmp_path, "empty.csv", "")
    with pytest.raises(ValueError, match=r"empty\.csv: the file is empty"):
        read_openface(p)


def test_header_only(tmp_path):
    p = _write(tmp_path, "head.csv", HEAD)
    with pytest.raises(ValueError, match=r"head\.csv: the file has a header but no frames"):
        read_openface(p)


def test_missing_required_column(tmp_path):
    p = _write(tmp_path, "nosucc.csv", "frame, timestamp, confidence, x_0\n1,0,0.9,3\n")
    with pytest.raises(ValueError, match=r"nosucc\.csv: required column\(s\) 'success' missing"):
        read_openface(p)
    q = _write(tmp_path, "ok.csv", HEAD + "1,0,0.9,1,3,0\n")
    with pytest.raises(ValueError, match=r"ok\.csv: required column\(s\) 'y_0' missing"):
        read_openface(q, columns=["x_0", "y_0"])


@pytest.mark.parametrize("engine", ["pyarrow", "c"])
def test_non_numeric_value(tmp_path, engine):
    p = _write(tmp_path, "text.csv", HEAD + "1,0,0.9,1,3,0\n2,0.04,0.9,1,abc,0\n")
    with pytest.raises(ValueError, match=r"text\.csv: column 'x_0' holds a non-numeric value "
                                         r"'abc' at data row 2 \(line 3 of the file, frame 2\)"):
        read_openface(p, engine=engine)


def test_duplicate_frames(tmp_path):
    p = _write(tmp_path, "dup.csv", HEAD + "1,0,0.9,1,3,0\n2,0.04,0.9,1,3,0\n2,0.08,0.9,1,3,0\n")
    with pytest.raises(ValueError, match=r"dup\.csv: duplicate frame numbers in column 'frame'.*e\.g\. 2"):
        read_openface(p)


def test_several_faces(tmp_path):
    rows = "".join(f"{f}, {i}, {f / 25:.3f}, 0.95, 1, {f + 10 * i}, 0\n" for f in range(1, 4) for i in (0, 1))
    p = _write(tmp_path, "two.csv", "frame, face_id, timestamp, confidence, success, x_0, AU01_c\n" + rows)
    with pytest.raises(ValueError, match=r"two\.csv: the file holds 2 faces, face_id 0 \(3 rows\), "
                                         r"1 \(3 rows\); choose one with face_id="):
        read_openface(p)
    one = read_openface(p, face_id=1)
    assert one["x_0"].tolist() == [11.0, 12.0, 13.0] and one["face_id"].tolist() == [1, 1, 1]
    with pytest.raises(ValueError, match="face_id=7 is not in the file"):
        read_openface(p, face_id=7)


def test_missing_value_on_a_valid_frame(tmp_path):
    p = _write(tmp_path, "gap.csv", HEAD + "1,0,0.9,1,3,0\n2,0.04,0.9,1,,0\n")
    with pytest.raises(ValueError, match=r"gap\.csv: column 'x_0' has a missing or infinite value at frame 2"):
        read_openface(p)
    # the same gap on a frame OpenFace did not track is no error: the frame is invalid anyway
    q = _write(tmp_path, "gap0.csv", HEAD + "1,0,0.9,1,3,0\n2,0.04,0.9,0,,0\n")
    assert read_openface(q)["valid"].tolist() == [True, False]


@pytest.mark.parametrize("engine", ["pyarrow", "c"])
def test_truncated_last_line_keeps_the_complete_rows(tmp_path, engine):
    # an interrupted OpenFace run: the last line stops in the middle
    text = _text(_video22(4), precision="openface")
    p = _write(tmp_path, "cut.csv", text[: len(text) - 2000])
    with pytest.warns(UserWarning, match=r"cut\.csv: the last line \(line 5\) is truncated"):
        of = read_openface(p, engine=engine)
    whole = read_openface(_write(tmp_path, "whole.csv", text), engine=engine)
    pd.testing.assert_frame_equal(of, whole.iloc[:3])
    assert of.attrs["truncated_line"] == 5 and whole.attrs["truncated_line"] == -1
    assert of.attrs["n_frames"] == 3
    # cut right after a separator: the field count may even match the header
    short = HEAD + "1,0,0.9,1,3,0\n2,0.04,0.9,1,3,"
    with pytest.warns(UserWarning, match=r"line 3\) is truncated"):
        assert read_openface(io.StringIO(short), engine=engine)["frame"].tolist() == [1]
    # a complete last line without a line end is no truncation
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(read_openface(io.StringIO(HEAD + "1,0,0.9,1,3,0\n2,0.04,0.9,1,3,1"), engine=engine)) == 2


@pytest.mark.parametrize("engine", ["pyarrow", "c"])
def test_damage_before_the_last_line_stays_an_error(tmp_path, engine):
    text = _text(_video22(4), precision="openface")
    lines = text.splitlines(keepends=True)
    lines[2] = lines[2][:300] + "\n"
    with pytest.raises(ValueError, match=r"mid\.csv: not a well-formed CSV file"):
        read_openface(_write(tmp_path, "mid.csv", "".join(lines)), engine=engine)
    with pytest.raises(ValueError, match=r"only data row \(line 2\) is truncated"):
        read_openface(io.StringIO(HEAD + "1,0,0.9"), engine=engine)


@pytest.mark.parametrize("engine", ["pyarrow", "c"])
def test_pandas_index_column_is_recognised_and_dropped(tmp_path, engine):
    # a lab pipeline: pd.read_csv(openface file) ... df.to_csv(path), index and all
    raw = pd.read_csv(FIXTURE)
    p = tmp_path / "resaved.csv"
    raw.to_csv(p)
    assert p.read_text().startswith(",frame, timestamp")
    of = read_openface(p, engine=engine)
    ref = read_openface(FIXTURE, engine=engine)
    pd.testing.assert_frame_equal(of, ref)
    assert of.attrs["index_column_dropped"] and not ref.attrs["index_column_dropped"]
    raw.iloc[5:].to_csv(p)  # an index that does not number the rows from 0
    with pytest.raises(ValueError, match=r"column 1 of the header has no name, and it is not a row index 0\.\.n-1 "
                                         r"\(as DataFrame\.to_csv writes one\): data row 1 holds 5"):
        read_openface(p, engine=engine)
    with pytest.raises(ValueError, match="column 3 of the header has no name"):
        read_openface(io.StringIO("frame, timestamp, , confidence, success\n1,0,5,0.9,1\n"), engine=engine)


def test_quoted_header_as_r_writes_it():
    text = '"frame","timestamp","confidence","success","x_0","AU01_c"\n1,0,0.9,1,3,0\n2,0.04,0.9,1,4,1\n'
    assert read_openface(io.StringIO(text))["x_0"].tolist() == [3.0, 4.0]
    with pytest.raises(ValueError, match="it is not a row index 0..n-1"):  # R's row names count from 1
        read_openface(io.StringIO('"",' + text.replace("\n1,", "\n1,1,").replace("\n2,0.04", "\n2,2,0.04")))


def test_old_mac_line_ends(tmp_path):
    p = tmp_path / "cr.csv"
    p.write_bytes((HEAD + "1,0,0.9,1,3,0\n2,0.04,0.9,1,4,1\n").replace("\n", "\r").encode())
    assert read_openface(p)["x_0"].tolist() == [3.0, 4.0]


def _faces_file(tmp_path):
    # face 0 is the participant (5 frames, 4 valid); face 1 a brief false detection (2 frames)
    rows = [(1, 0, 0.95, 1), (2, 0, 0.95, 1), (3, 0, 0.95, 0), (4, 0, 0.95, 1), (5, 0, 0.95, 1),
            (2, 1, 0.95, 1), (3, 1, 0.95, 1)]
    text = "frame, face_id, timestamp, confidence, success, x_0, AU01_c\n" + "".join(
        f"{f}, {i}, {(f - 1) / 25:.3f}, {c}, {s}, {10 * i + f}, 0\n" for f, i, c, s in rows)
    return _write(tmp_path, "faces.csv", text)


def test_face_with_most_frames_and_all_faces(tmp_path):
    p = _faces_file(tmp_path)
    with pytest.raises(ValueError, match=r"holds 2 faces, face_id 0 \(5 rows\), 1 \(2 rows\); choose one with "
                                         r"face_id= \(a number, 'most_frames' .*or 'all'\)"):
        read_openface(p)
    most = read_openface(p, face_id="most_frames")
    pd.testing.assert_frame_equal(most, read_openface(p, face_id=0))
    assert (most.attrs["face_id"], most.attrs["face_choice"], most.attrs["n_faces"]) == (0, "most_frames", 2)
    every = read_openface(p, face_id="all")
    assert every["face_id"].tolist() == [0] * 5 + [1] * 2
    assert every["frame"].tolist() == [1, 2, 3, 4, 5, 2, 3]
    assert every["x_0"].tolist()[5:] == [12.0, 13.0] and every.attrs["face_choice"] == "all"
    assert every.attrs["face_id"] == -1 and every.attrs["n_frames"] == 7
    # the face with the most *valid* frames, not the most rows
    q = _write(tmp_path, "lost.csv", p.read_text().replace(", 0.95, 1, ", ", 0.20, 1, ", 4))
    assert read_openface(q, face_id="most_frames")["face_id"].unique().tolist() == [1]
    with pytest.raises(ValueError, match="face_id must be a face number, 'most_frames' or 'all', got 'largest'"):
        read_openface(p, face_id="largest")
    one = read_openface(FIXTURE, face_id="all")  # a 2.0 file has one face, numbered 0
    assert one["face_id"].unique().tolist() == [0] and one.columns[1] == "face_id"


def test_confidence_outside_0_1_negative_frames_and_backward_timestamps(tmp_path):
    with pytest.raises(ValueError, match=r"conf\.csv: column 'confidence' must be between 0 and 1 "
                                         r"\(OpenFace's tracking confidence\), got 95\.0 at data row 2"):
        read_openface(_write(tmp_path, "conf.csv", HEAD + "1,0,0.9,1,3,0\n2,0.04,95,1,3,0\n"))
    with pytest.raises(ValueError, match="got -0.1 at data row 1"):
        read_openface(io.StringIO(HEAD + "1,0,-0.1,1,3,0\n"))
    with pytest.raises(ValueError, match=r"neg\.csv: column 'frame' holds a negative number, -3, at data row 1; "
                                         "OpenFace's frame numbers start at 1"):
        read_openface(_write(tmp_path, "neg.csv", HEAD + "-3,0,0.9,1,3,0\n2,0.04,0.9,1,3,0\n"))
    text = HEAD + "1,0,0.9,1,3,0\n2,0.04,0.9,1,3,0\n3,0.02,0.9,1,3,0\n4,0.12,0.9,1,3,0\n5,0.1,0.9,1,3,0\n"
    with pytest.warns(UserWarning, match=r"back\.csv: the timestamps run backwards at 2 place\(s\), first from "
                                         r"frame 2 \(0\.04 s\) to frame 3 \(0\.02 s\)"):
        of = read_openface(_write(tmp_path, "back.csv", text))
    assert of.attrs["n_timestamps_backwards"] == 2 and len(of) == 5


def test_bad_arguments():
    with pytest.raises(ValueError, match="confidence must be between 0 and 1, got 75"):
        read_openface(FIXTURE, confidence=75)
    with pytest.raises(ValueError, match="fps must be > 0, got -5"):
        read_openface(FIXTURE, fps=-5)
    with pytest.raises(TypeError, match="path_or_buffer must be a path"):
        read_openface(42)
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        read_openface("nope.csv")
    with pytest.raises(ValueError, match="engine must be one of"):
        read_openface(FIXTURE, engine="polars")


def test_unsorted_frames_are_sorted():
    text = HEAD + "2,0.04,0.9,1,5,0\n1,0,0.9,1,3,0\n3,0.08,0.5,1,7,1\n"
    of = read_openface(io.StringIO(text))
    assert of["frame"].tolist() == [1, 2, 3] and of["x_0"].tolist()[:2] == [3.0, 5.0]
    assert of["valid"].tolist() == [True, True, False]


def test_columns_subset_from_20_file():
    of = read_openface(FIXTURE, columns=["gaze_angle_x", "pose_Rx"])
    assert list(of.columns) == ["frame", "timestamp", "confidence", "success", "valid",
                                "gaze_angle_x", "pose_Rx"]
    full = read_openface(FIXTURE)
    np.testing.assert_array_equal(of["gaze_angle_x"], full["gaze_angle_x"])


def test_no_warning_without_fps():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_openface(FIXTURE)
