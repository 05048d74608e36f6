"""Every GraphQL document the client sends is valid against GitHub's public schema."""

from __future__ import annotations

from pathlib import Path

import paysupport_github
import pytest
from graphql import GraphQLSchema, build_schema, parse, validate
from graphql.language import OperationDefinitionNode
from paysupport_github import catalog


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    """GitHub's schema, as the package ships it (a copy of shared/reference's).

    The published schema carries a few deprecations graphql-core's strict schema
    check refuses (deprecated implementations of non-deprecated interface
    fields); GitHub serves it as it is, so it is taken as valid.
    """
    packaged = Path(paysupport_github.__file__).parent / "data" / "schema.graphql"
    return build_schema(packaged.read_text("utf-8"), assume_valid=True, assume_valid_sdl=True)


@pytest.mark.parametrize("name", sorted(catalog.DOCUMENTS))
def test_every_document_validates_against_the_schema(schema: GraphQLSchema, name: str) -> None:
    document = parse(catalog.DOCUMENTS[name])
    assert validate(schema, document) == []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert [op.name.value for op in operations if op.name] == [name]


def test_the_validation_refuses_a_field_github_does_not_have(schema: GraphQLSchema) -> None:
    errors = validate(schema, parse("query Q { viewer { sponsorshipsAsMaintainer { nope } } }"))
    assert errors, "the schema check must be able to fail"


def test_walk_documents_page_with_first_and_after() -> None:
    for name, text in catalog.DOCUMENTS.items():
        if "pageInfo" in text:
            assert "$first: Int!" in text and "$after: String" in text, name
            assert "hasNextPage endCursor" in text, name


def test_documents_exist_for_the_viewer_and_for_a_login_of_either_kind() -> None:
    for documents in (
        catalog.SPONSORSHIPS_AS_MAINTAINER,
        catalog.SPONSORSHIPS_AS_SPONSOR,
        catalog.TIERS,
        catalog.IS_SPONSORED_BY,
    ):
        assert set(documents) == {"viewer", "user", "organization"}
        assert "user(login: $login)" in documents["user"]
        assert "organization(login: $login)" in documents["organization"]


def test_operation_name_names_catalog_documents_only() -> None:
    assert catalog.operation_name(catalog.VIEWER) == "Viewer"
    assert catalog.operation_name(catalog.TIERS["user"]) == "UserTiers"
    assert catalog.operation_name("query { viewer { login } }") == "query"
