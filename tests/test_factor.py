"""Tests of bitbox_stats.factor (cfa on semopy and lavaan, factor scores, labels).

References: lavaan 0.6 run in R by tests/golden/cfa_lavaan.R (estimates,
fitMeasures, lavPredict on lavaan's HolzingerSwineford1939) and
tests/golden/expressiveness_lavaan.R (the paper's label construction on
simulated ratings); the lavaan backend is also run live through rpy2.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitbox_stats.errors import RBackendError
from bitbox_stats.factor import (
    CFAResult,
    CFAWarning,
    cfa,
    expressiveness_scores,
    factor_scores,
    lavaan_backend,
    parse_model,
    rater_scores,
    semopy_backend,
)
from bitbox_stats.factor.syntax import parameter_table

GOLDEN = Path(__file__).parent / "golden"
THREE = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
MODELS = {
    "three_factor": (THREE, False),
    "three_factor_std_lv": (THREE, True),
    "textual_std_lv": ("f =~ x4 + x5 + x6", True),
    "three_factor_rescov": (THREE + "\nx7 ~~ x8", False),
    "visual_na_fixed_var": ("visual =~ NA*x1 + x2 + x3\nvisual ~~ 1*visual", False),
}
# lavaan's own answer is only this close to the optimum: its marker-variable and std.lv fits of
# the 3-factor model differ by 1.7e-6 in standardised loadings (checked below), so semopy, which
# reaches the same optimum through the marker form, is compared to lavaan's std.lv fit at 3e-6.
STD_TOL = {"three_factor_std_lv": 3e-6}
FIT_PAIRS = [("chi2", "chisq"), ("df", "df"), ("pval", "pvalue"), ("baseline_chi2", "baseline_chisq"),
             ("baseline_df", "baseline_df"), ("cfi", "cfi"), ("tli", "tli"), ("rmsea", "rmsea"),
             ("rmsea_ci_low", "rmsea_ci_lower"), ("rmsea_ci_high", "rmsea_ci_upper"), ("srmr", "srmr"),
             ("loglik", "logl"), ("aic", "aic"), ("bic", "bic"), ("n_parameters", "npar"), ("n", "ntotal")]


def _golden(name):
    path = GOLDEN / name
    assert path.exists(), f"golden file {path} is missing; run the R scripts in tests/golden (see README.md)"
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def hs():
    return _golden("holzinger_swineford_1939.csv")


@pytest.fixture(scope="module")
def fits(hs):
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", CFAWarning)
        for backend in ("semopy", "lavaan"):
            for name, (model, std_lv) in MODELS.items():
                out[backend, name] = cfa(hs, model, std_lv=std_lv, backend=backend)
    return out


def _merged(result, name):
    ref = _golden("cfa_lavaan_estimates.csv")
    ref = ref[ref["model"] == name]
    ours = result.summary()
    key = ["lhs", "op", "rhs"]
    # lavaan writes a residual covariance in the order given; ours too
    merged = ours.merge(ref, on=key, how="outer", validate="one_to_one", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][key]
    return merged


# --------------------------------------------------------------------------- against lavaan


def test_lavaan_golden_parameterisations_differ_by_lavaans_precision():
    ref = _golden("cfa_lavaan_estimates.csv")
    a = ref[ref["model"] == "three_factor"].set_index(["lhs", "op", "rhs"])["std_all"]
    b = ref[ref["model"] == "three_factor_std_lv"].set_index(["lhs", "op", "rhs"])["std_all"]
    diff = (a - b.loc[a.index]).abs().max()
    assert 1e-6 < diff < 3e-6


@pytest.mark.parametrize("backend", ["semopy", "lavaan"])
@pytest.mark.parametrize("name", list(MODELS))
def test_estimates_match_lavaan(fits, backend, name):
    merged = _merged(fits[backend, name], name)
    free = merged["free"].to_numpy()
    tight = backend == "lavaan"  # the same program: equal up to rounding
    std_tol = 1e-10 if tight else STD_TOL.get(name, 1e-6)
    # columns from both tables: *_x ours, *_y lavaan's
    np.testing.assert_allclose(merged["std_all_x"], merged["std_all_y"], rtol=0, atol=std_tol)
    np.testing.assert_allclose(merged["estimate"], merged["est"], rtol=0, atol=1e-10 if tight else 5e-6)
    np.testing.assert_allclose(merged.loc[free, "se_x"], merged.loc[free, "se_y"],
                               rtol=1e-10 if tight else 1e-5)
    np.testing.assert_allclose(merged.loc[free, "z_x"], merged.loc[free, "z_y"],
                               rtol=1e-10 if tight else 1e-5)
    # lavaan's p = 2 (1 - pnorm(|z|)) is 0 below about 1e-16; ours is the exact tail
    np.testing.assert_allclose(merged.loc[free, "pval"], merged.loc[free, "pvalue"],
                               rtol=1e-8 if tight else 1e-3, atol=1e-15)
    assert merged.loc[~free, ["se_x", "z_x", "pval"]].isna().all().all()


def test_brief_cases_standardised_loadings_within_1e6(fits):
    for name in ("three_factor", "textual_std_lv"):
        merged = _merged(fits["semopy", name], name)
        loads = merged[merged["op"] == "=~"]
        assert np.abs(loads["std_all_x"] - loads["std_all_y"]).max() < 1e-6, name


@pytest.mark.parametrize("backend", ["semopy", "lavaan"])
@pytest.mark.parametrize("name", list(MODELS))
def test_fit_measures_match_lavaan(fits, backend, name):
    ours = fits[backend, name].fit.iloc[0]
    ref = _golden("cfa_lavaan_fit.csv")
    ref = ref[ref["model"] == name].iloc[0]
    for col, rcol in FIT_PAIRS:
        if np.isnan(ref[rcol]):
            assert np.isnan(ours[col]), col
            continue
        if backend == "lavaan":
            assert ours[col] == pytest.approx(ref[rcol], rel=1e-12, abs=1e-12), col
        elif col in ("chi2", "baseline_chi2", "loglik", "aic", "bic"):
            assert ours[col] == pytest.approx(ref[rcol], rel=1e-7, abs=2e-6), col
        else:
            assert ours[col] == pytest.approx(ref[rcol], rel=1e-6, abs=1e-6), col
    assert ours["n_dropped"] == 0


@pytest.mark.parametrize("backend", ["semopy", "lavaan"])
@pytest.mark.parametrize("method", ["bartlett", "regression"])
@pytest.mark.parametrize("name", list(MODELS))
def test_factor_scores_match_lavpredict(fits, backend, method, name):
    result = fits[backend, name]
    ours = result.factor_scores(method=method)
    ref = _golden("cfa_lavaan_scores.csv")
    ref = ref[(ref["model"] == name) & (ref["method"] == method)]
    assert len(ours) == 301 and ours["scored"].all() and (ours["method"] == method).all()
    for f in result.factors:
        expected = ref[ref["factor"] == f].sort_values("row")["score"].to_numpy()
        np.testing.assert_allclose(ours[f], expected, rtol=0, atol=1e-10 if backend == "lavaan" else 1e-5)


def test_std_lv_on_semopy_is_the_exact_rescaling_of_the_marker_fit(fits):
    marker, std = fits["semopy", "three_factor"], fits["semopy", "three_factor_std_lv"]
    psi = np.diag(marker.psi_)
    np.testing.assert_allclose(std.lambda_, marker.lambda_ * np.sqrt(psi)[None, :], rtol=1e-12)
    np.testing.assert_allclose(std.psi_, marker.psi_ / np.sqrt(np.outer(psi, psi)), rtol=1e-12)
    np.testing.assert_allclose(std.theta_, marker.theta_, rtol=1e-12)
    np.testing.assert_allclose(std.loadings["std_all"], marker.loadings["std_all"], rtol=1e-12)


def test_semopy_never_sees_a_fixed_factor_variance():
    table = parameter_table(parse_model(THREE), std_lv=True)
    desc, rescaled = semopy_backend.describe(table, ("visual", "textual", "speed"),
                                             tuple(f"x{i}" for i in range(1, 10)))
    assert rescaled == ["visual", "textual", "speed"]
    for i in range(3):
        assert f"F{i} ~~ F{i}" not in desc and f"*F{i}\n" not in desc
    assert desc.splitlines()[0] == "F0 =~ 1.0*v0 + v1 + v2"


def test_first_indicator_fixed_even_when_another_is_fixed_as_lavaan(hs):
    # lavaan fixes the first loading to 1 unless it has a modifier, also when another is fixed;
    # the lavaan backend checks that its parameter table agrees with ours, row by row
    model = "visual =~ x2 + 1*x1 + x3"
    table = parameter_table(parse_model(model))
    assert table.loc[table["kind"] == "loading", "free"].tolist() == [False, False, True]
    live = cfa(hs, model, backend="lavaan")
    ours = cfa(hs, model, backend="semopy")
    np.testing.assert_allclose(ours.loadings["estimate"], live.loadings["estimate"], atol=1e-5)


# --------------------------------------------------------------------------- properties


def _reliable(seed, loadings, noise=0.01, n=200):
    rng = np.random.default_rng(seed)
    eta = rng.normal(size=n)
    data = pd.DataFrame({f"q{j}": 3.0 + lam * eta + rng.normal(scale=noise, size=n)
                         for j, lam in enumerate(loadings)})
    return data, eta, "f =~ " + " + ".join(data.columns)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), loadings=st.lists(st.floats(0.5, 2.0), min_size=3, max_size=5))
def test_bartlett_scores_of_a_perfectly_measured_factor_are_the_factor(seed, loadings):
    # residual SD 0.01 (reliabilities above 0.9999): the Bartlett score is the factor plus
    # w'e, whose SD is 0.01 / sqrt(sum lambda^2); the largest of 200 stays within 6 SD
    data, eta, model = _reliable(seed, loadings)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CFAWarning)
        fit = cfa(data, model, std_lv=True)
        scores = fit.factor_scores()["f"].to_numpy()
    truth = (eta - eta.mean()) / eta.std()  # std.lv: factor variance 1 (N denominator)
    tol = 6 * 0.01 / np.sqrt(np.sum(np.square(loadings))) / eta.std() + 1e-3
    np.testing.assert_allclose(scores, truth, rtol=0, atol=tol)
    assert (fit.loadings["std_all"] > 0.999).all()


def test_semopy_fits_that_stop_early_are_refined_to_lavaans_optimum():
    # nearly error-free indicators: semopy's SLSQP reports success at chi2 ~ 2000 (the optimum
    # is ~1); the optimality check catches it and Fisher scoring reaches lavaan's answer
    data, _, model = _reliable(0, [1.4, 0.9, 0.6, 0.5])
    ours = cfa(data, model, std_lv=True)
    live = cfa(data, model, std_lv=True, backend="lavaan")
    assert ours.converged and ours.warnings == ()
    assert ours.fit["chi2"].iloc[0] == pytest.approx(live.fit["chi2"].iloc[0], abs=1e-5)
    np.testing.assert_allclose(ours.loadings["std_all"], live.loadings["std_all"], atol=1e-6)
    np.testing.assert_allclose(ours.factor_scores()["f"], live.factor_scores()["f"], atol=1e-5)


def test_std_lv_factors_have_a_positive_first_loading_as_in_lavaan():
    # a case where the refinement lands on the mirror solution (all loadings negative)
    rng = np.random.default_rng(140)
    loadings = rng.uniform(0.5, 2, size=int(rng.integers(3, 6)))
    eta = rng.normal(size=200)
    data = pd.DataFrame({f"q{j}": 3.0 + lam * eta + rng.normal(scale=0.01, size=200)
                         for j, lam in enumerate(loadings)})
    fit = cfa(data, "f =~ " + " + ".join(data.columns), std_lv=True)
    assert (fit.loadings["estimate"] > 0).all()
    truth = (eta - eta.mean()) / eta.std()
    assert np.corrcoef(fit.factor_scores()["f"], truth)[0, 1] > 0.9999


def test_semopy_stopped_after_one_iteration_still_reaches_the_optimum(hs, monkeypatch):
    monkeypatch.setattr(semopy_backend, "SLSQP_MAXITER", 1)
    result = cfa(hs, THREE)
    assert result.converged
    merged = _merged(result, "three_factor")
    np.testing.assert_allclose(merged["std_all_x"], merged["std_all_y"], atol=1e-6)


def test_scores_equal_formula_on_new_data_and_keep_ids(fits, hs):
    result = fits["semopy", "three_factor"]
    new = hs.iloc[[5, 0, 7]].assign(x1=lambda d: d["x1"] + 1.0)
    out = result.factor_scores(new, method="bartlett", id="id")
    assert list(out.columns) == ["id", "visual", "textual", "speed", "method", "scored"]
    assert out["id"].tolist() == new["id"].tolist()
    lam, theta = result.lambda_, result.theta_
    w = np.linalg.solve(lam.T @ np.linalg.solve(theta, lam), np.linalg.solve(theta, lam).T)
    x = new[list(result.indicators)].to_numpy() - result.means_
    np.testing.assert_allclose(out[["visual", "textual", "speed"]].to_numpy(), x @ w.T, atol=1e-12)
    pd.testing.assert_frame_equal(out, factor_scores(result, new, id="id"))


# --------------------------------------------------------------------------- problems


def _exact_sample(cov, n, seed=0):
    """Data whose N-denominator sample covariance matrix is exactly ``cov``."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False, bias=True))).T
    return z @ np.linalg.cholesky(cov).T


@pytest.mark.parametrize("backend", ["semopy", "lavaan"])
def test_heywood_case_is_reported_never_silent(backend):
    # loading of a: sqrt(.8 * .7 / .4) = 1.18 > 1, so its residual variance is -0.4
    cov = np.array([[1, 0.8, 0.7], [0.8, 1, 0.4], [0.7, 0.4, 1]])
    data = pd.DataFrame(_exact_sample(cov, 200), columns=["a", "b", "c"])
    with pytest.warns(CFAWarning) as caught:
        result = cfa(data, "f =~ a + b + c", std_lv=True, backend=backend)
    messages = [str(w.message) for w in caught]
    assert any("Heywood case: the residual variance of 'a'" in m for m in messages), messages
    assert set(result.warnings) == set(messages)
    if backend == "lavaan":
        assert any("some estimated ov variances are negative" in m for m in messages)
    if backend == "lavaan":
        assert result.variances["estimate"].iloc[0] == pytest.approx(-0.4, abs=1e-6)
        with pytest.warns(CFAWarning, match="fit with problems"):
            result.factor_scores()
    else:  # semopy holds the variance at its bound 0: Bartlett scores do not exist
        assert result.variances["estimate"].iloc[0] == pytest.approx(0, abs=1e-9)
        with pytest.raises(ValueError, match="indicator 'a' has a residual variance of"):
            result.factor_scores()


def test_non_convergence_is_reported(hs, monkeypatch):
    # semopy stops after one iteration and the Fisher-scoring repair is made to fail
    from bitbox_stats.factor import _ml

    monkeypatch.setattr(semopy_backend, "SLSQP_MAXITER", 1)
    monkeypatch.setattr(_ml, "fisher_scoring", lambda table, values, *a, **k: (values, np.inf, 0))
    with pytest.warns(CFAWarning, match="did not converge"):
        result = cfa(hs, THREE)
    assert not result.converged
    assert any("did not converge" in w for w in result.warnings)


def test_missing_rows_raise_or_are_omitted_and_counted(hs):
    data = hs.copy()
    data.loc[[3, 10], "x5"] = np.nan
    with pytest.raises(ValueError, match="2 rows with a missing"):
        cfa(data, THREE)
    result = cfa(data, THREE, nan_policy="omit")
    assert result.fit["n"].iloc[0] == 299 and result.fit["n_dropped"].iloc[0] == 2
    with pytest.warns(UserWarning, match="2 of 301 rows"):
        scores = result.factor_scores()
    assert len(scores) == 301
    assert scores["scored"].sum() == 299 and scores.loc[[3, 10], "visual"].isna().all()
    lav = cfa(data, THREE, nan_policy="omit", backend="lavaan")  # lavaan's listwise deletion agrees
    assert lav.fit["n"].iloc[0] == 299
    np.testing.assert_allclose(result.loadings["std_all"], lav.loadings["std_all"], atol=2e-6)


@pytest.mark.parametrize(
    ("model", "match"),
    [
        ("f =~ x1 + x2", "at least 3 indicators"),
        ("f =~ x1", "single indicator"),
        ("f =~ NA*x1 + x2 + x3", "no scale"),
        ("y ~ x1", "regression"),
        ("f =~ a*x1 + x2 + x3", "parameter label"),
        ("f =~ x1 + x2 + x3\nf := 2", "defined parameters"),
        ("f =~ x1 + x2 + x3\nx1 ~~ f", "relates a factor to an indicator"),
        ("f =~ x1 + x2 + x3\nx1 ~~ x10", "neither a factor nor an indicator"),
        ("f =~ x1 + x1 + x2", "listed twice"),
        ("f =~ x1 + x2 + x3\ng =~ f + x4 + x5", "higher-order"),
        ("", "no factor"),
        ("f =~ x1 + + x2", "empty term"),
        ("f =~ x1 + x2 + x3\nf ~~ 0*f", "must be > 0"),
    ],
)
def test_bad_models(hs, model, match):
    with pytest.raises(ValueError, match=match):
        cfa(hs, model)


def test_bad_data(hs):
    with pytest.raises(ValueError, match="no column 'x10'"):
        cfa(hs, "f =~ x1 + x2 + x10")
    with pytest.raises(TypeError, match="'school' \\(an indicator\\) must be numeric"):
        cfa(hs, "f =~ x1 + x2 + school")
    with pytest.raises(ValueError, match="constant"):
        cfa(hs.assign(x2=1.0), "f =~ x1 + x2 + x3")
    with pytest.raises(ValueError, match="singular"):
        cfa(hs.assign(x3=hs["x1"] + hs["x2"]), "f =~ x1 + x2 + x3")
    with pytest.raises(ValueError, match="backend must be one of"):
        cfa(hs, "f =~ x1 + x2 + x3", backend="mplus")
    with pytest.raises(TypeError, match="model must be a string"):
        cfa(hs, None)
    with pytest.raises(TypeError, match="DataFrame"):
        cfa(hs.to_numpy(), "f =~ x1 + x2 + x3")
    result = cfa(hs, "f =~ x1 + x2 + x3")
    with pytest.raises(ValueError, match="method must be one of"):
        result.factor_scores(method="anderson")
    with pytest.raises(ValueError, match="no column 'x3'"):
        result.factor_scores(hs.drop(columns="x3"))


def test_semopy_refuses_a_factor_with_fixed_variance_and_loading(hs):
    model = "f =~ x1 + x2 + x3\nf ~~ 1*f"
    with pytest.raises(ValueError, match="backend='lavaan'"):
        cfa(hs, model)
    assert cfa(hs, model, backend="lavaan").converged


def test_missing_rpy2_raises_rbackenderror(monkeypatch):
    monkeypatch.setattr(lavaan_backend, "_STATE", {})
    monkeypatch.setitem(sys.modules, "rpy2", None)
    with pytest.raises(RBackendError, match="rpy2, which is not installed.*bitbox-stats\\[r\\]"):
        lavaan_backend.require_r_package("lavaan")
    assert issubclass(RBackendError, ImportError)


def test_missing_r_package_raises_rbackenderror():
    with pytest.raises(RBackendError, match="'bitboxNoSuchPackage'.*apt-get install r-cran-bitboxnosuchpackage"):
        lavaan_backend.require_r_package("bitboxNoSuchPackage")


# --------------------------------------------------------------------------- result shape


def test_result_tables(fits):
    result = fits["semopy", "three_factor_rescov"]
    assert isinstance(result, CFAResult)
    assert list(result.loadings.columns) == ["factor", "indicator", "estimate", "se", "z", "pval",
                                             "std_all", "free"]
    assert list(result.variances.columns) == ["variable", "kind", "estimate", "se", "z", "pval",
                                              "std_all", "free"]
    assert list(result.covariances.columns) == ["lhs", "rhs", "kind", "estimate", "se", "z", "pval",
                                                "std_all", "free"]
    assert result.covariances["kind"].tolist() == ["latent"] * 3 + ["residual"]
    assert set(result.variances["kind"]) == {"residual", "latent"}
    for frame in (result.loadings, result.variances, result.covariances, result.fit, result.summary()):
        assert isinstance(frame.index, pd.RangeIndex)
    assert result.fit["df"].dtype == np.int64
    assert len(result.summary()) == 9 + 12 + 4
    assert repr(result).startswith("CFAResult(backend='semopy', factors=3, indicators=9, n=301")
    assert result.warnings == ()
    with pytest.raises(ValueError):
        result.lambda_[0, 0] = 2.0


# --------------------------------------------------------------------------- the paper's labels


@pytest.fixture(scope="module")
def ratings():
    return _golden("expressiveness_ratings.csv")


@pytest.fixture(scope="module")
def labels(ratings):
    return {b: expressiveness_scores(ratings, clip=["subject", "clip"], backend=b)
            for b in ("semopy", "lavaan")}


@pytest.mark.parametrize("backend", ["semopy", "lavaan"])
def test_expressiveness_table2_matches_lavaan(labels, backend):
    ref = _golden("expressiveness_cfa.csv")
    ours = labels[backend].loadings
    assert ours[["fit", "item"]].equals(ref[["fit", "item"]])
    tol = 1e-10 if backend == "lavaan" else 1e-6
    for col in ["loading", "residual_variance", "loading_unstd", "residual_variance_unstd"]:
        np.testing.assert_allclose(ours[col], ref[col], rtol=0, atol=tol, err_msg=col)
    np.testing.assert_allclose(ours["loading_se"], ref["loading_se"], rtol=1e-10 if backend == "lavaan" else 1e-5)


@pytest.mark.parametrize("backend", ["semopy", "lavaan"])
def test_expressiveness_bartlett_scores_match_lavpredict(labels, backend):
    ref = _golden("expressiveness_scores.csv")
    scores = labels[backend].scores
    assert len(scores) == 640 and scores["n_raters"].isin([5, 6]).all()
    key = ["subject", "task", "clip"]
    task = scores.merge(ref[ref["fit"] != "all"], on=key, validate="one_to_one")
    overall = scores.merge(ref[ref["fit"] == "all"], on=key, validate="one_to_one")
    tol = 1e-10 if backend == "lavaan" else 1e-5
    np.testing.assert_allclose(task["score_task"], task["score"], atol=tol)
    np.testing.assert_allclose(overall["score_all"], overall["score"], atol=tol)
    assert list(scores.columns) == ["task", "subject", "clip", "response", "emotion", "motion",
                                    "n_raters", "score_task", "score_all"]


@pytest.mark.parametrize("backend", ["semopy", "lavaan"])
def test_rater_scores_match_r(labels, backend):
    ref = _golden("expressiveness_rater_scores.csv")
    ours = labels[backend].rater_scores
    assert ours[["subject", "task", "clip", "rater"]].equals(ref[["subject", "task", "clip", "rater"]])
    tol = 1e-10 if backend == "lavaan" else 1e-5
    for col in ["score_task", "z_task", "score_all", "z_all"]:
        np.testing.assert_allclose(ours[col], ref[col], atol=tol, err_msg=col)


def test_expressiveness_summary_is_table2(labels):
    table = labels["lavaan"].summary()
    assert list(table.columns) == ["parameter", "item", "startle", "pain", "disgust", "all"]
    ref = _golden("expressiveness_cfa.csv")
    pain_motion = ref[(ref["fit"] == "pain") & (ref["item"] == "motion")]["loading"].iloc[0]
    row = table[(table["parameter"] == "loading") & (table["item"] == "motion")]
    assert row["pain"].iloc[0] == pytest.approx(pain_motion, abs=1e-12)
    np.testing.assert_allclose(
        table[table["parameter"] == "residual_variance"][["startle", "pain", "disgust", "all"]].to_numpy(),
        1 - table[table["parameter"] == "loading"][["startle", "pain", "disgust", "all"]].to_numpy() ** 2,
        atol=1e-10,
    )


def test_rater_scores_weights_and_errors(labels, ratings):
    loads = labels["lavaan"].loadings
    unstd = rater_scores(ratings, loads, clip=["subject", "clip"], weights="unstandardized")
    w = loads[loads["fit"] == "all"].set_index("item")["loading_unstd"]
    expected = ratings[["response", "emotion", "motion"]].to_numpy() @ w[["response", "emotion", "motion"]].to_numpy()
    np.testing.assert_allclose(unstd["score_all"], expected, rtol=1e-12)
    with pytest.raises(ValueError, match="no fit for task 'pain'"):
        rater_scores(ratings, loads[loads["fit"] != "pain"], clip=["subject", "clip"])
    with pytest.raises(ValueError, match="weights must be one of"):
        rater_scores(ratings, loads, clip=["subject", "clip"], weights="raw")


def test_expressiveness_bad_inputs(ratings):
    with pytest.raises(ValueError, match="at least 3 items"):
        expressiveness_scores(ratings, items=["response", "emotion"], clip=["subject", "clip"])
    with pytest.raises(ValueError, match="no column 'segment'"):
        expressiveness_scores(ratings, clip=["subject", "segment"])
    with pytest.raises(TypeError, match="must be numeric"):
        expressiveness_scores(ratings.assign(motion="high"), clip=["subject", "clip"])
    with pytest.raises(ValueError, match="task called 'pain'"):
        expressiveness_scores(ratings, clip=["subject", "clip"], all_label="pain")
    bad = ratings.copy()
    bad.loc[0, "task"] = np.nan
    with pytest.raises(ValueError, match="'task' has missing values"):
        expressiveness_scores(bad, clip=["subject", "clip"])


def test_expressiveness_without_tasks(ratings):
    res = expressiveness_scores(ratings, by=None, clip=["task", "subject", "clip"], backend="lavaan")
    ref = _golden("expressiveness_cfa.csv")
    ref = ref[ref["fit"] == "all"]
    assert list(res.fits) == ["all"]
    np.testing.assert_allclose(res.loadings["loading"], ref["loading"], atol=1e-10)
    assert "score_all" in res.scores and not any(c.startswith("score_task") for c in res.scores)
    assert list(res.rater_scores.columns) == ["task", "subject", "clip", "rater", "score_all", "z_all"]


def test_lavaan_backend_leaves_ld_library_path_alone():
    """rpy2 adds R's library folders to LD_LIBRARY_PATH; child processes must not see them
    (a Dask worker started afterwards would load another libpython)."""
    import os

    from bitbox_stats.factor import lavaan_backend

    before = os.environ.get("LD_LIBRARY_PATH")
    lavaan_backend._STATE.pop("ro", None)
    lavaan_backend._robjects()
    assert os.environ.get("LD_LIBRARY_PATH") == before


def test_lavaan_backend_refuses_to_run_inside_r(monkeypatch):
    """Inside an R session (reticulate), rpy2 would start a second R: a clear error instead."""
    import sys
    import types

    from bitbox_stats.errors import RBackendError
    from bitbox_stats.factor import lavaan_backend

    monkeypatch.setitem(sys.modules, "rpytools", types.ModuleType("rpytools"))
    monkeypatch.setattr(lavaan_backend, "_STATE", {})
    with pytest.raises(RBackendError, match="cannot run inside an R session"):
        lavaan_backend._robjects()


def test_bartlett_error_names_the_indicator_held_at_zero_not_a_negative_one():
    from bitbox_stats.factor.scores import score_weights

    lam = np.array([[1.0], [0.8], [0.7]])
    theta = np.diag([-0.4, 0.0, 1.0])  # 'a' is negative (a Heywood case), 'b' sits at the bound
    with pytest.raises(ValueError, match="indicator 'b' has a residual variance of"):
        score_weights(lam, np.eye(1), theta, "bartlett", names=["a", "b", "c"])


# --------------------------------------------------------------------------- Heywood cases


def _heywood_ratings(n=120, seed=0):
    """One rater per clip; clip means whose correlations imply a loading above 1 for 'response'
    (r12 r13 / r23 = .81 / .75 > 1): an improper solution, with a residual variance below 0."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 3))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    corr = np.array([[1, 0.9, 0.9], [0.9, 1, 0.75], [0.9, 0.75, 1]])
    x = z @ np.linalg.cholesky(corr).T * [0.8, 0.7, 0.9] + 2
    return pd.DataFrame({"task": "pain", "clip": np.arange(n), "rater": "r1",
                         "response": x[:, 0], "emotion": x[:, 1], "motion": x[:, 2]})


def test_heywood_case_raise_regression_and_bound():
    ratings = _heywood_ratings()
    with pytest.raises(ValueError, match="fit 'pain': Bartlett scores need positive residual variances"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CFAWarning)
            expressiveness_scores(ratings, heywood="raise")
    # regression: the improper fit is kept and its regression scores are the labels
    with pytest.warns(CFAWarning, match="fit 'pain': the residual variance of 'response' was held at its "
                                        "lower bound 0 .* regression scores"):
        reg = expressiveness_scores(ratings, heywood="regression")
    assert list(reg.adjustments["fit"]) == ["pain", "all"]
    assert set(reg.adjustments["action"]) == {"regression scores"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CFAWarning)
        direct = reg.fits["pain"].factor_scores(method="regression")["expressiveness"]
    np.testing.assert_allclose(reg.scores["score_task"], direct, rtol=1e-12)
    # bound: refitted with the residual variance fixed at 1% of the item's variance
    with pytest.warns(CFAWarning, match="bounded at 0.01 of the item's variance"):
        bound = expressiveness_scores(ratings, heywood="bound")
    adj = bound.adjustments
    assert list(adj["item"]) == ["response", "response"] and set(adj["action"]) == {"bounded"}
    var = float(np.var(ratings["response"]))
    np.testing.assert_allclose(adj["fixed_at"], 0.01 * var, rtol=1e-12)
    assert np.isfinite(bound.scores["score_task"]).all()
    # the refit is the fit of the bounded model; lavaan fits the same model to the same answer
    model = f"f =~ response + emotion + motion\nresponse ~~ {0.01 * var!r}*response"
    lav = cfa(ratings[["response", "emotion", "motion"]], model, backend="lavaan", std_lv=True)
    ours = bound.loadings[bound.loadings["fit"] == "pain"]
    np.testing.assert_allclose(ours["loading_unstd"], lav.loadings["estimate"], atol=1e-5)
    # Bartlett scores of the bounded fit, from lavaan's estimates: eta = (L'T^-1 L)^-1 L'T^-1 (x - mu)
    x = ratings[["response", "emotion", "motion"]].to_numpy()
    lam = lav.lambda_[:, 0]
    t_inv = 1 / np.diag(lav.theta_)
    expected = ((x - x.mean(0)) @ (lam * t_inv)) / (lam @ (lam * t_inv))
    np.testing.assert_allclose(bound.scores["score_task"], expected, atol=1e-4)
    with pytest.raises(ValueError, match="heywood must be one of"):
        expressiveness_scores(ratings, heywood="ignore")
