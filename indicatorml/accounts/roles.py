"""The three roles: stored as English ids, shown and typed in Chinese.

管理 (``admin``) manages accounts and models and sees every department; 审核 (``reviewer``)
reviews and decides within their department; 填报 (``writer``) codes and checks drafts and sees
their department's reviews (what each may do: :mod:`indicatorml.accounts.permissions`).
"""

from __future__ import annotations

from typing import cast

from ..errors import IndicatormlError
from ..store import Role

__all__ = ["ROLES", "ROLE_NAMES", "role_id", "role_name"]

ROLES: tuple[Role, ...] = ("admin", "reviewer", "writer")
ROLE_NAMES: dict[Role, str] = {"admin": "管理", "reviewer": "审核", "writer": "填报"}
_BY_TEXT: dict[str, Role] = {**{r: r for r in ROLES}, **{name: r for r, name in ROLE_NAMES.items()}}


def role_id(text: str) -> Role:
    """The role id for 管理/审核/填报 (or the id itself); IndicatormlError for anything else."""
    role = _BY_TEXT.get(text.strip()) if isinstance(text, str) else None
    if role is None:
        raise IndicatormlError(f"没有角色 {text!r:.40}：角色是 审核、填报 或 管理")
    return role


def role_name(role: str) -> str:
    """The Chinese name users read (审核 …); an unknown id as itself."""
    return ROLE_NAMES.get(cast(Role, role), role)
