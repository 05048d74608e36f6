"""One API call after the common checks passed, and the parameter parsing handlers share."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from paysupport_ipernity.catalogue import Method
from paysupport_ipernity.emulator.errors import BAD_VALUE, PARAMETER_MISSING, ApiError
from paysupport_ipernity.emulator.model import Token


@dataclass
class Call:
    """A checked call: api key, signature, token and permissions are already verified.

    ``root`` is the request's URL root (with the mount prefix and a trailing slash), from
    which every absolute URL in the answer is built.
    """

    method: Method
    params: dict[str, str]
    root: str
    now: float
    token: Token | None = None
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @property
    def viewer(self) -> str | None:
        """The calling user's id, if the call carries a token."""
        return self.token.user_id if self.token else None

    def text(self, name: str, default: str = "") -> str:
        return self.params.get(name, default)

    def has(self, name: str) -> bool:
        return self.params.get(name, "") != ""

    def integer(self, name: str, default: int | None = None) -> int:
        """Parameter ``name`` as an int; error 3 if malformed, 103 if absent with no default."""
        raw = self.params.get(name, "").strip()
        if raw == "":
            if default is None:
                raise ApiError(PARAMETER_MISSING, f"Missing required parameter: {name}")
            return default
        try:
            return int(raw)
        except ValueError:
            raise ApiError(BAD_VALUE, f"Invalid value for {name}: {raw!r}") from None

    def number(self, name: str) -> float | None:
        raw = self.params.get(name, "").strip()
        if raw == "":
            return None
        try:
            return float(raw)
        except ValueError:
            raise ApiError(BAD_VALUE, f"Invalid value for {name}: {raw!r}") from None

    def id_list(self, name: str, limit: int) -> list[int]:
        """A comma separated list of numeric ids, at most ``limit`` of them."""
        raw = [part.strip() for part in self.params.get(name, "").split(",") if part.strip()]
        if not raw:
            raise ApiError(PARAMETER_MISSING, f"Missing required parameter: {name}")
        if len(raw) > limit:
            raise ApiError(BAD_VALUE, f"Too many values in {name} (maximum is {limit})")
        try:
            return [int(part) for part in raw]
        except ValueError:
            raise ApiError(BAD_VALUE, f"Invalid value for {name}") from None

    def extras(self) -> set[str]:
        return {e.strip().lower() for e in self.params.get("extra", "").split(",") if e.strip()}

    def paging(self, default: int, maximum: int = 100) -> tuple[int, int]:
        """``(page, per_page)``: 1-based page, per_page clamped to ``1..maximum``.

        Malformed values fall back to the defaults rather than failing the call.
        """
        try:
            page = max(1, int(self.params.get("page", "1") or "1"))
        except ValueError:
            page = 1
        raw = self.params.get("per_page") or self.params.get("count") or str(default)
        try:
            per_page = min(maximum, max(1, int(raw)))
        except ValueError:
            per_page = default
        return page, per_page


def split_keywords(raw: str) -> list[str]:
    """Keyword tags as Ipernity writes them: ``holidays,beach`` or ``"blue sky",sunset``."""
    rows = list(csv.reader([raw], skipinitialspace=True))
    return [k.strip() for k in (rows[0] if rows else []) if k.strip()]
