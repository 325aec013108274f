"""Secrets Modelport generates for itself on first start, kept as 0600 files in the data dir.

Operators may instead supply each one through settings (environment); a supplied value wins.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from modelport.settings import Settings


def load_or_create(path: Path, generate: str) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(generate + "\n")
    return generate


@dataclass(frozen=True)
class LocalSecrets:
    admin_token: str
    key_encryption_key: bytes
    key_hash_secret: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalSecrets:
        secret_dir = settings.data_dir / "secrets"

        def pick(value: object, name: str, generate: str) -> str:
            if value is not None:
                return value.get_secret_value()  # type: ignore[attr-defined, no-any-return]
            return load_or_create(secret_dir / name, generate)

        return cls(
            admin_token=pick(settings.admin_token, "admin-token", "mpadm-" + secrets.token_hex(24)),
            key_encryption_key=pick(
                settings.key_encryption_key, "key-encryption-key", Fernet.generate_key().decode()
            ).encode(),
            key_hash_secret=pick(
                settings.key_hash_secret, "key-hash-secret", secrets.token_hex(32)
            ).encode(),
        )
