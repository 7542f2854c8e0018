"""TLS checks of every public host on the HTTPS port (checklist §10 Security Verification, §8 HTTPS-only mode).

- ``tls-certificate`` (10.security-verification.1): the chain verifies for the host's name against the
  system's trust store plus ``--ca-bundle``.
- ``tls-expiry`` (10.security-verification.1): the certificate is valid for more than 14 more days (the
  go-live margin: cert-manager renews a month ahead, so less than that margin means renewal is failing).
- ``tls-modern`` (8.application-security.1): TLS 1.2 and TLS 1.3 handshakes succeed.
- ``tls-legacy`` (8.application-security.1): TLS 1.0 and 1.1 handshakes are refused. When the local OpenSSL
  cannot even offer one of them, the check says "not tested" and why: it never passes on a guess.

The protocol and expiry probes do not verify the chain (that is ``tls-certificate``'s job), so one broken
property fails one check: an expired certificate fails ``tls-expiry`` alone (``tls-certificate`` is "not
tested: tls-expiry failed", the expiry being the only reason its chain does not verify). A host with no TLS
connection at all fails ``tls-certificate`` and its other checks are not tested; when its DNS name failed
(``dns-address``), or it does not resolve, that failure is the one that counts.
"""

from __future__ import annotations

import datetime
import ssl
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agencyos_infra.verify.network import Connector, Unresolved, VerifyUsageError
from agencyos_infra.verify.provider_facts import HTTPS_PORT
from agencyos_infra.verify.result import Check, Status, blocked, failed, judged, not_tested, passed
from agencyos_infra.verify.target import Target

EXPIRY_MARGIN_DAYS = 14
ITEM_CERTIFICATE = "10.security-verification.1"
ITEM_PROTOCOLS = "8.application-security.1"


# OpenSSL's X509_V_ERR_CERT_HAS_EXPIRED: the verify error that is tls-expiry's to report.
CERT_HAS_EXPIRED = 10
NO_CONNECTION = "no TLS connection"
DNS_CHECK = "dns-address"
MODERN = {"TLS 1.2": "TLSv1_2", "TLS 1.3": "TLSv1_3"}
LEGACY = {"TLS 1.0": "TLSv1", "TLS 1.1": "TLSv1_1"}


def verifying_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """The default context (system trust, hostname checked) plus the ``--ca-bundle`` certificates."""
    context = ssl.create_default_context()
    if ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=str(ca_bundle))
        except (OSError, ssl.SSLError) as error:
            raise VerifyUsageError(
                f"--ca-bundle {ca_bundle}: not a readable PEM certificate bundle ({error})"
            ) from None
    return context


def unverified_context(version: str | None = None) -> ssl.SSLContext:
    """No chain check; pinned to one protocol version when given (legacy ones at OpenSSL security level 0)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if version is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # probing deprecated protocols is the point
            context.minimum_version = context.maximum_version = getattr(ssl.TLSVersion, version)
        if version in LEGACY.values():
            # OpenSSL 3 offers nothing below TLS 1.2 at its default security level.
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def cannot_offer(version: str) -> str | None:
    """Why this machine's OpenSSL cannot send a ClientHello for ``version``, or None when it can."""
    try:
        context = unverified_context(version)
        connection = context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="probe.invalid")
        connection.do_handshake()
    except ssl.SSLWantReadError:
        return None  # the ClientHello is written and the handshake waits for the server: it can be offered
    except (ssl.SSLError, ValueError, AttributeError) as error:
        return f"the local OpenSSL ({ssl.OPENSSL_VERSION}) cannot offer it: {_reason(error)}"
    return None


def tls_checks(
    target: Target, connector: Connector, verifying: ssl.SSLContext, dns_failed: frozenset[str] = frozenset()
) -> list[Check]:
    """The four checks of every host; ``dns_failed``: hosts whose ``dns-address`` failed (a connection failure
    there is that check's fault, not another failed check)."""
    checks = []
    for host in target.hosts:
        certificate = _certificate(host, connector, verifying, host in dns_failed)
        if certificate.status is not Status.PASS and (
            certificate.blocked_by == DNS_CHECK or certificate.detail.startswith(NO_CONNECTION)
        ):
            by = certificate.blocked_by or certificate.name
            checks += [certificate, *(blocked(n, host, i, by) for n, i in _AFTER_CERTIFICATE)]
            continue
        expiry = _expiry(host, connector)
        if certificate.status is Status.FAIL and certificate.detail.endswith(_EXPIRED_REASON):
            certificate = blocked(certificate.name, host, ITEM_CERTIFICATE, expiry.name)
        checks += [certificate, expiry, _modern(host, connector), _legacy(host, connector)]
    return checks


_AFTER_CERTIFICATE = (("tls-expiry", ITEM_CERTIFICATE), ("tls-modern", ITEM_PROTOCOLS), ("tls-legacy", ITEM_PROTOCOLS))
_EXPIRED_REASON = "(certificate has expired)"


def https_blockers(checks: list[Check]) -> dict[str, str]:
    """Hosts without a TLS connection -> the failed check that says so: their HTTPS checks are not tested."""
    return {
        c.target: c.blocked_by or c.name
        for c in checks
        if c.name == "tls-certificate"
        and (c.blocked_by == DNS_CHECK or (c.status is Status.FAIL and c.detail.startswith(NO_CONNECTION)))
    }


def _handshake(host: str, connector: Connector, context: ssl.SSLContext, use: Callable[[ssl.SSLSocket], Any]) -> Any:
    """Connect (OSError if the TCP connection fails), then shake hands and ``use`` the TLS socket."""
    raw = connector.connect(host, HTTPS_PORT)
    with context.wrap_socket(raw, server_hostname=host) as tls:
        return use(tls)


def _certificate(host: str, connector: Connector, context: ssl.SSLContext, dns_failed: bool) -> Check:
    try:
        issuer = _handshake(host, connector, context, lambda tls: _issuer(tls.getpeercert() or {}))
    except ssl.SSLCertVerificationError as error:
        reason = " (certificate has expired)" if error.verify_code == CERT_HAS_EXPIRED else ""
        return failed("tls-certificate", host, ITEM_CERTIFICATE, f"not trusted: {error.verify_message}{reason}")
    except Unresolved:
        return blocked("tls-certificate", host, ITEM_CERTIFICATE, DNS_CHECK)
    except (OSError, ssl.SSLError) as error:
        if dns_failed:
            return blocked("tls-certificate", host, ITEM_CERTIFICATE, DNS_CHECK)
        return failed("tls-certificate", host, ITEM_CERTIFICATE, f"{NO_CONNECTION}: {_reason(error)}")
    return passed("tls-certificate", host, ITEM_CERTIFICATE, f"chain valid for {host} (issuer {issuer})")


def _expiry(host: str, connector: Connector) -> Check:
    from cryptography import x509

    try:
        der = _handshake(host, connector, unverified_context(), lambda tls: tls.getpeercert(binary_form=True))
    except (OSError, ssl.SSLError) as error:
        return failed("tls-expiry", host, ITEM_CERTIFICATE, f"{NO_CONNECTION}: {_reason(error)}")
    not_after = x509.load_der_x509_certificate(der).not_valid_after_utc
    left = not_after - datetime.datetime.now(datetime.UTC)
    days = left.days
    when = f"{not_after:%Y-%m-%d} ({days} days)" if left.total_seconds() >= 0 else f"{not_after:%Y-%m-%d}"
    problem = None
    if left.total_seconds() < 0:
        problem = f"expired {when}"
    elif left <= datetime.timedelta(days=EXPIRY_MARGIN_DAYS):
        problem = f"expires {when}: within {EXPIRY_MARGIN_DAYS} days, renewal is failing"
    return judged("tls-expiry", host, ITEM_CERTIFICATE, problem, f"expires {when}")


class _Unreachable(Exception):
    """The host could not be asked at all: no verdict on its protocols."""


def _accepts(host: str, connector: Connector, version: str) -> bool:
    """Whether the server completes a handshake at exactly ``version``; _Unreachable if it cannot be asked."""
    try:
        raw = connector.connect(host, HTTPS_PORT)
    except OSError as error:
        raise _Unreachable(f"no connection: {_reason(error)}") from None
    try:
        with unverified_context(version).wrap_socket(raw, server_hostname=host):
            return True
    except TimeoutError:
        raise _Unreachable("no TLS answer in time") from None
    except (ssl.SSLError, ConnectionError, OSError):
        return False  # an alert, a reset or a closed connection: the server refused that protocol
    finally:
        raw.close()


def _modern(host: str, connector: Connector) -> Check:
    untestable = {label: why for label, v in MODERN.items() if (why := cannot_offer(v)) is not None}
    try:
        refused = [label for label, v in MODERN.items() if label not in untestable and not _accepts(host, connector, v)]
    except _Unreachable as error:
        return failed("tls-modern", host, ITEM_PROTOCOLS, str(error))
    if refused:
        return failed("tls-modern", host, ITEM_PROTOCOLS, f"{' and '.join(refused)} refused")
    if untestable:
        return not_tested("tls-modern", host, ITEM_PROTOCOLS, _untestable(untestable))
    return passed("tls-modern", host, ITEM_PROTOCOLS, " and ".join(MODERN) + " accepted")


def _legacy(host: str, connector: Connector) -> Check:
    untestable = {label: why for label, v in LEGACY.items() if (why := cannot_offer(v)) is not None}
    try:
        accepted = [label for label, v in LEGACY.items() if label not in untestable and _accepts(host, connector, v)]
    except _Unreachable as error:
        return failed("tls-legacy", host, ITEM_PROTOCOLS, str(error))
    if accepted:
        return failed("tls-legacy", host, ITEM_PROTOCOLS, f"{' and '.join(accepted)} accepted: must be refused")
    if untestable:
        tested = [label for label in LEGACY if label not in untestable]
        refused = f"{' and '.join(tested)} refused; " if tested else ""
        return not_tested("tls-legacy", host, ITEM_PROTOCOLS, refused + _untestable(untestable))
    return passed("tls-legacy", host, ITEM_PROTOCOLS, " and ".join(LEGACY) + " refused")


def _untestable(reasons: dict[str, str]) -> str:
    return "; ".join(f"{label} not tested: {why}" for label, why in reasons.items())


def _issuer(certificate: dict[str, Any]) -> str:
    fields = {key: value for rdn in certificate.get("issuer", ()) for key, value in rdn}
    return str(fields.get("organizationName") or fields.get("commonName") or "unknown")


def _reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason).lower().replace("_", " ")
    if isinstance(error, TimeoutError):
        return "timed out"
    return " ".join(str(error).split()) or type(error).__name__
