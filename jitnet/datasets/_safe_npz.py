"""A restricted ``.npz`` reader: object arrays load without running code.

Keras's ``imdb.npz`` stores object arrays of Python lists, which NumPy writes
as pickles; ``np.load(..., allow_pickle=True)`` would run whatever a crafted
file asks for. Here each ``.npy`` member is parsed by hand: plain arrays are
read with ``allow_pickle=False``; object arrays are unpickled by an
``Unpickler`` whose ``find_class`` admits only the few NumPy functions that
rebuild an object array, each wrapped so its arguments are checked, and the
result must be an array whose every element is a list of ``int``.

The same ``RestrictedUnpickler`` reads CIFAR's batch files (pickled dicts
holding a uint8 array); ``refuse`` words the error for any such file.
"""

from __future__ import annotations

import io
import pickle
import zipfile
import zlib
from pathlib import Path

import numpy as np
import numpy.lib.format as npformat

from ._cache import CorruptDatasetError, corrupt

try:
    from numpy._core import multiarray as _multiarray
except ImportError:  # NumPy < 2
    from numpy.core import multiarray as _multiarray


class UnsafeFileError(ValueError):
    """A file asked for something the restricted reader refuses (it may be malicious)."""


class _ArraySentinel:
    """Stands for ``numpy.ndarray`` inside a pickle: usable only as ``_reconstruct``'s first argument."""


_NDARRAY = _ArraySentinel()


def _reconstruct(subtype, shape, dtype):
    if subtype is not _NDARRAY:
        raise pickle.UnpicklingError("_reconstruct may only rebuild a numpy.ndarray")
    return _multiarray._reconstruct(np.ndarray, shape, dtype)


def _dtype(spec, align=False, copy=False):
    if not isinstance(spec, str):
        raise pickle.UnpicklingError(f"dtype spec must be a string, got {type(spec).__name__}")
    return np.dtype(spec, align=bool(align), copy=bool(copy))


def _scalar(dtype, data=None):
    # Older pickles may store list items as NumPy integer scalars.
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iu" or not isinstance(data, (bytes, str)):
        raise pickle.UnpicklingError("only integer NumPy scalars are allowed")
    if isinstance(data, str):
        data = data.encode("latin1")
    return int(_multiarray.scalar(dtype, data))


def _codecs_encode(obj, encoding="utf-8"):
    # Protocol-2 pickles written by Python 3 store bytes as _codecs.encode(str, 'latin1').
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is allowed only as (str, 'latin1')")
    return obj.encode("latin1")


_ALLOWED = {}
for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_module, "_reconstruct")] = _reconstruct
    _ALLOWED[(_module, "scalar")] = _scalar
_ALLOWED[("numpy", "ndarray")] = _NDARRAY
_ALLOWED[("numpy", "dtype")] = _dtype
_ALLOWED[("_codecs", "encode")] = _codecs_encode


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the globals in ``_ALLOWED``; anything else raises ``UnsafeFileError(module.name)``.

    Plain containers, strings, bytes and numbers need no global; the only
    objects it can build beyond them are NumPy arrays, dtypes and integer
    scalars. Use ``encoding="latin1"`` for Python 2 pickles.
    """

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafeFileError(f"{module}.{name}") from None

    def persistent_load(self, pid):
        raise UnsafeFileError("a persistent id")


def refuse(
    path: Path | str,
    what: str,
    member: str | None = None,
    accepted: str = "NumPy object arrays of integer lists",
) -> UnsafeFileError:
    """An ``UnsafeFileError`` naming ``path`` (and its ``member``), what it asked for and what is ``accepted``."""
    where = f"'{path}' (member '{member}')" if member is not None else f"'{path}'"
    return UnsafeFileError(
        f"Refusing to load {where}: its pickle asks for {what}, which the "
        f"restricted reader does not allow (only {accepted} are "
        "accepted). The file may be malicious; it was not used and no code from it was run."
    )


def _check_int_lists(arr: np.ndarray, path: Path, member: str) -> None:
    """Every element of ``arr`` must be a list of ``int`` (bool excluded)."""
    for i, item in enumerate(arr.flat):
        if type(item) is not list:
            raise refuse(path, member=member, what=f"element {i} of type {type(item).__name__} instead of a list")
        if not set(map(type, item)) <= {int}:
            bad = next(w for w in item if type(w) is not int)
            raise refuse(path, member=member, what=f"element {i} holding a {type(bad).__name__} instead of int")


def _read_header(f, path: Path, member: str):
    version = npformat.read_magic(f)
    if version == (1, 0):
        return npformat.read_array_header_1_0(f)
    if version == (2, 0):
        return npformat.read_array_header_2_0(f)
    raise corrupt(path, f"member '{member}' uses unsupported .npy format version {version}")


def _read_member(zf: zipfile.ZipFile, member: str, path: Path) -> np.ndarray:
    with zf.open(member) as f:
        shape, _fortran_order, dtype = _read_header(f, path, member)
        if not dtype.hasobject:
            f.seek(0)
            return npformat.read_array(f, allow_pickle=False)
        if dtype != np.dtype(object):
            raise refuse(path, member=member, what=f"a structured dtype with object fields ({dtype})")
        try:
            arr = RestrictedUnpickler(f, encoding="latin1").load()
        except UnsafeFileError as e:
            raise refuse(path, member=member, what=f"'{e}'") from None
        except (pickle.UnpicklingError, TypeError, AttributeError, IndexError, KeyError) as e:
            raise refuse(path, member=member, what=f"something invalid ({type(e).__name__}: {e})") from None
    if not isinstance(arr, np.ndarray) or arr.dtype != object or arr.shape != shape:
        raise refuse(path, member=member, what=f"an object that is not an object array of shape {shape}")
    _check_int_lists(arr, path, member)
    return arr


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Read every ``.npy`` member of the ``.npz`` file ``path`` without running code.

    Returns a dict from key (member name without ``.npy``) to array. Object
    arrays must hold lists of ints, as Keras's IMDB file does.

    Raises:
        UnsafeFileError: the file asks for anything else (a ``ValueError``).
        CorruptDatasetError: the file is truncated or not an ``.npz``.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            return {
                name[: -len(".npy")]: _read_member(zf, name, path) for name in zf.namelist() if name.endswith(".npy")
            }
    except (UnsafeFileError, CorruptDatasetError, FileNotFoundError):
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, io.UnsupportedOperation) as e:
        raise corrupt(path, f"{type(e).__name__}: {e}") from None
