"""Signed WACZ (issue 23): ``keygen``, ``wacz --sign KEY [--timestamp-url URL]``,
``verify --wacz FILE [--public-key KEY]`` (archive/integrity/wacz_sign.py)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import stat
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from archive.integrity import wacz_sign
from archive.integrity.wacz_sign import read_tlv, timestamp_request
from archive.layout import ArchiveLayout
from archive.recorder import ArchiveRecorder
from tests.cli_support import Result, cli, exchange, utc

PAGE = "<html><head><title>Story {n}</title></head><body><p>{text}</p></body></html>"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small archive: three HTML pages and a stylesheet, one WARC file."""
    root = tmp_path_factory.mktemp("signed") / "archive"
    recorder = ArchiveRecorder(ArchiveLayout(root), prefix="small", fsync=False)
    recorder.start()
    try:
        for n in range(3):
            body = PAGE.format(n=n, text=f"Helmand story number {n}. " * 20).encode()
            recorder.record_exchange(
                exchange(f"http://news.test/story/{n}", body, date=utc(2024, 5, 1, 0, 0, n))
            ).result()
        recorder.record_exchange(
            exchange(
                "http://news.test/site.css",
                b"body { color: black }",
                date=utc(2024, 5, 1, 0, 1, 0),
                content_type="text/css",
            )
        ).result()
    finally:
        recorder.close()
    return root


@pytest.fixture
def key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    """A private key made by ``keygen`` (outside the archive) and the public key printed."""
    path = tmp_path / "keys" / "signing.pem"
    path.parent.mkdir()
    result = cli(capsys, "--archive-dir", tmp_path / "nowhere", "keygen", path)
    assert result.code == 0, result.err
    assert result.out.count("\n") == 1
    assert result.err == (
        f"keygen: wrote the private key {path} (mode 0600); the public key is above\n"
    )
    return path, result.out.strip()


def package(
    capsys: pytest.CaptureFixture[str], root: Path, out: Path, *extra: str | Path
) -> Result:
    return cli(capsys, "--archive-dir", root, "wacz", out, *extra)


def verify(capsys: pytest.CaptureFixture[str], wacz: Path, *extra: str | Path) -> Result:
    return cli(capsys, "verify", "--wacz", wacz, *extra)


def one_line_failure(result: Result) -> str:
    assert result.code == 1, result
    assert result.err == ""
    assert result.out.count("\n") == 1, result.out
    return result.out.strip()


def rewrite(src: Path, dst: Path, change: Callable[[str, bytes], bytes]) -> None:
    """Copy the package *src* to *dst*, entry by entry, through *change(name, data)*."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, change(info.filename, zin.read(info)))


def signed_data(package_path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(package_path) as zf:
        value: dict[str, Any] = json.loads(zf.read("datapackage-digest.json"))["signedData"]
    return value


def resign_data(src: Path, dst: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """*src* copied to *dst* with its ``signedData`` changed in place by *change*."""

    def edit(name: str, blob: bytes) -> bytes:
        if name != "datapackage-digest.json":
            return blob
        digest = json.loads(blob)
        change(digest["signedData"])
        return json.dumps(digest).encode()

    rewrite(src, dst, edit)
    return dst


def resigned(
    src: Path,
    dst: Path,
    key: ec.EllipticCurvePrivateKey | wacz_sign.DomainKey,
    *,
    software: str,
    version: str,
    timestamp_url: str | None = None,
) -> Path:
    """*src* copied to *dst* with its ``signedData`` made anew by *key* (the hash signed
    stays the package's own)."""

    def change(data: dict[str, Any]) -> None:
        new = wacz_sign.sign_digest(
            key, data["hash"], software=software, version=version, timestamp_url=timestamp_url
        )
        data.clear()
        data.update(new)

    return resign_data(src, dst, change)


def flip(data: bytes, at: int | None = None) -> bytes:
    at = len(data) // 2 if at is None else at
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@pytest.fixture
def signed(
    small: Path, key: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Path:
    out = tmp_path / "signed.wacz"
    result = package(capsys, small, out, "--sign", key[0])
    assert result.code == 0, result.err
    assert result.err.startswith(f"wacz: wrote {out} (") and result.err.endswith(", signed\n")
    return out


# -- keygen ------------------------------------------------------------------------------------
def test_keygen_writes_an_owner_only_key_and_prints_the_public_key(
    key: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, public = key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert private.curve.name == "secp384r1"  # what ReplayWeb.page verifies
    assert public == wacz_sign.public_key_b64(private)
    # never replaced
    again = cli(capsys, "--archive-dir", path.parent / "nowhere", "keygen", path)
    assert again.code == 1
    assert again.error_line() == f"error: {path} exists: will not replace a key"
    assert again.out == ""


def test_keygen_refuses_the_archive_directory(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for target in (small / "key.pem", small / "warc" / "key.pem"):
        result = cli(capsys, "--archive-dir", small, "keygen", target)
        assert result.code == 1
        assert "inside the archive directory" in result.error_line()
        assert not target.exists()


# -- signing and verifying ---------------------------------------------------------------------
def test_a_signed_package_verifies(
    signed: Path, key: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile(signed) as zf:
        digest = json.loads(zf.read("datapackage-digest.json"))
        datapackage = zf.read("datapackage.json")
    assert digest["path"] == "datapackage.json"
    assert digest["hash"] == "sha256:" + hashlib.sha256(datapackage).hexdigest()
    data = digest["signedData"]
    assert set(data) == {"hash", "created", "software", "version", "signature", "publicKey"}
    assert data["hash"] == digest["hash"]
    assert data["publicKey"] == key[1]
    assert len(base64.b64decode(data["signature"])) == 96  # P-384 r||s, as WebCrypto
    created = datetime.strptime(data["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=5)

    result = verify(capsys, signed)
    assert result.code == 0 and result.out == ""
    assert result.err.count("\n") == 1
    assert "3 files match datapackage.json, signature valid (key " in result.err
    # the expected key, as a PEM file or as keygen printed it: the same line
    for expected in (key[0], key[1]):
        assert verify(capsys, signed, "--public-key", expected) == result


def test_the_private_key_is_not_in_the_package(signed: Path, key: tuple[Path, str]) -> None:
    pem = key[0].read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    scalar = private.private_numbers().private_value.to_bytes(48, "big")
    whole = signed.read_bytes()
    with zipfile.ZipFile(signed) as zf:
        names = zf.namelist()
        contents = [zf.read(name) for name in names]
    assert not any(name.endswith(".pem") for name in names)
    for blob in [whole, *contents]:
        assert pem not in blob and scalar not in blob
        assert b"PRIVATE KEY" not in blob


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ("archive/", None),
        ("indexes/index.cdxj", None),
        ("pages/pages.jsonl", None),
        ("datapackage.json", None),
        ("datapackage-digest.json", '"hash": "'),  # the digest of datapackage.json
        ("datapackage-digest.json", '    "hash": "'),  # the hash signed
        ("datapackage-digest.json", '"signature": "'),
        ("datapackage-digest.json", '"publicKey": "'),
    ],
)
def test_one_flipped_byte_names_the_file(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str, field: str | None
) -> None:
    """(``created``, ``software`` and ``version`` of ``signedData`` are not signed: the
    recommendation signs the hash alone.)"""
    changed: list[str] = []

    def change(name: str, data: bytes) -> bytes:
        if name.startswith(entry) if entry.endswith("/") else name == entry:
            changed.append(name)
            return flip(data, None if field is None else data.index(field.encode()) + 40)
        return data

    broken = tmp_path / "broken.wacz"
    rewrite(signed, broken, change)
    assert len(changed) == 1
    line = one_line_failure(verify(capsys, broken))
    assert line.startswith("verify: ")
    assert changed[0] in line


def test_a_flipped_byte_in_the_zip_itself(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bytes of a stored WARC changed in place (the ZIP's CRC then differs too)."""
    with zipfile.ZipFile(signed) as zf:
        (info,) = [i for i in zf.infolist() if i.filename.startswith("archive/")]
    data = bytearray(signed.read_bytes())
    header = info.header_offset
    name_len = int.from_bytes(data[header + 26 : header + 28], "little")
    extra_len = int.from_bytes(data[header + 28 : header + 30], "little")
    start = header + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0x01
    broken = tmp_path / "broken.wacz"
    broken.write_bytes(bytes(data))
    line = one_line_failure(verify(capsys, broken))
    assert info.filename in line


def test_a_signature_by_another_key_fails(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = ec.generate_private_key(ec.SECP384R1())

    def resign(data: dict[str, Any]) -> None:
        forged = wacz_sign.sign_digest(other, data["hash"], software="x", version="1")
        data["signature"] = forged["signature"]  # the publicKey stays

    forged = resign_data(signed, tmp_path / "forged.wacz", resign)
    line = one_line_failure(verify(capsys, forged))
    assert line == "verify: datapackage-digest.json: the signature does not match its publicKey"


def test_a_package_signed_by_an_unexpected_key_fails(
    small: Path, key: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.pem"
    assert cli(capsys, "--archive-dir", small, "keygen", other).code == 0
    out = tmp_path / "other.wacz"
    assert package(capsys, small, out, "--sign", other).code == 0
    mine = wacz_sign.fingerprint(key[1])
    theirs = wacz_sign.fingerprint(signed_data(out)["publicKey"])
    assert theirs != mine
    result = verify(capsys, out)  # valid, but by whom?
    assert result.code == 0 and f"signature valid (key {theirs})\n" in result.err
    line = one_line_failure(verify(capsys, out, "--public-key", key[1]))
    assert line == (
        f"verify: datapackage-digest.json: signed by key {theirs}, not by the expected key {mine}"
    )


def test_a_package_signed_with_an_older_p256_key_still_verifies(
    small: Path, signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """keygen made P-256 keys before ReplayWeb.page was tried (it verifies P-384 only):
    the packages they signed still verify, but such a key no longer signs."""
    older = ec.generate_private_key(ec.SECP256R1())

    out = resigned(signed, tmp_path / "p256.wacz", older, software="x", version="1")
    assert len(base64.b64decode(signed_data(out)["signature"])) == 64
    result = verify(capsys, out, "--public-key", wacz_sign.public_key_b64(older))
    assert result.code == 0 and "signature valid" in result.err

    pem = tmp_path / "p256.pem"
    wacz_sign.write_private_key(older, pem)
    result = package(capsys, small, tmp_path / "x.wacz", "--sign", pem)
    assert result.code == 1
    assert "a P-256 key, which ReplayWeb.page cannot verify" in result.error_line()


def test_an_unsigned_package_verifies_its_hashes(
    small: Path, key: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plain.wacz"
    assert package(capsys, small, out).code == 0
    result = verify(capsys, out)
    assert result.code == 0 and result.err.endswith("match datapackage.json, not signed\n")
    broken = tmp_path / "broken.wacz"
    rewrite(out, broken, lambda n, d: flip(d) if n == "indexes/index.cdxj" else d)
    assert "indexes/index.cdxj" in one_line_failure(verify(capsys, broken))
    line = one_line_failure(verify(capsys, out, "--public-key", key[1]))
    assert line == "verify: datapackage-digest.json: the package is not signed"


def test_wrong_use(
    small: Path, key: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.wacz"
    result = package(capsys, small, out, "--timestamp-url", "http://tsa.invalid/")
    assert result.code == 2 and "--timestamp-url needs --sign" in result.error_line()
    not_a_key = tmp_path / "not.pem"
    not_a_key.write_text("hello")
    result = package(capsys, small, out, "--sign", not_a_key)
    assert result.code == 1 and "not an unencrypted PEM private key" in result.error_line()
    assert not out.exists()
    result = verify(capsys, tmp_path / "missing.wacz")
    assert result.code == 1
    assert result.error_line() == f"error: no WACZ file {tmp_path / 'missing.wacz'}"
    not_zip = tmp_path / "not.wacz"
    not_zip.write_bytes(b"PK not really")
    assert "not a readable WACZ" in one_line_failure(verify(capsys, not_zip))


# -- RFC 3161 ------------------------------------------------------------------------------
def test_the_timestamp_request_is_der() -> None:
    imprint = hashlib.sha256(b"signature").digest()
    tag, body, rest = read_tlv(timestamp_request(imprint, 12345))
    assert tag == 0x30 and rest == b""
    _, version, body = read_tlv(body)
    assert version == b"\x01"
    _, message_imprint, body = read_tlv(body)
    _, algorithm, hashed = read_tlv(message_imprint)
    assert algorithm == bytes.fromhex("0609608648016503040201") + b"\x05\x00"
    assert read_tlv(hashed) == (0x04, imprint, b"")
    _, nonce, body = read_tlv(body)
    assert int.from_bytes(nonce, "big") == 12345
    assert body == b"\x01\x01\xff"  # certReq TRUE


# a timestamp authority: DER written here, signatures by cryptography
def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + (bytes([n]) if n < 0x80 else bytes([0x80 | len(size)]) + size) + content


def _seq(*parts: bytes) -> bytes:
    return _der(0x30, b"".join(parts))


def _set(*parts: bytes) -> bytes:  # DER: a SET OF's elements in the order of their bytes
    return _der(0x31, b"".join(sorted(parts)))


def _int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(n) for n in dotted.split("."))
    body = bytearray([40 * first + second])
    for n in rest:
        groups = [n & 0x7F]
        while n := n >> 7:
            groups.append(0x80 | (n & 0x7F))
        body += bytes(reversed(groups))
    return _der(0x06, bytes(body))


SHA256_ALGORITHM = _seq(_oid("2.16.840.1.101.3.4.2.1"), b"\x05\x00")
TST_INFO_TYPE = _oid("1.2.840.113549.1.9.16.1.4")  # id-ct-TSTInfo
TST_SERIAL = 0x5A5A5A  # a TSTInfo's serial number, found again by the tests to flip a bit


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *,
    stamping: bool = True,
) -> x509.Certificate:
    """A root CA (no *issuer*) or a timestamp authority's certificate issued by *issuer*."""
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name if issuer is None else issuer[0].subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer is not None and stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(key if issuer is None else issuer[1], hashes.SHA256())


class FakeTsa:
    """A timestamp server in this process (it replaces ``wacz_sign.urlopen``): a root CA,
    the authority's certificate issued by it, and for each TimeStampReq a TimeStampResp
    whose token is a CMS SignedData over a TSTInfo (RFC 3161 §2.4.2: the request's imprint
    and nonce), with signed attributes (content type, message digest, the signing
    certificate), carrying the authority's certificate."""

    def __init__(
        self,
        status: int = 0,
        *,
        name: str = "Fake TSA",
        stamping: bool = True,
        signing_key: ec.EllipticCurvePrivateKey | None = None,
        nonce_offset: int = 0,
    ) -> None:
        self.status = status
        self.nonce_offset = nonce_offset  # not 0: the answer of another request
        root_key = ec.generate_private_key(ec.SECP384R1())
        self.root = _certificate(f"{name} Root", root_key, None)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = _certificate(name, self.key, (self.root, root_key), stamping=stamping)
        self.signing_key = signing_key or self.key  # another key: a forged token
        self.requests: list[bytes] = []

    def root_pem(self, path: Path) -> Path:
        path.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))
        return path

    def __call__(self, request: Any, timeout: float) -> io.BytesIO:
        self.requests.append(request.data)
        _, body, _ = read_tlv(request.data)
        _, _, body = read_tlv(body)  # version
        _, message_imprint, body = read_tlv(body)
        _, _, hashed = read_tlv(message_imprint)
        _, imprint, _ = read_tlv(hashed)
        _, nonce, _ = read_tlv(body)
        status = _seq(_int(self.status))
        token = self.token(imprint, int.from_bytes(nonce, "big") + self.nonce_offset)
        return io.BytesIO(_seq(status, token) if self.status in (0, 1) else _seq(status))

    def token(self, imprint: bytes, nonce: int) -> bytes:
        when = datetime.now(UTC).strftime("%Y%m%d%H%M%SZ").encode()
        tst_info = _seq(
            _int(1),
            _oid("1.3.6.1.4.1.55555.1"),  # the authority's policy
            _seq(SHA256_ALGORITHM, _der(0x04, imprint)),
            _int(TST_SERIAL),
            _der(0x18, when),
            _int(nonce),
        )
        cert_der = self.cert.public_bytes(serialization.Encoding.DER)
        attributes = _set(
            _seq(_oid("1.2.840.113549.1.9.3"), _set(TST_INFO_TYPE)),
            _seq(_oid("1.2.840.113549.1.9.4"), _set(_der(0x04, hashlib.sha256(tst_info).digest()))),
            _seq(  # signingCertificateV2: the SHA-256 of the authority's certificate
                _oid("1.2.840.113549.1.9.16.2.47"),
                _set(_seq(_seq(_seq(_der(0x04, hashlib.sha256(cert_der).digest()))))),
            ),
        )
        signature = self.signing_key.sign(attributes, ec.ECDSA(hashes.SHA256()))
        _, attribute_content, _ = read_tlv(attributes)
        signer_info = _seq(
            _int(1),
            _seq(self.cert.issuer.public_bytes(), _int(self.cert.serial_number)),
            SHA256_ALGORITHM,
            _der(0xA0, attribute_content),  # [0] IMPLICIT: signed as a SET, carried as [0]
            _seq(_oid("1.2.840.10045.4.3.2")),  # ecdsa-with-SHA256
            _der(0x04, signature),
        )
        signed_data = _seq(
            _int(3),
            _set(SHA256_ALGORITHM),
            _seq(TST_INFO_TYPE, _der(0xA0, _der(0x04, tst_info))),
            _der(0xA0, cert_der),  # certificates [0] IMPLICIT
            _set(signer_info),
        )
        return _seq(_oid("1.2.840.113549.1.7.2"), _der(0xA0, signed_data))


def stamp(
    small: Path,
    key: tuple[Path, str],
    out: Path,
    tsa: FakeTsa,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """*small* packaged as *out*, signed by *key*, timestamped by *tsa*."""
    monkeypatch.setattr(wacz_sign, "urlopen", tsa)
    result = package(capsys, small, out, "--sign", key[0], "--timestamp-url", "http://tsa.test/")
    assert result.code == 0, result.err
    return out


def restamp(src: Path, dst: Path, change: Callable[[bytes], bytes]) -> Path:
    """*src* copied to *dst* with its ``timeSignature`` changed by *change(token)*."""

    def edit(data: dict[str, Any]) -> None:
        token = base64.b64decode(data["timeSignature"])
        data["timeSignature"] = base64.b64encode(change(token)).decode()

    return resign_data(src, dst, edit)


@pytest.fixture
def tsa() -> FakeTsa:
    return FakeTsa()


@pytest.fixture
def stamped(
    small: Path,
    key: tuple[Path, str],
    tmp_path: Path,
    tsa: FakeTsa,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    return stamp(small, key, tmp_path / "stamped.wacz", tsa, capsys, monkeypatch)


def test_a_timestamped_package(
    stamped: Path, tsa: FakeTsa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(tsa.requests) == 1
    with zipfile.ZipFile(stamped) as zf:
        data = json.loads(zf.read("datapackage-digest.json"))["signedData"]
    assert x509.load_pem_x509_certificates(data["timestampCert"].encode()) == [tsa.cert]
    token = base64.b64decode(data["timeSignature"])
    imprint = hashlib.sha256(base64.b64decode(data["signature"])).digest()
    assert b"\x04\x20" + imprint in token

    # without roots: the imprint checked, and the line says what was not
    result = verify(capsys, stamped)
    assert result.code == 0 and result.err.count("\n") == 1
    assert re.search(r", timestamped \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ by Fake TSA ", result.err)
    assert result.err.endswith(
        "(the authority's signature and chain not checked: no --timestamp-roots)\n"
    )
    # with the authority's root: its signature over the TSTInfo and its chain
    roots = tsa.root_pem(tmp_path / "roots.pem")
    result = verify(capsys, stamped, "--timestamp-roots", roots)
    assert result.code == 0, result
    assert result.err.endswith(" by Fake TSA (its signature and chain to a given root valid)\n")
    # among other roots
    other = FakeTsa(name="Other TSA").root.public_bytes(serialization.Encoding.PEM)
    roots.write_bytes(other + roots.read_bytes())
    assert verify(capsys, stamped, "--timestamp-roots", roots).code == 0

    # a timestamp of another signature fails, roots or not
    broken = restamp(stamped, tmp_path / "other.wacz", lambda t: flip(t, t.index(imprint) + 3))
    for extra in ([], ["--timestamp-roots", roots]):
        line = one_line_failure(verify(capsys, broken, *extra))
        assert line.endswith(
            "datapackage-digest.json: timeSignature is not a timestamp of this signature"
        )
    # a token cut short is not a token
    cut = restamp(stamped, tmp_path / "cut.wacz", lambda t: t[: len(t) // 2])
    line = one_line_failure(verify(capsys, cut))
    assert line == "verify: datapackage-digest.json: timeSignature is not an RFC 3161 token"


def flip_tst_info(token: bytes) -> bytes:
    """One bit of the TSTInfo's serial number flipped: still a well-formed token."""
    serial = _int(TST_SERIAL)
    assert token.count(serial) == 1
    return flip(token, token.index(serial) + len(serial) - 1)


def test_a_flipped_byte_in_the_tst_info_fails_against_the_roots(
    stamped: Path, tsa: FakeTsa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = restamp(stamped, tmp_path / "flipped.wacz", flip_tst_info)
    roots = tsa.root_pem(tmp_path / "roots.pem")
    line = one_line_failure(verify(capsys, broken, "--timestamp-roots", roots))
    assert line == (
        "verify: datapackage-digest.json: the timestamp token's TSTInfo is not what the "
        "authority signed (its message digest differs)"
    )
    # without roots it is not seen, and the line says the authority was not checked
    result = verify(capsys, broken)
    assert result.code == 0 and "signature and chain not checked" in result.err


def test_a_token_signed_by_another_key_fails(
    small: Path,
    key: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The token names the authority's certificate, but another key signed it."""
    forger = FakeTsa(signing_key=ec.generate_private_key(ec.SECP256R1()))
    out = stamp(small, key, tmp_path / "forged.wacz", forger, capsys, monkeypatch)
    line = one_line_failure(
        verify(capsys, out, "--timestamp-roots", forger.root_pem(tmp_path / "r.pem"))
    )
    assert line == (
        "verify: datapackage-digest.json: the timestamp authority's signature does not "
        "verify with its certificate"
    )


def test_a_root_that_does_not_match_fails(
    stamped: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = FakeTsa(name="Other TSA").root_pem(tmp_path / "other.pem")
    line = one_line_failure(verify(capsys, stamped, "--timestamp-roots", other))
    assert line == (
        "verify: datapackage-digest.json: the timestamp authority's certificate does not "
        "chain to a given root (unable to get local issuer certificate)"
    )


def test_an_authority_certificate_not_for_time_stamping_fails(
    small: Path,
    key: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = FakeTsa(stamping=False)
    out = stamp(small, key, tmp_path / "plain.wacz", plain, capsys, monkeypatch)
    line = one_line_failure(
        verify(capsys, out, "--timestamp-roots", plain.root_pem(tmp_path / "r.pem"))
    )
    assert line == (
        "verify: datapackage-digest.json: the timestamp authority's certificate is not for "
        "time-stamping (no critical timeStamping EKU)"
    )


def test_roots_require_a_timestamp(
    small: Path, signed: Path, tsa: FakeTsa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roots = tsa.root_pem(tmp_path / "roots.pem")
    line = one_line_failure(verify(capsys, signed, "--timestamp-roots", roots))
    assert line == "verify: datapackage-digest.json: the signature has no timestamp (timeSignature)"
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello")
    for wrong in (not_pem, tmp_path / "missing.pem"):
        result = verify(capsys, signed, "--timestamp-roots", wrong)
        assert result.code == 2 and result.out == ""
        assert result.err.count("\n") == 1 and str(wrong) in result.err
    result = cli(capsys, "--archive-dir", small, "verify", "--timestamp-roots", roots)
    assert result.code == 2
    assert "--timestamp-roots goes with --wacz FILE" in result.error_line()


@pytest.mark.parametrize(
    ("status", "nonce_offset", "message"),
    [
        (2, 0, "refused the request (PKIStatus 2)"),
        (0, 1, "the token does not answer this request (nonce)"),
    ],
    ids=["refused", "another-request"],
)
def test_a_failed_timestamp_writes_no_package(
    small: Path,
    key: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    nonce_offset: int,
    message: str,
) -> None:
    """A refused timestamp, or a token for another request (its nonce)."""
    monkeypatch.setattr(wacz_sign, "urlopen", FakeTsa(status, nonce_offset=nonce_offset))
    out = tmp_path / "stamped.wacz"
    result = package(capsys, small, out, "--sign", key[0], "--timestamp-url", "http://tsa.test/")
    assert result.code == 1
    assert message in result.error_line()
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys"]


# -- the domain-certificate form ---------------------------------------------------------------
DOMAIN = "archive.test"


class DomainCa:
    """A self-made certificate authority: a root, an intermediate, and a leaf for a domain
    (ECDSA P-256, as an ACME CA issues), all made here; nothing is fetched."""

    def __init__(
        self,
        domain: str = DOMAIN,
        *,
        leaf_from: timedelta = timedelta(days=-1),
        leaf_for: timedelta = timedelta(days=90),
    ) -> None:
        now = datetime.now(UTC)
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.root = self._issue("Test Root CA", self.root_key, None, ca=True)
        self.middle_key = ec.generate_private_key(ec.SECP384R1())
        self.middle = self._issue(
            "Test Issuing CA", self.middle_key, (self.root, self.root_key), ca=True
        )
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.leaf = self._issue(
            domain,
            self.key,
            (self.middle, self.middle_key),
            ca=False,
            names=[domain],
            valid=(now + leaf_from, now + leaf_from + leaf_for),
        )

    @staticmethod
    def _issue(
        subject: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
        *,
        ca: bool,
        names: list[str] | None = None,
        valid: tuple[datetime, datetime] | None = None,
    ) -> x509.Certificate:
        now = datetime.now(UTC)
        start, end = valid or (now - timedelta(days=30), now + timedelta(days=3650))
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        signer_key = key if issuer is None else issuer[1]
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name if issuer is None else issuer[0].subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
                critical=False,
            )
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        else:
            builder = (
                builder.add_extension(
                    x509.SubjectAlternativeName([x509.DNSName(n) for n in names or []]),
                    critical=False,
                )
                .add_extension(
                    x509.KeyUsage(
                        digital_signature=True,
                        content_commitment=False,
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        key_cert_sign=False,
                        crl_sign=False,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    critical=True,
                )
                .add_extension(
                    x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
                )
            )
        return builder.sign(signer_key, hashes.SHA256())

    def bundle(self, path: Path, key: ec.EllipticCurvePrivateKey | None = None) -> Path:
        """``cat privkey.pem fullchain.pem``: the key, the leaf, the intermediate."""
        path.write_bytes(
            wacz_sign.private_pem(key or self.key)
            + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (self.leaf, self.middle))
        )
        return path

    def root_pem(self, path: Path) -> Path:
        path.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))
        return path


@pytest.fixture
def domain_ca() -> DomainCa:
    return DomainCa()


@pytest.fixture
def by_domain(
    small: Path,
    domain_ca: DomainCa,
    tsa: FakeTsa,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    bundle = domain_ca.bundle(tmp_path / "domain.pem")
    return stamp(small, (bundle, ""), tmp_path / "domain.wacz", tsa, capsys, monkeypatch)


def test_a_package_signed_by_a_domain(
    by_domain: Path,
    domain_ca: DomainCa,
    tsa: FakeTsa,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = signed_data(by_domain)
    assert set(data) == {
        "hash",
        "created",
        "software",
        "version",
        "signature",
        "domain",
        "domainCert",
        "timeSignature",
        "timestampCert",
    }  # no publicKey: the recommendation's second form
    assert data["domain"] == DOMAIN
    assert (
        data["domainCert"].split("\n\n")[0].strip()
        == domain_ca.leaf.public_bytes(serialization.Encoding.PEM).decode().strip()
    )  # the leaf first, a blank line after it (as ReplayWeb.page reads it)
    assert x509.load_pem_x509_certificates(data["domainCert"].encode()) == [
        domain_ca.leaf,
        domain_ca.middle,
    ]
    assert len(base64.b64decode(data["signature"])) == 64  # P-256 r||s

    result = verify(capsys, by_domain)
    assert result.code == 0 and result.err.count("\n") == 1
    assert (
        ", signature valid (domain archive.test, its certificate chain not checked: "
        "no --domain-roots), timestamped " in result.err
    )
    roots = ("--domain-roots", domain_ca.root_pem(tmp_path / "ca.pem"))
    stamps = ("--timestamp-roots", tsa.root_pem(tmp_path / "tsa.pem"))
    result = verify(capsys, by_domain, *roots, *stamps)
    assert result.code == 0, result
    assert (
        ", signature valid (domain archive.test, its certificate chain to a given root valid), "
        "timestamped " in result.err
    )
    assert result.err.endswith(" by Fake TSA (its signature and chain to a given root valid)\n")


def test_a_domain_signature_needs_a_timestamp(
    small: Path,
    domain_ca: DomainCa,
    by_domain: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "unstamped.wacz"
    result = package(capsys, small, out, "--sign", domain_ca.bundle(tmp_path / "d.pem"))
    assert result.code == 1
    assert "a signature by a domain certificate needs --timestamp-url" in result.error_line()
    assert not out.exists()
    stripped = resign_data(by_domain, tmp_path / "stripped.wacz", lambda d: d.pop("timeSignature"))
    line = one_line_failure(verify(capsys, stripped))
    assert line == (
        "verify: datapackage-digest.json: a signature by a domain certificate without the "
        "timestamp (timeSignature) the recommendation requires"
    )


def test_a_domain_signature_that_does_not_hold(
    small: Path,
    by_domain: Path,
    domain_ca: DomainCa,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def renamed(d: dict[str, Any]) -> None:
        d["domain"] = "other.test"

    line = one_line_failure(verify(capsys, resign_data(by_domain, tmp_path / "a.wacz", renamed)))
    assert line == (
        "verify: datapackage-digest.json: the domain certificate is not for other.test "
        "(it is for archive.test)"
    )

    def forged(d: dict[str, Any]) -> None:
        other = ec.generate_private_key(ec.SECP256R1())
        d["signature"] = wacz_sign.sign_digest(other, d["hash"], software="x", version="1")[
            "signature"
        ]

    line = one_line_failure(verify(capsys, resign_data(by_domain, tmp_path / "b.wacz", forged)))
    assert line == (
        "verify: datapackage-digest.json: the signature does not match the domain certificate's key"
    )
    # a root that is not the domain's
    other = DomainCa().root_pem(tmp_path / "other-ca.pem")
    line = one_line_failure(verify(capsys, by_domain, "--domain-roots", other))
    assert line.startswith(
        "verify: datapackage-digest.json: the domain certificate does not chain to a given "
        "root for archive.test ("
    )
    # the key that signs must be the leaf's
    wrong = domain_ca.bundle(tmp_path / "wrong.pem", ec.generate_private_key(ec.SECP256R1()))
    result = package(capsys, small, tmp_path / "x.wacz", "--sign", wrong)
    assert result.code == 1
    assert result.error_line().endswith(
        "wrong.pem: the first certificate is not for its private key"
    )


def test_a_domain_certificate_not_valid_when_stamped(
    small: Path,
    tsa: FakeTsa,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expired = DomainCa(leaf_from=timedelta(days=-30), leaf_for=timedelta(days=20))
    out = stamp(
        small,
        (expired.bundle(tmp_path / "d.pem"), ""),
        tmp_path / "old.wacz",
        tsa,
        capsys,
        monkeypatch,
    )
    line = one_line_failure(verify(capsys, out))
    assert line.startswith(
        "verify: datapackage-digest.json: the domain certificate was not valid at the time "
        "stamped ("
    )


def test_roots_and_keys_for_the_other_form(
    by_domain: Path,
    signed: Path,
    key: tuple[Path, str],
    domain_ca: DomainCa,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    roots = domain_ca.root_pem(tmp_path / "ca.pem")
    line = one_line_failure(verify(capsys, signed, "--domain-roots", roots))
    assert line == (
        "verify: datapackage-digest.json: the package is signed by a key, not by a domain "
        "certificate"
    )
    line = one_line_failure(verify(capsys, by_domain, "--public-key", key[1]))
    assert line == (
        "verify: datapackage-digest.json: signed by the domain archive.test, not by the "
        "expected key"
    )
