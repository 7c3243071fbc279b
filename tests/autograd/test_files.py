"""files.py: the one atomic writer behind save_graph and nn's Module.save.

Its failure paths (an error or Ctrl-C at each step) are tested through both callers, in
test_draw.py and tests/nn/test_module.py; here, what it promises about permissions.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograd.files import write_atomically

posix_permissions = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits and umask")


@posix_permissions
def test_a_new_file_gets_what_open_gives_under_the_umask(tmp_path: Path) -> None:
    original = os.umask(0o027)
    try:
        write_atomically(tmp_path / "new.png", b"\x89PNG")
        with open(tmp_path / "by_open", "wb"):
            pass
    finally:
        os.umask(original)
    assert os.stat(tmp_path / "new.png").st_mode & 0o777 == os.stat(tmp_path / "by_open").st_mode & 0o777
    assert (tmp_path / "new.png").read_bytes() == b"\x89PNG"


@posix_permissions
def test_a_file_written_over_keeps_its_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "graph.svg"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    write_atomically(str(target), b"new")
    assert (target.read_bytes(), os.stat(target).st_mode & 0o777) == (b"new", 0o600)
    assert os.listdir(tmp_path) == ["graph.svg"]


def test_a_directory_that_takes_no_files_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"cannot write in .*missing"):
        write_atomically(tmp_path / "missing" / "model.json", b"{}")


@posix_permissions
def test_a_symbolic_link_is_written_through_as_open_does(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_bytes(b"old")
    (tmp_path / "link.json").symlink_to("real.json")
    write_atomically(tmp_path / "link.json", b"new")
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "real.json").read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["link.json", "real.json"]
