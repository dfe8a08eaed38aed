"""Tests for bitbox_stats.models: splits, the ElasticNet grid, fit_by_context, baselines.

References: the ridge closed form, the elastic-net KKT conditions and
scikit-learn's own ElasticNet at a very tight tolerance (glmnet is not used:
it scales the objective differently).
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.linear_model import ElasticNet
from sklearn.model_selection import GroupKFold

from bitbox_stats.metrics import nrmse, pearson_r, rmse
from bitbox_stats.models import (
    _estimator,
    baseline_predictions,
    elasticnet_grid,
    fit_by_context,
    group_split,
    group_split_labels,
    human_baseline,
    normal_baseline,
    uniform_baseline,
)

FEATURES = ["au_count", "au_intensity", "points_disp", "head_disp", "gaze"]


@pytest.fixture(scope="module")
def clips():
    rng = np.random.default_rng(2024)
    G = 45
    subject = np.repeat(np.arange(G), rng.integers(6, 14, G))
    n = subject.size
    X = rng.normal(size=(n, len(FEATURES))) * [1.0, 2.0, 0.5, 3.0, 1.0] + [0, 5, 1, -2, 0]
    X[:, 1] += 0.6 * X[:, 0]  # correlated features
    beta = np.array([0.5, 0.3, 0.8, 0.0, 0.0])
    y = (X - X.mean(0)) / X.std(0) @ beta + rng.normal(0, 0.4, G)[subject] + rng.normal(0, 0.6, n)
    data = pd.DataFrame(X, columns=FEATURES)
    data.insert(0, "subject", [f"s{i:02d}" for i in subject])
    data.insert(1, "clip", np.arange(n) + 1000)
    data.insert(2, "task", rng.choice(["startle", "pain", "disgust"], n))
    data["score"] = y
    return data


def _standardise(X_fit, X):
    return (X - X_fit.mean(0)) / X_fit.std(0)


# --- group_split -------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 30), min_size=3, max_size=40),
       seed=st.integers(0, 2**31), balance=st.sampled_from(["rows", "groups"]),
       split=st.sampled_from([(0.6, 0.2, 0.2), (0.5, 0.25, 0.25), (0.8, 0.1, 0.1)]))
def test_group_split_never_puts_a_subject_in_two_partitions(sizes, seed, balance, split):
    subjects = np.repeat(np.arange(len(sizes)), sizes)
    labels = group_split_labels(subjects, split, seed, balance=balance)
    per_subject = pd.DataFrame({"s": subjects, "p": labels}).groupby("s")["p"].nunique()
    assert (per_subject == 1).all()
    assert set(labels) == {"train", "validation", "test"}
    np.testing.assert_array_equal(labels, group_split_labels(subjects, split, seed, balance=balance))
    # each boundary within half a group of its target (the shares are cumulative)
    w = np.asarray(sizes, float) if balance == "rows" else np.ones(len(sizes))
    share = {p: w[np.unique(subjects[labels == p])].sum() / w.sum() for p in ("train", "validation")}
    biggest = w.max() / w.sum()
    if biggest <= min(split[1], split[2]) / 2:  # then the one-group minimum cannot bind
        assert abs(share["train"] - split[0]) <= biggest / 2 + 1e-12
        assert abs(share["train"] + share["validation"] - split[0] - split[1]) <= biggest / 2 + 1e-12


def test_group_split_keeps_a_large_group_out_of_the_test_part_when_it_can():
    sizes = [1, 1, 1, 7, 1, 1, 1, 1, 1, 1]  # a large group drawn last once forced test to 7/16
    subjects = np.repeat(np.arange(len(sizes)), sizes)
    for seed in range(20):
        labels = group_split_labels(subjects, (0.6, 0.2, 0.2), seed)
        shares = pd.Series(labels).value_counts(normalize=True)
        assert abs(shares["train"] - 0.6) <= 0.07 and abs(shares["test"] - 0.2) <= 0.07


def test_group_split_exact_when_subjects_allow():
    data = pd.DataFrame({"subject": np.repeat(np.arange(140), 16), "x": 0.0})
    out = group_split(data, "subject", seed=1)
    assert out["partition"].value_counts().to_dict() == {"train": 84 * 16, "validation": 28 * 16,
                                                         "test": 28 * 16}
    assert list(out.columns) == ["subject", "x", "partition"]
    assert isinstance(out.index, pd.RangeIndex)


def test_group_split_ignores_row_order_and_reproduces():
    data = pd.DataFrame({"subject": np.repeat(list("abcdefghij"), 3), "x": np.arange(30.0)})
    a = group_split(data, seed=5)
    b = group_split(data.iloc[::-1], seed=5)
    sa = a.groupby("subject")["partition"].first()
    sb = b.groupby("subject")["partition"].first()
    pd.testing.assert_series_equal(sa, sb)
    others = {tuple(group_split(data, seed=s)["partition"]) for s in range(20)}
    assert len(others) > 1  # the seed matters


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(sizes=(0.6, 0.2, 0.1)), ValueError, "sizes must sum to 1"),
        (dict(sizes=(0.8, 0.2)), ValueError, "three fractions"),
        (dict(sizes=(1.0, 0.0, 0.0)), ValueError, "strictly between 0 and 1"),
        (dict(balance="clips"), ValueError, "balance must be one of"),
        (dict(groups=3), TypeError, "groups must be a column name"),
        (dict(groups="nope"), ValueError, "no column 'nope'"),
    ],
)
def test_group_split_bad_input(kwargs, error, match):
    data = pd.DataFrame({"subject": np.repeat(np.arange(10), 2)})
    with pytest.raises(error, match=match):
        group_split(data, **kwargs)


def test_group_split_needs_three_groups_and_no_partition_column():
    with pytest.raises(ValueError, match="at least 3 groups .*got 2"):
        group_split(pd.DataFrame({"subject": [1, 1, 2, 2]}))
    with pytest.raises(ValueError, match="at least 6 groups"):
        group_split_labels(np.arange(5), min_groups=2)
    with pytest.raises(ValueError, match="already has a 'partition' column"):
        group_split(pd.DataFrame({"subject": [1, 2, 3], "partition": "x"}))
    with pytest.raises(ValueError, match="missing"):
        group_split(pd.DataFrame({"subject": [1, 2, 3, None]}))


# --- ElasticNet: the fits against references ---------------------------------------------------------------


def test_ridge_cell_is_the_closed_form(clips):
    X = clips[FEATURES].to_numpy()
    y = clips["score"].to_numpy()
    rng = np.random.default_rng(0)
    rows = rng.permutation(len(y))[:300]
    for alpha in (0.01, 0.5, 3.0):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no convergence or other warnings for l1_ratio 0
            est = _estimator(alpha, 0.0, len(rows), 1000, 1e-4).fit(X[rows], y[rows])
        Z = _standardise(X[rows], X[rows])
        n = len(rows)
        # minimise (1/(2n))||y - b0 - Zb||^2 + (alpha/2)||b||^2
        b = np.linalg.solve(Z.T @ Z + n * alpha * np.eye(Z.shape[1]), Z.T @ (y[rows] - y[rows].mean()))
        np.testing.assert_allclose(est[-1].coef_, b, rtol=1e-10, atol=1e-12)
        assert est[-1].intercept_ == pytest.approx(y[rows].mean(), abs=1e-12)
        np.testing.assert_allclose(est.predict(X[:5]), y[rows].mean() + _standardise(X[rows], X[:5]) @ b,
                                   rtol=1e-10)
        # scikit-learn's coordinate descent at l1_ratio = 0 agrees with a very tight tolerance
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cd = ElasticNet(alpha=alpha, l1_ratio=0.0, tol=1e-14, max_iter=1_000_000).fit(Z, y[rows])
        np.testing.assert_allclose(cd.coef_, b, atol=1e-7)


@pytest.mark.parametrize(("alpha", "l1_ratio"), [(0.01, 0.5), (0.05, 0.7), (0.1, 1.0), (0.5, 0.3)])
def test_elastic_net_cell_satisfies_kkt_and_matches_sklearn(clips, alpha, l1_ratio):
    X = clips[FEATURES].to_numpy()
    y = clips["score"].to_numpy()
    est = _estimator(alpha, l1_ratio, len(y), 100_000, 1e-7).fit(X, y)
    Z = _standardise(X, X)
    b, b0 = est[-1].coef_, est[-1].intercept_
    n = len(y)
    grad = -Z.T @ (y - b0 - Z @ b) / n + alpha * (1 - l1_ratio) * b  # smooth part
    active = b != 0
    np.testing.assert_allclose(grad[active], -alpha * l1_ratio * np.sign(b[active]), atol=1e-6)
    assert np.all(np.abs(grad[~active]) <= alpha * l1_ratio + 1e-6)
    ref = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=1_000_000).fit(Z, y)
    np.testing.assert_allclose(b, ref.coef_, atol=1e-6)


def test_grid_scores_and_choice_against_direct_fits(clips):
    res = elasticnet_grid(clips, FEATURES, "score", seed=3, id_columns=["clip", "task"])
    assert res.grid.shape == (55, 6)
    assert list(res.grid.columns) == ["alpha", "l1_ratio", "validation_rmse", "validation_r", "n_nonzero",
                                      "chosen"]
    np.testing.assert_allclose(sorted(res.grid["l1_ratio"].unique()), np.round(np.arange(11) * 0.1, 1))
    part = res.split["partition"].to_numpy()
    X = clips[FEATURES].to_numpy()
    y = clips["score"].to_numpy()
    tr, va, te = (part == p for p in ("train", "validation", "test"))
    # one cell recomputed from scratch with scikit-learn on the standardised training data
    cell = res.grid[(res.grid["alpha"] == 0.05) & (res.grid["l1_ratio"] == 0.7)].iloc[0]
    ref = ElasticNet(alpha=0.05, l1_ratio=0.7, tol=1e-12, max_iter=1_000_000).fit(_standardise(X[tr], X[tr]), y[tr])
    pred = ref.predict(_standardise(X[tr], X[va]))
    assert cell["validation_rmse"] == pytest.approx(rmse(y[va], pred), rel=1e-6)
    assert cell["validation_r"] == pytest.approx(pearson_r(y[va], pred), abs=1e-6)
    # the chosen cell has the lowest validation RMSE
    assert res.grid["chosen"].sum() == 1
    chosen = res.grid[res.grid["chosen"]].iloc[0]
    assert chosen["validation_rmse"] == res.grid["validation_rmse"].min()
    assert res.best == (chosen["alpha"], chosen["l1_ratio"])
    # refit on train + validation, standardised on those rows only; test predicted once
    fit = tr | va
    np.testing.assert_allclose(res.estimator_[0].mean_, X[fit].mean(0), rtol=1e-12)
    np.testing.assert_allclose(res.weights["weight"], res.estimator_[-1].coef_)
    preds = res.predictions
    assert list(preds.columns) == ["model", "row", "subject", "clip", "task", "y", "yhat"]
    np.testing.assert_array_equal(preds["row"], np.flatnonzero(te))
    np.testing.assert_array_equal(preds["clip"], clips["clip"].to_numpy()[te])
    np.testing.assert_allclose(preds["yhat"], res.estimator_.predict(X[te]))
    np.testing.assert_allclose(preds["y"], y[te])
    tm = res.test_metrics.iloc[0]
    assert tm["nrmse"] == pytest.approx(nrmse(y[te], preds["yhat"]))
    assert tm["r"] == pytest.approx(pearson_r(y[te], preds["yhat"]))
    assert tm["n"] == te.sum() and tm["n_groups"] == clips["subject"][te].nunique()
    # the split keeps subjects whole
    assert (res.split.groupby("subject")["partition"].nunique() == 1).all()
    s = res.summary()
    assert s.loc[0, "n_train"] + s.loc[0, "n_validation"] + s.loc[0, "n_test"] == len(clips)
    assert "ElasticNetResult(alpha=" in repr(res)


def test_ridge_grid_has_no_warnings_and_refit_train_option(clips):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = elasticnet_grid(clips, FEATURES, "score", seed=1, l1_ratios=[0.0], refit="train")
    tr = res.split["partition"].to_numpy() == "train"
    X = clips[FEATURES].to_numpy()
    y = clips["score"].to_numpy()
    np.testing.assert_allclose(res.estimator_[0].mean_, X[tr].mean(0), rtol=1e-12)
    Z = _standardise(X[tr], X[tr])
    a = res.best.alpha
    b = np.linalg.solve(Z.T @ Z + tr.sum() * a * np.eye(5), Z.T @ (y[tr] - y[tr].mean()))
    np.testing.assert_allclose(res.weights["weight"], b, rtol=1e-10)


def test_grid_ties_prefer_larger_alpha_then_smaller_l1_ratio(clips):
    # penalties so large that every cell predicts the training mean: all cells tie
    with pytest.warns(RuntimeWarning, match="test correlation is undefined"):
        res = elasticnet_grid(clips, FEATURES, "score", seed=2, alphas=[10.0, 100.0], l1_ratios=[0.5, 1.0])
    assert res.grid["validation_rmse"].nunique() == 1
    assert res.best == (100.0, 0.5)
    assert (res.weights["weight"] == 0).all()


def test_group_kfold_selection(clips):
    res = elasticnet_grid(clips, FEATURES, "score", seed=4, selection="group_kfold", n_splits=4,
                          alphas=[0.05], l1_ratios=[0.0, 0.5])
    part = res.split["partition"].to_numpy()
    idx = np.flatnonzero(part != "test")
    X = clips[FEATURES].to_numpy()
    y = clips["score"].to_numpy()
    groups = pd.factorize(clips["subject"], sort=True)[0]
    scores = []
    for tr, va in GroupKFold(n_splits=4).split(X[idx], y[idx], groups[idx]):
        tr, va = idx[tr], idx[va]
        ref = ElasticNet(alpha=0.05, l1_ratio=0.5, tol=1e-12, max_iter=1_000_000)
        ref.fit(_standardise(X[tr], X[tr]), y[tr])
        scores.append(rmse(y[va], ref.predict(_standardise(X[tr], X[va]))))
    cell = res.grid[res.grid["l1_ratio"] == 0.5].iloc[0]
    assert cell["validation_rmse"] == pytest.approx(np.mean(scores), rel=1e-6)
    assert res.selection == "group_kfold"


def test_given_split_column_is_used(clips):
    split = group_split(clips, seed=9)
    res = elasticnet_grid(split, FEATURES, "score", split="partition", alphas=[0.1], l1_ratios=[0.5])
    np.testing.assert_array_equal(res.split["partition"], split["partition"])
    bad = split.copy()
    bad.loc[bad.index[0], "partition"] = "test" if bad.loc[bad.index[0], "partition"] != "test" else "train"
    with pytest.raises(ValueError, match="puts group .* in more than one partition"):
        elasticnet_grid(bad, FEATURES, "score", split="partition")
    with pytest.raises(ValueError, match="must hold 'train'"):
        elasticnet_grid(split.assign(partition="holdout"), FEATURES, "score", split="partition")


def test_grid_reproduces_with_seed(clips):
    a = elasticnet_grid(clips, FEATURES, "score", seed=8, alphas=[0.1], l1_ratios=[0.2])
    b = elasticnet_grid(clips, FEATURES, "score", seed=8, alphas=[0.1], l1_ratios=[0.2])
    pd.testing.assert_frame_equal(a.predictions, b.predictions)
    pd.testing.assert_frame_equal(a.grid, b.grid)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(features=["au_count", "task"]), TypeError, "column 'task' must be numeric"),
        (dict(features=[]), TypeError, "features must be a non-empty list"),
        (dict(features=["gaze", "gaze"]), ValueError, "repeated"),
        (dict(target="clipx"), ValueError, "no column 'clipx'"),
        (dict(alphas=[0.1, 0.0]), ValueError, "alphas values must be > 0, got 0.0"),
        (dict(alphas=[]), ValueError, "alphas must be a non-empty list"),
        (dict(l1_ratios=[0.5, 1.5]), ValueError, r"l1_ratios values must be in \[0, 1.0\], got 1.5"),
        (dict(l1_ratios=[0.5, 0.5]), ValueError, "repeated values"),
        (dict(selection="cv"), ValueError, "selection must be one of"),
        (dict(refit="all"), ValueError, "refit must be one of"),
        (dict(sizes=(0.5, 0.5, 0.5)), ValueError, "sizes must sum to 1"),
        (dict(n_splits=1), ValueError, "n_splits must be >= 2"),
        (dict(selection="group_kfold", n_splits=40), ValueError, "needs at least 40 groups"),
    ],
)
def test_elasticnet_grid_bad_input(clips, kwargs, error, match):
    args = dict(data=clips, features=FEATURES, target="score", seed=1) | kwargs
    with pytest.raises(error, match=match):
        elasticnet_grid(**args)


def test_elasticnet_grid_missing_values_and_too_few_subjects(clips):
    data = clips.copy()
    data.loc[3, "gaze"] = np.nan
    with pytest.raises(ValueError, match="'gaze' has 1 missing"):
        elasticnet_grid(data, FEATURES, "score")
    few = clips[clips["subject"].isin(["s00", "s01", "s02", "s03", "s04"])]
    with pytest.raises(ValueError, match="at least 6 groups"):
        elasticnet_grid(few, FEATURES, "score")


# --- fit_by_context -------------------------------------------------------------------------------------------


def test_fit_by_context(clips):
    res = fit_by_context(clips, FEATURES, "score", "task", seed=1, alphas=[0.05, 0.1],
                         l1_ratios=[0.0, 0.7], id_columns=["clip"])
    contexts = list(pd.unique(clips["task"])) + ["all"]
    assert list(res.results) == contexts
    assert list(res.weights["context"].unique()) == contexts
    assert res.weights.shape[0] == len(contexts) * len(FEATURES)
    assert res.grid.shape[0] == len(contexts) * 4
    preds = res.predictions
    # rows point into the full data
    np.testing.assert_allclose(preds["y"], clips["score"].to_numpy()[preds["row"]])
    np.testing.assert_array_equal(preds["clip"], clips["clip"].to_numpy()[preds["row"]])
    for ctx in contexts[:-1]:
        sub = preds[preds["context"] == ctx]
        assert (clips["task"].to_numpy()[sub["row"]] == ctx).all()
    assert preds[preds["context"] == "all"].shape[0] == res.results["all"].test_metrics.loc[0, "n"]
    s = res.summary()
    assert s["context"].tolist() == contexts
    again = fit_by_context(clips, FEATURES, "score", "task", seed=1, alphas=[0.05, 0.1],
                           l1_ratios=[0.0, 0.7], id_columns=["clip"])
    pd.testing.assert_frame_equal(res.predictions, again.predictions)


def test_fit_by_context_errors(clips):
    with pytest.raises(ValueError, match="all_label 'pain' is also a value"):
        fit_by_context(clips, FEATURES, "score", all_label="pain")
    with pytest.raises(TypeError, match="pass seed= directly"):
        fit_by_context(clips, FEATURES, "score", split="partition")
    tiny = clips[(clips["task"] != "pain") | clips["subject"].isin(["s00", "s01"])]
    with pytest.raises(ValueError, match="context 'pain': .*at least 6 groups"):
        fit_by_context(tiny, FEATURES, "score")


# --- baselines -----------------------------------------------------------------------------------------------


def test_uniform_and_normal_baselines():
    u = uniform_baseline(20000, seed=1)
    assert u.min() >= -3.5 and u.max() < 3.5
    assert stats.kstest(u, stats.uniform(-3.5, 7).cdf).pvalue > 0.001
    z = normal_baseline(20000, seed=1)
    assert stats.kstest(z, "norm").pvalue > 0.001
    np.testing.assert_array_equal(uniform_baseline(np.zeros(7), seed=2), uniform_baseline(7, seed=2))
    assert normal_baseline(pd.Series([1.0, 2.0]), mean=3, sd=0.1, seed=1).shape == (2,)
    assert uniform_baseline(5, low=0, high=1, seed=3).max() < 1
    with pytest.raises(ValueError, match="low must be < high"):
        uniform_baseline(5, low=1, high=1)
    with pytest.raises(ValueError, match="sd must be > 0"):
        normal_baseline(5, sd=0)
    with pytest.raises(ValueError, match="n must be >= 1"):
        uniform_baseline(0)
    with pytest.raises(TypeError, match="n_or_y"):
        normal_baseline("many")


def test_baseline_predictions():
    preds = pd.DataFrame({"context": "all", "model": "ElasticNet", "row": [4, 8, 9], "subject": [1, 1, 2],
                          "y": [0.1, -0.4, 1.2], "yhat": [0.0, -0.2, 0.9]})
    out = baseline_predictions(preds, seed=3)
    assert out["model"].tolist() == ["Uniform baseline"] * 3 + ["Normal baseline"] * 3
    assert list(out.columns) == list(preds.columns)
    rng = np.random.default_rng(3)
    np.testing.assert_allclose(out["yhat"][:3], rng.uniform(-3.5, 3.5, 3))
    np.testing.assert_allclose(out["yhat"][3:], rng.normal(0, 1, 3))
    np.testing.assert_array_equal(out["y"], np.tile(preds["y"], 2))
    with pytest.raises(ValueError, match="one model"):
        baseline_predictions(pd.concat([preds, out]))


# --- human baseline -------------------------------------------------------------------------------------------


def _ratings(seed=0, n_clips=30, n_raters=6, pool=10):
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=n_clips)
    rows = []
    for c in range(n_clips):
        for k in rng.choice(pool, n_raters, replace=False):  # a different group per clip
            rows.append((f"c{c}", f"r{k}", 2.0 * truth[c] + k * 0.3 + rng.normal(0, 0.7)))
    return pd.DataFrame(rows, columns=["clip", "rater", "score"])


def _human_by_hand(df):
    """Straightforward loops: per-rater z-scores, leave-one-out mean, z-scored, per-rater metrics."""
    z = {}
    for r, part in df.groupby("rater"):
        s = part["score"].to_numpy()
        for (c, v) in zip(part["clip"], s, strict=True):
            z[(c, r)] = (v - s.mean()) / s.std(ddof=1)
    pairs = []
    for c, part in df.groupby("clip"):
        for r in part["rater"]:
            others = [z[(c, o)] for o in part["rater"] if o != r]
            pairs.append((c, r, sum(others) / len(others), z[(c, r)]))
    pairs = pd.DataFrame(pairs, columns=["clip", "rater", "ref", "z"])
    pairs["ref"] = (pairs["ref"] - pairs["ref"].mean()) / pairs["ref"].std(ddof=1)
    out = {}
    for r, part in pairs.groupby("rater"):
        out[r] = (nrmse(part["ref"], part["z"]), pearson_r(part["ref"], part["z"]))
    return pairs, out


def test_human_baseline_matches_a_hand_computation():
    df = _ratings()
    hb = human_baseline(df, seed=1)
    pairs, expected = _human_by_hand(df)
    got = hb.per_rater.set_index("rater")
    assert set(got.index) == set(expected)
    for r, (e_nrmse, e_r) in expected.items():
        assert got.loc[r, "nrmse"] == pytest.approx(e_nrmse, rel=1e-12)
        assert got.loc[r, "r"] == pytest.approx(e_r, abs=1e-12)
    merged = hb.predictions.merge(pairs, on=["clip", "rater"])
    assert merged.shape[0] == df.shape[0]
    np.testing.assert_allclose(merged["y"], merged["ref"], atol=1e-12)
    np.testing.assert_allclose(merged["yhat"], merged["z"], atol=1e-12)
    s = hb.summary()
    assert s.loc[0, "nrmse"] == pytest.approx(np.mean([v[0] for v in expected.values()]))
    assert s.loc[0, "r"] == pytest.approx(np.mean([v[1] for v in expected.values()]))
    assert s.loc[0, "n_clips"] == 30 and s.loc[0, "n_rows_dropped"] == 0


def test_human_baseline_clip_predictions():
    df = _ratings()
    a = human_baseline(df, seed=5).clip_predictions
    b = human_baseline(df, seed=5).clip_predictions
    pd.testing.assert_frame_equal(a, b)
    assert a["clip"].is_unique and a.shape[0] == 30
    assert list(a.columns) == ["model", "clip", "rater", "y", "yhat"]
    full = human_baseline(df, seed=5).predictions
    np.testing.assert_allclose(a.merge(full, on=["clip", "rater"])["y_y"], a["y"])
    picked = {human_baseline(df, seed=s).clip_predictions.loc[0, "rater"] for s in range(10)}
    assert len(picked) > 2  # the rater is drawn, not fixed


def test_human_baseline_keeps_names_and_id_columns():
    df = _ratings().rename(columns={"clip": "video", "rater": "worker"})
    df["subject"] = df["video"].str[1:].astype(int) // 3
    hb = human_baseline(df, clip="video", rater="worker", id_columns=["subject"], seed=2)
    assert list(hb.predictions.columns) == ["video", "subject", "worker", "y", "yhat"]
    assert list(hb.clip_predictions.columns) == ["model", "video", "subject", "worker", "y", "yhat"]
    assert list(hb.per_rater.columns) == ["worker", "n", "nrmse", "r"]
    np.testing.assert_array_equal(hb.clip_predictions["subject"],
                                  hb.clip_predictions["video"].str[1:].astype(int) // 3)
    bad = df.assign(subject=np.arange(len(df)))
    with pytest.raises(ValueError, match="id column 'subject' must be constant within a clip"):
        human_baseline(bad, clip="video", rater="worker", id_columns=["subject"])


def test_human_baseline_options_and_drops():
    df = _ratings()
    all_z = human_baseline(df, standardize="all", standardize_reference=False)
    z = (df["score"] - df["score"].mean()) / df["score"].std(ddof=1)
    np.testing.assert_allclose(np.sort(all_z.predictions["yhat"]), np.sort(z))
    # a rater with one clip cannot be standardised; a clip left with one rater has no reference
    extra = pd.DataFrame({"clip": ["c0", "solo", "solo"], "rater": ["once", "r1", "once2"],
                          "score": [1.0, 2.0, 3.0]})
    hb = human_baseline(pd.concat([df, extra], ignore_index=True))
    assert hb.n_raters_dropped == 2
    assert hb.n_clips_dropped == 1
    assert hb.n_rows_dropped == 3
    assert hb.summary().loc[0, "n_rows_dropped"] == 3


def test_human_baseline_bad_input():
    df = _ratings()
    with pytest.raises(ValueError, match="repeated"):
        human_baseline(pd.concat([df, df.iloc[:1]]))
    with pytest.raises(TypeError, match="'score' must be numeric"):
        human_baseline(df.assign(score="x"))
    gap = df.assign(score=df["score"].where(df.index != 4))
    with pytest.raises(ValueError, match="1 missing value.*nan_policy='omit'"):
        human_baseline(gap)
    omitted = human_baseline(gap, nan_policy="omit")
    assert omitted.n_rows_dropped == 1
    assert omitted.predictions.shape[0] == df.shape[0] - 1
    with pytest.raises(ValueError, match="standardize must be one of"):
        human_baseline(df, standardize="clip")
    with pytest.raises(ValueError, match="no column 'who'"):
        human_baseline(df, rater="who")


def test_fit_by_context_all_target_uses_its_own_column():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"subject": np.tile(np.repeat(np.arange(20), 3), 2),
                         "task": np.repeat(["startle", "pain"], 60)})
    data["au"] = rng.normal(size=120)
    data["y_task"] = data["au"] + rng.normal(0, 0.3, 120)
    data["y_all"] = -data["au"] + rng.normal(0, 0.3, 120)
    res = fit_by_context(data, ["au"], "y_task", all_target="y_all", seed=1, alphas=[0.01],
                         l1_ratios=[0.0])
    w = res.weights.set_index("context")["weight"]
    assert w["startle"] > 0.5 and w["pain"] > 0.5 and w["all"] < -0.5
    same = fit_by_context(data, ["au"], "y_task", seed=1, alphas=[0.01], l1_ratios=[0.0])
    assert same.weights.set_index("context")["weight"]["all"] > 0.5


def test_human_baseline_counts_clips_by_the_clip_column_given():
    rng = np.random.default_rng(5)
    rows = []
    for c in range(12):
        for r in range(4):
            rows.append({"clip_id": f"S{c // 3}/pain/{c % 3 + 1}", "clip": c % 3 + 1, "rater": f"W{r}",
                         "score": rng.normal() + c * 0.3})
    res = human_baseline(pd.DataFrame(rows), clip="clip_id", id_columns=["clip"], seed=1)
    assert res.summary()["n_clips"].iloc[0] == 12


@pytest.mark.parametrize("magnitude", [1e200, 1e-200, 1e150])
def test_elasticnet_is_unchanged_by_the_magnitude_of_a_feature(magnitude):
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"subject": np.repeat(np.arange(30), 4), "a": rng.normal(size=120),
                         "b": rng.normal(size=120)})
    data["y"] = 0.8 * data["a"] - 0.3 * data["b"] + rng.normal(0, 0.5, 120)
    ref = elasticnet_grid(data, ["a", "b"], "y", seed=1)
    big = elasticnet_grid(data.assign(a=data["a"] * magnitude), ["a", "b"], "y", seed=1)
    assert big.best == ref.best
    # standardised weights and predictions: the same (to rounding of the scaled input itself)
    np.testing.assert_allclose(big.weights["weight"], ref.weights["weight"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(big.predictions["yhat"], ref.predictions["yhat"], rtol=1e-12)
    # the fitted pipeline takes the features in their own units
    X = data[["a", "b"]].assign(a=data["a"] * magnitude).to_numpy()
    np.testing.assert_allclose(big.estimator_.predict(X), ref.estimator_.predict(data[["a", "b"]].to_numpy()),
                               rtol=1e-12)


def test_safe_standard_scaler_changes_no_bit():
    from sklearn.preprocessing import StandardScaler

    from bitbox_stats.models import _StandardScaler

    rng = np.random.default_rng(5)
    X = np.column_stack([rng.normal(size=120) * 37.5, rng.normal(size=120) * 0.003, np.zeros(120)])
    ours, sk = _StandardScaler().fit(X), StandardScaler().fit(X)
    assert np.array_equal(ours.mean_, sk.mean_) and np.array_equal(ours.scale_, sk.scale_)
    assert np.array_equal(ours.transform(X), sk.transform(X))
    huge = _StandardScaler().fit_transform(X[:, :1] * 1e200)
    np.testing.assert_allclose(huge, sk.transform(X)[:, :1], rtol=1e-13)
