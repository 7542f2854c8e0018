"""The shapes of names and addresses the settings accept, defined once for every component.

Plain strings (``Field(pattern=...)`` takes them); ``re.fullmatch(PATTERN, value, re.ASCII)`` where a
validator checks by hand. Deliberately simple: they refuse typos and injection (spaces, commas, schemes
where a host belongs) before anything is created, not every value a standard would allow.
"""

from __future__ import annotations

from typing import Final

DNS_LABEL: Final = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
"""A Kubernetes namespace or object name (RFC 1123 label)."""
HOSTNAME: Final = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
"""A fully qualified host name, lower case, without a trailing dot."""
EMAIL: Final = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
"""An email address: one address, no display name, no list."""
HTTPS_ORIGIN: Final = r"^https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]{1,5})?$"
"""An https origin: scheme, host and optional port; no path, no wildcard."""
SECRET_ID: Final = r"^[A-Za-z0-9_-]{1,255}$"
"""A Secret Manager secret id."""
