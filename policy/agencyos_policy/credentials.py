"""What a configuration value that is a credential looks like: the rule every "no credentials in plain
configuration" policy shares (Kubernetes ConfigMaps and container env, Cloud Run and Cloud Functions env).

Checklist 8.infrastructure-security.3.2, "Never store secrets in environment variables or code". Precise on
purpose, so it can be mandatory: known prefixes (Stripe's ``sk_live_``/``rk_live_`` and ``whsec_``, Google API
keys, OpenAI and Anthropic keys), PEM private keys, passwords in URLs, and long random tokens.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_CREDENTIALS = (
    ("a Stripe live key", re.compile(r"\b[rs]k_live_[0-9A-Za-z]{8,}", re.ASCII)),
    ("a Stripe webhook secret", re.compile(r"\bwhsec_[0-9A-Za-z+/=]{8,}", re.ASCII)),
    ("a private key", re.compile(r"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----", re.ASCII)),
    ("a URL with a password", re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.ASCII)),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b", re.ASCII)),
    ("an OpenAI or Anthropic key", re.compile(r"\bsk-(ant-|proj-)?[0-9A-Za-z_-]{20,}", re.ASCII)),
)
_TOKEN = re.compile(r"^[A-Za-z0-9+/=_.-]{32,}$", re.ASCII)
MIN_TOKEN_ENTROPY_BITS = 4.2
"""Bits per character above which a long, space-free mix of letters and digits is a random token.

Hex (max 4.0) and ordinary identifiers, hostnames and paths stay below; base64 and base62 secrets of
32+ characters sit around 4.5-5.5."""


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def credential_kind(value: str) -> str | None:
    """What credential a value looks like, or None. Precise on purpose: prefixes, PEM, URL passwords, tokens."""
    for kind, pattern in _CREDENTIALS:
        if pattern.search(value):
            return kind
    if (
        _TOKEN.match(value)
        and re.search(r"[0-9]", value)
        and re.search(r"[A-Za-z]", value)
        and _entropy(value) >= MIN_TOKEN_ENTROPY_BITS
    ):
        return "a long random token"
    return None
