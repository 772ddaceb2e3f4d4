"""Secrets at rest (upstream API keys, OIDC client secrets), encrypted with Fernet.

Key: TILLIT_SECRET_KEY, else ``<data dir>/secret.key`` (created 0600 on first use).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from tillit.config import Settings
from tillit.errors import InvalidInput


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._hash_key = hashlib.sha256(b"tillit-keyed-hash\x00" + key).digest()

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        if settings.secret_key:
            return cls(settings.secret_key.encode())
        return cls(_load_or_create_key(settings.data_dir / "secret.key"))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def keyed_hash(self, purpose: str, value: str) -> str:
        """A stable HMAC of ``value``: lets equal values be matched without storing them."""
        message = f"{purpose}\x00{value}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise InvalidInput(
                "Kan inte dekryptera en lagrad hemlighet: fel TILLIT_SECRET_KEY?",
                code="secret_undecryptable",
            ) from None


def _load_or_create_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_bytes().strip()
    try:
        os.write(fd, key)
    finally:
        os.close(fd)
    return key
