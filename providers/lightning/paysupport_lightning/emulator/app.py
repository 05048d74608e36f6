"""The Lightning emulator: a Nostr relay, an NWC wallet service, a keysend network, a WSGI app.

Creating a :class:`LightningEmulator` starts the relay (127.0.0.1, a free port
unless ``relay_port`` is given) and the wallet service on a private event loop;
:meth:`~LightningEmulator.close` stops both (the sandbox calls it when it
stops). The WSGI app serves the sandbox's ``/_admin`` routes and the Lightning
Address server; the wallet itself is reached only over the relay, with the NWC
URI from :meth:`~LightningEmulator.credentials`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from paysupport._wsgi import StartResponse, WSGIEnvironment
from paysupport.emulation import EmulatorSettings

from .admin import MAP as ADMIN_MAP, Admin
from .eventloop import BackgroundLoop
from .lnaddress import keysend_answer
from .network import Network
from .nwc import WalletService
from .relay import Relay
from .seed import seed_world
from .store import Connection, Fault, Store
from .wallet import Wallet

_PUBLIC = Map([Rule("/.well-known/keysend/<user>", methods=["GET"], endpoint="keysend")])


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


class LightningEmulator:
    """A running sandbox wallet reachable over NWC; close it (or use ``with``) when done."""

    name = "lightning"

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        *,
        faults: Sequence[Fault] = (),
        relay_port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self.world = seed_world(self.settings.seed, self.settings.sizes)
        self.base_url: str | None = None
        self._loop = BackgroundLoop()
        try:
            self.relay = Relay(self._loop, port=relay_port)
            self.store = Store(
                self.world,
                self.relay.url,
                rate_limit=self.settings.rate_limit,
                rate_window=self.settings.rate_window,
            )
            self.store.faults.extend(faults)
            self.network = Network(self.store)
            self.wallet = Wallet(self.store, self.network, clock)
            self.service = WalletService(self._loop, self.relay, self.store, self.wallet)
        except BaseException:
            self.close()
            raise
        self.admin = Admin(self.store, self.relay)

    # -- lifecycle -----------------------------------------------------------------------

    def serving(self, url: str) -> None:
        """Learn the URL the WSGI app is served at (for ``lnaddress_base_url``)."""
        self.base_url = url.rstrip("/")

    def close(self) -> None:
        """Stop the wallet service and the relay and join the loop's thread (idempotent)."""
        for part in ("service", "relay"):
            obj = self.__dict__.pop(part, None)
            if obj is not None:
                obj.close()
        self._loop.close()

    def __enter__(self) -> LightningEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the Emulator contract -----------------------------------------------------------

    def connection(self, name: str = "podcatcher") -> Connection:
        """A seeded NWC connection: podcatcher, legacy (nip04), untagged, readonly."""
        return self.store.connections[name]

    def credentials(self) -> dict[str, str]:
        """``nwc_uri`` (the podcatcher connection) and, once served, ``lnaddress_base_url``."""
        creds = {"nwc_uri": self.connection().uri}
        if self.base_url is not None:
            creds["lnaddress_base_url"] = self.base_url
        return creds

    def admin_state(self) -> dict[str, Any]:
        return self.admin.state()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self._route(request)
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        try:
            if request.path.startswith("/_admin/"):
                endpoint, _ = ADMIN_MAP.bind_to_environ(request.environ).match()
                return _json(200, self.admin.dispatch(str(endpoint), request))
            endpoint, args = _PUBLIC.bind_to_environ(request.environ).match()
            status, body = keysend_answer(self.store, request, args["user"])
            return _json(status, body)
        except HTTPException as exc:
            if request.path.startswith("/.well-known/keysend/"):
                return _json(exc.code or 400, {"status": "ERROR", "reason": exc.description})
            return _json(exc.code or 400, {"error": exc.name, "message": exc.description})


def create_emulator(settings: EmulatorSettings) -> LightningEmulator:
    """The ``paysupport.sandboxes`` entry point: a started emulator (relay and wallet running)."""
    return LightningEmulator(settings)
