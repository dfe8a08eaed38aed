"""Tests for bitbox_stats.tables (Tables 3 and 4) and bitbox_stats.plots (Figures 3 and 4)."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from bitbox_stats.bootstrap import cluster_bootstrap
from bitbox_stats.metrics import nrmse, pearson_r
from bitbox_stats.models import baseline_predictions, fit_by_context, human_baseline
from bitbox_stats.plots import plot_feature_weights, plot_performance
from bitbox_stats.tables import comparison_table, performance_table


@pytest.fixture(scope="module")
def long_predictions():
    rng = np.random.default_rng(11)
    parts = []
    for ctx in ("startle", "pain"):
        subject = np.repeat(np.arange(24), 5)
        y = rng.normal(size=24)[subject] + rng.normal(size=subject.size)
        for model, yhat in (("ElasticNet", y + rng.normal(0, 0.6, y.size)),
                            ("LSTM", 0.5 * y + rng.normal(0, 1.0, y.size)),
                            ("Normal baseline", rng.normal(size=y.size))):
            parts.append(pd.DataFrame({"context": ctx, "model": model, "row": np.arange(y.size),
                                       "subject": subject, "y": y, "yhat": yhat}))
    return pd.concat(parts, ignore_index=True)


# --- Table 3 --------------------------------------------------------------------------------------------


def test_performance_table_values_and_order(long_predictions):
    tab = performance_table(long_predictions)
    assert list(tab.columns) == ["model", "context", "n", "nrmse", "r"]
    assert tab["model"].tolist() == ["ElasticNet"] * 2 + ["LSTM"] * 2 + ["Normal baseline"] * 2
    assert tab["context"].tolist() == ["startle", "pain"] * 3
    for row in tab.itertuples():
        part = long_predictions.query("model == @row.model and context == @row.context")
        assert row.nrmse == pytest.approx(nrmse(part["y"], part["yhat"]), rel=1e-14)
        assert row.r == pytest.approx(pearson_r(part["y"], part["yhat"]), abs=1e-14)
        assert row.n == part.shape[0]
    overall = performance_table(long_predictions, by=None, score_range=10)
    assert list(overall.columns) == ["model", "n", "nrmse", "r"]
    en = long_predictions[long_predictions["model"] == "ElasticNet"]
    assert overall.loc[0, "nrmse"] == pytest.approx(nrmse(en["y"], en["yhat"], 10))


def test_performance_table_warns_with_the_group_for_undefined_r(long_predictions):
    flat = long_predictions.assign(yhat=np.where(long_predictions["model"] == "LSTM", 0.0,
                                                 long_predictions["yhat"]))
    with pytest.warns(RuntimeWarning) as caught:
        tab = performance_table(flat)
    assert sorted(str(w.message) for w in caught) == [
        f"LSTM / {ctx}: pearson_r is undefined: yhat is constant (zero variance); returning NaN"
        for ctx in ("pain", "startle")]
    assert tab.loc[tab["model"] == "LSTM", "r"].isna().all()


def test_performance_table_bad_input(long_predictions):
    with pytest.raises(ValueError, match="no column 'task'"):
        performance_table(long_predictions, by="task")
    with pytest.raises(ValueError, match="missing"):
        performance_table(long_predictions.assign(yhat=np.nan))
    with pytest.raises(TypeError, match="by must be a column name"):
        performance_table(long_predictions, by=1)


# --- Table 4 --------------------------------------------------------------------------------------------


def test_comparison_table_equals_direct_bootstrap(long_predictions):
    tab = comparison_table(long_predictions, reference="ElasticNet", n_boot=300, seed=5)
    assert list(tab.columns) == ["context", "term", "metric", "estimate", "ci_low", "ci_high", "pval",
                                 "n", "n_clusters", "n_boot"]
    assert tab["term"].tolist() == ["ElasticNet - LSTM"] * 2 + ["ElasticNet - Normal baseline"] * 2 + \
        ["ElasticNet - LSTM"] * 2 + ["ElasticNet - Normal baseline"] * 2
    children = np.random.default_rng(5).spawn(2)
    for ctx, child in zip(["startle", "pain"], children, strict=True):
        part = long_predictions[long_predictions["context"] == ctx]
        wide = part.pivot(index="row", columns="model", values="yhat").reset_index()
        wide = wide.merge(part[part["model"] == "ElasticNet"][["row", "subject", "y"]], on="row")
        direct = cluster_bootstrap(wide, "y", ["ElasticNet", "LSTM", "Normal baseline"], "subject",
                                   n_boot=300, seed=child, reference="ElasticNet")
        want = direct.table[direct.table["term"].str.contains(" - ")].reset_index(drop=True)
        got = tab[tab["context"] == ctx].drop(columns="context").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)
    en = long_predictions.query("model == 'ElasticNet' and context == 'pain'")
    nb = long_predictions.query("model == 'Normal baseline' and context == 'pain'")
    est = tab.query("context == 'pain' and term == 'ElasticNet - Normal baseline' and metric == 'nrmse'")
    assert est["estimate"].item() == pytest.approx(nrmse(en["y"], en["yhat"]) - nrmse(nb["y"], nb["yhat"]))


def test_comparison_table_from_bootstrap_results(long_predictions):
    part = long_predictions[long_predictions["context"] == "pain"]
    wide = part.pivot(index="row", columns="model", values="yhat").reset_index()
    wide = wide.merge(part[part["model"] == "LSTM"][["row", "subject", "y"]], on="row")
    res = cluster_bootstrap(wide, "y", ["ElasticNet", "LSTM", "Normal baseline"], n_boot=100, seed=1)
    one = comparison_table(res, reference="ElasticNet")
    assert one["term"].unique().tolist() == ["ElasticNet - LSTM", "ElasticNet - Normal baseline"]
    assert "context" not in one.columns
    many = comparison_table({"pain": res}, reference="ElasticNet")
    assert many["context"].unique().tolist() == ["pain"]
    assert comparison_table(res, reference="LSTM")["term"].unique().tolist() == ["LSTM - Normal baseline"]
    with pytest.raises(ValueError, match="no difference 'Normal baseline - '"):
        comparison_table(res, reference="Normal baseline")


def test_comparison_table_uses_each_models_truth():
    """The human baseline is scored against the other raters, the models against the truth."""
    rng = np.random.default_rng(3)
    subject = np.repeat(np.arange(15), 4)
    y = rng.normal(size=60)
    ref = y + rng.normal(0, 0.3, 60)
    preds = pd.concat([
        pd.DataFrame({"model": "ElasticNet", "row": np.arange(60), "subject": subject, "y": y,
                      "yhat": y + rng.normal(0, 0.5, 60)}),
        pd.DataFrame({"model": "Human baseline", "row": np.arange(60), "subject": subject, "y": ref,
                      "yhat": ref + rng.normal(0, 0.2, 60)}),
    ])
    tab = comparison_table(preds, by=None, n_boot=50, seed=1, metrics="nrmse")
    en, hb = preds[preds["model"] == "ElasticNet"], preds[preds["model"] == "Human baseline"]
    assert tab.loc[0, "estimate"] == pytest.approx(nrmse(en["y"], en["yhat"]) - nrmse(hb["y"], hb["yhat"]))


def test_comparison_table_missing_units_and_errors(long_predictions):
    gap = long_predictions.drop(index=long_predictions.index[
        (long_predictions["model"] == "LSTM") & (long_predictions["row"] < 3)])
    with pytest.raises(ValueError, match=r"context 'startle': 3 row\(s\) have a missing"):
        comparison_table(gap, n_boot=20, seed=1)
    ok = comparison_table(gap, n_boot=20, seed=1, nan_policy="omit")
    assert (ok.loc[ok["context"] == "startle", "n"] == 117).all()
    with pytest.raises(ValueError, match="reference 'SVM' is not a model"):
        comparison_table(long_predictions, reference="SVM")
    with pytest.raises(ValueError, match="repeated"):
        comparison_table(pd.concat([long_predictions, long_predictions.iloc[:1]]), n_boot=10)
    only = long_predictions[long_predictions["model"] == "ElasticNet"]
    with pytest.raises(ValueError, match="only the reference"):
        comparison_table(only, n_boot=10)
    moved = long_predictions.copy()
    moved.loc[moved.index[0], "subject"] = 99
    with pytest.raises(ValueError, match="more than one 'subject'"):
        comparison_table(moved, n_boot=10)
    with pytest.raises(TypeError, match="source\\['x'\\] must be a BootstrapResult"):
        comparison_table({"x": 1})


# --- Figures ----------------------------------------------------------------------------------------------


def test_plot_performance(long_predictions):
    tab = performance_table(long_predictions)
    fig = plot_performance(tab)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    heights = [p.get_height() for p in fig.axes[0].patches]
    # bars are drawn model by model, contexts in order
    np.testing.assert_allclose(heights, tab["nrmse"])
    np.testing.assert_allclose([p.get_height() for p in fig.axes[1].patches], tab["r"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["startle", "pain"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["ElasticNet", "LSTM",
                                                                            "Normal baseline"]
    one = plot_performance(tab[tab["context"] == "pain"].drop(columns="context"), context=None,
                           metrics="nrmse")
    assert len(one.axes) == 1 and len(one.axes[0].patches) == 3
    with pytest.raises(ValueError, match="more than one row"):
        plot_performance(pd.concat([tab, tab]))
    with pytest.raises(TypeError, match="must be numeric"):
        plot_performance(tab.assign(r="high"))


def test_plot_feature_weights():
    w = pd.DataFrame({"context": np.repeat(["startle", "pain", "all"], 3),
                      "feature": ["au_count", "head", "gaze"] * 3,
                      "weight": [0.4, -0.3, 0.0, 0.5, 0.1, np.nan, 0.2, 0.25, -0.05]})
    fig = plot_feature_weights(w)
    assert [ax.get_title() for ax in fig.axes] == ["startle", "pain", "all"]
    np.testing.assert_allclose([p.get_width() for p in fig.axes[0].patches], [0.4, -0.3, 0.0])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["au_count", "head", "gaze"]
    single = plot_feature_weights(w[w["context"] == "all"].drop(columns="context"), context=None,
                                  threshold=0)
    assert len(single.axes) == 1
    with pytest.raises(ValueError, match="threshold must be >= 0"):
        plot_feature_weights(w, threshold=-1)
    with pytest.raises(ValueError, match="more than one row"):
        plot_feature_weights(pd.concat([w, w]))


def test_figures_do_not_touch_pyplot(long_predictions):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_performance(performance_table(long_predictions))
    assert plt.get_fignums() == before


# --- the whole path ---------------------------------------------------------------------------------------


def test_pipeline_from_features_to_tables_and_figures():
    rng = np.random.default_rng(0)
    G = 30
    subject = np.repeat(np.arange(G), 6)
    task = np.tile(np.repeat(["startle", "pain"], 3), G)
    data = pd.DataFrame({"subject": subject, "task": task, "clip": np.arange(subject.size)})
    data["au"] = rng.normal(size=subject.size)
    data["head"] = rng.normal(size=subject.size)
    data["score"] = np.where(task == "pain", 0.9, 0.4) * data["au"] + rng.normal(0, 0.4, subject.size)
    fits = fit_by_context(data, ["au", "head"], "score", seed=1, alphas=[0.05, 0.1], l1_ratios=[0.0, 0.5],
                          id_columns=["clip"])
    preds = pd.concat([fits.predictions, baseline_predictions(fits.predictions, seed=2)], ignore_index=True)
    t3 = performance_table(preds)
    assert set(t3["model"]) == {"ElasticNet", "Uniform baseline", "Normal baseline"}
    assert (t3.loc[t3["model"] == "ElasticNet", "r"] > 0.5).all()
    t4 = comparison_table(preds, n_boot=200, seed=3)
    assert set(t4["context"]) == {"startle", "pain", "all"}
    assert (t4.loc[t4["metric"] == "nrmse", "estimate"] < 0).all()
    assert isinstance(plot_performance(t3), Figure)
    assert len(plot_feature_weights(fits.weights).axes) == 3
    # the human baseline's clip predictions fit the same long format, matched on the clip id
    ratings = pd.DataFrame([(c, s, k, data["score"].iloc[c] + rng.normal(0, 0.5))
                            for c, s in zip(data["clip"], data["subject"], strict=True) for k in range(4)],
                           columns=["clip", "subject", "rater", "score"])
    human = human_baseline(ratings, id_columns=["subject"], seed=1).clip_predictions
    en_all = fits.predictions[fits.predictions["context"] == "all"]
    human = human[human["clip"].isin(en_all["clip"])].assign(context="all")
    t4h = comparison_table(pd.concat([en_all, human], ignore_index=True), id="clip", n_boot=100, seed=1)
    assert t4h["term"].unique().tolist() == ["ElasticNet - Human baseline"]
    assert (t4h["n"] == en_all.shape[0]).all()
