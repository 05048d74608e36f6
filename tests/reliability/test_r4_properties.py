"""R4: what comes from outside (JSON:API documents, Ipernity answers, feeds, config files)
gives values or a library error (:class:`~paysupport.PaySupportError`), never anything else.

Extends the property tests next to each reader (``tests/core/test_jsonapi.py``,
``providers/ipernity/tests/test_ipernity_client_signer.py``) with their strategies, to
many more examples and to the whole path of an answer. 500 examples per test
in CI; 10,000 with ``PAYSUPPORT_FULL=1`` (``./dev bench``).
"""

from __future__ import annotations

import hashlib
import json
import string
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st
from paysupport_ipernity.catalog import load_catalog
from paysupport_ipernity.signing import sign, verify
from paysupport_ipernity.transport import ApiCaller
from paysupport_ipernity.walks import read_list

from paysupport.config import load_config, resolve_settings
from paysupport.errors import InvalidRequest, PaySupportError
from paysupport.feeds import read_feed
from paysupport.http import HttpClient
from paysupport.redact import Redactor
from tests.core.test_jsonapi import exercise, json_api_documents, json_values
from tests.reliability.conftest import sized

EXAMPLES = sized(500, 10_000)
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- JSON:API --------------------------------------------------------------------------


@SETTINGS
@given(json_api_documents(noise=15) | json_values)
def test_jsonapi_reader_gives_values_or_a_library_error(payload: Any) -> None:
    exercise(payload)


# -- Ipernity: the answer reader and the signer -------------------------------------------

CALLER = ApiCaller(
    HttpClient("ipernity", "http://127.0.0.1:9"),
    api_key="key",
    api_secret="secret",
    token=lambda: "token",
    redactor=Redactor(["secret", "token"]),
    catalog=load_catalog(),
)

envelopes = st.fixed_dictionaries(
    {"status": st.sampled_from(["ok", "error", "", None]) | json_values},
    optional={
        "code": st.integers() | st.text(max_size=5) | st.none(),
        "message": st.text(max_size=20) | json_values,
    },
)
numbers = st.integers(-3, 10**6) | st.text(string.digits + "-x ", max_size=6) | st.none()
lists = st.fixed_dictionaries(
    {},
    optional={
        "total": numbers,
        "page": numbers,
        "pages": numbers,
        "per_page": numbers,
        "doc": st.lists(st.dictionaries(st.text(max_size=5), json_values, max_size=3), max_size=3)
        | json_values,
    },
)
ipernity_bodies = st.fixed_dictionaries(
    {}, optional={"api": envelopes | json_values, "docs": lists | json_values}
)


def response(status: int, body: bytes, content_type: str) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body
    answer.headers["Content-Type"] = content_type
    answer.url = "http://127.0.0.1:9/api/doc.getList/json"
    return answer


@SETTINGS
@given(
    st.sampled_from([200, 200, 200, 400, 401, 403, 404, 429, 500, 503]),
    ipernity_bodies.map(lambda b: json.dumps(b).encode()) | st.binary(max_size=80),
    st.sampled_from(["application/json", "text/html", "text/plain", ""]),
    st.integers(1, 5),
)
def test_ipernity_answers_give_items_or_a_library_error(
    status: int, body: bytes, content_type: str, page: int
) -> None:
    try:
        answer = CALLER.read(response(status, body, content_type), "doc.getList")
        items, info = read_list(answer, ("docs", "doc"), "doc.getList", page)
    except PaySupportError:
        return
    assert all(isinstance(item, dict) for item in items)
    assert info.pages is None or isinstance(info.pages, int)


any_text = st.text(st.characters(codec=None), max_size=30)  # lone surrogates included


@SETTINGS
@given(
    st.dictionaries(any_text, any_text | st.integers() | st.booleans() | st.none(), max_size=6),
    st.sampled_from(["doc.getList", "doc.search", "album.getList", "auth.getFrob"]),
)
def test_ipernity_calls_are_signed_or_refused_with_a_library_error(
    params: dict[str, Any], method: str
) -> None:
    try:
        prepared = CALLER.prepare(method, params)
    except PaySupportError:
        return
    signature = prepared.params["api_sig"] if prepared.signed else None
    if signature is not None:
        assert verify(dict(prepared.params), "secret", signature, method)


@SETTINGS
@given(
    st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=8),
    st.text(max_size=20),
    st.none() | st.text(max_size=20),
)
def test_the_signer_is_md5_hex_of_the_documented_concatenation(
    params: dict[str, str], secret: str, method: str | None
) -> None:
    signature = sign(params, secret, method)
    signed = {k: v for k, v in params.items() if k not in ("api_sig", "file")}
    text = "".join(k + signed[k] for k in sorted(signed)) + (method or "") + secret
    assert signature == hashlib.md5(text.encode("utf-8")).hexdigest()
    assert verify(params, secret, signature.upper(), method)


# -- feeds ------------------------------------------------------------------------------

xml_text = st.text(st.characters(codec="utf-8"), max_size=20)
items = st.lists(
    st.builds(
        lambda title, guid, link, rel, url: (
            f"<item><title>{title}</title><guid>{guid}</guid><link>{link}</link>"
            f'<atom:link rel="{rel}" href="{url}"/>'
            f'<podcast:funding url="{url}">{title}</podcast:funding>'
            f'<enclosure url="{url}" type="audio/mpeg" length="1"/></item>'
        ),
        xml_text,
        xml_text,
        xml_text,
        st.sampled_from(["payment", "alternate", ""]),
        st.sampled_from(["https://flattr.com/submit/auto?url=x", "javascript:alert(1)", "", "//x"])
        | xml_text,
    ),
    max_size=4,
)
feeds = st.builds(
    lambda title, body: (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>'
        f"<title>{title}</title>{''.join(body)}</channel></rss>"
    ).encode("utf-8", "surrogatepass"),
    xml_text,
    items,
)


@SETTINGS
@given(feeds | st.binary(max_size=200))
def test_feeds_give_episodes_or_a_library_error(data: bytes) -> None:
    try:
        feed = read_feed(data)
    except PaySupportError:
        return
    for episode in feed.episodes:
        assert episode.guid
        assert all(link.url.startswith(("http://", "https://")) for link in episode.payment_links)


# -- config -----------------------------------------------------------------------------

lines = st.one_of(
    st.builds(lambda s: f"[{s}]", st.sampled_from(["patreon", "flattr", "ipernity", "x", ""])),
    st.builds(
        lambda k, sep, v: f"{k}{sep}{v}",
        st.sampled_from(["client_id", "client_secret", "api_key", "base_url", "", " x"]),
        st.sampled_from([" = ", ":", "=", " "]),
        st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=15),
    ),
    st.text(st.characters(codec="utf-8"), max_size=20),
)


@pytest.mark.filterwarnings("ignore::paysupport.config.ConfigWarning")  # random keys are unknown
@SETTINGS
@given(st.lists(lines, max_size=8).map("\n".join) | st.binary(max_size=60))
def test_config_files_load_or_raise_a_library_error(tmp_path: Path, content: Any) -> None:
    path = tmp_path / "config.ini"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    try:
        parser = load_config(path)
    except PaySupportError as exc:
        assert getattr(exc, "path", None) == str(path)
        return
    for provider in ("patreon", "flattr", "ipernity"):
        resolved = resolve_settings(provider, ("client_id", "api_key", "base_url"), config=parser)
        assert all(isinstance(v, str) for v in resolved.values())


def test_a_lone_surrogate_is_refused_before_sending() -> None:
    """Found by the property above: it used to escape as a UnicodeEncodeError from the signer."""
    with pytest.raises(InvalidRequest, match="lone surrogate"):
        CALLER.prepare("doc.search", {"text": "caf\udce9"})
    with pytest.raises(InvalidRequest, match="lone surrogate"):
        CALLER.prepare("doc.search", {"\udce9": "x"})
