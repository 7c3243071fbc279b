"""Writing a file whole or not at all: what ``save_graph`` and ``nn``'s ``Module.save`` share.

A public module of ``autograd`` (``nn`` uses autograd's public API only), though not one
of the names the package itself re-exports: it is about files, not gradients.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half a file.

    The bytes go to a temporary file beside ``path``, reach the disk (fsync), and the file
    is renamed over ``path``; an error, Ctrl-C included, leaves the old file as it was and
    no temporary file behind. Permissions are those ``open(path, "wb")`` gives: a file
    written over keeps its own, a new one gets 0o666 less the process umask; a symbolic
    link is written through, to the file it names, as ``open`` does. Raises
    ``OSError`` naming the directory when no file can be made in it.
    """
    # Through a symbolic link to the file it names, as open() writes: renaming over the
    # link itself would replace it with a plain file and leave its target stale.
    target = os.path.realpath(os.fspath(path))
    directory, name = os.path.split(target)
    try:
        keep: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        keep = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    temporary: str | None = None
    try:
        while True:
            # named before it exists, so an interrupt right after os.open still knows what to remove
            temporary = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.part")
            try:
                # The kernel takes the umask off 0o666 here, as open() does. Not tempfile.mkstemp
                # (always 0o600) plus a chmod, which would need the umask read with os.umask: that
                # sets it for the whole process for a moment, a race with other threads' files.
                descriptor = os.open(temporary, flags, 0o666)
                break
            except FileExistsError:
                temporary = None  # someone else's file: leave it alone
            except OSError as error:
                temporary = None
                raise OSError(error.errno, f"cannot write in {directory!r}: {error.strerror}") from None
        with os.fdopen(descriptor, "wb") as file:
            if keep is not None:
                # before any byte is written: a file kept private is never readable under another name
                os.chmod(temporary, keep)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # the bytes reach the disk before the name points at them
        os.replace(temporary, target)
    except BaseException:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make a rename durable: it is only on disk once the directory entry is (not on Windows)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
