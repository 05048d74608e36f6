"""``/_admin/state``: a JSON view of the emulator for tests, the demo and users' tests.

It shows users, counts, uploads, faves, frobs and tokens (without the app's secret or the
tokens' values), so a test can see what a client did without reaching into the store.
"""

from __future__ import annotations

import time
from typing import Any

from paysupport_ipernity.emulator.store import State

__all__ = ["admin_state"]


def admin_state(state: State) -> dict[str, Any]:
    """What ``/_admin/state`` shows: the app, counts, users, faves, uploads, frobs, tokens.

    Secrets stay out: the api secret, and the tokens' values.
    """
    with state.lock:
        world = state.world
        now = time.time()
        return {
            "app": {"api_key": state.app.api_key, "callback_url": state.app.callback_url},
            "counts": {
                **world.counts(),
                "frobs": len(state.frobs),
                "tokens": len(state.tokens),
                "tickets": len(state.tickets),
            },
            "users": [
                {
                    "user_id": u.user_id,
                    "username": u.username,
                    "realname": u.realname,
                    "alias": u.alias,
                    "docs": len(world.user_docs[u.user_id]),
                    "albums": len(world.user_albums[u.user_id]),
                }
                for u in world.users.values()
            ],
            "faves": {
                user_id: [str(d) for d in reversed(faves)] for user_id, faves in world.faves.items()
            },
            "uploads": [
                {
                    "ticket": t.ticket,
                    "user_id": t.user_id,
                    "filename": t.filename,
                    "bytes": len(t.content),
                    "polls_left": t.polls_left,
                    "replace_doc_id": t.replace_doc_id,
                    "doc_id": t.doc_id,
                    "invalid": t.invalid,
                }
                for t in state.tickets.values()
            ],
            "frobs": [
                {
                    "frob": f.frob,
                    "authorized": f.user_id is not None,
                    "user_id": f.user_id,
                    "expired": f.expires_at < now,
                }
                for f in state.frobs.values()
            ],
            "tokens": [
                {
                    "user_id": t.user_id,
                    "permissions": dict(t.permissions),
                    "expires_at": t.expires_at,
                }
                for t in state.tokens.values()
            ],
        }
