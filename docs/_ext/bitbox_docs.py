"""Sphinx extension of the bitbox-stats documentation.

- Writes the API reference pages (``docs/api/*.rst``) from ``docs/api_groups.py`` and stops the
  build with a clear message when a name of ``bitbox_stats.__all__`` is in no group.
- Copies the vignette notebooks that ``make vignettes`` executed (``build/vignettes/*.ipynb``)
  into ``docs/vignettes/``; they are rendered with their stored outputs, never run again.
- Chooses numpydoc's validation checks by the kind of object: functions must also have an
  Examples section; result classes and their methods are shown in use by the examples of the
  functions that return them.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import shutil
import sys
from pathlib import Path

from sphinx.errors import ConfigError

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent

# numpydoc validation (https://numpydoc.readthedocs.io/en/latest/validation.html)
#   GL08 no docstring        SS01 no summary            PR01 a parameter is not documented
#   PR02 an unknown parameter is documented             PR07 a parameter has no description
#   RT01 no Returns section  EX01 no Examples section
OBJECT_CHECKS = frozenset({"GL08", "SS01", "PR01", "PR02", "PR07", "RT01"})
FUNCTION_CHECKS = OBJECT_CHECKS | {"EX01"}


def _write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_api_pages(app, config) -> None:
    if not config.bitbox_write_pages:
        return
    sys.path.insert(0, str(DOCS))
    try:
        import api_groups
    finally:
        sys.path.remove(str(DOCS))
    import bitbox_stats

    problems = api_groups.grouping_problems(bitbox_stats.__all__)
    if problems:
        raise ConfigError("The API reference does not place every public name:\n  - "
                          + "\n  - ".join(problems))
    pages = api_groups.api_pages()
    for rel, text in pages.items():
        _write_if_changed(DOCS / rel, text + "\n")
    # everything under docs/api/ is generated: drop pages of groups or names that are gone
    for old in (DOCS / "api").glob("*.rst"):
        if f"api/{old.name}" not in pages:
            old.unlink()
    if (DOCS / "api" / "generated").exists():
        shutil.rmtree(DOCS / "api" / "generated")  # autosummary writes it again


def copy_vignettes(app, config) -> None:
    """Take the notebooks executed by ``make vignettes``; refuse missing, stale or unexecuted ones."""
    if not config.bitbox_write_pages:
        return
    built = Path(config.bitbox_vignettes_dir)
    target = DOCS / "vignettes"
    target.mkdir(exist_ok=True)
    problems = []
    sources = sorted((ROOT / "vignettes").glob("*.py"))
    for source in sources:
        notebook = built / f"{source.stem}.ipynb"
        if not notebook.exists():
            problems.append(f"{notebook} is missing")
            continue
        if notebook.stat().st_mtime < source.stat().st_mtime:
            problems.append(f"{notebook} is older than {source.relative_to(ROOT)}")
            continue
        cells = json.loads(notebook.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code" and c["source"]]
        if any(c.get("execution_count") is None for c in code):
            problems.append(f"{notebook} has cells that were never executed")
            continue
        dest = target / notebook.name
        if not dest.exists() or dest.read_bytes() != notebook.read_bytes():
            shutil.copyfile(notebook, dest)
    if problems:
        raise ConfigError("The vignettes are not ready for the docs (run `make vignettes`, which "
                          "`make docs` does first):\n  - " + "\n  - ".join(problems))
    names = {s.stem for s in sources}
    for old in target.glob("*.ipynb"):  # a vignette that was removed or renamed
        if old.stem not in names:
            old.unlink()


def choose_checks(app, what, name, obj, options, lines) -> None:
    # runs just before numpydoc's own autodoc-process-docstring handler (priority 500)
    app.config.numpydoc_validation_checks = set(FUNCTION_CHECKS if what == "function" else OBJECT_CHECKS)


def _object(path: str):
    """The object at a dotted path inside the package (``bitbox_stats.factor.cfa``), or None.

    Attributes win over submodules of the same name, as in Python: ``bitbox_stats.factor.cfa``
    is the function that ``bitbox_stats.factor`` exports, not the module ``factor/cfa.py``.
    """
    parts = path.split(".")
    if parts[0] != "bitbox_stats":
        return None
    obj = importlib.import_module("bitbox_stats")
    for i, attr in enumerate(parts[1:], start=2):
        if hasattr(obj, attr):
            obj = getattr(obj, attr)
            continue
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            return None
    return obj


def resolve_module_paths(app, env, node, contnode):
    """Resolve references to where a public object is defined to where it is documented.

    ``:func:`bitbox_stats.openface.read_openface``` links to ``bitbox_stats.read_openface``
    when both are the same object; ``:attr:`CFAResult.fit``` links to its class when ``fit``
    is a field of it; ``:mod:`bitbox_stats.metrics``` (no module pages) stays plain text when
    the module exists. Anything else stays unresolved, and the build fails on it.
    """
    if node.get("refdomain") != "py":
        return None
    import bitbox_stats

    target, kind = node["reftarget"], node["reftype"]
    if kind == "mod":
        return contnode if inspect.ismodule(_object(target)) else None
    py = env.get_domain("py")
    prefix = node.get("py:module") or "bitbox_stats"
    for full in (target, f"bitbox_stats.{target}", f"{prefix}.{target}"):
        owner, _, attr = full.rpartition(".")
        if kind == "attr":  # a field documented in the Attributes section of a public class
            cls, public = _object(owner), owner.rpartition(".")[2]
            if (dataclasses.is_dataclass(cls) and isinstance(cls, type)
                    and public in bitbox_stats.__all__ and getattr(bitbox_stats, public) is cls
                    and attr in {f.name for f in dataclasses.fields(cls)}):
                return py.resolve_xref(env, node["refdoc"], app.builder, "class",
                                       f"bitbox_stats.{public}", node, contnode)
            continue
        obj = _object(full)
        if obj is not None and attr in bitbox_stats.__all__ and getattr(bitbox_stats, attr) is obj:
            return py.resolve_xref(env, node["refdoc"], app.builder, kind, f"bitbox_stats.{attr}",
                                   node, contnode)
    return None


def setup(app):
    app.add_config_value("bitbox_vignettes_dir", str(ROOT / "build" / "vignettes"), "env")
    # False: only the validation checks and the reference resolution (tests/test_docs.py)
    app.add_config_value("bitbox_write_pages", True, "env")
    app.connect("config-inited", write_api_pages)
    app.connect("config-inited", copy_vignettes)
    app.connect("autodoc-process-docstring", choose_checks, priority=400)
    app.connect("missing-reference", resolve_module_paths)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
