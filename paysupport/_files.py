"""Private directories and files: where one local user keeps tokens and state.

Tokens, lock files and sandbox state belong to one user. Whatever the umask,
directories made here are 0700 and files 0600, so another local user can
neither read a token, nor replace a file in the directory, nor hold a lock
file open to block the owner. Files are written to a temporary file in the
same directory and renamed over the target (``os.replace``): a reader never
sees half a file, and a symlink planted at the target's name is replaced,
never followed.

Everything here raises plain :class:`OSError`; callers turn it into their own
error naming what they were writing (the token store's
:class:`~paysupport.errors.TokenStoreError`, for example).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: str | os.PathLike[str], *, tighten: bool = False) -> Path:
    """Create ``path`` and its missing parents as 0700 directories; return it.

    Existing directories are left as they are, unless ``tighten`` is true: then
    ``path`` itself, when the current user owns it, is made 0700. Only pass
    ``tighten`` for directories paysupport owns (the platform data and state
    directories), never for a directory the user chose, such as ``/tmp``.
    """
    directory = Path(path)
    missing: list[Path] = []
    probe = directory
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # another process made it first; it chose the same mode
        _chmod_nofollow(created, DIR_MODE)  # the umask may have taken bits away
    if not directory.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(directory))
    if tighten and not missing:
        info = directory.lstat()
        if (
            stat.S_ISDIR(info.st_mode)
            and info.st_uid == os.geteuid()
            and stat.S_IMODE(info.st_mode) != DIR_MODE
        ):
            _chmod_nofollow(directory, DIR_MODE)
    return directory


def tighten_file(path: str | os.PathLike[str]) -> None:
    """Make an existing file of the current user 0600 (a lock file an older version left 0644).

    A symlink, another user's file or a missing file is left alone.
    """
    with contextlib.suppress(FileNotFoundError):
        info = os.lstat(path)
        if (
            stat.S_ISREG(info.st_mode)
            and info.st_uid == os.geteuid()
            and stat.S_IMODE(info.st_mode) != FILE_MODE
        ):
            _chmod_nofollow(Path(path), FILE_MODE)


def write_private(path: str | os.PathLike[str], data: str | bytes, *, prefix: str = ".") -> None:
    """Replace ``path`` with ``data`` atomically, as a 0600 file.

    The data goes to a temporary file in the same directory (created with
    ``O_EXCL``, so never through a symlink), is flushed to disk, then renamed
    over ``path``. When any step fails (a full disk, a read-only directory) the
    old file stays whole and the temporary file is removed.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=prefix + target.name + "-", dir=target.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _chmod_nofollow(path: Path, mode: int) -> None:
    """chmod through a descriptor opened without following a symlink at ``path``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    if os.name != "posix":  # pragma: no cover - modes are POSIX
        os.chmod(path, mode)
        return
    fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
