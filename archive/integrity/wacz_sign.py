"""Signed WACZ packages and their verification (issue 23).

Follows the WACZ Signing and Verification recommendation
(https://specs.webrecorder.net/wacz-auth/0.1.0/). In its *anonymous* form the
package's ``datapackage-digest.json`` holds, beside ``path`` and ``hash`` (the SHA-256 of
``datapackage.json``), a ``signedData`` object::

    {"hash": "sha256:…",             the digest signed, as in "hash" above
     "created": "2026-01-02T03:04:05Z",
     "software": "news-web-archiver", "version": "1.2.3",
     "signature": "<base64>",       ECDSA P-384 with SHA-256 over the UTF-8 bytes of
                                    "hash"; r||s, 96 bytes (IEEE P1363, as WebCrypto
                                    and ArchiveWeb.page write it)
     "publicKey": "<base64>",       the signer's public key, DER SubjectPublicKeyInfo
     "timeSignature": "<base64>",   optional: an RFC 3161 TimeStampToken (DER) whose
                                    message imprint is the SHA-256 of the signature bytes
     "timestampCert": "<PEM>"}      the certificates that token carries

Why P-384 and SHA-256: that is what ReplayWeb.page verifies. Its wabac.js (2.5.3 bundles
it in ``sw.js``) imports an anonymous ``publicKey`` as SPKI with ``{name: "ECDSA",
namedCurve: "P-384"}`` and checks the signature with ``{name: "ECDSA", hash: "SHA-256"}``;
a P-256 key fails that import and the package is shown without a signer. Packages this
module signed with P-256 keys (before keygen made P-384 ones) still verify here: the curve
is read from the ``publicKey``.

The private key (PEM, PKCS#8, made by ``news-archive keygen``) never enters the package;
whoever verifies learns the public key out of band (``verify --public-key``).

The recommendation's other form, *domain-ownership identity*, is written when the key file
is a PEM bundle of an ECDSA key and the certificate chain of a domain it is for (``cat
privkey.pem fullchain.pem``): ``signedData`` then holds ``domain`` and ``domainCert`` (the
chain, leaf first, PEM blocks a blank line apart) instead of ``publicKey``, ``signature``
is by the leaf's key (r||s, its curve), and the timestamp is required. Verifying it: the
signature with the leaf's key, the leaf is for ``domain`` (subjectAltName, or the common
name without one), the leaf was valid at the time stamped, and given ``verify
--domain-roots PEM``, the chain to one of those roots for that domain at that time, as a
TLS client checks a server (cryptography's ``x509.verification``).

:func:`verify_wacz` checks, in order: ``datapackage.json`` against the hash in
``datapackage-digest.json``; every resource of ``datapackage.json`` (its hash and size)
against the package's entries; the signature, if any; the timestamp, if any: that it is
an RFC 3161 token whose imprint is the SHA-256 of this signature and, given the roots the
user trusts (``verify --timestamp-roots PEM``), that the timestamp authority's CMS
signature covers this TSTInfo (signed attributes, message digest), that its certificate
is for time-stamping (critical extended key usage) and that it chains, through the
certificates the token carries, to one of those roots, valid at the time stamped (all by
``rfc3161-client``, on OpenSSL). Without roots the authority's signature and chain are
not checked, and the result says so. The first difference ends the check, naming the
file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509 import verification as x509_verification
from cryptography.x509.oid import NameOID
from rfc3161_client import (
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

DATAPACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"
CURVE = ec.SECP384R1  # what ReplayWeb.page verifies (see the module's docstring)
CHUNK = 1 << 20

urlopen = urllib.request.urlopen  # the tests replace it: no network in tests


class SignError(Exception):
    """A key cannot be read or used, or the timestamp server failed (a message for the user)."""


# -- keys --------------------------------------------------------------------------------
def generate_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(CURVE())


def private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_b64(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> str:
    """The public key as ``signedData.publicKey`` holds it: base64 of DER SPKI."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


@dataclass(frozen=True)
class DomainKey:
    """A private key with the certificate chain (leaf first) of a domain it is for: the
    recommendation's domain-ownership identity."""

    key: ec.EllipticCurvePrivateKey
    chain: list[x509.Certificate]
    domain: str


def load_private_key(path: Path) -> ec.EllipticCurvePrivateKey | DomainKey:
    """The signing key of *path*: a P-384 key made by keygen (anonymous signature), or a
    PEM bundle of an ECDSA key and its domain certificate chain, leaf first (``cat
    privkey.pem fullchain.pem``: a signature by the domain)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SignError(f"cannot read the key {path}: {exc.strerror or exc}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SignError(f"{path} is not an unencrypted PEM private key ({exc})") from None
    if b"-----BEGIN CERTIFICATE-----" in data:
        return _domain_key(path, key, data)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != CURVE.name:
        older = isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
        raise SignError(
            f"{path} is not an ECDSA P-384 key"
            + (" (a P-256 key, which ReplayWeb.page cannot verify)" if older else "")
            + ": make one with `news-archive keygen`"
        )
    return key


def _domain_key(path: Path, key: Any, data: bytes) -> DomainKey:
    try:
        chain = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise SignError(f"{path}: its certificates cannot be read ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SignError(f"{path}: the key of a domain certificate must be ECDSA (P-256 or P-384)")
    if chain[0].public_key() != key.public_key():
        raise SignError(f"{path}: the first certificate is not for its private key")
    names = [name for name in domain_names(chain[0]) if not name.startswith("*.")]
    if not names:
        raise SignError(f"{path}: the first certificate names no domain (a wildcard is not one)")
    return DomainKey(key, chain, names[0])


def domain_names(cert: x509.Certificate) -> list[str]:
    """The DNS names a certificate is for: its subjectAltName's, else its common name."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        return [str(name) for name in san.value.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        common = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return [str(common[0].value)] if common else []


def _covers(names: list[str], domain: str) -> bool:
    """Whether one of a certificate's *names* is *domain* (a wildcard: one label)."""
    domain = domain.lower().rstrip(".")
    for name in (n.lower().rstrip(".") for n in names):
        if name == domain:
            return True
        if name.startswith("*.") and "." in domain and domain.split(".", 1)[1] == name[2:]:
            return True
    return False


def load_public_key(value: str) -> ec.EllipticCurvePublicKey:
    """A public key given as a PEM file's path or as the base64 that keygen prints."""
    path = Path(value)
    try:
        if path.is_file():
            data = path.read_bytes()
            if b"PRIVATE KEY" in data:
                key = serialization.load_pem_private_key(data, password=None).public_key()
            else:
                key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(base64.b64decode(value, validate=True))
    except (ValueError, TypeError, binascii.Error, OSError, UnsupportedAlgorithm) as exc:
        raise SignError(f"not a public key (a PEM file or base64 DER): {value!r} ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise SignError(f"not an ECDSA public key: {value!r}")
    return key


def fingerprint(public_key_b64_: str) -> str:
    """A short name for a public key: the first 16 hex digits of its DER's SHA-256."""
    try:
        der = base64.b64decode(public_key_b64_, validate=True)
    except (binascii.Error, ValueError):
        der = public_key_b64_.encode()
    return hashlib.sha256(der).hexdigest()[:16]


# -- signing -----------------------------------------------------------------------------
def sign_digest(
    key: ec.EllipticCurvePrivateKey | DomainKey,
    digest: str,
    *,
    software: str,
    version: str,
    timestamp_url: str | None = None,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """The ``signedData`` of the package whose ``datapackage.json`` hashes to *digest*:
    anonymous (``publicKey``) for a key, ``domain`` and ``domainCert`` for a
    :class:`DomainKey`, which the recommendation requires to be timestamped."""
    private = key.key if isinstance(key, DomainKey) else key
    if isinstance(key, DomainKey) and not timestamp_url:
        raise SignError(
            "a signature by a domain certificate needs --timestamp-url "
            "(the recommendation requires its timestamp)"
        )
    der = private.sign(digest.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    size = (private.curve.key_size + 7) // 8
    raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    signed: dict[str, Any] = {
        "hash": digest,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": software,
        "version": version,
        "signature": base64.b64encode(raw).decode("ascii"),
    }
    if isinstance(key, DomainKey):
        signed["domain"] = key.domain
        # PEM blocks a blank line apart: ReplayWeb.page reads the first block as the leaf
        signed["domainCert"] = "\n".join(
            cert.public_bytes(serialization.Encoding.PEM).decode("ascii") for cert in key.chain
        )
    else:
        signed["publicKey"] = public_key_b64(key)
    if timestamp_url:
        token = fetch_timestamp(timestamp_url, hashlib.sha256(raw).digest(), timeout=timeout)
        signed["timeSignature"] = base64.b64encode(token).decode("ascii")
        signed["timestampCert"] = "".join(
            cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
            for cert in pkcs7.load_der_pkcs7_certificates(token)
        )
    return signed


# -- RFC 3161 (a minimal DER writer and reader) ---------------------------------------------
_SHA256_OID = bytes.fromhex("0609608648016503040201")  # OBJECT IDENTIFIER 2.16.840.1.101.3.4.2.1
SHA256_OID = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        size = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(size)]) + size
    return bytes([tag]) + length + content


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def read_tlv(data: bytes) -> tuple[int, bytes, bytes]:
    """The first DER element of *data*: (tag, content, the bytes after it)."""
    if len(data) < 2:
        raise ValueError("truncated DER")
    tag, first = data[0], data[1]
    if first < 0x80:
        start, length = 2, first
    else:
        count = first & 0x7F
        start, length = 2 + count, int.from_bytes(data[2 : 2 + count], "big")
    if start + length > len(data):
        raise ValueError("truncated DER")
    return tag, data[start : start + length], data[start + length :]


def timestamp_request(imprint: bytes, nonce: int) -> bytes:
    """A DER TimeStampReq (RFC 3161 §2.4.1) for the SHA-256 *imprint*, asking for the
    TSA's certificate."""
    algorithm = _tlv(0x30, _SHA256_OID + b"\x05\x00")
    message_imprint = _tlv(0x30, algorithm + _tlv(0x04, imprint))
    return _tlv(0x30, _integer(1) + message_imprint + _integer(nonce) + b"\x01\x01\xff")


def timestamp_token(response: bytes) -> bytes:
    """The TimeStampToken (DER) of a TimeStampResp, or :class:`SignError`."""
    try:
        tag, body, _ = read_tlv(response)
        status_tag, status_info, rest = read_tlv(body)
        _, status, _ = read_tlv(status_info)
        granted = int.from_bytes(status, "big")
        if tag != 0x30 or status_tag != 0x30:
            raise ValueError("not a TimeStampResp")
    except ValueError as exc:
        raise SignError(f"the timestamp server's answer is not a TimeStampResp ({exc})") from None
    if granted not in (0, 1) or not rest:
        raise SignError(f"the timestamp server refused the request (PKIStatus {granted})")
    token_tag, token_body, _ = read_tlv(rest)
    return _tlv(token_tag, token_body)


def fetch_timestamp(url: str, imprint: bytes, *, timeout: float = 30.0) -> bytes:
    """An RFC 3161 TimeStampToken for *imprint* from the timestamp server at *url*: one
    whose TSTInfo holds this imprint and this request's nonce."""
    nonce = secrets.randbits(63)
    request = urllib.request.Request(
        url,
        data=timestamp_request(imprint, nonce),
        headers={"Content-Type": "application/timestamp-query"},
        method="POST",
    )
    try:
        with urlopen(request, timeout=timeout) as answer:
            response = answer.read()
    except OSError as exc:
        raise SignError(f"timestamp server {url}: {exc}") from None
    token = timestamp_token(response)
    try:
        info = decode_timestamp_response(response).tst_info
        imprinted, answered = info.message_imprint.message, info.nonce
    except ValueError as exc:
        raise SignError(f"timestamp server {url}: its token cannot be read ({exc})") from None
    if imprinted != imprint:
        raise SignError(f"timestamp server {url}: the token is not for this signature")
    if answered != nonce:
        raise SignError(f"timestamp server {url}: the token does not answer this request (nonce)")
    return token


# -- verification ----------------------------------------------------------------------------
@dataclass
class WaczCheck:
    path: Path
    problem: str | None = None  # the first difference, one line
    files: int = 0
    signed_by: str | None = None  # the public key's fingerprint
    signed_domain: str | None = None  # the domain of a domain-certificate signature
    domain_checked: bool = False  # its certificate chain, against the given roots
    timestamped: bool = False
    stamped_at: datetime | None = None  # the TSTInfo's genTime
    stamped_by: str | None = None  # the timestamp authority's certificate's common name
    authority_checked: bool = False  # its signature and chain, against the given roots

    @property
    def clean(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.signed_domain is not None:
            signature = f"signature valid (domain {self.signed_domain}, " + (
                "its certificate chain to a given root valid)"
                if self.domain_checked
                else "its certificate chain not checked: no --domain-roots)"
            )
        elif self.signed_by is not None:
            signature = f"signature valid (key {self.signed_by})"
        else:
            signature = "not signed"
        if self.timestamped:
            when = self.stamped_at.strftime("%Y-%m-%dT%H:%M:%SZ") if self.stamped_at else "?"
            signature += f", timestamped {when} by {self.stamped_by or 'an unnamed authority'}"
            signature += (
                " (its signature and chain to a given root valid)"
                if self.authority_checked
                else " (the authority's signature and chain not checked: no --timestamp-roots)"
            )
        return f"{self.path}: {self.files} files match datapackage.json, {signature}"


class _Differs(Exception):
    pass


def verify_wacz(
    path: Path,
    *,
    public_key: ec.EllipticCurvePublicKey | None = None,
    timestamp_roots: list[x509.Certificate] | None = None,
    domain_roots: list[x509.Certificate] | None = None,
) -> WaczCheck:
    """Check the package at *path* (see the module's docstring); never raises for a bad
    package: :attr:`WaczCheck.problem` says what differs. With *timestamp_roots* the
    package must be timestamped by an authority that chains to one of them; with
    *domain_roots*, signed by a domain whose certificate chains to one of them."""
    check = WaczCheck(Path(path))
    try:
        with zipfile.ZipFile(path) as zf:
            _verify(zf, check, public_key, timestamp_roots or None, domain_roots or None)
    except _Differs as exc:
        check.problem = str(exc)
    except (zipfile.BadZipFile, OSError) as exc:
        check.problem = f"{path}: not a readable WACZ ({exc})"
    return check


def _verify(
    zf: zipfile.ZipFile,
    check: WaczCheck,
    expected: ec.EllipticCurvePublicKey | None,
    roots: list[x509.Certificate] | None,
    domain_roots: list[x509.Certificate] | None,
) -> None:
    package = _read(zf, DATAPACKAGE)
    digest = _json(_read(zf, DIGEST), DIGEST)
    if digest.get("path") != DATAPACKAGE or not isinstance(digest.get("hash"), str):
        raise _Differs(f"{DIGEST}: no hash of {DATAPACKAGE}")
    if package_hash(package) != digest["hash"]:
        raise _Differs(f"{DATAPACKAGE}: its hash differs from the one in {DIGEST}")
    resources = _json(package, DATAPACKAGE).get("resources")
    if not isinstance(resources, list):
        raise _Differs(f"{DATAPACKAGE}: no resources")
    for resource in resources:
        _verify_resource(zf, resource)
        check.files += 1
    signed = digest.get("signedData")
    if signed is None:
        if expected is not None or roots is not None or domain_roots is not None:
            raise _Differs(f"{DIGEST}: the package is not signed")
        return
    if not isinstance(signed, dict):
        raise _Differs(f"{DIGEST}: signedData is not an object")
    if signed.get("hash") != digest["hash"]:
        raise _Differs(f"{DIGEST}: the signed hash is not the hash of {DATAPACKAGE}")
    if "domainCert" in signed or "domain" in signed:
        chain = _verify_domain_signature(signed, digest["hash"], expected, check)
        if not signed.get("timeSignature"):
            raise _Differs(
                f"{DIGEST}: a signature by a domain certificate without the timestamp "
                "(timeSignature) the recommendation requires"
            )
        _verify_timestamp(signed, check, roots)
        _verify_domain_chain(chain, check, domain_roots)
        return
    if domain_roots is not None:
        raise _Differs(f"{DIGEST}: the package is signed by a key, not by a domain certificate")
    check.signed_by = _verify_signature(signed, digest["hash"], expected)
    if signed.get("timeSignature"):
        _verify_timestamp(signed, check, roots)
    elif roots is not None:
        raise _Differs(f"{DIGEST}: the signature has no timestamp (timeSignature)")


def _verify_resource(zf: zipfile.ZipFile, resource: Any) -> None:
    if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
        raise _Differs(f"{DATAPACKAGE}: a resource without a path")
    name = resource["path"]
    sha = hashlib.sha256()
    size = 0
    try:
        with zf.open(name) as entry:
            while chunk := entry.read(CHUNK):
                sha.update(chunk)
                size += len(chunk)
    except KeyError:
        raise _Differs(f"{name}: listed in {DATAPACKAGE} but not in the package") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _Differs(f"{name}: its bytes are damaged ({exc})") from None
    if "sha256:" + sha.hexdigest() != resource.get("hash"):
        raise _Differs(f"{name}: its hash differs from the one in {DATAPACKAGE}")
    if "bytes" in resource and resource["bytes"] != size:
        raise _Differs(f"{name}: {size} bytes, {DATAPACKAGE} says {resource['bytes']}")


def _verify_signature(
    signed: dict[str, Any], digest: str, expected: ec.EllipticCurvePublicKey | None
) -> str:
    if not signed.get("publicKey"):
        raise _Differs(f"{DIGEST}: no publicKey (only anonymous signatures are checked)")
    try:
        key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
        signature = base64.b64decode(signed.get("signature") or "", validate=True)
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm):
        raise _Differs(
            f"{DIGEST}: the publicKey or the signature is not valid base64 DER"
        ) from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise _Differs(f"{DIGEST}: the publicKey is not an ECDSA key")
    signer = fingerprint(signed["publicKey"])
    if expected is not None and expected != key:
        raise _Differs(
            f"{DIGEST}: signed by key {signer}, "
            f"not by the expected key {fingerprint(public_key_b64(expected))}"
        )
    if not _ecdsa_valid(key, signature, digest):
        raise _Differs(f"{DIGEST}: the signature does not match its publicKey")
    return signer


def _ecdsa_valid(key: ec.EllipticCurvePublicKey, signature: bytes, digest: str) -> bool:
    """ECDSA with SHA-256 over the UTF-8 of *digest*; *signature* r||s (WebCrypto) or DER."""
    half = (key.curve.key_size + 7) // 8
    if len(signature) == 2 * half:  # r||s
        signature = encode_dss_signature(
            int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
        )
    try:
        key.verify(signature, digest.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _verify_domain_signature(
    signed: dict[str, Any],
    digest: str,
    expected: ec.EllipticCurvePublicKey | None,
    check: WaczCheck,
) -> list[x509.Certificate]:
    """The domain-ownership form: ``signature`` by the key of ``domainCert``'s first
    certificate, which is for ``domain``. Returns the chain."""
    domain, pem = signed.get("domain"), signed.get("domainCert")
    if not isinstance(domain, str) or not domain or not isinstance(pem, str):
        raise _Differs(f"{DIGEST}: a domain signature needs both domain and domainCert")
    if "publicKey" in signed:
        raise _Differs(f"{DIGEST}: signedData has both a publicKey and a domainCert")
    if expected is not None:
        raise _Differs(f"{DIGEST}: signed by the domain {domain}, not by the expected key")
    try:
        chain = x509.load_pem_x509_certificates(pem.encode("ascii"))
        signature = base64.b64decode(signed.get("signature") or "", validate=True)
    except (ValueError, UnicodeEncodeError, binascii.Error):
        raise _Differs(
            f"{DIGEST}: domainCert is not PEM certificates, or the signature not base64"
        ) from None
    key = chain[0].public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise _Differs(f"{DIGEST}: the domain certificate's key is not an ECDSA key")
    if not _ecdsa_valid(key, signature, digest):
        raise _Differs(f"{DIGEST}: the signature does not match the domain certificate's key")
    names = domain_names(chain[0])
    if not _covers(names, domain):
        raise _Differs(
            f"{DIGEST}: the domain certificate is not for {domain} "
            f"(it is for {', '.join(names) or 'no domain'})"
        )
    check.signed_domain = domain
    return chain


def _verify_domain_chain(
    chain: list[x509.Certificate], check: WaczCheck, roots: list[x509.Certificate] | None
) -> None:
    """The domain certificate valid at the time stamped; with *roots*, its chain to one
    of them for the domain, as a TLS client would check it then (cryptography's
    ``x509.verification``: the Web PKI's profile, serverAuth)."""
    leaf, when = chain[0], check.stamped_at
    assert when is not None and check.signed_domain is not None  # stamped before
    if not leaf.not_valid_before_utc <= when <= leaf.not_valid_after_utc:
        raise _Differs(
            f"{DIGEST}: the domain certificate was not valid at the time stamped "
            f"({when:%Y-%m-%dT%H:%M:%SZ}; valid {leaf.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ}"
            f" to {leaf.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ})"
        )
    if roots is None:
        return
    try:
        verifier = (
            x509_verification.PolicyBuilder()
            .store(x509_verification.Store(roots))
            .time(when)
            .build_server_verifier(x509_verification.DNSName(check.signed_domain))
        )
        verifier.verify(leaf, chain[1:])
    except (x509_verification.VerificationError, ValueError) as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise _Differs(
            f"{DIGEST}: the domain certificate does not chain to a given root for "
            f"{check.signed_domain} ({detail})"
        ) from None
    check.domain_checked = True


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Root certificates one trusts (PEM, one or more in a file)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SignError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        raise SignError(f"{path} holds no PEM certificate") from None


def _verify_timestamp(
    signed: dict[str, Any], check: WaczCheck, roots: list[x509.Certificate] | None
) -> None:
    """The ``timeSignature`` a timestamp of this signature (with *roots*, by an authority
    that chains to one of them); *check* records it as timestamped, when and by whom."""
    try:
        token = base64.b64decode(signed["timeSignature"], validate=True)
        signature = base64.b64decode(signed["signature"], validate=True)
        response = decode_timestamp_response(_tlv(0x30, _tlv(0x30, _integer(0)) + token))
        imprint = response.tst_info.message_imprint
        algorithm, message = imprint.hash_algorithm, imprint.message
        check.stamped_at = response.tst_info.gen_time
    except (ValueError, TypeError, binascii.Error):
        raise _Differs(f"{DIGEST}: timeSignature is not an RFC 3161 token") from None
    hashed = hashlib.sha256(signature).digest()
    if algorithm != SHA256_OID or message != hashed:
        raise _Differs(f"{DIGEST}: timeSignature is not a timestamp of this signature")
    check.stamped_by = _authority(response)
    if roots is not None:
        try:
            VerifierBuilder(roots=list(roots)).build().verify(response, hashed)
        except VerificationError as exc:
            raise _Differs(f"{DIGEST}: the timestamp {_why(str(exc))}") from None
        check.authority_checked = True
    check.timestamped = True


def _authority(response: TimeStampResponse) -> str | None:
    """The common name of the certificate that signed the token, if it carries it."""
    signers = list(response.signed_data.signer_infos)
    for der in response.signed_data.certificates:
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            continue
        if any(cert.issuer == s.issuer and cert.serial_number == s.serial_number for s in signers):
            names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            return str(names[0].value) if names else cert.subject.rfc4514_string()
    return None


def _why(message: str) -> str:
    """What rfc3161-client's (OpenSSL's) error means, in a few words."""
    if "unsuitable certificate purpose" in message or "EKU" in message:
        return "authority's certificate is not for time-stamping (no critical timeStamping EKU)"
    if "certificate verify error" in message:
        detail = message.split("Verify error: ", 1)[-1].split('"', 1)[0]
        reason = f" ({detail})" if detail != message else ""
        return f"authority's certificate does not chain to a given root{reason}"
    if "digest failure" in message:
        return "token's TSTInfo is not what the authority signed (its message digest differs)"
    if "signature failure" in message:
        return "authority's signature does not verify with its certificate"
    return f"does not verify ({message.splitlines()[0][:160]})"


def _read(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        raise _Differs(f"{name}: not in the package") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _Differs(f"{name}: its bytes are damaged ({exc})") from None


def _json(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        raise _Differs(f"{name}: not valid JSON") from None
    if not isinstance(value, dict):
        raise _Differs(f"{name}: not a JSON object")
    return value


def package_hash(data: bytes) -> str:
    """A WACZ digest value: ``sha256:`` and the hex SHA-256 of *data*."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write_private_key(key: ec.EllipticCurvePrivateKey, out: Path) -> None:
    """Write *key* to a new file *out* readable by its owner only (never replaced)."""
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private_pem(key))
        f.flush()
        os.fsync(f.fileno())


Signer = Callable[[str], dict[str, Any]]

__all__ = [
    "DIGEST",
    "SignError",
    "Signer",
    "WaczCheck",
    "fetch_timestamp",
    "generate_key",
    "load_private_key",
    "DomainKey",
    "load_certificates",
    "load_public_key",
    "package_hash",
    "public_key_b64",
    "sign_digest",
    "timestamp_request",
    "timestamp_token",
    "verify_wacz",
    "write_private_key",
]
