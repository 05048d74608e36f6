"""How much of each episode was listened: a file of guid and seconds, or gPodder's database.

Streaming pays per minute of the episode's runtime listened, so the payer
needs, per episode guid, how far the listener got. Two sources besides the
Python API (a plain ``{guid: seconds}`` mapping):

* **a listened file**: one episode a line, ``<guid> <seconds>`` (the last
  whitespace-separated field is the seconds, so a guid may hold spaces); blank
  lines and lines starting with ``#`` are ignored. A guid listed twice keeps
  the larger number (listening only moves forward for payment).
* **gPodder**: its ``Downloads.sqlite`` keeps, per episode, ``current_position``
  (seconds into the episode where playback stopped) and ``total_time``. It is
  opened **read-only** (``mode=ro``): gPodder may be running, and paysupport
  never writes its database. The position is taken as what was listened, the
  same reading every podcatcher that streams sats makes.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from paysupport.value.model import ValueForValueError

#: Where gPodder keeps its database on Linux (``$GPODDER_HOME`` overrides it).
GPODDER_DATABASE = "~/gPodder/Database"


def read_listened_file(path: str | os.PathLike[str]) -> dict[str, float]:
    """``{guid: seconds}`` from a listened file (see the module's docstring).

    Raises :class:`~paysupport.value.model.ValueForValueError` naming the line
    for a line without seconds, or seconds that are not a number >= 0.
    """
    listened: dict[str, float] = {}
    text = Path(path).expanduser().read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.rsplit(None, 1)
        if len(fields) != 2:
            raise ValueForValueError(f"{path}, line {number}: expected '<guid> <seconds>'")
        guid, raw = fields
        try:
            seconds = float(raw)
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds < float("inf"):
            raise ValueForValueError(
                f"{path}, line {number}: {raw!r} is not a number of seconds (0 or more)"
            )
        listened[guid] = max(seconds, listened.get(guid, 0.0))
    return listened


def gpodder_database() -> Path:
    """gPodder's ``Downloads.sqlite``: under ``$GPODDER_HOME`` if set, else ``~/gPodder``."""
    home = os.environ.get("GPODDER_HOME")
    folder = Path(home).expanduser() if home else Path(GPODDER_DATABASE).expanduser().parent
    return folder / "Downloads.sqlite"


def read_gpodder(
    database: str | os.PathLike[str] | None = None, *, feed_url: str | None = None
) -> dict[str, float]:
    """``{guid: seconds}`` of the episodes gPodder played (``current_position > 0``).

    ``feed_url`` keeps only one podcast's episodes (gPodder's ``podcast.url``).
    The database is opened read-only; raises
    :class:`~paysupport.value.model.ValueForValueError` when it is missing or
    is not gPodder's.
    """
    path = Path(database).expanduser() if database is not None else gpodder_database()
    if not path.is_file():
        raise ValueForValueError(f"no gPodder database at {path}")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    query = (
        "SELECT episode.guid, episode.current_position FROM episode"
        " JOIN podcast ON episode.podcast_id = podcast.id"
        " WHERE episode.current_position > 0"
    )
    params: tuple[str, ...] = ()
    if feed_url is not None:
        query += " AND podcast.url = ?"
        params = (feed_url,)
    try:
        db = sqlite3.connect(uri, uri=True)
        try:
            rows = db.execute(query, params).fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise ValueForValueError(f"{path} cannot be read as gPodder's database: {exc}") from None
    listened: dict[str, float] = {}
    for guid, position in rows:
        if guid:
            listened[str(guid)] = max(float(position), listened.get(str(guid), 0.0))
    return listened
