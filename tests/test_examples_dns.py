"""End to end: independently written Cloudflare zones judged by the pack.

`examples/compliant-dns` writes two zones with plain dicts and ``*Args`` (relative and full names, quoted TXT,
DKIM as TXT and CNAME, ~all, p=quarantine, a proxied apex with TTL automatic, stricter TLS, a zone id
computed at preview). `examples/noncompliant-dns` is a quick start: DMARC p=none, SPF +all, no DKIM, long
and unproxied-automatic TTLs, flexible SSL and TLS 1.0, and a second zone with no mail records.
"""

from __future__ import annotations

from tests.conftest import mandatory_violations
from tests.example_runs import BOTH_MODES, assert_passes, assert_rejected, preview_example

RECORD = "cloudflare:index/dnsRecord:DnsRecord"
SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
EXPECTED = {
    ("cloudflare-dns-record-launch-ttl", RECORD, "apex"),
    ("cloudflare-dns-record-launch-ttl", RECORD, "www"),
    ("cloudflare-dns-zone-spf", RECORD, "spf"),
    ("cloudflare-dns-zone-dmarc", RECORD, "dmarc"),
    ("cloudflare-dns-zone-dkim", RECORD, "apex"),
    ("cloudflare-dns-zone-mx", RECORD, "other-www"),
    ("cloudflare-dns-zone-spf", RECORD, "other-www"),
    ("cloudflare-dns-zone-dkim", RECORD, "other-www"),
    ("cloudflare-dns-zone-dmarc", RECORD, "other-www"),
    ("cloudflare-zonesetting-zone-https-only", SETTING, "ssl"),
    ("cloudflare-zonesetting-zone-https-only", SETTING, "min-tls"),
}


@BOTH_MODES
def test_a_compliant_zone_passes(mode: list[str]) -> None:
    result = preview_example("compliant-dns", "prod", mode)
    assert_passes(result)


@BOTH_MODES
def test_a_noncompliant_zone_is_rejected_naming_each_policy(mode: list[str]) -> None:
    result = preview_example("noncompliant-dns", "prod", mode)
    assert_rejected(result)
    assert mandatory_violations(result.stdout) == EXPECTED, result.stdout
    assert "mail.example.net" not in result.stdout  # record contents are never echoed
