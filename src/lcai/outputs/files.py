"""Writing outputs: atomically, so a failed run never leaves a file half-written."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def _stream(path: Path, text: str) -> None:
    """Write to a device or a pipe (``/dev/stdout``): never replaced by a file."""
    try:
        with path.open("w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename: never half-written.

    A symlink is followed (the link stays a link). A device or a pipe is written as a
    stream. A folder is an error.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, expected a file name", str(path))
    if mode is not None and not stat.S_ISREG(mode):
        _stream(path, text)
        return
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as a plain open() would create it
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
