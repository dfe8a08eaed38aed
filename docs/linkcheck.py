"""Check every internal link and image of a built HTML site (run by `make docs`).

For each ``.html`` file under the site folder, every ``href`` and ``src`` (links, images,
scripts, style sheets, frames, sources) and every ``srcset`` entry that points inside the
site must name an existing file (a folder means its ``index.html``), and a ``#fragment``
must name an ``id`` (or an ``<a name=...>``) of the target page. Links with a scheme
(``https:``, ``mailto:``, ``data:``, ...) or starting with ``//`` are external and not
checked; a link that leaves the site folder is broken. HTML files under ``_static/`` are
assets (Sphinx themes copy Jinja templates there), not pages, and are not read as pages.
Exit code 1, with one line per broken link, when anything is broken.

Usage: python docs/linkcheck.py build/docs
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = {"href", "src", "poster", "data"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, str, str]] = []  # (line, tag, url)
        self.anchors: set[str] = set()
        self._base: str | None = None

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.anchors.add(value)
            elif tag == "base" and name == "href":
                self._base = value
            elif name in LINK_ATTRIBUTES and not (tag == "meta" or (tag == "link" and _is_hint(attrs))):
                self.links.append((line, tag, value.strip()))
            elif name == "srcset":
                for part in value.split(","):
                    if part.strip():
                        self.links.append((line, tag, part.strip().split()[0]))

    handle_startendtag = handle_starttag


def _is_hint(attrs) -> bool:
    """``<link rel="preconnect|dns-prefetch|canonical|alternate">``: not a resource of the page."""
    rel = dict(attrs).get("rel") or ""
    return any(r in rel.split() for r in ("preconnect", "dns-prefetch", "canonical", "alternate"))


def _external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme) or url.startswith("//")


def site_pages(site: Path) -> list[Path]:
    """The HTML pages of the site (not the assets under ``_static/``)."""
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)


def check_site(site: Path) -> list[str]:
    """Broken internal links of every HTML page under ``site``, as messages."""
    site = site.resolve()
    if not (site / "index.html").is_file():
        return [f"{site}: no index.html (was the site built?)"]
    pages: dict[Path, _Page] = {}

    def parsed(path: Path) -> _Page:
        if path not in pages:
            page = _Page()
            page.feed(path.read_text(encoding="utf-8", errors="replace"))
            page.close()
            pages[path] = page
        return pages[path]

    problems = []
    for path in site_pages(site):
        page = parsed(path)
        for line, tag, url in page.links:
            if not url or _external(url) or url.startswith("javascript:"):
                continue
            parts = urlsplit(url)
            where = f"{path.relative_to(site)}:{line}"
            if parts.path:
                target = (path.parent / unquote(parts.path)).resolve()
            else:
                target = path
            if site not in target.parents and target != site:
                problems.append(f"{where}: <{tag}> {url!r} leaves the site")
                continue
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{where}: <{tag}> {url!r}: {target.relative_to(site)} does not exist")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in parsed(target).anchors:
                problems.append(f"{where}: <{tag}> {url!r}: no id {fragment!r} in {target.relative_to(site)}")
    return problems


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    site = Path(argv[0])
    problems = check_site(site)
    n_pages = len(site_pages(site.resolve()))
    for p in problems:
        print(f"broken: {p}", file=sys.stderr)
    if problems:
        print(f"ERROR: {len(problems)} broken internal link(s) or image(s) in {site}", file=sys.stderr)
        return 1
    print(f"Checked the internal links and images of {n_pages} pages in {site}: none broken")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
