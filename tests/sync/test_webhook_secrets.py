"""Webhook secrets per account: one webhook per creator, each verified with its own secret.

A platform mirroring many creators registers one webhook per creator at
``/<provider>/<account>``: Patreon gives each campaign's webhook a secret of
its own, and the endpoint verifies a delivery with the secret of the account
its URL names (then the provider-wide one, which ``/<provider>`` uses). A
creator knows their own secret, so a delivery sent to their URL must be about
their account: one about another creator's campaign is refused (403) and
nothing is read with that creator's token or written. The secrets come from
``--webhook-secret``, a 0600 file (re-read when it changes), the settings, or
the platform's own function; none of them ever reaches a log, a repr, an
error or the command's output.
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from paysupport_patreon.errors import InvalidSignature
from paysupport_patreon.webhooks import parse as patreon_parse

from paysupport import sandbox, trigger
from paysupport._files import write_private
from paysupport.cli import main
from paysupport.errors import ConfigError
from paysupport.sandbox.serving import start_server
from paysupport.sync import MirrorStore, open_store
from paysupport.sync.engine import Engine
from paysupport.sync.jobs import Account, Connector
from paysupport.sync.secrets import NoWebhookSecret, WebhookSecrets, load_file, parse_pairs
from paysupport.sync.webhooks import AccountMismatch, SyncWebhookApp
from paysupport.tokens import MemoryTokenStore
from tests.sync import cluster
from tests.sync.test_engine_embedded import accounts_with_tokens, connector

Headers = list[tuple[str, str]]


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[MirrorStore]:
    store = open_store(f"sqlite:///{tmp_path / 'mirror.db'}")
    yield store
    store.close()


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record of paysupport's loggers, down to DEBUG."""
    caplog.set_level(logging.DEBUG, logger="paysupport")
    return caplog


def assert_secret_free(secrets: list[str], *texts: object) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in str(text), f"a secret leaked into: {text!r}"


def assert_logs_secret_free(caplog: pytest.LogCaptureFixture, secrets: list[str]) -> None:
    """No record, message or extra field, names a secret."""
    assert caplog.records, "the test meant to log something"
    for record in caplog.records:
        assert_secret_free(secrets, record.getMessage(), *record.__dict__.values())


def app_for(engine: Engine, providers: list[str], account: str | None = None) -> SyncWebhookApp:
    """What ``paysupport sync --watch`` serves: deliveries applied by ``engine``."""

    def handle(provider: str, headers: Headers, body: bytes, to: str | None) -> None:
        engine.apply_delivery(provider, headers, body, account=account, addressed_to=to)

    return SyncWebhookApp(providers, handle)


def spy_clients(jobs: Connector) -> list[str]:
    """The accounts whose clients ``jobs`` is asked for from now on."""
    asked: list[str] = []
    real = jobs.client

    def client(provider: str, account: str) -> Any:
        asked.append(account)
        return real(provider, account)

    jobs.client = client  # type: ignore[method-assign]
    return asked


# -- the lookup ----------------------------------------------------------------------------


def test_an_accounts_own_secret_first_then_the_providers() -> None:
    secrets = WebhookSecrets(
        {"patreon:7100000": "campaign-secret", "patreon": "wide-secret"},
        defaults={"github": "setting-secret"}.get,
    )
    assert secrets.secret("patreon", "7100000") == "campaign-secret"
    assert secrets.secret("patreon", "7100001") == "wide-secret"  # no secret of its own
    assert secrets.secret("patreon") == "wide-secret"
    assert secrets("github", "mona") == "setting-secret"  # the webhook_secret setting
    assert secrets("flattr", None) is None
    assert WebhookSecrets({"patreon:7100000": "s"}).secret("patreon", "7100001") is None


def test_command_line_pairs() -> None:
    pairs = parse_pairs(["patreon:7100000=abc=", "patreon=wide", "github:mona=m"])
    assert pairs == {"patreon:7100000": "abc=", "patreon": "wide", "github:mona": "m"}
    with pytest.raises(ConfigError) as refused:
        parse_pairs(["0123456789abcdef-the-secret-alone"])
    assert_secret_free(["0123456789abcdef-the-secret-alone"], refused.value)
    with pytest.raises(ConfigError, match="names no provider") as refused:
        parse_pairs(["c2VjcmV0LWFsb25lLXR5cGVk=="])  # a base64 secret alone: '=' in it
    assert_secret_free(["c2VjcmV0LWFsb25lLXR5cGVk"], refused.value)
    with pytest.raises(ConfigError, match="non-empty"):
        parse_pairs(["patreon:7100000="])
    with pytest.raises(ConfigError, match="provider:account"):
        parse_pairs(["patreon:=s3cret-value"])


def test_reprs_and_errors_show_keys_never_secrets(mirror: MirrorStore) -> None:
    secrets = WebhookSecrets({"patreon:7100000": "campaign-s3cret", "github": "wide-s3cret"})
    assert repr(secrets) == "WebhookSecrets(keys=['github', 'patreon:7100000'])"
    many = WebhookSecrets({f"patreon:{n}": f"s3cret-{n}" for n in range(25)})
    assert "15 more" in repr(many)
    engine = Engine(mirror, Connector(), secrets=secrets)
    shown: list[object] = [repr(secrets), str(secrets), repr(engine), repr(many)]
    shown += [secrets.describe(["patreon"])]
    shown += [NoWebhookSecret("patreon", "7100001"), AccountMismatch("patreon", "1", "2")]
    assert_secret_free(["campaign-s3cret", "wide-s3cret", "s3cret-"], *shown)
    assert secrets.describe(["patreon", "github", "flattr"]) == (
        "flattr (no secret: 404); github (provider-wide); patreon (1 account)"
    )


# -- the file ------------------------------------------------------------------------------


def secrets_file(path: Path, data: dict[str, str], mode: int = 0o600) -> Path:
    write_private(path, json.dumps(data))
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_file_others_may_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = secrets_file(tmp_path / "secrets.json", {"patreon:1": "file-s3cret"}, mode)
    with pytest.raises(ConfigError, match="chmod 600") as refused:
        WebhookSecrets(file=path)
    assert str(path) in str(refused.value)
    assert_secret_free(["file-s3cret"], refused.value)


def test_json_and_toml_files(tmp_path: Path) -> None:
    path = secrets_file(tmp_path / "secrets.json", {"patreon:1": "one", "patreon": "wide"}, 0o400)
    assert load_file(path) == {"patreon:1": "one", "patreon": "wide"}
    toml = tmp_path / "secrets.toml"
    write_private(toml, 'patreon = "wide"\n"patreon:1" = "one"\n"github:mona" = "m"\n')
    assert load_file(toml) == {"patreon": "wide", "patreon:1": "one", "github:mona": "m"}


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("s.json", '{"patreon:1": "unclosed-s3cret', "not valid JSON"),
        ("s.json", '["patreon:1", "list-s3cret"]', "one JSON object"),
        ("s.json", '{"patreon:": "keyless-s3cret"}', "provider:account"),
        ("s.json", '{"patreon:1": ["nested-s3cret"]}', "non-empty string"),
        ("s.toml", 'patreon = "unclosed-s3cret\n', "not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_without_quoting_it(
    tmp_path: Path, name: str, text: str, says: str
) -> None:
    path = tmp_path / name
    write_private(path, text)
    with pytest.raises(ConfigError, match=says) as refused:
        load_file(path)
    assert str(path) in str(refused.value)
    assert_secret_free(["s3cret"], refused.value)
    error = refused.value  # the file's text travels in a JSON error's .doc: never chained
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_the_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    path = secrets_file(tmp_path / "secrets.json", {"patreon:1": "one"})
    secrets = WebhookSecrets({"patreon:1": "given"}, file=path)
    assert secrets("patreon", "1") == "given"  # the command line wins over the file
    assert secrets("patreon", "2") is None
    secrets_file(path, {"patreon:1": "one", "patreon:2": "two"})  # a creator was added
    assert secrets("patreon", "2") == "two"
    assert secrets.keys() == ["patreon:1", "patreon:2"]
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod"):
        secrets("patreon", "2")  # refused, not served from what was read before


def test_the_environment_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = secrets_file(tmp_path / "secrets.json", {"patreon:1": "one"})
    monkeypatch.setenv("PAYSUPPORT_SYNC_WEBHOOK_SECRETS", str(path))
    monkeypatch.setenv("PAYSUPPORT_PATREON_WEBHOOK_SECRET", "setting")
    secrets = WebhookSecrets.from_sources()
    assert secrets("patreon", "1") == "one"
    assert secrets("patreon", "2") == "setting"  # the settings are the provider-wide default


def test_the_command_refuses_an_open_file_and_echoes_no_secret(tmp_path: Path) -> None:
    path = secrets_file(tmp_path / "secrets.json", {"patreon:1": "file-s3cret"}, 0o644)
    db = tmp_path / "mirror.db"
    runner = CliRunner()
    args = ["sync", "--accounts", "patreon:1", "--db", f"sqlite:///{db}"]
    done = runner.invoke(main, [*args, "--webhook-secrets", str(path)])
    assert done.exit_code == 2, done.output
    assert "chmod 600" in done.output and str(path) in done.output
    assert not db.exists()  # refused before the store was opened
    alone = runner.invoke(main, [*args, "--webhook-secret", "typed-s3cret-without-key"])
    assert alone.exit_code == 2, alone.output
    assert_secret_free(["file-s3cret", "typed-s3cret"], done.output, alone.output)


# -- the endpoint --------------------------------------------------------------------------


def test_one_webhook_per_campaign_each_with_its_secret(
    mirror: MirrorStore, tmp_path: Path, logged: pytest.LogCaptureFixture
) -> None:
    path = secrets_file(tmp_path / "secrets.json", {})
    with sandbox.running(providers=["patreon"], sizes={"campaigns": 2, "members": 10}) as sb:
        tokens = MemoryTokenStore()
        a, b = accounts_with_tokens(sb, tokens)
        creator: Any = sb.connect("patreon")
        engine = Engine(mirror, connector(sb, tokens), secrets=WebhookSecrets(file=path))
        outcomes: list[str] = []
        app = app_for(engine, ["patreon"])
        app.on_outcome = lambda provider, outcome: outcomes.append(outcome)
        served = start_server(app, quiet=True)
        try:
            hooks = {
                account.account: creator.create_webhook(
                    account.account, f"{served.url}/patreon/{account.account}", ["members:update"]
                )
                for account in (a, b)
            }
            assert hooks[a.account].secret != hooks[b.account].secret
            # the platform adds each creator's secret to the file as it registers the webhook
            secrets_file(path, {f"patreon:{k}": hook.secret for k, hook in hooks.items()})
            engine.sync([a, b])
            admin = f"{sb.url('patreon')}/_admin/members"
            for account in (a, b):
                [member, *_] = cluster.truth(sb, account)
                requests.patch(
                    f"{admin}/{member.resource.id}",
                    json={"full_name": f"Renamed in {account.account}"},
                    timeout=10,
                ).raise_for_status()
        finally:
            served.close()
        assert outcomes == ["accepted", "accepted"]
        for account in (a, b):
            names = {s.name for s in mirror.supporters("patreon", account.account)}
            assert f"Renamed in {account.account}" in names
            assert mirror.supporters("patreon", account.account) == cluster.truth(sb, account)
    assert_logs_secret_free(logged, [hook.secret for hook in hooks.values()])


def test_a_creator_cannot_sign_deliveries_about_another_campaign(
    mirror: MirrorStore, logged: pytest.LogCaptureFixture
) -> None:
    with sandbox.running(providers=["patreon"], sizes={"campaigns": 2, "members": 10}) as sb:
        tokens = MemoryTokenStore()
        a, b = accounts_with_tokens(sb, tokens)
        secrets = {f"patreon:{a.account}": "a-s3cret-A", f"patreon:{b.account}": "b-s3cret-B"}
        engine = Engine(mirror, connector(sb, tokens), secrets=WebhookSecrets(secrets))
        engine.sync([a, b])
        [member, *_] = cluster.truth(sb, b)
        admin = f"{sb.url('patreon')}/_admin/members/{member.resource.id}"
        requests.patch(admin, json={"full_name": "Changed"}, timeout=10).raise_for_status()

        def about_b(secret: str) -> trigger.Delivery:
            return trigger.build(
                "patreon",
                "members:update",
                secret,
                emulator=sb.emulator("patreon"),
                choices={"campaign": b.account, "member": member.resource.id},
            )

        def name_in_mirror() -> str:
            [found] = [s for s in mirror.supporters("patreon", b.account) if s.id == member.id]
            return str(found.name)

        served = start_server(app_for(engine, ["patreon"], account=a.account), quiet=True)
        try:
            # creator A signs, with A's own secret, a delivery about B's campaign
            forged = about_b("a-s3cret-A")
            assert trigger.send(forged, f"{served.url}/patreon/{a.account}").status == 403
            assert trigger.send(forged, f"{served.url}/patreon/{b.account}").status == 403
            assert name_in_mirror() != "Changed"  # nothing applied
            # the same delivery signed with B's secret, sent to B's URL, is applied
            genuine = about_b("b-s3cret-B")
            assert trigger.send(genuine, f"{served.url}/patreon/{b.account}").status == 200
            assert name_in_mirror() == "Changed"
        finally:
            served.close()
        mismatch, bad_signature = [r for r in logged.records if r.msg == "delivery refused"]
        assert "AccountMismatch" in mismatch.error  # type: ignore[attr-defined]
        assert mismatch.account == a.account and mismatch.status == 403  # type: ignore[attr-defined]
        assert "InvalidSignature" in bad_signature.error  # type: ignore[attr-defined]
    assert_logs_secret_free(logged, list(secrets.values()))


def test_nothing_about_another_account_is_read_or_written(mirror: MirrorStore) -> None:
    with sandbox.running(providers=["patreon"], sizes={"campaigns": 2, "members": 10}) as sb:
        tokens = MemoryTokenStore()
        a, b = accounts_with_tokens(sb, tokens)
        jobs = connector(sb, tokens)
        engine = Engine(mirror, jobs, secrets={f"patreon:{a.account}": "a-s3cret"})
        engine.sync([a, b])
        before = (mirror.supporters("patreon", b.account), mirror.changes("patreon", b.account))
        [member, *_] = cluster.truth(sb, b)
        admin = f"{sb.url('patreon')}/_admin/members/{member.resource.id}"
        requests.patch(admin, json={"full_name": "Changed"}, timeout=10).raise_for_status()
        forged = trigger.build(
            "patreon",
            "members:update",
            "a-s3cret",
            emulator=sb.emulator("patreon"),
            choices={"campaign": b.account, "member": member.resource.id},
        )
        asked = spy_clients(jobs)
        headers = list(forged.headers.items())
        with pytest.raises(AccountMismatch) as refused:
            engine.apply_delivery(
                "patreon", headers, forged.body, account=a.account, addressed_to=a.account
            )
        assert (refused.value.addressed_to, refused.value.about) == (a.account, b.account)
        assert b.account not in asked  # B's token re-read nothing
        after = (mirror.supporters("patreon", b.account), mirror.changes("patreon", b.account))
        assert after == before
        # at the provider-wide URL the same secret is no secret at all: nothing verifies there
        with pytest.raises(NoWebhookSecret):
            engine.apply_delivery("patreon", headers, forged.body, account=a.account)


def test_github_provider_wide_account_urls_and_a_platforms_own_lookup(
    mirror: MirrorStore, logged: pytest.LogCaptureFixture
) -> None:
    with sandbox.running(providers=["github"]) as sb:
        jobs = connector(sb, MemoryTokenStore())
        emulator = sb.emulator("github")

        def delivery(secret: str, maintainer: str = "mona") -> tuple[Headers, bytes]:
            built = trigger.build(
                "github",
                "sponsorship.created",
                secret,
                emulator=emulator,
                choices={"maintainer": maintainer},
            )
            return list(built.headers.items()), built.body

        # the provider-wide secret verifies /github, and /github/<login> without its own
        secret = "gh-wide-s3cret"
        wide = app_for(Engine(mirror, jobs, secrets=WebhookSecrets({"github": secret})), ["github"])
        assert wide.answer("github", *delivery(secret)) == 200
        assert wide.answer("github", *delivery(secret), "mona") == 200
        assert wide.answer("github", *delivery(secret, "paysupport-sandbox"), "mona") == 403
        assert wide.answer("github", *delivery("forged")) == 403

        # the platform's database, asked through a function: mona has a secret, nobody else
        rows = {("github", "mona"): "mona-s3cret"}
        asked: list[tuple[str, str | None]] = []

        def from_database(provider: str, account: str | None) -> str | None:
            asked.append((provider, account))
            return rows.get((provider, account or ""))

        own = app_for(Engine(mirror, jobs, secrets=from_database), ["github"])
        assert own.answer("github", *delivery("mona-s3cret"), "mona") == 200
        assert own.answer("github", *delivery("mona-s3cret")) == 404  # no provider-wide secret
        assert own.answer("github", *delivery("x"), "someone-else") == 404
        assert own.answer("patreon", *delivery("mona-s3cret"), "mona") == 404
        assert asked == [("github", "mona"), ("github", None), ("github", "someone-else")]
        [supporter, *_] = mirror.supporters("github", "mona")
        truth = {s.id: s for s in cluster.truth(sb, Account("github", "mona"))}
        assert truth[supporter.id] == supporter
    assert_logs_secret_free(logged, ["mona-s3cret", "gh-wide-s3cret"])


def test_urls_the_endpoint_answers() -> None:
    seen: list[tuple[str, str | None]] = []
    app = SyncWebhookApp(["patreon"], lambda p, h, b, a: seen.append((p, a)))
    statuses = []
    for path in ["/patreon", "/patreon/", "/patreon/71", "/patreon/71/x", "/github/71", "/"]:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "CONTENT_LENGTH": "2",
            "wsgi.input": io.BytesIO(b"{}"),
        }
        app(environ, lambda status, headers, *_: statuses.append(status))
    assert statuses == ["200 OK", "200 OK", "200 OK", "404", "404", "404"]
    assert seen == [("patreon", None), ("patreon", None), ("patreon", "71")]


# -- the Dramatiq path ---------------------------------------------------------------------


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Callable[[], list[Any]]]]:
    """A stub broker and a function draining its queue into messages."""
    monkeypatch.delenv("PAYSUPPORT_SYNC_REDIS", raising=False)
    import dramatiq

    from paysupport.sync import dramatiq_app

    stub = dramatiq_app.make_broker(None)
    stub.declare_queue(dramatiq_app.QUEUE)

    def drain() -> list[Any]:
        found = []
        pending = stub.queues[dramatiq_app.QUEUE]
        while not pending.empty():
            found.append(dramatiq.Message.decode(pending.get_nowait()))
        return found

    yield stub, drain
    stub.close()


def test_queued_deliveries_carry_their_account(
    mirror: MirrorStore,
    queue: tuple[Any, Callable[[], list[Any]]],
    monkeypatch: pytest.MonkeyPatch,
    logged: pytest.LogCaptureFixture,
) -> None:
    from paysupport.sync import dramatiq_app

    stub, drain = queue
    with sandbox.running(providers=["patreon"], sizes={"campaigns": 2, "members": 10}) as sb:
        tokens = MemoryTokenStore()
        a, b = accounts_with_tokens(sb, tokens)
        secrets = WebhookSecrets(
            {f"patreon:{a.account}": "a-s3cret", f"patreon:{b.account}": "b-s3cret"}
        )
        jobs = connector(sb, tokens)
        here = dramatiq_app._Runtime(mirror, jobs, None, secrets)
        monkeypatch.setattr(dramatiq_app, "_runtime", here)

        def signature(provider: str, headers: Headers, body: bytes, account: str | None) -> None:
            patreon_parse(headers, body, secrets(provider, account) or "")

        app = dramatiq_app.webhook_app(["patreon"], secrets, check=signature, to=stub)

        def build(secret: str, campaign: Account) -> tuple[Headers, bytes]:
            [member, *_] = cluster.truth(sb, campaign)  # a supporter: applied, they are added
            made = trigger.build(
                "patreon",
                "members:update",
                secret,
                emulator=sb.emulator("patreon"),
                choices={"campaign": campaign.account, "member": member.resource.id},
            )
            return list(made.headers.items()), made.body

        assert app.answer("patreon", *build("a-s3cret", a), a.account) == 200
        assert app.answer("patreon", *build("a-s3cret", b), a.account) == 200  # queued
        assert app.answer("patreon", *build("forged", a), a.account) == 403
        assert app.answer("patreon", *build("a-s3cret", a)) == 404  # no provider-wide
        genuine, about_b = drain()  # the forged and the unknown never reached the queue
        assert genuine.args[3] == about_b.args[3] == a.account

        dramatiq_app.apply_delivery(*genuine.args)
        assert len(mirror.supporters("patreon", a.account)) == 1
        with pytest.raises(AccountMismatch):
            dramatiq_app.apply_delivery(*about_b.args)  # the worker checks again
        assert mirror.supporters("patreon", b.account) == []

        # a message queued before the account was carried: three arguments, provider-wide
        headers, body = build("wide", b)
        dramatiq_app.enqueue_deliveries("patreon", [(headers, body)], to=stub)
        [old] = drain()
        assert len(old.args) == 3
        with pytest.raises(NoWebhookSecret):
            dramatiq_app.apply_delivery(*old.args)
        here.secrets = WebhookSecrets({"patreon": "wide"})
        dramatiq_app.apply_delivery(*old.args)
        assert len(mirror.supporters("patreon", b.account)) == 1
        with pytest.raises(InvalidSignature):
            dramatiq_app.apply_delivery(*about_b.args)  # A's URL, no secret of A's any more
    assert_logs_secret_free(logged, ["a-s3cret", "b-s3cret"])
