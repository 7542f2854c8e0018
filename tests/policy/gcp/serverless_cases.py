"""Cloud Run and Cloud Functions cases: a compliant baseline per kind (plain settings beside Secret Manager
references) and one credential or unknown per failing case."""

from __future__ import annotations

from typing import Any

from agencyos_policy.gcp.serverless import (
    CLOUDRUN_SERVICE,
    CLOUDRUNV2_JOB,
    CLOUDRUNV2_SERVICE,
    CLOUDRUNV2_WORKER_POOL,
    FUNCTION,
    FUNCTION_V2,
)

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import Case

RUN, FUNCTIONS = "gcp-cloudrun-container-no-credentials", "gcp-cloudfunctions-function-no-credentials"

STRIPE_LIVE = "sk_live_" + "51Qa" + "PLACEHOLDERplaceholder0000"  # split: a placeholder, not a key
WEBHOOK_SECRET = "whsec_" + "PLACEHOLDERplaceholder"
DATABASE_URL = "postgresql://app:" + "placeholder-password" + "@10.0.0.3:5432/app"
PLAIN = {"ENVIRONMENT": "production", "LOG_LEVEL": "INFO", "BACKEND_URL": "https://api.example.com"}


def v1_envs(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Cloud Run v1 envs: plain settings, a Secret Manager reference, then ``extra``."""
    secret = {"name": "STRIPE_API_KEY", "valueFrom": {"secretKeyRef": {"name": "stripe-api-key", "key": "latest"}}}
    return [*({"name": k, "value": v} for k, v in PLAIN.items()), secret, *extra]


def v2_envs(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Cloud Run v2 envs: plain settings, a Secret Manager reference, then ``extra``."""
    secret = {
        "name": "STRIPE_WEBHOOK_SECRET",
        "valueSource": {"secretKeyRef": {"secret": "stripe-webhook-secret", "version": "latest"}},
    }
    return [*({"name": k, "value": v} for k, v in PLAIN.items()), secret, *extra]


def cloudrun_v1(envs: Any) -> dict[str, Any]:
    return {"location": "europe-west1", "template": {"spec": {"containers": [{"image": "app:1.4.2", "envs": envs}]}}}


def cloudrun_v2(envs: Any, *, job: bool = False) -> dict[str, Any]:
    template = {"containers": [{"image": "app:1.4.2"}, {"image": "proxy:2.0.1", "envs": envs}]}
    return {"location": "europe-west1", "template": {"template": template} if job else template}


def function_v1(variables: Any, *, build: Any = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "runtime": "python312",
        "entryPoint": "handler",
        "environmentVariables": variables,
        "secretEnvironmentVariables": [{"key": "STRIPE_API_KEY", "secret": "stripe-api-key", "version": "latest"}],
    }
    return props if build is None else {**props, "buildEnvironmentVariables": build}


def function_v2(variables: Any, *, build: Any = None) -> dict[str, Any]:
    service = {
        "environmentVariables": variables,
        "secretEnvironmentVariables": [
            {"key": "STRIPE_WEBHOOK_SECRET", "projectId": "p", "secret": "stripe-webhook-secret", "version": "latest"}
        ],
    }
    build_config: dict[str, Any] = {"runtime": "python312", "entryPoint": "handler"}
    if build is not None:
        build_config["environmentVariables"] = build
    return {"location": "europe-west1", "serviceConfig": service, "buildConfig": build_config}


def env(name: str, value: Any) -> dict[str, Any]:
    return {"name": name, "value": value}


FAILING = [
    Case(RUN, CLOUDRUN_SERVICE, cloudrun_v1(v1_envs(env("STRIPE_KEY", STRIPE_LIVE))), note="v1 stripe live key"),
    Case(RUN, CLOUDRUN_SERVICE, cloudrun_v1(v1_envs(env("HOOK", WEBHOOK_SECRET))), note="v1 webhook secret"),
    Case(RUN, CLOUDRUN_SERVICE, cloudrun_v1(v1_envs(env("SENTRY_DSN", UNKNOWN))), note="v1 unknown value"),
    Case(RUN, CLOUDRUN_SERVICE, cloudrun_v1(UNKNOWN), note="v1 unknown envs"),
    Case(RUN, CLOUDRUNV2_SERVICE, cloudrun_v2(v2_envs(env("STRIPE_API_KEY", STRIPE_LIVE))), note="v2 stripe key"),
    Case(RUN, CLOUDRUNV2_SERVICE, cloudrun_v2(v2_envs(env("DATABASE_URL", DATABASE_URL))), note="v2 password URL"),
    Case(RUN, CLOUDRUNV2_SERVICE, {"template": {"containers": UNKNOWN}}, note="v2 unknown containers"),
    Case(RUN, CLOUDRUNV2_WORKER_POOL, cloudrun_v2(v2_envs(env("HOOK", WEBHOOK_SECRET))), note="worker pool"),
    Case(
        RUN,
        CLOUDRUNV2_JOB,
        cloudrun_v2(v2_envs(env("STRIPE_WEBHOOK", WEBHOOK_SECRET)), job=True),
        note="v2 job webhook secret",
    ),
    Case(FUNCTIONS, FUNCTION, function_v1({**PLAIN, "STRIPE_API_KEY": STRIPE_LIVE}), note="v1 stripe key"),
    Case(FUNCTIONS, FUNCTION, function_v1(PLAIN, build={"HOOK": WEBHOOK_SECRET}), note="v1 build env"),
    Case(FUNCTIONS, FUNCTION, function_v1(UNKNOWN), note="v1 unknown map"),
    Case(FUNCTIONS, FUNCTION_V2, function_v2({**PLAIN, "HOOK": WEBHOOK_SECRET}), note="v2 webhook secret"),
    Case(FUNCTIONS, FUNCTION_V2, function_v2(PLAIN, build={"KEY": STRIPE_LIVE}), note="v2 build env"),
    Case(FUNCTIONS, FUNCTION_V2, function_v2({**PLAIN, "TOKEN": UNKNOWN}), note="v2 unknown value"),
]
PASSING = [
    Case(RUN, CLOUDRUN_SERVICE, cloudrun_v1(v1_envs()), note="v1 settings and a secret reference"),
    Case(RUN, CLOUDRUN_SERVICE, {"location": "europe-west1", "template": {"spec": {}}}, note="v1 no containers"),
    Case(RUN, CLOUDRUNV2_SERVICE, cloudrun_v2(v2_envs()), note="v2 settings and a secret reference"),
    Case(RUN, CLOUDRUNV2_WORKER_POOL, cloudrun_v2(v2_envs()), note="worker pool settings"),
    Case(RUN, CLOUDRUNV2_JOB, cloudrun_v2(v2_envs(), job=True), note="v2 job settings and a secret reference"),
    Case(RUN, CLOUDRUNV2_JOB, cloudrun_v2(None, job=True), note="v2 job without envs"),
    Case(FUNCTIONS, FUNCTION, function_v1(PLAIN, build={"GOOGLE_NODE_RUN_SCRIPTS": ""}), note="v1 settings"),
    Case(FUNCTIONS, FUNCTION, function_v1(None), note="v1 no environment"),
    Case(FUNCTIONS, FUNCTION_V2, function_v2(PLAIN), note="v2 settings and secret environment variables"),
]
