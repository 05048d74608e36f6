"""The signer follows Ipernity's rule: md5(sorted name+value pairs + method + secret)."""

from __future__ import annotations

import hashlib

from hypothesis import given, strategies as st
from paysupport_ipernity.signing import sign, verify

names = st.text(min_size=1, max_size=12).filter(lambda n: n not in ("api_sig", "file"))
params_st = st.dictionaries(names, st.text(max_size=30), max_size=8)
secrets_st = st.text(min_size=1, max_size=20)
methods_st = st.one_of(
    st.none(), st.from_regex(r"[a-z]{2,8}(\.[a-zA-Z]{2,10}){1,2}", fullmatch=True)
)


def test_known_vector_for_a_method_call() -> None:
    params = {"doc_id": "12345", "api_key": "abc", "extra": "tags"}
    expected = hashlib.md5(b"api_keyabcdoc_id12345extratagsdoc.getsecret").hexdigest()
    assert sign(params, "secret", "doc.get") == expected


def test_authorization_links_are_signed_without_a_method_name() -> None:
    params = {"api_key": "abc", "frob": "1-f", "perm_doc": "write"}
    expected = hashlib.md5(b"api_keyabcfrob1-fperm_docwritesecret").hexdigest()
    assert sign(params, "secret") == expected
    assert sign(params, "secret") != sign(params, "secret", "auth.getToken")


def test_api_sig_and_file_are_never_signed() -> None:
    base = {"api_key": "abc", "title": "t"}
    with_extras = {**base, "api_sig": "whatever", "file": "binary content"}
    assert sign(with_extras, "s", "upload.file") == sign(base, "s", "upload.file")


@given(params_st, secrets_st, methods_st, st.randoms())
def test_parameter_order_never_matters(
    params: dict[str, str], secret: str, method: str | None, rnd: object
) -> None:
    items = list(params.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    assert sign(dict(items), secret, method) == sign(params, secret, method)


@given(params_st, secrets_st, methods_st)
def test_signature_is_md5_of_the_utf8_concatenation(
    params: dict[str, str], secret: str, method: str | None
) -> None:
    payload = "".join(k + params[k] for k in sorted(params)) + (method or "") + secret
    signature = sign(params, secret, method)
    assert signature == hashlib.md5(payload.encode("utf-8")).hexdigest()
    assert len(signature) == 32 and signature == signature.lower()
    assert verify(params, secret, signature, method)
    assert verify(params, secret, signature.upper(), method)


@given(params_st, secrets_st, methods_st, names, st.text(min_size=1, max_size=10))
def test_changing_a_value_breaks_the_signature(
    params: dict[str, str], secret: str, method: str | None, name: str, suffix: str
) -> None:
    signature = sign(params, secret, method)
    changed = {**params, name: params.get(name, "") + suffix}
    assert not verify(changed, secret, signature, method)
    assert not verify(params, secret + "x", signature, method)


@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x80, exclude_categories=("Cs",)),
        min_size=1,
        max_size=10,
    )
)
def test_unicode_values_are_hashed_as_utf8(value: str) -> None:
    raw = ("titre" + value + "doc.set" + "sécret").encode("utf-8")
    assert sign({"titre": value}, "sécret", "doc.set") == hashlib.md5(raw).hexdigest()
