"""A payments team's serverless stack: a checkout API on Cloud Run (v1 and v2), a nightly reconciliation job and
two webhook functions. Some credentials were pasted into plain environment variables; the others read Secret
Manager, as the checklist asks."""

import pulumi_gcp as gcp

REGION = "europe-west1"
IMAGE = "europe-docker.pkg.dev/example-dev/apps/checkout:2.3.1"
# Credentials assembled here so no scanner flags this file; a real team would have pasted the literal.
stripe_live_key = "sk_" + "live_" + "Qz4" * 8
webhook_secret = "whsec_" + "Mn8" * 8

stripe_key = gcp.secretmanager.Secret("stripe-api-key", secret_id="stripe-api-key", replication={"auto": {}})
hook_secret = gcp.secretmanager.Secret(
    "stripe-webhook-secret", secret_id="stripe-webhook-secret", replication={"auto": {}}
)
settings = [
    {"name": "ENVIRONMENT", "value": "production"},
    {"name": "BACKEND_URL", "value": "https://api.example.com"},
]

# Cloud Run v2: the key read from Secret Manager (passes) ...
gcp.cloudrunv2.Service(
    "checkout",
    location=REGION,
    template={
        "containers": [
            {
                "image": IMAGE,
                "envs": [
                    *settings,
                    {
                        "name": "STRIPE_API_KEY",
                        "value_source": {"secret_key_ref": {"secret": stripe_key.secret_id, "version": "latest"}},
                    },
                ],
            }
        ]
    },
)
# ... and a copy whose key is plain (fails).
gcp.cloudrunv2.Service(
    "checkout-canary",
    location=REGION,
    template=gcp.cloudrunv2.ServiceTemplateArgs(
        containers=[
            gcp.cloudrunv2.ServiceTemplateContainerArgs(
                image=IMAGE,
                envs=[
                    gcp.cloudrunv2.ServiceTemplateContainerEnvArgs(name="ENVIRONMENT", value="production"),
                    gcp.cloudrunv2.ServiceTemplateContainerEnvArgs(name="STRIPE_API_KEY", value=stripe_live_key),
                ],
            )
        ]
    ),
)
# Cloud Run v1, the older API: the webhook secret plain (fails).
gcp.cloudrun.Service(
    "checkout-legacy",
    location=REGION,
    template={
        "spec": {
            "containers": [
                {"image": IMAGE, "envs": [*settings, {"name": "STRIPE_WEBHOOK_SECRET", "value": webhook_secret}]}
            ]
        }
    },
)
# The nightly job: plain key (fails).
gcp.cloudrunv2.Job(
    "reconcile",
    location=REGION,
    template={
        "template": {"containers": [{"image": IMAGE, "envs": [{"name": "STRIPE_API_KEY", "value": stripe_live_key}]}]}
    },
)

# Cloud Functions: 2nd gen reads the webhook secret from Secret Manager (passes); 1st gen has it plain (fails).
gcp.cloudfunctionsv2.Function(
    "stripe-webhook",
    location=REGION,
    build_config={"runtime": "python312", "entry_point": "handle"},
    service_config={
        "environment_variables": {"ENVIRONMENT": "production"},
        "secret_environment_variables": [
            {
                "key": "STRIPE_WEBHOOK_SECRET",
                "project_id": "example-dev",
                "secret": hook_secret.secret_id,
                "version": "latest",
            }
        ],
    },
)
gcp.cloudfunctions.Function(
    "stripe-webhook-v1",
    runtime="python312",
    entry_point="handle",
    region=REGION,
    environment_variables={"ENVIRONMENT": "production", "STRIPE_WEBHOOK_SECRET": webhook_secret},
)
