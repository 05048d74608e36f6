"""Property tests of the client's signing: any parameters, any order, any text.

NOTES.md: ``api_sig = md5(sorted name+value pairs + method name + secret)``, hex lower-case;
authorization links are signed the same way with no method name. The expected value here
is computed from that sentence, independently of :mod:`paysupport_ipernity.signing`, and
the emulator (which verifies signatures) must accept what the client sends.
"""

from __future__ import annotations

import functools
import hashlib
import random
from urllib.parse import parse_qsl, urlsplit

from hypothesis import HealthCheck, given, settings, strategies as st
from paysupport_ipernity import IpernityClient

from paysupport.tokens import MemoryTokenStore

KEY = "k" * 32
SECRET = "sécret-ü"
TOKEN = "1001-token-value"

RESERVED = {"api_key", "api_sig", "auth_token", "echo", "file", "api", "frob"}
names = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12).filter(
    lambda n: n not in RESERVED
)
values = st.text(alphabet=st.characters(codec="utf-8"), max_size=24)  # all but surrogates
params_st = st.dictionaries(names, values, max_size=6)
perms_st = st.dictionaries(
    st.sampled_from(["doc", "blog", "post", "network"]),
    st.sampled_from(["read", "write", "delete"]),
    min_size=1,
)


def documented_signature(params: dict[str, str], method: str | None, secret: str) -> str:
    text = "".join(name + params[name] for name in sorted(params)) + (method or "") + secret
    return hashlib.md5(text.encode("utf-8")).hexdigest()


@functools.cache
def offline() -> IpernityClient:
    """prepare() and auth_url() send nothing: one client serves every example."""
    return IpernityClient(
        api_key=KEY, api_secret=SECRET, auth_token=TOKEN, token_store=MemoryTokenStore()
    )


@given(params_st)
def test_signed_calls_follow_the_documented_form(params: dict[str, str]) -> None:
    prepared = offline().caller.prepare("doc.getList", {"user_id": "1001", **params})
    sent = dict(prepared.params)
    signature = sent.pop("api_sig")
    assert sent == {"api_key": KEY, "auth_token": TOKEN, "user_id": "1001", **params}
    assert signature == documented_signature(sent, "doc.getList", SECRET)
    assert len(signature) == 32 and signature == signature.lower()


@given(params_st, st.randoms(use_true_random=False))
def test_parameter_order_never_changes_the_signature(
    params: dict[str, str], rnd: random.Random
) -> None:
    items = list(params.items())
    rnd.shuffle(items)
    first = offline().caller.prepare("user.get", {"user_id": "1", **params})
    second = offline().caller.prepare("user.get", {"user_id": "1", **dict(items)})
    assert first.params["api_sig"] == second.params["api_sig"]


@given(perms_st, st.one_of(st.none(), st.from_regex(r"[0-9]{5}-[0-9a-f]{12}", fullmatch=True)))
def test_authorization_links_are_signed_without_a_method(
    perms: dict[str, str], frob: str | None
) -> None:
    query = dict(parse_qsl(urlsplit(offline().auth_url(perms, frob)).query))
    signature = query.pop("api_sig")
    assert signature == documented_signature(query, None, SECRET)
    assert {k[5:]: v for k, v in query.items() if k.startswith("perm_")} == perms
    assert query.get("frob") == frob


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=params_st, echo=values.filter(bool))
def test_the_emulator_accepts_every_signature(
    client: IpernityClient, params: dict[str, str], echo: str
) -> None:
    """Over HTTP: test.echo is signed because a token rides along; any text round-trips."""
    answer = client.call("test.echo", echo=echo, **params)
    answer.pop("api")
    assert answer == {"echo": echo, **params}
