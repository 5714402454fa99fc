"""Writing outputs so that a failed or killed run never leaves them half-written: one
file via a temporary file and a rename, a set of files via a temporary folder put in
place in one step. Also what the readers of files share: the ``SOURCE_DATE_EPOCH``
parser and the YAML tags they refuse.

May import nothing of lcai.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "YAML_ONLY_TAGS",
    "exchange",
    "replace_folder",
    "source_date_epoch",
    "write_atomic",
    "yaml_only_tag",
]


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
    stream. A folder is an error. Every OSError names ``path``.
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


def replace_folder(out: Path, write: Callable[[Path], None]) -> None:
    """Write a new folder beside ``out`` with ``write(folder)``, then put it in ``out``'s
    place in one step; the previous folder, if any, is removed after. Runs writing to the
    same ``out`` at once never share a temporary name (the last one in place wins)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex}.tmp"
    os.mkdir(tmp)
    try:
        write(tmp)
        _put_in_place(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # this run's leftovers, or the old folder


def _put_in_place(new: Path, out: Path) -> None:
    """Make ``new`` be ``out``: a rename where ``out`` does not exist, else an atomic
    exchange (Linux: ``new`` then holds the old folder). Where the system cannot exchange,
    the old folder is moved aside first: a kill between the two renames leaves no ``out``
    (the old one beside it), never a mixed one."""
    asides = []
    try:
        for _ in range(100):  # other runs may put their folder in place meanwhile: again
            try:
                os.rename(new, out)  # out absent (or an empty folder)
                return
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
            if exchange(new, out):
                return
            aside = out.parent / f".{out.name}.{uuid.uuid4().hex}.old"
            try:
                os.rename(out, aside)
                asides.append(aside)
            except FileNotFoundError:
                pass
        raise OSError(errno.EBUSY, "other runs keep replacing the folder", str(out))
    finally:
        for a in asides:
            shutil.rmtree(a, ignore_errors=True)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system or the file system cannot."""
    import ctypes

    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]  # fmt: skip
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOENT, errno.EPERM):
        return False  # not supported here (or ``b`` just vanished: the caller tries again)
    raise OSError(err, os.strerror(err), str(b))


def source_date_epoch(raw: str | None) -> int | None:
    """``SOURCE_DATE_EPOCH`` (the reproducible-builds convention: whole seconds since
    1970-01-01 UTC, the time to write into outputs) as seconds; None when it is unset or
    blank. Anything else is a ValueError naming the variable."""
    if raw is None or not raw.strip():
        return None
    if not re.fullmatch(r"[0-9]{1,12}", raw.strip()):
        raise ValueError(
            f"SOURCE_DATE_EPOCH: expected whole seconds since 1970-01-01, got {raw[:40]!r}"
        )
    return int(raw.strip())


YAML_ONLY_TAGS = {"binary": "bytes", "set": "a set", "omap": "an ordered map", "pairs": "pairs"}
"""Tags PyYAML's safe loader builds into Python types that no field of lcai's files takes
(assessments, user catalogs): refused by their readers, not guessed at (bytes would be read
as text)."""


def yaml_only_tag(tag: object) -> str | None:
    """The name of a YAML-only tag (``binary`` for ``tag:yaml.org,2002:binary``), or None."""
    kind = str(tag or "").removeprefix("tag:yaml.org,2002:")
    return kind if kind in YAML_ONLY_TAGS else None
