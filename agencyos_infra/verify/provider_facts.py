"""Protocol facts the verifier relies on (what a standard fixes, not what the checklist asks), each cited.

Kept apart like the other ``provider_facts`` modules: HTTPS's port equals the firewall number the checklist
states, and the repeated-number test skips these modules.
"""

from __future__ import annotations

# The ports and status codes are the program's own facts (components/provider_facts.py): one definition.
from components.provider_facts import DNS_PORT, HTTP_PORT, HTTPS_PORT, TOO_MANY_REQUESTS

# https://www.rfc-editor.org/rfc/rfc1035#section-3.3 (a <character-string> holds at most 255 octets)
TXT_STRING_MAX = 255

__all__ = ["DNS_PORT", "HTTPS_PORT", "HTTP_PORT", "TOO_MANY_REQUESTS", "TXT_STRING_MAX"]
