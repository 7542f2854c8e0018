"""Whether a stack has the concern an alert watches: a database (for the connections alert) and payments (for the
failed-webhook alert). The checklist's six alerts are for the application it describes; a stack that runs no
database needs no rule on database connections, one that takes no payments none on payment webhooks.

- A database: a Cloud SQL instance or an AlloyDB cluster or instance; a CloudNativePG ``Cluster``; a container
  running a database image (``kubernetes.datastores``); or the application's ``DATABASE_URL`` (an environment
  variable of a workload, a Cloud Run service or job, a Cloud Function, or a Secret Manager secret of that name).
- Payments: an environment variable or a Secret Manager secret of one of the checklist's payment gateway variables
  (Stripe, PayPal, Gumroad, §1), any variable named ``STRIPE_*``, ``PAYPAL_*`` or ``GUMROAD_*``, or an Ingress
  path naming a gateway or payments (``/api/webhooks/stripe``). The policy config ``paymentsServed`` overrides
  it (``yes``/``no``).

Each finder returns why the stack has the concern (for the message), or None.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from agencyos_checklist.secrets import SENSITIVE_VARIABLES

from agencyos_policy.kubernetes.datastores import MYSQL, POSTGRES, engine_of
from agencyos_policy.props import ABSENT, UNKNOWN, items, lookup
from agencyos_policy.registry import StackSubject

SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
ALLOYDB = ("gcp:alloydb/cluster:Cluster", "gcp:alloydb/instance:Instance")
CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster"
SECRET = "gcp:secretmanager/secret:Secret"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
DATABASE_VARIABLE = "DATABASE_URL"
PAYMENT_ITEM = "1.payment-gateway-configuration."
PAYMENT_VARIABLES = frozenset(v.name for v in SENSITIVE_VARIABLES if v.item.startswith(PAYMENT_ITEM))
PAYMENT_PREFIXES = ("STRIPE_", "PAYPAL_", "GUMROAD_")
PAYMENT_WORDS = frozenset({"stripe", "paypal", "gumroad", "payment", "payments", "billing"})
_MAX_DEPTH = 12


def _nodes(node: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """Every mapping inside a resource's properties (unknown parts skipped)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, Mapping):
        yield node
        children = [lookup(node, key) for key in list(node.keys())]
    elif isinstance(node, Sequence) and not isinstance(node, str):
        children = [lookup(node, index) for index in range(len(node))]
    else:
        return
    for child in children:
        if child is not ABSENT and child is not UNKNOWN:
            yield from _nodes(child, depth + 1)


def _variables(node: Mapping[str, Any]) -> Iterator[str]:
    """Environment variable names a node declares: Kubernetes ``env``, Cloud Run ``envs``, Cloud Functions maps."""
    for key in ("env", "envs", "secretEnvironmentVariables"):
        listed = items(node, key)
        for entry in listed if isinstance(listed, list) else []:
            name = lookup(entry, "name")
            name = lookup(entry, "key") if name is ABSENT else name
            if isinstance(name, str):
                yield name
    for key in ("environmentVariables", "secretEnvironmentVariables"):
        mapping = lookup(node, key)
        if isinstance(mapping, Mapping):
            yield from (str(name) for name in list(mapping.keys()))


def _secret_names(subject: StackSubject) -> list[str]:
    names = [lookup(secret.props, "secretId") for secret in subject.of_type(SECRET)]
    return [name.upper().replace("-", "_") for name in names if isinstance(name, str)]


def has_database(subject: StackSubject) -> str | None:
    for resource in subject.resources:
        kind = resource.resource_type
        if kind == SQL_INSTANCE:
            return f"it defines the Cloud SQL instance {resource.name}"
        if kind in ALLOYDB:
            return f"it defines the AlloyDB {kind.rsplit(':', 1)[1]} {resource.name}"
        if kind == CNPG_CLUSTER:
            return f"it defines the CloudNativePG cluster {resource.name}"
        for node in _nodes(resource.props):
            if engine_of(lookup(node, "image")) in (POSTGRES, MYSQL):
                return f"{resource.name} runs a database image"
            if DATABASE_VARIABLE in _variables(node):
                return f"{resource.name} sets {DATABASE_VARIABLE}"
    if any(name.endswith(DATABASE_VARIABLE) for name in _secret_names(subject)):
        return f"a Secret Manager secret holds {DATABASE_VARIABLE}"
    return None


def _payment_variable(name: str) -> bool:
    return name in PAYMENT_VARIABLES or name.startswith(PAYMENT_PREFIXES)


def serves_payments(subject: StackSubject) -> str | None:
    for resource in subject.resources:
        for node in _nodes(resource.props):
            found = next((name for name in _variables(node) if _payment_variable(name)), None)
            if found:
                return f"{resource.name} sets {found}"
    for name in _secret_names(subject):
        if any(name.endswith(variable) for variable in PAYMENT_VARIABLES):
            return f"a Secret Manager secret holds {next(v for v in PAYMENT_VARIABLES if name.endswith(v))}"
    for ingress in subject.of_type(INGRESS):
        rules = items(ingress.props, "spec", "rules")
        for rule in rules if isinstance(rules, list) else []:
            paths = items(rule, "http", "paths")
            for path in paths if isinstance(paths, list) else []:
                text = lookup(path, "path")
                if isinstance(text, str) and PAYMENT_WORDS & set(text.lower().split("/")):
                    return f"the Ingress {ingress.name} routes a payment path"
    return None
