"""What accounts cost a request: a login (argon2id) and the session check every request makes, in one run.

1. Login cost: ``verify_password`` with the chosen parameters (``DEFAULT_POLICY``: argon2id,
   64 MiB, 3 passes, 4 lanes) — median and p95 of ``--logins`` checks; beside it, the whole
   ``accounts.login`` (check + session + audit line, one transaction) and, as references in
   the same run, OWASP's minimum (19 MiB, 2 passes, 1 lane) and one sha256 of the password.
2. Session check: ``accounts.session_user`` on ``--checks`` requests spread over ``--users``
   logged-in users (one indexed read, joined with the user; ``last_seen_at`` written at most
   once a minute — the run takes a few seconds, so these are the reads a request makes) —
   p50 / p95 / p99 per engine. Reference in the same run: ``Store.get_setting``, the cheapest
   read the store has (one row by primary key), and the first check of each session after its
   minute ran out (the read plus the write).

Run: ``.venv/bin/python benchmarks/bench_accounts.py`` (PostgreSQL: ``$INDICATORML_TEST_PG`` or
a throwaway durable cluster, see tests/postgres.py; ``--engine sqlite`` skips it). Do not run
it beside other heavy work: the argon2 figures are CPU time on an idle machine.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from argon2 import Parameters, Type

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from indicatorml import accounts  # noqa: E402
from indicatorml.accounts import DEFAULT_POLICY, hash_password, verify_password  # noqa: E402
from indicatorml.store import open_store  # noqa: E402

PASSWORD = "审核处-correct-horse-7"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.2f} ms, p95 {pct(values, 0.95) * 1000:7.2f} ms"


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def login_cost(n: int, url: str) -> None:
    p = DEFAULT_POLICY.argon2
    print(
        f"login: argon2id m={p.memory_cost // 1024} MiB, t={p.time_cost}, p={p.parallelism} ({n} checks each)"
    )
    chosen = hash_password(PASSWORD)
    print(f"  verify_password, chosen parameters   {ms(timed(lambda: verify_password(chosen, PASSWORD), n))}")
    wrong = timed(lambda: verify_password(chosen, "wrong-password"), n)
    print(f"  … a wrong password                   {ms(wrong)}")
    unknown = timed(lambda: verify_password(None, PASSWORD), n)
    print(f"  … a name that is no user's (dummy)   {ms(unknown)}")
    owasp = replace(DEFAULT_POLICY, argon2=Parameters(Type.ID, 19, 16, 32, 2, 19 * 1024, 1))
    low = hash_password(PASSWORD, owasp)
    print(
        f"  reference: OWASP minimum (19 MiB, t=2) {ms(timed(lambda: verify_password(low, PASSWORD, owasp), n))}"
    )
    sha = timed(lambda: hashlib.sha256(PASSWORD.encode()).hexdigest(), n)
    print(f"  reference: one sha256 (no protection) {ms(sha)}")
    with open_store(url, None) as store:
        accounts.create_user(store, "bench", PASSWORD, "审核", "预算处")
        whole = timed(lambda: accounts.login(store, "bench", PASSWORD, ip="10.0.0.1"), n)
        print(f"  accounts.login (check + session + audit line, {store.dialect}) {ms(whole)}")


def session_cost(url: str, users: int, checks: int) -> None:
    cheap = replace(DEFAULT_POLICY, argon2=Parameters(Type.ID, 19, 16, 32, 1, 8, 1))
    with open_store(url, None) as store:
        tokens = []
        for i in range(users):
            accounts.create_user(store, f"user{i}", PASSWORD, "审核", f"处{i % 5}", policy=cheap)
            tokens.append(accounts.login(store, f"user{i}", PASSWORD, ip=None, policy=cheap).token)
        store.set_setting("model:处0", {"name": "local"})
        for t in tokens:  # warm: connections in the pool, statements compiled
            accounts.session_user(store, t)
        reads: list[float] = []
        for i in range(checks):
            t0 = time.perf_counter()
            user = accounts.session_user(store, tokens[i % users])
            reads.append(time.perf_counter() - t0)
            assert user is not None
        ref = timed(lambda: store.get_setting("model:处0"), checks)
        later = tokens[0]
        touched = []
        for k in range(1, 201):  # a session's first request after its minute ran out: read + write
            at = store.accounts.get_session(accounts.token_hash(later))[0]["last_seen_at"] + timedelta(
                minutes=1, seconds=k
            )
            t0 = time.perf_counter()
            assert accounts.session_user(store, later, now=at) is not None
            touched.append(time.perf_counter() - t0)
        print(
            f"  {store.dialect:10s} session_user      p50 {pct(reads, 0.5) * 1e3:.3f} ms, p95 {pct(reads, 0.95) * 1e3:.3f} ms, "
            f"p99 {pct(reads, 0.99) * 1e3:.3f} ms ({checks} requests, {users} sessions)"
        )
        print(
            f"  {store.dialect:10s} reference get_setting p50 {pct(ref, 0.5) * 1e3:.3f} ms, p95 {pct(ref, 0.95) * 1e3:.3f} ms; "
            f"session_user with its once-a-minute write p50 {pct(touched, 0.5) * 1e3:.3f} ms, "
            f"p95 {pct(touched, 0.95) * 1e3:.3f} ms"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--logins", type=int, default=30)
    ap.add_argument("--checks", type=int, default=5000)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--engine", choices=("both", "sqlite"), default="both")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        login_cost(args.logins, f"sqlite:///{tmp}/login.sqlite3")
        print("session check on every request:")
        session_cost(f"sqlite:///{tmp}/sessions.sqlite3", args.users, args.checks)
        if args.engine == "both":
            import postgres

            session_cost(stack.enter_context(postgres.pg_database(durable=True)), args.users, args.checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
