"""Kubernetes facts the policies judge absent fields by: what the API server defaults, not what the checklist asks.

Some equal a checklist number by coincidence (the HPA's default 80 % CPU target and Redis' 80 %
maxmemory); they are not checklist numbers, so they live here, each citing the Kubernetes
documentation that states it, and the repeated-number test (tests/policy/test_checklist_catalogue.py)
skips every ``provider_facts.py`` module.
"""

from __future__ import annotations

from typing import Final

# A probe's periodSeconds when unset: "Defaults to 10 seconds."
# https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes
DEFAULT_PROBE_PERIOD_SECONDS: Final = 10
# An HPA's minReplicas when unset: "It defaults to 1 pod."
# https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
DEFAULT_HPA_MIN_REPLICAS: Final = 1
# An HPA's target when no metrics are set: "the default metric will be set to 80% average CPU utilization."
# The same default applies to an autoscaling/v1 HPA without targetCPUUtilizationPercentage ("if not specified
# the default autoscaling policy will be used"; https://kubernetes.io/docs/reference/kubernetes-api/
# workload-resources/horizontal-pod-autoscaler-v1/).
# https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
DEFAULT_HPA_CPU_PERCENT: Final = 80
