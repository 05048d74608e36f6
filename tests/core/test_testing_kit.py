"""The test kit downstream applications use: served apps and cassettes without secrets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
import yaml

from paysupport.sandbox import Sandbox
from paysupport.testing import ServedApp, recorder

SECRETS = ["live-access-token-1234", "client-secret-5678", "rotated-refresh-9012", "sig0123abcd"]


def token_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = json.dumps(
        {
            "access_token": "live-access-token-1234",
            "refresh_token": "rotated-refresh-9012",
            "token_type": "Bearer",
            "data": {"id": "1"},
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Set-Cookie", "s=abc")])
    return [body]


def test_cassettes_are_scrubbed_of_every_secret(tmp_path: Path, wsgi_server: Any) -> None:
    served: ServedApp = wsgi_server(token_app)
    with recorder(tmp_path, secrets=["client-secret-5678"]).use_cassette("token.yaml"):
        requests.post(
            f"{served.url}/token?api_sig=sig0123abcd",
            data={"client_secret": "client-secret-5678", "grant_type": "refresh_token"},
            headers={"Authorization": "Bearer live-access-token-1234"},
            timeout=5,
        )
    text = (tmp_path / "token.yaml").read_text()
    assert "/token" in text and "grant_type" in text
    for secret in [*SECRETS, "s=abc"]:
        assert secret not in text


def test_replay_needs_no_server(tmp_path: Path, wsgi_server: Any) -> None:
    served: ServedApp = wsgi_server(token_app)
    url = f"{served.url}/token"
    with recorder(tmp_path).use_cassette("replay.yaml"):
        requests.get(url, timeout=5)
    served.close()
    with recorder(tmp_path, record_mode="none").use_cassette("replay.yaml"):
        answer = requests.get(url, timeout=5).json()
    assert answer["data"] == {"id": "1"} and answer["access_token"] == "***"


def test_the_sandbox_fixture_connects_clients(paysupport_sandbox: Sandbox) -> None:
    assert "example" in paysupport_sandbox.names
    assert paysupport_sandbox.connect("example").identity().id == "1"


def test_signed_fields_of_binary_uploads_are_scrubbed(tmp_path: Path, wsgi_server: Any) -> None:
    served: ServedApp = wsgi_server(token_app)
    png = b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary"
    with recorder(tmp_path).use_cassette("upload.yaml"):
        requests.post(
            f"{served.url}/upload",
            data={"api_sig": "sig0123abcd", "auth_token": "live-access-token-1234", "title": "t"},
            files={"file": ("a.png", png, "image/png")},
            timeout=5,
        )
    cassette = yaml.safe_load((tmp_path / "upload.yaml").read_text())
    body: bytes = cassette["interactions"][0]["request"]["body"]
    assert b'name="title"' in body and png in body  # the file's bytes are intact
    assert b"sig0123abcd" not in body and b"live-access-token-1234" not in body


def frob_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Ipernity's ``auth.getFrob`` answer: the frob, a one-time login secret, in JSON."""
    body = json.dumps({"auth": {"frob": "12345-a0b1c2d3e4f5"}, "api": {"status": "ok"}}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def test_frobs_are_scrubbed_from_json_and_form_bodies(tmp_path: Path, wsgi_server: Any) -> None:
    # A frob is traded for a token by whoever holds it, wherever a cassette shows it:
    # the answer that hands it out (JSON) and the call that trades it (a form body).
    served: ServedApp = wsgi_server(frob_app)
    with recorder(tmp_path).use_cassette("frob.yaml"):
        requests.post(f"{served.url}/auth.getFrob", data={"api_key": "k"}, timeout=5)
        requests.post(
            f"{served.url}/auth.getToken",
            data={"frob": "12345-a0b1c2d3e4f5", "format": "json"},
            timeout=5,
        )
        requests.get(f"{served.url}/callback?frob=12345-a0b1c2d3e4f5", timeout=5)
    text = (tmp_path / "frob.yaml").read_text()
    assert "12345-a0b1c2d3e4f5" not in text
    cassette = yaml.safe_load(text)
    answer = json.loads(cassette["interactions"][0]["response"]["body"]["string"])
    assert answer == {"auth": {"frob": "***"}, "api": {"status": "ok"}}
    assert "format=json" in cassette["interactions"][1]["request"]["body"]


def test_code_in_a_json_body_stays_readable(tmp_path: Path, wsgi_server: Any) -> None:
    # In JSON, ``code`` is an error number a cassette must keep; only URLs hide it.
    def error_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [json.dumps({"api": {"status": "error", "code": "105"}}).encode()]

    served: ServedApp = wsgi_server(error_app)
    with recorder(tmp_path).use_cassette("error.yaml"):
        requests.get(f"{served.url}/x?code=one-time-code-1", timeout=5)
    text = (tmp_path / "error.yaml").read_text()
    assert "one-time-code-1" not in text
    answer = yaml.safe_load(text)["interactions"][0]["response"]["body"]["string"]
    assert json.loads(answer)["api"]["code"] == "105"
