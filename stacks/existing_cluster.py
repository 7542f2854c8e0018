"""The kubeconfig of an existing cluster (``agencyos-infra:cluster.existingKubeconfigSecret``).

Read here, in stacks/, because components never read config. The settings check that the key is
set when an existing cluster is used; this checks that it was set as a secret, so the credentials
never sit in a stack file in plain text, and hands it on as a secret Output.
"""

from __future__ import annotations

import pulumi
from pulumi.runtime.config import is_config_secret

from stacks.settings import NAMESPACE, config_key

KUBECONFIG_KEY = "kubeconfig"


def existing_kubeconfig() -> pulumi.Output[str]:
    """The secret kubeconfig; RunError (one line, no traceback) if it is not stored as a secret."""
    if not is_config_secret(config_key(KUBECONFIG_KEY)):
        raise pulumi.RunError(
            f"{config_key(KUBECONFIG_KEY)} must be a secret: `pulumi config set --secret {KUBECONFIG_KEY} "
            "< kubeconfig.yaml`"
        )
    return pulumi.Config(NAMESPACE).require_secret(KUBECONFIG_KEY)
