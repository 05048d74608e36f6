"""The sandbox's /_admin routes: the wallet, the keysends each node received, faults, reset.

- ``GET /_admin/state``: everything below in one document.
- ``GET /_admin/payments``: every keysend received by each simulated recipient
  node, TLV records decoded (bLIP-10's 7629169 parsed as JSON under ``podcast``).
- ``GET /_admin/wallet``: balance, connections (URIs, budgets, spent), sent payments.
- ``POST /_admin/wallet``: ``{"balance_msat": n}`` and/or ``{"connection": name,
  "budget_msat": n|null, "spent_msat": n}``; ``{"rate_limit": n|null}``.
- ``GET /_admin/faults``, ``POST /_admin/faults`` (a :class:`~.store.Fault` as
  JSON: ``{"kind": "drop", "method": "pay_keysend", "times": 1, "delay": 0.5,
  "code": "INTERNAL"}``), ``DELETE /_admin/faults``.
- ``POST /_admin/reset``: back to the seeded world.
"""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from paysupport.emulation import loads_json

from .relay import Relay
from .store import Fault, Store

MAP = Map(
    [
        Rule("/_admin/state", methods=["GET"], endpoint="state"),
        Rule("/_admin/payments", methods=["GET"], endpoint="payments"),
        Rule("/_admin/wallet", methods=["GET"], endpoint="wallet"),
        Rule("/_admin/wallet", methods=["POST"], endpoint="set_wallet"),
        Rule("/_admin/faults", methods=["GET"], endpoint="faults"),
        Rule("/_admin/faults", methods=["POST"], endpoint="add_fault"),
        Rule("/_admin/faults", methods=["DELETE"], endpoint="clear_faults"),
        Rule("/_admin/reset", methods=["POST"], endpoint="reset"),
    ]
)


class Admin:
    """The admin view over one store (and the relay, for its counters)."""

    def __init__(self, store: Store, relay: Relay) -> None:
        self.store = store
        self.relay = relay

    def dispatch(self, endpoint: str, request: Request) -> dict[str, Any]:
        handler = getattr(self, endpoint)
        result: dict[str, Any] = handler(request)
        return result

    def state(self, request: Request | None = None) -> dict[str, Any]:
        return {
            **self.wallet(),
            **self.payments(),
            **self.faults(),
            "relay": {
                "url": self.relay.url,
                "connections": self.relay.connections,
                "disconnects": self.relay.disconnects,
            },
            "requests": {
                "seen": self.store.requests_seen,
                "answered": self.store.answered,
                "expired_ignored": self.store.expired_ignored,
            },
        }

    def payments(self, request: Request | None = None) -> dict[str, Any]:
        with self.store.lock:
            received = [p.to_dict() for p in self.store.received]
            nodes = [
                {
                    "name": r.name,
                    "pubkey": r.pubkey,
                    "address": r.address,
                    "custom_key": r.custom_key,
                    "custom_value": r.custom_value,
                    "received_msat": sum(
                        p.amount_msat for p in self.store.received if p.recipient is r
                    ),
                }
                for r in self.store.world.recipients
            ]
        return {"payments": received, "nodes": nodes}

    def wallet(self, request: Request | None = None) -> dict[str, Any]:
        with self.store.lock:
            return {
                "wallet": {
                    "alias": self.store.world.alias,
                    "node_pubkey": self.store.world.node_pubkey,
                    "balance_msat": self.store.balance_msat,
                    "rate_limit": self.store.rate_limit,
                    "rate_window": self.store.rate_window,
                    "connections": [c.to_dict() for c in self.store.connections.values()],
                    "sent": [p.to_dict() for p in self.store.payments.values()],
                }
            }

    def set_wallet(self, request: Request) -> dict[str, Any]:
        body = _json_object(request)
        with self.store.lock:
            if "balance_msat" in body:
                self.store.balance_msat = _count(body, "balance_msat")
            if "rate_limit" in body:
                self.store.rate_limit = _count(body, "rate_limit", optional=True)
            if "connection" in body:
                conn = self.store.connections.get(str(body["connection"]))
                if conn is None:
                    raise NotFound(f"no connection {body['connection']!r}")
                if "budget_msat" in body:
                    conn.budget_msat = _count(body, "budget_msat", optional=True)
                if "spent_msat" in body:
                    conn.spent_msat = _count(body, "spent_msat")
        return self.wallet()

    def faults(self, request: Request | None = None) -> dict[str, Any]:
        with self.store.lock:
            return {"faults": [f.to_dict() for f in self.store.faults]}

    def add_fault(self, request: Request) -> dict[str, Any]:
        body = _json_object(request)
        try:
            fault = Fault(**body)
        except (TypeError, ValueError) as exc:
            raise BadRequest(str(exc)) from None
        with self.store.lock:
            self.store.faults.append(fault)
        return self.faults()

    def clear_faults(self, request: Request) -> dict[str, Any]:
        with self.store.lock:
            self.store.faults.clear()
        return self.faults()

    def reset(self, request: Request) -> dict[str, Any]:
        self.store.reset()
        return self.state()


def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = loads_json(request.get_data() or b"{}")
    except ValueError:
        raise BadRequest("the body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _count(body: dict[str, Any], name: str, *, optional: bool = False) -> Any:
    value = body[name]
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadRequest(f"{name} must be a non-negative integer")
    return value
