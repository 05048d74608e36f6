"""Find the code blocks of the Markdown docs and run them against a sandbox.

Markdown is read with Sybil's lexers (fenced blocks, also inside list items, and
directives in HTML comments). What each block is:

- ```` ```python ````: run in one namespace per file, in order; tracebacks point at
  the Markdown file's own lines.
- ```` ```sh ```` / ```` ```console ````: every command line must be a ``paysupport``
  command (``.venv/bin/paysupport`` too); each runs as a real subprocess with
  ``--sandbox`` added, against the file's sandbox, in a temporary HOME.
- anything else, and any block that cannot run, needs ``<!-- no-test: reason -->``
  right above it.

Directives right above a block (in any order):

``<!-- no-test: reason -->``
    not run; the reason is the skip's reason in the test report.
``<!-- fill-in: LITERAL = name -->``
    ``LITERAL`` in the block is a value the reader fills in; the test puts the
    value of ``name`` (from the file's namespace) in its place.
``<!-- invisible-code-block: python ... -->``
    a harness run just before the block, in the same namespace (Sybil's syntax).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from sybil import Document
from sybil.parsers.markdown.lexers import DirectiveInHTMLCommentLexer, RawFencedCodeBlockLexer

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = ("README.md", "docs/*.md", "providers/*/README.md", "examples/webapp/README.md")

RUNNABLE = ("python", "sh", "console")
_INFO = re.compile(r"(?P<language>[^\n]*)$\n", re.MULTILINE)
_FENCES = RawFencedCodeBlockLexer(info_pattern=_INFO)
_NO_TEST = DirectiveInHTMLCommentLexer(directive="no-test", arguments=".*?")
_FILL_IN = DirectiveInHTMLCommentLexer(directive="fill-in", arguments=".+?")
_HARNESS = DirectiveInHTMLCommentLexer(directive="invisible-code-block", arguments="python")
_CLOSING = re.compile(r"^\s*--+>", re.MULTILINE)
_PAYSUPPORT = re.compile(r"^(?:\.venv/bin/)?paysupport(?=\s|$)")


@dataclass
class Block:
    """One fenced block, where it starts, and the directives just above it."""

    path: Path
    line: int  # of the opening fence, 1-based
    language: str
    source: str
    no_test: str | None = None
    fill_ins: list[tuple[str, str]] = field(default_factory=list)
    harness: list[tuple[int, str]] = field(default_factory=list)  # (line, source)
    problems: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def first_source_line(self) -> int:
        return self.line + 1


def doc_files() -> list[Path]:
    found = {path for pattern in PATTERNS for path in ROOT.glob(pattern)}
    return sorted(found, key=lambda p: (p.relative_to(ROOT).parts != ("README.md",), p))


def blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path``, with its directives attached.

    A directive that is not directly above a block (only blank lines and other
    directives between them) is reported as a problem of the next block, or of
    an extra pseudo-block at the end of the file, so it cannot be left behind.
    """
    document = Document(path.read_text(encoding="utf-8"), str(path))
    regions = sorted(
        [("fence", r) for r in _FENCES(document)]
        + [("no-test", r) for r in _NO_TEST(document)]
        + [("fill-in", r) for r in _FILL_IN(document)]
        + [("harness", r) for r in _HARNESS(document)],
        key=lambda kind_region: kind_region[1].start,
    )
    found: list[Block] = []
    pending: list[tuple[str, object]] = []
    orphans: list[str] = []
    previous_end = 0
    for kind, region in regions:
        # A directive's region stops before its closing `-->`.
        between = _CLOSING.sub("", document.text[previous_end : region.start])
        if pending and between.strip():
            orphans += [
                f"line {_line(document, r)}: a {k} directive above no block" for k, r in pending
            ]
            pending = []
        previous_end = region.end
        if kind != "fence":
            pending.append((kind, region))
            continue
        block = Block(
            path,
            _line(document, region),
            str(region.lexemes["language"]).strip(),
            str(region.lexemes["source"]),
            problems=orphans,
        )
        orphans = []
        for directive, r in pending:
            _attach(block, directive, r, document)
        pending = []
        found.append(block)
    orphans += [f"line {_line(document, r)}: a {k} directive above no block" for k, r in pending]
    if orphans:
        end = Block(path, document.text.count("\n") + 1, "(end of file)", "", problems=orphans)
        found.append(end)
    return found


def _line(document: Document, region: object) -> int:
    return document.text.count("\n", 0, region.start) + 1  # type: ignore[attr-defined]


def _attach(block: Block, kind: str, region: object, document: Document) -> None:
    lexemes = region.lexemes  # type: ignore[attr-defined]
    if kind == "no-test":
        reason = str(lexemes["arguments"]).strip()
        if not reason:
            block.problems.append("`<!-- no-test: -->` needs a reason")
        block.no_test = reason or None
    elif kind == "fill-in":
        literal, sep, name = str(lexemes["arguments"]).rpartition(" = ")
        if not sep or not literal.strip() or not name.strip().isidentifier():
            block.problems.append(f"`fill-in: {lexemes['arguments']}` is not `LITERAL = name`")
        else:
            block.fill_ins.append((literal.strip(), name.strip()))
    else:
        source = str(lexemes["source"])
        first = document.text.count("\n", 0, region.start) + 2  # type: ignore[attr-defined]
        block.harness.append((first, source))


def commands(block: Block) -> list[str]:
    """The block's command lines (continuations joined, comments and prompts dropped).

    Raises ``ValueError`` naming the first line that is not a paysupport command.
    """
    found: list[str] = []
    joined = ""
    for raw in block.source.splitlines():
        line = raw.rstrip()
        if block.language == "console":
            if not line.startswith("$ ") and not joined:
                continue  # output shown in the docs
            line = line[2:] if line.startswith("$ ") and not joined else line
        if line.endswith("\\"):
            joined += line[:-1] + " "
            continue
        line, joined = joined + line, ""
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if not _PAYSUPPORT.match(words[0]):
            raise ValueError(
                f"`{line.strip()}` is not a paysupport command: move it to a block of its own "
                "marked `<!-- no-test: reason -->`"
            )
        found.append(line.strip())
    return found
