"""The sandbox serves the Lightning emulator and, when it stops, leaves no thread or port behind."""

from __future__ import annotations

import socket
import threading
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from paysupport_lightning.emulator import LightningEmulator

from paysupport import sandbox


def relay_port(nwc_uri: str) -> int:
    relay = unquote(parse_qs(urlsplit(nwc_uri).query)["relay"][0])
    return int(relay.rsplit(":", 1)[1])


def refused(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_sandbox_starts_and_stops_the_relay_cleanly() -> None:
    before = set(threading.enumerate())
    with sandbox.running(providers=["lightning"]) as sb:
        emulator = sb.emulator("lightning")
        assert isinstance(emulator, LightningEmulator)
        creds = emulator.credentials()
        assert creds["lnaddress_base_url"] == sb.url("lightning")
        port = relay_port(creds["nwc_uri"])
        assert not refused(port)
        state = requests.get(f"{sb.url('lightning')}/_admin/state", timeout=5).json()
        assert state["wallet"]["balance_msat"] == 1_000_000_000
        internal = relay_port("x://?relay=" + emulator.relay.internal_url)
    assert refused(port) and refused(internal)
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert leftover == []
