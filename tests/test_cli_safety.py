"""No user's file is ever lost (issue: safety, part 2).

Every case runs on real temporary folders with files in them and compares the
hashes of everything there before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from bitbox_stats import simulate_study, write_study
from bitbox_stats import study as study_module
from bitbox_stats._io import MARKER, atomic_folder, check_output_folder
from bitbox_stats.cli import main


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file below ``folder`` (hidden ones too)."""
    out = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            out[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def means_csv(tmp_path):
    ratings = simulate_study(12, tasks=("disgust",), seed=4).ratings
    means = ratings.groupby(["subject", "clip"])[["response", "emotion", "motion"]].mean().reset_index()
    path = tmp_path / "inputs" / "means.csv"
    path.parent.mkdir()
    means.to_csv(path, index=False)
    return path


def _cfa(capsys, means_csv, out, *extra):
    return run(capsys, "cfa", "--input", means_csv, "--model", "f =~ response + emotion + motion", "--std-lv",
               "--out", out, *extra)


@pytest.fixture()
def no_computation(monkeypatch):
    """Fail the test if a refused command starts computing."""
    def boom(*args, **kwargs):
        raise AssertionError("the command computed before refusing its output")

    monkeypatch.setattr(study_module, "run_study", boom)
    monkeypatch.setattr("bitbox_stats.simulate.simulate_study", boom)
    monkeypatch.setattr("bitbox_stats.factor.cfa", boom)


def test_overwrite_refuses_a_folder_with_the_users_files(tmp_path, capsys, no_computation):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"years of work")
    (out / "data").mkdir()
    (out / "data" / "raw.csv").write_text("a,b\n1,2\n")
    before = snapshot(tmp_path)
    code, _, err = run(capsys, "demo", "--subjects", "4", "--out", out, "--overwrite")
    assert code == 2
    assert "not written by bitbox-stats" in err and "thesis.docx" in err and "data" in err
    assert snapshot(tmp_path) == before


def test_overwrite_replaces_only_its_own_output(tmp_path, capsys, means_csv):
    out = tmp_path / "cfa"
    assert _cfa(capsys, means_csv, out)[0] == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["written_by"] == "bitbox-stats"
    assert set(marker["files"]) == {"loadings.csv", "variances.csv", "fit.csv", "scores.csv"}
    # its own output, unchanged: replaced
    assert _cfa(capsys, means_csv, out, "--overwrite")[0] == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    # a file the user added: refused, everything kept
    (out / "notes.txt").write_text("my notes")
    before = snapshot(tmp_path)
    code, _, err = _cfa(capsys, means_csv, out, "--overwrite")
    assert code == 2 and "notes.txt" in err and "did not write" in err
    assert snapshot(tmp_path) == before
    # a file of its own that the user changed: refused too
    (out / "notes.txt").unlink()
    with open(out / "fit.csv", "a") as fh:
        fh.write("# checked by hand\n")
    before = snapshot(tmp_path)
    code, _, err = _cfa(capsys, means_csv, out, "--overwrite")
    assert code == 2 and "fit.csv (changed since)" in err
    assert snapshot(tmp_path) == before


def test_study_never_writes_over_its_input(tmp_path, capsys, no_computation):
    folder = tmp_path / "S"
    folder.mkdir()
    (folder / "manifest.csv").write_text("path,subject,task\nS001_pain.csv,S001,pain\n")
    (folder / "ratings.csv").write_text("subject,task,clip,rater,response,emotion,motion\n")
    (folder / "S001_pain.csv").write_text("frame, timestamp\n1, 0.0\n")
    before = snapshot(tmp_path)
    for out in (folder, folder / "results", tmp_path):
        code, _, err = run(capsys, "study", "--folder", folder, "--out", out, "--overwrite")
        assert code == 2, out
        assert "overlaps the input --folder" in err or "is or contains" in err
    # a manifest's listed files are inputs too
    elsewhere = tmp_path / "lists"
    elsewhere.mkdir()
    (elsewhere / "manifest.csv").write_text(f"path,subject,task\n{folder / 'S001_pain.csv'},S001,pain\n")
    code, _, err = run(capsys, "study", "--manifest", elsewhere / "manifest.csv", "--ratings",
                       folder / "ratings.csv", "--out", folder, "--overwrite")
    assert code == 2 and "overlaps the input" in err
    assert snapshot(tmp_path) == before | {"lists/manifest.csv": snapshot(elsewhere)["manifest.csv"]}


@pytest.mark.parametrize("command", ["expressivity", "icc", "bootstrap"])
def test_an_output_file_may_not_be_its_input(tmp_path, capsys, command):
    data = tmp_path / "data.csv"
    data.write_text("subject,a,b\n1,1.0,2.0\n")
    before = snapshot(tmp_path)
    extra = {"expressivity": [], "icc": ["--ratings", "a"], "bootstrap": ["--truth", "a", "--predictions", "b"]}
    code, _, err = run(capsys, command, "--input", data, "--out", data, "--overwrite", *extra[command])
    assert code == 2 and "overlaps the input --input" in err
    code, _, err = run(capsys, command, "--input", data, "--out", tmp_path, *extra[command])
    assert code == 2
    assert snapshot(tmp_path) == before


def test_features_output_inside_the_input_folder_is_refused(tmp_path, capsys):
    write_study(simulate_study(1, tasks=("disgust",), seed=5), tmp_path / "files")
    before = snapshot(tmp_path)
    code, _, err = run(capsys, "features", "--folder", tmp_path / "files", "--out", tmp_path / "files" / "f.csv")
    assert code == 2 and "overlaps the input --folder" in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("out", [".", "..", "./", "sub/..", "~", "/"])
def test_out_dot_dotdot_home_and_root_are_refused_up_front(tmp_path, capsys, monkeypatch, out, no_computation):
    work = tmp_path / "home" / "work"
    work.mkdir(parents=True)
    (work / "keep.txt").write_text("keep")
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    out = str(tmp_path / "home") if out == "~" else out
    before = snapshot(tmp_path)
    code, _, err = run(capsys, "demo", "--out", out, "--overwrite")
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "does not name a new file or folder" in err or "is or contains" in err
    assert snapshot(tmp_path) == before


def test_overwrite_onto_a_regular_file_leaves_it_and_no_debris(tmp_path, capsys, means_csv):
    target = tmp_path / "results"
    target.write_text("not a folder")
    before = snapshot(tmp_path)
    code, _, err = _cfa(capsys, means_csv, target, "--overwrite")
    assert code == 2 and "is a file" in err
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs", "results"]


def test_library_writers_follow_the_same_rule(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "mine.txt").write_text("x")
    with pytest.raises(ValueError, match="not written by bitbox-stats"):
        write_study(simulate_study(1, tasks=("disgust",), seed=1), folder, overwrite=True)
    assert snapshot(folder) == {"mine.txt": hashlib.sha256(b"x").hexdigest()}
    with pytest.raises(ValueError, match="does not name a new folder"):
        check_output_folder(".")


def test_a_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), atomic_folder(tmp_path / "out") as tmp:
        (tmp / "half.csv").write_text("a")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_run_leaves_no_output_and_no_temporary_folder(tmp_path, sig):
    (tmp_path / "keep.txt").write_text("keep")
    before = snapshot(tmp_path)
    exe = [sys.executable, "-m", "bitbox_stats.cli"]
    proc = subprocess.Popen([*exe, "demo", "--subjects", "8", "--n-boot", "20", "--n-jobs", "1", "--write-files",
                             "--out", str(tmp_path / "demo")], cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        temp = [p for p in tmp_path.iterdir() if p.name.startswith(".demo-files-")]
        if temp and any(temp[0].rglob("*.csv")):
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    assert "interrupted" in err and "Traceback" not in err
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_written_outputs_are_read_back_as_before(tmp_path):
    # the marker file does not disturb readers of a written study folder
    study = simulate_study(1, tasks=("disgust",), seed=1)
    write_study(study, tmp_path / "s")
    assert (tmp_path / "s" / MARKER).exists()
    manifest, ratings = study_module.read_study(tmp_path / "s")
    assert len(manifest) == len(study.manifest)
    pd.testing.assert_frame_equal(ratings, study.ratings.reset_index(drop=True), check_dtype=False)
