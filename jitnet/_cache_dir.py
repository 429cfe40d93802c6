"""Where jitnet keeps its compiled programs.

``$JITNET_CACHE_DIR`` if set, else the user's cache folder
(``$XDG_CACHE_HOME/jitnet``, ``~/.cache/jitnet``; ``%LOCALAPPDATA%\\jitnet``
on Windows).
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """The folder that holds jitnet's compiled programs."""
    if os.environ.get("JITNET_CACHE_DIR"):
        return Path(os.path.expanduser(os.environ["JITNET_CACHE_DIR"]))
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "jitnet"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jitnet"
