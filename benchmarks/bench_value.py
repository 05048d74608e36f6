"""V1: value-for-value payments through the sandboxed NWC wallet, and settling after crashes.

* payments per second: ``auto`` splits (three recipients an episode) paid by
  :class:`~paysupport.value.pay.ValuePayer` in this process, through the
  sandbox's relay and wallet, each claimed and recorded in the ledger;
* the killed-job scenario of ``tests/flows/test_v4v_exactly_once.py`` at full
  size (200 episodes): SIGKILLs at random points, some while a dropped answer
  is awaited, then reruns until done; the goal is 0 splits paid twice or never,
  and the time the reruns take to settle everything is reported.

The sandbox's relay has no anti-spam limit, so the figures measure the wallet
path (claim, encrypted request over the relay, answer, record) itself.
"""

from __future__ import annotations

import time
from decimal import Decimal

from benchmarks.bench_podcast import _isolated
from benchmarks.results import Result, goal_result, info, skipped

#: Payments per client in the throughput figure (a podcatcher run's worth).
BATCH = 150


def v1(quick: bool = False) -> list[Result]:
    try:
        import paysupport_lightning  # noqa: F401
    except ImportError:
        return [
            skipped("V1", "value-for-value payments", "the lightning provider is not installed")
        ]
    from paysupport.feeds import read_feed
    from paysupport.ledger import Ledger
    from paysupport.value import Recipient, ValueBlock
    from paysupport.value.pay import ValuePayer, summarize
    from paysupport.value.publish import add_value_to_feed
    from tests.core.feeds_kit import podcast_feed
    from tests.flows.test_v4v_exactly_once import kill_rounds, serving_lightning

    episodes, rounds = (40, 4) if quick else (200, 10)
    paid_episodes = 20 if quick else 60
    results: list[Result] = []
    with _isolated() as tmp, serving_lightning() as sandbox:
        probe = sandbox.connect("lightning")
        guest = probe.resolve_lightning_address("guest@podcast.example").pubkey
        probe.close()
        block = ValueBlock(
            "lightning",
            "keysend",
            Decimal(1000),
            (
                Recipient("Host", "node", guest, 90),
                Recipient("App", "lnaddress", "app@fees.example", 5, fee=True),
            ),
        )
        path = tmp / "feed.xml"
        path.write_bytes(add_value_to_feed(podcast_feed(paid_episodes, link=""), block))
        feed = read_feed(path)
        ledger = Ledger(tmp / "throughput.sqlite3")
        paid, elapsed = 0, 0.0
        per_client = BATCH // len(block.recipients)
        for start in range(0, len(feed.episodes), per_client):
            wallet = sandbox.connect("lightning")
            payer = ValuePayer(wallet, ledger)
            began = time.perf_counter()
            for episode in feed.episodes[start : start + per_client]:
                paid += summarize(payer.auto(episode, 100, feed=feed)).get("paid", 0)
            elapsed += time.perf_counter() - began
            wallet.close()
        results.append(
            info(
                "V1",
                "value payments through the sandboxed NWC wallet",
                paid / elapsed if elapsed else 0.0,
                "payments/s",
                f"{paid} keysends (claim, NIP-44 request over the relay, answer, record), one"
                f" at a time; a new client every {BATCH}",
            )
        )
        work = tmp / "kills"
        work.mkdir()
        k = kill_rounds(sandbox, work, episodes=episodes, rounds=rounds)
    results.append(
        goal_result(
            "V1",
            "killed value jobs: splits paid twice or never",
            float(k["doubled"] + k["lost"]),
            "",
            "== 0",
            f"{k['episodes']} episodes x 3 recipients; {k['kills']} SIGKILLs in {k['rounds']}"
            f" runs (an answer dropped each round), then {k['reruns']} reruns to the end;"
            f" twice {k['doubled']}, never {k['lost']}",
        )
    )
    results.append(
        info(
            "V1",
            "time to settle after the crashes (the reruns to the end)",
            float(k["settle_s"]),
            "s",
            "lookups of the dead runs' claims, then the payments left",
        )
    )
    return results
