"""Tests of the signal selection in front of expressivity and diversity (bitbox_stats._selection).

Reference: the same statistics computed on the plain frames x signals table
picked out by hand, with the frame rate given explicitly; the selection layer
must add nothing but the choice of columns, the frame grid and the frame rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bitbox_stats as bs
from bitbox_stats import example_file, read_frames

FACET = example_file("iMotions_Test_v6.txt")


@pytest.fixture(scope="module")
def facet():
    return read_frames(FACET)


def test_expressivity_of_a_frames_table_equals_the_hand_picked_signals(facet):
    cols = [c for c in facet.columns if c.startswith("AU") and c.endswith("_evidence")]
    assert len(cols) == 20
    got = bs.expressivity(facet, signals="AU*_evidence", scales=[0.5, 1.0], tidy=True, nan_policy="interpolate")
    want = bs.expressivity(facet[cols].reset_index(drop=True), scales=[0.5, 1.0], tidy=True,
                           nan_policy="interpolate", fps=facet.attrs["fps"])
    pd.testing.assert_frame_equal(got, want)
    assert got["n_missing"].eq(int((~facet["valid"]).sum())).all()
    # a slice of a reader's table keeps its frame rate and needs no signals=
    sliced = bs.expressivity(facet[cols], scales=[0.5, 1.0], tidy=True, nan_policy="interpolate")
    pd.testing.assert_frame_equal(sliced, got)
    other = bs.expressivity(facet[cols].reset_index(drop=True), scales=[0.5, 1.0], tidy=True,
                            nan_policy="interpolate", fps=25)
    assert not other.equals(got)  # the file's 29.97 fps was used, not a default


def test_diversity_and_lists_of_names_and_patterns(facet):
    got = bs.diversity(facet, signals=["AU12_evidence", "AU06*"], nan_policy="interpolate", tidy=True)
    want = bs.diversity(facet[["AU12_evidence", "AU06_evidence"]].reset_index(drop=True),
                        nan_policy="interpolate", tidy=True, fps=facet.attrs["fps"])
    pd.testing.assert_frame_equal(got, want)
    fps25 = bs.diversity(facet, signals=["AU12_evidence", "AU06_evidence"], nan_policy="interpolate", fps=25)
    ref25 = bs.diversity(facet[["AU12_evidence", "AU06_evidence"]].reset_index(drop=True),
                         nan_policy="interpolate", fps=25)
    pd.testing.assert_frame_equal(fps25, ref25)


def test_frames_a_tracker_skipped_are_put_back_as_missing():
    rng = np.random.default_rng(0)
    frames = pd.DataFrame({"frame": [1, 2, 3, 6, 7, 8, 9, 10], "timestamp": 0.0, "valid": True,
                           "AU12_r": rng.uniform(0, 5, 8), "AU06_r": rng.uniform(0, 5, 8)})
    got = bs.expressivity(frames, signals="AU*_r", fps=5, tidy=True, nan_policy="interpolate")
    grid = frames.set_index("frame")[["AU12_r", "AU06_r"]].reindex(range(1, 11)).reset_index(drop=True)
    want = bs.expressivity(grid, fps=5, tidy=True, nan_policy="interpolate")
    pd.testing.assert_frame_equal(got, want)
    assert got["n_frames"].tolist() == [10, 10] and got["n_missing"].tolist() == [2, 2]
    with pytest.raises(ValueError, match=r"0 frame\(s\) the tracker did not track \(valid=False\) and 2 "
                                         r"frame\(s\) missing from the table .*nan_policy='interpolate'"):
        bs.expressivity(frames, signals="AU*_r", fps=5)


def test_reader_tables_need_signals_and_a_known_frame_rate(facet):
    with pytest.raises(ValueError, match="frames table read from a facet file; choose its signals with signals="):
        bs.expressivity(facet)
    with pytest.raises(ValueError, match=r"34 frame|215 frame\(s\) the tracker did not track"):
        bs.expressivity(facet, signals="AU12_evidence")
    feat = read_frames(example_file("Feat_Test.csv"))
    with pytest.raises(ValueError, match="fps: the frame rate of this pyfeat file is unknown"):
        bs.expressivity(feat, signals="AU12")
    with pytest.raises(ValueError, match="signals: 'AU99\\*' matches no column of the frames table"):
        bs.expressivity(facet, signals="AU99*")
    with pytest.raises(ValueError, match=r"signals: 'fr\*me' matches no column"):
        bs.expressivity(facet, signals=["AU12_evidence", "fr*me"])
    with pytest.raises(TypeError, match="signals: column 'stimulus' is not numeric"):
        bs.expressivity(facet, signals="stimulus")
    with pytest.raises(TypeError, match="signals selects columns of a DataFrame"):
        bs.expressivity(np.zeros(100), signals="a")
    with pytest.raises(TypeError, match="signals must be a column name, a glob pattern"):
        bs.expressivity(facet, signals=3)
    with pytest.raises(ValueError, match="axis must be 0, got 1"):
        bs.diversity(facet, signals="AU*_evidence", axis=1)


def test_several_faces_are_refused():
    two = pd.DataFrame({"frame": [1, 2, 1, 2], "face_id": [0, 0, 1, 1], "valid": True, "AU12_r": 1.0})
    with pytest.raises(ValueError, match="several faces"):
        bs.expressivity(two, signals="AU12_r", fps=30)


def test_plain_inputs_keep_bitbox_defaults():
    t = np.arange(600)
    x = np.exp(-0.5 * ((t - 300) / 6) ** 2)
    a = bs.expressivity(x)[0]
    b = bs.expressivity(x, fps=30)[0]
    pd.testing.assert_frame_equal(a, b)
    df = pd.DataFrame({"s": x})
    df.attrs["fps"] = 60.0  # attrs without a reader's format: taken, as the user's own table says
    pd.testing.assert_frame_equal(bs.expressivity(df, scales=[1.0])[0], bs.expressivity(x, scales=[1.0],
                                                                                         fps=60)[0])
