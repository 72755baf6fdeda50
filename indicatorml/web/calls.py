"""The Python API calls the views make, each run in a worker thread (``run_in_threadpool``).

Why a module of them: reading, scoring and writing take CPU for tens of milliseconds to
seconds and must not hold the event loop; and an uploaded file must be read through the
server's reader pool under its limits (:meth:`~.state.Shared.reading_uploads`), a policy set
in the thread that reads. Each function here is that wrapping around *one* call into the API:
no checking, scoring, searching or shaping happens here.

Uploads reach the API as files under generated names in a temporary folder
(:func:`~.uploads.staged`), with the names the user gave passed beside them: the review
pipeline names every finding, problem and download after those.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..coding import classify, code_table, explain_suggestion, load_model
from ..errors import IndicatormlError
from ..reviews import Review, create_review, decide, review_beside, review_json, run_review
from ..store import AuditIn, Decision, StoreError
from ..tables import read_table
from ..tables.annotate import coded_name
from .errors import Answer
from .inputs import has_words
from .shaping import draft_findings, target_chart
from .state import Shared
from .uploads import Upload, staged

__all__ = [
    "review_uploads",
    "review_body",
    "decide_on",
    "refresh_library",
    "check_uploads",
    "code_upload",
    "draft_panel",
]

_NONE: dict[str, Any] = {"query": "", "hits": [], "categories": [], "targets": []}


T = TypeVar("T")


def review_uploads(
    sh: Shared,
    uploads: list[Upload],
    *,
    year: int | None,
    org: str | None,
    which: str,
    user: str | None,
    department: str | None,
    own_model: bool = True,
    audit: AuditIn | None = None,
) -> Review:
    """``POST /api/reviews`` and the 审核 page's upload: a stored review of ``uploads``.

    Scored with the department's own model where it has one and ``own_model`` (the request
    named no model): the department is the signed-in user's ``department`` (the review
    belongs to it), else the review's ``org`` (the single-user server). The store writes its
    "reviewed" audit line; ``audit`` adds the client's ip to it."""
    own = sh.models.for_department(department or org) if own_model else None
    with staged(uploads) as st, sh.reading_uploads():
        review = create_review(
            sh.store,
            st.paths,
            names=[u.name for u in uploads],
            year=year,
            org=org,
            model=own[0] if own is not None else sh.models.model_dir(which),
            model_name=own[1] if own is not None else which,
            user=user,
            department=department,
            audit=audit,
        )
    refresh_library(sh)
    return review


def review_body(sh: Shared, review: Review) -> dict[str, Any]:
    """A stored review as the API and the page give it: :func:`~indicatorml.reviews.review_json`
    plus ``last_year`` — per project with a last year, its rows beside last year's
    (:func:`~indicatorml.reviews.review_beside`; ``[]`` when the department has no stored
    review of the previous year)."""
    body = review_json(review)
    body["last_year"] = review_beside(sh.store, review)
    return body


def decide_on(
    sh: Shared, review_id: str, user: str, args: dict[str, Any], audit: AuditIn | None = None
) -> Decision:
    """``POST /api/reviews/{id}/decisions`` and the page's form: one decision, stored (with its
    "decided" audit line; ``audit`` adds the client's ip)."""
    d = decide(sh.store, review_id, user=user, audit=audit, **args)
    refresh_library(sh)
    return d


def refresh_library(sh: Shared) -> None:
    """Bring this process's library up to the store now: a table reviewed here is a precedent
    at once (issue 17), and a decision changes its row's category there. Other processes see
    them within ``library_refresh`` seconds. A database hiccup here is not the request's failure."""
    try:
        sh.library.refresh()
    except StoreError as e:
        sh.library.error = str(e)


def check_uploads(sh: Shared, uploads: list[Upload], which: str) -> Review:
    """``POST /api/check``: the same review, not stored (a stateless call)."""
    with staged(uploads) as st, sh.reading_uploads():
        return run_review(
            st.paths, names=[u.name for u in uploads], model=sh.models.model_dir(which), model_name=which
        )


def code_upload(sh: Shared, upload: Upload, which: str) -> tuple[bytes, str, dict[str, str]]:
    """``POST /api/code``: the draft coded in its own kind; (bytes, name, count headers)."""
    with staged([upload]) as st, sh.reading_uploads():
        out = st.folder / f"coded{upload.suffix or '.txt'}"
        table = read_table(st.paths[0])
        try:
            res = code_table(
                st.paths[0], output=out, model=sh.models.model_dir(which), stream=None, table=table
            )
        except IndicatormlError as e:
            problems = [
                {"file": upload.name, "line": x.line, "reason": st.shown(x.reason)} for x in table.problems
            ]
            raise Answer(400, {"error": st.shown(str(e)), "problems": problems}) from None
        headers = {
            "X-Indicatorml-Coded": str(res.coded),
            "X-Indicatorml-Review": str(res.review),
            "X-Indicatorml-Kept": str(res.kept),
        }
        return res.output.read_bytes(), coded_name(upload.name), headers


def draft_panel(
    sh: Shared,
    indicator: str,
    target: str | None,
    level2: str | None,
    which: str,
    department: str | None = None,
) -> dict[str, Any]:
    """The 填报 panel for a draft: the suggestion with its alternatives and its why, the rules'
    findings on the draft as typed, and the library's precedents (the bureau's rows first).
    The suggestion is the ``department``'s own model's where it has one."""
    from ..checks import check_draft

    own = sh.models.for_department(department)
    model = load_model(own[0]) if own is not None else sh.models.model(which)
    prediction = classify([(indicator, target)], model)[0]
    why = explain_suggestion(model, indicator, target) if prediction.level2_code else None
    precedents = sh.library.precedents(indicator, top=8).to_dict() if has_words(indicator) else _NONE
    return {
        "prediction": prediction.to_dict(),
        "why": why.phrase() if why is not None else None,
        "why_terms": why.words() if why is not None else [],
        "findings": draft_findings(check_draft(indicator, target, level2=level2)),
        "precedents": precedents,
        "chart": target_chart(precedents["targets"]),
    }


def written(sh: Shared, write: Callable[..., T], *args: Any) -> T:
    """A download written from a stored review (``write(*args)``: a workbook, the coded file, the
    zip). Laying a new workbook out like its ``.xls``/``.docx``/``.pdf`` source parses the stored
    upload again, so it runs where the review's read ran: in the server's reader pool, under its
    limits (:func:`~indicatorml.tables.file_grids.file_grids`)."""
    with sh.reading_uploads():
        return write(*args)
