"""Every 200 the emulator sends validates against the route's schema in Patreon's OpenAPI file.

The file is the reference description (``tests/data/patreon-openapi.json``). Two
defects are corrected before validating: the shape of ``JSONAPIResponseMeta``
(documented in the reference NOTES.md), and enums of nullable attributes that
omit ``null`` although their type and description allow it (``patron_status``:
"A null value indicates the member has never pledged"; ``last_charge_status``:
"null if never charged"). On top of the schema, which
allows extra keys, the tests check that no attribute outside the spec is sent
and that exactly the requested attributes come back.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from patreon_helpers import Api
from paysupport_patreon import catalog as cat
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parent / "data" / "patreon-openapi.json"
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text())
V2 = "/api/oauth2/v2"
CAMPAIGN = "7100000"

CORRECTED_META = {
    "type": "object",
    "required": ["pagination"],
    "properties": {
        "pagination": {
            "type": "object",
            "required": ["total", "cursors"],
            "properties": {
                "total": {"type": "number"},
                "cursors": {
                    "type": "object",
                    "required": ["next"],
                    "properties": {"next": {"type": ["string", "null"]}},
                },
            },
        }
    },
}

formats = FormatChecker()


@formats.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@formats.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)


def _allow_null_in_nullable_enums(node: Any) -> None:
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, list) and "null" in kind and None not in node.get("enum", [None]):
            node["enum"] = [*node["enum"], None]
        for value in node.values():
            _allow_null_in_nullable_enums(value)
    elif isinstance(node, list):
        for value in node:
            _allow_null_in_nullable_enums(value)


def _registry() -> Registry:
    spec = copy.deepcopy(SPEC)
    spec["components"]["schemas"]["JSONAPIResponseMeta"] = CORRECTED_META
    _allow_null_in_nullable_enums(spec["components"]["schemas"])
    return Registry().with_resource(
        "urn:patreon-openapi", Resource.from_contents(spec, default_specification=DRAFT202012)
    )


REGISTRY = _registry()


def validator_for(response_name: str) -> Draft202012Validator:
    pointer = f"#/components/responses/{response_name}/content/application~1json/schema"
    return Draft202012Validator(
        {"$ref": f"urn:patreon-openapi{pointer}"}, registry=REGISTRY, format_checker=formats
    )


def response_name(path: str, method: str, status: str = "200") -> str:
    ref: str = SPEC["paths"][path][method]["responses"][status]["$ref"]
    return ref.rsplit("/", 1)[1]


def route_params(path: str) -> tuple[list[str], dict[str, list[str]]]:
    """The include names and, per type, the field names the spec offers on a GET route."""
    params = {p.get("name"): p for p in SPEC["paths"][path]["get"]["parameters"]}
    includes = params["include"]["schema"]["items"]["enum"]
    fields = {}
    for rtype, prop in params["fields"]["schema"]["properties"].items():
        schema_name = prop["items"]["$ref"].rsplit("/", 1)[1]
        names = list(SPEC["components"]["schemas"][schema_name].get("properties", {}))
        fields[rtype] = names or sorted(cat.ATTRIBUTES[rtype])  # goal: spec lists none
    return includes, fields


def assert_faithful(body: dict[str, Any], name: str, asked: dict[str, list[str]]) -> None:
    errors = sorted(validator_for(name).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    data = body["data"] if isinstance(body["data"], list) else [body["data"]]
    for resource in data + body.get("included", []):
        rtype, attributes = resource["type"], resource["attributes"]
        known = set(SPEC["components"]["schemas"][rtype].get("properties", {}))
        assert not known or set(attributes) <= known, f"{rtype} sends unknown attributes"
        assert set(attributes) <= set(asked.get(rtype, [])), f"{rtype} sends unasked attributes"


# (spec path, the URL to call) for every v2 GET route
GET_ROUTES = [
    (f"{V2}/identity", f"{V2}/identity"),
    (f"{V2}/campaigns", f"{V2}/campaigns"),
    (f"{V2}/campaigns/{{campaign_id}}", f"{V2}/campaigns/{CAMPAIGN}"),
    (f"{V2}/campaigns/{{campaign_id}}/members", f"{V2}/campaigns/{CAMPAIGN}/members"),
    (f"{V2}/members/{{id}}", "member"),
    (f"{V2}/campaigns/{{campaign_id}}/posts", f"{V2}/campaigns/{CAMPAIGN}/posts"),
    (f"{V2}/posts/{{id}}", "post"),
    (f"{V2}/webhooks", f"{V2}/webhooks"),
]


def combinations(path: str) -> list[tuple[str, dict[str, str], dict[str, list[str]]]]:
    """Named (label, query, fields asked) cases: bare, every include with all fields, one by one."""
    includes, fields = route_params(path)
    every_field = {f"fields[{t}]": ",".join(names) for t, names in fields.items()}
    cases: list[tuple[str, dict[str, str], dict[str, list[str]]]] = [
        ("bare", {}, {}),
        ("all", {"include": ",".join(includes), **every_field}, fields),
    ]
    primary = next(t for t in fields if t in path or (t == "user" and "identity" in path))
    if path.endswith("webhooks"):
        primary = "webhook"
    for include in includes:
        cases.append((f"include-{include}", {"include": include, **every_field}, fields))
    cases.append(
        ("primary-fields", {f"fields[{primary}]": every_field[f"fields[{primary}]"]}, fields)
    )
    return cases


def concrete_url(api: Api, target: str) -> str:
    if target == "member":
        page = api.get(f"{V2}/campaigns/{CAMPAIGN}/members", **{"page[count]": "1"}).json()
        return f"{V2}/members/{page['data'][0]['id']}"
    if target == "post":
        page = api.get(f"{V2}/campaigns/{CAMPAIGN}/posts", **{"page[count]": "1"}).json()
        return f"{V2}/posts/{page['data'][0]['id']}"
    return target


def make_webhook(api: Api) -> dict[str, Any]:
    body = {
        "data": {
            "type": "webhook",
            "attributes": {"uri": "http://127.0.0.1:9/hook", "triggers": ["members:create"]},
            "relationships": {"campaign": {"data": {"type": "campaign", "id": CAMPAIGN}}},
        }
    }
    response = api.request("POST", f"{V2}/webhooks", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.mark.parametrize(("path", "target"), GET_ROUTES, ids=[p for p, _ in GET_ROUTES])
def test_every_get_route_matches_its_response_schema(
    creator_api: Api, path: str, target: str
) -> None:
    make_webhook(creator_api)
    url = concrete_url(creator_api, target)
    name = response_name(path, "get")
    for label, query, asked in combinations(path):
        response = creator_api.get(url, **query)
        assert response.status_code == 200, (label, response.text)
        assert_faithful(response.json(), name, asked)


def test_a_second_page_matches_the_schema_too(creator_api: Api) -> None:
    path = f"{V2}/campaigns/{{campaign_id}}/members"
    _, fields = route_params(path)
    query = {"include": "user,currently_entitled_tiers", "fields[member]": "full_name"}
    first = creator_api.get(f"{V2}/campaigns/{CAMPAIGN}/members", **query, **{"page[count]": "7"})
    second = creator_api.get(first.json()["links"]["next"])
    assert second.status_code == 200
    assert_faithful(second.json(), response_name(path, "get"), fields)


def test_every_include_and_field_the_spec_offers_is_accepted(creator_api: Api) -> None:
    """The emulator's catalog agrees with the spec (a drift in either shows up here)."""
    routes = {
        f"{V2}/identity": cat.IDENTITY,
        f"{V2}/campaigns": cat.CAMPAIGNS,
        f"{V2}/campaigns/{{campaign_id}}/members": cat.MEMBERS,
        f"{V2}/campaigns/{{campaign_id}}/posts": cat.POSTS,
        f"{V2}/webhooks": cat.WEBHOOKS,
    }
    for path, route in routes.items():
        includes, fields = route_params(path)
        assert set(includes) == route.includes, path
        assert set(fields) == route.field_types, path
        for rtype, names in fields.items():
            assert set(names) == cat.ATTRIBUTES[rtype], rtype
        security = SPEC["paths"][path]["get"]["security"][0]["Oauth2"]
        assert security == ([route.scope] if route.scope else [])
    assert (
        set(SPEC["components"]["securitySchemes"]["Oauth2"]["flows"]["authorizationCode"]["scopes"])
        == cat.SCOPES
    )
    assert tuple(SPEC["components"]["schemas"]["webhookTrigger"]["items"]["enum"]) == cat.TRIGGERS


def test_webhook_writes_match_the_single_webhook_schema(creator_api: Api) -> None:
    # The spec points POST's 200 at webhooksResponse (a list); Patreon answers with the
    # created webhook, so POST is checked against the single-webhook schema, like PATCH.
    created = make_webhook(creator_api)
    everything = {"webhook": sorted(cat.ATTRIBUTES["webhook"])}
    assert_faithful(created, response_name(f"{V2}/webhooks/{{id}}", "patch"), everything)
    hook_id = created["data"]["id"]
    patch = {"data": {"type": "webhook", "id": hook_id, "attributes": {"paused": False}}}
    patched = creator_api.request("PATCH", f"{V2}/webhooks/{hook_id}", json=patch)
    assert patched.status_code == 200
    assert_faithful(patched.json(), response_name(f"{V2}/webhooks/{{id}}", "patch"), everything)
    deleted = creator_api.request("DELETE", f"{V2}/webhooks/{hook_id}")
    assert deleted.status_code == 204 and deleted.content == b""


def test_errors_have_the_json_api_error_shape(creator_api: Api) -> None:
    error_schema = {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "allOf": [
                        {"$ref": "urn:patreon-openapi#/components/schemas/JSONAPIError"},
                        {"required": ["code", "code_name", "detail", "id", "status", "title"]},
                    ]
                },
            }
        },
    }
    validator = Draft202012Validator(error_schema, registry=REGISTRY)
    bad = [
        creator_api.get(f"{V2}/identity", include="nope"),
        creator_api.get(f"{V2}/campaigns/0"),
        creator_api.request("GET", f"{V2}/identity", headers={"Authorization": "Bearer nope"}),
    ]
    assert [r.status_code for r in bad] == [400, 404, 401]
    for response in bad:
        validator.validate(response.json())
