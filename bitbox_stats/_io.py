"""Writing outputs whole or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path


def check_output_folder(folder, *, overwrite: bool = False) -> Path:
    """Refuse a destination folder that exists and is not empty, unless ``overwrite``."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())) and not overwrite:
        raise ValueError(f"folder {str(folder)!r} exists and is not empty; pass overwrite=True "
                         "(or --overwrite) to replace it")
    return folder


@contextmanager
def atomic_file(path):
    """Yield a temporary path beside ``path`` that replaces it when the block succeeds.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_folder(folder, *, overwrite: bool = False):
    """Yield a temporary folder that replaces ``folder`` when the block succeeds.

    ``folder`` must not exist or be empty unless ``overwrite``. Everything is
    written next to the destination first; on success the temporary folder is
    renamed into place (an existing folder is moved aside and removed), on any
    error it is removed, so a reader never sees half-written results.
    """
    folder = check_output_folder(folder, overwrite=overwrite)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        yield tmp
        if folder.exists():
            old = folder.with_name(f".{folder.name}-old-{os.getpid()}")
            if old.exists():
                shutil.rmtree(old)
            folder.rename(old)
            tmp.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
