"""Typed settings for the whole stack, read from the stack's Pulumi config and validated up front.

Keys are flat and camelCase, as declared in Pulumi.yaml (the CLI's config declarations only type
scalars), and grouped into sections by prefix: ``db*`` keys form :class:`DatabaseSettings`. A new
tier adds its own section model and prefix without reshaping this one.

Everything is validated before the first resource is registered. A bad stack gets one message
listing every bad key, its value kind and what is allowed, never a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from components.database import DatabaseSpec

NAMESPACE = "agencyos-infra"
GCP_NAMESPACE = "gcp"


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"


def _prefixed_alias(prefix: str):
    def alias(field_name: str) -> str:
        return prefix + "".join(part.title() for part in field_name.split("_"))

    return alias


class DatabaseSettings(DatabaseSpec):
    """The ``db*`` keys: the database component's spec, with the checklist's defaults."""

    model_config = ConfigDict(alias_generator=_prefixed_alias("db"), populate_by_name=True)


# Section model → key prefix. Keys with a prefix are routed into that section before validation.
SECTIONS: dict[str, tuple[str, type[BaseModel]]] = {"database": ("db", DatabaseSettings)}


class StackSettings(BaseModel):
    """One stack's settings. Field aliases are the full config keys, so errors name them.

    Aliases are literals (type checkers need them so); they start with NAMESPACE, which a test checks.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    project: str = Field(alias="gcp:project", min_length=1, description="GCP project id.")
    region: str = Field(alias="gcp:region", min_length=1, description="GCP region, e.g. us-central1.")
    environment: Environment = Field(
        alias="agencyos-infra:environment", description="production or staging (§1 ENVIRONMENT)."
    )
    debug: bool = Field(False, alias="agencyos-infra:debug", description="Debug mode; never in production (§1 DEBUG).")
    name_prefix: str = Field(
        alias="agencyos-infra:namePrefix",
        pattern=r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$",
        description="Prefix of every physical resource name.",
    )
    private_network: str = Field(
        alias="agencyos-infra:privateNetwork",
        pattern=r"^(projects/[^/]+/global/networks/[^/]+|https://www\.googleapis\.com/compute/v1/projects/[^/]+/global/networks/[^/]+)$",
        description="VPC the database joins by private IP (§8 'Private subnets for databases').",
    )
    database: DatabaseSettings = Field(default_factory=lambda: DatabaseSettings.model_validate({}))

    @field_validator("debug")
    @classmethod
    def _no_debug_in_production(cls, debug: bool, info: ValidationInfo) -> bool:
        if debug and info.data.get("environment") is Environment.PRODUCTION:
            raise ValueError("must be false when environment is production (checklist §1: CRITICAL)")
        return debug


class SettingsError(ValueError):
    """Invalid stack config; the message lists every bad key and what it allows."""


def settings_from_config(config: Mapping[str, str]) -> StackSettings:
    """Validate a stack's config (``namespace:key`` → string, as Pulumi passes it) into settings."""
    document: dict[str, Any] = {section: {} for section in SECTIONS}
    for key, raw in config.items():
        namespace, _, name = key.partition(":")
        if namespace == GCP_NAMESPACE and key not in _TOP_LEVEL_KEYS:
            continue  # provider settings that are not ours to validate (zone, credentials...)
        if namespace not in (NAMESPACE, GCP_NAMESPACE):
            continue  # other providers' namespaces (kubernetes, cloudflare...)
        section = _section_of(name) if namespace == NAMESPACE else None
        if section is None:
            document[key] = _typed(raw, _TOP_LEVEL_KEYS.get(key))
        else:
            model = SECTIONS[section][1]
            document[section][name] = _typed(raw, _field_annotation(model, name))
    try:
        return StackSettings.model_validate(document)
    except ValidationError as error:
        raise SettingsError(format_errors(error)) from None


def format_errors(error: ValidationError) -> str:
    lines = [f"invalid stack configuration ({error.error_count()} problem(s)):"]
    for item in error.errors():
        key = _config_key(item["loc"])
        kind = _kind(item.get("input")) if item["type"] != "missing" else "missing"
        if item["type"] == "extra_forbidden":
            allowed = "unknown key; known keys: " + ", ".join(sorted(_known_keys()))
        elif item["type"] == "missing":
            allowed = f"required; set it with `pulumi config set {key} <value>`"
        else:
            allowed = item["msg"].removeprefix("Value error, ")
        lines.append(f"  - {key} ({kind}): {allowed}")
    return "\n".join(lines)


def _section_of(name: str) -> str | None:
    for section, (prefix, _model) in SECTIONS.items():
        if re.match(rf"^{prefix}[A-Z]", name):
            return section
    return None


def _field_annotation(model: type[BaseModel], alias: str) -> Any:
    for field in model.model_fields.values():
        if field.alias == alias:
            return field.annotation
    return None


_TOP_LEVEL_KEYS: dict[str, Any] = {
    field.alias: field.annotation for field in StackSettings.model_fields.values() if field.alias and ":" in field.alias
}


def _typed(raw: str, annotation: Any) -> Any:
    """Config values arrive as strings; JSON-decode those whose field is not a string."""
    if annotation is str or not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _config_key(loc: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in SECTIONS and len(parts) > 1:
        return f"{NAMESPACE}:{parts[1]}"
    return parts[0] if parts and ":" in parts[0] else f"{NAMESPACE}:{'.'.join(parts)}"


def _known_keys() -> list[str]:
    keys = list(_TOP_LEVEL_KEYS)
    for _prefix, model in SECTIONS.values():
        keys += [f"{NAMESPACE}:{field.alias}" for field in model.model_fields.values()]
    return keys


def _kind(value: Any) -> str:
    kinds = {bool: "boolean", int: "integer", float: "number", str: "string", dict: "object", list: "array"}
    return kinds.get(type(value), type(value).__name__)


def load_settings() -> StackSettings:
    """Settings of the running stack; a bad config stops the program before any resource exists."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    # Config set in-process (engine, tests) wins over the PULUMI_CONFIG environment, as in the SDK.
    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    try:
        return settings_from_config(values)
    except SettingsError as error:
        # RunError is reported by the language host as a message, without a traceback.
        raise pulumi.RunError(str(error)) from None
