"""Physical names: every one starts with the stack's prefix, never with a random suffix."""

import re
from typing import Final

NAME_PREFIX_PATTERN: Final = r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$"
"""Lowercase letters, digits and hyphens, 3 to 40 characters, e.g. agencyos-prod."""


def check_name_prefix(prefix: str) -> str:
    """The prefix, or ValueError saying what a prefix allows (never echoing the value)."""
    if not re.fullmatch(NAME_PREFIX_PATTERN, prefix, re.ASCII):
        raise ValueError("name_prefix must be 3-40 lowercase letters, digits and hyphens, starting with a letter")
    return prefix
