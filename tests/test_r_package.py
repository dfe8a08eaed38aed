"""The R package as an R user gets it: a tarball that carries the repository's Python
sources, installs with R alone, sets up Python with install_bitbox_stats(), and runs the
README's R examples in a fresh R session with no RETICULATE_PYTHON."""

import os
import re
import subprocess
import tarfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("pyproject.toml", "README.md")  # beside bitbox_stats/ in the R package's python/bitbox-stats


def _r_version():
    return re.search(r"^Version:\s*(\S+)", (ROOT / "r" / "DESCRIPTION").read_text(), re.M).group(1)


def _python_tree(folder: Path) -> dict:
    """{relative path: bytes} of a bitbox-stats source folder, without caches."""
    out = {name: (folder / name).read_bytes() for name in SHIPPED if (folder / name).exists()}
    for path in sorted((folder / "bitbox_stats").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            out[path.relative_to(folder).as_posix()] = path.read_bytes()
    return out


def _differences(got: dict, want: dict) -> list:
    return sorted(set(got) ^ set(want)) + sorted(k for k in set(got) & set(want) if got[k] != want[k])


def test_r_package_and_python_package_have_one_version():
    python_version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert _r_version() == python_version, (
        f"r/DESCRIPTION has Version {_r_version()} but pyproject.toml has {python_version}; the R package "
        "refuses a Python package of another version, so change both")


def test_r_package_ships_the_repositorys_python_sources():
    want = _python_tree(ROOT)
    for copy in (ROOT / "r" / "inst" / "python" / "bitbox-stats",
                 ROOT / ".venv" / "Rlib" / "bitboxstats" / "python" / "bitbox-stats"):
        if not (copy / "bitbox_stats").is_dir():
            raise AssertionError(f"{copy} is missing; `make r-install` (run by make test) copies it")
        diff = _differences(_python_tree(copy), want)
        assert not diff, f"{copy} differs from the repository in {diff[:10]}; run `make r-install`"


def _clean_env(tmp_path: Path) -> dict:
    """The environment of an R user who has nothing but R: no RETICULATE_PYTHON, no
    virtual environment on the PATH, environments kept under tmp_path."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RETICULATE_", "R_LIBS", "PYTHON", "MAKE", "MFLAGS"))
           and k not in ("VIRTUAL_ENV", "R_SESSION_INITIALIZED")}
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and os.path.realpath(p) != os.path.realpath(venv_bin))
    envs = tmp_path / "virtualenvs"
    envs.mkdir()
    env.update(WORKON_HOME=str(envs), RETICULATE_VIRTUALENV_ROOT=str(envs), R_LIBS=str(tmp_path / "Rlib"))
    (tmp_path / "Rlib").mkdir()
    return env


def _run(cmd, env, cwd, timeout=900):
    start = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    out = run.stdout + run.stderr
    assert run.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{out[-4000:]}"
    return out, time.perf_counter() - start


def test_from_the_tarball_to_the_readme_examples_with_r_alone(tmp_path):
    # the tarball, as `make r-build` makes it
    build = tmp_path / "build"
    _run(["make", "--no-print-directory", "r-build", f"BUILD={build}"], dict(os.environ), ROOT)
    tarball = build / "r" / f"bitboxstats_{_r_version()}.tar.gz"
    assert tarball.is_file()
    with tarfile.open(tarball) as tar:
        prefix = "bitboxstats/inst/python/bitbox-stats/"
        shipped = {m.name[len(prefix):]: tar.extractfile(m).read() for m in tar.getmembers()
                   if m.isfile() and m.name.startswith(prefix)}
    diff = _differences(shipped, _python_tree(ROOT))
    assert not diff, f"the tarball's Python sources differ from the repository in {diff[:10]}"

    env = _clean_env(tmp_path)
    envs = Path(env["WORKON_HOME"])
    work = tmp_path / "work"
    work.mkdir()
    # R call 1: install the tarball (as install.packages() does it)
    _run(["Rscript", "-e", f"install.packages('{tarball}', repos = NULL, type = 'source')"], env, work)
    # R call 2: the Python side
    out, seconds = _run(["Rscript", "-e", "bitboxstats::install_bitbox_stats()"], env, work)
    venv = envs / "r-bitboxstats"
    assert f"is installed in the virtual environment '{venv}' (created now" in out, out[-3000:]
    assert (venv / "pyvenv.cfg").is_file()
    print(f"install_bitbox_stats() took {seconds:.0f} s")
    # safe to run twice: the environment is kept and updated
    out, _ = _run(["Rscript", "-e", "bitboxstats::install_bitbox_stats()"], env, work)
    assert f"'{venv}' (existed; updated" in out, out[-3000:]

    # a fresh R session runs the README's R examples, on that environment
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```r\n(.*?)```", readme, re.S)
    assert len(blocks) >= 5
    check = (f"\nstopifnot(identical(normalizePath(reticulate::py_config()$python), "
             f"normalizePath('{venv / 'bin' / 'python'}')))\n")
    script = work / "readme.R"
    script.write_text("\n".join(blocks) + check)
    assert "RETICULATE_PYTHON" not in env
    _run(["Rscript", str(script)], env, work)
