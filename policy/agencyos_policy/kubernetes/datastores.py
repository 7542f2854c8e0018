"""Self-hosted data stores: which container images run a database or a cache.

Recognised by the image's repository, whatever registry serves it (Docker Hub's official images, which have no
owner or ``library``; Bitnami's, also under ``bitnamilegacy`` since Bitnami moved its free images there in 2025;
PostGIS; Redis Stack; Valkey). A team's own image built on one of these is not recognised: its name says nothing.
"""

from __future__ import annotations

from typing import Final

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
