"""The provider's declaration: settings, secrets, environment aliases, URL patterns, logging."""

from __future__ import annotations

import logging
import re

import pytest
from paysupport_flattr import FlattrClient

import paysupport
from paysupport import Capability, sandbox

INFO = FlattrClient.info


def test_declared_settings_cover_what_the_emulator_hands_out():
    with sandbox.running(providers=["flattr"]) as sb:
        assert set(sb.emulator("flattr").credentials()) <= set(INFO.settings)
        client = sb.connect("flattr")
        assert client.identity().id == sb.emulator("flattr").admin_state()["primary_user"]
    assert set(INFO.secret_settings) == {"client_secret", "access_token"}
    assert "rate_limit_mode" in INFO.settings
    assert INFO.capabilities == {
        Capability.IDENTITY,
        Capability.SUPPORT,
        Capability.REGISTER,
        Capability.WALK,
        Capability.SUBSCRIPTIONS,
    }
    assert paysupport.connect("flattr").info is INFO


def test_environment_aliases(monkeypatch, sandbox, events):
    monkeypatch.setenv("FLATTR_CLIENT_ID", sandbox.creds["client_id"])
    monkeypatch.setenv("FLATTR_CLIENT_SECRET", sandbox.creds["client_secret"])
    monkeypatch.setenv("FLATTR_ACCESS_TOKEN", sandbox.creds["access_token"])
    client = paysupport.connect("flattr", base_url=sandbox.url, token_store="memory")
    assert client.settings["client_id"] == sandbox.creds["client_id"]
    assert client.identity().id == sandbox.primary
    assert sandbox.creds["client_secret"] not in repr(client)


@pytest.mark.parametrize(
    ("url", "matches"),
    [
        ("https://flattr.com/thing/423405", True),
        ("https://flattr.com/thing/423405/API-v2-beta-out", True),
        ("http://flattr.com/thing/1", True),
        ("https://flattr.com/submit/auto?user_id=flattr&url=https%3A%2F%2Fa.example", True),
        ("http://flattr.com/submit/auto?url=http%3A%2F%2Fblog.flattr.net%2F&user_id=flattr", True),
        ("https://www.flattr.com/submit/auto?user_id=x&url=y", True),
        ("https://flattr.com/profile/flattr", False),
        ("https://flattr.com/thing/", False),
        ("https://flattr.com.evil.example/thing/1", False),
        ("https://evil.example/?https://flattr.com/thing/1", False),
        ("https://www.patreon.com/someone", False),
    ],
)
def test_url_patterns_route_flattr_payment_links(url, matches):
    assert any(re.search(p, url) for p in INFO.url_patterns) is matches


def test_debug_logs_carry_no_secret(client, sandbox, caplog):
    with caplog.at_level(logging.DEBUG):
        client.identity()
        client.support(sandbox.foreign_thing()["id"])
    assert caplog.records
    for secret in (sandbox.creds["access_token"], sandbox.creds["client_secret"]):
        assert secret not in caplog.text
