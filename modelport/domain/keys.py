"""Deployment keys: generation, encryption at rest, keyed-hash lookup, constant-time checks.

A key is shown to its owner (decrypted from the store) but is never logged or put in an error.
Lookups on the hot path use an HMAC of the presented key, so the store never needs a plaintext
index and a stolen database does not reveal keys without the key-encryption key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken

KEY_PREFIX = "mp-"


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_hex(24)


class KeyVault:
    def __init__(self, encryption_key: bytes, hash_secret: bytes) -> None:
        self._fernet = Fernet(encryption_key)
        self._hash_secret = hash_secret

    def fingerprint(self, key: str) -> str:
        return hmac.new(self._hash_secret, key.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, key: str) -> bytes:
        return self._fernet.encrypt(key.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as exc:
            raise RuntimeError(
                "a stored key cannot be decrypted: the key-encryption key has changed"
            ) from exc

    @staticmethod
    def same(a: str, b: str) -> bool:
        return hmac.compare_digest(a.encode(), b.encode())
