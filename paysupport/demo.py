"""``paysupport demo``: the real flows of every installed provider, end to end, over HTTP.

The demo starts the sandbox in-process, then runs each provider's demo script,
registered like the provider itself under the ``paysupport.demos`` entry
points (``run(sandbox, steps)``), so the core still imports no provider. A
script reports through :class:`DemoSteps`: each step is timed, printed, and
a failing step marks the demo failed without stopping the other providers.
When several providers have supporters, a last step merges them into one list
with totals, as ``paysupport supporters`` does.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from paysupport.errors import PaySupportError
from paysupport.registry import entry_points, provider_info
from paysupport.sandbox import Sandbox, SandboxOptions
from paysupport.supporters import Totals, merged

DEMOS_NAMESPACE = "paysupport.demos"

log = logging.getLogger(__name__)

#: Data sizes the demo asks the emulators for.
DEMO_SIZES = {"members": 1000, "things": 200, "docs": 300}


@dataclass
class StepResult:
    provider: str
    title: str
    ok: bool
    seconds: float
    details: list[str] = field(default_factory=list)
    error: str | None = None


class StepFailed(Exception):
    """Raised by a demo script to fail a step with a readable reason."""


class DemoSteps:
    """What a provider's demo script uses to report its steps."""

    def __init__(self, provider: str, console: Console, debug: bool = False) -> None:
        self.provider = provider
        self.console = console
        self.debug = debug
        self.results: list[StepResult] = []
        self._current: StepResult | None = None

    @contextmanager
    def step(self, title: str) -> Iterator[StepResult]:
        """Time a step; an exception inside fails it (and is not re-raised)."""
        result = StepResult(self.provider, title, ok=True, seconds=0.0)
        self._current = result
        started = time.monotonic()
        try:
            yield result
        except Exception as exc:  # a demo step reports every failure, whatever its type
            result.ok = False
            result.error = f"{type(exc).__name__}: {exc}"
            if self.debug or not isinstance(exc, (PaySupportError, StepFailed)):
                result.details.append(traceback.format_exc())
        finally:
            result.seconds = time.monotonic() - started
            self._current = None
            self.results.append(result)
            self._print(result)

    def detail(self, text: str) -> None:
        """A line under the current step (what was found, counted, checked)."""
        if self._current is not None:
            self._current.details.append(text)

    def check(self, condition: bool, message: str) -> None:
        """Fail the current step with ``message`` unless ``condition`` holds."""
        if not condition:
            raise StepFailed(message)

    @contextmanager
    def progress(self, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
        """A progress bar on stderr; call the yielded function with each increment."""
        columns = [
            TextColumn("    {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ]
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(description, total=total)

            def advance(n: int = 1) -> None:
                bar.advance(task, n)

            yield advance

    def _print(self, result: StepResult) -> None:
        mark = "[green]ok[/]" if result.ok else "[red]FAILED[/]"
        self.console.print(f"  {mark} {result.title} [dim]({result.seconds:.2f} s)[/]")
        for line in result.details:
            self.console.print(f"       {line}", markup=False, highlight=False)
        if result.error:
            self.console.print(f"       {result.error}", style="red", markup=False)


DemoScript = Callable[[Sandbox, DemoSteps], None]


def demo_scripts() -> dict[str, DemoScript]:
    """Every installed provider's demo steps; one that fails to load is named and skipped."""
    scripts: dict[str, DemoScript] = {}
    for entry in entry_points(DEMOS_NAMESPACE):
        try:
            scripts[entry.name] = entry.load()
        except Exception as exc:  # a broken install must not take the other demos down
            log.warning("demo of %s failed to load: %s: %s", entry.name, type(exc).__name__, exc)
    return scripts


def run_demo(
    *,
    providers: list[str] | None = None,
    console: Console | None = None,
    debug: bool = False,
    options: SandboxOptions | None = None,
) -> list[StepResult]:
    """Run the demo and return every step's result (the CLI turns failures into exit 1)."""
    console = console or Console()
    scripts = demo_scripts()
    chosen = providers or sorted(scripts)
    unknown = [name for name in chosen if name not in scripts]
    if unknown:
        raise PaySupportError(
            f"no demo for {', '.join(unknown)} (demos: {', '.join(sorted(scripts)) or 'none'})"
        )
    options = options or SandboxOptions(sizes=DEMO_SIZES, providers=chosen)
    results: list[StepResult] = []
    started = time.monotonic()
    with Sandbox(options) as sandbox:
        console.print(
            f"[bold]paysupport demo[/] against the embedded sandbox ({len(chosen)} providers)"
        )
        for name in chosen:
            console.print(f"\n[bold]{name}[/] at {sandbox.url(name)}")
            steps = DemoSteps(name, console, debug)
            try:
                scripts[name](sandbox, steps)
            except Exception as exc:  # a broken script must not hide the other providers
                steps.results.append(
                    StepResult(
                        name, "demo script", False, 0.0, error=f"{type(exc).__name__}: {exc}"
                    )
                )
            results.extend(steps.results)
        results.extend(_merged_supporters(sandbox, chosen, console, debug))
        if "lightning" in chosen:
            results.extend(_value_for_value(sandbox, console, debug))
    _summary(console, results, time.monotonic() - started)
    return results


def _merged_supporters(
    sandbox: Sandbox, chosen: list[str], console: Console, debug: bool
) -> list[StepResult]:
    """``paysupport supporters``: every provider's supporters in one list, with totals."""
    names = [name for name in chosen if "supporters" in provider_info(name).collections]
    if len(names) < 2:
        return []
    console.print(f"\n[bold]{' + '.join(names)}[/]: one list of supporters")
    steps = DemoSteps("supporters", console, debug)
    with steps.step(f"`paysupport supporters`: {' and '.join(names)} merged, with totals"):
        clients = {name: sandbox.connect(name) for name in names}
        try:
            tally = Totals()
            found = Counter(s.provider for s in tally.counted(merged(clients)))
        finally:
            for client in clients.values():
                client.close()
        steps.detail(", ".join(f"{found[name]} from {name}" for name in names))
        for row in tally.currency_rows():
            steps.detail(
                f"{row['currency']}: {row['active']} supporting now, "
                f"{row['monthly_minor'] / 100:,.2f} a month"
            )
        steps.check(all(found[name] for name in names), "a provider's supporters are missing")
    return steps.results


def _value_for_value(sandbox: Sandbox, console: Console, debug: bool) -> list[StepResult]:
    """Value for value: stream and boost an episode's podcast:value splits, then rerun.

    Over the ``lightning`` sandbox's wallet: a feed published with a value block
    (a 5 % fee, Lightning Address recipients), 30 minutes streamed, a boost with
    a message, then both again: the emulator's admin view shows each paid once.
    """
    import tempfile
    from pathlib import Path

    import requests

    from paysupport.feeds import read_feed
    from paysupport.ledger import Ledger
    from paysupport.value import Recipient, ValueBlock
    from paysupport.value.pay import ValuePayer, paid_msat, summarize, wallet_of
    from paysupport.value.publish import add_value_to_feed

    console.print("\n[bold]value for value[/]: podcast:value splits over Nostr Wallet Connect")
    steps = DemoSteps("value4value", console, debug)
    block = ValueBlock(
        "lightning",
        "keysend",
        None,
        (
            Recipient("Host", "lnaddress", "host@podcast.example", 90),
            Recipient("Guest", "lnaddress", "guest@podcast.example", 10),
            Recipient("App", "lnaddress", "app@fees.example", 5, fee=True),
        ),
    )
    rss = (
        b'<rss version="2.0"><channel><title>paysupport demo FM</title>'
        b"<item><title>Pilot</title><guid>demo-1</guid></item></channel></rss>"
    )
    admin = f"{sandbox.url('lightning')}/_admin/payments"
    client = sandbox.connect("lightning")
    try:
        with tempfile.TemporaryDirectory(prefix="paysupport-v4v-") as tmp:
            with steps.step("publish a feed with a podcast:value block (fee 5 %, host, guest)"):
                path = Path(tmp, "feed.xml")
                path.write_bytes(add_value_to_feed(rss, block))
                feed = read_feed(path)
                pilot = feed.episodes[0]
                steps.check(pilot.value == block, "the published block did not read back")
                payer = ValuePayer(
                    wallet_of(client), Ledger(Path(tmp, "ledger.sqlite3")), sender_name="demo"
                )
            before = len(requests.get(admin, timeout=10).json()["payments"])
            with steps.step("stream 30 minutes at 2 sats a minute, in batches of 1 sat or more"):
                streamed = payer.stream(pilot, 30 * 60, feed=feed, sats_per_minute=2)
                steps.detail(f"{summarize(streamed)}; {paid_msat(streamed) / 1000:g} sats")
                steps.check(0 < paid_msat(streamed) <= 60_000, "not what 30 minutes cost")
            with steps.step("boost 100 sats with a boostagram"):
                boosted = payer.boost(pilot, 100, feed=feed, message="Great episode!")
                steps.detail(f"{summarize(boosted)}; {paid_msat(boosted) / 1000:g} sats")
                steps.check(summarize(boosted) == {"paid": 3}, "not every recipient was boosted")
            with steps.step("run both again: nothing is paid twice"):
                again = payer.stream(pilot, 30 * 60, feed=feed, sats_per_minute=2)
                again += payer.boost(pilot, 100, feed=feed, message="Great episode!")
                steps.check(paid_msat(again) == 0, f"paid again: {summarize(again)}")
                made = len(requests.get(admin, timeout=10).json()["payments"]) - before
                expected = summarize(streamed).get("paid", 0) + 3
                steps.check(made == expected, f"{made} keysends for {expected} payments")
                steps.detail(f"{summarize(again)}; the nodes got {made} keysends, once each")
    finally:
        client.close()
    return steps.results


def _summary(console: Console, results: list[StepResult], seconds: float) -> None:
    table = Table(title="summary")
    table.add_column("provider")
    table.add_column("steps", justify="right")
    table.add_column("failed", justify="right")
    table.add_column("seconds", justify="right")
    for name in sorted({r.provider for r in results}):
        mine = [r for r in results if r.provider == name]
        failed = sum(not r.ok for r in mine)
        table.add_row(
            name,
            str(len(mine)),
            f"[red]{failed}[/]" if failed else "0",
            f"{sum(r.seconds for r in mine):.2f}",
        )
    console.print()
    console.print(table)
    failed = sum(not r.ok for r in results)
    verdict = "[red]FAILED[/]" if failed or not results else "[green]all steps passed[/]"
    console.print(f"{verdict} in {seconds:.1f} s")


def succeeded(results: list[StepResult]) -> bool:
    return bool(results) and all(r.ok for r in results)


__all__ = ["DemoSteps", "StepFailed", "StepResult", "run_demo", "succeeded"]
