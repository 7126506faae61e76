"""Survey exports in, responses out: the reader behind ``orb import``.

Counties collect the assessment in whatever tool they have. Each tool is a
vendor module in ``vendors/`` registered in :mod:`.registry`; :func:`open_export`
finds the vendor, reads the header rows and matches columns to the county's
instrument, and the :class:`Export` it returns streams one
:class:`~orb_widgets.store.NewResponse` per person. Nothing here writes: the
caller stores responses only after :meth:`Export.check` has read the whole
file, so a bad file stores nothing.

Only the role, answers, comments, times and the vendor's response id are
read. IP addresses, e-mail addresses, names and other identifying columns are
never read, so nothing from them reaches a response or its ``source_key``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..instrument import Instrument
from ..store import NewResponse
from .export import INCOMPLETE, Export, open_export
from .registry import Vendor, formats, register


@dataclass(frozen=True)
class ImportResult:
    """What :func:`read_export` found in one file (all responses in memory: for small files and tests)."""

    responses: list[NewResponse]
    format: str
    dropped: dict[str, int]
    sha256: str
    ignored_columns: tuple[str, ...] = ()
    missing_questions: tuple[str, ...] = ()


def read_export(path, instrument: Instrument, format: str = "auto", encoding: str | None = None) -> ImportResult:
    """Read a whole survey export into a list of responses; store nothing.

    >>> res = read_export("responses.csv", store.current_instrument("Alder County"))  # doctest: +SKIP
    >>> store.add_responses("Alder County", "2026-spring", res.responses)  # doctest: +SKIP
    (42, 0)
    """
    export = open_export(path, instrument, format=format, encoding=encoding)
    responses = list(export)
    if not responses:
        export.check()  # raises the "no responses" error
    return ImportResult(
        responses=responses,
        format=export.format,
        dropped=dict(export.dropped),
        sha256=export.sha256,
        ignored_columns=export.ignored_columns,
        missing_questions=export.missing_questions,
    )


FORMATS = formats()

__all__ = [
    "FORMATS",
    "INCOMPLETE",
    "Export",
    "ImportResult",
    "Vendor",
    "formats",
    "open_export",
    "read_export",
    "register",
]
