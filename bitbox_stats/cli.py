"""The ``bitbox-stats`` command line: a thin shell over the public functions.

Subcommands: ``demo`` (simulate the study and run it), ``study`` (run it on
real files), ``expressivity``, ``features``, ``icc``, ``cfa``, ``bootstrap``.
``asymmetry``, ``motion`` and ``coordination`` run Bitbox's other measures.
Each reads CSV and writes CSV (or a folder of results).

Outputs are safe for the user's own files:

* an output folder must be new or empty; ``--overwrite`` replaces only a folder
  bitbox-stats wrote (it holds ``.bitbox-stats-output.json``) that holds nothing
  else, and an output file only with ``--overwrite`` and only if it is a regular
  file;
* ``--out`` may not be, contain or lie inside any input (``--input``,
  ``--folder``, ``--manifest`` and the files it lists, ``--ratings``), and may not
  be or contain the current directory, the home directory or ``/``;
* all of this is checked before any computation;
* outputs are written to a temporary name and moved into place whole; SIGINT and
  SIGTERM unwind the run and remove the temporary files (exit code 130 / 143).

A user error ends with one line on stderr and exit code 2; success is 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from . import __version__
from ._io import atomic_file, atomic_folder, check_output_folder, interrupt
from .errors import BitboxStatsError


class UserError(Exception):
    """A problem with the user's input: reported in one line, exit code 2."""


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _existing_file(path: str, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{what}: no such file {path!r}")
    return p


def _read_csv(path: str, what: str) -> pd.DataFrame:
    p = _existing_file(path, what)
    try:
        return pd.read_csv(p)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise UserError(f"{what}: cannot read {path!r} as CSV ({err})") from None


# ------------------------------------------------------------------ where outputs may go

# Arguments that name inputs (files or folders): an output may not be, lie inside or
# contain any of them. Subcommands that add input arguments add their names here.
INPUT_ARGUMENTS = ("input", "folder", "manifest", "ratings", "x", "y", "inputs")


def _resolved(path) -> Path:
    return Path(path).resolve(strict=False)


def _overlaps(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` are the same path or one lies inside the other."""
    return a == b or a in b.parents or b in a.parents


def _protected_folders() -> dict[str, Path]:
    out = {"the current directory": Path.cwd().resolve(), "the root folder": Path("/").resolve()}
    try:
        out["the home directory"] = Path.home().resolve()
    except (RuntimeError, KeyError):  # no home directory known
        pass
    return out


def _input_paths(args) -> dict[str, list[str]]:
    """The input paths given on the command line, by argument (manifest-listed files included)."""
    found: dict[str, list[str]] = {}
    for name in INPUT_ARGUMENTS:
        value = getattr(args, name, None)
        if value is None or value == []:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        found["--" + name] = [str(v) for v in values]
    manifest = getattr(args, "manifest", None)
    if manifest and Path(manifest).is_file():
        from .study import _read_manifest

        try:
            listed = _read_manifest(Path(manifest))["path"].tolist()
        except (ValueError, KeyError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
            listed = []  # the command itself reports the bad manifest
        if listed:
            found["a file listed in --manifest"] = [str(p) for p in listed]
    return found


def check_output_location(out: str, args, flag: str = "--out") -> Path:
    """Refuse an output that is or contains a protected folder, or overlaps an input.

    Protected: the current directory, the home directory and ``/`` (an output
    may lie inside them, but may not be them or contain them). Inputs: the
    paths in :data:`INPUT_ARGUMENTS` and the files a ``--manifest`` lists.
    """
    if not out or Path(out).name in ("", ".", ".."):
        raise UserError(f"{flag} {out!r} does not name a new file or folder; give a name such as 'results'")
    o = _resolved(out)
    for what, folder in _protected_folders().items():
        if o == folder or o in folder.parents:
            raise UserError(f"{flag} {out!r} is or contains {what} ({folder}); give a new folder or file "
                            "inside it instead")
    for arg, paths in _input_paths(args).items():
        for path in paths:
            if _overlaps(o, _resolved(path)):
                raise UserError(f"{flag} {out!r} overlaps the input {arg} {path!r} (the same path, or one "
                                "inside the other); write the output somewhere else")
    return Path(out)


def _check_out_file(path: str, overwrite: bool) -> Path:
    """An output file: new, or (with --overwrite) an existing regular file, replaced whole."""
    p = Path(path)
    if p.is_dir() and not p.is_symlink():
        raise UserError(f"--out {path!r} is a folder; give a file name")
    if p.exists() or p.is_symlink():
        if not overwrite:
            raise UserError(f"--out {path!r} exists; pass --overwrite to replace it")
        if p.is_symlink() or not p.is_file():
            raise UserError(f"--out {path!r} is not a regular file; it is not replaced")
    for parent in p.parents:
        if parent.exists() and not parent.is_dir():
            raise UserError(f"--out {path!r} cannot be written: {str(parent)!r} is a file")
    return p


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as tmp:
        table.to_csv(tmp, index=False)


def _check_out_folder(path: str, overwrite: bool, flag: str = "--out") -> Path:
    try:
        return check_output_folder(path, overwrite=overwrite)
    except ValueError as err:
        message = str(err).replace("pass overwrite=True (or --overwrite)", "pass --overwrite")
        raise UserError(f"{flag}: {message}") from None


def _print_tables(res) -> None:
    with pd.option_context("display.width", 140, "display.max_columns", 20, "display.max_rows", 100):
        t1 = res.table1[["task", "item", "icc", "ci_low", "ci_high"]]
        print("\nTable 1. Inter-rater reliability, ICC(1,k) with 95% CI\n" + t1.round(3).to_string(index=False))
        t2 = res.table2[["fit", "item", "loading", "residual_variance"]]
        print("\nTable 2. CFA: standardised loadings and residual variances\n"
              + t2.round(3).to_string(index=False))
        print("\nTable 3. Test performance (NRMSE: lower is better; r: higher is better)\n"
              + res.summary().round(3).to_string(index=False))
        t4 = res.table4[["context", "term", "metric", "estimate", "ci_low", "ci_high", "pval"]]
        print("\nTable 4. ElasticNet minus each baseline, cluster bootstrap\n" + t4.round(3).to_string(index=False))


# ------------------------------------------------------------------ subcommands


def _demo(args) -> int:
    from .simulate import simulate_study, write_study
    from .study import run_study

    out = _check_out_folder(args.out, args.overwrite)
    files = out.with_name(out.name + "-files")
    if args.write_files:
        check_output_location(str(files), args, "--out (its -files folder)")
        _check_out_folder(str(files), args.overwrite, "--out (its -files folder)")
    _say(f"Simulating a study of {args.subjects} subjects (seed {args.seed}) ...")
    study = simulate_study(args.subjects, seed=args.seed)
    source = study
    if args.write_files:
        _say(f"Writing its OpenFace CSV files to {files} ...")
        write_study(study, files, overwrite=args.overwrite, progress=sys.stderr.isatty())
        source = files
    _say("Running the study: features, ICC, CFA, ElasticNet, baselines, bootstrap ...")
    res = run_study(source, seed=args.seed, n_boot=args.n_boot, n_jobs=args.n_jobs, progress=None,
                    scores=args.scores, heywood=args.heywood)
    _print_tables(res)
    folder = res.save(out, overwrite=args.overwrite)
    print(f"\nReport: {(folder / 'report.html').resolve()}")
    return 0


def _study(args) -> int:
    from .study import run_study

    out = _check_out_folder(args.out, args.overwrite)
    if args.folder:
        source, ratings = args.folder, None
        if args.manifest or args.ratings:
            raise UserError("give either --folder or --manifest with --ratings, not both")
    else:
        if not (args.manifest and args.ratings):
            raise UserError("give --folder, or both --manifest and --ratings")
        source = args.manifest
        _existing_file(source, "--manifest")
        ratings = _read_csv(args.ratings, "--ratings")
    res = run_study(source, ratings, fps=args.fps, seed=args.seed, n_boot=args.n_boot, backend=args.backend,
                    n_jobs=args.n_jobs, errors="collect" if args.keep_going else "raise", progress=None,
                    scores=args.scores, heywood=args.heywood)
    if not res.failures.empty:
        _say(f"warning: {len(res.failures)} file(s) could not be read; see failures.csv")
    _print_tables(res)
    folder = res.save(out, overwrite=args.overwrite)
    print(f"\nReport: {(folder / 'report.html').resolve()}")
    return 0


def _scales(text):
    if text is None:
        return None
    parts = [p for p in text.replace(",", " ").split() if p]
    if len(parts) == 1 and parts[0].isdigit():
        return int(parts[0])
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise UserError(f"--scales must be a number of scales (e.g. 6) or durations in seconds "
                        f"(e.g. 0.5,1,2), got {text!r}") from None


def _expressivity(args) -> int:
    from .expressions import expressivity

    out = _check_out_file(args.out, args.overwrite)
    if args.format:
        return _expressivity_of_tracker(args, out)
    data = _read_csv(args.input, "--input")
    if args.drop:
        missing = [c for c in args.drop if c not in data.columns]
        if missing:
            raise UserError(f"--drop: no column(s) {missing} in {args.input!r}")
        data = data.drop(columns=args.drop)
    table = expressivity(data, scales=_scales(args.scales), aggregate=args.aggregate, robust=not args.no_robust,
                         fps=args.fps, tidy=True, nan_policy=args.nan_policy)
    _write_csv(table, out)
    _say(f"wrote {len(table)} rows to {out}")
    return 0


def _expressivity_of_tracker(args, out) -> int:
    """``expressivity --format``: a tracker's export read by read_frames, its ``--signals`` chosen."""
    from .expressions import expressivity
    from .trackers import read_frames

    if not args.signals:
        raise UserError("--format needs --signals: the columns to use, e.g. --signals 'AU*_r'")
    frames = read_frames(_existing_file(args.input, "--input"), format=args.format, fps=args.fps)
    table = expressivity(frames, signals=args.signals, scales=_scales(args.scales), aggregate=args.aggregate,
                         robust=not args.no_robust, tidy=True, nan_policy=args.nan_policy)
    _write_csv(table, out)
    _say(f"read {len(frames)} frames ({frames.attrs['format']}, {frames.attrs['fps']:.4g} fps); wrote {len(table)} "
         f"rows to {out}")
    return 0


def _features(args) -> int:
    from .features import extract_features

    out = _check_out_file(args.out, args.overwrite)
    fail = out.with_name(out.stem + "_failures.csv")
    if args.keep_going:
        check_output_location(str(fail), args, "--out (its _failures.csv)")
        _check_out_file(str(fail), args.overwrite)
    source = args.folder if args.folder else None
    if args.manifest:
        if source:
            raise UserError("give either --folder or --manifest, not both")
        from .study import _read_manifest

        source = _read_manifest(_existing_file(args.manifest, "--manifest"))
    if source is None:
        raise UserError("give --folder or --manifest")
    res = extract_features(source, fps=args.fps, n_jobs=args.n_jobs, errors="collect" if args.keep_going
                           else "raise", progress=None, pattern=args.pattern or None)
    _write_csv(res.features, out)
    if not res.failures.empty:
        _write_csv(res.failures, fail)
        _say(f"warning: {len(res.failures)} file(s) failed; see {fail}")
    _say(f"wrote {len(res.features)} clips to {out}")
    return 0


def _icc(args) -> int:
    from .reliability import icc, icc_table

    out = _check_out_file(args.out, args.overwrite)
    data = _read_csv(args.input, "--input")
    if args.items:
        table = icc_table(data, args.items, by=args.by, targets=args.targets, raters=args.raters,
                          form=args.form or "ICC(1,k)", confidence=args.confidence)
    else:
        if not args.ratings:
            raise UserError("give --items (a table per item) or --ratings (one rating column)")
        table = icc(data, targets=args.targets, raters=args.raters, ratings=args.ratings,
                    confidence=args.confidence, forms=args.form or None)
    _write_csv(table, out)
    _say(f"wrote {len(table)} rows to {out}")
    return 0


def _cfa(args) -> int:
    from .factor import cfa

    out = _check_out_folder(args.out, args.overwrite)
    data = _read_csv(args.input, "--input")
    res = cfa(data, args.model, backend=args.backend, std_lv=args.std_lv,
              nan_policy="omit" if args.omit_missing else "raise")
    scores = res.factor_scores(data, method=args.scores)
    tables = {"loadings": res.loadings, "variances": res.variances, "fit": res.fit, "scores": scores}
    if getattr(res, "covariances", None) is not None and not res.covariances.empty:
        tables["covariances"] = res.covariances
    with atomic_folder(out, overwrite=args.overwrite) as tmp:
        for name, table in tables.items():
            table.to_csv(tmp / f"{name}.csv", index=False)
    for w in res.warnings:
        _say(f"warning: {w}")
    _say(f"wrote {', '.join(tables)} to {out}")
    return 0


def _bootstrap(args) -> int:
    from .bootstrap import cluster_bootstrap

    out = _check_out_file(args.out, args.overwrite)
    data = _read_csv(args.input, "--input")
    res = cluster_bootstrap(data, args.truth, args.predictions, cluster=args.cluster, metrics=args.metrics,
                            n_boot=args.n_boot, confidence=args.confidence, seed=args.seed, ci=args.ci,
                            reference=args.reference, nan_policy=args.nan_policy)
    _write_csv(res.table, out)
    _say(f"wrote {len(res.table)} rows to {out}")
    return 0


def _measure_input(path, what, openface, drop, confidence=0.75):
    """A measure's input table: an OpenFace file (read and validated) or a plain CSV."""
    if openface:
        from .openface import read_openface

        return read_openface(str(_existing_file(path, what)), confidence=confidence)
    data = _read_csv(path, what)
    if drop:
        missing = [c for c in drop if c not in data.columns]
        if missing:
            raise UserError(f"--drop: no column(s) {missing} in {path!r}")
        data = data.drop(columns=drop)
    return data


def _asymmetry(args) -> int:
    from .face_geometry import asymmetry

    out = _check_out_file(args.out, args.overwrite)
    data = _measure_input(args.input, "--input", args.openface, args.drop, args.confidence)
    table = asymmetry(data, normalize=not args.no_normalize, dimension=args.dimension, backend=args.backend,
                      tidy=True)
    _write_csv(table, out)
    _say(f"wrote {len(table)} rows to {out}")
    return 0


def _reference(values):
    if not values or values == ["mean"]:
        return "mean"
    try:
        return [int(v) for v in values]
    except ValueError:
        raise UserError(f"--reference must be 'mean' or frame indices (e.g. 0 10 20), got {values}") from None


def _motion(args) -> int:
    from .motion import motion_kinematics, motion_smoothness, relative_motion

    out = _check_out_file(args.out, args.overwrite)
    data = _measure_input(args.input, "--input", args.openface, args.drop, args.confidence)
    kw = {"type": args.type, "dimension": args.dimension, "angular": args.angular, "tidy": True,
          "nan_policy": args.nan_policy}
    table = motion_kinematics(data, fps=args.fps, **kw)
    smooth = motion_smoothness(data, fps=args.fps, **kw)
    table.insert(5, "jerk", smooth["jerk"].to_numpy())
    table.insert(6, "log_dimensionless_jerk", smooth["log_dimensionless_jerk"].to_numpy())
    rel = relative_motion(data, reference=_reference(args.reference), **kw)
    for k, col in enumerate(["min", "mean", "std", "max"]):
        table.insert(7 + k, f"distance_{col}", rel[col].to_numpy())
    table.insert(11, "n_reference", rel["n_reference"].to_numpy())
    _write_csv(table, out)
    _say(f"wrote {len(table)} rows to {out}")
    return 0


def _coordination(args) -> int:
    from .coordination import coordination, imitation

    out = _check_out_file(args.out, args.overwrite)
    test_out = None
    if args.surrogates:
        second = str(out.with_name(out.stem + "_surrogates.csv"))
        check_output_location(second, args, flag="--out (its _surrogates.csv)")
        test_out = _check_out_file(second, args.overwrite)
    x = _measure_input(args.x, "--x", args.openface, args.drop, args.confidence)
    y = _measure_input(args.y, "--y", args.openface, args.drop, args.confidence)
    kw = {"width": args.width, "lag": args.lag, "step": args.step, "fps": args.fps,
          "polarity": not args.no_polarity, "angular": not args.translation, "type": args.type,
          "dimension": args.dimension}
    if args.imitation:
        table = imitation(x, y, stats=not args.windows, causality=not args.both_ways, tidy=True, **kw)
    else:
        table = coordination(x, y, stats=not args.windows, tidy=True, **kw)
    if test_out is not None:
        from .surrogates import coordination_test

        res = coordination_test(x, y, method=args.method, n_surrogates=args.surrogates, segment=args.segment,
                                measure="imitation" if args.imitation else "coordination",
                                causality=not args.both_ways, seed=args.seed, n_jobs=args.n_jobs,
                                progress=False, **kw)
        both = pd.concat([res.overall.drop(columns=["measure", "method"]).assign(x_signal="all", y_signal="all"),
                          res.table], ignore_index=True)
        _write_csv(both[list(res.table.columns)], test_out)
        _say(f"wrote the surrogate test ({args.surrogates} surrogates) to {test_out}")
    _write_csv(table, out)
    _say(f"wrote {len(table)} rows to {out}")
    return 0


# ------------------------------------------------------------------ the parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bitbox-stats",
        description="Statistics for facial-expressiveness research: expressivity, OpenFace clip features, "
                    "rater reliability, CFA labels, ElasticNet models and cluster-bootstrap comparisons.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def overwrite(p):
        p.add_argument("--overwrite", action="store_true",
                       help="replace an output bitbox-stats wrote earlier (never anything else)")

    def labels(p):
        p.add_argument("--scores", choices=["bartlett", "regression"], default="bartlett",
                       help="factor scores used as the expressiveness labels (default bartlett)")
        p.add_argument("--heywood", choices=["bound", "regression", "raise"], default="bound",
                       help="an improper CFA fit (Heywood case): bound the residual variance at 1%% of the "
                            "item's variance and refit (default), use regression scores for that fit, "
                            "or stop")

    p = sub.add_parser("demo", help="simulate the 140-subject study, run it, write the report",
                       description="Simulate a BP4D+-like study, run the whole pipeline on it, print "
                                   "Tables 1-4 and write CSVs, PNGs and an HTML report.")
    p.add_argument("--out", default="bitbox-demo", help="output folder (default: bitbox-demo)")
    p.add_argument("--subjects", type=int, default=140, help="simulated subjects (default 140)")
    p.add_argument("--seed", type=int, default=2020, help="random seed (default 2020)")
    p.add_argument("--n-boot", type=int, default=2000, help="bootstrap replicates (default 2000)")
    p.add_argument("--n-jobs", type=int, default=2, help="processes for the clip features (default 2)")
    p.add_argument("--write-files", action="store_true",
                   help="also write the study as OpenFace CSV files (next to --out) and read them back")
    labels(p)
    overwrite(p)
    p.set_defaults(func=_demo)

    p = sub.add_parser("study", help="run the whole study on OpenFace files and a ratings CSV",
                       description="Run the pipeline on real files: a study folder (manifest.csv and "
                                   "ratings.csv), or --manifest (path, subject, task) with --ratings "
                                   "(subject, task, clip, rater, response, emotion, motion).")
    p.add_argument("--folder", help="study folder with manifest.csv and ratings.csv")
    p.add_argument("--manifest", help="manifest CSV: path, subject, task")
    p.add_argument("--ratings", help="ratings CSV")
    p.add_argument("--out", required=True, help="output folder (new or empty)")
    p.add_argument("--fps", type=float, default=25, help="frame rate of the videos (default 25)")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--n-boot", type=int, default=2000)
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--backend", choices=["semopy", "lavaan"], default="semopy", help="CFA backend")
    p.add_argument("--keep-going", action="store_true", help="skip unreadable files (listed in failures.csv)")
    labels(p)
    overwrite(p)
    p.set_defaults(func=_study)

    p = sub.add_parser("expressivity", help="expressivity statistics of signals in a CSV (frames x signals)")
    p.add_argument("--input", required=True, help="CSV: one column per signal, one row per frame")
    p.add_argument("--out", required=True, help="output CSV (tidy: one row per signal and scale)")
    p.add_argument("--scales", help="number of scales (e.g. 6) or durations in seconds (e.g. 0.5,1,2); "
                                    "default: the signal itself")
    p.add_argument("--fps", type=float, default=None, help="frame rate (default: the file's, with --format; "
                                                            "else 30)")
    p.add_argument("--aggregate", action="store_true", help="merge the scales into one row")
    p.add_argument("--no-robust", action="store_true", help="keep outlying peak values")
    p.add_argument("--drop", nargs="*", default=[], help="columns that are not signals (e.g. frame)")
    p.add_argument("--nan-policy", choices=["raise", "interpolate"], default="raise")
    p.add_argument("--format", choices=["auto", "openface", "facereader", "facet", "pyfeat", "arkit"],
                   help="read --input as a face tracker's export (read_frames); 'auto' recognises it")
    p.add_argument("--signals", nargs="+", help="with --format: the columns to use, names or patterns "
                                                "such as 'AU*_r'")
    overwrite(p)
    p.set_defaults(func=_expressivity)

    p = sub.add_parser("features", help="clip features from a folder or manifest of OpenFace CSV files")
    p.add_argument("--folder", help="folder of <subject>_<task>.csv files")
    p.add_argument("--pattern", help="regular expression with (?P<subject>...) and (?P<task>...) groups")
    p.add_argument("--manifest", help="manifest CSV: path, subject, task")
    p.add_argument("--out", required=True, help="output CSV (one row per clip)")
    p.add_argument("--fps", type=float, default=25)
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--keep-going", action="store_true", help="skip unreadable files (listed beside --out)")
    overwrite(p)
    p.set_defaults(func=_features)

    p = sub.add_parser("icc", help="intraclass correlations of ratings in a long CSV")
    p.add_argument("--input", required=True, help="long ratings CSV")
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--items", nargs="+", help="item columns: Table 1 per --by group and item")
    p.add_argument("--ratings", help="one rating column (instead of --items)")
    p.add_argument("--targets", nargs="+", default=["clip"], help="column(s) naming what is rated")
    p.add_argument("--raters", help="rater column (needed for two-way forms)")
    p.add_argument("--by", default="task", help="group column for --items (default task)")
    p.add_argument("--form", nargs="+", help="ICC form(s), e.g. 'ICC(1,k)'")
    p.add_argument("--confidence", type=float, default=0.95)
    overwrite(p)
    p.set_defaults(func=_icc)

    p = sub.add_parser("cfa", help="confirmatory factor analysis (lavaan syntax) with factor scores")
    p.add_argument("--input", required=True, help="CSV with the indicator columns")
    p.add_argument("--model", required=True, help="lavaan model, e.g. 'f =~ q1 + q2 + q3'")
    p.add_argument("--out", required=True, help="output folder (loadings, variances, fit, scores)")
    p.add_argument("--backend", choices=["semopy", "lavaan"], default="semopy")
    p.add_argument("--std-lv", action="store_true", help="latent variances fixed to 1")
    p.add_argument("--scores", choices=["bartlett", "regression"], default="bartlett")
    p.add_argument("--omit-missing", action="store_true", help="drop rows with missing indicators (counted)")
    overwrite(p)
    p.set_defaults(func=_cfa)

    p = sub.add_parser("bootstrap", help="cluster bootstrap of model metrics and their differences")
    p.add_argument("--input", required=True, help="CSV: truth, one column per model, cluster column")
    p.add_argument("--truth", required=True, help="truth column")
    p.add_argument("--predictions", nargs="+", required=True, help="model columns, in order")
    p.add_argument("--cluster", default="subject", help="cluster column (default subject)")
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--metrics", nargs="+", default=["nrmse", "pearson_r"])
    p.add_argument("--n-boot", type=int, default=2000)
    p.add_argument("--confidence", type=float, default=0.95)
    p.add_argument("--ci", choices=["percentile", "bca", "boot_perc"], default="percentile")
    p.add_argument("--reference", help="only differences 'reference - other'")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--nan-policy", choices=["raise", "omit"], default="raise")
    overwrite(p)
    p.set_defaults(func=_bootstrap)

    def measure_input(p, what="--input"):
        p.add_argument("--openface", action="store_true",
                       help="the input is an OpenFace CSV (invalid frames become missing)")
        p.add_argument("--confidence", type=float, default=0.75,
                       help="with --openface: frames below this confidence are missing (default 0.75)")
        p.add_argument("--drop", nargs="*", default=[], help="columns that are not data (e.g. frame)")
        p.add_argument("--dimension", type=int, choices=[2, 3], help="landmarks' dimension (2 or 3)")

    p = sub.add_parser("asymmetry", help="facial asymmetry per frame from ibug51 (or OpenFace) landmarks",
                       description="Mirror-error asymmetry of eyes, brows, nose and mouth per frame "
                                   "(Bitbox's asymmetry); tidy output: frame, region, asymmetry.")
    p.add_argument("--input", required=True, help="CSV of landmarks (x0, y0, x1, ...) or an OpenFace CSV")
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--backend", help="source of 3-D landmarks for normalisation: 3DI or 3DIl")
    p.add_argument("--no-normalize", action="store_true", help="the raw mirror error, without Bitbox's constants")
    measure_input(p)
    overwrite(p)
    p.set_defaults(func=_asymmetry)

    p = sub.add_parser("motion", help="kinematics, smoothness and relative motion of landmarks, head or face box",
                       description="Bitbox's motion_kinematics, motion_smoothness and relative_motion, one row "
                                   "per point (landmark, head or face box).")
    p.add_argument("--input", required=True, help="CSV of coordinates, or an OpenFace CSV with --openface")
    p.add_argument("--type", required=True, choices=["landmark", "landmark-can", "pose", "rectangle"])
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--fps", type=float, default=30)
    p.add_argument("--angular", action="store_true", help="head pose: rotation instead of translation")
    p.add_argument("--reference", nargs="*", default=["mean"],
                   help="reference for the distances: mean (default) or frame indices")
    p.add_argument("--nan-policy", choices=["propagate", "raise", "interpolate"], default="propagate")
    measure_input(p)
    overwrite(p)
    p.set_defaults(func=_motion)

    p = sub.add_parser("coordination", help="windowed lagged correlation of two people's signals",
                       description="Bitbox's coordination (both windows shifted) or imitation (--imitation: "
                                   "only Y's), per signal pair; optionally a surrogate test.")
    p.add_argument("--x", required=True, help="CSV of X's signals (one column per signal)")
    p.add_argument("--y", required=True, help="CSV of Y's signals")
    p.add_argument("--out", required=True, help="output CSV (one row per pair, or per window with --windows)")
    p.add_argument("--type", choices=["expression", "landmark", "landmark-can", "pose"],
                   help="what the files hold (default expression; with --openface: AU intensities)")
    p.add_argument("--width", type=float, default=0.5, help="window width in seconds (default 0.5)")
    p.add_argument("--lag", type=float, help="largest lag in seconds (default width / 4)")
    p.add_argument("--step", type=float, help="step between windows in seconds (default width / 2)")
    p.add_argument("--fps", type=float, default=30)
    p.add_argument("--imitation", action="store_true", help="shift only Y's window (imitation)")
    p.add_argument("--both-ways", action="store_true", help="with --imitation: Y's window also forward in time")
    p.add_argument("--no-polarity", action="store_true", help="largest correlation instead of largest absolute correlation")
    p.add_argument("--translation", action="store_true", help="head pose: translation instead of rotation")
    p.add_argument("--windows", action="store_true", help="every window's value instead of the statistics")
    p.add_argument("--surrogates", type=int, default=0,
                   help="also test against this many surrogates (written to <out>_surrogates.csv)")
    p.add_argument("--method", choices=["segments", "shift"], default="segments", help="surrogate method")
    p.add_argument("--segment", type=float, help="segment length in seconds for --method segments")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--n-jobs", type=int, default=1)
    measure_input(p)
    overwrite(p)
    p.set_defaults(func=_coordination)
    return parser


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: unwind so that no half-written output is left."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _on_signal(signum, frame):  # noqa: ARG001 - the signal module's handler signature
    for sig in (signal.SIGINT, signal.SIGTERM):  # a second signal must not cut the clean-up short
        signal.signal(sig, signal.SIG_IGN)
    interrupt(Interrupted(signum))


@contextmanager
def _clean_up_on_signals():
    """While a command runs, SIGINT and SIGTERM unwind it (temporary files removed)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv=None) -> int:
    """Run the command line; return the exit code (0 success, 2 a user error, 128+n a signal)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _clean_up_on_signals():
            if getattr(args, "out", None) is not None:
                check_output_location(args.out, args)
            return args.func(args)
    except (UserError, ValueError, TypeError, FileNotFoundError, BitboxStatsError) as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"bitbox-stats {args.command}: error: {message}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        print(f"bitbox-stats {args.command}: interrupted ({stop}); no output was written or changed",
              file=sys.stderr)
        return 128 + stop.signum
    except KeyboardInterrupt:  # a SIGINT outside the handler's reach
        print(f"bitbox-stats {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
