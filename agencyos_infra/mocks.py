"""Provider outputs for the mock engine, derived from the provider SDKs' own type annotations.

In preview mode (the default, as in ``pulumi preview``) a new resource's outputs are the inputs the
engine echoes back; everything the provider computes is unknown, the output-only fields inside input objects
too (:meth:`RealisticMocks.preview_struct`; output-only: the output type declares the field and the input
type lacks it, or documents it as "(Output)" as the bridged SDKs do). In up mode every output property
the resource's SDK class declares gets a value of its declared type (a string, number, list or nested
object), output-only fields inside input objects too, the inputs win where given, scalar inputs left out
stay absent (the provider's default, which no SDK declares; names, project and region excepted, which
providers fill), and a few values follow the providers' shapes (names autonamed ``<name>-<7 hex>``, IP
addresses, links) so derived values look real. The random provider's resources get values that provider
could return (a permutation of a shuffle's inputs, an integer within its bounds, a string of the asked
length and character classes, a pet name of ``length`` words), repeatable from run to run. Data-source
calls (invokes) answer with a value of their declared result type in both modes, as the engine runs them
for real during a preview. Values are derived from names, so runs are reproducible.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import inspect
import json
import random
import re
import sys
import threading
import types
import typing
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import Mocks
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs
from pulumi.runtime.rpc import get_resource_module, unwrap_rpc_secret

from agencyos_infra.wire import SIG_KEY, UNKNOWN, is_secret, secret, to_struct

Outputs = dict[str, Any]
_PULUMI_NAME = "_pulumi_name"  # set by @pulumi.getter on a property's getter
_MAX_DEPTH = 4
_CAMEL_HUMPS = re.compile(r"(?<!^)(?=[A-Z])")


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _plain(inputs: Mapping[str, Any], key: str, default: Any = None) -> Any:
    return unwrap_rpc_secret(inputs.get(key, default)) if key in inputs else default


class RealisticMocks(Mocks):
    """Mocks whose outputs have the types and shapes the providers' SDKs declare."""

    def __init__(self, config: Mapping[str, str], preview: bool) -> None:
        self.config = config
        self.preview = preview
        self._lock = threading.Lock()
        self._resource_fields: dict[str, dict[str, Any] | None] = {}
        self._input_fields: dict[str, dict[str, Any] | None] = {}
        self._result_fields: dict[str, dict[str, Any] | None] = {}
        self._holders: dict[str, frozenset[str]] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        if self.preview or not args.custom:
            return ("" if self.preview else f"{args.name}-id"), inputs
        name = str(_plain(inputs, "name") or f"{args.name}-{_digest(args.typ, args.name)[:7]}")
        resource_id = f"{name}" if "name" in inputs else f"{args.name}-{_digest(args.typ, args.name)[:8]}"
        fields = self._fields(self._resource_fields, args.typ, _resource_class)
        # A scalar input the program left out takes the provider's default, which no SDK declares: it stays
        # absent (as policies read an absent property) rather than a made-up False, 1 or "<name>-<key>".
        # Kept: what providers fill from their config or assign (names, project, addresses, links), and
        # object inputs, often computed in full by the provider (a cluster's masterAuth).
        settable = self._fields(self._input_fields, args.typ, _args_class) or {}
        fields = {
            key: kind
            for key, kind in (fields or {}).items()
            if key not in settable or not _is_scalar(kind) or _provider_assigned(key)
        }
        context = _Context(args.name, name, resource_id, inputs, self)
        computed = _object_value(fields, context, 0)
        # An input object comes back with what the provider computes inside it (its output-only fields).
        declared = self._fields(self._resource_fields, args.typ, _resource_class) or {}
        given = {
            key: _with_output_only(declared.get(key), value, lambda kind, wire: _value(kind, wire, context, 1))
            for key, value in inputs.items()
        }
        stand_in = _random_resource(args.typ, args.name, inputs)
        if stand_in is not None:
            resource_id, generated = stand_in
            return resource_id, {**computed, **given, **generated}
        return resource_id, {**computed, **given}

    def preview_state(self, typ: str, inputs: Mapping[str, Any]) -> Outputs:
        """A new resource's state in a preview: its inputs (wire form) echoed, and inside the objects among
        them the fields only the provider sets unknown, as the engine's preview leaves them: an ``apply`` on
        them does not run."""
        declared = self._fields(self._resource_fields, typ, _resource_class) or {}
        return {key: _with_output_only(declared.get(key), value, _unknown) for key, value in inputs.items()}

    def preview_struct(self, typ: str, inputs: struct_pb2.Struct) -> struct_pb2.Struct:
        """:meth:`preview_state` on the registered Struct; the Struct itself (not decoded) when none of its
        properties holds an object with output-only fields, as for most resources."""
        with self._lock:
            if typ not in self._holders:
                declared = self._fields_unlocked(self._resource_fields, typ, _resource_class) or {}
                self._holders[typ] = frozenset(key for key, kind in declared.items() if _holds_output_only(kind))
            holders = self._holders[typ]
        if not any(key in inputs.fields for key in holders):
            return inputs
        return to_struct(self.preview_state(typ, json_format.MessageToDict(inputs)))

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        fields = self._fields(self._result_fields, args.token, _result_class)
        if fields is None:
            return dict(args.args), []  # not a generated SDK function: echo its arguments
        name = args.token.rsplit(":", 1)[-1]
        context = _Context(name, name, name, dict(args.args), self)
        return {**_object_value(fields, context, 0), **dict(args.args)}, []

    def _fields(self, cache: dict[str, dict[str, Any] | None], token: str, find: Any) -> dict[str, Any] | None:
        # Several SDK threads register at once; annotations are resolved once per type.
        with self._lock:
            return self._fields_unlocked(cache, token, find)

    def _fields_unlocked(self, cache: dict[str, dict[str, Any] | None], token: str, find: Any) -> dict[str, Any] | None:
        if token not in cache:
            cls = find(token)
            cache[token] = _declared_fields(cls) if cls is not None else None
        return cache[token]

    def gcp_project(self, inputs: Mapping[str, Any]) -> str:
        return str(_plain(inputs, "project") or self.config.get("gcp:project", "mock-project"))

    def gcp_region(self, inputs: Mapping[str, Any]) -> str:
        return str(_plain(inputs, "region") or self.config.get("gcp:region", "us-central1"))


class _Context(typing.NamedTuple):
    logical_name: str
    physical_name: str
    resource_id: str
    inputs: Mapping[str, Any]
    mocks: RealisticMocks


def _resource_class(token: str) -> type | None:
    """The SDK class registered for a resource type token, e.g. gcp:sql/databaseInstance:DatabaseInstance."""
    parts = token.split(":")
    if len(parts) != 3:
        return None
    module = get_resource_module(parts[0], parts[1], "")
    if module is None:
        # The program runs in another process: this one loads the provider's SDK package (which registers
        # its modules lazily) the first time one of its types is asked for.
        try:
            importlib.import_module(f"pulumi_{parts[0].replace('-', '_')}")
        except ImportError:
            return None
        module = get_resource_module(parts[0], parts[1], "")
    info = getattr(module, "mod_info", None)
    if not isinstance(info, Mapping) or token not in info.get("classes", {}):
        return None
    return getattr(importlib.import_module(info["fqn"]), info["classes"][token], None)


def _args_class(token: str) -> type | None:
    """The ``<Resource>Args`` class of a resource type: the properties a program may set."""
    cls = _resource_class(token)
    found = getattr(sys.modules.get(cls.__module__), f"{cls.__name__}Args", None) if cls is not None else None
    return found if inspect.isclass(found) else None


def _result_class(token: str) -> type | None:
    """The result class of a data-source function, e.g. gcp:organizations/getProject:getProject.

    Generated SDKs put ``get_project`` in the module of its token's first segment and its result
    in ``GetProjectResult`` beside it.
    """
    parts = token.split(":")
    if len(parts) != 3:
        return None
    package, module_path, function = parts
    segment = module_path.split("/")[0]
    base = f"pulumi_{package.replace('-', '_')}"
    for candidate in (f"{base}.{segment}", base) if segment != "index" else (base,):
        try:
            module = importlib.import_module(candidate)
        except ImportError:
            continue
        func = getattr(module, _CAMEL_HUMPS.sub("_", function).lower(), None)
        defined_in = sys.modules.get(getattr(func, "__module__", "") or "")
        result = getattr(defined_in, function[0].upper() + function[1:] + "Result", None)
        if inspect.isclass(result):
            return result
    return None


_FIELDS_OF_CLASS: dict[type, dict[str, Any]] = {}


def _declared_fields(cls: type) -> dict[str, Any]:
    """Wire name → declared type of every ``@pulumi.getter`` property of an SDK class (read-only: shared).

    Resolved once per class: annotations are read for every object of every resource registered."""
    found = _FIELDS_OF_CLASS.get(cls)
    if found is None:
        found = _FIELDS_OF_CLASS[cls] = _getter_types(cls)
    return found


def _getter_types(cls: type) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        for attribute in vars(klass).values():
            getter = getattr(attribute, "fget", None)
            wire_name = getattr(getter, _PULUMI_NAME, None)
            if wire_name is None:
                continue
            try:
                fields[wire_name] = typing.get_type_hints(getter).get("return", Any)
            except Exception:  # an annotation that does not resolve: any value will do
                fields[wire_name] = Any
    return fields


def _unknown(_: Any, __: str) -> str:
    return UNKNOWN


def _object_type(annotation: Any) -> tuple[type | None, bool]:
    """The SDK class of an object property (or of a list property's items), through Optional and Output."""
    while True:
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if origin is typing.Union or origin is types.UnionType:
            present = [arg for arg in args if arg is not type(None)]
            annotation = present[0] if len(present) == 1 else None
        elif getattr(origin, "__name__", "") in ("Output", "Input"):
            annotation = args[0] if args else None
        elif origin in (list, Sequence, typing.Sequence):
            item, _ = _object_type(args[0]) if args else (None, False)
            return item, True
        else:
            return (
                (annotation, False) if inspect.isclass(annotation) and _declared_fields(annotation) else (None, False)
            )


def _input_type(output_type: type) -> type | None:
    """The ``<Type>Args`` input class of a generated SDK's output type (``outputs.X`` → ``_inputs.XArgs``)."""
    package = output_type.__module__.rsplit(".", 1)[0]
    try:
        module = importlib.import_module(f"{package}._inputs")
    except ImportError:
        return None
    found = getattr(module, f"{output_type.__name__}Args", None)
    return found if inspect.isclass(found) else None


_SETTABLE_OF_CLASS: dict[type, set[str]] = {}


def _settable_fields(input_type: type) -> set[str]:
    """Wire names a program may set in an SDK input type.

    Bridged SDKs (pulumi-gcp) share one type between inputs and outputs, so an output-only nested field is in
    the Args class too; its documentation then starts with "(Output)", as the upstream provider writes it.
    """
    found = _SETTABLE_OF_CLASS.get(input_type)
    if found is None:
        found = _SETTABLE_OF_CLASS[input_type] = {
            wire_name
            for klass in reversed(input_type.__mro__)
            for attribute in vars(klass).values()
            if (wire_name := getattr(getattr(attribute, "fget", None), _PULUMI_NAME, None)) is not None
            and not (inspect.getdoc(attribute) or "").startswith("(Output)")
        }
    return found


_HOLDS_OUTPUT_ONLY: dict[type, bool] = {}


def _holds_output_only(annotation: Any) -> bool:
    """Whether a property's object type has, at any depth, a field only the provider sets."""
    output_type, _ = _object_type(annotation)
    if output_type is None:
        return False
    if output_type not in _HOLDS_OUTPUT_ONLY:
        _HOLDS_OUTPUT_ONLY[output_type] = False  # a type that contains itself is decided by its other fields
        input_type = _input_type(output_type)
        fields = _declared_fields(output_type)
        _HOLDS_OUTPUT_ONLY[output_type] = input_type is not None and (
            bool(set(fields) - _settable_fields(input_type))
            or any(_holds_output_only(kind) for kind in fields.values())
        )
    return _HOLDS_OUTPUT_ONLY[output_type]


def _with_output_only(annotation: Any, given: Any, fill: Any) -> Any:
    """An input value with, inside every object of it, the output-only fields set by ``fill(type, wire name)``.

    A field the output type declares that its Args type lacks or documents as an output is one only the
    provider sets (a BigQuery connection's ``cloudResource.serviceAccountId``); a settable field the program
    left out keeps the provider's default, which no SDK declares: absent, as at the top level.
    """
    if annotation is None:  # the given value bounds the walk, whatever the types' recursion
        return given
    if is_secret(given):
        return secret(_with_output_only(annotation, given["value"], fill))
    if isinstance(given, dict) and SIG_KEY in given:
        return given  # a resource reference or an output value: not the object itself
    output_type, is_list = _object_type(annotation)
    if output_type is None:
        return given
    if is_list:
        return [_with_output_only(output_type, item, fill) for item in given] if isinstance(given, list) else given
    if not isinstance(given, dict):
        return given
    input_type = _input_type(output_type)
    if input_type is None:
        return given  # no input type to compare with: nothing is known to be output-only
    settable = _settable_fields(input_type)
    completed = dict(given)
    for wire_name, kind in _declared_fields(output_type).items():
        if wire_name in given:
            completed[wire_name] = _with_output_only(kind, given[wire_name], fill)
        elif wire_name not in settable:
            completed[wire_name] = fill(kind, wire_name)
    return completed


def _is_scalar(annotation: Any) -> bool:
    """A bool, number or string type, through Optional, Input and Output wrappers."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType or getattr(origin, "__name__", "") in ("Output", "Input"):
        return any(_is_scalar(arg) for arg in args if arg is not type(None))
    return annotation in (bool, int, float, str)


def _object_value(fields: Mapping[str, Any], context: _Context, depth: int) -> Outputs:
    return {wire_name: _value(annotation, wire_name, context, depth) for wire_name, annotation in fields.items()}


def _value(annotation: Any, wire_name: str, context: _Context, depth: int) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        present = [arg for arg in args if arg is not type(None)]
        return _value(present[0], wire_name, context, depth) if present else None
    if getattr(annotation, "__name__", "") in ("Output", "Input") or (
        origin is not None and getattr(origin, "__name__", "") in ("Output", "Input")
    ):
        return _value(args[0] if args else Any, wire_name, context, depth)
    if origin in (list, Sequence, typing.Sequence) or annotation in (list, Sequence):
        item = _value(args[0] if args else str, wire_name, context, depth + 1) if depth < _MAX_DEPTH else None
        return [] if item is None else [item]
    if origin in (dict, Mapping, typing.Mapping) or annotation in (dict, Mapping):
        return {}
    if annotation is bool:
        return False
    if annotation is int:
        return 1
    if annotation is float:
        return 1.0
    if annotation is str or annotation is Any:
        return _string(wire_name, context)
    if inspect.isclass(annotation) and depth < _MAX_DEPTH:
        nested = _declared_fields(annotation)
        if nested:
            return _object_value(nested, context, depth + 1)
    return None


_ASSIGNED = re.compile(
    r"^(id|name|project|region|zone|location|address|host|number|connectionname)$"
    r"|ipaddress|ip$|selflink$|url$|uri$|email(address)?$",
    re.ASCII,
)


def _provider_assigned(wire_name: str) -> bool:
    """Whether a provider fills this property when a program leaves it out: an autoname, its configured
    project, region or zone, an address it reserves, a link or number it assigns (``_string``'s shapes)."""
    return bool(_ASSIGNED.search(wire_name.lower()))


def _string(wire_name: str, context: _Context) -> str:
    """A string shaped like what providers return for a property of this name."""
    lowered = wire_name.lower()
    digest = _digest(context.logical_name, wire_name)
    if wire_name == "id":
        return context.resource_id
    if lowered == "name":
        return context.physical_name
    if lowered == "project":
        return context.mocks.gcp_project(context.inputs)
    if lowered == "region":
        return context.mocks.gcp_region(context.inputs)
    if "ipaddress" in lowered or lowered.endswith("ip") or lowered in ("host", "address"):
        return f"10.{int(digest[0:2], 16) % 250}.{int(digest[2:4], 16) % 250}.{int(digest[4:6], 16) % 250 + 2}"
    if lowered == "connectionname":
        project, region = context.mocks.gcp_project(context.inputs), context.mocks.gcp_region(context.inputs)
        return f"{project}:{region}:{context.physical_name}"
    if lowered.endswith("selflink") or lowered.endswith("url") or lowered.endswith("uri"):
        return f"https://mock.invalid/{context.physical_name}/{wire_name}"
    if lowered.endswith("email") or lowered.endswith("emailaddress"):
        return f"{context.physical_name}@mock.invalid"
    if lowered == "number" or lowered.endswith("number"):
        return str(int(digest[:10], 16))
    return f"{context.physical_name}-{wire_name}"


# --- The random provider: values its real resources could return -----------------------------------------------
#
# pulumi-random bridges terraform-provider-random; each stand-in follows its resource's documented contract
# (length, character classes, bounds, a permutation of the inputs...) so a program that picks a tier with a
# RandomShuffle or builds a name with a RandomPet sees a value the provider could really give. The generator is
# seeded from the resource's type, name and inputs (any changed input replaces a random resource, so a new
# value is what the provider gives too), or from the ``seed`` input where the resource has one, as the
# provider's own ``seed`` makes its result repeatable.

_LOWER, _UPPER, _NUMERIC = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
_SPECIAL = "!@#$%&*()-_=+[]{}<>:?"  # the provider's special characters unless override_special is given
_BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# Words of the kinds golang-petname (the provider's generator) joins: adverbs, an adjective, a name.
_PET_ADVERBS = ("quickly", "gently", "mostly", "freely", "truly", "openly", "calmly", "wholly", "rarely", "neatly")
_PET_ADJECTIVES = ("brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "lively", "proud", "witty")
_PET_NAMES = ("otter", "badger", "falcon", "lemur", "marten", "panda", "quail", "salmon", "toucan", "walrus")


def _number(inputs: Mapping[str, Any], key: str, default: int) -> int:
    value = _plain(inputs, key, default)
    return default if value is None else int(value)


def _flag(inputs: Mapping[str, Any], key: str, default: bool = True) -> bool:
    value = _plain(inputs, key, default)
    return default if value is None else bool(value)


def _generator(typ: str, name: str, inputs: Mapping[str, Any]) -> random.Random:
    seed = _plain(inputs, "seed")
    if seed is not None:
        return random.Random(_digest(typ, "seed", str(seed)))
    canonical = json.dumps({key: _plain(inputs, key) for key in sorted(inputs)}, sort_keys=True, default=str)
    return random.Random(_digest(typ, name, canonical))


def _random_resource(typ: str, name: str, inputs: Mapping[str, Any]) -> tuple[str, Outputs] | None:
    """(id, outputs) for a resource of the random provider, or None for any other type."""
    kind = typ.rsplit(":", 1)[-1] if typ.startswith("random:index/") else ""
    make = _RANDOM_RESOURCES.get(kind)
    return None if make is None else make(_generator(typ, name, inputs), inputs)


def _random_string(rng: random.Random, inputs: Mapping[str, Any]) -> tuple[str, Outputs]:
    """RandomString: ``length`` characters, at least ``min_*`` of each class, the rest from the enabled ones."""
    length = _number(inputs, "length", 0)
    special = _plain(inputs, "overrideSpecial") or _SPECIAL
    numeric = _flag(inputs, "numeric") and _flag(inputs, "number")
    classes = {
        "lower": (_LOWER, _flag(inputs, "lower"), _number(inputs, "minLower", 0)),
        "upper": (_UPPER, _flag(inputs, "upper"), _number(inputs, "minUpper", 0)),
        "numeric": (_NUMERIC, numeric, _number(inputs, "minNumeric", 0)),
        "special": (str(special), _flag(inputs, "special"), _number(inputs, "minSpecial", 0)),
    }
    # As the provider: each minimum drawn from its class first, then the rest from every enabled class, shuffled.
    chosen = [rng.choice(chars) for chars, _, minimum in classes.values() for _ in range(minimum)]
    pool = "".join(chars for chars, enabled, _ in classes.values() if enabled) or _LOWER
    chosen += [rng.choice(pool) for _ in range(max(0, length - len(chosen)))]
    rng.shuffle(chosen)
    result = "".join(chosen)
    defaults = {
        "lower": classes["lower"][1],
        "upper": classes["upper"][1],
        "numeric": numeric,
        "number": numeric,
        "special": classes["special"][1],
        "minLower": classes["lower"][2],
        "minUpper": classes["upper"][2],
        "minNumeric": classes["numeric"][2],
        "minSpecial": classes["special"][2],
    }
    return result, {**defaults, **{k: v for k, v in inputs.items() if k in defaults}, "result": result}


def _random_password(rng: random.Random, inputs: Mapping[str, Any]) -> tuple[str, Outputs]:
    """RandomPassword: a RandomString's result, and a bcrypt hash's shape (cost 10, salt, digest)."""
    _, outputs = _random_string(rng, inputs)
    digest = "".join(rng.choice(_BCRYPT_ALPHABET) for _ in range(53))
    return "none", {**outputs, "bcryptHash": f"$2a$10${digest}"}


def _random_integer(rng: random.Random, inputs: Mapping[str, Any]) -> tuple[str, Outputs]:
    low, high = _number(inputs, "min", 0), _number(inputs, "max", 0)
    result = rng.randint(min(low, high), max(low, high))
    return str(result), {"result": result}


def _random_shuffle(rng: random.Random, inputs: Mapping[str, Any]) -> tuple[str, Outputs]:
    """RandomShuffle: permutations of ``inputs``, one after another until ``result_count`` are taken."""
    items = [str(item) for item in (_plain(inputs, "inputs") or [])]
    count = _number(inputs, "resultCount", 0) or len(items)
    results: list[str] = []
    while items and len(results) < count:
        batch = list(items)
        rng.shuffle(batch)
        results += batch[: count - len(results)]
    return "-", {"results": results}


def _random_pet(rng: random.Random, inputs: Mapping[str, Any]) -> tuple[str, Outputs]:
    """RandomPet: ``length`` words (adverbs, an adjective, a name) joined by ``separator``, after ``prefix``."""
    length, separator = _number(inputs, "length", 2), str(_plain(inputs, "separator", "-") or "-")
    words = [rng.choice(_PET_ADVERBS) for _ in range(max(0, length - 2))]
    words += [rng.choice(_PET_ADJECTIVES)] if length >= 2 else []
    words += [rng.choice(_PET_NAMES)] if length >= 1 else []
    prefix = _plain(inputs, "prefix")
    pet = separator.join(([str(prefix)] if prefix else []) + words)
    return pet, {"length": length, "separator": separator}


def _random_id(rng: random.Random, inputs: Mapping[str, Any]) -> tuple[str, Outputs]:
    """RandomId: ``byte_length`` random bytes, each encoding after ``prefix``; the id is the URL-safe one."""
    data = rng.randbytes(_number(inputs, "byteLength", 0))
    prefix = str(_plain(inputs, "prefix") or "")
    url = base64.urlsafe_b64encode(data).decode().rstrip("=")
    outputs = {
        "hex": prefix + data.hex(),
        "b64Std": prefix + base64.b64encode(data).decode(),
        "b64Url": prefix + url,
        "dec": prefix + str(int.from_bytes(data, "big")),
    }
    return prefix + url, outputs


def _random_bytes(rng: random.Random, inputs: Mapping[str, Any]) -> tuple[str, Outputs]:
    data = rng.randbytes(_number(inputs, "length", 0))
    return "none", {"base64": base64.b64encode(data).decode(), "hex": data.hex()}


def _random_uuid(rng: random.Random, _: Mapping[str, Any]) -> tuple[str, Outputs]:
    result = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return result, {"result": result}


def _random_uuid7(rng: random.Random, _: Mapping[str, Any]) -> tuple[str, Outputs]:
    value = (rng.getrandbits(48) << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    result = str(uuid.UUID(int=value))
    return result, {"result": result}


_RANDOM_RESOURCES = {
    "RandomString": _random_string,
    "RandomPassword": _random_password,
    "RandomInteger": _random_integer,
    "RandomShuffle": _random_shuffle,
    "RandomPet": _random_pet,
    "RandomId": _random_id,
    "RandomBytes": _random_bytes,
    "RandomUuid": _random_uuid,
    "RandomUuid4": _random_uuid,
    "RandomUuid7": _random_uuid7,
}
