"""Send your own app a correctly signed webhook delivery of any event, without real supporters.

Like ``stripe trigger``: nobody can make Patreon or GitHub send a test delivery
without a real patron or sponsor, so ``paysupport trigger <provider> <event>
--to URL`` (and :func:`trigger`) builds the delivery the service would send,
from the provider's emulator's seeded data, signs it with the provider's own
signing code (the code its webhook receivers verify with) and POSTs it to
``URL``. Whatever the app answers is reported; nothing is retried.

A provider offers this through the optional ``paysupport.triggers`` entry
point, naming a :class:`DeliveryMaker`; the core never imports a provider. The
secret is the one given, else the secret the provider stores for that URL
(:meth:`DeliveryMaker.stored_secret`: Patreon's registered webhook, GitHub's
``webhook_secret`` setting). Building needs the provider's emulator, so the
``sandbox`` extra.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import requests

from paysupport.emulation import Emulator, EmulatorSettings
from paysupport.errors import ConfigError, TransportError, Unsupported
from paysupport.registry import emulator_factories

if TYPE_CHECKING:
    from paysupport.provider import Client

__all__ = [
    "TRIGGERS_NAMESPACE",
    "Delivery",
    "DeliveryMaker",
    "Sent",
    "build",
    "events",
    "maker",
    "new_emulator",
    "send",
    "stored_secret",
    "trigger",
]

TRIGGERS_NAMESPACE = "paysupport.triggers"

#: How much of the app's answer a :class:`Sent` keeps (enough for an error message).
ANSWER_KEPT = 2000


@runtime_checkable
class DeliveryMaker(Protocol):
    """What a provider's ``paysupport.triggers`` entry point names.

    ``events`` are the names ``paysupport trigger`` accepts (Patreon's
    triggers, ``sponsorship.<action>`` for GitHub); ``choices`` the keys
    :meth:`build` understands (which member, which tier...).
    """

    events: Sequence[str]
    choices: Sequence[str]

    def build(
        self, emulator: Any, event: str, secret: str, choices: Mapping[str, str]
    ) -> tuple[dict[str, str], bytes]:
        """The headers and raw body of one delivery of ``event``, signed with ``secret``.

        Built from ``emulator``'s data (the provider's own emulator, as its
        ``paysupport.sandboxes`` factory made it); an unknown choice or a
        record that does not exist raises :class:`~paysupport.errors.ConfigError`.
        """
        ...

    def stored_secret(self, client: Client, url: str) -> str | None:
        """The secret the provider keeps for deliveries to ``url``; ``None`` when it has none."""
        ...


@dataclass(frozen=True)
class Delivery:
    """One built delivery: what is POSTed, byte for byte."""

    provider: str
    event: str
    headers: Mapping[str, str]
    body: bytes = field(repr=False)


@dataclass(frozen=True)
class Sent:
    """A delivery and the app's answer to it."""

    delivery: Delivery
    url: str
    status: int
    answer: str = field(repr=False, default="")

    @property
    def ok(self) -> bool:
        """A 2xx answer: the app took the delivery, as the service would count it."""
        return 200 <= self.status < 300


def maker(provider: str) -> DeliveryMaker:
    """The provider's :class:`DeliveryMaker`; :class:`Unsupported` when it offers none."""
    found = [ep for ep in entry_points(group=TRIGGERS_NAMESPACE) if ep.name == provider]
    if not found:
        offered = sorted({ep.name for ep in entry_points(group=TRIGGERS_NAMESPACE)})
        raise Unsupported(
            f"{provider} offers no webhook triggers (providers that do: "
            f"{', '.join(offered) or 'none'})",
            provider=provider,
            capability="webhooks",
        )
    loaded = found[0].load()
    if not isinstance(loaded, DeliveryMaker):
        raise ConfigError(
            f"the {TRIGGERS_NAMESPACE} entry point {found[0].value} is not a DeliveryMaker",
            provider=provider,
        )
    return loaded


def events(provider: str) -> tuple[str, ...]:
    """The events ``provider`` can trigger."""
    return tuple(maker(provider).events)


def new_emulator(provider: str, seed: int = 0) -> Emulator:
    """A new emulator of ``provider`` seeded with ``seed``: the data deliveries are built from."""
    factory = emulator_factories().get(provider)
    if factory is None:
        raise Unsupported(
            f"{provider}'s emulator is not installed (its [sandbox] extra)", provider=provider
        )
    emulator: Emulator = factory(EmulatorSettings(seed=seed))
    return emulator


def build(
    provider: str,
    event: str,
    secret: str,
    *,
    emulator: Emulator | None = None,
    seed: int = 0,
    choices: Mapping[str, str] | None = None,
) -> Delivery:
    """A delivery of ``event`` signed with ``secret``, built from an emulator's data.

    ``emulator`` is the one to read (a running sandbox's, so the delivery is
    about records the app can then fetch from it); by default a new one seeded
    with ``seed``, which holds the same records as any sandbox of that seed.
    ``choices`` pick the records (the maker's :attr:`~DeliveryMaker.choices`).
    """
    made = maker(provider)
    if event not in made.events:
        raise ConfigError(
            f"{provider} has no event {event!r}; known: {', '.join(made.events)}",
            provider=provider,
        )
    if not secret:
        raise ConfigError("a delivery needs a non-empty secret to be signed", provider=provider)
    source = emulator if emulator is not None else new_emulator(provider, seed)
    headers, body = made.build(source, event, secret, dict(choices or {}))
    return Delivery(provider, event, dict(headers), body)


def send(delivery: Delivery, url: str, *, timeout: float = 10.0) -> Sent:
    """POST ``delivery`` to ``url`` once; any answer is a :class:`Sent`, no answer an error."""
    try:
        with requests.Session() as session:
            answer = session.post(
                url,
                data=delivery.body,
                headers=dict(delivery.headers),
                timeout=timeout,
                allow_redirects=False,
            )
    except requests.RequestException as exc:
        raise TransportError(
            f"could not deliver {delivery.event} to {url}: {type(exc).__name__}",
            provider=delivery.provider,
        ) from exc
    return Sent(delivery, url, answer.status_code, answer.text[:ANSWER_KEPT])


def stored_secret(provider: str, client: Client, url: str) -> str | None:
    """The secret ``provider`` keeps for deliveries to ``url`` (see :class:`DeliveryMaker`)."""
    return maker(provider).stored_secret(client, url)


def trigger(
    provider: str,
    event: str,
    url: str,
    secret: str,
    *,
    emulator: Emulator | None = None,
    seed: int = 0,
    timeout: float = 10.0,
    choices: Mapping[str, str] | None = None,
) -> Sent:
    """Build a delivery of ``event`` (see :func:`build`) and POST it to ``url``."""
    delivery = build(provider, event, secret, emulator=emulator, seed=seed, choices=choices)
    return send(delivery, url, timeout=timeout)
