"""The bitbox-stats command line: every subcommand, exit codes, one-line errors."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from bitbox_stats import simulate_signals, simulate_study, write_study
from bitbox_stats.cli import build_parser, main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_for_every_subcommand(capsys):
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert {"demo", "study", "expressivity", "features", "icc", "cfa", "bootstrap"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit) as ex:
            main([name, "--help"])
        assert ex.value.code == 0
        assert "usage: bitbox-stats " + name in capsys.readouterr().out


def test_demo_writes_report_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "demo"
    code, stdout, _ = run(capsys, "demo", "--subjects", "16", "--n-boot", "50", "--n-jobs", "1",
                          "--out", str(out))
    assert code == 0
    for table in ("Table 1.", "Table 2.", "Table 3.", "Table 4."):
        assert table in stdout
    assert f"Report: {(out / 'report.html').resolve()}" in stdout
    assert (out / "report.html").exists() and (out / "table3_performance.csv").exists()
    code, _, err = run(capsys, "demo", "--subjects", "16", "--out", str(out))
    assert code == 2
    assert err.strip().count("\n") == 0 and "exists and is not empty" in err and "--overwrite" in err
    code, _, _ = run(capsys, "demo", "--subjects", "16", "--n-boot", "20", "--n-jobs", "1", "--out", str(out),
                     "--overwrite")
    assert code == 0


def test_study_on_files(tmp_path, capsys):
    write_study(simulate_study(20, seed=2), tmp_path / "files")
    code, stdout, _ = run(capsys, "study", "--folder", str(tmp_path / "files"), "--out", str(tmp_path / "res"),
                          "--n-boot", "30")
    assert code == 0 and "Table 3." in stdout
    code, _, _ = run(capsys, "study", "--manifest", str(tmp_path / "files" / "manifest.csv"), "--ratings",
                     str(tmp_path / "files" / "ratings.csv"), "--out", str(tmp_path / "res2"), "--n-boot", "30")
    assert code == 0
    a = pd.read_csv(tmp_path / "res" / "table3_performance.csv")
    b = pd.read_csv(tmp_path / "res2" / "table3_performance.csv")
    pd.testing.assert_frame_equal(a, b)
    code, _, err = run(capsys, "study", "--manifest", "nope.csv", "--out", str(tmp_path / "x"))
    assert code == 2 and "give --folder, or both --manifest and --ratings" in err


def test_expressivity_icc_cfa_bootstrap_features(tmp_path, capsys):
    sig = simulate_signals(3, seconds=20, fps=30, seed=1)
    sig.insert(0, "frame", np.arange(len(sig)))
    sig.to_csv(tmp_path / "signals.csv", index=False)
    code, _, _ = run(capsys, "expressivity", "--input", str(tmp_path / "signals.csv"), "--drop", "frame",
                     "--scales", "0.5,1", "--out", str(tmp_path / "expr.csv"))
    assert code == 0
    expr = pd.read_csv(tmp_path / "expr.csv")
    assert expr.shape[0] == 6 and set(expr["signal"]) == {"exp_00", "exp_01", "exp_02"}

    study = simulate_study(15, seed=3)
    study.ratings.to_csv(tmp_path / "ratings.csv", index=False)
    code, _, _ = run(capsys, "icc", "--input", str(tmp_path / "ratings.csv"), "--items", "response", "emotion",
                     "motion", "--targets", "subject", "clip", "--out", str(tmp_path / "icc.csv"))
    assert code == 0 and pd.read_csv(tmp_path / "icc.csv").shape[0] == 12

    means = study.ratings.groupby(["subject", "task", "clip"])[["response", "emotion", "motion"]].mean()
    means.reset_index().to_csv(tmp_path / "means.csv", index=False)
    code, _, _ = run(capsys, "cfa", "--input", str(tmp_path / "means.csv"), "--model",
                     "f =~ response + emotion + motion", "--std-lv", "--out", str(tmp_path / "cfa"))
    assert code == 0
    assert {p.name for p in (tmp_path / "cfa").iterdir()} >= {"loadings.csv", "variances.csv", "fit.csv",
                                                             "scores.csv"}

    rng = np.random.default_rng(0)
    pred = pd.DataFrame({"subject": np.repeat(np.arange(30), 4), "y": rng.normal(size=120)})
    pred["a"] = pred["y"] + rng.normal(0, 0.5, 120)
    pred["b"] = rng.normal(size=120)
    pred.to_csv(tmp_path / "pred.csv", index=False)
    code, _, _ = run(capsys, "bootstrap", "--input", str(tmp_path / "pred.csv"), "--truth", "y",
                     "--predictions", "a", "b", "--n-boot", "200", "--out", str(tmp_path / "boot.csv"))
    assert code == 0
    boot = pd.read_csv(tmp_path / "boot.csv")
    assert "a - b" in set(boot["term"])

    write_study(simulate_study(2, tasks=("disgust",), seed=5), tmp_path / "files")
    code, _, _ = run(capsys, "features", "--manifest", str(tmp_path / "files" / "manifest.csv"),
                     "--out", str(tmp_path / "feat.csv"))
    assert code == 0 and pd.read_csv(tmp_path / "feat.csv").shape[0] == 8


@pytest.mark.parametrize(("argv", "message"), [
    (["expressivity", "--input", "missing.csv", "--out", "x.csv"], "--input: no such file 'missing.csv'"),
    (["icc", "--input", "{ratings}", "--out", "{out}"], "give --items"),
    (["cfa", "--input", "{ratings}", "--model", "f =~ response + nothing + motion", "--out", "{dir}"],
     "nothing"),
    (["bootstrap", "--input", "{ratings}", "--truth", "response", "--predictions", "emotion", "--n-boot", "0",
      "--out", "{out}"], "n_boot must be >= 1"),
    (["expressivity", "--input", "{ratings}", "--out", "{out}"], "not numeric"),
])
def test_user_errors_give_one_line_and_exit_2(tmp_path, capsys, argv, message):
    simulate_study(3, seed=1).ratings.to_csv(tmp_path / "r.csv", index=False)
    argv = [a.format(ratings=tmp_path / "r.csv", out=tmp_path / "o.csv", dir=tmp_path / "d") for a in argv]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_console_script_exit_codes(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "bitbox-stats")
    ok = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.startswith("bitbox-stats ")
    bad = subprocess.run([exe, "expressivity", "--input", str(tmp_path / "no.csv"), "--out",
                          str(tmp_path / "o.csv")], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "no such file" in bad.stderr
    usage = subprocess.run([exe, "frobnicate"], capture_output=True, text=True)
    assert usage.returncode == 2


def test_expressivity_of_a_tracker_export(tmp_path, capsys):
    from bitbox_stats import example_file, expressivity, read_frames

    facet = example_file("iMotions_Test_v6.txt")
    code, _, err = run(capsys, "expressivity", "--input", str(facet), "--format", "auto", "--signals",
                       "AU12_evidence", "AU06_evidence", "--scales", "0.5,1", "--nan-policy", "interpolate",
                       "--out", str(tmp_path / "facet.csv"))
    assert code == 0 and "read 519 frames (facet, 29.97 fps)" in err
    got = pd.read_csv(tmp_path / "facet.csv")
    want = expressivity(read_frames(facet), signals=["AU12_evidence", "AU06_evidence"], scales=[0.5, 1],
                        tidy=True, nan_policy="interpolate")
    np.testing.assert_allclose(got[["frequency", "density", "mean"]], want[["frequency", "density", "mean"]])
    code, _, err = run(capsys, "expressivity", "--input", str(facet), "--format", "facet",
                       "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "--format needs --signals" in err
