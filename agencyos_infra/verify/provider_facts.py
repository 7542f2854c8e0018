"""Protocol facts the verifier relies on (what a standard fixes, not what the checklist asks), each cited.

Kept apart like the other ``provider_facts`` modules: HTTPS's port equals the firewall number the checklist
states, and the repeated-number test skips these modules. Not shared with ``components/provider_facts.py``:
the verifier is part of the installed ``agencyos_infra`` package, which cannot import the program's modules.
"""

from __future__ import annotations

# https://www.rfc-editor.org/rfc/rfc9110#section-4.2.2 (the https scheme's default port)
HTTPS_PORT = 443
# https://www.rfc-editor.org/rfc/rfc9110#section-4.2.1 (the http scheme's default port)
HTTP_PORT = 80
# https://www.rfc-editor.org/rfc/rfc1035#section-4.2 (DNS over UDP and TCP)
DNS_PORT = 53
# https://www.rfc-editor.org/rfc/rfc1035#section-3.3 (a <character-string> holds at most 255 octets)
TXT_STRING_MAX = 255
