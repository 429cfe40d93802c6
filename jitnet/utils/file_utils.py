"""File helpers shared by dataset downloads and model saving.

``atomic_write`` makes a file appear complete or not at all: readers never see
half a file, and a crash or an exception leaves the previous file in place.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from .._validate import one_of

_MODES = ("wb", "w", "wt")


def _current_umask() -> int:
    """The process umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # not thread-safe, hence only the fallback
    os.umask(mask)
    return mask


def _fsync_directory(directory: str) -> None:
    """Flush a directory entry to disk (a no-op where directories can't be opened)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", *, encoding: str | None = None) -> Iterator[IO]:
    """Write ``path`` atomically.

    Yields a file object open on a temporary file in the same folder as
    ``path``. When the ``with`` block ends normally the data is flushed and
    fsynced, the temporary file is renamed over ``path`` with ``os.replace``
    and the folder is fsynced. If the block raises, the temporary file is
    removed and ``path`` is left untouched (absent, or its old contents).

    Args:
        path: the file to create or replace.
        mode: ``'wb'`` (binary, the default) or ``'w'``/``'wt'`` (text).
        encoding: text encoding for text mode. Defaults to ``'utf-8'``.

    Example::

        with atomic_write("weights.bin") as f:
            f.write(data)
    """
    one_of("mode", mode, _MODES)
    if "b" in mode and encoding is not None:
        raise ValueError("encoding is only valid in text mode ('w').")
    path = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    text = "b" not in mode
    try:
        with os.fdopen(fd, mode, encoding=(encoding or "utf-8") if text else None) as f:
            # mkstemp creates 0600 files; give the result the usual permissions
            # (those of the file it replaces, else 0666 minus the umask).
            try:
                perms = os.stat(path).st_mode & 0o7777
            except OSError:
                perms = 0o666 & ~_current_umask()
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), perms)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)
