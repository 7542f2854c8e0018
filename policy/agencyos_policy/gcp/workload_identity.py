"""Workload identity federation: an OIDC provider admits only what it names (checklist 3.google-cloud-platform.3).

The checklist's item asks for a downloaded service account key; the keyless alternative, federation, is only
as narrow as its provider's ``attributeCondition``. A multi-tenant issuer signs tokens for every tenant: GitHub's
(``https://token.actions.githubusercontent.com``) for every repository on github.com, so a provider for it with
no condition, or one that does not pin ``assertion.repository`` to one repository, lets any repository's
workflow exchange its token (``assertion.repository_owner`` alone admits every repository of that owner; a
branch or an environment alone, every repository that has one). No line of the checklist states this, so the
policy is advisory; it guards the item's deviation (federation instead of a key).

The condition is CEL. It is parsed (cel-python's parser), never pattern-matched, and judged as a formula:
``a && b`` pins when either side does, ``a || b`` only when both do, a negation never pins. A repository is
pinned by ``assertion.repository == 'owner/name'`` (either side), ``... in ['owner/name', ...]``,
``assertion.repository_id == '123'``, ``assertion.sub == 'repo:owner/name:...'`` or
``assertion.sub.startsWith('repo:owner/name:')``, or the same tests on an ``attribute.*`` (or
``google.subject``) that ``attributeMapping`` maps to exactly that claim. Anything else (a ternary, string
arithmetic, ``matches``) is not taken as a pin. AWS, SAML and X.509 providers are tied to one account or
identity provider and are not judged; another OIDC issuer needs a condition, whatever it tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from agencyos_policy.props import ABSENT, UNKNOWN, lookup
from agencyos_policy.registry import ADVISORY, Subject, resource_policy
from agencyos_policy.rules import unknown

PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
# What one repository looks like in each claim that names it.
_REPOSITORY = r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+"
SPECIFIC: Mapping[str, re.Pattern[str]] = {
    "repository": re.compile(rf"^{_REPOSITORY}$", re.ASCII),
    "repository_id": re.compile(r"^[0-9]+$", re.ASCII),
    # GitHub's subject: repo:OWNER/NAME:<context>; the colon ends the name, so a prefix pins it.
    "sub": re.compile(rf"^repo:{_REPOSITORY}:", re.ASCII),
}
_CHAINS = {"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication", "unary", "member"}

Node = tuple[Any, ...]
"""The condition reduced to what matters: ("and"|"or", a, b), ("not", a), ("eq"|"in", left, right),
("call", target, method, args), ("path", "assertion.x"), ("str", value), ("list", items), ("other",)."""
OTHER: Node = ("other",)


def _issuer(props: Any) -> Any:
    return lookup(props, "oidc", "issuerUri")


def _is_oidc(subject: Subject) -> bool:
    return lookup(subject.props, "oidc") is not ABSENT


@resource_policy(
    name="gcp-iam-workloadidentityprovider-repository-condition",
    item="3.google-cloud-platform.3",
    level=ADVISORY,
    severity=Severity.HIGH,
    description="A workload identity pool's OIDC provider has an attribute condition; for GitHub's issuer, one "
    "that pins the repository, so no other repository's workflow can exchange its token.",
    remediation="Set attributeCondition, e.g. \"assertion.repository == 'owner/name'\" (and pin the ref and "
    "environment in the service account's principalSet binding); repository_owner alone admits every repository "
    "of the owner.",
    resource_types=(PROVIDER,),
    applies=_is_oidc,
    tags=("iam", "ci"),
)
def repository_condition(subject: Subject) -> Iterator[str]:
    condition = lookup(subject.props, "attributeCondition")
    if condition is UNKNOWN:
        yield from unknown(subject, ("attributeCondition",))
        return
    issuer = _issuer(subject.props)
    github = isinstance(issuer, str) and issuer.rstrip("/").startswith(GITHUB_ISSUER)
    if condition is ABSENT or not str(condition).strip():
        who = "every repository's workflows on GitHub" if github else "every workload its issuer signs tokens for"
        yield f"attributeCondition should be set: without one the provider admits {who}."
        return
    if not github:
        return
    tree = _parse(str(condition))
    if tree is None:
        yield "attributeCondition should be a CEL expression: it could not be parsed, so Google refuses it."
        return
    mapping = lookup(subject.props, "attributeMapping")
    if not _pins(tree, mapping if isinstance(mapping, Mapping) else {}):
        yield (
            "attributeCondition should pin assertion.repository (or an attribute mapped from it) to one owner/name "
            "in every case it admits: as written, it admits repositories it does not name."
        )


def _parse(condition: str) -> Node | None:
    # Imported here: only a pack judging a provider pays for the parser.
    from celpy import celparser

    try:
        return _reduce(celparser.CELParser().parse(condition))
    except celparser.CELParseError:
        return None


def _reduce(node: Any) -> Node:
    """The lark tree of cel-python's grammar, reduced to Node."""
    from celpy.evaluation import celstr
    from lark import Token, Tree

    if isinstance(node, Token):
        return OTHER
    assert isinstance(node, Tree)
    kind, children = str(node.data), node.children
    if kind in _CHAINS and len(children) == 1:
        return _reduce(children[0])
    if kind in {"primary", "paren_expr"} and len(children) == 1:
        return _reduce(children[0])
    if kind == "conditionalor" and len(children) == 2:
        return ("or", _reduce(children[0]), _reduce(children[1]))
    if kind == "conditionaland" and len(children) == 2:
        return ("and", _reduce(children[0]), _reduce(children[1]))
    if kind == "relation" and len(children) == 2 and isinstance(children[0], Tree):
        operator = {"relation_eq": "eq", "relation_in": "in"}.get(str(children[0].data))
        if operator is None or len(children[0].children) != 1:
            return OTHER
        return (operator, _reduce(children[0].children[0]), _reduce(children[1]))
    if kind == "unary" and len(children) == 2 and isinstance(children[0], Tree) and children[0].data == "unary_not":
        return ("not", _reduce(children[1]))
    if kind == "ident" and len(children) == 1:
        return ("path", str(children[0]))
    if kind == "member_dot" and len(children) == 2:
        base = _reduce(children[0])
        return ("path", f"{base[1]}.{children[1]}") if base[0] == "path" else OTHER
    if kind == "member_dot_arg" and len(children) in (2, 3):
        args = [_reduce(e) for e in children[2].children] if len(children) == 3 else []
        return ("call", _reduce(children[0]), str(children[1]), args)
    if kind == "literal" and len(children) == 1 and isinstance(children[0], Token):
        token = children[0]
        return ("str", str(celstr(token))) if token.type in {"STRING_LIT", "MLSTRING_LIT"} else OTHER
    if kind == "list_lit":
        items = children[0].children if children and isinstance(children[0], Tree) else []
        return ("list", [_reduce(item) for item in items])
    return OTHER


def _claim(node: Node, mapping: Mapping[str, Any]) -> str | None:
    """The GitHub claim a path reads: assertion.X directly, or an attribute mapped from exactly assertion.X."""
    if node[0] != "path":
        return None
    path = node[1]
    if path.startswith(("attribute.", "google.")):
        source = mapping.get(path)
        path = source.strip() if isinstance(source, str) else ""
    root, _, claim = path.partition(".")
    return claim if root == "assertion" and claim in SPECIFIC else None


def _specific(claim: str, value: Node) -> bool:
    return value[0] == "str" and bool(SPECIFIC[claim].match(value[1]))


def _pins(node: Node, mapping: Mapping[str, Any]) -> bool:
    """Whether every token the formula admits comes from a repository it names."""
    kind = node[0]
    if kind == "and":
        return _pins(node[1], mapping) or _pins(node[2], mapping)
    if kind == "or":
        return _pins(node[1], mapping) and _pins(node[2], mapping)
    if kind == "eq":
        for side, other in ((node[1], node[2]), (node[2], node[1])):
            claim = _claim(side, mapping)
            if claim is not None and _specific(claim, other):
                return True
        return False
    if kind == "in":
        claim = _claim(node[1], mapping)
        items = node[2][1] if node[2][0] == "list" else []
        return claim is not None and bool(items) and all(_specific(claim, item) for item in items)
    if kind == "call":
        _, target, method, args = node
        return (
            method == "startsWith" and _claim(target, mapping) == "sub" and len(args) == 1 and _specific("sub", args[0])
        )
    return False
