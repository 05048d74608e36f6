"""GitHub's public GraphQL schema, built once per process from the shipped SDL.

The SDL is ``paysupport_github/data/schema.graphql``, GitHub's schema as
octokit/graphql-schema publishes it (MIT, ``LICENSE-graphql-schema.md``
beside it). Building it takes about 0.7 s, so it is built lazily, on the first
GraphQL request of the process, and shared by every emulator after that: a
sandbox that never serves GitHub pays nothing.

GitHub's published SDL is not valid by graphql-core's rules (a few fields are
declared twice in ``EnterpriseOwnerInfo``, some implementations deprecate an
interface field that the interface does not), so it is built with
``assume_valid_sdl`` and ``assume_valid``: GitHub serves that schema as it is,
and queries are still validated against it.
"""

from __future__ import annotations

import threading
from importlib import resources

from graphql import GraphQLSchema, build_schema

_lock = threading.Lock()
_schema: GraphQLSchema | None = None


def schema_text() -> str:
    """The shipped SDL, read from the package data."""
    return resources.files("paysupport_github").joinpath("data/schema.graphql").read_text("utf-8")


def github_schema() -> GraphQLSchema:
    """The schema, built on first use and cached for the process (thread-safe)."""
    global _schema
    if _schema is None:
        with _lock:
            if _schema is None:
                _schema = build_schema(schema_text(), assume_valid_sdl=True, assume_valid=True)
    return _schema
