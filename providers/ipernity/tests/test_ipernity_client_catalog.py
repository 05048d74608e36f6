"""The packaged catalog is Ipernity's reference, read into typed records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from paysupport_ipernity.catalog import Method, load_catalog

#: shared/ stands beside the repository (in CI too): the packaged copy came from it.
REFERENCE = Path(__file__).resolve().parents[3].parent / "shared/reference/ipernity/methods.json"


def test_catalog_has_every_documented_method() -> None:
    catalog = load_catalog()
    assert len(catalog) == 102
    assert "doc.get" in catalog and "doc.nothing" not in catalog
    assert all(isinstance(m, Method) for m in catalog)
    assert catalog.get("doc.nothing") is None
    assert load_catalog() is catalog  # parsed once


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference not available")
def test_packaged_copy_matches_the_reference() -> None:
    raw = json.loads(REFERENCE.read_text("utf-8"))
    catalog = load_catalog()
    assert set(catalog.names()) == set(raw)
    for name, entry in raw.items():
        method = catalog[name]
        assert method.sign == bool(entry["authentication"]["sign"])
        assert method.token == bool(entry["authentication"]["token"])
        assert method.post == bool(entry["authentication"]["post"])


def test_flags_permissions_and_parameters() -> None:
    catalog = load_catalog()
    upload = catalog["upload.file"]
    assert (upload.sign, upload.token, upload.post) == (True, True, True)
    assert dict(upload.permissions) == {"doc": "write"}
    assert upload.required_parameters == ("api_key", "file")
    param = upload.parameter("title")
    assert param is not None and not param.required
    hello = catalog["test.hello"]
    assert (hello.sign, hello.token, hello.post) == (False, False, False)
    assert dict(hello.permissions) == {}  # "" in the raw file
    assert catalog["doc.delete"].permissions["doc"] == "delete"
    assert catalog["post.get"].parameters == ()  # no parameters in the raw file
