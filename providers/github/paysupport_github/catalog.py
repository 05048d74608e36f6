"""What GitHub's GraphQL API is asked: every query as a named document, and the API's limits.

Each query is a complete GraphQL document (operation plus the fragments it
uses) kept here as a module constant, named by its operation, so the wire
shows what this module shows and a test validates every one against GitHub's
public schema (``data/schema.graphql``). Nothing else in the client writes
GraphQL. Pagination is always ``$first``/``$after`` variables over a
connection with ``pageInfo { hasNextPage endCursor }`` and ``totalCount``.

Each query about an account exists for the three roots an account is read
from: ``viewer`` (the token's own), ``user(login:)`` and
``organization(login:)`` (GitHub answers ``NOT_FOUND`` when the login is of
the other kind; the client then tries the other root once and remembers). An
organization's ``email``
(nullable) is read as ``publicEmail``: GraphQL refuses one response name with
two types (a user's is non-null).
"""

from __future__ import annotations

from collections.abc import Mapping

#: GitHub's largest page (``first``: 1..100).
MAX_PAGE_SIZE = 100

#: OAuth scopes a Sponsors client may ask for (GitHub documents more; these are the ones
#: that change what the Sponsors fields show).
SCOPES = ("read:user", "user:email", "read:org")
#: What a login asks for unless told otherwise: sponsors and their public data.
DEFAULT_SCOPES = ("read:user",)

#: The webhook actions of the ``sponsorship`` event (octokit/webhooks' payload schemas).
SPONSORSHIP_ACTIONS = (
    "created",
    "cancelled",
    "edited",
    "tier_changed",
    "pending_cancellation",
    "pending_tier_change",
)

TIER_FIELDS = """
fragment TierFields on SponsorsTier {
  id
  name
  description
  monthlyPriceInCents
  monthlyPriceInDollars
  isOneTime
  isCustomAmount
  createdAt
}
"""

ACCOUNT_FIELDS = """
fragment AccountFields on Sponsor {
  __typename
  ... on User { id login name email databaseId url }
  ... on Organization { id login name publicEmail: email databaseId url }
}
"""

SPONSORSHIP_FIELDS = (
    """
fragment SponsorshipFields on Sponsorship {
  id
  createdAt
  isActive
  isOneTimePayment
  privacyLevel
  paymentSource
  tierSelectedAt
  tier { ...TierFields }
  sponsorEntity { ...AccountFields }
  sponsorable {
    __typename
    ... on User { id login }
    ... on Organization { id login }
  }
}
"""
    + TIER_FIELDS
    + ACCOUNT_FIELDS
)

PAGE_INFO = "totalCount pageInfo { hasNextPage endCursor }"

VIEWER = """
query Viewer {
  viewer { __typename id login name email databaseId url }
}
"""

#: Where an account is read from: the token's own (``viewer``) or one named by login.
ROOTS = ("viewer", "user", "organization")


def _rooted(
    name: str,
    variables: str,
    selection: str,
    fragments: str = "",
    roots: tuple[str, ...] = ROOTS,
) -> dict[str, str]:
    """One query for each root: ``ViewerX``, ``UserX`` and ``OrganizationX``.

    ``variables`` are the operation's own (the ``$login`` of the named roots is
    added); ``selection`` is what is read on the account.
    """
    documents = {}
    for root in roots:
        declared = (
            variables
            if root == "viewer"
            else ", ".join(part for part in ("$login: String!", variables) if part)
        )
        head = f"({declared})" if declared else ""
        field = root if root == "viewer" else f"{root}(login: $login)"
        documents[root] = (
            f"\nquery {root.capitalize()}{name}{head} {{\n  {field} {{\n    login\n"
            f"{selection}  }}\n}}\n{fragments}"
        )
    return documents


SPONSORSHIPS_AS_MAINTAINER = _rooted(
    "SponsorshipsAsMaintainer",
    "$first: Int!, $after: String, $activeOnly: Boolean!, $includePrivate: Boolean!",
    f"""    sponsorshipsAsMaintainer(
      first: $first, after: $after, activeOnly: $activeOnly, includePrivate: $includePrivate
    ) {{
      {PAGE_INFO}
      nodes {{ ...SponsorshipFields }}
    }}
""",
    SPONSORSHIP_FIELDS,
)

SPONSORSHIPS_AS_SPONSOR = _rooted(
    "SponsorshipsAsSponsor",
    "$first: Int!, $after: String, $activeOnly: Boolean!, $maintainers: [String!]",
    f"""    sponsorshipsAsSponsor(
      first: $first, after: $after, activeOnly: $activeOnly, maintainerLogins: $maintainers
    ) {{
      {PAGE_INFO}
      nodes {{ ...SponsorshipFields }}
    }}
""",
    SPONSORSHIP_FIELDS,
)

TIERS = _rooted(
    "Tiers",
    "$first: Int!, $after: String, $unpublished: Boolean!",
    f"""    sponsorsListing {{
      id
      name
      url
      tiers(first: $first, after: $after, includeUnpublished: $unpublished) {{
        {PAGE_INFO}
        nodes {{ ...TierFields }}
      }}
    }}
""",
    TIER_FIELDS,
)

IS_SPONSORED_BY = _rooted(
    "IsSponsoredBy", "$sponsor: String!", "    isSponsoredBy(accountLogin: $sponsor)\n"
)

#: The sponsorship the account ``$login`` (a sponsor) gives the viewer, private ones included.
SPONSORSHIP_FOR_VIEWER = _rooted(
    "SponsorshipForViewer",
    "",
    "    sponsorshipForViewerAsSponsorable(activeOnly: true) { ...SponsorshipFields }\n",
    SPONSORSHIP_FIELDS,
    roots=("user", "organization"),
)

#: The active sponsorship the account ``$login`` (a sponsor) gives ``$maintainer``.
SPONSORSHIP_TO_MAINTAINER = _rooted(
    "SponsorshipToMaintainer",
    "$maintainer: String!",
    """    sponsorshipsAsSponsor(first: 1, activeOnly: true, maintainerLogins: [$maintainer]) {
      nodes { ...SponsorshipFields }
    }
""",
    SPONSORSHIP_FIELDS,
    roots=("user", "organization"),
)

#: Every document, by operation name: what the tests validate against the schema.
DOCUMENTS: Mapping[str, str] = {
    "Viewer": VIEWER,
    **{
        f"{root.capitalize()}{name}": documents[root]
        for name, documents in (
            ("SponsorshipsAsMaintainer", SPONSORSHIPS_AS_MAINTAINER),
            ("SponsorshipsAsSponsor", SPONSORSHIPS_AS_SPONSOR),
            ("Tiers", TIERS),
            ("IsSponsoredBy", IS_SPONSORED_BY),
            ("SponsorshipForViewer", SPONSORSHIP_FOR_VIEWER),
            ("SponsorshipToMaintainer", SPONSORSHIP_TO_MAINTAINER),
        )
        for root in documents
    },
}


def operation_name(document: str) -> str:
    """The name of a catalog document (``Viewer``), or ``query`` for a document from elsewhere."""
    for name, known in DOCUMENTS.items():
        if known is document:
            return name
    return "query"


__all__ = [
    "DEFAULT_SCOPES",
    "DOCUMENTS",
    "MAX_PAGE_SIZE",
    "SCOPES",
    "SPONSORSHIP_ACTIONS",
    "operation_name",
]
