"""Key material for the test control plane: the service-account signing key and the admin token."""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def write_rsa_key(path: Path, bits: int = 2048) -> Path:
    """Write a fresh unencrypted PKCS#8 RSA private key (PEM, mode 0600) to ``path``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


def write_token_file(path: Path, user: str = "admin", group: str = "system:masters") -> str:
    """Write a static token CSV for ``--token-auth-file`` with one token and return the token."""
    token = secrets.token_hex(24)
    path.write_text(f'{token},{user},{user},"{group}"\n')
    path.chmod(0o600)
    return token
