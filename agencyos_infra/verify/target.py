"""What the stack says should be live: the domain, hosts and email records of its settings, and its outputs.

The settings come from ``Pulumi.<stack>.yaml``, read as the Pulumi CLI reads it (``load_stack_config``) and
validated by the program's own model (``stacks/settings.py`` ``settings_from_config``), so the verifier
checks what ``pulumi up`` deployed from that file. The outputs are ``pulumi stack output --json`` saved to
a file: ``ingressAddress`` is the load balancer's address the unproxied A records must hold and, when the
zone is proxied through Cloudflare, the origin address DNS must not reveal.
"""

from __future__ import annotations

import importlib
import ipaddress
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agencyos_infra.verify.network import VerifyUsageError

INGRESS_ADDRESS_OUTPUT = "ingressAddress"


@dataclass(frozen=True)
class MxRecord:
    priority: int
    host: str


@dataclass(frozen=True, kw_only=True)
class Target:
    """The live platform as the stack describes it."""

    stack: str
    domain: str
    proxied: bool
    """The zone proxies A/CNAME records through Cloudflare: they resolve to Cloudflare's addresses."""
    frontend_hosts: tuple[str, ...]
    api_hosts: tuple[str, ...]
    ingress_address: str | None
    """The ``ingressAddress`` output; None without ``--outputs``."""
    proxy_cidrs: tuple[str, ...] = ()
    """The proxy's ranges (``ingress.trustedProxyCidrs``): where a proxied name's addresses must lie."""
    mx: tuple[MxRecord, ...] = ()
    spf: str = ""
    dkim_selectors: tuple[str, ...] = ()
    dmarc: str = ""
    auth_paths: tuple[str, ...] = ()

    @property
    def hosts(self) -> tuple[str, ...]:
        """Every public host, frontend first, each once."""
        return tuple(dict.fromkeys((*self.frontend_hosts, *self.api_hosts)))

    @property
    def dns_names(self) -> tuple[str, ...]:
        """The web records the Dns component creates (apex, www, api) and every public host in the zone."""
        names = [self.domain, f"www.{self.domain}", f"api.{self.domain}"]
        names += [h for h in self.hosts if h == self.domain or h.endswith(f".{self.domain}")]
        return tuple(dict.fromkeys(names))


def load_target(program_dir: Path, stack: str, outputs: Path | None) -> Target:
    """The stack's settings and outputs as a Target; any problem is a VerifyUsageError naming file and fix."""
    from agencyos_infra.stackconfig import StackConfigError, load_stack_config

    try:
        config = load_stack_config(program_dir, stack)
    except StackConfigError as error:
        raise VerifyUsageError(str(error)) from None
    settings = _settings(config.program_dir, config.config, config.stack_file)
    address = _ingress_address(outputs) if outputs is not None else None
    if not settings.dns.domain:
        raise VerifyUsageError(
            f"{config.stack_file}: agencyos-infra:dns.domain is empty: this stack manages no DNS, so there is no "
            "live domain to verify; set it or verify another --stack"
        )
    return Target(
        stack=config.stack,
        domain=settings.dns.domain,
        proxied=settings.dns.proxied,
        frontend_hosts=tuple(settings.ingress.frontend_hosts),
        api_hosts=tuple(settings.ingress.api_hosts),
        ingress_address=address,
        proxy_cidrs=tuple(settings.ingress.trusted_proxy_cidrs),
        mx=tuple(MxRecord(m.priority, m.host) for m in settings.dns.mx),
        spf=settings.dns.spf,
        dkim_selectors=tuple(k.selector for k in settings.dns.dkim),
        dmarc=settings.dns.dmarc,
        auth_paths=tuple(settings.ingress.auth_paths),
    )


def _settings(program_dir: Path, config: dict[str, str], stack_file: Path | None) -> Any:
    """Validated by the program's own settings model, imported from the program's directory."""
    if str(program_dir) not in sys.path:
        sys.path.insert(0, str(program_dir))
    try:
        module = importlib.import_module("stacks.settings")
    except ImportError as error:
        raise VerifyUsageError(
            f"{program_dir}: cannot import stacks.settings ({error}); verify reads this project's settings model"
        ) from None
    try:
        return module.settings_from_config(config)
    except module.SettingsError as error:
        raise VerifyUsageError(f"{stack_file}: {error}") from None


def _ingress_address(path: Path) -> str:
    try:
        # From bytes: json detects UTF-16/32 and skips a byte order mark, as Windows PowerShell's `>` writes.
        document = json.loads(path.read_bytes())
    except OSError as error:
        raise VerifyUsageError(f"--outputs {path}: cannot be read ({error.strerror or error})") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise VerifyUsageError(
            f"--outputs {path}: not JSON ({error}); save it with `pulumi stack output --json > {path.name}`"
        ) from None
    if not isinstance(document, dict):
        raise VerifyUsageError(f"--outputs {path}: expected the object `pulumi stack output --json` prints")
    address = document.get(INGRESS_ADDRESS_OUTPUT)
    if not isinstance(address, str):
        raise VerifyUsageError(
            f"--outputs {path}: no {INGRESS_ADDRESS_OUTPUT} string; it is the stack output of the ingress "
            "controller's address: run `pulumi stack output --json` after `pulumi up`"
        )
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        raise VerifyUsageError(f"--outputs {path}: {INGRESS_ADDRESS_OUTPUT} {address!r} is not an IP address") from None
