"""``register()``: make a URL flattrable, idempotently.

Look the URL up first; create the thing only when Flattr knows none, and
otherwise send only the fields that differ (nothing at all when none do), so
running the same registration twice never creates a duplicate or a needless
write. Everything is validated before the first request. Two registrations
racing for the same URL are settled by Flattr refusing the second creation;
the loser then updates the winner's thing instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from paysupport.provider import Registration as CoreRegistration

from .context import Context
from .errors import Forbidden, ValidationFailed
from .things import Thing, ThingsService
from .validation import check_tags


@dataclass(frozen=True)
class Registration(CoreRegistration):
    """The core's registration result, with the registered :class:`Thing` at hand."""

    thing: Thing | None = None

    @classmethod
    def of(cls, thing: Thing, *, created: bool, changed: tuple[str, ...] = ()) -> Registration:
        status = "created" if created else ("updated" if changed else "unchanged")
        return cls(
            url=thing.url,
            remote_id=str(thing.id),
            status=status,
            changed=changed,
            raw=thing.raw,
            thing=thing,
        )

    @property
    def id(self) -> int | None:
        return self.thing.id if self.thing is not None else None

    @property
    def created(self) -> bool:
        return self.status == "created"

    @property
    def unchanged(self) -> bool:
        return self.status == "unchanged"

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "action": self.status,
            "changed": ",".join(self.changed),
        }


def register(
    ctx: Context,
    my_username: Callable[[], str],
    url: str,
    title: str,
    *,
    description: str | None = None,
    tags: Sequence[str] = (),
    language: str | None = None,
    category: str | None = None,
    hidden: bool = False,
) -> Registration:
    """Register ``url``; ``None`` or empty arguments leave that field as it is.

    ``title`` and ``hidden`` are always compared. Raises :class:`Forbidden`
    (before writing) when the URL is registered by another account.
    """
    things = ThingsService(ctx)
    draft = things.new(  # validates everything before any write
        url,
        title=title,
        description=description,
        tags=check_tags(tags) or None,  # a bare string is refused here, not split into letters
        language=language,
        category=category,
        hidden=hidden,
    )
    existing = things.lookup(draft.url)
    if existing is None:
        try:
            draft.commit()
            return Registration.of(draft, created=True)
        except ValidationFailed:
            existing = things.lookup(draft.url)  # created meanwhile by a concurrent register
            if existing is None:
                raise
    if existing.owner_username is not None and existing.owner_username != my_username():
        raise Forbidden(
            f"{draft.url} is registered by {existing.owner_username}, not by this account",
            provider="flattr",
            code="forbidden",
        )
    for name, value in draft.changes.items():
        if name != "url":
            setattr(existing, name, value)
    changed = tuple(sorted(existing.changes))
    existing.commit()
    return Registration.of(existing, created=False, changed=changed)
