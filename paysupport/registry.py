"""The plugin registry: providers and emulators found through entry points only.

The core never imports a provider. A distribution registers its
:class:`~paysupport.info.ProviderInfo` (``paysupport_acme.info:INFO``) under
``paysupport.providers`` and, optionally, an emulator factory under
``paysupport.sandboxes``. The declaration names its client class by import path
(``ProviderInfo.client``), which is imported only when a client is made: listing
providers, reading their settings or routing a URL imports no client. An entry
point naming a :class:`~paysupport.provider.Client` subclass (the older form)
still works.

A plugin that fails to load is recorded with its error and the others carry
on: one broken install must not take the rest down.

Entry points are read from the ``entry_points.txt`` of the ``*.dist-info`` and
``*.egg-info`` folders on ``sys.path``, as :func:`importlib.metadata.entry_points`
finds them (the first distribution of a name wins): importing
``importlib.metadata`` (email, zipfile...) was a quarter of ``paysupport
providers``' start (docs/performance.md, P5), reading two small files a
millisecond. Anything else that may hold distributions (a zip or an egg on the
path, a finder of distributions besides the standard one) goes through
``importlib.metadata`` itself. stevedore's manager added nothing a listing needs.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, overload

from paysupport.errors import ConfigError, ProviderNotFound
from paysupport.info import ProviderInfo

if TYPE_CHECKING:  # imported where a client class is checked: it brings requests and HTTP
    from paysupport.provider import Client

#: A provider's client class, for :func:`connect`'s ``expect``.
C = TypeVar("C", bound="Client")

PROVIDERS_NAMESPACE = "paysupport.providers"
SANDBOXES_NAMESPACE = "paysupport.sandboxes"


@dataclass(frozen=True)
class LoadFailure:
    """A plugin that could not be loaded, by name, with the reason."""

    namespace: str
    name: str
    error: str


#: An entry point's object reference, as :class:`importlib.metadata.EntryPoint` reads it.
_REFERENCE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


@dataclass(frozen=True)
class EntryPoint:
    """One entry point of a group: its name and the object it names (``module:attr``)."""

    name: str
    value: str

    def load(self) -> Any:
        """The named object, its module imported now; errors are the import's own."""
        match = _REFERENCE.match(self.value)
        if match is None:
            raise ValueError(f"{self.value!r} is not a 'module:attr' reference")
        target: Any = importlib.import_module(match.group("module"))
        for part in filter(None, (match.group("attr") or "").split(".")):
            target = getattr(target, part)
        return target


def entry_points(group: str) -> list[EntryPoint]:
    """The installed entry points of ``group``, in ``sys.path`` order.

    The same as ``importlib.metadata.entry_points(group=group)``, which it uses where
    distributions may be anything but folders on ``sys.path``.
    """
    found = _entry_points_in_folders(group)
    if found is None:
        from importlib import metadata

        return [EntryPoint(ep.name, ep.value) for ep in metadata.entry_points(group=group)]
    return found


def _entry_points_in_folders(group: str) -> list[EntryPoint] | None:
    """``group``'s entry points from the metadata folders on ``sys.path``.

    ``None`` when some distribution could live elsewhere: in a zip or an egg on the
    path, or behind a meta path finder with ``find_distributions`` other than the
    standard :class:`~importlib.machinery.PathFinder`.
    """
    from importlib.machinery import PathFinder

    if any(f is not PathFinder and hasattr(f, "find_distributions") for f in sys.meta_path):
        return None
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for entry in sys.path:
        if not isinstance(entry, str) or entry.endswith(".egg") or os.path.isfile(entry):
            return None
        folder = entry or "."
        try:
            children = os.listdir(folder)
        except OSError:  # missing, or not a folder: no distributions here
            continue
        for child in children:
            lowered = child.lower()
            if not lowered.endswith((".dist-info", ".egg-info")):
                continue
            # The distribution's name as importlib.metadata normalizes it to drop duplicates.
            name = re.sub(r"[-_.]+", "_", lowered.rpartition(".")[0].partition("-")[0])
            if name in seen:
                continue
            seen.add(name)
            try:
                with open(os.path.join(folder, child, "entry_points.txt"), encoding="utf-8") as f:
                    text = f.read()
            except OSError:  # no entry points (or an .egg-info file, not a folder)
                continue
            found += _group_in(text, group)
    return found


def _group_in(text: str, group: str) -> list[EntryPoint]:
    """The entry points of ``group`` in an ``entry_points.txt``, read as importlib does."""
    found = []
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section == group:
            name, _, value = line.partition("=")
            found.append(EntryPoint(name.strip(), value.strip()))
    return found


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plugins: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, list[LoadFailure]] = {}
        self._classes: dict[str, type[Client]] = {}

    def _load(self, namespace: str) -> dict[str, Any]:
        with self._lock:
            if namespace in self._plugins:
                return self._plugins[namespace]
            failures: list[LoadFailure] = []
            plugins: dict[str, Any] = {}
            for entry_point in entry_points(namespace):
                try:
                    plugin = entry_point.load()
                except Exception as exc:  # a broken install: reported by name, never raised
                    error = f"{type(exc).__name__}: {exc}"
                    failures.append(LoadFailure(namespace, entry_point.name, error))
                    continue
                if namespace == PROVIDERS_NAMESPACE:
                    problem = _declaration_problem(entry_point.name, plugin)
                    if problem:
                        failures.append(LoadFailure(namespace, entry_point.name, problem))
                        continue
                plugins[entry_point.name] = plugin
            self._plugins[namespace] = plugins
            self._failures[namespace] = failures
            return plugins

    def client_class(self, name: str, plugin: Any) -> type[Client]:
        """The client class of a loaded provider plugin, imported on first use."""
        if isinstance(plugin, type):
            return plugin
        with self._lock:
            cached = self._classes.get(name)
        if cached is not None:
            return cached
        from paysupport.provider import Client

        module_name, _, qualname = plugin.client.partition(":")
        try:
            target: Any = importlib.import_module(module_name)
            for part in qualname.split("."):
                target = getattr(target, part)
        except Exception as exc:  # a broken install: reported by name, like a failed load
            error = f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._failures.setdefault(PROVIDERS_NAMESPACE, []).append(
                    LoadFailure(PROVIDERS_NAMESPACE, name, f"client {plugin.client}: {error}")
                )
                self._plugins.get(PROVIDERS_NAMESPACE, {}).pop(name, None)
            raise ProviderNotFound(
                f"{name} (installed, but its client {plugin.client} failed to load: {error})",
                sorted(self._plugins.get(PROVIDERS_NAMESPACE, {})),
            ) from None
        if not (isinstance(target, type) and issubclass(target, Client)):
            why = "is not a paysupport Client subclass"
        elif target.info.name != name:
            why = f"declares the provider {target.info.name!r}"
        else:
            why = ""
        if why:
            raise ProviderNotFound(
                f"{name} (its client {plugin.client} {why})",
                sorted(self._plugins.get(PROVIDERS_NAMESPACE, {})),
            )
        client_class: type[Client] = target
        with self._lock:
            self._classes[name] = client_class
        return client_class

    def failures(self, namespace: str) -> list[LoadFailure]:
        self._load(namespace)
        return list(self._failures.get(namespace, ()))

    def reset(self) -> None:
        with self._lock:
            self._plugins.clear()
            self._failures.clear()
            self._classes.clear()


_registry = _Registry()


def reload() -> None:
    """Forget what was loaded, so newly installed plugins are found."""
    _registry.reset()


def _declaration_problem(name: str, plugin: Any) -> str | None:
    """Why an entry point of ``paysupport.providers`` cannot be used, or ``None``."""
    if isinstance(plugin, ProviderInfo):
        if plugin.name != name:
            return f"its ProviderInfo is named {plugin.name!r}, not {name!r}"
        if ":" not in plugin.client:
            return "its ProviderInfo.client is not a 'module:ClassName' path"
        return None
    if isinstance(plugin, type) and _is_client_class(plugin):
        return None
    return "neither a ProviderInfo nor a paysupport Client subclass"


def _is_client_class(plugin: type) -> bool:
    """Whether ``plugin`` (an entry point's class: its module is imported) is a Client."""
    from paysupport.provider import Client

    return issubclass(plugin, Client)


def _info_of(plugin: Any) -> ProviderInfo:
    return plugin if isinstance(plugin, ProviderInfo) else plugin.info


def provider_infos() -> dict[str, ProviderInfo]:
    """Every installed provider's declaration by name; imports no client."""
    return {name: _info_of(plugin) for name, plugin in _registry._load(PROVIDERS_NAMESPACE).items()}


def provider_info(name: str) -> ProviderInfo:
    """The declaration of the provider ``name`` (:class:`ProviderNotFound` if none)."""
    return _info_of(_plugin(name))


def provider_classes() -> dict[str, type[Client]]:
    """Every installed provider's client class by name (imports every client)."""
    classes: dict[str, type[Client]] = {}
    for name in sorted(_registry._load(PROVIDERS_NAMESPACE)):
        with contextlib.suppress(ProviderNotFound):  # a broken client is reported, not raised
            classes[name] = provider_class(name)
    return classes


def available() -> list[ProviderInfo]:
    """Installed providers with their declared capabilities, sorted by name."""
    return [info for _, info in sorted(provider_infos().items())]


def load_failures(*, emulators: bool = True) -> list[LoadFailure]:
    """Plugins (providers and emulators) that are installed but failed to load.

    ``emulators=False`` reports providers only and imports no emulator (they pull in
    the web server and their data generators), which is what a quick listing wants.
    """
    failures = _registry.failures(PROVIDERS_NAMESPACE)
    return failures + _registry.failures(SANDBOXES_NAMESPACE) if emulators else failures


def _plugin(name: str) -> Any:
    plugins = _registry._load(PROVIDERS_NAMESPACE)
    try:
        return plugins[name]
    except KeyError:
        broken = {f.name: f.error for f in _registry.failures(PROVIDERS_NAMESPACE)}
        if name in broken:
            raise ProviderNotFound(
                f"{name} (installed but failed to load: {broken[name]})", sorted(plugins)
            ) from None
        raise ProviderNotFound(name, sorted(plugins)) from None


def provider_class(name: str) -> type[Client]:
    """The client class of the provider ``name``, imported now if it was not yet."""
    return _registry.client_class(name, _plugin(name))


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@overload
def connect(name: str, /, **kwargs: Any) -> Client: ...


@overload
def connect(name: str, expect: type[C], /, **kwargs: Any) -> C: ...


def connect(name: str, expect: type[Client] | None = None, /, **kwargs: Any) -> Client:
    """A ready client for the provider ``name``; see the provider's docs for its settings.

    The core never imports a provider, so the client is typed as the base
    :class:`~paysupport.provider.Client`. Name the provider's class to get its own type
    (``is_entitled``, ``walk_docs``... known to editors and mypy)::

        patreon = paysupport.connect("patreon", PatreonClient)

    The class is checked before the client is made: a
    :class:`~paysupport.errors.ConfigError` names the class registered under ``name``
    when it is neither ``expect`` nor a subclass of it. ``expect`` is positional so that
    ``connect(name, **settings)`` keeps its type. Each provider also exports a
    ``connect()`` of its own, with its settings as typed arguments.
    """
    if "expect" in kwargs:
        raise TypeError(
            f"pass the expected class second, not as expect=: "
            f"paysupport.connect({name!r}, {getattr(kwargs['expect'], '__name__', '...')})"
        )
    from paysupport.provider import Client

    cls = provider_class(name)
    if expect is not None:
        if not (isinstance(expect, type) and issubclass(expect, Client)):
            raise TypeError(f"the expected class must be a paysupport Client, not {expect!r}")
        if not issubclass(cls, expect):
            raise ConfigError(
                f"provider {name!r} is registered as {_qualified(cls)}, "
                f"not as the expected {_qualified(expect)} or a subclass of it",
                provider=name,
            )
    return cls(**kwargs)


def emulator_names() -> list[str]:
    """Providers with an emulator installed, read from entry points without importing them."""
    return sorted({ep.name for ep in entry_points(SANDBOXES_NAMESPACE)})


def emulator_factories() -> dict[str, Callable[..., Any]]:
    """Emulator factories by provider name (entry points in ``paysupport.sandboxes``)."""
    return dict(_registry._load(SANDBOXES_NAMESPACE))
