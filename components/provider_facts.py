"""Protocol, GCP and GKE facts the components build on: fixed by the services, not chosen and not the checklist's.

Some equal a checklist number (HTTP's port 80 and HTTPS' 443 are also the firewall ports checklist
8.infrastructure-security.2.1 opens); a Service port or an egress rule uses them because of what
the protocol or service is, not because of the firewall rule, so they are named here, each citing
its source, and the repeated-number test (tests/policy/test_checklist_catalogue.py) skips every
``provider_facts.py`` module.
"""

from __future__ import annotations

from typing import Final

# IANA service name registry: http 80/tcp, https 443/tcp, domain 53/udp+tcp, postgresql 5432/tcp.
# https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xhtml
HTTP_PORT: Final = 80
# https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xhtml
HTTPS_PORT: Final = 443
# https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xhtml
DNS_PORT: Final = 53
# Cloud SQL private IP listens on PostgreSQL's port.
# https://cloud.google.com/sql/docs/postgres/configure-private-ip
POSTGRES_PORT: Final = 5432
# Memorystore for Redis: 6379, or 6378 when in-transit encryption (TLS) is on.
# https://cloud.google.com/memorystore/docs/redis/about-in-transit-encryption
REDIS_PORTS: Final = (6378, 6379)
# The GKE metadata server (Workload Identity tokens) as GKE Dataplane V2 network policies see it.
# https://cloud.google.com/kubernetes-engine/docs/how-to/network-policy#network-policy-and-workload-identity
GKE_METADATA_SERVER: Final = ("169.254.169.252/32", 988)
# The Compute Engine metadata server the GKE one stands in for, on plain HTTP.
# https://cloud.google.com/compute/docs/metadata/querying-metadata
GCE_METADATA_SERVER: Final = ("169.254.169.254/32", HTTP_PORT)
# cert-manager's ACME HTTP-01 solver pods: created in the Certificate's namespace, labelled, listening on
# 8089 (acmeSolverListenPort, pkg/issuer/acme/http/http.go); the ingress controller proxies challenges to them.
# https://cert-manager.io/docs/installation/best-practice/#network-requirements
ACME_HTTP01_SOLVER_LABEL: Final = ("acme.cert-manager.io/http01-solver", "true")
# https://github.com/cert-manager/cert-manager/blob/master/pkg/issuer/acme/http/http.go (acmeSolverListenPort)
ACME_HTTP01_SOLVER_PORT: Final = 8089
# HTTP 429 Too Many Requests (RFC 6585 §4): the answer clients and the go-live verifier expect past a rate
# limit; ingress-nginx answers 503 unless limit-req-status-code says otherwise.
# https://www.rfc-editor.org/rfc/rfc6585#section-4
TOO_MANY_REQUESTS: Final = 429
# Mail submission to a relay (SendGrid, Mailgun...): 587 with STARTTLS (RFC 6409) or 465 with implicit TLS
# (RFC 8314); never port 25, which GCP blocks for egress.
# https://www.rfc-editor.org/rfc/rfc8314#section-3.3
SMTP_SUBMISSION_PORTS: Final = (587, 465)
# PostgreSQL keeps this many of max_connections for superusers (superuser_reserved_connections, default 3).
# https://www.postgresql.org/docs/current/runtime-config-connection.html#GUC-SUPERUSER-RESERVED-CONNECTIONS
POSTGRES_SUPERUSER_RESERVED_CONNECTIONS: Final = 3
# GitHub's rules for an owner/name: owner 1-39 letters, digits, hyphens (not first); name 1-100 letters,
# digits, '.', '_', '-'. An OIDC token's repository claim has this shape.
# https://docs.github.com/en/actions/reference/security/oidc#understanding-the-oidc-token
GITHUB_REPOSITORY_PATTERN: Final = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"
