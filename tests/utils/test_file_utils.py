"""atomic_write: the target appears complete or not at all."""

from __future__ import annotations

import os
import stat

import pytest

from jitnet.utils.file_utils import atomic_write


def test_writes_binary_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "out.bin"
    with atomic_write(target) as f:
        f.write(b"abc")
        assert not target.exists()  # nothing visible until the block ends
    assert target.read_bytes() == b"abc"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_text_mode_is_utf8(tmp_path):
    target = tmp_path / "out.json"
    with atomic_write(str(target), "w") as f:
        f.write("héllo")
    assert target.read_bytes() == "héllo".encode()


def test_replaces_existing_file_and_keeps_its_permissions(tmp_path):
    target = tmp_path / "model.keras"
    target.write_bytes(b"old")
    target.chmod(0o640)
    with atomic_write(target) as f:
        f.write(b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_new_file_gets_umask_permissions_not_0600(tmp_path):
    target = tmp_path / "new.bin"
    with atomic_write(target) as f:
        f.write(b"x")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


@pytest.mark.parametrize("existing", [None, b"old contents"])
def test_exception_removes_temp_and_leaves_target_untouched(tmp_path, existing):
    target = tmp_path / "data.npz"
    if existing is not None:
        target.write_bytes(existing)
    with pytest.raises(RuntimeError, match="boom"), atomic_write(target) as f:
        f.write(b"partial")
        raise RuntimeError("boom")
    if existing is None:
        assert not target.exists()
        assert os.listdir(tmp_path) == []
    else:
        assert target.read_bytes() == existing
        assert os.listdir(tmp_path) == ["data.npz"]


def test_keyboard_interrupt_also_cleans_up(tmp_path):
    target = tmp_path / "x.bin"
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as f:
        f.write(b"partial")
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_rejects_other_modes(tmp_path):
    with pytest.raises(ValueError, match="mode"), atomic_write(tmp_path / "x", "ab"):
        pass
    with pytest.raises(ValueError, match="encoding"), atomic_write(tmp_path / "x", "wb", encoding="utf-8"):
        pass
    assert os.listdir(tmp_path) == []


def test_missing_folder_raises_before_writing(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_write(tmp_path / "no" / "such" / "x.bin"):
        pass
