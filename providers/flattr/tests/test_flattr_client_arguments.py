"""A string where a list is expected is refused by name, before anything is sent.

``tags="python"`` once became six one-letter tags: a string is an iterable of
letters. Every verb that takes several values refuses a bare string with
:class:`ValidationFailed` (an ``InvalidRequest``) naming the argument; the
search filters ``language`` and ``category`` document a string as one id.
"""

from __future__ import annotations

import pytest
from paysupport_flattr import AutoSubmit, ValidationFailed, build_autosubmit_url

from paysupport import InvalidRequest


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda c: c.register("https://blog.example/one", "One", tags="python"), id="register"
        ),
        pytest.param(
            lambda c: c.register("https://blog.example/one", "One", tags=""), id="register, empty"
        ),
        pytest.param(
            lambda c: c.things.create("https://blog.example/two", title="Two", tags="python"),
            id="things.create",
        ),
        pytest.param(lambda c: c.things.update(1, tags="python"), id="things.update"),
        pytest.param(
            lambda c: c.autosubmit_url("flattr", "https://a.example/", tags="python"),
            id="autosubmit_url",
        ),
    ],
)
def test_a_string_of_tags_is_refused_before_any_request(client, events, call):
    with pytest.raises(ValidationFailed) as caught:
        call(client)
    assert caught.value.field == "tags"
    assert "tags takes a list of values" in str(caught.value)
    assert "tags=[" in str(caught.value)  # says how to write one tag
    assert events.seen == []


def test_a_list_of_one_tag_is_one_tag(client):
    registered = client.register("https://blog.example/python", "Python", tags=["python"])
    assert client.things.get(registered.id).tags == ("python",)


def test_get_many_refuses_a_string_of_ids(client, events):
    with pytest.raises(InvalidRequest, match="things takes a list of values"):
        client.things.get_many("123")
    assert events.seen == []


def test_search_takes_one_language_as_a_string_and_several_as_a_list(client, sandbox, events):
    one = list(client.things.search(language="en_GB", count=5))
    several = list(client.things.search(language=["en_GB", "sv_SE"], count=5))
    assert one and all(t.language == "en_GB" for t in one)
    assert {t.language for t in several} <= {"en_GB", "sv_SE"}
    events.clear()
    with pytest.raises(ValidationFailed, match="category takes a list of values, not int"):
        client.things.search(category=7)
    assert events.seen == []


def test_auto_submit_urls_refuse_a_string_of_tags():
    with pytest.raises(ValidationFailed, match="tags takes a list"):
        build_autosubmit_url("alice", "https://a.example/", tags="python")
    with pytest.raises(ValidationFailed, match="tags takes a list"):
        AutoSubmit("alice", "https://a.example/", tags="python")  # type: ignore[arg-type]
    link = build_autosubmit_url("alice", "https://a.example/", tags=["python"])
    assert "tags=python" in link and "tags=p,y" not in link


def test_login_scopes_take_a_list(client):
    with pytest.raises(InvalidRequest, match="scopes takes a list of values") as caught:
        client.oauth.authorization_url("flattr")
    assert caught.value.provider == "flattr"
    assert "scope=flattr&" in client.oauth.authorization_url(["flattr"]).url + "&"
