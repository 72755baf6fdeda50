"""Passwords: checked for length, hashed and verified with argon2id (argon2-cffi), never stored or logged.

Why these choices:

* argon2id is the memory-hard hash RFC 9106 recommends; argon2-cffi is the reference C
  implementation's binding, and its ``verify`` compares in constant time. Its PHC string
  (``$argon2id$v=19$m=65536,t=3,p=4$salt$hash``) carries its own parameters, so raising them
  later needs no migration: :func:`needs_rehash` tells at login, when the password is at hand,
  and the login rehashes it.
* A name that is no user's is checked against a hash of the same parameters all the same
  (:func:`verify_password` with ``None``), so the answer takes as long as for a real user: the
  time does not tell which names exist.
* At most ``policy.hashing_at_once`` hashes run at once in a process (a semaphore): each takes
  64 MiB and both cores for a moment, and a burst of logins must queue rather than take the
  server's memory.
"""

from __future__ import annotations

import functools
import threading

from argon2 import Parameters, PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import IndicatormlError
from .policy import DEFAULT_POLICY, AccountPolicy

__all__ = ["PasswordError", "check_password", "hash_password", "verify_password", "needs_rehash"]


class PasswordError(IndicatormlError):
    """A new password that breaks the rules (Chinese message, says which)."""


def check_password(password: str, name: str | None = None, policy: AccountPolicy = DEFAULT_POLICY) -> None:
    """PasswordError unless ``password`` may be set: long enough, not too long, not the user's name."""
    if not isinstance(password, str):
        raise PasswordError("密码应为文本")
    if len(password) < policy.min_password:
        raise PasswordError(f"密码至少要 {policy.min_password} 个字符")
    if len(password) > policy.max_password:
        raise PasswordError(f"密码最多 {policy.max_password} 个字符")
    if password != password.strip():
        raise PasswordError("密码的开头和结尾不能是空格（复制粘贴时容易多出来）")
    if name is not None and password.strip().casefold() == name.strip().casefold():
        raise PasswordError("密码不能和用户名一样")


def hash_password(password: str, policy: AccountPolicy = DEFAULT_POLICY) -> str:
    """The argon2id PHC string of ``password`` (a new random salt each time)."""
    with _slots(policy.hashing_at_once):
        return _hasher(policy).hash(password)


def verify_password(password_hash: str | None, password: str, policy: AccountPolicy = DEFAULT_POLICY) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from. ``None`` (no such user)
    costs the same time and is always False."""
    hasher = _hasher(policy)
    with _slots(policy.hashing_at_once):
        try:
            return hasher.verify(password_hash or _dummy(policy), password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def needs_rehash(password_hash: str, policy: AccountPolicy = DEFAULT_POLICY) -> bool:
    """Whether a hash was made with other parameters than the policy's (rehash at the next login)."""
    try:
        return _hasher(policy).check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def _hasher(policy: AccountPolicy) -> PasswordHasher:
    return _hasher_of(_key(policy.argon2))


def _dummy(policy: AccountPolicy) -> str:
    return _dummy_of(_key(policy.argon2))


def _key(p: Parameters) -> tuple[Type, int, int, int, int, int, int]:
    # argon2's Parameters cannot be hashed: its fields are the cache key.
    return (p.type, p.version, p.salt_len, p.hash_len, p.time_cost, p.memory_cost, p.parallelism)


@functools.cache
def _hasher_of(key: tuple[Type, int, int, int, int, int, int]) -> PasswordHasher:
    kind, version, salt_len, hash_len, time_cost, memory_cost, parallelism = key
    params = Parameters(kind, version, salt_len, hash_len, time_cost, memory_cost, parallelism)
    return PasswordHasher.from_parameters(params)


@functools.cache
def _dummy_of(key: tuple[Type, int, int, int, int, int, int]) -> str:
    return _hasher_of(key).hash("no user has this password: it only costs the same time")


_semaphores: dict[int, threading.BoundedSemaphore] = {}
_semaphores_lock = threading.Lock()


def _slots(n: int) -> threading.BoundedSemaphore:
    with _semaphores_lock:
        return _semaphores.setdefault(max(1, n), threading.BoundedSemaphore(max(1, n)))
