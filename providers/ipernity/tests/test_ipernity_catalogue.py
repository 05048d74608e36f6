"""The packaged catalogue is Ipernity's reference, read into typed records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from paysupport_ipernity.catalogue import Method, load_catalogue

REFERENCE = Path("/work/shared/reference/ipernity/methods.json")


def test_catalogue_has_every_documented_method() -> None:
    catalogue = load_catalogue()
    assert len(catalogue) == 102
    assert "doc.get" in catalogue and "doc.nothing" not in catalogue
    assert all(isinstance(m, Method) for m in catalogue)
    assert catalogue.get("doc.nothing") is None
    assert load_catalogue() is catalogue  # parsed once


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference not available")
def test_packaged_copy_matches_the_reference() -> None:
    raw = json.loads(REFERENCE.read_text("utf-8"))
    catalogue = load_catalogue()
    assert set(catalogue.names()) == set(raw)
    for name, entry in raw.items():
        method = catalogue[name]
        assert method.sign == bool(entry["authentication"]["sign"])
        assert method.token == bool(entry["authentication"]["token"])
        assert method.post == bool(entry["authentication"]["post"])


def test_flags_permissions_and_parameters() -> None:
    catalogue = load_catalogue()
    upload = catalogue["upload.file"]
    assert (upload.sign, upload.token, upload.post) == (True, True, True)
    assert dict(upload.permissions) == {"doc": "write"}
    assert upload.required_parameters == ("api_key", "file")
    param = upload.parameter("title")
    assert param is not None and not param.required
    hello = catalogue["test.hello"]
    assert (hello.sign, hello.token, hello.post) == (False, False, False)
    assert dict(hello.permissions) == {}  # "" in the raw file
    assert catalogue["doc.delete"].permissions["doc"] == "delete"
    assert catalogue["post.get"].parameters == ()  # no parameters in the raw file
