"""The review pipeline: files in, a review (stored or not), the reviewer's decisions, every file back.

One computation for the CLI's ``check``, the 审核 page and the JSON API::

    from indicatorml.reviews import run_review, save_review, load_review, decide, file_workbook
    from indicatorml.store import open_store

    review = run_review(paths, names=upload_names, year=2025)   # read, score once, check
    store = open_store(None, data_dir)
    review_id = save_review(store, review, user="王审核")
    review = load_review(store, review_id)                      # findings with ids, decisions
    review = create_review(store, paths, names=upload_names)    # the three above in one call
    decide(store, review_id, finding=review.files[0].findings[0].id, decision="set", level2_code="12")
    review_json(load_review(store, review_id))                  # GET /api/reviews/{id}
    file_workbook(load_review(store, review_id), 1, store)      # <stem>.审核.xlsx, never re-checked

Modules, one idea each: ``review`` (the objects), ``reading`` (a file read under its own
name), ``names`` (a file's own name), ``identity`` (which model and label rule),
``metadata`` (a file's year and department), ``run`` (``run_review``), ``persist`` (to and from
the store), ``decisions`` (``decide`` and what a decision means), ``as_json`` (the API's
shape), ``text`` (the terminal view), ``outputs`` (annotated workbook, coded file, zip of a
review), ``export`` (decisions and review lists as rows), ``command`` (the ``check`` verb),
``gcpause`` (the collector paused while many small objects are built), ``history`` (last
year's stored tables of the same department, matched to this year's projects), ``beside``
(last year beside this year for the pages: ``compare``, ``review_beside``, ``last_year_row``).
"""

from .as_json import decision_json, finding_json, review_json
from .beside import BesideRow, LastYearRow, compare, last_year_row, review_beside
from .command import run_check
from .decisions import DECISION_ZH, check_decision, decide, decided_level2, level2_of, suggested_level2
from .export import (
    DECISION_COLUMNS,
    DECISION_HEADERS,
    SUMMARY_COLUMNS,
    SUMMARY_HEADERS,
    decision_rows,
    summary_rows,
    write_table_rows,
)
from .history import HistoryLookup, history_for, lookup
from .identity import NO_MODEL, label_rule_from_json, label_rule_json, resolve_model
from .metadata import file_org, file_year
from .names import own_name
from .outputs import Download, file_bytes, file_coded, file_workbook, workbook_decisions, workbooks_zip
from .persist import create_review, load_review, review_from_stored, review_in, save_review
from .reading import read_named, read_upload, rename_table, renamed
from .review import ModelIdentity, Review, ReviewFile, ReviewFinding, ReviewProject
from .run import MAX_FILES, file_projects, run_review
from .text import review_text

__all__ = [
    # the objects
    "Review",
    "ReviewFile",
    "ReviewFinding",
    "ReviewProject",
    "ModelIdentity",
    # computing, storing, loading
    "run_review",
    "create_review",
    "save_review",
    "load_review",
    "review_in",
    "review_from_stored",
    "MAX_FILES",
    # decisions
    "decide",
    "check_decision",
    "decided_level2",
    "suggested_level2",
    "level2_of",
    "DECISION_ZH",
    # what a review gives back
    "review_json",
    "review_text",
    "finding_json",
    "decision_json",
    "Download",
    "file_workbook",
    "workbook_decisions",
    "file_coded",
    "workbooks_zip",
    "file_bytes",
    "decision_rows",
    "summary_rows",
    "write_table_rows",
    "DECISION_COLUMNS",
    "DECISION_HEADERS",
    "SUMMARY_COLUMNS",
    "SUMMARY_HEADERS",
    # names, reading, identity
    "own_name",
    "read_named",
    "read_upload",
    "rename_table",
    "renamed",
    "file_projects",
    "file_year",
    "file_org",
    "resolve_model",
    "label_rule_json",
    "label_rule_from_json",
    "NO_MODEL",
    # the check verb
    "run_check",
    # last year beside this year (issue 17)
    "compare",
    "review_beside",
    "last_year_row",
    "BesideRow",
    "LastYearRow",
    "history_for",
    "lookup",
    "HistoryLookup",
]
