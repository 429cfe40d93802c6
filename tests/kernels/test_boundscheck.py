"""The bounds-checked mode: ``JITNET_BOUNDSCHECK=1`` compiles kernels with Numba's bounds checks and a
checked ``view2d``, so an index outside an array raises instead of reading past it. CI runs the whole suite
in this mode (``tox -e boundscheck``); this test shows the mode is on in such a process."""

import os
import subprocess
import sys

SCRIPT = """
import numpy as np
from jitnet.kernels._jit import BOUNDSCHECK, entry_kernel
from jitnet.kernels.views import view2d

@entry_kernel
def read(a, i):
    return a[i]

@entry_kernel
def view_sum(a, start, rows, cols):
    return view2d(a, start, rows, cols).sum()

a = np.arange(10.0)
print(BOUNDSCHECK, read(a, 9), view_sum(a, 4, 2, 3))
for call in (lambda: read(a, 10), lambda: view_sum(a, 5, 2, 3), lambda: view_sum(a, -1, 1, 1)):
    try:
        call()
        print("no error")
    except IndexError:
        print("IndexError")
"""


def test_the_checked_mode_raises_on_reads_outside_an_array(tmp_path):
    env = {**os.environ, "JITNET_BOUNDSCHECK": "1", "JITNET_CACHE_DIR": str(tmp_path)}
    script = tmp_path / "script.py"  # a file: Numba caches only functions that have one
    script.write_text(SCRIPT)
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, check=True,
                         cwd=tmp_path).stdout.split("\n")
    assert out[0] == "True 9.0 39.0"
    assert out[1:4] == ["IndexError"] * 3
    assert (tmp_path / "boundscheck").is_dir()  # compiled code cached apart from the unchecked kind
