"""The numbers of the accounts: password hashing cost, session lifetimes, the lockout. One object, passed in.

Why one object rather than constants: a bureau may want shorter sessions, and the tests want
cheap hashes; everything that reads a number takes an :class:`AccountPolicy` (``DEFAULT_POLICY``
unless given). The defaults, and why:

* passwords: argon2id with RFC 9106's second recommended parameters (64 MiB, 3 passes, 4 lanes
  — argon2-cffi's default profile): about 0.18 s to check a password on the 2-core reference
  machine (benchmarks/bench_accounts.py), at most two checks at once per process (128 MiB);
  at least 8 characters;
* sessions: a working day at most (12 h), ended after 2 h without a request, at most 10 per
  user (a person with a few browsers; the oldest goes first); ``last_seen_at`` written at most
  once a minute, so checking a session is a read on nearly every request;
* lockout: 5 failed logins of one name from one address within 15 minutes lock that name for
  that address for 15 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from argon2 import Parameters, profiles

__all__ = ["AccountPolicy", "DEFAULT_POLICY"]


@dataclass(frozen=True)
class AccountPolicy:
    argon2: Parameters = field(default_factory=lambda: profiles.RFC_9106_LOW_MEMORY)
    hashing_at_once: int = (
        2  # argon2 checks running at once in one process (each takes argon2.memory_cost KiB)
    )
    min_password: int = 8
    max_password: int = 1024  # characters: a passphrase, not a document
    session_lifetime: timedelta = timedelta(hours=12)
    session_idle: timedelta = timedelta(hours=2)
    sessions_per_user: int = 10
    touch_every: timedelta = timedelta(minutes=1)
    lockout_failures: int = 5
    lockout_window: timedelta = timedelta(minutes=15)
    lockout_for: timedelta = timedelta(minutes=15)


DEFAULT_POLICY = AccountPolicy()
