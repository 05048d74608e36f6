"""An interactive Python console with a ready client (``paysupport shell <provider>``)."""

from __future__ import annotations

import code
from collections.abc import Mapping
from typing import Any

import paysupport
from paysupport.provider import Client


def namespace(client: Client, **extra: Any) -> dict[str, Any]:
    """What the console starts with: ``client``, ``login()`` (``client.login``), ``paysupport``."""
    return {"client": client, "login": client.login, "paysupport": paysupport, **extra}


def interact(
    client: Client, *, banner: str | None = None, extra: Mapping[str, Any] | None = None
) -> None:
    """Start the console; returns when the person leaves it (Ctrl-D, ``exit()``)."""
    info = client.info
    banner = banner or (
        f"paysupport {paysupport.__version__} shell for {info.title} at {client.base_url}\n"
        f"  client    a ready {type(client).__name__}\n"
        "  login()   log in through the browser and store the token\n"
        f"  verbs     {', '.join(sorted(c.value for c in info.capabilities))}"
    )
    console = code.InteractiveConsole(namespace(client, **(extra or {})))
    console.interact(banner=banner, exitmsg="")
