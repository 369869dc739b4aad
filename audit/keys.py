"""The operator's signing key: Ed25519 (through `cryptography`), kept in a file outside the store.

`roadmap audit keygen -o FILE` writes the private key (PEM, PKCS#8, mode 0600, never overwritten)
and its public half beside it (FILE.pub); ROADMAP_AUDIT_KEY names the file for every run that signs.
A key is named by its id: the first 16 hex digits of the SHA-256 of the raw public key.

Beside the key the signer keeps its own record of every checkpoint it signed (FILE.checkpoints, one
JSON object a line, each naming the store it signed, by its URL without the password). It lives where
the key lives, not in the store, so a store rolled back to an older copy, or truncated together with
its stored checkpoints, still disagrees with it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class AuditKeyError(Exception):
    """A key file that cannot be made or used; the message names the file and the fix."""


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key and its id."""

    raw: bytes

    @property
    def key_id(self) -> str:
        return key_id(self.raw)

    @property
    def b64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    @classmethod
    def from_b64(cls, text: str) -> PublicKey:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"not a base64 public key: «{text[:60]}»") from None
        if len(raw) != 32:
            raise ValueError(f"an Ed25519 public key is 32 bytes, found {len(raw)}")
        return cls(raw)

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def pem(self) -> str:
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass(frozen=True)
class SigningKey:
    """The private key read from its file, with its public half."""

    path: Path
    private: Ed25519PrivateKey

    @property
    def public(self) -> PublicKey:
        raw = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return PublicKey(raw)

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def public_path(path: Path) -> Path:
    return path.with_name(path.name + ".pub")


def generate_key(path: Path) -> SigningKey:
    """Make a new key at `path` (0600) and its public half at `path`.pub; an existing file is never replaced."""
    if path.exists():
        raise AuditKeyError(
            f"{path}: a file is already there; a signing key is never overwritten (choose another -o, or move "
            "the old key aside: checkpoints it signed need its public half to be verified)"
        )
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # created 0600 from the start: the key is never readable by others, not even for a moment
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise AuditKeyError(f"{path}: cannot create the key file: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    key = SigningKey(path, private)
    public_path(path).write_text(key.public.pem(), encoding="ascii")
    return key


def load_key(path: Path, *, variable: str = "ROADMAP_AUDIT_KEY") -> SigningKey:
    """The signing key at `path`; refused when missing, readable by others, or not an Ed25519 key."""
    if not path.is_file():
        raise AuditKeyError(f"{variable}: no key file at {path} (make one with: roadmap audit keygen -o {path})")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise AuditKeyError(
            f"{variable}: the key file {path} is readable by others (mode {mode:04o}); "
            f"make it private: chmod 600 {path}"
        )
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        reason = "it is encrypted" if "encrypted" in str(exc).lower() or isinstance(exc, TypeError) else "unreadable"
        raise AuditKeyError(f"{variable}: {path} is not an Ed25519 private key in PEM ({reason}); "
                            "make one with: roadmap audit keygen") from None  # fmt: skip
    if not isinstance(private, Ed25519PrivateKey):
        raise AuditKeyError(f"{variable}: {path} holds a {type(private).__name__.removesuffix('PrivateKey')} key, "
                            "not Ed25519; make one with: roadmap audit keygen")  # fmt: skip
    return SigningKey(path, private)


# -- the signer's own record of what it signed --------------------------------------------------------


def witness_path(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ".checkpoints")


def remember(key_path: Path, checkpoint: dict[str, Any], *, store: str) -> None:
    """Append a signed checkpoint of `store` (its exported JSON) to the record kept beside the key."""
    with witness_path(key_path).open("a", encoding="utf-8") as out:
        out.write(json.dumps({**checkpoint, "store": store}, ensure_ascii=False, sort_keys=True) + "\n")


def remembered(key_path: Path, *, store: str) -> list[tuple[str, dict[str, Any]]]:
    """The checkpoints of `store` recorded beside the key, as (where, exported JSON); [] when there are none."""
    path = witness_path(key_path)
    if not path.is_file():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            raise AuditKeyError(f"{path}:{number}: not a checkpoint (JSON) line") from None
        if isinstance(data, dict) and data.get("store") == store:
            out.append((f"{path}:{number}", data))
    return out
