"""Where dataset files are looked for, and how missing ones are downloaded.

Cache folders, searched in order:

1. ``$JITNET_HOME/datasets`` (``JITNET_HOME`` defaults to ``~/.jitnet``);
2. an existing Keras cache: ``$KERAS_HOME/datasets`` (``KERAS_HOME``
   defaults to ``~/.keras``).

Files use Keras's names, so a Keras cache is reused as is. Missing files are
downloaded from Keras's public URLs (base overridable with the environment
variable ``JITNET_DATASETS_URL``, which serves every file, or the module
attribute ``BASE_URL``, which serves files without an origin of their own)
into the first folder, checked against their known sha256 (or md5, where
Keras pins only that), and moved into place atomically: the cache never
holds a partial file. Archives (CIFAR) are extracted by ``extract_tar``,
which accepts only regular files inside one folder and makes that folder
appear at once.

Files already in a cache are not re-hashed: copies rebuilt from the original
sources (or written by tests) have other bytes than Keras's archives. Each
loader checks their structure instead (IDX headers and sizes, the npz
members, element types) and names the file when something is wrong.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..utils.file_utils import _fsync_directory, atomic_write

BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
URL_ENV = "JITNET_DATASETS_URL"
TIMEOUT = 30.0  # seconds without data before a download is given up
_CHUNK = 1 << 16


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is in no cache folder and could not be downloaded."""


class ChecksumError(ValueError):
    """A downloaded file does not have the expected sha256 (it was deleted)."""


class CorruptDatasetError(ValueError):
    """A cached dataset file is truncated, corrupt or not in the expected format."""


@dataclass(frozen=True)
class Remote:
    """A file that can be downloaded: ``relpath`` under the cache folder, ``url_name`` under the base URL.

    ``origin`` is the file's own base URL when it is not under ``BASE_URL``
    (CIFAR is served by its authors); ``md5`` is checked too when given.
    """

    relpath: str
    url_name: str
    sha256: str | None
    md5: str | None = None
    origin: str | None = None


def base_url(origin: str | None = None) -> str:
    """The download base URL: ``$JITNET_DATASETS_URL``, else ``origin``, else ``BASE_URL``."""
    url = os.environ.get(URL_ENV) or origin or BASE_URL
    return url if url.endswith("/") else url + "/"


def cache_dirs() -> list[Path]:
    """The cache folders, in search order; downloads go to the first."""
    jitnet_home = os.environ.get("JITNET_HOME") or os.path.join("~", ".jitnet")
    keras_home = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    dirs = [Path(os.path.expanduser(jitnet_home)) / "datasets", Path(os.path.expanduser(keras_home)) / "datasets"]
    return list(dict.fromkeys(dirs))


def _candidates(relpath: str) -> list[Path]:
    """Every place ``relpath`` may sit (one place if it is absolute)."""
    rel = Path(os.path.expanduser(relpath))
    return list(dict.fromkeys(d / rel for d in cache_dirs()))


def find(relpath: str) -> Path | None:
    """The first cached copy of ``relpath``, or None."""
    for p in _candidates(relpath):
        if p.is_file():
            return p
    return None


def find_layout(layouts: Sequence[Sequence[str]]) -> list[Path] | None:
    """The first complete layout: for each cache folder in order, each layout in order."""
    for d in cache_dirs():
        for layout in layouts:
            paths = [d / Path(os.path.expanduser(rel)) for rel in layout]
            if all(p.is_file() for p in paths):
                return paths
    return None


def _format_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


class _Progress:
    """A one-line progress bar on a terminal; two plain lines otherwise."""

    def __init__(self, url: str, total: int | None, stream: IO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last = 0.0
        size = f" ({_format_size(total)})" if total else ""
        self._write(f"Downloading {url}{size}\n")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def update(self, done: int, final: bool = False) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.1:
            return
        self.last = now
        if self.total:
            frac = min(done / self.total, 1.0)
            bar = "=" * int(30 * frac)
            bar = (bar + ">" if frac < 1 else bar).ljust(30)
            line = f"\r[{bar}] {frac:4.0%}  {_format_size(done)} / {_format_size(self.total)}"
        else:
            line = f"\r{_format_size(done)}"
        self._write(line)

    def close(self, done: int, ok: bool) -> None:
        if self.tty:
            self.update(done, final=True)
            self._write("\n")
        if ok:
            self._write(f"Downloaded {_format_size(done)}.\n")


class _DownloadFailed(Exception):
    """The transfer failed (network, HTTP status, interruption); the reason is the message."""


def download(remote: Remote, target: Path, stream: IO | None = None) -> Path:
    """Download ``remote`` to ``target`` atomically, verifying its sha256.

    Raises ``_DownloadFailed`` for transfer problems and ``ChecksumError``
    when the bytes arrive but their hash is wrong. In every failure the
    temporary file is removed and ``target`` is not created.
    """
    url = base_url(remote.origin) + remote.url_name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _DownloadFailed(f"cannot create the cache folder {target.parent}: {e.strerror or e}") from e
    import urllib.error  # imported here: the http and email modules cost start-up time
    import urllib.request

    try:
        response = urllib.request.urlopen(url, timeout=TIMEOUT)
    except urllib.error.HTTPError as e:
        raise _DownloadFailed(f"{url} answered HTTP {e.code} {e.reason}") from e
    except urllib.error.URLError as e:
        raise _DownloadFailed(f"cannot reach {url}: {e.reason}") from e
    except OSError as e:  # timeouts, resets
        raise _DownloadFailed(f"cannot reach {url}: {e}") from e
    with response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        progress = _Progress(url, total, stream)
        hasher = hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False) if remote.md5 is not None else None
        done = 0
        ok = False
        try:
            with atomic_write(target) as f:
                while True:
                    try:
                        chunk = response.read(_CHUNK)
                    except OSError as e:
                        raise _DownloadFailed(f"transfer from {url} failed after {done} bytes: {e}") from e
                    if not chunk:
                        break
                    f.write(chunk)
                    hasher.update(chunk)
                    if md5 is not None:
                        md5.update(chunk)
                    done += len(chunk)
                    progress.update(done)
                if total is not None and done != total:
                    raise _DownloadFailed(f"transfer from {url} was interrupted: received {done} of {total} bytes")
                for name, digest, expected in (
                    ("sha256", hasher.hexdigest(), remote.sha256),
                    ("md5", md5.hexdigest() if md5 is not None else None, remote.md5),
                ):
                    if expected is not None and digest != expected:
                        raise ChecksumError(
                            f"The file downloaded from {url} has {name} {digest}, expected {expected}. "
                            f"The download was deleted; nothing was written to {target}. It may have been "
                            "corrupted in transit or replaced on the server: try again, or place a verified "
                            "copy there yourself."
                        )
            ok = True
        finally:
            progress.close(done, ok)
    return target


def fetch(dataset: str, remotes: Sequence[Remote], alternatives: Sequence[Sequence[str]] = ()) -> list[Path]:
    """Paths of ``remotes``, each from the cache or else downloaded into the first cache folder.

    ``alternatives`` are other complete layouts (lists of relative paths)
    accepted instead of ``remotes``; if one is cached, its paths are
    returned. Cache folders are searched in order, and within a folder the
    ``remotes`` layout first.

    Raises ``DatasetNotFoundError`` (one error naming every missing file,
    every place looked and where to put the files) if some file is in no
    cache folder and cannot be downloaded; ``ChecksumError`` if a download
    arrives with the wrong sha256.
    """
    layout = find_layout([[r.relpath for r in remotes], *alternatives])
    if layout is not None:
        return layout
    found = [find(r.relpath) for r in remotes]
    for i, r in enumerate(remotes):
        if found[i] is not None:
            continue
        try:
            found[i] = download(r, _candidates(r.relpath)[0])
        except _DownloadFailed as e:
            missing = [m.relpath for m, p in zip(remotes, found) if p is None]
            raise DatasetNotFoundError(_not_found_message(dataset, missing, alternatives, str(e))) from None
    return [Path(p) for p in found]


def _describe(folder: Path, relpaths: Sequence[str]) -> list[str]:
    """``relpaths`` under ``folder``, one line, or one line per shared subfolder."""
    paths = [folder / Path(os.path.expanduser(rel)) for rel in relpaths]
    parents = {p.parent for p in paths}
    if len(paths) > 1 and len(parents) == 1:
        return [f"  {parents.pop()}{os.sep}  ({', '.join(p.name for p in paths)})"]
    return [f"  {p}" for p in paths]


def _not_found_message(dataset: str, missing: Sequence[str], alternatives: Sequence[Sequence[str]], reason: str) -> str:
    looked = [f"  {p}" for rel in missing for p in _candidates(rel)]
    for alt in alternatives:
        looked += [line for d in cache_dirs() for line in _describe(d, alt)]
    first = cache_dirs()[0]
    put = _describe(first, missing)
    for alt in alternatives:
        put += ["or, instead, all of"] + _describe(first, alt)
    return (
        f"{dataset}: {len(missing)} file(s) missing: {', '.join(missing)}.\n"
        "Looked in:\n" + "\n".join(dict.fromkeys(looked)) + "\n"
        f"Download failed: {reason}.\n"
        "To work offline, put the file(s) at\n" + "\n".join(put) + "\n"
        "(or set JITNET_HOME to a folder whose 'datasets' subfolder holds them; an existing Keras "
        "cache, $KERAS_HOME/datasets or ~/.keras/datasets, is searched too)."
    )


def corrupt(path: Path | str, reason: str) -> CorruptDatasetError:
    """A ``CorruptDatasetError`` naming ``path`` and saying how to recover."""
    return CorruptDatasetError(
        f"Dataset file '{path}' is truncated or corrupt: {reason}. "
        "Delete it so that it is downloaded again, or replace it with a good copy."
    )


def _member_parts(name: str) -> tuple[str, ...] | None:
    """The path components of a tar member name, or None if it is absolute or climbs out with '..'."""
    if name.startswith(("/", "\\")) or "\0" in name or (len(name) > 1 and name[1] == ":"):
        return None
    parts = tuple(p for p in name.replace("\\", "/").split("/") if p not in ("", "."))
    return None if ".." in parts else parts


def extract_tar(archive: Path, folder: str, dest: Path, required: Sequence[str] = ()) -> Path:
    """Extract the folder ``folder`` of the tar ``archive`` (any compression) to ``dest / folder``.

    Every member must be a regular file or a folder with a relative name
    that stays inside the archive; otherwise ``UnsafeFileError`` names the
    archive and the member, and nothing is written. Regular files under
    ``folder/`` are written into a temporary folder beside the target (tar
    permissions and owners are not applied), the ``required`` names (relative
    to ``folder``) are checked, then the folder is renamed into place in one
    step; if an incomplete ``dest / folder`` already exists, each file is
    moved over it with ``os.replace``. Raises ``CorruptDatasetError`` naming
    the archive if it is truncated, not a tar, or lacks a required file.
    """
    from ._safe_npz import UnsafeFileError  # imported here: _safe_npz imports this module

    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder}.", suffix=".tmp", dir=dest))
    try:
        try:
            with tarfile.open(archive, "r:*") as tf:
                for member in tf:
                    parts = _member_parts(member.name)
                    kind = "a regular file" if member.isreg() else "a folder" if member.isdir() else None
                    if parts is None or kind is None:
                        what = "a link, device or other special file" if kind is None else "a path outside the archive"
                        raise UnsafeFileError(
                            f"Refusing to extract '{archive}': its member '{member.name}' is {what}, which "
                            "the extractor does not allow (only regular files and folders with relative "
                            "names). The file may be malicious; nothing from it was written."
                        )
                    if not member.isreg() or parts[:1] != (folder,) or len(parts) < 2:
                        continue
                    out = tmp.joinpath(*parts)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    src = tf.extractfile(member)
                    with src, open(out, "wb") as f:
                        shutil.copyfileobj(src, f, _CHUNK)
                        f.flush()
                        os.fsync(f.fileno())
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as e:
            # other OSErrors (disk full, permissions) are not the archive's fault: they propagate
            raise corrupt(archive, f"not a readable tar archive ({type(e).__name__}: {e})") from None
        missing = [name for name in required if not (tmp / folder / name).is_file()]
        if missing:
            raise corrupt(archive, f"it holds no {', '.join(f'{folder}/{name}' for name in missing)}")
        target = dest / folder
        try:
            os.rename(tmp / folder, target)  # the whole folder appears at once
        except OSError:
            if not target.is_dir():
                raise
            for src in sorted((tmp / folder).rglob("*")):  # an incomplete copy is there: fill it file by file
                if src.is_file():
                    dst = target / src.relative_to(tmp / folder)
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(src, dst)
        _fsync_directory(str(dest))
        return target
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
