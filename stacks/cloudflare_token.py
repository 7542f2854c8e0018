"""The Cloudflare API token of cert-manager's DNS-01 solver (``agencyos-infra:certificates.solver``).

Read here, in stacks/, because components never read config, and only when the DNS-01 solver is
chosen. The settings check that the key is set with that solver and only with it; this checks that it
was set as a secret, so the token never sits in a stack file in plain text, and hands it on as a
secret Output.
"""

from __future__ import annotations

import pulumi
from pulumi.runtime.config import is_config_secret

from stacks.settings import NAMESPACE, config_key

CLOUDFLARE_API_TOKEN_KEY = "cloudflareApiToken"


def cloudflare_api_token() -> pulumi.Output[str]:
    """The secret token; RunError (one line, no traceback) if it is not stored as a secret."""
    key = config_key("cloudflare_api_token")
    if not is_config_secret(key):
        raise pulumi.RunError(
            f"{key} must be a secret: `pulumi config set --secret {CLOUDFLARE_API_TOKEN_KEY} <token>` (a Cloudflare "
            "API token with Zone:DNS:Edit on the zone)"
        )
    return pulumi.Config(NAMESPACE).require_secret(CLOUDFLARE_API_TOKEN_KEY)
