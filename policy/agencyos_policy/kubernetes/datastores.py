"""Self-hosted data stores: which container images run a database or a cache, and what the checklist asks of them.

The checklist's Redis and PostgreSQL demands (persistence, a password, daily backups) are met by a managed service
the gcp policies judge; a StatefulSet (or Deployment) running the database itself cannot prove them from the object,
so each is reported, advisory, with what is missing: no volume claim mounted (no persistence), Redis without
``--appendonly yes`` or ``--requirepass`` (Bitnami: ``REDIS_AOF_ENABLED``, ``REDIS_PASSWORD``), PostgreSQL with trust
authentication or no password, and no backup CronJob (or Velero Schedule) in the stack. Values unknown at preview
pass (advisory).

Recognised by the image's repository, whatever registry serves it (Docker Hub's official images, which have no
owner or ``library``; Bitnami's, also under ``bitnamilegacy`` since Bitnami moved its free images there in 2025;
PostGIS; Redis Stack; Valkey). A team's own image built on one of these is not recognised: its name says nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from pulumi_policy import Severity

from agencyos_policy.props import ABSENT, UNKNOWN, dotted, items, lookup
from agencyos_policy.registry import ADVISORY, StackSubject, Subject, resource_policy, stack_policy

POSTGRES, REDIS, MYSQL = "postgres", "redis", "mysql"
_OFFICIAL = ("library",)
_BITNAMI = ("bitnami", "bitnamilegacy")
# (owner, repository) -> the engine it runs.
IMAGES: Final = {
    **{(owner, "postgres"): POSTGRES for owner in _OFFICIAL},
    **{(owner, "postgresql"): POSTGRES for owner in _BITNAMI},
    ("postgis", "postgis"): POSTGRES,
    **{(owner, "redis"): REDIS for owner in (*_OFFICIAL, *_BITNAMI)},
    ("redis", "redis-stack-server"): REDIS,
    ("redis", "redis-stack"): REDIS,
    ("valkey", "valkey"): REDIS,
    **{(owner, "valkey"): REDIS for owner in _BITNAMI},
    **{(owner, name): MYSQL for owner in (*_OFFICIAL, *_BITNAMI) for name in ("mysql", "mariadb")},
}


def engine_of(image: object) -> str | None:
    """The data store an image runs (POSTGRES, REDIS, MYSQL), or None."""
    if not isinstance(image, str) or not image:
        return None
    parts = image.split("@", 1)[0].split("/")
    last = parts[-1]
    parts[-1] = last.split(":", 1)[0]
    # A first part with a dot or a port, or localhost, is a registry host (docker.io, mirror.gcr.io, ...).
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    owner = parts[-2] if len(parts) > 1 else "library"
    return IMAGES.get((owner.lower(), parts[-1].lower()))


# --- what the checklist asks of a data store, read from a self-hosted one -----------------------------------------

STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CRON_JOB = "kubernetes:batch/v1:CronJob"
VELERO_SCHEDULE = "kubernetes:velero.io/v1:Schedule"
WORKLOADS = (STATEFUL_SET, DEPLOYMENT)
BACKUP_TOOLS = ("pg_dump", "pg_dumpall", "pg_basebackup", "pgbackrest", "wal-g", "barman", "mysqldump", "mariadb-dump")

datastore_policy = partial(resource_policy, resource_types=WORKLOADS, level=ADVISORY, tags=("kubernetes", "datastores"))


@dataclass(frozen=True)
class Store:
    """A data store container of a workload: its engine, where it sits, and what it runs with."""

    engine: str
    path: tuple[str | int, ...]
    container: Any
    bitnami: bool

    def words(self) -> list[str]:
        """Its command and args, as the words the server starts with."""
        found: list[str] = []
        for key in ("command", "args"):
            listed = items(self.container, key)
            found += [str(word) for word in listed if isinstance(word, str)] if isinstance(listed, list) else []
        return [part for word in found for part in word.split()]

    def env(self, name: str) -> Any:
        """An environment variable's value (a reference counts as set: ``"<from>"``), or ABSENT."""
        listed = items(self.container, "env")
        for entry in listed if isinstance(listed, list) else []:
            if lookup(entry, "name") == name:
                value = lookup(entry, "value")
                return "<from>" if value is ABSENT and lookup(entry, "valueFrom") is not ABSENT else value
        return ABSENT


def stores(props: Any) -> list[Store]:
    """The data store containers of a workload's pod template."""
    containers = items(props, "spec", "template", "spec", "containers")
    found = []
    for index, container in enumerate(containers if isinstance(containers, list) else []):
        image = lookup(container, "image")
        engine = engine_of(image)
        if engine is not None:
            bitnami = isinstance(image, str) and "bitnami" in image.lower()
            found.append(Store(engine, ("spec", "template", "spec", "containers", index), container, bitnami))
    return found


def _of(engine: str) -> Callable[[Subject], bool]:
    return lambda subject: any(store.engine == engine for store in stores(subject.props))


def _persistent(props: Any, store: Store) -> bool:
    """Whether the store's container mounts a volume claim (a StatefulSet's template, or a pod volume's claim); a
    list unknown at preview is given the benefit of the doubt (the rules are advisory)."""
    listed = (("spec", "volumeClaimTemplates"), ("spec", "template", "spec", "volumes"))
    if UNKNOWN in [items(props, *path) for path in listed] or items(store.container, "volumeMounts") is UNKNOWN:
        return True
    claims = {lookup(t, "metadata", "name") for t in _listed(props, "spec", "volumeClaimTemplates")}
    claims |= {
        lookup(v, "name")
        for v in _listed(props, "spec", "template", "spec", "volumes")
        if lookup(v, "persistentVolumeClaim") is not ABSENT or lookup(v, "ephemeral") is not ABSENT
    }
    mounts = {lookup(m, "name") for m in _listed(store.container, "volumeMounts")}
    return bool(claims & mounts) or UNKNOWN in claims | mounts


def _listed(node: Any, *path: str) -> list[Any]:
    listed = items(node, *path)
    return listed if isinstance(listed, list) else []


def _no_claim(store: Store) -> str:
    return (
        f"{dotted(*store.path)} mounts no volumeClaimTemplates (nor a persistentVolumeClaim volume): its data "
        "lives and dies with the pod"
    )


@datastore_policy(
    name="kubernetes-apps-redis-persistence",
    item="2.redis-configuration.1",
    severity=Severity.MEDIUM,
    description="A self-hosted Redis (an official or Bitnami image) keeps its data on a volume claim with RDB and "
    "AOF on, as the checklist asks of Redis (Persistence: Enable RDB + AOF). Advisory: a config file the pack "
    "cannot read may set them; a managed Redis is judged by its own policies.",
    remediation="Mount a volumeClaimTemplates volume at the data directory and start redis-server with "
    "--appendonly yes (RDB stays on unless --save is emptied); or use Memorystore.",
    applies=_of(REDIS),
)
def redis_persistence(subject: Subject) -> Iterator[str]:
    for store in stores(subject.props):
        if store.engine != REDIS:
            continue
        if not _persistent(subject.props, store):
            yield f"{_no_claim(store)}."
        words = store.words()
        if store.bitnami:
            if str(store.env("REDIS_AOF_ENABLED")).lower() == "no":
                yield f"{dotted(*store.path)} sets REDIS_AOF_ENABLED no: AOF should stay on."
        elif not _flag(words, "--appendonly", "yes"):
            yield f"{dotted(*store.path)} should start redis-server with --appendonly yes: the image's AOF is off."
        if _flag(words, "--save", "") or _flag(words, "--save", '""'):
            yield f"{dotted(*store.path)} empties --save, which turns RDB snapshots off."


def _flag(words: list[str], flag: str, value: str) -> bool:
    """Whether ``flag value`` is among the words (``--flag value`` or ``--flag=value``)."""
    for index, word in enumerate(words):
        if word == f"{flag}={value}":
            return True
        if word == flag and index + 1 < len(words) and words[index + 1].strip("'\"").lower() == value.strip("'\""):
            return True
        if word == flag and value == "" and index + 1 == len(words):
            return True
    return False


@datastore_policy(
    name="kubernetes-apps-redis-auth",
    item="2.redis-configuration.2",
    severity=Severity.HIGH,
    description="A self-hosted Redis requires a password (Password authentication enabled): --requirepass for the "
    "official image, REDIS_PASSWORD (without ALLOW_EMPTY_PASSWORD) for Bitnami's. Advisory: a config file or an "
    "ACL file the pack cannot read may set it.",
    remediation="Start redis-server with --requirepass $(REDIS_PASSWORD), the variable from a Secret (Bitnami: set "
    "REDIS_PASSWORD from a Secret).",
    applies=_of(REDIS),
)
def redis_auth(subject: Subject) -> Iterator[str]:
    for store in stores(subject.props):
        if store.engine != REDIS:
            continue
        where = dotted(*store.path)
        if store.bitnami:
            if str(store.env("ALLOW_EMPTY_PASSWORD")).lower() == "yes":
                yield f"{where} sets ALLOW_EMPTY_PASSWORD yes: Redis should require a password."
            elif store.env("REDIS_PASSWORD") is ABSENT and store.env("REDIS_PASSWORD_FILE") is ABSENT:
                yield f"{where} should set REDIS_PASSWORD (from a Secret): without it Redis takes no password."
        elif not any(word == "--requirepass" or word.startswith("--requirepass=") for word in store.words()):
            yield f"{where} should start redis-server with --requirepass: the official image requires no password."


@datastore_policy(
    name="kubernetes-apps-postgres-persistence",
    item="2.postgresql-configuration.1",
    severity=Severity.HIGH,
    description="A self-hosted PostgreSQL (an official, Bitnami or PostGIS image) keeps its data on a volume claim. "
    "Advisory: the checklist's instance size and storage, and its backups, cannot be proven from the object.",
    remediation="Mount a volumeClaimTemplates volume (SSD storage class, at least the checklist's size) at "
    "PGDATA's directory; or use Cloud SQL.",
    applies=_of(POSTGRES),
)
def postgres_persistence(subject: Subject) -> Iterator[str]:
    for store in stores(subject.props):
        if store.engine == POSTGRES and not _persistent(subject.props, store):
            yield f"{_no_claim(store)}."


@datastore_policy(
    name="kubernetes-apps-postgres-auth",
    item="1.database-configuration.1",
    severity=Severity.HIGH,
    description="A self-hosted PostgreSQL authenticates its clients by password (the DATABASE_URL's "
    "user:password): POSTGRES_PASSWORD (or its _FILE, Bitnami's POSTGRESQL_PASSWORD) is set and trust "
    "authentication is not.",
    remediation="Set POSTGRES_PASSWORD from a Secret and remove POSTGRES_HOST_AUTH_METHOD=trust (Bitnami: "
    "ALLOW_EMPTY_PASSWORD).",
    applies=_of(POSTGRES),
)
def postgres_auth(subject: Subject) -> Iterator[str]:
    for store in stores(subject.props):
        if store.engine != POSTGRES:
            continue
        where = dotted(*store.path)
        if str(store.env("POSTGRES_HOST_AUTH_METHOD")).lower() == "trust":
            yield f"{where} sets POSTGRES_HOST_AUTH_METHOD trust: every client connects without a password."
        elif str(store.env("ALLOW_EMPTY_PASSWORD")).lower() == "yes":
            yield f"{where} sets ALLOW_EMPTY_PASSWORD yes: the database should require a password."
        elif all(
            store.env(name) is ABSENT
            for name in (
                "POSTGRES_PASSWORD",
                "POSTGRES_PASSWORD_FILE",
                "POSTGRESQL_PASSWORD",
                "POSTGRESQL_PASSWORD_FILE",
            )
        ):
            yield f"{where} should set POSTGRES_PASSWORD (from a Secret)."


def _backs_up(job: Any) -> bool:
    """Whether a CronJob runs a database dump or backup tool (or a database image, whose client tools it uses)."""
    containers = _listed(job, "spec", "jobTemplate", "spec", "template", "spec", "containers")
    for container in containers:
        if engine_of(lookup(container, "image")) in (POSTGRES, MYSQL):
            return True
        words = [str(w) for key in ("command", "args") for w in _listed(container, key) if isinstance(w, str)]
        if any(tool in word for word in words for tool in BACKUP_TOOLS):
            return True
    return False


@stack_policy(
    name="kubernetes-apps-postgres-backup",
    item="7.database-backups.1",
    level=ADVISORY,
    severity=Severity.HIGH,
    description="A self-hosted PostgreSQL or MySQL has automated daily backups in the same stack: a CronJob running "
    "a dump or backup tool (pg_dump, pgBackRest, WAL-G, Barman, mysqldump) or a Velero Schedule. Advisory: "
    "backups run by another stack or outside Kubernetes cannot be seen.",
    remediation='Add a batch/v1 CronJob (schedule "0 2 * * *") that dumps the database to Cloud Storage, or a '
    "Velero Schedule; or use Cloud SQL, whose backups the gcp policies judge.",
    resource_types=(*WORKLOADS, CRON_JOB, VELERO_SCHEDULE),
    tags=("kubernetes", "datastores"),
)
def postgres_backup(subject: StackSubject) -> Iterator[tuple[str, str | None]]:
    databases = [w for w in subject.of_type(*WORKLOADS) if any(s.engine in (POSTGRES, MYSQL) for s in stores(w.props))]
    if not databases:
        return
    if subject.of_type(VELERO_SCHEDULE) or any(_backs_up(job.props) for job in subject.of_type(CRON_JOB)):
        return
    for workload in databases:
        yield (
            "the stack has no backup CronJob (pg_dump, pgBackRest, WAL-G, mysqldump...) nor a Velero Schedule for "
            "this database: its daily backups cannot be proven.",
            workload.urn,
        )
