"""TLS for the local endpoint: the user's certificate, or a self-signed one made once and cached."""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from pathlib import Path

HOSTS = ("localhost", "127.0.0.1", "::1")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "channel-router" / "tls"


def self_signed(directory: Path | None = None) -> tuple[Path, Path]:
    """A certificate for localhost/127.0.0.1/::1 and its key, made on first use and reused."""
    directory = directory or cache_dir()
    cert, key = directory / "localhost.pem", directory / "localhost-key.pem"
    if cert.is_file() and key.is_file() and _still_valid(cert):
        return cert, key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "channel-router local endpoint")])
    now = datetime.datetime.now(datetime.timezone.utc)
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    names += [x509.IPAddress(ipaddress.ip_address(h)) for h in HOSTS[1:]]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(private, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key.chmod(0o600)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _still_valid(cert: Path) -> bool:
    from cryptography import x509

    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    remaining = loaded.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)
    return remaining > datetime.timedelta(days=7)


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    return context


def trust_hint(cert: Path) -> str:
    return (
        f"Certificate:   {cert}\n"
        f"  Node clients: NODE_EXTRA_CA_CERTS={cert} node app.js\n"
        f"  Python:       SSL_CERT_FILE={cert} (or ssl.create_default_context(cafile=...))\n"
        f"  curl:         curl --cacert {cert} ...\n"
        "  Browsers:     import it as a trusted authority, or open the HTTPS URL once and accept it"
    )
