"""A quick-start Cloudflare zone: long TTLs, automatic TTL unproxied, SPF +all, DMARC p=none, no DKIM, and
zone settings that allow plain HTTP and old TLS. One violation per resource (the zone rules name its zone).
"""

import pulumi_cloudflare as cloudflare

ZONE = "ffeeddccbbaa99887766554433221100"
OTHER = "0f0e0d0c0b0a09080706050403020100"

cloudflare.DnsRecord("apex", zone_id=ZONE, name="@", type="A", content="198.51.100.9", ttl=3600)
cloudflare.DnsRecord("www", cloudflare.DnsRecordArgs(zone_id=ZONE, name="www", type="A", content="198.51.100.9", ttl=1))
cloudflare.DnsRecord("mx", zone_id=ZONE, name="@", type="MX", content="mail.example.net", priority=10, ttl=3600)
cloudflare.DnsRecord(
    "spf", zone_id=ZONE, name="@", type="TXT", content="v=spf1 include:mail.example.net +all", ttl=3600
)
cloudflare.DnsRecord("dmarc", zone_id=ZONE, name="_dmarc", type="TXT", content="v=DMARC1; p=none", ttl=3600)
cloudflare.ZoneSetting("ssl", zone_id=ZONE, setting_id="ssl", value="flexible")
cloudflare.ZoneSetting("min-tls", zone_id=ZONE, setting_id="min_tls_version", value="1.0")

# A second zone with web records only: no mail records at all.
cloudflare.DnsRecord(
    "other-www", zone_id=OTHER, name="www.other.example", type="CNAME", content="other.example", ttl=300
)
