"""Motion kinematics, smoothness and relative motion: Bitbox itself (live), closed forms,
OpenFace input, missing values and bad input."""

import numpy as np
import pandas as pd
import pytest

# The released Bitbox (test-only dependency, installed by the Makefile).
from bitbox.biomechanics import motion_kinematics as bb_kinematics
from bitbox.biomechanics import motion_smoothness as bb_smoothness
from bitbox.biomechanics import relative_motion as bb_relative

import bitbox_stats as bs


def make(kind, T=120, seed=0):
    rng = np.random.default_rng(seed)
    walk = lambda n: rng.normal(size=(T, n)).cumsum(axis=0)  # noqa: E731
    if kind == "landmark2":
        return {"data": pd.DataFrame(walk(102)), "type": "landmark", "dimension": 2, "schema": "ibug51"}
    if kind == "landmark3":
        return {"data": pd.DataFrame(walk(153)), "type": "landmark-can", "dimension": 3, "schema": "ibug51",
                "backend": "3DI"}
    if kind == "pose6":
        return {"data": pd.DataFrame(walk(6), columns=["Tx", "Ty", "Tz", "Rx", "Ry", "Rz"]), "type": "pose",
                "dimension": 3}
    if kind == "pose3":
        return {"data": pd.DataFrame(walk(3) * 0.01, columns=["Rx", "Ry", "Rz"]), "type": "pose", "dimension": 3}
    if kind == "rectangle":
        return {"data": pd.DataFrame(walk(4) + 100, columns=["x", "y", "w", "h"]), "type": "rectangle",
                "dimension": 2}
    raise AssertionError(kind)


KINDS = ["landmark2", "landmark3", "pose6", "pose3", "rectangle"]


def assert_same(got, want, tol=1e-9):
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert type(g) is type(w) or (isinstance(g, np.ndarray) and isinstance(w, np.ndarray))
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


# ---------------------------------------------------------------- Bitbox, live


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fps", [25, 30])
@pytest.mark.parametrize("angular", [False, True])
def test_kinematics_and_smoothness_equal_bitbox(kind, fps, angular):
    d = make(kind, seed=fps + angular)
    assert_same(bs.motion_kinematics(d, fps=fps, angular=angular), bb_kinematics(d, fps=fps, angular=angular))
    assert_same(bs.motion_smoothness(d, fps=fps, angular=angular), bb_smoothness(d, fps=fps, angular=angular))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reference", ["mean", [0], [5, 17, 17, -1]])
@pytest.mark.parametrize("angular", [False, True])
def test_relative_motion_equals_bitbox(kind, reference, angular):
    d = make(kind, seed=3)
    assert_same(bs.relative_motion(d, reference=reference, angular=angular),
                bb_relative(d, reference=reference, angular=angular))


def test_missing_values_propagate_as_in_bitbox():
    d = make("landmark2", seed=4)
    d["data"].iloc[10, 7] = np.nan  # landmark 3, y
    for ours, theirs in [(bs.motion_kinematics, bb_kinematics), (bs.motion_smoothness, bb_smoothness),
                         (bs.relative_motion, bb_relative)]:
        got, want = ours(d), theirs(d)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
            np.testing.assert_allclose(g[np.isfinite(g)], w[np.isfinite(w)], rtol=1e-9, atol=1e-9)
        assert np.isnan(got[0][3]) and np.isfinite(got[0][2])


def test_openface_pose_and_landmarks_equal_bitbox_on_converted_dicts():
    of = bs.read_openface(bs.example_file())
    pose = bs.openface_to_bitbox(of, "pose")
    for angular in (False, True):
        assert_same(bs.motion_kinematics(of, type="pose", angular=angular), bb_kinematics(pose, angular=angular))
    land = bs.openface_to_bitbox(of, "landmark", dimension=3)
    assert_same(bs.relative_motion(of, type="landmark", dimension=3), bb_relative(land))
    assert_same(bs.motion_smoothness(of, type="landmark", fps=25), bb_smoothness(bs.openface_to_bitbox(of), fps=25))


# ---------------------------------------------------------------- closed forms


def test_constant_velocity_and_circle():
    fps = 25
    t = np.arange(50) / fps
    line = np.column_stack([3 * t, 4 * t, np.zeros(50), np.zeros((50, 3))])  # 5 units/s
    rng_, path, speed, accel = bs.motion_kinematics(line, fps=fps, type="pose")
    assert rng_ == pytest.approx(5 * t[-1]) and path == pytest.approx(5 * t[-1])
    assert speed == pytest.approx(5.0) and accel == pytest.approx(0.0, abs=1e-12)
    jerk, ldj = bs.motion_smoothness(line, fps=fps, type="pose")
    assert jerk == pytest.approx(0.0, abs=1e-12) and ldj > 25  # no acceleration: -log(~0), huge
    # uniform circular motion of radius 2 at 1 turn per second: speed 4 pi, velocity change per
    # frame 4 pi * 2 sin(pi / fps)
    fps = 24  # a frame at every quarter turn: the range is the full diameter on both axes
    theta = 2 * np.pi * np.arange(101) / fps
    circle = np.zeros((101, 51, 2))
    circle[:, 0] = np.column_stack([2 * np.cos(theta), 2 * np.sin(theta)])
    out = bs.motion_kinematics(circle, fps=fps, tidy=True).iloc[0]
    chord = 2 * 2 * np.sin(np.pi / fps)
    assert out["range"] == pytest.approx(np.hypot(4, 4))
    assert out["speed"] == pytest.approx(chord * fps)
    assert out["acceleration"] == pytest.approx(chord * fps * 2 * np.sin(np.pi / fps))
    assert out["path_length"] == pytest.approx(100 * chord)


def test_smoothness_of_a_still_point_is_nan_without_warnings():
    still = np.zeros((10, 6))
    with np.errstate(all="raise"):
        jerk, ldj = bs.motion_smoothness(still, type="pose")
    assert jerk == 0 and np.isnan(ldj)


def test_relative_motion_closed_form():
    x = np.zeros((5, 4))
    x[:, 0] = [0.0, 2.0, 4.0, 6.0, 8.0]  # box moves right 2 px per frame: centre likewise
    mn, mean, sd, mx = bs.relative_motion(x, type="rectangle", reference=[0])
    d = np.array([2.0, 4.0, 6.0, 8.0])
    assert (mn, mean, sd, mx) == pytest.approx((2.0, d.mean(), d.std(), 8.0))
    out = bs.relative_motion(x, type="rectangle", reference=[0, 4], tidy=True)
    # reference 0: others 2, 4, 6; reference 4 (at 8): 6, 4, 2 -> the same statistics
    assert out.loc[0, ["min", "mean", "max"]].tolist() == pytest.approx([2.0, 4.0, 6.0])
    assert out.loc[0, "n_reference"] == 2


# ---------------------------------------------------------------- tidy, missing values, errors


def test_tidy_columns_and_points():
    d = make("landmark2")
    k = bs.motion_kinematics(d, tidy=True)
    assert list(k.columns) == ["point", "range", "path_length", "speed", "acceleration", "n_frames", "n_missing"]
    assert k["point"].tolist()[:2] == ["landmark_0", "landmark_1"] and len(k) == 51
    np.testing.assert_array_equal(k["speed"].to_numpy(), bs.motion_kinematics(d)[2])
    s = bs.motion_smoothness(make("pose6"), angular=True, tidy=True)
    assert s["point"].tolist() == ["head_rotation"]
    assert list(s.columns) == ["point", "jerk", "log_dimensionless_jerk", "n_frames", "n_missing"]
    r = bs.relative_motion(make("rectangle"), tidy=True)
    assert list(r.columns) == ["point", "min", "mean", "std", "max", "n_reference", "n_frames", "n_missing"]
    assert r["point"].tolist() == ["face_box"]
    assert isinstance(r.index, pd.RangeIndex)


def test_nan_policy():
    x = make("pose6")["data"].to_numpy().copy()
    x[5, 1] = np.nan
    with pytest.raises(ValueError, match="head_translation has a missing or infinite coordinate at frame 5"):
        bs.motion_kinematics(x, type="pose", nan_policy="raise")
    filled = x.copy()
    filled[5, 1] = (x[4, 1] + x[6, 1]) / 2
    got = bs.motion_kinematics(x, type="pose", nan_policy="interpolate", tidy=True)
    want = bs.motion_kinematics(filled, type="pose", tidy=True)
    assert got.loc[0, "n_missing"] == 1 and want.loc[0, "n_missing"] == 0
    pd.testing.assert_frame_equal(got.drop(columns="n_missing"), want.drop(columns="n_missing"))
    assert np.isnan(bs.motion_kinematics(x, type="pose")[0])


def test_bad_input_is_named():
    x = np.zeros((10, 6))
    with pytest.raises(ValueError, match="say what the values are with type="):
        bs.motion_kinematics(x)
    with pytest.raises(ValueError, match="at least 4 are needed, got 3"):
        bs.motion_kinematics(x[:3], type="pose")
    with pytest.raises(ValueError, match="fps must be > 0"):
        bs.motion_smoothness(x, type="pose", fps=0)
    with pytest.raises(ValueError, match="reference must be 'mean'"):
        bs.relative_motion(x, type="pose", reference="median")
    with pytest.raises(TypeError, match="put a single frame in a list"):
        bs.relative_motion(x, type="pose", reference=3)
    with pytest.raises(ValueError, match="frame index 10 is out of bounds for 10 frames"):
        bs.relative_motion(x, type="pose", reference=[10])
    with pytest.raises(ValueError, match="every frame is a reference frame"):
        bs.relative_motion(x[:2], type="pose", reference=[0, 1])
    with pytest.raises(ValueError, match="only Bitbox 'landmark', 'landmark-can', 'pose', 'rectangle' data"):
        bs.motion_kinematics({"data": pd.DataFrame(x), "type": "expression"})
    with pytest.raises(ValueError, match="head pose needs 6 columns"):
        bs.motion_kinematics(np.zeros((10, 5)), type="pose")
    with pytest.raises(TypeError, match="angular must be True or False"):
        bs.motion_kinematics(x, type="pose", angular=1)
    with pytest.raises(ValueError, match="nan_policy must be one of"):
        bs.motion_kinematics(x, type="pose", nan_policy="omit")
