"""The whole study: the pipeline on a simulated study and on its written files, the saved
results, and the HTML report in a real (headless) browser."""

import json
import os
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from bitbox_stats import simulate_study, write_study
from bitbox_stats.simulate import ITEMS
from bitbox_stats.study import StudyResult, read_study, run_study, weight_recovery

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def study():
    return simulate_study(n_subjects=40, seed=21)


@pytest.fixture(scope="module")
def result(study):
    return run_study(study, seed=7, n_boot=300, progress=False)


def test_tables_have_the_paper_shape(result):
    assert isinstance(result, StudyResult)
    t1 = result.table1
    assert set(t1["task"]) == {"startle", "pain", "disgust", "all"} and set(t1["item"]) == set(ITEMS)
    assert (t1["type"] == "ICC(1,k)").all()
    t2 = result.table2
    assert set(t2["fit"]) == {"startle", "pain", "disgust", "all"}
    t3 = result.table3
    assert list(t3.columns) == ["context", "model", "n", "nrmse", "r"]
    assert set(t3["model"]) == {"ElasticNet", "Uniform baseline", "Normal baseline", "Human baseline"}
    t4 = result.table4
    assert set(t4["term"]) == {"ElasticNet - Uniform baseline", "ElasticNet - Normal baseline",
                               "ElasticNet - Human baseline"}
    assert (t4["pval"] > 0).all() and (t4["pval"] <= 1).all()
    for table in (t1, t2, t3, t4, result.features, result.labels, result.predictions, result.data):
        assert isinstance(table.index, pd.RangeIndex)
    wide = result.summary()
    assert wide["model"].tolist() == ["Uniform baseline", "Normal baseline", "Human baseline", "ElasticNet"]


def test_pipeline_recovers_what_was_put_in(result, study):
    t1 = result.table1
    assert t1["icc"].between(0.75, 0.95).all()
    t2 = result.table2
    assert t2.loc[t2["item"] == "response", "loading"].gt(0.9).all()
    labels = result.labels.merge(study.truth, on=["subject", "task", "clip"])
    assert np.corrcoef(labels["score_task"], labels["latent"])[0, 1] > 0.8
    en = result.table3[result.table3["model"] == "ElasticNet"].set_index("context")
    assert en["r"].between(0.3, 0.95).all(), en
    base = result.table3[result.table3["model"] == "Uniform baseline"].set_index("context")
    assert (en["nrmse"] < base["nrmse"]).all()
    rec = result.truth["recovery"]
    assert rec["sign_ok"].mean() >= 0.75


def test_every_model_is_scored_on_the_same_test_clips(result):
    p = result.predictions
    for context, sub in p.groupby("context"):
        clips = {m: set(g["clip_id"]) for m, g in sub.groupby("model")}
        en = clips.pop("ElasticNet")
        for model, ids in clips.items():
            assert ids == en, (context, model)
    # no subject is in the test set of a context and the training set of the same context
    for context, res in result.models.results.items():
        split = res.split
        per_subject = split.groupby("subject")["partition"].nunique()
        assert (per_subject == 1).all(), context


def test_same_seed_same_numbers(study, result):
    again = run_study(study, seed=7, n_boot=300, progress=False)
    pd.testing.assert_frame_equal(again.table3, result.table3)
    pd.testing.assert_frame_equal(again.table4, result.table4)
    other = run_study(study, seed=8, n_boot=300, progress=False)
    assert not other.table4["estimate"].equals(result.table4["estimate"])


def test_files_give_the_same_study(tmp_path):
    small = simulate_study(n_subjects=24, seed=3)
    write_study(small, tmp_path / "files")
    manifest, ratings = read_study(tmp_path / "files")
    assert manifest["path"].map(os.path.isabs).all()
    from_files = run_study(tmp_path / "files", seed=1, n_boot=100, progress=False)
    in_memory = run_study(small, seed=1, n_boot=100, progress=False)
    pd.testing.assert_frame_equal(from_files.table1, in_memory.table1)
    pd.testing.assert_frame_equal(from_files.table2, in_memory.table2)
    # OpenFace rounds what it writes (0.1 px, 0.001 rad), so the features differ slightly
    f, m = from_files.features, in_memory.features
    assert f[["subject", "task", "clip"]].equals(m[["subject", "task", "clip"]])
    for col in ("au_count", "au_intensity", "head_displacement"):
        np.testing.assert_allclose(f[col], m[col], rtol=0.02, atol=0.02)
    by_manifest = run_study(tmp_path / "files" / "manifest.csv", tmp_path / "files" / "ratings.csv",
                            seed=1, n_boot=100, progress=False)
    pd.testing.assert_frame_equal(by_manifest.table3, from_files.table3)


def test_bad_sources(study):
    with pytest.raises(ValueError, match="brings its own ratings"):
        run_study(study, study.ratings, progress=False)
    with pytest.raises(ValueError, match="ratings are needed"):
        run_study(pd.DataFrame({"path": ["a.csv"], "subject": ["S1"], "task": ["pain"]}), progress=False)
    with pytest.raises(TypeError, match="source must be"):
        run_study(42, progress=False)
    with pytest.raises(ValueError, match="fps=30 but the simulated study"):
        run_study(study, fps=30, progress=False)
    with pytest.raises(ValueError, match="n_boot must be >= 1"):
        run_study(study, n_boot=0, progress=False)


def test_weight_recovery_rule():
    est = pd.DataFrame({"context": "startle", "feature": ["a", "b", "c", "d"], "weight": [0.5, -0.4, 0.1, 0.3]})
    true = pd.DataFrame({"task": "startle", "feature": ["a", "b", "d"], "weight": [1.0, -1.0, 1.0]})
    rec = weight_recovery(est, true)
    assert rec["sign_ok"].all() and rec["top_ok"].all()
    flipped = weight_recovery(est.assign(weight=[0.5, 0.4, 0.1, 0.3]), true)
    assert not flipped["top_ok"].any() and flipped["sign_ok"].tolist() == [True, False, True]


def test_save_writes_everything_or_nothing(result, tmp_path):
    out = result.save(tmp_path / "out")
    names = sorted(p.name for p in out.iterdir())
    for expected in ("table1_icc.csv", "table2_cfa.csv", "table3_performance.csv", "table4_comparisons.csv",
                     "figure3.png", "figure4.png", "report.html", "settings.json", "versions.csv",
                     "predictions.csv", "truth_recovery.csv"):
        assert expected in names
    t3 = pd.read_csv(out / "table3_performance.csv")
    np.testing.assert_allclose(t3["r"], result.table3["r"])
    assert json.loads((out / "settings.json").read_text())["seed"] == 7
    with pytest.raises(ValueError, match="exists and is not empty"):
        result.save(tmp_path / "out")
    result.save(tmp_path / "out", overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _chromium(*args, tmp):
    if CHROMIUM is None:
        pytest.fail("chromium is not installed; `make test` installs Debian's chromium package")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--enable-logging=stderr", "--v=0", f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_report_opens_in_a_headless_browser_with_every_table_and_figure(result, tmp_path):
    out = result.save(tmp_path / "out")
    page = (out / "report.html").read_text()
    assert "<script" not in page.lower()  # self-contained, static
    # a copy instrumented with a checker script: the browser reports what it rendered
    probe = page.replace("</body>", """<script>
window.addEventListener('load', function () {
  var imgs = Array.from(document.images).map(function (i) { return [i.alt, i.complete, i.naturalWidth]; });
  var caps = Array.from(document.querySelectorAll('table caption')).map(function (c) { return c.textContent; });
  var pre = document.createElement('pre'); pre.id = 'probe';
  pre.textContent = JSON.stringify({images: imgs, captions: caps, h2: Array.from(
      document.querySelectorAll('h2')).map(function (h) { return h.textContent; })});
  document.body.appendChild(pre);
});
</script></body>""")
    (tmp_path / "probe.html").write_text(page and probe)
    run = _chromium("--virtual-time-budget=5000", "--dump-dom", (tmp_path / "probe.html").as_uri(), tmp=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    console_errors = [ln for ln in run.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert not console_errors, console_errors
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert found, run.stdout[-2000:]
    seen = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert [img[0] for img in seen["images"]] == ["Figure 3. Performance per task",
                                                  "Figure 4. ElasticNet feature weights"]
    assert all(img[1] and img[2] > 300 for img in seen["images"]), seen["images"]
    for caption in ("ICC(1,k)", "Table 2", "Table 3 (wide)", "Table 4", "Settings", "Package versions"):
        assert caption in seen["captions"], seen["captions"]
    assert any(h.startswith("Table 1") for h in seen["h2"]) and any(h.startswith("Table 4") for h in seen["h2"])
    # and a screenshot of the real page shows content, not a blank page
    shot = tmp_path / "report.png"
    run = _chromium(f"--screenshot={shot}", "--window-size=1200,2400", (out / "report.html").as_uri(),
                    tmp=tmp_path)
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] >= 2000 and pixels.std() > 0.05
    dark = (pixels[..., :3].mean(axis=2) < 0.5).mean()
    assert dark > 0.005  # text, tables and figures drawn


@pytest.mark.parametrize(("n_subjects", "seeds"), [(20, (1, 2, 3, 10)), (30, (1, 2))])
def test_small_studies_complete_for_every_seed(n_subjects, seeds, tmp_path):
    # pilot-sized studies often have a Heywood case in one context (20 subjects, seeds 3 and
    # 10 with the simulator of this writing): the default rule bounds it and says so
    import warnings

    from bitbox_stats.factor import CFAWarning

    for seed in seeds:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CFAWarning)
            res = run_study(simulate_study(n_subjects=n_subjects, seed=seed), seed=seed, n_boot=30,
                            progress=False)
        assert np.isfinite(res.labels[["score_task", "score_all"]]).all().all()
        assert res.settings["scores"] == "bartlett" and res.settings["heywood"] == "bound"
        adj = res.adjustments
        assert list(adj.columns) == ["fit", "item", "estimate", "action", "fixed_at", "note"]
        heywood_warnings = [w for w in caught if "Heywood case" in str(w.message) and "bounded" in
                            str(w.message)]
        assert len(heywood_warnings) == len(adj)
        if len(adj):
            assert (adj["action"] == "bounded").all()
            section = next(s for s in res.report_sections() if s.title.startswith("Table 2"))
            assert all(note in section.text for note in adj["note"])


def test_score_method_and_heywood_rule_are_parameters(tmp_path):
    import warnings

    study = simulate_study(n_subjects=20, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = run_study(study, seed=3, n_boot=30, progress=False, scores="regression", heywood="regression")
    assert reg.settings["scores"] == "regression"
    assert set(reg.adjustments["action"]) <= {"regression scores"}
    with pytest.raises(ValueError, match="scores must be one of"):
        run_study(study, seed=3, n_boot=30, progress=False, scores="mean")
    with pytest.raises(ValueError, match="heywood must be one of"):
        run_study(study, seed=3, n_boot=30, progress=False, heywood="ignore")


def _write_partial(study, folder, keep):
    """The study's videos as OpenFace CSV files with only the columns ``keep(name)`` accepts (an OpenFace
    run with fewer outputs), and its manifest and ratings."""
    (folder / "openface").mkdir(parents=True)
    rows = []
    for subject, task, frames in study.videos():
        name = f"openface/{subject}_{task}.csv"
        frames[[c for c in frames.columns if keep(c, name)]].to_csv(folder / name, index=False,
                                                                      float_format="%.6g")
        rows.append((name, subject, task))
    pd.DataFrame(rows, columns=["path", "subject", "task"]).to_csv(folder / "manifest.csv", index=False)
    study.ratings.to_csv(folder / "ratings.csv", index=False)


_TRACKED = ("frame", "face_id", "timestamp", "confidence", "success", "gaze_angle", "pose_", "AU")


def test_models_use_the_features_the_files_have(tmp_path):
    from bitbox_stats import MissingFeaturesWarning

    small = simulate_study(n_subjects=24, seed=3)
    # every video was tracked with -gaze -pose -aus only: no landmarks anywhere
    _write_partial(small, tmp_path / "files", lambda c, name: c.startswith(_TRACKED))
    with pytest.warns(MissingFeaturesWarning) as caught:
        res = run_study(tmp_path / "files", seed=1, n_boot=50, progress=False)
    mine = [w for w in caught if issubclass(w.category, MissingFeaturesWarning)]
    assert len(mine) == 1 and str(mine[0].message).startswith(
        "run_study: 2 feature(s) could not be computed for any clip, because no file has their columns, and were "
        "left out of the models: points_displacement, points_velocity")
    assert res.settings["features_dropped"] == ["points_displacement", "points_velocity"]
    assert set(res.models.weights["feature"]) == set(res.settings["features_used"])
    assert "points_displacement" not in set(res.models.weights["feature"])
    assert res.features["points_displacement"].isna().all() and len(res.data) > 0
    assert res.missing_inputs["group"].unique().tolist() == ["landmarks"]
    assert res.missing_inputs["path"].nunique() == len(small.manifest)
    text = res._data_text()
    assert "72 file(s) lack the columns of some features (see missing_inputs.csv)" in text
    assert "left out of the models: points_displacement, points_velocity" in text
    assert "missing_inputs" in res.tables()
    sections = {s.title: s for s in res.report_sections()}
    assert "Feature inputs missing from the files" in sections["Data"].tables
    # gaze missing from two videos only: a model cannot use gaze for some clips and not others
    _write_partial(small, tmp_path / "some", lambda c, name: c.startswith(_TRACKED) and not (
        c.startswith("gaze_") and ("S001_pain" in name or "S002_startle" in name)))
    with pytest.raises(ValueError, match=r"feature\(s\) gaze_displacement, gaze_velocity cannot be computed for "
                                         r"2 of 72 files, which lack their columns: .*S001_pain\.csv, "
                                         r".*S002_startle\.csv; a model needs every feature for every clip"):
        run_study(tmp_path / "some", seed=1, n_boot=50, progress=False)
