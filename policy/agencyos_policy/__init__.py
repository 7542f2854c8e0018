"""AgencyOS production checklist policies. ``ALL_POLICIES`` is what the pack enforces.

Importing a provider's modules registers their policies (``registry.REGISTRY``); a new module is
listed in ``POLICY_MODULES``.
"""

# [network-iam] policy module imports go above this line
# [cache-storage] policy module imports go above this line
# [runtime-cluster] policy module imports go above this line
from agencyos_policy import stack
from agencyos_policy.cloudflare import dns
from agencyos_policy.gcp import (
    cloudsql,
    compute,
    container,
    iam,
    loadbalancing,
    memorystore,
    secretmanager,
    serverless,
    storage,
    workload_identity,
)
from agencyos_policy.kubernetes import (
    controllers,
    datastores,
    gkeingress,
    helm,
    ingress,
    namespaces,
    nginxinc,
    tls,
    workloads,
)

# [runtime-workloads] policy module imports go above this line
# [edge-dns] policy module imports go above this line
# [edge-tls] policy module imports go above this line
# [edge-ingress] policy module imports go above this line
# [obs-metrics] policy module imports go above this line
# [obs-uptime] policy module imports go above this line
# [obs-logs] policy module imports go above this line
from agencyos_policy.observability import alerts, channels, logs, monitoring, uptime

# [obs-policies] policy module imports go above this line
from agencyos_policy.registry import REGISTRY, build_policies

POLICY_MODULES = (
    cloudsql,
    compute,
    iam,
    # [network-iam] modules above this line
    memorystore,
    storage,
    # [cache-storage] modules above this line
    container,
    # [runtime-cluster] modules above this line
    secretmanager,
    workloads,
    namespaces,
    datastores,
    stack,
    # [runtime-workloads] modules above this line
    dns,
    # [edge-dns] modules above this line
    helm,
    tls,
    # [edge-tls] modules above this line
    ingress,
    controllers,
    nginxinc,
    gkeingress,
    # [edge-ingress] modules above this line
    # [obs-metrics] modules above this line
    # [obs-uptime] modules above this line
    # [obs-logs] modules above this line
    alerts,
    uptime,
    monitoring,
    channels,
    logs,
    # [obs-policies] modules above this line
    serverless,
    loadbalancing,
    workload_identity,
)
ALL_POLICIES = build_policies()

__all__ = ["ALL_POLICIES", "POLICY_MODULES", "REGISTRY"]
