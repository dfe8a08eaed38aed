"""Build the R package's pkgdown site into build/docs/r/ (called by `make docs`).

pkgdown renders the hand-written manual pages of ``r/man`` (running their examples with the
installed package) and the R vignette. The vignette is not run again: ``make vignettes``
knits ``vignettes/bitboxstats-from-r.Rmd`` once and keeps its Markdown
(``build/vignettes/bitboxstats-from-r.md``: code and output); that Markdown becomes the
article. pkgdown works on a copy of ``r/`` (with the article added), so ``r/`` itself never
gets a ``vignettes/`` folder that ``R CMD check`` would have to build.

Usage: python docs/build_pkgdown.py [--vignettes build/vignettes] [--out build/docs/r]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

R_CODE = r"""
args <- commandArgs(trailingOnly = TRUE)
options(pkgdown.internet = FALSE, warn = 1)
pkgdown::build_site(args[[1]], override = list(destination = args[[2]]), examples = TRUE,
                    devel = FALSE, new_process = FALSE, install = FALSE, preview = FALSE)
"""


def fail(message: str) -> None:
    print(f"ERROR: {message}", file=sys.stderr)
    raise SystemExit(1)


def vignette_article(source: Path, knitted: Path, folder: Path) -> None:
    """Write ``folder/<name>.Rmd``: the knitted Markdown under a vignette header, no chunks."""
    if not knitted.exists():
        fail(f"{knitted} is missing: run `make vignettes` (which `make docs` does first)")
    if knitted.stat().st_mtime < source.stat().st_mtime:
        fail(f"{knitted} is older than {source.relative_to(ROOT)}: run `make vignettes`")
    header = re.match(r"---\n(.*?)\n---\n", source.read_text(), re.S)
    title = re.search(r'^title:\s*"?(.*?)"?\s*$', header.group(1), re.M) if header else None
    if title is None:
        fail(f"{source} has no title in its YAML header")
    body = knitted.read_text()
    if body.startswith("---\n"):
        body = body[body.index("\n---\n", 3) + 5:]
    if "```{r" in body:
        fail(f"{knitted} still has R chunks; it should be knitr's output")
    # figures: knitr writes absolute paths; copy each next to the article
    for path in sorted(set(re.findall(r"\]\((/[^)\s]+\.(?:png|jpg|jpeg|svg|pdf))\)", body))):
        image = Path(path)
        if not image.exists():
            fail(f"{knitted} shows {image}, which does not exist")
        target = folder / "figures" / image.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image, target)
        body = body.replace(f"]({path})", f"](figures/{image.name})")
    name = source.stem
    (folder / f"{name}.Rmd").write_text(
        "---\n"
        f'title: "{title.group(1)}"\n'
        "output: rmarkdown::html_vignette\n"
        "vignette: >\n"
        f"  %\\VignetteIndexEntry{{{title.group(1)}}}\n"
        "  %\\VignetteEngine{knitr::rmarkdown}\n"
        "---\n\n"
        f"<!-- Knitted by `make vignettes` from vignettes/{source.name}; not run again here. -->\n"
        + body
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vignettes", type=Path, default=ROOT / "build" / "vignettes")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "docs" / "r")
    parser.add_argument("--stage", type=Path, default=ROOT / "build" / "docs-r-src")
    args = parser.parse_args(argv)

    stage = args.stage.resolve() / "bitboxstats"
    if args.stage.exists():
        shutil.rmtree(args.stage)
    shutil.copytree(ROOT / "r", stage, ignore=shutil.ignore_patterns("*.Rcheck", "tests"))
    (stage / "vignettes").mkdir()
    for source in sorted((ROOT / "vignettes").glob("*.Rmd")):
        vignette_article(source, args.vignettes / f"{source.stem}.md", stage / "vignettes")

    out = args.out.resolve()
    if out.exists():
        if any(out.iterdir()) and not (out / "pkgdown.yml").exists():
            fail(f"{out} exists and is not a pkgdown site; not replacing it")
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(["Rscript", "-e", R_CODE, str(stage), str(out)],
                         capture_output=True, text=True, env=os.environ.copy())
    log = run.stdout + run.stderr
    (args.stage / "pkgdown.log").write_text(log)
    problems = [line for line in log.splitlines() if re.match(r"\s*(Warning|Error)", line)]
    if run.returncode != 0 or problems:
        print(log, file=sys.stderr)
        fail(f"pkgdown failed (exit {run.returncode}); log in {args.stage / 'pkgdown.log'}")
    for page in ("index.html", "reference/index.html", "articles/bitboxstats-from-r.html"):
        if not (out / page).exists():
            fail(f"pkgdown did not write {out / page}")
    print(f"R package site: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
