"""Policies on Google Cloud resources, one module per service (cloudsql; later memorystore...)."""
