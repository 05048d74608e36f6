"""Property tests: Thing validation and auto-submit URL round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from paysupport_flattr import (
    AutoSubmit,
    Thing,
    ValidationFailed,
    Vocabulary,
    is_autosubmit_url,
    parse_autosubmit_url,
    thing_id_from_url,
)
from paysupport_flattr.transport import Context, Hosts

LANGUAGES = ("en_GB", "sq_AL", "ar_DZ", "be_BY")
CATEGORIES = ("text", "images", "video", "audio", "software", "people", "rest")

# Text a URL query can carry: any character but lone surrogates (not encodable as UTF-8).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    TEXT,
    st.lists(st.one_of(TEXT, st.integers(), st.none()), max_size=5),
    st.tuples(TEXT, TEXT),
    st.dictionaries(TEXT, TEXT, max_size=2),
)
HOSTS = st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z]{2,5}){1,2}", fullmatch=True)
URLS = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}/{path}",
    st.sampled_from(["http", "https"]),
    HOSTS,
    st.from_regex(r"[A-Za-z0-9_\-./%?=&]{0,30}", fullmatch=True),
)
TAG = TEXT.map(str.strip).filter(lambda t: t and "," not in t)


def offline_thing() -> Thing:
    """A created thing whose vocabulary needs no server."""
    ctx = Context(
        api=None,
        hosts=Hosts.for_base_url("http://127.0.0.1:1"),  # type: ignore[arg-type]
        vocabulary=Vocabulary.fixed(LANGUAGES, CATEGORIES),
    )
    return Thing(
        ctx,
        {
            "id": 1,
            "url": "https://a.example/",
            "title": "T",
            "tags": (),
            "language": "en_GB",
            "category": "text",
            "hidden": False,
            "description": "",
        },
    )


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(["title", "description", "tags", "language", "category", "hidden"]),
    value=st.one_of(ANYTHING, st.sampled_from(LANGUAGES + CATEGORIES), st.lists(TAG, max_size=4)),
)
def test_a_writable_field_takes_a_valid_value_or_raises_validation_failed(field, value):
    thing = offline_thing()
    try:
        setattr(thing, field, value)
    except ValidationFailed as error:
        assert error.field == field and error.provider == "flattr"
        assert not thing.dirty
        return
    stored = getattr(thing, field)
    if field == "tags":
        assert isinstance(stored, tuple) and all(t == t.strip() and t for t in stored)
        assert all("," not in t for t in stored)
        assert stored == tuple(v.strip() for v in value)
    elif field == "hidden":
        assert isinstance(stored, bool) and stored is value
    elif field == "language":
        assert stored in LANGUAGES
    elif field == "category":
        assert stored in CATEGORIES
    else:
        assert stored == value and isinstance(stored, str)


@settings(max_examples=200, deadline=None)
@given(title=TEXT, tags=st.lists(TAG, max_size=4), hidden=st.booleans())
def test_changes_hold_exactly_the_fields_that_differ(title, tags, hidden):
    thing = offline_thing()
    thing.title = title
    thing.tags = tags
    thing.hidden = hidden
    expected = {
        name: value
        for name, value, original in (
            ("title", title, "T"),
            ("tags", tuple(tags), ()),
            ("hidden", hidden, False),
        )
        if value != original
    }
    assert thing.changes == expected
    thing.title, thing.tags, thing.hidden = "T", [], False
    assert thing.changes == {} and not thing.dirty


@settings(max_examples=200, deadline=None)
@given(url=URLS, padding=st.sampled_from(["", " ", "\n"]))
def test_http_and_https_urls_are_accepted_as_given(url, padding):
    assert Thing.draft(None, padding + url + padding).url == url


@settings(max_examples=200, deadline=None)
@given(
    url=st.one_of(
        st.from_regex(r"(ftp|mailto|javascript|file|data):[a-z/]{0,20}", fullmatch=True),
        TEXT.filter(lambda t: "://" not in t),
        URLS.map(lambda u: u.replace("://", "://", 1).replace("/", " /", 3)),
    )
)
def test_anything_else_is_refused(url):
    with pytest.raises(ValidationFailed) as caught:
        Thing.draft(None, url)
    assert caught.value.field == "url"


SPECS = st.builds(
    AutoSubmit,
    user_id=TEXT.filter(bool),
    url=URLS,
    title=st.none() | TEXT,
    description=st.none() | TEXT,
    language=st.none() | st.sampled_from(LANGUAGES),
    tags=st.lists(TAG, max_size=5).map(tuple),
    hidden=st.booleans(),
    category=st.none() | st.sampled_from(CATEGORIES),
)


@settings(max_examples=300, deadline=None)
@given(spec=SPECS, site=st.sampled_from(["https://flattr.com", "http://127.0.0.1:8080"]))
def test_auto_submit_urls_round_trip(spec, site):
    url = spec.to_url(site)
    sites = ("https://flattr.com", site)
    assert is_autosubmit_url(url, sites)
    assert parse_autosubmit_url(url, sites) == spec
    assert parse_autosubmit_url(url, sites).to_url(site) == url


@settings(max_examples=200, deadline=None)
@given(thing_id=st.integers(min_value=1, max_value=10**12), slug=st.none() | TAG)
def test_thing_page_urls_give_their_id(thing_id, slug):
    from urllib.parse import quote

    url = f"https://flattr.com/thing/{thing_id}" + (f"/{quote(slug, safe='')}" if slug else "")
    assert thing_id_from_url(url) == thing_id
    assert not is_autosubmit_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://flattr.com/submit/auto?url=https://a.example/",  # no user_id
        "https://flattr.com/submit/auto?user_id=x",  # no url
        "https://flattr.com/submit/auto?user_id=x&url=ftp://a.example/",
        "https://flattr.com/submit/auto?user_id=x&url=https://a.example/&tags=a,,b",
        "https://example.com/submit/auto?user_id=x&url=https://a.example/",
        "not a url",
    ],
)
def test_malformed_auto_submit_urls(url: Any):
    if url.endswith("tags=a,,b"):  # empty tags between commas are dropped, not refused
        assert parse_autosubmit_url(url).tags == ("a", "b")
        return
    with pytest.raises(ValidationFailed):
        parse_autosubmit_url(url)
