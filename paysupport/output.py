"""How the command line shows records: tables that fit the terminal, JSON, JSON Lines and CSV.

A table is for reading at a terminal, so it shows a few readable columns (an id,
a name, a status, an amount...) at widths that fit: a header is never split and a
long cell ends in an ellipsis. ``--columns`` picks others; wide data goes to
``--format json`` or ``jsonl``, which carry every field, or ``csv``. JSON keeps the
record (``to_dict()``: every field, lists as lists), while tables and CSV show
the shorter row a provider gives (``to_row()``, lists joined into one cell).

Each writer returns how many rows it wrote and stops cleanly on Ctrl-C: what was
read before the interruption is still written (a table or a JSON document
collects its rows first, so losing them would lose the whole walk).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import click

from paysupport.resource import SCALARS, Record, Resource

if TYPE_CHECKING:  # rich is imported where a table is drawn: it slows every start
    from rich.console import Console

FORMATS = ("table", "json", "jsonl", "csv")

Row = dict[str, Any]

#: Keys that name a record, one of which a table shows first (see :func:`default_columns`).
_NAME_KEYS = frozenset({"name", "full_name", "title", "username", "display_name"})

#: At most this many columns by default, however wide the terminal.
_MAX_DEFAULT_COLUMNS = 6
#: The most room a column's cells are counted for when choosing columns (longer ones end in …).
_MAX_FILL_WIDTH = 24


def to_row(item: Any) -> Row:
    """A flat dict for tables and CSV, whatever a walk yields (``to_row()`` when it has one)."""
    if hasattr(item, "to_row"):
        return dict(item.to_row())
    if isinstance(item, Resource):
        return {"id": item.id, "type": item.type, **item.attributes}
    if isinstance(item, dict):
        return item
    return {"value": item}


def to_record(item: Any) -> Row:
    """The whole record for JSON: ``to_dict()`` where the item has one, lists kept as lists.

    Tables and CSV show the shorter row of :func:`to_row` (lists joined into a
    cell); JSON is where wide data goes, so it carries every field of the record.
    """
    if isinstance(item, Record):
        return dict(item.to_dict())
    return to_row(item)


@dataclass
class Written:
    """What a writer did: ``count`` rows, and whether Ctrl-C stopped the reading early."""

    count: int
    interrupted: bool = False


def select(row: Row, columns: Sequence[str] | None) -> Row:
    """``row`` restricted to ``columns`` (all of it when ``None``), in that order."""
    if columns is None:
        return row
    return {c: row.get(c) for c in columns}


def check_columns(columns: Sequence[str], known: Iterable[str]) -> None:
    """Refuse, as a usage error, a ``--columns`` name no row has."""
    available = list(dict.fromkeys(known))
    unknown = [c for c in columns if c not in available]
    if unknown and available:
        raise click.UsageError(
            f"no column {', '.join(map(repr, unknown))} (columns: {', '.join(available)})"
        )


def parse_columns(spec: str | None) -> list[str] | None:
    """``"id,full_name"`` into names; ``None`` or empty means the default choice."""
    if not spec:
        return None
    names = [name.strip() for name in spec.split(",") if name.strip()]
    return names or None


def _collect(rows: Iterable[Row]) -> tuple[list[Row], bool]:
    collected: list[Row] = []
    try:
        for row in rows:
            collected.append(row)
    except KeyboardInterrupt:
        return collected, True
    return collected, False


def _stream(rows: Iterable[Row], write: Callable[[Row], None]) -> Written:
    written = Written(0)
    iterator = iter(rows)
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return written
        except KeyboardInterrupt:
            written.interrupted = True
            return written
        write(row)
        written.count += 1


def write_json(rows: Iterable[Row], stream: IO[str], columns: Sequence[str] | None) -> Written:
    """One JSON array, written once every row is read (or Ctrl-C stopped the reading)."""
    collected, interrupted = _collect(rows)
    if columns is not None:
        check_columns(columns, (k for row in collected for k in row))
    chosen = [select(row, columns) for row in collected]
    stream.write(json.dumps(chosen, indent=2, default=str, ensure_ascii=False) + "\n")
    stream.flush()
    return Written(len(chosen), interrupted)


def write_jsonl(rows: Iterable[Row], stream: IO[str], columns: Sequence[str] | None) -> Written:
    """JSON Lines: one object per line as soon as it is read, for streaming to another program."""

    def write(row: Row) -> None:
        if columns is not None:
            check_columns(columns, row)
        stream.write(json.dumps(select(row, columns), default=str, ensure_ascii=False) + "\n")
        stream.flush()

    return _stream(rows, write)


def write_csv(
    rows: Iterable[Row],
    stream: IO[str],
    columns: Sequence[str] | None = None,
    *,
    neutralise: bool = False,
) -> Written:
    """CSV with the first row's keys (or ``columns``) as the header.

    ``neutralise`` defuses cells a spreadsheet would run as formulas (see :func:`neutralised`).
    """
    writer: csv.DictWriter[str] | None = None

    def write(row: Row) -> None:
        nonlocal writer
        if writer is None:
            if columns is not None:
                check_columns(columns, row)
            header = list(columns) if columns is not None else list(row)
            writer = csv.DictWriter(stream, fieldnames=header, extrasaction="ignore")
            writer.writeheader()
        cells = {k: cell(v) for k, v in row.items()}
        writer.writerow({k: neutralised(v) for k, v in cells.items()} if neutralise else cells)
        stream.flush()

    return _stream(rows, write)


def write_table(rows: Iterable[Row], console: Console, columns: Sequence[str] | None) -> Written:
    """A table of the rows that fits ``console``: default columns unless ``columns`` are given."""
    from rich.table import Table
    from rich.text import Text

    collected, interrupted = _collect(rows)
    known = list(dict.fromkeys(k for row in collected[:50] for k in row))
    if columns is not None:
        check_columns(columns, known)
    if columns is None:
        sample = [[cell(row.get(c)) for c in known] for row in collected[:50]]
        wanted = dict(zip(known, _wanted_widths(known, sample), strict=True))
        columns = default_columns(known, console.width, wanted)
    chosen = list(columns)
    cells = [[cell(row.get(c)) for c in chosen] for row in collected]
    table = Table()
    for name, width in zip(chosen, fit_widths(chosen, cells, console.width), strict=True):
        table.add_column(name, width=width, no_wrap=True, overflow="ellipsis")
    for line in cells:
        table.add_row(*(Text(text) for text in line))  # Text: a patron's "[b]" is not markup
    console.print(table)
    return Written(len(collected), interrupted)


def default_columns(
    keys: Sequence[str], width: int, wanted: Mapping[str, int] | None = None
) -> list[str]:
    """A few readable columns of ``keys`` that fit ``width`` terminal cells.

    First the id (``id``, else the first ``..._id``), a name, a status and an amount
    (the first key of each kind, in the record's order), then the other keys in
    order while they fit. A column costs the width its cells want (``wanted``, at
    most :data:`_MAX_FILL_WIDTH`), never less than its header, plus three cells of
    borders and padding.
    """
    ident = "id" if "id" in keys else next((k for k in keys if k.endswith("_id")), None)
    kinds: list[Callable[[str], bool]] = [
        lambda k: k in _NAME_KEYS,
        lambda k: k == "status" or k.endswith("_status"),
        lambda k: "amount" in k or k.endswith("_cents"),
    ]
    picked = [ident, *(next((k for k in keys if matches(k)), None) for matches in kinds)]
    chosen = list(dict.fromkeys(k for k in picked if k is not None))

    def cost(key: str) -> int:
        return max(len(key), min((wanted or {}).get(key, _MAX_FILL_WIDTH), _MAX_FILL_WIDTH)) + 3

    room = width - 1 - sum(cost(k) for k in chosen)
    for key in keys:
        if len(chosen) < _MAX_DEFAULT_COLUMNS and key not in chosen and cost(key) <= room:
            chosen.append(key)
            room -= cost(key)
    rest = [k for k in keys if k in chosen and k != ident]
    return ([ident] if ident is not None else []) + rest


def fit_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """Column widths that fit ``width`` cells: the longest cells shrink, no header is cut.

    Each column wants its longest cell; when they do not all fit, the widest are
    capped at one common width, but never below their header's. Columns whose
    headers alone overflow keep the headers' widths (the terminal is too narrow).
    """
    from rich.cells import cell_len

    wanted = _wanted_widths(headers, rows)
    floors = [cell_len(h) for h in headers]
    room = width - (3 * len(headers) + 1)
    if sum(wanted) <= room:
        return wanted

    def total(cap: int) -> int:
        return sum(min(w, max(f, cap)) for w, f in zip(wanted, floors, strict=True))

    low, high = 0, max(wanted, default=0)
    while low < high:  # the largest cap that fits
        middle = (low + high + 1) // 2
        if total(middle) <= room:
            low = middle
        else:
            high = middle - 1
    return [min(w, max(f, low)) for w, f in zip(wanted, floors, strict=True)]


def _wanted_widths(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """The width each column's longest cell (or header) takes on a terminal."""
    from rich.cells import cell_len

    return [max([cell_len(h), *(cell_len(row[i]) for row in rows)]) for i, h in enumerate(headers)]


def cell(value: Any) -> str:
    """A value as a table or CSV cell: a list of scalars joined by ``"; "``, other lists and
    objects as JSON, ``None`` empty."""
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, SCALARS) for v in value):
        return "; ".join("" if v is None else str(v) for v in value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    return str(value)


#: How a cell a spreadsheet runs as a formula starts (OWASP, "CSV Injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would read it as a formula.

    The apostrophe makes spreadsheets show the rest as text. Plain signed
    numbers (``-5``, ``+1.5``) are left alone: a spreadsheet only reads them as numbers.
    """
    if not text.startswith(_FORMULA_STARTS):
        return text
    digits = text[1:].replace(".", "", 1)
    if text[0] in "+-" and digits.isascii() and digits.isdecimal():
        return text
    return "'" + text


def records(items: Iterable[Any], fmt: str) -> Iterator[Row]:
    """The rows to write in ``fmt``: JSON formats keep lists (:func:`to_record`)."""
    convert = to_record if fmt in ("json", "jsonl") else to_row
    for item in items:
        yield convert(item)
