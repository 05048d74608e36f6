"""Pay a feed's ``podcast:value`` splits from a Lightning wallet, each exactly once.

The three actions bLIP-10 names, over any wallet client with ``pay_keysend``,
``lookup`` and ``resolve_lightning_address`` (the ``lightning`` provider's
:class:`LightningClient`; the core never imports it):

* **stream** (:meth:`ValuePayer.stream`): sats per minute of the episode's
  runtime listened, in batches (:func:`~paysupport.value.splits.stream_payments`);
  each batch is keyed by its minute range, and the plan is stable, so telling
  the payer later that more was listened pays only the new minutes;
* **boost** (:meth:`ValuePayer.boost`): a one-off amount with an optional
  boostagram message, keyed by its boost id;
* **auto** (:meth:`ValuePayer.auto`): a fixed amount for a downloaded episode.

Exactly once: each recipient's part (:class:`~paysupport.ledger.PaymentKey`:
feed identity, episode, recipient, action, minute range or boost id) is claimed
in the :class:`~paysupport.ledger.Ledger` with a preimage *before* the wallet
is asked. An answer that never comes (``Timeout``, a lost relay) is settled by
looking the payment hash up; a run killed between the wallet's payment and our
record leaves a claim that the next run takes over, looks up, and pays only if
the wallet has no settled payment for that hash, with the same preimage, so
even that is the same payment. Concurrent runs are kept apart by the claim
(``busy``). The monthly budget in sats is counted in the claiming transaction.

What is not paid, and why, is an outcome, never an exception: an episode whose
value block cannot be paid (:attr:`~paysupport.feeds.Episode.value_problems`)
pays nothing and reports its problems; a share that rounds below 1 sat, or a
time split's remote item (another feed's block, not fetched here), is
``skipped``. **A Lightning Address that does not resolve fails that recipient
only**: the others are paid their own shares (computed over the whole block,
so nobody gets the missing one's part) and the failed one is an ``error``,
paid by a later run once it resolves (its key is not settled). Holding back a
whole episode for one host's broken ``.well-known`` would punish every other
recipient for it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from paysupport.errors import (
    AuthError,
    LedgerError,
    PaymentError,
    PaySupportError,
    RateLimited,
    TransportError,
)
from paysupport.feeds import Episode, Feed
from paysupport.ledger import DONE, FAILED, Ledger, PaymentClaim, PaymentKey, month_start
from paysupport.value.model import Recipient, RemoteItem, ValueForValueError
from paysupport.value.records import blip10_record, keysend_records
from paysupport.value.splits import (
    KEYSEND_MINIMUM_MSAT,
    Share,
    boost_shares,
    stream_msat,
    stream_payments,
    stream_rate_msat,
)

log = logging.getLogger("paysupport.value")

ACTIONS = ("stream", "boost", "auto")
#: Outcome statuses, in the order a summary lists them.
STATUSES = (
    "paid",
    "already",
    "accruing",
    "skipped",
    "dry-run",
    "pending",
    "budget",
    "busy",
    "failed",
    "error",
)
#: Payments in a row whose outcome stayed unknown (no answer, relay lost or rate-limited)
#: after which this run stops asking the wallet: the next run looks them up and goes on.
MAX_UNKNOWN_IN_A_ROW = 3
#: Wallet codes after which no payment of this run can succeed (nothing was paid).
_WALLET_SPENT = ("INSUFFICIENT_BALANCE", "QUOTA_EXCEEDED")


@runtime_checkable
class KeysendTarget(Protocol):
    """A resolved Lightning Address: the node to pay, and maybe its custom record."""

    pubkey: str
    custom_key: int | None
    custom_value: str | None


@runtime_checkable
class WalletPayment(Protocol):
    """A payment as the wallet reports it (``state``: settled, pending or failed)."""

    payment_hash: str
    state: str
    fees_paid_msat: int | None


@runtime_checkable
class Wallet(Protocol):
    """What paying needs of a wallet client (the ``lightning`` provider's client has it).

    ``pay_keysend`` raises a core ``Timeout``/``TransportError`` when the outcome
    is unknown and a ``PaymentError`` when nothing was paid; ``lookup`` returns
    ``None`` for a hash the wallet does not know.
    """

    def pay_keysend(
        self,
        pubkey: str,
        amount_msat: int,
        *,
        tlv_records: Mapping[int, bytes] | None = None,
        preimage: bytes | None = None,
    ) -> Any: ...

    def lookup(self, payment_hash: str) -> Any: ...

    def resolve_lightning_address(self, address: str) -> Any: ...


@dataclass
class ValueOutcome:
    """What happened to one recipient's part of one action on one episode, in this run."""

    episode: str
    title: str
    action: str
    recipient: str
    status: str
    amount_msat: int = 0
    part: str = ""
    payment_hash: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(outcomes: Iterable[ValueOutcome]) -> dict[str, int]:
    """How many outcomes of each status (statuses with none left out)."""
    counts = dict.fromkeys(STATUSES, 0)
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return {k: v for k, v in counts.items() if v}


def paid_msat(outcomes: Iterable[ValueOutcome]) -> int:
    """The msat this run paid (``paid`` outcomes)."""
    return sum(o.amount_msat for o in outcomes if o.status == "paid")


def recipient_key(recipient: Recipient) -> str:
    """How the ledger names a recipient: its payee (type, address, custom record)."""
    kind, address, custom_key, custom_value = recipient.payee
    key = f"{kind}:{address}"
    return key if custom_key is None else f"{key}#{custom_key}={custom_value or ''}"


def default_boost_id(episode: Episode, sats: int, message: str | None) -> str:
    """The id of a boost nobody named: the same episode, amount and message give the same id.

    So running one ``paysupport boost`` command again (after a crash, say) never
    boosts twice; a second, deliberate boost of the same amount and message
    names another id (``boost_id=``, ``--boost-id``).
    """
    name = "\x1f".join((episode.feed, episode.guid, str(sats), message or ""))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "paysupport-boost:" + name))


@dataclass(frozen=True)
class _Part:
    """One payment to make: a recipient's share of an action, and its bLIP-10 fields."""

    recipient: Recipient | RemoteItem
    amount_msat: int
    part: str
    total_msat: int
    ts: int | None = None
    below_minimum: bool = False


@dataclass
class ValuePayer:
    """Pays value blocks from ``wallet``, recording every payment in ``ledger``.

    ``monthly_budget_sats`` limits what value payments spend per calendar month
    (UTC), counting runs in progress. ``sender_name`` and ``app_name`` go into
    each payment's bLIP-10 record. ``dry_run`` computes and reports, paying nothing.
    """

    wallet: Wallet
    ledger: Ledger = field(default_factory=Ledger)
    app_name: str = "paysupport"
    sender_name: str | None = None
    monthly_budget_sats: int | None = None
    retry_failed: bool = False
    dry_run: bool = False
    minimum_msat: int = KEYSEND_MINIMUM_MSAT
    _locked_out: str | None = field(default=None, repr=False)
    _unknown_in_a_row: int = field(default=0, repr=False)

    # -- the three actions ----------------------------------------------------------------

    def stream(
        self,
        episode: Episode,
        seconds: float,
        *,
        feed: Feed | None = None,
        sats_per_minute: int | Decimal | None = None,
    ) -> list[ValueOutcome]:
        """Pay the runtime minutes ``[0, seconds // 60)`` of ``episode`` not paid before.

        The rate is ``sats_per_minute`` if given, else the feed's ``suggested``
        amount. Minutes whose amount has not reached 1 sat for a recipient yet
        are reported ``accruing``: more listening completes them.
        """
        problem = self._unpayable(episode, "stream")
        if problem is not None:
            return [problem]
        block = episode.value
        assert block is not None
        try:
            rate = stream_rate_msat(block, sats_per_minute=sats_per_minute)
        except ValueForValueError as exc:
            return [self._episode_error(episode, "stream", str(exc))]
        if rate is None:
            return [
                self._episode_error(
                    episode,
                    "stream",
                    "the feed suggests no amount a minute: give sats per minute",
                )
            ]
        if not seconds >= 0 or math.isinf(seconds):
            return [self._episode_error(episode, "stream", f"{seconds!r} s is not a duration")]
        plan = stream_payments(
            block,
            msat_per_minute=rate,
            end_minute=int(seconds // 60),
            minimum_msat=self.minimum_msat,
        )
        parts = [
            _Part(
                p.recipient,
                p.amount_msat,
                f"{p.first_minute}-{p.end_minute}",
                stream_msat(p.end_minute - p.first_minute, rate),
                ts=p.first_minute * 60,
            )
            for p in plan.payments
        ]
        outcomes = self._pay_parts(episode, feed, "stream", parts, message=None, boost_id=None)
        for pending in plan.pending:
            if pending.amount_msat or isinstance(pending.recipient, Recipient):
                outcomes.append(
                    ValueOutcome(
                        episode.guid,
                        episode.title,
                        "stream",
                        pending.recipient.label,
                        "accruing",
                        pending.amount_msat,
                        f"{pending.first_minute}-",
                        detail=f"{pending.amount_msat} msat since minute {pending.first_minute}:"
                        " paid once it reaches 1 sat",
                    )
                )
        return outcomes

    def boost(
        self,
        episode: Episode,
        sats: int,
        *,
        feed: Feed | None = None,
        message: str | None = None,
        boost_id: str | None = None,
        at_s: int | None = None,
    ) -> list[ValueOutcome]:
        """Boost ``episode`` with ``sats`` (and a boostagram ``message``), split over its block.

        ``at_s`` is the playback position: a time split playing then takes its
        share. The boost is paid once per ``boost_id`` (see :func:`default_boost_id`).
        """
        problem = self._unpayable(episode, "boost")
        if problem is not None:
            return [problem]
        boost_id = boost_id or default_boost_id(episode, sats, message)
        return self._one_off(
            episode, feed, "boost", sats, part=boost_id, message=message, at_s=at_s
        )

    def auto(self, episode: Episode, sats: int, *, feed: Feed | None = None) -> list[ValueOutcome]:
        """Pay ``sats`` for a downloaded episode, split over its block, once ever."""
        problem = self._unpayable(episode, "auto")
        if problem is not None:
            return [problem]
        return self._one_off(episode, feed, "auto", sats, part="", message=None, at_s=None)

    def listened(
        self,
        feed: Feed,
        seconds_by_guid: Mapping[str, float],
        *,
        sats_per_minute: int | Decimal | None = None,
    ) -> list[ValueOutcome]:
        """Stream-pay every episode of ``feed`` named in ``seconds_by_guid`` (guid -> seconds).

        A guid the feed does not have is an ``error`` outcome, never skipped in silence.
        """
        by_guid = {e.guid: e for e in feed.episodes}
        outcomes: list[ValueOutcome] = []
        for guid, seconds in seconds_by_guid.items():
            episode = by_guid.get(guid)
            if episode is None:
                outcomes.append(
                    ValueOutcome(
                        guid, guid, "stream", "", "error",
                        detail=f"no episode of this feed has the guid {guid!r}",
                    )
                )  # fmt: skip
                continue
            outcomes += self.stream(episode, seconds, feed=feed, sats_per_minute=sats_per_minute)
        return outcomes

    # -- splitting ---------------------------------------------------------------------------

    def _one_off(
        self,
        episode: Episode,
        feed: Feed | None,
        action: str,
        sats: int,
        *,
        part: str,
        message: str | None,
        at_s: int | None,
    ) -> list[ValueOutcome]:
        block = episode.value
        assert block is not None
        if isinstance(sats, bool) or not isinstance(sats, int) or sats <= 0:
            return [self._episode_error(episode, action, f"{sats!r} sats is not an amount")]
        total = sats * 1000
        try:
            shares: Sequence[Share] = boost_shares(
                block, total, at_s=at_s, minimum_msat=self.minimum_msat
            )
        except ValueForValueError as exc:
            return [self._episode_error(episode, action, str(exc))]
        parts = [
            _Part(s.recipient, s.amount_msat, part, total, ts=at_s, below_minimum=s.below_minimum)
            for s in shares
        ]
        boost_id = part if action == "boost" else None
        return self._pay_parts(episode, feed, action, parts, message=message, boost_id=boost_id)

    def _unpayable(self, episode: Episode, action: str) -> ValueOutcome | None:
        """An ``error`` outcome when the episode's value block cannot be paid at all."""
        if episode.value is not None:
            return None
        why = "; ".join(episode.value_problems) or "the episode has no podcast:value block"
        return self._episode_error(episode, action, why)

    @staticmethod
    def _episode_error(episode: Episode, action: str, detail: str) -> ValueOutcome:
        return ValueOutcome(episode.guid, episode.title, action, "", "error", detail=detail)

    # -- paying -----------------------------------------------------------------------------

    def _pay_parts(
        self,
        episode: Episode,
        feed: Feed | None,
        action: str,
        parts: Sequence[_Part],
        *,
        message: str | None,
        boost_id: str | None,
    ) -> list[ValueOutcome]:
        outcomes = []
        for part in parts:
            outcome = ValueOutcome(
                episode.guid,
                episode.title,
                action,
                part.recipient.label,
                "skipped",
                part.amount_msat,
                part.part,
            )
            recipient = part.recipient
            if isinstance(recipient, RemoteItem):
                outcome.detail = (
                    f"{recipient.label}: another feed's value block, not fetched: not paid"
                )
            elif part.below_minimum or part.amount_msat < max(self.minimum_msat, 1):
                outcome.detail = f"{part.amount_msat} msat rounds to nothing: not sent"
            else:
                self._pay_one(episode, feed, action, recipient, part, outcome, message, boost_id)
            outcomes.append(outcome)
        return outcomes

    def _pay_one(
        self,
        episode: Episode,
        feed: Feed | None,
        action: str,
        recipient: Recipient,
        part: _Part,
        outcome: ValueOutcome,
        message: str | None,
        boost_id: str | None,
    ) -> None:
        """Claim, pay and record one part; ``outcome`` says what happened."""
        key = PaymentKey(episode.feed, episode.guid, recipient_key(recipient), action, part.part)
        known = self.ledger.payment(key)
        if known is not None and known.state == DONE:
            outcome.status, outcome.payment_hash = "already", known.payment_hash
            outcome.amount_msat, outcome.detail = known.amount_msat, known.detail
            return
        if self.dry_run:
            outcome.status, outcome.detail = "dry-run", f"would pay {recipient.address}"
            return
        if self._locked_out is not None:
            outcome.status, outcome.detail = "error", self._locked_out
            return
        try:
            pubkey, payee = self._payee(recipient)
            records = keysend_records(
                payee,
                self._record(episode, feed, action, recipient, part, message, boost_id),
            )
        except PaySupportError as exc:
            outcome.status = "error"
            outcome.detail = f"{recipient.label}: {exc} (the other recipients are paid)"
            return
        preimage = os.urandom(32)
        claim = self.ledger.claim_payment(
            key,
            pubkey=pubkey,
            amount_msat=part.amount_msat,
            preimage=preimage.hex(),
            payment_hash=hashlib.sha256(preimage).hexdigest(),
            retry_failed=self.retry_failed,
            month_budget_msat=(
                None
                if self.monthly_budget_sats is None
                else (month_start(), self.monthly_budget_sats * 1000)
            ),
        )
        if not claim.taken:
            _refused(claim, outcome)
            return
        entry = claim.entry
        assert entry is not None
        outcome.payment_hash, outcome.amount_msat = entry.payment_hash, entry.amount_msat
        try:
            self._settle(key, claim, records, outcome)
        except LedgerError as exc:
            if outcome.status == "paid":
                raise LedgerError(
                    f"{recipient.label} was paid for {episode.title!r} (hash"
                    f" {entry.payment_hash}), but the ledger could not record it"
                    f" ({exc.message}); the next run settles it with the wallet",
                    path=exc.path,
                ) from None
            raise

    def _settle(
        self,
        key: PaymentKey,
        claim: PaymentClaim,
        records: Mapping[int, bytes],
        outcome: ValueOutcome,
    ) -> None:
        """Pay a claimed part (after looking it up when an earlier run may have paid it)."""
        entry = claim.entry
        assert entry is not None
        if claim.recovering:
            try:
                found = self.wallet.lookup(entry.payment_hash)
            except PaySupportError as exc:
                outcome.status = "error"
                outcome.detail = f"will settle next run: lookup failed: {exc}"
                self.ledger.release_payment(key, str(exc))
                return
            state = getattr(found, "state", None)
            if state == "settled":
                outcome.status, outcome.detail = "paid", "settled by lookup: an earlier run paid it"
                self.ledger.finish_payment(
                    key, DONE, outcome.detail, fees_msat=getattr(found, "fees_paid_msat", None)
                )
                return
            if state == "pending":
                outcome.status = "pending"
                outcome.detail = "the wallet is still paying it: the next run settles it"
                self.ledger.release_payment(key, outcome.detail)
                return
        try:
            paid = self.wallet.pay_keysend(
                entry.pubkey,
                entry.amount_msat,
                tlv_records=records,
                preimage=bytes.fromhex(entry.preimage),
            )
        except (TransportError, RateLimited) as exc:
            self._unknown(key, entry.payment_hash, exc, outcome)
        except PaymentError as exc:
            outcome.status, outcome.detail = "failed", str(exc)
            if exc.code in _WALLET_SPENT:
                self._locked_out = f"not attempted: {exc}"
                self.ledger.release_payment(key, str(exc))  # nothing paid: next run, same hash
            else:
                self.ledger.finish_payment(key, FAILED, str(exc))
        except AuthError as exc:
            self._locked_out = f"not authorized: {exc}"
            outcome.status, outcome.detail = "error", str(exc)
            self.ledger.release_payment(key, str(exc))
        except PaySupportError as exc:
            outcome.status, outcome.detail = "error", f"will retry next run: {exc}"
            self.ledger.release_payment(key, str(exc))
        else:
            outcome.status = "paid"
            self._unknown_in_a_row = 0
            self.ledger.finish_payment(key, DONE, fees_msat=getattr(paid, "fees_paid_msat", None))

    def _unknown(
        self, key: PaymentKey, payment_hash: str, exc: PaySupportError, outcome: ValueOutcome
    ) -> None:
        """No answer (or a lost relay, or a rate limit): look the hash up before anything else."""
        if isinstance(exc, RateLimited):
            outcome.status, outcome.detail = "error", f"will retry next run: {exc}"
            self.ledger.release_payment(key, str(exc))
            return
        try:
            found = self.wallet.lookup(payment_hash)
        except PaySupportError as again:
            found, exc = None, again
        if getattr(found, "state", None) == "settled":
            outcome.status, outcome.detail = "paid", "the answer was lost; settled by lookup"
            self.ledger.finish_payment(
                key, DONE, outcome.detail, fees_msat=getattr(found, "fees_paid_msat", None)
            )
            return
        outcome.status = "error"
        outcome.detail = f"outcome unknown ({exc}); the next run looks it up, never pays twice"
        self.ledger.release_payment(key, str(exc))
        self._unknown_in_a_row += 1
        if self._unknown_in_a_row >= MAX_UNKNOWN_IN_A_ROW:
            self._locked_out = (
                f"not attempted: the wallet did not answer {self._unknown_in_a_row} payments in a"
                f" row ({exc}); run again later"
            )

    def _payee(self, recipient: Recipient) -> tuple[str, Recipient]:
        """The node to pay, and the recipient with the custom record a Lightning Address gives."""
        if recipient.type == "node":
            return recipient.address.lower(), recipient
        found = self.wallet.resolve_lightning_address(recipient.address)
        pubkey = str(found.pubkey)
        if recipient.custom_key is None and getattr(found, "custom_key", None) is not None:
            recipient = replace(
                recipient, custom_key=found.custom_key, custom_value=found.custom_value or ""
            )
        return pubkey, recipient

    def _record(
        self,
        episode: Episode,
        feed: Feed | None,
        action: str,
        recipient: Recipient,
        part: _Part,
        message: str | None,
        boost_id: str | None,
    ) -> tuple[int, bytes]:
        podcast = feed.title if feed is not None and feed.title else None
        return blip10_record(
            action=action,
            value_msat=part.amount_msat,
            value_msat_total=part.total_msat,
            podcast=podcast,
            guid=feed.guid if feed is not None else None,
            url=None if podcast or (feed and feed.guid) else episode.feed or None,
            episode=episode.title or None,
            episode_guid=episode.guid,
            ts=part.ts,
            app_name=self.app_name,
            sender_name=self.sender_name,
            message=message,
            name=recipient.name or None,
            boost_uuid=boost_id,
        )


def _refused(claim: PaymentClaim, outcome: ValueOutcome) -> None:
    """The outcome of a part the ledger did not let this run claim."""
    status = {"settled": "already", "stuck": "error"}.get(claim.status, claim.status)
    outcome.status, outcome.detail = status, claim.detail
    if claim.entry is not None:
        outcome.payment_hash = claim.entry.payment_hash


def wallet_of(client: object) -> Wallet:
    """``client`` as a :class:`Wallet`, or :class:`~paysupport.errors.Unsupported` saying why."""
    from paysupport.errors import Unsupported

    if not isinstance(client, Wallet):
        raise Unsupported(
            f"{type(client).__name__} cannot pay keysend (no pay_keysend/lookup):"
            " value-for-value payments need the lightning provider",
            capability="keysend",
        )
    return client
