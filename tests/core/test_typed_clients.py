"""Provider clients with their real type: for mypy and editors, and checked at run time.

``paysupport.connect(name)`` is typed as the base ``Client`` because the core never
imports a provider. A user gets the provider's own type from the provider's
``connect()`` (settings as typed arguments) or from ``paysupport.connect(name, Cls)``,
which also checks the registered class before making a client.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import paysupport_flattr
import paysupport_ipernity
import paysupport_patreon
import pytest
from paysupport_flattr import FlattrClient
from paysupport_ipernity import IpernityClient
from paysupport_patreon import PatreonClient

import paysupport
from paysupport import sandbox
from paysupport.provider import Client
from paysupport.sandbox.state import RunningSandbox

#: A user's program using what only each provider's client has.
PROGRAM = """
    import paysupport
    import paysupport_flattr
    import paysupport_ipernity
    import paysupport_patreon
    from paysupport.sandbox import Sandbox
    from paysupport.sandbox.state import RunningSandbox
    from paysupport_ipernity import Doc, IpernityClient
    from paysupport_patreon import Member, PatreonClient


    def patron_names(campaign_id: str) -> list[str]:
        patreon = paysupport.connect("patreon", PatreonClient)
        members: list[Member] = list(patreon.walk("members", campaign=campaign_id))
        allowed: bool = patreon.is_entitled("access-token", campaign_id, min_cents=500)
        hooks = patreon.webhooks()
        return [m.full_name or "" for m in members if allowed and hooks]


    def flattr_home(url: str) -> int:
        flattr = paysupport_flattr.connect(client_id="id", rate_limit_mode="raise")
        thing = flattr.things.lookup(url)
        return flattr.flattr(thing).thing_id if thing is not None else 0


    def document_titles() -> list[str]:
        ipernity: IpernityClient = paysupport_ipernity.connect(api_key="k", api_secret="s")
        docs: list[Doc] = ipernity.walk_docs(max_workers=2).first(5)
        return [doc.title for doc in docs] + [ipernity.permissions()["doc"]]


    def patreon_anyway() -> str | None:
        return paysupport_patreon.connect(creator_access_token="t").pledge_url("123")


    def sandbox_titles(sb: Sandbox, running: RunningSandbox) -> list[str]:
        docs = sb.connect("ipernity", IpernityClient, account="a").walk_docs().first(2)
        patreon = running.connect("patreon", PatreonClient)
        return [doc.title for doc in docs] + [patreon.pledge_url("123") or ""]
"""


LIBRARIES = ("paysupport", "paysupport_patreon", "paysupport_flattr", "paysupport_ipernity")


def source_roots() -> list[str]:
    """Where paysupport and the providers are, for mypy: editable installs hide them."""
    roots = {
        str(Path(module.__file__ or "").resolve().parent.parent)
        for module in (paysupport, paysupport_patreon, paysupport_flattr, paysupport_ipernity)
    }
    return sorted(r for r in roots if "-packages" not in r)  # installed ones mypy finds


def mypy_strict(tmp_path: Path, name: str, source: str) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` on ``source``, run in ``tmp_path`` with its cache there.

    paysupport is read as an installed, typed library is: checked for its types, its
    own findings kept quiet (they are the project's CI's business, not the user's).
    """
    program = tmp_path / f"{name}.py"
    program.write_text(textwrap.dedent(source))
    (tmp_path / "mypy.ini").write_text(
        "[mypy]\nstrict = True\n\n[mypy-" + ",".join(f"{m},{m}.*" for m in LIBRARIES) + "]\n"
        "follow_imports = silent\n"
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "mypy.ini",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            program.name,
        ],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": os.pathsep.join(source_roots())},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_provider_methods_type_check_strictly_and_mistakes_do_not(tmp_path: Path) -> None:
    good = mypy_strict(tmp_path, "app", PROGRAM)
    assert good.returncode == 0, good.stdout + good.stderr

    wrong = mypy_strict(
        tmp_path,
        "wrong",
        """
        import paysupport
        import paysupport_flattr
        from paysupport_patreon import PatreonClient

        untyped = paysupport.connect("patreon")
        untyped.is_entitled("token", "123")
        paysupport.connect("patreon", PatreonClient).walk_docs()
        paysupport_flattr.connect(client_secrte="misspelt")
        paysupport_flattr.connect(rate_limit_mode="sometimes")
        from paysupport.sandbox import Sandbox
        Sandbox().connect("patreon").is_entitled("token", "123")
        Sandbox().connect("patreon", PatreonClient).walk_docs()
        """,
    )
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    errors = wrong.stdout
    assert 'wrong.py:7: error: "Client" has no attribute "is_entitled"' in errors
    assert 'wrong.py:8: error: "PatreonClient" has no attribute "walk_docs"' in errors
    assert 'wrong.py:9: error: Unexpected keyword argument "client_secrte"' in errors
    assert 'wrong.py:10: error: Argument "rate_limit_mode"' in errors
    assert 'wrong.py:12: error: "Client" has no attribute "is_entitled"' in errors
    assert 'wrong.py:13: error: "PatreonClient" has no attribute "walk_docs"' in errors


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox.Sandbox]:
    with sandbox.running(sizes={"members": 5}) as running:
        yield running


def settings(sb: sandbox.Sandbox, name: str) -> dict[str, object]:
    return {
        "base_url": sb.url(name),
        "token_store": paysupport.MemoryTokenStore(),
        **sb.credentials(name),
    }


def test_connect_with_the_expected_class_returns_that_client(sb: sandbox.Sandbox) -> None:
    patreon = paysupport.connect("patreon", PatreonClient, **settings(sb, "patreon"))
    assert type(patreon) is PatreonClient
    campaign = patreon.walk("campaigns").first(1)[0]
    assert patreon.pledge_url(campaign) == campaign.pledge_url
    ipernity = paysupport.connect("ipernity", IpernityClient, **settings(sb, "ipernity"))
    assert ipernity.permissions()["doc"] == "delete"
    assert paysupport.connect("ipernity", Client, **settings(sb, "ipernity")).supports("walk")


def test_connect_refuses_another_class_naming_the_one_found(sb: sandbox.Sandbox) -> None:
    with pytest.raises(paysupport.ConfigError) as caught:
        paysupport.connect("flattr", PatreonClient, **settings(sb, "flattr"))
    assert caught.value.provider == "flattr"
    assert "paysupport_flattr.client.FlattrClient" in str(caught.value)
    assert "paysupport_patreon.client.PatreonClient" in str(caught.value)
    assert sb.emulator("flattr").credentials()["client_secret"] not in str(caught.value)


def test_sandboxes_connect_with_the_expected_class_too(sb: sandbox.Sandbox, tmp_path: Path) -> None:
    patreon = sb.connect("patreon", PatreonClient)
    assert type(patreon) is PatreonClient
    assert patreon.walk("campaigns").first(1)  # a real call with the sandbox's credentials
    with pytest.raises(paysupport.ConfigError, match=r"paysupport_flattr\.client\.FlattrClient"):
        sb.connect("flattr", PatreonClient)
    # The sandbox `paysupport sandbox` serves to other processes, as they find it.
    running = RunningSandbox(
        pid=os.getpid(),
        providers={
            name: {"url": sb.url(name), "credentials": sb.emulator(name).credentials()}
            for name in sb.names
        },
        data_dir=tmp_path,
    )
    ipernity = running.connect("ipernity", IpernityClient)
    assert type(ipernity) is IpernityClient and ipernity.permissions()["doc"] == "delete"
    with pytest.raises(paysupport.ConfigError, match=r"paysupport_patreon\.client\.PatreonClient"):
        running.connect("patreon", IpernityClient)
    assert type(running.connect("flattr")) is FlattrClient  # untyped, as before


def test_the_expected_class_is_passed_second_not_by_keyword() -> None:
    with pytest.raises(TypeError, match=r"paysupport\.connect\('patreon', PatreonClient\)"):
        paysupport.connect("patreon", expect=PatreonClient)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="must be a paysupport Client"):
        paysupport.connect("patreon", dict)  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("name", "connect", "cls"),
    [
        ("patreon", paysupport_patreon.connect, PatreonClient),
        ("flattr", paysupport_flattr.connect, FlattrClient),
        ("ipernity", paysupport_ipernity.connect, IpernityClient),
    ],
)
def test_each_provider_connects_with_its_settings_as_arguments(
    sb: sandbox.Sandbox, name: str, connect: object, cls: type[Client]
) -> None:
    assert callable(connect)
    client = connect(**settings(sb, name))
    assert type(client) is cls
    assert client.identity().provider == name  # a real call to the emulator
    client.close()
    # The arguments are the provider's declared settings and the common ones, no more:
    # a setting added to ProviderInfo but not to connect() fails here.
    common = set(inspect.signature(Client.__init__).parameters) - {"self", "settings"}
    assert set(inspect.signature(connect).parameters) == set(cls.info.settings) | common
