"""The asymmetry, motion and coordination subcommands: the same numbers as the functions,
OpenFace input, one-line errors, no overwriting."""

import shutil

import numpy as np
import pandas as pd
import pytest

import bitbox_stats as bs
from bitbox_stats.cli import build_parser, main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_subcommands_exist_with_help(capsys):
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in ("asymmetry", "motion", "coordination"):
        assert name in commands
        with pytest.raises(SystemExit) as ex:
            main([name, "--help"])
        assert ex.value.code == 0 and "usage: bitbox-stats " + name in capsys.readouterr().out


def test_asymmetry_from_openface_and_plain_csv(tmp_path, capsys):
    of_path = tmp_path / "face.csv"
    shutil.copy(bs.example_file(), of_path)
    out = tmp_path / "asym.csv"
    code, _, err = run(capsys, "asymmetry", "--input", of_path, "--openface", "--out", out)
    assert code == 0 and "wrote 500 rows" in err
    want = bs.asymmetry(bs.read_openface(of_path), tidy=True)
    pd.testing.assert_frame_equal(pd.read_csv(out), want, check_dtype=False)
    # a plain CSV of ibug51 coordinates, 3-D without constants: --no-normalize
    land = bs.openface_to_bitbox(bs.read_openface(of_path), "landmark", dimension=3)["data"]
    land.insert(0, "frame", np.arange(len(land)))
    land.to_csv(tmp_path / "land3.csv", index=False)
    code, _, err = run(capsys, "asymmetry", "--input", tmp_path / "land3.csv", "--drop", "frame", "--out",
                       tmp_path / "a3.csv")
    assert code == 2 and err.count("\n") == 1 and "normalize=False" in err
    code, _, _ = run(capsys, "asymmetry", "--input", tmp_path / "land3.csv", "--drop", "frame", "--no-normalize",
                     "--out", tmp_path / "a3.csv")
    assert code == 0
    want = bs.asymmetry(land.drop(columns="frame"), normalize=False, tidy=True)
    np.testing.assert_allclose(pd.read_csv(tmp_path / "a3.csv")["asymmetry"], want["asymmetry"], rtol=1e-12)
    code, _, err = run(capsys, "asymmetry", "--input", of_path, "--openface", "--out", out)
    assert code == 2 and "--overwrite" in err


def test_motion_merges_the_three_measures(tmp_path, capsys):
    rng = np.random.default_rng(1)
    pose = pd.DataFrame(rng.normal(size=(90, 6)).cumsum(axis=0), columns=["Tx", "Ty", "Tz", "Rx", "Ry", "Rz"])
    pose.to_csv(tmp_path / "pose.csv", index=False)
    out = tmp_path / "motion.csv"
    code, _, _ = run(capsys, "motion", "--input", tmp_path / "pose.csv", "--type", "pose", "--fps", 25,
                     "--angular", "--reference", 0, 10, "--out", out)
    assert code == 0
    got = pd.read_csv(out)
    assert got["point"].tolist() == ["head_rotation"]
    k = bs.motion_kinematics(pose, fps=25, angular=True, type="pose")
    s = bs.motion_smoothness(pose, fps=25, angular=True, type="pose")
    r = bs.relative_motion(pose, reference=[0, 10], angular=True, type="pose")
    row = got.iloc[0]
    assert row[["range", "path_length", "speed", "acceleration"]].tolist() == pytest.approx(k, rel=1e-12)
    assert row[["jerk", "log_dimensionless_jerk"]].tolist() == pytest.approx(s, rel=1e-12)
    assert row[["distance_min", "distance_mean", "distance_std", "distance_max"]].tolist() == pytest.approx(
        r, rel=1e-12)
    assert row["n_reference"] == 2
    code, _, err = run(capsys, "motion", "--input", tmp_path / "pose.csv", "--type", "pose", "--reference", "x",
                       "--out", tmp_path / "m2.csv")
    assert code == 2 and "--reference must be 'mean'" in err


def test_coordination_with_surrogates(tmp_path, capsys):
    x = bs.simulate_signals(2, seconds=40, fps=30, seed=3)
    y = x.shift(5).bfill() + np.random.default_rng(4).normal(0, 0.01, size=x.shape)
    x.to_csv(tmp_path / "x.csv", index=False)
    y.to_csv(tmp_path / "y.csv", index=False)
    out = tmp_path / "coord.csv"
    code, _, err = run(capsys, "coordination", "--x", tmp_path / "x.csv", "--y", tmp_path / "y.csv", "--width", 2,
                       "--lag", 0.5, "--surrogates", 19, "--method", "shift", "--seed", 1, "--out", out)
    assert code == 0
    got = pd.read_csv(out)
    want = bs.coordination(x, y, width=2, lag=0.5, tidy=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    test = pd.read_csv(tmp_path / "coord_surrogates.csv")
    res = bs.coordination_test(x, y, method="shift", n_surrogates=19, seed=1, width=2, lag=0.5, progress=False)
    assert test["x_signal"].iloc[0] == "all"
    np.testing.assert_allclose(test["p_value"].iloc[1:], res.table["p_value"])
    assert test["p_value"].iloc[0] == pytest.approx(res.overall["p_value"].iloc[0])
    code, _, _ = run(capsys, "coordination", "--x", tmp_path / "x.csv", "--y", tmp_path / "y.csv", "--imitation",
                     "--windows", "--out", tmp_path / "win.csv")
    assert code == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "win.csv"), bs.imitation(x, y, stats=False, tidy=True),
                                  check_dtype=False)
    code, _, err = run(capsys, "coordination", "--x", tmp_path / "x.csv", "--y", tmp_path / "nope.csv",
                       "--out", tmp_path / "c2.csv")
    assert code == 2 and "no such file" in err
    y.to_csv(tmp_path / "c3_surrogates.csv", index=False)  # the test's own file would overwrite an input
    code, _, err = run(capsys, "coordination", "--x", tmp_path / "x.csv", "--y", tmp_path / "c3_surrogates.csv",
                       "--surrogates", 9, "--overwrite", "--out", tmp_path / "c3.csv")
    assert code == 2 and "overlaps the input --y" in err and not (tmp_path / "c3.csv").exists()
