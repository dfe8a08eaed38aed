"""Every Python and R example of README.md runs as it is."""

import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_readme_starts_with_the_two_commands():
    first = blocks("sh")[0].strip().splitlines()
    assert [line.split("#")[0].strip() for line in first] == ["make demo", "make test"]


def test_python_examples_run(monkeypatch, capsys):
    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)
    code = blocks("python")
    assert len(code) >= 6
    namespace = {}
    for block in code:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert "result" in namespace


def test_r_examples_run(tmp_path):
    rlib = ROOT / ".venv" / "Rlib"
    if not (rlib / "bitboxstats").is_dir():
        raise AssertionError(f"the R package is not installed in {rlib}; run `make r-install` (make test does)")
    script = tmp_path / "readme.R"
    script.write_text("\n".join(blocks("r")))
    env = dict(os.environ, R_LIBS=str(rlib), RETICULATE_PYTHON=sys.executable)
    run = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
