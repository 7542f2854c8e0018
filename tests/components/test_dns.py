"""The Dns component: records, TTLs, proxying, zone settings, and SPF/DMARC refused before anything exists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from agencyos_checklist.numbers import DNS_LAUNCH_TTL, DNS_NORMAL_TTL, HSTS_MAX_AGE_SECONDS, seconds
from pydantic import ValidationError

from agencyos_infra.engine import ProgramRun, run_program
from components.dns import AUTOMATIC_TTL, DnsArgs, DnsSpec, spf_lookups

RECORD = "cloudflare:index/dnsRecord:DnsRecord"
SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
RULESET = "cloudflare:index/ruleset:Ruleset"
COMPONENT = "agencyos:dns:Dns"
SPEC: dict[str, Any] = {
    "domain": "agencyos.example",
    "zoneId": "0123456789abcdef0123456789abcdef",
    "mx": [{"host": "mx1.mail.example", "priority": 10}, {"host": "mx2.mail.example", "priority": 20}],
    "spf": "v=spf1 include:spf.mail.example -all",
    "dkim": [
        {"selector": "s1", "type": "CNAME", "content": "s1.dkim.mail.example"},
        {"selector": "k1", "type": "TXT", "content": "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"},
    ],
    "dmarc": "v=DMARC1; p=reject; rua=mailto:dmarc@agencyos.example",
}

PROGRAM = """
import json
import pulumi
from components.dns import Dns, DnsArgs, DnsSpec

spec = DnsSpec.model_validate(json.loads({spec!r}))
Dns("dns", DnsArgs(spec=spec, ingress_address="203.0.113.10"))
"""


def _run(tmp_path: Path, **changes: Any) -> ProgramRun:
    import json

    (tmp_path / "__main__.py").write_text(PROGRAM.format(spec=json.dumps({**SPEC, **changes})))
    run = run_program(
        isolated=False, program_dir=tmp_path, project="dns", stack="test", config={}, secret_keys=[], preview=True
    )
    assert run.error is None, run.error
    return run


def _records(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs.plain for r in run.of_type(RECORD)}


def test_records_point_where_the_checklist_says(tmp_path: Path) -> None:
    records = _records(_run(tmp_path, proxied=False))
    assert records["dns-apex-a"] == {
        "zoneId": SPEC["zoneId"],
        "name": "agencyos.example",
        "type": "A",
        "content": "203.0.113.10",
        "ttl": seconds(DNS_LAUNCH_TTL),
        "proxied": False,
    }
    assert records["dns-www-a"]["name"] == "www.agencyos.example" and records["dns-www-a"]["type"] == "A"
    assert records["dns-api-cname"]["content"] == "agencyos.example" and records["dns-api-cname"]["type"] == "CNAME"
    assert [records[f"dns-mx-{i}"]["priority"] for i in (0, 1)] == [10, 20]
    assert records["dns-spf-txt"]["content"] == SPEC["spf"] and records["dns-spf-txt"]["name"] == "agencyos.example"
    assert records["dns-dkim-s1"]["name"] == "s1._domainkey.agencyos.example"
    assert records["dns-dkim-s1"]["proxied"] is False and records["dns-dkim-k1"]["type"] == "TXT"
    assert records["dns-dmarc-txt"]["name"] == "_dmarc.agencyos.example"
    for key in ("dns-spf-txt", "dns-dmarc-txt", "dns-mx-0", "dns-dkim-s1"):
        assert records[key]["ttl"] == seconds(DNS_NORMAL_TTL), key


def test_proxied_web_records_take_the_automatic_ttl(tmp_path: Path) -> None:
    records = _records(_run(tmp_path))
    for key in ("dns-apex-a", "dns-www-a", "dns-api-cname"):
        assert records[key]["proxied"] is True and records[key]["ttl"] == AUTOMATIC_TTL, key
        assert "automatic" in records[key]["comment"]


def test_go_live_ttl_is_a_setting(tmp_path: Path) -> None:
    records = _records(_run(tmp_path, proxied=False, webTtl=seconds(DNS_NORMAL_TTL), apiTarget="api.backend.example"))
    assert records["dns-www-a"]["ttl"] == seconds(DNS_NORMAL_TTL)
    assert records["dns-api-cname"]["content"] == "api.backend.example"


def test_zone_settings_and_static_cache_rule(tmp_path: Path) -> None:
    run = _run(tmp_path)
    settings = {r.inputs.plain["settingId"]: r.inputs.plain["value"] for r in run.of_type(SETTING)}
    assert settings["ssl"] == "strict" and settings["always_use_https"] == "on"
    assert settings["min_tls_version"] == "1.2" and settings["tls_1_3"] == "on" and settings["brotli"] == "on"
    hsts = settings["security_header"]["strictTransportSecurity"]
    assert hsts["enabled"] is True and hsts["includeSubdomains"] is True and hsts["maxAge"] == HSTS_MAX_AGE_SECONDS
    [ruleset] = run.of_type(RULESET)
    props = ruleset.inputs.plain
    assert props["phase"] == "http_request_cache_settings" and props["kind"] == "zone"
    [rule] = props["rules"]
    assert rule["action"] == "set_cache_settings" and '"/static/"' in rule["expression"]
    assert rule["actionParameters"]["cache"] is True


def test_children_are_parented_to_the_component(tmp_path: Path) -> None:
    run = _run(tmp_path)
    [component] = run.of_type(COMPONENT)
    assert all(r.parent == component.urn for r in [*run.of_type(RECORD), *run.of_type(SETTING)])


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("spf", "v=spf1 " + " ".join(f"include:s{i}.mail.example" for i in range(11)) + " -all", "11 DNS-lookup"),
        ("spf", "include:spf.mail.example -all", "v=spf1"),
        ("spf", "v=spf1 include:spf.mail.example +all", "-all or ~all"),
        ("spf", "v=spf1 include:spf.mail.example ?all", "-all or ~all"),
        ("spf", "v=spf1 ip4:203.0.113.999 -all", "not a valid SPF"),
        ("dmarc", "v=DMARC1; p=none; rua=mailto:d@agencyos.example", "quarantine or p=reject"),
        ("dmarc", "v=DMARC1; p=bogus; rua=mailto:d@agencyos.example", "not a valid DMARC"),
        ("dmarc", "p=reject; rua=mailto:d@agencyos.example", "v=DMARC1"),
        ("dmarc", "v=DMARC1; p=reject", "rua"),
        ("dmarc", "v=DMARC1; p=reject; rua=d@agencyos.example", "not a valid DMARC"),
        ("zone_id", "not-a-zone", "32 lowercase hex"),
        ("mx", [], "at least one"),
        ("dkim", [], "at least one"),
        ("web_ttl", 30, "greater than or equal"),
    ],
)
def test_invalid_settings_are_refused_on_their_field(field: str, value: Any, expected: str) -> None:
    with pytest.raises(ValidationError) as error:
        DnsSpec.model_validate({**SPEC, DnsSpec.model_fields[field].alias or field: value})
    [problem] = error.value.errors()
    assert problem["loc"][0] in (field, DnsSpec.model_fields[field].alias), problem
    assert expected in problem["msg"], problem["msg"]


def test_spf_lookups_are_counted_offline() -> None:
    assert spf_lookups("v=spf1 include:a.example a mx ptr exists:x.example redirect=b.example ip4:192.0.2.1 -all") == 6


def test_no_dns_without_a_domain_and_args_need_an_address() -> None:
    assert DnsSpec.model_validate({}).domain == ""
    with pytest.raises(ValueError, match=r"spec\.domain"):
        DnsArgs(spec=DnsSpec.model_validate({}), ingress_address="203.0.113.10")
    with pytest.raises(ValueError, match="ingress_address"):
        DnsArgs(spec=DnsSpec.model_validate(SPEC), ingress_address="")
