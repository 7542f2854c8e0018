"""Kubernetes policies: workloads (pods, autoscaling, configuration) and namespaces."""
