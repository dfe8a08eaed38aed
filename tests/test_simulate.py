"""The simulated study: shape, reproducibility, the generating truth, and the written files."""

import numpy as np
import pandas as pd
import pytest

from bitbox_stats import icc_table, openface_columns, read_openface, segment_table
from bitbox_stats.simulate import (
    CHANNELS,
    ITEMS,
    SimulatedStudy,
    simulate_signals,
    simulate_study,
    write_study,
)


@pytest.fixture(scope="module")
def study():
    return simulate_study(n_subjects=12, seed=11)


def test_shape_of_the_study(study):
    assert isinstance(study, SimulatedStudy)
    assert study.manifest.shape[0] == 12 * 3
    per_subject = sum(len(segment_table(t)) for t in ("startle", "pain", "disgust"))
    assert per_subject == 16  # 5 + 7 + 4 clips, as in the paper's appendix
    assert study.truth.shape[0] == 12 * per_subject
    assert study.ratings.shape[0] == 12 * per_subject * 6
    assert list(study.ratings.columns) == ["subject", "task", "clip", "rater", *ITEMS]
    assert study.ratings[list(ITEMS)].isin(range(5)).all().all()
    assert (study.ratings.groupby(["subject", "task", "clip"])["rater"].nunique() == 6).all()
    for frame in (study.manifest, study.ratings, study.truth, study.weights, study.items):
        assert isinstance(frame.index, pd.RangeIndex)


def test_videos_cover_their_segment_tables(study):
    for row in study.manifest.itertuples(index=False):
        segs = segment_table(row.task)
        head = segs.loc[~segs["from_end"], "end_s"].max() if (~segs["from_end"]).any() else 0
        tail = -segs.loc[segs["from_end"], "start_s"].min() if segs["from_end"].any() else 0
        assert row.duration_s >= head + tail


def test_frames_are_openface_22(study):
    f = study.frames("S003", "pain")
    assert list(f.columns) == openface_columns("2.2")
    assert len(f) == study.manifest.set_index(["subject", "task"]).loc[("S003", "pain"), "n_frames"]
    assert f["frame"].tolist() == list(range(1, len(f) + 1))
    assert set(f["success"].unique()) <= {0, 1}
    failed = f["success"] == 0
    assert (f.loc[failed, "x_0"] == 0).all()  # OpenFace writes zeros when tracking fails
    assert f[[c for c in f.columns if c.endswith("_c")]].isin([0.0, 1.0]).all().all()
    assert f[[c for c in f.columns if c.startswith("AU") and c.endswith("_r")]].le(5).all().all()


def test_same_seed_same_study_and_different_seed_different():
    a = simulate_study(n_subjects=3, seed=5)
    b = simulate_study(n_subjects=3, seed=5)
    c = simulate_study(n_subjects=3, seed=6)
    pd.testing.assert_frame_equal(a.ratings, b.ratings)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    pd.testing.assert_frame_equal(a.frames("S002", "startle"), b.frames("S002", "startle"))
    assert not a.truth["latent"].equals(c.truth["latent"])
    with pytest.raises(ValueError, match="no video for subject 'S009'"):
        a.frames("S009", "pain")


def test_generating_truth_is_recorded(study):
    w = study.weights
    assert set(w["task"]) == set(CHANNELS)
    startle = w[w["task"] == "startle"].set_index("feature")["weight"]
    assert startle["head_displacement"] < 0 < startle["points_displacement"]
    pain = w[w["task"] == "pain"].set_index("feature")["weight"]
    assert pain["points_velocity"] < 0 < pain["au_intensity"]


def test_ratings_reliability_like_table_1():
    big = simulate_study(n_subjects=60, seed=2)
    t1 = icc_table(big.ratings, list(ITEMS), by="task", targets=["subject", "clip"])
    assert t1["icc"].between(0.78, 0.93).all(), t1
    # the averaged answers track the latent score
    means = big.ratings.groupby(["subject", "task", "clip"], sort=False)[list(ITEMS)].mean().reset_index()
    merged = means.merge(big.truth, on=["subject", "task", "clip"])
    assert np.corrcoef(merged["response"], merged["latent"])[0, 1] > 0.75


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"n_subjects": 0}, ValueError, "n_subjects must be >= 1"),
    ({"tasks": ("startle", "laughing")}, ValueError, "no segment table for \\['laughing'\\]"),
    ({"tasks": ("pain", "pain")}, ValueError, "duplicates"),
    ({"fps": -1}, ValueError, "fps must be > 0"),
    ({"n_raters": 100}, ValueError, "n_raters must be <= 60"),
    ({"seed": "x"}, TypeError, "seed must be"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate_study(**{"n_subjects": 2, **kwargs})


def test_write_study_writes_real_files_whole(tmp_path, study):
    small = simulate_study(n_subjects=2, tasks=("disgust", "startle"), seed=4)
    manifest = write_study(small, tmp_path / "s")
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        ".bitbox-stats-output.json", "manifest.csv", "openface", "ratings.csv", "settings.json", "truth_clips.csv", "truth_items.csv",
        "truth_weights.csv"]
    back = read_openface(tmp_path / "s" / manifest["path"].iloc[0])
    frames = small.frames("S001", "disgust")
    assert back.shape[0] == frames.shape[0]
    np.testing.assert_allclose(back["pose_Tz"].where(back["valid"]).dropna(),
                               frames.loc[back["valid"].to_numpy(), "pose_Tz"], atol=0.05)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "s" / "ratings.csv"), small.ratings,
                                  check_dtype=False)
    with pytest.raises(ValueError, match="exists and is not empty"):
        write_study(small, tmp_path / "s")
    # a failure half-way leaves neither the folder nor a temporary one behind
    broken = SimulatedStudy(small.manifest.assign(task=["disgust", "startle", "disgust", "nope"]),
                            small.ratings, small.truth, small.weights, small.items, small.settings,
                            small._controls)
    with pytest.raises(ValueError, match="no video"):
        write_study(broken, tmp_path / "t")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_simulate_signals_reproducible_and_checked():
    a = simulate_signals(4, seconds=20, fps=30, seed=1)
    pd.testing.assert_frame_equal(a, simulate_signals(4, seconds=20, fps=30, seed=1))
    assert a.shape == (600, 4)
    with pytest.raises(ValueError, match="max_duration"):
        simulate_signals(2, min_duration=2, max_duration=1)
