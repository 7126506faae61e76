"""The vendor registry: one class per survey tool, found by ``--format`` name or by detection.

Each vendor module in ``importers/vendors/`` defines a :class:`Vendor`
subclass decorated with :func:`register`; the registry imports every module
in that folder, so adding a vendor touches one file (papermill's I/O handlers
work the same way). A vendor says:

- how its export is recognised (:meth:`Vendor.detect`, from the first rows),
  and which look-alike shapes it must refuse with a reason (:meth:`Vendor.refuse`);
- its header rows (:meth:`Vendor.table`) and bookkeeping columns (``meta``
  read, ``known`` never read), and side columns that are not answers;
- which rows are not responses (:meth:`Vendor.drop`: previews, tests, spam);
- its numeric codes (``dont_know_codes``, ``skipped_codes``) and whether a
  file holds codes rather than labels (:meth:`Vendor.numeric`);
- what identifies a response (:meth:`Vendor.identity`, ``id_times``, ``typed_ids``).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

from .matching import Header, key, plain_headers


@dataclass
class Table:
    """Where a file's headers are and where its responses start (0-based record numbers)."""

    headers: list[Header]
    start: int
    header_row: int  # the spreadsheet row an error names for a missing column
    zones: dict = field(default_factory=dict)
    width: int = 0  # cells a data row must have (0 = not checked)


class Vendor:
    name = ""  # the --format value and what the summary line shows
    title = ""  # how a person calls the tool
    family = ""  # downloads of one family share response keys (default: name)
    order = 100  # detection order, lowest first
    meta: dict[str, str] = {}  # header key -> what it holds: id, start, end, status, event, …
    known: frozenset = frozenset()  # bookkeeping never read (several identify people), not reported
    dont_know_codes: tuple = ()  # numbers meaning don't know in a numeric export ("points+1" allowed)
    skipped_codes: tuple = ()  # numbers meaning "seen, not answered"
    tsv_quotes = True  # False: this tool's TSV download never quotes a cell
    id_times: tuple[str, ...] = ()  # times that go with the tool's id ("start", "end"): its ids repeat
    typed_ids = False  # ids typed by people: one repeated with other answers is refused

    @classmethod
    def detect(cls, head: list[list[str]]) -> bool:
        return False

    @classmethod
    def refuse(cls, head: list[list[str]]) -> str | None:
        """A reason this look-alike export cannot be imported, with what to download instead."""
        return None

    @classmethod
    def table(cls, head: list[list[str]], inst) -> Table:
        row = head[0] if head else []
        return Table(plain_headers(row, 0), start=1, header_row=1, width=len(row))

    @classmethod
    def side_column(cls, header: Header) -> bool:
        """True for a column that goes with a question but is not its answer (quiz points …)."""
        return False

    @classmethod
    def drop(cls, cell, cols) -> str | None:
        """Why this row is not a response (a preview, a test), or None to read it.

        Raises ``ValueError(message, column_index)`` for a value it does not know.
        """
        return None

    @classmethod
    def numeric(cls, data_rows: list[list[str]], cols) -> bool:
        """True when answers are the tool's numeric codes rather than the choice text."""
        return False

    @classmethod
    def identity(cls, cell, cols) -> str | None:
        """The tool's own id for a row (with ``id_times``), or None: then its time and role identify
        it, or, with no time either, the file's rows up to it (see the README)."""
        rid = cell(cols.meta.get("id"))
        return rid or None


_VENDORS: dict[str, type[Vendor]] = {}


def register(cls: type[Vendor]) -> type[Vendor]:
    """Class decorator: make a vendor available to ``--format`` and to detection."""
    cls.family = cls.family or cls.name
    _VENDORS[cls.name] = cls
    return cls


def _load() -> dict[str, type[Vendor]]:
    if not _VENDORS:
        from . import vendors

        for mod in pkgutil.iter_modules(vendors.__path__):
            importlib.import_module(f"{vendors.__name__}.{mod.name}")
    return _VENDORS


def formats() -> tuple[str, ...]:
    """``--format`` choices: "auto" and every registered vendor, in detection order."""
    return ("auto", *sorted(_load(), key=lambda n: (_load()[n].order, n)))


def vendor(name: str) -> type[Vendor]:
    return _load()[name]


def detect(head: list[list[str]], container: str) -> type[Vendor]:
    """The first vendor (by ``order``) whose shape this is; the plain table of the container otherwise."""
    for name in formats()[1:]:
        v = _load()[name]
        if v.detect(head):
            return v
    return _load()[container]


__all__ = ["Table", "Vendor", "detect", "formats", "key", "register", "vendor"]
