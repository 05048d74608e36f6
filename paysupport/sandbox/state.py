"""Let other commands find a sandbox started by ``paysupport sandbox`` in another terminal.

The running sandbox writes its URLs and sandbox credentials to a small JSON
file (mode 0600) in the user's state directory and removes it on exit;
``paysupport --sandbox ...`` reads it. The credentials are the emulators'
own, worthless outside the sandbox, and tokens obtained against a sandbox go
to a token file of their own, never mixed with real ones.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from paysupport.errors import ProviderNotFound
from paysupport.provider import Client
from paysupport.registry import connect, provider_class
from paysupport.tokens import JsonFileTokenStore, MemoryTokenStore


def state_dir() -> Path:
    path = Path(platformdirs.user_state_dir("paysupport", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def state_path() -> Path:
    return state_dir() / "sandbox.json"


def write_state(sandbox: Any) -> Path:
    """Record a started :class:`~paysupport.sandbox.Sandbox` for other processes."""
    path = state_path()
    data = {
        "pid": os.getpid(),
        "providers": {
            name: {"url": sandbox.url(name), "credentials": sandbox.emulator(name).credentials()}
            for name in sandbox.names
        },
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return path


@dataclass
class RunningSandbox:
    """A sandbox served by another process."""

    pid: int
    providers: dict[str, dict[str, Any]]

    @property
    def names(self) -> list[str]:
        return sorted(self.providers)

    def url(self, name: str) -> str:
        if name not in self.providers:
            raise ProviderNotFound(f"{name} (not in the running sandbox)", self.names)
        return str(self.providers[name]["url"])

    def token_store(self) -> JsonFileTokenStore:
        return JsonFileTokenStore(state_dir() / "sandbox-tokens.json")

    def connect(self, name: str, **overrides: Any) -> Client:
        accepted = set(provider_class(name).info.settings)
        credentials = self.providers.get(name, {}).get("credentials", {})
        settings: dict[str, Any] = {
            "base_url": self.url(name),
            "token_store": MemoryTokenStore(),
            **{k: v for k, v in credentials.items() if k in accepted},
        }
        settings.update({k: v for k, v in overrides.items() if v is not None})
        return connect(name, **settings)


def find_running() -> RunningSandbox | None:
    """The sandbox another process is serving, or ``None``."""
    path = state_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pid = int(data["pid"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return RunningSandbox(pid=pid, providers=dict(data.get("providers", {})))
