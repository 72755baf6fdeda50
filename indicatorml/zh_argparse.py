"""argparse in Chinese: the usage line, section headings, ``-h`` and every usage error.

argparse's own words ("usage:", "positional arguments", "the following arguments are
required", "invalid choice" …) go through ``gettext`` in the default domain, so the only ways
to change them from outside are a compiled message catalogue found through the locale (it would
depend on $LANGUAGE and on a .mo file being installed) or replacing ``argparse._`` (a global
patch on a private name that every other parser in the process, pytest's included, would feel).
This module does neither: a parser subclass adds its own ``-h``, a formatter subclass names the
usage prefix and the section headings, and :meth:`ChineseArgumentParser.error` rewrites the
one-line message argparse hands it, whose English templates are the same on Python 3.11–3.13.
A message none of the patterns knows is shown as argparse wrote it: never lost, never a crash.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

__all__ = ["ChineseArgumentParser", "ChineseHelpFormatter", "translate_error"]

_HEADINGS = {
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",  # Python before 3.10 said this
}

_TYPES = {"int": "整数", "float": "数", "Path": "路径"}


def _invalid_value(m: re.Match[str]) -> str:
    return f"{m['value']} 不是有效的{_TYPES.get(m['type'], m['type'] + ' 值')}"


# (English template as a regex, its Chinese) in the order argparse nests them: "argument X: …"
# wraps the messages below it and is translated first, then its inner message.
_ERRORS: tuple[tuple[re.Pattern[str], Any], ...] = tuple(
    (re.compile(pattern + r"\Z", re.S), zh)
    for pattern, zh in (
        (r"the following arguments are required: (?P<a>.+)", "缺少必需的参数: {a}"),
        (r"one of the arguments (?P<a>.+) is required", "参数 {a} 必须给出其中一个"),
        (r"unrecognized arguments: (?P<a>.*)", "无法识别的参数: {a}"),
        (r"ambiguous option: (?P<o>\S+) could match (?P<m>.+)", "选项 {o} 有歧义,可能是: {m}"),
        (r"invalid choice: (?P<v>.+?) \(choose from (?P<c>.*)\)", "无效的选择 {v}(可选: {c})"),
        (r"invalid (?P<type>\w+) value: (?P<value>.+)", _invalid_value),
        (r"expected one argument", "需要一个值"),
        (r"expected at most one argument", "最多只能给一个值"),
        (r"expected at least one argument", "至少要给一个值"),
        (r"expected (?P<n>\d+) arguments?", "需要 {n} 个值"),
        (r"not allowed with argument (?P<a>.+)", "不能与参数 {a} 同时使用"),
        (r"ignored explicit argument (?P<a>.+)", "不接受值 {a}"),
    )
)
_ARGUMENT = re.compile(r"argument (?P<arg>\S+): (?P<msg>.+)\Z", re.S)


def translate_error(message: str) -> str:
    """argparse's English usage error ``message`` in Chinese (unchanged if no template fits)."""
    m = _ARGUMENT.match(message)
    if m:
        return f"参数 {m['arg']}: {translate_error(m['msg'])}"
    for pattern, zh in _ERRORS:
        m = pattern.match(message)
        if m:
            return zh(m) if callable(zh) else zh.format(**m.groupdict())
    return message


class ChineseHelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with a Chinese usage prefix and section headings."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[Any],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "用法: " if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(_HEADINGS.get(heading, heading) if heading else heading)


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and usage errors are Chinese; usage errors still exit 2.

    Sub-commands made with ``add_subparsers().add_parser`` are of this class too (argparse
    makes them of the parent's class), so one parser at the top is enough.
    """

    def __init__(self, **kwargs: Any) -> None:  # argparse makes sub-command parsers with keywords only
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 错误: {translate_error(message)}\n")
