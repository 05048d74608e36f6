"""A query's cost and pagination bounds, computed before it runs, as GitHub documents them.

GitHub's "calculating a rate limit score": add up the number of requests
needed to fulfil each connection, assuming every one returns its full
``first``/``last`` (a connection nested in another is fetched once per parent
node), divide by 100 and round; the score is at least 1. The node count is the
number of nodes the query could return; above 500,000 GitHub refuses it. Every
connection must say ``first`` or ``last``, between 1 and 100. These refusals
come before execution, so the answer has ``errors`` and no ``data``; their
``type`` values are the ones GitHub answers with (the NOTES are silent on them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLInt,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    get_named_type,
    value_from_ast,
)

from paysupport_github.emulator.errors import typed

MAX_PAGE = 100
MAX_NODES = 500_000


@dataclass
class Analysis:
    """What a query costs (``cost`` points, ``node_count`` nodes) and why it is refused."""

    requests: int = 1
    node_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def cost(self) -> int:
        return max(1, math.floor(self.requests / 100 + 0.5))


def _is_connection(named: GraphQLNamedType) -> bool:
    fields = getattr(named, "fields", None)
    return named.name.endswith("Connection") and isinstance(fields, dict) and "pageInfo" in fields


def analyse(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> Analysis:
    """The cost and refusals of one (already validated) operation."""
    analysis = Analysis(requests=0)
    root = schema.get_root_type(operation.operation)
    if root is not None:
        _walk(schema, operation.selection_set, root, 1, fragments, variables, analysis, set())
    if analysis.node_count > MAX_NODES:
        analysis.errors.append(
            typed(
                "MAX_NODE_LIMIT_EXCEEDED",
                f"This query requests up to {analysis.node_count:,} possible nodes which "
                f"exceeds the maximum limit of {MAX_NODES:,}.",
            )
        )
    return analysis


def _argument(node: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    """An ``Int`` (``first``, ``last``) or ``Boolean`` (``dryRun``) argument's value, or None."""
    kind = GraphQLBoolean if name == "dryRun" else GraphQLInt
    for argument in node.arguments or ():
        if argument.name.value == name:
            value = value_from_ast(argument.value, kind, variables)
            return None if value is Undefined else value
    return None


def _walk(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode,
    parent: GraphQLNamedType,
    multiplier: int,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    analysis: Analysis,
    seen: set[str],
) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            fields = getattr(parent, "fields", None) or {}
            definition = fields.get(selection.name.value)
            if definition is None:
                continue  # __typename and introspection cost nothing
            named = get_named_type(definition.type)
            if selection.name.value == "rateLimit" and _argument(selection, "dryRun", variables):
                analysis.dry_run = True
            inner = multiplier
            if _is_connection(named):
                inner = _bounds(selection, variables, analysis) * multiplier
                analysis.requests += multiplier
                analysis.node_count += inner
            if selection.selection_set is not None:
                _walk(
                    schema,
                    selection.selection_set,
                    named,
                    inner,
                    fragments,
                    variables,
                    analysis,
                    seen,
                )
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = schema.get_type(condition.name.value) if condition else parent
            _walk(
                schema,
                selection.selection_set,
                target or parent,
                multiplier,
                fragments,
                variables,
                analysis,
                seen,
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:
                continue
            target = schema.get_type(fragment.type_condition.name.value) or parent
            _walk(
                schema,
                fragment.selection_set,
                target,
                multiplier,
                fragments,
                variables,
                analysis,
                seen | {name},
            )


def _bounds(node: FieldNode, variables: dict[str, Any], analysis: Analysis) -> int:
    """The page size a connection asks for; refusals are added to ``analysis.errors``."""
    name = node.name.value
    first = _argument(node, "first", variables)
    last = _argument(node, "last", variables)
    if first is None and last is None:
        analysis.errors.append(
            typed(
                "MISSING_PAGINATION_BOUNDARIES",
                f"You must provide a `first` or `last` value to properly paginate the "
                f"`{name}` connection.",
                node,
            )
        )
        return MAX_PAGE
    for label, value in (("first", first), ("last", last)):
        if value is None:
            continue
        if value > MAX_PAGE:
            analysis.errors.append(
                typed(
                    "EXCESSIVE_PAGINATION",
                    f"Requesting {value} records on the `{name}` connection exceeds the "
                    f"`{label}` limit of {MAX_PAGE} records.",
                    node,
                )
            )
        elif value < 1:
            # GitHub's documented range is 1..100 (NOTES); the message is the emulator's own
            analysis.errors.append(
                typed(
                    "INVALID_ARGUMENTS",
                    f"`{label}` on the `{name}` connection must be between 1 and {MAX_PAGE}.",
                    node,
                )
            )
    return max(1, min(MAX_PAGE, max(first or 0, last or 0)))
