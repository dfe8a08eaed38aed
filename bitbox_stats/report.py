"""A self-contained HTML report: tables, figures, settings and package versions in one file."""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd

from ._io import atomic_file

__all__ = ["ReportSection", "package_versions", "render_report", "write_report"]

_PACKAGES = ("bitbox-stats", "numpy", "scipy", "pandas", "scikit-learn", "semopy", "pingouin",
             "PyWavelets", "matplotlib")

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.7em; border-bottom: 2px solid #444; padding-bottom: .2em; }
h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th { background: #f2f2f2; }
td.text, th.text { text-align: left; }
figure { margin: 1em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: .9em; color: #555; }
p.note { color: #444; }
.meta td, .meta th { text-align: left; }
"""


@dataclass(frozen=True)
class ReportSection:
    """One section of the report: a heading, a paragraph, tables and figures.

    Attributes
    ----------
    title : str
        The section's heading.
    text : str
        Plain text, escaped in the HTML; a blank line starts a new paragraph.
    tables, figures : dict
        Caption to DataFrame, and caption to matplotlib Figure; they appear in
        the order given.
    """

    title: str
    text: str = ""
    tables: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)


def package_versions() -> pd.DataFrame:
    """Versions of Python and of the packages the results depend on.

    Returns
    -------
    pandas.DataFrame
        ``package`` (str) and ``version`` (str; ``"not installed"`` if absent).

    Examples
    --------
    >>> v = package_versions()
    >>> v.columns.tolist(), v["package"].iloc[0]
    (['package', 'version'], 'python')
    """
    rows = [("python", platform.python_version())]
    for name in _PACKAGES:
        try:
            rows.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            rows.append((name, "not installed"))
    return pd.DataFrame(rows, columns=["package", "version"])


def _figure_html(caption: str, fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = html.escape(caption)
    return (f'<figure><img alt="{cap}" src="data:image/png;base64,{data}">'
            f"<figcaption>{cap}</figcaption></figure>")


def _table_html(caption: str, table: pd.DataFrame, digits: int) -> str:
    frame = table.copy()
    classes = []
    for col in frame.columns:
        if pd.api.types.is_float_dtype(frame[col].dtype):
            frame[col] = frame[col].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
            classes.append("")
        elif pd.api.types.is_numeric_dtype(frame[col].dtype) and not pd.api.types.is_bool_dtype(frame[col]):
            classes.append("")
        else:
            classes.append("text")
    head = "".join(f'<th class="{c}">{html.escape(str(n))}</th>' for n, c in zip(frame.columns, classes,
                                                                                 strict=True))
    body = []
    for row in frame.itertuples(index=False):
        cells = "".join(f'<td class="{c}">{html.escape("" if pd.isna(v) else str(v))}</td>'
                        for v, c in zip(row, classes, strict=True))
        body.append(f"<tr>{cells}</tr>")
    return (f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def render_report(title: str, sections, *, settings=None, digits: int = 3) -> str:
    """Render sections, settings and package versions as one HTML page.

    Parameters
    ----------
    title : str
        Page title.
    sections : sequence of ReportSection
        The content, in order.
    settings : dict, optional
        Settings worth recording (seed, arguments); shown as a table.
    digits : int, default 3
        Decimals shown for floating-point table cells.

    Returns
    -------
    str
        A complete HTML document with every figure embedded as a PNG data URI,
        so the file can be attached to a lab notebook on its own.

    Examples
    --------
    >>> page = render_report("Demo", [ReportSection("Numbers", tables={"t": pd.DataFrame({"a": [1.5]})})])
    >>> page.startswith("<!DOCTYPE html>"), "<table>" in page
    (True, True)
    """
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{_CSS}</style></head><body>", f"<h1>{html.escape(title)}</h1>"]
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<p class='note'>Generated by bitbox-stats on {stamp}.</p>")
    for section in sections:
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        if section.text:
            for para in section.text.strip().split("\n\n"):
                parts.append(f"<p>{html.escape(para)}</p>")
        for caption, table in section.tables.items():
            parts.append(_table_html(caption, table, digits))
        for caption, fig in section.figures.items():
            parts.append(_figure_html(caption, fig))
        parts.append("</section>")
    meta = []
    if settings:
        rows = pd.DataFrame({"setting": list(settings), "value": [str(v) for v in settings.values()]})
        meta.append(_table_html("Settings", rows, digits))
    meta.append(_table_html("Package versions", package_versions(), digits))
    parts.append("<section class='meta'><h2>Settings and versions</h2>" + "".join(meta) + "</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(path, title: str, sections, *, settings=None, digits: int = 3) -> Path:
    """Write :func:`render_report`'s page to ``path`` (whole or not at all).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; written to a temporary file beside it first, then
        renamed into place.
    title, sections, settings, digits
        As in :func:`render_report`.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = write_report(os.path.join(tmp, "r.html"), "Demo", [ReportSection("Empty")])
    ...     p.name, p.stat().st_size > 500
    ('r.html', True)
    """
    path = Path(path)
    page = render_report(title, sections, settings=settings, digits=digits)
    with atomic_file(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
