"""Tests for bitbox_stats.bootstrap.cluster_bootstrap.

Golden values: tests/golden/boot_perc.R runs R's boot() over clusters on the
data in boot_data.csv and stores the draws (boot.array), the replicates, the
cluster-jackknife influence values (empinf(type = "jack")) and boot.ci's
"perc" and "bca" limits, plus quantile(type = 7). The tests recompute the
replicates from R's own draws and the limits from R's own replicates.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bitbox_stats import bootstrap as bt
from bitbox_stats.bootstrap import BootstrapResult, cluster_bootstrap
from bitbox_stats.metrics import nrmse, pearson_r, rmse

GOLDEN = Path(__file__).parent / "golden"
STATS = {  # R statistic -> (term, metric index)
    "nrmse_a": ("a", 0), "nrmse_b": ("b", 0), "nrmse_diff": ("a - b", 0),
    "r_a": ("a", 1), "r_b": ("b", 1), "r_diff": ("a - b", 1),
}


def _read(name):
    path = GOLDEN / name
    if not path.exists():
        raise AssertionError(f"golden file {path} is missing; run `Rscript tests/golden/boot_perc.R`")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def golden():
    data = _read("boot_data.csv")
    metrics = bt._resolve_metrics(["nrmse", "pearson_r"])
    prep = bt._prepare(data, "y", ["a", "b"], "cluster", "raise")
    terms = bt._terms(prep.models, True, None)
    index = {label: i for i, (label, _, _) in enumerate(terms)}
    return {
        "data": data, "metrics": metrics, "prep": prep, "terms": terms, "index": index,
        "counts": _read("boot_counts.csv"), "reps": _read("boot_replicates.csv"),
        "jack": _read("boot_jack.csv"), "ci": _read("boot_ci.csv"),
    }


@pytest.fixture(scope="module")
def study():
    rng = np.random.default_rng(7)
    G = 40
    subject = np.repeat(np.arange(G), rng.integers(3, 9, G))
    n = subject.size
    y = rng.normal(size=G)[subject] + rng.normal(size=n)
    return pd.DataFrame({
        "subject": subject, "y": y,
        "a": y + rng.normal(0, 0.4, G)[subject] + rng.normal(0, 0.5, n),
        "b": y + rng.normal(0, 0.7, G)[subject] + rng.normal(0, 0.8, n),
        "c": rng.normal(size=n),
    })


# --- agreement with R's boot ---------------------------------------------------------------------


def test_replicates_from_r_draws_equal_r_replicates(golden):
    prep, metrics, terms, index = golden["prep"], golden["metrics"], golden["terms"], golden["index"]
    G = prep.n_clusters
    slow_metrics = [bt._Metric("nrmse", None, lambda y, yhat: nrmse(y, yhat)),
                    bt._Metric("pearson_r", None, lambda y, yhat: pearson_r(y, yhat))]
    for R, counts in golden["counts"].groupby("R"):
        c = counts[[f"c{i}" for i in range(1, G + 1)]].to_numpy()
        assert (c.sum(axis=1) == G).all()
        fast = bt._to_terms(bt._model_replicates(prep, metrics, [c], 7.0), terms)
        ref = golden["reps"][golden["reps"]["R"] == R]
        for stat, (term, k) in STATS.items():
            np.testing.assert_allclose(fast[:, index[term], k], ref[stat], rtol=0, atol=1e-13,
                                       err_msg=f"R={R} {stat}")
        if R == 99:  # the general (per-replicate) path on the same draws
            slow = bt._to_terms(bt._model_replicates(prep, slow_metrics, [c], 7.0), terms)
            np.testing.assert_allclose(slow, fast, rtol=0, atol=1e-13)


def test_estimates_and_cluster_jackknife_equal_r(golden):
    prep, metrics, terms, index = golden["prep"], golden["metrics"], golden["terms"], golden["index"]
    est = bt._to_terms(bt._model_estimates(prep, metrics, 7.0), terms)
    jack = bt._to_terms(bt._model_jackknife(prep, metrics, 7.0), terms)
    t0 = golden["ci"].drop_duplicates("statistic").set_index("statistic")["t0"]
    G = prep.n_clusters
    for stat, (term, k) in STATS.items():
        assert est[index[term], k] == pytest.approx(t0[stat], abs=1e-14)
        L = golden["jack"].query("statistic == @stat")["L"].to_numpy()
        np.testing.assert_allclose((G - 1) * (est[index[term], k] - jack[:, index[term], k]), L,
                                   rtol=0, atol=1e-12, err_msg=stat)


def test_interval_rules_equal_r_boot_ci(golden):
    prep, metrics, terms, index = golden["prep"], golden["metrics"], golden["terms"], golden["index"]
    jack = bt._to_terms(bt._model_jackknife(prep, metrics, 7.0), terms)
    n_checked = 0
    for row in golden["ci"].itertuples():
        t = golden["reps"].loc[golden["reps"]["R"] == row.R, row.statistic].to_numpy()
        term, k = STATS[row.statistic]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # extreme order statistics at R = 10
            perc = bt._ci_limits(t, row.t0, row.conf, "boot_perc")
            q7 = bt._ci_limits(t, row.t0, row.conf, "percentile")
            bca = bt._ci_limits(t, row.t0, row.conf, "bca", jack[:, index[term], k])
        for ours, theirs, what in ((perc, (row.perc_low, row.perc_high), "perc"),
                                   (q7, (row.q7_low, row.q7_high), "quantile type 7"),
                                   (bca, (row.bca_low, row.bca_high), "bca")):
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-13,
                                       err_msg=f"{what}: R={row.R} conf={row.conf} {row.statistic}")
        n_checked += 1
    assert n_checked == 4 * 3 * 6


def test_boot_perc_warns_about_extreme_order_statistics():
    t = np.arange(10.0)
    with pytest.warns(RuntimeWarning, match="extreme order statistics"):
        low, high = bt._ci_limits(t, 4.5, 0.95, "boot_perc")
    assert (low, high) == (0.0, 9.0)


def test_norm_inter_integer_rank_takes_the_order_statistic():
    t = np.random.default_rng(3).permutation(np.arange(999.0))
    # (999 + 1) * (1 + 0.95) / 2 = 975 exactly: the 975th smallest value (0-based 974);
    # (1 - 0.95) / 2 rounds to 0.025000000000000022, so R (and we) interpolate a hair above 24
    low, high = bt._ci_limits(t, 500.0, 0.95, "boot_perc")
    assert high == 974.0
    assert low == pytest.approx(24.0, abs=1e-12)


# --- fast path, general path, reproducibility ---------------------------------------------------------


@pytest.mark.parametrize("ci", ["percentile", "bca", "boot_perc"])
def test_fast_path_equals_general_path(study, ci):
    kw = dict(n_boot=300, seed=11, ci=ci)
    fast = cluster_bootstrap(study, "y", ["a", "b", "c"], metrics=["nrmse", "pearson_r"], **kw)
    slow = cluster_bootstrap(
        study, "y", ["a", "b", "c"],
        metrics={"nrmse": lambda y, yhat: nrmse(y, yhat), "pearson_r": lambda y, yhat: pearson_r(y, yhat)},
        **kw,
    )
    np.testing.assert_allclose(slow.replicate_values, fast.replicate_values, rtol=0, atol=1e-12)
    cols = ["estimate", "ci_low", "ci_high", "pval"]
    np.testing.assert_allclose(slow.table[cols].to_numpy(), fast.table[cols].to_numpy(),
                               rtol=0, atol=1e-12)


def test_replicates_equal_a_plain_loop_over_the_same_draws(study):
    res = cluster_bootstrap(study, "y", ["a", "b"], metrics="rmse", n_boot=50, seed=5)
    # documented draws: replicate b takes the b-th rng.integers(0, G, size=G), clusters numbered
    # in order of first appearance
    codes, _ = pd.factorize(study["subject"])
    G = codes.max() + 1
    rng = np.random.default_rng(5)
    for b in range(50):
        drawn = rng.integers(0, G, size=G)
        rows = np.concatenate([np.flatnonzero(codes == g) for g in drawn])
        ra = rmse(study["y"].to_numpy()[rows], study["a"].to_numpy()[rows])
        rb = rmse(study["y"].to_numpy()[rows], study["b"].to_numpy()[rows])
        np.testing.assert_allclose(res.replicate_values[b, :, 0], [ra, rb, ra - rb], rtol=1e-12)


def test_draws_are_n_clusters_draws_with_replacement():
    G, B = 30, 20000
    counts = np.concatenate(list(bt._draw_counts(np.random.default_rng(0), B, G)))
    assert counts.shape == (B, G)
    assert (counts.sum(axis=1) == G).all()
    # each count is Binomial(G, 1/G): mean 1, variance 1 - 1/G
    assert counts.mean() == pytest.approx(1.0, abs=0.01)
    assert counts.var() == pytest.approx(1 - 1 / G, abs=0.02)
    assert (counts == 0).mean() == pytest.approx((1 - 1 / G) ** G, abs=0.01)


@pytest.mark.parametrize("G", [3, 10, 141])
def test_draw_blocks_equal_one_draw_per_replicate(monkeypatch, G):
    monkeypatch.setattr(bt, "_BLOCK_DRAWS", 6 * G)  # 6 replicates per block
    blocks = list(bt._draw_counts(np.random.default_rng(0), 20, G))
    assert [b.shape[0] for b in blocks] == [6, 6, 6, 2]
    rng = np.random.default_rng(0)
    per_replicate = [np.bincount(rng.integers(0, G, size=G), minlength=G) for _ in range(20)]
    np.testing.assert_array_equal(np.concatenate(blocks), per_replicate)


def test_seeded_results_reproduce(study):
    r1 = cluster_bootstrap(study, "y", ["a", "b"], n_boot=200, seed=3)
    r2 = cluster_bootstrap(study, "y", ["a", "b"], n_boot=200, seed=np.random.default_rng(3))
    r3 = cluster_bootstrap(study, "y", ["a", "b"], n_boot=200, seed=4)
    pd.testing.assert_frame_equal(r1.table, r2.table)
    np.testing.assert_array_equal(r1.replicate_values, r2.replicate_values)
    assert not np.array_equal(r1.replicate_values, r3.replicate_values)


# --- table, terms, p-values --------------------------------------------------------------------------


def test_table_layout_and_estimates(study):
    res = cluster_bootstrap(study, "y", ["a", "b", "c"], n_boot=100, seed=1)
    assert list(res.table.columns) == ["term", "metric", "estimate", "ci_low", "ci_high", "pval",
                                       "n", "n_clusters", "n_boot"]
    assert res.table["term"].tolist() == [t for t in ["a", "b", "c", "a - b", "a - c", "b - c"]
                                          for _ in range(2)]
    assert res.table["metric"].tolist() == ["nrmse", "pearson_r"] * 6
    assert isinstance(res.table.index, pd.RangeIndex)
    tab = res.table.set_index(["term", "metric"])
    assert tab.loc[("a", "nrmse"), "estimate"] == pytest.approx(nrmse(study["y"], study["a"]), rel=1e-13)
    assert tab.loc[("b - c", "pearson_r"), "estimate"] == pytest.approx(
        pearson_r(study["y"], study["b"]) - pearson_r(study["y"], study["c"]), abs=1e-13)
    assert (res.table["n"] == len(study)).all()
    assert (res.table["n_clusters"] == study["subject"].nunique()).all()
    assert (res.table["n_boot"] == 100).all()
    # single models: CI, no p-value; differences: p-values
    assert res.table.loc[res.table["term"].isin(["a", "b", "c"]), "pval"].isna().all()
    assert res.table.loc[res.table["term"].str.contains(" - "), "pval"].notna().all()
    assert (res.table["ci_low"] <= res.table["ci_high"]).all()


def test_percentile_interval_is_numpy_quantile_of_replicates(study):
    res = cluster_bootstrap(study, "y", ["a", "b"], metrics="nrmse", n_boot=500, seed=2, confidence=0.9)
    for i, row in res.table.iterrows():
        low, high = np.quantile(res.replicate_values[:, i, 0], [0.05, 0.95])
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-15)


def test_reference_forms_only_reference_differences(study):
    res = cluster_bootstrap(study, "y", ["a", "b", "c"], reference="b", metrics="nrmse", n_boot=50, seed=1)
    assert res.terms == ("a", "b", "c", "b - a", "b - c")
    tab = res.table.set_index("term")
    assert tab.loc["b - a", "estimate"] == pytest.approx(
        tab.loc["b", "estimate"] - tab.loc["a", "estimate"], abs=1e-15)
    none = cluster_bootstrap(study, "y", ["a", "b"], pairwise=False, metrics="nrmse", n_boot=50, seed=1)
    assert none.terms == ("a", "b")


@pytest.mark.parametrize("ci", ["percentile", "bca", "boot_perc"])
def test_identical_models_give_zero_difference_and_p_one(study, ci):
    data = study.assign(copy=study["a"])
    res = cluster_bootstrap(data, "y", ["a", "copy"], n_boot=400, seed=1, ci=ci)
    diff = res.table[res.table["term"] == "a - copy"]
    assert (diff[["estimate", "ci_low", "ci_high"]].to_numpy() == 0).all()
    assert (diff["pval"] == 1.0).all()


def test_p_value_is_never_zero(study):
    data = study.assign(far=study["y"] + 5.0)
    res = cluster_bootstrap(data, "y", ["a", "far"], metrics="nrmse", n_boot=99, seed=1)
    # every replicate is far below 0: the smallest possible p, 2 / (B + 1)
    assert res.table.loc[2, "pval"] == pytest.approx(2 / 100)
    assert (res.table["pval"].dropna() > 0).all()


def test_p_value_formula_counts_ties_half():
    t = np.array([-1.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])  # B = 9
    # below: 1 + 2/2 = 2; above: 6 + 1 = 7 -> p = 2 (2 + 1) / 10
    assert bt._pvalue(t, 0.0) == pytest.approx(0.6)
    assert bt._pvalue(t, 10.0) == pytest.approx(2 * 1 / 10)
    assert bt._pvalue(np.zeros(9), 0.0) == 1.0
    assert bt._pvalue(np.array([np.nan, 1.0, 2.0]), 0.0) == pytest.approx(2 / 3)


def test_null_and_model_null(study):
    res = cluster_bootstrap(study, "y", ["a", "b"], n_boot=200, seed=1,
                            null={"nrmse": 0.0}, model_null={"pearson_r": 0})
    tab = res.table.set_index(["term", "metric"])
    assert np.isnan(tab.loc[("a - b", "pearson_r"), "pval"])  # no null given for r differences
    assert tab.loc[("a - b", "nrmse"), "pval"] > 0
    assert tab.loc[("a", "pearson_r"), "pval"] == pytest.approx(2 / 201)  # r far above 0
    assert np.isnan(tab.loc[("a", "nrmse"), "pval"])
    shifted = cluster_bootstrap(study, "y", ["a", "b"], n_boot=200, seed=1, metrics="nrmse",
                                null=float(tab.loc[("a - b", "nrmse"), "estimate"]))
    assert shifted.table.loc[2, "pval"] > 0.5
    assert cluster_bootstrap(study, "y", ["a", "b"], n_boot=20, seed=1, null=None).table["pval"].isna().all()


def test_truth_per_model(study):
    data = study.assign(y2=study["y"] * 2)
    res = cluster_bootstrap(data, ["y", "y2"], ["a", "b"], metrics="rmse", n_boot=50, seed=1)
    tab = res.table.set_index("term")
    assert tab.loc["b", "estimate"] == pytest.approx(rmse(data["y2"], data["b"]), rel=1e-13)
    assert tab.loc["a", "estimate"] == pytest.approx(rmse(data["y"], data["a"]), rel=1e-13)


def test_cluster_none_is_the_row_bootstrap(study):
    res = cluster_bootstrap(study, "y", ["a"], cluster=None, metrics="rmse", n_boot=50, seed=1)
    assert res.n_clusters == len(study)
    by_row = cluster_bootstrap(study.assign(id=np.arange(len(study))), "y", ["a"], cluster="id",
                               metrics="rmse", n_boot=50, seed=1)
    np.testing.assert_array_equal(res.replicate_values, by_row.replicate_values)


def test_metric_functions_and_names_are_the_same_metric(study):
    by_name = cluster_bootstrap(study, "y", ["a"], metrics=["nrmse", "pearson_r", "rmse"], n_boot=30, seed=1)
    by_func = cluster_bootstrap(study, "y", ["a"], metrics=[nrmse, pearson_r, rmse], n_boot=30, seed=1)
    pd.testing.assert_frame_equal(by_name.table, by_func.table)
    scaled = cluster_bootstrap(study, "y", ["a"], metrics="nrmse", score_range=10, n_boot=30, seed=1)
    assert scaled.table.loc[0, "estimate"] == pytest.approx(nrmse(study["y"], study["a"], 10))


def test_replicates_long_table_and_summary(study):
    res = cluster_bootstrap(study, "y", ["a", "b"], n_boot=40, seed=1)
    rep = res.replicates
    assert list(rep.columns) == ["replicate", "term", "metric", "value"]
    assert rep.shape[0] == 40 * 3 * 2
    row = rep[(rep["replicate"] == 7) & (rep["term"] == "a - b") & (rep["metric"] == "pearson_r")]
    assert row["value"].item() == res.replicate_values[7, 2, 1]
    s = res.summary()
    assert s.shape[0] == 1 and s.loc[0, "n_boot"] == 40 and s.loc[0, "ci"] == "percentile"
    assert "n_boot=40" in repr(res) and isinstance(res, BootstrapResult)


# --- missing values and undefined replicates ------------------------------------------------------------


def test_nan_policy_raise_and_omit(study):
    data = study.copy()
    data.loc[[0, 5], "a"] = np.nan
    data.loc[9, "y"] = np.nan
    with pytest.raises(ValueError, match=r"3 row\(s\) have a missing.*'a': 2.*nan_policy='omit'"):
        cluster_bootstrap(data, "y", ["a", "b"], n_boot=10, seed=1)
    res = cluster_bootstrap(data, "y", ["a", "b"], n_boot=100, seed=1, nan_policy="omit")
    assert res.n_rows_omitted == 3 and res.n == len(study) - 3
    assert (res.table["n"] == len(study) - 3).all()
    clean = cluster_bootstrap(data.dropna(), "y", ["a", "b"], n_boot=100, seed=1)
    np.testing.assert_array_equal(res.replicate_values, clean.replicate_values)
    assert res.summary().loc[0, "n_rows_omitted"] == 3


def test_nan_policy_omit_counts_clusters_that_went():
    data = pd.DataFrame({"subject": [1, 1, 2, 2, 3, 3], "y": [0.0, 1, 2, 3, 4, 5],
                         "a": [np.nan, np.nan, 2, 2.5, 4, 5.5]})
    res = cluster_bootstrap(data, "y", "a", metrics="rmse", n_boot=20, seed=1, nan_policy="omit")
    assert (res.n_rows_omitted, res.n_clusters_omitted, res.n_clusters) == (2, 1, 2)


def test_undefined_replicates_are_counted_and_warned():
    # model "flat" predicts one value per subject; a replicate drawing one subject only
    # (possible with 2 subjects) has constant predictions, so r is undefined there
    data = pd.DataFrame({"subject": np.repeat([0, 1], 5), "y": np.arange(10.0),
                         "flat": np.repeat([1.0, 2.0], 5)})
    with pytest.warns(RuntimeWarning, match="undefined"):
        res = cluster_bootstrap(data, "y", "flat", metrics="pearson_r", n_boot=200, seed=1)
    n_nan = int(np.isnan(res.replicate_values).sum())
    assert 0 < n_nan < 200
    assert res.table.loc[0, "n_boot"] == 200 - n_nan


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(truth=["y", "y", "y"]), ValueError, "one column or one per prediction"),
        (dict(cluster="one"), ValueError, "at least 2 clusters, got 1"),
        (dict(truth="label"), TypeError, "truth column 'label' must be numeric"),
        (dict(n_boot=0), ValueError, "n_boot must be >= 1, got 0"),
        (dict(n_boot=2.5), TypeError, "n_boot must be an integer"),
        (dict(confidence=1.0), ValueError, "confidence must be strictly between 0 and 1"),
        (dict(confidence=95), ValueError, "confidence must be strictly between 0 and 1"),
        (dict(metrics="mae"), ValueError, "unknown metric 'mae'"),
        (dict(metrics=[3]), TypeError, "each metric must be a name"),
        (dict(metrics=[]), ValueError, "metrics is empty"),
        (dict(metrics=["nrmse", nrmse]), ValueError, "unique"),
        (dict(ci="normal"), ValueError, "ci must be one of"),
        (dict(nan_policy="drop"), ValueError, "nan_policy must be one of"),
        (dict(reference="z"), ValueError, "reference 'z' is not one of"),
        (dict(reference="a", pairwise=False), ValueError, "reference needs pairwise=True"),
        (dict(null={"mae": 0}), ValueError, "null names unknown metric 'mae'"),
        (dict(null="0"), TypeError, "null must be a number"),
        (dict(model_null=0), TypeError, "model_null must be a dict"),
        (dict(predictions=["a", "a"]), ValueError, "may appear once"),
        (dict(predictions=["a", "zz"]), ValueError, "no column 'zz'"),
        (dict(predictions=[]), TypeError, "predictions must be a column name"),
        (dict(cluster="nope"), ValueError, "no column 'nope'"),
        (dict(seed="x"), TypeError, "seed must be"),
        (dict(metrics=lambda y, yhat: [1, 2]), TypeError, "must return one number"),
    ],
)
def test_bad_input(study, kwargs, error, match):
    data = study.assign(one=1, label="x")
    args = dict(data=data, truth="y", predictions=["a", "b"], n_boot=10, seed=1) | kwargs
    with pytest.raises(error, match=match):
        cluster_bootstrap(**args)


def test_bad_data():
    with pytest.raises(TypeError, match="data must be a pandas DataFrame"):
        cluster_bootstrap([[1, 2]], "y", "a")
    with pytest.raises(ValueError, match="empty"):
        cluster_bootstrap(pd.DataFrame({"y": [], "a": [], "subject": []}), "y", "a")
    data = pd.DataFrame({"subject": [1, 2, np.nan], "y": [1.0, 2, 3], "a": [1.0, 2, 3]})
    with pytest.raises(ValueError, match="cluster column 'subject' has 1 missing"):
        cluster_bootstrap(data, "y", "a")
    data = pd.DataFrame({"subject": [1, 2, 3], "y": [1.0, 2, np.inf], "a": [1.0, 2, 3]})
    with pytest.raises(ValueError, match="infinite"):
        cluster_bootstrap(data, "y", "a", nan_policy="omit")


def _copy_data():
    rng = np.random.default_rng(3)
    subject = np.repeat(np.arange(140), 16)
    y = rng.normal(size=140)[subject] + rng.normal(size=subject.size)
    data = pd.DataFrame({"subject": subject, "y": y, "a": y + rng.normal(0, 0.7, subject.size),
                         "b": rng.normal(size=subject.size)})
    data["copy"] = data["a"]
    data["next"] = np.nextafter(data["a"].to_numpy(), np.inf)  # equal to a up to rounding
    return data


@pytest.mark.parametrize("ci", ["percentile", "bca", "boot_perc"])
@pytest.mark.parametrize("other", ["copy", "next"])
def test_identical_models_differ_by_exactly_zero_with_p_1(ci, other):
    data = _copy_data()
    res = cluster_bootstrap(data, "y", ["a", "b", other], n_boot=1000, seed=1, ci=ci)
    diff = res.table[res.table["term"] == f"a - {other}"]
    assert len(diff) == 2
    assert (diff[["estimate", "ci_low", "ci_high"]].to_numpy() == 0).all()
    assert (diff["pval"] == 1).all()
    ti = res.terms.index(f"a - {other}")
    assert (res.replicate_values[:, ti, :] == 0).all()
    # a real difference is untouched
    real = res.table[res.table["term"] == "a - b"]
    assert (real["pval"] < 0.01).all() and (real["estimate"] != 0).all()


def test_n_boot_refuses_bools_and_warns_when_too_few():
    data = _copy_data()
    with pytest.raises(TypeError, match="n_boot must be an integer, got bool True"):
        cluster_bootstrap(data, "y", ["a", "b"], n_boot=True, seed=1)
    with pytest.warns(UserWarning, match="n_boot=1 is too few for 95% intervals: they need at least 39"):
        cluster_bootstrap(data, "y", ["a", "b"], n_boot=1, seed=1)
    with pytest.warns(UserWarning, match="at least 199"):
        cluster_bootstrap(data, "y", ["a", "b"], n_boot=100, seed=1, confidence=0.99)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cluster_bootstrap(data, "y", ["a", "b"], n_boot=39, seed=1)
