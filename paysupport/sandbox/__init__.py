"""The sandbox: every installed provider's emulator, served on 127.0.0.1.

For tests and scripts::

    from paysupport import sandbox

    with sandbox.running(sizes={"members": 1000}) as sb:
        client = sb.connect("patreon")
        print(client.identity())

Each emulator gets its own port (consecutive from ``port`` when one is
given, free ports otherwise), so the emulators answer at their root exactly
like the real hosts. Emulators are found through the ``paysupport.sandboxes``
entry points, like providers.

Needs the ``sandbox`` extra (``pip install 'paysupport[sandbox]'``, and each
provider's own ``[sandbox]`` for its emulator): without it, importing this
package raises :class:`~paysupport.errors.MissingExtra` naming it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from paysupport.emulation import Emulator, EmulatorSettings, close_emulator, emulator_served
from paysupport.errors import ConfigError, ProviderNotFound
from paysupport.provider import Client
from paysupport.registry import C, connect, emulator_factories, provider_class
from paysupport.sandbox.consent import answer_consent
from paysupport.sandbox.faults import FaultInjector, FaultPlan, Latency
from paysupport.sandbox.serving import ServedApp, start_server
from paysupport.tokens import MemoryTokenStore

__all__ = [
    "EmulatorFactory",
    "FaultPlan",
    "Sandbox",
    "SandboxOptions",
    "answer_consent",
    "running",
]

#: What a ``paysupport.sandboxes`` entry point is: settings in, emulator out.
EmulatorFactory = Callable[[EmulatorSettings], Emulator]


@dataclass(frozen=True)
class SandboxOptions:
    """What to serve and how: data sizes, latency, faults, rate limits, ports.

    ``factories`` maps a provider name to an :data:`EmulatorFactory` used instead
    of its entry point, e.g. ``{"ipernity": lambda s: IpernityEmulator(s,
    callback_url=app_url)}``. ``data_dir`` is :attr:`Sandbox.data_dir` (a
    temporary directory when not given).
    """

    seed: int = 0
    sizes: Mapping[str, int] = field(default_factory=dict)
    latency_ms: float = 0.0
    faults: FaultPlan = field(default_factory=FaultPlan)
    rate_limit: int | None = None
    rate_window: float = 3600.0
    token_lifetime: int = 3600
    port: int = 0
    providers: Sequence[str] | None = None
    quiet: bool = True
    factories: Mapping[str, EmulatorFactory] = field(default_factory=dict)
    data_dir: str | os.PathLike[str] | None = None


class Sandbox:
    """Running emulators; use :func:`running` or ``start()``/``stop()``."""

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.emulators: dict[str, Emulator] = {}
        self.injectors: dict[str, FaultInjector] = {}
        self._served: dict[str, ServedApp] = {}
        self._temp_dir: Path | None = None

    @property
    def data_dir(self) -> Path:
        """Where programs using this sandbox keep what they write (tokens, ledgers).

        The emulators forget everything when the sandbox stops, so a ledger or a
        token kept elsewhere would outlive what it describes, or land among the
        user's real ones. ``SandboxOptions.data_dir`` when given; otherwise a
        private temporary directory, made on first use and removed by
        :meth:`stop`.
        """
        if self.options.data_dir is not None:
            return Path(self.options.data_dir)
        if self._temp_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="paysupport-sandbox-"))
        return self._temp_dir

    def start(self) -> Sandbox:
        factories: dict[str, Callable[..., Any]] = {
            **emulator_factories(),
            **self.options.factories,
        }
        wanted = list(self.options.providers or sorted(factories))
        missing = [name for name in wanted if name not in factories]
        if missing:
            raise ProviderNotFound(f"{', '.join(missing)} (no emulator)", sorted(factories))
        settings = EmulatorSettings(
            seed=self.options.seed,
            sizes=dict(self.options.sizes),
            token_lifetime=self.options.token_lifetime,
            rate_limit=self.options.rate_limit,
            rate_window=self.options.rate_window,
        )
        try:
            for index, name in enumerate(wanted):
                emulator = factories[name](settings)
                self.emulators[name] = emulator  # closed by stop() even if serving fails
                injector = FaultInjector(emulator, self.options.faults)
                app: Any = injector
                if self.options.latency_ms:
                    app = Latency(injector, self.options.latency_ms)
                port = self.options.port + index if self.options.port else 0
                try:
                    served = start_server(app, port=port, quiet=self.options.quiet)
                except OSError as exc:
                    raise ConfigError(f"cannot serve {name} on port {port}: {exc}") from None
                emulator_served(emulator, served.url)
                self.injectors[name] = injector
                self._served[name] = served
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for served in self._served.values():
            served.close()
        self._served.clear()
        for emulator in self.emulators.values():
            close_emulator(emulator)
        self.emulators.clear()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> Sandbox:
        return self.start() if not self._served else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def names(self) -> list[str]:
        return sorted(self._served)

    def _require(self, name: str) -> None:
        if name not in self._served:
            raise ProviderNotFound(f"{name} (not in this sandbox)", self.names)

    def url(self, name: str) -> str:
        self._require(name)
        return self._served[name].url

    def emulator(self, name: str) -> Emulator:
        self._require(name)
        return self.emulators[name]

    def credentials(self, name: str) -> dict[str, str]:
        """The emulator's credentials that the provider's client accepts as settings."""
        accepted = set(provider_class(name).info.settings)
        return {k: v for k, v in self.emulator(name).credentials().items() if k in accepted}

    def environment(self) -> dict[str, str]:
        """``PAYSUPPORT_<PROVIDER>_BASE_URL`` for every emulator, to export in a shell."""
        return {f"PAYSUPPORT_{n.upper()}_BASE_URL": self.url(n) for n in self.names}

    @overload
    def connect(self, name: str, /, **overrides: Any) -> Client: ...

    @overload
    def connect(self, name: str, expect: type[C], /, **overrides: Any) -> C: ...

    def connect(self, name: str, expect: type[Client] | None = None, /, **overrides: Any) -> Client:
        """A client for ``name`` pointed at its emulator with the sandbox credentials.

        Tokens go to a fresh in-memory store unless ``token_store`` is given. Name
        the provider's class second to get its type, checked as by
        :func:`paysupport.connect`: ``sb.connect("patreon", PatreonClient)``.
        """
        settings: dict[str, Any] = {
            "base_url": self.url(name),
            "token_store": MemoryTokenStore(),
            **self.credentials(name),
        }
        settings.update({k: v for k, v in overrides.items() if v is not None})
        return connect(name, **settings) if expect is None else connect(name, expect, **settings)


@contextlib.contextmanager
def running(options: SandboxOptions | None = None, **kwargs: Any) -> Iterator[Sandbox]:
    """Run a sandbox for the block; keyword arguments are :class:`SandboxOptions` fields."""
    if options is not None and kwargs:
        raise TypeError("pass either options or keyword arguments, not both")
    sandbox = Sandbox(options or SandboxOptions(**kwargs))
    with sandbox:
        yield sandbox
