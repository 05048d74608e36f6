"""The Lightning Address server: ``/.well-known/keysend/<user>`` for the seeded recipients.

A real address ``user@domain`` resolves at ``https://domain/.well-known/keysend/user``;
the sandbox serves every seeded domain on one root, so the domain comes as
``?domain=`` (the client's ``lnaddress_base_url`` setting), or from the Host
header when absent. Answers follow the podcast namespace's lnaddress document:
``{status: "OK", tag: "keysend", pubkey, customData}``, or ``{status: "ERROR",
reason}`` with 404 for an unknown user.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

from .store import Store


def keysend_answer(store: Store, request: Request, user: str) -> tuple[int, dict[str, Any]]:
    """The status and JSON body for ``GET /.well-known/keysend/<user>``."""
    domain = request.args.get("domain") or request.host.split(":", 1)[0]
    recipient = store.recipient_by_address(user, domain)
    if recipient is None:
        return 404, {"status": "ERROR", "reason": f"unknown user {user}@{domain}"}
    body: dict[str, Any] = {"status": "OK", "tag": "keysend", "pubkey": recipient.pubkey}
    if recipient.custom_key is not None:
        body["customData"] = [
            {"customKey": str(recipient.custom_key), "customValue": recipient.custom_value or ""}
        ]
    return 200, body
