"""Observability policies (checklist §6, §8 audit logging): the six alerting rules, uptime checks,
Cloud Monitoring alert routing, log retention and audit logs.

``alerts`` and ``uptime`` hold cross-provider rules (a rule may be a Kubernetes PrometheusRule or a Cloud
Monitoring AlertPolicy), named ``observability-...``; ``monitoring`` and ``logs`` the Cloud Monitoring and
Cloud Logging rules, named ``gcp-monitoring-...`` and ``gcp-logging-...``.
"""
