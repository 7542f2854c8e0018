"""Two zones a team creates with their records, as the Cloudflare templates write them: every record's
``zone_id`` is ``zone.id``, unknown at preview. The shop zone is complete; what the second (the blog)
publishes besides its web record is the stack config ``secondZone``.
"""

import pulumi
import pulumi_cloudflare as cloudflare

ACCOUNT = "0123456789abcdef0123456789abcdef"
second = pulumi.Config().get("secondZone") or "complete"


def zone(name: str, domain: str, mail: dict[str, tuple[str, str, int | None]]) -> None:
    created = cloudflare.Zone(name, name=domain, account={"id": ACCOUNT})
    cloudflare.DnsRecord(
        f"{name}-www", zone_id=created.id, name="www", type="CNAME", content=domain, ttl=1, proxied=True
    )
    for record, (kind, host, priority, content) in mail.items():
        cloudflare.DnsRecord(
            f"{name}-{record}", zone_id=created.id, name=host, type=kind, content=content, priority=priority, ttl=3600
        )


DMARC_REJECT = ("TXT", "_dmarc", None, "v=DMARC1; p=reject; rua=mailto:dmarc@shop.example")
MAIL = {
    "mx": ("MX", "@", 10, "mx.mailhost.example"),
    "spf": ("TXT", "@", None, "v=spf1 include:_spf.mailhost.example -all"),
    "dkim": ("CNAME", "mh1._domainkey", None, "mh1.dkim.mailhost.example"),
    "dmarc": DMARC_REJECT,
}
NO_SENDERS = {"spf": ("TXT", "@", None, "v=spf1 -all"), "dmarc": DMARC_REJECT}
SECOND = {
    "complete": MAIL,
    "none": {},
    "null-mx": {"mx": ("MX", "@", 0, "."), **NO_SENDERS},
    "no-senders": NO_SENDERS,
}

zone("shop", "shop.example", MAIL)
zone("blog", "blog.example", SECOND[second])
