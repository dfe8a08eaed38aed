"""Writing outputs whole or not at all, and never touching what the package did not write.

Every output folder the package writes carries a small marker file,
:data:`MARKER`, listing the files it wrote (with their sizes and modification
times). ``overwrite=True`` replaces an existing folder only when it is empty,
or when it holds that marker and nothing but the files listed in it,
unchanged: a folder holding anything else is refused, with a list of what is in
the way. Nothing is ever deleted that the package did not write.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

MARKER = ".bitbox-stats-output.json"
"""Name of the file that marks a folder as written by bitbox-stats."""

_SHOW = 8  # how many entries an error lists


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _relative_files(folder: Path) -> list[str]:
    """Every entry below ``folder`` that is not a folder (files, links), as POSIX relative paths."""
    out = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        base = Path(root)
        # links to folders are entries of their own, not folders to walk into
        out.extend((base / d).relative_to(folder).as_posix() for d in dirs if (base / d).is_symlink())
        out.extend((base / f).relative_to(folder).as_posix() for f in files)
    return sorted(out)


def _listing(names) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:_SHOW])
    return shown + (f" and {len(names) - _SHOW} more" if len(names) > _SHOW else "")


def _read_marker(folder: Path) -> dict | None:
    path = folder / MARKER
    if not path.is_file() or path.is_symlink():
        return None
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("written_by") != "bitbox-stats":
        return None
    files = content.get("files")
    return files if isinstance(files, dict) else None


def _write_marker(folder: Path) -> None:
    from . import __version__

    files = {}
    for rel in _relative_files(folder):
        st = (folder / rel).lstat()
        files[rel] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    content = {"written_by": "bitbox-stats", "version": __version__, "files": files}
    (folder / MARKER).write_text(json.dumps(content, indent=1, sort_keys=True), encoding="utf-8")


def _foreign_entries(folder: Path) -> list[str] | None:
    """What in ``folder`` bitbox-stats did not write (None: the folder has no marker)."""
    ours = _read_marker(folder)
    if ours is None:
        return None
    foreign = []
    for rel in _relative_files(folder):
        if rel == MARKER:
            continue
        meta = ours.get(rel)
        st = (folder / rel).lstat()
        if not isinstance(meta, dict):
            foreign.append(rel)
        elif meta.get("size") != st.st_size or meta.get("mtime_ns") != st.st_mtime_ns:
            foreign.append(f"{rel} (changed since)")
    return foreign


def check_output_folder(folder, *, overwrite: bool = False) -> Path:
    """Check that ``folder`` may receive a new output folder; return it as a Path.

    A folder that does not exist, or an empty one, is fine. An existing,
    non-empty folder is refused unless ``overwrite`` and it was written by
    bitbox-stats (it holds :data:`MARKER`) and holds nothing else: files the
    user added or changed are listed in the error.
    """
    folder = Path(folder)
    if folder.name in ("", ".", ".."):
        raise ValueError(f"folder {str(folder)!r} does not name a new folder; give a folder name such as "
                         "'results'")
    if folder.is_symlink():
        raise ValueError(f"folder {str(folder)!r} is a symbolic link; give the folder itself")
    if not folder.exists():
        for parent in folder.parents:
            if parent.exists() and not parent.is_dir():
                raise ValueError(f"folder {str(folder)!r} cannot be created: {str(parent)!r} is a file")
        return folder
    if not folder.is_dir():
        raise ValueError(f"folder {str(folder)!r} exists and is a file, not a folder; give another name")
    entries = sorted(p.name for p in folder.iterdir())
    if not entries:
        return folder
    if not overwrite:
        raise ValueError(f"folder {str(folder)!r} exists and is not empty; pass overwrite=True "
                         "(or --overwrite) to replace a folder bitbox-stats wrote, or give a new folder")
    foreign = _foreign_entries(folder)
    if foreign is None:
        raise ValueError(
            f"folder {str(folder)!r} was not written by bitbox-stats (it has no {MARKER}), so it is not "
            f"replaced; it holds {_listing(entries)}. Give a new or empty folder"
        )
    if foreign:
        raise ValueError(
            f"folder {str(folder)!r} holds files bitbox-stats did not write or that changed since: "
            f"{_listing(foreign)}; move them away or give another folder (nothing was replaced)"
        )
    return folder


def _remove_our_files(folder: Path) -> None:
    """Delete what bitbox-stats wrote in ``folder`` (listed in its marker), then the empty folders."""
    ours = _read_marker(folder) or {}
    for rel in ours:
        path = folder / rel
        if path.is_file() or path.is_symlink():
            path.unlink()
    (folder / MARKER).unlink(missing_ok=True)
    for root, _dirs, _files in sorted(os.walk(folder), key=lambda t: -len(Path(t[0]).parts)):
        try:
            Path(root).rmdir()
        except OSError:  # something appeared that we did not write: leave it (and its folders)
            pass


_CRITICAL = {"depth": 0, "pending": None}


@contextmanager
def critical_section():
    """Hold back an interruption (see :func:`interrupt`) until the block is done.

    Used where stopping half-way would leave the file system in a state that is
    neither the old nor the new one (moving folders into place, cleaning up).
    """
    _CRITICAL["depth"] += 1
    try:
        yield
    finally:
        _CRITICAL["depth"] -= 1
    pending = _CRITICAL["pending"]
    if _CRITICAL["depth"] == 0 and pending is not None:
        _CRITICAL["pending"] = None
        raise pending


def interrupt(exc: BaseException) -> None:
    """Raise ``exc`` now, or at the end of the current :func:`critical_section`.

    The command line's signal handlers call this for SIGINT and SIGTERM, so the
    clean-up code of :func:`atomic_file` and :func:`atomic_folder` runs.
    """
    if _CRITICAL["depth"] > 0:
        _CRITICAL["pending"] = exc
        return
    raise exc


@contextmanager
def atomic_file(path):
    """Yield a temporary path beside ``path`` that replaces it when the block succeeds.

    On any error or interruption the temporary file is removed and ``path``
    is left as it was.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        yield tmp
        with critical_section():
            os.replace(tmp, target)
    except BaseException:
        with critical_section():
            tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_folder(folder, *, overwrite: bool = False):
    """Yield a temporary folder that becomes ``folder`` when the block succeeds.

    ``folder`` must not exist or be empty, or (with ``overwrite``) be a folder
    bitbox-stats wrote and holding nothing else (:func:`check_output_folder`).
    Everything is written next to the destination first; on success the
    marker file is added and the temporary folder is renamed into place (the
    files of a replaced output are then deleted, and nothing else); on any
    error or interruption the temporary folder is removed, so a reader never
    sees half-written results.
    """
    folder = check_output_folder(folder, overwrite=overwrite)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", suffix=".part", dir=folder.parent))
    try:
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; an output folder gets the usual rights
        yield tmp
        _write_marker(tmp)
        with critical_section():
            if folder.exists():
                check_output_folder(folder, overwrite=overwrite)  # again: it may have changed meanwhile
                old = folder.with_name(f".{folder.name}-old-{uuid.uuid4().hex[:12]}")
                folder.rename(old)
                try:
                    tmp.rename(folder)
                except BaseException:
                    old.rename(folder)
                    raise
                _remove_our_files(old)
            else:
                tmp.rename(folder)
    except BaseException:
        with critical_section():
            shutil.rmtree(tmp, ignore_errors=True)  # the temporary folder this function made
        raise
