"""``include`` and ``fields[type]`` parameters, checked against the catalogue before sending.

Patreon v2 returns no attribute unless ``fields[type]`` names it and no related
resource unless ``include`` names the relationship, so every call takes both.
A name the route does not offer is a typo that Patreon would answer with a 400;
here it is an :class:`~paysupport.errors.InvalidRequest` before any request,
naming what the route does allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from paysupport._args import several
from paysupport.errors import InvalidRequest
from paysupport_patreon.catalog import ATTRIBUTES, RouteSpec
from paysupport_patreon.errors import PROVIDER

#: ``fields`` as callers write it: ``{"member": ["full_name", "email"]}`` or ``{"member": "a,b"}``.
Fields = Mapping[str, Iterable[str] | str]


def split_names(value: Iterable[str] | str, argument: str) -> list[str]:
    """Names from a list, or from one comma-separated string (the wire's own form)."""
    items = (
        value.split(",") if isinstance(value, str) else several(value, argument, provider=PROVIDER)
    )
    return [name.strip() for name in items if isinstance(name, str) and name.strip()]


def build_params(
    route: RouteSpec,
    includes: Iterable[str] | str | None = None,
    fields: Fields | None = None,
    *,
    include_all: bool = False,
) -> dict[str, str]:
    """Query parameters for ``route``; :class:`InvalidRequest` for anything it does not offer.

    ``include_all`` asks for every relationship the route allows (nested ones
    too) and every attribute of every type it can return, merged with the
    ``includes`` and ``fields`` given.
    """
    wanted = split_names(includes, "includes") if includes is not None else []
    chosen = {t: split_names(v, f"fields[{t!r}]") for t, v in (fields or {}).items()}
    if include_all:
        wanted = sorted(set(wanted) | route.allowed_includes)
        for rtype in route.allowed_field_types:
            chosen[rtype] = sorted(ATTRIBUTES[rtype])
    unknown = [name for name in wanted if name not in route.allowed_includes]
    if unknown:
        raise InvalidRequest(
            f"unknown include {', '.join(unknown)} on {route.primary_type} routes; "
            f"allowed: {', '.join(sorted(route.allowed_includes))}",
            provider=PROVIDER,
        )
    params: dict[str, str] = {}
    if wanted:
        params["include"] = ",".join(dict.fromkeys(wanted))
    for rtype, names in chosen.items():
        if rtype not in route.allowed_field_types:
            raise InvalidRequest(
                f"no fields for type {rtype!r} on {route.primary_type} routes; "
                f"allowed types: {', '.join(sorted(route.allowed_field_types))}",
                provider=PROVIDER,
            )
        bad = [name for name in names if name not in ATTRIBUTES[rtype]]
        if bad:
            raise InvalidRequest(
                f"unknown field(s) {', '.join(bad)} on type {rtype!r}; "
                f"known: {', '.join(sorted(ATTRIBUTES[rtype]))}",
                provider=PROVIDER,
            )
        if names:
            params[f"fields[{rtype}]"] = ",".join(dict.fromkeys(names))
    return params
