"""A Cloudflare zone as a team might write it, without this repository's components.

Two zones: one in plain dicts (relative names, quoted TXT, DKIM as TXT, DMARC p=quarantine, ~all) and one
with *Args classes and a zone id computed from another resource (unknown at preview, judged as one zone).
The token comes from CLOUDFLARE_API_TOKEN.
"""

import pulumi
import pulumi_cloudflare as cloudflare
import pulumi_random as random

ZONE = "00112233445566778899aabbccddeeff"

web = [
    ("apex", "A", "@", "198.51.100.7", {"ttl": 1, "proxied": True}),
    ("www", "A", "www", "198.51.100.7", {"ttl": 120, "proxied": False}),
    ("api", "CNAME", "api", "example.org", {"ttl": 300}),
]
for name, kind, host, content, extra in web:
    cloudflare.DnsRecord(name, zone_id=ZONE, name=host, type=kind, content=content, **extra)

cloudflare.DnsRecord("mx", zone_id=ZONE, name="@", type="MX", content="mail.example.net", priority=5, ttl=3600)
cloudflare.DnsRecord("spf", zone_id=ZONE, name="@", type="TXT", content='"v=spf1 mx ip4:192.0.2.0/24 ~all"', ttl=3600)
cloudflare.DnsRecord(
    "dkim", zone_id=ZONE, name="mail._domainkey", type="TXT", content="v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3", ttl=3600
)
cloudflare.DnsRecord(
    "dmarc",
    zone_id=ZONE,
    name="_dmarc",
    type="TXT",
    content="v=DMARC1; p=quarantine; rua=mailto:d@example.org",
    ttl=3600,
)
for setting, value in {"ssl": "strict", "min_tls_version": "1.3", "always_use_https": "on", "tls_1_3": "zrt"}.items():
    cloudflare.ZoneSetting(setting, zone_id=ZONE, setting_id=setting, value=value)

# A second zone whose id is computed: every record of it is judged together, as one zone.
zone = random.RandomId("zone", byte_length=16)
for name, args in {
    "b-www": cloudflare.DnsRecordArgs(
        zone_id=zone.hex, name="www.b.example", type="AAAA", content="2001:db8::7", ttl=60
    ),
    "b-mx": cloudflare.DnsRecordArgs(
        zone_id=zone.hex, name="b.example", type="MX", content="mx.b.example", priority=10, ttl=3600
    ),
    "b-spf": cloudflare.DnsRecordArgs(zone_id=zone.hex, name="b.example", type="TXT", content="v=spf1 -all", ttl=3600),
    "b-dkim": cloudflare.DnsRecordArgs(
        zone_id=zone.hex, name="s1._domainkey.b.example", type="CNAME", content="s1.dkim.example.net", ttl=3600
    ),
    "b-dmarc": cloudflare.DnsRecordArgs(
        zone_id=zone.hex,
        name="_dmarc.b.example",
        type="TXT",
        content="v=DMARC1; p=reject; rua=mailto:d@b.example",
        ttl=3600,
    ),
}.items():
    cloudflare.DnsRecord(name, args)

pulumi.export("zone", ZONE)
