"""Secrets Modelport generates for itself on first start, kept as 0600 files in the data dir.

Operators may instead supply each one through settings (environment); a supplied value wins.
The bootstrap admin token must be long and random wherever it comes from: an empty or short one
is refused at start (``MODELPORT_ADMIN_TOKEN=`` never becomes a credential).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from modelport.access.credentials import WeakSecret, check_admin_token, generate_admin_token
from modelport.errors import OperatorError
from modelport.settings import Settings


class ConfigurationError(OperatorError, RuntimeError):
    """A setting that makes starting unsafe or impossible; the message says what to change."""


def load_or_create(path: Path, generate: str) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(generate + "\n")
    return generate


def replace_file(path: Path, value: str) -> None:
    """Write a secret file atomically, mode 0600."""
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    os.replace(tmp, path)


@dataclass(frozen=True)
class LocalSecrets:
    admin_token: str
    key_encryption_key: bytes
    key_hash_secret: bytes
    admin_token_file: Path | None = None  # None: the token comes from MODELPORT_ADMIN_TOKEN

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalSecrets:
        secret_dir = settings.data_dir / "secrets"

        def pick(value: object, name: str, generate: str) -> str:
            if value is not None:
                return value.get_secret_value()  # type: ignore[attr-defined, no-any-return]
            return load_or_create(secret_dir / name, generate)

        admin_file = None if settings.admin_token is not None else secret_dir / "admin-token"
        admin_token = pick(settings.admin_token, "admin-token", generate_admin_token())
        try:
            check_admin_token(admin_token)
        except WeakSecret as exc:
            where = "MODELPORT_ADMIN_TOKEN" if admin_file is None else str(admin_file)
            raise ConfigurationError(
                f"refusing to start: {exc} ({where}). Unset MODELPORT_ADMIN_TOKEN to have one "
                "generated, or use e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`"
            ) from exc
        return cls(
            admin_token=admin_token,
            key_encryption_key=pick(
                settings.key_encryption_key, "key-encryption-key", Fernet.generate_key().decode()
            ).encode(),
            key_hash_secret=pick(
                settings.key_hash_secret, "key-hash-secret", secrets.token_hex(32)
            ).encode(),
            admin_token_file=admin_file,
        )
