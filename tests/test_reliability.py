"""Tests of bitbox_stats.reliability (icc, icc_table).

References: R's psych::ICC(lmer = FALSE) and one-way ANOVA mean squares from
R's aov(), kept in tests/golden/ beside the R scripts that wrote them
(icc_psych.R, expressiveness_lavaan.R); the published values of Shrout &
Fleiss (1979); pingouin as a cross-check of the point estimates.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bitbox_stats.reliability import FORMS, icc, icc_table

GOLDEN = Path(__file__).parent / "golden"
SF = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
PSYCH_TYPES = {"ICC1": "ICC(1,1)", "ICC2": "ICC(2,1)", "ICC3": "ICC(3,1)",
               "ICC1k": "ICC(1,k)", "ICC2k": "ICC(2,k)", "ICC3k": "ICC(3,k)"}
STAT_COLUMNS = ["icc", "f", "df1", "df2", "pval", "ci_low", "ci_high"]


def _golden(name):
    path = GOLDEN / name
    assert path.exists(), f"golden file {path} is missing; run the R scripts in tests/golden (see README.md)"
    return pd.read_csv(path)


def _psych(dataset, confidence):
    g = _golden("icc_psych.csv")
    g = g[(g["dataset"] == dataset) & np.isclose(g["confidence"], confidence)].copy()
    g["type"] = g["type"].map(PSYCH_TYPES)
    return g.set_index("type").loc[FORMS].reset_index()


def _long(matrix):
    x = np.asarray(matrix, dtype=float)
    a, k = x.shape
    return pd.DataFrame({"target": np.repeat(np.arange(a), k), "rater": np.tile(np.arange(k), a),
                         "rating": x.ravel()})


# --------------------------------------------------------------------------- golden values


@pytest.mark.parametrize("confidence", [0.95, 0.90])
def test_shrout_fleiss_matches_psych(confidence):
    ours = icc(SF, confidence=confidence)
    ref = _psych("shrout_fleiss", confidence)
    assert list(ours["type"]) == FORMS
    np.testing.assert_allclose(ours[STAT_COLUMNS].to_numpy(float), ref[STAT_COLUMNS].to_numpy(float),
                               rtol=0, atol=1e-10)


def test_shrout_fleiss_published_values():
    ours = icc(SF).set_index("type")["icc"].round(2)
    published = {"ICC(1,1)": 0.17, "ICC(2,1)": 0.29, "ICC(3,1)": 0.71,
                 "ICC(1,k)": 0.44, "ICC(2,k)": 0.62, "ICC(3,k)": 0.91}
    for form, value in published.items():
        assert ours[form] == pytest.approx(value, abs=1e-12), form


def test_long_wide_and_dataframe_inputs_agree():
    wide = icc(SF)
    frame = icc(pd.DataFrame(SF, columns=list("abcd")))
    long = icc(_long(SF), targets="target", raters="rater", ratings="rating")
    for other in (frame, long):
        pd.testing.assert_frame_equal(wide, other, check_exact=False, rtol=0, atol=1e-13)


def test_simulated_balanced_matches_psych():
    data = _golden("icc_sim_balanced.csv")
    ours = icc(data, targets="target", raters="rater", ratings="rating")
    ref = _psych("sim_balanced", 0.95)
    np.testing.assert_allclose(ours[STAT_COLUMNS].to_numpy(float), ref[STAT_COLUMNS].to_numpy(float),
                               rtol=0, atol=1e-10)
    assert (ours["n_targets"] == 60).all() and (ours["k"] == 5).all() and (ours["n_ratings"] == 300).all()


@pytest.mark.parametrize("confidence", [0.95, 0.90])
def test_unbalanced_one_way_matches_r_aov(confidence):
    data = _golden("icc_sim_unbalanced.csv")
    ref = _golden("icc_oneway_aov.csv")
    ref = ref[(ref["dataset"] == "sim_unbalanced") & np.isclose(ref["confidence"], confidence)]
    ours = icc(data, targets="target", ratings="rating", confidence=confidence)
    assert list(ours["type"]) == ["ICC(1,1)", "ICC(1,k)"]
    cols = [*STAT_COLUMNS, "k", "n_targets", "n_ratings"]
    np.testing.assert_allclose(ours[cols].to_numpy(float), ref[cols].to_numpy(float), rtol=0, atol=1e-10)
    # no clip was dropped: the group sizes differ (2 to 7 ratings), k is n0, not their mean
    assert ours["n_dropped"].iloc[0] == 0
    assert ours["k"].iloc[0] != pytest.approx(344 / 70)


def test_balanced_one_way_closed_form_equals_psych():
    # the aov closed form used for unbalanced data reproduces psych on balanced data
    ref = _golden("icc_oneway_aov.csv")
    ref = ref[ref["dataset"] == "sim_balanced"]
    psych = _psych("sim_balanced", 0.95).set_index("type").loc[["ICC(1,1)", "ICC(1,k)"]]
    np.testing.assert_allclose(ref[STAT_COLUMNS].to_numpy(float), psych[STAT_COLUMNS].to_numpy(float),
                               rtol=0, atol=1e-10)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_point_estimates_match_pingouin():
    import pingouin

    data = _golden("icc_sim_balanced.csv")
    ping = pingouin.intraclass_corr(data=data, targets="target", raters="rater", ratings="rating")
    ours = icc(data, targets="target", raters="rater", ratings="rating").set_index("type")
    assert len(ping) == 6
    for _, row in ping.iterrows():
        # pingouin labels the two-way forms ICC(A,*) and ICC(C,*); icc accepts those labels too
        form = icc(data, "target", "rater", "rating", forms=row["Type"])["type"].iloc[0]
        assert ours.loc[form, "icc"] == pytest.approx(row["ICC"], abs=1e-12), form
        assert ours.loc[form, "f"] == pytest.approx(row["F"], rel=1e-12), form


def test_icc_table_matches_r_per_task_and_overall():
    ratings = _golden("expressiveness_ratings.csv")
    ref = _golden("expressiveness_icc.csv")
    ours = icc_table(ratings, ["response", "emotion", "motion"], by="task",
                     targets=["subject", "clip"], form=["ICC(1,1)", "ICC(1,k)"])
    assert list(ours.columns[:6]) == ["task", "item", "type", "icc", "ci_low", "ci_high"]
    assert list(pd.unique(ours["task"])) == ["startle", "pain", "disgust", "all"]
    key = ["task", "item", "type"]
    merged = ours.merge(ref, on=key, suffixes=("", "_r"), validate="one_to_one")
    assert len(merged) == len(ref) == 24
    for col in ["icc", "ci_low", "ci_high", "f", "df1", "df2", "pval", "n_targets", "k"]:
        np.testing.assert_allclose(merged[col], merged[f"{col}_r"], rtol=0, atol=1e-10, err_msg=col)


# --------------------------------------------------------------------------- properties


@st.composite
def _one_way(draw):
    a = draw(st.integers(2, 12))
    sizes = draw(st.lists(st.integers(1, 6), min_size=a, max_size=a))
    assume(sum(sizes) > a)
    values = draw(st.lists(st.integers(0, 4), min_size=sum(sizes), max_size=sum(sizes)))
    assume(len(set(values)) > 1)
    target = np.repeat(np.arange(a), sizes)
    rater = np.concatenate([np.arange(n) for n in sizes])
    return pd.DataFrame({"target": target, "rater": rater, "rating": np.asarray(values, float)})


_FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(data=_one_way(), seed=st.integers(0, 2**32 - 1))
def test_one_way_invariant_to_rater_labels(data, seed):
    rng = np.random.default_rng(seed)
    base = icc(data, "target", "rater", "rating", forms=["ICC1", "ICC1k"])
    relabelled = data.assign(rater=rng.permutation(1000)[data["rater"].to_numpy()] + 7 * data["target"])
    again = icc(relabelled, "target", "rater", "rating", forms=["ICC1", "ICC1k"])
    pd.testing.assert_frame_equal(base, again, check_exact=False, rtol=1e-12, atol=1e-12)
    without = icc(data, "target", ratings="rating")
    pd.testing.assert_frame_equal(base, without, check_exact=False, rtol=1e-12, atol=1e-12)


@_FAST
@given(data=_one_way(), seed=st.integers(0, 2**32 - 1))
def test_invariant_to_target_order(data, seed):
    rng = np.random.default_rng(seed)
    base = icc(data, "target", ratings="rating")
    shuffled = data.iloc[rng.permutation(len(data))]
    renamed = shuffled.assign(target=shuffled["target"].map(lambda i: f"t{(i * 7919) % 10007}"))
    pd.testing.assert_frame_equal(base, icc(renamed, "target", ratings="rating"),
                                  check_exact=False, rtol=1e-10, atol=1e-12)


@_FAST
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.01, 100), shift=st.floats(-50, 50))
def test_all_forms_invariant_to_row_order_and_affine_rescaling(seed, scale, shift):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(8, 4)) + rng.normal(size=(8, 1))
    long = _long(x)
    base = icc(long, "target", "rater", "rating")
    moved = long.iloc[rng.permutation(len(long))].assign(rating=lambda d: d["rating"] * scale + shift)
    pd.testing.assert_frame_equal(base, icc(moved, "target", "rater", "rating"),
                                  check_exact=False, rtol=1e-8, atol=1e-10)


# --------------------------------------------------------------------------- missing data


def _incomplete():
    x = np.array(SF, dtype=float)
    x[1, 2] = np.nan
    x[4, 0] = np.nan
    return x


def test_available_uses_every_rating_for_one_way_and_warns_for_two_way():
    x = _incomplete()
    with pytest.warns(UserWarning, match="two-way forms"):
        res = icc(x)
    one_way = res.set_index("type").loc[["ICC(1,1)", "ICC(1,k)"]]
    long = _long(x).dropna()
    ref = icc(long, "target", ratings="rating").set_index("type")
    np.testing.assert_allclose(one_way[STAT_COLUMNS].to_numpy(float), ref[STAT_COLUMNS].to_numpy(float),
                               rtol=0, atol=1e-13)
    assert (res["n_missing"] == 2).all() and (res["n_dropped"] == 0).all() and (res["n_ratings"] == 22).all()
    two_way = res.set_index("type").loc[["ICC(2,1)", "ICC(3,1)", "ICC(2,k)", "ICC(3,k)"], "icc"]
    assert two_way.isna().all()


def test_omit_is_listwise_deletion_and_says_how_many():
    x = _incomplete()
    res = icc(x, nan_policy="omit")
    ref = icc(np.delete(x, [1, 4], axis=0))
    np.testing.assert_allclose(res[STAT_COLUMNS].to_numpy(float), ref[STAT_COLUMNS].to_numpy(float),
                               rtol=0, atol=1e-13)
    assert (res["n_dropped"] == 2).all() and (res["n_targets"] == 4).all()


def test_raise_policy_and_explicit_two_way_forms_on_incomplete_data():
    x = _incomplete()
    with pytest.raises(ValueError, match="2 missing ratings"):
        icc(x, nan_policy="raise")
    with pytest.raises(ValueError, match="nan_policy='omit'"):
        icc(_long(x).dropna(), "target", "rater", "rating", forms=["ICC(2,1)"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = icc(_long(x).dropna(), "target", "rater", "rating", forms=["ICC(1,k)"])
    assert res["type"].tolist() == ["ICC(1,k)"]


def test_missing_long_ratings_are_counted():
    long = _long(SF)
    long.loc[3, "rating"] = np.nan
    res = icc(long, "target", ratings="rating")
    assert res["n_missing"].iloc[0] == 1 and res["n_ratings"].iloc[0] == 23


def test_target_without_any_rating_is_reported():
    x = np.array(SF, dtype=float)
    x[2, :] = np.nan
    res = icc(x, forms=["ICC1"])
    assert res["n_targets"].iloc[0] == 5 and res["n_dropped"].iloc[0] == 1


# --------------------------------------------------------------------------- output shape


def test_output_columns_and_dtypes():
    res = icc(SF)
    assert list(res.columns) == ["type", "description", "icc", "f", "df1", "df2", "pval", "ci_low",
                                 "ci_high", "n_targets", "k", "n_ratings", "n_missing", "n_dropped"]
    assert isinstance(res.index, pd.RangeIndex)
    for c in ["icc", "f", "df1", "df2", "pval", "ci_low", "ci_high", "k"]:
        assert res[c].dtype == np.float64, c
    for c in ["n_targets", "n_ratings", "n_missing", "n_dropped"]:
        assert pd.api.types.is_integer_dtype(res[c]), c


def test_form_labels_and_order():
    res = icc(SF, forms=["ICC3k", "icc(1,1)", "ICC(2, k)"])
    assert res["type"].tolist() == ["ICC(3,k)", "ICC(1,1)", "ICC(2,k)"]


def test_perfect_agreement_has_icc_one():
    x = np.array([[1, 1, 1], [2, 2, 2], [4, 4, 4]], dtype=float)
    res = icc(x)
    np.testing.assert_allclose(res["icc"], 1.0)
    assert np.isinf(res["f"]).all()
    np.testing.assert_allclose(res[["ci_low", "ci_high"]].to_numpy(), 1.0)


def test_icc_table_without_groups():
    ratings = _golden("expressiveness_ratings.csv")
    tab = icc_table(ratings, ["motion"], by=None, targets=["task", "subject", "clip"])
    assert list(tab.columns[:5]) == ["item", "type", "icc", "ci_low", "ci_high"]
    full = icc_table(ratings, ["motion"], by="task", targets=["subject", "clip"])
    assert tab["icc"].iloc[0] == pytest.approx(full["icc"].iloc[-1], abs=1e-14)


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(data=pd.DataFrame({"t": [1, 1, 2, 2], "r": ["a", "b", "c", "d"]}), targets="t", ratings="r"),
         TypeError, "must be numeric"),
        (dict(data=pd.DataFrame({"t": [1, 1, 2, 2], "y": [1, 2, 3, 4]}), targets="t", ratings="score"),
         ValueError, "no column 'score'"),
        (dict(data=pd.DataFrame({"t": [1, 1, 2], "j": [1, 1, 1], "y": [1, 2, 3]}), targets="t", raters="j",
              ratings="y"), ValueError, "rated more than once"),
        (dict(data=[[1, 2, 3]]), ValueError, "at least 2 targets"),
        (dict(data=[[2, 2], [2, 2]]), ValueError, "ratings are equal"),
        (dict(data=[[1], [2], [3]]), ValueError, "2 or more ratings"),
        (dict(data=SF, confidence=95), ValueError, "confidence must be strictly between 0 and 1"),
        (dict(data=SF, forms="ICC(4,1)"), ValueError, "unknown ICC form"),
        (dict(data=SF, nan_policy="drop"), ValueError, "nan_policy must be one of"),
        (dict(data=np.zeros((2, 2, 2))), ValueError, "must be 2-D"),
        (dict(data=[["a", "b"], ["c", "d"]]), TypeError, "numeric"),
        (dict(data=[[1.0, np.inf], [2.0, 3.0]]), ValueError, "infinite"),
        (dict(data=pd.DataFrame({"t": [1, 1, 2, 2], "y": [1.0, 2, 3, 4]}), targets="t", ratings="y",
              forms="ICC(2,1)"), ValueError, "need raters"),
        (dict(data=pd.DataFrame({"t": [1, 1, 2, 2], "y": [1.0, 2, 3, 4]}), targets="t"), ValueError,
         "ratings="),
        (dict(data=[[1, 2], [3, 4]], forms=[1]), TypeError, "ICC labels"),
        (dict(data=pd.DataFrame({"a": [1, 1, None, 2], "b": [1, 1, 2, 2], "y": [1.0, 2, 3, 4]}),
              targets=["a", "b"], ratings="y"), ValueError, "'a' has 1 missing value"),
    ],
)
def test_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        icc(**kwargs)


def test_icc_table_bad_inputs():
    ratings = _golden("expressiveness_ratings.csv")
    with pytest.raises(ValueError, match="no column 'loudness'"):
        icc_table(ratings, ["loudness"], targets=["subject", "clip"])
    with pytest.raises(ValueError, match="group called 'startle'"):
        icc_table(ratings, ["motion"], targets=["subject", "clip"], all_label="startle")
    with pytest.raises(ValueError, match="items is empty"):
        icc_table(ratings, [], targets=["subject", "clip"])


@pytest.mark.parametrize("transform", [
    lambda x: x * 1e154, lambda x: x * 1e-300, lambda x: x + 1e12, lambda x: x * 1e300 - 5e300,
    lambda x: -x * 4 + 1e9,
], ids=["times 1e154", "times 1e-300", "plus 1e12", "times 1e300 minus 5e300", "negated, offset"])
def test_icc_is_invariant_to_scale_and_shift(transform):
    sf = pd.DataFrame({"j1": [9, 6, 8, 7, 10, 6], "j2": [2, 1, 4, 1, 5, 2],
                       "j3": [5, 3, 6, 2, 6, 4], "j4": [8, 2, 8, 6, 9, 7]}, dtype=float)
    ref = icc(sf)
    out = icc(transform(sf))
    cols = ["icc", "f", "pval", "ci_low", "ci_high"]
    assert np.isfinite(out[cols].to_numpy()).all()
    np.testing.assert_allclose(out[cols].to_numpy(), ref[cols].to_numpy(), rtol=1e-10, atol=1e-10)
    # and unbalanced one-way data (long format)
    rng = np.random.default_rng(5)
    y = np.repeat(rng.normal(size=30), 3) + rng.normal(size=90)
    # multiples of 1/8, so that every transform above is exact on the data themselves
    long = pd.DataFrame({"t": np.repeat(np.arange(30), 3), "y": np.round(y * 8) / 8}).iloc[:-7]
    ref = icc(long, targets="t", ratings="y")
    moved = long.assign(y=transform(long["y"]))
    np.testing.assert_allclose(icc(moved, targets="t", ratings="y")[cols].to_numpy(), ref[cols].to_numpy(),
                               rtol=1e-9, atol=1e-10)
