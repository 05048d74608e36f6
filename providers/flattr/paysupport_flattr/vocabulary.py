"""The languages and categories a thing may use, fetched once per client and cached.

``GET /languages`` and ``GET /categories`` rarely change, and validating a
thing's fields should not cost a request per field: the lists are fetched on
first use (thread-safe) and kept for the client's lifetime.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .parsing import Reader, as_list
from .validation import check_choice


@dataclass(frozen=True)
class Choice:
    """One language (``en_GB``, "English") or category (``text``, "Text")."""

    id: str
    text: str


def parse_choices(body: Any, what: str) -> tuple[Choice, ...]:
    items = as_list(body, what)
    readers = (Reader(item, f"{what}[{i}]") for i, item in enumerate(items))
    return tuple(Choice(r.text("id"), r.text("text")) for r in readers)


class Vocabulary:
    """Cached language and category lists; ``fixed()`` builds one without a server."""

    def __init__(
        self,
        fetch_languages: Callable[[], tuple[Choice, ...]],
        fetch_categories: Callable[[], tuple[Choice, ...]],
    ) -> None:
        self._fetch = {"language": fetch_languages, "category": fetch_categories}
        self._cache: dict[str, tuple[Choice, ...]] = {}
        self._lock = threading.Lock()

    @classmethod
    def fixed(cls, languages: Iterable[str], categories: Iterable[str]) -> Vocabulary:
        langs = tuple(Choice(x, x) for x in languages)
        cats = tuple(Choice(x, x) for x in categories)
        return cls(lambda: langs, lambda: cats)

    def _get(self, kind: str) -> tuple[Choice, ...]:
        with self._lock:
            if kind not in self._cache:
                self._cache[kind] = self._fetch[kind]()
            return self._cache[kind]

    def languages(self) -> tuple[Choice, ...]:
        return self._get("language")

    def categories(self) -> tuple[Choice, ...]:
        return self._get("category")

    def check_language(self, value: Any) -> str:
        return check_choice(value, {c.id for c in self.languages()}, "language")

    def check_category(self, value: Any) -> str:
        return check_choice(value, {c.id for c in self.categories()}, "category")
