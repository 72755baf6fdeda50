"""The command line: a thin layer over the Python API. Every verb calls one API function.

Heavy imports (jieba, scikit-learn, scipy) happen inside the verbs that need them, so that
``indicatorml classify TEXT`` with a saved model starts fast.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import functools
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import IndicatormlError, os_reason
from .output import FORMATS
from .taxonomy import LAYOUTS
from .zh_argparse import ChineseArgumentParser

if TYPE_CHECKING:
    from .store import Store
    from .tables.pool import ReaderPool

FORMAT_HELP = "输出格式(默认: 在终端上是表格,否则按 --output 的后缀)"
TRUSTED_HELP = (
    "这些文件可信: 在本进程里读取,各项大小上限放宽到十倍"
    "(默认: 每个文件在单独的进程里读取,有内存上限和 25 秒时限;文件的大小、行数、列数、"
    "单元格数、合并单元格数或 PDF 页数超过上限时,作为读取问题报告,不再读取)"
)
OUTPUT_HELP = "写到这个文件(默认: 写到终端)"
MODEL_HELP = "模型目录(默认: 随附模型)"
LAYOUT_HELP = "成本指标的写法: pre2021 写成产出指标下的 14(种子表的写法),2021 写成一级指标「成本指标」"


@functools.cache
def _worker_pool() -> ReaderPool:
    """The CLI's reader pool: one worker, started on the first file read and kept for later
    calls of :func:`main` in the same process (tests, a notebook), ended at exit."""
    from .tables.pool import PoolSettings, ReaderPool

    pool = ReaderPool(PoolSettings(size=1))
    atexit.register(pool.close)
    return pool


@contextlib.contextmanager
def _reading(args: argparse.Namespace) -> Iterator[None]:
    """How the verb reads files: through a worker process under the default limits, or, with
    ``--trusted``, here under limits ten times higher. Verbs without the flag read nothing
    of the user's."""
    trusted = getattr(args, "trusted", None)
    if trusted is None:
        yield
        return
    from .tables.limits import TRUSTED_LIMITS
    from .tables.reading import reading

    with reading(limits=TRUSTED_LIMITS) if trusted else reading(pool=_worker_pool()):
        yield


# ---------------------------------------------------------------- foundation: parse, taxonomy
def _cmd_parse(args: argparse.Namespace) -> int:
    from .output import guess_format, write_rows
    from .tables import (
        VIEW_COLUMNS,
        VIEW_HEADERS,
        parse_files,
        record_columns,
        records_to_rows,
        report_problems,
        summary_line,
        view_rows,
    )

    fmt = guess_format(args.output, args.format)
    if fmt == "xlsx" and not args.output:
        raise IndicatormlError("--format xlsx 要与 --output PATH 一起用(工作簿只能写进文件)")
    records, problems, tables = parse_files(args.files)
    report_problems(tables)
    if fmt == "table":
        write_rows(view_rows(records), fmt, args.output, columns=VIEW_COLUMNS, headers=VIEW_HEADERS)
    else:
        write_rows(records_to_rows(records), fmt, args.output, columns=record_columns(records))
    print(summary_line(tables), file=sys.stderr)
    return 1 if args.strict and problems else 0


def _cmd_taxonomy(args: argparse.Namespace) -> int:
    from .output import guess_format, write_rows
    from .taxonomy import CATEGORY_COLUMNS, CATEGORY_HEADERS, category_rows

    fmt = guess_format(args.output, args.format)
    write_rows(
        category_rows(),
        fmt,
        args.output,
        columns=CATEGORY_COLUMNS,
        headers=CATEGORY_HEADERS if fmt == "table" else None,
    )
    return 0


# ---------------------------------------------------------------- classifier: classify, code, train, evaluate
def _cmd_classify(args: argparse.Namespace) -> int:
    from .coding import classify, load_model
    from .coding.report import prediction_rows
    from .output import guess_format, write_rows

    if args.input and args.texts:
        raise IndicatormlError("指标文字 TEXT 与 --input FILE 只能给一种,不能同时给")
    if args.top_k < 1:
        raise IndicatormlError(f"--top-k 至少为 1(收到 {args.top_k})")
    if args.input:
        from .tables import read_tables, report_problems

        tables = read_tables([args.input])
        report_problems(tables)
        items: list[Any] = [r for t in tables for r in t.records]
        if not items:
            raise IndicatormlError(f"{args.input}: 没有读到可编码的指标")
    elif args.texts:
        items = [(t, args.target) for t in args.texts]
    else:
        raise IndicatormlError("没有要编码的指标:请给出指标文字 TEXT,或用 --input FILE 给一张表")
    preds = classify(items, load_model(args.model), top_k=args.top_k, layout=args.layout)
    fmt = guess_format(args.output, args.format)
    rows, cols, headers = prediction_rows(preds, fmt)
    write_rows(rows, fmt, args.output, cols, headers=headers)
    return 0


def _cmd_code(args: argparse.Namespace) -> int:
    from .coding.write_back import REVIEW_MARK, code_table

    res = code_table(args.file, args.output, args.threshold, args.model, args.layout, recode=args.recode)
    print(
        f"indicatorml: 已编码 {res.coded} 条指标,{res.review} 条标为「{REVIEW_MARK}」"
        f"(置信度低于 {args.threshold:g} 或无法读取),{res.kept} 条保留原有类别;已写入 {res.output}",
        file=sys.stderr,
    )
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from .coding import default_model_dir, train

    if args.out is None and args.data:
        raise IndicatormlError("用自己的表训练模型时,请用 --out DIR 指定模型目录(随附模型只用随附数据重建)")
    out = args.out if args.out is not None else default_model_dir()
    model = train(
        args.data,
        default_data=not args.no_default_data,
        out=out,
        config=args.model_config,
        own_weight=args.own_weight,
    )
    ev = model.evaluation_
    print(
        f"indicatorml: 模型已写入 {out}({model.training_['rows']} 条指标,{len(model.classes_)} 个类别)",
        file=sys.stderr,
    )
    if ev:
        print(
            f"indicatorml: 按来源分组 {ev['folds']} 折交叉验证: 二级指标准确率 {ev['level2_accuracy']:.3f},"
            f"一级指标准确率 {ev['level1_accuracy']:.3f},校准误差(ECE) {ev['ece']:.3f},"
            f"精确率 95% 时的覆盖率 {ev['coverage_at_95_precision']:.3f}",
            file=sys.stderr,
        )
    if args.out is not None:
        print(f"indicatorml: 使用时加上 --model {out}(或设置 INDICATORML_MODEL={out})", file=sys.stderr)
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from .coding import evaluate
    from .coding.report import render_evaluation

    res = evaluate(
        args.data,
        default_data=not args.no_default_data,
        config=args.model_config,
        folds=args.folds,
        seed=args.seed,
    )
    if args.format == "json":
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        print(render_evaluation(res), end="")
    return 0


# ---------------------------------------------------------------- search: index build, search, precedents
def _cmd_index_build(args: argparse.Namespace) -> int:
    from .precedents import build_index

    idx = build_index(args.paths, out=args.out, progress=True)
    print(
        f"已从 {len(args.paths)} 个文件为 {len(idx.indicator_docs)} 条指标和 {len(idx.goal_docs)} 个项目绩效目标"
        f"建立索引,写入 {args.out}"
    )
    return 0


_LIBRARY_OPTIONS = ("db", "data_dir", "year", "org", "department", "level2", "source")


def _library(args: argparse.Namespace) -> Any:
    """The Library the search verbs use when a library option is given, else None (shipped index)."""
    if not any(getattr(args, k) is not None for k in _LIBRARY_OPTIONS):
        return None
    if args.index is not None:
        raise IndicatormlError(
            "--index 检索用文件建的索引;--db/--data-dir/--year/--org/--department/--level2/--source "
            "检索本单位先例库(随附数据 + 审核过的表):两者只能选一个"
        )
    if getattr(args, "kind", "indicator") != "indicator":
        raise IndicatormlError("本单位先例库只收指标:--kind goal 检索随附数据或 --index 索引里的绩效目标")
    from .precedents import open_library

    library = open_library(args.db, args.data_dir, refresh_seconds=float("inf"))
    return library


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return {k: getattr(args, k) for k in ("year", "org", "department", "level2", "source")}


def _cmd_search(args: argparse.Namespace) -> int:
    from .output import guess_format, write_rows
    from .precedents import load_index, search, search_columns

    fmt = guess_format(args.output, args.format)
    library = _library(args)
    if library is not None:
        hits = library.search(args.query, args.top, **_filters(args))
    else:
        index = load_index(args.index)
        for note in index.notes:
            print(f"indicatorml: 提示: {note}", file=sys.stderr)
        hits = search(args.query, kind=args.kind, top=args.top, index=index)
    if not hits:
        what = "指标" if args.kind == "indicator" else "绩效目标"
        print(f"没有{what}与「{args.query}」有共同的词", file=sys.stderr)
    columns, headers = search_columns(args.kind, fmt, library=library is not None)
    write_rows(hits, fmt, args.output, columns=columns, headers=headers)
    return 0


def _cmd_precedents(args: argparse.Namespace) -> int:
    import json

    from .precedents import load_index, precedents

    library = _library(args)
    if library is not None:
        p = library.precedents(args.text, args.top, min_ratio=args.min_ratio, **_filters(args))
    else:
        index = load_index(args.index)
        for note in index.notes:
            print(f"indicatorml: 提示: {note}", file=sys.stderr)
        p = precedents(args.text, top=args.top, index=index, min_ratio=args.min_ratio)
    if args.format == "jsonl":
        print(json.dumps(p.to_dict(), ensure_ascii=False))
    else:
        sys.stdout.write(p.render())
    return 0


# ---------------------------------------------------------------- checks: check
def _cmd_check(args: argparse.Namespace) -> int:
    from .reviews import run_check

    if not args.save:
        if args.year is not None or args.org is not None or args.user is not None:
            raise IndicatormlError("--year、--org、--user 只在保存审核时有用：加上 --save")
        return run_check(
            args.files, fmt=args.format, output=args.output, model_dir=args.model, fail_on=args.fail_on
        )
    with _store(args) as store:
        return run_check(
            args.files,
            fmt=args.format,
            output=args.output,
            model_dir=args.model,
            fail_on=args.fail_on,
            store=store,
            user=args.user,
            year=args.year,
            org=args.org,
        )


# ---------------------------------------------------------------- web: serve
def _cmd_serve(args: argparse.Namespace) -> int:
    from .web import serve
    from .web.settings import Settings

    if args.workers < 1:
        raise IndicatormlError(f"--workers 至少为 1,收到 {args.workers}")
    settings = Settings(
        model=args.model,
        index=args.index,
        data_dir=_data_dir(args),
        db=args.db,
        host=args.host,
        port=args.port,
        allowed_hosts=tuple(args.allowed_host or ()),
        workers=args.workers,
    )
    serve(settings)
    return 0


# ---------------------------------------------------------------- store: backup, restore
def _data_dir(args: argparse.Namespace) -> Path:
    from .web.settings import default_data_dir

    return Path(args.data_dir) if args.data_dir else default_data_dir()


def _cmd_backup(args: argparse.Namespace) -> int:
    from .store import backup

    s = backup(args.file, args.db, _data_dir(args))
    print(
        f"indicatorml: 已备份到 {s.path}：{s.tables.get('reviews', 0)} 份审核、{s.tables.get('blobs', 0)} 个上传文件、"
        f"{s.tables.get('decisions', 0)} 条审核决定，共 {s.size:,} 字节（结构版本 {s.revision}）",
        file=sys.stderr,
    )
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from .store import restore

    s = restore(args.file, args.db, _data_dir(args))
    print(
        f"indicatorml: 已从 {s.path} 恢复 {s.tables.get('reviews', 0)} 份审核、{s.tables.get('blobs', 0)} 个上传文件、"
        f"{s.tables.get('decisions', 0)} 条审核决定（备份的结构版本 {s.revision}，已升级到当前版本）",
        file=sys.stderr,
    )
    return 0


# ---------------------------------------------------------------- accounts: users, audit
def _accounts_store(args: argparse.Namespace, create: bool = False) -> Any:
    from .accounts.command import open_accounts_store

    return open_accounts_store(args.db, _data_dir(args), create)


def _cmd_users_add(args: argparse.Namespace) -> int:
    from .accounts import role_id
    from .accounts.command import read_password, users_add
    from .store import user_key

    role_id(args.role), user_key(args.name)  # a wrong role or name before the password is typed
    password = read_password(args.password_stdin)
    with _accounts_store(args, create=True) as store:
        users_add(store, args.name, args.role, args.department, args.display_name, password, sys.stderr)
    return 0


def _cmd_users_list(args: argparse.Namespace) -> int:
    from .accounts.command import users_list

    with _accounts_store(args) as store:
        if users_list(store, args.department, args.format, args.output) == 0:
            print(
                "indicatorml: 还没有账号（indicatorml users add 名字 --role 管理 建立第一个）",
                file=sys.stderr,
            )
    return 0


def _cmd_users_passwd(args: argparse.Namespace) -> int:
    from .accounts.command import read_password, users_passwd

    with _accounts_store(args) as store:
        store.accounts.get_user(args.name)  # an unknown name before the password is typed
        users_passwd(store, args.name, read_password(args.password_stdin), sys.stderr)
    return 0


def _cmd_users_disable(args: argparse.Namespace) -> int:
    from .accounts.command import users_disable, users_enable

    with _accounts_store(args) as store:
        (users_enable if args.enable else users_disable)(store, args.name, sys.stderr)
    return 0


def _cmd_users_change(args: argparse.Namespace) -> int:
    from .accounts.command import users_change

    with _accounts_store(args) as store:
        users_change(store, args.name, args.role, args.department, args.display_name, sys.stderr)
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from .accounts.command import audit_export

    with _accounts_store(args) as store:
        n = audit_export(
            store,
            since=args.since,
            until=args.until,
            user=args.user,
            action=args.action,
            department=args.department,
            limit=args.limit,
            fmt=args.format,
            output=args.output,
        )
    if n == args.limit:
        print(f"indicatorml: 只列出了前 {n} 条：用 --since 或 --limit 看更多", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _store(args: argparse.Namespace) -> Iterator[Store]:
    """The store ``--db`` names, else the SQLite file under ``--data-dir`` (the server's)."""
    from .store import open_store

    store = open_store(args.db, None if args.db else _data_dir(args))
    try:
        yield store
    finally:
        store.close()


# ---------------------------------------------------------------- reviews: list, show, export, decide, download
def _cmd_reviews_list(args: argparse.Namespace) -> int:
    from .output import guess_format
    from .reviews import SUMMARY_COLUMNS, SUMMARY_HEADERS, summary_rows, write_table_rows

    with _store(args) as store:
        found = store.list_reviews(year=args.year, org=args.org, limit=args.limit)
    fmt = guess_format(args.output, args.format)
    write_table_rows(summary_rows(found), fmt, args.output, SUMMARY_COLUMNS, SUMMARY_HEADERS)
    if fmt == "table":
        print(f"共 {len(found)} 份审核", file=sys.stderr)
    return 0


def _cmd_reviews_show(args: argparse.Namespace) -> int:
    import json

    from .output import emit
    from .reviews import load_review, review_json, review_text

    with _store(args) as store:
        review = load_review(store, args.id)
    if args.format == "json":
        emit(json.dumps(review_json(review), ensure_ascii=False, indent=1) + "\n", args.output)
    else:
        emit(review_text(review), args.output)
    return 0


def _cmd_reviews_export(args: argparse.Namespace) -> int:
    from .output import guess_format
    from .reviews import DECISION_COLUMNS, DECISION_HEADERS, decision_rows, load_review, write_table_rows

    with _store(args) as store:
        review = load_review(store, args.id)
    rows = decision_rows(review, history=args.history)
    fmt = guess_format(args.output, args.format)
    write_table_rows(rows, fmt, args.output, DECISION_COLUMNS, DECISION_HEADERS)
    print(f"导出 {len(rows)} 条审核决定", file=sys.stderr)
    return 0


def _cmd_reviews_decide(args: argparse.Namespace) -> int:
    from .reviews import DECISION_ZH, decide

    row = None
    if args.row is not None:
        file_n, _, n = args.row.partition(":")
        if not (file_n.isdigit() and n.isdigit() and int(n) >= 1):
            raise IndicatormlError(f"--row 应写成 文件序号:第几条，如 1:3（收到 {args.row}）")
        row = (int(file_n), int(n) - 1)
    with _store(args) as store:
        d = decide(
            store,
            args.id,
            finding=args.finding,
            row=row,
            decision=args.decision,
            level2_code=args.code,
            comment=args.comment,
            user=args.user,
        )
    what = (
        f"问题 {d['finding_id']}" if d["finding_id"] is not None else f"第 {args.row} 条（文件序号:第几条）"
    )
    code = f" {d['level2_code']}" if d["level2_code"] else ""
    print(f"已记录审核决定 {d['id']}：{what} {DECISION_ZH[d['decision']]}{code}", file=sys.stderr)
    return 0


def _cmd_reviews_download(args: argparse.Namespace) -> int:
    from .reviews import file_coded, file_workbook, load_review, workbooks_zip

    if args.coded and args.file is None:
        raise IndicatormlError("--coded 要与 --file N 一起用（编码结果按文件给出）")
    with _store(args) as store:
        review = load_review(store, args.id)
        if args.file is None:
            got = workbooks_zip(review, store)
        elif args.coded:
            got = file_coded(review, args.file, store, threshold=args.threshold)
        else:
            got = file_workbook(review, args.file, store)
    out = Path(args.output) if args.output else Path(got.name)
    if out.is_dir():
        out = out / got.name
    try:
        out.write_bytes(got.data)
    except OSError as e:
        raise IndicatormlError(f"无法写入 {out}: {os_reason(e)}") from None
    print(f"已写出 {out}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------- the parser
def _users_parser(sub: Any) -> None:
    s = sub.add_parser("users", help="服务器的账号（审核 / 填报 / 管理）：新建、列出、改密码、停用、修改")
    usub = s.add_subparsers(dest="users_verb", metavar="add|list|passwd|disable|enable|change")
    a = usub.add_parser("add", help="新建账号（第一个账号请用 --role 管理）")
    a.add_argument("name", metavar="NAME", help="用户名：字母（可以是汉字）、数字、. @ _ -")
    a.add_argument("--role", required=True, metavar="审核|填报|管理")
    a.add_argument("--department", metavar="部门", help="所属部门（审核、填报必填；新部门会一并建立）")
    a.add_argument("--display-name", metavar="姓名")
    a.add_argument(
        "--password-stdin", action="store_true", help="从标准输入的第一行读密码（默认：在终端输入两次）"
    )
    a.set_defaults(func=_cmd_users_add)
    a = usub.add_parser("list", help="列出账号")
    a.add_argument("--department", metavar="部门")
    a.add_argument("--format", choices=FORMATS, help=FORMAT_HELP)
    a.add_argument("--output", "-o", metavar="PATH")
    a.set_defaults(func=_cmd_users_list)
    a = usub.add_parser("passwd", help="修改密码（这个账号的所有登录都会退出）")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--password-stdin", action="store_true", help="从标准输入的第一行读密码")
    a.set_defaults(func=_cmd_users_passwd)
    for verb, enable, text in (
        ("disable", False, "停用账号：不能再登录，现有登录立即退出（记录保留）"),
        ("enable", True, "重新启用停用的账号"),
    ):
        a = usub.add_parser(verb, help=text)
        a.add_argument("name", metavar="NAME")
        a.set_defaults(func=_cmd_users_disable, enable=enable)
    a = usub.add_parser("change", help="修改角色、部门或姓名")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--role", metavar="审核|填报|管理")
    a.add_argument("--department", metavar="部门")
    a.add_argument("--display-name", metavar="姓名")
    a.set_defaults(func=_cmd_users_change)
    for a in usub.choices.values():
        _store_options(a)


def _audit_parser(sub: Any) -> None:
    text = "审计日志：谁在什么时候审核、做决定、训练或切换模型、登录、改账号"
    s = sub.add_parser("audit", help=text, description=text)
    s.add_argument(
        "--since", metavar="TIME", help="从这个时间起：2025-03-01、2025-03-01 08:30，或 7d、24h、30m（之前）"
    )
    s.add_argument("--until", metavar="TIME", help="到这个时间为止（不含）")
    s.add_argument("--user", metavar="NAME", help="只看这个用户")
    s.add_argument("--action", metavar="ACTION", help="只看这种操作（reviewed、decided、login_failed …）")
    s.add_argument("--department", metavar="部门")
    s.add_argument("--limit", type=int, default=10_000, metavar="N", help="最多列出 N 条（默认 10000）")
    s.add_argument("--format", choices=("table", "jsonl", "csv", "tsv", "xlsx"), help=FORMAT_HELP)
    s.add_argument("--output", "-o", metavar="PATH")
    _store_options(s)
    s.set_defaults(func=_cmd_audit)


def _library_arguments(s: argparse.ArgumentParser) -> None:
    """The options of the search verbs that bring in the library and filter it."""
    g = s.add_argument_group("先例库(本单位审核过的表)")
    g.add_argument("--db", metavar="URL", help="审核数据库(postgresql+psycopg://… 或 sqlite:///…)")
    g.add_argument("--data-dir", metavar="DIR", help="服务器的数据目录(其中的 indicatorml.sqlite3)")
    g.add_argument("--year", type=int, metavar="YYYY", help="只要这一预算年度的行")
    g.add_argument("--org", metavar="TEXT", help="只要单位名称包含 TEXT 的行")
    g.add_argument("--department", metavar="TEXT", help="只要名称包含 TEXT 的部门审核过的行")
    g.add_argument("--level2", metavar="CATEGORY", help="只要归入这一类别的行(11、数量指标、1、产出指标)")
    g.add_argument(
        "--source", choices=("library", "shipped"), help="只要审核过的行(library),或只要随附数据(shipped)"
    )


def build_parser() -> argparse.ArgumentParser:
    """Every verb and option (one function per group of verbs below), so ``--help`` is the reference."""
    p = ChineseArgumentParser(
        prog="indicatorml",
        description="绩效目标表工具: 为预算绩效指标自动编码、检索先例、审核指标表。",
    )
    p.add_argument(
        "--version", action="version", version=f"indicatorml {__version__}", help="显示版本号并退出"
    )
    p.add_argument("--debug", action="store_true", help="出错时显示 Python 的调用栈(供开发人员排查)")
    sub = p.add_subparsers(dest="verb", metavar="VERB", title="子命令")

    for add in (_reading_verbs, _coding_verbs, _precedent_verbs, _check_verb, _serve_verb):
        add(sub)
    _reviews_parser(sub)
    _store_verbs(sub)
    _users_parser(sub)
    _audit_parser(sub)
    return p


def _reading_verbs(sub: Any) -> None:
    """parse, taxonomy: reading tables and the category table."""
    s = sub.add_parser("parse", help="读取指标表,每条指标一条记录")
    s.add_argument("files", nargs="+", metavar="FILE", help="要读取的表格文件")
    s.add_argument("--format", choices=FORMATS, help=FORMAT_HELP)
    s.add_argument("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
    s.add_argument("--strict", action="store_true", help="有任何一行没能读取时,以非零退出码结束")
    s.add_argument("--trusted", action="store_true", help=TRUSTED_HELP)
    s.set_defaults(func=_cmd_parse)

    s = sub.add_parser("taxonomy", help="列出指标类别表(一级、二级指标及其代码)")
    s.add_argument("--format", choices=FORMATS, help=FORMAT_HELP)
    s.add_argument("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
    s.set_defaults(func=_cmd_taxonomy)


def _coding_verbs(sub: Any) -> None:
    """classify, code, train, evaluate: auto-coding."""
    s = sub.add_parser("classify", help="为指标文字给出一级、二级指标类别")
    s.add_argument("texts", nargs="*", metavar="TEXT", help="指标名称,可以给多个")
    s.add_argument("--target", metavar="VALUE", help="TEXT 的年度指标值(如果知道)")
    s.add_argument("--input", "-i", metavar="FILE", help="为一张表里的每条指标编码")
    s.add_argument("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
    s.add_argument("--format", choices=FORMATS, help=FORMAT_HELP)
    s.add_argument("--model", metavar="DIR", help=MODEL_HELP)
    s.add_argument("--top-k", type=int, default=3, metavar="K", help="每条指标列出前 K 个候选类别(默认 3)")
    s.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="pre2021",
        help=LAYOUT_HELP,
    )
    s.add_argument("--trusted", action="store_true", help=TRUSTED_HELP)
    s.set_defaults(func=_cmd_classify)

    s = sub.add_parser(
        "code",
        help="为指标表草稿自动编码,按原来的文件类型写回",
        description="为草稿自动编码并写回: 种子表格式写入编好类别的指标文字,CSV/TSV 增加几列;"
        ".xlsx 草稿写回成你自己的工作簿(每个工作表、合并单元格、列宽、样式和公式都保留),"
        "在每张表右侧加上 建议一级指标/建议二级指标/置信度/复核 几列,并填上空着的一级/二级单元格"
        "(绿色;置信度低于 --threshold 的标为黄色并写「需人工确认」;批注给出置信度和第二候选;"
        "已填的单元格从不覆盖);.xls/.docx/.pdf 写成一个按原表排版的新 .xlsx,填法相同。",
    )
    s.add_argument("file", metavar="FILE", help="要编码的表格文件")
    s.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        help="默认: FILE 旁边的 FILE.coded.<后缀>(.xls/.docx/.pdf 写成 .xlsx);从不覆盖输入文件",
    )
    s.add_argument(
        "--threshold",
        type=float,
        default=0.9,
        metavar="P",
        help="置信度低于此值的行标为「需人工确认」(默认 0.9)",
    )
    s.add_argument("--model", metavar="DIR", help=MODEL_HELP)
    s.add_argument("--layout", choices=LAYOUTS, default="pre2021", help=LAYOUT_HELP)
    s.add_argument("--recode", action="store_true", help="已有类别的行也重新编码")
    s.add_argument("--trusted", action="store_true", help=TRUSTED_HELP)
    s.set_defaults(func=_cmd_code)

    s = sub.add_parser("train", help="用随附数据加上你自己的表训练模型")
    s.add_argument("--data", nargs="+", default=[], metavar="PATH", help="你自己的、已标好类别的表")
    s.add_argument("--no-default-data", action="store_true", help="只用 --data 给出的表训练")
    s.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="模型写到这个目录(不给 --data 时默认: 随附的 models/default)",
    )
    s.add_argument("--model-config", metavar="JSON", help="模型选项: JSON 文字或一个 .json 文件")
    s.add_argument(
        "--own-weight",
        type=float,
        default=3.0,
        metavar="W",
        help="你的表里一行的权重,相对于随附数据的一行(默认 3)",
    )
    s.add_argument("--trusted", action="store_true", help=TRUSTED_HELP)
    s.set_defaults(func=_cmd_train)

    s = sub.add_parser("evaluate", help="按来源分组的 k 折交叉验证,衡量模型准确率")
    s.add_argument("--data", nargs="+", default=[], metavar="PATH", help="加入评估的你自己的表")
    s.add_argument("--no-default-data", action="store_true", help="只用 --data 给出的表评估")
    s.add_argument("--model-config", metavar="JSON", help="模型选项: JSON 文字或一个 .json 文件")
    s.add_argument("--folds", type=int, default=5, help="折数,至少为 2(默认 5)")
    s.add_argument("--format", choices=("table", "json"), default="table", help="输出格式(默认 table)")
    s.add_argument("--seed", type=int, default=0, help="把各组分到各折时用的随机种子")
    s.add_argument("--trusted", action="store_true", help=TRUSTED_HELP)
    s.set_defaults(func=_cmd_evaluate)


def _precedent_verbs(sub: Any) -> None:
    """index, search, precedents: precedent search."""
    s = sub.add_parser("index", help="建立检索索引")
    isub = s.add_subparsers(dest="index_verb", metavar="build", title="子命令")
    b = isub.add_parser("build", help="用你自己的表建立索引")
    b.add_argument("paths", nargs="+", metavar="PATH", help="建索引用的表格文件")
    b.add_argument("--out", required=True, metavar="DIR", help="索引写到这个目录")
    b.add_argument("--trusted", action="store_true", help=TRUSTED_HELP)
    b.set_defaults(func=_cmd_index_build)

    s = sub.add_parser(
        "search",
        help="用 BM25 检索以往的指标或绩效目标",
        description="检索以往的指标(--kind goal: 项目绩效目标)。给出 --db 或 --data-dir 时也检索本单位"
        "先例库: 每份保存的审核里的行,带审核人决定的类别;相关程度相当(得分至少是最高分的一半)时排在"
        "随附数据之前。--year/--org/--department/--level2/--source 筛选这些行(没有数据库时只筛选随附数据)。",
    )
    s.add_argument("query", metavar="QUERY", help="检索词: 指标或绩效目标的草稿文字")
    s.add_argument(
        "--kind",
        choices=("indicator", "goal"),
        default="indicator",
        help="检索指标或绩效目标(默认 indicator)",
    )
    s.add_argument("--index", metavar="DIR", help="索引目录(默认: 随附数据)")
    s.add_argument("--top", type=int, default=10, metavar="K", help="最多列出 K 条(默认 10)")
    s.add_argument("--format", choices=("table", "jsonl", "csv"), default=None, help=FORMAT_HELP)
    s.add_argument("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
    _library_arguments(s)
    s.set_defaults(func=_cmd_search)

    s = sub.add_parser(
        "precedents",
        help="相似的以往指标、它们的类别和指标值",
        description="相似的以往指标、它们归入的类别和设定的指标值。先例库选项与 `search` 相同。",
    )
    s.add_argument("text", metavar="TEXT", help="指标草稿的文字")
    s.add_argument("--top", type=int, default=10, metavar="K", help="最多列出 K 条(默认 10)")
    s.add_argument("--index", metavar="DIR", help="索引目录(默认: 随附数据)")
    s.add_argument(
        "--min-ratio",
        type=float,
        default=0.25,
        metavar="R",
        help="去掉得分低于最高分 R 倍的结果(默认 0.25;0 表示全部保留)",
    )
    s.add_argument("--format", choices=("table", "jsonl"), default="table", help="输出格式(默认 table)")
    _library_arguments(s)
    s.set_defaults(func=_cmd_precedents)


def _check_verb(sub: Any) -> None:
    """check: the review pipeline on files."""
    s = sub.add_parser(
        "check",
        help="找出类别、指标值或表格结构可能有误的指标",
        description="审核指标表。用 -o OUT.xlsx(或 --format xlsx)时,每个 .xlsx 输入写回成它自己的工作簿,"
        "问题都标在上面: 单元格按问题级别填色,批注说明哪里不对、应该怎么写;每张表右侧加上 "
        "问题级别/问题/规则/建议二级指标/建议概率/审核意见 几列;另有一张「问题清单」工作表,每个问题都链接到"
        "它的单元格。其他输入(CSV/TSV、种子表、JSONL、.xls/.docx/.pdf)写成一个按原表排版的新工作簿。"
        "从不覆盖输入文件。",
    )
    s.add_argument("files", nargs="+", metavar="FILE", help="要审核的表格文件")
    s.add_argument("--format", choices=FORMATS, help=FORMAT_HELP)
    s.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        help="一个 FILE: 就写到这里。-o DIR/: 每个 FILE 一个工作簿,DIR/<FILE 主名>.审核.xlsx"
        "(沿用你的文件名,便于退回;表.docx -> 表.审核.xlsx)。多个 FILE 且 -o OUT.xlsx: "
        "写成 OUT 旁边的 OUT-<FILE 主名>.xlsx。写不出的 FILE 在标准错误输出上列出,其余照常写出,退出码为 2",
    )
    s.add_argument("--model", metavar="DIR", help=MODEL_HELP)
    s.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default=None,
        help="有这一级(error: 错误;warning: 警告及以上)的问题时,以退出码 1 结束",
    )
    s.add_argument(
        "--save",
        action="store_true",
        help="把这次审核保存到数据库（--db 或 --data-dir 下的 SQLite），并打印审核编号；保存时文件只记文件名",
    )
    _store_options(s)
    s.add_argument("--user", metavar="NAME", help="保存时记下的审核人")
    s.add_argument("--year", type=int, metavar="YYYY", help="保存时记下的年度（默认：取自文件名或工作表名）")
    s.add_argument("--org", metavar="NAME", help="保存时记下的主管部门（默认：取自表头）")
    s.add_argument("--trusted", action="store_true", help=TRUSTED_HELP)
    s.set_defaults(func=_cmd_check)


def _serve_verb(sub: Any) -> None:
    """serve: the web pages and the JSON API."""
    s = sub.add_parser(
        "serve",
        help="网页（审核、填报、检索、本单位模型）和 JSON API 的服务",
        description="启动网页和 JSON API 的服务。只在本机（127.0.0.1）时不需要账号；在其他地址上，"
        "先用 indicatorml users add 建立管理账号，否则拒绝启动。",
    )
    s.add_argument("--host", default="127.0.0.1", help="监听的地址（默认 127.0.0.1：只有本机能访问）")
    s.add_argument("--port", type=int, default=8765, help="端口（默认 8765）")
    s.add_argument("--model", metavar="DIR", help="服务默认使用的模型目录（默认：随附模型）")
    s.add_argument("--index", metavar="DIR", help="先例索引目录（默认：随附数据）")
    s.add_argument(
        "--data-dir",
        metavar="DIR",
        help="服务的数据目录：SQLite 审核数据库（除非给了 --db）和训练出的模型"
        "（默认 ~/.local/share/indicatorml）",
    )
    s.add_argument(
        "--db",
        metavar="URL",
        help="审核数据库的地址，例如 postgresql+psycopg://用户:密码@主机/库名（默认：SQLite）",
    )
    s.add_argument("--workers", type=int, default=1, metavar="N", help="共用一个数据库的服务进程数（默认 1）")
    s.add_argument(
        "--allowed-host",
        action="append",
        metavar="NAME",
        help="用户访问本服务时用的另一个主机名（可重复）；本机名、--host 的名字和 IP 地址总是接受，"
        "请求里的其他主机名一律拒绝（防 DNS 重绑定）",
    )
    s.set_defaults(func=_cmd_serve)


def _store_verbs(sub: Any) -> None:
    """backup, restore: the review store as one file."""
    for verb, func, help_text in (
        ("backup", _cmd_backup, "把审核数据库（审核、上传文件、审核决定、任务、设置）备份到一个文件 FILE"),
        ("restore", _cmd_restore, "把备份文件 FILE 恢复到一个空数据库（SQLite 与 PostgreSQL 之间也可以）"),
    ):
        s = sub.add_parser(verb, help=help_text, description=help_text)
        s.add_argument("file", metavar="FILE", type=Path)
        _store_options(s)
        s.set_defaults(func=func)


def _store_options(s: argparse.ArgumentParser) -> None:
    s.add_argument(
        "--db",
        metavar="URL",
        help="数据库地址，如 postgresql+psycopg://用户@主机/库名（默认：--data-dir 下的 SQLite 文件）",
    )
    s.add_argument("--data-dir", metavar="DIR", help="服务器的数据目录（默认：~/.local/share/indicatorml）")


def _reviews_parser(sub: Any) -> None:
    """``indicatorml reviews list|show|export|decide|download``: stored reviews, one API call each."""
    s = sub.add_parser("reviews", help="保存的审核：列出、查看、导出审核决定、记录决定、下载审核工作簿")
    rsub = s.add_subparsers(dest="reviews_verb", metavar="list|show|export|decide|download")

    r = rsub.add_parser("list", help="列出保存的审核（最新的在前）")
    r.add_argument("--year", type=int, help="只列这一年度的")
    r.add_argument("--org", help="只列这个主管部门的")
    r.add_argument("--limit", type=int, default=50, metavar="N", help="最多列出 N 份(默认 50)")
    r.add_argument("--format", choices=FORMATS, help=FORMAT_HELP)
    r.add_argument("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
    _store_options(r)
    r.set_defaults(func=_cmd_reviews_list)

    r = rsub.add_parser("show", help="查看一份审核：文件、项目、问题（带编号）和审核决定")
    r.add_argument("id", metavar="ID")
    r.add_argument(
        "--format", choices=("table", "json"), default="table", help="json：与 GET /api/reviews/{id} 相同"
    )
    r.add_argument("--output", "-o", metavar="PATH")
    _store_options(r)
    r.set_defaults(func=_cmd_reviews_show)

    r = rsub.add_parser("export", help="导出审核决定（CSV/JSONL/TSV/XLSX 或终端表格）")
    r.add_argument("id", metavar="ID")
    r.add_argument("--history", action="store_true", help="导出全部历史决定（默认只导出当前决定）")
    r.add_argument("--format", choices=FORMATS, help=FORMAT_HELP)
    r.add_argument("--output", "-o", metavar="PATH")
    _store_options(r)
    r.set_defaults(func=_cmd_reviews_export)

    r = rsub.add_parser(
        "decide",
        help="记录审核决定：采纳建议（accept）、保持原类别（keep）或改为指定类别（set --code 12）",
        description="对一个问题（--finding 编号，见 reviews show）或一行指标（--row 文件序号:第几条）记录决定。",
    )
    r.add_argument("id", metavar="ID")
    target = r.add_mutually_exclusive_group(required=True)
    target.add_argument("--finding", type=int, metavar="FID", help="问题编号")
    target.add_argument("--row", metavar="N:R", help="第 N 个文件的第 R 条指标（从 1 数起）")
    r.add_argument("--decision", required=True, choices=("accept", "keep", "set"))
    r.add_argument("--code", metavar="CODE", help="set 时改为的二级指标，如 12 或 12-质量指标")
    r.add_argument("--comment", metavar="TEXT", help="审核意见")
    r.add_argument("--user", metavar="NAME", help="审核人")
    _store_options(r)
    r.set_defaults(func=_cmd_reviews_decide)

    r = rsub.add_parser(
        "download",
        help="下载保存的审核：全部审核工作簿（zip），或 --file N 的审核工作簿 / 编码结果（--coded）",
    )
    r.add_argument("id", metavar="ID")
    r.add_argument("--file", type=int, metavar="N", help="第 N 个文件（从 1 数起）")
    r.add_argument("--coded", action="store_true", help="该文件的编码结果（用保存的建议，不重新计算）")
    r.add_argument(
        "--threshold", type=float, default=0.9, metavar="P", help="编码时低于此置信度标为需人工确认"
    )
    r.add_argument("--output", "-o", metavar="PATH", help="文件或目录（默认：当前目录下的原名）")
    _store_options(r)
    r.set_defaults(func=_cmd_reviews_download)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point. Known problems print one line and exit 2; nothing prints a traceback
    unless --debug is given."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with _reading(args):
            return int(args.func(args) or 0)
    except IndicatormlError as e:
        print(f"indicatorml: 错误: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # a file or directory the user named cannot be read or written
        if args.debug:
            raise
        where = f"{e.filename}: " if e.filename else ""
        print(f"indicatorml: 错误: {where}{os_reason(e)}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - the last line of defence: no traceback for users
        if args.debug:
            raise
        print(
            f"indicatorml: 内部错误(技术细节: {type(e).__name__}: {e});加上 --debug 重新运行可以看到详细信息",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
