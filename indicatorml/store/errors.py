"""What the store raises: subclasses of the one error type the CLI and the pages turn into a message.

Every message is Chinese and names what the user (or the next layer) can act on; none names a
password (database URLs are shown with the password hidden).
"""

from __future__ import annotations

from ..errors import IndicatormlError

__all__ = ["StoreError", "NotFoundError", "InvalidError", "CorruptError"]


class StoreError(IndicatormlError):
    """A store problem the user can fix: a database that cannot be reached, a non-empty target."""


class NotFoundError(StoreError):
    """The review, finding, row, blob or job asked for does not exist (a page answers 404)."""


class InvalidError(StoreError):
    """The data handed to the store breaks its rules (a page answers 400); nothing was written."""


class CorruptError(StoreError):
    """Stored bytes no longer match their checksum, or a backup file does not match its manifest."""
