"""``agencyos-infra verify``: checks the live platform against the go-live checklist.

One module per concern: ``target`` (what the stack says should be live), ``network`` (where connections
go: ``--dns-server``, ``--resolve``, ``--connect-to``), the checks (``dns_checks``, ``tls_checks``,
``http_checks``), ``render`` (text, JSON, Markdown) and ``command`` (the CLI handler). ``fixtures`` holds
the loopback DNS and HTTPS servers the tests and ``make verify-demo`` run the verifier against.
"""
