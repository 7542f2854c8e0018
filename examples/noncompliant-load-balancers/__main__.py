"""Two global external Application Load Balancers, as teams write them with pulumi_gcp directly.

`shop` is HTTPS-only: a managed certificate on the HTTPS proxy, and a second URL map on the HTTP proxy that only
redirects to HTTPS, both forwarding rules on one reserved address. `docs` was put up quickly: one forwarding
rule on port 80 to an HTTP proxy whose URL map serves the bucket, and no HTTPS at all."""

import pulumi_gcp as gcp

health = gcp.compute.HealthCheck("shop", http_health_check={"port": 8080, "request_path": "/health"})
shop_backend = gcp.compute.BackendService(
    "shop", protocol="HTTP", load_balancing_scheme="EXTERNAL_MANAGED", health_checks=health.id
)
shop_map = gcp.compute.URLMap("shop", default_service=shop_backend.id)
shop_redirect = gcp.compute.URLMap(
    "shop-redirect",
    default_url_redirect=gcp.compute.URLMapDefaultUrlRedirectArgs(
        https_redirect=True, redirect_response_code="MOVED_PERMANENTLY_DEFAULT", strip_query=False
    ),
)
certificate = gcp.compute.ManagedSslCertificate("shop", managed={"domains": ["shop.example.com"]})
shop_ip = gcp.compute.GlobalAddress("shop")
shop_https = gcp.compute.TargetHttpsProxy("shop", url_map=shop_map.id, ssl_certificates=[certificate.id])
shop_http = gcp.compute.TargetHttpProxy("shop", url_map=shop_redirect.id)
gcp.compute.GlobalForwardingRule(
    "shop-https",
    target=shop_https.self_link,
    port_range="443",
    ip_address=shop_ip.address,
    load_balancing_scheme="EXTERNAL_MANAGED",
)
gcp.compute.GlobalForwardingRule(
    "shop-http",
    target=shop_http.self_link,
    port_range="80",
    ip_address=shop_ip.address,
    load_balancing_scheme="EXTERNAL_MANAGED",
)

docs_bucket = gcp.storage.Bucket(
    "docs", location="EU", uniform_bucket_level_access=True, public_access_prevention="enforced"
)
docs_backend = gcp.compute.BackendBucket("docs", bucket_name=docs_bucket.name, enable_cdn=True)
docs_map = gcp.compute.URLMap("docs", default_service=docs_backend.self_link)
docs_http = gcp.compute.TargetHttpProxy("docs", url_map=docs_map.self_link)
gcp.compute.GlobalForwardingRule("docs", target=docs_http.id, port_range="80")
