"""The declaration (``paysupport_ipernity.info``) is readable without importing the client.

Listing providers (``paysupport providers``) loads every ``paysupport.providers`` entry
point; for Ipernity that is :data:`~paysupport_ipernity.info.INFO`, and reading it must not
drag in the client, its HTTP layer or the emulator. Checked in a fresh interpreter, since
this one has imported the client long ago.
"""

from __future__ import annotations

import subprocess
import sys

from paysupport_ipernity.client import IpernityClient
from paysupport_ipernity.info import INFO

import paysupport.registry

PROBE = """
import sys
import paysupport.registry as registry
infos = {info.name: info for info in registry.available()}
print(infos["ipernity"].client)
print(sorted(m for m in sys.modules if m.startswith("paysupport_ipernity")))
"""


def test_listing_providers_imports_only_the_declaration() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    client_path, modules = done.stdout.splitlines()
    assert client_path == "paysupport_ipernity.client:IpernityClient"
    assert modules == "['paysupport_ipernity', 'paysupport_ipernity.info']"


def test_the_client_declares_itself_with_the_same_info() -> None:
    assert IpernityClient.info is INFO
    assert paysupport.registry.provider_info("ipernity") is INFO
    module, _, name = INFO.client.partition(":")
    assert getattr(sys.modules[module], name) is IpernityClient
