"""Self-hosted data store cases: a Redis and a PostgreSQL StatefulSet that meet the checklist as far as an object
can, then one change per case; stack cases for the PostgreSQL backup CronJob."""

from __future__ import annotations

from typing import Any

from agencyos_policy.kubernetes.datastores import CRON_JOB, DEPLOYMENT, STATEFUL_SET, VELERO_SCHEDULE

from agencyos_infra.wire import UNKNOWN
from tests.policy.cases import DELETE, Case, mutate
from tests.policy.stack_cases import STACK, stack

REDIS_PERSISTENCE = "kubernetes-apps-redis-persistence"
REDIS_AUTH = "kubernetes-apps-redis-auth"
POSTGRES_PERSISTENCE = "kubernetes-apps-postgres-persistence"
POSTGRES_AUTH = "kubernetes-apps-postgres-auth"
POSTGRES_BACKUP = "kubernetes-apps-postgres-backup"
SECRET_REF = {"secretKeyRef": {"name": "store", "key": "password"}}
C = "spec.template.spec.containers"


def stateful_set(container: dict[str, Any], claims: Any = ("data",)) -> dict[str, Any]:
    templates = [
        {"metadata": {"name": name}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {}}}}
        for name in claims
    ]
    spec: dict[str, Any] = {
        "serviceName": container["name"],
        "selector": {"matchLabels": {"app": container["name"]}},
        "template": {"metadata": {"labels": {"app": container["name"]}}, "spec": {"containers": [container]}},
    }
    if claims:
        spec["volumeClaimTemplates"] = templates
    return {"metadata": {"name": container["name"], "namespace": "data"}, "spec": spec}


REDIS = {
    "name": "cache",
    "image": "redis:7.2.5",
    "command": ["redis-server"],
    "args": ["--appendonly", "yes", "--requirepass", "$(REDIS_PASSWORD)"],
    "env": [{"name": "REDIS_PASSWORD", "valueFrom": SECRET_REF}],
    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
}
BITNAMI_REDIS = {
    "name": "cache",
    "image": "docker.io/bitnami/redis:7.2.5",
    "env": [{"name": "REDIS_PASSWORD", "valueFrom": SECRET_REF}],
    "volumeMounts": [{"name": "data", "mountPath": "/bitnami/redis/data"}],
}
POSTGRES = {
    "name": "db",
    "image": "postgres:16.4",
    "env": [{"name": "POSTGRES_PASSWORD", "valueFrom": SECRET_REF}, {"name": "PGDATA", "value": "/data/pg"}],
    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
}
REDIS_SET = stateful_set(REDIS)
POSTGRES_SET = stateful_set(POSTGRES)


def redis(**changes: Any) -> dict[str, Any]:
    return stateful_set({k: v for k, v in {**REDIS, **changes}.items() if v is not DELETE})


def postgres(**changes: Any) -> dict[str, Any]:
    return stateful_set({k: v for k, v in {**POSTGRES, **changes}.items() if v is not DELETE})


BACKUP_JOB = (
    CRON_JOB,
    {
        "metadata": {"name": "db-backup", "namespace": "data"},
        "spec": {
            "schedule": "0 2 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "dump",
                                    "image": "europe-docker.pkg.dev/acme/tools/backup:1.2.0",
                                    "command": ["/bin/sh", "-c", "pg_dump -Fc $DATABASE_URL | gsutil cp - gs://b/x"],
                                }
                            ]
                        }
                    }
                }
            },
        },
    },
)
OTHER_JOB = mutate(BACKUP_JOB[1], {"spec.jobTemplate.spec.template.spec.containers": [{"name": "x", "image": "a:1"}]})

FAILING = [
    Case(REDIS_PERSISTENCE, STATEFUL_SET, stateful_set(REDIS, claims=()), note="no volumeClaimTemplates"),
    Case(REDIS_PERSISTENCE, STATEFUL_SET, redis(volumeMounts=DELETE), note="the claim is not mounted"),
    Case(REDIS_PERSISTENCE, STATEFUL_SET, redis(args=["--requirepass", "$(REDIS_PASSWORD)"]), note="AOF off"),
    Case(REDIS_PERSISTENCE, STATEFUL_SET, redis(args=["--appendonly", "yes", "--save", ""]), note="RDB off"),
    Case(
        REDIS_PERSISTENCE,
        STATEFUL_SET,
        mutate(
            stateful_set(BITNAMI_REDIS),
            {f"{C}": [{**BITNAMI_REDIS, "env": [{"name": "REDIS_AOF_ENABLED", "value": "no"}]}]},
        ),
        note="Bitnami with AOF off",
    ),
    Case(
        REDIS_PERSISTENCE,
        DEPLOYMENT,
        mutate(REDIS_SET, {"spec.volumeClaimTemplates": DELETE}),
        note="a Deployment with no claim",
    ),
    Case(REDIS_AUTH, STATEFUL_SET, redis(args=["--appendonly", "yes"]), note="official image, no --requirepass"),
    Case(REDIS_AUTH, STATEFUL_SET, stateful_set({**BITNAMI_REDIS, "env": []}), note="Bitnami without REDIS_PASSWORD"),
    Case(
        REDIS_AUTH,
        STATEFUL_SET,
        stateful_set({**BITNAMI_REDIS, "env": [{"name": "ALLOW_EMPTY_PASSWORD", "value": "yes"}]}),
        note="Bitnami allowing an empty password",
    ),
    Case(POSTGRES_PERSISTENCE, STATEFUL_SET, stateful_set(POSTGRES, claims=()), note="no volumeClaimTemplates"),
    Case(
        POSTGRES_PERSISTENCE,
        STATEFUL_SET,
        mutate(
            POSTGRES_SET,
            {"spec.template.spec.volumes": [{"name": "data", "emptyDir": {}}], "spec.volumeClaimTemplates": DELETE},
        ),
        note="an emptyDir",
    ),
    Case(
        POSTGRES_AUTH,
        STATEFUL_SET,
        postgres(env=[{"name": "POSTGRES_HOST_AUTH_METHOD", "value": "trust"}]),
        note="trust",
    ),
    Case(POSTGRES_AUTH, STATEFUL_SET, postgres(env=[]), note="no password"),
    Case(POSTGRES_BACKUP, STACK, stack((STATEFUL_SET, POSTGRES_SET)), note="no backup CronJob"),
    Case(
        POSTGRES_BACKUP, STACK, stack((STATEFUL_SET, POSTGRES_SET), (CRON_JOB, OTHER_JOB)), note="an unrelated CronJob"
    ),
]
PASSING = [
    Case(REDIS_PERSISTENCE, STATEFUL_SET, REDIS_SET, note="claim, AOF on"),
    Case(REDIS_PERSISTENCE, STATEFUL_SET, redis(args=["--appendonly=yes"]), note="--flag=value"),
    Case(REDIS_PERSISTENCE, STATEFUL_SET, stateful_set(BITNAMI_REDIS), note="Bitnami: AOF on by default"),
    Case(
        REDIS_PERSISTENCE,
        DEPLOYMENT,
        mutate(
            REDIS_SET,
            {
                "spec.volumeClaimTemplates": DELETE,
                "spec.template.spec.volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "cache"}}],
            },
        ),
        note="a Deployment mounting a claim",
    ),
    Case(REDIS_PERSISTENCE, STATEFUL_SET, POSTGRES_SET, note="not Redis: not judged"),
    Case(
        REDIS_PERSISTENCE, STATEFUL_SET, redis(image="ghcr.io/acme/cache:1.0.0", args=[]), note="own image: not judged"
    ),
    Case(REDIS_PERSISTENCE, STATEFUL_SET, redis(volumeMounts=UNKNOWN), note="mounts unknown at preview: advisory"),
    Case(REDIS_AUTH, STATEFUL_SET, REDIS_SET, note="--requirepass from a Secret"),
    Case(REDIS_AUTH, STATEFUL_SET, stateful_set(BITNAMI_REDIS), note="Bitnami REDIS_PASSWORD"),
    Case(POSTGRES_PERSISTENCE, STATEFUL_SET, POSTGRES_SET, note="claim mounted"),
    Case(
        POSTGRES_PERSISTENCE,
        STATEFUL_SET,
        stateful_set({**POSTGRES, "image": "bitnami/postgresql:16.4.0"}),
        note="Bitnami",
    ),
    Case(POSTGRES_AUTH, STATEFUL_SET, POSTGRES_SET, note="password from a Secret"),
    Case(
        POSTGRES_AUTH,
        STATEFUL_SET,
        postgres(env=[{"name": "POSTGRES_PASSWORD_FILE", "value": "/run/secrets/pg"}]),
        note="password file",
    ),
    Case(POSTGRES_BACKUP, STACK, stack((STATEFUL_SET, POSTGRES_SET), BACKUP_JOB), note="a pg_dump CronJob"),
    Case(POSTGRES_BACKUP, STACK, stack((STATEFUL_SET, POSTGRES_SET), (VELERO_SCHEDULE, {"spec": {}})), note="Velero"),
    Case(POSTGRES_BACKUP, STACK, stack((STATEFUL_SET, REDIS_SET)), note="a cache needs no backup CronJob"),
]
