"""Which optional extra brings which library, and the error naming the extra when one is missing.

``pip install paysupport`` brings what every application uses (requests,
oauthlib, platformdirs, filelock, click, rich). The parts only some
applications use bring their libraries through extras, so a web app that
verifies Patreon webhooks does not carry an emulator's web framework:

``sandbox`` (werkzeug)
    the emulators, :mod:`paysupport.sandbox`, ``paysupport sandbox`` and
    ``paysupport demo``, and the test kit's servers and sandbox fixtures;
``testing`` (vcrpy)
    recording and replaying cassettes (:func:`paysupport.testing.recorder`);
``feeds`` (feedparser)
    reading podcast and blog feeds (:mod:`paysupport.feeds`, the podcatcher
    and the blog's feed sync: ``paysupport support-feed`` and ``sync-blog``);
``keyring`` (keyring)
    the operating system's keyring as a token store;
``sync`` (dramatiq, psycopg, psycopg-pool, redis)
    supporter sync at scale: the PostgreSQL mirror store
    (:mod:`paysupport.sync.postgres_store`), Dramatiq workers on a Redis
    broker. The embedded default (SQLite, one machine) needs none of them.

A part imports an extra's library inside :func:`needs_extra`, so that a
missing one raises :class:`~paysupport.errors.MissingExtra` with the command
that installs it, rather than a bare ``ModuleNotFoundError``. Providers do the
same for their own ``[sandbox]`` extra, naming their distribution.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

from paysupport.errors import MissingExtra

#: Each extra and the top-level modules it brings (as pyproject.toml declares them).
EXTRAS: Mapping[str, tuple[str, ...]] = {
    "sandbox": ("werkzeug",),
    "testing": ("vcr",),
    "feeds": ("feedparser",),
    "keyring": ("keyring",),
    "sync": ("dramatiq", "psycopg", "psycopg_pool", "redis"),
}


@contextlib.contextmanager
def needs_extra(extra: str, part: str, *, distribution: str = "paysupport") -> Iterator[None]:
    """Import an extra's libraries in the block; their absence raises ``MissingExtra``.

    ``part`` says what needs them, as the user would know it (``"the sandbox"``,
    ``"paysupport.feeds"``). Only the absence of one of the extra's own modules
    is turned into ``MissingExtra``: any other ``ImportError`` (a library of the
    extra missing one of its own dependencies) is a broken installation and
    goes through unchanged.
    """
    modules = EXTRAS[extra]
    try:
        yield
    except ImportError as exc:
        missing = exc.name or ""
        if isinstance(exc, MissingExtra) or missing.partition(".")[0] not in modules:
            raise
        raise MissingExtra(extra, part=part, module=missing, distribution=distribution) from exc
