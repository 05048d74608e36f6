"""Secrets never reach logs, error messages or cassettes: masked by value and by name."""

from __future__ import annotations

import string
import threading

import pytest
from hypothesis import given, settings, strategies as st

from paysupport.redact import DEFAULT, MASK, MIN_SECRET_LENGTH, Redactor

TOKEN = "tok-4f1c9a7e2b"
SECRET = "sec-0d93be55aa"


# By value


def test_registered_values_are_masked_wherever_they_appear() -> None:
    redactor = Redactor([TOKEN, SECRET])
    line = f"retrying with {TOKEN} after {TOKEN}; secret was <{SECRET}>"
    assert redactor.text(line) == f"retrying with {MASK} after {MASK}; secret was <{MASK}>"


def test_added_values_are_masked_from_then_on() -> None:
    redactor = Redactor()
    assert redactor.text(TOKEN) == TOKEN
    redactor.add(TOKEN, None)
    assert redactor.text(f"new token {TOKEN}") == f"new token {MASK}"


def test_text_accepts_any_object() -> None:
    redactor = Redactor([TOKEN])
    assert redactor.text({"token": TOKEN}) == "{'token': '***'}"
    assert redactor.text(ValueError(f"bad {TOKEN}")) == "bad ***"


def test_short_values_are_not_masked_by_value() -> None:
    short = "a" * (MIN_SECRET_LENGTH - 1)
    redactor = Redactor([short, None, ""])
    assert redactor.text(f"{short}bc and 1{short}") == f"{short}bc and 1{short}"
    assert repr(redactor) == "<Redactor masking 0 values>"
    # ...but a short value under a secret name is still masked by its name.
    assert redactor.text(f"?token={short}") == f"?token={MASK}"


def test_the_longest_overlapping_secret_wins() -> None:
    redactor = Redactor(["abcd", "abcdefgh"])
    assert redactor.text("xabcdefghx abcdx") == f"x{MASK}x {MASK}x"


def test_values_are_matched_literally_not_as_patterns() -> None:
    redactor = Redactor(["a.b*c+d(e"])
    assert redactor.text("axbbbcdde a.b*c+d(e") == f"axbbbcdde {MASK}"


def test_a_secret_inside_a_secret_name_does_not_unmask_the_value() -> None:
    # "acce" is registered, and is also the start of "access_token": the value
    # after the name must still be masked.
    redactor = Redactor(["acce"])
    assert "hunter22" not in redactor.text("?access_token=hunter22")


def test_masking_does_not_spell_the_secret_again() -> None:
    redactor = Redactor(["***a"])
    assert "***a" not in redactor.text("a***aa")


# By name


SECRET_NAMES = [
    "access_token",
    "refresh_token",
    "client_secret",
    "api_secret",
    "api_sig",
    "auth_token",
    "api_key",
    "token",
    "secret",
    "code",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names_are_masked_in_query_strings(name: str) -> None:
    url = f"https://api.example.test/rest?page=2&{name}=v4lu3-x_y.z&per_page=50"
    assert DEFAULT.text(url) == f"https://api.example.test/rest?page=2&{name}={MASK}&per_page=50"


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names_are_masked_in_form_bodies(name: str) -> None:
    body = f"{name}=v4lu3%2Bx&grant_type=authorization_code"
    assert DEFAULT.text(body) == f"{name}={MASK}&grant_type=authorization_code"


def test_names_match_whole_and_in_any_case() -> None:
    assert DEFAULT.text("ACCESS_TOKEN=abc") == f"ACCESS_TOKEN={MASK}"
    assert DEFAULT.text("Api_Sig=abc") == f"Api_Sig={MASK}"
    # A longer name that merely ends like a secret one is left alone.
    assert DEFAULT.text("page_token=abc&zipcode=12345") == "page_token=abc&zipcode=12345"


def test_a_token_request_body_keeps_what_is_not_secret() -> None:
    body = (
        "grant_type=refresh_token&refresh_token=r-123&client_id=my-app&client_secret=s-456"
        "&redirect_uri=https%3A%2F%2Fapp.test%2Fcb"
    )
    assert DEFAULT.text(body) == (
        f"grant_type=refresh_token&refresh_token={MASK}&client_id=my-app&client_secret={MASK}"
        "&redirect_uri=https%3A%2F%2Fapp.test%2Fcb"
    )


@pytest.mark.parametrize(
    "name",
    [n for n in SECRET_NAMES if n != "code"] + ["password", "creator_access_token"],
)
def test_secret_names_are_masked_in_json(name: str) -> None:
    body = f'{{"{name}": "v4lu3", "token_type": "bearer", "expires_in": 3600}}'
    assert DEFAULT.text(body) == (
        f'{{"{name}": "{MASK}", "token_type": "bearer", "expires_in": 3600}}'
    )


def test_json_values_with_escaped_quotes_are_masked_whole() -> None:
    assert DEFAULT.text(r'{"secret":"a\"b\\","x":1}') == f'{{"secret":"{MASK}","x":1}}'


def test_code_is_secret_only_in_urls_and_forms() -> None:
    # In JSON, "code" is an error number; in a callback URL it is an authorization code.
    assert DEFAULT.text('{"code": "invalid_grant", "status": 400}') == (
        '{"code": "invalid_grant", "status": 400}'
    )
    assert DEFAULT.text("https://app.test/cb?code=a1b2c3&state=xyz") == (
        f"https://app.test/cb?code={MASK}&state=xyz"
    )
    assert DEFAULT.text("frob=123abc") == f"frob={MASK}"


def test_a_frob_is_secret_in_json_too() -> None:
    # Ipernity's auth.getFrob answers with the frob in JSON; whoever reads it from a
    # log line can trade it for the user's token.
    assert DEFAULT.text('{"auth": {"frob": "8861-a4b2c9"}}') == f'{{"auth": {{"frob": "{MASK}"}}}}'
    assert DEFAULT.text('{"frob": 886142}') == f'{{"frob": "{MASK}"}}'
    assert DEFAULT.text('{"error": {"code": 100}}') == '{"error": {"code": 100}}'


@pytest.mark.parametrize(
    "header",
    [
        "Authorization: Bearer eyJhbGciOi.J9eyJzdWIi-OiIx_MjM0~NTY3ODkw+/=",
        "authorization: bearer abc123",
        "Authorization: Basic dXNlcjpwYXNzd29yZA==",
        "Proxy-Authorization: BASIC dXNlcjpwYXNzd29yZA==",
    ],
)
def test_bearer_and_basic_credentials_are_masked(header: str) -> None:
    name, _, value = header.partition(": ")
    scheme = value.split()[0]
    assert DEFAULT.text(header) == f"{name}: {scheme} {MASK}"


def test_headers_masks_secret_headers_and_scrubs_the_others() -> None:
    redactor = Redactor([TOKEN])
    headers = {
        "Authorization": "Bearer abc",
        "cookie": "session=1",
        "Set-Cookie": "session=2; HttpOnly",
        "X-Patreon-Signature": "9f8e7d",
        "Location": "https://app.test/cb?code=xyz&state=1",
        "X-Debug": f"used {TOKEN}",
        "Content-Type": "application/json",
    }
    original = dict(headers)
    assert redactor.headers(headers) == {
        "Authorization": MASK,
        "cookie": MASK,
        "Set-Cookie": MASK,
        "X-Patreon-Signature": MASK,
        "Location": f"https://app.test/cb?code={MASK}&state=1",
        "X-Debug": f"used {MASK}",
        "Content-Type": "application/json",
    }
    assert headers == original  # a copy; the caller's headers are untouched


# Excerpts for error messages


def test_excerpt_is_one_short_line() -> None:
    body = "<html>\n  <body>\n\tOops   we broke\n</body></html>" + " filler" * 100
    excerpt = DEFAULT.excerpt(body, limit=40)
    assert excerpt == "<html> <body> Oops we broke </body></htm..."
    assert len(excerpt) == 40 + len("...")


def test_excerpt_of_a_short_body_has_no_ellipsis() -> None:
    assert DEFAULT.excerpt(b"Bad Gateway\n") == "Bad Gateway"


def test_excerpt_decodes_bytes_leniently() -> None:
    assert DEFAULT.excerpt(b"caf\xc3\xa9 \xff") == "caf\u00e9 \ufffd"


def test_excerpt_is_clipped_after_redaction() -> None:
    redactor = Redactor([TOKEN])
    # The secret straddles the limit: masked whole, not cut into a visible prefix.
    assert redactor.excerpt("x" * 195 + TOKEN, limit=200) == "x" * 195 + MASK
    clipped = redactor.excerpt("x" * 190 + "access_token=abcdefghijkl&more", limit=200)
    assert clipped == "x" * 190 + "access_tok..."


def test_excerpt_of_a_long_spaced_out_body_shows_no_part_of_a_secret() -> None:
    # Whitespace collapses, bringing a secret far into the body near the start.
    redactor = Redactor([TOKEN])
    body = b" " * 700 + b"x" * 90 + TOKEN.encode() + b" trailing" * 50
    excerpt = redactor.excerpt(body, limit=200)
    assert TOKEN[:4] not in excerpt
    assert excerpt.startswith("x" * 90 + MASK)


def test_excerpt_masks_a_secret_that_spans_lines() -> None:
    redactor = Redactor(["correct  horse\nbattery"])
    assert "horse" not in redactor.excerpt("pw: correct  horse\nbattery staple")


# Threads


def test_add_is_safe_from_many_threads() -> None:
    redactor = Redactor()
    threads_count, per_thread = 8, 50
    start = threading.Barrier(threads_count)

    def register(worker: int) -> None:
        start.wait()
        for n in range(per_thread):
            redactor.add(f"secret-{worker}-{n:03d}")
            redactor.text(f"secret-{worker}-{n:03d}")

    threads = [threading.Thread(target=register, args=(w,)) for w in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = " ".join(
        f"secret-{w}-{n:03d}" for w in range(threads_count) for n in range(per_thread)
    )
    assert "secret-" not in redactor.text(everything)
    assert repr(redactor) == f"<Redactor masking {threads_count * per_thread} values>"


# Any secret, anywhere

# Printable text, and text built from the mask and a few letters: repeats and
# overlaps with the mask ("***a" in "a***aa") are where masking goes wrong.
pieces = st.lists(st.sampled_from([MASK, "*", "a", "b"]), max_size=6).map("".join)
secrets = st.text(
    alphabet=string.printable, min_size=MIN_SECRET_LENGTH, max_size=12
) | pieces.filter(lambda s: len(s) >= MIN_SECRET_LENGTH)
surroundings = st.text(alphabet=string.printable, max_size=30) | pieces


@settings(max_examples=500, deadline=None)
@given(secret=secrets, surrounding=surroundings, other=surroundings)
def test_a_registered_secret_never_survives(secret: str, surrounding: str, other: str) -> None:
    redactor = Redactor([secret])
    assert secret not in redactor.text(surrounding + secret + surrounding)
    assert secret not in redactor.text(surrounding + secret + other)
    assert secret not in redactor.excerpt(surrounding + secret + other, limit=40)
