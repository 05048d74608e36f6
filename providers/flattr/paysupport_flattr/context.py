"""What the services and models of one client share: the API, its hosts, the vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

from .hosts import Hosts
from .transport import FlattrApi
from .vocabulary import Vocabulary


@dataclass(frozen=True)
class Context:
    api: FlattrApi
    hosts: Hosts
    vocabulary: Vocabulary
