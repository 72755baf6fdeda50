"""The one exception type the CLI turns into a clear message instead of a traceback."""

from __future__ import annotations

__all__ = ["IndicatormlError"]


class IndicatormlError(Exception):
    """A problem the user can fix (bad file, bad model directory, bad option): say it plainly."""
