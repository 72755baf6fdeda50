"""The store: reviews, the reviewer's decisions, uploaded files, jobs and settings in a database.

Persistence only — it stores plain data (text, numbers, JSON, bytes) and imports nothing from
tables, coding, checks, precedents, web or cli (a lint-imports contract checks it); everything
above may use it. SQLite by default (a file under the server's data folder, shared by several
server processes), PostgreSQL for a bureau's server::

    from indicatorml.store import open_store

    store = open_store(None, data_dir)                          # <data_dir>/indicatorml.sqlite3
    store = open_store("postgresql+psycopg://user:pw@host/db", None)
    review_id = store.save_review({...})                        # shapes.ReviewIn
    review = store.get_review(review_id)                        # shapes.Review
    store.add_decision(review_id, review["findings"][0]["id"], "set", level2_code="12")
    store.audit_log(since=…)                                    # who reviewed, decided, … (append-only)
    store.accounts.get_user("zhang")                            # departments, users, sessions (AccountStore)

Modules, one idea each: ``engine`` (which database, connection settings), ``schema`` (the tables
at the newest revision), ``migrate`` + ``migrations/`` (Alembic, run by open_store), ``shapes``
(the dicts of the API), ``validate``, ``blobs``, ``reviews``, ``decisions``, ``jobs``,
``settings``, ``sequence`` (commit-ordered numbers of reviews and decisions), ``library`` (the
rows of every review with decisions applied, read by a watermark), ``check`` (integrity),
``backup`` (dump and restore), ``transaction`` (one transaction per call, errors translated),
``store`` (the Store class); accounts (revision 0004): ``account_shapes``, ``users``
(departments and users), ``sessions`` (sessions and failed logins), ``audit`` (the append-only
log), ``account_store`` (``Store.accounts``).
"""

from __future__ import annotations

from .account_shapes import (
    AuditEntry,
    AuditIn,
    Department,
    LoginFailures,
    Role,
    Session,
    SessionIn,
    User,
    UserChange,
    UserIn,
)
from .account_store import AccountStore
from .backup import backup, restore
from .errors import CorruptError, InvalidError, NotFoundError, StoreError
from .shapes import (
    BackupSummary,
    CheckReport,
    Counts,
    Decision,
    DecisionKind,
    FileIn,
    Finding,
    FindingIn,
    Job,
    LibraryBatch,
    LibraryChange,
    LibraryMark,
    LibraryRow,
    ProjectIn,
    Review,
    ReviewFile,
    ReviewIn,
    ReviewProject,
    ReviewRow,
    ReviewSummary,
    RowIn,
)
from .store import Store, open_store
from .users import department_name, user_key

__all__ = [
    "open_store",
    "Store",
    "user_key",
    "department_name",
    "AccountStore",
    "backup",
    "restore",
    "StoreError",
    "NotFoundError",
    "InvalidError",
    "CorruptError",
    "BackupSummary",
    "CheckReport",
    "Counts",
    "Decision",
    "DecisionKind",
    "FileIn",
    "Finding",
    "FindingIn",
    "Job",
    "LibraryBatch",
    "LibraryChange",
    "LibraryMark",
    "LibraryRow",
    "ProjectIn",
    "Review",
    "ReviewFile",
    "ReviewIn",
    "ReviewProject",
    "ReviewRow",
    "ReviewSummary",
    "RowIn",
    "AuditEntry",
    "AuditIn",
    "Department",
    "LoginFailures",
    "Role",
    "Session",
    "SessionIn",
    "User",
    "UserChange",
    "UserIn",
]
