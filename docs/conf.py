"""Sphinx configuration of the bitbox-stats documentation (built by `make docs`)."""

import sys
from pathlib import Path

import bitbox_stats

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "bitbox-stats"
author = "bitbox-stats developers"
copyright = "bitbox-stats developers"
release = bitbox_stats.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "sphinxarg.ext",
    "bitbox_docs",  # docs/_ext: API pages from api_groups.py, vignettes, validation checks
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]

# Every cross-reference must resolve: an unknown bitbox_stats name fails the build
# (sphinx-build -W). Names of other libraries are not linked (no network for intersphinx).
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(pandas|pd|numpy|np|scipy|sklearn|matplotlib|semopy|dask|distributed|rpy2|pathlib|os|"
               r"concurrent|collections|typing)(\..*)?"),
    (r"py:class", r"(int|float|str|bool|dict|list|tuple|callable|object|None|bytes|Path|DataFrame|Series|"
                  r"Generator|Figure|ndarray|array-like|array_like|sequence|iterable|optional)"),
]

# API reference: docs/api/*.rst are written from docs/api_groups.py (see docs/_ext/bitbox_docs.py)
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True
# numpydoc validation of every documented docstring; the set of checks is chosen per object
# by docs/_ext/bitbox_docs.py (functions: also EX01). A class whose fields are documented in an
# Attributes section (the frozen result dataclasses) is not asked for a Parameters section.
numpydoc_validation_checks = {"GL08", "SS01", "PR01", "PR02", "PR07", "RT01", "EX01"}
numpydoc_validation_overrides = {"PR01": [r"\nAttributes\n-{10}"]}

# Vignettes: the notebooks executed by `make vignettes`, rendered with their outputs.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = f"bitbox-stats {release}"
html_static_path = ["_static"]
html_css_files = ["bitbox.css"]
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}
