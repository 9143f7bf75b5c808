"""The installation's secret keys, kept outside the database.

One key file (``FUPIN_KEY_FILE``; in development ``var/keys/fupin-keys.json``, created on first use)
holds a key ring: master keys by id, which one is active for new writes, and which one the blind
indexes use. Each use gets its own key, derived from a master key with HKDF-SM3 and the use's name,
so that one leaked derived key (say the audit MAC key) tells nothing about the others.

- Rotation (``fupin key-rotate``) adds a master key and makes it active. Old keys stay in the ring:
  data written under them still names their id and still reads. Re-encrypting the data under the
  new key is the job of the module that owns it.
- The blind indexes (exact-match search over encrypted values) use ``index`` and do not move with
  rotation: changing it means rebuilding every index, which its owner does explicitly.
- The file is created 0600; it is never inside the data folder that backups of uploads copy, and
  it is backed up separately (README).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The uses of a master key. A derived key is bound to its use: the same master key gives unrelated keys.
PII_ENCRYPT = "fupin/pii-encrypt/sm4"  # SM4 (16 bytes) for ID and phone numbers at rest
PII_INDEX = "fupin/pii-index/hmac-sm3"  # HMAC-SM3 blind indexes over those values and their parts
AUDIT_MAC = "fupin/audit-mac/hmac-sm3"  # the keyed chain of the audit log
AUDIT_CHECKPOINT = "fupin/audit-checkpoint/hmac-sm3"  # the signed checkpoints of the chain head
KEY_LENGTHS = {PII_ENCRYPT: 16}
MASTER_KEY_BYTES = 32

MISSING = ("密钥文件不存在：{path}（生产环境须先用 `fupin key-create` 生成并设置 FUPIN_KEY_FILE）/ "
           "key file {path} does not exist: create it with `fupin key-create` and set FUPIN_KEY_FILE")
UNREADABLE = "密钥文件无法读取：{path}（{reason}）/ key file {path} cannot be read: {reason}"
UNKNOWN_KEY = "密钥文件中没有编号为 {key_id} 的密钥 / no key {key_id} in the key file"


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]
    active: str
    index: str
    path: Path | None = field(default=None, compare=False)

    def master(self, key_id: str | None = None) -> bytes:
        key_id = self.active if key_id is None else key_id
        try:
            return self.keys[key_id]
        except KeyError:
            raise ImproperlyConfigured(UNKNOWN_KEY.format(key_id=key_id)) from None

    def derive(self, purpose: str, key_id: str | None = None) -> bytes:
        """The key for ``purpose`` from master key ``key_id`` (the active one by default)."""
        hkdf = HKDF(algorithm=hashes.SM3(), length=KEY_LENGTHS.get(purpose, 32), salt=None,
                    info=purpose.encode("ascii"))
        return hkdf.derive(self.master(key_id))

    def to_json(self) -> str:
        return json.dumps({"active": self.active, "index": self.index,
                           "keys": {k: base64.b64encode(v).decode("ascii") for k, v in self.keys.items()}},
                          indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, path: Path | None = None) -> KeyRing:
        data = json.loads(text)
        keys = {str(k): base64.b64decode(v, validate=True) for k, v in data["keys"].items()}
        if not keys or any(len(v) < MASTER_KEY_BYTES for v in keys.values()):
            raise ValueError("every key needs 32 bytes")
        ring = cls(keys=keys, active=str(data["active"]), index=str(data.get("index", data["active"])), path=path)
        ring.master(ring.active), ring.master(ring.index)
        return ring


def _write_private(path: Path, text: str, *, exclusive: bool) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600 from the first byte)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def key_file_create(path: Path) -> KeyRing:
    """A new key file with one fresh master key; refuses to overwrite one."""
    ring = KeyRing(keys={"1": secrets.token_bytes(MASTER_KEY_BYTES)}, active="1", index="1", path=path)
    _write_private(path, ring.to_json(), exclusive=True)
    return ring


def key_file_read(path: Path) -> KeyRing:
    if not path.exists():
        raise ImproperlyConfigured(MISSING.format(path=path))
    try:
        return KeyRing.from_json(path.read_text(encoding="utf-8"), path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(UNREADABLE.format(path=path, reason=exc)) from exc


def key_rotate(path: Path) -> KeyRing:
    """Add a master key to the file and make it the active one (the index key stays)."""
    ring = key_file_read(path)
    new_id = str(max(int(k) for k in ring.keys) + 1)
    rotated = KeyRing(keys={**ring.keys, new_id: secrets.token_bytes(MASTER_KEY_BYTES)}, active=new_id,
                      index=ring.index, path=path)
    tmp = path.with_name(path.name + ".new")
    _write_private(tmp, rotated.to_json(), exclusive=False)
    os.replace(tmp, path)
    keyring.cache_clear()
    return rotated


@cache
def keyring() -> KeyRing:
    """The installation's key ring (created in development on first use; required in production)."""
    path = Path(settings.FUPIN_KEY_FILE)
    if not path.exists() and not settings.PRODUCTION:
        try:
            return key_file_create(path)
        except FileExistsError:  # another process created it meanwhile
            pass
    return key_file_read(path)


def derived_key(purpose: str, key_id: str | None = None) -> bytes:
    return keyring().derive(purpose, key_id)
