"""Let other commands find the sandbox ``paysupport sandbox`` serves in another terminal.

One user runs at most one such sandbox. Its files live in the user's state
directory (0700 whatever the umask, never written through a symlink):

``sandbox.lock``
    held (``flock``) by the serving process for as long as it runs. The
    kernel releases it when the process dies, even by ``SIGKILL``, so a dead
    sandbox never blocks the next one and a recycled pid is never mistaken
    for a live sandbox. It also holds the owner's pid, for messages.
``sandbox.json``
    its URLs and sandbox credentials (0600), written once it serves and
    removed when it stops. It counts only while its lock is held.
``sandbox-data/``
    what ``paysupport --sandbox ...`` commands write while using it (tokens,
    the ledger), so that nothing done against the sandbox reaches the user's
    real data. Emptied when a sandbox starts and removed when it stops: the
    emulators forget everything between runs, so must this.

A second ``paysupport sandbox`` is refused with the first one's pid and URLs;
it never overwrites nor deletes the first one's files. The credentials are
the emulators' own, worthless outside the sandbox.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import platformdirs

from paysupport._files import private_dir, write_private
from paysupport.errors import ConfigError, ProviderNotFound
from paysupport.provider import Client
from paysupport.registry import C, connect, provider_info
from paysupport.tokens import APP_NAME, JsonFileTokenStore, MemoryTokenStore

if TYPE_CHECKING:
    from paysupport.sandbox import Sandbox

STATE_NAME = "sandbox.json"
LOCK_NAME = "sandbox.lock"
DATA_NAME = "sandbox-data"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _platform_state_dir() -> Path:
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    """The user's state directory, created 0700 (and tightened to 0700 if it is ours).

    Raises :class:`ConfigError` when another user owns it or may write in it:
    they could then replace the files a sandbox writes there.
    """
    path = _platform_state_dir()
    try:
        private_dir(path, tighten=True)
        info = path.stat()
    except OSError as exc:
        raise ConfigError(
            f"cannot use the state directory: {exc.strerror}", path=str(path)
        ) from None
    if info.st_uid != os.geteuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(
            "the state directory belongs to another user or others may write in it", path=str(path)
        )
    return path


def state_path() -> Path:
    """Where the running sandbox's URLs and credentials are (it may not exist)."""
    return _platform_state_dir() / STATE_NAME


def _open_lock(directory: Path) -> int:
    """A descriptor on ``directory``'s lock file (created 0600), never through a symlink.

    A symlink or another user's file found at its name (planted while the
    directory was open to others) is replaced by a file of our own: the
    directory is ours, and such a file would let its owner lock us out.
    """
    path = directory / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
    else:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
            return fd
        os.close(fd)
    os.unlink(path)
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)


def _is_locked(directory: Path) -> bool:
    """Whether a live process holds ``directory``'s sandbox lock.

    Probing takes a *shared* lock for an instant: probes never block each other,
    and a sandbox starting meanwhile just retries its exclusive one.
    """
    try:
        fd = os.open(directory / LOCK_NAME, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases the probe's lock
    return False


def _is_private(directory: Path) -> bool:
    """Whether ``directory`` is ours and nobody else may write in it (so its files are ours)."""
    try:
        info = directory.stat()
    except OSError:
        return False
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read_own(path: Path) -> bytes | None:
    """``path``'s bytes if it is a regular file of ours; None if absent, a symlink or foreign."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
                return None
            return handle.read()
    except OSError:
        return None


def _owner_pid(directory: Path) -> int | None:
    """The pid the lock's holder wrote in it (for messages and to match its state file)."""
    try:
        return int(_read_own(directory / LOCK_NAME) or b"")
    except ValueError:
        return None


@dataclass
class RunningSandbox:
    """A sandbox served by another process (``paysupport sandbox``)."""

    pid: int
    providers: dict[str, dict[str, Any]]
    data_dir: Path

    @property
    def names(self) -> list[str]:
        return sorted(self.providers)

    def url(self, name: str) -> str:
        if name not in self.providers:
            raise ProviderNotFound(f"{name} (not in the running sandbox)", self.names)
        return str(self.providers[name]["url"])

    def token_store(self) -> JsonFileTokenStore:
        """Tokens obtained against this sandbox: in its data directory, apart from real ones."""
        return JsonFileTokenStore(self.data_dir / "tokens.json")

    def describe(self) -> str:
        """``pid N: patreon at http://..., ...`` for messages."""
        urls = ", ".join(f"{name} at {self.url(name)}" for name in self.names)
        return f"pid {self.pid}: {urls or 'no emulators'}"

    @overload
    def connect(self, name: str, /, **overrides: Any) -> Client: ...

    @overload
    def connect(self, name: str, expect: type[C], /, **overrides: Any) -> C: ...

    def connect(self, name: str, expect: type[Client] | None = None, /, **overrides: Any) -> Client:
        """A client for ``name`` at the running sandbox, as :meth:`Sandbox.connect` makes one."""
        accepted = set(provider_info(name).settings)
        credentials = self.providers.get(name, {}).get("credentials", {})
        settings: dict[str, Any] = {
            "base_url": self.url(name),
            "token_store": MemoryTokenStore(),
            **{k: v for k, v in credentials.items() if k in accepted},
        }
        settings.update({k: v for k, v in overrides.items() if v is not None})
        return connect(name, **settings) if expect is None else connect(name, expect, **settings)


def _running_in(directory: Path) -> RunningSandbox | None:
    if not _is_private(directory):
        return None  # another user could have written whatever is there
    if not _is_locked(directory):
        return None  # no state counts without a live owner, whatever pid it names
    try:
        data = json.loads(_read_own(directory / STATE_NAME) or b"")
        pid = int(data["pid"])
        providers = dict(data["providers"])
        data_dir = Path(data["data_dir"])
    except (KeyError, TypeError, ValueError):
        return None
    if pid != _owner_pid(directory):
        return None  # a dead sandbox's file while a new one is starting
    return RunningSandbox(pid=pid, providers=providers, data_dir=data_dir)


def find_running() -> RunningSandbox | None:
    """The sandbox another process is serving, or ``None``."""
    return _running_in(_platform_state_dir())


class SandboxClaim:
    """This process's claim to be the user's one running sandbox.

    Taking it (the constructor) fails with :class:`ConfigError` naming the
    running sandbox when there is one; a sandbox that died, however it died,
    does not count. :meth:`publish` makes a started sandbox findable;
    :meth:`release` (the end of a ``with`` block) removes what the claim
    wrote and nothing else.
    """

    def __init__(self, directory: Path | None = None, *, wait: float = 2.0) -> None:
        self.directory = state_dir() if directory is None else directory
        self.path = self.directory / STATE_NAME
        self.data_dir = self.directory / DATA_NAME
        self._fd: int | None = self._acquire(wait)
        try:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, f"{os.getpid()}\n".encode("ascii"), 0)
            os.fchmod(self._fd, 0o600)
            _remove(self.data_dir)  # a dead sandbox's tokens and ledger
            private_dir(self.data_dir)
        except OSError as exc:
            self.release()
            raise ConfigError(
                f"cannot prepare the sandbox data directory: {exc.strerror}",
                path=str(self.data_dir),
            ) from None
        except BaseException:
            self.release()
            raise

    def _acquire(self, wait: float) -> int:
        deadline = time.monotonic() + wait
        while True:
            try:
                fd = _open_lock(self.directory)
            except OSError as exc:
                raise ConfigError(
                    f"cannot open the sandbox lock: {exc.strerror}", path=str(self.directory)
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() < deadline:  # a probe holds it for an instant
                    time.sleep(0.05)
                    continue
                raise self._busy() from None
            if self._still_the_lock_file(fd):
                return fd
            os.close(fd)  # the file was replaced while we waited: lock the new one

    def _still_the_lock_file(self, fd: int) -> bool:
        try:
            on_disk = os.lstat(self.directory / LOCK_NAME)
        except OSError:
            return False
        mine = os.fstat(fd)
        return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)

    def _busy(self) -> ConfigError:
        running = _running_in(self.directory)
        if running is not None:
            who = running.describe()
        else:
            pid = _owner_pid(self.directory)
            who = f"pid {pid}, still starting" if pid else "still starting"
        return ConfigError(
            f"a paysupport sandbox is already running ({who}); "
            "use it with `paysupport --sandbox ...` or stop it first"
        )

    @property
    def held(self) -> bool:
        return self._fd is not None

    def publish(self, sandbox: Sandbox) -> Path:
        """Record ``sandbox``'s URLs, credentials and data directory for other processes."""
        if self._fd is None:
            raise ConfigError("this sandbox claim was released")
        data = {
            "pid": os.getpid(),
            "data_dir": str(sandbox.data_dir),
            "providers": {
                name: {
                    "url": sandbox.url(name),
                    "credentials": sandbox.emulator(name).credentials(),
                }
                for name in sandbox.names
            },
        }
        try:
            write_private(self.path, json.dumps(data))
        except OSError as exc:
            raise ConfigError(
                f"cannot write the sandbox state: {exc.strerror}", path=str(self.path)
            ) from None
        return self.path

    def release(self) -> None:
        """Remove the state and data this claim wrote, then let the next sandbox start."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if self._still_the_lock_file(fd):  # else someone deleted the lock: touch nothing
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path)
                _remove(self.data_dir)
        finally:
            os.close(fd)  # releases the lock

    def __enter__(self) -> SandboxClaim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _remove(path: Path) -> None:
    """Remove a directory tree, or just the symlink if one was planted at its name."""
    if path.is_symlink():
        path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


#: Claims taken by :func:`write_state`, held until this process exits.
_kept: dict[Path, SandboxClaim] = {}


def write_state(sandbox: Sandbox) -> Path:
    """Make ``sandbox`` findable by other processes until this one exits (tests, scripts).

    Calling it again in the same process records the new sandbox in place of
    the previous one. ``paysupport sandbox`` uses :class:`SandboxClaim`, which
    also removes the state when the sandbox stops.
    """
    directory = state_dir()
    claim = _kept.get(directory)
    if claim is None or not claim.held:
        claim = _kept[directory] = SandboxClaim(directory)
    return claim.publish(sandbox)
