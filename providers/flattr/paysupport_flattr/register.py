"""``register()``: make a URL flattrable, idempotently.

Look the URL up first; create the thing only when Flattr knows none, and
otherwise send only the fields that differ (nothing at all when none do), so
running the same registration twice never creates a duplicate or a needless
write. Everything is validated before the first request. Two registrations
racing for the same URL are settled by Flattr refusing the second creation;
the loser then updates the winner's thing instead. The result,
:class:`~paysupport_flattr.resources.Registration`, is a record like the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .catalog import check_tags
from .errors import Forbidden, ValidationFailed
from .resources import Registration
from .thing_calls import ThingsService

__all__ = ["Registration", "register"]


def register(
    things: ThingsService,
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
