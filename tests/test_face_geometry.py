"""Asymmetry: Bitbox itself (live), closed forms, OpenFace input, bad input."""

import numpy as np
import pandas as pd
import pytest

# The released Bitbox (test-only dependency, installed by the Makefile); a missing
# package fails these tests.
from bitbox.expressions import asymmetry as bitbox_asymmetry

import bitbox_stats as bs
from bitbox_stats.face_geometry import _LEFT, _RIGHT

COLUMNS = ["eye", "brow", "nose", "mouth", "overall"]


def bitbox_dict(values, dim, kind="landmark", backend="3DI"):
    cols = [f"{c}{i}" for i in range(51) for c in "xyz"[:dim]]
    return {"data": pd.DataFrame(values, columns=cols), "type": kind, "dimension": dim,
            "backend": backend, "schema": "ibug51"}


def symmetric_face(dim=2, rng=None):
    """A face symmetric about the plane x = 0 (the right half mirrors the left)."""
    rng = np.random.default_rng(0) if rng is None else rng
    face = np.zeros((51, dim))
    for region in _LEFT:
        for left, right in zip(_LEFT[region], _RIGHT[region], strict=True):
            p = rng.normal(size=dim) * 5
            p[0] = -abs(p[0]) - 3
            face[left] = p
            face[right] = p * np.r_[-1, np.ones(dim - 1)]
    return face


def rotation(dim, rng):
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    return q


# ---------------------------------------------------------------- Bitbox, live


@pytest.mark.parametrize("dim,kind,backend", [(2, "landmark", "3DI"), (3, "landmark-can", "3DI"),
                                              (3, "landmark-can", "3DIl")])
@pytest.mark.parametrize("normalize", [True, False])
def test_equals_bitbox_on_random_landmarks(dim, kind, backend, normalize):
    rng = np.random.default_rng(dim + len(backend))
    values = rng.normal(size=(60, 51 * dim)) * 3
    d = bitbox_dict(values, dim, kind, backend)
    want = bitbox_asymmetry(d, normalize=normalize)
    got = bs.asymmetry(d, normalize=normalize)
    assert list(got.columns) == COLUMNS and isinstance(got.index, pd.RangeIndex)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-9)


@pytest.mark.parametrize("dim", [2, 3])
def test_equals_bitbox_on_structured_faces(dim):
    """Symmetric faces, rotated and moved, some perturbed; a frame whose halves' centroids
    coincide (no reflection); a frame with a missing coordinate."""
    rng = np.random.default_rng(5)
    frames = []
    for k in range(12):
        face = symmetric_face(dim, rng) @ rotation(dim, rng).T + rng.normal(size=dim) * 50
        if k % 3 == 1:
            face[rng.integers(51)] += rng.normal(size=dim) * 2
        frames.append(face)
    degenerate = np.zeros((51, dim))
    degenerate[:, 0] = np.arange(51) % 3  # left and right halves share their centroid in some regions
    frames.append(degenerate)
    missing = frames[0].copy()
    missing[20, 1] = np.nan
    frames.append(missing)
    values = np.stack(frames).reshape(len(frames), -1)
    for normalize in (True, False):
        d = bitbox_dict(values, dim, "landmark-can" if dim == 3 else "landmark")
        want = bitbox_asymmetry(d, normalize=normalize).to_numpy()
        got = bs.asymmetry(d, normalize=normalize).to_numpy()
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
        assert np.isnan(got[-1, 0]) and np.isfinite(got[-1, 1])  # only the eye region lost a point


def test_equals_bitbox_with_axis_1():
    values = np.random.default_rng(2).normal(size=(20, 102))
    d = bitbox_dict(values, 2)
    d_t = dict(d, data=d["data"].T.reset_index(drop=True))
    np.testing.assert_allclose(bs.asymmetry(d_t, axis=1).to_numpy(),
                               bitbox_asymmetry(d_t, axis=1).to_numpy(), rtol=0, atol=1e-9)


def test_openface_landmarks_equal_bitbox_on_the_converted_dict():
    of = bs.read_openface(bs.example_file())
    d2 = bs.openface_to_bitbox(of, "landmark")
    np.testing.assert_allclose(bs.asymmetry(of).to_numpy(), bitbox_asymmetry(d2).to_numpy(), rtol=0, atol=1e-9)
    # 3-D OpenFace landmarks: mm in camera space, no Bitbox constants
    d3 = bs.openface_to_bitbox(of, "landmark", dimension=3)
    with pytest.raises(ValueError, match="no such constants.*normalize=False"):
        bs.asymmetry(d3)
    with pytest.raises(ValueError, match="normalize=False"):
        bs.asymmetry(of, dimension=3)
    np.testing.assert_allclose(bs.asymmetry(of, dimension=3, normalize=False).to_numpy(),
                               bitbox_asymmetry(d3, normalize=False).to_numpy(), rtol=0, atol=1e-9)


# ---------------------------------------------------------------- closed forms


@pytest.mark.parametrize("dim", [2, 3])
def test_symmetric_face_scores_zero_in_any_pose(dim):
    rng = np.random.default_rng(1)
    faces = np.stack([symmetric_face(dim, rng) @ rotation(dim, rng).T + rng.normal(size=dim) * 100
                      for _ in range(5)])
    raw = bs.asymmetry(faces, normalize=False)
    np.testing.assert_allclose(raw.to_numpy(), 0.0, atol=1e-9)


def test_one_point_moved_along_the_mirror_plane():
    """Moving a right nose point along the plane's normal moves the right centroid too:
    the mirror error is then the mean of two equal distances, |shift| / 2 each."""
    face = np.zeros((51, 2))
    face[14] = [-2.0, 0.0]
    face[15] = [-2.0, 4.0]
    face[18] = [2.0, 0.0]
    face[17] = [2.0, 4.0]
    moved = face.copy()
    moved[[17, 18], 0] += 0.6  # the whole right half moves away: still symmetric about a new plane
    out = bs.asymmetry(np.stack([face, moved]), normalize=False)
    assert out.loc[0, "nose"] == pytest.approx(0.0, abs=1e-12)
    assert out.loc[1, "nose"] == pytest.approx(0.0, abs=1e-12)
    shifted = face.copy()
    shifted[17, 1] += 1.0  # one right point up: centroid moves up 0.5
    # reflection plane is the perpendicular bisector of the centroids (tilted); compare with Bitbox
    want = bitbox_asymmetry(bitbox_dict(shifted.reshape(1, -1), 2), normalize=False)["nose"].iloc[0]
    assert bs.asymmetry(shifted[None], normalize=False)["nose"].iloc[0] == pytest.approx(want, abs=1e-12)


def test_normalisation_constants():
    faces = np.stack([symmetric_face(2)] * 2)
    out = bs.asymmetry(faces)  # 2-D: raw 0 minus the symmetric median, clipped at 0
    assert (out.to_numpy() == 0).all()
    raw = pd.DataFrame([[4.0, 3.0, 2.0, 6.0, 3.75]], columns=COLUMNS)
    expected_3di = (raw.iloc[0] - [0.5801, 0.7857, 0.0965, 1.0076, 0.6172]) / (
        np.array([3.1310, 2.2180, 1.4357, 5.5638, 2.4260]) - [0.5801, 0.7857, 0.0965, 1.0076, 0.6172])
    from bitbox_stats.face_geometry import _normalise

    np.testing.assert_allclose(_normalise(raw.to_numpy(), 3, "3DI")[0], expected_3di.to_numpy())


# ---------------------------------------------------------------- input forms, tidy


def test_input_forms_agree():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(10, 102))
    want = bs.asymmetry(bitbox_dict(values, 2))
    pd.testing.assert_frame_equal(bs.asymmetry(values), want)
    pd.testing.assert_frame_equal(bs.asymmetry(values.reshape(10, 51, 2)), want)
    pd.testing.assert_frame_equal(bs.asymmetry(pd.DataFrame(values)), want)
    pd.testing.assert_frame_equal(bs.asymmetry(values.T, axis=1), want)
    v3 = rng.normal(size=(10, 153))
    pd.testing.assert_frame_equal(bs.asymmetry(v3, backend="3DIl"),
                                  bs.asymmetry(bitbox_dict(v3, 3, "landmark-can", "3DIl")))


def test_tidy_output():
    values = np.random.default_rng(4).normal(size=(3, 102))
    wide = bs.asymmetry(values)
    tidy = bs.asymmetry(values, tidy=True)
    assert list(tidy.columns) == ["frame", "region", "asymmetry"]
    assert len(tidy) == 15 and tidy["frame"].dtype == np.int64
    assert tidy["region"].tolist()[:5] == COLUMNS
    np.testing.assert_array_equal(tidy["asymmetry"].to_numpy(), wide.to_numpy().ravel())
    assert tidy.attrs["normalized"] is True and tidy.attrs["n_missing"] == 0


# ---------------------------------------------------------------- bad input


def test_bad_input_is_named():
    v = np.zeros((4, 102))
    with pytest.raises(ValueError, match="only Bitbox 'landmark', 'landmark-can' data"):
        bs.asymmetry({"data": pd.DataFrame(v), "type": "pose"})
    with pytest.raises(ValueError, match="51 landmarks, got 68.*jaw"):
        bs.asymmetry(np.zeros((4, 136)), dimension=2)
    with pytest.raises(ValueError, match="schema 'ibug68'"):
        bs.asymmetry(dict(bitbox_dict(v, 2), schema="ibug68"))
    with pytest.raises(ValueError, match="dimension=3 disagrees"):
        bs.asymmetry(bitbox_dict(v, 2), dimension=3)
    with pytest.raises(ValueError, match="dimension="):
        bs.asymmetry(np.zeros((4, 100)))
    with pytest.raises(ValueError, match=r"backend '3DI' or '3DIl'\), got backend=None"):
        bs.asymmetry(np.zeros((4, 153)))
    with pytest.raises(TypeError, match="normalize must be True or False"):
        bs.asymmetry(v, normalize="yes")
    with pytest.raises(TypeError, match="column 'a' is not numeric"):
        bs.asymmetry(pd.DataFrame({"a": ["x"] * 4}))
    with pytest.raises(ValueError, match="empty"):
        bs.asymmetry(np.zeros((0, 102)))


def test_blocks_of_frames_change_nothing(monkeypatch):
    import importlib

    geometry = importlib.import_module("bitbox_stats.face_geometry")
    values = np.random.default_rng(6).normal(size=(23, 153))
    want = bs.asymmetry(values, backend="3DI")
    monkeypatch.setattr(geometry, "_FRAMES_PER_BLOCK", 5)
    pd.testing.assert_frame_equal(bs.asymmetry(values, backend="3DI"), want)
