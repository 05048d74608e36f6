"""Flattring: a thing, a thing id, a thing page URL, an auto-submit URL or any URL.

resources/flattrs.md documents two calls: ``POST /things/:id/flattr`` for a
known thing and ``POST /flattr`` with ``url=`` for any flattrable URL,
including auto-submit URLs (the thing is created on its first flattr). The
target decides the call; a target that is neither is refused before sending.
The documented refusals are named errors: :class:`AlreadyFlattred`,
:class:`OwnThing`, :class:`NotEnoughMeans`, :class:`ThingNotFound`.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

from .autosubmit import thing_id_from_url
from .catalog import check_url
from .errors import ThingNotFound, ValidationFailed
from .resources import FlattrResult, MiniThing, Thing, thing_id_of
from .transport import Answer, Context


def flattr(ctx: Context, target: Any) -> FlattrResult:
    """Flattr ``target`` once; see the module docstring for what it may be."""
    if isinstance(target, (Thing, MiniThing, int)) or (
        isinstance(target, str) and target.strip().isdigit()
    ):
        return _flattr_thing(ctx, thing_id_of(target))
    if not isinstance(target, str):
        raise ValidationFailed(
            f"cannot flattr a {type(target).__name__}: give a thing, an id or a URL", field="url"
        )
    url = check_url(target)
    thing_id = thing_id_from_url(url, ctx.hosts.sites)
    if thing_id is not None:
        return _flattr_thing(ctx, thing_id)
    answer = ctx.api.call("POST", "/flattr", json_body={"url": url}, not_found=ThingNotFound)
    return _result(answer)


def _flattr_thing(ctx: Context, thing_id: int) -> FlattrResult:
    answer = ctx.api.call("POST", f"/things/{thing_id}/flattr", not_found=ThingNotFound)
    return _result(answer)


def _result(answer: Answer) -> FlattrResult:
    return FlattrResult.parse(answer.body, _answer_time(answer.headers.get("Date")))


def _answer_time(date: str | None) -> float:
    if date:
        try:
            return parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError):
            pass
    return time.time()
