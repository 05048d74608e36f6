"""The ``paysupport`` command.

Exit codes: 0 success, 1 provider or network error, 2 usage or configuration
error, 130 interrupted (Ctrl-C). Errors print one readable line; ``--debug`` adds
the traceback and the redacted HTTP log on stderr. How records are shown (tables,
JSON, JSON Lines, CSV) lives in :mod:`paysupport.output`.
"""

from __future__ import annotations

import io
import json
import shlex
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

import paysupport
from paysupport import output, registry
from paysupport._files import write_private
from paysupport.errors import (
    ConfigError,
    InvalidToken,
    PaySupportError,
    ProviderNotFound,
    Unsupported,
)
from paysupport.info import Capability
from paysupport.output import to_row as to_row  # the name a few tests and scripts import

if TYPE_CHECKING:  # imported where used: requests (through the HTTP layer and clients),
    # rich and the sandbox (werkzeug) would slow every start, `paysupport providers` first
    from rich.console import Console
    from rich.table import Table

    from paysupport.http import HttpEvent
    from paysupport.provider import Client
    from paysupport.sandbox import Sandbox
    from paysupport.sandbox.state import RunningSandbox
    from paysupport.supporters import Totals
    from paysupport.tokens import TokenStore

USAGE_ERRORS = (ConfigError, ProviderNotFound, Unsupported)

#: Exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130

#: In a sandbox's data directory: the ``provider:account`` pairs someone logged in to or
#: out of by hand, which the sandbox's ready tokens no longer log in (see ``Context.client``).
OWN_LOGINS = "own-logins.json"


class _Console:
    """A rich console made on first use, so commands that print little start fast."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


def _table(**kwargs: Any) -> Table:
    from rich.table import Table

    return Table(**kwargs)


out = _Console()
err = _Console(stderr=True)


@dataclass
class Context:
    debug: bool = False
    sandbox: bool = False
    account: str | None = None
    token_store: str | None = None
    stack: ExitStack = field(default_factory=ExitStack)
    _sandbox: Sandbox | RunningSandbox | None = None
    _stores: dict[tuple[bool, str | None], TokenStore] = field(default_factory=dict)

    def store(self, provider: str) -> TokenStore:
        """The token store for ``provider``, chosen as a client would choose it.

        ``--token-store`` first, then the provider's ``token_store`` in the config
        file, ``PAYSUPPORT_<PROVIDER>_TOKEN_STORE`` and ``PAYSUPPORT_TOKEN_STORE``
        (:func:`~paysupport.provider.token_store_spec`). With ``--sandbox`` and no
        ``--token-store``, the sandbox's own store: sandbox tokens never go to the
        real one. One store object per spec, so a command that logs in and then
        calls shares a memory store.
        """
        from paysupport.provider import token_store_spec
        from paysupport.tokens import MemoryTokenStore, open_store

        in_sandbox = self.sandbox and self.token_store is None
        spec = None if in_sandbox else token_store_spec(provider, self.token_store)
        key = (in_sandbox, spec)
        if key not in self._stores:
            if in_sandbox:
                from paysupport.sandbox.state import RunningSandbox

                running = self.sandbox_handle()
                self._stores[key] = (
                    running.token_store()
                    if isinstance(running, RunningSandbox)
                    else MemoryTokenStore()
                )
            else:
                self._stores[key] = open_store(spec)
        return self._stores[key]

    def sandbox_handle(self) -> Sandbox | RunningSandbox:
        """A running sandbox (``paysupport sandbox`` in another terminal) or an embedded one."""
        if self._sandbox is None:
            from paysupport.sandbox import Sandbox, SandboxOptions
            from paysupport.sandbox.state import find_running

            running = find_running()
            if running is not None:
                self._sandbox = running
            else:
                err.print(
                    "[dim]no running sandbox found: starting an embedded one "
                    "(what this command writes is gone when it ends)[/]",
                    soft_wrap=True,
                )
                self._sandbox = self.stack.enter_context(Sandbox(SandboxOptions()))
        return self._sandbox

    def ledger_path(self, given: str | None) -> str | None:
        """The ledger to open: ``given``, else the sandbox's own in ``--sandbox`` mode.

        A sandbox run must never record supports or registrations in the real
        ledger: a real run would then skip those episodes. ``None`` means the
        ledger in the platform data directory.
        """
        if given is not None or not self.sandbox:
            return given
        return str(self.sandbox_handle().data_dir / "ledger.sqlite3")

    def client(self, name: str) -> Client:
        """A client of ``name``; in ``--sandbox`` mode with the sandbox's credentials.

        Those include ready tokens (``access_token``, Ipernity's ``auth_token``...),
        which log every account in. An account someone logged in to or out of by
        hand (:meth:`own_login`) does not get them: they would replace the login's
        token, or undo the logout, on the next command.
        """
        if self.sandbox:
            handle = self.sandbox_handle()
            withheld: dict[str, str] = {}
            if self._account_key(name) in self._own_logins():
                withheld = {setting: "" for setting in ready_token_settings(name)}
            client = handle.connect(
                name, token_store=self.store(name), account=self.account, **withheld
            )
        else:
            client = paysupport.connect(name, account=self.account, token_store=self.store(name))
        self.stack.callback(client.close)
        return client

    def sandbox_lasts(self) -> bool:
        """Whether the sandbox outlives this command (``paysupport sandbox`` runs it)."""
        from paysupport.sandbox.state import RunningSandbox

        return isinstance(self.sandbox_handle(), RunningSandbox)

    def own_login(self, provider: str) -> None:
        """Record that this account's login is the user's own from now on (``--sandbox`` only)."""
        owned = self._own_logins()
        key = self._account_key(provider)
        if key not in owned:
            path = self.sandbox_handle().data_dir / OWN_LOGINS
            write_private(path, json.dumps(sorted({*owned, key})))

    def _own_logins(self) -> set[str]:
        path = self.sandbox_handle().data_dir / OWN_LOGINS
        try:
            listed = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return set()  # none yet (a damaged file only brings the ready tokens back)
        return {str(key) for key in listed} if isinstance(listed, list) else set()

    def _account_key(self, provider: str) -> str:
        return f"{provider}:{self.account or 'default'}"

    def login_command(self, provider: str) -> str:
        """The command that logs this account in to ``provider``, as the user would type it."""
        options = ["--sandbox"] if self.sandbox else []
        if self.account:
            options += ["--account", self.account]
        return shlex.join(["paysupport", *options, "login", provider])


def ready_token_settings(provider: str) -> list[str]:
    """The provider's settings that hold a ready token, which logs an account in by itself."""
    return [s for s in registry.provider_info(provider).settings if s.endswith("_token")]


pass_context = click.make_pass_decorator(Context)


class _Group(click.Group):
    """Turns library errors into one readable line and the documented exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PaySupportError as exc:
            debug = isinstance(ctx.obj, Context) and ctx.obj.debug
            _fail(exc, debug, ctx.obj if isinstance(ctx.obj, Context) else None)
        except KeyboardInterrupt:
            err.print("interrupted", markup=False, highlight=False)
            raise SystemExit(INTERRUPTED) from None
        finally:
            if isinstance(ctx.obj, Context):
                ctx.obj.stack.close()


def _fail(exc: PaySupportError, debug: bool, context: Context | None) -> NoReturn:
    """One line on stderr; for a refused or missing token, it ends with the command to log in."""
    if debug:
        import traceback

        err.print(traceback.format_exc(), markup=False, highlight=False)
    line = f"error: {exc}"
    if isinstance(exc, InvalidToken) and exc.provider and context is not None:
        line += f"; to log in: {context.login_command(exc.provider)}"
    err.print(line, style="red", markup=False, highlight=False, soft_wrap=True)
    raise SystemExit(2 if isinstance(exc, USAGE_ERRORS) else 1)


@click.group(cls=_Group)
@click.option("--sandbox", is_flag=True, help="Use a running sandbox, or start an embedded one.")
@click.option("--debug", is_flag=True, help="Tracebacks and the redacted HTTP log on stderr.")
@click.option("--account", default=None, help="Token store account name (default: 'default').")
@click.option(
    "--token-store",
    default=None,
    help="memory, json[:PATH], sqlite[:PATH] or keyring (default: the provider's token_store "
    "setting, then PAYSUPPORT_TOKEN_STORE, then a JSON file in the data dir).",
)
@click.version_option(paysupport.__version__, prog_name="paysupport")
@click.pass_context
def main(
    ctx: click.Context, sandbox: bool, debug: bool, account: str | None, token_store: str | None
) -> None:
    """One API over Patreon, Flattr, Ipernity and any installed provider."""
    ctx.obj = Context(debug=debug, sandbox=sandbox, account=account, token_store=token_store)
    if debug:
        import logging  # only for --debug: a plain start (`paysupport providers`) needs none

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logging.getLogger("paysupport").addHandler(handler)
        logging.getLogger("paysupport").setLevel(logging.DEBUG)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="JSON output instead of a table.")
def providers(as_json: bool) -> None:
    """List installed providers with their capabilities.

    Printed as plain aligned text, not with rich: the listing is small, and it is
    the command whose start is measured (docs/performance.md, P5).
    """
    emulators = registry.emulator_names()  # names only: importing emulators is slow
    if as_json:
        listing = [
            {
                "name": info.name,
                "title": info.title,
                "auth": info.auth,
                "capabilities": sorted(c.value for c in info.capabilities),
                "collections": list(info.collections),
                "sandbox": info.name in emulators,
            }
            for info in paysupport.available()
        ]
        click.echo(json.dumps(listing))
        return
    rows = [
        [
            info.name,
            info.title,
            info.auth,
            ", ".join(sorted(c.value for c in info.capabilities)),
            ", ".join(info.collections),
            "yes" if info.name in emulators else "no",
        ]
        for info in paysupport.available()
    ]
    headers = ["name", "title", "auth", "capabilities", "collections", "sandbox"]
    click.echo("installed providers")
    click.echo(_plain_table(headers, rows))
    for failure in paysupport.load_failures(emulators=False):
        click.secho(
            f"warning: {failure.namespace} plugin {failure.name!r} failed to load: {failure.error}",
            fg="yellow",
            err=True,
        )


def _plain_table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns aligned with spaces under a dashed rule, for listings too small for rich."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [headers, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


@main.command()
@click.argument("provider")
@click.option("--scope", "scopes", multiple=True, help="OAuth scope (repeatable).")
@click.option("--perm", "perms", multiple=True, help="Frob permission, e.g. doc=write.")
@click.option("--no-browser", is_flag=True, help="Print the URL only.")
@pass_context
def login(
    ctx: Context, provider: str, scopes: tuple[str, ...], perms: tuple[str, ...], no_browser: bool
) -> None:
    """Log in to PROVIDER and keep the token in the token store."""
    from paysupport.login import frob_login, oauth_login

    client = ctx.client(provider)
    auto = ctx.sandbox

    def say(text: str) -> None:
        # Plain echo, never rich: a URL wrapped at the terminal's width with hard line
        # breaks is copied in pieces, and the lost end of `state` fails the login.
        click.echo(text, err=True)

    if client.oauth is not None:
        token = oauth_login(
            client,
            scopes=list(scopes) or None,
            open_browser=not no_browser,
            auto_consent=auto,
            say=say,
        )
    elif client.frob is not None:
        token = frob_login(
            client,
            perms=_pairs(perms) or None,
            open_browser=not no_browser,
            auto_consent=auto,
            wait=lambda: click.prompt(
                "Press Enter once you have authorized", default="", show_default=False
            ),
            say=say,
        )
    else:
        raise Unsupported(f"{client.info.title} needs no login", provider=provider)
    if ctx.sandbox:
        ctx.own_login(provider)  # from now on the sandbox's ready token leaves it alone
    out.print(
        f"logged in to {provider} as account {client.account!r}: {token!r}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@main.command()
@click.argument("provider")
@pass_context
def logout(ctx: Context, provider: str) -> None:
    """Forget PROVIDER's stored token; the next command is not logged in.

    Unless a setting holds a ready token (``access_token``...): it would log the
    account in again, so the output says which. In ``--sandbox`` mode the
    sandbox's own ready token no longer logs this account in.
    """
    info = registry.provider_info(provider)  # an unknown name is refused first
    store = ctx.store(provider)
    account = ctx.account or "default"
    store.delete(provider, account)
    plain = {"markup": False, "highlight": False, "soft_wrap": True}
    out.print(f"logged out of {provider} (account {account!r})", **plain)
    if ctx.sandbox:
        if ctx.sandbox_lasts():
            ctx.own_login(provider)
            err.print(
                f"the sandbox's ready token no longer logs this account in; "
                f"to log in again: {ctx.login_command(provider)}",
                **plain,
            )
        else:
            err.print(
                "this embedded sandbox forgets every login when the command ends: "
                "run `paysupport sandbox` in another terminal for logins that last",
                **plain,
            )
        return
    from paysupport.config import resolve_settings  # here: the config reader slows every start

    settings = resolve_settings(
        provider, ready_token_settings(provider), {}, env_aliases=info.env_aliases
    )
    if settings:
        err.print(
            f"note: the {' and '.join(sorted(settings))} setting (config file or environment) "
            "logs this account in again on the next command: remove it to stay logged out",
            **plain,
        )


@main.command()
@click.argument("provider")
@pass_context
def whoami(ctx: Context, provider: str) -> None:
    """Show the account PROVIDER's token acts for."""
    user = ctx.client(provider).identity()
    out.print(f"{user.provider}: {user.name or '(no name)'} (id {user.id})")
    for label, value in (("profile", user.url), ("email", user.email)):
        if value:
            out.print(f"  {label}: {value}")


#: CSV from providers holds strangers' text (names, titles): cells a spreadsheet would
#: run as formulas are defused unless the reader is a program that wants them verbatim.
RAW_CELLS = click.option(
    "--raw-cells",
    is_flag=True,
    help="CSV: write cells verbatim, even those a spreadsheet would run as formulas.",
)


@main.command()
@click.argument("provider")
@click.argument("collection")
@click.option("--filter", "filters", multiple=True, help="k=v filter (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after N items.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(output.FORMATS),
    default="table",
    help="table (a few columns that fit), json, jsonl (one object a line, as read) or csv.",
)
@click.option("--columns", default=None, help="Columns to show, e.g. id,full_name (any format).")
@RAW_CELLS
@pass_context
def walk(
    ctx: Context,
    provider: str,
    collection: str,
    filters: tuple[str, ...],
    limit: int | None,
    fmt: str,
    columns: str | None,
    raw_cells: bool,
) -> None:
    """Walk a COLLECTION of PROVIDER (see `paysupport providers`).

    Ctrl-C stops the walk: what was read is still written, the walk's cursor is
    shown on stderr, and the exit code is 130. CSV cells a spreadsheet would run
    as formulas are neutralised as in `export-members`, unless ``--raw-cells``.
    """
    client = ctx.client(provider)
    walker = client.walk(collection, **_pairs(filters))
    items = _with_progress(walker, walker.total, limit, f"{provider} {collection}")
    written = _emit(
        output.records(items, fmt),
        fmt,
        output.parse_columns(columns),
        sys.stdout,
        neutralise=not raw_cells,
    )
    if written.interrupted:
        cursor = "" if walker.cursor is None else f"; the walk's cursor: {walker.cursor}"
        err.print(f"interrupted after {written.count} items{cursor}", markup=False, highlight=False)
        raise SystemExit(INTERRUPTED)
    if fmt == "table":
        err.print(f"{written.count} items")


@main.command()
@click.argument("provider")
@click.argument("target")
@click.argument("params", nargs=-1)
@click.option("--method", "http_method", default="GET", help="HTTP method for REST routes.")
@pass_context
def call(
    ctx: Context, provider: str, target: str, params: tuple[str, ...], http_method: str
) -> None:
    """Raw call: a REST route or an API method name, with k=v PARAMS.

    A route is relative to the API's root (``user``, or ``rest/v2/user`` as it
    appears in URLs: the root's path is not sent twice). The requests really
    sent are listed on stderr.
    """
    client = ctx.client(provider)
    sent: list[HttpEvent] = []
    client.http.hooks.append(lambda event: sent.append(event) if event.kind == "response" else None)
    result = client.raw(target, _pairs(params), http_method=http_method.upper())
    for event in sent:
        err.print(f"{event.method} {event.url} -> {event.status}", style="dim", markup=False,
                  highlight=False, soft_wrap=True)  # fmt: skip
    out.print_json(json.dumps(result, default=str))


@main.command("export-members")
@click.argument("provider", default="patreon")
@click.option("--campaign", default=None, help="Campaign id (default: the first one).")
@click.option(
    "--output", "-o", "stream", type=click.File("w"), default="-", help="File (default stdout)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "jsonl"]),
    default="csv",
    help="csv (default), json or jsonl.",
)
@RAW_CELLS
@pass_context
def export_members(
    ctx: Context,
    provider: str,
    campaign: str | None,
    stream: io.TextIOBase,
    fmt: str,
    raw_cells: bool,
) -> None:
    """Export a campaign's members, with their entitled tiers, as CSV, JSON or JSON Lines.

    Patrons choose their own names, and a CSV file is usually opened in a
    spreadsheet: a cell that would start a formula gets a leading ``'`` unless
    ``--raw-cells`` is given (for programs that read the file). JSON is for
    programs and is always written verbatim.
    """
    client = ctx.client(provider)
    if not client.supports(Capability.MEMBERS):
        raise Unsupported(
            f"{client.info.title} has no members to export", provider=provider, capability="members"
        )
    if campaign is None:
        first = next(iter(client.walk("campaigns")), None)
        if first is None:
            raise PaySupportError("no campaign to export", provider=provider)
        campaign = str(first.id)
    members = client.walk("members", campaign=campaign)
    items = _with_progress(members, members.total, None, "members")
    written = _emit(output.records(items, fmt), fmt, None, stream, neutralise=not raw_cells)
    if written.interrupted:
        err.print(f"interrupted after {written.count} members", markup=False, highlight=False)
        raise SystemExit(INTERRUPTED)
    err.print(f"exported {written.count} members of campaign {campaign}")


@main.command()
@click.option(
    "--provider",
    "chosen",
    multiple=True,
    help="Read this provider (repeatable; default: every connected one with supporters).",
)
@click.option("--past", is_flag=True, help="Add past supporters (not only current ones).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(output.FORMATS),
    default="table",
    help="table (then the totals), json ({supporters, totals}), jsonl or csv (supporters only).",
)
@click.option("--columns", default=None, help="Columns of the supporters, e.g. provider,name.")
@click.option("--totals-only", is_flag=True, help="Only the totals per currency and per tier.")
@RAW_CELLS
@pass_context
def supporters(
    ctx: Context,
    chosen: tuple[str, ...],
    past: bool,
    fmt: str,
    columns: str | None,
    totals_only: bool,
    raw_cells: bool,
) -> None:
    """Every connected provider's supporters in one list, with totals per currency and tier.

    Amounts are in minor units (cents) of their currency; totals add those of
    current supporters (monthly: recurring amounts per month; one_time; other:
    no stated period) and never add two currencies. With --totals-only, a table
    shows the totals, json writes them as one object, jsonl one object per line
    (``kind``: currency or tier) and csv one row per line. Without it, csv and
    jsonl carry the supporters only (a one-line summary goes to stderr).
    """
    from paysupport.supporters import TABLE_COLUMNS, Totals, merged

    clients = _supporter_clients(ctx, chosen)
    tally = Totals()
    stream = tally.counted(merged(clients, past=past))
    label = "supporters of " + ", ".join(clients)
    if totals_only:
        for _ in _with_progress(stream, None, None, label):
            pass
        _write_totals(tally, fmt, raw_cells)
        return
    picked = output.parse_columns(columns)
    if fmt == "json":
        rows = list(output.records(_with_progress(stream, None, None, label), fmt))
        if picked is not None:
            output.check_columns(picked, (k for row in rows for k in row))
            rows = [output.select(row, picked) for row in rows]
        document = {"supporters": rows, "totals": tally.to_dict()}
        click.echo(json.dumps(document, indent=2, default=str, ensure_ascii=False))
        return
    if fmt == "table" and picked is None:
        picked = list(TABLE_COLUMNS)
    items = _with_progress(stream, None, None, label)
    written = _emit(output.records(items, fmt), fmt, picked, sys.stdout, neutralise=not raw_cells)
    if written.interrupted:
        err.print(f"interrupted after {written.count} supporters", markup=False, highlight=False)
        raise SystemExit(INTERRUPTED)
    if fmt == "table":
        _write_totals(tally, "table", raw_cells)
    else:
        sums = "; ".join(
            f"{row['currency']}: {row['active']} current, {row['monthly_minor']} a month"
            for row in tally.currency_rows()
        )
        err.print(f"{tally.count} supporters" + (f" ({sums})" if sums else ""), markup=False,
                  highlight=False)  # fmt: skip


def _supporter_clients(ctx: Context, chosen: tuple[str, ...]) -> dict[str, Client]:
    """The clients ``supporters`` reads: those named, else every connected provider with them.

    Connected means a client can be made and holds a token (or, for providers
    that log in without one, could be made); a provider named with --provider
    that has no supporters collection is a usage error.
    """
    infos = {info.name: info for info in registry.available()}
    for name in chosen:
        info = infos.get(name) or registry.provider_info(name)
        if "supporters" not in info.collections:
            with_them = sorted(n for n, i in infos.items() if "supporters" in i.collections)
            raise Unsupported(
                f"{info.title} has no supporters (providers with supporters: "
                f"{', '.join(with_them)})",
                provider=name,
                capability="supporters",
            )
    names = list(dict.fromkeys(chosen)) or sorted(
        name for name, info in infos.items() if "supporters" in info.collections
    )
    clients: dict[str, Client] = {}
    for name in names:
        try:
            client = ctx.client(name)
        except ConfigError:
            if chosen:
                raise
            continue
        auth = client.oauth
        if auth is not None and auth.token is None and not chosen:
            err.print(f"[dim]{name}: not connected ({ctx.login_command(name)})[/]")
            continue
        clients[name] = client
    if not clients:
        raise ConfigError(
            "no connected provider has supporters: log in to one "
            f"({', '.join(ctx.login_command(n) for n in names) or 'none installed'})"
        )
    return clients


def _write_totals(tally: Totals, fmt: str, raw_cells: bool) -> None:
    """The totals of ``paysupport supporters`` in ``fmt`` (tables on the console)."""
    currencies, tiers = tally.currency_rows(), tally.tier_rows()
    if fmt == "json":
        click.echo(json.dumps(tally.to_dict(), indent=2, ensure_ascii=False))
        return
    if fmt in ("jsonl", "csv"):
        rows = [{"kind": "currency", "provider": None, "tier": None, **row} for row in currencies]
        rows += [{"kind": "tier", **row} for row in tiers]
        _emit(rows, fmt, None, sys.stdout, neutralise=not raw_cells)
        return
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(tally.by_status.items()))
    out.print(f"{tally.count} supporters" + (f": {statuses}" if statuses else ""))
    if tally.unpriced:
        out.print(f"{tally.unpriced} current supporters whose amount the provider does not show")
    for title, rows in (("totals per currency", currencies), ("totals per tier", tiers)):
        if rows:
            out.print(title)
            output.write_table(rows, out.console, list(rows[0]))


@main.command()
@click.argument("provider")
@pass_context
def shell(ctx: Context, provider: str) -> None:
    """A Python console with a ready PROVIDER client."""
    from paysupport.shell import interact

    interact(ctx.client(provider))


@main.command()
@click.option("--port", default=0, type=click.IntRange(0, 65535), help="First port (0: free).")
@click.option("--seed", default=0, type=int, help="Seed of the generated data.")
@click.option("--members", default=None, type=click.IntRange(min=0), help="Patreon members.")
@click.option("--things", default=None, type=click.IntRange(min=0), help="Flattr things.")
@click.option("--docs", default=None, type=click.IntRange(min=0), help="Ipernity documents.")
@click.option("--latency", default=0.0, type=click.FloatRange(min=0), help="ms added per answer.")
@click.option("--fault-rate", default=0.0, type=click.FloatRange(0, 1), help="Share faulted.")
@click.option("--faults", default="", help="Fault kinds, comma separated (default: every kind).")
@click.option("--slow-seconds", default=35.0, type=float, help="Delay of the 'slow' fault.")
@click.option("--rate-limit", default=None, type=click.IntRange(min=1), help="Requests/token.")
@click.option("--rate-window", default=3600.0, type=float, help="Rate limit window, seconds.")
@click.option("--token-lifetime", default=3600, type=int, help="Access token lifetime, s.")
@click.option("--provider", "only", multiple=True, help="Serve only these (repeatable).")
def sandbox(
    port: int,
    seed: int,
    members: int | None,
    things: int | None,
    docs: int | None,
    latency: float,
    fault_rate: float,
    faults: str,
    slow_seconds: float,
    rate_limit: int | None,
    rate_window: float,
    token_lifetime: int,
    only: tuple[str, ...],
) -> None:
    """Serve every installed provider's emulator on 127.0.0.1 until Ctrl-C.

    One per user: a second one is refused with the first one's pid and URLs,
    and never touches its files (see paysupport.sandbox.state).
    """
    from paysupport.sandbox import Sandbox, SandboxOptions
    from paysupport.sandbox.faults import FaultPlan, parse_kinds
    from paysupport.sandbox.state import SandboxClaim

    sizes = {
        k: v for k, v in (("members", members), ("things", things), ("docs", docs)) if v is not None
    }
    options = SandboxOptions(
        seed=seed,
        sizes=sizes,
        latency_ms=latency,
        faults=FaultPlan(
            rate=fault_rate, kinds=parse_kinds(faults), seed=seed, slow_seconds=slow_seconds
        ),
        rate_limit=rate_limit,
        rate_window=rate_window,
        token_lifetime=token_lifetime,
        port=port,
        providers=list(only) or None,
        quiet=False,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        # The claim comes first: a refused second sandbox binds no port and writes nothing.
        with SandboxClaim() as claim, Sandbox(replace(options, data_dir=claim.data_dir)) as running:
            _print_sandbox(running, claim.path)
            claim.publish(running)  # last: whoever finds it finds it serving and announced
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        out.print("sandbox stopped")


def _print_sandbox(running: Sandbox, state_file: Path) -> None:
    """The sandbox's URLs and credentials; the lines people copy are never wrapped."""
    table = _table(title="paysupport sandbox")
    for column in ("provider", "url", "credentials"):
        table.add_column(column, overflow="fold")
    for name in running.names:
        creds = " ".join(f"{k}={v}" for k, v in running.emulator(name).credentials().items())
        table.add_row(name, running.url(name), creds)
    out.print(table)
    plain = {"markup": False, "highlight": False, "soft_wrap": True}
    out.print("Point clients at it (or pass --sandbox to paysupport commands):")
    for key, value in running.environment().items():
        out.print(f"  export {key}={value}", **plain)
    # Whole lines, never wrapped: a credential copied from the table above (an NWC URI
    # is 200 characters) would lose the parts on its other lines. Sandbox-only values.
    for name in running.names:
        for key, value in running.emulator(name).credentials().items():
            out.print(f"  export PAYSUPPORT_{name.upper()}_{key.upper()}={value}", **plain)
    out.print(f"state: {state_file}", style="dim", **plain)
    out.print(f"data of --sandbox commands: {running.data_dir}", style="dim", **plain)
    out.print("Ctrl-C to stop", style="dim", **plain)


@main.command()
@click.option("--provider", "only", multiple=True, help="Run only these providers' demos.")
@pass_context
def demo(ctx: Context, only: tuple[str, ...]) -> None:
    """Run every provider's real flows against an embedded sandbox (the README's main job)."""
    from paysupport.demo import run_demo, succeeded

    results = run_demo(providers=list(only) or None, console=out.console, debug=ctx.debug)
    if not succeeded(results):
        raise SystemExit(1)


@main.command()
@click.argument("provider")
@click.argument("event")
@click.option("--to", "url", required=True, help="Your app's webhook URL.")
@click.option(
    "--secret",
    default=None,
    help="Sign with this secret (default: the one the provider stores for --to: "
    "Patreon's webhook registered with that URI, GitHub's webhook_secret setting).",
)
@click.option("--seed", default=0, type=int, help="Seed of the emulator data the delivery is from.")
@click.option(
    "--with",
    "choices",
    multiple=True,
    help="key=value: which records the delivery is about (repeatable; see docs/cli.md).",
)
@pass_context
def trigger(
    ctx: Context,
    provider: str,
    event: str,
    url: str,
    secret: str | None,
    seed: int,
    choices: tuple[str, ...],
) -> None:
    """Send URL a correctly signed delivery of PROVIDER's webhook EVENT (like `stripe trigger`).

    The delivery is what the service would send, built from its emulator's data
    and signed by the provider's own code; it is sent once. Exit code 1 when
    the app does not answer 2xx. The data is a new emulator's of ``--seed`` (the
    records a sandbox of that seed holds), or with ``--sandbox`` an embedded
    sandbox's own.
    """
    from paysupport import trigger as triggers
    from paysupport.sandbox import Sandbox

    if secret is None:
        secret = triggers.stored_secret(provider, ctx.client(provider), url)
        if not secret:
            raise ConfigError(
                f"no secret stored for {url}: pass --secret (the secret your app verifies with)",
                provider=provider,
            )
    emulator = None
    if ctx.sandbox:
        handle = ctx.sandbox_handle()
        if isinstance(handle, Sandbox):
            emulator = handle.emulator(provider)
    sent = triggers.trigger(
        provider, event, url, secret, emulator=emulator, seed=seed, choices=_pairs(choices)
    )
    line = f"{provider} {event} -> {url}: HTTP {sent.status}"
    if sent.ok:
        out.print(line, markup=False, highlight=False, soft_wrap=True)
        return
    err.print(f"{line} {sent.answer[:200]}", style="red", markup=False, highlight=False,
              soft_wrap=True)  # fmt: skip
    raise SystemExit(1)


@main.command("support-feed")
@click.argument("feed")
@click.option(
    "--downloaded-dir",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Support the episodes whose files are in this folder.",
)
@click.option("--guid", "guids", multiple=True, help="Support this episode (repeatable).")
@click.option("--dry-run", is_flag=True, help="Show what would be supported; send nothing.")
@click.option("--budget", type=click.IntRange(min=0), default=None, help="Supports this run.")
@click.option(
    "--monthly-budget",
    type=click.IntRange(min=0),
    default=None,
    help="Supports per calendar month.",
)
@click.option(
    "--monthly-budget-amount",
    type=click.IntRange(min=0),
    default=None,
    help="Money per calendar month, in minor units of --budget-currency (500 EUR = 5.00 EUR);"
    " only for providers whose supports have an amount.",
)
@click.option("--budget-currency", default=None, help="Currency of --monthly-budget-amount.")
@click.option("--retry-failed", is_flag=True, help="Try again episodes that failed before.")
@click.option(
    "--accept-new-target",
    is_flag=True,
    help="Support episodes whose payment link changed since they were supported (again).",
)
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Ledger database (default: in the data directory).",
)
@click.option(
    "--value-sats",
    type=click.IntRange(min=1),
    default=None,
    help="Pay episodes with a podcast:value block this many sats each over Lightning"
    " (the lightning provider's wallet), split among its recipients.",
)
@click.option(
    "--value-monthly-sats",
    type=click.IntRange(min=0),
    default=None,
    help="At most this many sats of value payments per calendar month.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON output instead of a table.")
@pass_context
def support_feed(
    ctx: Context,
    feed: str,
    downloaded_dir: str | None,
    guids: tuple[str, ...],
    dry_run: bool,
    budget: int | None,
    monthly_budget: int | None,
    monthly_budget_amount: int | None,
    budget_currency: str | None,
    retry_failed: bool,
    accept_new_target: bool,
    ledger_path: str | None,
    value_sats: int | None,
    value_monthly_sats: int | None,
    as_json: bool,
) -> None:
    """Support each downloaded episode of FEED (URL or file) exactly once.

    With --value-sats, episodes whose feed has a podcast:value block are paid
    over Lightning instead (each recipient's split, exactly once).
    Exits 1 when an episode failed, errored or is in conflict with the ledger.
    """
    from paysupport.ledger import Ledger
    from paysupport.podcatcher import Budget, Podcatcher, ValueSupport, summarize

    catcher = Podcatcher(
        connect=ctx.client,
        ledger=Ledger(ctx.ledger_path(ledger_path)),
        budget=Budget(
            per_run=budget,
            per_month=monthly_budget,
            per_month_amount=monthly_budget_amount,
            currency=budget_currency,
        ),
        dry_run=dry_run,
        retry_failed=retry_failed,
        accept_new_target=accept_new_target,
        value=(
            None
            if value_sats is None
            else ValueSupport(value_sats, monthly_budget_sats=value_monthly_sats)
        ),
    )
    outcomes = catcher.support_feed(
        feed,
        downloaded=[downloaded_dir] if downloaded_dir else None,
        guids=list(guids) or None,
    )
    counts = summarize(outcomes)
    if as_json:
        click.echo(json.dumps({"summary": counts, "episodes": [o.to_dict() for o in outcomes]}))
    else:
        table = _table(title=f"support-feed {feed}")
        for column in ("episode", "status", "provider", "detail"):
            table.add_column(column, overflow="fold")
        for o in outcomes:
            table.add_row(o.title, o.status, o.provider or "", o.detail or "")
        out.print(table)
        out.print(", ".join(f"{k}: {v}" for k, v in counts.items()) or "no episodes")
    if counts.get("failed") or counts.get("error") or counts.get("conflict"):
        raise SystemExit(1)


@main.command()
@click.option("--url", default=None, help="The post's public URL.")
@click.option("--title", default=None)
@click.option("--description", default=None)
@click.option("--tag", "tags", multiple=True, help="Tag (repeatable).")
@click.option("--language", default=None, help="Language code, e.g. en_GB.")
@click.option("--category", default=None)
@click.option("--hidden", is_flag=True)
@click.option("--provider", default="flattr", show_default=True)
@click.option("--unregister", is_flag=True, help="Remove the registration instead.")
@click.option(
    "--feed",
    "feed_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Instead: write the config's [value] block (podcast:value, podcast:funding) into"
    " this generated RSS/Atom feed.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="With --feed: write the feed here (default: in place).",
)
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def publish(
    ctx: Context,
    url: str | None,
    title: str | None,
    description: str | None,
    tags: tuple[str, ...],
    language: str | None,
    category: str | None,
    hidden: bool,
    provider: str,
    unregister: bool,
    feed_file: str | None,
    output: str | None,
    ledger_path: str | None,
    as_json: bool,
) -> None:
    """Register (idempotently) a published post so readers can support it.

    With --feed, write the config's [value] section into a feed instead, so
    listeners' podcatchers pay its recipients.
    """
    from paysupport.blog import Blog, publish_value
    from paysupport.ledger import Ledger

    if feed_file is not None:
        written = publish_value(feed_file, output)
        if as_json:
            click.echo(json.dumps(written.to_dict()))
        else:
            out.print(f"{written.status}: {written.path}", markup=False, highlight=False)
        return
    if url is None or (title is None and not unregister):
        raise click.UsageError("give --url and --title (or --feed to publish a value block)")

    blog = Blog(provider=provider, connect=ctx.client, ledger=Ledger(ctx.ledger_path(ledger_path)))
    if unregister:
        outcome = blog.unregister_post(url)
    else:
        outcome = blog.register_post(
            url,
            title or "",
            description=description,
            tags=tags,
            language=language,
            category=category,
            hidden=hidden,
        )
    if as_json:
        click.echo(json.dumps(outcome.to_dict()))
    else:
        out.print(f"{outcome.status}: {outcome.url} ({provider} {outcome.remote_id or ''})")


@main.command("sync-blog")
@click.argument("feed")
@click.option("--provider", default="flattr", show_default=True)
@click.option("--language", default=None, help="Language of every post, e.g. en_GB.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def sync_blog(
    ctx: Context,
    feed: str,
    provider: str,
    language: str | None,
    ledger_path: str | None,
    as_json: bool,
) -> None:
    """Register every entry of a blog FEED (after a static site build)."""
    from paysupport.blog import Blog
    from paysupport.ledger import Ledger

    blog = Blog(provider=provider, connect=ctx.client, ledger=Ledger(ctx.ledger_path(ledger_path)))
    outcomes = blog.sync_feed(feed, language=language)
    if as_json:
        click.echo(json.dumps([o.to_dict() for o in outcomes]))
    else:
        table = _table(title=f"sync-blog {feed}")
        for column in ("post", "status", "id", "detail"):
            table.add_column(column, overflow="fold")
        for o in outcomes:
            table.add_row(o.url, o.status, o.remote_id or "", o.detail or "")
        out.print(table)
    if any(o.status == "failed" for o in outcomes):
        raise SystemExit(1)


def _value_options(command: Any) -> Any:
    """The options ``stream`` and ``boost`` share: the wallet, the ledger, budget, output."""
    for option in reversed(
        [
            click.option("--provider", default="lightning", show_default=True,
                         help="The wallet provider."),
            click.option("--sender-name", default=None,
                         help="Your name in the payments' records."),
            click.option("--monthly-budget-sats", type=click.IntRange(min=0), default=None,
                         help="At most this many sats of value payments per calendar month."),
            click.option("--retry-failed", is_flag=True,
                         help="Try again payments the wallet refused before."),
            click.option("--dry-run", is_flag=True, help="Show what would be paid; pay nothing."),
            click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False),
                         default=None, help="Ledger database (default: in the data directory)."),
            click.option("--json", "as_json", is_flag=True,
                         help="JSON output instead of a table."),
        ]
    ):  # fmt: skip
        command = option(command)
    return command


def _value_payer(
    ctx: Context,
    provider: str,
    ledger_path: str | None,
    sender_name: str | None,
    monthly_budget_sats: int | None,
    retry_failed: bool,
    dry_run: bool,
) -> Any:
    from paysupport.ledger import Ledger
    from paysupport.value.pay import ValuePayer, wallet_of

    return ValuePayer(
        wallet_of(ctx.client(provider)),
        Ledger(ctx.ledger_path(ledger_path)),
        sender_name=sender_name,
        monthly_budget_sats=monthly_budget_sats,
        retry_failed=retry_failed,
        dry_run=dry_run,
    )


def _show_value(title: str, outcomes: list[Any], as_json: bool) -> None:
    """Print value outcomes; exit 1 when a payment failed or errored."""
    from paysupport.value.pay import paid_msat, summarize

    counts = summarize(outcomes)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "summary": counts,
                    "paid_msat": paid_msat(outcomes),
                    "payments": [o.to_dict() for o in outcomes],
                }
            )
        )
    else:
        table = _table(title=title)
        for column in ("episode", "action", "recipient", "part", "status", "sats", "detail"):
            table.add_column(column, overflow="fold")
        for o in outcomes:
            table.add_row(o.title, o.action, o.recipient, o.part[:13], o.status,
                          f"{o.amount_msat / 1000:g}", o.detail or "")  # fmt: skip
        out.print(table)
        summary = ", ".join(f"{k}: {v}" for k, v in counts.items()) or "nothing to pay"
        out.print(f"{summary}; paid {paid_msat(outcomes) / 1000:g} sats", markup=False)
    if counts.get("failed") or counts.get("error"):
        raise SystemExit(1)


@main.command()
@click.argument("feed")
@click.option("--guid", default=None, help="The episode listened to (with --seconds).")
@click.option("--seconds", type=click.FloatRange(min=0), default=None,
              help="How far into --guid the listener got.")  # fmt: skip
@click.option(
    "--listened",
    "listened_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A file of '<guid> <seconds>' lines, one episode a line.",
)
@click.option(
    "--gpodder",
    "gpodder_db",
    default=None,
    help="Read positions from gPodder's Downloads.sqlite (read-only); 'default' for"
    " $GPODDER_HOME or ~/gPodder.",
)
@click.option("--sats-per-minute", type=click.IntRange(min=0), default=None,
              help="Your rate (default: the feed's suggested amount).")  # fmt: skip
@_value_options
@pass_context
def stream(
    ctx: Context,
    feed: str,
    guid: str | None,
    seconds: float | None,
    listened_file: str | None,
    gpodder_db: str | None,
    sats_per_minute: int | None,
    provider: str,
    sender_name: str | None,
    monthly_budget_sats: int | None,
    retry_failed: bool,
    dry_run: bool,
    ledger_path: str | None,
    as_json: bool,
) -> None:
    """Stream sats for the minutes of FEED's episodes listened, each minute paid once.

    Per episode's podcast:value block, in batches of at least 1 sat per
    recipient; minutes paid before are never paid again. Exits 1 when a
    payment failed or errored.
    """
    from paysupport.feeds import read_feed
    from paysupport.value.listened import read_gpodder, read_listened_file

    listened: dict[str, float] = {}
    if guid is not None or seconds is not None:
        if guid is None or seconds is None:
            raise click.UsageError("--guid and --seconds come together")
        listened[guid] = seconds
    if listened_file is not None:
        listened.update(read_listened_file(listened_file))
    if gpodder_db is not None:
        url = feed if feed.startswith(("http://", "https://")) else None
        database = None if gpodder_db == "default" else gpodder_db
        listened.update(read_gpodder(database, feed_url=url))
    if not listened:
        raise click.UsageError("say what was listened: --guid/--seconds, --listened or --gpodder")
    payer = _value_payer(ctx, provider, ledger_path, sender_name, monthly_budget_sats,
                         retry_failed, dry_run)  # fmt: skip
    parsed = read_feed(feed)
    outcomes = payer.listened(parsed, listened, sats_per_minute=sats_per_minute)
    _show_value(f"stream {feed}", outcomes, as_json)


@main.command()
@click.argument("feed")
@click.option("--guid", required=True, help="The episode to boost.")
@click.option("--sats", type=click.IntRange(min=1), required=True, help="The amount, in sats.")
@click.option("--message", default=None, help="A boostagram message (500 bytes at most).")
@click.option(
    "--boost-id",
    default=None,
    help="Tells boosts apart: the same command run again pays nothing (default: derived"
    " from the episode, amount and message); give a new id for a second boost.",
)
@click.option("--at", "at_s", type=click.IntRange(min=0), default=None,
              help="Playback position, in seconds (a time split playing then shares).")  # fmt: skip
@_value_options
@pass_context
def boost(
    ctx: Context,
    feed: str,
    guid: str,
    sats: int,
    message: str | None,
    boost_id: str | None,
    at_s: int | None,
    provider: str,
    sender_name: str | None,
    monthly_budget_sats: int | None,
    retry_failed: bool,
    dry_run: bool,
    ledger_path: str | None,
    as_json: bool,
) -> None:
    """Boost an episode of FEED: SATS split over its podcast:value block, once per boost id."""
    from paysupport.feeds import read_feed

    parsed = read_feed(feed)
    episode = next((e for e in parsed.episodes if e.guid == guid), None)
    if episode is None:
        raise click.UsageError(f"no episode of {feed} has the guid {guid!r}")
    payer = _value_payer(ctx, provider, ledger_path, sender_name, monthly_budget_sats,
                         retry_failed, dry_run)  # fmt: skip
    outcomes = payer.boost(
        episode, sats, feed=parsed, message=message, boost_id=boost_id, at_s=at_s
    )
    _show_value(f"boost {episode.title}", outcomes, as_json)


# -- helpers ---------------------------------------------------------------------------


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops the sandbox as cleanly as Ctrl-C does."""
    raise KeyboardInterrupt


def _pairs(items: Iterable[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.UsageError(f"expected key=value, got {item!r}")
        pairs[key] = value
    return pairs


def _with_progress(
    items: Iterable[Any], total: int | None, limit: int | None, label: str
) -> Iterator[Any]:
    goal = min(total, limit) if total is not None and limit is not None else (limit or total)
    show = goal is None or goal > 100
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=err.console, transient=True, disable=not show) as bar:
        task = bar.add_task(label, total=goal)
        for count, item in enumerate(items, start=1):
            yield item
            bar.advance(task)
            if limit is not None and count >= limit:
                return


def _emit(
    rows: Iterable[dict[str, Any]],
    fmt: str,
    columns: list[str] | None,
    stream: Any,
    *,
    neutralise: bool = False,
) -> output.Written:
    """Write ``rows`` in ``fmt``; tables go to the console, the other formats to ``stream``."""
    if fmt == "table":
        return output.write_table(rows, out.console, columns)
    if fmt == "json":
        return output.write_json(rows, stream, columns)
    if fmt == "jsonl":
        return output.write_jsonl(rows, stream, columns)
    return output.write_csv(rows, stream, columns, neutralise=neutralise)


def _register_sync() -> None:
    """``paysupport sync`` and its subcommands live in :mod:`paysupport.sync.cli`."""
    from paysupport.sync.cli import sync

    main.add_command(sync)


_register_sync()

if __name__ == "__main__":  # pragma: no cover
    main()
