"""Secrets principals prove themselves with: API tokens, passwords, the bootstrap admin token.

- API tokens are ``mpt-`` + 48 random hex digits, shown once; the store keeps only their keyed
  hash (HMAC-SHA256 under the server's key-hash secret), so a stolen database reveals none.
- Passwords of local accounts are hashed with scrypt (per-password salt), compared in constant
  time.
- The bootstrap admin token must be long and random: :func:`check_admin_token` refuses an empty,
  short or repetitive one, so ``MODELPORT_ADMIN_TOKEN=`` can never become a credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from modelport.errors import OperatorError

API_TOKEN_PREFIX = "mpt-"  # noqa: S105 - a prefix, not a secret
ADMIN_TOKEN_PREFIX = "mpadm-"  # noqa: S105
MIN_ADMIN_TOKEN_CHARS = 32
MIN_PASSWORD_CHARS = 12
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


class WeakSecret(OperatorError, ValueError):
    """A configured secret that must not be accepted (empty, short, repetitive)."""


def generate_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_hex(24)


def generate_admin_token() -> str:
    return ADMIN_TOKEN_PREFIX + secrets.token_hex(24)


def token_hash(hash_secret: bytes, token: str) -> str:
    return hmac.new(
        hash_secret, b"modelport-credential:" + token.encode(), hashlib.sha256
    ).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def check_admin_token(token: str) -> str:
    """The token, if it is fit to guard the platform; else :class:`WeakSecret` saying why."""
    if not token or not token.strip():
        raise WeakSecret("the admin token is empty")
    if token != token.strip():
        raise WeakSecret("the admin token has leading or trailing white space")
    if len(token) < MIN_ADMIN_TOKEN_CHARS:
        raise WeakSecret(
            f"the admin token has {len(token)} characters; at least {MIN_ADMIN_TOKEN_CHARS} "
            "random ones are needed"
        )
    if len(set(token)) < 10:
        raise WeakSecret("the admin token is not random enough (too few distinct characters)")
    return token


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    salt_text, digest_text = (base64.b64encode(v).decode() for v in (salt, digest))
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt_text}${digest_text}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        # Spend the same time as a real check, so timing does not tell which names exist.
        hashlib.scrypt(b"x", salt=b"y" * 16, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakSecret(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return password
